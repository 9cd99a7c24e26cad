#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <vector>

#include "reports/checks/linearizable.h"
#include "sim/rng.h"

namespace obs = models::observe;
using obs::OpKind;
using obs::OpStatus;

namespace {

constexpr int64_t kMs = 1'000'000;

struct Builder {
    obs::History h;
    uint16_t w;
    Builder() { w = h.add_workload({"w", obs::AuthMode::kValid, false}); }
    uint64_t add(OpKind kind, const std::string& blob, int64_t start_ms, int64_t end_ms,
                 OpStatus status, uint64_t fp = 0) {
        obs::Operation op;
        op.kind = kind;
        op.workload = w;
        op.account = h.strings().intern("acct");
        op.container = h.strings().intern("c0");
        op.blob = h.strings().intern(blob);
        op.invoke = sim::Time::from_ns(start_ms * kMs);
        op.complete = sim::Time::from_ns(end_ms * kMs);
        op.status = status;
        op.fingerprint = fp;
        op.size_bytes = fp ? 100 : 0;
        return h.append(op);
    }
    uint64_t put(const std::string& b, int64_t s, int64_t e, uint64_t fp, OpStatus st = OpStatus::kOk) {
        return add(OpKind::kPut, b, s, e, st, fp);
    }
    uint64_t get(const std::string& b, int64_t s, int64_t e, uint64_t fp) {
        return add(OpKind::kGet, b, s, e, fp ? OpStatus::kOk : OpStatus::kNotFound, fp);
    }
    uint64_t del(const std::string& b, int64_t s, int64_t e, OpStatus st = OpStatus::kOk) {
        return add(OpKind::kDelete, b, s, e, st);
    }
};

// A correct register per key, driven by concurrent clients: each operation takes effect
// at a random instant inside its interval, so the history is linearizable by
// construction. Some writes time out (applied or not), some reads fail.
struct Generated {
    obs::History history;
    size_t ops = 0;
};

Generated generate(uint64_t seed, int clients, int keys, int64_t duration_ms, double hot_share,
                   double median_latency_ms, int64_t max_think_ms, double timeout_p = 0.01) {
    sim::Rng rng(seed);
    Generated g;
    uint16_t w = g.history.add_workload({"gen", obs::AuthMode::kValid, false});
    std::vector<obs::StringId> names;
    for (int k = 0; k < keys; ++k) names.push_back(g.history.strings().intern("blob" + std::to_string(k)));
    obs::StringId account = g.history.strings().intern("acct");
    obs::StringId container = g.history.strings().intern("c0");
    struct Pending {
        obs::Operation op;
        int64_t at;  // the instant it takes effect
        bool applies;
    };
    std::vector<Pending> pending;
    uint64_t next_fp = 1;
    for (int c = 0; c < clients; ++c) {
        int64_t t = static_cast<int64_t>(rng.below(5 * kMs));
        while (t < duration_ms * kMs) {
            obs::Operation op;
            op.client = static_cast<uint32_t>(c);
            op.workload = w;
            op.account = account;
            op.container = container;
            int key = rng.bernoulli(hot_share) ? static_cast<int>(rng.below(4))
                                               : static_cast<int>(rng.below(static_cast<uint64_t>(keys)));
            op.blob = names[static_cast<size_t>(key)];
            double u = rng.uniform01();
            op.kind = u < 0.35 ? OpKind::kPut : u < 0.4 ? OpKind::kDelete : u < 0.9 ? OpKind::kGet : OpKind::kHead;
            int64_t latency = static_cast<int64_t>(rng.lognormal(median_latency_ms * kMs, 0.6)) + 1;
            op.invoke = sim::Time::from_ns(t);
            op.complete = sim::Time::from_ns(t + latency);
            op.status = OpStatus::kOk;
            if (op.kind == OpKind::kPut) {
                op.fingerprint = next_fp++;
                op.size_bytes = 10;
            }
            bool applies = true;
            if (op.is_write() && rng.bernoulli(timeout_p)) {
                op.status = OpStatus::kTimeout;
                applies = rng.bernoulli(0.5);
            }
            if (op.is_read() && rng.bernoulli(0.01)) op.status = OpStatus::kFailed;
            int64_t at = t + static_cast<int64_t>(rng.below(static_cast<uint64_t>(latency) + 1));
            pending.push_back({op, at, applies});
            t += latency + static_cast<int64_t>(rng.below(static_cast<uint64_t>(max_think_ms * kMs)));
        }
    }
    std::stable_sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) { return a.at < b.at; });
    std::map<uint32_t, std::pair<uint64_t, int64_t>> reg;  // blob -> (fp, size); absent when missing
    for (auto& p : pending) {
        auto& op = p.op;
        if (op.kind == OpKind::kPut && p.applies) reg[op.blob.value] = {op.fingerprint, op.size_bytes};
        if (op.kind == OpKind::kDelete && p.applies) reg.erase(op.blob.value);
        if (op.is_read() && op.status == OpStatus::kOk) {
            auto it = reg.find(op.blob.value);
            if (it == reg.end()) {
                op.status = OpStatus::kNotFound;
            } else {
                op.fingerprint = it->second.first;
                op.size_bytes = it->second.second;
            }
        }
    }
    std::sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) {
        return a.op.invoke != b.op.invoke ? a.op.invoke < b.op.invoke : a.op.client < b.op.client;
    });
    g.history.reserve(pending.size());
    for (auto& p : pending) g.history.append(p.op);
    g.ops = pending.size();
    return g;
}

}  // namespace

