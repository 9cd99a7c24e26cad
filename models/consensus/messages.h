// models/consensus/messages.h: the wire messages of the replication protocol.
//
// Every message names its group, so several groups can share a node (on distinct ports).
// Entries carry shared command pointers; size_bytes is set from the commands' sizes.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "models/consensus/state_machine.h"
#include "sim/message.h"

namespace models::consensus {

struct Entry {
    uint64_t term = 0;
    uint64_t index = 0;
    uint64_t client_id = 0;  // 0: no session (leader no-op, local proposal)
    uint64_t seq = 0;
    CommandPtr command;      // null for the leader's no-op
    int64_t size_bytes() const { return 32 + (command ? command->size_bytes() : 0); }
};

// Exactly-once bookkeeping: the last applied sequence number of each client, with its
// result (clients have one command outstanding at a time). Part of the replicated state.
struct Session {
    uint64_t seq = 0;
    ResultPtr result;
};

// What a snapshot holds: the state machine's snapshot plus the session table.
struct RaftSnapshot {
    uint64_t index = 0;
    uint64_t term = 0;
    SnapshotPtr state;
    std::vector<std::pair<uint64_t, Session>> sessions;  // sorted by client id
    int64_t size_bytes() const {
        return 64 + (state ? state->size_bytes() : 0) + 32 * static_cast<int64_t>(sessions.size());
    }
};

struct RequestVote : sim::MessageOf<RequestVote> {
    static constexpr std::string_view kName = "raft.request_vote";
    uint64_t term = 0;
    int candidate = -1;
    uint64_t last_log_index = 0;
    uint64_t last_log_term = 0;
};

struct VoteReply : sim::MessageOf<VoteReply> {
    static constexpr std::string_view kName = "raft.vote_reply";
    uint64_t term = 0;
    int from = -1;
    bool granted = false;
};

struct AppendEntries : sim::MessageOf<AppendEntries> {
    static constexpr std::string_view kName = "raft.append_entries";
    uint64_t term = 0;
    int leader = -1;
    uint64_t prev_index = 0;
    uint64_t prev_term = 0;
    uint64_t leader_commit = 0;
    uint64_t probe = 0;  // echoed: the leader's heartbeat round (leader-lease reads)
    std::vector<Entry> entries;
};

struct AppendReply : sim::MessageOf<AppendReply> {
    static constexpr std::string_view kName = "raft.append_reply";
    uint64_t term = 0;
    int from = -1;
    bool success = false;
    uint64_t match_index = 0;  // success: last index known to match the leader's log
    uint64_t hint_index = 0;   // failure: where the leader should retry from
    uint64_t probe = 0;
};

struct InstallSnapshot : sim::MessageOf<InstallSnapshot> {
    static constexpr std::string_view kName = "raft.install_snapshot";
    uint64_t term = 0;
    int leader = -1;
    uint64_t leader_commit = 0;
    std::shared_ptr<const RaftSnapshot> snapshot;
};

struct ClientRequest : sim::MessageOf<ClientRequest> {
    static constexpr std::string_view kName = "raft.client_request";
    uint64_t client_id = 0;
    uint64_t seq = 0;
    CommandPtr command;
};

struct ClientReply : sim::MessageOf<ClientReply> {
    static constexpr std::string_view kName = "raft.client_reply";
    uint64_t client_id = 0;
    uint64_t seq = 0;
    Status status = Status::kOk;
    int leader_hint = -1;  // member index of the leader, when known
    ResultPtr result;
};

}  // namespace models::consensus
