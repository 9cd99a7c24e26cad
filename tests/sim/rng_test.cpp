// RNG: golden sequences (pinned: a change here changes every run's fingerprint) and
// distribution moments with fixed seeds.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "sim/rng.h"

using sim::Rng;

TEST_CASE("rng: golden sequence of the root stream and of a named fork") {
    Rng r(1);
    CHECK(r.next_u64() == 0x9876df72e9c0c481ULL);
    CHECK(r.next_u64() == 0x60ec822ca376e77eULL);
    CHECK(r.next_u64() == 0xed904d5e22708394ULL);
    CHECK(r.next_u64() == 0x8792924a75bbf787ULL);
    Rng f = Rng(1).fork("workload/hot-reads");
    CHECK(f.next_u64() == 0x79d67dfae6715ac0ULL);
    CHECK(f.next_u64() == 0x95c73e822ebd7e38ULL);
}

TEST_CASE("rng: golden outputs of the distributions") {
    Rng b(7);
    const uint64_t expect[] = {998, 694, 732, 854, 532};
    for (uint64_t v : expect) CHECK(b.below(1000) == v);
    Rng e(3);
    CHECK(e.exponential(2.0) == doctest::Approx(1.5076658758779582).epsilon(1e-15));
    CHECK(e.normal() == doctest::Approx(0.6640941417480104).epsilon(1e-12));
    CHECK(e.lognormal(64000, 1.0) == doctest::Approx(63461.188674909543).epsilon(1e-12));
    CHECK(e.uniform01() == doctest::Approx(0.39416147364777587).epsilon(1e-15));
    sim::ZipfTable z(100, 0.99);
    Rng zr(5);
    const uint64_t zexpect[] = {7, 0, 7, 0, 16};
    for (uint64_t v : zexpect) CHECK(z.sample(zr) == v);
}

TEST_CASE("rng: a fork depends on the name and not on draws made before it") {
    Rng a(42);
    Rng b(42);
    for (int i = 0; i < 100; ++i) b.next_u64();
    CHECK(a.fork("x").next_u64() == b.fork("x").next_u64());
    CHECK(a.fork("x").next_u64() != a.fork("y").next_u64());
    CHECK(a.fork(uint64_t{3}).next_u64() != a.fork(uint64_t{4}).next_u64());
    CHECK(Rng(1).next_u64() != Rng(2).next_u64());
}

TEST_CASE("rng: below() is uniform (chi-square, 10 bins, 100k draws)") {
    Rng r(11);
    std::vector<int> bins(10, 0);
    const int n = 100'000;
    for (int i = 0; i < n; ++i) ++bins[r.below(10)];
    double chi2 = 0;
    for (int c : bins) chi2 += (c - n / 10.0) * (c - n / 10.0) / (n / 10.0);
    CHECK(chi2 < 21.67);  // p = 0.01 critical value, 9 degrees of freedom
    for (int i = 0; i < 1000; ++i) {
        int64_t v = r.uniform_int(-3, 3);
        CHECK(v >= -3);
        CHECK(v <= 3);
    }
}

TEST_CASE("rng: moments of exponential, bernoulli, normal and lognormal") {
    Rng r(12);
    const int n = 200'000;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; ++i) {
        double x = r.exponential(5.0);
        sum += x;
        sum2 += x * x;
    }
    const double mean = sum / n;
    CHECK(mean == doctest::Approx(5.0).epsilon(0.01));
    CHECK(sum2 / n - mean * mean == doctest::Approx(25.0).epsilon(0.03));

    int heads = 0;
    for (int i = 0; i < n; ++i) heads += r.bernoulli(0.3) ? 1 : 0;
    CHECK(heads / static_cast<double>(n) == doctest::Approx(0.3).epsilon(0.01));

    double ns = 0, ns2 = 0;
    for (int i = 0; i < n; ++i) {
        double x = r.normal();
        ns += x;
        ns2 += x * x;
    }
    CHECK(std::abs(ns / n) < 0.01);
    CHECK(ns2 / n == doctest::Approx(1.0).epsilon(0.02));

    std::vector<double> ln(n);
    for (auto& x : ln) x = r.lognormal(64'000, 1.0);
    std::sort(ln.begin(), ln.end());
    CHECK(ln[n / 2] == doctest::Approx(64'000).epsilon(0.02));
}

TEST_CASE("rng: exponential passes a Kolmogorov-Smirnov test") {
    Rng r(13);
    const int n = 20'000;
    std::vector<double> xs(n);
    for (auto& x : xs) x = r.exponential(1.0);
    std::sort(xs.begin(), xs.end());
    double d = 0;
    for (int i = 0; i < n; ++i) {
        const double cdf = 1.0 - std::exp(-xs[static_cast<size_t>(i)]);
        d = std::max({d, std::abs(cdf - static_cast<double>(i) / n), std::abs(cdf - static_cast<double>(i + 1) / n)});
    }
    CHECK(d < 1.63 / std::sqrt(static_cast<double>(n)));  // alpha = 0.01
}

TEST_CASE("rng: zipf frequencies follow 1/(k+1)^theta") {
    sim::ZipfTable z(1000, 0.99);
    double total = 0;
    for (uint64_t k = 0; k < 1000; ++k) total += z.probability(k);
    CHECK(total == doctest::Approx(1.0).epsilon(1e-9));
    Rng r(14);
    const int n = 500'000;
    std::vector<int> count(1000, 0);
    for (int i = 0; i < n; ++i) ++count[z.sample(r)];
    // The head of the distribution, key by key, and the ratio law.
    for (uint64_t k : {0, 1, 2, 9, 99}) {
        CHECK(count[k] / static_cast<double>(n) == doctest::Approx(z.probability(k)).epsilon(0.05));
    }
    CHECK(static_cast<double>(count[0]) / count[1] == doctest::Approx(std::pow(2.0, 0.99)).epsilon(0.05));
    // theta = 0 is uniform.
    sim::ZipfTable u(10, 0.0);
    std::vector<int> ub(10, 0);
    for (int i = 0; i < 100'000; ++i) ++ub[u.sample(r)];
    for (int c : ub) CHECK(c == doctest::Approx(10'000).epsilon(0.05));
}

TEST_CASE("rng: shuffle is a permutation and pick covers every item") {
    Rng r(15);
    std::vector<int> v{0, 1, 2, 3, 4, 5, 6, 7};
    r.shuffle(v);
    std::vector<int> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7});
    std::map<int, int> seen;
    for (int i = 0; i < 1000; ++i) ++seen[r.pick(v)];
    CHECK(seen.size() == 8);
}
