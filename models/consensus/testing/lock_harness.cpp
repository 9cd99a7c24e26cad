// The lock-service chaos run of harness.h: lease holders on storage nodes contend for a
// few locks through LockClient while faults hit holders and service replicas alike.
#include <memory>

#include "models/consensus/deploy.h"
#include "models/consensus/raft.h"
#include "models/consensus/safety.h"
#include "models/consensus/testing/fault_driver.h"
#include "models/consensus/testing/harness.h"
#include "models/lock/lock_client.h"
#include "models/lock/lock_service.h"
#include "models/ports.h"
#include "sim/simulation.h"

namespace models::consensus::testing {

namespace {

constexpr uint64_t kPollTag = 1;
constexpr uint64_t kNextTag = 2;
constexpr sim::Port kHolderPort = ports::kConsensusTestClient;

struct HolderStats {
    uint64_t grants = 0;
    uint64_t answers = 0;
    sim::Time last_answer;
};

// Acquires a random lock, holds it for a while (auto-renewing), releases, repeats; polls
// holds() every 10 ms so the recorder sees its beliefs as they are.
class Holder final : public sim::Actor {
public:
    Holder(sim::Context& ctx, ReplicaGroup group, lock::LockClientConfig config, int locks, HolderStats& stats)
        : Actor(ctx), client_(ctx, std::move(group), config), locks_(locks), stats_(stats) {}

    void on_start() override {
        ctx().set_timer(sim::Duration::millis(10), kPollTag);
        try_acquire();
    }
    void on_message(sim::MessagePtr msg) override { client_.handle_message(msg); }
    void on_timer(uint64_t tag) override {
        if (client_.handle_timer(tag)) return;
        if (tag == kPollTag) {
            if (!lock_.empty()) client_.holds(lock_);
            ctx().set_timer(sim::Duration::millis(10), kPollTag);
        } else if (tag == kNextTag) {
            if (lock_.empty()) {
                try_acquire();
            } else {
                client_.release(lock_);
                lock_.clear();
                ctx().set_timer(sim::Duration::nanos(ctx().rng().uniform_int(0, 500'000'000)), kNextTag);
            }
        }
    }

private:
    void try_acquire() {
        const std::string lock = "lock-" + std::to_string(ctx().rng().below(static_cast<uint64_t>(locks_)));
        client_.acquire(lock, [this, lock](bool granted, uint64_t) {
            ++stats_.answers;
            stats_.last_answer = ctx().true_now();
            if (granted) {
                ++stats_.grants;
                lock_ = lock;
                const int64_t hold = ctx().rng().uniform_int(500'000'000, 4'000'000'000);
                ctx().set_timer(sim::Duration::nanos(hold), kNextTag);
            } else {
                ctx().set_timer(sim::Duration::millis(200), kNextTag);
            }
        });
    }

    lock::LockClient client_;
    int locks_;
    HolderStats& stats_;
    std::string lock_;  // held (or believed held) lock, empty if none
};

}  // namespace

ChaosResult run_lock_chaos(const ChaosOptions& options) {
    sim::SimulationConfig sc;
    sc.seed = options.seed;
    sim::TopologySpec spec;
    spec.regions.push_back(sim::RegionSpec{"west", {sim::StampSpec{"s1", 5, 4, 5, {}, 5}}});
    sim::Simulation sim(spec, sc);
    SafetyRecorder recorder;
    RaftConfig raft = options.raft;
    raft.recorder = &recorder;
    raft.bugs = options.bugs;
    lock::LockServiceConfig lc;
    lc.lease = options.lease;
    lc.max_clock_drift = raft.max_clock_drift;
    const auto placement = sim.topology().place_role(0, options.replicas, 3, "lock");
    const ReplicaGroup group = lock::deploy_lock_service(sim, placement.nodes, lc, raft);

    // Holders on storage nodes that hold no replica, spread over the racks.
    std::vector<sim::NodeId> holder_nodes;
    for (sim::NodeId n : sim.topology().stamp(0).nodes) {
        if (static_cast<int>(holder_nodes.size()) == options.holders) break;
        bool replica = false;
        for (sim::NodeId r : placement.nodes) replica = replica || r == n;
        const bool spread = sim.topology().node(n).index_in_rack == static_cast<int>(holder_nodes.size()) % 4;
        if (!replica && spread) holder_nodes.push_back(n);
    }
    std::vector<HolderStats> stats(holder_nodes.size());
    lock::LockClientConfig hc = lock::LockClientConfig::from(lc);
    hc.bugs = options.bugs;
    hc.recorder = &recorder;
    for (size_t h = 0; h < holder_nodes.size(); ++h) {
        HolderStats* st = &stats[h];
        sim.add_service(holder_nodes[h], kHolderPort, [group, hc, &options, st](sim::Context& ctx) {
            return std::make_unique<Holder>(ctx, group, hc, options.locks, *st);
        });
    }
    ChaosResult result;
    std::unique_ptr<FaultDriver> faults;
    if (options.faults) {
        FaultDriver::Options fo;
        fo.start = sim::Time::zero() + sim::Duration::seconds(1);
        fo.heal_at = sim::Time::zero() + options.heal_at;
        fo.mean_interval = options.fault_interval;
        fo.max_drift = raft.max_clock_drift;
        fo.leader_churn = options.leader_churn;
        std::vector<sim::NodeId> targets = placement.nodes;
        targets.insert(targets.end(), holder_nodes.begin(), holder_nodes.end());
        faults = std::make_unique<FaultDriver>(sim, targets, placement.nodes, [&sim, &group] {
            const int l = current_leader(sim, group);
            return l < 0 ? sim::NodeId{} : group.members[static_cast<size_t>(l)].node;
        }, fo);
        faults->plan();
    }
    run_and_judge(sim, group, options,
                  "liveness: no lock service leader " + options.liveness_bound.to_string() + " after healing",
                  [&stats](sim::Time check_from) {
                      for (size_t h = 0; h < stats.size(); ++h) {
                          if (stats[h].last_answer < check_from)
                              return "liveness: holder " + std::to_string(h) + " got no answer after " +
                                     check_from.to_string();
                      }
                      return std::string();
                  },
                  faults.get(), result);
    result.commits = recorder.max_committed("lock");
    result.leaders = recorder.leaders_elected();
    for (const auto& s : stats) result.client_ops += s.grants;
    result.lease_observations = recorder.lease_observations();
    return result;
}

}  // namespace models::consensus::testing
