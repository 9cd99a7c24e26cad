// models/stream/metrics.h: counters the stream layer keeps for reports.
//
// Owned by the deployment (StreamLayer) and written by its actors through a pointer,
// like the observer: instrumentation, not protocol state, so it survives crashes.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "sim/time.h"

namespace models::stream {

struct StreamMetrics {
    uint64_t extents_created = 0;
    uint64_t extents_sealed = 0;
    uint64_t extents_deleted = 0;
    uint64_t re_replications = 0;         // completed copies to a new or stale replica
    uint64_t bytes_appended = 0;          // client data acknowledged by a head / primary
    uint64_t bytes_written = 0;           // data written to disks by appends (all replicas)
    uint64_t bytes_re_replicated = 0;     // data written to disks by copies
    uint64_t corrupt_replicas_found = 0;  // by reads and the scrub
    uint64_t stale_reports_ignored = 0;
    uint64_t nodes_declared_dead = 0;
    // The stream manager leader's count of under-replicated extents, sampled each
    // heartbeat interval: (true time, count).
    std::vector<std::pair<sim::Time, int>> under_replicated;
    // Per extent node (indexed by NodeId.value): appends written, bytes written.
    std::vector<uint64_t> node_appends;
    std::vector<uint64_t> node_bytes;

    void count_node(uint32_t node, int64_t bytes) {
        if (node >= node_appends.size()) {
            node_appends.resize(node + 1);
            node_bytes.resize(node + 1);
        }
        ++node_appends[node];
        node_bytes[node] += static_cast<uint64_t>(bytes);
    }
};

}  // namespace models::stream
