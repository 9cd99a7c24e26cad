// Re-replication after a disk failure, durability exposure over time, and the stale
// extent report (FAST'16) tested directly.
#include <doctest/doctest.h>

#include <cstdio>

#include "tests/models/stream_harness.h"

using namespace stream_test;
using sim::Duration;
using sim::Time;

TEST_SUITE_BEGIN("stream");

TEST_CASE("stream repair: after a disk failure every extent is back to full replication in bounded time") {
    WorldOptions o;
    o.seed = 11;
    World w(o);
    w.sim.run_until(Time::zero() + Duration::seconds(8));
    // The node holding the most replicas loses its disk.
    sim::NodeId victim;
    size_t most = 0;
    for (sim::NodeId n : w.layer.extent_nodes()) {
        const size_t k = extent_store(w.sim, n).replicas().size();
        if (k > most) {
            most = k;
            victim = n;
        }
    }
    REQUIRE(most > 0);
    w.sim.fail_disk(victim);
    const Time failed_at = w.sim.now();
    w.sim.schedule(failed_at + Duration::seconds(1), [&] { w.sim.replace_disk(victim); });
    Time repaired_at = Time::max();
    for (int i = 0; i < 120; ++i) {
        w.sim.run_until(w.sim.now() + Duration::millis(250));
        w.observer.sample();
        if (i > 4 && w.observer.under_replicated() == 0) {
            repaired_at = w.sim.now();
            break;
        }
    }
    w.observer.audit();
    int peak = 0;
    for (const auto& [t, k] : w.observer.exposure()) peak = std::max(peak, k);
    std::printf("repair: %zu replicas lost on %s, peak %d under-replicated extents, full replication after %s "
                "(re_replication_delay %s), %llu re-replications, %llu bytes copied\n",
                most, w.sim.topology().node(victim).name.c_str(), peak,
                repaired_at == Time::max() ? "never" : (repaired_at - failed_at).to_string().c_str(),
                o.config.re_replication_delay.to_string().c_str(),
                static_cast<unsigned long long>(w.layer.metrics().re_replications),
                static_cast<unsigned long long>(w.layer.metrics().bytes_re_replicated));
    CHECK(peak > 0);
    if (repaired_at == Time::max()) std::printf("%s", w.observer.describe_under_replicated().c_str());
    REQUIRE(repaired_at != Time::max());
    CHECK(repaired_at - failed_at < Duration::seconds(15));
    CHECK(w.layer.metrics().re_replications > 0);
    CHECK(!w.layer.metrics().under_replicated.empty());
}

namespace {

// A node's messages are delayed beyond node_timeout, then it crashes: its last reports
// arrive after the stream manager declared it dead.
uint64_t run_stale_report(std::optional<StreamBug> bug, std::string* what) {
    WorldOptions o;
    o.seed = 3;
    o.config.bug = bug;
    World w(o);
    w.sim.run_until(Time::zero() + Duration::seconds(4));
    const sim::NodeId victim = w.layer.extent_nodes()[5];
    sim::Network::Impairment imp;
    imp.extra_latency = o.config.node_timeout + Duration::seconds(1);
    const auto id = w.sim.network().add_impairment({victim}, imp, "clog");
    w.sim.schedule(w.sim.now() + Duration::millis(500), [&] { w.sim.crash(victim); });
    try {
        w.sim.run_until(w.sim.now() + Duration::seconds(8));
        w.sim.network().remove(id);
        w.sim.restart(victim);
        w.sim.run_until(w.sim.now() + Duration::seconds(8));
    } catch (const sim::InvariantViolation& v) {
        *what = v.what();
        return 1;
    }
    return w.layer.metrics().stale_reports_ignored;
}

}  // namespace

TEST_CASE("stream health: a report sent before death never revives a dead extent node") {
    std::string what;
    CHECK(run_stale_report(std::nullopt, &what) > 0);  // stale reports arrived and were ignored
    CHECK(what.empty());
    std::string bug_what;
    run_stale_report(StreamBug::kCountStaleExtentReport, &bug_what);
    MESSAGE(bug_what);
    CHECK(bug_what.find("counted live from a report sent at") != std::string::npos);
}

TEST_SUITE_END();
