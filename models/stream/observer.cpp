#include "models/stream/observer.h"

#include <algorithm>
#include <sstream>

#include "models/stream/extent_store.h"
#include "sim/simulation.h"

namespace models::stream {

// An invariant of the stream layer: thrown as a sim::InvariantViolation, or recorded in
// record-only mode (whole runs). Evaluates to whether it held, so callers can stop.
#define STREAM_INVARIANT(cond, msg)                        \
    ([&]() -> bool {                                       \
        if (cond) [[likely]] return true;                  \
        std::ostringstream stream_invariant_os_;           \
        stream_invariant_os_ << msg;                       \
        report(stream_invariant_os_.str());                \
        return false;                                      \
    }())

void StreamObserver::report(const std::string& what) {
    if (!record_only_) SIM_ASSERT(false, what);
    ++violation_count_;
    if (violations_.size() < kKeep) violations_.push_back("at " + sim_.now().to_string() + ": " + what);
}

ExtentStore& extent_store(sim::Simulation& sim, sim::NodeId node) {
    auto make = []() -> std::unique_ptr<sim::DurableBase> {
        return std::make_unique<sim::DurableHolder<ExtentStore>>();
    };
    auto* holder = dynamic_cast<sim::DurableHolder<ExtentStore>*>(&sim.durable_slot(node, "extents", +make));
    SIM_ASSERT(holder != nullptr, "durable 'extents' is not an ExtentStore");
    return holder->value;
}

namespace {

// Domains of one kind (rack, power, upgrade) and how evenly `nodes` use them.
// Empty if `nodes` spread over their domains as they should, else what is wrong.
std::string check_spread(const char* what, const std::vector<int>& domain_of, int domain_count, ExtentId extent,
                         bool strict) {
    std::map<int, int> per;
    for (int d : domain_of) ++per[d];
    const int n = static_cast<int>(domain_of.size());
    const int allowed = strict || domain_count >= n ? 1 : (n + domain_count - 1) / domain_count;
    for (auto [d, k] : per) {
        if (k <= allowed) continue;
        std::ostringstream os;
        os << "extent " << extent.value << " has " << k << " replicas in " << what << " " << d << " (allowed "
           << allowed << " of " << domain_count << " domains)";
        return os.str();
    }
    return {};
}

}  // namespace

void StreamObserver::on_placement(ExtentId extent, const std::vector<sim::NodeId>& replicas) {
    ++checks_;
    auto& rec = extents_[extent];
    rec.placement = replicas;
    const auto& topo = sim_.topology();
    std::vector<int> racks, powers, upgrades;
    for (sim::NodeId n : replicas) {
        const auto& info = topo.node(n);
        racks.push_back(info.rack);
        powers.push_back(info.power_domain);
        upgrades.push_back(info.upgrade_domain);
    }
    const auto& stamp = topo.stamp(topo.node(replicas.front()).stamp);
    for (const std::string& bad :
         {check_spread("rack", racks, static_cast<int>(stamp.racks.size()), extent, true),
          check_spread("power domain", powers, stamp.power_domains, extent, false),
          check_spread("upgrade domain", upgrades, std::min(stamp.upgrade_domains, stamp.nodes_per_rack), extent,
                       false)}) {
        if (!bad.empty()) return report(bad);
    }
}

void StreamObserver::on_ack(const Location& loc, uint64_t fingerprint, const std::vector<sim::NodeId>& chain) {
    ++acked_;
    ++checks_;
    auto& rec = extents_[loc.extent];
    rec.acked[loc.offset] = Acked{loc.size_bytes, fingerprint};
    rec.acked_end = std::max(rec.acked_end, loc.offset + loc.size_bytes);
    if (rec.sealed) {
        STREAM_INVARIANT(rec.sealed_length >= loc.offset + loc.size_bytes,
                         "append acked at [" << loc.offset << ", " << loc.offset + loc.size_bytes << ") of extent "
                                             << loc.extent.value << " sealed at " << rec.sealed_length);
    }
    const uint64_t want = block_checksum(loc.size_bytes, fingerprint);
    for (sim::NodeId n : chain) {
        const Replica* r = extent_store(sim_, n).find(loc.extent);
        if (r == nullptr) continue;  // lost with a failed disk
        auto it = r->blocks.find(loc.offset);
        if (!STREAM_INVARIANT(it != r->blocks.end() && r->commit_length >= loc.offset + loc.size_bytes,
                              "append acked at offset " << loc.offset << " of extent " << loc.extent.value
                                                        << " is not durable on replica "
                                                        << sim_.topology().node(n).name << " (commit length "
                                                        << r->commit_length << ")"))
            return;
        if (!STREAM_INVARIANT(it->second.checksum == want, "replica " << sim_.topology().node(n).name
                                                                      << " of extent " << loc.extent.value
                                                                      << " holds other content at " << loc.offset))
            return;
    }
}

void StreamObserver::on_seal_decided(ExtentId extent, int64_t length) {
    ++seals_;
    ++checks_;
    auto& rec = extents_[extent];
    if (!STREAM_INVARIANT(!rec.sealed || rec.sealed_length == length,
                          "extent " << extent.value << " sealed twice: at " << rec.sealed_length << " and "
                                    << length))
        return;
    rec.sealed = true;
    rec.sealed_length = length;
    STREAM_INVARIANT(length >= rec.acked_end, "extent " << extent.value << " sealed at " << length
                                                        << " below the acknowledged end " << rec.acked_end);
}

uint64_t StreamObserver::digest(const ExtentStore& store, ExtentId extent, int64_t length) const {
    const Replica* r = store.find(extent);
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (const auto& [off, b] : r->blocks) {
        if (off >= length) break;
        h = sim::mix64(h ^ static_cast<uint64_t>(off) ^ b.checksum);
    }
    return h;
}

void StreamObserver::on_replica_sealed(sim::NodeId node, ExtentId extent) {
    ++checks_;
    auto& rec = extents_[extent];
    const ExtentStore& store = extent_store(sim_, node);
    const Replica* r = store.find(extent);
    if (!STREAM_INVARIANT(r != nullptr && r->sealed,
                          "replica of extent " << extent.value << " reported sealed but is not"))
        return;
    if (!STREAM_INVARIANT(rec.sealed,
                          "replica of extent " << extent.value << " sealed before the stream manager sealed it"))
        return;
    if (!STREAM_INVARIANT(r->sealed_length == rec.sealed_length,
                          "replica " << sim_.topology().node(node).name << " of extent " << extent.value
                                     << " sealed at " << r->sealed_length << ", the extent at "
                                     << rec.sealed_length))
        return;
    if (!STREAM_INVARIANT(r->commit_length == r->sealed_length,
                          "sealed replica " << sim_.topology().node(node).name << " of extent " << extent.value
                                            << " holds " << r->commit_length << " of " << r->sealed_length
                                            << " bytes"))
        return;
    const uint64_t d = digest(store, extent, r->sealed_length);
    if (!rec.reference_set) {
        rec.reference_set = true;
        rec.sealed_digest = d;
    }
    STREAM_INVARIANT(d == rec.sealed_digest, "sealed replica " << sim_.topology().node(node).name << " of extent "
                                                               << extent.value
                                                               << " differs from the other sealed replicas");
}

void StreamObserver::on_extent_deleted(ExtentId extent) { extents_[extent].deleted = true; }

void StreamObserver::on_declared_dead(sim::NodeId node) { declared_dead_[node] = sim_.now(); }

void StreamObserver::on_revived(sim::NodeId node, sim::Time report_sent_true) {
    ++checks_;
    auto it = declared_dead_.find(node);
    if (it == declared_dead_.end()) return;
    STREAM_INVARIANT(report_sent_true > it->second, "node " << sim_.topology().node(node).name
                                                            << " declared dead at " << it->second.to_string()
                                                            << " was counted live from a report sent at "
                                                            << report_sent_true.to_string());
    declared_dead_.erase(it);
}

void StreamObserver::audit() {
    ++checks_;
    const auto& topo = sim_.topology();
    for (const auto& [id, rec] : extents_) {
        if (rec.deleted || rec.acked.empty()) continue;
        // Every acknowledged block must be intact on some node (a replica may have moved).
        for (const auto& [off, a] : rec.acked) {
            const uint64_t want = block_checksum(a.size_bytes, a.fingerprint);
            bool found = false;
            for (const auto& info : topo.nodes()) {
                if (info.is_client) continue;
                const Replica* r = extent_store(sim_, info.id).find(id);
                if (r == nullptr) continue;
                auto it = r->blocks.find(off);
                if (it != r->blocks.end() && it->second.checksum == want && it->second.intact()) {
                    found = true;
                    break;
                }
            }
            STREAM_INVARIANT(found, "acknowledged append at offset " << off << " of extent " << id.value
                                                                     << " is lost on every replica");
        }
    }
}

int StreamObserver::under_replicated() const {
    const auto& topo = sim_.topology();
    int under = 0;
    for (const auto& [id, rec] : extents_) {
        if (rec.deleted || rec.placement.empty()) continue;
        int full = 0;
        for (const auto& info : topo.nodes()) {
            if (info.is_client) continue;
            const Replica* r = extent_store(sim_, info.id).find(id);
            if (r == nullptr || r->corrupt) continue;
            if (rec.sealed && (!r->sealed || r->commit_length != rec.sealed_length)) continue;
            if (!sim_.up(info.id)) continue;
            ++full;
        }
        if (full < replicas_) ++under;
    }
    return under;
}

void StreamObserver::sample() { exposure_.emplace_back(sim_.now(), under_replicated()); }

#undef STREAM_INVARIANT

}  // namespace models::stream

namespace models::stream {

std::string StreamObserver::describe_under_replicated() const {
    std::ostringstream os;
    const auto& topo = sim_.topology();
    for (const auto& [id, rec] : extents_) {
        if (rec.deleted || rec.placement.empty()) continue;
        std::ostringstream line;
        int full = 0;
        for (const auto& info : topo.nodes()) {
            if (info.is_client) continue;
            const Replica* r = extent_store(sim_, info.id).find(id);
            if (r == nullptr) continue;
            line << " " << info.name << (sim_.up(info.id) ? "" : "(down)") << ":" << r->commit_length
                 << (r->sealed ? "s" : "") << (r->corrupt ? "c" : "");
            if (r->corrupt || !sim_.up(info.id)) continue;
            if (rec.sealed && (!r->sealed || r->commit_length != rec.sealed_length)) continue;
            ++full;
        }
        if (full < replicas_) {
            os << "extent " << id.value << (rec.sealed ? " sealed at " + std::to_string(rec.sealed_length) : " open")
               << ":" << line.str() << "\n";
        }
    }
    return os.str();
}

}  // namespace models::stream
