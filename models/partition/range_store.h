// models/partition/range_store.h: one range partition's persistent state on the stream
// layer (the storage half of a partition server).
//
// A RangeStore runs inside a partition server actor and uses the actor's StreamClient.
// Per range partition (was-model-notes §3.3):
//  - commit log stream: every update is appended (with the writer's fencing token) before
//    it is applied to the memory table and acknowledged; small blob data travels in it.
//    Appends are group-committed: while `appends_in_flight` appends of a stream are at the
//    stream layer, new records wait and then go together as one atomic multi-block append
//    (each record its own block, so a small blob's pointer names exactly its block);
//  - blob data stream: data of larger blobs, appended before the commit-log record;
//  - data stream: checkpoints (the index rows);
//  - metadata stream: records naming the last checkpoint(s) and the commit-log streams to
//    replay after them. A range reads its parents' metadata streams first (RangeMeta), so
//    split and merge share the parents' extents and copy nothing.
// Checkpoint ("switch, then write", without pausing writes): a metadata record naming the
// old checkpoint + old logs + a new log (created ahead of time) is appended while writes go
// on into the old log; once it is durable (a crash now loses nothing) new records go to
// the new log; once every record sent to an old log is durable the memory table is frozen
// and written to the data stream; a second metadata record names the new checkpoint and
// only the new log (the old logs are trimmed from recovery). See range_store.cpp.
// Load = replay metadata streams in order (ancestors before descendants; in each stream a
// record with a lower fencing token than one before it is a stale owner's and is
// dropped): a record replaces
// exactly the keys of its writer's range in the records before it, and nothing outside
// (a child's record covers only part of its parent's, so the parent's record still holds
// for the rest); read the checkpoints and replay the logs each surviving record names, each
// only for the keys that record still speaks for (a record applies if its version is newer;
// a record with a lower fencing token than one already seen in that log comes from a stale
// server and is dropped), then checkpoint as above. So load time grows with the log
// written since the last checkpoint.
//
// Bytes are modelled by fingerprints (ARCHITECTURE.md): a block carries size and a 64-bit
// fingerprint. The records' structured content lives in the PayloadStore, keyed by the
// fingerprint of the block that carries it; a loader decodes only blocks the stream layer
// returns, so what is recovered is exactly what the stream layer kept.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/partition/config.h"
#include "models/partition/index.h"
#include "models/partition/manager_state.h"
#include "models/partition/observer.h"
#include "models/stream/stream_client.h"

namespace models::partition {

struct LogRecord {
    std::string key;
    IndexEntry entry;
    uint64_t token = 0;  // fencing token of the writer
    sim::Time at;        // when it was written (the writer's clock): idempotency window
};

// A commit-log stream a metadata record names, with exactly the keys whose updates it
// must replay (a log inherited from a parent holds the parent's keys, of which the record
// speaks only for its own range's part).
struct LogRef {
    std::string stream;
    std::vector<KeyRange> keys;  // disjoint
};

struct MetaRecord {
    KeyRange range;                       // the range partition that wrote it
    std::vector<Checkpoint> checkpoints;  // disjoint visible ranges
    // The data stream holding checkpoints[i] (an ancestor's, for an inherited one): a
    // loader opens it to learn where its extents are.
    std::vector<std::string> checkpoint_streams;
    std::vector<LogRef> logs;  // replayed in order after the checkpoints
    uint64_t token = 0;
    // The writer's next version: above every version it ever gave, including deletes whose
    // tombstones a checkpoint dropped, so a later owner never hands out a lower one.
    uint64_t next_version = 0;
};

// Op ids that fell out of their rows' IndexEntry::ops within the idempotency window,
// sorted by op id: a checkpoint carries them (with its rows), so the next owner of any of
// their keys still answers a late retry instead of applying it again.
struct RetiredOp {
    uint64_t op = 0;
    std::string key;
    sim::Time until;  // remembered until then (the owner's clock)
};
using RetiredOps = std::vector<RetiredOp>;

// Decodes block fingerprints into record contents. Owned by the deployment, shared by
// every partition server of the run; deterministic (ordered maps, a counter).
class PayloadStore {
public:
    uint64_t put(std::shared_ptr<const LogRecord> r);
    uint64_t put(std::shared_ptr<const MetaRecord> r);
    uint64_t put(std::shared_ptr<const Rows> rows);
    const LogRecord* log(uint64_t fp) const;
    const MetaRecord* meta(uint64_t fp) const;
    std::shared_ptr<const Rows> rows(uint64_t fp) const;
    // The retired op ids a checkpoint carries, under its rows' fingerprint.
    void put_retired(uint64_t rows_fp, std::shared_ptr<const RetiredOps> ops);
    std::shared_ptr<const RetiredOps> retired(uint64_t rows_fp) const;
    size_t size() const { return logs_.size() + metas_.size() + rows_.size(); }

private:
    uint64_t next_fp();
    uint64_t counter_ = 0;
    std::map<uint64_t, std::shared_ptr<const LogRecord>> logs_;
    std::map<uint64_t, std::shared_ptr<const MetaRecord>> metas_;
    std::map<uint64_t, std::shared_ptr<const Rows>> rows_;
    std::map<uint64_t, std::shared_ptr<const RetiredOps>> retired_;
};

enum class StoreStatus : uint8_t { kOk, kNotFound, kBusy, kNotReady, kFailed };

struct RangeStoreOptions {
    PartitionConfig config;
    PayloadStore* payloads = nullptr;
    int64_t block_size_bytes = int64_t{4} << 20;
    // Updates queued while the range loads; beyond: kBusy.
    size_t max_queued = 4096;
    PartitionObserver* observer = nullptr;  // invariant checks (tests)
};

struct LoadStats {
    sim::Time started;
    sim::Time ready;
    uint64_t meta_records = 0;
    uint64_t log_records_replayed = 0;
    int64_t log_bytes_replayed = 0;
    uint64_t stale_records_dropped = 0;
};

class RangeStore {
public:
    using UpdateCallback = std::function<void(StoreStatus, const IndexEntry&)>;

