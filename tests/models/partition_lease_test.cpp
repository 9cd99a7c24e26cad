// A partition server stops serving a range the moment its lease is gone, and the planted
// bug serve_without_lease (skip the holds() check) is caught: after another holder takes
// the range's lease, the correct server answers nothing but kUnavailable for the range,
// while the buggy one keeps answering reads.
#include <doctest/doctest.h>

#include "tests/models/partition_harness.h"

using namespace partition_test;

TEST_SUITE_BEGIN("partition");

namespace {

struct LeaseOutcome {
    int ok_after_takeover = 0;
    int answered = 0;
    uint64_t leases_lost = 0;
};

LeaseOutcome take_lease_away(bool bug) {
    PartitionLayerOptions o;
    o.initial_boundaries = {"m"};
    o.config.serve_without_lease = bug;
    Rig rig(31, o);
    ClientScript script;
    rig.client(script);
    int put_ok = 0;
    for (int b = 0; b < 20; ++b) {
        Op op;
        op.op = BlobOp::kPut;
        op.account = "alpha";
        op.container = "c";
        op.blob = blob_name(b);
        op.size_bytes = 4096;
        op.fingerprint = 1000 + static_cast<uint64_t>(b);
        op.done = [&put_ok](const OpResult& r) { put_ok += r.status == BlobStatus::kOk ? 1 : 0; };
        script.queue.push_back(op);
    }
    REQUIRE(rig.run_until([&] { return script.completed >= 20; }, sim::Duration::seconds(60)));
    REQUIRE(put_ok == 20);
    PartitionManager* l = rig.layer->leader();
    REQUIRE(l != nullptr);
    const RangeInfo range = l->state().map().lookup(encode_key("alpha", "c", blob_name(0)));
    PartitionServer* server = rig.layer->server(range.server.value);
    REQUIRE(server != nullptr);
    REQUIRE(server->serving(range.id));
    // The lease passes to another holder (as after the server was cut off from the lock
    // service for a lease period): a larger token, a fresh expiry.
    auto& entry = rig.leases.locks.at(range_lock_name(range.id.value));
    entry.holder = 999999;
    entry.token = ++rig.leases.last_token;
    entry.expiry = rig.sim.now() + sim::Duration::seconds(30);
    LeaseOutcome out;
    script.max_attempts = 5;
    for (int b = 0; b < 20; ++b) {
        Op op;
        op.op = BlobOp::kGet;
        op.account = "alpha";
        op.container = "c";
        op.blob = blob_name(b);
        op.done = [&out](const OpResult& r) {
            ++out.answered;
            out.ok_after_takeover += r.status == BlobStatus::kOk ? 1 : 0;
        };
        script.queue.push_back(op);
    }
    rig.run_until([&] { return out.answered >= 20; }, sim::Duration::seconds(20));
    CHECK(out.answered == 20);
    if (auto* s = rig.layer->server(range.server.value)) out.leases_lost = s->stats().leases_lost;
    return out;
}

}  // namespace

TEST_CASE("partition server: stops serving a range at once when its lease is gone") {
    const LeaseOutcome out = take_lease_away(false);
    CHECK(out.ok_after_takeover == 0);
    CHECK(out.leases_lost >= 1);
}

TEST_CASE("partition planted bug serve_without_lease: caught (reads served without the lease)") {
    const LeaseOutcome out = take_lease_away(true);
    MESSAGE("serve_without_lease: " << out.ok_after_takeover << " of 20 reads answered kOk by a server without the lease");
    CHECK(out.ok_after_takeover > 0);
}
