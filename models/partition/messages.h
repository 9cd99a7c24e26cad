// models/partition/messages.h: the partition layer's wire API for front-ends, served by
// PartitionServer (blob requests, port 50) and PartitionManager (map requests, port 51).
//
// Front-ends send blob operations to the partition server that the partition map names for
// the key, and fetch the map from the partition manager. Every reply carries the map
// version the server acted under, so a front-end with an older cached map refreshes it on
// kNotMine. Blob content is a size plus a 64-bit content fingerprint.
// A get of a large blob (its bytes in a blob data stream) is answered with the index entry
// and where to read the bytes (BlobRead): the front-end streams them from the extent
// nodes itself; small blobs and heads are answered from the index alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/partition/index.h"
#include "models/partition/partition_map.h"
#include "models/stream/types.h"
#include "sim/ids.h"
#include "sim/message.h"

namespace models::partition {

// Ports within the partition layer's range (models/ports.h: 50-69).
constexpr sim::Port kPartitionServerPort = 50;
constexpr sim::Port kPartitionManagerPort = 51;  // map fetch and heartbeats

enum class BlobStatus : uint8_t {
    kOk,
    kNotFound,
    kNotMine,      // this server does not serve the key's range now: refresh the map
    kBusy,         // throttled ("server busy"): back off and retry
    kUnavailable,  // the range is loading or the server lost its lease
    kFailed,       // the stream layer failed the update (not applied)
};
std::string_view blob_status_name(BlobStatus s);

enum class BlobOp : uint8_t { kPut, kGet, kHead, kDelete, kList };

struct BlobRequest : sim::MessageOf<BlobRequest> {
    static constexpr std::string_view kName = "partition.blob_request";
    uint64_t request_id = 0;
    BlobOp op = BlobOp::kGet;
    std::string account;
    std::string container;
    std::string blob;  // list: the name prefix
    // put
    int64_t blob_size_bytes = 0;
    uint64_t fingerprint = 0;
    // put/delete: the client operation's id, the same over all its retries (0: none).
    uint64_t op_id = 0;
    // list
    std::string marker;  // continue after this encoded key
    // The marker itself is the first candidate (a continuation into the next range
    // partition: the marker is that range's low key).
    bool marker_inclusive = false;
    uint32_t max_results = 1000;
    // The map version the sender routed by.
    uint64_t map_version = 0;
};

struct BlobListItem {
    std::string blob;
    IndexEntry entry;
};

// Where a front-end reads a large blob's bytes: the one block the blob was written as in
// its range's blob data stream, the replicas of that block's extent as the partition
// server's stream client knows them (possibly stale after a re-replication, or empty when
// the server never opened the stream: an ancestor's, before a split or merge), and the
// blob data streams that may list the extent (the range's own, then its ancestors',
// newest first), to ask the stream manager for its current replicas.
struct BlobRead {
    stream::Location block;
    std::vector<sim::NodeId> replicas;
    std::vector<std::string> streams;
};

struct BlobReply : sim::MessageOf<BlobReply> {
    static constexpr std::string_view kName = "partition.blob_reply";
    uint64_t request_id = 0;
    BlobStatus status = BlobStatus::kOk;
    uint64_t map_version = 0;
    IndexEntry entry;                 // put / get / head / delete
    std::optional<BlobRead> read;     // get of a blob in a blob data stream
    std::vector<BlobListItem> items;  // list, in key order
    // list: continue with this marker; may point into the next range partition.
    std::string next_marker;
    bool next_marker_inclusive = false;
};

struct MapRequest : sim::MessageOf<MapRequest> {
    static constexpr std::string_view kName = "partition.map_request";
    uint64_t request_id = 0;
    uint64_t known_version = 0;
};

struct MapReply : sim::MessageOf<MapReply> {
    static constexpr std::string_view kName = "partition.map_reply";
    uint64_t request_id = 0;
    bool leader = false;  // false: ask leader_hint
    int leader_hint = -1;
    uint64_t version = 0;
    std::vector<RangeInfo> ranges;                 // key order
    std::vector<sim::Address> servers;             // ServerId -> address
};

}  // namespace models::partition
