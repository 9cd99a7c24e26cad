// faults/injector.h: applies a fault plan to a running simulation.
//
// Each FaultSpec is scheduled at its time as a kernel event; when it fires, its target is
// resolved (roles through the RoleResolver, `random` picks from the injector's own RNG
// stream), its action is applied through kernel primitives only (power a node or rack off,
// cut a switch, partition racks, degrade a link, fail or slow a disk, pause a process,
// skew a clock) and its heal is scheduled after `for`. heal_all() (the drain) ends every
// active fault. Overlapping faults compose: power outages stack in the kernel, network
// cuts and impairments are independent entries.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "faults/fault.h"
#include "sim/rng.h"
#include "sim/simulation.h"

namespace faults {

// Where the storage system's roles run and who leads them; implemented by app/.
class RoleResolver {
public:
    virtual ~RoleResolver() = default;
    virtual std::vector<sim::NodeId> members(int stamp, std::string_view role) const = 0;
    // The current leader of a replicated role, if one is known.
    virtual std::optional<sim::NodeId> leader(int stamp, std::string_view role) const = 0;
};

// What an operator does around an upgrade (the paper's rolling-upgrade procedure:
// move partitions out, stop placing extents there); implemented by app/.
class UpgradeOperator {
public:
    virtual ~UpgradeOperator() = default;
    virtual void before_domain_down(int stamp, int upgrade_domain) = 0;
    virtual void after_domain_up(int stamp, int upgrade_domain) = 0;
    // Whether the domain may go down now (its partitions have moved out). The injector
    // asks every kDrainPoll after before_domain_down and takes the domain down when this
    // says so, or after kMaxDrainWait whatever it says (an operator's patience).
    virtual bool domain_ready(int /*stamp*/, int /*upgrade_domain*/) const { return true; }
    static constexpr sim::Duration kDrainPoll = sim::Duration::millis(250);
    static constexpr sim::Duration kMaxDrainWait = sim::Duration::seconds(30);
};

class Injector {
public:
    // resolver and upgrade_operator may be null (then role targets fail to resolve and
    // upgrades take domains down without warning the system).
    Injector(sim::Simulation& sim, const RoleResolver* resolver, UpgradeOperator* upgrade_operator, sim::Rng rng);
    ~Injector();
    Injector(const Injector&) = delete;
    Injector& operator=(const Injector&) = delete;

    void schedule(const FaultSpec& spec);
    void schedule_all(const std::vector<FaultSpec>& plan);
    // Ends every active fault now and cancels faults that have not started.
    void heal_all();

    const std::vector<FaultRecord>& records() const { return records_; }
    size_t active() const;

private:
    struct Active;
    void fire(size_t spec_index);
    void heal(size_t active_index);
    std::vector<sim::NodeId> resolve_nodes(const FaultSpec& f, std::string* desc, std::string* note);
    std::vector<sim::NodeId> rack_nodes(int stamp, int rack) const;

    sim::Simulation& sim_;
    const RoleResolver* resolver_;
    UpgradeOperator* upgrade_operator_;
    sim::Rng rng_;
    std::vector<FaultSpec> specs_;
    std::vector<sim::TimerId> pending_;
    std::vector<std::unique_ptr<Active>> active_;
    std::vector<FaultRecord> records_;
};

}  // namespace faults
