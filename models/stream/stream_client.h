// models/stream/stream_client.h: the stream client that partition servers embed.
//
// StreamClient lives inside an actor and gives it a callback API over the stream layer's
// messages. It caches each stream's extents and their chains (from the stream manager),
// sends appends to the head (primary) of the stream's last extent, and on any failure
// (an error reply, or no ack within append_timeout) asks the stream manager to seal that
// extent and add a new one on other nodes, then re-sends every unacknowledged append
// there. A re-sent append may thus be stored twice (once before the seal, once after);
// the partition layer tolerates duplicates as the paper describes. Acks arrive in offset
// order per extent. Reads go to any replica, with a deadline and failover to the next
// replica; replay reads a whole stream sequentially after sealing its last extent.
// read_extent reads an extent of a stream this client never opened (a front-end reading a
// large blob from the extent nodes, with the replicas a partition server named).
//
// Wiring (the host actor forwards what belongs to the client):
//   void on_message(sim::MessagePtr m) override { if (client_.handle_message(m)) return; ... }
//   void on_timer(uint64_t tag) override { if (StreamClient::owns_tag(tag)) return client_.handle_timer(tag); ... }
// Timer tags: bit 59 set (kStreamClientTagSpace); keep the actor's own tags below 2^59.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "models/stream/config.h"
#include "models/stream/messages.h"
#include "sim/actor.h"

namespace models::stream {

class StreamObserver;

constexpr uint64_t kStreamClientTagSpace = 1ull << 59;

struct StreamClientOptions {
    StreamConfig config;
    std::vector<sim::Address> stream_managers;
    StreamObserver* observer = nullptr;  // tests only
    // Appends in flight per stream; beyond it they wait in the client's queue.
    int max_inflight_appends = 64;
};

class StreamClient {
public:
    using StreamCallback = std::function<void(Status, StreamId)>;
    using AppendCallback = std::function<void(Status, const Location&)>;
    using ReadCallback = std::function<void(Status, const std::vector<Block>&)>;
    using BlockVisitor = std::function<void(const Location&, const Block&)>;
    using DoneCallback = std::function<void(Status)>;

    StreamClient(sim::Context& ctx, StreamClientOptions options);

    // Creates the stream if it does not exist (with its first extent) and opens it.
    void create_stream(const std::string& name, StreamCallback cb);
    void open_stream(const std::string& name, StreamCallback cb);
    void delete_stream(const std::string& name, DoneCallback cb);
    // Appends one block (size <= block_size) to the open stream. The callback gets the
    // block's location once every replica holds it durably.
    void append(StreamId stream, BlockData data, AppendCallback cb);
    // One atomic multi-block append (total size <= block_size): the blocks land
    // contiguously, in order, all or none. The callback gets the location of the whole
    // append; block i starts at its offset plus the sizes of blocks 0..i-1, and each block
    // reads back on its own (read() with that block's location).
    void append(StreamId stream, std::span<const BlockData> blocks, AppendCallback cb);
    // Reads the blocks at exactly (extent, offset, size_bytes) of an acknowledged append.
    void read(const Location& loc, ReadCallback cb);
    // Reads the blocks at `loc` of an extent of a stream this client has not opened: a
    // front-end streaming a large blob from the extent nodes, with the replica set the
    // partition server's stream client knows (`replicas`: possibly stale, or empty). Like
    // read(): a random replica first (recently unresponsive ones last), failover to the
    // next. When every replica failed (or none was given) the client asks the stream
    // manager once for the extent's current replicas, opening `streams` in order (streams
    // that may list the extent) until one lists it, and tries those. Nothing of those
    // streams is kept: the client stays as stateless as its host.
    void read_extent(const Location& loc, std::vector<sim::NodeId> replicas, std::vector<std::string> streams,
                     ReadCallback cb);
    // The extent's view in this client's cache and the name of the stream listing it
    // (null if no open stream lists it).
    const ExtentView* locate(ExtentId id, std::string* stream_name = nullptr) const;
    // Seals the stream's last extent, then visits every block of every extent in order.
    void replay(StreamId stream, BlockVisitor visit, DoneCallback done);

