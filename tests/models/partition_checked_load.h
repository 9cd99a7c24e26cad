// tests/models/partition_checked_load.h: a checked open-loop load for the partition
// failover and lease tests, and a probe that talks to one partition server directly.
//
// CheckedLoad makes the harness front-end issue puts, gets and deletes over a small key
// space of one account at Poisson times and records every operation in a History
// (partition_chaos.h), so any stale read or lost acknowledged write is counted, whatever
// the fault. Keys are drawn from a window [first, first + span) that a test may move (a
// hot spot) while the load runs. read_back() reads every key of the key space once.
//
// ServerProbe sends blob requests to one fixed partition server address, bypassing the
// partition map (as a front-end with a stale map would), and records each reply: the
// tests use it to see what a server that lost its lease (cut off, or paused and resumed)
// answers for keys it no longer owns.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "tests/models/partition_chaos.h"
#include "tests/models/partition_harness.h"

namespace partition_test {

// Blob names "k000", "k001", ... (chaos_key's names, with room for any index).
inline std::string load_blob(uint64_t i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "k%03llu", static_cast<unsigned long long>(i));
    return buf;
}

struct CheckedLoad {
    History history;
    std::string account = "acct";
    std::string container = "c";
    uint64_t keys = 120;  // the key space: load_blob(0 .. keys - 1)
    // Keys are drawn uniformly from [first, first + span).
    uint64_t first = 0;
    uint64_t span = 120;
    int put_percent = 45;
    int delete_percent = 10;  // the rest are gets
    uint64_t next_value = 1;
    // Outcomes by completion time (for "served during ..." counts).
    struct Outcome {
        sim::Time done;
        BlobOp op;
        BlobStatus status;
    };
    std::vector<Outcome> outcomes;

    std::string key_of(uint64_t i) const { return encode_key(account, container, load_blob(i)); }
    // Operations completed with kOk or kNotFound in [from, to).
    uint64_t served_between(sim::Time from, sim::Time to) const {
        uint64_t n = 0;
        for (const Outcome& o : outcomes) {
            const bool served = o.status == BlobStatus::kOk || o.status == BlobStatus::kNotFound;
            n += served && o.done >= from && o.done < to ? 1 : 0;
        }
        return n;
    }
};

// Installs `load` as the open-loop arrival process of `script` at `rate` ops/s.
// REQUIRES: load and sim outlive the script's front-end.
inline void attach_checked_load(ClientScript& script, CheckedLoad& load, sim::Simulation& sim,
                                double rate) {
    script.window = 1 << 20;
    script.max_attempts = 60;
    script.arrival_rate = rate;
    script.arrival = [&load, &sim](sim::Rng& rng) {
        Op op;
        op.account = load.account;
        op.container = load.container;
        op.blob = load_blob(load.first + rng.below(load.span));
        const std::string key = encode_key(op.account, op.container, op.blob);
        const uint64_t u = rng.below(100);
        History& h = load.history;
        if (u < static_cast<uint64_t>(load.put_percent)) {
            op.op = BlobOp::kPut;
            op.size_bytes = 1024 + static_cast<int64_t>(rng.below(16 << 10));
            op.fingerprint = load.next_value++;
            const size_t i = h.invoke(key, op.fingerprint, sim.now());
            op.done = [&load, key, i](const OpResult& r) {
                load.history.complete(key, i, r.done_at, r.status == BlobStatus::kOk);
                load.outcomes.push_back({r.done_at, BlobOp::kPut, r.status});
            };
        } else if (u < static_cast<uint64_t>(load.put_percent + load.delete_percent)) {
            op.op = BlobOp::kDelete;
            const size_t i = h.invoke(key, 0, sim.now());
            op.done = [&load, key, i](const OpResult& r) {
                const bool ok = r.status == BlobStatus::kOk || r.status == BlobStatus::kNotFound;
                load.history.complete(key, i, r.done_at, ok);
                load.outcomes.push_back({r.done_at, BlobOp::kDelete, r.status});
            };
        } else {
            op.op = BlobOp::kGet;
            op.done = [&load, key](const OpResult& r) {
                if (r.status == BlobStatus::kOk)
                    load.history.read(key, r.entry.fingerprint, r.started_at, r.done_at);
                if (r.status == BlobStatus::kNotFound)
                    load.history.read(key, 0, r.started_at, r.done_at);
                load.outcomes.push_back({r.done_at, BlobOp::kGet, r.status});
            };
        }
        return op;
    };
}

struct ReadBack {
    uint64_t keys = 0;
    uint64_t stale = 0;       // a value older than the latest acknowledged write (or unknown)
    uint64_t unreadable = 0;  // no kOk / kNotFound answer
    bool finished = false;
};

