// tests/models/partition_harness.h: a stamp running the stream layer and the partition
// layer, a test lease service and a scripted front-end client.
//
// TableLeases is a test double of the lock service (models/lock): one LeaseTable owned
// by the test stands for the replicated lock state. It keeps the lock service's
// contract (lease.h): at most one holder, tokens increasing per grant, a holder renews
// every lease/3 from its own timers and believes the lease only until its expiry, so a
// crashed holder (timers void) loses it after `lease`. Grants and renewals arrive after
// a small delay, as a round trip to the lock service would. A retired lock is held by
// no one, for ever. Renewals need no network here, so a holder cut off by a network
// partition keeps its leases (the real lock service's client would lose them): faults
// that isolate a server leave its ranges unavailable until they heal, never unsafe.
#pragma once

#include <algorithm>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/lock/lock_service.h"
#include "models/partition/deploy.h"
#include "models/partition/lock_leases.h"
#include "models/partition/messages.h"
#include "models/ports.h"
#include "models/stream/deploy.h"
#include "sim/simulation.h"

namespace partition_test {

using namespace models::partition;
namespace stream = models::stream;

struct LeaseTable {
    struct Entry {
        uint64_t holder = 0;
        uint64_t token = 0;
        sim::Time expiry;  // true time
    };
    std::map<std::string, Entry> locks;
    uint64_t last_token = 0;
    uint64_t next_holder = 1;
    sim::Duration lease = sim::Duration::seconds(10);
    sim::Duration delay = sim::Duration::millis(2);
    uint64_t grants = 0;
};

class TableLeases final : public LeaseHolder {
public:
    TableLeases(sim::Context& ctx, LeaseTable& table) : ctx_(ctx), table_(table), self_(table.next_holder++) {
        ctx_.set_timer(table_.lease / 3, kRenewTag);
    }
    void acquire(const std::string& lock, GrantCallback callback) override {
        const uint64_t id = next_call_++;
        calls_[id] = Call{lock, std::move(callback), {}};
        ctx_.set_timer(table_.delay, kCallTag | id);
    }
    void release(const std::string& lock) override {
        auto it = table_.locks.find(lock);
        if (it != table_.locks.end() && it->second.holder == self_) it->second.holder = 0;
    }
    void retire(const std::string& lock, std::function<void(bool)> done) override {
        const uint64_t id = next_call_++;
        calls_[id] = Call{lock, {}, std::move(done)};
        ctx_.set_timer(table_.delay, kCallTag | id);
    }
    bool holds(const std::string& lock) override {
        auto it = table_.locks.find(lock);
        return it != table_.locks.end() && it->second.holder == self_ && ctx_.true_now() < it->second.expiry;
    }
    uint64_t token(const std::string& lock) const override {
        auto it = table_.locks.find(lock);
        return it != table_.locks.end() && it->second.holder == self_ ? it->second.token : 0;
    }
    bool handle_message(sim::MessagePtr&) override { return false; }
    bool handle_timer(uint64_t tag) override {
        if (tag == kRenewTag) {
            for (auto& [name, e] : table_.locks) {
                if (e.holder == self_ && ctx_.true_now() < e.expiry) e.expiry = ctx_.true_now() + table_.lease;
            }
            ctx_.set_timer(table_.lease / 3, kRenewTag);
            return true;
        }
        if ((tag & kCallTag) == 0) return false;
        auto it = calls_.find(tag & ~kCallTag);
        if (it == calls_.end()) return true;
        Call c = std::move(it->second);
        calls_.erase(it);
        auto& e = table_.locks[c.lock];
        const sim::Time now = ctx_.true_now();
        if (c.retired) {
            // Retire: once free, expired or our own, nobody holds it ever again.
            const bool ok = e.holder == kRetired || e.holder == 0 || e.holder == self_ || now >= e.expiry;
            if (ok && e.holder != kRetired) {
                e.holder = kRetired;
                e.token = ++table_.last_token;
                e.expiry = sim::Time::from_ns(INT64_MAX);
            }
            c.retired(ok);
            return true;
        }
        if (e.holder == kRetired) {
            c.callback(false, 0);
        } else if (e.holder == self_ && now < e.expiry) {
            e.expiry = now + table_.lease;
            c.callback(true, e.token);
        } else if (e.holder == 0 || now >= e.expiry) {
            e.holder = self_;
            e.token = ++table_.last_token;
            e.expiry = now + table_.lease;
            ++table_.grants;
            c.callback(true, e.token);
        } else {
            c.callback(false, 0);
        }
        return true;
    }

private:
    static constexpr uint64_t kRenewTag = 1ull << 58;
    static constexpr uint64_t kCallTag = (1ull << 58) | (1ull << 57);
    static constexpr uint64_t kRetired = ~uint64_t{0};
    struct Call {
        std::string lock;
        GrantCallback callback;
        std::function<void(bool)> retired;  // set: a retire, not an acquire
    };
    sim::Context& ctx_;
    LeaseTable& table_;
    uint64_t self_;
    uint64_t next_call_ = 1;
    std::map<uint64_t, Call> calls_;
};

inline LeaseFactory table_leases(LeaseTable& table) {
    return [&table](sim::Context& ctx, int) -> std::unique_ptr<LeaseHolder> {
        return std::make_unique<TableLeases>(ctx, table);
    };
}

// --- a scripted front-end ----------------------------------------------------------------------

struct OpResult {
    BlobStatus status = BlobStatus::kOk;
    IndexEntry entry;
    std::vector<std::string> listed;  // list: blob names in order, over every page
    int attempts = 0;
    sim::Time started_at;  // when the front-end first sent it
    sim::Time done_at;
};

struct Op {
    BlobOp op = BlobOp::kGet;
    std::string account, container, blob;
    int64_t size_bytes = 0;
    uint64_t fingerprint = 0;
    uint32_t page = 1000;  // list page size
    std::function<void(const OpResult&)> done;
};

struct ClientScript {
    int window = 8;
    // Open-loop load: while set, `arrival` makes an op at Poisson times of `arrival_rate`
    // per second (they join the queue; `window` still bounds what is in flight).
    std::function<Op(sim::Rng&)> arrival;
    double arrival_rate = 0;
    sim::Duration retry = sim::Duration::millis(100);
    int max_attempts = 400;
    std::deque<Op> queue;  // executed with `window` in flight
    uint64_t completed = 0;
    uint64_t retries = 0;
    uint64_t map_fetches = 0;
    uint64_t gave_up = 0;
};

// Routes by the partition map (fetched from the managers), retries kNotMine (after a
// map refresh), kUnavailable, kBusy and timeouts; reports the final outcome of each op.
class FrontEnd final : public sim::Actor {
public:
    FrontEnd(sim::Context& ctx, std::vector<sim::Address> managers, ClientScript& script)
        : Actor(ctx), managers_(std::move(managers)), s_(script) {}
    void on_start() override {
        fetch_map();
        ctx().set_timer(sim::Duration::millis(50), kPumpTag);
        if (s_.arrival && s_.arrival_rate > 0) next_arrival();
    }
    void on_message(sim::MessagePtr m) override {
        if (m->is<MapReply>()) {
            const auto& r = m->as<MapReply>();
            if (!r.leader) return;
            fetching_ = false;
            if (r.version > map_version_ && !r.ranges.empty()) {
                map_version_ = r.version;
                ranges_ = r.ranges;
                servers_ = r.servers;
            }
            return pump();
        }
        if (m->is<BlobReply>()) return on_reply(m->as<BlobReply>());
    }
    void on_timer(uint64_t tag) override {
        if (tag == kArrivalTag) {
            if (!s_.arrival || s_.arrival_rate <= 0) return;  // the load stopped
            s_.queue.push_back(s_.arrival(ctx().rng()));
            pump();
            return next_arrival();
        }
        if (tag == kPumpTag) {
            if (fetching_ || ranges_.empty()) fetch_map();
            pump();
            ctx().set_timer(sim::Duration::millis(50), kPumpTag);
            return;
        }
        if ((tag & kRetryTag) != 0) {
            auto it = active_.find(tag & ~kRetryTag);
            if (it != active_.end()) send(it->first);
            return;
        }
        if ((tag & kTimeoutTag) != 0) {
            const uint64_t id = tag & ~kTimeoutTag & 0xffffffffffull;
            const uint64_t attempt = tag >> 40 & 0xffff;
            auto it = active_.find(id);
            if (it != active_.end() && it->second.attempt_seq == attempt) retry(id, true);
        }
    }
    uint64_t map_version() const { return map_version_; }

private:
    static constexpr uint64_t kPumpTag = 1;
    static constexpr uint64_t kArrivalTag = 2;
    static constexpr uint64_t kRetryTag = 1ull << 62;
    static constexpr uint64_t kTimeoutTag = 1ull << 61;
    struct Active {
        Op op;
        OpResult result;
        std::string marker;
        bool marker_inclusive = false;
        uint64_t attempt_seq = 0;
        uint64_t request_id = 0;
    };

