#include "app/planted_bugs.h"

#include <algorithm>

#include "sim/check.h"

namespace app {

namespace {

constexpr std::string_view kAcceptBadSignature = "accept_bad_signature";
constexpr std::string_view kStalePartitionMap = "stale_partition_map";

}  // namespace

const std::vector<std::string>& planted_bug_names() {
    static const std::vector<std::string> names = [] {
        using models::partition::PartitionBug;
        using models::stream::StreamBug;
        using models::consensus::Bug;
        std::vector<std::string> n;
        for (StreamBug b : {StreamBug::kChainAckAtHead, StreamBug::kSealAtMaxLength, StreamBug::kSameRackReplicas,
                            StreamBug::kCountStaleExtentReport}) {
            n.emplace_back(models::stream::stream_bug_name(b));
        }
        for (PartitionBug b : {PartitionBug::kServeWithoutLease, PartitionBug::kAckBeforeCommitLog,
                               PartitionBug::kSplitDropsBoundaryKey}) {
            n.emplace_back(models::partition::partition_bug_name(b));
        }
        n.emplace_back(kAcceptBadSignature);
        n.emplace_back(kStalePartitionMap);
        for (Bug b : {Bug::kVoteTwice, Bug::kCommitOldTerm, Bug::kAckBeforePersist, Bug::kIgnoreLeaseExpiry}) {
            n.emplace_back(models::consensus::Bugs::name(b));
        }
        return n;
    }();
    return names;
}

bool is_planted_bug(std::string_view name) {
    const auto& n = planted_bug_names();
    return std::find(n.begin(), n.end(), name) != n.end();
}

void apply_planted_bug(std::string_view name, const BugTargets& t) {
    if (name.empty()) return;
    SIM_ASSERT(is_planted_bug(name), "unknown planted bug " << name);
    if (auto b = models::stream::parse_stream_bug(name)) {
        if (t.stream != nullptr) t.stream->bug = *b;
        return;
    }
    if (auto b = models::partition::parse_partition_bug(name)) {
        if (t.partition != nullptr) t.partition->set_bug(*b);
        return;
    }
    if (name == kAcceptBadSignature) {
        if (t.front_end != nullptr) t.front_end->accept_bad_signature = true;
        return;
    }
    if (name == kStalePartitionMap) {
        // Both halves: front-ends keep routing by their stale map, and partition servers
        // answer for the ranges they dropped instead of telling them "not mine".
        if (t.front_end != nullptr) t.front_end->stale_partition_map = true;
        if (t.partition != nullptr) t.partition->stale_partition_map = true;
        return;
    }
    if (auto b = models::consensus::Bugs::parse(name)) {
        if (*b == models::consensus::Bug::kIgnoreLeaseExpiry) {
            if (t.lock_client != nullptr) t.lock_client->bugs.set(*b);
        } else if (t.raft != nullptr) {
            t.raft->bugs.set(*b);
        }
    }
}

}  // namespace app
