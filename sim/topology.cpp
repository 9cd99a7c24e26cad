#include "sim/topology.h"

#include <algorithm>
#include <map>

#include "sim/check.h"

namespace sim {

Topology::Topology(const TopologySpec& spec) {
    for (const auto& region_spec : spec.regions) {
        const int region = static_cast<int>(regions_.size());
        regions_.push_back(RegionInfo{region_spec.name, {}, {}});
        for (const auto& s : region_spec.stamps) {
            SIM_ASSERT(s.racks > 0 && s.nodes_per_rack > 0, "stamp " << s.name << " has no nodes");
            SIM_ASSERT(s.power_domains > 0 && s.upgrade_domains > 0, "stamp " << s.name << " has no domains");
            const int stamp = static_cast<int>(stamps_.size());
            regions_[static_cast<size_t>(region)].stamps.push_back(stamp);
            StampInfo info{s.name, region, s.power_domains, s.upgrade_domains, s.nodes_per_rack, {}, {}};
            std::vector<int> power_of_rack(static_cast<size_t>(s.racks), -1);
            if (s.power_map.empty()) {
                for (int r = 0; r < s.racks; ++r) power_of_rack[static_cast<size_t>(r)] = r % s.power_domains;
            } else {
                for (size_t p = 0; p < s.power_map.size(); ++p) {
                    for (int r : s.power_map[p]) {
                        SIM_ASSERT(r >= 0 && r < s.racks, "power_map rack " << r << " out of range");
                        power_of_rack[static_cast<size_t>(r)] = static_cast<int>(p);
                    }
                }
            }
            for (int r = 0; r < s.racks; ++r) {
                SIM_ASSERT(power_of_rack[static_cast<size_t>(r)] >= 0, "rack " << r << " of " << s.name << " has no power domain");
                const int global_rack = static_cast<int>(racks_.size());
                info.racks.push_back(global_rack);
                RackInfo rack{stamp, r, power_of_rack[static_cast<size_t>(r)], {}};
                for (int n = 0; n < s.nodes_per_rack; ++n) {
                    NodeInfo node;
                    node.id = NodeId{static_cast<uint32_t>(nodes_.size())};
                    node.name = s.name + "/r" + std::to_string(r) + "/n" + std::to_string(n);
                    node.region = region;
                    node.stamp = stamp;
                    node.rack = global_rack;
                    node.rack_in_stamp = r;
                    node.index_in_rack = n;
                    node.power_domain = rack.power_domain;
                    node.upgrade_domain = n % s.upgrade_domains;
                    rack.nodes.push_back(node.id);
                    info.nodes.push_back(node.id);
                    nodes_.push_back(std::move(node));
                }
                racks_.push_back(std::move(rack));
            }
            stamps_.push_back(std::move(info));
        }
    }
}

NodeId Topology::add_client(int region) {
    SIM_ASSERT(region >= 0 && static_cast<size_t>(region) < regions_.size(), "client region " << region);
    auto& r = regions_[static_cast<size_t>(region)];
    NodeInfo node;
    node.id = NodeId{static_cast<uint32_t>(nodes_.size())};
    node.name = "client/" + r.name + "/" + std::to_string(r.clients.size());
    node.region = region;
    node.is_client = true;
    r.clients.push_back(node.id);
    nodes_.push_back(std::move(node));
    return nodes_.back().id;
}

std::optional<NodeId> Topology::find_node(std::string_view name) const {
    for (const auto& n : nodes_) {
        if (n.name == name) return n.id;
    }
    return std::nullopt;
}

std::optional<int> Topology::find_stamp(std::string_view name) const {
    for (size_t i = 0; i < stamps_.size(); ++i) {
        if (stamps_[i].name == name) return static_cast<int>(i);
    }
    return std::nullopt;
}

std::optional<int> Topology::find_region(std::string_view name) const {
    for (size_t i = 0; i < regions_.size(); ++i) {
        if (regions_[i].name == name) return static_cast<int>(i);
    }
    return std::nullopt;
}

std::vector<int> Topology::power_domain_racks(int stamp, int p) const {
    std::vector<int> out;
    for (int r : stamps_[static_cast<size_t>(stamp)].racks) {
        if (racks_[static_cast<size_t>(r)].power_domain == p) out.push_back(r);
    }
    return out;
}

std::vector<NodeId> Topology::power_domain_nodes(int stamp, int p) const {
    std::vector<NodeId> out;
    for (int r : power_domain_racks(stamp, p)) {
        const auto& nodes = racks_[static_cast<size_t>(r)].nodes;
        out.insert(out.end(), nodes.begin(), nodes.end());
    }
    return out;
}

std::vector<NodeId> Topology::upgrade_domain_nodes(int stamp, int u) const {
    std::vector<NodeId> out;
    for (NodeId id : stamps_[static_cast<size_t>(stamp)].nodes) {
        if (nodes_[id.value].upgrade_domain == u) out.push_back(id);
    }
    return out;
}

Topology::Placement Topology::place_role(int stamp, int count, int salt, std::string_view role) const {
    const auto& s = stamps_[static_cast<size_t>(stamp)];
    const int rack_count = static_cast<int>(s.racks.size());
    const int npr = s.nodes_per_rack;
    Placement out;
    count = std::min(count, rack_count * npr);
    if (count <= 0) return out;
    // Rack order: the i-th rack of every power domain before the (i+1)-th of any,
    // so consecutive members land in different power domains.
    std::vector<std::vector<int>> by_domain(static_cast<size_t>(s.power_domains));
    for (int r = 0; r < rack_count; ++r) {
        by_domain[static_cast<size_t>(racks_[static_cast<size_t>(s.racks[static_cast<size_t>(r)])].power_domain)].push_back(r);
    }
    std::vector<int> order;
    for (size_t round = 0; static_cast<int>(order.size()) < rack_count; ++round) {
        for (const auto& d : by_domain) {
            if (round < d.size()) order.push_back(d[round]);
        }
    }
    for (int i = 0; i < count; ++i) {
        const int r = order[static_cast<size_t>(i % rack_count)];
        const int n = (salt + (i % rack_count) + i / rack_count) % npr;
        out.nodes.push_back(racks_[static_cast<size_t>(s.racks[static_cast<size_t>(r)])].nodes[static_cast<size_t>(n)]);
    }
    if (count >= 2) {
        std::map<int, int> per_rack, per_power;
        for (NodeId id : out.nodes) {
            ++per_rack[nodes_[id.value].rack_in_stamp];
            ++per_power[nodes_[id.value].power_domain];
        }
        const int majority = count / 2 + 1;
        for (auto [rack, k] : per_rack) {
            if (k >= majority) {
                out.warning = std::string(role) + ": " + std::to_string(k) + " of " + std::to_string(count) +
                              " members in rack " + std::to_string(rack) + " of stamp " + s.name;
            }
        }
        for (auto [p, k] : per_power) {
            if (k >= majority && out.warning.empty()) {
                out.warning = std::string(role) + ": " + std::to_string(k) + " of " + std::to_string(count) +
                              " members in power domain " + std::to_string(p) + " of stamp " + s.name;
            }
        }
    }
    return out;
}

}  // namespace sim
