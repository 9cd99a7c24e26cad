// models/partition/partition_manager.h: the partition manager, one replica of a Raft group.
//
// Each replica embeds a consensus::RaftCore whose state machine is PartitionManagerState
// (the partition map and the ranges' metadata streams), the stream manager's pattern. The
// replica that is Raft leader and, when a LeaseFactory is given, also holds the
// "partition-manager" lock, is the partition manager leader; only it acts:
//  - initializes the map once (initial_partitions ranges, or the given boundaries);
//  - answers MapRequest (front-ends route by the map; others answer leader=false + hint);
//  - answers every ServerHeartbeat with that server's Assignment, and pushes assignments
//    to every server after each applied change;
//  - treats a server silent for server_timeout as dead and reassigns its ranges (and any
//    unassigned range) with plan_reassign, spread over the lightest live servers; the
//    new owner still has to win the range's lease, so a server that was only slow loses
//    the range safely (its lease runs out first);
//  - every balance_interval runs plan_balance over the reported loads and proposes the
//    splits (at the split key the server reported), moves and merges it plans.
// Every replica records heartbeats, so a new leader starts with a warm view of health.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "models/consensus/raft.h"
#include "models/partition/balancer.h"
#include "models/partition/config.h"
#include "models/partition/control_messages.h"
#include "models/partition/lease.h"
#include "models/partition/manager_state.h"
#include "models/partition/messages.h"
#include "sim/actor.h"

namespace models::partition {

struct PartitionManagerOptions {
    PartitionConfig config;
    consensus::ReplicaGroup group;   // members at kPartitionManagerPort
    consensus::RaftConfig raft;
    std::vector<sim::Address> servers;  // ServerId i -> partition server address
    // Empty: the Raft leader alone leads (tests); set: it must also hold the lock.
    LeaseFactory leases;
    // Pre-split points; empty: derived from config.initial_partitions.
    std::vector<std::string> initial_boundaries;
    // A server silent this long is dead (zero: 3 heartbeats).
    sim::Duration server_timeout = sim::Duration::zero();
};

// Counters of the leader's actions since this replica started.
struct PartitionManagerStats {
    uint64_t reassigned = 0;
    uint64_t splits = 0;
    uint64_t moves = 0;
    uint64_t merges = 0;
    uint64_t balance_passes = 0;
};

class PartitionManager final : public sim::Actor {
public:
    PartitionManager(sim::Context& ctx, const PartitionManagerOptions& options, int self);
    ~PartitionManager() override;

    void on_start() override;
    void on_message(sim::MessagePtr msg) override;
    void on_timer(uint64_t tag) override;
    void on_io(uint64_t tag, sim::IoStatus status) override;

    bool leading();
    bool raft_leader() const { return core_.is_leader(); }
    const PartitionManagerState& state() const;
    const PartitionManagerStats& stats() const { return stats_; }
    // Load of the last heartbeat of each server the leader counts live.
    BalanceInput balance_input();

private:
    struct ServerHealth {
        bool heard = false;
        sim::Time last_heard;
        ServerHeartbeat report;
    };

    void tick();
    void handle_heartbeat(const ServerHeartbeat& hb);
    void handle_map_request(const MapRequest& m, sim::Address from);
    void send_assignment(ServerId server);
    void push_assignments();
    void reassign();
    void balance();
    bool alive(ServerId s) const;
    void propose(consensus::CommandPtr cmd);
    std::vector<std::string> boundaries() const;

    PartitionManagerOptions options_;
    consensus::RaftCore core_;
    std::unique_ptr<LeaseHolder> leases_;
    bool acquiring_ = false;
    bool was_leading_ = false;
    sim::Time leading_since_;
    sim::Time last_balance_;
    int proposals_ = 0;  // in flight; the leader plans only when none is
    uint64_t lead_epoch_ = 0;  // bumped when this replica starts leading
    std::map<ServerId, ServerHealth> health_;
    std::set<RangeId> split_last_pass_;
    PartitionManagerStats stats_;
};

consensus::StateMachineFactory partition_manager_state_factory();

}  // namespace models::partition
