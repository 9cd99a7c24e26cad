// app/world.h: one run's whole simulated world, wired from a scenario (the composition
// root of ARCHITECTURE.md's "a run, as data flowing through the house").
//
// World builds the Simulation from the scenario and seed, deploys every stamp's layers
// (extent nodes and stream managers, the lock service, partition managers and servers,
// front-ends), the location service and DNS, one client driver per workload, schedules
// the scripted faults and the chaos schedule (drawn from the seed), and samples the
// metrics reports/ charts. run() then goes through the phases of a run:
//   boot    the stamps elect their managers, build the partition map, take leases and
//           load their ranges (bounded by kBootLimit); the run's clock starts at its end,
//           so time 0 of the history, the metrics, the faults and the report is the
//           moment the stamps serve;
//   load    [0, duration): the workloads run, faults fire;
//   drain   [duration, duration + drain): every fault healed, no new load, repairs run;
//   verify  after the drain: every blob a workload ever wrote is read back (bounded
//           by kVerifyLimit of simulated time), the durability check's evidence.
// result() hands everything to reports/. World implements the role resolver and the
// upgrade operator that faults/ asks (faults/ does not know the storage system).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/scenario/config.h"
#include "faults/chaos.h"
#include "faults/injector.h"
#include "models/client/blob_client.h"
#include "models/consensus/config.h"
#include "models/frontend/front_end.h"
#include "models/location/geo_observer.h"
#include "models/stream/observer.h"
#include "models/location/geo_replicator.h"
#include "models/location/location_service.h"
#include "models/lock/lock_client.h"
#include "models/observe/faults.h"
#include "models/observe/history.h"
#include "models/observe/metrics.h"
#include "models/partition/deploy.h"
#include "models/stream/deploy.h"
#include "reports/run_result.h"
#include "sim/simulation.h"

namespace app {

class MetricsSampler;
class GeoSampler;

struct WorldOptions {
    std::string scenario_file;
    nlohmann::ordered_json resolved;  // the scenario as run
    std::string version;
};

// Where a run is, for the progress line: simulated now, the end of the current phase.
struct RunProgress {
    std::string phase;  // "load", "drain", "verify"
    sim::Time now;
    sim::Time end;
    uint64_t events = 0;
};

class World final : public faults::RoleResolver, public faults::UpgradeOperator {
public:
    // Upper bound of the verify phase (simulated): reads left unanswered by then count as lost.
    static constexpr sim::Duration kVerifyLimit = sim::Duration::minutes(10);
    // Upper bound of the boot phase (elections, map, leases, loads) before the load starts.
    static constexpr sim::Duration kBootLimit = sim::Duration::minutes(2);

    // REQUIRES: s came from the loader (valid); trace files were checked.
    World(const scenario::Scenario& s, uint64_t seed, WorldOptions options);
    ~World() override;
    World(const World&) = delete;
    World& operator=(const World&) = delete;

    // The chaos schedule and scripted faults, one line each ("at 2m rack_down w1/r2 for 5m").
    std::vector<std::string> fault_schedule_lines() const;
    // Runs every phase; `progress` (may be empty) is called every few simulated seconds.
    void run(const std::function<void(const RunProgress&)>& progress);
    // The boot phase alone (run() calls it if it has not run): afterwards the stamps serve
    // and the workloads and faults are armed. Tests use it to drive scripted clients.
    void boot(const std::function<void(const RunProgress&)>& progress = {});
    // Everything reports/ needs. REQUIRES: run() returned. Moves the history out.
    reports::RunResult take_result(double wall_s);

    sim::Simulation& sim() { return *sim_; }
    // Instrumentation and scripted clients (tests).
    sim::Address dns_address() const { return sim::Address{location_node_, models::location::kDnsPort}; }
    sim::Address location_address() const {
        return sim::Address{location_node_, models::location::kLocationServicePort};
    }
    const std::map<std::string, models::frontend::Key>& keys() const { return keys_; }
    const std::vector<sim::NodeId>& front_end_nodes(int stamp) const {
        return stamps_[static_cast<size_t>(stamp)].front_end_nodes;
    }
    models::partition::PartitionLayer& partitions(int stamp) { return *stamps_[static_cast<size_t>(stamp)].partitions; }
    models::stream::StreamLayer& streams(int stamp) { return *stamps_[static_cast<size_t>(stamp)].streams; }
    sim::Time epoch() const { return epoch_; }
    const models::observe::History& history() const { return history_; }
    const std::vector<std::string>& warnings() const { return warnings_; }
    // Geo-replication (null when storage.location.geo_replication is off).
    const models::location::GeoObserver* geo_observer() const { return geo_observer_.get(); }
    sim::Address geo_replicator_address(int stamp) const;
    const models::frontend::FrontEndStats* front_end_stats(int stamp, size_t i);

