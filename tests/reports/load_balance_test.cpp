#include <doctest/doctest.h>

#include "reports/load_balance.h"

using doctest::Approx;

TEST_CASE("load stats: hand-computed values") {
    Eigen::VectorXd x(4);
    x << 1, 2, 3, 4;
    auto s = reports::load_stats(x);
    // mean 2.5; max 4; variance (2.25+0.25+0.25+2.25)/4 = 1.25; sum|xi-xj| = 20.
    CHECK(s.mean == Approx(2.5));
    CHECK(s.max == Approx(4));
    CHECK(s.max_over_mean == Approx(1.6));
    CHECK(s.cov == Approx(0.4472135955));
    CHECK(s.gini == Approx(20.0 / (2 * 16 * 2.5)));

    Eigen::VectorXd even = Eigen::VectorXd::Constant(5, 7.0);
    auto e = reports::load_stats(even);
    CHECK(e.max_over_mean == Approx(1.0));
    CHECK(e.cov == Approx(0.0));
    CHECK(e.gini == Approx(0.0));

    Eigen::VectorXd one(4);
    one << 0, 0, 0, 8;  // all on one server: gini (n-1)/n, max/mean n, cov sqrt(n-1)
    auto o = reports::load_stats(one);
    CHECK(o.gini == Approx(0.75));
    CHECK(o.max_over_mean == Approx(4.0));
    CHECK(o.cov == Approx(std::sqrt(3.0)));

    auto z = reports::load_stats(Eigen::VectorXd::Zero(3));
    CHECK(z.max_over_mean == 1.0);
    CHECK(z.gini == 0.0);
}

TEST_CASE("load balance: per interval and overall on a small matrix") {
    Eigen::MatrixXd m(3, 3);
    m << 10, 10, 10,   // even
        30, 0, 0,      // all on one
        2, 4, 6;       // mean 4, max 6
    auto lb = reports::load_balance(m, {"a", "b", "c"}, {0, 1, 2});
    REQUIRE(lb.per_interval.size() == 3);
    CHECK(lb.per_interval[0].max_over_mean == Approx(1.0));
    CHECK(lb.per_interval[1].max_over_mean == Approx(3.0));
    CHECK(lb.per_interval[1].gini == Approx(2.0 / 3.0));
    CHECK(lb.per_interval[2].max_over_mean == Approx(1.5));
    // gini of (2,4,6): sum|xi-xj| = 2*(2+4+2) = 16; 16 / (2*9*4) = 0.2222
    CHECK(lb.per_interval[2].gini == Approx(16.0 / 72.0));
    CHECK(lb.per_interval[2].cov == Approx(std::sqrt(8.0 / 3.0) / 4.0));
    CHECK(lb.worst_interval == 1);
    // Overall: column means (14, 14/3, 16/3); mean 8; max 14.
    CHECK(lb.overall.mean == Approx(8.0));
    CHECK(lb.overall.max == Approx(14.0));
    CHECK(lb.overall.max_over_mean == Approx(1.75));
}

TEST_CASE("load balance: a settle time judges only the intervals from it to the end of the load") {
    Eigen::MatrixXd m(4, 2);
    m << 40, 0,   // before the balancer acted: all on one
        10, 10,   // settled
        12, 8,    // settled
        0, 6;     // the drain
    auto all = reports::load_balance(m, {"a", "b"}, {0, 5, 10, 15});
    // No settle time: the judged figures are the run-long ones (column means 15.5, 6).
    CHECK(all.judged.max_over_mean == Approx(all.overall.max_over_mean));
    CHECK(all.overall.max_over_mean == Approx(15.5 / 10.75));
    CHECK(all.judged_intervals == 4);
    auto settled = reports::load_balance(m, {"a", "b"}, {0, 5, 10, 15}, 5.0, 15.0);
    CHECK(settled.judged_intervals == 2);
    CHECK(settled.judged_from_s == 5.0);
    CHECK(settled.judged_to_s == 15.0);
    // Column means over rows 1 and 2: (11, 9); mean 10, max 11.
    CHECK(settled.judged.mean == Approx(10.0));
    CHECK(settled.judged.max_over_mean == Approx(1.1));
    // The run-long figures are unchanged.
    CHECK(settled.overall.max_over_mean == Approx(all.overall.max_over_mean));
    // A window with no interval in it is even by convention.
    auto empty = reports::load_balance(m, {"a", "b"}, {0, 5, 10, 15}, 100.0, 200.0);
    CHECK(empty.judged_intervals == 0);
    CHECK(empty.judged.max_over_mean == 1.0);
}

TEST_CASE("load matrix from the metrics recorder: missing samples are zero") {
    models::observe::MetricsRecorder rec(sim::Duration::seconds(1));
    using models::observe::kPartitionServerLoad;
    rec.record(sim::Time::from_ns(500'000'000), kPartitionServerLoad, "server=a", 5);
    rec.record(sim::Time::from_ns(500'000'000), kPartitionServerLoad, "server=b", 15);
    rec.record(sim::Time::from_ns(1'500'000'000), kPartitionServerLoad, "server=a", 8);
    rec.record(sim::Time::from_ns(1'500'000'000), "other", "", 99);
    auto m = reports::load_matrix(rec, kPartitionServerLoad);
    REQUIRE(m.values.rows() == 2);
    REQUIRE(m.values.cols() == 2);
    CHECK(m.columns[1] == "server=b");
    CHECK(m.values(1, 1) == 0.0);
    CHECK(m.values(1, 0) == 8.0);
    CHECK(m.times_s[1] == Approx(1.0));
}
