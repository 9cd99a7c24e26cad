// models/consensus benchmark: a 5-replica Raft group under steady closed-loop load.
// commits_per_s: client commands committed and answered per wall second.
// events_per_commit: kernel events dispatched per committed command (protocol cost).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>

#include "models/consensus/testing/harness.h"

namespace {

void BM_RaftCommit(benchmark::State& state) {
    const int clients = static_cast<int>(state.range(0));
    uint64_t commits = 0;
    uint64_t events = 0;
    double wall_s = 0;
    for (auto _ : state) {
        const auto start = std::chrono::steady_clock::now();
        const auto r = models::consensus::testing::run_steady(5, clients, sim::Duration::seconds(10), 42);
        wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        commits += r.commits;
        events += r.events;
        benchmark::DoNotOptimize(r.fingerprint);
    }
    state.counters["commits_per_s"] = static_cast<double>(commits) / wall_s;
    state.counters["events_per_commit"] = static_cast<double>(events) / static_cast<double>(commits);
    state.counters["sim_commits_per_sim_s"] = static_cast<double>(commits) / (10.0 * static_cast<double>(state.iterations()));
}
BENCHMARK(BM_RaftCommit)->Arg(1)->Arg(16)->Arg(64)->Unit(benchmark::kMillisecond);

}  // namespace