TEST_CASE("linearizable: simple sequential and concurrent histories pass") {
    Builder b;
    b.put("k", 0, 10, 1);
    b.get("k", 20, 30, 1);
    b.put("k", 40, 100, 2);
    b.get("k", 50, 60, 1);   // before the write took effect
    b.get("k", 70, 80, 2);   // after
    b.del("k", 110, 120);
    b.get("k", 130, 140, 0);
    b.put("j", 0, 10, 5, OpStatus::kTimeout);  // unknown, never observed: dropped
    b.get("j", 20, 30, 0);
    b.put("i", 0, 10, 6, OpStatus::kTimeout);  // unknown, observed later: it happened
    b.get("i", 20, 30, 6);
    auto r = reports::check_linearizable_history(b.h);
    CHECK(r.violations == 0);
    CHECK(r.histories == 3);
    CHECK(r.unknown_writes == 2);
    CHECK(r.unknown_writes_dropped == 1);
}

TEST_CASE("linearizable: stale read is caught with the exact window") {
    Builder b;
    for (int i = 0; i < 50; ++i) {  // a long valid prefix
        b.put("k", i * 100, i * 100 + 10, 1000 + i);
        b.get("k", i * 100 + 20, i * 100 + 30, 1000 + i);
    }
    b.put("k", 10000, 10010, 1);
    uint64_t w2 = b.put("k", 10020, 10030, 2);
    uint64_t r = b.get("k", 10040, 10050, 1);  // stale
    b.get("k", 10060, 10070, 2);
    b.put("other", 0, 10, 9);
    auto res = reports::check_linearizable_history(b.h);
    REQUIRE(res.violations == 1);
    REQUIRE(res.first.size() == 1);
    CHECK(res.first[0].key == "acct/c0/k");
    CHECK(res.first[0].window == std::vector<uint64_t>{w2, r});
    CHECK(res.first[0].first_unexplained.ns() == 10050 * kMs);
    auto check = reports::check_linearizability(b.h);
    CHECK_FALSE(check.held);
    CHECK(check.violation_ops == std::vector<uint64_t>{w2, r});
}

TEST_CASE("linearizable: lost write is caught with the exact window") {
    Builder b;
    b.get("k", 0, 5, 0);
    uint64_t w = b.put("k", 10, 20, 7);
    uint64_t r = b.get("k", 30, 40, 0);  // the acknowledged write vanished
    auto res = reports::check_linearizable_history(b.h);
    REQUIRE(res.violations == 1);
    CHECK(res.first[0].window == std::vector<uint64_t>{w, r});
}

