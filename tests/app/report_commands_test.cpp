#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/cli.h"
#include "app/report_config.h"
#include "reports/outputs.h"
#include "tests/reports/sample_run.h"

namespace {

int run(std::vector<std::string> args, std::string* out, std::string* err) {
    std::vector<const char*> argv{"stampsim"};
    for (auto& a : args) argv.push_back(a.c_str());
    std::ostringstream o, e;
    int code = app::run_cli(static_cast<int>(argv.size()), argv.data(), o, e);
    *out = o.str();
    *err = e.str();
    return code;
}

}  // namespace

TEST_CASE("stampsim report DIR re-renders; compare A B writes compare.json and .txt") {
    std::string base = std::string(STAMPSIM_BINARY_DIR) + "/test-out/report-cli";
    std::filesystem::remove_all(base);
    auto a = sample::make_run(5);
    auto b = sample::make_run(6);
    REQUIRE(reports::write_run_outputs(a, base + "/a", "/nonexistent").ok);
    REQUIRE(reports::write_run_outputs(b, base + "/b", "/nonexistent").ok);
    std::filesystem::remove(base + "/a/report.html");
    std::string out, err;
    CHECK(run({"report", base + "/a"}, &out, &err) == 0);
    CHECK(std::filesystem::exists(base + "/a/report.html"));
    CHECK(out.find("verdict: pass") != std::string::npos);
    CHECK(run({"report", base + "/missing"}, &out, &err) == 2);
    CHECK(err.find("cannot read") != std::string::npos);

    CHECK(run({"compare", base + "/a", base + "/b", "--out", base}, &out, &err) == 0);
    CHECK(out.find("get.p99_ms") != std::string::npos);
    CHECK(std::filesystem::exists(base + "/compare.json"));
    CHECK(std::filesystem::exists(base + "/compare.txt"));
    CHECK(run({"compare", base + "/a", base + "/nope"}, &out, &err) == 2);
}

TEST_CASE("report config: scenario checks and report sections convert") {
    app::scenario::ChecksConfig c;
    c.availability = app::scenario::AvailabilityCheck{0.99, sim::Duration::seconds(5)};
    app::scenario::LatencyCheck l;
    l.key = "put.p999";
    l.op = app::scenario::OpKind::kPut;
    l.percentile_per_mille = 999;
    l.limit = sim::Duration::millis(80);
    c.latency.push_back(l);
    app::scenario::LoadBalanceCheck lb;
    lb.key = "racks.gini";
    lb.group = app::scenario::LoadGroup::kRacks;
    lb.metric = app::scenario::LoadMetric::kGini;
    lb.limit = 0.3;
    c.load_balance.push_back(lb);
    c.expect = app::scenario::Expect::kFail;
    auto s = app::to_check_spec(c);
    CHECK(s.expect_fail);
    CHECK(s.availability->min == 0.99);
    CHECK(s.latency[0].op == 0);
    CHECK(s.latency[0].per_mille == 999);
    CHECK(s.load_balance[0].group == 2);
    CHECK(s.load_balance[0].metric == reports::LoadMetricKind::kGini);
    app::scenario::ReportConfig r;
    r.outputs = {app::scenario::ReportOutput::kJson};
    r.ops = true;
    auto o = app::to_report_options(r);
    CHECK(o.json);
    CHECK_FALSE(o.html);
    CHECK(o.ops);
}
