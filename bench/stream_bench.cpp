// Stream layer throughput: appends per wall second through the stream client on an
// 18 x 18 stamp (chain replication, 64 KiB blocks, 32 writers with 8 appends in flight),
// and kernel events per append.
#include <benchmark/benchmark.h>

#include <chrono>

#include "tests/models/stream_harness.h"

namespace {

void BM_StreamAppend(benchmark::State& state) {
    using namespace stream_test;
    uint64_t appends = 0, events = 0;
    double wall_s = 0;
    for (auto _ : state) {
        WorldOptions o;
        o.seed = 1;
        o.racks = 18;
        o.nodes_per_rack = 18;
        o.power_domains = 6;
        o.upgrade_domains = 5;
        o.config = StreamConfig{};
        o.writers = 32;
        o.writer.window = 8;
        o.writer.read_every = sim::Duration::hours(1);
        o.observe = false;
        World w(o);
        w.sim.run_until(sim::Time::zero() + sim::Duration::seconds(2));
        const uint64_t a0 = w.acked();
        const uint64_t e0 = w.sim.events_dispatched();
        const auto t0 = std::chrono::steady_clock::now();
        w.sim.run_until(sim::Time::zero() + sim::Duration::seconds(12));
        wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        appends += w.acked() - a0;
        events += w.sim.events_dispatched() - e0;
    }
    state.counters["appends_per_s"] = static_cast<double>(appends) / wall_s;
    state.counters["events_per_append"] = static_cast<double>(events) / static_cast<double>(appends);
    state.counters["appends"] = static_cast<double>(appends);
}
BENCHMARK(BM_StreamAppend)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
