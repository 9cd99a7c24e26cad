#include "sim/network.h"

#include <algorithm>

#include "sim/check.h"

namespace sim {

const char* drop_reason_name(DropReason r) {
    switch (r) {
        case DropReason::kSrcDown: return "src_down";
        case DropReason::kDstDown: return "dst_down";
        case DropReason::kRackIsolated: return "rack_isolated";
        case DropReason::kCut: return "partition";
        case DropReason::kLoss: return "loss";
        case DropReason::kStale: return "stale_incarnation";
        case DropReason::kCount: break;
    }
    return "?";
}

Network::Network(const Topology& topology, NetworkConfig config, Rng rng)
    : topology_(topology), config_(config), rng_(rng) {
    tor_up_.assign(topology_.racks().size(), 0b11);
    build_links();
}

void Network::build_links() {
    stamp_base_ = 2 * topology_.racks().size();
    region_base_ = stamp_base_ + 2 * topology_.stamps().size();
    node_base_ = region_base_ + 2 * topology_.regions().size();
    links_.assign(node_base_ + 2 * topology_.node_count(), Link{});
    impair_.resize(topology_.node_count());
    refresh_locality();
    refresh_bandwidth();
}

void Network::refresh_locality() {
    locality_.clear();
    for (const auto& n : topology_.nodes()) locality_.push_back(Locality{n.rack, n.stamp, n.region, n.is_client});
}

void Network::on_nodes_added() {
    links_.resize(node_base_ + 2 * topology_.node_count());
    impair_.resize(topology_.node_count());
    refresh_locality();
    for (auto& f : faults_) {
        if (f.is_cut) f.group_of.resize(topology_.node_count(), -1);
    }
    refresh_bandwidth();
}

void Network::refresh_bandwidth() {
    // One ToR down leaves half the rack's bandwidth (dual-homed nodes, two uplinks).
    for (size_t r = 0; r < topology_.racks().size(); ++r) {
        const int64_t share = tors_up(static_cast<int>(r)) == 2 ? 1 : 2;
        links_[rack_up(static_cast<int>(r))].bits_per_s = config_.inter_rack.bandwidth.bits_per_s / share;
        links_[rack_down(static_cast<int>(r))].bits_per_s = config_.inter_rack.bandwidth.bits_per_s / share;
    }
    for (size_t s = 0; s < topology_.stamps().size(); ++s) {
        links_[stamp_up(static_cast<int>(s))].bits_per_s = config_.inter_stamp.bandwidth.bits_per_s;
        links_[stamp_down(static_cast<int>(s))].bits_per_s = config_.inter_stamp.bandwidth.bits_per_s;
    }
    for (size_t r = 0; r < topology_.regions().size(); ++r) {
        links_[region_up(static_cast<int>(r))].bits_per_s = config_.inter_region.bandwidth.bits_per_s;
        links_[region_down(static_cast<int>(r))].bits_per_s = config_.inter_region.bandwidth.bits_per_s;
    }
    for (const auto& n : topology_.nodes()) {
        int64_t bw = n.is_client ? config_.client.bandwidth.bits_per_s : config_.intra_rack.bandwidth.bits_per_s;
        if (!n.is_client && tors_up(n.rack) == 1) bw /= 2;
        links_[nic_tx(n.id)].bits_per_s = bw;
        links_[nic_rx(n.id)].bits_per_s = bw;
    }
}

void Network::traverse(size_t link, int64_t size_bytes, int64_t* head_ns, int64_t* finish_ns) {
    Link& l = links_[link];
    l.bytes += static_cast<uint64_t>(size_bytes);
    const int64_t start = std::max(*head_ns, l.busy_until_ns);
    const int64_t tx = size_bytes == 0 ? 0 : Bandwidth{l.bits_per_s}.transmit_time(size_bytes).ns();
    const int64_t end = std::max(start + tx, *finish_ns);
    l.busy_until_ns = end;
    *head_ns = start;
    *finish_ns = end;
}

bool Network::cut_blocks(NodeId src, NodeId dst, uint32_t* fault_index) const {
    for (uint32_t idx : active_cuts_) {
        const Fault& f = faults_[idx];
        const int a = f.group_of[src.value];
        const int b = f.group_of[dst.value];
        if (a < 0 || b < 0 || a == b) continue;
        if (f.one_way && !(a == 0 && b == 1)) continue;
        *fault_index = idx;
        return true;
    }
    return false;
}

Network::Route Network::route(NodeId src, NodeId dst, int64_t size_bytes, Time now, bool src_up, bool dst_up) {
    Route out;
    auto drop = [&](DropReason r) {
        ++dropped_[static_cast<size_t>(r)];
        out.reason = r;
        return out;
    };
    if (!src_up) return drop(DropReason::kSrcDown);
    if (!dst_up) return drop(DropReason::kDstDown);
    if (src == dst) {
        out.delivered = true;
        out.arrive = now;
        ++delivered_;
        return out;
    }
    const Locality& s = locality_[src.value];
    const Locality& d = locality_[dst.value];
    if ((!s.is_client && tor_up_[static_cast<size_t>(s.rack)] == 0) ||
        (!d.is_client && tor_up_[static_cast<size_t>(d.rack)] == 0)) {
        return drop(DropReason::kRackIsolated);
    }
    if (!active_cuts_.empty()) {
        uint32_t idx = 0;
        if (cut_blocks(src, dst, &idx)) {
            ++faults_[idx].dropped;
            return drop(DropReason::kCut);
        }
    }
    Duration extra;
    Duration jitter;
    double loss = 0;
    double dup = 0;
    if (any_impairment_) {
        const NodeImpair& a = impair_[src.value];
        const NodeImpair& b = impair_[dst.value];
        if (a.any || b.any) {
            extra = a.extra_latency + b.extra_latency;
            jitter = a.jitter + b.jitter;
            loss = 1.0 - (1.0 - a.loss) * (1.0 - b.loss);
            dup = std::max(a.duplicate, b.duplicate);
            if (loss > 0 && rng_.bernoulli(loss)) {
                const auto& blame = a.loss > 0 ? a.faults : b.faults;
                if (!blame.empty()) ++faults_[blame.front()].dropped;
                return drop(DropReason::kLoss);
            }
        }
    }

    // Path and propagation latency by locality.
    int64_t head = now.ns();
    int64_t finish = now.ns();
    Duration latency;
    bytes_sent_ += static_cast<uint64_t>(size_bytes);
    traverse(nic_tx(src), size_bytes, &head, &finish);
    if (s.is_client || d.is_client) {
        const auto& other = s.is_client ? d : s;
        latency = config_.client.latency;
        if (s.region != d.region) latency += config_.inter_region.latency;
        if (!other.is_client) {
            if (!s.is_client) {
                traverse(rack_up(s.rack), size_bytes, &head, &finish);
                traverse(stamp_up(s.stamp), size_bytes, &head, &finish);
            } else {
                traverse(stamp_down(d.stamp), size_bytes, &head, &finish);
                traverse(rack_down(d.rack), size_bytes, &head, &finish);
            }
        }
    } else if (s.rack == d.rack) {
        latency = config_.intra_rack.latency;
    } else {
        traverse(rack_up(s.rack), size_bytes, &head, &finish);
        if (s.stamp == d.stamp) {
            latency = config_.inter_rack.latency;
        } else {
            traverse(stamp_up(s.stamp), size_bytes, &head, &finish);
            if (s.region == d.region) {
                latency = config_.inter_stamp.latency;
            } else {
                traverse(region_up(s.region), size_bytes, &head, &finish);
                traverse(region_down(d.region), size_bytes, &head, &finish);
                latency = config_.inter_region.latency;
            }
            traverse(stamp_down(d.stamp), size_bytes, &head, &finish);
        }
        traverse(rack_down(d.rack), size_bytes, &head, &finish);
    }
    traverse(nic_rx(dst), size_bytes, &head, &finish);
    Duration total = Duration::nanos(finish - now.ns()) + latency + extra;
    if (jitter > Duration::zero()) total += Duration::nanos(static_cast<int64_t>(rng_.below(static_cast<uint64_t>(jitter.ns()))));
    out.delivered = true;
    out.arrive = now + total;
    ++delivered_;
    if (dup > 0 && rng_.bernoulli(dup)) {
        out.duplicate = true;
        Duration again = total;
        if (jitter > Duration::zero()) again += Duration::nanos(static_cast<int64_t>(rng_.below(static_cast<uint64_t>(jitter.ns()))));
        out.duplicate_arrive = now + again;
    }
    return out;
}

void Network::set_tor(int rack, int which, bool up) {
    SIM_ASSERT(which == 0 || which == 1, "rack has two switches, not " << which);
    auto& mask = tor_up_[static_cast<size_t>(rack)];
    const uint8_t bit = static_cast<uint8_t>(1u << which);
    mask = up ? static_cast<uint8_t>(mask | bit) : static_cast<uint8_t>(mask & ~bit);
    refresh_bandwidth();
}

NetFaultId Network::add_cut(std::vector<int> group_of, bool one_way, std::string label) {
    group_of.resize(topology_.node_count(), -1);
    Fault f;
    f.active = true;
    f.is_cut = true;
    f.one_way = one_way;
    f.group_of = std::move(group_of);
    f.label = std::move(label);
    faults_.push_back(std::move(f));
    const uint32_t idx = static_cast<uint32_t>(faults_.size() - 1);
    active_cuts_.push_back(idx);
    return NetFaultId{idx};
}

NetFaultId Network::add_impairment(const std::vector<NodeId>& nodes, Impairment imp, std::string label) {
    Fault f;
    f.active = true;
    f.nodes = nodes;
    f.impairment = imp;
    f.label = std::move(label);
    faults_.push_back(std::move(f));
    recompute_impairments();
    return NetFaultId{static_cast<uint32_t>(faults_.size() - 1)};
}

void Network::remove(NetFaultId id) {
    SIM_ASSERT(id.value < faults_.size(), "unknown network fault " << id.value);
    Fault& f = faults_[id.value];
    if (!f.active) return;
    f.active = false;
    if (f.is_cut) {
        active_cuts_.erase(std::remove(active_cuts_.begin(), active_cuts_.end(), id.value), active_cuts_.end());
    } else {
        recompute_impairments();
    }
}

uint64_t Network::dropped_by(NetFaultId id) const { return faults_[id.value].dropped; }

void Network::recompute_impairments() {
    for (auto& n : impair_) n = NodeImpair{};
    any_impairment_ = false;
    for (uint32_t idx = 0; idx < faults_.size(); ++idx) {
        const Fault& f = faults_[idx];
        if (!f.active || f.is_cut) continue;
        for (NodeId n : f.nodes) {
            NodeImpair& ni = impair_[n.value];
            ni.extra_latency += f.impairment.extra_latency;
            ni.jitter += f.impairment.jitter;
            ni.loss = 1.0 - (1.0 - ni.loss) * (1.0 - f.impairment.loss);
            ni.duplicate = std::max(ni.duplicate, f.impairment.duplicate);
            ni.any = true;
            ni.faults.push_back(idx);
            any_impairment_ = true;
        }
    }
}

uint64_t Network::dropped_total() const {
    uint64_t t = 0;
    for (auto v : dropped_) t += v;
    return t;
}

}  // namespace sim
