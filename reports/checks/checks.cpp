#include "reports/checks/checks.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "sim/check.h"

namespace reports {

namespace obs = models::observe;

namespace {

bool answered(const obs::Operation& op) {
    return op.status == obs::OpStatus::kOk || op.status == obs::OpStatus::kNotFound;
}

bool is_verify(const obs::History& h, const obs::Operation& op) {
    return op.workload < h.workloads().size() && h.workloads()[op.workload].verify;
}

bool signs_wrongly(const obs::History& h, const obs::Operation& op) {
    return op.workload < h.workloads().size() &&
           h.workloads()[op.workload].auth != obs::AuthMode::kValid;
}

std::string key_name(const obs::History& h, const obs::Operation& op) {
    return h.str(op.account) + "/" + h.str(op.container) + "/" + h.str(op.blob);
}

std::string fmt(double v, int precision = 6) {
    std::ostringstream os;
    os.precision(precision);
    os << v;
    return os.str();
}

}  // namespace

CheckResult check_durability(const obs::History& history) {
    CheckResult c;
    c.name = "durability";
    const auto& all = history.ops();
    std::vector<uint64_t> ids;
    ids.reserve(all.size());
    for (const auto& op : all)
        if (op.kind != obs::OpKind::kList) ids.push_back(op.id);
    auto key_less = [&](uint64_t a, uint64_t b) {
        const auto &x = all[a], &y = all[b];
        if (x.account != y.account) return x.account < y.account;
        if (x.container != y.container) return x.container < y.container;
        if (x.blob != y.blob) return x.blob < y.blob;
        return x.id < y.id;
    };
    std::sort(ids.begin(), ids.end(), key_less);
    uint64_t acked_writes = 0, blobs = 0, verified = 0, lost = 0, unverified = 0;
    std::vector<uint64_t> acked, candidates;
    std::string first_lost;
    for (size_t b = 0; b < ids.size();) {
        size_t e = b;
        const auto& head = all[ids[b]];
        while (e < ids.size() && all[ids[e]].account == head.account &&
               all[ids[e]].container == head.container && all[ids[e]].blob == head.blob)
            ++e;
        acked.clear();
        candidates.clear();  // unknown-outcome writes
        const obs::Operation* readback = nullptr;
        for (size_t i = b; i < e; ++i) {
            const auto& op = all[ids[i]];
            if (is_verify(history, op)) {
                if (op.is_read() && answered(op) && (!readback || op.complete >= readback->complete))
                    readback = &op;
                continue;
            }
            if (!op.is_write()) continue;
            auto outcome = obs::write_outcome(op);
            if (outcome == obs::Outcome::kApplied) acked.push_back(op.id);
            if (outcome == obs::Outcome::kUnknown) candidates.push_back(op.id);
        }
        b = e;
        if (acked.empty()) continue;
        ++blobs;
        for (uint64_t id : acked) acked_writes += all[id].kind == obs::OpKind::kPut ? 1 : 0;
        int64_t last_invoke = 0;
        for (uint64_t id : acked) last_invoke = std::max(last_invoke, all[id].invoke.ns());
        std::vector<uint64_t> finals;  // acknowledged writes no other acknowledged one follows
        for (uint64_t id : acked)
            if (all[id].complete.ns() >= last_invoke) finals.push_back(id);
        if (!readback) {
            ++unverified;
            if (first_lost.empty()) {
                first_lost = key_name(history, head) + ": acknowledged writes but no read-back";
                c.violation_ops = finals;
            }
            continue;
        }
        auto matches = [&](uint64_t id) {
            const auto& w = all[id];
            if (w.kind == obs::OpKind::kDelete) return readback->status == obs::OpStatus::kNotFound;
            return readback->status == obs::OpStatus::kOk && readback->fingerprint == w.fingerprint &&
                   readback->size_bytes == w.size_bytes;
        };
        bool ok = std::any_of(finals.begin(), finals.end(), matches) ||
                  std::any_of(candidates.begin(), candidates.end(), matches);
        if (ok) {
            ++verified;
            continue;
        }
        ++lost;
        if (first_lost.empty() || !c.violation_ops.empty()) {
            if (lost == 1) {
                std::ostringstream os;
                os << key_name(history, head) << ": read back "
                   << (readback->status == obs::OpStatus::kNotFound
                           ? std::string("nothing (not_found)")
                           : "fingerprint " + std::to_string(readback->fingerprint))
                   << " after the drain, but the last acknowledged write was different";
                first_lost = os.str();
                c.violation_ops = finals;
                c.violation_ops.push_back(readback->id);
            }
        }
    }
    c.held = lost == 0 && unverified == 0;
    c.figures["acked_writes"] = acked_writes;
    c.figures["blobs"] = blobs;
    c.figures["verified"] = verified;
    c.figures["lost"] = lost;
    c.figures["unverified"] = unverified;
    std::ostringstream detail;
    if (c.held) {
        detail << "all " << blobs << " written blobs (" << acked_writes
               << " acknowledged puts) read back with their last acknowledged content";
    } else {
        detail << lost << " blobs lost an acknowledged write, " << unverified
               << " were not read back; first: " << first_lost;
        c.figures["first_violation"] = first_lost;
    }
    c.detail = detail.str();
    return c;
}

AvailabilityFigures availability(const obs::History& history, sim::Duration window, sim::Time end) {
    SIM_ASSERT(window > sim::Duration::zero(), "availability window must be positive");
    AvailabilityFigures f;
    const int64_t w = window.ns();
    const size_t windows = static_cast<size_t>(std::max<int64_t>(1, (end.ns() + w - 1) / w));
    std::vector<uint64_t> total(windows, 0), good(windows, 0);
    for (const auto& op : history.ops()) {
        if (is_verify(history, op) || signs_wrongly(history, op)) continue;
        size_t i = static_cast<size_t>(
            std::clamp<int64_t>(op.invoke.ns() / w, 0, static_cast<int64_t>(windows) - 1));
        ++total[i];
        ++f.requests;
        if (answered(op)) {
            ++good[i];
            ++f.succeeded;
        }
    }
    f.overall = f.requests ? static_cast<double>(f.succeeded) / static_cast<double>(f.requests) : 1.0;
    f.per_window.assign(windows, -1.0);
    for (size_t i = 0; i < windows; ++i) {
        if (total[i] == 0) continue;
        f.per_window[i] = static_cast<double>(good[i]) / static_cast<double>(total[i]);
        if (f.per_window[i] < f.worst_window) {
            f.worst_window = f.per_window[i];
            f.worst_window_start_s = static_cast<double>(i) * window.to_seconds();
        }
    }
    return f;
}

CheckResult check_availability(const AvailabilityFigures& f, const AvailabilitySpec& spec) {
    CheckResult c;
    c.name = "availability";
    c.held = f.overall >= spec.min && f.worst_window >= spec.min;
    c.figures["min"] = spec.min;
    c.figures["window_s"] = spec.window.to_seconds();
    c.figures["overall"] = f.overall;
    c.figures["worst_window"] = f.worst_window;
    c.figures["worst_window_start_s"] = f.worst_window_start_s;
    c.figures["requests"] = f.requests;
    c.figures["succeeded"] = f.succeeded;
    std::ostringstream d;
    d << "overall " << fmt(f.overall) << ", worst " << spec.window.to_string() << " window "
      << fmt(f.worst_window) << " (from " << fmt(f.worst_window_start_s) << "s)"
      << (c.held ? " >= " : "; required >= ") << fmt(spec.min);
    c.detail = d.str();
    return c;
}

CheckResult check_auth(const obs::History& history) {
    CheckResult c;
    c.name = "auth";
    uint64_t attempts = 0, rejected = 0, succeeded = 0, undecided = 0, valid_rejected = 0;
    for (const auto& op : history.ops()) {
        if (!signs_wrongly(history, op)) {
            if (op.status == obs::OpStatus::kRejectedAuth) ++valid_rejected;
            continue;
        }
        ++attempts;
        if (op.status == obs::OpStatus::kRejectedAuth) {
            ++rejected;
        } else if (answered(op)) {
            if (succeeded++ == 0) c.violation_ops.push_back(op.id);
        } else {
            ++undecided;
        }
    }
    c.held = succeeded == 0;
    c.figures["unauthorized_attempts"] = attempts;
    c.figures["rejected"] = rejected;
    c.figures["succeeded"] = succeeded;
    c.figures["undecided"] = undecided;
    c.figures["valid_rejected"] = valid_rejected;
    std::ostringstream d;
    if (attempts == 0) {
        d << "no workload signs wrongly; nothing to check";
    } else if (c.held) {
        d << "all " << rejected << " wrongly signed requests were rejected";
        if (undecided) d << " (" << undecided << " failed or timed out before the answer)";
    } else {
        const auto& op = history.op(c.violation_ops.front());
        d << succeeded << " wrongly signed requests succeeded; first: " << to_string(op.kind) << " "
          << key_name(history, op) << " by workload " << history.workloads()[op.workload].name
          << " (auth " << to_string(history.workloads()[op.workload].auth) << ")";
    }
    c.detail = d.str();
    return c;
}

bool parse_latency_key(const std::string& key, LatencyThreshold* out) {
    auto dot = key.find('.');
    if (dot == std::string::npos) return false;
    std::string op = key.substr(0, dot), pct = key.substr(dot + 1);
    static constexpr std::string_view kOps[] = {"put", "get", "delete", "list", "head", "all"};
    int op_index = -1;
    for (int i = 0; i < 6; ++i)
        if (op == kOps[i]) op_index = i;
    int per_mille = pct == "p50" ? 500 : pct == "p90" ? 900 : pct == "p99" ? 990
                   : pct == "p999" ? 999 : pct == "max" ? 1000 : -1;
    if (op_index < 0 || per_mille < 0) return false;
    out->key = key;
    out->op = op_index;
    out->per_mille = per_mille;
    return true;
}

bool parse_load_key(const std::string& key, LoadThreshold* out) {
    auto dot = key.find('.');
    if (dot == std::string::npos) return false;
    std::string group = key.substr(0, dot), metric = key.substr(dot + 1);
    int g = -1;
    for (int i = 0; i < 3; ++i)
        if (group == kLoadGroups[i].name) g = i;
    if (g < 0) return false;
    if (metric == "max_over_mean") out->metric = LoadMetricKind::kMaxOverMean;
    else if (metric == "cov") out->metric = LoadMetricKind::kCov;
    else if (metric == "gini") out->metric = LoadMetricKind::kGini;
    else return false;
    out->key = key;
    out->group = g;
    return true;
}

CheckResult check_latency(const std::vector<LatencyThreshold>& thresholds,
                          const LatencyTables& tables) {
    CheckResult c;
    c.name = "latency";
    std::ostringstream d;
    int failed = 0;
    for (const auto& t : thresholds) {
        SIM_ASSERT(t.op >= 0 && t.op <= LatencyTables::kAll, "bad op in " << t.key);
        const LatencyHistogram& h = tables.overall[t.op];
        double value_ms = static_cast<double>(h.percentile(t.per_mille / 1000.0)) * 1e-6;
        double limit_ms = t.limit.to_millis();
        bool held = value_ms <= limit_ms;
        c.figures[t.key] = {{"limit_ms", limit_ms}, {"value_ms", value_ms},
                            {"count", h.count()}, {"held", held}};
        if (!held) {
            if (failed++) d << "; ";
            d << t.key << " = " << fmt(value_ms, 4) << "ms > " << fmt(limit_ms, 4) << "ms";
        }
    }
    c.held = failed == 0;
    c.detail = c.held ? "every latency threshold held (" + std::to_string(thresholds.size()) + ")"
                      : d.str();
    return c;
}

CheckResult check_load_balance(const std::vector<LoadThreshold>& thresholds,
                               const LoadBalance (&balances)[3]) {
    CheckResult c;
    c.name = "load_balance";
    std::ostringstream d;
    int failed = 0;
    for (const auto& t : thresholds) {
        SIM_ASSERT(t.group >= 0 && t.group < 3, "bad group in " << t.key);
        const LoadStats& s = balances[t.group].judged;
        double value = t.metric == LoadMetricKind::kMaxOverMean ? s.max_over_mean
                       : t.metric == LoadMetricKind::kCov      ? s.cov
                                                               : s.gini;
        bool held = value <= t.limit;
        c.figures[t.key] = {{"limit", t.limit}, {"value", value}, {"held", held}};
        if (!held) {
            if (failed++) d << "; ";
            d << t.key << " = " << fmt(value, 4) << " > " << fmt(t.limit, 4);
        }
    }
    c.held = failed == 0;
    c.detail = c.held ? "every load-balance threshold held (" +
                            std::to_string(thresholds.size()) + ")"
                      : d.str();
    const LoadBalance& any = balances[0];
    if (any.judged_from_s > 0) {
        c.detail += " (judged from " + fmt(any.judged_from_s, 4) + " s to " + fmt(any.judged_to_s, 4) +
                    " s, after the settle time)";
        c.figures["judged_from_s"] = any.judged_from_s;
        c.figures["judged_to_s"] = any.judged_to_s;
    }
    return c;
}

RunVerdict decide(const std::vector<CheckResult>& checks, bool expect_fail) {
    RunVerdict v;
    for (const auto& c : checks)
        if (!c.held) v.failed_checks.push_back(c.name);
    const bool all_held = v.failed_checks.empty();
    if (!expect_fail) {
        v.pass = all_held;
        v.detail = all_held ? "every check held" : "a check did not hold";
    } else {
        v.pass = !all_held;
        v.detail = all_held ? "expected a check to fail (expect: fail), but every check held"
                            : "a check failed, as the scenario expects (expect: fail)";
    }
    v.exit_code = v.pass ? 0 : 1;
    v.text = v.pass ? "pass" : "fail";
    return v;
}

CheckResult check_invariants(const InvariantFigures& f) {
    CheckResult c;
    c.name = "invariants";
    c.held = f.violations == 0;
    c.figures["serves_checked"] = f.serves;
    c.figures["loads_checked"] = f.loads;
    c.figures["rows_checked"] = f.rows_checked;
    c.figures["appends_checked"] = f.appends_checked;
    c.figures["seals_checked"] = f.seals_checked;
    c.figures["stream_checks"] = f.stream_checks;
    c.figures["violations"] = f.violations;
    c.figures["first_violations"] = f.first;
    std::ostringstream d;
    if (c.held) {
        d << "no partition- or stream-layer invariant broke (" << f.serves << " serves, " << f.loads
          << " range loads, " << f.rows_checked << " rows, " << f.appends_checked << " appends, " << f.seals_checked
          << " seals checked)";
    } else {
        d << f.violations << " invariant violation" << (f.violations == 1 ? "" : "s") << "; first: "
          << (f.first.empty() ? std::string("?") : f.first.front());
    }
    c.detail = d.str();
    return c;
}

std::vector<CheckResult> run_checks(const CheckSpec& spec, const CheckInputs& in) {
    SIM_ASSERT(in.history != nullptr, "checks need the history");
    std::vector<CheckResult> out;
    if (spec.durability) out.push_back(check_durability(*in.history));
    if (spec.linearizable) out.push_back(check_linearizability(*in.history));
    if (spec.availability) {
        SIM_ASSERT(in.availability != nullptr, "availability check needs its figures");
        out.push_back(check_availability(*in.availability, *spec.availability));
    }
    if (spec.auth) out.push_back(check_auth(*in.history));
    if (!spec.latency.empty()) {
        SIM_ASSERT(in.latency != nullptr, "latency check needs the latency tables");
        out.push_back(check_latency(spec.latency, *in.latency));
    }
    if (!spec.load_balance.empty()) {
        SIM_ASSERT(in.balances != nullptr, "load-balance check needs the statistics");
        out.push_back(check_load_balance(spec.load_balance, *in.balances));
    }
    if (in.invariants != nullptr && in.invariants->observed) out.push_back(check_invariants(*in.invariants));
    return out;
}

}  // namespace reports
