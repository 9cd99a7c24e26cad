// Unit tests of models/consensus: the interface, each protocol rule with a scripted
// peer, persistence, snapshots, recovery and the leader-side service interface.
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "models/consensus/config.h"
#include "models/consensus/deploy.h"
#include "models/consensus/raft.h"
#include "models/consensus/rsm_client.h"
#include "models/consensus/safety.h"
#include "models/consensus/testing/counter_sm.h"
#include "models/consensus/testing/harness.h"
#include "models/ports.h"
#include "sim/simulation.h"

namespace mc = models::consensus;
namespace mct = models::consensus::testing;
using sim::Duration;
using sim::Time;

namespace {

sim::TopologySpec one_stamp() {
    sim::TopologySpec spec;
    spec.regions.push_back(sim::RegionSpec{"west", {sim::StampSpec{"s1", 5, 4, 5, {}, 5}}});
    return spec;
}

Time at(Duration d) { return Time::zero() + d; }

// A scripted peer: records what it receives and sends what the test tells it to.
class Probe final : public sim::Actor {
public:
    explicit Probe(sim::Context& ctx) : Actor(ctx) {}
    void on_message(sim::MessagePtr msg) override {
        times.push_back(ctx().true_now());
        inbox.push_back(std::move(msg));
    }
    template <typename T>
    sim::Owned<T> make() {
        return ctx().make<T>();
    }
    void send(sim::Address to, sim::MessagePtr m) { ctx().send(to, std::move(m)); }
    template <typename T>
    std::vector<const T*> received() const {
        std::vector<const T*> out;
        for (const auto& m : inbox) {
            if (m->is<T>()) out.push_back(&m->as<T>());
        }
        return out;
    }
    std::vector<sim::MessagePtr> inbox;
    std::vector<Time> times;
};

// One real replica (member 0) and two probes as members 1 and 2.
struct ScriptedGroup {
    explicit ScriptedGroup(mc::RaftConfig cfg) : sim(one_stamp(), sim::SimulationConfig{}) {
        const auto& nodes = sim.topology().stamp(0).nodes;
        group.name = "scripted";
        for (int i = 0; i < 3; ++i) group.members.push_back(sim::Address{nodes[static_cast<size_t>(i * 4)], models::ports::kConsensusTest});
        cfg.recorder = &recorder;
        for (int i = 1; i < 3; ++i) {
            sim.add_service(group.members[static_cast<size_t>(i)].node, models::ports::kConsensusTest,
                            [](sim::Context& ctx) { return std::make_unique<Probe>(ctx); });
        }
        config = cfg;
    }
    void start_replica() {
        sim.add_service(group.members[0].node, models::ports::kConsensusTest, [this](sim::Context& ctx) {
            return std::make_unique<mc::RaftReplica>(ctx, group, 0, config, [] { return std::make_unique<mct::CounterStateMachine>(); });
        });
    }
    Probe& probe(int i) { return *dynamic_cast<Probe*>(sim.actor(group.members[static_cast<size_t>(i)].node, models::ports::kConsensusTest)); }
    mc::RaftCore& core() { return *mc::replica_core(sim, group, 0); }
    void vote_request(int from, uint64_t term, uint64_t last_index = 0, uint64_t last_term = 0) {
        auto m = probe(from).make<mc::RequestVote>();
        m->term = term;
        m->candidate = from;
        m->last_log_index = last_index;
        m->last_log_term = last_term;
        probe(from).send(group.members[0], std::move(m));
    }
    sim::Simulation sim;
    mc::ReplicaGroup group;
    mc::RaftConfig config;
    mc::SafetyRecorder recorder;
};

}  // namespace

TEST_CASE("consensus: bug names and config derived from the storage defaults") {
    for (auto b : {mc::Bug::kVoteTwice, mc::Bug::kCommitOldTerm, mc::Bug::kAckBeforePersist, mc::Bug::kIgnoreLeaseExpiry}) {
        CHECK(mc::Bugs::parse(mc::Bugs::name(b)) == b);
    }
    CHECK_FALSE(mc::Bugs::parse("vote_thrice").has_value());
    mc::Bugs bugs;
    bugs.set(mc::Bug::kCommitOldTerm);
    CHECK(bugs.has(mc::Bug::kCommitOldTerm));
    CHECK_FALSE(bugs.has(mc::Bug::kVoteTwice));
    const auto c = mc::RaftConfig::from_storage(Duration::seconds(1), Duration::seconds(10));
    CHECK(c.heartbeat == Duration::millis(100));
    CHECK(c.election_timeout_min == Duration::seconds(1));
    CHECK(c.election_timeout_max == Duration::seconds(2));
}

