#include "reports/report_json.h"

#include <openssl/evp.h>

#include <cstdio>

#include "sim/check.h"

namespace reports {

namespace obs = models::observe;

namespace {

constexpr std::string_view kKindNames[] = {"put", "get", "delete", "list", "head", "all"};

Json stats_json(const LoadStats& s) {
    return Json{{"mean", s.mean}, {"max", s.max}, {"max_over_mean", s.max_over_mean},
                {"cov", s.cov}, {"gini", s.gini}};
}

Json latency_json(const LatencyHistogram& h) {
    LatencySummary s = h.summary();
    return Json{{"mean", s.mean_ms}, {"p50", s.p50_ms}, {"p90", s.p90_ms},
                {"p99", s.p99_ms}, {"p999", s.p999_ms}, {"max", s.max_ms}};
}

Json geo_json(const GeoFigures& g) {
    Json switches = Json::array();
    for (const auto& w : g.switches) {
        switches.push_back({{"account", w.account}, {"kind", w.kind}, {"mode", w.mode},
                            {"trigger", w.trigger}, {"from", w.from}, {"to", w.to},
                            {"start_s", w.start_s}, {"outage_s", w.outage_s},
                            {"switch_s", w.switch_s}, {"drain_s", w.drain_s},
                            {"rpo_writes", w.rpo_writes}, {"rpo_late_writes", w.rpo_late},
                            {"rpo_blobs", w.rpo_blobs},
                            {"rto_s", w.rto_s < 0 ? Json(nullptr) : Json(w.rto_s)}});
    }
    Json accounts = Json::object();
    for (const auto& a : g.accounts) {
        accounts[a.account] = {{"writes", a.writes}, {"applied", a.applied}, {"lost", a.lost},
                               {"lag_s", {{"mean", a.lag_mean_s}, {"p99", a.lag_p99_s}, {"max", a.lag_max_s}}},
                               {"backlog_mean", a.backlog_mean}, {"write_rate", a.write_rate},
                               {"residence_mean_s", a.residence_mean_s},
                               {"little_lambda_w", a.write_rate * a.residence_mean_s}};
    }
    return Json{{"interval_s", g.interval_s},
                {"window_s", g.window_s},
                {"writes", g.writes},
                {"applied", g.applied},
                {"lost", g.lost},
                {"lag_s", {{"mean", g.lag_mean_s}, {"p99", g.lag_p99_s}, {"max", g.lag_max_s}}},
                {"backlog_mean", g.backlog_mean},
                {"write_rate", g.write_rate},
                {"residence_mean_s", g.residence_mean_s},
                {"little_lambda_w", g.write_rate * g.residence_mean_s},
                {"accounts", std::move(accounts)},
                {"failovers", std::move(switches)}};
}

bool is_failure(obs::OpStatus s) {
    return s == obs::OpStatus::kFailed || s == obs::OpStatus::kTimeout ||
           s == obs::OpStatus::kPending;
}
bool is_rejection(obs::OpStatus s) {
    return s == obs::OpStatus::kBusy || s == obs::OpStatus::kRejectedAuth;
}
bool is_answer(obs::OpStatus s) {
    return s == obs::OpStatus::kOk || s == obs::OpStatus::kNotFound;
}

std::string_view kind_name(obs::MetricKind k) {
    switch (k) {
        case obs::MetricKind::kGauge: return "gauge";
        case obs::MetricKind::kCounter: return "counter";
        case obs::MetricKind::kEvent: return "event";
    }
    return "gauge";
}

// An abrupt failover loses the replication backlog at the switch by design: the
// durability check then fails, and its detail says whether the loss is what the failovers'
// RPO named (lost blobs <= the blobs of the lost writes) or more than that.
void annotate_geo_loss(const GeoFigures& geo, std::vector<CheckResult>* checks) {
    uint64_t rpo_writes = 0, rpo_blobs = 0;
    for (const auto& w : geo.switches) {
        rpo_writes += w.rpo_writes;
        rpo_blobs += w.rpo_blobs;
    }
    if (!geo.enabled || geo.switches.empty()) return;
    for (auto& c : *checks) {
        if (c.name != "durability") continue;
        c.figures["geo_rpo_writes"] = rpo_writes;
        c.figures["geo_rpo_blobs"] = rpo_blobs;
        const uint64_t lost = c.figures.value("lost", uint64_t{0});
        std::string d = c.detail;
        if (rpo_writes > 0) {
            d.append("; failovers' RPO: ");
            d.append(std::to_string(rpo_writes));
            d.append(" acknowledged writes to ");
            d.append(std::to_string(rpo_blobs));
            d.append(lost <= rpo_blobs ? " blobs lost by design (abrupt), which covers the " : " blobs, fewer than the ");
            d.append(std::to_string(lost));
            d.append(" blobs lost");
        } else {
            d.append("; failovers and migrations: RPO 0");
        }
        c.detail = d;
    }
}

}  // namespace

std::string sha256_hex(const std::string& text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    bool ok = EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr) == 1;
    SIM_ASSERT(ok, "SHA-256 failed");
    std::string out;
    char buf[3];
    for (unsigned i = 0; i < len; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", digest[i]);
        out += buf;
    }
    return out;
}

