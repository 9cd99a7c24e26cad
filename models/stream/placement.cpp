#include "models/stream/placement.h"

#include <algorithm>

namespace models::stream {

namespace {

bool domain_ok(int domain_count, int replicas, int already_in_domain) {
    if (domain_count >= replicas) return already_in_domain == 0;
    const int allowed = (replicas + domain_count - 1) / domain_count;
    return already_in_domain < allowed;
}

}  // namespace

bool placement_allows(const sim::Topology& topology, const std::vector<sim::NodeId>& chosen, sim::NodeId node,
                      int replicas) {
    const auto& n = topology.node(node);
    const auto& stamp = topology.stamp(n.stamp);
    const int uds = std::min(stamp.upgrade_domains, stamp.nodes_per_rack);
    int same_power = 0, same_upgrade = 0;
    for (sim::NodeId c : chosen) {
        const auto& o = topology.node(c);
        if (c == node || o.rack == n.rack) return false;
        if (o.power_domain == n.power_domain) ++same_power;
        if (o.upgrade_domain == n.upgrade_domain) ++same_upgrade;
    }
    return domain_ok(stamp.power_domains, replicas, same_power) && domain_ok(uds, replicas, same_upgrade);
}

std::optional<std::vector<sim::NodeId>> place_replicas(const sim::Topology& topology,
                                                       const std::vector<PlacementCandidate>& candidates,
                                                       const std::vector<sim::NodeId>& existing, int count,
                                                       int replicas, sim::Rng& rng, bool same_rack_bug) {
    // Greedy choices can paint themselves into a corner (a power domain used up early):
    // try a few random orders before giving up.
    for (int attempt = 0; attempt < 8; ++attempt) {
        std::vector<sim::NodeId> chosen = existing;
        std::vector<sim::NodeId> added;
        bool failed = false;
        for (int k = 0; k < count; ++k) {
            std::vector<const PlacementCandidate*> feasible;
            if (same_rack_bug && chosen.size() == 1) {
                for (const auto& c : candidates) {
                    const auto& a = topology.node(c.node);
                    if (c.node != chosen[0] && a.rack == topology.node(chosen[0]).rack) feasible.push_back(&c);
                }
            }
            if (feasible.empty()) {
                for (const auto& c : candidates) {
                    if (placement_allows(topology, chosen, c.node, replicas)) feasible.push_back(&c);
                }
            }
            if (feasible.empty()) {
                failed = true;
                break;
            }
            const PlacementCandidate* a = feasible[rng.below(feasible.size())];
            const PlacementCandidate* b = feasible[rng.below(feasible.size())];
            const PlacementCandidate* pick = b->load < a->load ? b : a;
            chosen.push_back(pick->node);
            added.push_back(pick->node);
        }
        if (!failed) return added;
    }
    return std::nullopt;
}

}  // namespace models::stream
