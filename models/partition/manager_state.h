// models/partition/manager_state.h: the partition manager's replicated state and commands.
//
// PartitionManagerState is the deterministic state machine the partition manager
// replicas run on Raft (models/consensus): the partition map (key ranges -> partition
// servers, versioned) and, per range partition, the names of the metadata streams a
// partition server reads to load it. It makes no choices: the leader (the replica that
// also holds the partition-manager lock) decides splits, merges and assignments and
// proposes commands; every replica applies the same commands in the same order. A command
// that no longer fits the map (a range that was meanwhile split, a merge of ranges on two
// servers) is refused with ok=false, never half-applied. After every command the map's
// invariants (sorted, disjoint, covering) are asserted.
//
// Stream sharing (split and merge copy no data): a range's metadata streams are its
// parents' metadata streams followed by its own, so a child reads its parent's last
// checkpoint record and commit log (same extents, same order) and a merged range reads
// both parents'. Only the last name of the list is written by the range's server.
// A range's lineage (RangeMeta::ancestors) is fenced the same way: its first owner retires
// every ancestor's lease before loading it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "models/consensus/state_machine.h"
#include "models/partition/partition_map.h"

namespace models::partition {

struct RangeMeta {
    // Metadata streams to read in order when loading; the last is this range's own.
    std::vector<std::string> meta_streams;
    // Stream-name prefix of the streams this range creates ("rp/<id>").
    std::string own_prefix;
    // Every range partition whose streams this one reads (the owners of meta_streams but
    // the last): its lineage. A server retires their leases before it loads this range,
    // so no stale holder of an ancestor can serve keys beside it (fencing per lineage).
    std::vector<RangeId> ancestors;
    bool operator==(const RangeMeta&) const = default;
};

struct ManagerData {
    PartitionMap map;
    std::map<RangeId, RangeMeta> meta;
    bool initialized = false;
    // Counters (replicated, so a new leader reports the same numbers).
    uint64_t splits = 0;
    uint64_t merges = 0;
    uint64_t moves = 0;
    uint64_t reassignments = 0;
    // Servers the operator is draining (an upgrade is about to take them down).
    std::set<ServerId> draining;
    bool operator==(const ManagerData&) const = default;
};

std::string own_meta_stream(RangeId id);

// --- commands --------------------------------------------------------------------------------

// Pre-splits the empty map at the given keys (sorted, distinct). Applies once.
struct InitMapCmd final : consensus::Command {
    std::vector<std::string> boundaries;
    std::string_view name() const override { return "partition.init_map"; }
};
// Assigns a range to a server (kNoServer: take it away). `moved` counts it as a
// load-balancing move rather than a reassignment after a failure.
struct AssignCmd final : consensus::Command {
    RangeId range;
    ServerId server;
    bool moved = false;
    std::string_view name() const override { return "partition.assign"; }
};
// The operator's servers to drain now (replaces the set; empty: none).
struct DrainCmd final : consensus::Command {
    std::vector<ServerId> servers;
    std::string_view name() const override { return "partition.drain"; }
};
struct SplitCmd final : consensus::Command {
    RangeId range;
    std::string key;  // a two-way split at this key (when `keys` is empty)
    // A split into keys.size() + 1 pieces at these ascending keys, in one step.
    std::vector<std::string> keys;
    // The server of each piece, in key order (empty: all stay on the parent's server). A
    // piece placed elsewhere is a move: the balancer spreads a hot range as it splits it.
    std::vector<ServerId> servers;
    std::string_view name() const override { return "partition.split"; }
};
struct MergeCmd final : consensus::Command {
    RangeId left;
    RangeId right;
    std::string_view name() const override { return "partition.merge"; }
};

struct ManagerResult final : consensus::Result {
    bool ok = false;
    uint64_t map_version = 0;
    std::vector<RangeId> created;  // split: the pieces in key order; merge: (merged)
};

class PartitionManagerState final : public consensus::StateMachine {
public:
    PartitionManagerState();
    consensus::ResultPtr apply(const consensus::Command& command, const consensus::ApplyContext& ctx) override;
    consensus::SnapshotPtr snapshot() const override;
    void restore(const consensus::Snapshot& s) override;

    const ManagerData& data() const { return data_; }
    const PartitionMap& map() const { return data_.map; }

    // Applies a command directly (unit tests; the replicas use apply()).
    std::shared_ptr<const ManagerResult> execute(const consensus::Command& command);

private:
    ManagerData data_;
};

}  // namespace models::partition
