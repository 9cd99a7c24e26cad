#include "reports/checks/linearizable.h"

#include <algorithm>
#include <limits>
#include <sstream>
#include <unordered_map>
#include <utility>

#include "reports/checks/register_zones.h"
#include "sim/check.h"

namespace reports {

namespace obs = models::observe;

namespace {

constexpr int64_t kInf = std::numeric_limits<int64_t>::max();
constexpr uint32_t kAbsent = 0;
constexpr uint32_t kWild = 1;  // "any value": the state at the start of a window
constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

struct LinOp {
    uint64_t id = 0;
    int64_t invoke = 0;
    int64_t complete = 0;  // kInf: unknown outcome, pending forever
    bool write = false;
    uint32_t value = kAbsent;
};

enum class Verdict { kOk, kViolation, kInconclusive };

uint64_t mix64(uint64_t x) {
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// The Wing-Gong/Lowe search over one piece of one blob's history, with reusable buffers,
// and the zone test (register_zones.h) for the pieces it decides.
//
// Dead writes. A write is dead in a run when no read of the run (the final read
// included) returns its value. The search leaves dead writes out of the event list and
// only asks that each can be slotted in; that removes the subsets of concurrent dead
// writes (dozens of puts stalled behind a slow disk, whose values nobody read) from the
// memo, where they made the search exponential. Why that is exact:
//  (A) In a linearization L a dead write d is followed by a write or ends L (a read
//      right after it would return its value). With a final read it cannot end L.
//  (B) So d's value is never seen: taking d out of L leaves L legal, and d may go into
//      any gap of L that sits right before a live (non-dead) write, or at the end when
//      there is no final read, as long as real time allows it there: every operation
//      before the gap is invoked no later than d completes (P), and every operation after
//      it completes no earlier than d is invoked (Q).
//  (C) Each dead write needing such a gap on its own is enough: if d1 precedes d2 in real
//      time, the latest gap allowed for d1 is no later than the latest allowed for d2 (P
//      for d1 implies P for d2; if d1's latest gap fails Q for d2, d2's gaps are all
//      later), and dead writes sharing a gap go in real-time order.
// The search builds the live part of L in order and tracks which dead writes have had a
// gap. When a live write y is linearized, the gap before it has Q exactly for the dead
// writes invoked no later than the bound: the earliest complete among the live
// operations still to go (y included), i.e. the first return left in the event list. It
// has P for every dead write d not yet placed: a dead write not yet placed forbids
// linearizing a read invoked after it completed (the barrier: that read would be in P of
// every later gap), and each live write p already in was linearized while d was not
// placed, so d was invoked after the bound at p's step, which is at least p's own
// invocation. So y places exactly the not-yet-placed dead writes invoked by the bound.
// The bound only grows along a path, so the dead writes placed are always a prefix of
// them in invoke order, and one count (satisfied_) says which; it is part of the memo
// key. A write is never stopped by the barrier: a callable write invoked after d
// completed has the bound past d's invocation, so it places d. A run without a final
// read places the leftovers at the end, where P holds by the barrier. A dead write of
// unknown outcome is dropped: by (B) leaving it out of L keeps L legal (with no final
// read, L may end in it; then the run's end value is free anyway). The read-first
// pruning stays exact when it only counts reads the barrier lets through: moving such a
// read earlier keeps (P) for every dead write not yet placed, and (Q) only gains; a dead
// write already placed keeps its gap in the prefix.
class Searcher {
public:
    // total_steps: the steps all searches of this searcher may take together.
    Searcher(const std::vector<uint8_t>& allowed, uint64_t max_steps, uint64_t total_steps,
             uint64_t steps_past_budget, bool use_zones)
        : allowed_(allowed),
          max_steps_(max_steps),
          total_left_(total_steps),
          steps_past_budget_(steps_past_budget),
          use_zones_(use_zones) {}

    // Linearizes ops[begin, end) from `start`. With final_read != kNone a read of that
    // value is added after everything, so success means the piece can end in it. On
    // success *final_state is the register's value after the piece.
    // REQUIRES: final_state is null or the piece has no writes.
    Verdict run(const std::vector<LinOp>& ops, size_t begin, size_t end, uint32_t start,
                uint32_t final_read, uint32_t* final_state) {
        load(ops, begin, end, start, final_read);
        SIM_ASSERT(final_state == nullptr || dead_.empty(),
                   "an end value asked of a piece with writes");
        if (use_zones_ && final_state == nullptr && zones_apply(start)) {
            ++zone_runs_;
            zone_ops_.clear();
            for (const LinOp& o : ops_)
                zone_ops_.push_back({o.invoke, o.complete, o.write, o.value});
            for (const LinOp& o : dead_)
                zone_ops_.push_back({o.invoke, o.complete, true, kZoneUnread});
            return zones_.linearizable(zone_ops_, start) ? Verdict::kOk : Verdict::kViolation;
        }
        if (use_zones_ && final_state == nullptr && absent_zones_apply(start)) {
            // Deletes repeat "absent": a necessary test and sufficient ones, each a zone
            // test (see absent_zone_verdict); undecided pieces go on to the search.
            Verdict v = absent_zone_verdict(start);
            if (v != Verdict::kInconclusive) {
                ++zone_runs_;
                return v;
            }
        }
        ++search_runs_;
        load_events();
        return search(start, final_state);
    }

    uint64_t zone_runs() const { return zone_runs_; }
    // Whether a search stopped because the total budget ran out (not its own bound).
    bool total_budget_hit() const { return total_budget_hit_; }
    uint64_t search_runs() const { return search_runs_; }

private:
    struct Event {
        int64_t time;
        bool is_return;
        int op;
    };
    struct Frame {
        int op;
        uint32_t state_before;
        uint32_t satisfied_before;
    };

    Verdict search(uint32_t start, uint32_t* final_state) {
        const int n = static_cast<int>(ops_.size());
        const int head = 2 * n;
        uint32_t state = start;
        int entry = next_[head];
        uint64_t steps = 0;
        // Past the total budget, searches still get a few steps: small pieces are still
        // decided, the hard ones stop soon.
        const uint64_t limit = std::min(max_steps_, std::max(total_left_, steps_past_budget_));
        stack_.clear();
        cache_.clear();
        pool_.clear();
        satisfied_ = 0;
        while (next_[head] != -1) {
            if (++steps > limit) {
                total_left_ -= std::min(total_left_, limit);
                if (limit < max_steps_) total_budget_hit_ = true;
                return Verdict::kInconclusive;
            }
            const Event& ev = events_[entry];
            if (!ev.is_return) {
                const int op = ev.op;
                const LinOp& o = ops_[op];
                if (!o.write && o.invoke > barrier()) {
                    // A dead write not yet placed completed before this read was invoked.
                    entry = next_[entry];
                    continue;
                }
                if (o.write && o.value != state && state_still_needed(state)) {
                    // Reads of the current value remain and nothing left can write it
                    // again: any write now strands them, so the branch is dead.
                    entry = next_[entry];
                    continue;
                }
                if (o.write && read_of_state_pending(entry, state)) {
                    // A pending read of the current value may go first without loss of
                    // generality (it changes nothing and no return stands between), so
                    // trying this write before it is never needed.
                    entry = next_[entry];
                    continue;
                }
                if (o.write && unlinearized_writes_[o.value] > 1 && earlier_twin_callable(op)) {
                    // Symmetry: another callable write of the same value completes first;
                    // linearizing that one first is never worse (see earlier_twin_callable).
                    entry = next_[entry];
                    continue;
                }
                uint32_t after = 0;
                if (step(state, o, &after)) {
                    const uint32_t satisfied_before = satisfied_;
                    if (o.write) satisfied_ = dead_placed_before(first_return_time(entry));
                    set(op);
                    if (remember(after)) {
                        stack_.push_back({op, state, satisfied_before});
                        state = after;
                        lift(op);
                        entry = next_[head];
                        continue;
                    }
                    clear(op);
                    satisfied_ = satisfied_before;
                }
                entry = next_[entry];
            } else {
                if (stack_.empty()) {
                    total_left_ -= std::min(total_left_, steps);
                    return Verdict::kViolation;
                }
                const Frame f = stack_.back();
                stack_.pop_back();
                state = f.state_before;
                satisfied_ = f.satisfied_before;
                clear(f.op);
                unlift(f.op);
                entry = next_[call_[f.op]];
            }
        }
        total_left_ -= std::min(total_left_, steps);
        if (final_state) *final_state = state;
        return Verdict::kOk;
    }

    bool step(uint32_t state, const LinOp& op, uint32_t* after) const {
        if (op.write) {
            *after = op.value;
            return true;
        }
        if (state == op.value || (state == kWild && allowed_[op.value])) {
            *after = op.value;
            return true;
        }
        return false;
    }

    bool state_still_needed(uint32_t state) const {
        // A start state no op of this piece mentions is needed by none of them.
        if (state == kWild || state >= unlinearized_reads_.size()) return false;
        return unlinearized_reads_[state] > 0 && unlinearized_writes_[state] == 0;
    }

    // Whether a call after `entry` and before the next return is a read of `state` that
    // the barrier lets through.
    bool read_of_state_pending(int entry, uint32_t state) const {
        if (state == kWild) return false;  // a read from kWild chooses the value: not free
        const int64_t bar = barrier();
        for (int e = next_[entry]; e != -1 && !events_[e].is_return; e = next_[e]) {
            const LinOp& o = ops_[events_[e].op];
            if (!o.write && o.value == state && o.invoke <= bar) return true;
        }
        return false;
    }

    // Whether another callable write of op's value comes first in (complete, index)
    // order. Then a linearization that continues with op gives one that continues with
    // that write t instead: swap the two (same value, so every read sees the same).
    // Real time holds: t is callable, so nothing left must precede it; everything
    // between the two places was before t in L, so invoked no later than t completed,
    // which is no later than op completes; op is callable too, so everything after
    // completes no earlier than op was invoked. Dead writes keep their gaps: a gap
    // between the two places now has t before it instead of op and op after it instead
    // of t; (Q) only gains (op completes no earlier than t), and (P) can fail for a dead
    // write d only if t was invoked after d completed; then every live operation still
    // to go completes after d (t is callable), so the gap right after the prefix, before
    // t, serves d. The write t is not pruned itself: the stranding rules treat writes of
    // one value alike, and t comes first in the order.
    bool earlier_twin_callable(int op) const {
        const LinOp& o = ops_[op];
        for (int e = next_[2 * static_cast<int>(ops_.size())]; e != -1 && !events_[e].is_return;
             e = next_[e]) {
            const int t = events_[e].op;
            if (t == op || !ops_[t].write || ops_[t].value != o.value) continue;
            if (ops_[t].complete < o.complete || (ops_[t].complete == o.complete && t < op))
                return true;
        }
        return false;
    }

    // The time of the first return left in the event list after `entry` (a call): the
    // earliest complete among the live operations not yet linearized.
    int64_t first_return_time(int entry) const {
        int e = entry;
        while (!events_[e].is_return) e = next_[e];
        return events_[e].time;
    }

    // How many dead writes (in invoke order) are invoked no later than `bound`.
    uint32_t dead_placed_before(int64_t bound) const {
        auto it = std::upper_bound(dead_invoke_.begin() + satisfied_, dead_invoke_.end(), bound);
        return static_cast<uint32_t>(it - dead_invoke_.begin());
    }

    // The earliest complete of a dead write not yet placed (kInf: none).
    int64_t barrier() const { return dead_min_complete_[satisfied_]; }

    // Splits the run into its live operations (ops_, the final read last) and its dead
    // writes of known outcome (dead_); ops come sorted by invocation, and so do both.
    void load(const std::vector<LinOp>& ops, size_t begin, size_t end, uint32_t start,
              uint32_t final_read) {
        uint32_t values = std::max(kWild, start == kWild ? 0 : start) + 1;
        int64_t last = 0;
        for (size_t i = begin; i < end; ++i) {
            values = std::max(values, ops[i].value + 1);
            last = std::max(last, ops[i].complete);
        }
        if (final_read != kNone) {
            SIM_ASSERT(last < kInf - 2, "a final read after an unknown-outcome write");
            values = std::max(values, final_read + 1);
        }
        read_.assign(values, 0);
        for (size_t i = begin; i < end; ++i)
            if (!ops[i].write) read_[ops[i].value] = 1;
        if (final_read != kNone) read_[final_read] = 1;
        ops_.clear();
        dead_.clear();
        for (size_t i = begin; i < end; ++i) {
            const LinOp& o = ops[i];
            if (o.write && !read_[o.value]) {
                if (o.complete != kInf) dead_.push_back(o);
                continue;
            }
            ops_.push_back(o);
        }
        if (final_read != kNone) ops_.push_back(LinOp{0, last + 1, last + 1, false, final_read});
        unlinearized_reads_.assign(values, 0);
        unlinearized_writes_.assign(values, 0);
        for (const auto& o : ops_)
            ++(o.write ? unlinearized_writes_ : unlinearized_reads_)[o.value];
    }

    // Whether the zone test applies: a known start, every live value written at most
    // once and not the start value, no unknown outcome left. Dead writes each get a value
    // of their own there (kZoneUnread), which changes nothing since nothing reads theirs.
    bool zones_apply(uint32_t start) const {
        if (start == kWild) return false;
        for (const LinOp& o : ops_) {
            if (o.complete == kInf) return false;
            if (o.write && (o.value == start || unlinearized_writes_[o.value] > 1)) return false;
        }
        return true;
    }

    // Whether the zone test with deletes applies: a known start, every live put's value
    // written once and not the start value, no unknown outcome left but deletes', and at
    // least one delete (else zones_apply decided).
    bool absent_zones_apply(uint32_t start) const {
        if (start == kWild) return false;
        bool deletes = false;
        for (const LinOp& o : ops_) {
            const bool del = o.write && o.value == kAbsent;
            deletes |= del;
            if (o.complete == kInf && !del) return false;
            if (o.write && !del && (o.value == start || unlinearized_writes_[o.value] > 1))
                return false;
        }
        return deletes;
    }

    // Deletes in the zone test. The puts' values are unique but deletes all write
    // "absent". Lemma: the run is linearizable iff some assignment of each read of absent
    // to one delete (or, when the run starts absent, to the start) makes the history in
    // which every delete writes a value of its own, and each read of absent reads its
    // delete's value, linearizable.
    //  (if) A linearization of the relabeled history is one of the run: every relabeled
    //      value of a delete stands for "absent", so every read still sees the register.
    //  (only if) In a linearization L of the run, give each read of absent the last write
    //      before it in L (a delete, or none: the start). L is legal for that relabeling.
    // An unknown-outcome delete given no read is left out (it may never have happened);
    // one given reads happened, before them, and its complete is +inf in the zone test,
    // which the test takes as is (its cluster's f comes from the reads).
    // So:
    //  - Necessary (N): the history without the reads of absent, every delete of known
    //    outcome writing a value nobody reads and unknown deletes left out, is
    //    linearizable (a linearization of the run stays one when reads are taken out;
    //    relabeling writes whose values nobody reads, or dropping unknown ones, keeps it).
    //  - Necessary (N_r), for each read r of absent: for some target t of r (a delete
    //    invoked by r's complete, or the start if absent), that history plus r alone,
    //    given to t, is linearizable (take the lemma's assignment and drop the other
    //    reads of absent, as in (N)). The targets passing are r's candidates.
    //  - Sufficient: any one assignment whose relabeled history passes the zone test.
    //    A few natural assignments among the candidates are tried (absent_assignment),
    //    then a bounded backtracking over the candidates, read by read, that keeps a
    //    partial assignment only while it passes (adding reads to clusters only widens
    //    zones, so a failing partial assignment fails every extension). Exhausting it
    //    proves a violation; running out of its bound decides nothing (kInconclusive
    //    here: the search decides).
    // Each is one zone test, so this costs O(reads of absent * deletes * n log n).
    Verdict absent_zone_verdict(uint32_t start) {
        const uint32_t base = static_cast<uint32_t>(read_.size()) + 1;
        dels_.clear();
        absent_reads_.clear();
        for (size_t i = 0; i < ops_.size(); ++i) {
            if (ops_[i].value != kAbsent) continue;
            (ops_[i].write ? dels_ : absent_reads_).push_back(static_cast<int>(i));
        }
        target_.assign(ops_.size(), kSkip);
        used_.assign(dels_.size(), 0);
        build_zone_ops(base);
        if (!zones_.linearizable(zone_ops_, start)) return Verdict::kViolation;
        // Candidates of each read of absent: (read, target) pairs, targets kAbsent (the
        // start) or base + index in dels_.
        // The candidate and greedy phases take O(reads * deletes) zone tests; on a piece
        // so large that this would be slow (an unknown delete kept pending to the end of
        // a long history), every delete invoked in time is a candidate, only the rules
        // are tried, and the search decides the rest as before.
        const bool thorough = static_cast<double>(absent_reads_.size()) *
                                  static_cast<double>(dels_.size() + 1) *
                                  static_cast<double>(ops_.size() + dead_.size()) <
                              kMaxZoneWork;
        candidates_.clear();
        candidate_begin_.clear();
        for (int r : absent_reads_) {
            candidate_begin_.push_back(static_cast<uint32_t>(candidates_.size()));
            const LinOp& o = ops_[static_cast<size_t>(r)];
            auto feasible = [&](uint32_t t) {
                if (!thorough) return true;
                target_[static_cast<size_t>(r)] = t;
                if (t != kAbsent) used_[t - base] = 1;
                build_zone_ops(base);
                const bool ok = zones_.linearizable(zone_ops_, start);
                target_[static_cast<size_t>(r)] = kSkip;
                if (t != kAbsent) used_[t - base] = 0;
                return ok;
            };
            if (start == kAbsent && feasible(kAbsent)) candidates_.push_back(kAbsent);
            for (size_t k = 0; k < dels_.size(); ++k) {
                if (ops_[static_cast<size_t>(dels_[k])].invoke > o.complete) continue;
                const uint32_t t = base + static_cast<uint32_t>(k);
                if (feasible(t)) candidates_.push_back(t);
            }
            if (candidates_.size() == candidate_begin_.back()) return Verdict::kViolation;
        }
        candidate_begin_.push_back(static_cast<uint32_t>(candidates_.size()));
        for (int rule = 0; rule < kAssignmentRules; ++rule) {
            absent_assignment(base, rule);
            build_zone_ops(base);
            if (zones_.linearizable(zone_ops_, start)) return Verdict::kOk;
        }
        if (!thorough) return Verdict::kInconclusive;
        // Backtracking: give the reads of absent their targets one at a time (rule 1's
        // first, then every other candidate), keeping each only if the zone test still
        // passes with the ones given so far; a read with no target left takes the one
        // before it back to its next candidate. Bounded: past kMaxBacktrackTests zone
        // tests (beyond one pass) the search below decides.
        absent_assignment(base, 1);
        preferred_.assign(target_.begin(), target_.end());
        std::fill(target_.begin(), target_.end(), kSkip);
        std::fill(used_.begin(), used_.end(), 0);
        const size_t reads = absent_reads_.size();
        // next_try[j]: the next candidate of read j to try (first - 1: its preferred one).
        std::vector<int64_t> next_try(reads + 1, 0);
        uses_.assign(dels_.size(), 0);
        auto give = [&](size_t r, uint32_t t, int delta) {
            if (t == kAbsent || t == kSkip) return;
            uses_[t - base] = static_cast<uint32_t>(static_cast<int64_t>(uses_[t - base]) + delta);
            used_[t - base] = uses_[t - base] > 0 ? 1 : 0;
            (void)r;
        };
        uint64_t tests = 0;
        const uint64_t max_tests = static_cast<uint64_t>(reads) * (dels_.size() + 2) + kMaxBacktrackTests;
        size_t j = 0;
        next_try[0] = static_cast<int64_t>(candidate_begin_[0]) - 1;
        while (j < reads) {
            const size_t r = static_cast<size_t>(absent_reads_[j]);
            const int64_t first = candidate_begin_[j], past = candidate_begin_[j + 1];
            bool placed = false;
            while (next_try[j] < past) {
                const int64_t c = next_try[j]++;
                const uint32_t t = c < first ? preferred_[r] : candidates_[static_cast<size_t>(c)];
                if (c >= first && t == preferred_[r]) continue;
                if (++tests > max_tests) return Verdict::kInconclusive;
                target_[r] = t;
                give(r, t, +1);
                build_zone_ops(base);
                if (zones_.linearizable(zone_ops_, start)) {
                    placed = true;
                    break;
                }
                give(r, t, -1);
                target_[r] = kSkip;
            }
            if (placed) {
                ++j;
                if (j < reads) next_try[j] = static_cast<int64_t>(candidate_begin_[j]) - 1;
                continue;
            }
            // No target left for read j: take back the previous read's and go on from there.
            if (j == 0) return Verdict::kViolation;  // every assignment tried: none passes
            --j;
            const size_t pr = static_cast<size_t>(absent_reads_[j]);
            give(pr, target_[pr], -1);
            target_[pr] = kSkip;
        }
        return Verdict::kOk;
    }

    static constexpr uint64_t kMaxBacktrackTests = 20000;
    static constexpr int kAssignmentRules = 4;
    static constexpr double kMaxZoneWork = 3e7;  // reads * targets * operations
    static constexpr uint32_t kSkip = kNone - 1;  // a read of absent left out

    // Sets target_ for every read of absent to one of its candidates, by rule:
    //  0: the start if a candidate, else the latest-invoked delete;
    //  1: a delete overlapping the read, the earliest-completing one; else as 0;
    //  2: the earliest-invoked delete, else the start;
    //  3: the latest-completing delete, else the start.
    void absent_assignment(uint32_t base, int rule) {
        std::fill(used_.begin(), used_.end(), 0);
        for (size_t j = 0; j < absent_reads_.size(); ++j) {
            const LinOp& r = ops_[static_cast<size_t>(absent_reads_[j])];
            uint32_t best = kNone;
            for (uint32_t c = candidate_begin_[j]; c < candidate_begin_[j + 1]; ++c) {
                const uint32_t t = candidates_[c];
                if (best == kNone) {
                    best = t;
                    continue;
                }
                if (t == kAbsent || best == kAbsent) {
                    if (rule == 0) best = kAbsent;
                    else if (best == kAbsent) best = t;
                    continue;
                }
                const LinOp& d = ops_[static_cast<size_t>(dels_[t - base])];
                const LinOp& b = ops_[static_cast<size_t>(dels_[best - base])];
                bool better = false;
                if (rule == 0) better = d.invoke > b.invoke;
                if (rule == 2) better = d.invoke < b.invoke;
                if (rule == 3) better = d.complete > b.complete;
                if (rule == 1) {
                    const bool d_over = d.complete >= r.invoke, b_over = b.complete >= r.invoke;
                    better = d_over != b_over ? d_over
                             : d_over         ? d.complete < b.complete
                                              : d.invoke > b.invoke;
                }
                if (better) best = t;
            }
            target_[static_cast<size_t>(absent_reads_[j])] = best;
            if (best != kAbsent) used_[best - base] = 1;
        }
    }

    // zone_ops_: the run relabeled by target_ (per read of absent: kAbsent, base + the
    // index of its delete in dels_, or kSkip) and used_ (per delete: some read has it).
    void build_zone_ops(uint32_t base) {
        zone_ops_.clear();
        size_t k = 0;
        for (size_t i = 0; i < ops_.size(); ++i) {
            const LinOp& o = ops_[i];
            if (o.value != kAbsent) {
                zone_ops_.push_back({o.invoke, o.complete, o.write, o.value});
            } else if (o.write) {
                const bool read = used_[k] != 0;
                const uint32_t id = base + static_cast<uint32_t>(k++);
                if (read || o.complete != kInf)
                    zone_ops_.push_back({o.invoke, o.complete, true, read ? id : kZoneUnread});
            } else if (target_[i] != kSkip) {
                zone_ops_.push_back({o.invoke, o.complete, false, target_[i]});
            }
        }
        for (const LinOp& o : dead_) zone_ops_.push_back({o.invoke, o.complete, true, kZoneUnread});
    }

    // The search's structures for the run load() chose.
    void load_events() {
        dead_invoke_.resize(dead_.size());
        dead_min_complete_.assign(dead_.size() + 1, kInf);
        for (size_t i = dead_.size(); i-- > 0;) {
            dead_invoke_[i] = dead_[i].invoke;
            dead_min_complete_[i] = std::min(dead_min_complete_[i + 1], dead_[i].complete);
        }
        const int n = static_cast<int>(ops_.size());
        events_.clear();
        for (int i = 0; i < n; ++i) {
            events_.push_back({ops_[i].invoke, false, i});
            events_.push_back({ops_[i].complete, true, i});
        }
        // Calls before returns at equal times: touching operations count as concurrent,
        // the permissive reading, so the checker never reports a violation that a
        // different tie order would explain.
        std::sort(events_.begin(), events_.end(), [](const Event& a, const Event& b) {
            if (a.time != b.time) return a.time < b.time;
            if (a.is_return != b.is_return) return !a.is_return;
            return a.op < b.op;
        });
        next_.assign(2 * n + 1, -1);
        prev_.assign(2 * n + 1, -1);
        call_.assign(n, 0);
        ret_.assign(n, 0);
        int prev = 2 * n;  // head sentinel
        for (int e = 0; e < 2 * n; ++e) {
            next_[prev] = e;
            prev_[e] = prev;
            prev = e;
            (events_[e].is_return ? ret_ : call_)[events_[e].op] = e;
        }
        next_[prev] = -1;
        // reach_[i]: the last op (by invocation) that may be linearized before op i.
        reach_.assign(n, 0);
        infinite_.clear();
        for (int i = 0; i < n; ++i) {
            auto past = std::upper_bound(ops_.begin(), ops_.end(), ops_[i].complete,
                                         [](int64_t t, const LinOp& o) { return t < o.invoke; });
            reach_[i] = static_cast<int>(past - ops_.begin()) - 1;
            if (ops_[i].complete == kInf) infinite_.push_back(i);
        }
        words_.assign(static_cast<size_t>(n + 63) / 64, 0);
        first_ = 0;
        advance_first();
    }

    bool test(int i) const { return (words_[i >> 6] >> (i & 63)) & 1; }
    void set(int i) {
        words_[i >> 6] |= uint64_t{1} << (i & 63);
        --(ops_[i].write ? unlinearized_writes_ : unlinearized_reads_)[ops_[i].value];
        if (i == first_) advance_first();
    }
    void clear(int i) {
        words_[i >> 6] &= ~(uint64_t{1} << (i & 63));
        ++(ops_[i].write ? unlinearized_writes_ : unlinearized_reads_)[ops_[i].value];
        if (ops_[i].complete != kInf) first_ = std::min(first_, i);
    }
    // first_: the first finite op not yet linearized; all finite ops before it are.
    void advance_first() {
        const int n = static_cast<int>(ops_.size());
        while (first_ < n && (test(first_) || ops_[first_].complete == kInf)) ++first_;
    }

    void lift(int op) {
        for (int e : {call_[op], ret_[op]}) {
            next_[prev_[e]] = next_[e];
            if (next_[e] != -1) prev_[next_[e]] = prev_[e];
        }
    }
    void unlift(int op) {
        for (int e : {ret_[op], call_[op]}) {
            next_[prev_[e]] = e;
            if (next_[e] != -1) prev_[next_[e]] = e;
        }
    }

    // Adds (linearized set, dead writes placed, state) to the memo; false if it was
    // there. The set is encoded as the first unlinearized finite op plus the linearized
    // ops that may come before it (those up to its reach) and the linearized
    // unknown-outcome writes.
    bool remember(uint32_t state) {
        key_.clear();
        key_.push_back(state);
        key_.push_back(satisfied_);
        key_.push_back(static_cast<uint32_t>(first_));
        const int n = static_cast<int>(ops_.size());
        if (first_ < n)
            for (int i = first_ + 1; i <= reach_[first_]; ++i)
                if (test(i)) key_.push_back(static_cast<uint32_t>(i));
        key_.push_back(kNone);
        for (int i : infinite_)
            if (test(i)) key_.push_back(static_cast<uint32_t>(i));
        uint64_t h = 0x9e3779b97f4a7c15ULL;
        for (uint32_t v : key_) h = mix64(h ^ v);
        auto [it, fresh] = cache_.try_emplace(h, static_cast<uint32_t>(pool_.size()));
        if (!fresh) {
            // Walk the chain of entries with this hash.
            uint32_t at = it->second;
            while (true) {
                uint32_t len = pool_[at + 1];
                if (len == key_.size() &&
                    std::equal(key_.begin(), key_.end(), pool_.begin() + at + 2))
                    return false;
                if (pool_[at] == kNone) break;
                at = pool_[at];
            }
            pool_[at] = static_cast<uint32_t>(pool_.size());
        }
        pool_.push_back(kNone);
        pool_.push_back(static_cast<uint32_t>(key_.size()));
        pool_.insert(pool_.end(), key_.begin(), key_.end());
        return true;
    }

    const std::vector<uint8_t>& allowed_;
    uint64_t max_steps_;
    uint64_t total_left_;
    uint64_t steps_past_budget_ = 0;
    bool total_budget_hit_ = false;
    bool use_zones_;
    uint64_t zone_runs_ = 0;
    uint64_t search_runs_ = 0;
    std::vector<LinOp> ops_;   // the live operations of the run, by invocation
    std::vector<LinOp> dead_;  // its dead writes of known outcome, by invocation
    std::vector<int64_t> dead_invoke_;
    std::vector<int64_t> dead_min_complete_;  // [i]: min complete of dead_[i..]
    std::vector<uint8_t> read_;               // per value: read in this run
    std::vector<Event> events_;
    std::vector<int> next_, prev_, call_, ret_, reach_, infinite_;
    std::vector<uint64_t> words_;
    std::vector<uint32_t> unlinearized_reads_;   // per value, in this piece
    std::vector<uint32_t> unlinearized_writes_;  // per value, in this piece
    int first_ = 0;
    uint32_t satisfied_ = 0;  // dead_[0, satisfied_) have their gap
    std::vector<Frame> stack_;
    std::vector<uint32_t> key_;
    std::vector<uint32_t> pool_;  // entries: [next in chain, length, key...]
    std::unordered_map<uint64_t, uint32_t> cache_;
    std::vector<ZoneOp> zone_ops_;
    // absent_zone_verdict: the run's deletes and reads of absent (indices in ops_), per
    // op the zone value its read of absent gets, per delete whether a read has it, and
    // each read's candidate targets (candidates_[candidate_begin_[j], [j + 1])).
    std::vector<int> dels_, absent_reads_;
    std::vector<uint32_t> target_;
    std::vector<uint8_t> used_;
    std::vector<uint32_t> uses_;  // per delete: how many reads of absent have it (backtracking)
    std::vector<uint32_t> candidates_, candidate_begin_, preferred_;
    ZoneChecker zones_;
};

// Checks ops (sorted by invocation) piece by piece from quiescent points.
// Each piece is checked from every value the pieces before it can end in. An end value
// is proven when a run reached it from a proven start; a run that was inconclusive (its
// search stopped) still lets the next pieces start from that value, unproven: if they
// fail from every start, proven or not, the history is a proven violation; if they pass
// only from unproven ones, it is inconclusive. (Dropping an unproven end, as this did
// before, turned an inconclusive piece into a reported violation: chaos-small seed 85.)
Verdict check_pieces(const std::vector<LinOp>& ops, std::vector<uint32_t> starts,
                     Searcher& searcher) {
    const size_t n = ops.size();
    size_t b = 0;
    struct End {
        uint32_t value;
        bool proven;
    };
    std::vector<End> from, ends;
    for (uint32_t s : starts) from.push_back({s, true});
    std::vector<uint32_t> finals;
    auto add_end = [&ends](uint32_t value, bool proven) {
        for (End& e : ends) {
            if (e.value != value) continue;
            e.proven |= proven;
            return;
        }
        ends.push_back({value, proven});
    };
    while (b < n) {
        int64_t reach = ops[b].complete;
        size_t e = b + 1;
        while (e < n && ops[e].invoke <= reach) reach = std::max(reach, ops[e].complete), ++e;
        bool any_inconclusive = false;
        ends.clear();
        if (e == n) {
            for (const End& s : from) {
                Verdict v = searcher.run(ops, b, e, s.value, kNone, nullptr);
                if (v == Verdict::kOk && s.proven) return Verdict::kOk;
                any_inconclusive |= v != Verdict::kViolation;
            }
            return any_inconclusive ? Verdict::kInconclusive : Verdict::kViolation;
        }
        // The piece can end only in the value of a write that no other write of the piece
        // follows; with no writes, in the value it started with (or first read, from kWild).
        int64_t last_write_invoke = std::numeric_limits<int64_t>::min();
        for (size_t i = b; i < e; ++i)
            if (ops[i].write) last_write_invoke = std::max(last_write_invoke, ops[i].invoke);
        finals.clear();
        for (size_t i = b; i < e; ++i)
            if (ops[i].write && ops[i].complete >= last_write_invoke &&
                std::find(finals.begin(), finals.end(), ops[i].value) == finals.end())
                finals.push_back(ops[i].value);
        if (finals.empty()) {
            for (const End& s : from) {
                uint32_t f = 0;
                Verdict v = searcher.run(ops, b, e, s.value, kNone, &f);
                if (v == Verdict::kOk) add_end(f, s.proven);
                // No writes: an undecided run may end where it started (kWild: anywhere).
                if (v == Verdict::kInconclusive) add_end(s.value, false);
            }
        } else {
            for (uint32_t f : finals) {
                bool proven = false, maybe = false;
                for (const End& s : from) {
                    Verdict v = searcher.run(ops, b, e, s.value, f, nullptr);
                    if (v == Verdict::kOk && s.proven) {
                        proven = true;
                        break;
                    }
                    maybe |= v != Verdict::kViolation;
                }
                if (proven || maybe) add_end(f, proven);
            }
        }
        if (ends.empty()) return Verdict::kViolation;
        std::sort(ends.begin(), ends.end(), [](const End& x, const End& y) { return x.value < y.value; });
        from = ends;
        b = e;
    }
    for (const End& s : from)
        if (s.proven) return Verdict::kOk;
    return Verdict::kInconclusive;
}

// Unknown-outcome writes (complete kInf) of ops, sorted by invocation, made finite or
// dropped where that keeps the answer; returns how many were dropped. Values are below
// `values`; the two vectors are scratch.
//  - A put whose value no other put writes and no read returns: dropped (in a
//    linearization it may be left out: nothing reads its value, and with no read after
//    it the history's end value is free).
//  - Such a put some read returns: it must precede the first of them to return, so it
//    completes there (a linearization has it before that read's point).
//  - A delete no read of absent can follow (every read of absent completes before it is
//    invoked): dropped. In a linearization L with it, the reads right after it in L would
//    be reads of absent that do not precede it in real time; there are none, so only a
//    write or the end of L follows it, and L without it stays legal (nothing after the
//    history's end reads its end value).
// Other deletes of unknown outcome stay pending to the end (see absent_zone_verdict).
uint64_t settle_unknown_writes(std::vector<LinOp>& ops, size_t values,
                               std::vector<uint32_t>& writers,
                               std::vector<int64_t>& first_read_end) {
    writers.assign(values, 0);
    first_read_end.assign(values, kInf);
    int64_t last_absent_read_end = std::numeric_limits<int64_t>::min();
    for (const LinOp& op : ops) {
        if (op.write) {
            ++writers[op.value];
        } else {
            first_read_end[op.value] = std::min(first_read_end[op.value], op.complete);
            if (op.value == kAbsent) last_absent_read_end = std::max(last_absent_read_end, op.complete);
        }
    }
    size_t kept = 0;
    uint64_t dropped = 0;
    for (LinOp& op : ops) {
        if (op.write && op.complete == kInf && op.value != kAbsent && writers[op.value] == 1) {
            if (first_read_end[op.value] == kInf) {
                ++dropped;
                continue;
            }
            op.complete = std::max(op.invoke, first_read_end[op.value]);
        }
        if (op.write && op.complete == kInf && op.value == kAbsent &&
            last_absent_read_end < op.invoke) {
            ++dropped;
            continue;
        }
        ops[kept++] = op;
    }
    ops.resize(kept);
    return dropped;
}

// The history cut at time t: operations invoked by t; reads still running at t dropped
// (they could have read a later write), writes still running become unknown-outcome
// (then settled as above). If the cut is not linearizable, neither is the whole history.
std::vector<LinOp> cut_at(const std::vector<LinOp>& ops, int64_t t, size_t values) {
    std::vector<LinOp> out;
    for (const LinOp& op : ops) {
        if (op.invoke > t) break;
        if (op.complete <= t) {
            out.push_back(op);
        } else if (op.write) {
            LinOp w = op;
            w.complete = kInf;
            out.push_back(w);
        }
    }
    std::vector<uint32_t> writers;
    std::vector<int64_t> first_read_end;
    settle_unknown_writes(out, values, writers, first_read_end);
    return out;
}

// The smallest witness window of a violating blob history (see the header).
LinearizabilityViolation find_window(const std::vector<LinOp>& ops, size_t values,
                                     Searcher& searcher) {
    std::vector<int64_t> times;
    for (const LinOp& op : ops)
        if (op.complete != kInf) times.push_back(op.complete);
    std::sort(times.begin(), times.end());
    times.erase(std::unique(times.begin(), times.end()), times.end());
    // Smallest cut time that is already not linearizable (monotone in t).
    size_t lo = 0, hi = times.size();  // answer in [lo, hi]; hi means the whole history
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (check_pieces(cut_at(ops, times[mid], values), {kAbsent}, searcher) == Verdict::kViolation)
            hi = mid;
        else
            lo = mid + 1;
    }
    const int64_t t = lo < times.size() ? times[lo] : kInf;
    std::vector<LinOp> cut = t == kInf ? ops : cut_at(ops, t, values);
    // Quiescent points of the cut, where a window may start.
    std::vector<size_t> starts{0};
    int64_t reach = std::numeric_limits<int64_t>::min();
    for (size_t i = 0; i < cut.size(); ++i) {
        if (i > 0 && cut[i].invoke > reach) starts.push_back(i);
        reach = std::max(reach, cut[i].complete);
    }
    auto fails_from = [&](size_t k) {
        size_t s = starts[k];
        std::vector<LinOp> suffix(cut.begin() + static_cast<long>(s), cut.end());
        return check_pieces(suffix, {s == 0 ? kAbsent : kWild}, searcher) == Verdict::kViolation;
    };
    // Galloping from the end, then bisection: the latest start that still fails.
    const size_t m = starts.size();
    size_t good = m;  // a start index known to pass (m: the empty window)
    size_t bad = 0;   // known to fail (start 0 with the true initial value)
    for (size_t step = 1; step < m; step *= 2) {
        size_t k = m - step;
        if (fails_from(k)) {
            bad = k;
            break;
        }
        good = k;
    }
    while (good - bad > 1) {
        size_t mid = (good + bad) / 2;
        if (fails_from(mid))
            bad = mid;
        else
            good = mid;
    }
    LinearizabilityViolation v;
    v.first_unexplained = sim::Time::from_ns(t == kInf ? times.empty() ? 0 : times.back() : t);
    for (size_t i = starts[bad]; i < cut.size(); ++i) v.window.push_back(cut[i].id);
    return v;
}

struct KeyedOp {
    uint64_t account_container;
    uint32_t blob;
    int64_t invoke;
    uint64_t id;
};

struct PairHash {
    size_t operator()(const std::pair<uint64_t, int64_t>& p) const {
        return static_cast<size_t>(mix64(p.first ^ mix64(static_cast<uint64_t>(p.second))));
    }
};

}  // namespace

LinearizabilityResult check_linearizable_history(const obs::History& history,
                                                 const LinearizabilityOptions& options) {
    LinearizabilityResult result;
    const auto& all = history.ops();
    std::vector<KeyedOp> keyed;
    keyed.reserve(all.size());
    for (const obs::Operation& op : all) {
        if (op.kind == obs::OpKind::kList) continue;
        keyed.push_back({(uint64_t{op.account.value} << 32) | op.container.value, op.blob.value,
                         op.invoke.ns(), op.id});
    }
    std::sort(keyed.begin(), keyed.end(), [](const KeyedOp& a, const KeyedOp& b) {
        if (a.account_container != b.account_container)
            return a.account_container < b.account_container;
        if (a.blob != b.blob) return a.blob < b.blob;
        if (a.invoke != b.invoke) return a.invoke < b.invoke;
        return a.id < b.id;
    });

    std::vector<uint8_t> allowed;
    const uint64_t total_steps =
        std::max(options.min_total_steps, options.total_steps_per_operation * keyed.size());
    Searcher searcher(allowed, options.max_steps_per_piece, total_steps, options.steps_past_budget,
                      options.zone_check);
    std::unordered_map<std::pair<uint64_t, int64_t>, uint32_t, PairHash> value_ids;
    std::vector<LinOp> ops;
    std::vector<uint32_t> writers;       // per value: writes of it
    std::vector<int64_t> first_read_end;  // per value: earliest return of a read of it
    std::vector<LinearizabilityViolation> found;
    struct Violating {
        std::vector<LinOp> ops;
        size_t values;
        std::vector<uint8_t> allowed;
    };
    std::vector<Violating> violating;

    for (size_t b = 0; b < keyed.size();) {
        size_t e = b;
        while (e < keyed.size() && keyed[e].account_container == keyed[b].account_container &&
               keyed[e].blob == keyed[b].blob)
            ++e;
        value_ids.clear();
        ops.clear();
        auto value_of = [&](uint64_t fp, int64_t size) {
            auto [it, fresh] =
                value_ids.try_emplace({fp, size}, static_cast<uint32_t>(value_ids.size() + 2));
            return it->second;
        };
        for (size_t i = b; i < e; ++i) {
            const obs::Operation& op = all[keyed[i].id];
            LinOp lin{op.id, op.invoke.ns(), op.complete.ns(), op.is_write(), kAbsent};
            if (op.is_read()) {
                if (op.status == obs::OpStatus::kOk)
                    lin.value = value_of(op.fingerprint, op.size_bytes);
                else if (op.status != obs::OpStatus::kNotFound)
                    continue;  // a failed read says nothing
            } else {
                obs::Outcome outcome = obs::write_outcome(op);
                if (outcome == obs::Outcome::kNotApplied) continue;
                if (op.kind == obs::OpKind::kPut) lin.value = value_of(op.fingerprint, op.size_bytes);
                if (outcome == obs::Outcome::kUnknown) {
                    lin.complete = kInf;
                    ++result.unknown_writes;
                }
            }
            ops.push_back(lin);
        }
        const size_t values = value_ids.size() + 2;
        allowed.assign(values, 0);
        allowed[kAbsent] = 1;
        for (const LinOp& op : ops)
            if (op.write) allowed[op.value] = 1;
        std::sort(ops.begin(), ops.end(), [](const LinOp& x, const LinOp& y) {
            return x.invoke != y.invoke ? x.invoke < y.invoke : x.id < y.id;
        });
        result.unknown_writes_dropped += settle_unknown_writes(ops, values, writers, first_read_end);
        b = e;
        if (ops.empty()) continue;
        ++result.histories;
        result.operations += ops.size();
        result.largest_history = std::max<uint64_t>(result.largest_history, ops.size());
        Verdict v = check_pieces(ops, {kAbsent}, searcher);
        if (v == Verdict::kInconclusive) ++result.inconclusive;
        if (v != Verdict::kViolation) continue;
        ++result.violations;
        if (static_cast<int>(violating.size()) < options.max_windows)
            violating.push_back({ops, values, allowed});
    }
    // Windows last, so that deciding every blob comes first in the step budget (a window
    // cut short by it is longer, still a witness).
    result.budget_exhausted = searcher.total_budget_hit();
    for (Violating& bad : violating) {
        allowed = std::move(bad.allowed);
        LinearizabilityViolation w = find_window(bad.ops, bad.values, searcher);
        const obs::Operation& first = all[bad.ops.front().id];
        w.key = history.str(first.account) + "/" + history.str(first.container) + "/" +
                history.str(first.blob);
        found.push_back(std::move(w));
    }
    std::sort(found.begin(), found.end(), [](const auto& x, const auto& y) {
        return x.first_unexplained < y.first_unexplained;
    });
    result.first = std::move(found);
    result.zone_checks = searcher.zone_runs();
    result.searches = searcher.search_runs();
    return result;
}

CheckResult check_linearizability(const obs::History& history,
                                  const LinearizabilityOptions& options) {
    LinearizabilityResult r = check_linearizable_history(history, options);
    CheckResult c;
    c.name = "consistency";
    c.held = r.violations == 0;
    c.figures["model"] = "linearizable";
    c.figures["histories"] = r.histories;
    c.figures["operations"] = r.operations;
    c.figures["violations"] = r.violations;
    c.figures["inconclusive"] = r.inconclusive;
    c.figures["unknown_writes"] = r.unknown_writes;
    c.figures["unknown_writes_dropped"] = r.unknown_writes_dropped;
    c.figures["largest_history"] = r.largest_history;
    c.figures["zone_checks"] = r.zone_checks;
    c.figures["searches"] = r.searches;
    c.figures["budget_exhausted"] = r.budget_exhausted;
    std::ostringstream detail;
    if (c.held) {
        detail << "all " << r.histories << " blob histories (" << r.operations
               << " operations) are linearizable";
        if (r.inconclusive) detail << "; " << r.inconclusive << " too large to decide";
        if (r.budget_exhausted) detail << " (the check's total step budget ran out)";
    } else {
        const auto& v = r.first.front();
        detail << r.violations << " of " << r.histories << " blob histories are not linearizable; "
               << "first: " << v.key << " at " << v.first_unexplained.to_string() << ", a window of "
               << v.window.size() << " operations shows it";
        if (r.inconclusive) detail << "; " << r.inconclusive << " too large to decide";
        if (r.budget_exhausted) detail << " (the check's total step budget ran out)";
        c.figures["first_violation"] = {{"key", v.key},
                                        {"time_s", v.first_unexplained.to_seconds()},
                                        {"window", v.window}};
        c.violation_ops = v.window;
    }
    c.detail = detail.str();
    return c;
}

}  // namespace reports
