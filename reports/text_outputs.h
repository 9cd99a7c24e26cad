// reports/text_outputs.h: timeseries.csv, ops.csv and summary.txt.
//
// timeseries.csv is tidy (time_s,metric,labels,value): per sample interval and
// operation kind, latency_p50_ms / latency_p99_ms / latency_p999_ms, throughput (ok
// per second) and errors, labelled op=KIND; the availability ratio per availability
// window; then every sampled metric as recorded. It and summary.txt are rendered from
// report.json alone, so `stampsim report DIR` can rebuild them. ops.csv needs the
// history (one row per client operation) and is written only during a run. Every writer
// streams: one pass, no copy of its input.
#pragma once

#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

#include "models/observe/history.h"

namespace reports {

void write_timeseries_csv(const nlohmann::ordered_json& report, std::ostream& out);
void write_ops_csv(const models::observe::History& history, std::ostream& out);
// The table printed at the end of a run.
std::string summary_text(const nlohmann::ordered_json& report);

// A CSV field, quoted when it holds a comma, quote or newline.
std::string csv_field(const std::string& text);

}  // namespace reports
