// Kernel and model benchmarks. The benchmark names are stable: scripts compare them
// across versions (see README, "Performance").
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <queue>
#include <vector>

#include "models/toy/chain_append.h"
#include "sim/simulation.h"

namespace {

// The hold model: `pending` events in the queue; each dispatched event schedules one
// more at now + U[0, 1 ms). Measures schedule + dispatch only.
class Hold final : public sim::EventHandler {
public:
    explicit Hold(uint64_t seed) : rng_(seed) {}
    void on_event(sim::Simulation& s, uint64_t) override {
        s.post(s.now() + sim::Duration::nanos(static_cast<int64_t>(rng_.below(1'000'000))), this, 0);
    }
    sim::Rng rng_;
};

void BM_HoldModel(benchmark::State& state) {
    const int64_t pending = state.range(0);
    sim::Simulation s(sim::TopologySpec{}, sim::SimulationConfig{});
    Hold hold(7);
    for (int64_t i = 0; i < pending; ++i) {
        s.post(sim::Time::zero() + sim::Duration::nanos(static_cast<int64_t>(hold.rng_.below(1'000'000))), &hold, 0);
    }
    // Warm up so the heap has its steady-state shape and capacity.
    for (int64_t i = 0; i < pending * 4; ++i) s.step();
    constexpr int64_t kBatch = 10'000;
    for (auto _ : state) {
        for (int64_t i = 0; i < kBatch; ++i) s.step();
    }
    state.SetItemsProcessed(state.iterations() * kBatch);
    state.counters["pending"] = static_cast<double>(s.pending_events());
}
BENCHMARK(BM_HoldModel)->Arg(1000)->Arg(100000);

// The same hold model on a minimal hand-written binary heap (std::priority_queue of
// 16-byte events, ordered by time then insertion sequence), in this binary, as the
// reference for the kernel's overhead.
void BM_ReferenceHoldModel(benchmark::State& state) {
    struct Ev {
        int64_t t;
        uint64_t seq;
        bool operator>(const Ev& o) const { return t > o.t || (t == o.t && seq > o.seq); }
    };
    std::priority_queue<Ev, std::vector<Ev>, std::greater<>> q;
    sim::Rng rng(7);
    uint64_t seq = 0;
    for (int64_t i = 0; i < state.range(0); ++i) q.push(Ev{static_cast<int64_t>(rng.below(1'000'000)), seq++});
    constexpr int64_t kBatch = 10'000;
    uint64_t dispatched = 0;
    for (auto _ : state) {
        for (int64_t i = 0; i < kBatch; ++i) {
            Ev e = q.top();
            q.pop();
            ++dispatched;
            q.push(Ev{e.t + static_cast<int64_t>(rng.below(1'000'000)), seq++});
        }
    }
    benchmark::DoNotOptimize(dispatched);
    state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_ReferenceHoldModel)->Arg(1000);

// The chain-append model (60 nodes, 200 closed-loop clients, chain of 3). One
// iteration runs one simulated second.
void BM_ChainAppend(benchmark::State& state) {
    uint64_t appends = 0;
    uint64_t events = 0;
    double wall = 0;
    for (auto _ : state) {
        auto start = std::chrono::steady_clock::now();
        models::toy::ChainAppendConfig config;
        auto r = models::toy::run_chain_append(config);
        wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        appends += r.appends;
        events += r.events;
    }
    state.counters["appends_per_s"] = benchmark::Counter(static_cast<double>(appends) / wall);
    state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events) / wall);
    state.counters["events_per_append"] = static_cast<double>(events) / static_cast<double>(appends);
}
BENCHMARK(BM_ChainAppend)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
