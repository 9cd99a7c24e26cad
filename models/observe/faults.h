// models/observe/faults.h: the record of every fault the run applied and what it did.
//
// faults/ (or app/, which wires it) opens a record when a fault starts, closes it when it
// heals, and the models it touches bump its effect counters (a message dropped because of
// it, a request that failed while it held). A fault with no effect is then visible in the
// report. Data only; owned by the run; reports/ reads it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/time.h"

namespace models::observe {

struct FaultEffect {
    uint64_t messages_dropped = 0;
    uint64_t requests_failed = 0;
    uint64_t nodes = 0;  // nodes affected (powered off, isolated, slowed, ...)
};

struct FaultRecord {
    std::string kind;    // scenario name of the kind: "rack_down", "node_crash", ...
    std::string target;  // what it hit, readable: "w1/r2", "w1/r4/n7", "groups [0,1]|[2,3]"
    sim::Time start;
    std::optional<sim::Time> end;  // nullopt until healed (the drain heals every fault)
    bool chaos = false;            // drawn by chaos rather than scripted
    FaultEffect effect;
    std::vector<std::string> nodes;  // names of the affected nodes (for the trace), bounded
};

class FaultLog {
public:
    static constexpr size_t kMaxNodeNames = 256;

    // Opens a record; returns its index for end() and effect().
    size_t begin(std::string kind, std::string target, sim::Time start, bool chaos = false);
    // REQUIRES: index came from begin() and the record is still open.
    void end(size_t index, sim::Time at);
    FaultEffect& effect(size_t index) { return records_[index].effect; }
    void add_node(size_t index, std::string node_name);
    // Closes every open record at `at` (the drain heals all).
    void end_all(sim::Time at);

    const std::vector<FaultRecord>& records() const { return records_; }

private:
    std::vector<FaultRecord> records_;
};

}  // namespace models::observe
