// Whole runs through every layer (app::World): the quickstart scenario, and an 18 x 18
// stamp at 20,000 requests per simulated second. Figures: wall time, simulated seconds
// per wall second, client operations per wall second, kernel events per operation, peak
// resident memory of the process. The run only (boot, load, drain, verify); report
// writing is measured by reports/ (tests/reports: the folder of a 10-minute run).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <chrono>
#include <string>

#include "app/scenario/loader.h"
#include "app/world.h"

namespace {

// 18 racks x 18 nodes (324), 6 power domains; 12 partition servers, 24 pre-split range
// partitions; 20,000 requests/s Poisson of the quickstart mix (4 KiB median objects).
const char* const k18x18 = R"({
  "name": "bench-18x18", "seed": 1, "duration": "20s", "drain": "5s",
  "topology": { "regions": [ { "name": "west", "stamps": [
      { "name": "w1", "racks": 18, "nodes_per_rack": 18, "power_domains": 6,
        "roles": { "partition_server": 12, "front_end": 12 } } ] } ] },
  "storage": { "partition": { "initial_partitions": 24 } },
  "accounts": [ { "name": "a", "stamp": "w1" } ],
  "workloads": [ { "name": "mixed", "account": "a",
      "arrival": { "kind": "poisson", "rate": 20000 },
      "mix": { "put": 0.3, "get": 0.6, "delete": 0.05, "list": 0.05 },
      "keys": { "count": 200000, "distribution": "uniform" },
      "size": { "distribution": "lognormal", "median": "4KB", "sigma": 1.0 } } ],
  "checks": { "durability": true, "consistency": "none" }
})";

double peak_rss_mib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) / 1024.0;  // Linux: KiB
}

void run_world(benchmark::State& state, const app::scenario::LoadResult& loaded) {
    const auto& s = *loaded.scenario;
    double wall_s = 0, sim_s = 0;
    uint64_t ops = 0, events = 0;
    for (auto _ : state) {
        const auto t0 = std::chrono::steady_clock::now();
        app::World w(s, s.seed, app::WorldOptions{});
        w.run({});
        wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        sim_s += (s.duration + s.drain).to_seconds();
        ops += w.history().ops().size();
        events += w.sim().events_dispatched();
    }
    state.counters["wall_s_per_run"] = wall_s / static_cast<double>(state.iterations());
    state.counters["sim_s_per_wall_s"] = sim_s / wall_s;
    state.counters["ops_per_wall_s"] = static_cast<double>(ops) / wall_s;
    state.counters["events_per_op"] = static_cast<double>(events) / static_cast<double>(ops);
    state.counters["ops_per_run"] = static_cast<double>(ops) / static_cast<double>(state.iterations());
    state.counters["peak_rss_mib"] = peak_rss_mib();
}

void BM_RunQuickstart(benchmark::State& state) {
    auto loaded = app::scenario::load_scenario_file(std::string(STAMPSIM_SOURCE_DIR) + "/scenarios/quickstart.json");
    if (!loaded.ok()) {
        state.SkipWithError("scenarios/quickstart.json does not load");
        return;
    }
    run_world(state, loaded);
}
BENCHMARK(BM_RunQuickstart)->Unit(benchmark::kMillisecond)->Iterations(2);

void BM_Run18x18At20k(benchmark::State& state) {
    auto loaded = app::scenario::load_scenario_text(k18x18, "bench-18x18.json", STAMPSIM_SOURCE_DIR);
    if (!loaded.ok()) {
        state.SkipWithError("the 18x18 bench scenario does not load");
        return;
    }
    run_world(state, loaded);
}
BENCHMARK(BM_Run18x18At20k)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
