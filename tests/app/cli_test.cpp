// The command line, run in-process: --help, --version, validate, exit codes.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli.h"
#include "tests/app/cli_run.h"

namespace {

using cli_test::run;
using Run = cli_test::Run;

const std::string kScenarios = std::string(STAMPSIM_SOURCE_DIR) + "/scenarios/";

}  // namespace

TEST_CASE("--version and --help exit 0") {
    auto v = run({"--version"});
    CHECK(v.code == 0);
    CHECK(v.out == std::string("stampsim ") + STAMPSIM_VERSION + "\n");
    auto h = run({"--help"});
    CHECK(h.code == 0);
    CHECK(h.out.find("validate") != std::string::npos);
    auto vh = run({"validate", "--help"});
    CHECK(vh.code == 0);
    CHECK(vh.out.find("--set") != std::string::npos);
}

TEST_CASE("bad command lines exit 2") {
    CHECK(run({}).code == 2);
    CHECK(run({"frobnicate"}).code == 2);
    CHECK(run({"validate"}).code == 2);
    CHECK(run({"validate", "--no-such-flag", kScenarios + "quickstart.json"}).code == 2);
}

TEST_CASE("validate prints ok for every shipped scenario") {
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(kScenarios)) {
        if (e.path().extension() == ".json") files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    std::vector<std::string> args = {"validate"};
    args.insert(args.end(), files.begin(), files.end());
    auto r = run(args);
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    // scenarios/*.json includes the schema, which is checked as a schema.
    std::string expected;
    for (const auto& f : files) {
        expected += f + (f.ends_with("/schema.json") ? ": ok (a JSON Schema)\n" : ": ok\n");
    }
    CHECK(r.out == expected);
}

TEST_CASE("validate reports every error of every bad file and exits 2") {
    auto r = run({"validate", kScenarios + "quickstart.json", "/nonexistent.json",
                  kScenarios + "rack-failure.json", "--set", "storage.stream.replicas=9", "--set",
                  "duration=1s"});
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    const std::string q = kScenarios + "quickstart.json";
    const std::string k = kScenarios + "rack-failure.json";
    const std::string six = "6 replicas (the racks of stamp \"w1\", each replica on its own rack)";
    const std::string eight = "8 replicas (the racks of stamp \"w1\", each replica on its own rack)";
    CHECK(r.err ==
          q + ": /checks/availability/window: expected a window <= duration (1s), got \"10s\"\n" +
              q + ": /storage/stream/replicas: expected at most " + six + ", got 9\n" +
              "/nonexistent.json: no such file\n" +
              k + ": /storage/stream/replicas: expected at most " + eight + ", got 9\n" +
              k + ": /workloads/1/end: expected an end <= duration (1s), got \"150s\"\n" +
              k + ": /faults/0/at: expected a time before the duration (1s), got \"90s\"\n" +
              k + ": /checks/availability/window: expected a window <= duration (1s), got \"10s\"\n");
}

TEST_CASE("validate --print-resolved shows the scenario as run") {
    auto r = run({"validate", "--print-resolved", kScenarios + "quickstart.json", "--set",
                  "seed=7"});
    CHECK(r.code == 0);
    CHECK(r.out.find("\"seed\": 7") != std::string::npos);
    CHECK(r.out.find("\"drain\": \"30s\"") != std::string::npos);
}
