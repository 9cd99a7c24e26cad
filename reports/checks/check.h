// reports/checks/check.h: what every checker returns, and the checks a scenario asks for.
//
// reports/ cannot include app/ (the dependency direction), so CheckSpec mirrors
// app::scenario::ChecksConfig; app/report_config.h converts one into the other.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/time.h"

namespace reports {

struct CheckResult {
    std::string name;  // "durability", "consistency", "availability", "auth", "latency", ...
    bool held = true;
    std::string detail;  // one sentence a person reads
    // The check's numbers, copied into report.json beside held and detail.
    nlohmann::ordered_json figures = nlohmann::ordered_json::object();
    // The first violation's operations (ids in the history), in invocation order.
    std::vector<uint64_t> violation_ops;
};

// What the protocol observers saw while the run went (models/partition/observer.h): at
// most one server serving a key at a time, and no load of a range partition missing an
// acknowledged update. Violations are kept (the first few) rather than aborting the run.
struct InvariantFigures {
    bool observed = false;  // false: the run had no observers (no check reported)
    uint64_t serves = 0;
    uint64_t loads = 0;
    uint64_t rows_checked = 0;
    // Stream layer: acknowledged appends, seals, and all its checks.
    uint64_t appends_checked = 0;
    uint64_t seals_checked = 0;
    uint64_t stream_checks = 0;
    uint64_t violations = 0;
    std::vector<std::string> first;  // the first violations, each a sentence
};

enum class LoadMetricKind { kMaxOverMean, kCov, kGini };

struct LatencyThreshold {
    std::string key;     // "get.p99", as written
    int op = 5;          // models::observe::OpKind as int; 5 = every kind ("all")
    int per_mille = 990;  // p50 = 500, p90 = 900, p99 = 990, p999 = 999
    sim::Duration limit;
};

struct LoadThreshold {
    std::string key;  // "partition_servers.max_over_mean"
    int group = 0;    // index in kLoadGroups: partition_servers, extent_nodes, racks
    LoadMetricKind metric = LoadMetricKind::kMaxOverMean;
    double limit = 0;
};

struct AvailabilitySpec {
    double min = 0.999;
    sim::Duration window = sim::Duration::seconds(10);
};

struct CheckSpec {
    bool durability = true;
    bool linearizable = true;
    std::optional<AvailabilitySpec> availability;
    std::vector<LatencyThreshold> latency;
    std::vector<LoadThreshold> load_balance;
    // The thresholds judge the sample intervals starting in [settle, end of the load) when
    // settle > 0 ("load_balance.settle"), else every interval of the run.
    sim::Duration load_balance_settle = sim::Duration::zero();
    bool auth = true;
    bool expect_fail = false;  // "expect": "fail"
};

}  // namespace reports
