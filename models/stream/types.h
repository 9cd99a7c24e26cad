// models/stream/types.h: the stream layer's nouns as values: ids, blocks, extent views,
// and the status codes that travel in replies.
//
// A block is not stored byte by byte: it carries its size, a 64-bit content fingerprint
// and a checksum over both. Silent corruption changes the stored fingerprint, so the
// checksum no longer matches and a read or a scrub finds it.
#pragma once

#include <compare>
#include <cstdint>
#include <string_view>
#include <vector>

#include "sim/ids.h"
#include "sim/rng.h"

namespace models::stream {

struct ExtentId {
    uint64_t value = 0;
    constexpr bool valid() const { return value != 0; }
    constexpr auto operator<=>(const ExtentId&) const = default;
};

struct StreamId {
    uint64_t value = 0;
    constexpr bool valid() const { return value != 0; }
    constexpr auto operator<=>(const StreamId&) const = default;
};

// Checksum of a block's content as written: a function of size and fingerprint.
constexpr uint64_t block_checksum(int64_t size_bytes, uint64_t fingerprint) {
    return sim::mix64(fingerprint ^ sim::mix64(static_cast<uint64_t>(size_bytes) + 0x5bd1e995ULL));
}

// What a client appends: the block's size and content fingerprint.
struct BlockData {
    int64_t size_bytes = 0;
    uint64_t fingerprint = 0;
};

// A block as stored in a replica at an offset.
struct Block {
    int64_t offset = 0;
    int64_t size_bytes = 0;
    uint64_t fingerprint = 0;
    uint64_t checksum = 0;
    int64_t end() const { return offset + size_bytes; }
    bool intact() const { return checksum == block_checksum(size_bytes, fingerprint); }
};

// Where an acknowledged append lives: read it back with exactly these values.
struct Location {
    ExtentId extent;
    int64_t offset = 0;
    int64_t size_bytes = 0;
};

// The stream manager's view of one extent, as handed to stream clients.
struct ExtentView {
    ExtentId id;
    std::vector<sim::NodeId> replicas;  // replicas[0] is the head (primary)
    bool sealed = false;
    int64_t sealed_length = 0;
};

enum class Status : uint8_t {
    kOk,
    kSealed,        // the extent is sealed (or being sealed): append elsewhere
    kNoExtent,      // this node does not hold the extent (lost with a failed disk)
    kDiskFailed,    // the disk failed under the request
    kFenced,        // the replica restarted since it joined the chain: seal first
    kOutOfRange,    // read past the commit length
    kCorrupt,       // a block failed its checksum
    kDeadline,      // the node cannot meet the read's deadline
    kTimeout,       // no answer in time
    kNotFound,      // no such stream
    kNotLeader,     // ask the stream manager leader
    kUnavailable,   // not enough healthy extent nodes
};
std::string_view status_name(Status s);

}  // namespace models::stream
