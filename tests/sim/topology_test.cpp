// Topology: naming, failure domains, role placement.
#include <doctest/doctest.h>

#include <set>

#include "sim/topology.h"
#include "test_world.h"

TEST_CASE("topology: nodes are named STAMP/rRACK/nINDEX and found by name") {
    sim::Topology t(simtest::one_stamp(3, 4));
    CHECK(t.node_count() == 12);
    CHECK(t.node(sim::NodeId{0}).name == "w1/r0/n0");
    CHECK(t.node(sim::NodeId{7}).name == "w1/r1/n3");
    CHECK(t.find_node("w1/r2/n1")->value == 9);
    CHECK_FALSE(t.find_node("w1/r3/n0"));
    CHECK(t.find_stamp("w1") == 0);
    CHECK(t.find_region("west") == 0);
    sim::NodeId c = t.add_client(0);
    CHECK(t.node(c).name == "client/west/0");
    CHECK(t.node(c).is_client);
}

TEST_CASE("topology: default power map r % P, explicit power_map, upgrade domains n % U") {
    sim::Topology t(simtest::one_stamp(8, 12, 4, 5));
    for (int r = 0; r < 8; ++r) CHECK(t.rack(r).power_domain == r % 4);
    CHECK(t.power_domain_racks(0, 1) == std::vector<int>{1, 5});
    CHECK(t.power_domain_nodes(0, 1).size() == 24);
    CHECK(t.node(*t.find_node("w1/r4/n7")).upgrade_domain == 2);
    auto ud = t.upgrade_domain_nodes(0, 2);
    CHECK(ud.size() == 8 * 2);  // n = 2 and n = 7 in each of the 8 racks
    for (auto id : ud) CHECK(t.node(id).index_in_rack % 5 == 2);

    sim::TopologySpec spec = simtest::one_stamp(4, 2, 2, 2);
    spec.regions[0].stamps[0].power_map = {{0, 1}, {2, 3}};
    sim::Topology m(spec);
    CHECK(m.rack(0).power_domain == 0);
    CHECK(m.rack(1).power_domain == 0);
    CHECK(m.rack(2).power_domain == 1);
    CHECK(m.rack(3).power_domain == 1);
}

TEST_CASE("topology: role placement spreads over racks, power domains and upgrade domains") {
    sim::Topology t(simtest::one_stamp(8, 12, 4, 5));
    auto p = t.place_role(0, 5, 0, "stream_manager");
    REQUIRE(p.nodes.size() == 5);
    std::set<int> racks, powers, uds;
    for (auto id : p.nodes) {
        racks.insert(t.node(id).rack_in_stamp);
        powers.insert(t.node(id).power_domain);
        uds.insert(t.node(id).upgrade_domain);
    }
    CHECK(racks.size() == 5);
    CHECK(powers.size() == 4);
    CHECK(uds.size() == 5);
    CHECK(p.warning.empty());

    // Many members: all distinct nodes, evenly spread over racks.
    auto ps = t.place_role(0, 24, 3, "partition_server");
    std::set<uint32_t> distinct;
    std::vector<int> per_rack(8, 0);
    for (auto id : ps.nodes) {
        distinct.insert(id.value);
        ++per_rack[static_cast<size_t>(t.node(id).rack_in_stamp)];
    }
    CHECK(distinct.size() == 24);
    for (int k : per_rack) CHECK(k == 3);
}

TEST_CASE("topology: a majority in one domain is placed but warned about") {
    sim::Topology t(simtest::one_stamp(2, 4, 2, 2));
    auto p = t.place_role(0, 3, 0, "lock_service");
    CHECK(p.nodes.size() == 3);
    CHECK(p.warning == "lock_service: 2 of 3 members in rack 0 of stamp w1");
}
