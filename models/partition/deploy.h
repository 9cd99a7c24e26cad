// models/partition/deploy.h: putting the partition layer of one stamp onto a Simulation.
//
// PartitionLayer places `servers` partition servers (port kPartitionServerPort) and a
// Raft group of `managers` partition managers (port kPartitionManagerPort; 3, or 5 from 5
// racks up) with Topology::place_role, spread over racks and power domains, and owns the
// layer's PayloadStore. Front-ends route by servers() (ServerId i = servers()[i]) and fetch
// the map from managers(); fault targets resolve through the same addresses.
// Leases come from `leases`: in production a LockClient on the lock service's group
// (models/lock), wrapped as a LeaseHolder.
// REQUIRES: the PartitionLayer and the StreamLayer outlive the Simulation's run (actors
// keep pointers to options and the payload store).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/consensus/config.h"
#include "models/partition/config.h"
#include "models/partition/lease.h"
#include "models/partition/partition_manager.h"
#include "models/partition/partition_server.h"
#include "models/partition/range_store.h"
#include "models/stream/deploy.h"

namespace sim {
class Simulation;
}

namespace models::partition {

struct PartitionLayerOptions {
    PartitionConfig config;
    int stamp = 0;
    int servers = 0;   // 0: one per rack of the stamp
    int managers = 0;  // 0: 3, or 5 when the stamp has 5 racks or more
    // Raft timing of the manager group; unset: the stream layer's.
    std::optional<consensus::RaftConfig> raft;
    LeaseFactory leases;  // REQUIRES: set
    std::vector<std::string> initial_boundaries;
    // A server silent this long is declared dead (zero: 3 heartbeats).
    sim::Duration server_timeout = sim::Duration::zero();
    PartitionObserver* observer = nullptr;  // invariant checks (tests); null in production
};

class PartitionLayer {
public:
    PartitionLayer(sim::Simulation& sim, const stream::StreamLayer& streams, PartitionLayerOptions options);
    PartitionLayer(const PartitionLayer&) = delete;
    PartitionLayer& operator=(const PartitionLayer&) = delete;

    const std::vector<sim::Address>& servers() const { return manager_options_.servers; }
    const std::vector<sim::Address>& managers() const { return manager_options_.group.members; }
    PayloadStore& payloads() { return payloads_; }
    const PartitionConfig& config() const { return options_.config; }
    // Instrumentation (tests, reports): the actors now, or null when down.
    PartitionManager* leader() const;
    PartitionServer* server(int i) const;
    // Operator action: drain exactly these servers (an upgrade will take them down; empty:
    // all in service). Goes to the manager leader (none: nothing happens; the caller
    // tries again).
    void set_draining(const std::vector<ServerId>& servers);

private:
    sim::Simulation& sim_;
    PartitionLayerOptions options_;
    PayloadStore payloads_;
    PartitionManagerOptions manager_options_;
    std::vector<PartitionServerOptions> server_options_;
};

std::unique_ptr<PartitionLayer> deploy_partition_layer(sim::Simulation& sim, const stream::StreamLayer& streams,
                                                       PartitionLayerOptions options);

}  // namespace models::partition