std::string hex64(uint64_t value) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
    return buf;
}

Json operation_json(const obs::History& h, const obs::Operation& op) {
    Json j{{"id", op.id},
           {"client", op.client},
           {"workload", op.workload < h.workloads().size() ? h.workloads()[op.workload].name : ""},
           {"kind", to_string(op.kind)},
           {"account", h.str(op.account)},
           {"container", h.str(op.container)},
           {"blob", h.str(op.blob)},
           {"invoke_s", op.invoke.to_seconds()},
           {"complete_s", op.complete.to_seconds()},
           {"status", to_string(op.status)},
           {"fingerprint", hex64(op.fingerprint)},
           {"size_bytes", op.size_bytes}};
    if (op.kind == obs::OpKind::kList) {
        Json keys = Json::array();
        for (uint32_t i = 0; i < op.list_count; ++i)
            keys.push_back(h.str(h.list_keys()[op.list_begin + i]));
        j["list_keys"] = std::move(keys);
        j["list_truncated"] = op.list_truncated;
    }
    return j;
}

RunAnalysis analyze(const RunResult& run) {
    RunAnalysis a;
    const sim::Time end = sim::Time::zero() + run.duration;
    a.latency = build_latency_tables(run.history, run.report.sample_interval, end);
    for (int g = 0; g < 3; ++g) {
        a.matrices[g] = load_matrix(run.metrics, kLoadGroups[g].metric);
        a.balance[g] = load_balance(a.matrices[g].values, a.matrices[g].columns, a.matrices[g].times_s,
                                    run.checks.load_balance_settle.to_seconds(), run.duration.to_seconds());
    }
    a.availability_window = run.checks.availability ? run.checks.availability->window
                                                    : sim::Duration::seconds(10);
    a.availability = availability(run.history, a.availability_window, end);
    CheckInputs in;
    in.history = &run.history;
    in.latency = &a.latency;
    in.balances = &a.balance;
    in.availability = &a.availability;
    in.invariants = &run.invariants;
    a.checks = run_checks(run.checks, in);
    annotate_geo_loss(run.geo, &a.checks);
    a.verdict = decide(a.checks, run.checks.expect_fail);
    return a;
}