TEST_CASE("consensus: state machine snapshot and restore round-trip") {
    mct::CounterStateMachine a;
    mc::ApplyContext actx;
    for (uint64_t n = 1; n <= 5; ++n) a.apply(mct::AddCommand(7, n), actx);
    auto snap = a.snapshot();
    mct::CounterStateMachine b;
    b.restore(*snap);
    CHECK(b.count() == 5);
    CHECK(b.hash() == a.hash());
    // The restored machine continues the client's sequence and rejects a replay.
    CHECK(std::dynamic_pointer_cast<const mct::CountResult>(b.apply(mct::AddCommand(7, 6), actx))->count == 6);
    CHECK_THROWS_AS(b.apply(mct::AddCommand(7, 6), actx), sim::InvariantError);
}

TEST_CASE("consensus: a replica votes once per term, and only after its disk acknowledged the vote") {
    for (bool bug : {false, true}) {
        CAPTURE(bug);
        mc::RaftConfig config;
        if (bug) config.bugs.set(mc::Bug::kVoteTwice);
        ScriptedGroup g(config);
        g.start_replica();
        // Past the restart stickiness (election_timeout_min), before its own timer fires.
        g.sim.schedule(at(Duration::millis(1001)), [&] { g.vote_request(1, 100); });
        g.sim.schedule(at(Duration::millis(1002)), [&] { g.vote_request(2, 100); });
        g.sim.run_until(at(Duration::millis(1100)));
        auto r1 = g.probe(1).received<mc::VoteReply>();
        auto r2 = g.probe(2).received<mc::VoteReply>();
        REQUIRE(r1.size() == 1);
        REQUIRE(r2.size() == 1);
        CHECK(r1[0]->granted);
        CHECK(r1[0]->term == 100);
        CHECK(r2[0]->granted == bug);
        // The grant waited for the disk (4 ms service time) before it was sent.
        CHECK(g.probe(1).times[0] >= at(Duration::millis(1001) + Duration::millis(4)));
    }
}

TEST_CASE("consensus: acknowledgements wait for the disk unless ack_before_persist is planted") {
    for (bool bug : {false, true}) {
        CAPTURE(bug);
        mc::RaftConfig config;
        if (bug) config.bugs.set(mc::Bug::kAckBeforePersist);
        ScriptedGroup g(config);
        g.start_replica();
        g.sim.schedule(at(Duration::millis(1001)), [&] { g.vote_request(1, 100); });
        g.sim.run_until(at(Duration::millis(1100)));
        REQUIRE(g.probe(1).times.size() == 1);
        const Duration took = g.probe(1).times[0] - at(Duration::millis(1001));
        if (bug) {
            CHECK(took < Duration::millis(1));
        } else {
            CHECK(took >= Duration::millis(4));
        }
    }
}

TEST_CASE("consensus: a vote goes only to a candidate whose log is at least as up to date") {
    mc::RaftConfig config;
    ScriptedGroup g(config);
    // Seed the replica's disk with a log of two entries of term 3.
    auto& slot = g.sim.durable_slot(g.group.members[0].node, "raft/scripted",
                                    []() -> std::unique_ptr<sim::DurableBase> { return std::make_unique<sim::DurableHolder<mc::RaftDurable>>(); });
    auto& d = dynamic_cast<sim::DurableHolder<mc::RaftDurable>&>(slot).value;
    d.initialized = true;
    d.term = 3;
    d.entries = {mc::Entry{3, 1, 0, 0, nullptr}, mc::Entry{3, 2, 0, 0, nullptr}};
    g.start_replica();
    g.sim.schedule(at(Duration::millis(1001)), [&] { g.vote_request(1, 10, 5, 2); });  // older last term
    g.sim.schedule(at(Duration::millis(1002)), [&] { g.vote_request(2, 11, 1, 3); });  // shorter log
    g.sim.run_until(at(Duration::millis(1100)));
    REQUIRE(g.probe(1).received<mc::VoteReply>().size() == 1);
    REQUIRE(g.probe(2).received<mc::VoteReply>().size() == 1);
    CHECK_FALSE(g.probe(1).received<mc::VoteReply>()[0]->granted);
    CHECK_FALSE(g.probe(2).received<mc::VoteReply>()[0]->granted);
    CHECK(g.core().term() == 11);
}

