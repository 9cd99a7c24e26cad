// tests/reports/sample_run.h: a synthetic but realistic finished run (a correct register
// per blob under load, a rack failure with timeouts, sampled load metrics, splits), for
// the report writers' tests and the headless-browser test of report.html.
#pragma once

#include <map>
#include <string>

#include "reports/run_result.h"
#include "sim/rng.h"

namespace sample {

inline reports::RunResult make_run(uint64_t seed = 5, int seconds = 60) {
    namespace obs = models::observe;
    constexpr int64_t kMs = 1'000'000;
    reports::RunResult run;
    run.scenario_name = "sample";
    run.scenario_file = "scenarios/sample.json";
    run.scenario_resolved = {{"name", "sample"}, {"seed", seed}, {"duration", std::to_string(seconds) + "s"},
                             {"workloads", {{{"name", "mixed"}, {"account", "photos"}}}}};
    run.seed = seed;
    run.fingerprint = 0x0123456789abcdefULL ^ seed;
    run.version = "test";
    run.duration = sim::Duration::seconds(seconds);
    run.sim = {static_cast<double>(seconds + 30), 1'234'567, 0.5};
    run.report.sample_interval = sim::Duration::seconds(1);
    run.report.ops = true;
    run.report.trace = true;
    run.checks.availability = reports::AvailabilitySpec{0.9, sim::Duration::seconds(10)};
    reports::LatencyThreshold lt;
    reports::parse_latency_key("get.p99", &lt);
    lt.limit = sim::Duration::millis(500);
    run.checks.latency.push_back(lt);
    reports::LoadThreshold lb;
    reports::parse_load_key("partition_servers.max_over_mean", &lb);
    lb.limit = 3.0;
    run.checks.load_balance.push_back(lb);

    sim::Rng rng(seed);
    obs::History& h = run.history;
    uint16_t w = h.add_workload({"mixed", obs::AuthMode::kValid, false});
    uint16_t bad = h.add_workload({"intruder", obs::AuthMode::kInvalid, false});
    uint16_t verify = h.add_workload({"verify", obs::AuthMode::kValid, true});
    auto account = h.strings().intern("photos");
    auto container = h.strings().intern("c0");
    const int keys = 200;
    std::map<int, uint64_t> value;  // the register (0: absent)
    uint64_t fp = 1;
    const int64_t fault_start = 20'000 * kMs, fault_end = 28'000 * kMs;
    run.faults.begin("rack_down", "w1/r2", sim::Time::from_ns(fault_start));
    run.faults.add_node(0, "w1/r2/n0");
    run.faults.add_node(0, "w1/r2/n1");
    run.faults.effect(0).messages_dropped = 1234;
    run.faults.effect(0).requests_failed = 0;
    run.faults.end(0, sim::Time::from_ns(fault_end));
    run.faults.begin("disk_slow", "w1/r1/n3", sim::Time::from_ns(40'000 * kMs));
    run.faults.end(1, sim::Time::from_ns(45'000 * kMs));
    // Sequential clients: each operation takes effect at its completion, so the history
    // is linearizable and the read-back matches.
    int64_t t = 0;
    uint32_t client = 0;
    while (t < seconds * 1000 * kMs) {
        obs::Operation op;
        op.client = client++ % 16;
        op.workload = w;
        op.account = account;
        op.container = container;
        int key = static_cast<int>(rng.below(keys));
        op.blob = h.strings().intern("blob" + std::to_string(key));
        double u = rng.uniform01();
        op.kind = u < 0.3 ? obs::OpKind::kPut : u < 0.35 ? obs::OpKind::kDelete
                : u < 0.9 ? obs::OpKind::kGet : u < 0.95 ? obs::OpKind::kHead : obs::OpKind::kList;
        bool in_fault = t >= fault_start && t < fault_end;
        int64_t lat = static_cast<int64_t>(rng.lognormal(in_fault ? 40.0 * kMs : 6.0 * kMs, 0.5)) + kMs;
        if (op.kind == obs::OpKind::kPut) lat *= 2;
        op.invoke = sim::Time::from_ns(t);
        op.complete = sim::Time::from_ns(t + lat);
        op.status = obs::OpStatus::kOk;
        bool timeout = in_fault && rng.bernoulli(0.05);
        if (timeout) {
            op.status = obs::OpStatus::kTimeout;
            op.complete = sim::Time::from_ns(t + 2000 * kMs);
            if (op.kind == obs::OpKind::kPut) op.fingerprint = fp++;  // never applied, never read
        } else if (op.kind == obs::OpKind::kPut) {
            op.fingerprint = fp++;
            op.size_bytes = 4096;
            value[key] = op.fingerprint;
        } else if (op.kind == obs::OpKind::kDelete) {
            value.erase(key);
        } else if (op.is_read()) {
            auto it = value.find(key);
            if (it == value.end()) {
                op.status = obs::OpStatus::kNotFound;
            } else {
                op.fingerprint = it->second;
                op.size_bytes = 4096;
            }
        }
        uint64_t id = h.append(op);
        if (op.kind == obs::OpKind::kList && !timeout)
            h.set_list_keys(id, {h.strings().intern("blob1"), h.strings().intern("blob2")});
        t = op.complete.ns() + static_cast<int64_t>(rng.below(3 * kMs));
        if (timeout) t = op.invoke.ns() + 50 * kMs;
        if (rng.bernoulli(0.01)) {
            obs::Operation b = op;
            b.workload = bad;
            b.kind = obs::OpKind::kGet;
            b.status = obs::OpStatus::kRejectedAuth;
            b.fingerprint = 0;
            h.append(b);
        }
    }
    // The read-back after the drain.
    int64_t drain_end = (seconds + 30) * 1000 * kMs;
    for (int key = 0; key < keys; ++key) {
        obs::Operation op;
        op.workload = verify;
        op.kind = obs::OpKind::kGet;
        op.account = account;
        op.container = container;
        op.blob = h.strings().intern("blob" + std::to_string(key));
        op.invoke = sim::Time::from_ns(drain_end + key * kMs);
        op.complete = op.invoke + sim::Duration::millis(3);
        auto it = value.find(key);
        op.status = it == value.end() ? obs::OpStatus::kNotFound : obs::OpStatus::kOk;
        op.fingerprint = it == value.end() ? 0 : it->second;
        op.size_bytes = it == value.end() ? 0 : 4096;
        h.append(op);
    }
    // Sampled metrics.
    auto& m = run.metrics;
    m.set_sample_interval(sim::Duration::seconds(1));
    for (int s = 0; s < seconds; ++s) {
        sim::Time at = sim::Time::from_ns((s + 1) * 1000 * kMs - 1);
        for (int p = 0; p < 4; ++p)
            m.record(at, models::observe::kPartitionServerLoad, "server=w1/r" + std::to_string(p) + "/n0",
                     200 + 100 * p + rng.uniform_real(0, 50) + (s > 30 && p == 3 ? 400 : 0));
        for (int n = 0; n < 12; ++n)
            m.record(at, models::observe::kExtentNodeLoad, "node=w1/r" + std::to_string(n / 4) + "/n" + std::to_string(n % 4),
                     (s >= 20 && s < 28 && n / 4 == 2) ? 0.0 : 50 + rng.uniform_real(0, 30));
        for (int r = 0; r < 3; ++r)
            m.record(at, models::observe::kRackLoad, "rack=w1/r" + std::to_string(r),
                     (s >= 20 && s < 28 && r == 2) ? 0.0 : 200 + rng.uniform_real(0, 60));
        m.record(at, models::observe::kUnderReplicatedExtents, "stamp=w1",
                 s >= 20 && s < 40 ? std::max(0, 30 - (s - 20) * 2) : 0);
        m.record(at, models::observe::kRangePartitionCount, "stamp=w1", s < 35 ? 4 : 5);
    }
    m.event(sim::Time::from_ns(35'000 * kMs), models::observe::kSplitEvent, "range=blob5-blob9");
    m.event(sim::Time::from_ns(50'000 * kMs), models::observe::kMoveEvent, "range=blob0-blob4");
    return run;
}

}  // namespace sample
