// models/stream/config.h: the stream layer's parameters (scenario `storage.stream`)
// and the planted bugs that the chaos tests must catch.
//
// Defaults are the scenario format's defaults; app/ maps a scenario into this struct.
// Planted bugs are a runtime field so one binary can run the correct protocol and each
// broken variant; a later issue maps `--set debug.bug=NAME` through parse_stream_bug.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "sim/time.h"

namespace models::stream {

enum class Replication : uint8_t { kChain, kPrimaryFanout };

enum class StreamBug : uint8_t {
    kChainAckAtHead,          // chain_ack_at_head: the head acks before the tail has it
    kSealAtMaxLength,         // seal_at_max_length: seal at the largest reported length
    kSameRackReplicas,        // same_rack_replicas: two replicas placed in one rack
    kCountStaleExtentReport,  // count_stale_extent_report: a report sent before death revives
};
std::optional<StreamBug> parse_stream_bug(std::string_view name);
std::string_view stream_bug_name(StreamBug bug);
std::optional<Replication> parse_replication(std::string_view name);

struct StreamConfig {
    int replicas = 3;
    Replication replication = Replication::kChain;
    int64_t extent_seal_size_bytes = int64_t{1} << 30;
    int64_t block_size_bytes = int64_t{4} << 20;
    sim::Duration re_replication_delay = sim::Duration::seconds(15);
    sim::Duration heartbeat = sim::Duration::seconds(1);
    sim::Duration node_timeout = sim::Duration::seconds(10);
    // Assumed "every few days" in production (was-model-notes §8.2); tests shorten it.
    sim::Duration scrub_interval = sim::Duration::hours(72);
    // How long the stream manager waits for replicas to report their commit length
    // before sealing at the smallest length among those that answered.
    sim::Duration seal_probe_timeout = sim::Duration::millis(50);
    // How long the stream manager waits for new replicas to be created.
    sim::Duration create_timeout = sim::Duration::millis(200);
    // Client side: an append not acknowledged within this time makes the client seal.
    sim::Duration append_timeout = sim::Duration::seconds(1);
    sim::Duration request_timeout = sim::Duration::millis(500);
    sim::Duration read_deadline = sim::Duration::millis(500);
    // Bytes per copy request during re-replication.
    int64_t copy_chunk_bytes = int64_t{16} << 20;
    // Re-replications one stream manager runs at once (bounds repair traffic).
    int max_concurrent_repairs = 64;
    std::optional<StreamBug> bug;

    bool has_bug(StreamBug b) const { return bug.has_value() && *bug == b; }
};

}  // namespace models::stream
