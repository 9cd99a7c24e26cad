// reports/checks/linearizable.h: linearizability of every blob's history.
//
// Each blob (account, container, name) is a register: put writes its content
// fingerprint, delete writes "absent", get and head read (not_found reads "absent").
// Linearizability is compositional (Herlihy & Wing), so each blob is checked alone, as
// Porcupine does, with the Wing-Gong/Lowe search: walk the calls in time order, try to
// linearize each pending call, backtrack when a return is reached whose call could not
// be linearized, and memoize (linearized set, register value) so no configuration is
// explored twice. Speed-ups that keep the answer exact:
//  - Unknown outcomes (timeouts, server errors) are Jepsen's :info: a write that may or
//    may not have happened, pending until the end of time. A put of unknown outcome whose
//    content no read ever saw can always be "never applied", so it is dropped; if reads
//    saw it (and no other put wrote the same content) it must have happened before the
//    first of them returned, so it ends there.
//  - A blob's history is cut at quiescent points (no operation in flight); each piece is
//    checked from every value the previous piece can end in.
//  - Prunings that never lose a linearization: a pending read of the current value
//    goes before any write (it changes nothing); no write is tried while reads of the
//    current value remain and no unlinearized write can produce that value again (the
//    reads would be stranded), so a wrong write order dies at once, not at a late
//    return; of several callable writes of one value (deletes), only the one that
//    completes first is tried as the next step.
//  - Dead writes: a write whose value no read of the piece returns is left out of the
//    search, which only checks that each can be slotted in right before a live write
//    (or at the end). Dozens of puts stalled behind a slow disk whose values nobody read
//    no longer make the memo explore their subsets.
//  - The memo stores the linearized set as (first unlinearized call, the few later calls
//    already linearized), so its size follows concurrency, not history length.
//  - A piece whose live writes all write distinct values (not the start value), with no
//    unknown outcome left, is decided without search in O(n log n) by the zone test of
//    Gibbons & Korach (register_zones.h); dead writes count as distinct there.
//  - Deletes all write "absent", so the zone test does not apply as is; but a piece is
//    linearizable iff some assignment of each read of absent to a delete (or the start)
//    makes every delete's value its own and the result passes the zone test. Necessary
//    tests (reads of absent left out; each one alone with each of its possible deletes)
//    prove violations, an assignment that passes (a few rules, then a bounded
//    backtracking over each read's possible deletes) proves linearizability, and
//    exhausting the backtracking proves a violation; only pieces none of these settles
//    are searched. Stalls with dozens of
//    puts and deletes in flight and reads of absent among them (chaos-bug-hunt seeds 1,
//    2, 4, 6: minutes, many pieces inconclusive) are decided this way in milliseconds.
//  - An unknown-outcome delete that no read of absent can follow (all complete before
//    it is invoked) is dropped; the rest stay pending to the end of the blob's history.
//  - The whole check has a step budget (LinearizabilityOptions), so no run's check
//    takes more than a few seconds; blobs it stops are counted inconclusive. A piece
//    left undecided still passes its possible end values on, unproven, so a later
//    piece's failure is a violation only if it fails from every value.
// Proofs are in linearizable.cpp (search) and register_zones.h (zones); tests cross-check
// both against an exhaustive oracle.
// Reads that failed or timed out say nothing and are left out; list is not checked.
//
// Cost: linear in practice. Tests: 300k operations over 3000 blobs in well under a
// second; 113k operations on four blobs with ~10 in flight on each at every instant
// (never quiescent, 1% timeouts) in a few tenths of a second; 120k operations with a
// one-second write stall every ten seconds (hot blobs with ~25 puts in flight, most
// never read) in about 0.1 s. A piece past max_steps_per_piece is reported
// inconclusive, never as a violation.
//
// On a violation the report shows a window: the shortest run of the blob's operations,
// starting at a quiescent point and ending with the first return that cannot be
// explained, that is not linearizable from any starting value. It is a witness on its
// own: nothing outside it could make it linearizable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/observe/history.h"
#include "reports/checks/check.h"

namespace reports {

struct LinearizabilityOptions {
    // Bound on search steps per piece; past it the blob is "inconclusive" (reported,
    // not counted as a violation).
    uint64_t max_steps_per_piece = 20'000'000;
    // Bound on search steps of the whole check (every blob, windows included):
    // max(min_total_steps, total_steps_per_operation * operations), so that no run's
    // check takes more than a few seconds (the search does ~10M steps/s). Searches past
    // it get steps_past_budget each (small pieces are still decided); blobs whose search stops
    // are inconclusive and the check's detail says so. Violation windows come last.
    // Zone tests take no steps and still decide.
    uint64_t min_total_steps = 30'000'000;
    uint64_t total_steps_per_operation = 200;
    uint64_t steps_past_budget = 20'000;
    // Windows are computed for at most this many violating blobs (the earliest is shown).
    int max_windows = 8;
    // Decide pieces with unique written values by the zone test; tests turn it off to
    // cross-check the search on the same histories.
    bool zone_check = true;
};

struct LinearizabilityViolation {
    std::string key;  // "account/container/blob"
    std::vector<uint64_t> window;  // operation ids, by invocation
    sim::Time first_unexplained;   // the return where it broke
};

struct LinearizabilityResult {
    uint64_t histories = 0;  // blobs checked
    uint64_t operations = 0;
    uint64_t violations = 0;  // blobs not linearizable
    uint64_t inconclusive = 0;
    uint64_t unknown_writes = 0;          // writes of unknown outcome seen
    uint64_t unknown_writes_dropped = 0;  // ... of which never observed, so left out
    uint64_t largest_history = 0;
    // Decisions of one piece from one start value (to one end value), by method.
    uint64_t zone_checks = 0;
    uint64_t searches = 0;
    bool budget_exhausted = false;  // the total step budget stopped a blob's search
    std::vector<LinearizabilityViolation> first;  // earliest first, at most max_windows
};

LinearizabilityResult check_linearizable_history(const models::observe::History& history,
                                                 const LinearizabilityOptions& options = {});
CheckResult check_linearizability(const models::observe::History& history,
                                  const LinearizabilityOptions& options = {});

}  // namespace reports
