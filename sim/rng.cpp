#include "sim/rng.h"

#include <cmath>
#include <limits>

#include "sim/check.h"
#include "sim/int128.h"

namespace sim {

namespace {
constexpr uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

Rng::Rng(uint64_t seed) : key_(mix64(seed ^ 0x5eed5eed5eed5eedULL)) {
    uint64_t x = key_;
    for (auto& s : s_) {
        x += 0x9e3779b97f4a7c15ULL;
        s = mix64(x);
    }
}

Rng Rng::fork(std::string_view name) const {
    Rng child(0);
    child.key_ = mix64(key_ ^ hash_name(name));
    uint64_t x = child.key_;
    for (auto& s : child.s_) {
        x += 0x9e3779b97f4a7c15ULL;
        s = mix64(x);
    }
    return child;
}

Rng Rng::fork(uint64_t index) const {
    Rng child(0);
    child.key_ = mix64(key_ + mix64(index + 0x1234567ULL));
    uint64_t x = child.key_;
    for (auto& s : child.s_) {
        x += 0x9e3779b97f4a7c15ULL;
        s = mix64(x);
    }
    return child;
}

uint64_t Rng::next_u64() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

uint64_t Rng::below(uint64_t n) {
    SIM_ASSERT(n > 0, "Rng::below(0)");
    uint128 m = static_cast<uint128>(next_u64()) * n;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < n) {
        const uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            m = static_cast<uint128>(next_u64()) * n;
            low = static_cast<uint64_t>(m);
        }
    }
    return static_cast<uint64_t>(m >> 64);
}

int64_t Rng::uniform_int(int64_t lo, int64_t hi) {
    SIM_ASSERT(lo <= hi, "uniform_int(" << lo << ", " << hi << ")");
    const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    if (span == std::numeric_limits<uint64_t>::max()) return static_cast<int64_t>(next_u64());
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + below(span + 1));
}

double Rng::uniform01() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

double Rng::uniform_real(double lo, double hi) { return lo + (hi - lo) * uniform01(); }

bool Rng::bernoulli(double p) {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return uniform01() < p;
}

double Rng::exponential(double mean) {
    // 1 - u is in (0, 1], so the log is finite.
    return -mean * std::log(1.0 - uniform01());
}

Duration Rng::exponential(Duration mean) {
    return Duration::nanos(static_cast<int64_t>(std::llround(exponential(static_cast<double>(mean.ns())))));
}

double Rng::normal() {
    const double u1 = 1.0 - uniform01();
    const double u2 = uniform01();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
}

double Rng::lognormal(double median, double sigma) { return median * std::exp(sigma * normal()); }

ZipfTable::ZipfTable(uint64_t n, double theta) : theta_(theta) {
    SIM_ASSERT(n >= 1, "zipf over zero keys");
    SIM_ASSERT(n < (uint64_t{1} << 32), "zipf over more than 2^32 keys");
    SIM_ASSERT(theta >= 0, "zipf theta " << theta);
    std::vector<double> w(n);
    double sum = 0;
    for (uint64_t k = 0; k < n; ++k) {
        w[k] = std::pow(static_cast<double>(k + 1), -theta);
        sum += w[k];
    }
    norm_ = sum;
    // Vose's alias construction on scaled weights (mean 1).
    std::vector<double> scaled(n);
    std::vector<uint32_t> small, large;
    for (uint64_t k = 0; k < n; ++k) {
        scaled[k] = w[k] * static_cast<double>(n) / sum;
        (scaled[k] < 1.0 ? small : large).push_back(static_cast<uint32_t>(k));
    }
    prob_.assign(n, std::numeric_limits<uint64_t>::max());
    alias_.resize(n);
    for (uint64_t k = 0; k < n; ++k) alias_[k] = static_cast<uint32_t>(k);
    while (!small.empty() && !large.empty()) {
        uint32_t s = small.back();
        small.pop_back();
        uint32_t l = large.back();
        prob_[s] = static_cast<uint64_t>(std::ldexp(scaled[s], 64) >= 0x1.0p64 ? 0xffffffffffffffffULL
                                                                                : std::ldexp(scaled[s], 64));
        alias_[s] = l;
        scaled[l] = (scaled[l] + scaled[s]) - 1.0;
        if (scaled[l] < 1.0) {
            large.pop_back();
            small.push_back(l);
        }
    }
    // Leftovers (rounding) keep probability 1 of themselves.
}

uint64_t ZipfTable::sample(Rng& rng) const {
    const uint64_t column = rng.below(prob_.size());
    const uint64_t coin = rng.next_u64();
    return coin < prob_[column] || prob_[column] == std::numeric_limits<uint64_t>::max() ? column : alias_[column];
}

double ZipfTable::probability(uint64_t k) const { return std::pow(static_cast<double>(k + 1), -theta_) / norm_; }

}  // namespace sim
