// models/partition/index.h: one range partition's index as a log-structured merge tree.
//
// A RangePartition owns the rows of one key range [low, high): each row maps a blob key
// to an IndexEntry (size, content fingerprint, version, pointer into a stream). Rows live
// in three places, newest first (was-model-notes §3.3):
//   - the memory table: updates since the last checkpoint (replayed from the commit log
//     after a crash);
//   - the frozen memory table: the memory table being written as a checkpoint;
//   - checkpoints: immutable sorted row sets written to the data stream. A checkpoint
//     is shared by pointer between a parent and the children of a split (the children
//     reference the parent's data-stream extents) and carries the key range it is
//     visible for, so a row of a sibling never resurfaces after a merge.
// A delete is a tombstone row until a checkpoint drops it.
//
// Split and merge are pointer operations (MultiModify): the children's streams list the
// same extents in the same order as the parent's; a merge concatenates the parents'
// extent lists. No row or blob byte is copied. verify_split / verify_merge check that.
//
// Ownership: a partition server owns the RangePartition objects it serves (volatile:
// rebuilt from the streams on load). Not thread-safe; nothing in a run is.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/partition/key.h"

namespace models::partition {

// Where bytes live in a stream (mirrors the stream layer's Location; extent ids are the
// stream manager's).
struct StreamPointer {
    uint64_t extent = 0;
    int64_t offset = 0;
    int64_t length = 0;
    bool operator==(const StreamPointer&) const = default;
};

struct IndexEntry {
    int64_t size_bytes = 0;
    uint64_t fingerprint = 0;
    // Per-key version, strictly increasing over the key's updates (deletes included).
    uint64_t version = 0;
    bool deleted = false;
    // The blob's bytes: in the commit log (small blobs) or the blob data stream.
    StreamPointer data;
    // Idempotency: the client operation ids of the latest updates of this key, newest
    // first (0: none). A retried update whose id is here was applied already and is
    // answered, not applied again over a newer one. Persisted with the row (commit log
    // records and checkpoints), so it survives moves, splits and merges.
    std::array<uint64_t, 4> ops{};
    bool operator==(const IndexEntry&) const = default;
    bool has_op(uint64_t op) const { return op != 0 && std::find(ops.begin(), ops.end(), op) != ops.end(); }
    // Records op as the newest (no-op if present or 0). Returns the op id that fell out of
    // the row (0: none), which the range store keeps for its idempotency window.
    uint64_t add_op(uint64_t op) {
        if (op == 0 || has_op(op)) return 0;
        const uint64_t evicted = ops.back();
        std::copy_backward(ops.begin(), ops.end() - 1, ops.end());
        ops[0] = op;
        return evicted;
    }
};

// Bytes an index row is charged on disk (key + fixed fields); sets checkpoint sizes.
int64_t row_bytes(std::string_view key);

using Row = std::pair<std::string, IndexEntry>;
using Rows = std::vector<Row>;  // sorted by key, unique keys

struct Checkpoint {
    std::shared_ptr<const Rows> rows;
    KeyRange visible;        // rows outside it belong to another range partition
    StreamPointer location;  // where it was written in the data stream
};

// One of a range partition's streams, as the list of its extents (what split and merge
// rewrite). Names are the stream manager's.
struct StreamExtents {
    std::string name;
    std::vector<uint64_t> extents;
};

struct RangeStreams {
    StreamExtents commit_log;
    StreamExtents data;
    StreamExtents blob;
};

class RangePartition {
public:
    RangePartition(RangeId id, KeyRange range);

    RangeId id() const { return id_; }
    const KeyRange& range() const { return range_; }
    RangeStreams& streams() { return streams_; }
    const RangeStreams& streams() const { return streams_; }

    // --- updates and lookups ---------------------------------------------------------------
    // Records an update (a put, or a delete as a tombstone) in the memory table.
    // REQUIRES: range().contains(key).
    void apply(const std::string& key, const IndexEntry& entry);
    // The newest row for key, tombstones included (nullopt: never written or dropped).
    std::optional<IndexEntry> lookup(std::string_view key) const;
    // The live row for key (nullopt if absent or deleted).
    std::optional<IndexEntry> get(std::string_view key) const {
        auto e = lookup(key);
        if (e && e->deleted) return std::nullopt;
        return e;
    }