    void next_arrival() {
        const double mean_ns = 1e9 / s_.arrival_rate;
        ctx().set_timer(sim::Duration::nanos(1 + static_cast<int64_t>(ctx().rng().exponential(mean_ns))), kArrivalTag);
    }
    void fetch_map() {
        fetching_ = true;
        ++s_.map_fetches;
        for (const auto& mgr : managers_) {
            auto q = ctx().make<MapRequest>();
            q->request_id = 0;
            ctx().send(mgr, std::move(q));
        }
    }
    void pump() {
        if (ranges_.empty()) return;
        while (static_cast<int>(active_.size()) < s_.window && !s_.queue.empty()) {
            const uint64_t id = next_id_++;
            Active a;
            a.op = std::move(s_.queue.front());
            a.result.started_at = ctx().true_now();
            s_.queue.pop_front();
            active_.emplace(id, std::move(a));
            send(id);
        }
    }
    std::string route_key(const Active& a) const {
        if (a.op.op != BlobOp::kList) return encode_key(a.op.account, a.op.container, a.op.blob);
        const std::string prefix = encode_key(a.op.account, a.op.container, a.op.blob);
        return (!a.marker.empty() && a.marker >= prefix) ? a.marker : prefix;
    }
    void send(uint64_t id) {
        Active& a = active_.at(id);
        const std::string key = route_key(a);
        const RangeInfo* target = nullptr;
        for (const RangeInfo& r : ranges_) {
            if (r.range.contains(key)) target = &r;
        }
        ++a.result.attempts;
        ++a.attempt_seq;
        if (target == nullptr || !target->server.valid()) return retry(id, true);
        auto q = ctx().make<BlobRequest>();
        a.request_id = next_request_++;
        q->request_id = a.request_id;
        q->op = a.op.op;
        q->account = a.op.account;
        q->container = a.op.container;
        q->blob = a.op.blob;
        q->blob_size_bytes = a.op.size_bytes;
        q->fingerprint = a.op.fingerprint;
        q->marker = a.marker;
        q->marker_inclusive = a.marker_inclusive;
        q->max_results = a.op.page;
        q->map_version = map_version_;
        by_request_[a.request_id] = id;
        ctx().send(servers_[static_cast<size_t>(target->server.value)], std::move(q));
        ctx().set_timer(sim::Duration::seconds(2), kTimeoutTag | (a.attempt_seq << 40) | id);
    }
    void retry(uint64_t id, bool refresh) {
        Active& a = active_.at(id);
        ++s_.retries;
        if (a.result.attempts >= s_.max_attempts) {
            ++s_.gave_up;
            a.result.status = BlobStatus::kUnavailable;
            return finish(id);
        }
        ++a.attempt_seq;  // a late reply or timeout of the previous attempt is void
        a.request_id = 0;
        if (refresh) fetch_map();
        ctx().set_timer(s_.retry, kRetryTag | id);
    }
    void on_reply(const BlobReply& r) {
        auto b = by_request_.find(r.request_id);
        if (b == by_request_.end()) return;
        const uint64_t id = b->second;
        by_request_.erase(b);
        auto it = active_.find(id);
        if (it == active_.end() || it->second.request_id != r.request_id) return;
        Active& a = it->second;
        switch (r.status) {
            case BlobStatus::kNotMine:
            case BlobStatus::kUnavailable:
                return retry(id, true);
            case BlobStatus::kBusy:
                return retry(id, false);
            default:
                break;
        }
        a.result.status = r.status;
        a.result.entry = r.entry;
        if (a.op.op == BlobOp::kList && r.status == BlobStatus::kOk) {
            for (const auto& item : r.items) a.result.listed.push_back(item.blob);
            if (!r.next_marker.empty()) {
                a.marker = r.next_marker;
                a.marker_inclusive = r.next_marker_inclusive;
                return send(id);
            }
        }
        finish(id);
    }
    void finish(uint64_t id) {
        auto node = active_.extract(id);
        Active& a = node.mapped();
        a.result.done_at = ctx().true_now();
        ++s_.completed;
        if (a.op.done) a.op.done(a.result);
        pump();
    }

