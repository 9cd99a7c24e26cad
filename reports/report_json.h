// reports/report_json.h: report.json (spec/cli-and-reports.md), validated by
// reports/report_schema.json.
//
// Besides the keys the spec requires, report.json carries "timeseries" (latency
// percentiles, throughput and errors per operation kind per sample interval, and every
// sampled metric), the checks' violating operations in full, "expect", "exit_code",
// "failed_checks" and "warnings", so that every other output can be rebuilt from it.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "reports/run_result.h"

namespace reports {

using Json = nlohmann::ordered_json;

Json build_report_json(const RunResult& run, const RunAnalysis& analysis);

// Lower-case hex SHA-256 of text (OpenSSL).
std::string sha256_hex(const std::string& text);
// 16 lower-case hex digits.
std::string hex64(uint64_t value);

// An operation as the report shows it (checks' windows, ops.csv uses the same fields).
Json operation_json(const models::observe::History& history, const models::observe::Operation& op);

}  // namespace reports
