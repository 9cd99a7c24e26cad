// faults/fault.h: what a fault is (a plan entry) and what it did (its record).
//
// A FaultSpec is one entry of a run's fault plan: when it starts, what it does, what it
// targets and how long it lasts. It is resolved against the topology (stamp, rack, power
// domain, upgrade domain, node) and, for role targets, through a RoleResolver that the
// composition root implements (faults/ does not know the storage system). The scenario
// loader's FaultConfig maps onto it one to one (app/); chaos draws them from the seed.
// A FaultRecord is what one applied fault did: its window, the nodes it touched, the
// messages it dropped; the report shows it, and flags a fault that changed nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/ids.h"
#include "sim/time.h"

namespace faults {

enum class Kind {
    kNodeCrash,
    kRackDown,
    kPowerDomainDown,
    kTorDown,
    kNetworkPartition,
    kRegionPartition,
    kLinkDegrade,
    kClog,
    kDiskFail,
    kDiskSlow,
    kDiskCorrupt,
    kProcessPause,
    kClockSkew,
    kStampDown,
    kUpgradeDomainDown,
    kRollingUpgrade,
};
std::string_view kind_name(Kind k);
std::optional<Kind> kind_from_name(std::string_view name);

// How a node is chosen among a role's members (resolved when the fault fires).
enum class Pick { kRandom, kLeader, kFirst };

struct Target {
    int stamp = -1;           // index in the topology
    int rack = -1;            // within the stamp
    int power_domain = -1;    // within the stamp
    int upgrade_domain = -1;  // within the stamp
    std::optional<sim::NodeId> node;
    std::string role;  // e.g. "partition_server"; with pick
    Pick pick = Pick::kRandom;
    int count = 1;                         // clog: how many nodes
    std::vector<std::vector<int>> groups;  // network_partition: racks of the stamp per group
    std::vector<int> regions;              // region_partition: region indices
};

struct FaultSpec {
    Kind kind = Kind::kNodeCrash;
    sim::Duration at;
    std::optional<sim::Duration> duration;  // `for`; nullopt: until the drain heals it
    Target target;
    sim::Duration extra_latency;             // link_degrade, clog
    double loss = 0;                         // link_degrade
    double duplicate = 0;                    // link_degrade
    double factor = 1;                       // disk_slow
    double fraction = 0;                     // disk_corrupt
    int switch_index = 0;                    // tor_down
    std::optional<sim::Duration> restart_after;  // node_crash
    sim::Duration per_domain;                // rolling_upgrade
    double drift = 0;                        // clock_skew
    bool from_chaos = false;
};

struct FaultRecord {
    Kind kind = Kind::kNodeCrash;
    std::string target;  // "w1/r2", "w1/r4/n7", "w1 power domain 1", ...
    sim::Time start;
    std::optional<sim::Time> end;  // nullopt while active
    std::vector<sim::NodeId> nodes;
    uint64_t messages_dropped = 0;
    uint64_t requests_failed = 0;  // filled in by reports/ from the history
    bool changed_state = false;     // it took something down, cut or degraded
    bool from_chaos = false;
    std::string note;               // e.g. "no leader of stream_manager at fire time"
    bool affected_nothing() const { return !changed_state && messages_dropped == 0; }
};

// One line per fault for the run's printed schedule: "at 2m rack_down w1/r2 for 5m".
std::string describe(const FaultSpec& f, std::string_view target);

}  // namespace faults
