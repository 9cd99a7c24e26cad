#include "reports/checks/linearizable.h"

#include <algorithm>
#include <limits>
#include <sstream>
#include <unordered_map>
#include <utility>

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

// The Wing-Gong/Lowe search over one piece of one blob's history, with reusable buffers.
class Searcher {
public:
    Searcher(const std::vector<uint8_t>& allowed, uint64_t max_steps)
        : allowed_(allowed), max_steps_(max_steps) {}

    // Linearizes ops[begin, end) from `start`. With final_read != kNone a read of that
    // value is added after everything, so success means the piece can end in it. On
    // success *final_state is the register's value after the piece.
    Verdict run(const std::vector<LinOp>& ops, size_t begin, size_t end, uint32_t start,
                uint32_t final_read, uint32_t* final_state) {
        load(ops, begin, end, final_read);
        const int n = static_cast<int>(ops_.size());
        const int head = 2 * n;
        uint32_t state = start;
        int entry = next_[head];
        uint64_t steps = 0;
        stack_.clear();
        cache_.clear();
        pool_.clear();
        while (next_[head] != -1) {
            if (++steps > max_steps_) return Verdict::kInconclusive;
            const Event& ev = events_[entry];
            if (!ev.is_return) {
                const int op = ev.op;
                uint32_t after = 0;
                if (ops_[op].write && ops_[op].value != state && state_still_needed(state)) {
                    // Reads of the current value remain and nothing left can write it
                    // again: any write now strands them, so the branch is dead.
                    entry = next_[entry];
                    continue;
                }
                if (ops_[op].write && read_of_state_pending(entry, state)) {
                    // A pending read of the current value may go first without loss of
                    // generality (it changes nothing and no return stands between), so
                    // trying this write before it is never needed.
                    entry = next_[entry];
                    continue;
                }
                if (step(state, ops_[op], &after)) {
                    set(op);
                    if (remember(after)) {
                        stack_.push_back({op, state});
                        state = after;
                        lift(op);
                        entry = next_[head];
                        continue;
                    }
                    clear(op);
                }
                entry = next_[entry];
            } else {
                if (stack_.empty()) return Verdict::kViolation;
                auto [op, before] = stack_.back();
                stack_.pop_back();
                state = before;
                clear(op);
                unlift(op);
                entry = next_[call_[op]];
            }
        }
        if (final_state) *final_state = state;
        return Verdict::kOk;
    }

private:
    struct Event {
        int64_t time;
        bool is_return;
        int op;
    };

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

    // Whether a call after `entry` and before the next return is a read of `state`.
    bool read_of_state_pending(int entry, uint32_t state) const {
        if (state == kWild) return false;  // a read from kWild chooses the value: not free
        for (int e = next_[entry]; e != -1 && !events_[e].is_return; e = next_[e]) {
            const LinOp& o = ops_[events_[e].op];
            if (!o.write && o.value == state) return true;
        }
        return false;
    }

