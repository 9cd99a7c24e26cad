// Unit tests of models/lock: the lock state machine's rules (grant, renew, release,
// compare-and-swap on expiry, fencing tokens), and LockClient against a live service.
#include <doctest/doctest.h>

// GCC 12 reports a false -Wrestrict inside std::string at -O2 for this file (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"

#include <memory>

#include "models/consensus/deploy.h"
#include "models/consensus/safety.h"
#include "models/lock/lock_client.h"
#include "models/lock/lock_service.h"
#include "models/ports.h"
#include "sim/simulation.h"

namespace mc = models::consensus;
namespace ml = models::lock;
using sim::Duration;
using sim::Time;

namespace {

std::shared_ptr<ml::LockCommand> cmd(ml::LockOp op, uint64_t holder, uint64_t token = 0) {
    auto c = std::make_shared<ml::LockCommand>();
    c->op = op;
    c->lock = "L";
    c->holder = holder;
    c->token = token;
    return c;
}

// A copy: the result object lives only as long as the ResultPtr returned by apply().
ml::LockResult res(const mc::ResultPtr& r) { return dynamic_cast<const ml::LockResult&>(*r); }

mc::ApplyContext leader_at(Time t) {
    mc::ApplyContext a;
    a.leader = true;
    a.local_now = t;
    return a;
}

}  // namespace

