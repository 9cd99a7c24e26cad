// faults/chaos.h: a seeded random fault schedule under a failure-domain budget.
//
// Faults arrive as a Poisson process (mean_interval) between start and end; each draws a
// kind from `kinds`, a target in a random stamp and a duration (exponential around
// mean_duration, at least one second). The budget: at every instant the racks impaired by
// active faults lie in at most max_failed_domains power domains. A set of racks inside
// one power domain is one domain failure, since the design must survive that whole
// domain going down; a fault that would break the budget is skipped (and the skip is
// counted). With max_failed_domains = 1 every schedule stays inside the system's design,
// so every check must pass for every seed. The schedule is a plain list of FaultSpecs:
// the run prints it first and records it in the report, so each seed explains itself.
#pragma once

#include <vector>

#include "faults/fault.h"
#include "sim/rng.h"
#include "sim/time.h"
#include "sim/topology.h"

namespace faults {

struct ChaosSpec {
    sim::Duration start;
    sim::Duration end;
    sim::Duration mean_interval = sim::Duration::seconds(60);
    sim::Duration mean_duration = sim::Duration::seconds(30);
    std::vector<Kind> kinds;
    int max_failed_domains = 1;
    // Bound on |drift| for clock_skew (what the lock service's leases are built to tolerate).
    double max_clock_drift = 0.01;
};

struct ChaosSchedule {
    std::vector<FaultSpec> faults;
    int skipped_for_budget = 0;
};

// REQUIRES: the topology has at least one stamp; kinds are those chaos can draw (not
// stamp_down, region_partition or rolling_upgrade).
ChaosSchedule draw_chaos_schedule(const ChaosSpec& spec, const sim::Topology& topology, sim::Rng rng);

// The racks (global indices) a fault impairs, for the budget; empty if none.
std::vector<int> impaired_racks(const FaultSpec& f, const sim::Topology& topology);

}  // namespace faults
