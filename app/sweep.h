// app/sweep.h: one scenario under many seeds (`stampsim sweep`), spec/cli-and-reports.md.
//
// run_sweep runs the seeds A..B (or the shard I/N of them: seeds s with s % N == I) on
// `jobs` worker threads. Each run is an ordinary run_scenario call, single-threaded and
// deterministic; a World shares no mutable state with another, so runs on separate
// threads cannot influence each other (a determinism check proves it per seed). Runs
// judge only: they write no report folder. The sweep prints a line per seed as it
// finishes, a live progress line on a terminal, and a summary sorted by seed with, per
// failure, the failed checks and the exact `stampsim run` command that reproduces it. It
// writes sweep.json and sweep.csv (runs sorted by seed) into the output folder.
//
// --verify-determinism P reruns P% of the seeds (the same seeds whatever the job count:
// those whose hash of the seed ranks lowest) with an EventLog on both runs; a fingerprint
// mismatch is an internal error (exit 3) and names the first event where the runs parted
// (a second pair of runs records the bracketing window in full).
//
// merge_sweeps joins the sweep.json files of shards into one summary (`sweep --merge`).
//
// Exit code: 0 all passed, 1 a run failed a check, 2 bad input (nothing ran), 3 a run broke
// an internal invariant or a determinism check failed.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace sim {
class Simulation;
}

namespace app {

class Cli;

struct SweepRequest {
    std::string file;
    std::vector<std::string> overrides;  // --set, passed to every run
    uint64_t first_seed = 1;
    uint64_t last_seed = 1;  // inclusive
    int jobs = 1;
    int shard_index = 0;
    int shard_count = 1;
    std::string out_dir;  // empty: runs/NAME-sweep-A-B[-shardI-of-N]; "-": write nothing
    double verify_percent = 0;
    bool quiet = false;     // no per-seed lines, no progress
    bool progress = false;  // live progress line on `err` (a terminal)
    // Test-only: called on each run's world before it runs. attempt: 0 the sweep's run,
    // 1 the determinism rerun, 2 and 3 the pair of runs that record the divergence window.
    std::function<void(uint64_t seed, int attempt, sim::Simulation&)> test_hook;
};

struct SweepRow {
    uint64_t seed = 0;
    int exit_code = 0;
    std::string verdict;  // "pass", "fail", "error"
    uint64_t fingerprint = 0;
    std::vector<std::string> failed_checks;
    std::string error;  // exit 2 or 3: the message
    double wall_s = 0;
    double sim_s = 0;
    uint64_t events = 0;
    uint64_t ops = 0;
    std::string command;      // the `stampsim run` that reproduces it
    std::string determinism;  // "" not rerun, "match", "mismatch"
    std::string divergence;   // with "mismatch": where the runs parted
};

struct SweepResult {
    int exit_code = 0;
    std::string scenario;  // the scenario's name
    std::string file;
    std::vector<std::string> overrides;
    uint64_t first_seed = 0;
    uint64_t last_seed = 0;
    int shard_index = 0;
    int shard_count = 1;
    int jobs = 1;
    double wall_s = 0;
    std::vector<SweepRow> rows;  // sorted by seed
    int passed = 0;
    int failed = 0;
    int errors = 0;              // exit 2 or 3
    int verified = 0;            // seeds rerun for determinism
    int mismatches = 0;
    std::string out_dir;         // where sweep.json went; empty if nowhere
};

// "A..B" (or a single "N") into [first, last]; nullopt with `error` set when malformed.
std::optional<std::pair<uint64_t, uint64_t>> parse_seed_range(const std::string& text, std::string* error);
// "I/N" with 0 <= I < N.
std::optional<std::pair<int, int>> parse_shard(const std::string& text, std::string* error);
// The `stampsim run` command line reproducing one seed, shell-quoted.
std::string reproduce_command(const std::string& file, uint64_t seed, const std::vector<std::string>& overrides);
// The seeds of `seeds` a determinism check reruns: ceil(P% of them), by hash rank.
std::vector<uint64_t> seeds_to_verify(const std::vector<uint64_t>& seeds, double percent);

SweepResult run_sweep(const SweepRequest& request, std::ostream& out, std::ostream& err);

// Reads DIR/sweep.json of each shard, joins their runs (a seed found twice must have the
// same fingerprint, else it is a determinism mismatch), prints the summary and writes
// sweep.json / sweep.csv into out_dir (empty: runs/NAME-sweep-merged; "-": nowhere).
SweepResult merge_sweeps(const std::vector<std::string>& dirs, const std::string& out_dir, std::ostream& out,
                         std::ostream& err);

// `stampsim sweep FILE --seeds A..B [--jobs N] [--shard I/N] [--out DIR] [--set ...]
// [--verify-determinism P] [--quiet]` and `stampsim sweep --merge DIR... [--out DIR]`.
void add_sweep_command(Cli& cli);

}  // namespace app
