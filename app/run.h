// app/run.h: one scenario run from a file to a report folder (`stampsim run`), as a
// function that sweeps and tests call too.
//
// run_scenario: load and validate the file (with --set and --seed), check trace files,
// print the header and the fault schedule, build the World, run it (progress on standard
// error when asked), write the report folder and print the summary. Exit codes are the
// spec's: 0 pass, 1 a check failed, 2 bad input (nothing run), 3 the simulator broke an
// internal invariant (the message gives seed, simulated time and node).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace sim {
class EventLog;
class Simulation;
}  // namespace sim

namespace app {

struct RunRequest {
    std::string file;
    std::vector<std::string> overrides;  // --set
    std::optional<uint64_t> seed;        // --seed
    std::string out_dir;                 // --out; empty: runs/NAME-seedN
    bool quiet = false;                  // no header, schedule or progress
    bool progress = false;               // progress line on `err` (a terminal)
    bool write_outputs = true;           // false: run and judge only (sweeps)
    // Non-empty: the scenario's JSON text, run instead of reading `file` (which still
    // names it in messages; its folder resolves trace paths). `stampsim shrink` runs
    // candidate scenarios this way.
    std::string scenario_text;
    // Records the run's fingerprint folds (determinism checks); not owned.
    sim::EventLog* event_log = nullptr;
    // Called once the world is built, before anything runs (tests perturb runs with it).
    std::function<void(sim::Simulation&)> before_run;
};

struct RunSummary {
    int exit_code = 0;
    uint64_t seed = 0;
    uint64_t fingerprint = 0;
    std::string verdict;  // "pass" / "fail"; empty if nothing ran
    std::vector<std::string> failed_checks;
    std::string error;  // exit 2 / 3: the message
    double wall_s = 0;
    double sim_s = 0;
    uint64_t events = 0;
    uint64_t ops = 0;
    std::string out_dir;
    std::vector<std::string> node_names;  // by node index; only with event_log
};

RunSummary run_scenario(const RunRequest& request, std::ostream& out, std::ostream& err);

// `stampsim run FILE [--seed N] [--out DIR] [--set PATH=VALUE]... [--quiet]`.
class Cli;
void add_run_command(Cli& cli);

}  // namespace app