    // faults::RoleResolver
    std::vector<sim::NodeId> members(int stamp, std::string_view role) const override;
    std::optional<sim::NodeId> leader(int stamp, std::string_view role) const override;
    // faults::UpgradeOperator
    void before_domain_down(int stamp, int upgrade_domain) override;
    void after_domain_up(int stamp, int upgrade_domain) override;
    bool domain_ready(int stamp, int upgrade_domain) const override;

private:
    // Sends DrainFrontEnd{draining} to the stamp's front-ends in the upgrade domain.
    void notify_front_ends(int stamp, int upgrade_domain, bool draining) const;
    struct Stamp {
        int index = 0;
        // Declared before `streams`, which holds a pointer to it.
        std::unique_ptr<models::stream::StreamObserver> stream_observer;
        std::unique_ptr<models::stream::StreamLayer> streams;
        models::consensus::ReplicaGroup lock_group;
        // Declared before `partitions`, which holds a pointer to it.
        std::unique_ptr<models::partition::PartitionObserver> partition_observer;
        std::unique_ptr<models::partition::PartitionLayer> partitions;
        std::vector<sim::NodeId> front_end_nodes;
        std::unique_ptr<models::frontend::FrontEndOptions> front_end;
    };

    void build_stamps();
    void build_location();
    void build_clients();
    void build_faults();
    // Geo replicators (one per stamp, on its first front-end node), the location
    // service's geo configuration and the observer; app/world_geo.cpp.
    void build_geo();
    void start_geo();
    void stop_geo();
    reports::GeoFigures geo_figures() const;
    std::vector<std::string> initial_boundaries(int stamp) const;
    void run_phase(const std::string& phase, sim::Time end, const std::function<void(const RunProgress&)>& progress,
                   const std::function<bool()>& done = {});
    void start_verify();
    bool clients_idle() const;
    bool stamps_ready() const;
    sim::Duration client_attempt_timeout() const;

    const scenario::Scenario& s_;
    uint64_t seed_;
    WorldOptions options_;
    std::unique_ptr<sim::Simulation> sim_;
    models::consensus::RaftConfig raft_;
    models::lock::LockServiceConfig lock_config_;
    models::lock::LockClientConfig lock_client_;
    models::stream::StreamConfig stream_config_;
    models::partition::PartitionConfig partition_config_;
    models::frontend::FrontEndOptions front_end_template_;
    models::frontend::FrontEndMetrics front_end_metrics_;  // every stamp's front-ends
    std::vector<Stamp> stamps_;
    // Per stamp: when the upgrade operator started draining a domain's front-ends.
    std::map<int, sim::Time> fe_drain_started_;
    std::map<std::string, models::frontend::Key> keys_;
    std::map<std::string, int> account_stamp_;  // initial placement
    sim::NodeId location_node_;
    std::unique_ptr<models::location::LocationConfig> location_config_;
    std::deque<models::client::ClientDriverOptions> drivers_;
    std::vector<sim::Address> driver_addresses_;
    models::observe::History history_;
    models::observe::MetricsRecorder metrics_;
    std::unique_ptr<MetricsSampler> sampler_;
    std::unique_ptr<faults::Injector> injector_;
    std::vector<faults::FaultSpec> plan_;
    faults::ChaosSchedule chaos_;
    std::vector<std::string> warnings_;
    std::unique_ptr<models::location::GeoObserver> geo_observer_;
    std::deque<models::location::GeoReplicatorOptions> geo_options_;
    std::unique_ptr<GeoSampler> geo_sampler_;
    sim::Time verify_start_;
    sim::Time epoch_;           // the start of the load period (after boot)
    sim::Duration boot_time_;
    bool verify_ran_ = false;
    bool booted_ = false;
    uint64_t partitions_at_start_ = 0;
};

}  // namespace app