    struct ListPage {
        Rows entries;
        std::string next_marker;  // empty: no more in this range partition
    };
    // Live rows whose key starts with `prefix` and is > `marker` (or >= the range start
    // when marker is empty), in key order, at most max_results. REQUIRES: max_results > 0.
    ListPage list(std::string_view prefix, std::string_view marker, size_t max_results) const;
    // Every live row, in key order (tests and invariant checks).
    Rows live_rows() const;
    size_t live_count() const;

    // --- checkpoints --------------------------------------------------------------------
    // Freezes the memory table and returns the rows of the next checkpoint: the merge of
    // the checkpoints and the frozen table, in range, without tombstones.
    // REQUIRES: !checkpoint_in_progress().
    std::shared_ptr<const Rows> begin_checkpoint();
    bool checkpoint_in_progress() const { return frozen_.has_value(); }
    // While a checkpoint is in progress: calls f(key, row) for each tombstone of the frozen
    // table (the checkpoint drops them; their op ids must outlive them).
    template <typename F>
    void for_each_frozen_tombstone(F&& f) const {
        if (!frozen_) return;
        for (const auto& [key, e] : *frozen_)
            if (e.deleted) f(key, e);
    }
    // The checkpoint is durable at `location`: it replaces the older checkpoints and the
    // frozen table. REQUIRES: checkpoint_in_progress().
    void finish_checkpoint(std::shared_ptr<const Rows> rows, StreamPointer location);
    // The write failed: the frozen rows return under the (newer) memory table.
    void abort_checkpoint();
    // Installs a checkpoint read back during load (recovery). REQUIRES: empty memtable.
    void load_checkpoint(Checkpoint c);
    // Installs several checkpoints with disjoint visible ranges (a merged range's load).
    void load_checkpoints(std::vector<Checkpoint> cs);
    // The largest version of any row held (0 if none).
    uint64_t max_version() const;

    size_t memtable_rows() const { return memtable_.size(); }
    int64_t memtable_bytes() const { return memtable_bytes_; }
    const std::vector<Checkpoint>& checkpoints() const { return checkpoints_; }

    // --- split and merge (MultiModify) --------------------------------------------------------
    // Splits at `key` into [low, key) and [key, high). The children share the parent's
    // checkpoints and stream extents (same extents, same order); memory-table rows go to
    // the child that holds them. REQUIRES: low < key, key < high (if bounded), no
    // checkpoint in progress. drop_boundary_key plants bug `split_drops_boundary_key`.
    static std::pair<RangePartition, RangePartition> split(const RangePartition& parent, const std::string& key,
                                                           RangeId left_id, RangeId right_id,
                                                           bool drop_boundary_key = false);
    // Merges adjacent left [a, b) and right [b, c) into [a, c): checkpoints and memory
    // tables united, each stream's extents concatenated (left's, then right's).
    // REQUIRES: left.range().high == right.range().low, no checkpoint in progress.
    static RangePartition merge(const RangePartition& left, const RangePartition& right, RangeId id);

private:
    const IndexEntry* find_in_checkpoints(std::string_view key) const;

    RangeId id_;
    KeyRange range_;
    RangeStreams streams_;
    std::map<std::string, IndexEntry, std::less<>> memtable_;
    std::optional<std::map<std::string, IndexEntry, std::less<>>> frozen_;
    std::vector<Checkpoint> checkpoints_;  // disjoint visible ranges
    int64_t memtable_bytes_ = 0;
};

// Split and merge lose no row and copy no bytes: these return an empty string when the
// children (or the merged range) hold exactly the parents' live rows and reference the
// same stream extents in the same order, else a description of the difference.
std::string verify_split(const RangePartition& parent, const RangePartition& left, const RangePartition& right);
std::string verify_merge(const RangePartition& left, const RangePartition& right, const RangePartition& merged);

}  // namespace models::partition
