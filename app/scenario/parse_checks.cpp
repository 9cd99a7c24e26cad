// Parses "checks" (what must hold at the end of a run) and "report" (what is written).
#include <algorithm>

#include "app/scenario/did_you_mean.h"
#include "app/planted_bugs.h"
#include "app/scenario/sections.h"

namespace app::scenario {

namespace {

const EnumTable<Consistency> kConsistency = {
    {"linearizable", Consistency::kLinearizable},
    {"none", Consistency::kNone},
};
const EnumTable<Expect> kExpect = {{"pass", Expect::kPass}, {"fail", Expect::kFail}};
const EnumTable<OpKind> kOps = {
    {"put", OpKind::kPut},   {"get", OpKind::kGet},   {"delete", OpKind::kDelete},
    {"list", OpKind::kList}, {"head", OpKind::kHead}, {"all", OpKind::kAll},
};
// The percentiles report.json has (spec/cli-and-reports.md), in per mille.
const EnumTable<int> kPercentiles = {{"p50", 500}, {"p90", 900}, {"p99", 990}, {"p999", 999}};
const EnumTable<LoadGroup> kGroups = {
    {"partition_servers", LoadGroup::kPartitionServers},
    {"extent_nodes", LoadGroup::kExtentNodes},
    {"racks", LoadGroup::kRacks},
};
const EnumTable<LoadMetric> kMetrics = {
    {"max_over_mean", LoadMetric::kMaxOverMean},
    {"cov", LoadMetric::kCov},
    {"gini", LoadMetric::kGini},
};
const EnumTable<ReportOutput> kOutputs = {
    {"json", ReportOutput::kJson},
    {"csv", ReportOutput::kCsv},
    {"html", ReportOutput::kHtml},
};

// Splits "get.p99" against two tables; on failure reports the key with a suggestion drawn
// from every valid combination.
template <typename A, typename B>
bool split_key(Diagnostics& d, const std::string& key, const std::string& at,
               const EnumTable<A>& first, const EnumTable<B>& second, std::string_view shape,
               A* a, B* b) {
    auto dot = key.find('.');
    if (dot != std::string::npos) {
        std::string x = key.substr(0, dot);
        std::string y = key.substr(dot + 1);
        bool found_a = false;
        bool found_b = false;
        for (const auto& [name, value] : first) {
            if (name == x) {
                *a = value;
                found_a = true;
            }
        }
        for (const auto& [name, value] : second) {
            if (name == y) {
                *b = value;
                found_b = true;
            }
        }
        if (found_a && found_b) return true;
    }
    std::vector<std::string> all;
    for (const auto& [an, av] : first) {
        for (const auto& [bn, bv] : second) all.push_back(std::string(an) + "." + std::string(bn));
    }
    std::string msg = "unknown key; expected " + std::string(shape);
    if (auto s = did_you_mean(key, all)) msg += "; did you mean \"" + *s + "\"?";
    d.error(at, msg);
    return false;
}

}  // namespace

void parse_checks(ParseContext& ctx, ObjectReader& top, Scenario& sc) {
    const Json* v = top.field("checks", Need::kOptional, "an object");
    ObjectReader o(ctx.diags, v ? *v : empty_object(), top.out()["checks"], top.at("checks"));
    if (!o.is_object()) return;
    ChecksConfig& c = sc.checks;
    c.durability = o.boolean_or("durability", true);
    c.consistency = o.enumeration_or("consistency", kConsistency, Consistency::kLinearizable);
    if (const Json* a = o.field("availability", Need::kOptional, "an object")) {
        ObjectReader ar(ctx.diags, *a, o.out()["availability"], o.at("availability"));
        if (ar.is_object()) {
            AvailabilityCheck check;
            check.min = ar.number("min", kFraction, Need::kRequired).value_or(0);
            check.window = ar.duration_or("window", "10s", DurationMin::kPositive);
            if (ctx.duration_known && check.window > sc.duration) {
                ctx.diags.error(ar.at("window"), "expected a window <= duration (" +
                                                     sc.duration.to_string() + "), got \"" +
                                                     check.window.to_string() + "\"");
            }
            ar.finish();
            c.availability = check;
        }
    }
    if (const Json* lat = o.field("latency", Need::kOptional, "an object")) {
        if (!lat->is_object()) {
            ctx.diags.error(o.at("latency"),
                            "expected an object such as {\"get.p99\": \"50ms\"}, got " +
                                describe(*lat));
        } else {
            for (auto it = lat->begin(); it != lat->end(); ++it) {
                const std::string at = pointer_join(o.at("latency"), it.key());
                LatencyCheck check;
                check.key = it.key();
                bool ok = split_key(ctx.diags, it.key(), at, kOps, kPercentiles,
                                    "OP.PERCENTILE with OP one of put, get, delete, list, head, "
                                    "all and PERCENTILE one of p50, p90, p99, p999",
                                    &check.op, &check.percentile_per_mille);
                auto limit = read_duration(ctx.diags, it.value(), at, DurationMin::kPositive);
                if (ok && limit) {
                    check.limit = *limit;
                    c.latency.push_back(check);
                }
            }
        }
    }
    if (const Json* lb = o.field("load_balance", Need::kOptional, "an object")) {
        if (!lb->is_object()) {
            ctx.diags.error(o.at("load_balance"),
                            "expected an object such as {\"partition_servers.max_over_mean\": 2}, "
                            "got " + describe(*lb));
        } else {
            for (auto it = lb->begin(); it != lb->end(); ++it) {
                const std::string at = pointer_join(o.at("load_balance"), it.key());
                if (it.key() == "settle") {
                    if (auto settle = read_duration(ctx.diags, it.value(), at, DurationMin::kZeroOk)) {
                        if (ctx.duration_known && *settle >= sc.duration) {
                            ctx.diags.error(at, "expected a settle time < duration (" + sc.duration.to_string() +
                                                    "), got \"" + settle->to_string() + "\"");
                        } else {
                            c.load_balance_settle = *settle;
                        }
                    }
                    continue;
                }
                LoadBalanceCheck check;
                check.key = it.key();
                bool ok = split_key(ctx.diags, it.key(), at, kGroups, kMetrics,
                                    "settle or GROUP.METRIC with GROUP one of partition_servers, "
                                    "extent_nodes, racks and METRIC one of max_over_mean, cov, "
                                    "gini",
                                    &check.group, &check.metric);
                if (!ok) continue;
                NumRange range = check.metric == LoadMetric::kMaxOverMean
                                     ? NumRange{1.0, std::nullopt, false, false}
                                 : check.metric == LoadMetric::kGini ? kFraction
                                                                     : kNonNegative;
                if (auto limit = read_number(ctx.diags, it.value(), at, range)) {
                    check.limit = *limit;
                    c.load_balance.push_back(check);
                }
            }
        }
    }
    c.auth = o.boolean_or("auth", true);
    c.expect = o.enumeration_or("expect", kExpect, Expect::kPass);
    o.finish();
}

void parse_report(ParseContext& ctx, ObjectReader& top, Scenario& sc) {
    const Json* v = top.field("report", Need::kOptional, "an object");
    ObjectReader o(ctx.diags, v ? *v : empty_object(), top.out()["report"], top.at("report"));
    if (!o.is_object()) return;
    ReportConfig& r = sc.report;
    r.sample_interval = o.duration_or("sample_interval", "1s", DurationMin::kPositive);
    if (ctx.duration_known && r.sample_interval > sc.duration) {
        ctx.diags.error(o.at("sample_interval"), "expected a sample_interval <= duration (" +
                                                     sc.duration.to_string() + "), got \"" +
                                                     r.sample_interval.to_string() + "\"");
    }
    if (const Json* outs = o.field("outputs", Need::kOptional, "")) {
        r.outputs.clear();
        if (!outs->is_array()) {
            ctx.diags.error(o.at("outputs"),
                            "expected an array of \"json\", \"csv\" or \"html\", got " +
                                describe(*outs));
        } else {
            for (size_t i = 0; i < outs->size(); ++i) {
                const std::string at = pointer_join(o.at("outputs"), i);
                auto out = read_enum(ctx.diags, (*outs)[i], at, kOutputs);
                if (!out) continue;
                if (std::find(r.outputs.begin(), r.outputs.end(), *out) != r.outputs.end()) {
                    ctx.diags.error(at, "expected each output once, got " +
                                            describe((*outs)[i]) + " again");
                    continue;
                }
                r.outputs.push_back(*out);
            }
        }
    } else {
        o.out()["outputs"] = Json::array({"json", "csv", "html"});
    }
    r.trace = o.boolean_or("trace", false);
    r.ops = o.boolean_or("ops", false);
    o.finish();
}

void parse_debug(ParseContext& ctx, ObjectReader& top, Scenario& sc) {
    const Json* v = top.field("debug", Need::kOptional, "an object");
    if (v == nullptr) return;
    ObjectReader o(ctx.diags, *v, top.out()["debug"], top.at("debug"));
    if (!o.is_object()) return;
    if (auto bug = o.string("bug", Need::kOptional)) {
        if (*bug != "none" && !is_planted_bug(*bug)) {
            std::string known;
            for (const std::string& n : planted_bug_names()) {
                if (!known.empty()) known.append(", ");
                known.append(n);
            }
            ctx.diags.error(o.at("bug"), "expected \"none\" or a planted bug (" + known + "), got \"" + *bug + "\"");
        } else if (*bug != "none") {
            sc.debug.bug = *bug;
        }
    }
    o.finish();
}

}  // namespace app::scenario
