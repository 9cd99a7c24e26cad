// models/partition/partition_server_stale.cpp: the partition server's half of the planted
// bug stale_partition_map (PartitionConfig::stale_partition_map, set with the front-end's
// half by app/planted_bugs.cpp): "a server accepts keys it no longer owns".
//
// The correct server closes a range's store when the range is moved, split or merged away
// (drop_slot) and answers kNotMine for its keys from then on, so a front-end refreshes its
// map and goes to the new owner. With the bug the loaded store is kept open after the
// lease is handed over, and a request for one of its keys that no current range here
// holds is answered from it: reads from an index the new owner no longer updates, writes
// committed to the old commit log, which the new owner has replayed already. Nothing
// here runs when the flag is off (every caller checks it).
#include "models/partition/partition_server.h"

#include "sim/check.h"

namespace models::partition {

void PartitionServer::keep_dropped(Slot& s) {
    if (s.state != SlotState::kReady || !s.store) return;
    // Only the store outlives the slot: stop_slot still ends the tenure and answers the
    // writes in flight, and drop_slot still releases the lease.
    Dropped& d = dropped_[s.assignment.range];
    if (d.store) {
        d.store->close();
        closed_stores_.push_back(std::move(d.store));
    }
    d.keys = s.assignment.keys;
    d.meta = s.assignment.meta;
    d.store = std::move(s.store);
}

void PartitionServer::close_dropped() {
    std::map<RangeId, Dropped> dropped = std::move(dropped_);
    dropped_.clear();
    for (auto& [id, d] : dropped) {
        if (options_.observer) options_.observer->on_stop(options_.id, id);
        d.store->close();
    }
}

bool PartitionServer::serve_dropped(const BlobRequest& m, const std::string& key, sim::Address from) {
    SIM_ASSERT(options_.config.stale_partition_map, "serve_dropped without the planted bug");
    // Lists page across ranges by the map: only point reads and updates go to a dropped range.
    if (m.op == BlobOp::kList) return false;
    auto it = dropped_.begin();
    while (it != dropped_.end() && !it->second.keys.contains(key)) ++it;
    if (it == dropped_.end()) return false;
    const RangeId range = it->first;
    RangeStore* store = it->second.store.get();
    ++stats_.served_dropped;
    // What the server does, the invariant observer sees (it may report two servers
    // serving the same keys).
    if (options_.observer) options_.observer->on_serve(options_.id, range, it->second.keys, ctx().true_now());
    if (m.op == BlobOp::kGet || m.op == BlobOp::kHead) {
        answer_lookup(from, m, store->partition().get(key), it->second.meta);
        return true;
    }
    auto done = [this, range, store, key, request_id = m.request_id, from](StoreStatus st, const IndexEntry& e) {
        auto d = dropped_.find(range);
        if (d == dropped_.end() || d->second.store.get() != store) return;  // closed meanwhile
        BlobStatus status = BlobStatus::kFailed;
        switch (st) {
            case StoreStatus::kOk:
                status = BlobStatus::kOk;
                if (options_.observer) options_.observer->on_commit(key, e, true);
                break;
            case StoreStatus::kNotFound: status = BlobStatus::kNotFound; break;
            case StoreStatus::kBusy: status = BlobStatus::kBusy; break;
            case StoreStatus::kNotReady: status = BlobStatus::kUnavailable; break;
            case StoreStatus::kFailed: status = BlobStatus::kFailed; break;
        }
        reply(from, request_id, status, e);
    };
    if (m.op == BlobOp::kPut) {
        store->put(key, m.blob_size_bytes, m.fingerprint, std::move(done), m.op_id);
    } else {
        store->remove(key, std::move(done), m.op_id);
    }
    return true;
}

}  // namespace models::partition
