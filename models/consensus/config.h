// models/consensus/config.h: a replica group's membership, timing and planted bugs.
//
// Timing defaults are derived from the scenario format's `storage` defaults
// (stream.heartbeat 1s, stream.node_timeout 10s, partition.lease 10s):
//  - heartbeat 100 ms: a tenth of the stream heartbeat, so a leader is known within a
//    few network round trips of the stamp (intra-stamp latency is ~100 us);
//  - election timeout uniform in [1 s, 2 s]: a tenth to a fifth of node_timeout, so a
//    leader failure is repaired well inside the time the stream layer waits before it
//    declares an extent node dead, and ten heartbeats are lost before anyone campaigns;
//  - max_clock_drift 0.05: the largest `drift` the scenario format's clock_skew fault is
//    expected to use (leader leases and lock leases are computed to stay safe under it).
// RaftConfig::from_storage derives them from the scenario's values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/ids.h"
#include "sim/time.h"

namespace models::consensus {

class SafetyRecorder;

// Planted bugs: each breaks one protocol rule, so the tests can prove that the checkers
// bite. Production code runs with none. `--set debug.bug=NAME` maps to these by name.
enum class Bug : uint32_t {
    kVoteTwice = 1u << 0,          // grant a second vote in a term
    kCommitOldTerm = 1u << 1,      // commit an old-term entry by counting replicas
    kAckBeforePersist = 1u << 2,   // answer votes and appends before the disk acked
    kIgnoreLeaseExpiry = 1u << 3,  // a lock holder believes its lease never expires
};

struct Bugs {
    uint32_t mask = 0;
    bool has(Bug b) const { return (mask & static_cast<uint32_t>(b)) != 0; }
    Bugs& set(Bug b) {
        mask |= static_cast<uint32_t>(b);
        return *this;
    }
    // "vote_twice", "commit_old_term", "ack_before_persist", "ignore_lease_expiry".
    static std::optional<Bug> parse(std::string_view name);
    static std::string_view name(Bug b);
};

// The members of one replicated group. Membership is fixed per scenario.
struct ReplicaGroup {
    // Names the durable state ("raft/<name>") and appears in checker messages.
    std::string name;
    // Member i is replica i; 3 or 5 members, spread over racks and power domains.
    std::vector<sim::Address> members;
    int quorum() const { return static_cast<int>(members.size()) / 2 + 1; }
};

struct RaftConfig {
    sim::Duration heartbeat = sim::Duration::millis(100);
    sim::Duration election_timeout_min = sim::Duration::seconds(1);
    sim::Duration election_timeout_max = sim::Duration::seconds(2);
    // Bound on |drift| of any node's clock; leader-lease reads are sized with it.
    double max_clock_drift = 0.05;
    // Take a snapshot (and drop the log before it) every this many applied entries.
    int64_t snapshot_threshold_entries = 1024;
    // Entries per AppendEntries message (a lagging follower catches up in batches).
    int max_batch_entries = 64;
    // Client commands accepted by the leader and not yet applied; beyond it: kBusy.
    int max_pending_proposals = 4096;
    // A new leader appends a no-op entry of its term (commits earlier terms' entries
    // promptly and makes read-index reads possible).
    bool leader_noop = true;
    Bugs bugs;
    // Test-only observer that checks safety during the run; null in production.
    SafetyRecorder* recorder = nullptr;

    // Derived from the scenario's storage.stream.heartbeat and node_timeout (see above).
    static RaftConfig from_storage(sim::Duration stream_heartbeat, sim::Duration node_timeout);
};

}  // namespace models::consensus
