// The scenario mapped onto kernel, fault and workload specs: every shipped scenario
// builds a world, its faults resolve, and its chaos draws a schedule.
#include <doctest/doctest.h>

#include <filesystem>

#include "app/scenario/loader.h"
#include "app/world_specs.h"
#include "faults/injector.h"

namespace fs = std::filesystem;

TEST_CASE("world specs: every scenario in scenarios/ builds a simulation and schedules its faults") {
    int scenarios = 0;
    for (const auto& entry : fs::directory_iterator(fs::path(STAMPSIM_SOURCE_DIR) / "scenarios")) {
        if (entry.path().extension() != ".json" || entry.path().filename() == "schema.json") continue;
        auto loaded = app::scenario::load_scenario_file(entry.path());
        REQUIRE_MESSAGE(loaded.ok(), entry.path().string());
        const auto& s = *loaded.scenario;
        sim::Simulation sim(app::topology_spec(s), app::simulation_config(s, s.seed));
        int nodes = 0;
        for (const auto& r : s.topology.regions) {
            for (const auto& st : r.stamps) nodes += st.node_count();
        }
        CHECK(static_cast<int>(sim.topology().node_count()) == nodes);
        auto plan = app::fault_plan(s, sim.topology());
        CHECK(plan.size() == s.faults.size());
        faults::Injector inj(sim, nullptr, nullptr, sim.fork_rng("faults"));
        inj.schedule_all(plan);
        if (s.chaos) {
            auto schedule = faults::draw_chaos_schedule(app::chaos_spec(*s.chaos), sim.topology(), sim.fork_rng("chaos"));
            CHECK(!schedule.faults.empty());
            inj.schedule_all(schedule.faults);
        }
        sim.run_until(sim::Time::zero() + s.duration);
        inj.heal_all();
        for (const auto& node : sim.topology().nodes()) CHECK(sim.up(node.id));
        for (const auto& w : s.workloads) {
            if (w.kind != app::scenario::WorkloadKind::kSynthetic) continue;
            auto spec = app::workload_spec(w);
            double sum = 0;
            for (double m : spec.mix) sum += m;
            CHECK(sum == doctest::Approx(1.0));
        }
        ++scenarios;
    }
    CHECK(scenarios >= 6);
}