TEST_CASE("lock: grants, renewals and releases; tokens grow with every grant") {
    ml::LockServiceConfig cfg;
    cfg.lease = Duration::seconds(10);
    ml::LockStateMachine sm(cfg);
    sm.on_role_change(true, Time::zero());
    const Time t0 = Time::zero();
    // Holder 1 gets the free lock.
    auto p = sm.prepare(cmd(ml::LockOp::kAcquire, 1), mc::PrepareContext{t0, 1, 1});
    const auto g1 = res(sm.apply(*p, leader_at(t0)));
    CHECK(g1.ok);
    CHECK(g1.token == 1);
    // Holder 2 is refused while the lease runs (by the leader's clock).
    p = sm.prepare(cmd(ml::LockOp::kAcquire, 2), mc::PrepareContext{t0 + Duration::seconds(5), 2, 1});
    CHECK_FALSE(res(sm.apply(*p, leader_at(t0 + Duration::seconds(5)))).ok);
    // A renew by the holder extends it.
    CHECK(res(sm.apply(*cmd(ml::LockOp::kRenew, 1, 1), leader_at(t0 + Duration::seconds(6)))).ok);
    p = sm.prepare(cmd(ml::LockOp::kAcquire, 2), mc::PrepareContext{t0 + Duration::seconds(15), 2, 2});
    CHECK_FALSE(res(sm.apply(*p, leader_at(t0 + Duration::seconds(15)))).ok);
    // Past lease * (1 + drift) after the last renew the lease can be given away.
    const Time later = t0 + Duration::seconds(6) + Duration::millis(10'501);
    p = sm.prepare(cmd(ml::LockOp::kAcquire, 2), mc::PrepareContext{later, 2, 3});
    const auto g2 = res(sm.apply(*p, leader_at(later)));
    CHECK(g2.ok);
    CHECK(g2.token == 2);
    // The old holder can neither renew nor release any more.
    CHECK_FALSE(res(sm.apply(*cmd(ml::LockOp::kRenew, 1, 1), leader_at(later))).ok);
    CHECK_FALSE(res(sm.apply(*cmd(ml::LockOp::kRelease, 1, 1), leader_at(later))).ok);
    CHECK(res(sm.apply(*cmd(ml::LockOp::kRelease, 2, 2), leader_at(later))).ok);
    p = sm.prepare(cmd(ml::LockOp::kAcquire, 3), mc::PrepareContext{later, 3, 1});
    CHECK(res(sm.apply(*p, leader_at(later))).token == 3);
}

TEST_CASE("lock: a renew that commits between the leader's expiry decision and the grant wins") {
    ml::LockServiceConfig cfg;
    ml::LockStateMachine sm(cfg);
    sm.on_role_change(true, Time::zero());
    auto p = sm.prepare(cmd(ml::LockOp::kAcquire, 1), mc::PrepareContext{Time::zero(), 1, 1});
    sm.apply(*p, leader_at(Time::zero()));
    const Time late = Time::zero() + Duration::seconds(20);
    auto grant = sm.prepare(cmd(ml::LockOp::kAcquire, 2), mc::PrepareContext{late, 2, 1});  // expired: allowed
    CHECK(res(sm.apply(*cmd(ml::LockOp::kRenew, 1, 1), leader_at(late))).ok);               // renew lands first
    CHECK_FALSE(res(sm.apply(*grant, leader_at(late))).ok);                                   // version moved
}

TEST_CASE("lock: a retired lock waits for its holder's lease, then is never granted again") {
    ml::LockServiceConfig cfg;
    cfg.lease = Duration::seconds(10);
    ml::LockStateMachine sm(cfg);
    sm.on_role_change(true, Time::zero());
    const Time t0 = Time::zero();
    auto p = sm.prepare(cmd(ml::LockOp::kAcquire, 1), mc::PrepareContext{t0, 1, 1});
    CHECK(res(sm.apply(*p, leader_at(t0))).ok);
    // Retire by another client is refused while holder 1's lease runs.
    p = sm.prepare(cmd(ml::LockOp::kRetire, 2), mc::PrepareContext{t0 + Duration::seconds(5), 2, 1});
    CHECK_FALSE(res(sm.apply(*p, leader_at(t0 + Duration::seconds(5)))).ok);
    // Once it has expired the retire succeeds; the lock has no holder any more.
    const Time later = t0 + Duration::seconds(11);
    p = sm.prepare(cmd(ml::LockOp::kRetire, 2), mc::PrepareContext{later, 2, 2});
    CHECK(res(sm.apply(*p, leader_at(later))).ok);
    REQUIRE(sm.find("L") != nullptr);
    CHECK(sm.find("L")->holder == ml::kRetiredHolder);
    // The old holder cannot renew; nobody can acquire, at any later time, even after a new
    // leader takes over (it must not count a retired lock as an expiring lease).
    CHECK_FALSE(res(sm.apply(*cmd(ml::LockOp::kRenew, 1, 1), leader_at(later))).ok);
    sm.on_role_change(true, later);
    for (uint64_t holder : {1, 2, 3}) {
        const Time t = later + Duration::seconds(100);
        p = sm.prepare(cmd(ml::LockOp::kAcquire, holder), mc::PrepareContext{t, holder, 3});
        CHECK_FALSE(res(sm.apply(*p, leader_at(t))).ok);
    }
    // Retiring again is fine (every child of a split retires its parent).
    p = sm.prepare(cmd(ml::LockOp::kRetire, 3), mc::PrepareContext{later, 3, 4});
    CHECK(res(sm.apply(*p, leader_at(later))).ok);
    // A holder may retire its own lock at once.
    ml::LockStateMachine own(cfg);
    own.on_role_change(true, Time::zero());
    p = own.prepare(cmd(ml::LockOp::kAcquire, 7), mc::PrepareContext{t0, 7, 1});
    CHECK(res(own.apply(*p, leader_at(t0))).ok);
    p = own.prepare(cmd(ml::LockOp::kRetire, 7), mc::PrepareContext{t0, 7, 2});
    CHECK(res(own.apply(*p, leader_at(t0))).ok);
}

TEST_CASE("lock: a new leader treats inherited leases as granted at its takeover") {
    ml::LockServiceConfig cfg;
    ml::LockStateMachine follower(cfg);
    mc::ApplyContext f;  // applied as a follower: no local timer
    auto c = cmd(ml::LockOp::kAcquire, 1);
    follower.apply(*c, f);
    follower.on_role_change(true, Time::zero() + Duration::seconds(100));
    auto p = follower.prepare(cmd(ml::LockOp::kAcquire, 2), mc::PrepareContext{Time::zero() + Duration::seconds(105), 2, 1});
    CHECK_FALSE(dynamic_cast<const ml::LockCommand&>(*p).allowed);
    p = follower.prepare(cmd(ml::LockOp::kAcquire, 2), mc::PrepareContext{Time::zero() + Duration::seconds(111), 2, 1});
    CHECK(dynamic_cast<const ml::LockCommand&>(*p).allowed);
}

TEST_CASE("lock: snapshot and restore keep holders and the token counter") {
    ml::LockServiceConfig cfg;
    ml::LockStateMachine a(cfg);
    a.apply(*cmd(ml::LockOp::kAcquire, 7), mc::ApplyContext{});
    ml::LockStateMachine b(cfg);
    b.restore(*a.snapshot());
    REQUIRE(b.find("L") != nullptr);
    CHECK(b.find("L")->holder == 7);
    CHECK(b.last_token() == 1);
}

TEST_CASE("lock: fencing guard refuses older tokens") {
    ml::FencingGuard g;
    CHECK(g.admit("L", 3));
    CHECK(g.admit("L", 3));
    CHECK_FALSE(g.admit("L", 2));
    CHECK(g.admit("L", 4));
    CHECK(g.admit("M", 1));
}

namespace {

// An actor that acquires one lock and reports what LockClient says.
class OneHolder final : public sim::Actor {
public:
    OneHolder(sim::Context& ctx, mc::ReplicaGroup g, ml::LockClientConfig c) : Actor(ctx), client(ctx, std::move(g), c) {}
    void on_message(sim::MessagePtr m) override { client.handle_message(m); }
    void on_timer(uint64_t tag) override { client.handle_timer(tag); }
    ml::LockClient client;
    bool granted = false;
    uint64_t token = 0;
};

}  // namespace

TEST_CASE("lock: LockClient acquires, auto-renews, loses the lease when cut off, and a second holder gets a larger token") {
    sim::TopologySpec spec;
    spec.regions.push_back(sim::RegionSpec{"west", {sim::StampSpec{"s1", 5, 4, 5, {}, 5}}});
    sim::Simulation sim(spec, sim::SimulationConfig{});
    mc::SafetyRecorder recorder;
    mc::RaftConfig raft;
    raft.recorder = &recorder;
    ml::LockServiceConfig lc;
    lc.lease = Duration::seconds(2);
    const auto nodes = sim.topology().place_role(0, 3, 0, "lock").nodes;
    const auto group = ml::deploy_lock_service(sim, nodes, lc, raft);
    ml::LockClientConfig hc = ml::LockClientConfig::from(lc);
    hc.recorder = &recorder;
    const sim::NodeId h1 = sim.topology().stamp(0).nodes[1];
    const sim::NodeId h2 = sim.topology().stamp(0).nodes[5];
    for (sim::NodeId n : {h1, h2}) {
        sim.add_service(n, models::ports::kConsensusTestClient, [group, hc](sim::Context& ctx) { return std::make_unique<OneHolder>(ctx, group, hc); });
    }
    auto holder = [&](sim::NodeId n) { return dynamic_cast<OneHolder*>(sim.actor(n, models::ports::kConsensusTestClient)); };
    sim.run_until(Time::zero() + Duration::seconds(3));
    for (sim::NodeId n : {h1, h2}) {
        OneHolder* h = holder(n);
        h->client.acquire("L", [h](bool g, uint64_t t) {
            h->granted = g;
            h->token = t;
        });
        sim.run_until(sim.now() + Duration::millis(200));
    }
    CHECK(holder(h1)->granted);
    CHECK_FALSE(holder(h2)->granted);
    // Auto-renew keeps it well past one lease.
    sim.run_until(sim.now() + Duration::seconds(6));
    CHECK(holder(h1)->client.holds("L"));
    // Cut holder 1 off: within one lease it no longer believes it holds the lock.
    std::vector<int> groups(sim.topology().node_count(), -1);
    groups[h1.value] = 0;
    for (sim::NodeId n : nodes) groups[n.value] = 1;
    sim.network().add_cut(groups, false, "isolate h1");
    sim.run_until(sim.now() + Duration::seconds(2));
    CHECK_FALSE(holder(h1)->client.holds("L"));
    // The service gives it away after lease * (1 + drift); holder 2 gets token 2.
    sim.run_until(sim.now() + Duration::seconds(1));
    OneHolder* h = holder(h2);
    h->client.acquire("L", [h](bool g, uint64_t t) {
        h->granted = g;
        h->token = t;
    });
    sim.run_until(sim.now() + Duration::millis(500));
    CHECK(h->granted);
    CHECK(h->token == 2);
    CHECK(h->client.holds("L"));
    CHECK(recorder.lease_observations() > 0);
}