TEST_CASE("consensus: an old-term entry is not committed by counting replicas (unless commit_old_term is planted)") {
    for (bool bug : {false, true}) {
        CAPTURE(bug);
        mc::RaftConfig config;
        config.leader_noop = false;
        if (bug) config.bugs.set(mc::Bug::kCommitOldTerm);
        ScriptedGroup g(config);
        auto& slot = g.sim.durable_slot(g.group.members[0].node, "raft/scripted",
                                        []() -> std::unique_ptr<sim::DurableBase> { return std::make_unique<sim::DurableHolder<mc::RaftDurable>>(); });
        auto& d = dynamic_cast<sim::DurableHolder<mc::RaftDurable>&>(slot).value;
        d.initialized = true;
        d.term = 2;
        d.entries = {mc::Entry{1, 1, 5, 1, std::make_shared<mct::AddCommand>(5, 1)}};
        g.start_replica();
        // The replica campaigns on its own timer (1-2 s); probe 1 grants it its vote.
        bool granted = false;
        for (int ms = 1000; ms <= 2100; ms += 5) {
            g.sim.schedule(at(Duration::millis(ms)), [&] {
                if (granted) return;
                for (const auto* rv : g.probe(1).received<mc::RequestVote>()) {
                    auto v = g.probe(1).make<mc::VoteReply>();
                    v->term = rv->term;
                    v->from = 1;
                    v->granted = true;
                    g.probe(1).send(g.group.members[0], std::move(v));
                    granted = true;
                }
            });
        }
        g.sim.run_until(at(Duration::millis(2200)));
        REQUIRE(g.core().is_leader());
        // Probe 1 acknowledges the old entry.
        auto ack = g.probe(1).make<mc::AppendReply>();
        ack->term = g.core().term();
        ack->from = 1;
        ack->success = true;
        ack->match_index = 1;
        g.probe(1).send(g.group.members[0], std::move(ack));
        g.sim.run_until(at(Duration::millis(2300)));
        CHECK(g.core().commit_index() == (bug ? 1u : 0u));
    }
}

TEST_CASE("consensus: a healthy group elects one leader and applies every command once, in the same order") {
    mct::ChaosOptions o;
    o.faults = false;
    o.heal_at = Duration::seconds(5);
    o.liveness_bound = Duration::seconds(5);
    for (int replicas : {3, 5}) {
        o.replicas = replicas;
        const auto r = mct::run_raft_chaos(o);
        CAPTURE(r.message);
        CHECK_FALSE(r.violation);
        CHECK(r.live);
        CHECK(r.leaders == 1);
        CHECK(r.client_ops > 300);
        CHECK(r.commits >= r.client_ops);
    }
}

TEST_CASE("consensus: leader-side interface: is_leader, lease reads, local propose, redirects") {
    sim::Simulation sim(one_stamp(), sim::SimulationConfig{});
    mc::SafetyRecorder recorder;
    mc::RaftConfig config;
    config.recorder = &recorder;
    const auto nodes = sim.topology().place_role(0, 3, 1, "raft").nodes;
    const auto group = mc::deploy_group(sim, "svc", nodes, models::ports::kConsensusTest, config,
                                        [] { return std::make_unique<mct::CounterStateMachine>(); });
    sim.run_until(at(Duration::seconds(4)));
    const int leader = mc::current_leader(sim, group);
    REQUIRE(leader >= 0);
    mc::RaftCore* lc = mc::replica_core(sim, group, leader);
    CHECK(lc->can_serve_reads());
    for (int i = 0; i < 3; ++i) {
        if (i != leader) {
            CHECK_FALSE(mc::replica_core(sim, group, i)->can_serve_reads());
            CHECK(mc::replica_core(sim, group, i)->leader_hint() == leader);
        }
    }
    int applied = 0;
    lc->propose(std::make_shared<mct::AddCommand>(99, 1), [&](mc::Status s, mc::ResultPtr r) {
        CHECK(s == mc::Status::kOk);
        CHECK(std::dynamic_pointer_cast<const mct::CountResult>(r)->count == 1);
        ++applied;
    });
    const int follower = (leader + 1) % 3;
    mc::replica_core(sim, group, follower)->propose(std::make_shared<mct::AddCommand>(98, 1), [&](mc::Status s, mc::ResultPtr) {
        CHECK(s == mc::Status::kNotLeader);
        ++applied;
    });
    sim.run_until(at(Duration::seconds(5)));
    CHECK(applied == 2);
    for (int i = 0; i < 3; ++i) {
        const auto& smi = dynamic_cast<const mct::CounterStateMachine&>(mc::replica_core(sim, group, i)->state_machine());
        CHECK(smi.count() == 1);
    }
}

