// models/client/workload_gen.h: the random choices of a synthetic workload.
//
// What a synthetic workload draws, each from its own forked RNG stream so that changing
// one (say the size distribution) leaves the others' sequences alone:
//  - arrivals: open-loop poisson or constant at a rate, or a list of rate steps (piecewise
//    constant; no load before the first step), or closed-loop clients with a think time;
//  - the operation, by the mix fractions;
//  - the key: uniform, zipf(theta) over `count` keys (O(1) per draw), hotspot (a
//    contiguous hot_fraction of the key space gets hot_probability of the operations), or
//    sequential;
//  - the size: fixed, uniform [min, max] or lognormal(median, sigma).
// Keys are named "k" + 10 digits. Zipf ranks are scattered over the key space by a fixed
// bijection (rank * P mod count, P prime to count), so the popular keys do not all fall
// in one range partition; hotspot keys are contiguous on purpose, as YCSB's are.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/observe/history.h"
#include "sim/rng.h"
#include "sim/time.h"

namespace models::client {

// The operation kinds are the history's (models/observe), so a drawn operation is
// recorded as it is; names via models::observe::to_string.
using OpKind = models::observe::OpKind;

enum class Arrival : uint8_t { kPoisson, kConstant, kClosed };
enum class KeyDist : uint8_t { kUniform, kZipf, kHotspot, kSequential };
enum class SizeDist : uint8_t { kFixed, kUniform, kLognormal };

struct RateStep {
    sim::Duration at;
    double rate = 0;
};

struct WorkloadSpec {
    Arrival arrival = Arrival::kPoisson;
    double rate = 0;               // poisson, constant (used when steps is empty)
    std::vector<RateStep> steps;   // poisson, constant
    int clients = 0;               // closed
    sim::Duration think;           // closed
    double mix[5] = {0, 1, 0, 0, 0};  // put, get, delete, list, head
    uint64_t key_count = 10'000;
    KeyDist keys = KeyDist::kUniform;
    double theta = 0.99;
    double hot_fraction = 0.1;
    double hot_probability = 0.9;
    SizeDist sizes = SizeDist::kFixed;
    int64_t size_value = 4096;
    int64_t size_min = 0;
    int64_t size_max = 0;
    int64_t size_median = 0;
    double sigma = 1.0;
};

class WorkloadGenerator {
public:
    // REQUIRES: spec valid (the scenario loader checks it).
    WorkloadGenerator(const WorkloadSpec& spec, const sim::Rng& rng);

    // Open loop: the gap from `since_start` (time since the workload began) to the next
    // arrival, or nullopt if the rate is zero from here on.
    std::optional<sim::Duration> next_gap(sim::Duration since_start);
    OpKind next_op();
    uint64_t next_key();
    std::string key_name(uint64_t key) const;
    int64_t next_size();
    const WorkloadSpec& spec() const { return spec_; }

private:
    double rate_at(sim::Duration t, sim::Duration* next_change) const;

    WorkloadSpec spec_;
    sim::Rng arrival_rng_, op_rng_, key_rng_, size_rng_;
    std::shared_ptr<const sim::ZipfTable> zipf_;
    uint64_t scatter_ = 1;
    uint64_t sequential_ = 0;
};

}  // namespace models::client
