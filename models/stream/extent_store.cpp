#include "models/stream/extent_store.h"

#include "sim/check.h"

namespace models::stream {

Replica* ExtentStore::find(ExtentId id) {
    auto it = replicas_.find(id);
    return it == replicas_.end() ? nullptr : &it->second;
}

const Replica* ExtentStore::find(ExtentId id) const {
    auto it = replicas_.find(id);
    return it == replicas_.end() ? nullptr : &it->second;
}

Replica& ExtentStore::create(ExtentId id, std::vector<sim::NodeId> chain) {
    Replica& r = replicas_[id];
    SIM_ASSERT(r.commit_length == 0, "extent " << id.value << " recreated with data");
    r = Replica{};
    r.chain = std::move(chain);
    return r;
}

int64_t ExtentStore::erase(ExtentId id) {
    auto it = replicas_.find(id);
    if (it == replicas_.end()) return 0;
    const int64_t bytes = it->second.stored_bytes;
    replicas_.erase(it);
    return bytes;
}

int64_t ExtentStore::add_block(Replica& r, const Block& b) {
    SIM_ASSERT(b.size_bytes > 0, "empty block at " << b.offset);
    if (r.sealed && b.end() > r.sealed_length) return 0;
    if (b.offset < r.commit_length) return 0;  // a duplicate of a committed block
    auto [it, inserted] = r.blocks.emplace(b.offset, b);
    if (!inserted) return 0;
    r.stored_bytes += b.size_bytes;
    while (true) {
        auto next = r.blocks.find(r.commit_length);
        if (next == r.blocks.end()) break;
        r.commit_length = next->second.end();
    }
    return b.size_bytes;
}

int64_t ExtentStore::truncate(Replica& r, int64_t length) {
    int64_t dropped = 0;
    auto it = r.blocks.lower_bound(length);
    // A block straddling `length` cannot exist: lengths are always block boundaries.
    if (it != r.blocks.begin()) {
        auto prev = std::prev(it);
        SIM_ASSERT(prev->second.end() <= length, "truncate inside block at " << prev->first);
    }
    for (auto e = it; e != r.blocks.end(); ++e) dropped += e->second.size_bytes;
    r.blocks.erase(it, r.blocks.end());
    r.stored_bytes -= dropped;
    if (r.commit_length > length) r.commit_length = length;
    return dropped;
}

uint64_t ExtentStore::corrupt_blocks(sim::Rng& rng, double fraction) {
    uint64_t damaged = 0;
    for (auto& [id, r] : replicas_) {
        for (auto& [off, b] : r.blocks) {
            if (rng.bernoulli(fraction)) {
                b.fingerprint ^= (rng.next_u64() | 1);
                ++damaged;
            }
        }
    }
    return damaged;
}

}  // namespace models::stream
