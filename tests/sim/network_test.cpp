// Network: latency by locality, bandwidth and queueing arithmetic, every fault hook.
#include <doctest/doctest.h>

#include "sim/simulation.h"
#include "test_world.h"

using namespace sim::literals;
using simtest::Log;

namespace {

// Two regions; west has stamps w1 (2 racks x 2) and w2 (1 x 2); east has e1 (1 x 2).
sim::TopologySpec world() {
    sim::TopologySpec spec;
    spec.regions.push_back(sim::RegionSpec{"west", {sim::StampSpec{"w1", 2, 2, 2, {}, 2}, sim::StampSpec{"w2", 1, 2, 1, {}, 2}}});
    spec.regions.push_back(sim::RegionSpec{"east", {sim::StampSpec{"e1", 1, 2, 1, {}, 2}}});
    return spec;
}

struct World {
    sim::Simulation s;
    std::vector<Log> logs;
    explicit World(sim::SimulationConfig cfg = {}) : s(world(), cfg), logs(16) {
        for (uint32_t i = 0; i < s.topology().node_count(); ++i) simtest::add_recorder(s, sim::NodeId{i}, logs[i]);
    }
    sim::NodeId id(const char* name) { return *s.topology().find_node(name); }
    Log& log(const char* name) { return logs[id(name).value]; }
    // Arrival time of one ping sent now.
    int64_t one_way(const char* from, const char* to, int64_t size = 0) {
        Log& l = log(to);
        const size_t before = l.entries.size();
        const sim::Time start = s.now();
        simtest::ping(s, id(from), id(to), 1, size);
        s.run_until(s.now() + 10_s);
        if (l.entries.size() == before) return -1;
        return (l.entries.back().at - start).ns();
    }
};

}  // namespace

