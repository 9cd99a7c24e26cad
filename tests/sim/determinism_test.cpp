// The run fingerprint: the same seed gives the same run, bit for bit; another seed
// gives another.
#include <doctest/doctest.h>

#include "models/toy/chain_append.h"

using namespace sim::literals;

TEST_CASE("determinism: chain-append fingerprints match for a seed and differ across seeds") {
    models::toy::ChainAppendConfig cfg;
    cfg.horizon = 200_ms;
    cfg.seed = 5;
    const auto a = models::toy::run_chain_append(cfg);
    const auto b = models::toy::run_chain_append(cfg);
    CHECK(a.fingerprint == b.fingerprint);
    CHECK(a.appends == b.appends);
    CHECK(a.events == b.events);
    cfg.seed = 6;
    const auto c = models::toy::run_chain_append(cfg);
    CHECK(c.fingerprint != a.fingerprint);
}

TEST_CASE("determinism: chain-append matches the closed-loop figures of the peer engines") {
    // ../shared/peers: 293.5 k appends per simulated second, mean latency 681 us,
    // 7 events per append. Our primaries come from our own RNG streams, so the count
    // agrees statistically, not exactly (the peers' own tie-order variants differ by
    // up to 0.2%).
    models::toy::ChainAppendConfig cfg;
    cfg.horizon = 1_s;
    const auto r = models::toy::run_chain_append(cfg);
    CHECK(static_cast<double>(r.appends) == doctest::Approx(293'579).epsilon(0.01));
    CHECK(r.mean_latency_us == doctest::Approx(681).epsilon(0.02));
    CHECK(static_cast<double>(r.events) / static_cast<double>(r.appends) == doctest::Approx(7.0).epsilon(0.001));
}
