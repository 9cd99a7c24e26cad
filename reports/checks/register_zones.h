// reports/checks/register_zones.h: the polynomial linearizability test for a register
// whose values are each written at most once (Gibbons & Korach 1997, "Testing shared
// memories", SIAM J. Comput.; the zone form is Golab, Li & Shah, PODC 2011).
//
// With unique written values every read names the one write it must read from, and the
// search of linearizable.h is not needed. A cluster is a value's write with every read
// of that value; the initial value's cluster has a virtual write that ends before time
// began. For a cluster let f be the earliest complete and s the latest invoke of its
// operations. Then the history is linearizable iff
//   (N0) no read ends before its write begins, and
//   (N1) no two clusters x, y have f(x) < s(y) and f(y) < s(x).
// In zone terms: a cluster with f < s has the forward zone [f, s], otherwise the
// backward zone [s, f]; (N1) says no two forward zones overlap and no backward zone lies
// inside a forward zone (two backward zones can never meet it: f(x) < s(y) <= f(y) <
// s(x) <= f(x) is a contradiction).
//
// Times follow linearizable.h: an operation precedes another iff it completes strictly
// before the other is invoked, so touching operations are concurrent. Every comparison
// above is between a complete and an invoke, so mapping invoke t to t and complete t to
// t + 1/2 turns the integer times into distinct reals without changing any precedence,
// and the proof below runs on those reals.
//
// Proof. Necessary: the writer of x is the only write of x, so in a linearization every
// read of x comes after it (N0) and before any other write, so each cluster is a
// contiguous block. If f(x) < s(y), the operation of x that completes at f(x) precedes
// the one of y invoked at s(y), so block x comes before block y; with f(y) < s(x) as
// well, block y also comes before block x: impossible (N1).
// Sufficient: give every operation a point inside its interval, points ordered as the
// blocks must be. Forward zones are pairwise disjoint closed intervals (N1). A forward
// cluster x puts its write at f(x) - e (inside the write: it is invoked before every
// complete of the cluster, by N0) and each read at max(invoke, f(x)) <= s(x), inside
// the read since it completes at or after f(x). A backward cluster y has a point in
// [s(y), f(y)] that every one of its operations contains; that interval is not inside
// any forward zone and the forward zones are disjoint and closed, so part of it of
// positive length lies outside all of them: the cluster goes there, write first. With e
// small and points distinct, sorting by point gives blocks that do not interleave, each
// starting with its write, and respects real time because every point lies inside its
// operation. The initial cluster's write is at minus infinity.
//
// Checking (N1) takes a sort: forward zones sorted by f must each end (s) at or before
// the next one's f; a backward zone can only lie inside the forward zone with the
// largest f below its s. O(n log n) in all.
#pragma once

#include <cstdint>
#include <vector>

namespace reports {

struct ZoneOp {
    int64_t invoke = 0;
    int64_t complete = 0;  // finite, but see linearizable()
    bool write = false;
    uint32_t value = 0;  // kZoneUnread: a write whose value nothing reads
};

// A write whose value no read of the history returns: its own cluster, whatever the value.
inline constexpr uint32_t kZoneUnread = 0xffff'fffeU;

// Reusable buffers for the test; one per thread of checking.
class ZoneChecker {
  public:
    // Whether ops, from the register holding `initial`, are linearizable.
    // REQUIRES: no two writes share a value other than kZoneUnread; no write writes
    // `initial`; every complete is not before its invoke, and finite except a write's
    // (an unknown-outcome delete given reads, linearizable.cpp: +inf only widens its
    // interval, and its cluster's f comes from its reads).
    bool linearizable(const std::vector<ZoneOp>& ops, uint32_t initial);

  private:
    struct Cluster {
        bool written = false;
        int64_t write_invoke = 0;
        int64_t f = 0;  // earliest complete
        int64_t s = 0;  // latest invoke
        bool any = false;
    };
    struct Zone {
        int64_t f;
        int64_t s;
    };
    std::vector<Cluster> clusters_;
    std::vector<Zone> forward_;
    std::vector<Zone> backward_;
};

}  // namespace reports
