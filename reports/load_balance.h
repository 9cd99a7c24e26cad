// reports/load_balance.h: how evenly load is spread over partition servers, extent nodes
// and racks, from a sampled load matrix (rows = sample intervals, columns = servers).
//
// Statistics of one row x of n >= 1 non-negative loads:
//   mean, max, max_over_mean = max / mean, cov = population standard deviation / mean,
//   gini = sum_i sum_j |x_i - x_j| / (2 n^2 mean)  (0 = perfectly even, (n-1)/n = all on one).
// A row whose mean is 0 (no load at all) is perfectly balanced by convention:
// max_over_mean = 1, cov = 0, gini = 0, so JSON never carries NaN.
// "overall" is the statistics of each column's mean over all intervals (the run-long
// load per server); per_interval has one entry per row. A server that reported no sample
// in an interval counts as load 0 there (a crashed server carries nothing).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Dense>

#include "models/observe/metrics.h"

namespace reports {

struct LoadStats {
    double mean = 0;
    double max = 0;
    double max_over_mean = 1;
    double cov = 0;
    double gini = 0;
};

struct LoadBalance {
    std::vector<std::string> columns;  // labels of the series, in matrix column order
    std::vector<double> times_s;       // start of each row's interval
    LoadStats overall;
    std::vector<LoadStats> per_interval;
    // What the load-balance thresholds judge: the statistics of each column's mean over the
    // intervals starting in [judged_from_s, judged_to_s) (by default every interval, so
    // judged == overall; "load_balance.settle" leaves out the start and the drain).
    LoadStats judged;
    double judged_from_s = 0;
    double judged_to_s = 0;
    int judged_intervals = 0;
    // The interval with the largest max_over_mean (-1 when there are no rows).
    int worst_interval = -1;
};

LoadStats load_stats(const Eigen::Ref<const Eigen::VectorXd>& loads);
// With judge_from_s > 0, `judged` covers the rows whose times_s lie in
// [judge_from_s, judge_to_s); otherwise it is `overall`.
LoadBalance load_balance(const Eigen::MatrixXd& matrix, std::vector<std::string> columns = {},
                         std::vector<double> times_s = {}, double judge_from_s = 0,
                         double judge_to_s = 0);

// The load matrix of `metric` from the recorder: one column per series (creation order),
// one row per sample interval from 0 to the last sample (by floor(time / interval)); when
// a series has several samples in one interval the last one counts.
struct LoadMatrix {
    Eigen::MatrixXd values;
    std::vector<std::string> columns;
    std::vector<double> times_s;
};
LoadMatrix load_matrix(const models::observe::MetricsRecorder& metrics, std::string_view metric);

// The three groups the report names, and the metric each is sampled as.
struct LoadGroupInfo {
    std::string_view name;    // "partition_servers", "extent_nodes", "racks"
    std::string_view metric;  // models::observe::kPartitionServerLoad, ...
};
inline constexpr LoadGroupInfo kLoadGroups[3] = {
    {"partition_servers", models::observe::kPartitionServerLoad},
    {"extent_nodes", models::observe::kExtentNodeLoad},
    {"racks", models::observe::kRackLoad},
};

}  // namespace reports
