// tests/models/partition_chaos.h: seeded chaos for the partition layer, with a history
// checker of what clients saw.
//
// A world is the harness stamp (6 racks x 4 nodes, 3 partition servers, 3 managers, the
// real stream layer, the test lease table with a short lease) with a PartitionObserver,
// an open-loop client (puts, gets and deletes over a small key space, so keys are
// contended) and a low split load, so ranges split and move while faults happen.
// Faults come one failure domain at a time: a node crash (restarted later), a rack powered
// off (one rack of one power domain), one rack cut off by a partition, a slow disk, or a
// paused process (longer than the lease, so a paused partition server comes back stale).
// Half the faults target a partition server's node. After the last fault everything heals,
// the load stops, and every key is read back.
// The history check, per key (linearizability of a register, checked the simple way): a
// read returns the value of a write W that started before the read ended and that no
// acknowledged write superseded before the read began (a write that started after W was
// acknowledged and was itself acknowledged before the read started). Writes whose outcome
// is unknown (unavailable, failed, gave up) may take effect at any time. A delete writes
// "absent", as does the initial state.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/partition/observer.h"
#include "tests/models/partition_harness.h"

namespace partition_test {

struct History {
    struct Write {
        uint64_t value = 0;  // fingerprint; 0 = absent (delete, initial)
        sim::Time start, end;
        bool ok = false;  // acknowledged; else the outcome is unknown
    };
    std::map<std::string, std::vector<Write>> writes;
    uint64_t reads = 0, stale = 0, acked_writes = 0;
    std::vector<std::string> first_stale;

    // A write is recorded when it is invoked (a read may see it before its reply) and
    // completed later; until then its end is unknown (never).
    size_t invoke(const std::string& key, uint64_t value, sim::Time start) {
        auto& ws = writes[key];
        ws.push_back(Write{value, start, sim::Time::from_ns(INT64_MAX), false});
        return ws.size() - 1;
    }
    void complete(const std::string& key, size_t i, sim::Time end, bool ok) {
        Write& w = writes[key][i];
        w.end = end;
        w.ok = ok;
        acked_writes += ok ? 1 : 0;
    }
    // A read of `key` over [start, end] returned `value` (0: not found).
    void read(const std::string& key, uint64_t value, sim::Time start, sim::Time end) {
        ++reads;
        const auto& ws = writes[key];
        auto superseded = [&](const Write& w) {
            if (!w.ok) return false;  // unknown outcome: may land at any time
            for (const Write& w2 : ws) {
                if (w2.ok && w2.start > w.end && w2.end < start) return true;
            }
            return false;
        };
        bool fine = false;
        if (value == 0) {
            // The initial state, unless some acknowledged write finished before the read.
            bool any_before = false;
            for (const Write& w2 : ws) any_before = any_before || (w2.ok && w2.end < start);
            fine = !any_before;
        }
        for (const Write& w : ws) {
            if (fine) break;
            if (w.value == value && w.start < end && !superseded(w)) fine = true;
        }
        if (!fine) {
            ++stale;
            if (first_stale.size() < 3) {
                std::string line = "read of " + printable_key(key) + " at [" + start.to_string() + ", " +
                                   end.to_string() + "] returned " + std::to_string(value) + "; writes:";
                for (const Write& w : ws) {
                    line.append(" ").append(std::to_string(w.value)).append("@[").append(w.start.to_string());
                    line.append(",").append(w.end.to_string()).append(w.ok ? "]" : "]?");
                }
                first_stale.push_back(line);
            }
        }
    }
};

struct ChaosConfig {
    uint64_t seed = 1;
    PartitionConfig config;  // planted bugs go here
    sim::Duration start = sim::Duration::seconds(4);
    sim::Duration end = sim::Duration::seconds(26);
    sim::Duration gap = sim::Duration::seconds(2);
    sim::Duration drain = sim::Duration::seconds(15);
    double rate = 150;  // client ops/s
    int keys = 120;
    std::vector<std::string>* plan_out = nullptr;  // the fault plan, also when the run throws
    bool faults = true;  // false: the same load, splits and moves without faults
};

struct ChaosOutcome {
    std::vector<std::string> plan;
    uint64_t acked_writes = 0, reads = 0, stale = 0, lost = 0;
    uint64_t serves_checked = 0, loads_checked = 0, splits = 0, moves = 0, merges = 0;
    std::vector<std::string> first_stale;
    // After the read-back: every range of the leader's map, its server and whether that
    // server serves it (the reproduction prints it).
    std::vector<std::string> final_map;
};

inline std::string chaos_key(uint64_t i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "k%03llu", static_cast<unsigned long long>(i));
    return buf;
}