    // `token` is the fencing token this load runs under (unique and increasing per range
    // across owners); it names the commit-log streams this owner creates.
    RangeStore(sim::Context& ctx, stream::StreamClient& client, RangeId id, KeyRange range, RangeMeta meta,
               uint64_t token, const RangeStoreOptions& options);

    // Loads from the streams, then checkpoints; done(true) when ready to serve.
    void load(std::function<void(bool)> done);
    bool ready() const { return ready_; }
    const LoadStats& load_stats() const { return load_stats_; }

    // Writes: durable in the commit log before the callback says kOk. `op_id` (0: none)
    // makes a retried update idempotent: an update whose op id the key's row already
    // records (IndexEntry::ops), or that fell out of the row within the idempotency window
    // (PartitionConfig::idempotency_window), is answered kOk with the row as it is, and
    // one whose op id is still in flight waits for that first attempt's outcome.
    void put(const std::string& key, int64_t size_bytes, uint64_t fingerprint, UpdateCallback cb,
             uint64_t op_id = 0);
    void remove(const std::string& key, UpdateCallback cb, uint64_t op_id = 0);
    uint64_t duplicates_answered() const { return duplicates_; }
    // Op ids remembered outside their rows (the idempotency window's side table).
    size_t retired_ops() const { return retired_.size(); }
    // Reads from the index (latest acknowledged write).
    const RangePartition& partition() const { return part_; }
    RangePartition& mutable_partition() { return part_; }

    // Starts a checkpoint now (tests); otherwise one starts when the log passes
    // checkpoint_log_size or the memory table passes memtable_size.
    void checkpoint_now();
    // A checkpoint (the one in progress, or a new one) before the range is handed over,
    // so its next owner replays almost no log (was-model-notes §3.4: the server writes a
    // checkpoint before it offloads). done(false) if it failed or the store is not ready.
    void flush_checkpoint(std::function<void(bool)> done);
    bool checkpointing() const { return checkpointing_; }
    size_t inflight() const { return inflight_; }
    int64_t log_bytes_since_checkpoint() const { return log_bytes_; }
    uint64_t checkpoints_written() const { return checkpoints_; }
    // Group commit: commit-log appends sent and the records they carried.
    uint64_t log_appends() const { return log_appends_; }
    uint64_t log_records() const { return log_records_; }
    uint64_t token() const { return token_; }
    // Stops all activity (the range is being unloaded); pending callbacks get kNotReady.
    void close();

private:
    struct Pending {
        std::string key;
        int64_t size_bytes = 0;
        uint64_t fingerprint = 0;
        bool remove = false;
        UpdateCallback cb;
        uint64_t op_id = 0;
    };
    // Applies a durable update (live or replayed) over the row, keeping the op ids.
    // `at`: when the update was written (an op id it pushes out of the row is remembered
    // for the idempotency window from then).
    void apply_update(const std::string& key, const IndexEntry& e, sim::Time at);
    // Whether op (an update of key) was applied already: in the row or retired from it.
    bool applied(const std::string& key, const IndexEntry* row, uint64_t op) const;
    // Remembers an op id that fell out of key's row, for the idempotency window.
    void retire_op(const std::string& key, uint64_t op, sim::Time at);
    void prune_retired();
    // Group commit of one stream: blocks wait while `appends_in_flight` appends are out.
    using BlockDone = std::function<void(stream::Status, const stream::Location&)>;
    struct Batcher {
        struct Item {
            stream::BlockData data;
            BlockDone done;
        };
        std::deque<Item> waiting;
        int out = 0;           // appends at the stream layer
        int64_t records = 0;   // blocks waiting or out
        uint64_t appends = 0;  // appends sent (instrumentation)
        uint64_t blocks = 0;   // blocks sent
    };

