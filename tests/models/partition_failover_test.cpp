// Partition server failover: a crashed partition server's range partitions are
// reassigned by the partition manager, loaded by another server once the lease has run
// out, and served again with every acknowledged write; writes continue meanwhile.
#include <doctest/doctest.h>

#include <cstdio>
#include <map>
#include <set>

#include "tests/models/partition_harness.h"

using namespace partition_test;

TEST_SUITE_BEGIN("partition");

namespace {

void crash_and_recover(bool lock_service) {
    PartitionLayerOptions o = three_ranges();
    Rig rig(12, o, lock_service);
    ClientScript script;
    rig.client(script);
    int put_ok = 0;
    REQUIRE(put_all(rig, script, put_ok));
    REQUIRE(put_ok == 3 * kContainers * kBlobs);
    PartitionManager* leader = rig.layer->leader();
    REQUIRE(leader != nullptr);
    // Crash the server of kilo's first range.
    const RangeInfo victim_range = leader->state().map().lookup(encode_key("kilo", "c0", "b00000"));
    const ServerId victim = victim_range.server;
    REQUIRE(victim.valid());
    const std::vector<RangeInfo> lost = leader->state().map().ranges_of(victim);
    const sim::NodeId node = rig.layer->servers()[static_cast<size_t>(victim.value)].node;
    const sim::Time crashed_at = rig.sim.now();
    rig.sim.crash(node);

    // Writes continue during the failover: each new blob is acknowledged at most once.
    std::map<std::string, uint64_t> acked_during;
    for (int b = kBlobs; b < kBlobs + 40; ++b) {
        Op op;
        op.op = BlobOp::kPut;
        op.account = "kilo";
        op.container = "c0";
        op.blob = blob_name(b);
        op.size_bytes = 4096;
        op.fingerprint = fp_of(1, 0, b);
        op.done = [&acked_during, b](const OpResult& r) {
            if (r.status == BlobStatus::kOk) acked_during[blob_name(b)] = fp_of(1, 0, b);
        };
        script.queue.push_back(op);
    }
    const uint64_t want = script.completed + 40;
    // Served again = every lost range is served by a live server holding its lease.
    auto served_again = [&]() {
        PartitionManager* l = rig.layer->leader();
        if (l == nullptr) return false;
        for (const RangeInfo& r : lost) {
            const RangeInfo* now = l->state().map().find(r.id);
            if (now == nullptr || !now->server.valid() || now->server == victim) return false;
            PartitionServer* s = rig.layer->server(now->server.value);
            if (s == nullptr || !s->serving(r.id)) return false;
        }
        return true;
    };
    REQUIRE(rig.run_until(served_again, sim::Duration::seconds(60)));
    const double failover_s = (rig.sim.now() - crashed_at).to_seconds();
    MESSAGE("ranges of the crashed server (" << lost.size() << ") served again after " << failover_s
                                             << " s (heartbeat timeout 3 s, lease 10 s, "
                                             << std::string(lock_service ? "lock service" : "lease table") << ")");
    CHECK(failover_s < 20.0);
    REQUIRE(rig.run_until([&] { return script.completed >= want; }, sim::Duration::seconds(60)));
    CHECK(acked_during.size() == 40);

    // Every acknowledged write is there, with its content.
    int found = 0, expected = 0;
    auto check_blob = [&](int a, int c, const std::string& blob, uint64_t fp) {
        ++expected;
        Op op;
        op.op = BlobOp::kGet;
        op.account = kAccounts[a];
        op.container = "c" + std::to_string(c);
        op.blob = blob;
        op.done = [&found, fp](const OpResult& r) {
            CHECK(r.status == BlobStatus::kOk);
            CHECK(r.entry.fingerprint == fp);
            found += r.status == BlobStatus::kOk && r.entry.fingerprint == fp ? 1 : 0;
        };
        script.queue.push_back(op);
    };
    for (int a = 0; a < 3; ++a) {
        for (int c = 0; c < kContainers; ++c) {
            for (int b = 0; b < kBlobs; ++b) check_blob(a, c, blob_name(b), fp_of(a, c, b));
        }
    }
    for (const auto& [blob, fp] : acked_during) check_blob(1, 0, blob, fp);
    const uint64_t want2 = script.completed + static_cast<uint64_t>(expected);
    REQUIRE(rig.run_until([&] { return script.completed >= want2; }, sim::Duration::seconds(60)));
    CHECK(found == expected);
    // The restarted server comes back empty-handed and may be given ranges again later.
    rig.sim.restart(node);
    rig.run_for(sim::Duration::seconds(5));
    CHECK(rig.layer->leader()->state().map().check().empty());
}

}  // namespace

TEST_CASE("partition layer: a partition server crash; its ranges are served again, no acknowledged write lost") {
    crash_and_recover(false);
}

TEST_CASE("partition layer: the same failover with leases from the lock service") {
    crash_and_recover(true);
}
