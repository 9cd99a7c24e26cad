#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "reports/histogram.h"
#include "sim/rng.h"

using reports::LatencyHistogram;

namespace {

int64_t exact_percentile(const std::vector<int64_t>& sorted, double q) {
    if (q >= 1.0) return sorted.back();
    size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
    rank = std::clamp<size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

}  // namespace

TEST_CASE("histogram: buckets tile the integers and are at most 1/64 wide") {
    for (uint32_t b = 0; b < 128 + 64 * 40; ++b) {
        REQUIRE(LatencyHistogram::bucket_of(LatencyHistogram::bucket_low(b)) == b);
        REQUIRE(LatencyHistogram::bucket_of(LatencyHistogram::bucket_high(b)) == b);
        REQUIRE(LatencyHistogram::bucket_high(b) + 1 == LatencyHistogram::bucket_low(b + 1));
        double width = static_cast<double>(LatencyHistogram::bucket_high(b) -
                                           LatencyHistogram::bucket_low(b) + 1);
        if (b >= 128) REQUIRE(width / static_cast<double>(LatencyHistogram::bucket_low(b)) <= 1.0 / 64);
    }
}

TEST_CASE("histogram: percentiles within 1% of the exact sorted percentiles") {
    sim::Rng rng(7);
    for (int trial = 0; trial < 4; ++trial) {
        std::vector<int64_t> values;
        LatencyHistogram h;
        int n = 1000 + trial * 30000;
        for (int i = 0; i < n; ++i) {
            // Lognormal around 5 ms with a heavy tail, plus some exact small values.
            int64_t v = trial == 0 ? static_cast<int64_t>(rng.below(300))
                                   : static_cast<int64_t>(rng.lognormal(5e6, 1.2 + trial * 0.3));
            values.push_back(v);
            h.record(v);
        }
        std::sort(values.begin(), values.end());
        for (double q : {0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0}) {
            double exact = static_cast<double>(exact_percentile(values, q));
            double got = static_cast<double>(h.percentile(q));
            CAPTURE(q);
            CAPTURE(trial);
            CHECK(std::abs(got - exact) <= 0.01 * exact);
        }
        double mean = 0;
        for (auto v : values) mean += static_cast<double>(v);
        mean /= static_cast<double>(values.size());
        CHECK(h.mean() == doctest::Approx(mean).epsilon(1e-9));
        CHECK(h.max() == values.back());
        CHECK(h.min() == values.front());
        CHECK(h.count() == values.size());
    }
}

TEST_CASE("histogram: merging equals recording everything in one") {
    sim::Rng rng(11);
    LatencyHistogram a, b, all;
    for (int i = 0; i < 20000; ++i) {
        int64_t v = static_cast<int64_t>(rng.lognormal(i % 2 ? 2e5 : 8e7, 0.7));
        (i % 2 ? a : b).record(v);
        all.record(v);
    }
    LatencyHistogram merged;
    merged.merge(a);
    merged.merge(b);
    CHECK(merged.count() == all.count());
    CHECK(merged.max() == all.max());
    CHECK(merged.min() == all.min());
    for (double q : {0.5, 0.9, 0.99, 0.999}) CHECK(merged.percentile(q) == all.percentile(q));
    a.merge(LatencyHistogram{});
    CHECK(a.count() == 10000);
}

TEST_CASE("histogram: summary in milliseconds; empty histogram is zeros") {
    LatencyHistogram h;
    CHECK(h.summary().p99_ms == 0);
    h.record(10'000'000);
    auto s = h.summary();
    CHECK(s.count == 1);
    CHECK(s.p50_ms == doctest::Approx(10.0).epsilon(0.01));
    CHECK(s.max_ms == doctest::Approx(10.0));
}

TEST_CASE("latency tables: per kind and per window from a history") {
    namespace obs = models::observe;
    obs::History h;
    h.add_workload({"w", obs::AuthMode::kValid, false});
    h.add_workload({"verify", obs::AuthMode::kValid, true});
    auto add = [&](obs::OpKind k, int64_t start_ms, int64_t end_ms, obs::OpStatus st,
                   uint16_t w = 0) {
        obs::Operation op;
        op.kind = k;
        op.workload = w;
        op.invoke = sim::Time::from_ns(start_ms * 1'000'000);
        op.complete = sim::Time::from_ns(end_ms * 1'000'000);
        op.status = st;
        h.append(op);
    };
    add(obs::OpKind::kGet, 0, 10, obs::OpStatus::kOk);
    add(obs::OpKind::kGet, 100, 120, obs::OpStatus::kNotFound);
    add(obs::OpKind::kPut, 1500, 1530, obs::OpStatus::kOk);
    add(obs::OpKind::kPut, 1500, 1600, obs::OpStatus::kTimeout);
    add(obs::OpKind::kGet, 1900, 1901, obs::OpStatus::kOk, 1);  // verify: left out
    auto t = reports::build_latency_tables(h, sim::Duration::seconds(1), sim::Time::from_ns(2'000'000'000));
    CHECK(t.windows == 2);
    int get = static_cast<int>(obs::OpKind::kGet), put = static_cast<int>(obs::OpKind::kPut);
    CHECK(t.overall[get].count() == 2);
    CHECK(t.overall[put].count() == 1);
    CHECK(t.overall[reports::LatencyTables::kAll].count() == 3);
    CHECK(t.per_window[put].count[1] == 2);
    CHECK(t.per_window[put].errors[1] == 1);
    CHECK(t.per_window[get].count[0] == 2);
    CHECK(t.per_window[get].count[1] == 0);
}