Json build_report_json(const RunResult& run, const RunAnalysis& a) {
    const obs::History& h = run.history;
    const double duration_s = run.duration.to_seconds();
    Json r;
    std::string resolved_text = run.scenario_resolved.dump();
    r["scenario"] = {{"name", run.scenario_name},
                     {"file", run.scenario_file},
                     {"resolved", run.scenario_resolved},
                     {"sha256", sha256_hex(resolved_text)}};
    r["seed"] = run.seed;
    r["fingerprint"] = hex64(run.fingerprint);
    r["version"] = run.version;
    r["sim"] = {{"duration_s", run.sim.duration_s},
                {"events", run.sim.events},
                {"wall_s", run.sim.wall_s},
                {"events_per_s", run.sim.wall_s > 0 ? static_cast<double>(run.sim.events) / run.sim.wall_s : 0.0}};

    // ops and workloads: one pass over the history.
    struct Counts {
        uint64_t count = 0, ok = 0, failed = 0, rejected = 0;
    };
    Counts kinds[6];
    std::vector<Counts> workloads(h.workloads().size());
    for (const auto& op : h.ops()) {
        Counts* targets[3] = {nullptr, nullptr, nullptr};
        if (op.workload < workloads.size()) targets[0] = &workloads[op.workload];
        if (!(op.workload < h.workloads().size() && h.workloads()[op.workload].verify)) {
            targets[1] = &kinds[static_cast<int>(op.kind)];
            targets[2] = &kinds[5];
        }
        for (Counts* c : targets) {
            if (!c) continue;
            ++c->count;
            if (is_answer(op.status)) ++c->ok;
            if (is_failure(op.status)) ++c->failed;
            if (is_rejection(op.status)) ++c->rejected;
        }
    }
    Json ops = Json::object();
    for (int k = 0; k < 6; ++k) {
        ops[std::string(kKindNames[k])] = {
            {"count", kinds[k].count},
            {"ok", kinds[k].ok},
            {"failed", kinds[k].failed},
            {"rejected", kinds[k].rejected},
            {"throughput", duration_s > 0 ? static_cast<double>(kinds[k].ok) / duration_s : 0.0},
            {"latency_ms", latency_json(a.latency.overall[k])}};
    }
    r["ops"] = std::move(ops);
    Json wl = Json::object();
    for (size_t i = 0; i < workloads.size(); ++i) {
        const auto& info = h.workloads()[i];
        wl[info.name] = {{"count", workloads[i].count}, {"ok", workloads[i].ok},
                         {"failed", workloads[i].failed}, {"rejected", workloads[i].rejected},
                         {"auth", to_string(info.auth)}, {"verify", info.verify}};
    }
    r["workloads"] = std::move(wl);

    Json faults = Json::array();
    for (const auto& f : run.faults.records()) {
        faults.push_back({{"kind", f.kind},
                          {"target", f.target},
                          {"start_s", f.start.to_seconds()},
                          {"end_s", f.end ? Json(f.end->to_seconds()) : Json(nullptr)},
                          {"chaos", f.chaos},
                          {"effect", {{"messages_dropped", f.effect.messages_dropped},
                                      {"requests_failed", f.effect.requests_failed},
                                      {"nodes", f.effect.nodes}}}});
    }
    r["faults"] = std::move(faults);

    Json lb = Json::object();
    for (int g = 0; g < 3; ++g) {
        const LoadBalance& b = a.balance[g];
        Json group = stats_json(b.overall);
        group["series"] = b.columns.size();
        group["worst_interval_s"] =
            b.worst_interval >= 0 ? Json(b.times_s[static_cast<size_t>(b.worst_interval)]) : Json(nullptr);
        Json per = Json::array();
        for (size_t i = 0; i < b.per_interval.size(); ++i) {
            Json row = stats_json(b.per_interval[i]);
            row["time_s"] = b.times_s[i];
            per.push_back(std::move(row));
        }
        group["per_interval"] = std::move(per);
        Json judged = stats_json(b.judged);
        judged["from_s"] = b.judged_from_s;
        judged["to_s"] = b.judged_to_s;
        judged["intervals"] = b.judged_intervals;
        group["judged"] = std::move(judged);
        lb[std::string(kLoadGroups[g].name)] = std::move(group);
    }
    r["load_balance"] = std::move(lb);

    r["partitions"] = {{"splits", run.partitions.splits},
                       {"merges", run.partitions.merges},
                       {"moves", run.partitions.moves},
                       {"count_start", run.partitions.count_start},
                       {"count_end", run.partitions.count_end}};
    r["stream"] = {{"extents_created", run.stream.extents_created},
                   {"extents_sealed", run.stream.extents_sealed},
                   {"re_replications", run.stream.re_replications},
                   {"bytes_written", run.stream.bytes_written},
                   {"bytes_re_replicated", run.stream.bytes_re_replicated}};
    r["front_end"] = {{"direct_reads", run.front_end.direct_reads},
                      {"direct_read_bytes", run.front_end.direct_read_bytes},
                      {"direct_read_failures", run.front_end.direct_read_failures}};
    r["availability"] = {{"overall", a.availability.overall},
                         {"worst_window", a.availability.worst_window},
                         {"window_s", a.availability_window.to_seconds()},
                         {"worst_window_start_s", a.availability.worst_window_start_s},
                         {"requests", a.availability.requests},
                         {"succeeded", a.availability.succeeded}};

    Json checks = Json::object();
    for (const auto& c : a.checks) {
        Json j{{"held", c.held}, {"detail", c.detail}};
        for (const auto& [k, v] : c.figures.items()) j[k] = v;
        Json ops_json = Json::array();
        for (uint64_t id : c.violation_ops)
            if (id < h.ops().size()) ops_json.push_back(operation_json(h, h.op(id)));
        j["violation_ops"] = std::move(ops_json);
        checks[c.name] = std::move(j);
    }
    r["checks"] = std::move(checks);
    r["expect"] = run.checks.expect_fail ? "fail" : "pass";
    r["failed_checks"] = a.verdict.failed_checks;
    r["exit_code"] = a.verdict.exit_code;
    r["warnings"] = run.warnings;
    if (run.geo.enabled) r["geo"] = geo_json(run.geo);

    // Time series: everything the CSV and HTML writers draw.
    Json ts;
    ts["interval_s"] = a.latency.window.to_seconds();
    Json t = Json::array();
    for (size_t i = 0; i < a.latency.windows; ++i)
        t.push_back(static_cast<double>(i) * a.latency.window.to_seconds());
    ts["time_s"] = std::move(t);
    const double interval_s = a.latency.window.to_seconds();
    Json per_kind = Json::object();
    for (int k = 0; k < 6; ++k) {
        const OpWindowStats& w = a.latency.per_window[k];
        Json p50 = Json::array(), p99 = Json::array(), p999 = Json::array(), thr = Json::array();
        for (size_t i = 0; i < a.latency.windows; ++i) {
            const LatencyHistogram& hist = w.latency[i];
            bool any = hist.count() > 0;
            p50.push_back(any ? Json(static_cast<double>(hist.percentile(0.5)) * 1e-6) : Json(nullptr));
            p99.push_back(any ? Json(static_cast<double>(hist.percentile(0.99)) * 1e-6) : Json(nullptr));
            p999.push_back(any ? Json(static_cast<double>(hist.percentile(0.999)) * 1e-6) : Json(nullptr));
            thr.push_back(static_cast<double>(w.ok[i]) / interval_s);
        }
        per_kind[std::string(kKindNames[k])] = {{"count", w.count}, {"ok", w.ok},
                                                {"errors", w.errors}, {"throughput", thr},
                                                {"p50_ms", p50}, {"p99_ms", p99},
                                                {"p999_ms", p999}};
    }
    ts["ops"] = std::move(per_kind);
    Json avail = Json::array();
    for (double v : a.availability.per_window) avail.push_back(v < 0 ? Json(nullptr) : Json(v));
    ts["availability"] = {{"window_s", a.availability_window.to_seconds()}, {"ratio", avail}};
    // Sampled metrics, grouped per series (one pass to bucket sample indices).
    const auto& series = run.metrics.all_series();
    std::vector<Json> times(series.size(), Json::array()), values(series.size(), Json::array());
    for (const auto& s : run.metrics.samples()) {
        times[s.series.value].push_back(s.time.to_seconds());
        values[s.series.value].push_back(s.value);
    }
    Json metrics = Json::array();
    for (size_t i = 0; i < series.size(); ++i)
        metrics.push_back({{"metric", series[i].metric}, {"labels", series[i].labels},
                           {"kind", kind_name(series[i].kind)}, {"t", std::move(times[i])},
                           {"v", std::move(values[i])}});
    ts["metrics"] = std::move(metrics);
    r["timeseries"] = std::move(ts);
    r["verdict"] = a.verdict.text;
    return r;
}

}  // namespace reports
