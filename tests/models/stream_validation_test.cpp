// Validation of append latency against the order-statistics oracle (was-model-notes §9 O6):
// with exponential per-hop disk service (mean m) and no faults, a chain append costs the
// sum of its hops (d + 3m) and a primary_fanout append d + 11m/6 (the primary waits for
// the slowest of three). d, the fixed network part, is measured on the same stamp with a
// near-zero disk.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>

#include "tests/models/stream_harness.h"

using namespace stream_test;
using sim::Duration;
using sim::Time;

namespace {

double mean_append_ms(Replication replication, bool exponential_disk, int64_t appends) {
    WorldOptions o;
    o.seed = 7;
    o.config = StreamConfig{};
    o.config.replication = replication;
    o.writers = 1;
    o.writer.window = 1;
    o.writer.block_bytes = 4096;
    o.writer.max_appends = appends;
    o.writer.read_every = Duration::hours(1);
    o.observe = false;
    o.disk.bandwidth = sim::Bandwidth{int64_t{1} << 50};
    if (exponential_disk) {
        o.disk.latency = Duration::millis(4);
        o.disk.service = sim::DiskService::kExponential;
    } else {
        o.disk.latency = Duration::nanos(1);
    }
    World w(o);
    w.sim.run_until(Time::zero() + Duration::seconds(2));  // stream created, first extent placed
    const auto start_acked = w.stats[0].acked;
    const auto start_sum = w.stats[0].latency_ns_sum;
    w.sim.run_until(Time::zero() + Duration::seconds(2) + Duration::millis(20) * appends);
    const auto n = w.stats[0].acked - start_acked;
    REQUIRE(n > static_cast<uint64_t>(appends) / 2);
    return static_cast<double>(w.stats[0].latency_ns_sum - start_sum) / static_cast<double>(n) / 1e6;
}

}  // namespace

TEST_SUITE_BEGIN("stream");

TEST_CASE("stream validation O6: chain = d + 3m, primary_fanout = d + 11m/6, within 3%") {
    const double m = 4.0;
    const int64_t appends = 20000;
    const double d_chain = mean_append_ms(Replication::kChain, false, 2000);
    const double d_fan = mean_append_ms(Replication::kPrimaryFanout, false, 2000);
    const double chain = mean_append_ms(Replication::kChain, true, appends);
    const double fan = mean_append_ms(Replication::kPrimaryFanout, true, appends);
    const double want_chain = d_chain + 3 * m;
    const double want_fan = d_fan + 11 * m / 6;
    std::printf("O6 chain: measured %.4f ms, predicted d + 3m = %.4f + %.1f = %.4f ms (%.2f%%)\n", chain, d_chain, 3 * m,
                want_chain, 100 * (chain - want_chain) / want_chain);
    std::printf("O6 primary_fanout: measured %.4f ms, predicted d + 11m/6 = %.4f + %.4f = %.4f ms (%.2f%%)\n", fan,
                d_fan, 11 * m / 6, want_fan, 100 * (fan - want_fan) / want_fan);
    CHECK(std::abs(chain - want_chain) / want_chain < 0.03);
    CHECK(std::abs(fan - want_fan) / want_fan < 0.03);
}

TEST_SUITE_END();
