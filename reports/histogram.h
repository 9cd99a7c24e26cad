// reports/histogram.h: a log-linear latency histogram (HdrHistogram style) and the
// per-operation-kind, per-window latency and throughput tables built from a history.
//
// Values are integer nanoseconds >= 0. Values below 128 get a bucket each; above, every
// power of two is split into 64 linear sub-buckets, so a bucket is at most 1/64 of its
// lower bound wide. A percentile is the nearest-rank value (rank ceil(q*n), as in the
// exact sorted definition) reported as the middle of its bucket: relative error <= 1/128
// (< 1%). count, min, max and mean are exact. Counts are stored only between the lowest
// and highest bucket used, so a histogram per window stays small. Mergeable: merging
// the windows' histograms gives the whole run's exactly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/observe/history.h"
#include "sim/time.h"

namespace reports {

struct LatencySummary {
    uint64_t count = 0;
    double mean_ms = 0;
    double p50_ms = 0;
    double p90_ms = 0;
    double p99_ms = 0;
    double p999_ms = 0;
    double max_ms = 0;
};

class LatencyHistogram {
public:
    static constexpr int kSubBucketBits = 6;  // 64 sub-buckets per power of two

    void record(int64_t value_ns, uint64_t count = 1);
    void merge(const LatencyHistogram& other);

    uint64_t count() const { return count_; }
    int64_t min() const { return count_ ? min_ : 0; }
    int64_t max() const { return max_; }
    double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
    // Nearest-rank percentile, q in [0, 1]; 0 when empty. q = 1 gives the exact max.
    int64_t percentile(double q) const;
    LatencySummary summary() const;

    // Bucket arithmetic, exposed for tests.
    static uint32_t bucket_of(int64_t value_ns);
    static int64_t bucket_low(uint32_t bucket);
    static int64_t bucket_high(uint32_t bucket);  // inclusive

private:
    std::vector<uint64_t> counts_;  // counts_[i] is bucket first_ + i
    uint32_t first_ = 0;
    uint64_t count_ = 0;
    int64_t min_ = 0;
    int64_t max_ = 0;
    double sum_ = 0;
};

// Which operations count in latency: those with a definite answer (ok, not_found).
// Failures and timeouts are counted as errors, not as latencies (a 30 s timeout is the
// client's setting, not the service's speed). The verify workload is left out.
bool counts_for_latency(const models::observe::Operation& op,
                        const models::observe::History& history);

// Per operation kind (index = OpKind, and kAll = 5 for every kind) over the whole run and
// per window of `window` (by completion time).
struct OpWindowStats {
    std::vector<LatencyHistogram> latency;  // one per window
    std::vector<uint64_t> count;            // operations completed in the window
    std::vector<uint64_t> ok;
    std::vector<uint64_t> errors;  // failed + timeout + busy (not auth rejections)
};

struct LatencyTables {
    static constexpr int kAll = models::observe::kOpKindCount;
    sim::Duration window;
    size_t windows = 0;
    LatencyHistogram overall[models::observe::kOpKindCount + 1];
    OpWindowStats per_window[models::observe::kOpKindCount + 1];
};

// One pass over the history. `end` is the end of the measured period (the run's
// duration): windows cover [0, end), operations completing later go in the last one.
LatencyTables build_latency_tables(const models::observe::History& history,
                                   sim::Duration window, sim::Time end);

}  // namespace reports
