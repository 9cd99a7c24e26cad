// tests/models/stream_chaos.h: a seeded chaos schedule for the stream layer tests.
//
// Faults come one failure domain at a time (the budget the invariants are promised
// under): each fault is applied, healed after a while, and followed by a quiet gap long
// enough for detection and re-replication before the next one. Kinds: node crash and
// restart, disk failure and replacement, rack power loss, one ToR down, a partition
// cutting one rack off, a slow disk, silent corruption, and a clogged node (its messages
// delayed beyond node_timeout, which produces reports that arrive after the node was
// declared dead). The observer audits acknowledged data after every heal.
#pragma once

#include <string>
#include <vector>

#include "tests/models/stream_harness.h"

namespace stream_test {

enum class FaultKind { kCrash, kDiskFail, kRackPower, kTor, kPartition, kSlowDisk, kCorrupt, kClog, kCount };

inline const char* fault_name(FaultKind k) {
    switch (k) {
        case FaultKind::kCrash: return "crash";
        case FaultKind::kDiskFail: return "disk_fail";
        case FaultKind::kRackPower: return "rack_power";
        case FaultKind::kTor: return "tor_down";
        case FaultKind::kPartition: return "partition";
        case FaultKind::kSlowDisk: return "slow_disk";
        case FaultKind::kCorrupt: return "corrupt";
        case FaultKind::kClog: return "clog";
        default: return "?";
    }
}

struct ChaosOptions {
    sim::Duration start = sim::Duration::seconds(2);
    sim::Duration end = sim::Duration::seconds(24);
    sim::Duration drain = sim::Duration::seconds(8);
    sim::Duration gap = sim::Duration::seconds(3);
};

struct ChaosRun {
    std::vector<std::string> plan;  // every choice chaos made, printed on failure
    uint64_t acked = 0;
    uint64_t checks = 0;
    int under_replicated_at_end = 0;
};

// Draws and schedules the faults, runs the world to the end plus the drain.
inline ChaosRun run_chaos(World& w, ChaosOptions co = {}, bool plan_only = false) {
    ChaosRun out;
    sim::Simulation& sim = w.sim;
    sim::Rng rng = sim.fork_rng("test/chaos");
    const auto& topo = sim.topology();
    const auto& stamp = topo.stamp(0);
    sim::Time t = sim::Time::zero() + co.start;
    const sim::Time end = sim::Time::zero() + co.end;
    while (t < end) {
        const auto kind = static_cast<FaultKind>(rng.below(static_cast<uint64_t>(FaultKind::kCount)));
        const sim::NodeId node = stamp.nodes[rng.below(stamp.nodes.size())];
        const int rack = stamp.racks[rng.below(stamp.racks.size())];
        const sim::Duration length = sim::Duration::millis(static_cast<int64_t>(500 + rng.below(3000)));
        const sim::Time heal = t + length;
        out.plan.push_back(std::string(fault_name(kind)) + " at " + t.to_string() + " for " + length.to_string() +
                           " node " + topo.node(node).name + " rack " + std::to_string(rack));
        switch (kind) {
            case FaultKind::kCrash:
                sim.schedule(t, [&sim, node] { sim.crash(node); });
                sim.schedule(heal, [&sim, node] { sim.restart(node); });
                break;
            case FaultKind::kDiskFail:
                sim.schedule(t, [&sim, node] { sim.fail_disk(node); });
                sim.schedule(heal, [&sim, node] { sim.replace_disk(node); });
                break;
            case FaultKind::kRackPower:
                sim.schedule(t, [&sim, &topo, rack] {
                    for (sim::NodeId n : topo.rack(rack).nodes) sim.power_off(n);
                });
                sim.schedule(heal, [&sim, &topo, rack] {
                    for (sim::NodeId n : topo.rack(rack).nodes) sim.power_on(n);
                });
                break;
            case FaultKind::kTor:
                sim.schedule(t, [&sim, rack] { sim.network().set_tor(rack, 0, false); });
                sim.schedule(heal, [&sim, rack] { sim.network().set_tor(rack, 0, true); });
                break;
            case FaultKind::kPartition: {
                auto id = std::make_shared<sim::NetFaultId>();
                sim.schedule(t, [&sim, &topo, rack, id] {
                    std::vector<int> group(topo.node_count(), -1);
                    for (const auto& info : topo.nodes()) {
                        if (!info.is_client) group[info.id.value] = info.rack == rack ? 0 : 1;
                    }
                    *id = sim.network().add_cut(std::move(group), false, "rack partition");
                });
                sim.schedule(heal, [&sim, id] { sim.network().remove(*id); });
                break;
            }
            case FaultKind::kSlowDisk:
                sim.schedule(t, [&sim, node] { sim.disk(node).set_slow_factor(20.0); });
                sim.schedule(heal, [&sim, node] { sim.disk(node).set_slow_factor(1.0); });
                break;
            case FaultKind::kCorrupt:
                sim.schedule(t, [&sim, node] { sim.corrupt_disk(node, 0.05); });
                break;
            case FaultKind::kClog: {
                // Messages to and from the node take longer than node_timeout; the node
                // dies while its delayed reports are still on the way.
                auto id = std::make_shared<sim::NetFaultId>();
                const sim::Duration delay = w.options.config.node_timeout + sim::Duration::seconds(1);
                sim.schedule(t, [&sim, node, id, delay] {
                    sim::Network::Impairment imp;
                    imp.extra_latency = delay;
                    *id = sim.network().add_impairment({node}, imp, "clog");
                });
                sim.schedule(t + sim::Duration::millis(300), [&sim, node] { sim.crash(node); });
                sim.schedule(heal + delay, [&sim, id] { sim.network().remove(*id); });
                sim.schedule(heal + delay, [&sim, node] { sim.restart(node); });
                t = t + delay;
                break;
            }
            default:
                break;
        }
        sim.schedule(t + length + sim::Duration::millis(1), [&w] { w.observer.audit(); });
        t = t + length + co.gap;
    }
    for (sim::Time s = sim::Time::zero(); s < end + co.drain; s = s + sim::Duration::millis(500)) {
        sim.schedule(s, [&w] { w.observer.sample(); });
    }
    if (plan_only) return out;
    sim.run_until(end + co.drain);
    w.observer.audit();
    out.acked = w.acked();
    out.checks = w.observer.checks();
    out.under_replicated_at_end = w.observer.under_replicated();
    return out;
}

inline ChaosRun run_chaos_plan_only(World& w) { return run_chaos(w, {}, true); }

}  // namespace stream_test
