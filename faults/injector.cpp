#include "faults/injector.h"

#include <algorithm>

#include "sim/check.h"

namespace faults {

struct Injector::Active {
    size_t record = 0;
    std::function<void()> undo;  // empty for instant faults
    std::vector<sim::NetFaultId> net;
    uint64_t drops_at_start = 0;  // node-down drops counted from here
    bool counts_node_drops = false;
    sim::TimerId heal_timer;
    bool done = false;
    std::shared_ptr<std::function<void(int)>> chain;  // rolling upgrade: its next step
};

namespace {
uint64_t node_down_drops(const sim::Network& n) {
    return n.dropped(sim::DropReason::kSrcDown) + n.dropped(sim::DropReason::kDstDown) +
           n.dropped(sim::DropReason::kRackIsolated);
}
}  // namespace

Injector::Injector(sim::Simulation& sim, const RoleResolver* resolver, UpgradeOperator* upgrade_operator, sim::Rng rng)
    : sim_(sim), resolver_(resolver), upgrade_operator_(upgrade_operator), rng_(rng) {}

Injector::~Injector() = default;

void Injector::schedule(const FaultSpec& spec) {
    SIM_ASSERT(spec.at >= sim::Duration::zero(), "fault scheduled before the start");
    const size_t index = specs_.size();
    specs_.push_back(spec);
    pending_.push_back(sim_.schedule(sim::Time::zero() + spec.at, [this, index] { fire(index); }));
}

void Injector::schedule_all(const std::vector<FaultSpec>& plan) {
    for (const auto& f : plan) schedule(f);
}

size_t Injector::active() const {
    size_t n = 0;
    for (const auto& a : active_) n += a->done ? 0 : 1;
    return n;
}

std::vector<sim::NodeId> Injector::rack_nodes(int stamp, int rack) const {
    const auto& topo = sim_.topology();
    return topo.rack(topo.rack_of(stamp, rack)).nodes;
}

std::vector<sim::NodeId> Injector::resolve_nodes(const FaultSpec& f, std::string* desc, std::string* note) {
    const auto& topo = sim_.topology();
    const Target& t = f.target;
    if (t.node) {
        *desc = topo.node(*t.node).name;
        return {*t.node};
    }
    if (!t.role.empty()) {
        const std::string& stamp = topo.stamp(t.stamp).name;
        std::vector<sim::NodeId> members = resolver_ ? resolver_->members(t.stamp, t.role) : std::vector<sim::NodeId>{};
        if (t.pick == Pick::kLeader) {
            std::optional<sim::NodeId> leader = resolver_ ? resolver_->leader(t.stamp, t.role) : std::nullopt;
            *desc = stamp + " " + t.role + " leader";
            if (!leader) {
                *note = "no leader of " + t.role + " at fire time";
                return {};
            }
            *desc = topo.node(*leader).name + " (" + t.role + " leader)";
            return {*leader};
        }
        if (members.empty()) {
            *desc = stamp + " " + t.role;
            *note = "no member of " + t.role + " to pick";
            return {};
        }
        std::vector<sim::NodeId> out;
        if (t.pick == Pick::kFirst) {
            out.assign(members.begin(), members.begin() + std::min<size_t>(members.size(), static_cast<size_t>(t.count)));
        } else {
            rng_.shuffle(members);
            out.assign(members.begin(), members.begin() + std::min<size_t>(members.size(), static_cast<size_t>(t.count)));
        }
        *desc = topo.node(out.front()).name + (out.size() > 1 ? " and " + std::to_string(out.size() - 1) + " more" : "") +
                " (" + t.role + ")";
        return out;
    }
    if (f.kind == Kind::kClog && t.stamp >= 0 && t.rack < 0) {
        // clog with pick random and no role: random nodes of the stamp.
        std::vector<sim::NodeId> nodes = topo.stamp(t.stamp).nodes;
        rng_.shuffle(nodes);
        nodes.resize(std::min<size_t>(nodes.size(), static_cast<size_t>(t.count)));
        *desc = topo.node(nodes.front()).name + (nodes.size() > 1 ? " and " + std::to_string(nodes.size() - 1) + " more" : "");
        return nodes;
    }
    if (t.rack >= 0) {
        *desc = topo.stamp(t.stamp).name + "/r" + std::to_string(t.rack);
        return rack_nodes(t.stamp, t.rack);
    }
    if (t.power_domain >= 0) {
        *desc = topo.stamp(t.stamp).name + " power domain " + std::to_string(t.power_domain);
        return topo.power_domain_nodes(t.stamp, t.power_domain);
    }
    if (t.upgrade_domain >= 0) {
        *desc = topo.stamp(t.stamp).name + " upgrade domain " + std::to_string(t.upgrade_domain);
        return topo.upgrade_domain_nodes(t.stamp, t.upgrade_domain);
    }
    if (t.stamp >= 0) {
        *desc = topo.stamp(t.stamp).name;
        return topo.stamp(t.stamp).nodes;
    }
    *note = "no target";
    return {};
}

void Injector::fire(size_t spec_index) {
    const FaultSpec& f = specs_[spec_index];
    pending_[spec_index] = sim::TimerId{};
    FaultRecord rec;
    rec.kind = f.kind;
    rec.start = sim_.now();
    rec.from_chaos = f.from_chaos;
    auto act = std::make_unique<Active>();
    auto& net = sim_.network();
    const auto& topo = sim_.topology();
    std::vector<sim::NodeId> nodes;

    switch (f.kind) {
        case Kind::kNodeCrash:
        case Kind::kRackDown:
        case Kind::kPowerDomainDown:
        case Kind::kStampDown:
        case Kind::kUpgradeDomainDown: {
            nodes = resolve_nodes(f, &rec.target, &rec.note);
            // A crash (node, upgrade) keeps power; an outage (rack, power domain, stamp) cuts it.
            const bool power = f.kind == Kind::kRackDown || f.kind == Kind::kPowerDomainDown || f.kind == Kind::kStampDown;
            for (sim::NodeId n : nodes) {
                rec.changed_state |= sim_.up(n);
                if (power) {
                    sim_.power_off(n);
                } else {
                    sim_.crash(n);
                }
            }
            act->counts_node_drops = true;
            act->drops_at_start = node_down_drops(net);
            act->undo = [this, nodes, power] {
                for (sim::NodeId n : nodes) {
                    if (power) {
                        sim_.power_on(n);
                    } else {
                        sim_.restart(n);
                    }
                }
            };
            break;
        }
        case Kind::kTorDown: {
            const int rack = topo.rack_of(f.target.stamp, f.target.rack);
            rec.target = topo.stamp(f.target.stamp).name + "/r" + std::to_string(f.target.rack) + " switch " +
                         std::to_string(f.switch_index);
            nodes = topo.rack(rack).nodes;
            const int before = net.tors_up(rack);
            net.set_tor(rack, f.switch_index, false);
            rec.changed_state = net.tors_up(rack) != before;
            act->counts_node_drops = true;
            act->drops_at_start = node_down_drops(net);
            act->undo = [&net, rack, sw = f.switch_index] { net.set_tor(rack, sw, true); };
            break;
        }
        case Kind::kNetworkPartition:
        case Kind::kRegionPartition: {
            std::vector<int> group_of(topo.node_count(), -1);
            if (f.kind == Kind::kNetworkPartition) {
                rec.target = topo.stamp(f.target.stamp).name + " racks";
                for (size_t g = 0; g < f.target.groups.size(); ++g) {
                    rec.target += g == 0 ? " " : " | ";
                    for (size_t i = 0; i < f.target.groups[g].size(); ++i) {
                        const int r = f.target.groups[g][i];
                        rec.target += (i ? "," : "") + std::to_string(r);
                        for (sim::NodeId n : rack_nodes(f.target.stamp, r)) {
                            group_of[n.value] = static_cast<int>(g);
                            nodes.push_back(n);
                        }
                    }
                }
            } else {
                rec.target = "regions";
                for (size_t g = 0; g < f.target.regions.size(); ++g) {
                    const int region = f.target.regions[g];
                    rec.target += (g ? " | " : " ") + topo.region(region).name;
                    for (const auto& n : topo.nodes()) {
                        if (n.region == region) {
                            group_of[n.id.value] = static_cast<int>(g);
                            if (!n.is_client) nodes.push_back(n.id);
                        }
                    }
                }
            }
            act->net.push_back(net.add_cut(std::move(group_of), false, rec.target));
            rec.changed_state = true;
            act->undo = [&net, id = act->net.back()] { net.remove(id); };
            break;
        }
        case Kind::kLinkDegrade:
        case Kind::kClog: {
            nodes = resolve_nodes(f, &rec.target, &rec.note);
            if (!nodes.empty()) {
                sim::Network::Impairment imp;
                imp.extra_latency = f.extra_latency;
                imp.loss = f.kind == Kind::kLinkDegrade ? f.loss : 0;
                imp.duplicate = f.kind == Kind::kLinkDegrade ? f.duplicate : 0;
                act->net.push_back(net.add_impairment(nodes, imp, rec.target));
                rec.changed_state = true;
                act->undo = [&net, id = act->net.back()] { net.remove(id); };
            }
            break;
        }
        case Kind::kDiskFail: {
            nodes = resolve_nodes(f, &rec.target, &rec.note);
            for (sim::NodeId n : nodes) {
                rec.changed_state |= !sim_.disk(n).failed();
                sim_.fail_disk(n);
            }
            // Healing a failed disk is an operator's swap: a new, empty disk.
            act->undo = [this, nodes] {
                for (sim::NodeId n : nodes) sim_.replace_disk(n);
            };
            break;
        }
        case Kind::kDiskSlow: {
            nodes = resolve_nodes(f, &rec.target, &rec.note);
            for (sim::NodeId n : nodes) {
                sim_.disk(n).set_slow_factor(f.factor);
                rec.changed_state |= f.factor != 1.0;
            }
            act->undo = [this, nodes] {
                for (sim::NodeId n : nodes) sim_.disk(n).set_slow_factor(1.0);
            };
            break;
        }
        case Kind::kDiskCorrupt: {
            nodes = resolve_nodes(f, &rec.target, &rec.note);
            uint64_t damaged = 0;
            for (sim::NodeId n : nodes) damaged += sim_.corrupt_disk(n, f.fraction);
            rec.changed_state = damaged > 0;
            rec.note = std::to_string(damaged) + " blocks corrupted";
            break;  // instant: nothing to heal, scrubbing finds it
        }
        case Kind::kProcessPause: {
            nodes = resolve_nodes(f, &rec.target, &rec.note);
            for (sim::NodeId n : nodes) {
                rec.changed_state |= sim_.up(n) && !sim_.paused(n);
                sim_.pause(n);
            }
            act->undo = [this, nodes] {
                for (sim::NodeId n : nodes) sim_.resume(n);
            };
            break;
        }
        case Kind::kClockSkew: {
            nodes = resolve_nodes(f, &rec.target, &rec.note);
            for (sim::NodeId n : nodes) {
                sim_.set_clock_drift(n, f.drift);
                rec.changed_state |= f.drift != 0;
            }
            act->undo = [this, nodes] {
                for (sim::NodeId n : nodes) sim_.set_clock_drift(n, 0.0);
            };
            break;
        }
        case Kind::kRollingUpgrade: {
            // One upgrade domain after another, each down for per_domain, the system told
            // first; one record for the whole upgrade.
            const int stamp = f.target.stamp;
            const int domains = topo.stamp(stamp).upgrade_domains;
            rec.target = topo.stamp(stamp).name + " all " + std::to_string(domains) + " upgrade domains";
            nodes = topo.stamp(stamp).nodes;
            rec.changed_state = true;
            const size_t record_index = records_.size();
            const size_t active_index = active_.size();
            auto step = std::make_shared<std::function<void(int)>>();
            std::weak_ptr<std::function<void(int)>> self = step;
            *step = [this, stamp, domains, per = f.per_domain, record_index, active_index, self](int ud) {
                if (active_[active_index]->done) return;
                if (ud > 0) {
                    for (sim::NodeId n : sim_.topology().upgrade_domain_nodes(stamp, ud - 1)) sim_.restart(n);
                    if (upgrade_operator_) upgrade_operator_->after_domain_up(stamp, ud - 1);
                }
                if (ud == domains) {
                    active_[active_index]->done = true;
                    records_[record_index].end = sim_.now();
                    return;
                }
                if (upgrade_operator_) upgrade_operator_->before_domain_down(stamp, ud);
                // Wait (bounded) until the operator has drained the domain, then take it down.
                auto down = std::make_shared<std::function<void()>>();
                std::weak_ptr<std::function<void()>> down_self = down;
                const sim::Time give_up = sim_.now() + UpgradeOperator::kMaxDrainWait;
                // (The pending poll event owns it; the first call runs while `down` is alive.)
                *down = [this, stamp, ud, per, active_index, self, down_self, give_up]() {
                    if (active_[active_index]->done) return;
                    auto again = down_self.lock();
                    if (upgrade_operator_ && !upgrade_operator_->domain_ready(stamp, ud) && sim_.now() < give_up &&
                        again) {
                        active_[active_index]->heal_timer =
                            sim_.schedule(sim_.now() + UpgradeOperator::kDrainPoll, [again] { (*again)(); });
                        return;
                    }
                    for (sim::NodeId n : sim_.topology().upgrade_domain_nodes(stamp, ud)) sim_.crash(n);
                    active_[active_index]->heal_timer = sim_.schedule(sim_.now() + per, [self, ud] {
                        if (auto next = self.lock()) (*next)(ud + 1);
                    });
                };
                (*down)();
            };
            act->undo = [this, stamp, domains, active_index] {
                // Drain: bring back whatever domain is down now, and tell the operator.
                (void)active_index;
                for (int ud = 0; ud < domains; ++ud) {
                    for (sim::NodeId n : sim_.topology().upgrade_domain_nodes(stamp, ud)) sim_.restart(n);
                    if (upgrade_operator_) upgrade_operator_->after_domain_up(stamp, ud);
                }
            };
            rec.nodes = nodes;
            records_.push_back(std::move(rec));
            act->record = record_index;
            act->chain = step;
            active_.push_back(std::move(act));
            (*step)(0);
            return;
        }
    }

    rec.nodes = nodes;
    act->record = records_.size();
    records_.push_back(std::move(rec));
    const size_t active_index = active_.size();
    if (!act->undo) {
        records_[act->record].end = sim_.now();
        act->done = true;
        active_.push_back(std::move(act));
        return;
    }
    active_.push_back(std::move(act));
    std::optional<sim::Duration> length = f.duration;
    if (f.kind == Kind::kNodeCrash) length = f.restart_after;
    if (length) {
        active_[active_index]->heal_timer = sim_.schedule(sim_.now() + *length, [this, active_index] { heal(active_index); });
    }
}

void Injector::heal(size_t active_index) {
    Active& a = *active_[active_index];
    if (a.done) return;
    a.done = true;
    sim_.cancel(a.heal_timer);
    auto& net = sim_.network();
    FaultRecord& rec = records_[a.record];
    if (a.counts_node_drops) rec.messages_dropped += node_down_drops(net) - a.drops_at_start;
    for (sim::NetFaultId id : a.net) rec.messages_dropped += net.dropped_by(id);
    if (a.undo) a.undo();
    rec.end = sim_.now();
}

void Injector::heal_all() {
    for (auto& t : pending_) {
        sim_.cancel(t);
        t = sim::TimerId{};
    }
    for (size_t i = 0; i < active_.size(); ++i) heal(i);
}

}  // namespace faults