TEST_CASE("network: latency by locality with zero-size messages") {
    World w;
    CHECK(w.one_way("w1/r0/n0", "w1/r0/n0") == 0);
    CHECK(w.one_way("w1/r0/n0", "w1/r0/n1") == 20'000);
    CHECK(w.one_way("w1/r0/n0", "w1/r1/n0") == 100'000);
    CHECK(w.one_way("w1/r0/n0", "w2/r0/n0") == 500'000);
    CHECK(w.one_way("w1/r0/n0", "e1/r0/n0") == 30'000'000);
    sim::NodeId c = w.s.add_client(0);
    w.logs.resize(w.s.topology().node_count());
    simtest::add_recorder(w.s, c, w.logs[c.value]);
    CHECK(w.one_way("w1/r0/n0", "client/west/0") == 1'000'000);
    sim::NodeId ce = w.s.add_client(1);
    w.logs.resize(w.s.topology().node_count());
    simtest::add_recorder(w.s, ce, w.logs[ce.value]);
    CHECK(w.one_way("w1/r0/n0", "client/east/0") == 31'000'000);
}

TEST_CASE("network: serialization at link bandwidth, pipelined over the path") {
    World w;
    // 1 MB = 8e6 bits: 320 us at 25 Gbps (NICs), 80 us at 100 Gbps (rack links).
    CHECK(w.one_way("w1/r0/n0", "w1/r0/n1", 1'000'000) == 20'000 + 320'000);
    // Pipelined: the slowest link dominates, the faster rack links do not add.
    CHECK(w.one_way("w1/r0/n0", "w1/r1/n0", 1'000'000) == 100'000 + 320'000);
}

TEST_CASE("network: per-link FIFO queueing of back-to-back messages") {
    World w;
    Log& l = w.log("w1/r0/n1");
    for (int i = 0; i < 3; ++i) simtest::ping(w.s, w.id("w1/r0/n0"), w.id("w1/r0/n1"), i, 1'000'000);
    w.s.run_until(sim::Time::zero() + 1_s);
    REQUIRE(l.entries.size() == 3);
    CHECK(l.entries[0].at.ns() == 340'000);
    CHECK(l.entries[1].at.ns() == 660'000);
    CHECK(l.entries[2].at.ns() == 980'000);
    CHECK(l.entries[1].value == 1);
    CHECK(w.s.network().node_tx_bytes(w.id("w1/r0/n0")) == 3'000'000);
}

TEST_CASE("network: both ToRs down isolate a rack; one ToR down halves its bandwidth") {
    World w;
    const int rack1 = w.s.topology().rack_of(0, 1);
    w.s.network().set_tor(rack1, 0, false);
    CHECK_FALSE(w.s.network().rack_isolated(rack1));
    // NIC at 12.5 Gbps: 1 MB takes 640 us.
    CHECK(w.one_way("w1/r0/n0", "w1/r1/n0", 1'000'000) == 100'000 + 640'000);
    w.s.network().set_tor(rack1, 0, false);  // idempotent
    w.s.network().set_tor(rack1, 1, false);
    CHECK(w.s.network().rack_isolated(rack1));
    CHECK(w.one_way("w1/r0/n0", "w1/r1/n0") == -1);
    CHECK(w.one_way("w1/r1/n0", "w1/r1/n1") == -1);  // intra-rack also goes through the ToR
    CHECK(w.one_way("w1/r0/n0", "w1/r0/n1") == 20'000);
    CHECK(w.s.network().dropped(sim::DropReason::kRackIsolated) == 2);
    w.s.network().set_tor(rack1, 0, true);
    CHECK(w.one_way("w1/r0/n0", "w1/r1/n0") == 100'000);
}

TEST_CASE("network: symmetric and one-way partitions between node groups") {
    World w;
    const size_t n = w.s.topology().node_count();
    std::vector<int> groups(n, -1);
    for (auto id : w.s.topology().rack(0).nodes) groups[id.value] = 0;
    for (auto id : w.s.topology().rack(1).nodes) groups[id.value] = 1;
    auto cut = w.s.network().add_cut(groups, false, "racks 0 | 1");
    CHECK(w.one_way("w1/r0/n0", "w1/r1/n0") == -1);
    CHECK(w.one_way("w1/r1/n0", "w1/r0/n0") == -1);
    CHECK(w.one_way("w1/r0/n0", "w1/r0/n1") == 20'000);  // same group
    CHECK(w.one_way("w1/r0/n0", "w2/r0/n0") == 500'000); // not in any group
    CHECK(w.s.network().dropped_by(cut) == 2);
    w.s.network().remove(cut);
    CHECK(w.one_way("w1/r0/n0", "w1/r1/n0") == 100'000);

    auto one_way = w.s.network().add_cut(groups, true, "rack 0 -> rack 1");
    CHECK(w.one_way("w1/r0/n0", "w1/r1/n0") == -1);
    CHECK(w.one_way("w1/r1/n0", "w1/r0/n0") == 100'000);
    w.s.network().remove(one_way);
}

TEST_CASE("network: region partition as a cut by region") {
    World w;
    std::vector<int> groups(w.s.topology().node_count(), -1);
    for (const auto& node : w.s.topology().nodes()) groups[node.id.value] = node.region;
    w.s.network().add_cut(groups, false, "west | east");
    CHECK(w.one_way("w1/r0/n0", "e1/r0/n0") == -1);
    CHECK(w.one_way("w1/r0/n0", "w2/r0/n0") == 500'000);
}

TEST_CASE("network: extra latency (clog), loss and duplication on a node's traffic") {
    World w;
    auto clog = w.s.network().add_impairment({w.id("w1/r0/n1")}, {2_s, {}, 0, 0}, "clog");
    CHECK(w.one_way("w1/r0/n0", "w1/r0/n1") == 2'000'020'000);
    CHECK(w.one_way("w1/r0/n1", "w1/r1/n1") == 2'000'100'000);
    w.s.network().remove(clog);
    CHECK(w.one_way("w1/r0/n0", "w1/r0/n1") == 20'000);

    auto lossy = w.s.network().add_impairment({w.id("w1/r1/n0")}, {{}, {}, 0.5, 0}, "loss");
    Log& l = w.log("w1/r1/n0");
    const size_t before = l.entries.size();
    for (int i = 0; i < 2000; ++i) simtest::ping(w.s, w.id("w1/r0/n0"), w.id("w1/r1/n0"), i);
    w.s.run_until(w.s.now() + 1_s);
    const double got = static_cast<double>(l.entries.size() - before);
    CHECK(got == doctest::Approx(1000).epsilon(0.1));
    CHECK(w.s.network().dropped_by(lossy) == 2000 - static_cast<uint64_t>(got));
    w.s.network().remove(lossy);

    w.s.network().add_impairment({w.id("w1/r1/n1")}, {{}, 1_ms, 0, 1.0}, "dup+jitter");
    Log& d = w.log("w1/r1/n1");
    const size_t dbefore = d.entries.size();
    for (int i = 0; i < 100; ++i) simtest::ping(w.s, w.id("w1/r0/n0"), w.id("w1/r1/n1"), i);
    w.s.run_until(w.s.now() + 1_s);
    CHECK(d.entries.size() - dbefore == 200);
    // Jitter reorders: arrivals are not in send order.
    bool reordered = false;
    for (size_t i = dbefore + 1; i < d.entries.size(); ++i) reordered |= d.entries[i].value < d.entries[i - 1].value;
    CHECK(reordered);
}
