#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "reports/compare.h"
#include "reports/html_report.h"
#include "reports/json_schema.h"
#include "reports/outputs.h"
#include "reports/text_outputs.h"
#include "reports/trace_json.h"
#include "tests/reports/sample_run.h"

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

reports::JsonSchema report_schema() {
    auto text = slurp(std::string(STAMPSIM_SOURCE_DIR) + "/reports/report_schema.json");
    std::string error;
    auto schema = reports::JsonSchema::compile(reports::SchemaJson::parse(text), &error);
    INFO(error);
    REQUIRE(schema.has_value());
    return *schema;
}

}  // namespace

TEST_CASE("report.json: every key of the spec, valid against reports/report_schema.json") {
    auto run = sample::make_run();
    auto analysis = reports::analyze(run);
    auto r = reports::build_report_json(run, analysis);
    for (const char* key : {"scenario", "seed", "fingerprint", "version", "sim", "ops", "workloads",
                            "faults", "load_balance", "partitions", "stream", "availability",
                            "checks", "verdict"})
        CHECK(r.contains(key));
    CHECK(r["scenario"]["sha256"].get<std::string>().size() == 64);
    CHECK(r["scenario"]["sha256"] == reports::sha256_hex(run.scenario_resolved.dump()));
    CHECK(reports::sha256_hex("abc") ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(r["fingerprint"] == "0123456789abcdea");
    for (const char* k : {"put", "get", "delete", "list", "head", "all"})
        for (const char* f : {"count", "ok", "failed", "rejected", "throughput", "latency_ms"})
            CHECK(r["ops"][k].contains(f));
    for (const char* p : {"mean", "p50", "p90", "p99", "p999", "max"})
        CHECK(r["ops"]["get"]["latency_ms"].contains(p));
    CHECK(r["load_balance"]["partition_servers"]["per_interval"].size() == 60);
    CHECK(r["faults"][0]["effect"]["messages_dropped"] == 1234);
    for (const char* c : {"durability", "consistency", "availability", "auth", "latency", "load_balance"}) {
        CAPTURE(c);
        REQUIRE(r["checks"].contains(c));
        CHECK(r["checks"][c]["held"] == true);
    }
    CHECK(r["checks"]["durability"]["acked_writes"].get<uint64_t>() > 100);
    CHECK(r["verdict"] == "pass");
    CHECK(r["workloads"]["intruder"]["rejected"].get<uint64_t>() > 0);
    auto schema = report_schema();
    auto errors = schema.validate(r);
    for (const auto& e : errors) MESSAGE(e.instance_pointer << ": " << e.message);
    CHECK(errors.empty());

    // A broken report is caught by the schema.
    auto broken = r;
    broken.erase("verdict");
    broken["ops"]["get"].erase("latency_ms");
    CHECK(schema.validate(broken).size() >= 2);
}

TEST_CASE("report.json: a lost write fails durability and the verdict; expect fail flips it") {
    auto run = sample::make_run();
    // Corrupt one verify read-back.
    for (auto& op : const_cast<std::vector<models::observe::Operation>&>(run.history.ops())) {
        if (run.history.workloads()[op.workload].verify && op.status == models::observe::OpStatus::kOk) {
            op.fingerprint ^= 1;
            break;
        }
    }
    auto a = reports::analyze(run);
    auto r = reports::build_report_json(run, a);
    CHECK(r["verdict"] == "fail");
    CHECK(r["exit_code"] == 1);
    CHECK(r["checks"]["durability"]["held"] == false);
    CHECK(r["checks"]["durability"]["violation_ops"].size() >= 2);
    CHECK(report_schema().validate(r).empty());
    run.checks.expect_fail = true;
    auto a2 = reports::analyze(run);
    CHECK(a2.verdict.text == "pass");
    CHECK(a2.verdict.exit_code == 0);
}

TEST_CASE("outputs: folder with every file; timeseries tidy; summary; html without bundle warns") {
    auto run = sample::make_run();
    std::string dir = std::string(STAMPSIM_BINARY_DIR) + "/test-out/report-outputs";
    std::filesystem::remove_all(dir);
    auto res = reports::write_run_outputs(run, dir, "/nonexistent-vega-dir");
    INFO(res.error);
    REQUIRE(res.ok);
    CHECK(res.verdict.text == "pass");
    for (const char* f : {"report.json", "summary.txt", "timeseries.csv", "report.html", "ops.csv", "trace.json"})
        CHECK(std::filesystem::exists(dir + "/" + f));
    REQUIRE(res.warnings.size() >= 1);
    CHECK(res.warnings[0].find("Vega-Lite bundle") != std::string::npos);
    std::string html = slurp(dir + "/report.html");
    CHECK(html.find("id=no-charts") != std::string::npos);

    std::string csv = slurp(dir + "/timeseries.csv");
    CHECK(csv.rfind("time_s,metric,labels,value\n", 0) == 0);
    CHECK(csv.find(",latency_p99_ms,op=get,") != std::string::npos);
    CHECK(csv.find(",throughput,op=put,") != std::string::npos);
    CHECK(csv.find(",partition_server.load,server=w1/r3/n0,") != std::string::npos);
    CHECK(csv.find(",availability,,") != std::string::npos);
    std::istringstream lines(csv);
    std::string line;
    size_t rows = 0;
    while (std::getline(lines, line)) {
        ++rows;
        CHECK(std::count(line.begin(), line.end(), ',') == 3);
    }
    CHECK(rows > 60 * 20);

    std::string summary = slurp(dir + "/summary.txt");
    CHECK(summary.find("verdict: pass") != std::string::npos);
    CHECK(summary.find("fingerprint: 0123456789abcdea") != std::string::npos);
    CHECK(summary.find("held    durability") != std::string::npos);

    std::string ops = slurp(dir + "/ops.csv");
    CHECK(std::count(ops.begin(), ops.end(), '\n') == static_cast<long>(run.history.ops().size() + 1));

    // Re-render from report.json alone gives the same CSV and summary.
    std::filesystem::remove(dir + "/timeseries.csv");
    auto again = reports::rerender_outputs(dir, "/nonexistent-vega-dir");
    REQUIRE(again.ok);
    CHECK(slurp(dir + "/timeseries.csv") == csv);
    CHECK(slurp(dir + "/summary.txt") == summary);
    CHECK_FALSE(reports::rerender_outputs(dir + "/missing", "").ok);
}

TEST_CASE("trace.json: parses, one track per node plus faults, spans and instants") {
    sim::Tracer tracer;
    tracer.enable(100);
    tracer.span(sim::Time::from_ns(1'000'000), sim::Time::from_ns(3'000'000), sim::NodeId{0}, "append", "stream");
    tracer.instant(sim::Time::from_ns(2'000'000), sim::NodeId{2}, "seal", "stream");
    models::observe::FaultLog faults;
    size_t f = faults.begin("node_crash", "w1/r0/n2", sim::Time::from_ns(2'500'000));
    faults.add_node(f, "w1/r0/n2");
    faults.end(f, sim::Time::from_ns(4'000'000));
    std::ostringstream out;
    reports::write_trace_json(&tracer, {"w1/r0/n0", "w1/r0/n1", "w1/r0/n2"}, faults, out);
    auto j = nlohmann::json::parse(out.str());
    const auto& ev = j["traceEvents"];
    std::map<int, std::string> names;
    int spans = 0, instants = 0;
    for (const auto& e : ev) {
        if (e["ph"] == "M" && e["name"] == "thread_name") names[e["tid"]] = e["args"]["name"];
        if (e["ph"] == "X") ++spans;
        if (e["ph"] == "i") ++instants;
    }
    CHECK(names[0] == "faults");
    CHECK(names[1] == "w1/r0/n0");
    CHECK(names[3] == "w1/r0/n2");
    CHECK(names.count(2) == 0);  // n1 did nothing
    CHECK(spans == 2);           // the append and the fault
    CHECK(instants == 2);        // the seal and the crash on n2's track
    bool found = false;
    for (const auto& e : ev)
        if (e.value("name", "") == "append") {
            CHECK(e["ts"].get<double>() == doctest::Approx(1000.0));
            CHECK(e["dur"].get<double>() == doctest::Approx(2000.0));
            found = true;
        }
    CHECK(found);
}

// Writes a sample run folder with the real Vega bundle for tests/reports/html_chromium_test.sh
// (run only when STAMPSIM_SAMPLE_OUT is set).
TEST_CASE("sample report for the browser test") {
    const char* out = std::getenv("STAMPSIM_SAMPLE_OUT");
    if (!out) return;
    auto run = sample::make_run();
    auto res = reports::write_run_outputs(
        run, out, reports::default_vega_dir(STAMPSIM_SOURCE_DIR));
    REQUIRE(res.ok);
    for (const auto& w : res.warnings) MESSAGE("warning: " << w);
    MESSAGE("charts: " << reports::html_chart_count());
}

TEST_CASE("compare: rows with differences between two runs") {
    auto run_a = sample::make_run(5);
    auto run_b = sample::make_run(6);
    auto a = reports::build_report_json(run_a, reports::analyze(run_a));
    auto b = reports::build_report_json(run_b, reports::analyze(run_b));
    auto c = reports::compare_reports(a, b, "A", "B");
    std::map<std::string, nlohmann::ordered_json> rows;
    for (const auto& r : c["rows"]) rows[r["metric"].get<std::string>()] = r;
    REQUIRE(rows.count("get.p99_ms"));
    CHECK(rows["get.p99_ms"]["diff"].get<double>() ==
          doctest::Approx(b["ops"]["get"]["latency_ms"]["p99"].get<double>() -
                          a["ops"]["get"]["latency_ms"]["p99"].get<double>()));
    CHECK(rows["fingerprint"]["same"] == false);
    CHECK(rows["verdict"]["same"] == true);
    CHECK(rows.count("partition_servers.max_over_mean"));
    CHECK(rows["checks.durability.held"]["a"] == true);
    std::string text = reports::compare_text(c);
    CHECK(text.find("get.p99_ms") != std::string::npos);
    CHECK(text.find("differs") != std::string::npos);
}

TEST_CASE("outputs: writing a 10-minute run's folder (timing printed, not asserted)") {
    auto run = sample::make_run(9, 600);
    // Quadruple the history with shifted copies on other blobs: ~200k operations.
    const size_t n = run.history.ops().size();
    for (int copy = 1; copy < 4; ++copy)
        for (size_t i = 0; i < n; ++i) {
            auto op = run.history.op(i);
            if (run.history.workloads()[op.workload].verify) continue;
            op.blob = run.history.strings().intern(run.history.str(op.blob) + "-" + std::to_string(copy));
            op.list_count = 0;
            run.history.append(op);
        }
    run.report.trace = false;
    std::string dir = std::string(STAMPSIM_BINARY_DIR) + "/test-out/report-timing";
    auto start = std::chrono::steady_clock::now();
    auto res = reports::write_run_outputs(run, dir, reports::default_vega_dir(STAMPSIM_SOURCE_DIR));
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    MESSAGE("wrote " << res.files.size() << " files for " << run.history.ops().size()
                     << " operations in " << secs << " s");
    CHECK(res.ok);
}