    bool handle_message(sim::MessagePtr& msg);
    void handle_timer(uint64_t tag);
    static bool owns_tag(uint64_t tag) { return (tag & kStreamClientTagSpace) != 0; }

    const std::vector<ExtentView>* extents(StreamId stream) const;
    uint64_t seals_requested() const { return seals_requested_; }
    uint64_t appends_resent() const { return appends_resent_; }
    size_t inflight(StreamId stream) const;

private:
    struct SmCall {
        StreamOp op = StreamOp::kOpen;
        std::string name;
        ExtentId extent;
        int attempts = 0;
        uint64_t timer = 0;
        std::function<void(const StreamReply&)> done;
    };
    using Blocks = boost::container::small_vector<BlockData, 1>;
    struct Append {
        StreamId stream;
        Blocks blocks;
        int64_t length = 0;
        AppendCallback cb;
        ExtentId extent;  // where the current attempt went
        uint64_t timer = 0;
    };
    struct StreamState {
        std::string name;
        std::vector<ExtentView> extents;
        int64_t bytes_sent_to_last = 0;
        bool sealing = false;
        std::deque<uint64_t> waiting;  // appends not yet sent (in order)
        std::map<uint64_t, bool> inflight;  // sent, not acked (ordered by request id)
    };
    struct Read {
        Location loc;
        ReadCallback cb;
        std::vector<sim::NodeId> replicas;
        size_t next = 0;
        size_t tried = 0;
        bool refreshed = false;
        uint64_t timer = 0;
        // read_extent: the streams to ask the stream manager about the extent's replicas.
        std::vector<std::string> streams;
    };
    struct Replay {
        StreamId stream;
        BlockVisitor visit;
        DoneCallback done;
        size_t extent_index = 0;
        int64_t offset = 0;
    };

    void call_sm(StreamOp op, const std::string& name, ExtentId extent, std::function<void(const StreamReply&)> done);
    void send_sm(uint64_t id);
    void on_sm_reply(sim::Owned<StreamReply> m);
    void adopt(StreamId stream, const std::string& name, const std::vector<ExtentView>& extents);
    void pump(StreamId stream);
    void send_append(uint64_t id);
    void on_append_reply(const AppendReply& m);
    void seal_and_continue(StreamId stream, ExtentId failed);
    // Orders r.replicas: a random one first, those that recently timed out last.
    void order_replicas(Read& r);
    void send_read(uint64_t id);
    // read_extent's refresh: opens r.streams[i] and reads from the replicas it lists.
    void locate_for_read(uint64_t id, size_t i);
    void fail_read(uint64_t id, Status s);
    void on_read_reply(const ReadReply& m);
    void read_failed(uint64_t id);
    void replay_step(uint64_t id);
    // A timer of `kind` for `id`; cancel() voids it (a cancelled timer costs no event).
    uint64_t timer(sim::Duration d, int kind, uint64_t id);
    void cancel(uint64_t& tag);
    const ExtentView* find_extent(ExtentId id) const;

    sim::Context& ctx_;
    StreamClientOptions options_;
    size_t leader_ = 0;
    uint64_t next_id_ = 1;
    std::map<uint64_t, SmCall> sm_calls_;
    std::map<uint64_t, Append> appends_;
    std::map<StreamId, StreamState> streams_;
    std::map<uint64_t, Read> reads_;
    std::map<uint64_t, Replay> replays_;
    // Extent nodes (by id) whose read timed out, tried last until then.
    std::map<uint32_t, sim::Time> suspect_until_;
    struct Timer {
        int kind = 0;
        uint64_t id = 0;
        sim::TimerId handle;
    };
    std::map<uint64_t, Timer> timers_;  // by tag
    uint64_t seals_requested_ = 0;
    uint64_t appends_resent_ = 0;
};

}  // namespace models::stream
