// Every fault kind acts on the kernel as the scenario format says, heals after `for`,
// records its window and effect; heal_all ends everything (the drain).
#include <doctest/doctest.h>

#include "../sim/test_world.h"
#include "faults/injector.h"

using namespace sim::literals;
using faults::FaultSpec;
using faults::Kind;

namespace {

sim::TopologySpec two_regions() {
    sim::TopologySpec spec;
    spec.regions.push_back(sim::RegionSpec{"west", {sim::StampSpec{"w1", 4, 3, 2, {}, 3}}});
    spec.regions.push_back(sim::RegionSpec{"east", {sim::StampSpec{"e1", 2, 2, 1, {}, 2}}});
    return spec;
}

struct Resolver final : faults::RoleResolver {
    std::vector<sim::NodeId> ps;
    std::optional<sim::NodeId> lead;
    std::vector<sim::NodeId> members(int, std::string_view role) const override {
        return role == "partition_server" ? ps : std::vector<sim::NodeId>{};
    }
    std::optional<sim::NodeId> leader(int, std::string_view) const override { return lead; }
};

struct Operator final : faults::UpgradeOperator {
    std::vector<std::string> calls;
    void before_domain_down(int, int ud) override { calls.push_back("down " + std::to_string(ud)); }
    void after_domain_up(int, int ud) override { calls.push_back("up " + std::to_string(ud)); }
};

struct Fixture {
    sim::Simulation s{two_regions(), sim::SimulationConfig{}};
    Resolver resolver;
    Operator op;
    faults::Injector inj{s, &resolver, &op, sim::Rng(9)};
    std::vector<simtest::Log> logs = std::vector<simtest::Log>(32);
    Fixture() {
        for (uint32_t i = 0; i < s.topology().node_count(); ++i) simtest::add_recorder(s, sim::NodeId{i}, logs[i]);
    }
    sim::NodeId n(const char* name) const { return *s.topology().find_node(name); }
    FaultSpec at(Kind k, sim::Duration when) const {
        FaultSpec f;
        f.kind = k;
        f.at = when;
        f.target.stamp = 0;
        return f;
    }
    void run_to(sim::Duration t) { s.run_until(sim::Time::zero() + t); }
};

}  // namespace

