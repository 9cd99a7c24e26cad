// models/partition/control_messages.h: messages between partition servers and the
// partition manager (not part of the front-end API in messages.h).
//
// A partition server heartbeats every `heartbeat` to every partition manager replica
// (only the leader answers). The leader answers with the server's whole assignment (the
// ranges the map gives it, with epoch and metadata streams), so a lost message is
// repaired by the next heartbeat: the server loads what it is missing and unloads what it
// no longer has. An Assignment is also pushed at once after a change that concerns the
// server (assign, split, merge, move).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/partition/key.h"
#include "models/partition/manager_state.h"
#include "models/partition/partition_map.h"
#include "sim/message.h"

namespace models::partition {

struct RangeReport {
    RangeId range;
    uint64_t epoch = 0;
    bool ready = false;  // loaded and leased
    double ops_per_s = 0;
    double throttled_per_s = 0;
    int64_t bytes = 0;
    // Load quantiles of recent requests' keys (1/8 .. 7/8), ascending, distinct, inside
    // the range and above its low key: the split points the manager may choose.
    std::vector<std::string> split_keys;
};

struct ServerHeartbeat : sim::MessageOf<ServerHeartbeat> {
    static constexpr std::string_view kName = "partition.server_heartbeat";
    ServerId server;
    uint64_t map_version = 0;  // of the last assignment the server applied
    std::vector<RangeReport> ranges;
    int pending = 0;
    double ops_per_s = 0;
    double throttled_per_s = 0;
    int64_t bytes = 0;
};

// The operator names the partition servers to drain now (before an upgrade takes their
// nodes down; empty: none, all back in service). Sent to the manager leader, which makes
// it durable (DrainCmd): a draining server gets no ranges, and its ranges move to the
// others, each handed over after a checkpoint as in a load-balancing move.
struct DrainNotice : sim::MessageOf<DrainNotice> {
    static constexpr std::string_view kName = "partition.drain_notice";
    std::vector<ServerId> servers;
};

struct RangeAssignment {
    RangeId range;
    KeyRange keys;
    uint64_t epoch = 0;
    RangeMeta meta;
};

struct Assignment : sim::MessageOf<Assignment> {
    static constexpr std::string_view kName = "partition.assignment";
    ServerId server;
    uint64_t map_version = 0;
    uint64_t manager_term = 0;  // an older leader's assignment is ignored
    std::vector<RangeAssignment> ranges;
};

}  // namespace models::partition