// Runs one seed; a broken invariant throws sim::InvariantViolation.
inline ChaosOutcome run_partition_chaos(const ChaosConfig& cc) {
    ChaosOutcome out;
    PartitionObserver observer;
    PartitionLayerOptions o;
    o.config = cc.config;
    o.config.lease = sim::Duration::seconds(3);
    o.config.balance_interval = sim::Duration::seconds(2);
    o.config.split_load = 30;
    o.config.merge_load = 5;
    o.config.low_watermark_per_server = 1;
    o.observer = &observer;
    o.initial_boundaries = {encode_key("acct", "c", chaos_key(static_cast<uint64_t>(cc.keys / 2)))};
    Rig rig(cc.seed, o);
    History h;
    sim::Simulation& sim = rig.sim;

    ClientScript script;
    script.window = 1 << 20;
    script.max_attempts = 60;
    script.arrival_rate = cc.rate;
    uint64_t next_value = 1;
    script.arrival = [&](sim::Rng& rng) {
        Op op;
        op.account = "acct";
        op.container = "c";
        op.blob = chaos_key(rng.below(static_cast<uint64_t>(cc.keys)));
        const std::string key = encode_key(op.account, op.container, op.blob);
        const uint64_t u = rng.below(100);
        if (u < 45) {
            op.op = BlobOp::kPut;
            op.size_bytes = 1024 + static_cast<int64_t>(rng.below(64 << 10));
            op.fingerprint = next_value++;
            const size_t i = h.invoke(key, op.fingerprint, sim.now());
            op.done = [&h, key, i](const OpResult& r) { h.complete(key, i, r.done_at, r.status == BlobStatus::kOk); };
        } else if (u < 55) {
            op.op = BlobOp::kDelete;
            // Not found is a successful delete of an absent key: no change, as is a write
            // of "absent" then.
            const size_t i = h.invoke(key, 0, sim.now());
            op.done = [&h, key, i](const OpResult& r) {
                h.complete(key, i, r.done_at, r.status == BlobStatus::kOk || r.status == BlobStatus::kNotFound);
            };
        } else {
            op.op = BlobOp::kGet;
            op.done = [&h, key](const OpResult& r) {
                if (r.status == BlobStatus::kOk) h.read(key, r.entry.fingerprint, r.started_at, r.done_at);
                if (r.status == BlobStatus::kNotFound) h.read(key, 0, r.started_at, r.done_at);
            };
        }
        return op;
    };
    rig.client(script);

    // The fault schedule.
    sim::Rng rng = sim.fork_rng("test/partition-chaos");
    const auto& topo = sim.topology();
    const auto& stamp = topo.stamp(0);
    std::vector<sim::NodeId> ps_nodes;
    for (const auto& a : rig.layer->servers()) ps_nodes.push_back(a.node);
    sim::Time t = sim::Time::zero() + cc.start;
    const sim::Time end = sim::Time::zero() + cc.end;
    const char* names[] = {"crash", "rack_power", "rack_partition", "slow_disk", "pause"};
    while (cc.faults && t < end) {
        const int kind = static_cast<int>(rng.below(5));
        const sim::NodeId node =
            rng.below(2) == 0 ? ps_nodes[rng.below(ps_nodes.size())] : stamp.nodes[rng.below(stamp.nodes.size())];
        const int rack = topo.node(node).rack;
        const sim::Duration length = sim::Duration::millis(static_cast<int64_t>(500 + rng.below(4500)));
        const sim::Time heal = t + length;
        out.plan.push_back(std::string(names[kind]) + " at " + t.to_string() + " for " + length.to_string() + " node " +
                           topo.node(node).name + " rack " + std::to_string(rack));
        switch (kind) {
            case 0:
                sim.schedule(t, [&sim, node] { sim.crash(node); });
                sim.schedule(heal, [&sim, node] { sim.restart(node); });
                break;
            case 1:
                sim.schedule(t, [&sim, &topo, rack] {
                    for (sim::NodeId n : topo.rack(rack).nodes) sim.power_off(n);
                });
                sim.schedule(heal, [&sim, &topo, rack] {
                    for (sim::NodeId n : topo.rack(rack).nodes) sim.power_on(n);
                });
                break;
            case 2: {
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
            case 3:
                sim.schedule(t, [&sim, node] { sim.disk(node).set_slow_factor(20.0); });
                sim.schedule(heal, [&sim, node] { sim.disk(node).set_slow_factor(1.0); });
                break;
            default:
                sim.schedule(t, [&sim, node] { sim.pause(node); });
                sim.schedule(heal, [&sim, node] { sim.resume(node); });
                break;
        }
        t = heal + cc.gap;
    }
    if (cc.plan_out != nullptr) *cc.plan_out = out.plan;
    sim.run_until(end);
    script.arrival_rate = 0;  // stop the load
    sim.run_until(t + cc.drain);  // the last fault healed, repairs and reloads done

    // Read every key back: durability of every acknowledged write.
    const uint64_t reads_before = h.reads;
    for (int k = 0; k < cc.keys; ++k) {
        Op op;
        op.op = BlobOp::kGet;
        op.account = "acct";
        op.container = "c";
        op.blob = chaos_key(static_cast<uint64_t>(k));
        const std::string key = encode_key(op.account, op.container, op.blob);
        op.done = [&h, &out, key](const OpResult& r) {
            const uint64_t stale_before = h.stale;
            if (r.status == BlobStatus::kOk) h.read(key, r.entry.fingerprint, r.started_at, r.done_at);
            if (r.status == BlobStatus::kNotFound) h.read(key, 0, r.started_at, r.done_at);
            if (r.status != BlobStatus::kOk && r.status != BlobStatus::kNotFound) ++out.lost;  // unreadable
            if (h.stale != stale_before) ++out.lost;
        };
        script.queue.push_back(op);
    }
    const uint64_t want = script.completed + static_cast<uint64_t>(cc.keys);
    rig.run_until([&] { return script.completed >= want; }, sim::Duration::seconds(60));
    if (h.reads - reads_before + out.lost < static_cast<uint64_t>(cc.keys)) out.lost += 1;  // reads never finished

    out.acked_writes = h.acked_writes;
    out.reads = h.reads;
    out.stale = h.stale;
    out.first_stale = h.first_stale;
    out.serves_checked = observer.serves();
    out.loads_checked = observer.loads_checked();
    if (const PartitionManager* m = rig.layer->leader()) {
        for (const RangeInfo& r : m->state().map().ranges()) {
            const PartitionServer* ps = r.server.valid() ? rig.layer->server(r.server.value) : nullptr;
            std::string line = "range " + std::to_string(r.id.value) + " " + to_string(r.range) + " server ";
            line.append(std::to_string(r.server.value)).append(" epoch ").append(std::to_string(r.epoch));
            line.append(ps == nullptr ? " (down)" : " " + std::string(ps->slot_state(r.id)));
            auto lk = rig.leases.locks.find(range_lock_name(r.id.value));
            if (lk != rig.leases.locks.end()) {
                line.append("; lease holder ").append(std::to_string(lk->second.holder)).append(" token ");
                line.append(std::to_string(lk->second.token)).append(" until ").append(lk->second.expiry.to_string());
            }
            out.final_map.push_back(line);
        }
        out.splits = m->state().data().splits;
        out.moves = m->state().data().moves;
        out.merges = m->state().data().merges;
    }
    return out;
}

}  // namespace partition_test
