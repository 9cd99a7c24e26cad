// models/stream/extent_store.h: an extent node's replicas as they are on its disk.
//
// ExtentStore is node-durable state (ctx.durable<ExtentStore>("extents")): it survives
// a crash and is wiped when the disk fails. The extent node changes it only in on_io,
// after the disk acknowledged the write. It derives from sim::Corruptible so the
// disk_corrupt fault damages stored blocks silently: the damaged block's fingerprint no
// longer matches its checksum, which reads and the scrub detect.
// Invariant: a replica's commit_length is the end of its contiguous prefix of blocks
// starting at offset 0; a sealed replica holds no block at or past its sealed length.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "models/stream/types.h"
#include "sim/actor.h"

namespace models::stream {

struct Replica {
    std::map<int64_t, Block> blocks;  // by offset
    int64_t commit_length = 0;
    bool sealed = false;
    int64_t sealed_length = 0;
    std::vector<sim::NodeId> chain;  // the stream manager's chain when created
    bool corrupt = false;            // a read or the scrub found a damaged block
    int64_t stored_bytes = 0;
};

class ExtentStore final : public sim::Corruptible {
public:
    Replica* find(ExtentId id);
    const Replica* find(ExtentId id) const;
    Replica& create(ExtentId id, std::vector<sim::NodeId> chain);
    // Removes a replica; returns the bytes it held.
    int64_t erase(ExtentId id);
    // Adds a durable block; advances the commit length over the contiguous prefix.
    // A block at or past a sealed replica's length is dropped. Returns bytes added.
    int64_t add_block(Replica& r, const Block& b);
    // Drops every block at or past `length`. Returns bytes dropped.
    int64_t truncate(Replica& r, int64_t length);
    const std::map<ExtentId, Replica>& replicas() const { return replicas_; }
    std::map<ExtentId, Replica>& replicas() { return replicas_; }

    uint64_t corrupt_blocks(sim::Rng& rng, double fraction) override;

private:
    std::map<ExtentId, Replica> replicas_;
};

}  // namespace models::stream
