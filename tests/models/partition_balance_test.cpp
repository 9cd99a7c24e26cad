// Hot range: skewed load on one range partition makes the partition manager split it
// (at the reported split keys) and move ranges until the busiest partition server carries
// at most 2x the mean load; then the load goes away and the cold ranges merge back.
// Measures, in simulated time, how long balancing and merging take; every read (during
// the load and a read-back of every key written after the merges) is checked against the
// history of acknowledged writes, and the observer checks every load of a split or
// merged range.
#include <doctest/doctest.h>

#include <cstdio>
#include <set>
#include <utility>

#include "models/partition/observer.h"
#include "tests/models/partition_chaos.h"
#include "tests/models/partition_harness.h"

using namespace partition_test;

TEST_SUITE_BEGIN("partition");

TEST_CASE(
    "partition layer: a hot range is split and spread until max/mean <= 2; cold ranges merge "
    "back") {
    PartitionObserver observer;
    PartitionLayerOptions o;
    o.observer = &observer;
    o.servers = 4;
    o.config.initial_partitions = 1;
    o.config.split_load = 20;
    o.config.merge_load = 1;
    // Merges may go down to one range (the default low watermark, 5 per server, would keep
    // the 4 to 8 ranges this test makes for ever).
    o.config.low_watermark_per_server = 0;
    o.config.balance_interval = sim::Duration::seconds(5);
    o.config.checkpoint_log_size_bytes = int64_t{1} << 20;  // short logs: moves load quickly
    Rig rig(21, o);
    ClientScript script;
    script.window = 32;
    rig.client(script);
    sim::Rng rng(77);
    History history;
    std::set<std::pair<std::string, std::string>> written;  // (account, blob)
    uint64_t issued = 0;
    bool loading = true;
    auto refill = [&]() {
        while (loading && script.queue.size() < 64) {
            Op op;
            op.op = (issued % 4 == 0) ? BlobOp::kGet : BlobOp::kPut;
            char acct[16];
            std::snprintf(acct, sizeof acct, "acct%03d", static_cast<int>(rng.below(100)));
            op.account = acct;
            op.container = "c";
            op.blob = blob_name(static_cast<int>(rng.below(50)));
            const std::string key = encode_key(op.account, op.container, op.blob);
            if (op.op == BlobOp::kPut) {
                op.size_bytes = 4096;
                op.fingerprint = rng.next_u64() | 1;
                written.emplace(op.account, op.blob);
                const size_t i = history.invoke(key, op.fingerprint, rig.sim.now());
                op.done = [&history, key, i](const OpResult& r) {
                    history.complete(key, i, r.done_at, r.status == BlobStatus::kOk);
                };
            } else {
                op.done = [&history, key](const OpResult& r) {
                    if (r.status == BlobStatus::kOk)
                        history.read(key, r.entry.fingerprint, r.started_at, r.done_at);
                    if (r.status == BlobStatus::kNotFound)
                        history.read(key, 0, r.started_at, r.done_at);
                };
            }
            script.queue.push_back(op);
            ++issued;
        }
    };
    double ratio = 0;
    size_t ranges = 0;
    auto balanced = [&]() {
        refill();
        PartitionManager* l = rig.layer->leader();
        if (l == nullptr) return false;
        BalanceInput in = l->balance_input();
        if (in.live.size() < 4) return false;
        const auto loads = server_loads(in);
        double total = 0;
        for (const auto& [server, load] : loads) total += load;
        ratio = max_over_mean(loads);
        ranges = l->state().map().size();
        // Every range has reported load under its current assignment (an idle or
        // unreported cluster would read as balanced).
        return in.ranges.size() == ranges && total > 0 && ratio <= 2.0 && ranges >= 4;
    };
    // The load starts once the stamp is up (the one range served), so the time measured
    // is the balancing's, not the boot's.
    REQUIRE(rig.run_until(
        [&] {
            PartitionManager* m = rig.layer->leader();
            if (m == nullptr || m->state().map().size() != 1) return false;
            const RangeInfo r = m->state().map().ranges().front();
            PartitionServer* s = r.server.valid() ? rig.layer->server(r.server.value) : nullptr;
            return s != nullptr && s->serving(r.id);
        },
        sim::Duration::seconds(30)));
    const sim::Time load_at = rig.sim.now();
    const bool ok = rig.run_until(balanced, sim::Duration::seconds(300), sim::Duration::seconds(1));
    const sim::Time balanced_at = rig.sim.now();
    PartitionManager* l = rig.layer->leader();
    REQUIRE(l != nullptr);
    const double balance_s = (balanced_at - load_at).to_seconds();
    const uint64_t splits = l->state().data().splits;
    const uint64_t moves = l->state().data().moves;
    const uint64_t merges_before = l->state().data().merges;
    MESSAGE("hot range: max/mean " << ratio << " with " << ranges << " ranges; balancing took "
                                   << balance_s << " s simulated (balance_interval 5 s); splits "
                                   << splits << ", moves " << moves << ", client ops "
                                   << script.completed << " (" << script.retries << " retries)");
    CHECK(ok);
    CHECK(splits > 0);
    CHECK(l->state().map().check().empty());

    // The load goes away: ranges report no load, and cold neighbours merge (one moved next
    // to the other first when they sit on different servers).
    loading = false;
    size_t ranges_now = ranges;
    uint64_t merges = 0;
    const bool merged = rig.run_until(
        [&] {
            PartitionManager* m = rig.layer->leader();
            if (m == nullptr) return false;
            ranges_now = m->state().map().size();
            merges = m->state().data().merges - merges_before;
            return ranges_now == 1;
        },
        sim::Duration::seconds(300), sim::Duration::seconds(1));
    const double merge_s = (rig.sim.now() - balanced_at).to_seconds();
    l = rig.layer->leader();
    REQUIRE(l != nullptr);
    MESSAGE("load removed: " << merges << " merges took the map from " << ranges << " to "
                             << ranges_now << " range(s) in " << merge_s << " s simulated ("
                             << std::string(merged ? "" : "not ") << "down to one range); moves "
                             << l->state().data().moves - moves);
    CHECK(merges > 0);
    CHECK(ranges_now < ranges);
    CHECK(merged);
    CHECK(l->state().map().check().empty());

    // Every key written is read back from the merged range(s): no acknowledged write lost.
    const uint64_t stale_during_load = history.stale;
    const uint64_t base = script.completed;
    uint64_t unreadable = 0;
    for (const auto& [account, blob] : written) {
        Op op;
        op.op = BlobOp::kGet;
        op.account = account;
        op.container = "c";
        op.blob = blob;
        const std::string key = encode_key(account, "c", blob);
        op.done = [&history, &unreadable, key](const OpResult& r) {
            if (r.status == BlobStatus::kOk)
                history.read(key, r.entry.fingerprint, r.started_at, r.done_at);
            if (r.status == BlobStatus::kNotFound) history.read(key, 0, r.started_at, r.done_at);
            if (r.status != BlobStatus::kOk && r.status != BlobStatus::kNotFound) ++unreadable;
        };
        script.queue.push_back(op);
    }
    const uint64_t want = base + written.size();
    CHECK(rig.run_until([&] { return script.completed >= want; }, sim::Duration::seconds(120)));
    CHECK(stale_during_load == 0);
    CHECK_MESSAGE(history.stale == 0,
                  (history.first_stale.empty() ? std::string() : history.first_stale.front()));
    CHECK(unreadable == 0);
    CHECK(history.acked_writes > 100);
    CHECK(observer.loads_checked() > ranges);
    MESSAGE(written.size() << " keys read back after the merges (" << history.acked_writes
                           << " acknowledged writes, " << history.reads << " reads checked, "
                           << observer.loads_checked() << " range loads checked)");
}

TEST_SUITE_END();