// Stops the arrivals, lets in-flight operations finish (`drain`), then reads every key of
// the key space through the front-end and checks each answer against the history.
inline ReadBack read_back(Rig& rig, ClientScript& script, CheckedLoad& load,
                          sim::Duration drain = sim::Duration::seconds(10)) {
    script.arrival_rate = 0;
    rig.run_for(drain);
    ReadBack out;
    out.keys = load.keys;
    const uint64_t stale_before = load.history.stale;
    for (uint64_t k = 0; k < load.keys; ++k) {
        Op op;
        op.op = BlobOp::kGet;
        op.account = load.account;
        op.container = load.container;
        op.blob = load_blob(k);
        const std::string key = load.key_of(k);
        op.done = [&load, &out, key](const OpResult& r) {
            if (r.status == BlobStatus::kOk)
                load.history.read(key, r.entry.fingerprint, r.started_at, r.done_at);
            if (r.status == BlobStatus::kNotFound)
                load.history.read(key, 0, r.started_at, r.done_at);
            if (r.status != BlobStatus::kOk && r.status != BlobStatus::kNotFound) ++out.unreadable;
        };
        script.queue.push_back(op);
    }
    const uint64_t want = script.completed + load.keys;
    out.finished =
        rig.run_until([&] { return script.completed >= want; }, sim::Duration::seconds(60));
    out.stale = load.history.stale - stale_before;
    return out;
}

// Sends one blob request every `period` to a fixed partition server while `active`,
// cycling through `ops`; every reply is recorded.
class ServerProbe final : public sim::Actor {
  public:
    struct Request {
        BlobOp op = BlobOp::kGet;
        std::string account, container, blob;
        uint64_t fingerprint = 0;  // put
    };
    struct Reply {
        Request request;
        sim::Time sent, received;
        BlobStatus status = BlobStatus::kOk;
        IndexEntry entry;
    };
    struct Script {
        sim::Address target;
        std::vector<Request> ops;
        sim::Duration period = sim::Duration::millis(50);
        bool active = false;
        std::vector<Reply> replies;
        uint64_t sent = 0;
    };

    ServerProbe(sim::Context& ctx, Script& script) : Actor(ctx), s_(script) {}
    void on_start() override { ctx().set_timer(s_.period, kTick); }
    void on_timer(uint64_t) override {
        if (s_.active && !s_.ops.empty()) {
            const Request& r = s_.ops[s_.sent % s_.ops.size()];
            auto q = ctx().make<BlobRequest>();
            q->request_id = ++s_.sent;
            q->op = r.op;
            q->account = r.account;
            q->container = r.container;
            q->blob = r.blob;
            q->blob_size_bytes = r.op == BlobOp::kPut ? 4096 : 0;
            q->fingerprint = r.fingerprint;
            q->map_version = 0;
            sent_at_.push_back(ctx().true_now());
            ctx().send(s_.target, std::move(q));
        }
        ctx().set_timer(s_.period, kTick);
    }
    void on_message(sim::MessagePtr m) override {
        if (!m->is<BlobReply>()) return;
        const BlobReply& r = m->as<BlobReply>();
        if (r.request_id == 0 || r.request_id > sent_at_.size()) return;
        Reply out;
        out.request = s_.ops[(r.request_id - 1) % s_.ops.size()];
        out.sent = sent_at_[r.request_id - 1];
        out.received = ctx().true_now();
        out.status = r.status;
        out.entry = r.entry;
        s_.replies.push_back(std::move(out));
    }

  private:
    static constexpr uint64_t kTick = 1;
    Script& s_;
    std::vector<sim::Time> sent_at_;
};

inline void add_probe(Rig& rig, ServerProbe::Script& script, sim::Port port) {
    rig.sim.add_service(rig.client_node, port, [&script](sim::Context& ctx) {
        return std::make_unique<ServerProbe>(ctx, script);
    });
}

// True when every range of `ranges` (by id) is served now by the server the leader's map
// names for it.
inline bool all_served(Rig& rig, const std::vector<RangeInfo>& ranges) {
    PartitionManager* l = rig.layer->leader();
    if (l == nullptr) return false;
    for (const RangeInfo& r : ranges) {
        const RangeInfo* now = l->state().map().find(r.id);
        if (now == nullptr || !now->server.valid()) return false;
        PartitionServer* s = rig.layer->server(now->server.value);
        if (s == nullptr || !s->serving(r.id)) return false;
    }
    return true;
}

// The nodes of the lock service replicas the harness Rig places when lock_service is set.
inline std::vector<sim::NodeId> rig_lock_nodes(const Rig& rig) {
    return rig.sim.topology().place_role(0, 3, 4, "lock").nodes;
}

// The first partition server whose node hosts no partition manager (and none of `also`).
inline int server_away_from_managers(Rig& rig, const std::vector<sim::NodeId>& also = {}) {
    for (size_t i = 0; i < rig.layer->servers().size(); ++i) {
        const sim::NodeId n = rig.layer->servers()[i].node;
        bool shared = false;
        for (const auto& m : rig.layer->managers()) shared = shared || m.node == n;
        for (sim::NodeId a : also) shared = shared || a == n;
        if (!shared) return static_cast<int>(i);
    }
    return -1;
}

}  // namespace partition_test
