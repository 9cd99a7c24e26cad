// models/stream/extent_node.h: the extent node that runs on every storage node.
//
// It stores replicas of extents on the node's disk (ExtentStore, node-durable) and
// knows nothing about streams. It serves appends (as head, middle or tail of a chain,
// or as primary or secondary of a fan-out), reads with checksum verification and a
// deadline, the stream manager's create / commit-length query / seal / copy / delete
// orders, and copy reads from peers. It heartbeats the stream manager replicas with a
// report of its extents, and scrubs its blocks periodically.
// Appends are group-committed, as on WAS's journal drive (SOSP §4.7): appends accepted
// while the node's append writes are busy wait in the journal queue and go to the disk
// together as one sequential write when the previous one completes, so under load a node
// writes a batch per disk latency instead of one append. Each append is durable (added to
// the ExtentStore) when its batch completes; any other write (create, seal, copy, delete)
// first sends the queued batch, so the disk still sees writes in arrival order.
// Volatile state (in-flight appends, fences, copies) dies with a crash; a restarted
// node takes no appends on extents it held before (they must be sealed first), because
// it has lost which offsets it had handed out or accepted.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "models/stream/config.h"
#include "models/stream/extent_store.h"
#include "models/stream/messages.h"
#include "models/stream/metrics.h"
#include "sim/actor.h"

namespace models::stream {

class StreamObserver;

struct ExtentNodeOptions {
    StreamConfig config;
    std::vector<sim::Address> stream_managers;
    StreamObserver* observer = nullptr;  // tests only
    StreamMetrics* metrics = nullptr;
};

class ExtentNode final : public sim::Actor {
public:
    ExtentNode(sim::Context& ctx, const ExtentNodeOptions& options);

    void on_start() override;
    void on_message(sim::MessagePtr msg) override;
    void on_timer(uint64_t tag) override;
    void on_io(uint64_t tag, sim::IoStatus status) override;

private:
    enum class IoKind : uint8_t { kJournal, kCreate, kSeal, kCopyWrite, kRead, kCopyRead, kDelete, kScrub };
    struct IoOp {
        IoKind kind = IoKind::kJournal;
        ExtentId extent;
        int64_t offset = 0;
        int64_t length = 0;
        sim::Address reply_to;
        uint64_t request = 0;
        std::vector<sim::NodeId> chain;
        std::vector<Block> blocks;
        std::vector<sim::Owned<AppendRequest>> appends;  // kJournal: the batch, in order
    };
    // Appends of one extent in flight through this node (volatile).
    struct Live {
        int64_t next_offset = 0;
        std::map<int64_t, sim::Owned<AppendRequest>> waiting;     // accepted, not yet passed on
        std::map<int64_t, sim::Owned<AppendRequest>> out_of_order;  // arrived ahead of a gap
        std::map<uint32_t, int64_t> secondary_length;  // fan-out primary: acked lengths
    };
    struct Copy {
        sim::NodeId source;
        int64_t length = 0;
        sim::Address reply_to;
        std::vector<sim::NodeId> chain;
        sim::TimerId timer;
        uint64_t epoch = 0;
    };

    void handle_append(sim::Owned<AppendRequest> m);
    void accept_append(Live& live, sim::Owned<AppendRequest> m);
    // Sends the queued appends as one disk write if fewer than the disk's servers are
    // busy with journal writes (or always, with `force`: another write follows).
    void flush_journal(bool force);
    void commit_append(sim::Owned<AppendRequest> m, bool ok);
    void pass_on(ExtentId id);
    void reply_append(const AppendRequest& m, Status status);
    void handle_fanout_ack(const FanoutAck& m);
    void handle_read(const ReadRequest& m);
    void handle_create(const CreateReplica& m);
    void handle_length_query(const LengthQuery& m);
    void handle_seal(const SealReplica& m);
    void handle_copy_order(const CopyOrder& m);
    void request_copy_chunk(ExtentId id);
    void handle_copy_read(const CopyRead& m);
    void handle_copy_data(sim::Owned<CopyData> m);
    void finish_copy(ExtentId id, Status status);
    void handle_delete(const DeleteReplica& m);
    void send_heartbeat();
    void start_scrub();
    int position(const Replica& r) const;
    uint64_t submit(IoOp op, sim::IoKind kind, int64_t bytes);
    int64_t collect(const Replica& r, int64_t offset, int64_t end, std::vector<Block>* out) const;
    void drop_live(ExtentId id);

    ExtentNodeOptions options_;
    ExtentStore& store_;
    std::set<ExtentId> active_;  // replicas that may take appends in this incarnation
    // A seal has started: no more appends, and nothing past the commit length reported
    // to the stream manager is passed on or acknowledged (else an append could be acked
    // after the stream manager chose a smaller seal length).
    std::map<ExtentId, int64_t> fence_;
    void fence(ExtentId id, int64_t length) { fence_.try_emplace(id, length); }
    std::map<ExtentId, Live> live_;
    std::map<ExtentId, Copy> copies_;
    std::map<uint64_t, IoOp> io_;
    std::vector<sim::Owned<AppendRequest>> journal_;  // accepted, waiting for a journal write
    int64_t journal_bytes_ = 0;
    int journal_writes_ = 0;  // journal writes at the disk now
    uint64_t next_io_ = 1;
    uint64_t seq_ = 0;
    uint64_t challenge_ = 0;
    uint64_t copy_epoch_ = 0;
    std::map<uint64_t, ExtentId> copy_timers_;
};

// Timer tags of the extent node.
constexpr uint64_t kHeartbeatTimer = 1;
constexpr uint64_t kScrubTimer = 2;
constexpr uint64_t kCopyTimerBase = uint64_t{1} << 40;

}  // namespace models::stream
