// models/consensus/testing/fault_driver.h: the seeded fault schedule of the chaos runs.
//
// Draws faults from its own Rng stream between `start` and `heal_at` and schedules them
// (and their undo) as kernel callbacks. Node-level faults (crash, rack power loss, pause)
// never overlap on a node, so every undo is exact; everything is undone at heal_at.
// Clock skew stays within max_drift, the bound the protocols are sized for.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "models/consensus/config.h"
#include "sim/simulation.h"

namespace models::consensus::testing {

class FaultDriver {
public:
    struct Options {
        sim::Time start;
        sim::Time heal_at;
        sim::Duration mean_interval = sim::Duration::millis(1200);
        double max_drift = 0.05;
        // Leader churn: only faults on the current leader: crash it (short outage) or
        // cut it off from the other replicas while clients still reach it, so it keeps
        // appending entries nobody else gets. Drives a group through many leaders with
        // partly replicated logs (the situation of Raft's Figure 8).
        bool leader_churn = false;
    };
    // `targets`: nodes faults may hit; `replicas`: the group's nodes (crash the leader,
    // slow disks); `leader_of`: the current leader's node, or an invalid NodeId.
    FaultDriver(sim::Simulation& sim, std::vector<sim::NodeId> targets, std::vector<sim::NodeId> replicas,
                std::function<sim::NodeId()> leader_of, Options options);
    void plan();
    const std::vector<std::string>& schedule() const { return schedule_; }

private:
    struct Undo {
        bool done = false;
        std::function<void()> fn;
    };
    void inject(sim::Time at);
    void later(sim::Time at, size_t undo);
    size_t add_undo(std::function<void()> fn);
    void heal_all();
    bool free(sim::NodeId n) const;
    void note(sim::Time at, const std::string& what);
    sim::NodeId pick_target();
    std::string name(sim::NodeId n) const { return sim_.topology().node(n).name; }

    sim::Simulation& sim_;
    sim::Rng rng_;
    std::vector<sim::NodeId> targets_;
    std::vector<sim::NodeId> replicas_;
    std::function<sim::NodeId()> leader_of_;
    Options options_;
    std::vector<Undo> undos_;
    std::vector<bool> busy_;       // node-level fault active, by node id
    std::vector<bool> disk_busy_;  // slow disk active
    std::vector<bool> clock_busy_;
    std::vector<std::string> schedule_;
};

}  // namespace models::consensus::testing