TEST_CASE("faults: node_crash by name restarts after restart_after") {
    Fixture fx;
    FaultSpec f = fx.at(Kind::kNodeCrash, 1_s);
    f.target.node = fx.n("w1/r1/n2");
    f.restart_after = 2_s;
    fx.inj.schedule(f);
    fx.run_to(1500_ms);
    CHECK_FALSE(fx.s.up(fx.n("w1/r1/n2")));
    fx.run_to(4_s);
    CHECK(fx.s.up(fx.n("w1/r1/n2")));
    REQUIRE(fx.inj.records().size() == 1);
    const auto& r = fx.inj.records()[0];
    CHECK(r.target == "w1/r1/n2");
    CHECK(r.start.ns() == 1'000'000'000);
    CHECK(r.end->ns() == 3'000'000'000);
    CHECK(r.changed_state);
    CHECK(fx.logs[fx.n("w1/r1/n2").value].starts == 2);
}

TEST_CASE("faults: rack_down powers a rack off, counts dropped messages, heals") {
    Fixture fx;
    FaultSpec f = fx.at(Kind::kRackDown, 1_s);
    f.target.rack = 2;
    f.duration = 5_s;
    fx.inj.schedule(f);
    fx.run_to(2_s);
    for (sim::NodeId id : fx.s.topology().rack(2).nodes) CHECK_FALSE(fx.s.up(id));
    CHECK(fx.s.up(fx.n("w1/r1/n0")));
    for (int i = 0; i < 7; ++i) simtest::ping(fx.s, fx.n("w1/r0/n0"), fx.n("w1/r2/n1"), i);
    fx.run_to(10_s);
    for (sim::NodeId id : fx.s.topology().rack(2).nodes) CHECK(fx.s.up(id));
    const auto& r = fx.inj.records()[0];
    CHECK(r.target == "w1/r2");
    CHECK(r.nodes.size() == 3);
    CHECK(r.messages_dropped == 7);
}

TEST_CASE("faults: power_domain_down takes every rack of the domain; stamp_down the stamp") {
    Fixture fx;
    FaultSpec p = fx.at(Kind::kPowerDomainDown, 1_s);
    p.target.power_domain = 1;  // racks 1 and 3 (r % 2)
    p.duration = 1_s;
    FaultSpec st = fx.at(Kind::kStampDown, 5_s);
    st.target.stamp = 1;
    st.duration = 1_s;
    fx.inj.schedule_all({p, st});
    fx.run_to(1500_ms);
    CHECK_FALSE(fx.s.up(fx.n("w1/r1/n0")));
    CHECK_FALSE(fx.s.up(fx.n("w1/r3/n2")));
    CHECK(fx.s.up(fx.n("w1/r2/n0")));
    fx.run_to(5500_ms);
    CHECK(fx.s.up(fx.n("w1/r1/n0")));
    CHECK_FALSE(fx.s.up(fx.n("e1/r1/n1")));
    fx.run_to(7_s);
    CHECK(fx.s.up(fx.n("e1/r1/n1")));
    CHECK(fx.inj.records()[0].target == "w1 power domain 1");
    CHECK(fx.inj.records()[1].target == "e1");
}

TEST_CASE("faults: tor_down cuts one switch (rack still reachable); both isolate it") {
    Fixture fx;
    FaultSpec a = fx.at(Kind::kTorDown, 1_s);
    a.target.rack = 1;
    a.switch_index = 0;
    a.duration = 10_s;
    FaultSpec b = a;
    b.at = 2_s;
    b.switch_index = 1;
    b.duration = 1_s;
    fx.inj.schedule_all({a, b});
    const int rack = fx.s.topology().rack_of(0, 1);
    fx.run_to(1500_ms);
    CHECK(fx.s.network().tors_up(rack) == 1);
    CHECK_FALSE(fx.s.network().rack_isolated(rack));
    fx.run_to(2500_ms);
    CHECK(fx.s.network().rack_isolated(rack));
    fx.run_to(4_s);
    CHECK(fx.s.network().tors_up(rack) == 1);
    fx.run_to(20_s);
    CHECK(fx.s.network().tors_up(rack) == 2);
    CHECK(fx.inj.records()[0].target == "w1/r1 switch 0");
}

TEST_CASE("faults: network_partition between rack groups and region_partition") {
    Fixture fx;
    FaultSpec f = fx.at(Kind::kNetworkPartition, 1_s);
    f.target.groups = {{0, 1}, {2, 3}};
    f.duration = 2_s;
    FaultSpec g = fx.at(Kind::kRegionPartition, 5_s);
    g.target.regions = {0, 1};
    g.duration = 2_s;
    fx.inj.schedule_all({f, g});
    fx.run_to(1500_ms);
    simtest::Log& dst = fx.logs[fx.n("w1/r2/n0").value];
    simtest::ping(fx.s, fx.n("w1/r0/n0"), fx.n("w1/r2/n0"), 1);
    simtest::ping(fx.s, fx.n("w1/r0/n0"), fx.n("w1/r1/n0"), 2);
    fx.run_to(2_s);
    CHECK(dst.count('m') == 0);
    CHECK(fx.logs[fx.n("w1/r1/n0").value].count('m') == 1);
    fx.run_to(5500_ms);
    simtest::ping(fx.s, fx.n("w1/r0/n0"), fx.n("w1/r2/n0"), 3);
    simtest::ping(fx.s, fx.n("w1/r0/n0"), fx.n("e1/r0/n0"), 4);
    fx.run_to(6_s);
    CHECK(dst.count('m') == 1);
    CHECK(fx.logs[fx.n("e1/r0/n0").value].count('m') == 0);
    fx.run_to(8_s);
    CHECK(fx.inj.records()[0].target == "w1 racks 0,1 | 2,3");
    CHECK(fx.inj.records()[0].messages_dropped == 1);
    CHECK(fx.inj.records()[1].target == "regions west | east");
    CHECK(fx.inj.records()[1].messages_dropped == 1);
}

TEST_CASE("faults: link_degrade adds latency and loss on a rack; clog delays picked nodes") {
    Fixture fx;
    FaultSpec f = fx.at(Kind::kLinkDegrade, 1_s);
    f.target.rack = 3;
    f.extra_latency = 5_ms;
    f.duration = 1_s;
    fx.inj.schedule(f);
    fx.run_to(1500_ms);
    simtest::Log& dst = fx.logs[fx.n("w1/r3/n0").value];
    simtest::ping(fx.s, fx.n("w1/r0/n0"), fx.n("w1/r3/n0"), 1, 0);
    fx.run_to(1600_ms);
    REQUIRE(dst.count('m') == 1);
    CHECK((dst.entries.back().at - (sim::Time::zero() + 1500_ms)).ns() == 5'100'000);

    FaultSpec c = fx.at(Kind::kClog, 3_s);
    c.target.count = 3;
    c.extra_latency = 2_s;
    c.duration = 10_s;
    fx.inj.schedule(c);
    fx.run_to(3500_ms);
    const auto& rec = fx.inj.records()[1];
    CHECK(rec.nodes.size() == 3);
    CHECK(rec.changed_state);
}

TEST_CASE("faults: disk_fail, disk_slow and disk_corrupt act on the node's disk") {
    Fixture fx;
    FaultSpec fail = fx.at(Kind::kDiskFail, 1_s);
    fail.target.node = fx.n("w1/r0/n1");
    FaultSpec slow = fx.at(Kind::kDiskSlow, 1_s);
    slow.target.node = fx.n("w1/r0/n2");
    slow.factor = 20;
    slow.duration = 3_s;
    FaultSpec corrupt = fx.at(Kind::kDiskCorrupt, 1_s);
    corrupt.target.node = fx.n("w1/r1/n0");
    corrupt.fraction = 0.5;
    fx.inj.schedule_all({fail, slow, corrupt});
    fx.run_to(2_s);
    CHECK(fx.s.disk(fx.n("w1/r0/n1")).failed());
    CHECK(fx.s.disk(fx.n("w1/r0/n2")).slow_factor() == 20);
    // Nothing on that disk knows about blocks: the corruption damaged nothing, and says so.
    CHECK(fx.inj.records()[2].affected_nothing());
    CHECK(fx.inj.records()[2].note == "0 blocks corrupted");
    fx.run_to(5_s);
    CHECK(fx.s.disk(fx.n("w1/r0/n2")).slow_factor() == 1);
    CHECK(fx.s.disk(fx.n("w1/r0/n1")).failed());  // no `for`: until the drain swaps the disk
    fx.inj.heal_all();
    CHECK_FALSE(fx.s.disk(fx.n("w1/r0/n1")).failed());
}

TEST_CASE("faults: process_pause of a role's leader, clock_skew of a node") {
    Fixture fx;
    fx.resolver.lead = fx.n("w1/r2/n2");
    FaultSpec pause = fx.at(Kind::kProcessPause, 1_s);
    pause.target.role = "stream_manager";
    pause.target.pick = faults::Pick::kLeader;
    pause.duration = 2_s;
    FaultSpec skew = fx.at(Kind::kClockSkew, 1_s);
    skew.target.node = fx.n("w1/r1/n1");
    skew.drift = 0.05;
    skew.duration = 10_s;
    fx.inj.schedule_all({pause, skew});
    fx.run_to(2_s);
    CHECK(fx.s.paused(fx.n("w1/r2/n2")));
    CHECK(fx.s.clock_drift(fx.n("w1/r1/n1")) == 0.05);
    CHECK(fx.inj.records()[0].target == "w1/r2/n2 (stream_manager leader)");
    fx.run_to(12_s);
    CHECK_FALSE(fx.s.paused(fx.n("w1/r2/n2")));
    CHECK(fx.s.clock_drift(fx.n("w1/r1/n1")) == 0);
    // The skewed clock gained 5% over the 10 s window.
    CHECK(fx.s.local_time(fx.n("w1/r1/n1")).ns() - fx.s.now().ns() == 500'000'000);
}

TEST_CASE("faults: a role target picks from the resolver; no leader means no effect, flagged") {
    Fixture fx;
    fx.resolver.ps = {fx.n("w1/r0/n0"), fx.n("w1/r1/n0"), fx.n("w1/r2/n0")};
    FaultSpec f = fx.at(Kind::kNodeCrash, 1_s);
    f.target.role = "partition_server";
    f.target.pick = faults::Pick::kFirst;
    FaultSpec g = fx.at(Kind::kNodeCrash, 1_s);
    g.target.role = "partition_manager";
    g.target.pick = faults::Pick::kLeader;
    fx.inj.schedule_all({f, g});
    fx.run_to(2_s);
    CHECK_FALSE(fx.s.up(fx.n("w1/r0/n0")));
    CHECK(fx.inj.records()[0].target == "w1/r0/n0 (partition_server)");
    CHECK(fx.inj.records()[1].affected_nothing());
    CHECK(fx.inj.records()[1].note == "no leader of partition_manager at fire time");
}

TEST_CASE("faults: upgrade_domain_down and a rolling upgrade, the operator told first") {
    Fixture fx;
    FaultSpec ud = fx.at(Kind::kUpgradeDomainDown, 1_s);
    ud.target.upgrade_domain = 1;
    ud.duration = 1_s;
    fx.inj.schedule(ud);
    fx.run_to(1500_ms);
    for (sim::NodeId id : fx.s.topology().upgrade_domain_nodes(0, 1)) CHECK_FALSE(fx.s.up(id));
    CHECK(fx.s.up(fx.n("w1/r0/n0")));
    fx.run_to(3_s);
    FaultSpec roll = fx.at(Kind::kRollingUpgrade, 5_s);
    roll.per_domain = 10_s;
    fx.inj.schedule(roll);
    fx.run_to(6_s);
    CHECK_FALSE(fx.s.up(fx.n("w1/r0/n0")));  // upgrade domain 0 first
    CHECK(fx.s.up(fx.n("w1/r0/n1")));
    fx.run_to(16_s);
    CHECK(fx.s.up(fx.n("w1/r0/n0")));
    CHECK_FALSE(fx.s.up(fx.n("w1/r0/n1")));
    fx.run_to(60_s);
    CHECK(fx.op.calls == std::vector<std::string>{"down 0", "up 0", "down 1", "up 1", "down 2", "up 2"});
    CHECK(fx.inj.records()[1].end->ns() == 35'000'000'000);
    for (const auto& node : fx.s.topology().stamp(0).nodes) CHECK(fx.s.up(node));
}

TEST_CASE("faults: heal_all (the drain) ends active faults and cancels pending ones") {
    Fixture fx;
    FaultSpec f = fx.at(Kind::kRackDown, 1_s);
    f.target.rack = 0;
    FaultSpec later = fx.at(Kind::kRackDown, 100_s);
    later.target.rack = 1;
    fx.inj.schedule_all({f, later});
    fx.run_to(2_s);
    CHECK(fx.inj.active() == 1);
    fx.inj.heal_all();
    CHECK(fx.inj.active() == 0);
    fx.run_to(200_s);
    CHECK(fx.inj.records().size() == 1);
    for (const auto& node : fx.s.topology().stamp(0).nodes) CHECK(fx.s.up(node));
}

TEST_CASE("faults: crashing an already crashed node changes nothing and is flagged") {
    Fixture fx;
    FaultSpec a = fx.at(Kind::kNodeCrash, 1_s);
    a.target.node = fx.n("w1/r0/n0");
    FaultSpec b = a;
    b.at = 2_s;
    fx.inj.schedule_all({a, b});
    fx.run_to(3_s);
    CHECK_FALSE(fx.inj.records()[0].affected_nothing());
    CHECK(fx.inj.records()[1].affected_nothing());
    CHECK(faults::describe(a, "w1/r0/n0") == "at 1s node_crash w1/r0/n0");
    CHECK(faults::kind_from_name("power_domain_down") == Kind::kPowerDomainDown);
    CHECK_FALSE(faults::kind_from_name("rack_explodes"));
}
