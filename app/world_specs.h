// app/world_specs.h: the scenario, translated for the layers that do not know it.
//
// sim/, faults/ and models/ take their own plain specs (they may not include app/); these
// functions are the one place that maps the typed scenario onto them, so a key's meaning
// lives in one spot: the topology and hardware for the kernel, the fault plan and chaos
// spec (targets resolved to topology indices and node ids), and each synthetic
// workload's random choices.
#pragma once

#include <vector>

#include "app/scenario/config.h"
#include "faults/chaos.h"
#include "faults/fault.h"
#include "models/client/workload_gen.h"
#include "models/partition/config.h"
#include "models/stream/config.h"
#include "sim/simulation.h"

namespace app {

sim::TopologySpec topology_spec(const scenario::Scenario& s);
sim::SimulationConfig simulation_config(const scenario::Scenario& s, uint64_t seed);
// REQUIRES: s was validated against `topology` (targets exist).
std::vector<faults::FaultSpec> fault_plan(const scenario::Scenario& s, const sim::Topology& topology);
faults::ChaosSpec chaos_spec(const scenario::ChaosConfig& c);
models::stream::StreamConfig stream_config(const scenario::StreamConfig& c);
models::partition::PartitionConfig partition_config(const scenario::PartitionConfig& c);
models::client::WorkloadSpec workload_spec(const scenario::WorkloadConfig& w);
// The scenario's role name ("partition_server") as fault targets and resolvers spell it.
std::string role_name(scenario::Role r);

}  // namespace app
