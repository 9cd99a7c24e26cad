#include <doctest/doctest.h>

#include "models/observe/faults.h"
#include "models/observe/history.h"
#include "models/observe/metrics.h"

using namespace models::observe;

TEST_CASE("history: begin/finish, interning, close_pending, outcomes") {
    History h;
    uint16_t w = h.add_workload({"hot", AuthMode::kValid, false});
    Operation put;
    put.kind = OpKind::kPut;
    put.workload = w;
    put.account = h.strings().intern("photos");
    put.blob = h.strings().intern("k1");
    put.invoke = sim::Time::from_ns(10);
    put.fingerprint = 42;
    uint64_t a = h.begin(put);
    put.invoke = sim::Time::from_ns(20);
    uint64_t b = h.begin(put);
    h.finish(a, sim::Time::from_ns(30), OpStatus::kOk);
    h.close_pending(sim::Time::from_ns(100));
    CHECK(h.op(a).status == OpStatus::kOk);
    CHECK(h.op(a).fingerprint == 42);
    CHECK(h.op(b).status == OpStatus::kTimeout);
    CHECK(h.op(b).complete.ns() == 100);
    CHECK(write_outcome(h.op(a)) == Outcome::kApplied);
    CHECK(write_outcome(h.op(b)) == Outcome::kUnknown);
    CHECK(h.strings().intern("photos") == put.account);
    CHECK(h.str(put.blob) == "k1");
}

TEST_CASE("metrics: series interned once, samples in order") {
    MetricsRecorder m(sim::Duration::seconds(1));
    SeriesId s = m.series(kPartitionServerLoad, "server=w1/r0/n0");
    m.record(sim::Time::from_ns(1), s, 5);
    m.record(sim::Time::from_ns(2), kPartitionServerLoad, "server=w1/r0/n0", 6);
    m.event(sim::Time::from_ns(3), kSplitEvent, "range=a-m");
    CHECK(m.all_series().size() == 2);
    CHECK(m.samples().size() == 3);
    CHECK(m.samples()[1].series == s);
    CHECK(m.series_of(kPartitionServerLoad).size() == 1);
    CHECK(m.series_info(m.samples()[2].series).kind == MetricKind::kEvent);
}

TEST_CASE("faults: records open, count, close") {
    FaultLog log;
    size_t i = log.begin("rack_down", "w1/r2", sim::Time::from_ns(5));
    log.add_node(i, "w1/r2/n0");
    log.effect(i).messages_dropped += 3;
    log.end_all(sim::Time::from_ns(50));
    CHECK(log.records()[0].effect.nodes == 1);
    CHECK(log.records()[0].end->ns() == 50);
}
