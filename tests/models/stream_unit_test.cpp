// Unit tests of the stream layer's pieces: the extent store, placement, the stream
// manager's state machine.
#include <doctest/doctest.h>

#include <map>

#include "models/stream/config.h"
#include "models/stream/extent_store.h"
#include "models/stream/manager_state.h"
#include "models/stream/placement.h"
#include "sim/topology.h"

using namespace models::stream;

TEST_SUITE_BEGIN("stream");

TEST_CASE("stream extent store: commit length over the contiguous prefix, truncate, corruption") {
    ExtentStore store;
    Replica& r = store.create(ExtentId{1}, {});
    auto block = [](int64_t off, int64_t size, uint64_t fp) {
        return Block{off, size, fp, block_checksum(size, fp)};
    };
    store.add_block(r, block(0, 100, 1));
    store.add_block(r, block(200, 100, 3));  // ahead of a gap
    CHECK(r.commit_length == 100);
    store.add_block(r, block(100, 100, 2));
    CHECK(r.commit_length == 300);
    CHECK(store.add_block(r, block(100, 100, 2)) == 0);  // duplicate
    CHECK(store.truncate(r, 200) == 100);
    CHECK(r.commit_length == 200);
    sim::Rng rng(5);
    CHECK(store.corrupt_blocks(rng, 1.0) == 2);
    for (const auto& [off, b] : r.blocks) CHECK(!b.intact());
}

TEST_CASE("stream planted bug names parse") {
    for (auto name : {"chain_ack_at_head", "seal_at_max_length", "same_rack_replicas", "count_stale_extent_report"}) {
        auto b = parse_stream_bug(name);
        REQUIRE(b.has_value());
        CHECK(stream_bug_name(*b) == name);
    }
    CHECK(!parse_stream_bug("nope").has_value());
}

TEST_CASE("stream placement: distinct racks, power and upgrade domains as far as the stamp allows") {
    for (int pds : {1, 2, 3, 6}) {
        sim::TopologySpec spec;
        spec.regions.push_back(sim::RegionSpec{"r", {sim::StampSpec{"s", 6, 4, pds, {}, 5}}});
        sim::Topology topo(spec);
        std::vector<PlacementCandidate> cands;
        for (sim::NodeId n : topo.stamp(0).nodes) cands.push_back(PlacementCandidate{n, 0});
        sim::Rng rng(9);
        for (int i = 0; i < 500; ++i) {
            auto p = place_replicas(topo, cands, {}, 3, 3, rng);
            REQUIRE(p.has_value());
            std::map<int, int> racks, powers, uds;
            for (sim::NodeId n : *p) {
                ++racks[topo.node(n).rack];
                ++powers[topo.node(n).power_domain];
                ++uds[topo.node(n).upgrade_domain];
            }
            CHECK(racks.size() == 3);
            CHECK(uds.size() == 3);
            const int allowed = pds >= 3 ? 1 : (3 + pds - 1) / pds;
            for (auto [d, k] : powers) CHECK(k <= allowed);
        }
        // The planted bug puts the second replica in the first one's rack.
        auto bad = place_replicas(topo, cands, {}, 3, 3, rng, true);
        REQUIRE(bad.has_value());
        CHECK(topo.node((*bad)[0]).rack == topo.node((*bad)[1]).rack);
    }
}

TEST_CASE("stream manager state: namespace, seal once, only the last extent unsealed, garbage") {
    StreamManagerState s;
    CreateStreamCmd create;
    create.stream_name = "log";
    StreamId id;
    CHECK(s.apply_command(create, true, &id) == Status::kOk);
    AddExtentCmd add;
    add.stream = id;
    add.extent = ExtentId{1};
    add.replicas = {sim::NodeId{0}, sim::NodeId{1}, sim::NodeId{2}};
    CHECK(s.apply_command(add, true) == Status::kOk);
    AddExtentCmd add2 = add;
    add2.extent = ExtentId{2};
    CHECK(s.apply_command(add2, true) == Status::kSealed);  // extent 1 is still open
    SealExtentCmd seal;
    seal.extent = ExtentId{1};
    seal.length = 4096;
    CHECK(s.apply_command(seal, true) == Status::kOk);
    seal.length = 8192;
    CHECK(s.apply_command(seal, true) == Status::kSealed);  // sealed once, at one length
    CHECK(s.apply_command(add2, true) == Status::kOk);
    CHECK(s.view(id).size() == 2);
    CHECK(s.view(id)[0].sealed_length == 4096);
    ReplaceReplicaCmd rep;
    rep.extent = ExtentId{1};
    rep.old_node = sim::NodeId{1};
    rep.new_node = sim::NodeId{5};
    CHECK(s.apply_command(rep, true) == Status::kOk);
    CHECK(s.extent(ExtentId{1})->replicas[1] == sim::NodeId{5});
    DeleteExtentCmd del;
    del.extent = ExtentId{1};
    CHECK(s.apply_command(del, true) == Status::kUnavailable);  // still referenced
    DeleteStreamCmd ds;
    ds.stream_name = "log";
    CHECK(s.apply_command(ds, true) == Status::kOk);
    CHECK(s.apply_command(del, true) == Status::kOk);
    auto snap = s.snapshot();
    StreamManagerState t;
    t.restore(*snap);
    CHECK(t.data().extents.size() == 1);
    CHECK(t.data().next_extent == 3);
}

TEST_SUITE_END();
