#include "reports/load_balance.h"

#include <algorithm>
#include <cmath>

#include "sim/check.h"

namespace reports {

LoadStats load_stats(const Eigen::Ref<const Eigen::VectorXd>& loads) {
    LoadStats s;
    const Eigen::Index n = loads.size();
    if (n == 0) return s;
    s.mean = loads.mean();
    s.max = loads.maxCoeff();
    if (s.mean <= 0) return s;  // no load: balanced by convention (see header)
    s.max_over_mean = s.max / s.mean;
    const double variance = (loads.array() - s.mean).square().mean();
    s.cov = std::sqrt(variance) / s.mean;
    // Gini from the sorted loads: G = sum_i (2i - n - 1) x_(i) / (n * sum x), i from 1.
    Eigen::VectorXd sorted = loads;
    std::sort(sorted.data(), sorted.data() + n);
    const Eigen::VectorXd weights =
        Eigen::VectorXd::LinSpaced(n, static_cast<double>(1 - n), static_cast<double>(n - 1));
    s.gini = weights.dot(sorted) / (static_cast<double>(n) * sorted.sum());
    return s;
}

LoadBalance load_balance(const Eigen::MatrixXd& matrix, std::vector<std::string> columns,
                         std::vector<double> times_s, double judge_from_s, double judge_to_s) {
    LoadBalance lb;
    lb.columns = std::move(columns);
    lb.times_s = std::move(times_s);
    if (matrix.cols() == 0) return lb;
    lb.per_interval.reserve(static_cast<size_t>(matrix.rows()));
    double worst = -1;
    for (Eigen::Index r = 0; r < matrix.rows(); ++r) {
        lb.per_interval.push_back(load_stats(matrix.row(r).transpose()));
        if (lb.per_interval.back().max_over_mean > worst) {
            worst = lb.per_interval.back().max_over_mean;
            lb.worst_interval = static_cast<int>(r);
        }
    }
    if (matrix.rows() > 0) lb.overall = load_stats(matrix.colwise().mean().transpose());
    lb.judged = lb.overall;
    lb.judged_to_s = lb.times_s.empty() ? 0 : lb.times_s.back() + (lb.times_s.size() > 1 ? lb.times_s[1] - lb.times_s[0] : 0);
    lb.judged_intervals = static_cast<int>(matrix.rows());
    if (judge_from_s > 0) {
        SIM_ASSERT(lb.times_s.size() == static_cast<size_t>(matrix.rows()), "a judged window needs the row times");
        Eigen::VectorXd sum = Eigen::VectorXd::Zero(matrix.cols());
        int rows = 0;
        for (Eigen::Index r = 0; r < matrix.rows(); ++r) {
            const double t = lb.times_s[static_cast<size_t>(r)];
            if (t < judge_from_s || t >= judge_to_s) continue;
            sum += matrix.row(r).transpose();
            ++rows;
        }
        lb.judged = rows > 0 ? load_stats(sum / rows) : LoadStats{};
        lb.judged_from_s = judge_from_s;
        lb.judged_to_s = judge_to_s;
        lb.judged_intervals = rows;
    }
    return lb;
}

LoadMatrix load_matrix(const models::observe::MetricsRecorder& metrics, std::string_view metric) {
    LoadMatrix m;
    std::vector<int> column_of(metrics.all_series().size(), -1);
    for (auto id : metrics.series_of(metric)) {
        column_of[id.value] = static_cast<int>(m.columns.size());
        m.columns.push_back(metrics.series_info(id).labels);
    }
    const int64_t interval = metrics.sample_interval().ns();
    SIM_ASSERT(interval > 0, "sample interval must be positive");
    int64_t rows = 0;
    for (const auto& s : metrics.samples())
        if (column_of[s.series.value] >= 0) rows = std::max(rows, s.time.ns() / interval + 1);
    m.values = Eigen::MatrixXd::Zero(rows, static_cast<Eigen::Index>(m.columns.size()));
    for (const auto& s : metrics.samples()) {
        int c = column_of[s.series.value];
        if (c >= 0) m.values(s.time.ns() / interval, c) = s.value;
    }
    m.times_s.resize(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r)
        m.times_s[static_cast<size_t>(r)] = static_cast<double>(r * interval) * 1e-9;
    return m;
}

}  // namespace reports
