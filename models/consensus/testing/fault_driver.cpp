#include "models/consensus/testing/fault_driver.h"

#include <algorithm>
#include <sstream>

namespace models::consensus::testing {

namespace {
sim::Duration uniform(sim::Rng& rng, sim::Duration lo, sim::Duration hi) {
    return sim::Duration::nanos(rng.uniform_int(lo.ns(), hi.ns()));
}
}  // namespace

FaultDriver::FaultDriver(sim::Simulation& sim, std::vector<sim::NodeId> targets, std::vector<sim::NodeId> replicas,
                         std::function<sim::NodeId()> leader_of, Options options)
    : sim_(sim),
      rng_(sim.fork_rng("consensus/chaos")),
      targets_(std::move(targets)),
      replicas_(std::move(replicas)),
      leader_of_(std::move(leader_of)),
      options_(options) {
    const size_t n = sim.topology().node_count();
    busy_.assign(n, false);
    disk_busy_.assign(n, false);
    clock_busy_.assign(n, false);
}

void FaultDriver::plan() {
    sim::Time t = options_.start;
    while (true) {
        t += rng_.exponential(options_.mean_interval);
        if (t >= options_.heal_at) break;
        // The fault's kind and victims are drawn when it starts (the leader then).
        sim_.schedule(t, [this, t] { inject(t); });
    }
    sim_.schedule(options_.heal_at, [this] { heal_all(); });
}

void FaultDriver::note(sim::Time at, const std::string& what) { schedule_.push_back(at.to_string() + " " + what); }

bool FaultDriver::free(sim::NodeId n) const { return !busy_[n.value]; }

sim::NodeId FaultDriver::pick_target() { return targets_[rng_.below(targets_.size())]; }

size_t FaultDriver::add_undo(std::function<void()> fn) {
    undos_.push_back(Undo{false, std::move(fn)});
    return undos_.size() - 1;
}

void FaultDriver::later(sim::Time at, size_t undo) {
    if (at >= options_.heal_at) return;  // heal_all undoes it
    sim_.schedule(at, [this, undo] {
        if (undos_[undo].done) return;
        undos_[undo].done = true;
        undos_[undo].fn();
    });
}

void FaultDriver::heal_all() {
    for (auto& u : undos_) {
        if (u.done) continue;
        u.done = true;
        u.fn();
    }
    note(sim_.now(), "heal all");
}

void FaultDriver::inject(sim::Time at) {
    // Weights: crash 4, rack power 1, partition 2, one-way 1, impair 2, clog 1, slow disk 2,
    // clock skew 1, pause 1.
    static constexpr int kWeights[] = {4, 1, 2, 1, 2, 1, 2, 1, 1};
    int total = 0;
    for (int w : kWeights) total += w;
    int draw = static_cast<int>(rng_.below(static_cast<uint64_t>(total)));
    int kind = 0;
    while (draw >= kWeights[kind]) draw -= kWeights[kind++];
    sim::Duration len = uniform(rng_, sim::Duration::millis(200), sim::Duration::seconds(4));
    if (options_.leader_churn) {
        const sim::NodeId leader = leader_of_();
        if (!leader.valid()) return;
        if (rng_.bernoulli(0.3)) {
            kind = 0;
            len = uniform(rng_, sim::Duration::millis(50), sim::Duration::millis(1500));
        } else {
            std::vector<int> group_of(sim_.topology().node_count(), -1);
            for (sim::NodeId n : replicas_) group_of[n.value] = n == leader ? 0 : 1;
            len = uniform(rng_, sim::Duration::millis(1200), sim::Duration::seconds(3));
            const sim::NetFaultId id = sim_.network().add_cut(group_of, false, "chaos isolate leader");
            later(at + len, add_undo([this, id] { sim_.network().remove(id); }));
            note(at, "isolate leader " + name(leader) + " from the replicas for " + len.to_string());
            return;
        }
    }
    const sim::Time end = at + len;
    std::ostringstream what;
    switch (kind) {
        case 0: {  // crash / restart, the leader half of the time
            sim::NodeId n = pick_target();
            const sim::NodeId leader = leader_of_();
            if (leader.valid() && (options_.leader_churn || rng_.bernoulli(0.5))) n = leader;
            if (!free(n) || !sim_.up(n)) return;
            busy_[n.value] = true;
            sim_.crash(n);
            later(end, add_undo([this, n] {
                sim_.restart(n);
                busy_[n.value] = false;
            }));
            what << "crash " << name(n) << " for " << len.to_string();
            break;
        }
        case 1: {  // power loss of a replica's rack
            const sim::NodeId r = replicas_[rng_.below(replicas_.size())];
            const int rack = sim_.topology().node(r).rack;
            std::vector<sim::NodeId> nodes = sim_.topology().rack(rack).nodes;
            for (sim::NodeId n : nodes) {
                if (!free(n)) return;
            }
            for (sim::NodeId n : nodes) {
                busy_[n.value] = true;
                sim_.power_off(n);
            }
            later(end, add_undo([this, nodes] {
                for (sim::NodeId n : nodes) {
                    sim_.power_on(n);
                    busy_[n.value] = false;
                }
            }));
            what << "power off rack " << rack << " for " << len.to_string();
            break;
        }
        case 2:
        case 3: {  // symmetric partition of the targets / one-way cut
            const bool one_way = kind == 3;
            std::vector<int> group_of(sim_.topology().node_count(), -1);
            std::vector<sim::NodeId> side0;
            for (sim::NodeId n : targets_) {
                const bool first = one_way ? false : rng_.bernoulli(0.5);
                group_of[n.value] = first ? 0 : 1;
                if (first) side0.push_back(n);
            }
            if (one_way) {
                const sim::NodeId n = pick_target();
                group_of[n.value] = 0;
                side0 = {n};
            }
            const sim::NetFaultId id = sim_.network().add_cut(group_of, one_way, one_way ? "chaos one-way" : "chaos partition");
            later(end, add_undo([this, id] { sim_.network().remove(id); }));
            what << (one_way ? "one-way cut from" : "partition") << " {";
            for (sim::NodeId n : side0) what << ' ' << name(n);
            what << " } for " << len.to_string();
            break;
        }
        case 4:
        case 5: {  // loss / duplication / reordering, or clogging
            std::vector<sim::NodeId> nodes;
            const int count = kind == 5 ? 1 : 1 + static_cast<int>(rng_.below(3));
            for (int i = 0; i < count; ++i) nodes.push_back(pick_target());
            std::sort(nodes.begin(), nodes.end());
            nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
            sim::Network::Impairment imp;
            if (kind == 4) {
                imp.loss = rng_.uniform_real(0, 0.3);
                imp.duplicate = rng_.uniform_real(0, 0.2);
                imp.jitter = uniform(rng_, sim::Duration::zero(), sim::Duration::millis(30));
                imp.extra_latency = uniform(rng_, sim::Duration::zero(), sim::Duration::millis(5));
            } else {
                imp.extra_latency = uniform(rng_, sim::Duration::millis(100), sim::Duration::millis(1500));
            }
            const sim::NetFaultId id = sim_.network().add_impairment(nodes, imp, kind == 4 ? "chaos impair" : "chaos clog");
            later(end, add_undo([this, id] { sim_.network().remove(id); }));
            what << (kind == 4 ? "impair" : "clog");
            for (sim::NodeId n : nodes) what << ' ' << name(n);
            what << " loss=" << imp.loss << " dup=" << imp.duplicate << " jitter=" << imp.jitter.to_string()
                 << " extra=" << imp.extra_latency.to_string() << " for " << len.to_string();
            break;
        }
        case 6: {  // slow disk on a replica
            const sim::NodeId n = replicas_[rng_.below(replicas_.size())];
            if (disk_busy_[n.value]) return;
            disk_busy_[n.value] = true;
            const double factor = rng_.uniform_real(5, 100);
            sim_.disk(n).set_slow_factor(factor);
            later(end, add_undo([this, n] {
                sim_.disk(n).set_slow_factor(1.0);
                disk_busy_[n.value] = false;
            }));
            what << "slow disk " << name(n) << " x" << factor << " for " << len.to_string();
            break;
        }
        case 7: {  // clock skew within the bound
            const sim::NodeId n = pick_target();
            if (clock_busy_[n.value]) return;
            clock_busy_[n.value] = true;
            const double drift = rng_.uniform_real(-options_.max_drift, options_.max_drift);
            sim_.set_clock_drift(n, drift);
            later(end + sim::Duration::seconds(4), add_undo([this, n] {
                sim_.set_clock_drift(n, 0);
                clock_busy_[n.value] = false;
            }));
            what << "clock skew " << name(n) << " drift=" << drift;
            break;
        }
        default: {  // process pause
            const sim::NodeId n = pick_target();
            if (!free(n) || !sim_.up(n)) return;
            busy_[n.value] = true;
            sim_.pause(n);
            later(end, add_undo([this, n] {
                sim_.resume(n);
                busy_[n.value] = false;
            }));
            what << "pause " << name(n) << " for " << len.to_string();
            break;
        }
    }
    note(at, what.str());
}

}  // namespace models::consensus::testing