    void open_streams(size_t i, std::function<void(bool)> done);
    void replay_meta(size_t i, std::function<void(bool)> done);
    void read_checkpoints(size_t i, std::function<void(bool)> done);
    void read_checkpoint(size_t i, const StreamPointer& loc, std::vector<KeyRange> visible, std::function<void(bool)> done);
    // Names the data stream of each checkpoint a metadata record lists.
    std::vector<std::string> streams_of(const std::vector<Checkpoint>& checkpoints) const;
    void replay_logs(size_t i, std::function<void(bool)> done);
    void submit(Pending p);
    void write(Pending p);
    void append_log(Pending p, IndexEntry e);
    void batch_append(const std::string& stream_name, stream::BlockData data, BlockDone done);
    void flush(const std::string& stream_name);
    void maybe_checkpoint();
    void start_checkpoint();
    void create_next_log(std::function<void(const std::string&)> done);
    void prepare_spare_log();
    void write_switch_record(const std::string& next_log);
    void try_freeze();
    void write_checkpoint_record(std::shared_ptr<const Rows> rows, StreamPointer where, const std::string& log_after);
    void end_checkpoint(bool ok);
    void drain_queue();
    std::string log_name(uint64_t gen) const;
    // The keys a load takes from the streams (the range; see the planted bug).
    KeyRange loaded_keys() const;

    sim::Context& ctx_;
    stream::StreamClient& client_;
    RangeStoreOptions options_;
    RangeId id_;
    KeyRange range_;
    RangeMeta meta_;
    uint64_t token_;
    RangePartition part_;
    bool ready_ = false;
    bool closed_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

    // Streams by name.
    std::map<std::string, stream::StreamId> streams_;
    // A metadata record that survived the replay, for the keys no later record replaced
    // (disjoint pieces of its range, inside this range).
    struct KeptRecord {
        std::shared_ptr<const MetaRecord> record;
        std::vector<KeyRange> pieces;
    };
    std::vector<KeptRecord> kept_;
    // Per log stream to replay, the keys its records may update (pieces of the records
    // that name it).
    std::map<std::string, std::vector<KeyRange>> log_keys_;
    std::vector<Checkpoint> loaded_checkpoints_;
    std::map<uint64_t, std::string> checkpoint_stream_;  // extent of a checkpoint -> its data stream
    std::vector<std::string> replay_logs_;
    std::vector<LogRef> current_logs_;  // logs a recovery must replay now
    std::string active_log_;
    uint64_t log_gen_ = 0;
    uint64_t next_version_ = 1;

    // write path
    std::map<std::string, Batcher> batchers_;  // by stream: the blob stream, logs with records out
    uint64_t log_appends_ = 0;
    uint64_t log_records_ = 0;
    std::deque<Pending> queue_;
    size_t inflight_ = 0;
    bool checkpointing_ = false;  // from the switch until record 2 is durable (or failed)
    bool switched_ = false;       // the switch record of this checkpoint is durable
    bool frozen_ = false;         // the memory table is frozen for this checkpoint
    std::string spare_log_;       // the next commit log, created ahead of time
    bool spare_creating_ = false;
    bool checkpoint_requested_ = false;
    int64_t log_bytes_ = 0;
    uint64_t checkpoints_ = 0;
    // Retries waiting for the first attempt of their operation (by op id).
    std::map<uint64_t, std::vector<UpdateCallback>> op_waiters_;
    std::vector<std::function<void(bool)>> flush_done_;
    uint64_t duplicates_ = 0;
    // Retired op ids by op id (key, until), and the order they expire in.
    std::map<uint64_t, std::pair<std::string, sim::Time>> retired_;
    std::deque<std::pair<sim::Time, uint64_t>> retired_order_;
    std::function<void(bool)> load_done_;
    LoadStats load_stats_;
};

}  // namespace models::partition
