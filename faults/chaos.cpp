#include "faults/chaos.h"

#include <algorithm>
#include <set>

#include "sim/check.h"

namespace faults {

std::vector<int> impaired_racks(const FaultSpec& f, const sim::Topology& topology) {
    const Target& t = f.target;
    std::vector<int> racks;
    if (t.node) {
        racks.push_back(topology.node(*t.node).rack);
    } else if (t.rack >= 0) {
        racks.push_back(topology.rack_of(t.stamp, t.rack));
    } else if (t.power_domain >= 0) {
        racks = topology.power_domain_racks(t.stamp, t.power_domain);
    } else if (f.kind == Kind::kNetworkPartition) {
        // A partition impairs the smaller side.
        const std::vector<int>* smallest = nullptr;
        for (const auto& g : t.groups) {
            if (!smallest || g.size() < smallest->size()) smallest = &g;
        }
        if (smallest) {
            for (int r : *smallest) racks.push_back(topology.rack_of(t.stamp, r));
        }
    }
    return racks;
}

namespace {

struct Window {
    sim::Duration start;
    sim::Duration end;
    std::vector<int> power_domains;  // (stamp << 16 | domain)
};

std::vector<int> power_domains_of(const std::vector<int>& racks, const sim::Topology& topology) {
    std::set<int> out;
    for (int r : racks) out.insert(topology.rack(r).stamp << 16 | topology.rack(r).power_domain);
    return {out.begin(), out.end()};
}

// Whether adding `candidate` during [start, end) keeps every instant within budget.
bool fits(const std::vector<Window>& active, const Window& candidate, int budget) {
    // Check at the candidate's start and at every active window's start inside it.
    std::vector<sim::Duration> instants{candidate.start};
    for (const auto& w : active) {
        if (w.start > candidate.start && w.start < candidate.end) instants.push_back(w.start);
    }
    for (sim::Duration t : instants) {
        std::set<int> domains(candidate.power_domains.begin(), candidate.power_domains.end());
        for (const auto& w : active) {
            if (w.start <= t && t < w.end) domains.insert(w.power_domains.begin(), w.power_domains.end());
        }
        if (static_cast<int>(domains.size()) > budget) return false;
    }
    return true;
}

}  // namespace

ChaosSchedule draw_chaos_schedule(const ChaosSpec& spec, const sim::Topology& topology, sim::Rng rng) {
    SIM_ASSERT(!topology.stamps().empty(), "chaos needs a stamp");
    SIM_ASSERT(!spec.kinds.empty(), "chaos needs at least one kind");
    ChaosSchedule out;
    std::vector<Window> windows;
    sim::Duration t = spec.start;
    for (int guard = 0; guard < 100'000; ++guard) {
        t += rng.exponential(spec.mean_interval);
        if (t >= spec.end) break;
        FaultSpec f;
        f.from_chaos = true;
        f.at = t;
        f.kind = spec.kinds[rng.below(spec.kinds.size())];
        const int stamp = static_cast<int>(rng.below(topology.stamps().size()));
        const auto& s = topology.stamp(stamp);
        f.target.stamp = stamp;
        sim::Duration length = std::max(sim::Duration::seconds(1), rng.exponential(spec.mean_duration));
        f.duration = length;
        const sim::NodeId node = s.nodes[rng.below(s.nodes.size())];
        const int rack = static_cast<int>(rng.below(s.racks.size()));
        switch (f.kind) {
            case Kind::kNodeCrash:
                f.target.node = node;
                f.duration.reset();
                f.restart_after = length;
                break;
            case Kind::kRackDown:
                f.target.rack = rack;
                break;
            case Kind::kPowerDomainDown:
                f.target.power_domain = static_cast<int>(rng.below(static_cast<uint64_t>(s.power_domains)));
                break;
            case Kind::kTorDown:
                f.target.rack = rack;
                f.switch_index = static_cast<int>(rng.below(2));
                break;
            case Kind::kNetworkPartition: {
                // One rack cut off from the others.
                std::vector<int> rest;
                for (int r = 0; r < static_cast<int>(s.racks.size()); ++r) {
                    if (r != rack) rest.push_back(r);
                }
                f.target.groups = {{rack}, rest};
                break;
            }
            case Kind::kLinkDegrade:
                f.target.rack = rack;
                f.extra_latency = sim::Duration::millis(static_cast<int64_t>(1 + rng.below(20)));
                f.loss = 0.01 * static_cast<double>(rng.below(6));
                break;
            case Kind::kClog:
                f.target.node = node;
                f.extra_latency = sim::Duration::millis(static_cast<int64_t>(100 + rng.below(1900)));
                break;
            case Kind::kDiskFail:
                f.target.node = node;
                break;
            case Kind::kDiskSlow:
                f.target.node = node;
                f.factor = static_cast<double>(2 + rng.below(49));
                break;
            case Kind::kDiskCorrupt:
                f.target.node = node;
                f.fraction = 0.001 * static_cast<double>(1 + rng.below(10));
                f.duration.reset();
                break;
            case Kind::kProcessPause:
                f.target.node = node;
                break;
            case Kind::kClockSkew:
                f.target.node = node;
                f.drift = rng.uniform_real(-spec.max_clock_drift, spec.max_clock_drift);
                break;
            case Kind::kUpgradeDomainDown:
                f.target.upgrade_domain = static_cast<int>(rng.below(static_cast<uint64_t>(s.upgrade_domains)));
                break;
            case Kind::kStampDown:
            case Kind::kRegionPartition:
            case Kind::kRollingUpgrade:
                SIM_ASSERT(false, "chaos cannot draw " << kind_name(f.kind));
        }
        const sim::Duration length_of_window = f.duration ? *f.duration : f.restart_after ? *f.restart_after : sim::Duration::zero();
        Window w{f.at, f.at + length_of_window, power_domains_of(impaired_racks(f, topology), topology)};
        if (f.kind == Kind::kUpgradeDomainDown) {
            // An upgrade domain cuts across every rack: replicas are spread over upgrade
            // domains, so one domain down is inside the design only as the sole impairment
            // (the paper upgrades one domain at a time). It blocks every other fault.
            w.power_domains = power_domains_of(s.racks, topology);
            bool alone = true;
            for (const auto& a : windows) alone &= !(a.start < w.end && w.start < a.end);
            if (!alone || spec.max_failed_domains < 1) {
                ++out.skipped_for_budget;
                continue;
            }
        } else if (!fits(windows, w, spec.max_failed_domains)) {
            ++out.skipped_for_budget;
            continue;
        }
        windows.push_back(std::move(w));
        out.faults.push_back(std::move(f));
    }
    return out;
}

}  // namespace faults
