// models/consensus/deploy.h: placing a replica group on nodes of a simulation.
#pragma once

#include <string>
#include <vector>

#include "models/consensus/config.h"
#include "models/consensus/state_machine.h"
#include "sim/simulation.h"

namespace models::consensus {

// Registers a RaftReplica (state machine from `factory`) on each node at `port` and
// returns the group. Place the nodes with topology().place_role so members spread over
// racks and power domains. REQUIRES: 3 or 5 distinct nodes (1 is allowed for tests).
ReplicaGroup deploy_group(sim::Simulation& sim, std::string name, const std::vector<sim::NodeId>& nodes, sim::Port port,
                          const RaftConfig& config, const StateMachineFactory& factory);

// The RaftCore at member i, or nullptr if that node is down (tests, fault resolvers).
class RaftCore;
RaftCore* replica_core(sim::Simulation& sim, const ReplicaGroup& group, int member);
// The member index of the leader with the highest term among running replicas, or -1.
int current_leader(sim::Simulation& sim, const ReplicaGroup& group);

}  // namespace models::consensus
