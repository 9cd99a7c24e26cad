#include "reports/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "sim/check.h"

namespace reports {

namespace obs = models::observe;

uint32_t LatencyHistogram::bucket_of(int64_t value_ns) {
    uint64_t v = static_cast<uint64_t>(value_ns);
    if (v < 128) return static_cast<uint32_t>(v);
    int e = std::bit_width(v) - (kSubBucketBits + 1);  // v >> e lies in [64, 128)
    uint64_t m = v >> e;
    return static_cast<uint32_t>(128 + (e - 1) * 64 + (m - 64));
}

int64_t LatencyHistogram::bucket_low(uint32_t bucket) {
    if (bucket < 128) return bucket;
    int e = static_cast<int>((bucket - 128) / 64) + 1;
    uint64_t m = (bucket - 128) % 64 + 64;
    return static_cast<int64_t>(m << e);
}

int64_t LatencyHistogram::bucket_high(uint32_t bucket) {
    if (bucket < 128) return bucket;
    int e = static_cast<int>((bucket - 128) / 64) + 1;
    uint64_t m = (bucket - 128) % 64 + 64;
    return static_cast<int64_t>(((m + 1) << e) - 1);
}

void LatencyHistogram::record(int64_t value_ns, uint64_t count) {
    SIM_ASSERT(value_ns >= 0, "negative latency " << value_ns);
    if (count == 0) return;
    uint32_t b = bucket_of(value_ns);
    if (counts_.empty()) {
        first_ = b;
        counts_.assign(1, 0);
        min_ = max_ = value_ns;
    } else if (b < first_) {
        counts_.insert(counts_.begin(), first_ - b, 0);
        first_ = b;
    } else if (b >= first_ + counts_.size()) {
        counts_.resize(b - first_ + 1, 0);
    }
    counts_[b - first_] += count;
    count_ += count;
    min_ = std::min(min_, value_ns);
    max_ = std::max(max_, value_ns);
    sum_ += static_cast<double>(value_ns) * static_cast<double>(count);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
    if (other.count_ == 0) return;
    if (count_ == 0) {
        *this = other;
        return;
    }
    uint32_t lo = std::min(first_, other.first_);
    uint32_t hi = std::max(first_ + static_cast<uint32_t>(counts_.size()),
                           other.first_ + static_cast<uint32_t>(other.counts_.size()));
    if (lo < first_ || hi > first_ + counts_.size()) {
        std::vector<uint64_t> grown(hi - lo, 0);
        std::copy(counts_.begin(), counts_.end(), grown.begin() + (first_ - lo));
        counts_ = std::move(grown);
        first_ = lo;
    }
    for (size_t i = 0; i < other.counts_.size(); ++i)
        counts_[other.first_ - first_ + i] += other.counts_[i];
    count_ += other.count_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    sum_ += other.sum_;
}

int64_t LatencyHistogram::percentile(double q) const {
    if (count_ == 0) return 0;
    if (q >= 1.0) return max_;
    if (q <= 0.0) return min_;
    uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
    rank = std::clamp<uint64_t>(rank, 1, count_);
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
        seen += counts_[i];
        if (seen >= rank) {
            uint32_t b = first_ + static_cast<uint32_t>(i);
            int64_t lo = bucket_low(b);
            int64_t hi = bucket_high(b);
            int64_t mid = lo + (hi - lo) / 2;
            return std::clamp(mid, min_, max_);
        }
    }
    return max_;
}

LatencySummary LatencyHistogram::summary() const {
    LatencySummary s;
    s.count = count_;
    s.mean_ms = mean() * 1e-6;
    s.p50_ms = static_cast<double>(percentile(0.50)) * 1e-6;
    s.p90_ms = static_cast<double>(percentile(0.90)) * 1e-6;
    s.p99_ms = static_cast<double>(percentile(0.99)) * 1e-6;
    s.p999_ms = static_cast<double>(percentile(0.999)) * 1e-6;
    s.max_ms = static_cast<double>(max_) * 1e-6;
    return s;
}

bool counts_for_latency(const obs::Operation& op, const obs::History& history) {
    if (history.workloads().size() > op.workload && history.workloads()[op.workload].verify)
        return false;
    return op.status == obs::OpStatus::kOk || op.status == obs::OpStatus::kNotFound;
}

LatencyTables build_latency_tables(const obs::History& history, sim::Duration window,
                                   sim::Time end) {
    SIM_ASSERT(window > sim::Duration::zero(), "latency window must be positive");
    LatencyTables t;
    t.window = window;
    int64_t w = window.ns();
    t.windows = static_cast<size_t>(std::max<int64_t>(1, (end.ns() + w - 1) / w));
    for (auto& pw : t.per_window) {
        pw.latency.resize(t.windows);
        pw.count.assign(t.windows, 0);
        pw.ok.assign(t.windows, 0);
        pw.errors.assign(t.windows, 0);
    }
    const auto& workloads = history.workloads();
    for (const obs::Operation& op : history.ops()) {
        if (op.workload < workloads.size() && workloads[op.workload].verify) continue;
        size_t win = static_cast<size_t>(std::clamp<int64_t>(op.complete.ns() / w, 0,
                                                             static_cast<int64_t>(t.windows) - 1));
        int kinds[2] = {static_cast<int>(op.kind), LatencyTables::kAll};
        bool answered = op.status == obs::OpStatus::kOk || op.status == obs::OpStatus::kNotFound;
        bool error = op.status == obs::OpStatus::kFailed || op.status == obs::OpStatus::kTimeout ||
                     op.status == obs::OpStatus::kBusy || op.status == obs::OpStatus::kPending;
        for (int k : kinds) {
            OpWindowStats& pw = t.per_window[k];
            ++pw.count[win];
            if (answered) {
                ++pw.ok[win];
                int64_t ns = op.latency().ns();
                pw.latency[win].record(ns);
            }
            if (error) ++pw.errors[win];
        }
    }
    for (int k = 0; k <= LatencyTables::kAll; ++k)
        for (const auto& h : t.per_window[k].latency) t.overall[k].merge(h);
    return t;
}

}  // namespace reports
