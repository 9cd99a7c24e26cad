// Kernel and model benchmarks. The benchmark names are stable: scripts compare them
// across versions (see README, "Performance").
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <queue>
#include <vector>

#include "models/toy/chain_append.h"
#include "sim/simulation.h"

// Heap allocations made by this process, counted by the replaced global operator new
// below, so benchmarks can report allocations per event (expected: 0 in steady state).
// Benchmark-binary only; the simulator itself keeps no global state.
namespace {
uint64_t g_allocations = 0;
}  // namespace

void* operator new(std::size_t n) {
    ++g_allocations;
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
// GCC cannot see that these pair with the operator new above.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

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
    const uint64_t allocs_before = g_allocations;
    for (auto _ : state) {
        for (int64_t i = 0; i < kBatch; ++i) s.step();
    }
    state.SetItemsProcessed(state.iterations() * kBatch);
    state.counters["pending"] = static_cast<double>(s.pending_events());
    state.counters["allocs_per_event"] =
        static_cast<double>(g_allocations - allocs_before) / static_cast<double>(state.iterations() * kBatch);
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
    uint64_t steady_allocs = 0;
    uint64_t steady_events = 0;
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
    // Allocations per event in steady state: a 2 s run minus a 1 s run (same setup).
    {
        models::toy::ChainAppendConfig config;
        config.horizon = sim::Duration::seconds(1);
        uint64_t a0 = g_allocations;
        auto r1 = models::toy::run_chain_append(config);
        const uint64_t allocs_1s = g_allocations - a0;
        config.horizon = sim::Duration::seconds(2);
        a0 = g_allocations;
        auto r2 = models::toy::run_chain_append(config);
        steady_allocs = (g_allocations - a0) - allocs_1s;
        steady_events = r2.events - r1.events;
    }
    state.counters["allocs_per_event"] = static_cast<double>(steady_allocs) / static_cast<double>(steady_events);
}
BENCHMARK(BM_ChainAppend)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