TEST_CASE("linearizable: read of a value never written is caught alone") {
    Builder b;
    b.put("k", 0, 10, 1);
    b.get("k", 20, 30, 1);
    uint64_t r = b.get("k", 40, 50, 99);
    auto res = reports::check_linearizable_history(b.h);
    REQUIRE(res.violations == 1);
    CHECK(res.first[0].window == std::vector<uint64_t>{r});
}

TEST_CASE("linearizable: a violation among concurrent operations shows the whole overlap") {
    Builder b;
    uint64_t a = b.put("k", 0, 100, 1);
    uint64_t c = b.put("k", 10, 20, 2);
    uint64_t r1 = b.get("k", 30, 40, 2);
    uint64_t r2 = b.get("k", 50, 60, 1);
    uint64_t r3 = b.get("k", 70, 80, 2);  // 2 again after 1 overwrote it: no order explains it
    b.get("k", 200, 210, 2);
    auto res = reports::check_linearizable_history(b.h);
    REQUIRE(res.violations == 1);
    CHECK(res.first[0].window == std::vector<uint64_t>{a, c, r1, r2, r3});
}

TEST_CASE("linearizable: unknown-outcome write cannot be applied twice") {
    Builder b;
    uint64_t w = b.put("k", 0, 10, 5, OpStatus::kTimeout);
    uint64_t g = b.get("k", 20, 30, 0);
    uint64_t r1 = b.get("k", 40, 50, 5);
    uint64_t r2 = b.get("k", 60, 70, 0);  // vanished with no delete
    auto res = reports::check_linearizable_history(b.h);
    REQUIRE(res.violations == 1);
    // The put must have happened by r1's return, so it overlaps every read before r2:
    // the first quiescent point is the start.
    CHECK(res.first[0].window == std::vector<uint64_t>{w, g, r1, r2});
}

