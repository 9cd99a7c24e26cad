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
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace app {

struct RunRequest {
    std::string file;
    std::vector<std::string> overrides;  // --set
    std::optional<uint64_t> seed;        // --seed
    std::string out_dir;                 // --out; empty: runs/NAME-seedN
    bool quiet = false;                  // no header, schedule or progress
    bool progress = false;               // progress line on `err` (a terminal)
    bool write_outputs = true;           // false: run and judge only (sweeps)
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
};

RunSummary run_scenario(const RunRequest& request, std::ostream& out, std::ostream& err);

// `stampsim run FILE [--seed N] [--out DIR] [--set PATH=VALUE]... [--quiet]`.
class Cli;
void add_run_command(Cli& cli);

}  // namespace app
