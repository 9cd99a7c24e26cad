// sim/topology.h: regions -> stamps -> racks -> nodes, and the failure domains.
//
// Built once per run from a TopologySpec; client endpoints may be added afterwards
// (they sit outside every stamp, in a region). Node ids are dense in creation order:
// storage nodes stamp by stamp, rack by rack, then clients as they are added.
// Failure domains:
//  - a rack is a fault domain with two top-of-rack switches and two power feeds;
//  - power domain p of a stamp feeds racks r with r % power_domains == p, unless an
//    explicit power_map lists them;
//  - upgrade domain u holds nodes with index-in-rack n % upgrade_domains == u, so it
//    cuts across racks.
// Role placement (place_role) spreads members over racks and power domains as evenly
// as they allow and over upgrade domains within that.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/ids.h"

namespace sim {

struct StampSpec {
    std::string name;
    int racks = 1;
    int nodes_per_rack = 1;
    int power_domains = 1;
    // power_map[p] lists the racks of power domain p; empty means r % power_domains.
    std::vector<std::vector<int>> power_map;
    int upgrade_domains = 5;
};

struct RegionSpec {
    std::string name;
    std::vector<StampSpec> stamps;
};

struct TopologySpec {
    std::vector<RegionSpec> regions;
};

class Topology {
public:
    struct NodeInfo {
        NodeId id;
        std::string name;  // "w1/r4/n7", or "client/west/3"
        int region = -1;
        int stamp = -1;  // -1 for clients
        int rack = -1;   // global rack index, -1 for clients
        int rack_in_stamp = -1;
        int index_in_rack = -1;
        int power_domain = -1;  // within the stamp
        int upgrade_domain = -1;
        bool is_client = false;
    };
    struct RackInfo {
        int stamp = -1;
        int index = -1;  // within the stamp
        int power_domain = -1;
        std::vector<NodeId> nodes;
    };
    struct StampInfo {
        std::string name;
        int region = -1;
        int power_domains = 1;
        int upgrade_domains = 1;
        int nodes_per_rack = 0;
        std::vector<int> racks;  // global rack indices in rack order
        std::vector<NodeId> nodes;
    };
    struct RegionInfo {
        std::string name;
        std::vector<int> stamps;
        std::vector<NodeId> clients;
    };

    // REQUIRES: spec is valid (the scenario loader checks it): racks, nodes > 0,
    // power_map a partition of the racks.
    explicit Topology(const TopologySpec& spec);

    NodeId add_client(int region);

    size_t node_count() const { return nodes_.size(); }
    const NodeInfo& node(NodeId id) const { return nodes_[id.value]; }
    const std::vector<NodeInfo>& nodes() const { return nodes_; }
    const RackInfo& rack(int global_rack) const { return racks_[static_cast<size_t>(global_rack)]; }
    const std::vector<RackInfo>& racks() const { return racks_; }
    const StampInfo& stamp(int s) const { return stamps_[static_cast<size_t>(s)]; }
    const std::vector<StampInfo>& stamps() const { return stamps_; }
    const RegionInfo& region(int r) const { return regions_[static_cast<size_t>(r)]; }
    const std::vector<RegionInfo>& regions() const { return regions_; }

    std::optional<NodeId> find_node(std::string_view name) const;
    std::optional<int> find_stamp(std::string_view name) const;
    std::optional<int> find_region(std::string_view name) const;
    // Global rack index of rack `index` of stamp s. REQUIRES: index in range.
    int rack_of(int stamp, int index) const { return stamps_[static_cast<size_t>(stamp)].racks[static_cast<size_t>(index)]; }
    // Nodes of power domain p (or upgrade domain u) of stamp s.
    std::vector<NodeId> power_domain_nodes(int stamp, int p) const;
    std::vector<NodeId> upgrade_domain_nodes(int stamp, int u) const;
    std::vector<int> power_domain_racks(int stamp, int p) const;

    struct Placement {
        std::vector<NodeId> nodes;
        // Non-empty when one rack or power domain holds a majority of the members
        // (allowed, but it makes a single domain failure fatal for the role).
        std::string warning;
    };
    // Spreads `count` members of a role over the stamp: racks in an order that
    // alternates power domains, nodes within a rack offset by `salt` so different
    // roles start on different nodes (and so different upgrade domains).
    Placement place_role(int stamp, int count, int salt, std::string_view role) const;

private:
    std::vector<NodeInfo> nodes_;
    std::vector<RackInfo> racks_;
    std::vector<StampInfo> stamps_;
    std::vector<RegionInfo> regions_;
};

}  // namespace sim