    void load(const std::vector<LinOp>& ops, size_t begin, size_t end, uint32_t final_read) {
        ops_.assign(ops.begin() + static_cast<long>(begin), ops.begin() + static_cast<long>(end));
        if (final_read != kNone) {
            int64_t last = 0;
            for (const auto& o : ops_) last = std::max(last, o.complete);
            SIM_ASSERT(last < kInf - 2, "a final read after an unknown-outcome write");
            ops_.push_back(LinOp{0, last + 1, last + 1, false, final_read});
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
        uint32_t values = kWild + 1;
        for (const auto& o : ops_) values = std::max(values, o.value + 1);
        unlinearized_reads_.assign(values, 0);
        unlinearized_writes_.assign(values, 0);
        for (const auto& o : ops_) ++(o.write ? unlinearized_writes_ : unlinearized_reads_)[o.value];
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

    // Adds (linearized set, state) to the memo; false if it was there. The set is encoded
    // as the first unlinearized finite op plus the linearized ops that may come before it
    // (those up to its reach) and the linearized unknown-outcome writes.
    bool remember(uint32_t state) {
        key_.clear();
        key_.push_back(state);
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
    std::vector<LinOp> ops_;
    std::vector<Event> events_;
    std::vector<int> next_, prev_, call_, ret_, reach_, infinite_;
    std::vector<uint64_t> words_;
    std::vector<uint32_t> unlinearized_reads_;   // per value, in this piece
    std::vector<uint32_t> unlinearized_writes_;  // per value, in this piece
    int first_ = 0;
    std::vector<std::pair<int, uint32_t>> stack_;
    std::vector<uint32_t> key_;
    std::vector<uint32_t> pool_;  // entries: [next in chain, length, key...]
    std::unordered_map<uint64_t, uint32_t> cache_;
};

// Checks ops (sorted by invocation) piece by piece from quiescent points.
Verdict check_pieces(const std::vector<LinOp>& ops, std::vector<uint32_t> starts,
                     Searcher& searcher) {
    const size_t n = ops.size();
    size_t b = 0;
    std::vector<uint32_t> ends, finals;
    while (b < n) {
        int64_t reach = ops[b].complete;
        size_t e = b + 1;
        while (e < n && ops[e].invoke <= reach) reach = std::max(reach, ops[e].complete), ++e;
        bool any_inconclusive = false;
        ends.clear();
        if (e == n) {
            for (uint32_t s : starts) {
                Verdict v = searcher.run(ops, b, e, s, kNone, nullptr);
                if (v == Verdict::kOk) return Verdict::kOk;
                any_inconclusive |= v == Verdict::kInconclusive;
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
            for (uint32_t s : starts) {
                uint32_t f = 0;
                Verdict v = searcher.run(ops, b, e, s, kNone, &f);
                if (v == Verdict::kOk && std::find(ends.begin(), ends.end(), f) == ends.end())
                    ends.push_back(f);
                any_inconclusive |= v == Verdict::kInconclusive;
            }
        } else {
            for (uint32_t f : finals) {
                for (uint32_t s : starts) {
                    Verdict v = searcher.run(ops, b, e, s, f, nullptr);
                    any_inconclusive |= v == Verdict::kInconclusive;
                    if (v == Verdict::kOk) {
                        ends.push_back(f);
                        break;
                    }
                }
            }
        }
        if (ends.empty()) return any_inconclusive ? Verdict::kInconclusive : Verdict::kViolation;
        std::sort(ends.begin(), ends.end());
        starts = ends;
        b = e;
    }
    return Verdict::kOk;
}

// The history cut at time t: operations invoked by t; reads still running at t dropped
// (they could have read a later write), writes still running become unknown-outcome.
// If the cut is not linearizable, neither is the whole history.
std::vector<LinOp> cut_at(const std::vector<LinOp>& ops, int64_t t) {
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
    return out;
}

// The smallest witness window of a violating blob history (see the header).
LinearizabilityViolation find_window(const std::vector<LinOp>& ops, Searcher& searcher) {
    std::vector<int64_t> times;
    for (const LinOp& op : ops)
        if (op.complete != kInf) times.push_back(op.complete);
    std::sort(times.begin(), times.end());
    times.erase(std::unique(times.begin(), times.end()), times.end());
    // Smallest cut time that is already not linearizable (monotone in t).
    size_t lo = 0, hi = times.size();  // answer in [lo, hi]; hi means the whole history
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (check_pieces(cut_at(ops, times[mid]), {kAbsent}, searcher) == Verdict::kViolation)
            hi = mid;
        else
            lo = mid + 1;
    }
    const int64_t t = lo < times.size() ? times[lo] : kInf;
    std::vector<LinOp> cut = t == kInf ? ops : cut_at(ops, t);
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
    Searcher searcher(allowed, options.max_steps_per_piece);
    std::unordered_map<std::pair<uint64_t, int64_t>, uint32_t, PairHash> value_ids;
    std::vector<LinOp> ops;
    std::vector<uint32_t> writers;       // per value: writes of it
    std::vector<int64_t> first_read_end;  // per value: earliest return of a read of it
    std::vector<LinearizabilityViolation> found;

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
        writers.assign(values, 0);
        first_read_end.assign(values, kInf);
        allowed.assign(values, 0);
        allowed[kAbsent] = 1;
        for (const LinOp& op : ops) {
            if (op.write) {
                ++writers[op.value];
                allowed[op.value] = 1;
            } else {
                first_read_end[op.value] = std::min(first_read_end[op.value], op.complete);
            }
        }
        // Unknown-outcome puts: drop the unobserved, end the observed at their first reader.
        size_t kept = 0;
        for (LinOp& op : ops) {
            if (op.write && op.complete == kInf && op.value != kAbsent && writers[op.value] == 1) {
                if (first_read_end[op.value] == kInf) {
                    ++result.unknown_writes_dropped;
                    continue;
                }
                op.complete = std::max(op.invoke, first_read_end[op.value]);
            }
            ops[kept++] = op;
        }
        ops.resize(kept);
        std::sort(ops.begin(), ops.end(), [](const LinOp& x, const LinOp& y) {
            return x.invoke != y.invoke ? x.invoke < y.invoke : x.id < y.id;
        });
        b = e;
        if (ops.empty()) continue;
        ++result.histories;
        result.operations += ops.size();
        result.largest_history = std::max<uint64_t>(result.largest_history, ops.size());
        Verdict v = check_pieces(ops, {kAbsent}, searcher);
        if (v == Verdict::kInconclusive) ++result.inconclusive;
        if (v != Verdict::kViolation) continue;
        ++result.violations;
        if (static_cast<int>(found.size()) < options.max_windows) {
            LinearizabilityViolation w = find_window(ops, searcher);
            const obs::Operation& first = all[ops.front().id];
            w.key = history.str(first.account) + "/" + history.str(first.container) + "/" +
                    history.str(first.blob);
            found.push_back(std::move(w));
        }
    }
    std::sort(found.begin(), found.end(), [](const auto& x, const auto& y) {
        return x.first_unexplained < y.first_unexplained;
    });
    result.first = std::move(found);
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
    std::ostringstream detail;
    if (c.held) {
        detail << "all " << r.histories << " blob histories (" << r.operations
               << " operations) are linearizable";
        if (r.inconclusive) detail << "; " << r.inconclusive << " too large to decide";
    } else {
        const auto& v = r.first.front();
        detail << r.violations << " of " << r.histories << " blob histories are not linearizable; "
               << "first: " << v.key << " at " << v.first_unexplained.to_string() << ", a window of "
               << v.window.size() << " operations shows it";
        c.figures["first_violation"] = {{"key", v.key},
                                        {"time_s", v.first_unexplained.to_seconds()},
                                        {"window", v.window}};
        c.violation_ops = v.window;
    }
    c.detail = detail.str();
    return c;
}

}  // namespace reports
