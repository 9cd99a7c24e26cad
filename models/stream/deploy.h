// models/stream/deploy.h: putting the stream layer of one stamp onto a Simulation.
//
// StreamLayer deploys an extent node on every node of the stamp and a Raft group of
// stream managers (3, or 5 from 5 racks up, spread over racks and power domains by
// Topology::place_role), and owns the layer's metrics. Stream clients are built from
// client_options() inside whatever actor uses them (partition servers, tests).
// REQUIRES: the StreamLayer outlives the Simulation's run (actors keep pointers to its
// options, metrics and observer).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/consensus/config.h"
#include "models/stream/config.h"
#include "models/stream/extent_node.h"
#include "models/stream/metrics.h"
#include "models/stream/stream_client.h"
#include "models/stream/stream_manager.h"

namespace sim {
class Simulation;
}

namespace models::stream {

class StreamObserver;

struct StreamLayerOptions {
    StreamConfig config;
    int stamp = 0;
    int stream_managers = 0;  // 0: 3, or 5 when the stamp has 5 racks or more
    // Raft timing; unset: RaftConfig::from_storage(config.heartbeat, config.node_timeout).
    std::optional<consensus::RaftConfig> raft;
    StreamObserver* observer = nullptr;
};

class StreamLayer {
public:
    StreamLayer(sim::Simulation& sim, StreamLayerOptions options);
    StreamLayer(const StreamLayer&) = delete;
    StreamLayer& operator=(const StreamLayer&) = delete;

    const std::vector<sim::Address>& stream_managers() const { return sm_options_.group.members; }
    const std::vector<sim::NodeId>& extent_nodes() const { return sm_options_.extent_nodes; }
    StreamClientOptions client_options() const;
    const StreamConfig& config() const { return sm_options_.config; }
    StreamMetrics& metrics() { return metrics_; }
    const StreamMetrics& metrics() const { return metrics_; }
    // The stream manager replica that is leader now, or null (instrumentation).
    StreamManager* leader() const;
    // Operator action: an upgrade takes `upgrade_domain` down (or brings it back).
    void set_upgrade_domain(int upgrade_domain, bool down);

private:
    sim::Simulation& sim_;
    StreamLayerOptions options_;
    StreamMetrics metrics_;
    ExtentNodeOptions en_options_;
    StreamManagerOptions sm_options_;
};

}  // namespace models::stream
