// models/lock/lock_service.h: the lock service: named locks with leases and fencing
// tokens, as a state machine replicated by models/consensus.
//
// Partition servers hold a lease per range partition and the partition manager is
// elected through it (Azure Storage paper §4, §5). Each lock has at most one holder;
// a grant gives the holder a fencing token larger than every token granted before, so
// whoever checks tokens (FencingGuard) refuses a holder whose lease has been passed on.
//
// Lease timing (why it stays safe under clock drift |d| <= max_drift):
//  - the holder (LockClient) believes its lease valid until
//        sent + lease * (1 - max_drift) - margin     on its own clock,
//    where `sent` is when it first sent the acquire/renew that was granted. That is at
//    most lease of true time after `sent` (a slow clock, rate 1 - d, still ends early);
//  - the service's leader considers the lease held until
//        t + lease * (1 + max_drift)                 on its own clock,
//    where t is when the leader applied the grant or renew, or, for leases it inherited,
//    when it became leader. That is at least lease of true time after t, and t comes
//    after `sent`. So the holder's belief ends before the service can grant again.
//  - a lock can be retired (partition servers retire the lease of a range partition that
//    was split or merged away, so no stale holder can ever serve it again): retire waits,
//    like an acquire, until the lock is free, expired or held by the retiring client
//    itself, and then the lock is held by no one and can never be granted again;
//  - only the leader decides that a lease has run out (StateMachine::prepare rewrites
//    "acquire" into a conditional grant); the decision is replicated as a compare-and-
//    swap on the lock's version (bumped by every grant, renew and release), so a renew
//    that commits in between makes the grant fail.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/consensus/config.h"
#include "models/consensus/state_machine.h"
#include "sim/simulation.h"

namespace models::lock {

struct LockServiceConfig {
    // storage.partition.lease of the scenario format.
    sim::Duration lease = sim::Duration::seconds(10);
    // Bound on |drift| of every clock (holders and service replicas).
    double max_clock_drift = 0.05;
    // Holder-side safety margin (covers rounding of the local-clock arithmetic).
    sim::Duration margin = sim::Duration::millis(50);
};

enum class LockOp : uint8_t { kAcquire, kGrantIf, kRenew, kRelease, kRetire, kRetireIf };

// The holder of a retired lock: nobody, forever.
inline constexpr uint64_t kRetiredHolder = ~uint64_t{0};

struct LockCommand final : consensus::Command {
    LockOp op = LockOp::kAcquire;
    std::string lock;
    uint64_t holder = 0;
    uint64_t token = 0;             // renew / release: the token held
    uint64_t expected_version = 0;  // grant_if / retire_if: the version the leader saw
    bool allowed = false;           // grant_if / retire_if: the leader found the lock free or expired
    int64_t size_bytes() const override { return 48 + static_cast<int64_t>(lock.size()); }
    std::string_view name() const override { return "lock.command"; }
};

struct LockResult final : consensus::Result {
    bool ok = false;
    uint64_t token = 0;   // granted / renewed token
    uint64_t holder = 0;  // current holder (when refused)
};

struct LockEntry {
    uint64_t holder = 0;  // 0: free
    uint64_t token = 0;
    uint64_t version = 0;
};

struct LockSnapshot final : consensus::Snapshot {
    std::map<std::string, LockEntry, std::less<>> locks;
    uint64_t last_token = 0;
    int64_t size_bytes() const override { return 64 + 64 * static_cast<int64_t>(locks.size()); }
};

class LockStateMachine final : public consensus::StateMachine {
public:
    explicit LockStateMachine(LockServiceConfig config) : config_(config) {}

    consensus::ResultPtr apply(const consensus::Command& command, const consensus::ApplyContext& ctx) override;
    consensus::SnapshotPtr snapshot() const override;
    void restore(const consensus::Snapshot& s) override;
    consensus::CommandPtr prepare(consensus::CommandPtr command, const consensus::PrepareContext& ctx) override;
    void on_role_change(bool leader, sim::Time local_now) override;

    const LockEntry* find(std::string_view lock) const;
    uint64_t last_token() const { return last_token_; }

private:
    sim::Duration service_hold() const;

    LockServiceConfig config_;
    std::map<std::string, LockEntry, std::less<>> locks_;
    uint64_t last_token_ = 0;
    // Leader-local, volatile: when (leader's clock) each lease may be given away.
    std::map<std::string, sim::Time, std::less<>> expiry_;
};

// Registers the lock service's replicas (RaftReplica + LockStateMachine) on `nodes` at
// ports::kLockService and returns the group ("lock").
consensus::ReplicaGroup deploy_lock_service(sim::Simulation& sim, const std::vector<sim::NodeId>& nodes,
                                            const LockServiceConfig& config, const consensus::RaftConfig& raft);

// Fencing check at a resource: remembers the highest token seen per lock and refuses
// anything older, so a deposed holder's late writes are rejected.
class FencingGuard {
public:
    bool admit(const std::string& lock, uint64_t token) {
        uint64_t& seen = highest_[lock];
        if (token < seen) return false;
        seen = token;
        return true;
    }

private:
    std::map<std::string, uint64_t, std::less<>> highest_;
};

}  // namespace models::lock
