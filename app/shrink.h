// app/shrink.h: the smallest scenario that still fails the same way (`stampsim shrink`).
//
// Given a scenario and a seed whose run fails a check (or breaks an internal invariant),
// shrink_scenario
//   1. materialises the seed's chaos schedule into explicit faults (app/fault_json.h)
//      beside the scripted ones, removes "chaos" and checks that this explicit scenario
//      still fails (it replays the same run, bit for bit, when nothing else changed);
//   2. removes faults greedily (halves, quarters, ... then one at a time, ddmin style)
//      while the same check still fails;
//   3. shortens each remaining fault ("for", "restart_after", "per_domain");
//   4. trims the load duration down towards the last fault's start;
// and writes the smallest scenario found as JSON: seed set, chaos gone, faults explicit,
// "expect": "fail", a description of where it came from. Candidate runs only judge (no
// report folders) and may run `jobs` at a time: a batch's first still-failing candidate
// in order wins, so the result does not depend on the job count. Every candidate is a
// whole run; max_runs bounds the search.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace app {

class Cli;

struct ShrinkRequest {
    std::string file;
    std::vector<std::string> overrides;  // --set, applied before shrinking (kept in the output)
    uint64_t seed = 1;
    std::string out_file;  // empty: runs/NAME-seedN-shrunk.json
    std::string check;     // the check that must keep failing; empty: the first that failed
    int jobs = 1;
    int max_runs = 200;
    bool quiet = false;
};

struct ShrinkResult {
    int exit_code = 0;     // 0 written; 1 the materialised schedule no longer fails; 2 bad input
    std::string target;    // the check kept failing ("internal invariant" for exit 3)
    int faults_before = 0;  // scripted + chaos, materialised
    int faults_after = 0;
    std::string duration_before;
    std::string duration_after;
    int runs = 0;                     // candidate runs made
    bool bit_for_bit = false;         // the explicit schedule replayed the original fingerprint
    uint64_t fingerprint = 0;         // of the shrunk scenario's run
    nlohmann::ordered_json scenario;  // the shrunk scenario
    std::string out_file;
};

ShrinkResult shrink_scenario(const ShrinkRequest& request, std::ostream& out, std::ostream& err);

// `stampsim shrink FILE --seed N [--out FILE] [--set ...] [--check NAME] [--jobs N]
// [--max-runs N] [--quiet]`.
void add_shrink_command(Cli& cli);

}  // namespace app
