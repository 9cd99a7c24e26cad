#include "models/partition/observer.h"

#include <algorithm>
#include <sstream>

#include "sim/check.h"

namespace models::partition {

namespace {

bool overlap(const KeyRange& a, const KeyRange& b) {
    const bool a_below_b_high = b.high.empty() || a.low < b.high;
    const bool b_below_a_high = a.high.empty() || b.low < a.high;
    return a_below_b_high && b_below_a_high;
}

}  // namespace

void PartitionObserver::report(const std::string& what) {
    if (!record_only_) SIM_ASSERT(false, what);
    ++violation_count_;
    if (violations_.size() < kKeep) violations_.push_back(what);
}

void PartitionObserver::on_serve(ServerId server, RangeId range, const KeyRange& keys, sim::Time true_now) {
    ++serves_;
    Tenure& t = tenures_[{server, range}];
    if (!t.open) {
        t = Tenure{keys, true_now, true_now, true};
    }
    t.last = true_now;
    for (const auto& [who, other] : tenures_) {
        if (who.first == server || !overlap(other.keys, keys)) continue;
        // The other server served these keys after this tenure began: two servers interleave.
        if (other.last < t.first) continue;
        std::ostringstream m;
        m << "at " << true_now.to_string() << " server " << server.value << " serves range " << range.value << " "
          << to_string(keys) << " (tenure since " << t.first.to_string() << ") but server " << who.first.value
          << " served range " << who.second.value << " " << to_string(other.keys) << " at " << other.last.to_string();
        report(m.str());
    }
}

void PartitionObserver::on_stop(ServerId server, RangeId range) {
    auto it = tenures_.find({server, range});
    if (it != tenures_.end()) it->second.open = false;
}

void PartitionObserver::on_commit(const std::string& key, const IndexEntry& entry, bool acked) {
    if (!acked) {
        if (entry.deleted) {
            uint64_t& v = unacked_delete_[key];
            v = std::max(v, entry.version);
        }
        return;
    }
    ++acks_;
    auto [it, fresh] = acked_.try_emplace(key, entry);
    if (!fresh && it->second.version < entry.version) it->second = entry;
}

void PartitionObserver::on_loaded(ServerId server, const RangePartition& part) {
    ++loads_;
    const KeyRange& keys = part.range();
    auto it = acked_.lower_bound(keys.low);
    for (; it != acked_.end() && keys.contains(it->first); ++it) {
        ++rows_checked_;
        const IndexEntry& want = it->second;
        const auto got = part.lookup(it->first);
        if (want.deleted) {
            if (got && got->version < want.version) {
                std::ostringstream m;
                m << "server " << server.value << " loaded range " << part.id().value << " " << to_string(keys)
                  << " with key " << printable_key(it->first) << " at version " << got->version
                  << ", older than its acknowledged delete (version " << want.version << ")";
                report(m.str());
            }
            continue;
        }
        if (!got) {
            // A newer delete may have committed unacknowledged (its server lost the lease).
            auto d = unacked_delete_.find(it->first);
            if (d != unacked_delete_.end() && d->second > want.version) continue;
            std::ostringstream m;
            m << "server " << server.value << " loaded range " << part.id().value << " " << to_string(keys)
              << " without key " << printable_key(it->first) << " (acknowledged at version " << want.version << ")";
            report(m.str());
            continue;
        }
        if (got->version < want.version) {
            std::ostringstream m;
            m << "server " << server.value << " loaded range " << part.id().value << " " << to_string(keys)
              << " with key " << printable_key(it->first) << " at version " << got->version
              << ", older than acknowledged version " << want.version;
            report(m.str());
            continue;
        }
        if (got->version == want.version &&
            !(got->fingerprint == want.fingerprint && got->size_bytes == want.size_bytes &&
              got->data.length == want.data.length && got->data.extent != 0)) {
            std::ostringstream m;
            m << "server " << server.value << " loaded range " << part.id().value << " " << to_string(keys)
              << ": key " << printable_key(it->first) << " version " << want.version
              << " has other content or no stream bytes";
            report(m.str());
        }
    }
}

}  // namespace models::partition
