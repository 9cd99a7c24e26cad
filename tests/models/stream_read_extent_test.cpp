// StreamClient::read_extent: a client that never opened the stream (a front-end) reads an
// acknowledged block with the replica set it was given, finds the replicas through the
// stream manager when that set is empty or stale, and keeps nothing of the stream.
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>

#include "stream_harness.h"

using namespace stream_test;
using sim::Duration;

namespace {

struct ReadOutcome {
    Status status = Status::kTimeout;
    std::vector<Block> blocks;
};

ReadOutcome read_extent(World& w, int reader, const Location& loc, std::vector<sim::NodeId> replicas,
                        std::vector<std::string> streams) {
    std::optional<ReadOutcome> out;
    w.writer(reader).client().read_extent(loc, std::move(replicas), std::move(streams),
                                          [&](Status s, const std::vector<Block>& b) { out = ReadOutcome{s, b}; });
    const sim::Time end = w.sim.now() + Duration::seconds(30);
    while (!out && w.sim.now() < end) w.sim.run_until(w.sim.now() + Duration::millis(10));
    REQUIRE(out.has_value());
    return *out;
}

}  // namespace

TEST_CASE("stream client: read_extent reads a stream it never opened, with given, stale or no replicas") {
    WorldOptions o;
    o.writers = 2;
    o.writer.max_appends = 20;
    World w(o);
    w.sim.run_until(sim::Time::zero() + Duration::seconds(10));
    REQUIRE(w.stats[0].acked == 20);
    const auto [loc, fp] = w.stats[0].acks[7];
    const std::vector<ExtentView>* views = w.writer(0).client().extents(w.stats[0].stream);
    REQUIRE(views != nullptr);
    std::vector<sim::NodeId> replicas;
    for (const ExtentView& v : *views) {
        if (v.id == loc.extent) replicas = v.replicas;
    }
    REQUIRE(replicas.size() == 3);
    StreamClient& reader = w.writer(1).client();
    REQUIRE(reader.locate(loc.extent) == nullptr);

    // The replicas as given.
    ReadOutcome r = read_extent(w, 1, loc, replicas, {});
    CHECK(r.status == Status::kOk);
    REQUIRE(r.blocks.size() == 1);
    CHECK(r.blocks[0].fingerprint == fp);
    CHECK(r.blocks[0].size_bytes == loc.size_bytes);

    // No replicas known: the second stream named lists the extent.
    r = read_extent(w, 1, loc, {}, {"no-such-stream", "stream-0"});
    CHECK(r.status == Status::kOk);
    REQUIRE(r.blocks.size() == 1);
    CHECK(r.blocks[0].fingerprint == fp);

    // A stale replica set (nodes that never held the extent): refreshed through the stream.
    std::vector<sim::NodeId> stale;
    for (sim::NodeId n : w.sim.topology().stamp(0).nodes) {
        if (std::find(replicas.begin(), replicas.end(), n) == replicas.end() && stale.size() < 3) stale.push_back(n);
    }
    r = read_extent(w, 1, loc, stale, {"stream-0"});
    CHECK(r.status == Status::kOk);
    REQUIRE(r.blocks.size() == 1);
    CHECK(r.blocks[0].fingerprint == fp);

    // Stale and no stream that lists it: unavailable, never someone else's bytes.
    r = read_extent(w, 1, loc, stale, {"stream-1"});
    CHECK(r.status == Status::kUnavailable);
    CHECK(r.blocks.empty());
    // The reader opened nothing of stream-0 for it.
    CHECK(reader.locate(loc.extent) == nullptr);
}
