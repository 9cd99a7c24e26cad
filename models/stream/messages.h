// models/stream/messages.h: every message of the stream layer.
//
// Extent node <-> extent node: append forwarding, fan-out acks, copies.
// Stream client -> extent node: append, read. Stream manager -> extent node: create,
// commit-length query (which also fences appends), seal, copy order, delete, re-register
// challenge. Extent node -> stream manager: heartbeat with its extent report.
// Stream client <-> stream manager: create/open/delete stream, seal-and-new-extent.
// Messages that carry data set size_bytes to the data size, so the network models
// their bandwidth (foreground appends and repair copies compete on the same links).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "models/stream/types.h"
#include "sim/message.h"
#include "sim/time.h"

namespace models::stream {

constexpr int64_t kHeaderBytes = 128;

// --- data path ---------------------------------------------------------------------------

// One atomic append of one or more blocks, contiguous from `offset` (SOSP §4: a client may
// append several blocks as a single atomic multi-block append; a partition server batches
// its commit-log records this way). Every replica adds all of its blocks in one step, so a
// commit length, and hence a seal length, never falls inside an append.
struct AppendRequest : sim::MessageOf<AppendRequest> {
    static constexpr std::string_view kName = "stream.append";
    ExtentId extent;
    int64_t offset = -1;  // -1 from the client; the head assigns it
    boost::container::small_vector<BlockData, 1> blocks;
    int64_t length = 0;  // sum of the blocks' sizes
    boost::container::small_vector<uint64_t, 1> checksums;  // one per block, set by the head
    sim::Address client;
    uint64_t request = 0;
    sim::Address primary;  // primary_fanout: where secondaries ack
};

struct AppendReply : sim::MessageOf<AppendReply> {
    static constexpr std::string_view kName = "stream.append_reply";
    ExtentId extent;
    Status status = Status::kOk;
    uint64_t request = 0;
    int64_t offset = 0;
    int64_t length = 0;  // the append's size (size_bytes is the message's wire size)
    sim::NodeId from;
};

// primary_fanout: a secondary's commit length after a durable append.
struct FanoutAck : sim::MessageOf<FanoutAck> {
    static constexpr std::string_view kName = "stream.fanout_ack";
    ExtentId extent;
    sim::NodeId from;
    int64_t commit_length = 0;
    Status status = Status::kOk;
};

struct ReadRequest : sim::MessageOf<ReadRequest> {
    static constexpr std::string_view kName = "stream.read";
    ExtentId extent;
    int64_t offset = 0;
    int64_t length = 0;  // 0: up to the commit length, at most one block
    sim::Duration deadline;
    uint64_t request = 0;
};

struct ReadReply : sim::MessageOf<ReadReply> {
    static constexpr std::string_view kName = "stream.read_reply";
    ExtentId extent;
    Status status = Status::kOk;
    uint64_t request = 0;
    std::vector<Block> blocks;
    int64_t commit_length = 0;
    bool sealed = false;
    sim::NodeId from;
};

// --- stream manager -> extent node -------------------------------------------------------

struct CreateReplica : sim::MessageOf<CreateReplica> {
    static constexpr std::string_view kName = "stream.create_replica";
    ExtentId extent;
    std::vector<sim::NodeId> chain;
    uint64_t request = 0;
};

struct CreateReplicaReply : sim::MessageOf<CreateReplicaReply> {
    static constexpr std::string_view kName = "stream.create_replica_reply";
    ExtentId extent;
    sim::NodeId from;
    Status status = Status::kOk;
    uint64_t request = 0;
};

// Asks a replica for its commit length and stops it taking appends (seal step 1).
struct LengthQuery : sim::MessageOf<LengthQuery> {
    static constexpr std::string_view kName = "stream.length_query";
    ExtentId extent;
    uint64_t round = 0;
};

struct LengthReply : sim::MessageOf<LengthReply> {
    static constexpr std::string_view kName = "stream.length_reply";
    ExtentId extent;
    uint64_t round = 0;
    sim::NodeId from;
    Status status = Status::kOk;
    int64_t commit_length = 0;
};

struct SealReplica : sim::MessageOf<SealReplica> {
    static constexpr std::string_view kName = "stream.seal_replica";
    ExtentId extent;
    int64_t length = 0;
};

struct SealReplicaReply : sim::MessageOf<SealReplicaReply> {
    static constexpr std::string_view kName = "stream.seal_replica_reply";
    ExtentId extent;
    sim::NodeId from;
    Status status = Status::kOk;
    int64_t length = 0;
};

// Makes the receiver hold the sealed extent at exactly `length`, copying what it lacks
// from `source` (re-replication, and syncing a replica that missed the seal).
struct CopyOrder : sim::MessageOf<CopyOrder> {
    static constexpr std::string_view kName = "stream.copy_order";
    ExtentId extent;
    sim::NodeId source;
    int64_t length = 0;
    std::vector<sim::NodeId> chain;
};

struct CopyDone : sim::MessageOf<CopyDone> {
    static constexpr std::string_view kName = "stream.copy_done";
    ExtentId extent;
    sim::NodeId from;
    sim::NodeId source;
    Status status = Status::kOk;
    int64_t length = 0;
};

struct CopyRead : sim::MessageOf<CopyRead> {
    static constexpr std::string_view kName = "stream.copy_read";
    ExtentId extent;
    int64_t offset = 0;
    int64_t max_bytes = 0;
    int64_t length = 0;  // the sealed length being copied to
};

struct CopyData : sim::MessageOf<CopyData> {
    static constexpr std::string_view kName = "stream.copy_data";
    ExtentId extent;
    Status status = Status::kOk;
    std::vector<Block> blocks;
};

struct DeleteReplica : sim::MessageOf<DeleteReplica> {
    static constexpr std::string_view kName = "stream.delete_replica";
    ExtentId extent;
};

// Sent to a node the stream manager had declared dead: only the answer to this
// challenge (sent after the declaration) brings the node back.
struct ReRegister : sim::MessageOf<ReRegister> {
    static constexpr std::string_view kName = "stream.reregister";
    uint64_t challenge = 0;
};

// --- extent node -> stream manager -------------------------------------------------------

struct ReplicaReport {
    ExtentId extent;
    int64_t commit_length = 0;
    bool sealed = false;
    bool corrupt = false;
};

struct Heartbeat : sim::MessageOf<Heartbeat> {
    static constexpr std::string_view kName = "stream.heartbeat";
    sim::NodeId from;
    uint64_t boot = 0;  // changes with every restart and every new disk
    uint64_t seq = 0;
    uint64_t challenge = 0;  // answer to ReRegister, else 0
    int64_t free_bytes = 0;
    int64_t disk_queue = 0;
    std::vector<ReplicaReport> extents;
    sim::Time sent_true;  // instrumentation only (the observer's stale-report check)
};

// --- stream client <-> stream manager ------------------------------------------------------

enum class StreamOp : uint8_t { kCreate, kOpen, kDelete, kSealAndNewExtent };

struct StreamRequest : sim::MessageOf<StreamRequest> {
    static constexpr std::string_view kName = "stream.sm_request";
    StreamOp op = StreamOp::kOpen;
    std::string name;
    ExtentId extent;  // kSealAndNewExtent: the extent to seal (must be the last)
    uint64_t request = 0;
};

struct StreamReply : sim::MessageOf<StreamReply> {
    static constexpr std::string_view kName = "stream.sm_reply";
    Status status = Status::kOk;
    uint64_t request = 0;
    StreamId stream;
    std::vector<ExtentView> extents;
    sim::Address leader_hint;
};

// Operator action: an upgrade is taking down (or has finished with) an upgrade domain.
struct UpgradeDomainNotice : sim::MessageOf<UpgradeDomainNotice> {
    static constexpr std::string_view kName = "stream.upgrade_domain";
    int upgrade_domain = 0;
    bool down = true;
};

}  // namespace models::stream
