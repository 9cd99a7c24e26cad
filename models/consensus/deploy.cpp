#include "models/consensus/deploy.h"

#include <memory>

#include "models/consensus/raft.h"

namespace models::consensus {

ReplicaGroup deploy_group(sim::Simulation& sim, std::string name, const std::vector<sim::NodeId>& nodes, sim::Port port,
                          const RaftConfig& config, const StateMachineFactory& factory) {
    SIM_ASSERT(!nodes.empty(), "group " << name << " has no members");
    ReplicaGroup group;
    group.name = std::move(name);
    for (sim::NodeId n : nodes) group.members.push_back(sim::Address{n, port});
    for (size_t i = 0; i < nodes.size(); ++i) {
        sim.add_service(nodes[i], port, [group, i, config, factory](sim::Context& ctx) {
            return std::make_unique<RaftReplica>(ctx, group, static_cast<int>(i), config, factory);
        });
    }
    return group;
}

RaftCore* replica_core(sim::Simulation& sim, const ReplicaGroup& group, int member) {
    const sim::Address a = group.members[static_cast<size_t>(member)];
    auto* r = dynamic_cast<RaftReplica*>(sim.actor(a.node, a.port));
    return r ? &r->core() : nullptr;
}

int current_leader(sim::Simulation& sim, const ReplicaGroup& group) {
    int best = -1;
    uint64_t best_term = 0;
    for (int i = 0; i < static_cast<int>(group.members.size()); ++i) {
        RaftCore* c = replica_core(sim, group, i);
        if (c && c->is_leader() && (best < 0 || c->term() > best_term)) {
            best = i;
            best_term = c->term();
        }
    }
    return best;
}

}  // namespace models::consensus
