#include "reports/outputs.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "reports/html_report.h"
#include "reports/text_outputs.h"
#include "reports/trace_json.h"

namespace reports {

namespace {

template <typename Fn>
bool write_file(OutputResult& res, const std::string& path, Fn&& fn) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) {
        res.ok = false;
        res.error = "cannot write " + path;
        return false;
    }
    fn(out);
    out.flush();
    if (!out) {
        res.ok = false;
        res.error = "error while writing " + path;
        return false;
    }
    res.files.push_back(path);
    return true;
}

void render_from_json(const Json& report, const std::string& dir, const std::string& vega_dir,
                      bool csv, bool html, OutputResult& res) {
    res.summary = summary_text(report);
    write_file(res, dir + "/summary.txt", [&](std::ostream& o) { o << res.summary; });
    if (csv) write_file(res, dir + "/timeseries.csv", [&](std::ostream& o) { write_timeseries_csv(report, o); });
    if (html) {
        std::string why;
        auto bundle = load_vega_bundle(vega_dir, &why);
        std::string page = render_html(report, bundle ? &*bundle : nullptr, &res.warnings);
        if (!bundle) res.warnings.back() += " (" + why + ")";
        write_file(res, dir + "/report.html", [&](std::ostream& o) { o << page; });
    }
}

}  // namespace

OutputResult write_run_outputs(const RunResult& run, const std::string& dir,
                               const std::string& vega_dir) {
    OutputResult res;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        res.ok = false;
        res.error = "cannot create " + dir + ": " + ec.message();
        return res;
    }
    RunAnalysis analysis = analyze(run);
    res.verdict = analysis.verdict;
    Json report = build_report_json(run, analysis);
    if (run.report.json)
        write_file(res, dir + "/report.json", [&](std::ostream& o) { o << report.dump(1) << '\n'; });
    render_from_json(report, dir, vega_dir, run.report.csv, run.report.html, res);
    if (run.report.ops)
        write_file(res, dir + "/ops.csv", [&](std::ostream& o) { write_ops_csv(run.history, o); });
    if (run.report.trace) {
        if (!run.tracer) res.warnings.push_back("trace asked for, but the run recorded no trace");
        write_file(res, dir + "/trace.json", [&](std::ostream& o) {
            write_trace_json(run.tracer, run.node_names, run.faults, o);
        });
    }
    return res;
}

OutputResult rerender_outputs(const std::string& dir, const std::string& vega_dir) {
    OutputResult res;
    std::ifstream in(dir + "/report.json", std::ios::binary);
    if (!in) {
        res.ok = false;
        res.error = dir + "/report.json: cannot read it";
        return res;
    }
    Json report = Json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (report.is_discarded() || !report.is_object() || !report.contains("verdict") ||
        !report.contains("ops") || !report.contains("checks") || !report.contains("scenario")) {
        res.ok = false;
        res.error = dir + "/report.json: not a stampsim report";
        return res;
    }
    res.verdict.text = report["verdict"].get<std::string>();
    res.verdict.pass = res.verdict.text == "pass";
    res.verdict.exit_code = report.value("exit_code", res.verdict.pass ? 0 : 1);
    render_from_json(report, dir, vega_dir, true, true, res);
    return res;
}

}  // namespace reports
