// app/fault_json.h: a fault plan entry (faults::FaultSpec) written back as a scenario
// file's fault object, the inverse of world_specs' fault_plan for every target a plan
// entry can hold. `stampsim shrink` uses it to materialise a drawn chaos schedule into
// explicit faults: loading the object again gives the same FaultSpec (times to the
// nanosecond, numbers to the last bit), so the explicit schedule replays the same run.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "faults/fault.h"
#include "sim/time.h"
#include "sim/topology.h"

namespace app {

// A duration as scenario text that parses back exactly: "30s", "2m", "8.953123456s".
std::string duration_text(sim::Duration d);

// The scenario-format object of f ("at", "kind", its target and parameters, "for").
// REQUIRES: f's targets exist in topology.
nlohmann::ordered_json fault_to_json(const faults::FaultSpec& f, const sim::Topology& topology);

}  // namespace app
