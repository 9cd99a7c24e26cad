#include "models/partition/deploy.h"

#include "models/partition/control_messages.h"
#include "models/partition/messages.h"
#include "sim/simulation.h"

namespace models::partition {

PartitionLayer::PartitionLayer(sim::Simulation& sim, const stream::StreamLayer& streams,
                               PartitionLayerOptions options)
    : sim_(sim), options_(std::move(options)) {
    SIM_ASSERT(static_cast<bool>(options_.leases), "partition layer without a lease factory");
    const auto& topo = sim.topology();
    const auto& stamp = topo.stamp(options_.stamp);
    int managers = options_.managers;
    if (managers <= 0) managers = stamp.racks.size() >= 5 ? 5 : 3;
    int servers = options_.servers;
    if (servers <= 0) servers = static_cast<int>(stamp.racks.size());
    const auto mgr_nodes = topo.place_role(options_.stamp, managers, 2, "partition_manager").nodes;
    const auto srv_nodes = topo.place_role(options_.stamp, servers, 3, "partition_server").nodes;

    manager_options_.config = options_.config;
    manager_options_.group.name = "partition-manager/" + stamp.name;
    for (sim::NodeId n : mgr_nodes) manager_options_.group.members.push_back(sim::Address{n, kPartitionManagerPort});
    manager_options_.raft = options_.raft ? *options_.raft
                                          : consensus::RaftConfig::from_storage(streams.config().heartbeat,
                                                                                streams.config().node_timeout);
    for (sim::NodeId n : srv_nodes) manager_options_.servers.push_back(sim::Address{n, kPartitionServerPort});
    manager_options_.leases = options_.leases;
    manager_options_.initial_boundaries = options_.initial_boundaries;
    manager_options_.server_timeout = options_.server_timeout;

    server_options_.resize(srv_nodes.size());
    for (size_t i = 0; i < srv_nodes.size(); ++i) {
        PartitionServerOptions& o = server_options_[i];
        o.config = options_.config;
        o.id = ServerId{static_cast<int32_t>(i)};
        o.stream = streams.client_options();
        o.payloads = &payloads_;
        o.managers = manager_options_.group.members;
        o.leases = options_.leases;
        o.observer = options_.observer;
    }
    for (size_t i = 0; i < srv_nodes.size(); ++i) {
        sim.add_service(srv_nodes[i], kPartitionServerPort, [this, i](sim::Context& ctx) {
            return make_partition_server(ctx, server_options_[i]);
        });
    }
    for (size_t i = 0; i < mgr_nodes.size(); ++i) {
        const int self = static_cast<int>(i);
        sim.add_service(mgr_nodes[i], kPartitionManagerPort, [this, self](sim::Context& ctx) {
            return std::make_unique<PartitionManager>(ctx, manager_options_, self);
        });
    }
}

PartitionManager* PartitionLayer::leader() const {
    for (const auto& a : manager_options_.group.members) {
        auto* m = dynamic_cast<PartitionManager*>(sim_.actor(a.node, a.port));
        if (m != nullptr && m->leading()) return m;
    }
    return nullptr;
}

void PartitionLayer::set_draining(const std::vector<ServerId>& servers) {
    PartitionManager* m = leader();
    if (m == nullptr) return;
    for (const auto& a : manager_options_.group.members) {
        if (dynamic_cast<PartitionManager*>(sim_.actor(a.node, a.port)) != m) continue;
        sim_.schedule(sim_.now(), [this, a, servers]() {
            auto n = sim_.pool().make<DrainNotice>();
            n->servers = servers;
            sim_.send(a, a, std::move(n));
        });
    }
}

PartitionServer* PartitionLayer::server(int i) const {
    const sim::Address a = manager_options_.servers[static_cast<size_t>(i)];
    return dynamic_cast<PartitionServer*>(sim_.actor(a.node, a.port));
}

std::unique_ptr<PartitionLayer> deploy_partition_layer(sim::Simulation& sim, const stream::StreamLayer& streams,
                                                       PartitionLayerOptions options) {
    return std::make_unique<PartitionLayer>(sim, streams, std::move(options));
}

}  // namespace models::partition
