#include "models/consensus/config.h"

#include <algorithm>

#include "models/consensus/state_machine.h"

namespace models::consensus {

namespace {
constexpr Bug kAllBugs[] = {Bug::kVoteTwice, Bug::kCommitOldTerm, Bug::kAckBeforePersist, Bug::kIgnoreLeaseExpiry};
}

std::string_view Bugs::name(Bug b) {
    switch (b) {
        case Bug::kVoteTwice: return "vote_twice";
        case Bug::kCommitOldTerm: return "commit_old_term";
        case Bug::kAckBeforePersist: return "ack_before_persist";
        case Bug::kIgnoreLeaseExpiry: return "ignore_lease_expiry";
    }
    return "unknown";
}

std::optional<Bug> Bugs::parse(std::string_view text) {
    for (Bug b : kAllBugs) {
        if (name(b) == text) return b;
    }
    return std::nullopt;
}

RaftConfig RaftConfig::from_storage(sim::Duration stream_heartbeat, sim::Duration node_timeout) {
    RaftConfig c;
    c.heartbeat = std::max(stream_heartbeat / 10, sim::Duration::millis(1));
    c.election_timeout_min = std::max(node_timeout / 10, c.heartbeat * 5);
    c.election_timeout_max = c.election_timeout_min * 2;
    return c;
}

const char* status_name(Status s) {
    switch (s) {
        case Status::kOk: return "ok";
        case Status::kNotLeader: return "not_leader";
        case Status::kUnknown: return "unknown";
        case Status::kTimeout: return "timeout";
        case Status::kBusy: return "busy";
    }
    return "?";
}

}  // namespace models::consensus
