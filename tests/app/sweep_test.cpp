// `stampsim sweep`: parallel runs equal serial runs seed for seed, shards merge into the
// unsharded sweep, and the determinism check catches a nondeterministic build.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/cli.h"
#include "tests/app/cli_run.h"
#include "app/sweep.h"
#include "../seed_budget.h"
#include "sim/simulation.h"

namespace {

using CliRun = cli_test::Run;
const auto cli = cli_test::run;

const std::string kChaosSmall = std::string(STAMPSIM_SOURCE_DIR) + "/scenarios/chaos-small.json";
const std::string kOutBase = std::string(STAMPSIM_BINARY_DIR) + "/test-out/sweep";

// The CI sweep: 50 seeds of the small chaos scenario (a tenth, at least 20, under the
// sanitizers). Linearizability is judged elsewhere; proving a violating history
// non-linearizable can take the checker minutes, and this test is about the sweep.
const std::vector<std::string> kOverrides = {"checks.consistency=none"};
const uint64_t kSeeds = static_cast<uint64_t>(testing_budget::clean_sweep_seeds(50));

app::SweepRequest request(int jobs, std::string out_dir) {
    app::SweepRequest r;
    r.file = kChaosSmall;
    r.overrides = kOverrides;
    r.first_seed = 1;
    r.last_seed = kSeeds;
    r.jobs = jobs;
    r.out_dir = std::move(out_dir);
    r.quiet = true;
    return r;
}

// The serial sweep, run once for the test cases of this file.
const app::SweepResult& serial_sweep() {
    static const app::SweepResult result = [] {
        std::ostringstream out, err;
        return app::run_sweep(request(1, kOutBase + "/serial"), out, err);
    }();
    return result;
}

void check_same_rows(const app::SweepResult& a, const app::SweepResult& b) {
    REQUIRE(a.rows.size() == b.rows.size());
    for (size_t i = 0; i < a.rows.size(); ++i) {
        CAPTURE(a.rows[i].seed);
        CHECK(a.rows[i].seed == b.rows[i].seed);
        CHECK(a.rows[i].fingerprint == b.rows[i].fingerprint);
        CHECK(a.rows[i].verdict == b.rows[i].verdict);
        CHECK(a.rows[i].failed_checks == b.rows[i].failed_checks);
        CHECK(a.rows[i].ops == b.rows[i].ops);
        CHECK(a.rows[i].command == b.rows[i].command);
    }
    CHECK(a.passed == b.passed);
    CHECK(a.failed == b.failed);
    CHECK(a.exit_code == b.exit_code);
}

}  // namespace

TEST_CASE("sweep: seed ranges, shards, commands and the determinism sample") {
    std::string error;
    auto r = app::parse_seed_range("3..7", &error);
    REQUIRE(r.has_value());
    CHECK(r->first == 3);
    CHECK(r->second == 7);
    CHECK(app::parse_seed_range("9", &error)->second == 9);
    CHECK_FALSE(app::parse_seed_range("7..3", &error).has_value());
    CHECK_FALSE(app::parse_seed_range("1-5", &error).has_value());
    CHECK(error.find("--seeds") != std::string::npos);
    auto s = app::parse_shard("2/4", &error);
    REQUIRE(s.has_value());
    CHECK(s->first == 2);
    CHECK_FALSE(app::parse_shard("4/4", &error).has_value());
    CHECK_FALSE(app::parse_shard("x", &error).has_value());
    CHECK(app::reproduce_command("scenarios/a b.json", 7, {"duration=30s", "debug.bug=x y"}) ==
          "stampsim run 'scenarios/a b.json' --seed 7 --set duration=30s --set 'debug.bug=x y'");

    std::vector<uint64_t> seeds;
    for (uint64_t i = 1; i <= 200; ++i) seeds.push_back(i);
    const auto v = app::seeds_to_verify(seeds, 5);
    CHECK(v.size() == 10);
    CHECK(app::seeds_to_verify(seeds, 5) == v);
    CHECK(app::seeds_to_verify(seeds, 100).size() == 200);
    CHECK(app::seeds_to_verify({4}, 1).size() == 1);
    CHECK(app::seeds_to_verify(seeds, 0).empty());
}

TEST_CASE("sweep: 2 jobs give the serial sweep, seed for seed") {
    const app::SweepResult& serial = serial_sweep();
    REQUIRE(serial.rows.size() == kSeeds);
    CHECK(serial.errors == 0);
    std::ostringstream out, err;
    const app::SweepResult parallel = app::run_sweep(request(2, kOutBase + "/parallel"), out, err);
    check_same_rows(serial, parallel);
    MESSAGE(kSeeds << " seeds: " << serial.passed << " passed, " << serial.failed << " failed; serial "
                   << serial.wall_s << " s, 2 jobs " << parallel.wall_s << " s");

    // sweep.json: the spec's keys, runs sorted by seed.
    std::ifstream in(kOutBase + "/parallel/sweep.json");
    const auto j = nlohmann::json::parse(in);
    CHECK(j["scenario"] == "chaos-small");
    CHECK(j["seeds"] == kSeeds);
    CHECK(j["passed"] == serial.passed);
    CHECK(j["failed"] == serial.failed);
    REQUIRE(j["runs"].size() == kSeeds);
    for (size_t i = 0; i < j["runs"].size(); ++i) {
        const auto& row = j["runs"][i];
        CHECK(row["seed"] == i + 1);
        for (const char* key : {"verdict", "fingerprint", "failed_checks", "command", "wall_s", "ops"}) {
            CHECK(row.contains(key));
        }
    }
    CHECK(std::filesystem::exists(kOutBase + "/parallel/sweep.csv"));
}

