// Partition server failover: a crashed partition server's range partitions are
// reassigned by the partition manager, loaded by another server once the lease has run
// out, and served again with every acknowledged write; writes continue meanwhile. And
// partition manager failover: the manager leader crashes under load (below).
#include <doctest/doctest.h>

#include <cstdio>
#include <map>
#include <set>

#include "tests/models/partition_checked_load.h"
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

// Partition manager failover: the leader of the partition manager group is crashed while
// clients read and write. The front-ends keep their cached map and the partition servers
// their range leases, so every range stays served meanwhile; a new leader takes over
// once Raft has elected it and the crashed leader's partition-manager lease ran out, with
// exactly the map the old leader had, and goes on balancing (a hot spot made after the
// failover is split by the new leader). Every read is checked against the history of
// acknowledged writes, and every key is read back at the end.
namespace {

void manager_failover(uint64_t seed, bool lock_service) {
    PartitionObserver observer;
    PartitionLayerOptions o;
    o.observer = &observer;
    o.config.lease = sim::Duration::seconds(5);
    o.config.balance_interval = sim::Duration::seconds(2);
    o.config.split_load = 40;
    CheckedLoad load;
    o.initial_boundaries = {load.key_of(40), load.key_of(80)};
    Rig rig(seed, o, lock_service);
    ClientScript script;
    // 60 ops/s over three ranges: about 20 ops/s each, below split_load.
    attach_checked_load(script, load, rig.sim, 60);
    rig.client(script);
    REQUIRE(rig.run_until(
        [&] {
            PartitionManager* l = rig.layer->leader();
            return l != nullptr && l->state().map().size() == 3 &&
                   all_served(rig, l->state().map().ranges());
        },
        sim::Duration::seconds(30)));
    rig.run_for(sim::Duration::seconds(4));

    PartitionManager* old_leader = rig.layer->leader();
    REQUIRE(old_leader != nullptr);
    const std::vector<RangeInfo> before = old_leader->state().map().ranges();
    const uint64_t version_before = old_leader->state().map().version();
    const uint64_t splits_before = old_leader->state().data().splits;
    REQUIRE(before.size() == 3);
    sim::NodeId old_node;
    bool found = false;
    for (const auto& m : rig.layer->managers()) {
        if (rig.sim.actor(m.node, m.port) != old_leader) continue;
        old_node = m.node;
        found = true;
    }
    REQUIRE(found);
    // The crash takes the manager and the rest of its node (an extent node) but no
    // partition server, so the ranges' serving is what this test watches.
    for (const auto& s : rig.layer->servers()) REQUIRE_MESSAGE(s.node != old_node, "seed " << seed);

    const sim::Time crashed_at = rig.sim.now();
    rig.sim.crash(old_node);
    uint64_t samples = 0, unserved_samples = 0;
    PartitionManager* new_leader = nullptr;
    const bool elected = rig.run_until(
        [&] {
            ++samples;
            for (const RangeInfo& r : before) {
                PartitionServer* s = rig.layer->server(r.server.value);
                if (s == nullptr || !s->serving(r.id)) {
                    ++unserved_samples;
                    break;
                }
            }
            new_leader = rig.layer->leader();
            return new_leader != nullptr;
        },
        sim::Duration::seconds(30));
    REQUIRE(elected);
    const sim::Time elected_at = rig.sim.now();
    const double takeover_s = (elected_at - crashed_at).to_seconds();
    // The new leader starts from the replicated map: the same ranges, servers and epochs.
    CHECK(new_leader->state().map().ranges() == before);
    CHECK(new_leader->state().map().version() == version_before);
    CHECK(new_leader->state().map().check().empty());
    // No manager is needed to serve: every range stayed served, and clients were answered.
    CHECK(unserved_samples == 0);
    const uint64_t served_during = load.served_between(crashed_at, elected_at);
    CHECK(served_during > 0);
    // Bounded by Raft's election and the crashed leader's partition-manager lease.
    CHECK(takeover_s < o.config.lease.to_seconds() + 5);
    MESSAGE("partition manager failover ("
            << std::string(lock_service ? "lock service" : "lease table") << ", seed " << seed
            << "): new leader after " << takeover_s << " s (lease " << o.config.lease.to_seconds()
            << " s); " << samples << " samples with every range served; " << served_during
            << " client ops served meanwhile");

    // The crashed manager comes back as a follower.
    rig.run_for(sim::Duration::seconds(1));
    rig.sim.restart(old_node);

    // Balancing goes on under the new leader: a hot spot in the first range is split.
    load.first = 0;
    load.span = 10;
    script.arrival_rate = 150;
    const sim::Time hot_at = rig.sim.now();
    const bool split = rig.run_until(
        [&] {
            PartitionManager* l = rig.layer->leader();
            return l != nullptr && l->state().data().splits > splits_before &&
                   l->state().map().size() > before.size();
        },
        sim::Duration::seconds(30));
    CHECK(split);
    PartitionManager* l = rig.layer->leader();
    REQUIRE(l != nullptr);
    CHECK(l->stats().splits >= 1);  // planned by a leader that started after the crash
    MESSAGE("after the failover: hot spot split after "
            << (rig.sim.now() - hot_at).to_seconds() << " s; " << l->state().map().size()
            << " ranges, splits " << l->state().data().splits << ", moves "
            << l->state().data().moves);
    load.first = 0;
    load.span = load.keys;
    script.arrival_rate = 60;
    rig.run_for(sim::Duration::seconds(5));

    const ReadBack rb = read_back(rig, script, load);
    CHECK(rb.finished);
    CHECK(rb.stale == 0);
    CHECK(rb.unreadable == 0);
    CHECK(load.history.stale == 0);
    if (!load.history.first_stale.empty()) MESSAGE(load.history.first_stale.front());
    CHECK(load.history.acked_writes > 500);
    CHECK(observer.serves() > 0);
    CHECK(observer.loads_checked() > 3);
    MESSAGE("acknowledged writes " << load.history.acked_writes << ", reads checked "
                                   << load.history.reads << ", loads checked "
                                   << observer.loads_checked());
}

}  // namespace

TEST_CASE(
    "partition layer: partition manager leader crash under load; the map is intact, ranges stay "
    "served, balancing goes on") {
    manager_failover(41, false);
}

TEST_CASE("partition layer: the same manager failover with leases from the lock service") {
    manager_failover(42, true);
}