TEST_CASE("linearizable: large generated valid history checks quickly") {
    // Quickstart-sized: ~300k operations over 3000 blobs, with four hot blobs taking 20%
    // of the load so that many operations on them overlap.
    auto g = generate(42, 300, 3000, 600'000, 0.2, 8.0, 1200);
    auto start = std::chrono::steady_clock::now();
    auto r = reports::check_linearizable_history(g.history);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    MESSAGE("checked " << g.ops << " ops over " << r.histories << " blobs (largest "
                       << r.largest_history << ") in " << secs << " s");
    CHECK(g.ops > 250'000);
    CHECK(r.violations == 0);
    CHECK(r.inconclusive == 0);
    CHECK(r.histories > 2500);
}

TEST_CASE("linearizable: heavy concurrency on one blob stays linearizable and decidable") {
    // 64 clients on four blobs with 20 ms operations for a minute: about ten in flight on
    // each blob at all times, never quiescent, ~28k operations per blob, 1% timeouts.
    auto g = generate(7, 64, 4, 60'000, 1.0, 20.0, 20, 0.01);
    auto start = std::chrono::steady_clock::now();
    auto r = reports::check_linearizable_history(g.history);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    MESSAGE("hot blobs: " << g.ops << " ops, largest " << r.largest_history << " in " << secs << " s");
    CHECK(r.violations == 0);
    CHECK(r.inconclusive == 0);
}

TEST_CASE("linearizable: a corrupted read in a large history is found") {
    auto g = generate(43, 100, 500, 120'000, 0.2, 8.0, 200);
    // Flip one successful read to a value nobody wrote.
    uint64_t victim = 0;
    for (const auto& op : g.history.ops())
        if (op.is_read() && op.status == OpStatus::kOk && op.id > g.ops / 2) {
            victim = op.id;
            break;
        }
    g.history.op(victim).fingerprint = 0xdeadbeef;
    auto r = reports::check_linearizable_history(g.history);
    REQUIRE(r.violations == 1);
    CHECK(r.first[0].window == std::vector<uint64_t>{victim});
}

TEST_CASE("linearizable: a piece starting in a value none of its operations mention") {
    Builder b;
    b.put("k", 0, 1, 7);
    b.get("k", 2, 3, 7);
    b.put("k", 10, 22, 1);
    b.put("k", 11, 30, 2);
    b.get("k", 40, 50, 1);
    b.del("k", 60, 70);
    auto res = reports::check_linearizable_history(b.h);
    CHECK(res.violations == 0);
}

namespace {

// Brute force: some order of the operations (unknown-outcome writes may be left out)
// that respects real time and register semantics.
bool brute_force_linearizable(const obs::History& h) {
    std::vector<const obs::Operation*> ops;
    for (const auto& op : h.ops()) {
        if (op.is_read() && op.status != OpStatus::kOk && op.status != OpStatus::kNotFound) continue;
        if (op.is_write() && obs::write_outcome(op) == obs::Outcome::kNotApplied) continue;
        ops.push_back(&op);
    }
    std::vector<int> unknown;
    for (int i = 0; i < static_cast<int>(ops.size()); ++i)
        if (ops[i]->is_write() && obs::write_outcome(*ops[i]) == obs::Outcome::kUnknown) unknown.push_back(i);
    for (uint32_t mask = 0; mask < (1u << unknown.size()); ++mask) {
        std::vector<int> chosen;
        for (int i = 0; i < static_cast<int>(ops.size()); ++i) {
            auto it = std::find(unknown.begin(), unknown.end(), i);
            if (it != unknown.end() && !(mask >> (it - unknown.begin()) & 1)) continue;
            chosen.push_back(i);
        }
        std::sort(chosen.begin(), chosen.end());
        do {
            bool ok = true;
            uint64_t state = 0;  // 0: absent
            for (size_t x = 0; x < chosen.size() && ok; ++x) {
                const auto& o = *ops[chosen[x]];
                for (size_t y = x + 1; y < chosen.size(); ++y) {
                    const auto& later = *ops[chosen[y]];
                    bool unknown_later = later.is_write() && obs::write_outcome(later) == obs::Outcome::kUnknown;
                    if (!unknown_later && later.complete < o.invoke) ok = false;
                }
                if (o.kind == OpKind::kPut) state = o.fingerprint;
                else if (o.kind == OpKind::kDelete) state = 0;
                else if ((o.status == OpStatus::kOk ? o.fingerprint : 0) != state) ok = false;
            }
            if (ok) return true;
        } while (std::next_permutation(chosen.begin(), chosen.end()));
    }
    return false;
}

}  // namespace

TEST_CASE("linearizable: agrees with brute force on random small histories") {
    sim::Rng rng(2024);
    int violations = 0;
    for (int trial = 0; trial < 3000; ++trial) {
        Builder b;
        int n = 3 + static_cast<int>(rng.below(5));
        uint64_t next_fp = 1;
        for (int i = 0; i < n; ++i) {
            int64_t s = static_cast<int64_t>(rng.below(40));
            int64_t e = s + 1 + static_cast<int64_t>(rng.below(15));
            double u = rng.uniform01();
            if (u < 0.4) {
                b.put("k", s, e, next_fp++, rng.bernoulli(0.2) ? OpStatus::kTimeout : OpStatus::kOk);
            } else if (u < 0.5) {
                b.del("k", s, e, rng.bernoulli(0.2) ? OpStatus::kTimeout : OpStatus::kOk);
            } else {
                b.get("k", s, e, rng.below(next_fp + 1));
            }
        }
        bool expected = brute_force_linearizable(b.h);
        auto r = reports::check_linearizable_history(b.h);
        CAPTURE(trial);
        REQUIRE(r.inconclusive == 0);
        REQUIRE((r.violations == 0) == expected);
        if (!expected) ++violations;
    }
    MESSAGE(violations << " of 3000 random histories were not linearizable");
    CHECK(violations > 300);
}
