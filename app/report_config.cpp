#include "app/report_config.h"

namespace app {

reports::CheckSpec to_check_spec(const scenario::ChecksConfig& c) {
    reports::CheckSpec s;
    s.durability = c.durability;
    s.linearizable = c.consistency == scenario::Consistency::kLinearizable;
    if (c.availability) s.availability = reports::AvailabilitySpec{c.availability->min, c.availability->window};
    for (const auto& l : c.latency) {
        reports::LatencyThreshold t;
        t.key = l.key;
        // OpKind orders match: put, get, delete, list, head, all.
        t.op = static_cast<int>(l.op);
        t.per_mille = l.percentile_per_mille;
        t.limit = l.limit;
        s.latency.push_back(t);
    }
    for (const auto& l : c.load_balance) {
        reports::LoadThreshold t;
        t.key = l.key;
        t.group = static_cast<int>(l.group);  // partition_servers, extent_nodes, racks
        t.metric = l.metric == scenario::LoadMetric::kMaxOverMean ? reports::LoadMetricKind::kMaxOverMean
                   : l.metric == scenario::LoadMetric::kCov       ? reports::LoadMetricKind::kCov
                                                                  : reports::LoadMetricKind::kGini;
        t.limit = l.limit;
        s.load_balance.push_back(t);
    }
    s.load_balance_settle = c.load_balance_settle;
    s.auth = c.auth;
    s.expect_fail = c.expect == scenario::Expect::kFail;
    return s;
}

reports::ReportOptions to_report_options(const scenario::ReportConfig& r) {
    reports::ReportOptions o;
    o.sample_interval = r.sample_interval;
    o.json = o.csv = o.html = false;
    for (auto out : r.outputs) {
        if (out == scenario::ReportOutput::kJson) o.json = true;
        if (out == scenario::ReportOutput::kCsv) o.csv = true;
        if (out == scenario::ReportOutput::kHtml) o.html = true;
    }
    o.trace = r.trace;
    o.ops = r.ops;
    return o;
}

}  // namespace app
