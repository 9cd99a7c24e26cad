// models/observe/metrics.h: a time-series recorder for the values a run samples.
//
// Models push gauges and counters (load per partition server, extent node and rack,
// under-replicated extents, range partition count, queue depths, geo lag) every
// `report.sample_interval`, and events (a split, a merge, a move) when they happen.
// Latency and throughput are not recorded here: reports/ computes them from the
// operation history. Storage is tidy: a table of series (metric name + labels, interned
// once) and one flat vector of samples (time, series, value), appended in time order.
//
// Labels are "key=value" pairs joined by "," in the order given, e.g.
// "server=w1/r0/n3" or "stamp=w1,rack=2"; the writer of a metric keeps them consistent.
// Well-known metric names are the constants below; reports/ looks for exactly these.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/time.h"

namespace models::observe {

// Load (operations per second over the last interval) of each partition server,
// labelled server=NODE; of each extent node (node=NODE); of each rack (rack=STAMP/rN).
inline constexpr std::string_view kPartitionServerLoad = "partition_server.load";
inline constexpr std::string_view kExtentNodeLoad = "extent_node.load";
inline constexpr std::string_view kRackLoad = "rack.load";
// Gauges, one series per stamp (stamp=NAME).
inline constexpr std::string_view kUnderReplicatedExtents = "stream.under_replicated_extents";
inline constexpr std::string_view kRangePartitionCount = "partition.range_count";
// Range partitions of the map not served at the sample (no server, or its server has not
// loaded it under a valid lease): the partition layer's unavailability.
inline constexpr std::string_view kUnservedRanges = "partition.unserved_ranges";
inline constexpr std::string_view kGeoLag = "location.geo_lag_s";
// Events (value 1 at the moment it happened), labelled with the partition (range=...).
inline constexpr std::string_view kSplitEvent = "partition.split";
inline constexpr std::string_view kMergeEvent = "partition.merge";
inline constexpr std::string_view kMoveEvent = "partition.move";

enum class MetricKind : uint8_t { kGauge, kCounter, kEvent };

struct SeriesId {
    uint32_t value = 0;
    constexpr auto operator<=>(const SeriesId&) const = default;
};

struct Series {
    std::string metric;
    std::string labels;
    MetricKind kind = MetricKind::kGauge;
};

struct Sample {
    sim::Time time;
    SeriesId series;
    double value = 0;
};

class MetricsRecorder {
public:
    explicit MetricsRecorder(sim::Duration sample_interval = sim::Duration::seconds(1))
        : sample_interval_(sample_interval) {}

    sim::Duration sample_interval() const { return sample_interval_; }
    void set_sample_interval(sim::Duration interval) { sample_interval_ = interval; }
    void reserve(size_t samples) { samples_.reserve(samples); }

    // The series for (metric, labels), created on first use. Hot paths keep the id.
    SeriesId series(std::string_view metric, std::string_view labels,
                    MetricKind kind = MetricKind::kGauge);
    void record(sim::Time time, SeriesId series, double value) {
        samples_.push_back(Sample{time, series, value});
    }
    void record(sim::Time time, std::string_view metric, std::string_view labels, double value,
                MetricKind kind = MetricKind::kGauge) {
        record(time, series(metric, labels, kind), value);
    }
    void event(sim::Time time, std::string_view metric, std::string_view labels) {
        record(time, series(metric, labels, MetricKind::kEvent), 1.0);
    }

    const std::vector<Series>& all_series() const { return series_; }
    const Series& series_info(SeriesId id) const { return series_[id.value]; }
    const std::vector<Sample>& samples() const { return samples_; }
    // Ids of every series of `metric`, in creation order.
    std::vector<SeriesId> series_of(std::string_view metric) const;

private:
    sim::Duration sample_interval_;
    std::vector<Series> series_;
    std::map<std::string, uint32_t, std::less<>> index_;  // "metric\x1flabels"
    std::vector<Sample> samples_;
};

}  // namespace models::observe