    std::vector<sim::Address> managers_;
    ClientScript& s_;
    uint64_t map_version_ = 0;
    bool fetching_ = false;
    std::vector<RangeInfo> ranges_;
    std::vector<sim::Address> servers_;
    std::map<uint64_t, Active> active_;
    std::map<uint64_t, uint64_t> by_request_;
    uint64_t next_id_ = 1;
    uint64_t next_request_ = 1;
};

struct Rig {
    sim::Simulation sim;
    stream::StreamLayer streams;
    LeaseTable leases;
    std::unique_ptr<PartitionLayer> layer;
    sim::NodeId client_node;

    // lock_service: leases from the real lock service (3 replicas) instead of the table.
    explicit Rig(uint64_t seed, PartitionLayerOptions options = {}, bool lock_service = false)
        : Rig(seed, std::move(options), spec(), lock_service) {}
    Rig(uint64_t seed, PartitionLayerOptions options, sim::TopologySpec topology, bool lock_service = false)
        : sim(std::move(topology), config(seed)), streams(sim, stream_options()) {
        if (options.servers == 0) options.servers = 3;
        if (options.managers == 0) options.managers = 3;
        leases.lease = options.config.lease;
        options.leases = table_leases(leases);
        if (lock_service) {
            models::lock::LockServiceConfig lc;
            lc.lease = options.config.lease;
            const auto nodes = sim.topology().place_role(0, 3, 4, "lock").nodes;
            const auto group = models::lock::deploy_lock_service(sim, nodes, lc, models::consensus::RaftConfig{});
            options.leases = lock_service_leases(group, models::lock::LockClientConfig::from(lc));
        }
        layer = deploy_partition_layer(sim, streams, std::move(options));
        client_node = sim.add_client(0);
    }
    static sim::TopologySpec spec(int racks = 6, int nodes_per_rack = 4, int power_domains = 3) {
        sim::TopologySpec t;
        t.regions.push_back(sim::RegionSpec{"r", {sim::StampSpec{"s", racks, nodes_per_rack, power_domains, {}, 5}}});
        return t;
    }
    static sim::SimulationConfig config(uint64_t seed) {
        sim::SimulationConfig c;
        c.seed = seed;
        return c;
    }
    static stream::StreamLayerOptions stream_options() {
        stream::StreamLayerOptions o;
        o.config.extent_seal_size_bytes = int64_t{64} << 20;
        return o;
    }
    void client(ClientScript& script, sim::Port port = models::ports::kClientFirst) { client(script, port, client_node); }
    void client(ClientScript& script, sim::Port port, sim::NodeId node) {
        sim.add_service(node, port, [this, &script](sim::Context& ctx) {
            return std::make_unique<FrontEnd>(ctx, layer->managers(), script);
        });
    }
    void run_for(sim::Duration d) { sim.run_until(sim.now() + d); }
    // Runs until pred() or the deadline; true if pred() held.
    template <typename Pred>
    bool run_until(Pred pred, sim::Duration limit, sim::Duration step = sim::Duration::millis(100)) {
        const sim::Time end = sim.now() + limit;
        while (sim.now() < end) {
            if (pred()) return true;
            sim.run_until(sim.now() + step);
        }
        return pred();
    }
};

inline std::string blob_name(int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "b%05d", i);
    return buf;
}

