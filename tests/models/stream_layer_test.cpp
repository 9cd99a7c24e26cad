// Stream layer end to end on a small stamp: appends, reads, replay, sealing on a full
// extent, and the stream manager on Raft.
#include <doctest/doctest.h>

#include "tests/models/stream_harness.h"

using namespace stream_test;
using sim::Duration;
using sim::Time;

TEST_SUITE_BEGIN("stream");

TEST_CASE("stream: appends are acknowledged, read back and replayed in order") {
    WorldOptions o;
    o.writers = 2;
    o.writer.max_appends = 400;
    World w(o);
    w.sim.run_until(Time::zero() + Duration::seconds(20));
    for (const auto& s : w.stats) {
        CHECK(s.created);
        CHECK(s.acked == 400);
        CHECK(s.failed == 0);
        CHECK(s.reads_ok > 0);
        CHECK(s.reads_failed == 0);
    }
    // 400 x 64 KiB = 25 MiB over 16 MiB extents: at least one seal on a full extent.
    CHECK(w.layer.metrics().extents_sealed >= 2);
    w.observer.audit();

    // Replay stream 0 and find every acknowledged append, in order.
    std::vector<std::pair<Location, uint64_t>> seen;
    bool done = false;
    w.writer(0).client().replay(w.stats[0].stream, [&](const Location& loc, const Block& b) {
        seen.emplace_back(loc, b.fingerprint);
    }, [&](Status s) {
        CHECK(s == Status::kOk);
        done = true;
    });
    w.sim.run_until(w.sim.now() + Duration::seconds(10));
    CHECK(done);
    CHECK(seen.size() >= w.stats[0].acks.size());
    size_t j = 0;
    for (const auto& [loc, fp] : w.stats[0].acks) {
        while (j < seen.size() && !(seen[j].first.extent == loc.extent && seen[j].first.offset == loc.offset)) ++j;
        REQUIRE(j < seen.size());
        CHECK(seen[j].second == fp);
    }
}

TEST_SUITE_END();
