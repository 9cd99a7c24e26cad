// models/partition/partition_map.h: the partition map (key ranges -> partition servers).
//
// The partition map is the Partition Map Table of was-model-notes §3.1: the current range
// partitions of the Blob Table, in key order, and the partition server each is assigned
// to. It lives in the partition manager's replicated state (manager_state.h) and is what
// front-ends route by. Invariants (check() verifies them, the manager asserts them after
// every command): ranges are sorted, never overlap, and cover the whole key space from ""
// to +infinity; range ids are unique and never reused; every change bumps `version`.
// A range's `epoch` counts its assignments: a partition server serves a range only for
// the epoch it was given, so an old assignment can be told from a new one.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/partition/key.h"

namespace models::partition {

// A partition server by its index in the deployment (stable across restarts).
struct ServerId {
    int32_t value = -1;
    constexpr bool valid() const { return value >= 0; }
    constexpr auto operator<=>(const ServerId&) const = default;
};
constexpr ServerId kNoServer{};

struct RangeInfo {
    RangeId id;
    KeyRange range;
    ServerId server;     // kNoServer while unassigned
    uint64_t epoch = 0;  // bumped by every assignment
    // The partition-map version at which the current assignment was made.
    uint64_t assigned_version = 0;
    bool operator==(const RangeInfo&) const = default;
};

class PartitionMap {
public:
    // The whole key space as one range (no server yet). Call split() to pre-split.
    PartitionMap();

    uint64_t version() const { return version_; }
    size_t size() const { return ranges_.size(); }
    // The range that holds key (always exists: the map covers the key space).
    const RangeInfo& lookup(std::string_view key) const;
    const RangeInfo* find(RangeId id) const;
    // Ranges in key order.
    std::vector<RangeInfo> ranges() const;
    // Ranges assigned to server s, in key order.
    std::vector<RangeInfo> ranges_of(ServerId s) const;
    // The range right after (or before) the given one in key order, if any.
    const RangeInfo* next(RangeId id) const;
    const RangeInfo* prev(RangeId id) const;
    uint64_t next_range_id() const { return next_id_; }

    // --- changes (each returns false, changing nothing, if it does not fit the map) ----
    bool assign(RangeId id, ServerId server);
    // Splits range `id` at key into [low, key) and [key, high), both on the parent's
    // server with fresh ids and epochs. Returns the two new ids.
    std::optional<std::pair<RangeId, RangeId>> split(RangeId id, const std::string& key);
    // Splits range `id` at every key of `keys` (ascending, each inside the range and above
    // its low key) into keys.size() + 1 pieces on the parent's server, in one change (one
    // version step); pieces get consecutive fresh ids in key order. Empty if a key does not fit.
    std::vector<RangeId> split_many(RangeId id, const std::vector<std::string>& keys);
    // Merges two adjacent ranges (left directly before right) on the same server.
    std::optional<RangeId> merge(RangeId left, RangeId right);

    // Empty when the invariants hold, else what is wrong.
    std::string check() const;
    bool operator==(const PartitionMap&) const = default;

private:
    std::map<std::string, RangeInfo, std::less<>> ranges_;  // by low key
    std::map<RangeId, std::string> low_of_;                  // id -> low key
    uint64_t version_ = 1;
    uint64_t next_id_ = 1;
};

}  // namespace models::partition
