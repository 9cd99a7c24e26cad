// A partition server stops serving a range the moment its lease is gone, and the planted
// bug serve_without_lease (skip the holds() check) is caught: after another holder takes
// the range's lease, the correct server answers nothing but kUnavailable for the range,
// while the buggy one keeps answering reads.
// Also: a partition server cut off by a network partition loses its leases and its ranges
// move; a paused server that comes back stale serves and commits nothing (below).
#include <doctest/doctest.h>

#include "tests/models/partition_checked_load.h"
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

// Lease expiry under a network partition, and a stale server that comes back. Both run a
// checked load (every read against the history of acknowledged writes, every key read
// back at the end) and the invariant observer (no two servers serve a key at once; every
// load holds every acknowledged write), and probe the victim directly, as a front-end
// with a stale map would, for the keys of the ranges it lost.
namespace {

struct VictimSetup {
    int server = -1;
    sim::NodeId node;
    std::vector<RangeInfo> ranges;  // the victim's ranges when the fault starts
    std::vector<ServerProbe::Request> probes;
};

// Three ranges over 120 keys on three servers; picks a server that shares its node with
// no manager (and no lock service replica) and the probe requests for its first keys.
VictimSetup pick_victim(Rig& rig, const CheckedLoad& load, bool puts) {
    VictimSetup v;
    v.server = server_away_from_managers(rig, rig_lock_nodes(rig));
    REQUIRE(v.server >= 0);
    v.node = rig.layer->servers()[static_cast<size_t>(v.server)].node;
    PartitionManager* l = rig.layer->leader();
    REQUIRE(l != nullptr);
    v.ranges = l->state().map().ranges_of(ServerId{v.server});
    REQUIRE(!v.ranges.empty());
    for (uint64_t k = 0; k < load.keys && v.probes.size() < 8; ++k) {
        bool mine = false;
        for (const RangeInfo& r : v.ranges) mine = mine || r.range.contains(load.key_of(k));
        if (!mine) continue;
        ServerProbe::Request q;
        q.op = BlobOp::kGet;
        q.account = load.account;
        q.container = load.container;
        q.blob = load_blob(k);
        v.probes.push_back(q);
        if (puts) {
            // A value no client ever writes: if the stale server committed it, a later read
            // of the key would return it and the history would call that read stale.
            q.op = BlobOp::kPut;
            q.fingerprint = (uint64_t{1} << 40) + k;
            v.probes.push_back(q);
        }
    }
    REQUIRE(!v.probes.empty());
    return v;
}

PartitionLayerOptions lease_test_options(PartitionObserver& observer, const CheckedLoad& load) {
    PartitionLayerOptions o;
    o.observer = &observer;
    o.config.lease = sim::Duration::seconds(5);
    o.config.split_load = 1e9;  // no balancing: ranges move only because of the fault
    o.initial_boundaries = {load.key_of(40), load.key_of(80)};
    return o;
}

bool victim_serves_any(Rig& rig, const VictimSetup& v) {
    PartitionServer* s = rig.layer->server(v.server);
    if (s == nullptr) return false;
    for (const RangeInfo& r : v.ranges) {
        if (s->serving(r.id)) return true;
    }
    return false;
}

// Every range of the victim is served by another server.
bool moved_and_served(Rig& rig, const VictimSetup& v) {
    PartitionManager* l = rig.layer->leader();
    if (l == nullptr) return false;
    for (const RangeInfo& r : v.ranges) {
        const RangeInfo* now = l->state().map().find(r.id);
        if (now == nullptr || !now->server.valid() || now->server.value == v.server) return false;
        PartitionServer* s = rig.layer->server(now->server.value);
        if (s == nullptr || !s->serving(r.id)) return false;
    }
    return true;
}

void isolate_from_lock_service(uint64_t seed) {
    PartitionObserver observer;
    CheckedLoad load;
    PartitionLayerOptions o = lease_test_options(observer, load);
    const sim::Duration lease = o.config.lease;
    // The real lock service: a holder cut off from it cannot renew and stops believing in
    // its leases when its local bound runs out (the harness's lease table renews without
    // the network).
    Rig rig(seed, o, /*lock_service=*/true);
    ClientScript script;
    attach_checked_load(script, load, rig.sim, 100);
    rig.client(script);
    REQUIRE(rig.run_until(
        [&] {
            PartitionManager* l = rig.layer->leader();
            return l != nullptr && l->state().map().size() == 3 &&
                   all_served(rig, l->state().map().ranges());
        },
        sim::Duration::seconds(30)));
    rig.run_for(sim::Duration::seconds(3));
    const VictimSetup v = pick_victim(rig, load, /*puts=*/false);

    // Cut the victim's node off from every node of the stamp (lock service, managers,
    // extent nodes); clients can still reach it.
    std::vector<int> group(rig.sim.topology().node_count(), -1);
    for (const auto& info : rig.sim.topology().nodes()) {
        if (!info.is_client) group[info.id.value] = info.id == v.node ? 0 : 1;
    }
    const sim::Time cut_at = rig.sim.now();
    const sim::NetFaultId cut =
        rig.sim.network().add_cut(std::move(group), false, "isolate partition server");
    ServerProbe::Script probe;
    probe.target = rig.layer->servers()[static_cast<size_t>(v.server)];
    probe.ops = v.probes;
    probe.active = true;
    add_probe(rig, probe, static_cast<sim::Port>(models::ports::kClientFirst + 5));

    // It stops serving once its lease lapses (a renew interval plus the lease at most, plus
    // the 1 s tick that notices it without requests)...
    REQUIRE(rig.run_until([&] { return !victim_serves_any(rig, v); }, sim::Duration::seconds(30),
                          sim::Duration::millis(10)));
    const sim::Time stopped_at = rig.sim.now();
    const double stopped_s = (stopped_at - cut_at).to_seconds();
    CHECK(stopped_s <= lease.to_seconds() + 1.1);
    // ... and its ranges are served again elsewhere within a bound: the manager's server
    // timeout (3 s) and the lease run in parallel, then one load.
    REQUIRE(rig.run_until([&] { return moved_and_served(rig, v); }, sim::Duration::seconds(60),
                          sim::Duration::millis(10)));
    const sim::Time moved_at = rig.sim.now();
    const double moved_s = (moved_at - cut_at).to_seconds();
    CHECK(moved_s < lease.to_seconds() + 6);
    rig.run_for(sim::Duration::seconds(5));  // writes acknowledged by the new owners
    probe.active = false;
    const uint64_t served_after_move = load.served_between(moved_at, rig.sim.now());
    CHECK(served_after_move > 0);

    // What the cut-off server answered: kOk only while its lease was still valid, never
    // once it had stopped (so never beside the new owners).
    uint64_t ok_before_stop = 0, ok_after_stop = 0, refused_after_stop = 0;
    for (const ServerProbe::Reply& r : probe.replies) {
        if (r.status == BlobStatus::kOk || r.status == BlobStatus::kNotFound) {
            (r.received <= stopped_at ? ok_before_stop : ok_after_stop) += 1;
        } else if (r.received > stopped_at) {
            ++refused_after_stop;
        }
    }
    CHECK(ok_after_stop == 0);
    CHECK(refused_after_stop > 0);
    // The reads it answered while its lease held are checked like any client's.
    for (const ServerProbe::Reply& r : probe.replies) {
        const std::string key = encode_key(r.request.account, r.request.container, r.request.blob);
        if (r.status == BlobStatus::kOk)
            load.history.read(key, r.entry.fingerprint, r.sent, r.received);
        if (r.status == BlobStatus::kNotFound) load.history.read(key, 0, r.sent, r.received);
    }
    CHECK(load.history.stale == 0);
    MESSAGE("isolated partition server (seed "
            << seed << ", lease " << lease.to_seconds() << " s): stopped serving " << stopped_s
            << " s after the cut, its " << v.ranges.size() << " range(s) served elsewhere after "
            << moved_s << " s; probe: " << ok_before_stop << " answers before it stopped, "
            << ok_after_stop << " after, " << refused_after_stop << " refusals");

    rig.sim.network().remove(cut);
    rig.run_for(sim::Duration::seconds(5));
    const ReadBack rb = read_back(rig, script, load);
    CHECK(rb.finished);
    CHECK(rb.stale == 0);
    CHECK(rb.unreadable == 0);
    CHECK(load.history.stale == 0);
    if (!load.history.first_stale.empty()) MESSAGE(load.history.first_stale.front());
    CHECK(load.history.acked_writes > 300);
    CHECK(observer.loads_checked() > 3);
}

struct StaleOutcome {
    double moved_s = 0;             // the victim's ranges served elsewhere, after the pause began
    uint64_t served_elsewhere = 0;  // client ops served from then until the resume
    bool serves_after = false;      // the victim serves one of its moved ranges at the end
    bool map_gave_back = false;     // the map assigns one of them to the victim again
    uint64_t leases_lost = 0;       // the victim's count, after resuming
    uint64_t answered = 0, refused = 0, ok = 0;  // probe answers after the resume
    ReadBack read_back;
    uint64_t stale = 0, acked_writes = 0, loads_checked = 0;
    std::string first_stale;
    std::string violation;  // a broken invariant (the observer), if any
};

// Pauses a partition server's process for three leases while clients go on; its ranges
// move; then it resumes, with the requests a stale front-end sent meanwhile waiting.
StaleOutcome pause_and_resume(uint64_t seed, bool lock_service, bool serve_without_lease = false) {
    StaleOutcome out;
    PartitionObserver observer;
    CheckedLoad load;
    PartitionLayerOptions o = lease_test_options(observer, load);
    o.config.serve_without_lease = serve_without_lease;
    const sim::Duration lease = o.config.lease;
    Rig rig(seed, o, lock_service);
    ClientScript script;
    attach_checked_load(script, load, rig.sim, 100);
    rig.client(script);
    REQUIRE(rig.run_until(
        [&] {
            PartitionManager* l = rig.layer->leader();
            return l != nullptr && l->state().map().size() == 3 &&
                   all_served(rig, l->state().map().ranges());
        },
        sim::Duration::seconds(30)));
    rig.run_for(sim::Duration::seconds(3));
    const VictimSetup v = pick_victim(rig, load, /*puts=*/true);
    PartitionServer* before = rig.layer->server(v.server);
    REQUIRE(before != nullptr);
    const uint64_t leases_lost_before = before->stats().leases_lost;
    try {
        // The process stops mid-flight (writes in flight stay in flight) for three leases.
        const sim::Time paused_at = rig.sim.now();
        const sim::Duration pause = lease * 3;
        rig.sim.pause(v.node);
        REQUIRE(rig.run_until([&] { return moved_and_served(rig, v); },
                              pause - sim::Duration::seconds(1), sim::Duration::millis(10)));
        const sim::Time moved_at = rig.sim.now();
        out.moved_s = (moved_at - paused_at).to_seconds();
        // Requests a front-end with a stale map sends meanwhile wait at the paused node and
        // are the first thing it handles when it resumes.
        ServerProbe::Script probe;
        probe.target = rig.layer->servers()[static_cast<size_t>(v.server)];
        probe.ops = v.probes;
        probe.active = true;
        add_probe(rig, probe, static_cast<sim::Port>(models::ports::kClientFirst + 5));
        rig.sim.run_until(paused_at + pause);
        out.served_elsewhere = load.served_between(moved_at, rig.sim.now());
        rig.sim.resume(v.node);
        rig.run_for(sim::Duration::seconds(5));
        probe.active = false;
        rig.run_for(sim::Duration::seconds(1));

        PartitionServer* after = rig.layer->server(v.server);
        REQUIRE(after != nullptr);
        out.serves_after = victim_serves_any(rig, v);
        out.leases_lost = after->stats().leases_lost - leases_lost_before;
        PartitionManager* l = rig.layer->leader();
        REQUIRE(l != nullptr);
        for (const RangeInfo& r : v.ranges) {
            const RangeInfo* now = l->state().map().find(r.id);
            out.map_gave_back =
                out.map_gave_back || now == nullptr || now->server.value == v.server;
        }
        for (const ServerProbe::Reply& r : probe.replies) {
            ++out.answered;
            if (r.status == BlobStatus::kOk || r.status == BlobStatus::kNotFound) {
                if (out.ok == 0 && !serve_without_lease) {
                    MESSAGE("stale server answered " << blob_status_name(r.status) << " for "
                                                     << r.request.blob << " sent at "
                                                     << r.sent.to_string() << ", received "
                                                     << r.received.to_string());
                }
                ++out.ok;
            } else {
                ++out.refused;
            }
        }
        MESSAGE("paused partition server ("
                << std::string(lock_service ? "lock service" : "lease table") << ", seed " << seed
                << std::string(serve_without_lease ? ", planted serve_without_lease" : "")
                << ", pause " << pause.to_seconds() << " s, lease " << lease.to_seconds()
                << " s): its " << v.ranges.size() << " range(s) served elsewhere after "
                << out.moved_s << " s; " << out.served_elsewhere
                << " client ops served before it resumed; after resuming: " << out.answered
                << " probe answers, " << out.refused << " refusals, " << out.ok << " kOk");
        out.read_back = read_back(rig, script, load);
    } catch (const sim::InvariantViolation& e) {
        out.violation = e.what();
    }
    out.stale = load.history.stale;
    out.acked_writes = load.history.acked_writes;
    out.loads_checked = observer.loads_checked();
    if (!load.history.first_stale.empty()) out.first_stale = load.history.first_stale.front();
    return out;
}

void check_stale_server_harmless(const StaleOutcome& out) {
    CHECK_MESSAGE(out.violation.empty(), out.violation);
    CHECK(out.moved_s < 5 + 6);  // lease + server timeout and a load
    CHECK(out.served_elsewhere > 0);
    // After resuming it serves none of the ranges that moved, answers nothing but refusals
    // for their keys, and commits none of the probe's puts (the read-back would see one).
    CHECK_FALSE(out.serves_after);
    CHECK_FALSE(out.map_gave_back);
    CHECK(out.leases_lost > 0);
    CHECK(out.answered > 0);
    CHECK(out.ok == 0);
    CHECK(out.refused == out.answered);
    CHECK(out.read_back.finished);
    CHECK(out.read_back.stale == 0);
    CHECK(out.read_back.unreadable == 0);
    CHECK_MESSAGE(out.stale == 0, out.first_stale);
    CHECK(out.acked_writes > 300);
    CHECK(out.loads_checked > 3);
}

}  // namespace

TEST_CASE(
    "partition layer: a partition server cut off from the lock service stops serving when its "
    "lease lapses; its ranges move") {
    isolate_from_lock_service(51);
}

TEST_CASE(
    "partition layer: a paused partition server comes back stale and serves or commits nothing of "
    "its moved ranges") {
    check_stale_server_harmless(pause_and_resume(52, false));
}

TEST_CASE("partition layer: the same stale server with leases from the lock service") {
    check_stale_server_harmless(pause_and_resume(53, true));
}

TEST_CASE("partition planted bug serve_without_lease: caught by the stale-server test") {
    const StaleOutcome out = pause_and_resume(52, false, /*serve_without_lease=*/true);
    MESSAGE("serve_without_lease, stale server: "
            << out.ok << " probe answers served, " << out.stale << " stale reads; "
            << (out.violation.empty() ? "no violation" : out.violation));
    CHECK((!out.violation.empty() || out.ok > 0 || out.stale > 0));
}
