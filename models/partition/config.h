// models/partition/config.h: the partition layer's parameters (scenario
// `storage.partition`) and its planted bugs.
//
// Defaults are the scenario format's (initial_partitions 1, split_load 3000, merge_load
// 100, balance_interval 30s, lease 10s, checkpoint_log_size 256MiB); the rest are the
// assumptions of was-model-notes §8.3 (64 MiB memory table, watermarks 5x / 10x the
// partition servers, at most 5 splits per balancing pass). app/ maps a scenario into this.
// Planted bugs are plain runtime fields so one binary runs the correct protocol and each
// broken variant; parse_partition_bug maps `--set debug.bug=NAME` onto them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "sim/time.h"

namespace models::partition {

enum class PartitionBug : uint8_t {
    kServeWithoutLease,      // serve_without_lease: serve (and commit) without a valid lease
    kAckBeforeCommitLog,     // ack_before_commit_log: acknowledge before the log append completes
    kSplitDropsBoundaryKey,  // split_drops_boundary_key: the right child loses the split key's row
};
std::optional<PartitionBug> parse_partition_bug(std::string_view name);
std::string_view partition_bug_name(PartitionBug bug);

struct PartitionConfig {
    int initial_partitions = 1;
    // Operations per second per range partition.
    double split_load = 3000;
    double merge_load = 100;
    sim::Duration balance_interval = sim::Duration::seconds(30);
    sim::Duration lease = sim::Duration::seconds(10);
    int64_t checkpoint_log_size_bytes = int64_t{256} << 20;
    int64_t memtable_size_bytes = int64_t{64} << 20;
    // Range-count watermarks, per partition server (was-model-notes §3.4: high = 10x).
    int low_watermark_per_server = 5;
    int high_watermark_per_server = 10;
    // Per balancing pass (the paper: "a small number").
    int max_splits_per_pass = 5;
    // A hot range is cut into at most this many pieces in one pass (2: halving only).
    int max_split_pieces = 8;
    int max_merges_per_pass = 5;
    int max_moves_per_pass = 10;
    // A server is overloaded above this multiple of the mean server load.
    double overload_factor = 1.5;
    // Heartbeats from partition servers to the partition manager (load reports).
    sim::Duration heartbeat = sim::Duration::seconds(1);
    // Throttling: a server whose request rate exceeds throttle_load ops/s, or whose
    // pending queue exceeds max_pending, answers "server busy" (heaviest accounts first).
    double throttle_load = 20000;
    int max_pending = 2000;
    // Blobs up to this size travel inside the commit-log record when the record fits in
    // one block (WAS: the Blob Table's commit log carries the blob bits, one stream write
    // per blob op); larger ones are written to the blob data stream first, then the record.
    int64_t small_blob_bytes = int64_t{256} << 10;
    // Ranges a failed server's ranges are spread over at most (was-model-notes §3.5 "up to N").
    int max_reassign_targets = 1 << 20;
    // Group commit (was-model-notes §3.3 write path): per range partition and stream (commit
    // log, blob data), at most this many appends are at the stream layer at once; updates
    // that arrive meanwhile go together in the next one, as one atomic multi-block append
    // of at most a block's size. Three in flight keep a three-replica chain busy.
    int appends_in_flight = 8;
    // Idempotency: a row keeps the op ids of its last 4 updates; an op id that falls out of
    // the row is still remembered this long (per range, persisted with its checkpoints), so
    // a retry that arrives after newer updates of a hot key is answered, not applied again.
    // Longer than a client's whole retry budget (4 attempts of 35 s plus backoff).
    sim::Duration idempotency_window = sim::Duration::seconds(300);

    // Planted bugs (all false in production).
    bool serve_without_lease = false;
    bool ack_before_commit_log = false;
    bool split_drops_boundary_key = false;
    // The server half of stale_partition_map (app/planted_bugs.cpp turns it on with the
    // front-end's): a range moved, split or merged away keeps its loaded store, and the
    // server goes on answering reads and committing updates for its keys instead of
    // kNotMine. Not a PartitionBug: the name belongs to the front-end's switch too.
    bool stale_partition_map = false;

    void set_bug(PartitionBug bug);
    int low_watermark(int servers) const { return low_watermark_per_server * servers; }
    int high_watermark(int servers) const { return high_watermark_per_server * servers; }
};

}  // namespace models::partition
