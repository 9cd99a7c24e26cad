#include "models/stream/deploy.h"

#include "models/ports.h"
#include "sim/simulation.h"

namespace models::stream {

StreamLayer::StreamLayer(sim::Simulation& sim, StreamLayerOptions options) : sim_(sim), options_(std::move(options)) {
    const auto& topo = sim.topology();
    const auto& stamp = topo.stamp(options_.stamp);
    int managers = options_.stream_managers;
    if (managers <= 0) managers = stamp.racks.size() >= 5 ? 5 : 3;
    const auto placement = topo.place_role(options_.stamp, managers, 1, "stream_manager");

    sm_options_.config = options_.config;
    sm_options_.group.name = "stream-manager/" + stamp.name;
    for (sim::NodeId n : placement.nodes) {
        sm_options_.group.members.push_back(sim::Address{n, models::ports::kStreamManagerRaft});
    }
    sm_options_.raft = options_.raft ? *options_.raft
                                     : consensus::RaftConfig::from_storage(options_.config.heartbeat,
                                                                           options_.config.node_timeout);
    sm_options_.extent_nodes = stamp.nodes;
    sm_options_.observer = options_.observer;
    sm_options_.metrics = &metrics_;

    en_options_.config = options_.config;
    en_options_.stream_managers = sm_options_.group.members;
    en_options_.observer = options_.observer;
    en_options_.metrics = &metrics_;

    for (sim::NodeId n : stamp.nodes) {
        sim.add_service(n, models::ports::kExtentNode,
                        [this](sim::Context& ctx) { return std::make_unique<ExtentNode>(ctx, en_options_); });
    }
    for (size_t i = 0; i < placement.nodes.size(); ++i) {
        const int self = static_cast<int>(i);
        sim.add_service(placement.nodes[i], models::ports::kStreamManagerRaft, [this, self](sim::Context& ctx) {
            return std::make_unique<StreamManager>(ctx, sm_options_, self);
        });
    }
}

StreamClientOptions StreamLayer::client_options() const {
    StreamClientOptions o;
    o.config = sm_options_.config;
    o.stream_managers = sm_options_.group.members;
    o.observer = options_.observer;
    return o;
}

StreamManager* StreamLayer::leader() const {
    for (const auto& a : sm_options_.group.members) {
        auto* sm = dynamic_cast<StreamManager*>(sim_.actor(a.node, a.port));
        if (sm != nullptr && sm->is_leader()) return sm;
    }
    return nullptr;
}

void StreamLayer::set_upgrade_domain(int upgrade_domain, bool down) {
    for (const auto& a : sm_options_.group.members) {
        auto* sm = dynamic_cast<StreamManager*>(sim_.actor(a.node, a.port));
        if (sm == nullptr || !sm->is_leader()) continue;
        sim_.schedule(sim_.now(), [this, a, upgrade_domain, down]() {
            auto m = sim_.pool().make<UpgradeDomainNotice>();
            m->upgrade_domain = upgrade_domain;
            m->down = down;
            sim_.send(a, a, std::move(m));
        });
    }
}

}  // namespace models::stream
