// models/stream/placement.h: choosing extent nodes for an extent's replicas.
//
// Hard rules: replicas never share a rack; they never share a power domain or an
// upgrade domain when the stamp has at least as many of those as there are replicas,
// and otherwise no domain holds more than ceil(replicas / domains) of them. Within the
// rules the choice is random, weighted by free space and load ("power of two choices":
// of two random feasible nodes, the less loaded wins), so placement spreads new extents
// over the stamp and steers them away from full or busy nodes (SOSP §4.1, §4.3.1).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "sim/rng.h"
#include "sim/topology.h"

namespace models::stream {

struct PlacementCandidate {
    sim::NodeId node;
    double load = 0;  // lower is better: disk queue plus used fraction
};

// Picks `count` more nodes to join `existing` (replicas that stay), so that together they
// make `replicas` members. nullopt if the rules cannot be met with the candidates.
// `same_rack_bug` plants the same_rack_replicas bug (the second replica in the first's rack).
std::optional<std::vector<sim::NodeId>> place_replicas(const sim::Topology& topology,
                                                       const std::vector<PlacementCandidate>& candidates,
                                                       const std::vector<sim::NodeId>& existing, int count,
                                                       int replicas, sim::Rng& rng, bool same_rack_bug = false);

// True if `node` may join `chosen` under the rules for a group of `replicas`.
bool placement_allows(const sim::Topology& topology, const std::vector<sim::NodeId>& chosen, sim::NodeId node,
                      int replicas);

}  // namespace models::stream
