// `stampsim run`, in-process as a user types it: the report folder of a real run (every
// file, report.json valid against its schema), the exit codes of the spec (0 pass, 1 a
// check failed, 2 bad input and nothing run), `expect: fail`, --seed and --quiet.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli.h"
#include "tests/app/cli_run.h"
#include "reports/json_schema.h"

namespace {

using cli_test::run;
using Run = cli_test::Run;

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

const std::string kScenarios = std::string(STAMPSIM_SOURCE_DIR) + "/scenarios/";
const std::string kOut = std::string(STAMPSIM_BINARY_DIR) + "/test-out/run_cli/";

}  // namespace

TEST_CASE("stampsim run writes the report folder of a real run; report.json matches its schema") {
    const std::string dir = kOut + "quickstart";
    std::filesystem::remove_all(dir);
    const Run r = run({"run", kScenarios + "quickstart.json", "--set", "duration=30s", "--set", "drain=5s", "--set",
                       "report.ops=true", "--set", "report.trace=true", "--out", dir});
    INFO(r.out);
    INFO(r.err);
    CHECK(r.code == 0);
    CHECK(r.out.find("verdict: pass") != std::string::npos);
    for (const char* f : {"report.json", "summary.txt", "timeseries.csv", "ops.csv", "report.html", "trace.json"}) {
        CHECK_MESSAGE(std::filesystem::file_size(dir + "/" + f) > 0, f);
    }
    auto schema = reports::JsonSchema::compile(reports::SchemaJson::parse(slurp(std::string(STAMPSIM_SOURCE_DIR) +
                                                                               "/reports/report_schema.json")));
    REQUIRE(schema.has_value());
    const auto report = reports::SchemaJson::parse(slurp(dir + "/report.json"));
    const auto errors = schema->validate(report);
    for (const auto& e : errors) MESSAGE(e.instance_pointer << ": " << e.message);
    CHECK(errors.empty());
    // The run's own figures, not placeholders.
    CHECK(report["ops"]["all"]["count"].get<uint64_t>() > 20000);
    CHECK(report["ops"]["put"]["latency_ms"]["p50"].get<double>() > 1.0);
    CHECK(report["scenario"]["resolved"]["duration"] == "30s");
    CHECK(report["checks"]["durability"]["held"] == true);
    CHECK(report["load_balance"]["extent_nodes"]["mean"].get<double>() > 0);
    // The summary printed is the one written.
    CHECK(r.out.find(slurp(dir + "/summary.txt").substr(0, 40)) != std::string::npos);
}

TEST_CASE("stampsim run exit codes: 2 for bad input (nothing written), 1 for a failed check, 0 for expect: fail") {
    const std::string dir = kOut + "bad";
    std::filesystem::remove_all(dir);
    const Run bad = run({"run", kScenarios + "quickstart.json", "--set", "duration=ten", "--out", dir});
    CHECK(bad.code == 2);
    CHECK(bad.err.find("/duration") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir));
    CHECK(run({"run", kScenarios + "no-such-file.json"}).code == 2);

    // All replicas of some extents lost: durability must fail. As written, the scenario
    // expects it (exit 0); told to expect a pass, the same run exits 1.
    const Run expected = run({"run", kScenarios + "lost-replicas-expect-fail.json", "--quiet", "--out", kOut + "lost"});
    INFO(expected.out);
    CHECK(expected.code == 0);
    const Run failed = run({"run", kScenarios + "lost-replicas-expect-fail.json", "--quiet", "--set",
                            "checks.expect=pass", "--out", kOut + "lost-pass"});
    CHECK(failed.code == 1);
    CHECK(failed.out.find("verdict fail") != std::string::npos);
}

TEST_CASE("stampsim run --seed replaces the file's seed, and --quiet prints one line") {
    const Run a = run({"run", kScenarios + "quickstart.json", "--quiet", "--set", "duration=12s", "--set", "drain=2s",
                       "--seed", "9", "--out", kOut + "seed9"});
    CHECK(a.code == 0);
    CHECK(a.out.rfind("fingerprint ", 0) == 0);
    CHECK(a.out.find('\n') == a.out.size() - 1);
    const auto report = nlohmann::json::parse(slurp(kOut + "seed9/report.json"));
    CHECK(report["seed"] == 9);
}
