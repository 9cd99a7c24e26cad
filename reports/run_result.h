// reports/run_result.h: everything a finished run hands to reports/, and what reports/
// computes from it once for every writer.
//
// The run (app/) fills a RunResult: the resolved scenario, seed and fingerprint, the
// kernel's counters, the operation history (including the verify workload's read-back
// after the drain), the sampled metrics, the fault log, the partition and stream
// counters, and the checks and report options converted from the scenario
// (app/report_config.h). analyze() computes latency tables, load balance, availability
// and the checks' verdicts; build_report_json() turns both into report.json, which is
// the single source the CSV, summary and HTML writers read (so `stampsim report DIR`
// re-renders them from report.json alone).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/observe/faults.h"
#include "models/observe/history.h"
#include "models/observe/metrics.h"
#include "reports/checks/checks.h"
#include "reports/histogram.h"
#include "reports/load_balance.h"
#include "sim/time.h"
#include "sim/trace.h"

namespace reports {

struct SimStats {
    double duration_s = 0;  // simulated time, run plus drain
    uint64_t events = 0;
    double wall_s = 0;  // the only wall-clock figure of a run
};

struct PartitionCounters {
    uint64_t splits = 0;
    uint64_t merges = 0;
    uint64_t moves = 0;
    uint64_t count_start = 0;
    uint64_t count_end = 0;
};

struct StreamCounters {
    uint64_t extents_created = 0;
    uint64_t extents_sealed = 0;
    uint64_t re_replications = 0;
    uint64_t bytes_written = 0;
    uint64_t bytes_re_replicated = 0;
};

// The front-ends' large reads, streamed from the extent nodes.
struct FrontEndCounters {
    uint64_t direct_reads = 0;
    uint64_t direct_read_bytes = 0;
    uint64_t direct_read_failures = 0;
};

// One failover or migration (models/location/geo_observer.h): RPO is the acknowledged
// writes lost (the replication backlog at the switch; 0 for a clean switch), RTO the time
// from outage_s until the first request of the account that succeeded after the switch.
struct GeoSwitch {
    std::string account;
    std::string kind;     // "failover" or "migrate"
    std::string mode;     // "clean" or "abrupt"
    std::string trigger;  // "scenario" or "stamp_down"
    std::string from;
    std::string to;
    double start_s = 0;   // when the location service began (the operation, or detection)
    double outage_s = 0;  // when the account's requests stopped succeeding: the freeze
                          // (clean), start_s (abrupt operation), the stamp_down fault
    double switch_s = 0;
    double drain_s = 0;   // clean: writes frozen until the switch
    uint64_t rpo_writes = 0;
    uint64_t rpo_late = 0;  // of which the old primary acknowledged after the switch
    uint64_t rpo_blobs = 0;
    double rto_s = -1;  // -1: no request of the account succeeded after the switch
};

struct GeoAccount {
    std::string account;
    uint64_t writes = 0;  // logged at a primary (acknowledged to clients)
    uint64_t applied = 0;
    uint64_t lost = 0;
    double lag_mean_s = 0;
    double lag_p99_s = 0;
    double lag_max_s = 0;
    double backlog_mean = 0;  // time-averaged over the window
    double write_rate = 0;    // lambda: writes per second over the window
    double residence_mean_s = 0;  // W for Little's law: applied lag and lost writes' wait
};

// Geo-replication over the run: [epoch, end of drain].
struct GeoFigures {
    bool enabled = false;
    double window_s = 0;
    double interval_s = 0;
    std::vector<GeoAccount> accounts;
    std::vector<GeoSwitch> switches;
    // Totals over accounts.
    uint64_t writes = 0, applied = 0, lost = 0;
    double lag_mean_s = 0, lag_p99_s = 0, lag_max_s = 0;
    double backlog_mean = 0, write_rate = 0, residence_mean_s = 0;
};

struct ReportOptions {
    sim::Duration sample_interval = sim::Duration::seconds(1);
    bool json = true;
    bool csv = true;
    bool html = true;
    bool trace = false;  // trace.json (needs RunResult::tracer)
    bool ops = false;    // ops.csv
};

struct RunResult {
    std::string scenario_name;
    std::string scenario_file;
    nlohmann::ordered_json scenario_resolved;  // the scenario as run (after --set)
    uint64_t seed = 1;
    uint64_t fingerprint = 0;
    std::string version;
    sim::Duration duration;  // the load period (scenario `duration`), which windows cover
    SimStats sim;
    models::observe::History history;
    models::observe::MetricsRecorder metrics;
    models::observe::FaultLog faults;
    const sim::Tracer* tracer = nullptr;  // optional; for trace.json
    // Node names by NodeId.value, for the trace's tracks (optional).
    std::vector<std::string> node_names;
    PartitionCounters partitions;
    StreamCounters stream;
    FrontEndCounters front_end;
    CheckSpec checks;
    ReportOptions report;
    std::vector<std::string> warnings;  // e.g. placement warnings; shown in every report
    GeoFigures geo;
    InvariantFigures invariants;
};

struct RunAnalysis {
    LatencyTables latency;  // per sample interval
    LoadMatrix matrices[3];  // kLoadGroups order
    LoadBalance balance[3];
    AvailabilityFigures availability;
    sim::Duration availability_window;
    std::vector<CheckResult> checks;
    RunVerdict verdict;
};

RunAnalysis analyze(const RunResult& run);

}  // namespace reports
