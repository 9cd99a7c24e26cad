#include "models/client/workload_gen.h"

#include <cmath>
#include <cstdio>
#include <numeric>

#include "sim/check.h"
#include "sim/int128.h"

namespace models::client {

WorkloadGenerator::WorkloadGenerator(const WorkloadSpec& spec, const sim::Rng& rng)
    : spec_(spec),
      arrival_rng_(rng.fork("arrival")),
      op_rng_(rng.fork("op")),
      key_rng_(rng.fork("key")),
      size_rng_(rng.fork("size")) {
    SIM_ASSERT(spec_.key_count >= 1, "workload with no keys");
    if (spec_.keys == KeyDist::kZipf) {
        zipf_ = std::make_shared<sim::ZipfTable>(spec_.key_count, spec_.theta);
        // The first prime (from a fixed list) that does not divide the key count.
        for (uint64_t p : {1'000'003ULL, 999'983ULL, 999'979ULL, 2'147'483'647ULL}) {
            if (std::gcd(p, spec_.key_count) == 1) {
                scatter_ = p % spec_.key_count == 0 ? 1 : p;
                break;
            }
        }
    }
}

double WorkloadGenerator::rate_at(sim::Duration t, sim::Duration* next_change) const {
    *next_change = sim::Duration::max();
    if (spec_.steps.empty()) return spec_.rate;
    double rate = 0;
    for (const auto& s : spec_.steps) {
        if (s.at <= t) {
            rate = s.rate;
        } else {
            *next_change = s.at;
            break;
        }
    }
    return rate;
}

std::optional<sim::Duration> WorkloadGenerator::next_gap(sim::Duration since_start) {
    SIM_ASSERT(spec_.arrival != Arrival::kClosed, "closed-loop workloads have no arrival gaps");
    sim::Duration t = since_start;
    // Piecewise-constant rate: draw with the current rate; if the draw crosses the next
    // step, restart at the step with the new rate (exact for Poisson: memoryless).
    for (int guard = 0; guard < 10'000; ++guard) {
        sim::Duration change;
        const double rate = rate_at(t, &change);
        if (rate <= 0) {
            if (change == sim::Duration::max()) return std::nullopt;
            t = change;
            continue;
        }
        const sim::Duration mean = sim::Duration::from_seconds(1.0 / rate);
        sim::Duration gap = spec_.arrival == Arrival::kPoisson ? arrival_rng_.exponential(mean) : mean;
        if (gap < sim::Duration::nanos(1)) gap = sim::Duration::nanos(1);
        if (t + gap <= change) return t + gap - since_start;
        t = change;
    }
    return std::nullopt;
}

OpKind WorkloadGenerator::next_op() {
    const double u = op_rng_.uniform01();
    double acc = 0;
    for (int i = 0; i < 5; ++i) {
        acc += spec_.mix[i];
        if (u < acc) return static_cast<OpKind>(i);
    }
    // Rounding: the last kind with a non-zero weight.
    for (int i = 4; i >= 0; --i) {
        if (spec_.mix[i] > 0) return static_cast<OpKind>(i);
    }
    return OpKind::kGet;
}

uint64_t WorkloadGenerator::next_key() {
    const uint64_t n = spec_.key_count;
    switch (spec_.keys) {
        case KeyDist::kUniform:
            return key_rng_.below(n);
        case KeyDist::kZipf: {
            const uint64_t rank = zipf_->sample(key_rng_);
            return static_cast<uint64_t>((static_cast<sim::uint128>(rank) * scatter_) % n);
        }
        case KeyDist::kHotspot: {
            const uint64_t hot = std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(spec_.hot_fraction * static_cast<double>(n))));
            if (hot >= n || key_rng_.bernoulli(spec_.hot_probability)) return key_rng_.below(std::min(hot, n));
            return hot + key_rng_.below(n - hot);
        }
        case KeyDist::kSequential:
            return sequential_++ % n;
    }
    return 0;
}

std::string WorkloadGenerator::key_name(uint64_t key) const {
    char buf[24];
    std::snprintf(buf, sizeof buf, "k%010llu", static_cast<unsigned long long>(key));
    return buf;
}

int64_t WorkloadGenerator::next_size() {
    switch (spec_.sizes) {
        case SizeDist::kFixed:
            return spec_.size_value;
        case SizeDist::kUniform:
            return size_rng_.uniform_int(spec_.size_min, spec_.size_max);
        case SizeDist::kLognormal: {
            const double v = size_rng_.lognormal(static_cast<double>(spec_.size_median), spec_.sigma);
            return std::max<int64_t>(0, static_cast<int64_t>(std::llround(std::min(v, 1e15))));
        }
    }
    return 0;
}

}  // namespace models::client