TEST_CASE("consensus: a crashed follower recovers from its disk and catches up by snapshot") {
    sim::Simulation sim(one_stamp(), sim::SimulationConfig{});
    mc::SafetyRecorder recorder;
    mc::RaftConfig config;
    config.recorder = &recorder;
    config.snapshot_threshold_entries = 20;
    const auto nodes = sim.topology().place_role(0, 3, 1, "raft").nodes;
    const auto group = mc::deploy_group(sim, "svc", nodes, models::ports::kConsensusTest, config,
                                        [] { return std::make_unique<mct::CounterStateMachine>(); });
    sim.run_until(at(Duration::seconds(4)));
    const int leader = mc::current_leader(sim, group);
    REQUIRE(leader >= 0);
    const int follower = (leader + 1) % 3;
    int done = 0;
    std::function<void(int)> propose_n = [&](int k) {
        mc::RaftCore* lc = mc::replica_core(sim, group, leader);
        if (k == 0 || lc == nullptr) return;
        lc->propose(std::make_shared<mct::AddCommand>(1, static_cast<uint64_t>(++done)), [&, k](mc::Status s, mc::ResultPtr) {
            REQUIRE(s == mc::Status::kOk);
            propose_n(k - 1);
        });
    };
    propose_n(10);
    sim.run_until(at(Duration::seconds(5)));
    sim.crash(nodes[static_cast<size_t>(follower)]);
    propose_n(100);
    sim.run_until(at(Duration::seconds(8)));
    CHECK(done == 110);
    CHECK(mc::replica_core(sim, group, leader)->snapshot_index() >= 100);
    sim.restart(nodes[static_cast<size_t>(follower)]);
    // It restarts from its disk: it had applied the first ten, its snapshot index is 0.
    CHECK(mc::replica_core(sim, group, follower)->last_applied() == 0);
    sim.run_until(at(Duration::seconds(12)));
    mc::RaftCore* fc = mc::replica_core(sim, group, follower);
    CHECK(fc->last_applied() == mc::replica_core(sim, group, leader)->last_applied());
    CHECK(fc->snapshot_index() >= 100);
    const auto& a = dynamic_cast<const mct::CounterStateMachine&>(fc->state_machine());
    const auto& b = dynamic_cast<const mct::CounterStateMachine&>(mc::replica_core(sim, group, leader)->state_machine());
    CHECK(a.count() == 110);
    CHECK(a.hash() == b.hash());
}

TEST_CASE("consensus: a failed disk stops the replica; the group goes on with a majority") {
    sim::Simulation sim(one_stamp(), sim::SimulationConfig{});
    mc::SafetyRecorder recorder;
    mc::RaftConfig config;
    config.recorder = &recorder;
    const auto nodes = sim.topology().place_role(0, 3, 1, "raft").nodes;
    const auto group = mc::deploy_group(sim, "svc", nodes, models::ports::kConsensusTest, config,
                                        [] { return std::make_unique<mct::CounterStateMachine>(); });
    sim.run_until(at(Duration::seconds(4)));
    const int leader = mc::current_leader(sim, group);
    REQUIRE(leader >= 0);
    sim.fail_disk(nodes[static_cast<size_t>(leader)]);
    // The next write fails: the old leader stops and a new one is elected.
    bool ok = false;
    mc::replica_core(sim, group, leader)->propose(std::make_shared<mct::AddCommand>(1, 1), [&](mc::Status, mc::ResultPtr) {});
    sim.run_until(at(Duration::seconds(9)));
    CHECK(mc::replica_core(sim, group, leader)->role() == mc::Role::kStopped);
    const int next = mc::current_leader(sim, group);
    REQUIRE(next >= 0);
    CHECK(next != leader);
    mc::replica_core(sim, group, next)->propose(std::make_shared<mct::AddCommand>(2, 1), [&](mc::Status s, mc::ResultPtr) { ok = s == mc::Status::kOk; });
    sim.run_until(at(Duration::seconds(10)));
    CHECK(ok);
    // Replaced disk: the replica comes back amnesiac and rejoins as a follower.
    sim.replace_disk(nodes[static_cast<size_t>(leader)]);
    sim.run_until(at(Duration::seconds(15)));
    mc::RaftCore* back = mc::replica_core(sim, group, leader);
    REQUIRE(back != nullptr);
    CHECK(back->role() == mc::Role::kFollower);
    CHECK(back->last_applied() == mc::replica_core(sim, group, next)->last_applied());
}
