// reports/checks/checks.h: the checks of a scenario's `checks` section, over a finished
// run's history and statistics, and the verdict (spec/cli-and-reports.md exit codes).
//
// Choices, stated once:
//  - Success means a definite answer: ok, or not_found (the service answered). Failed,
//    timeout and busy (throttled) are failures; a pending operation (the run ended first)
//    is a timeout.
//  - Operations of the verify workload (the run's read-back after the drain) are evidence
//    for durability only; they are left out of availability, latency and the ops table.
//  - Availability leaves out every operation of a workload whose auth is not "valid":
//    they are meant to be rejected, so they are neither successes nor failures; the auth
//    check judges them. Windows are by invocation time (when the client asked), so a
//    timeout counts in the window where the outage was; empty windows are skipped.
//  - Latency thresholds are checked against the whole run's histogram of the operation
//    kind; load-balance thresholds against the run-long statistic (load_balance.h).
#pragma once

#include <string>
#include <vector>

#include "models/observe/history.h"
#include "reports/checks/check.h"
#include "reports/checks/linearizable.h"
#include "reports/histogram.h"
#include "reports/load_balance.h"

namespace reports {

// Durability: every acknowledged write is read back by the verify workload with the same
// content, unless a later acknowledged write (or a write of unknown outcome, which may
// have landed late) replaced it. Per blob, the allowed final values are those of the
// acknowledged writes that no other acknowledged write follows in real time, plus those
// of writes of unknown outcome, plus "absent" if nothing was acknowledged. The evidence
// is the last successful get/head of the verify workload on that blob. A blob with an
// acknowledged write but no successful verify read is "unverified" and fails the check:
// the run must read back every blob it wrote.
CheckResult check_durability(const models::observe::History& history);

struct AvailabilityFigures {
    double overall = 1;
    double worst_window = 1;
    double worst_window_start_s = 0;
    uint64_t requests = 0;
    uint64_t succeeded = 0;
    std::vector<double> per_window;  // ratio per window; -1 for an empty window
};
AvailabilityFigures availability(const models::observe::History& history, sim::Duration window,
                                 sim::Time end);
CheckResult check_availability(const AvailabilityFigures& figures, const AvailabilitySpec& spec);

// Auth: no operation of a workload that signs wrongly (invalid, none, other_account)
// got an answer (ok or not_found). Operations that timed out or failed prove nothing
// either way and are counted as "undecided".
CheckResult check_auth(const models::observe::History& history);
// Always run when the run had protocol observers: held if no invariant was violated.
CheckResult check_invariants(const InvariantFigures& figures);

CheckResult check_latency(const std::vector<LatencyThreshold>& thresholds,
                          const LatencyTables& tables);
// balances[i] is the group kLoadGroups[i].
CheckResult check_load_balance(const std::vector<LoadThreshold>& thresholds,
                               const LoadBalance (&balances)[3]);

struct RunVerdict {
    bool pass = true;  // verdict "pass" (with expect fail: a check did fail)
    int exit_code = 0;
    std::string text;  // "pass" / "fail"
    std::string detail;
    std::vector<std::string> failed_checks;
};
RunVerdict decide(const std::vector<CheckResult>& checks, bool expect_fail);

// Every check the spec asks for, in a fixed order: durability, consistency,
// availability, auth, latency, load_balance; then invariants (when observed).
struct CheckInputs {
    const models::observe::History* history = nullptr;
    const LatencyTables* latency = nullptr;
    const LoadBalance (*balances)[3] = nullptr;
    const AvailabilityFigures* availability = nullptr;
    const InvariantFigures* invariants = nullptr;  // null or !observed: no invariants check
};
std::vector<CheckResult> run_checks(const CheckSpec& spec, const CheckInputs& inputs);

// Parses a threshold key as written in scenarios ("get.p99", "all.p999",
// "partition_servers.max_over_mean"); false when it is not one.
bool parse_latency_key(const std::string& key, LatencyThreshold* out);
bool parse_load_key(const std::string& key, LoadThreshold* out);

}  // namespace reports