// The data set of the end-to-end partition tests: 3 accounts x 2 containers x 50 blobs,
// every tenth blob 1 MiB (through the blob stream), over three range partitions.
inline const char* const kAccounts[] = {"alpha", "kilo", "tango"};
inline constexpr int kContainers = 2;
inline constexpr int kBlobs = 50;

inline uint64_t fp_of(int a, int c, int b) { return 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(1 + a * 10000 + c * 1000 + b); }
inline int64_t size_of(int b) { return b % 10 == 0 ? (int64_t{1} << 20) : 4096; }

inline PartitionLayerOptions three_ranges() {
    PartitionLayerOptions o;
    // kilo/c0 spans two range partitions, so a list crosses a boundary.
    o.initial_boundaries = {encode_key("kilo", "c0", "b00025"), "t"};
    return o;
}

// Puts every blob; returns true when all completed with kOk.
inline bool put_all(Rig& rig, ClientScript& script, int& ok) {
    const uint64_t base = script.completed;
    for (int a = 0; a < 3; ++a) {
        for (int c = 0; c < kContainers; ++c) {
            for (int b = 0; b < kBlobs; ++b) {
                Op op;
                op.op = BlobOp::kPut;
                op.account = kAccounts[a];
                op.container = "c" + std::to_string(c);
                op.blob = blob_name(b);
                op.size_bytes = size_of(b);
                op.fingerprint = fp_of(a, c, b);
                op.done = [&ok](const OpResult& r) { ok += r.status == BlobStatus::kOk ? 1 : 0; };
                script.queue.push_back(op);
            }
        }
    }
    const uint64_t want = base + 3 * kContainers * kBlobs;
    return rig.run_until([&] { return script.completed >= want; }, sim::Duration::seconds(120));
}

}  // namespace partition_test
