// Validation against queueing theory (../shared/reference/was-model-notes.md §9,
// O3-O5): one disk under Poisson arrivals must give the closed-form mean response
// time within 3% over a long run.
#include <doctest/doctest.h>

#include <cmath>
#include <map>

#include "sim/simulation.h"
#include "test_world.h"

using namespace sim::literals;

namespace {

// Poisson arrivals of zero-byte I/Os at one node's disk; records response times.
class PoissonLoad final : public sim::Actor {
public:
    PoissonLoad(sim::Context& ctx, double rate_per_s, int64_t* count, double* sum_s)
        : Actor(ctx), rate_(rate_per_s), count_(count), sum_s_(sum_s) {}
    void on_start() override { ctx().set_timer(next_gap(), 0); }
    void on_message(sim::MessagePtr) override {}
    void on_timer(uint64_t) override {
        arrivals_[seq_] = ctx().true_now();
        ctx().disk_io(sim::IoKind::kRead, 0, seq_++);
        ctx().set_timer(next_gap(), 0);
    }
    void on_io(uint64_t tag, sim::IoStatus) override {
        auto it = arrivals_.find(tag);
        *sum_s_ += (ctx().true_now() - it->second).to_seconds();
        ++*count_;
        arrivals_.erase(it);
    }

private:
    sim::Duration next_gap() { return ctx().rng().exponential(sim::Duration::from_seconds(1.0 / rate_)); }
    double rate_;
    int64_t* count_;
    double* sum_s_;
    uint64_t seq_ = 0;
    std::map<uint64_t, sim::Time> arrivals_;
};

double mean_response_s(sim::DiskService service, int servers, double lambda, uint64_t seed, sim::Duration horizon) {
    sim::SimulationConfig cfg;
    cfg.seed = seed;
    cfg.disk.latency = 10_ms;  // mean service 10 ms (size 0: no transfer time)
    cfg.disk.service = service;
    cfg.disk.servers = servers;
    sim::Simulation s(simtest::one_stamp(1, 1), cfg);
    int64_t count = 0;
    double sum = 0;
    s.add_service(s.topology().stamp(0).nodes[0], 1, [&](sim::Context& ctx) {
        return std::make_unique<PoissonLoad>(ctx, lambda, &count, &sum);
    });
    s.run_until(sim::Time::zero() + horizon);
    return sum / static_cast<double>(count);
}

double erlang_c(int c, double a) {
    double term = 1, sum = 0;
    for (int k = 0; k < c; ++k) {
        if (k > 0) term *= a / k;
        sum += term;
    }
    const double last = term * a / c * c / (c - a);
    return last / (sum + last);
}

}  // namespace

TEST_CASE("validation: M/M/1 disk, lambda 80/s, mean service 10 ms -> W = 50 ms") {
    const double w = mean_response_s(sim::DiskService::kExponential, 1, 80, 1, sim::Duration::seconds(30'000));
    CHECK(w == doctest::Approx(0.050).epsilon(0.03));
}

TEST_CASE("validation: M/D/1 disk, lambda 80/s, fixed 10 ms -> W = 30 ms") {
    const double w = mean_response_s(sim::DiskService::kFixed, 1, 80, 2, sim::Duration::seconds(30'000));
    CHECK(w == doctest::Approx(0.030).epsilon(0.03));
}

TEST_CASE("validation: M/M/4 shared queue, lambda 320/s, mu 100/s -> W = 17.455 ms (Erlang C)") {
    const double c = erlang_c(4, 3.2);
    CHECK(c == doctest::Approx(0.5964).epsilon(0.001));
    const double expected = c / (4 * 100.0 - 320.0) + 1 / 100.0;
    CHECK(expected == doctest::Approx(0.017455).epsilon(0.001));
    const double w = mean_response_s(sim::DiskService::kExponential, 4, 320, 3, sim::Duration::seconds(10'000));
    CHECK(w == doctest::Approx(expected).epsilon(0.03));
}
