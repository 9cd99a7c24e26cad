// Synthetic workload draws: arrivals, rate steps, mix, keys and sizes.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>

#include "models/client/workload_gen.h"

using namespace sim::literals;
using models::client::WorkloadGenerator;
using models::client::WorkloadSpec;

TEST_CASE("workload: poisson arrivals have the asked rate; constant ones a fixed gap") {
    WorkloadSpec s;
    s.rate = 2000;
    WorkloadGenerator g(s, sim::Rng(1));
    sim::Duration t;
    int n = 0;
    while (t < 100_s) {
        t += *g.next_gap(t);
        ++n;
    }
    CHECK(n == doctest::Approx(200'000).epsilon(0.01));
    s.arrival = models::client::Arrival::kConstant;
    s.rate = 4;
    WorkloadGenerator c(s, sim::Rng(1));
    CHECK(*c.next_gap(0_s) == 250_ms);
    CHECK(*c.next_gap(1_s) == 250_ms);
}

TEST_CASE("workload: rate steps change the rate at their times; none before the first") {
    WorkloadSpec s;
    s.steps = {{10_s, 100}, {20_s, 1000}, {30_s, 0}};
    WorkloadGenerator g(s, sim::Rng(2));
    sim::Duration t;
    std::map<int, int> per_10s;
    while (auto gap = g.next_gap(t)) {
        t += *gap;
        ++per_10s[static_cast<int>(t / 10_s)];
    }
    CHECK(per_10s.count(0) == 0);
    CHECK(per_10s[1] == doctest::Approx(1000).epsilon(0.1));
    CHECK(per_10s[2] == doctest::Approx(10'000).epsilon(0.05));
    CHECK(per_10s.count(3) == 0);
}

TEST_CASE("workload: the operation mix follows its fractions") {
    WorkloadSpec s;
    s.mix[0] = 0.2;
    s.mix[1] = 0.7;
    s.mix[2] = 0.05;
    s.mix[3] = 0.05;
    s.mix[4] = 0;
    WorkloadGenerator g(s, sim::Rng(3));
    int count[5] = {};
    for (int i = 0; i < 100'000; ++i) ++count[static_cast<int>(g.next_op())];
    CHECK(count[0] == doctest::Approx(20'000).epsilon(0.03));
    CHECK(count[1] == doctest::Approx(70'000).epsilon(0.02));
    CHECK(count[2] == doctest::Approx(5'000).epsilon(0.08));
    CHECK(count[4] == 0);
}

TEST_CASE("workload: zipf keys are skewed and scattered; hotspot keys contiguous; sequential in order") {
    WorkloadSpec s;
    s.key_count = 1000;
    s.keys = models::client::KeyDist::kZipf;
    WorkloadGenerator g(s, sim::Rng(4));
    std::map<uint64_t, int> freq;
    for (int i = 0; i < 200'000; ++i) ++freq[g.next_key()];
    std::vector<std::pair<int, uint64_t>> by_count;
    for (auto [k, c] : freq) by_count.push_back({c, k});
    std::sort(by_count.rbegin(), by_count.rend());
    // The hottest key gets about 1/H(1000, 0.99) of the draws (~13%).
    CHECK(by_count[0].first > 20'000);
    // The top keys are not neighbours in key space.
    CHECK(std::abs(static_cast<int64_t>(by_count[0].second) - static_cast<int64_t>(by_count[1].second)) > 1);

    s.keys = models::client::KeyDist::kHotspot;
    s.hot_fraction = 0.1;
    s.hot_probability = 0.9;
    WorkloadGenerator h(s, sim::Rng(5));
    int hot = 0;
    for (int i = 0; i < 100'000; ++i) hot += h.next_key() < 100 ? 1 : 0;
    CHECK(hot == doctest::Approx(90'000).epsilon(0.01));

    s.keys = models::client::KeyDist::kSequential;
    s.key_count = 3;
    WorkloadGenerator q(s, sim::Rng(6));
    CHECK(q.next_key() == 0);
    CHECK(q.next_key() == 1);
    CHECK(q.next_key() == 2);
    CHECK(q.next_key() == 0);
    CHECK(q.key_name(42) == "k0000000042");
}

TEST_CASE("workload: sizes fixed, uniform and lognormal; streams independent") {
    WorkloadSpec s;
    s.sizes = models::client::SizeDist::kLognormal;
    s.size_median = 64'000;
    s.sigma = 1.0;
    WorkloadGenerator g(s, sim::Rng(7));
    std::vector<int64_t> v(20'001);
    for (auto& x : v) x = g.next_size();
    std::nth_element(v.begin(), v.begin() + 10'000, v.end());
    CHECK(v[10'000] == doctest::Approx(64'000).epsilon(0.03));
    s.sizes = models::client::SizeDist::kUniform;
    s.size_min = 10;
    s.size_max = 20;
    WorkloadGenerator u(s, sim::Rng(8));
    std::set<int64_t> seen;
    for (int i = 0; i < 1000; ++i) seen.insert(u.next_size());
    CHECK(*seen.begin() == 10);
    CHECK(*seen.rbegin() == 20);
    // Drawing sizes does not move the key sequence.
    WorkloadGenerator a(s, sim::Rng(9)), b(s, sim::Rng(9));
    for (int i = 0; i < 10; ++i) b.next_size();
    CHECK(a.next_key() == b.next_key());
}