TEST_CASE("sweep: shards 0/2 and 1/2 merged equal the unsharded sweep") {
    const app::SweepResult& serial = serial_sweep();
    std::ostringstream out, err;
    for (int shard = 0; shard < 2; ++shard) {
        app::SweepRequest r = request(2, kOutBase + "/shard" + std::to_string(shard));
        r.shard_index = shard;
        r.shard_count = 2;
        const app::SweepResult part = app::run_sweep(r, out, err);
        CHECK(part.rows.size() == kSeeds / 2);
        for (const auto& row : part.rows) CHECK(row.seed % 2 == static_cast<uint64_t>(shard));
    }
    const app::SweepResult merged =
        app::merge_sweeps({kOutBase + "/shard0", kOutBase + "/shard1"}, kOutBase + "/merged", out, err);
    check_same_rows(serial, merged);

    // The same through the command line.
    auto m = cli({"sweep", "--merge", kOutBase + "/shard1", kOutBase + "/shard0", "--out", kOutBase + "/merged-cli"});
    CHECK(m.code == serial.exit_code);
    CHECK(m.out.find(std::to_string(serial.passed) + " passed") != std::string::npos);
    // A shard of another sweep does not merge.
    auto bad = cli({"sweep", "--merge", kOutBase + "/shard0", kOutBase + "/no-such-folder", "--out", "-"});
    CHECK(bad.code == 2);
}

TEST_CASE("sweep: --verify-determinism catches a nondeterministic build and names the event") {
    app::SweepRequest r = request(2, "-");
    r.last_seed = 3;
    r.overrides.push_back("duration=10s");
    r.overrides.push_back("chaos.end=10s");
    r.verify_percent = 100;
    std::ostringstream out, err;
    const app::SweepResult clean = app::run_sweep(r, out, err);
    CHECK(clean.verified == 3);
    CHECK(clean.mismatches == 0);

    // A "build" that perturbs seed 2 on every other run: one extra event at 700 ms.
    r.test_hook = [](uint64_t seed, int attempt, sim::Simulation& s) {
        if (seed == 2 && attempt % 2 == 1) s.schedule(sim::Time::zero() + sim::Duration::millis(700), [] {});
    };
    std::ostringstream out2, err2;
    const app::SweepResult broken = app::run_sweep(r, out2, err2);
    CHECK(broken.exit_code == 3);
    CHECK(broken.mismatches == 1);
    REQUIRE(broken.rows.size() == 3);
    CHECK(broken.rows[0].determinism == "match");
    CHECK(broken.rows[1].determinism == "mismatch");
    CHECK(broken.rows[2].determinism == "match");
    const std::string& d = broken.rows[1].divergence;
    MESSAGE(d);
    CHECK(d.find("first diverging event") != std::string::npos);
    CHECK(d.find("run 2 event #") != std::string::npos);
    CHECK(d.find("at 0.700000000s: kernel.timer") != std::string::npos);
    CHECK(err2.str().find("DETERMINISM MISMATCH seed 2") != std::string::npos);
    CHECK(out2.str().find("DETERMINISM MISMATCH seed 2") != std::string::npos);
}

TEST_CASE("sweep: the command line, bad input and the reproduce commands") {
    auto ok = cli({"sweep", kChaosSmall, "--seeds", "5..6", "--jobs", "2", "--set", "duration=10s", "--set",
                   "chaos.end=10s", "--set", "checks.consistency=none", "--out", kOutBase + "/cli"});
    CHECK((ok.code == 0 || ok.code == 1));
    CHECK(ok.out.find("seed 5") != std::string::npos);
    CHECK(ok.out.find("2 seeds") != std::string::npos);
    CHECK(std::filesystem::exists(kOutBase + "/cli/sweep.json"));

    CHECK(cli({"sweep", kChaosSmall, "--seeds", "9..2"}).code == 2);
    CHECK(cli({"sweep", kChaosSmall, "--seeds", "1..2", "--shard", "2/2"}).code == 2);
    CHECK(cli({"sweep", kChaosSmall}).code == 2);
    auto missing = cli({"sweep", "no-such-file.json", "--seeds", "1..2"});
    CHECK(missing.code == 2);
    CHECK(missing.out.find("seed 1") == std::string::npos);  // nothing ran
    auto bad_set = cli({"sweep", kChaosSmall, "--seeds", "1..2", "--set", "duration=fast"});
    CHECK(bad_set.code == 2);
    CHECK(bad_set.err.find("/duration") != std::string::npos);
}
