#include "models/consensus/testing/harness.h"

#include <memory>

#include "models/consensus/deploy.h"
#include "models/consensus/raft.h"
#include "models/consensus/rsm_client.h"
#include "models/consensus/safety.h"
#include "models/consensus/testing/counter_sm.h"
#include "models/consensus/testing/fault_driver.h"
#include "models/ports.h"
#include "sim/rng.h"
#include "sim/simulation.h"

namespace models::consensus::testing {

ResultPtr CounterStateMachine::apply(const Command& command, const ApplyContext& /*ctx*/) {
    const auto* add = dynamic_cast<const AddCommand*>(&command);
    SIM_ASSERT(add != nullptr, "counter state machine got " << command.name());
    uint64_t& last = last_n_[add->client];
    SIM_ASSERT(add->n == last + 1, "exactly-once: client " << add->client << " command " << add->n << " applied after " << last);
    last = add->n;
    ++count_;
    hash_ = sim::mix64(hash_ ^ sim::mix64(add->client * 31 + add->n));
    return std::make_shared<CountResult>(count_);
}

SnapshotPtr CounterStateMachine::snapshot() const {
    auto s = std::make_shared<CounterSnapshot>();
    s->count = count_;
    s->hash = hash_;
    s->last_n = last_n_;
    return s;
}

void CounterStateMachine::restore(const Snapshot& s) {
    const auto& c = dynamic_cast<const CounterSnapshot&>(s);
    count_ = c.count;
    hash_ = c.hash;
    last_n_ = c.last_n;
}

namespace {

constexpr uint64_t kThinkTag = 1;

struct ClientStats {
    uint64_t ops = 0;
    bool outstanding = false;
    sim::Time last_done;
};

// A closed-loop client: submits its next command `think` after the previous one
// completed (immediately if think is zero).
class LoadClient final : public sim::Actor {
public:
    LoadClient(sim::Context& ctx, ReplicaGroup group, sim::Duration think, ClientStats& stats)
        : Actor(ctx), rsm_(ctx, std::move(group)), think_(think), stats_(stats) {}

    void on_start() override { next(); }
    void on_message(sim::MessagePtr msg) override { rsm_.handle_message(msg); }
    void on_timer(uint64_t tag) override {
        if (rsm_.handle_timer(tag)) return;
        if (tag == kThinkTag) submit();
    }

private:
    void next() {
        if (think_ > sim::Duration::zero()) {
            ctx().set_timer(think_, kThinkTag);
        } else {
            submit();
        }
    }
    void submit() {
        stats_.outstanding = true;
        rsm_.submit(std::make_shared<AddCommand>(rsm_.client_id(), ++n_), [this](Status s, ResultPtr r) {
            SIM_ASSERT(s == Status::kOk, "client command failed: " << status_name(s));
            SIM_ASSERT(r != nullptr, "client command without a result");
            stats_.outstanding = false;
            ++stats_.ops;
            stats_.last_done = ctx().true_now();
            next();
        });
    }

    RsmClient rsm_;
    sim::Duration think_;
    ClientStats& stats_;
    uint64_t n_ = 0;
};

sim::TopologySpec chaos_topology() {
    sim::TopologySpec spec;
    sim::StampSpec stamp{"s1", 5, 4, 5, {}, 5};
    spec.regions.push_back(sim::RegionSpec{"west", {stamp}});
    return spec;
}

}  // namespace

void run_and_judge(sim::Simulation& sim, const ReplicaGroup& group, const ChaosOptions& options,
                   const std::string& leader_message, const std::function<std::string(sim::Time)>& stalled,
                   const FaultDriver* faults, ChaosResult& result) {
    const sim::Time heal = sim::Time::zero() + options.heal_at;
    const sim::Time end = heal + options.liveness_bound;
    const sim::Time check_from = heal + options.liveness_bound / 2;
    try {
        sim.run_until(end);
    } catch (const sim::InvariantViolation& v) {
        result.violation = true;
        result.live = false;
        result.message = v.what();
    }
    if (!result.violation) {
        if (current_leader(sim, group) < 0) {
            result.live = false;
            result.message = leader_message;
        } else if (std::string why = stalled(check_from); !why.empty()) {
            result.live = false;
            result.message = why;
        }
    }
    result.fingerprint = sim.fingerprint();
    result.events = sim.events_dispatched();
    if (faults) result.schedule = faults->schedule();
    result.end = sim.now();
}

ChaosResult run_raft_chaos(const ChaosOptions& options) {
    sim::SimulationConfig sc;
    sc.seed = options.seed;
    sim::Simulation sim(chaos_topology(), sc);
    SafetyRecorder recorder;
    RaftConfig raft = options.raft;
    raft.recorder = &recorder;
    raft.bugs = options.bugs;
    const auto placement = sim.topology().place_role(0, options.replicas, 3, "raft");
    const ReplicaGroup group = deploy_group(sim, "test", placement.nodes, ports::kConsensusTest, raft,
                                            [] { return std::make_unique<CounterStateMachine>(); });
    std::vector<ClientStats> stats(static_cast<size_t>(options.clients));
    for (int c = 0; c < options.clients; ++c) {
        const sim::NodeId n = sim.add_client(0);
        ClientStats* st = &stats[static_cast<size_t>(c)];
        sim.add_service(n, ports::kConsensusTestClient, [group, &options, st](sim::Context& ctx) {
            return std::make_unique<LoadClient>(ctx, group, options.client_think, *st);
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
        faults = std::make_unique<FaultDriver>(sim, placement.nodes, placement.nodes, [&sim, &group] {
            const int l = current_leader(sim, group);
            return l < 0 ? sim::NodeId{} : group.members[static_cast<size_t>(l)].node;
        }, fo);
        faults->plan();
    }
    run_and_judge(sim, group, options, "liveness: no leader " + options.liveness_bound.to_string() + " after healing",
                  [&stats](sim::Time check_from) {
                      for (size_t c = 0; c < stats.size(); ++c) {
                          if (stats[c].last_done < check_from)
                              return "liveness: client " + std::to_string(c) + " completed nothing after " +
                                     check_from.to_string();
                      }
                      return std::string();
                  },
                  faults.get(), result);
    result.commits = recorder.max_committed("test");
    result.leaders = recorder.leaders_elected();
    for (const auto& s : stats) result.client_ops += s.ops;
    return result;
}

SteadyResult run_steady(int replicas, int clients, sim::Duration duration, uint64_t seed) {
    sim::SimulationConfig sc;
    sc.seed = seed;
    sim::Simulation sim(chaos_topology(), sc);
    RaftConfig raft;
    const auto placement = sim.topology().place_role(0, replicas, 3, "raft");
    const ReplicaGroup group = deploy_group(sim, "bench", placement.nodes, ports::kConsensusTest, raft,
                                            [] { return std::make_unique<CounterStateMachine>(); });
    std::vector<ClientStats> stats(static_cast<size_t>(clients));
    for (int c = 0; c < clients; ++c) {
        const sim::NodeId n = sim.add_client(0);
        ClientStats* st = &stats[static_cast<size_t>(c)];
        sim.add_service(n, ports::kConsensusTestClient,
                        [group, st](sim::Context& ctx) { return std::make_unique<LoadClient>(ctx, group, sim::Duration::zero(), *st); });
    }
    sim.run_until(sim::Time::zero() + duration);
    SteadyResult r;
    for (const auto& s : stats) r.commits += s.ops;
    r.events = sim.events_dispatched();
    r.fingerprint = sim.fingerprint();
    return r;
}

}  // namespace models::consensus::testing
