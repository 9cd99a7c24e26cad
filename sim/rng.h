// sim/rng.h: the only source of randomness inside a run.
//
// Rng is xoshiro256** seeded through splitmix64. Every component forks its own named
// stream (rng.fork("workload/hot-reads")); a fork depends only on the parent's stream
// key and the name, never on how many numbers the parent has drawn, so adding a
// component or a draw somewhere does not shift anyone else's sequence.
// Distributions are our own code (the standard library's differ between
// implementations); their outputs are pinned by golden tests in tests/sim/rng_test.cpp.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "sim/time.h"

namespace sim {

// 64-bit FNV-1a, for names. Stable across platforms.
constexpr uint64_t hash_name(std::string_view s) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : s) {
        h ^= static_cast<uint8_t>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

// splitmix64 finalizer: a good 64-bit mixer.
constexpr uint64_t mix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

class Rng {
public:
    explicit Rng(uint64_t seed = 1);

    // A new independent stream named `name` under this one.
    Rng fork(std::string_view name) const;
    Rng fork(uint64_t index) const;
    uint64_t key() const { return key_; }

    uint64_t next_u64();
    // Uniform integer in [0, n). REQUIRES: n > 0. Lemire's nearly-divisionless method.
    uint64_t below(uint64_t n);
    // Uniform integer in [lo, hi] (inclusive). REQUIRES: lo <= hi.
    int64_t uniform_int(int64_t lo, int64_t hi);
    // Uniform real in [0, 1) with 53 random bits.
    double uniform01();
    double uniform_real(double lo, double hi);
    bool bernoulli(double p);
    // Exponential with the given mean.
    double exponential(double mean);
    Duration exponential(Duration mean);
    // Standard normal (Box-Muller, one value per call; no cached state so that
    // the stream position is a function of the number of calls only).
    double normal();
    // Lognormal with the given median (e^mu) and sigma.
    double lognormal(double median, double sigma);

    template <typename T>
    const T& pick(std::span<const T> items) {
        return items[below(items.size())];
    }
    template <typename T>
    const T& pick(const std::vector<T>& items) {
        return items[below(items.size())];
    }
    // Fisher-Yates shuffle with our own draws.
    template <typename T>
    void shuffle(std::vector<T>& items) {
        for (size_t i = items.size(); i > 1; --i) {
            size_t j = below(i);
            std::swap(items[i - 1], items[j]);
        }
    }

private:
    uint64_t key_;
    uint64_t s_[4];
};

// Zipf over keys 0..n-1 with P(k) proportional to 1/(k+1)^theta, drawn in O(1) with
// Walker's alias method after an O(n) setup. theta = 0 is uniform.
class ZipfTable {
public:
    // REQUIRES: n >= 1, theta >= 0.
    ZipfTable(uint64_t n, double theta);
    uint64_t sample(Rng& rng) const;
    uint64_t size() const { return prob_.size(); }
    double probability(uint64_t k) const;  // exact P(k), for tests

private:
    std::vector<uint64_t> prob_;  // acceptance threshold scaled to 2^64 - 1
    std::vector<uint32_t> alias_;
    double norm_ = 0;
    double theta_ = 0;
};

}  // namespace sim
