// reports/outputs.h: writing a run's output folder (spec/cli-and-reports.md), and
// re-rendering one from its report.json (`stampsim report DIR`).
//
// write_run_outputs() analyzes the run once, builds report.json, then renders every
// requested file from it: report.json, summary.txt (always), timeseries.csv, report.html,
// ops.csv (report.ops) and trace.json (report.trace). A missing Vega bundle is a warning
// (the page says so), never a failure. An unwritable folder is reported in `error`.
#pragma once

#include <string>
#include <vector>

#include "reports/checks/checks.h"
#include "reports/report_json.h"
#include "reports/run_result.h"

namespace reports {

struct OutputResult {
    bool ok = true;  // every file was written
    std::string error;
    RunVerdict verdict;
    std::vector<std::string> files;  // paths written
    std::vector<std::string> warnings;
    std::string summary;  // summary.txt's text, for printing
};

OutputResult write_run_outputs(const RunResult& run, const std::string& dir,
                               const std::string& vega_dir);

// Reads DIR/report.json and writes summary.txt, timeseries.csv and report.html again.
OutputResult rerender_outputs(const std::string& dir, const std::string& vega_dir);

}  // namespace reports
