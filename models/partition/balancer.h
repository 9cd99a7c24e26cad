// models/partition/balancer.h: the partition manager's load-balancing decisions.
//
// Pure functions from (partition map, load reports, config) to actions, so the policy is
// tested without a cluster and "can be swapped by configuration" (was-model-notes §3.4).
// One pass of plan_balance follows the production algorithm of §3.4:
//  1. split: ranges above split_load (or throttled), hottest first, at most
//     max_splits_per_pass, never above the high watermark. A range carrying k times
//     split_load is cut into up to k pieces at once (at the server's reported load
//     quantiles, max_split_pieces at most), and every piece but the first goes straight to
//     the then lightest server: one pass spreads a hot range instead of one halving per
//     balance_interval (the paper's split-then-move, in one step);
//  2. move: while the heaviest live server is above overload_factor x the mean, move
//     one of its ranges (ranges split in the previous pass first) to the lightest server,
//     choosing the largest range whose move lowers the maximum; if every range of it is
//     too big to move (more load than the gap to the lightest server), split its heaviest
//     into pieces of about the mean load and spread those (split to move);
//  3. merge: adjacent ranges both below merge_load whose sum is too, while the count is
//     above the low watermark; if the two sit on different servers the right one is
//     first moved next to the left one (the merge follows in a later pass).
// plan_reassign spreads the ranges of failed (or unassigned) servers over the live ones,
// lightest first, so one failure's load lands on up to N servers.
#pragma once

#include <map>
#include <string>
#include <set>
#include <vector>

#include "models/partition/config.h"
#include "models/partition/partition_map.h"

namespace models::partition {

struct RangeLoad {
    double ops_per_s = 0;
    double throttled_per_s = 0;
    int64_t bytes = 0;
    // Candidate split keys (load quantiles of recent requests), ascending, inside the range
    // and above its low key. None: the range cannot be split now.
    std::vector<std::string> split_keys;
};

struct ServerLoad {
    double ops_per_s = 0;
    double pending = 0;
    double throttled_per_s = 0;
    int64_t bytes = 0;
};

struct BalanceInput {
    const PartitionMap* map = nullptr;
    std::map<RangeId, RangeLoad> ranges;    // missing: no load reported (treated as 0)
    std::map<ServerId, ServerLoad> live;    // servers holding a valid lease
    std::set<RangeId> split_last_pass;      // children of the previous pass's splits
};

struct BalanceAction {
    enum class Kind : uint8_t { kSplit, kMove, kMerge };
    Kind kind = Kind::kSplit;
    RangeId range;
    RangeId other;  // merge: the right-hand range
    ServerId to;    // move: the destination
    // split: the split keys (ascending) and each piece's server in key order (the first
    // stays on the range's server).
    std::vector<std::string> keys;
    std::vector<ServerId> servers;
};

std::vector<BalanceAction> plan_balance(const BalanceInput& in, const PartitionConfig& config);

// Assigns every range that is unassigned or on a server not in `live` to a live server,
// each to the currently lightest (by reported range load, then by range count).
std::vector<std::pair<RangeId, ServerId>> plan_reassign(const BalanceInput& in);

// Load of each live server implied by the range loads and the map (for tests, metrics).
std::map<ServerId, double> server_loads(const BalanceInput& in);
// max/mean of server_loads (1.0 when all are idle).
double max_over_mean(const std::map<ServerId, double>& loads);

}  // namespace models::partition
