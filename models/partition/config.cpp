#include "models/partition/config.h"

namespace models::partition {

std::optional<PartitionBug> parse_partition_bug(std::string_view name) {
    for (PartitionBug b : {PartitionBug::kServeWithoutLease, PartitionBug::kAckBeforeCommitLog,
                           PartitionBug::kSplitDropsBoundaryKey}) {
        if (partition_bug_name(b) == name) return b;
    }
    return std::nullopt;
}

std::string_view partition_bug_name(PartitionBug bug) {
    switch (bug) {
        case PartitionBug::kServeWithoutLease: return "serve_without_lease";
        case PartitionBug::kAckBeforeCommitLog: return "ack_before_commit_log";
        case PartitionBug::kSplitDropsBoundaryKey: return "split_drops_boundary_key";
    }
    return "?";
}

void PartitionConfig::set_bug(PartitionBug bug) {
    switch (bug) {
        case PartitionBug::kServeWithoutLease: serve_without_lease = true; break;
        case PartitionBug::kAckBeforeCommitLog: ack_before_commit_log = true; break;
        case PartitionBug::kSplitDropsBoundaryKey: split_drops_boundary_key = true; break;
    }
}

}  // namespace models::partition
