// Hot range: skewed load on one range partition makes the partition manager split it
// (at the reported split key) and move ranges until the busiest partition server carries
// at most 2x the mean load. Measures how long that takes in simulated time.
#include <doctest/doctest.h>

#include <cstdio>

#include "tests/models/partition_harness.h"

using namespace partition_test;

TEST_SUITE_BEGIN("partition");

TEST_CASE("partition layer: a hot range is split and spread until max/mean <= 2") {
    PartitionLayerOptions o;
    o.servers = 4;
    o.config.initial_partitions = 1;
    o.config.split_load = 20;
    o.config.merge_load = 1;
    o.config.balance_interval = sim::Duration::seconds(5);
    o.config.checkpoint_log_size_bytes = int64_t{1} << 20;  // short logs: moves load quickly
    Rig rig(21, o);
    ClientScript script;
    script.window = 32;
    rig.client(script);
    sim::Rng rng(77);
    uint64_t issued = 0;
    auto refill = [&]() {
        while (script.queue.size() < 64) {
            Op op;
            op.op = (issued % 4 == 0) ? BlobOp::kGet : BlobOp::kPut;
            char acct[16];
            std::snprintf(acct, sizeof acct, "acct%03d", static_cast<int>(rng.below(100)));
            op.account = acct;
            op.container = "c";
            op.blob = blob_name(static_cast<int>(rng.below(50)));
            op.size_bytes = 4096;
            op.fingerprint = rng.next_u64() | 1;
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
    const bool ok = rig.run_until(balanced, sim::Duration::seconds(300), sim::Duration::seconds(1));
    PartitionManager* l = rig.layer->leader();
    REQUIRE(l != nullptr);
    MESSAGE("hot range: max/mean " << ratio << " with " << ranges << " ranges after " << rig.sim.now().to_seconds()
                                   << " s simulated; splits " << l->state().data().splits << ", moves "
                                   << l->state().data().moves << ", client ops " << script.completed);
    CHECK(ok);
    CHECK(l->state().map().check().empty());
}
