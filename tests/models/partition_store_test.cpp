// A range partition's persistent state on the real stream layer: updates acknowledged
// only after the commit-log append, checkpoints, and recovery (load) by another owner
// from the metadata stream, the checkpoint and the commit log. Also measures load time
// against the length of the log since the last checkpoint.
#include <doctest/doctest.h>

#include <cstdio>
#include <map>
#include <set>
#include <memory>

#include "models/partition/range_store.h"
#include "models/ports.h"
#include "models/stream/deploy.h"
#include "sim/simulation.h"

using namespace models::partition;
namespace stream = models::stream;

TEST_SUITE_BEGIN("partition");

namespace {

constexpr sim::Port kHostPort = models::ports::kPartitionFirst + 9;  // test host

std::string key_of(int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "b%05d", i);
    return encode_key("acct", "c0", buf);
}

struct Script {
    RangeMeta meta;
    KeyRange range{"", ""};
    RangeStoreOptions options;
    uint64_t token = 1;
    int updates = 0;        // updates to issue after loading
    int keys = 100;
    int window = 8;
    bool checkpoint_after = false;
    // Results.
    bool loaded = false;
    bool done = false;
    int acked = 0;
    int failed = 0;
    std::map<std::string, IndexEntry> model;  // latest acknowledged state per key
    LoadStats stats;
    const RangeStore* store = nullptr;
};

class StoreHost final : public sim::Actor {
public:
    StoreHost(sim::Context& ctx, stream::StreamClientOptions copts, Script& s)
        : Actor(ctx), client_(ctx, std::move(copts)), s_(s) {}
    void on_start() override {
        store_ = std::make_unique<RangeStore>(ctx(), client_, RangeId{1}, s_.range, s_.meta, s_.token, s_.options);
        s_.store = store_.get();
        store_->load([this](bool ok) {
            REQUIRE(ok);
            s_.loaded = true;
            s_.stats = store_->load_stats();
            for (int i = 0; i < s_.window; ++i) next();
        });
    }
    void on_message(sim::MessagePtr m) override { client_.handle_message(m); }
    void on_timer(uint64_t tag) override {
        if (stream::StreamClient::owns_tag(tag)) client_.handle_timer(tag);
    }

private:
    void next() {
        if (issued_ >= s_.updates) {
            if (!s_.done && s_.acked + s_.failed == s_.updates) {
                s_.done = true;
                if (s_.checkpoint_after) store_->checkpoint_now();
            }
            return;
        }
        const int n = issued_++;
        const std::string key = key_of(static_cast<int>(ctx().rng().below(static_cast<uint64_t>(s_.keys))));
        auto cb = [this, key](StoreStatus st, const IndexEntry& e) {
            if (st == StoreStatus::kOk) {
                ++s_.acked;
                // Concurrent updates of one key take effect in version order.
                auto& slot = s_.model[key];
                if (e.version > slot.version) slot = e;
                // The acknowledged write is visible at once.
                auto seen = store_->partition().lookup(key);
                REQUIRE(seen.has_value());
                CHECK(seen->version >= e.version);
            } else {
                ++s_.failed;
            }
            next();
        };
        if (n % 7 == 6) {
            store_->remove(key, cb);
        } else {
            const int64_t size = (n % 5 == 0) ? (int64_t{1} << 20) : 4096;  // some large blobs
            store_->put(key, size, ctx().rng().next_u64() | 1, cb);
        }
    }
    stream::StreamClient client_;
    Script& s_;
    std::unique_ptr<RangeStore> store_;
    int issued_ = 0;
};

struct Rig {
    sim::Simulation sim;
    stream::StreamLayer layer;
    PayloadStore payloads;
    explicit Rig(uint64_t seed)
        : sim(spec(), config(seed)), layer(sim, layer_options()) {}
    static sim::TopologySpec spec() {
        sim::TopologySpec t;
        t.regions.push_back(sim::RegionSpec{"r", {sim::StampSpec{"s", 6, 4, 3, {}, 5}}});
        return t;
    }
    static sim::SimulationConfig config(uint64_t seed) {
        sim::SimulationConfig c;
        c.seed = seed;
        return c;
    }
    static stream::StreamLayerOptions layer_options() {
        stream::StreamLayerOptions o;
        o.config.extent_seal_size_bytes = int64_t{64} << 20;
        return o;
    }
    RangeMeta meta() const {
        RangeMeta m;
        m.own_prefix = "rp/1";
        m.meta_streams = {own_meta_stream(RangeId{1})};
        return m;
    }
    void host(int node, Script& s) {
        const sim::NodeId n = sim.topology().stamp(0).nodes[static_cast<size_t>(node)];
        sim.add_service(n, kHostPort, [this, &s](sim::Context& ctx) {
            return std::make_unique<StoreHost>(ctx, layer.client_options(), s);
        });
    }
    void run_for(sim::Duration d) { sim.run_until(sim.now() + d); }
};

void check_recovered(const Script& writer, const Script& loader) {
    REQUIRE(loader.loaded);
    for (const auto& [key, e] : writer.model) {
        auto got = loader.store->partition().lookup(key);
        if (e.deleted) {
            CHECK((!got.has_value() || got->deleted));
        } else {
            REQUIRE(got.has_value());
            CHECK(got->version == e.version);
            CHECK(got->fingerprint == e.fingerprint);
            CHECK(got->size_bytes == e.size_bytes);
        }
    }
}

}  // namespace

TEST_CASE("partition range store: acknowledged updates survive a move to another owner") {
    Rig rig(3);
    Script w;
    w.meta = rig.meta();
    w.options.payloads = &rig.payloads;
    w.updates = 600;
    rig.host(1, w);
    rig.run_for(sim::Duration::seconds(30));
    REQUIRE(w.loaded);
    CHECK(w.acked + w.failed == 600);
    CHECK(w.acked > 550);
    // Another partition server loads the range (higher fencing token): replays the log.
    const sim::NodeId old_node = rig.sim.topology().stamp(0).nodes[1];
    rig.sim.crash(old_node);
    Script r;
    r.meta = rig.meta();
    r.options.payloads = &rig.payloads;
    r.token = 2;
    rig.host(9, r);
    rig.run_for(sim::Duration::seconds(30));
    check_recovered(w, r);
    CHECK(r.stats.log_records_replayed >= static_cast<uint64_t>(w.acked));
    CHECK(r.store->partition().live_count() ==
          static_cast<size_t>(std::count_if(w.model.begin(), w.model.end(), [](auto& kv) { return !kv.second.deleted; })));
}

TEST_CASE("partition range store: a checkpoint trims what the next load replays") {
    Rig rig(4);
    Script w;
    w.meta = rig.meta();
    w.options.payloads = &rig.payloads;
    w.updates = 400;
    w.checkpoint_after = true;
    rig.host(1, w);
    rig.run_for(sim::Duration::seconds(30));
    REQUIRE(w.done);
    CHECK(w.store->checkpoints_written() >= 2);  // at load, and after the updates
    rig.sim.crash(rig.sim.topology().stamp(0).nodes[1]);
    Script r;
    r.meta = rig.meta();
    r.options.payloads = &rig.payloads;
    r.token = 2;
    rig.host(9, r);
    rig.run_for(sim::Duration::seconds(30));
    check_recovered(w, r);
    CHECK(r.stats.log_records_replayed == 0);
}

TEST_CASE("partition range store: checkpoints taken while writes go on lose nothing") {
    // Regression (power-domain-outage, seed 11): a large blob's data append completing
    // between a checkpoint's start and its switch record froze the memory table early, so
    // the checkpoint record named the old log as the only one, and every update written to
    // the next log was missing after the next load.
    Rig rig(7);
    Script w;
    w.meta = rig.meta();
    w.options.payloads = &rig.payloads;
    w.options.config.checkpoint_log_size_bytes = int64_t{256} << 10;  // a checkpoint every few updates
    w.updates = 1500;
    w.keys = 400;
    w.window = 16;
    rig.host(1, w);
    rig.run_for(sim::Duration::seconds(60));
    REQUIRE(w.done);
    CHECK(w.store->checkpoints_written() >= 10);
    rig.sim.crash(rig.sim.topology().stamp(0).nodes[1]);
    Script r;
    r.meta = rig.meta();
    r.options.payloads = &rig.payloads;
    r.token = 2;
    rig.host(9, r);
    rig.run_for(sim::Duration::seconds(30));
    check_recovered(w, r);
}

TEST_CASE("partition range store: load time grows with the log since the last checkpoint") {
    std::vector<std::pair<int, double>> figures;
    for (int updates : {0, 250, 1000, 4000}) {
        Rig rig(5);
        Script w;
        w.meta = rig.meta();
        w.options.payloads = &rig.payloads;
        w.options.config.checkpoint_log_size_bytes = int64_t{1} << 40;  // never
        w.options.config.small_blob_bytes = 0;                          // log records only
        w.updates = updates;
        w.window = 32;
        rig.host(1, w);
        rig.run_for(sim::Duration::seconds(120));
        REQUIRE(w.acked + w.failed == updates);
        rig.sim.crash(rig.sim.topology().stamp(0).nodes[1]);
        Script r;
        r.meta = rig.meta();
        r.options.payloads = &rig.payloads;
        r.token = 2;
        rig.host(9, r);
        rig.run_for(sim::Duration::seconds(60));
        check_recovered(w, r);
        const double ms = (r.stats.ready - r.stats.started).to_millis();
        figures.emplace_back(updates, ms);
        MESSAGE("recovery: " << updates << " log records since checkpoint -> load " << ms << " ms ("
                             << r.stats.log_bytes_replayed << " log bytes)");
    }
    CHECK(figures.back().second > figures.front().second);
}

TEST_SUITE_END();

namespace {

// Puts one key in order, one at a time, each with the given op id; records what each got.
struct OpScript {
    RangeMeta meta;
    RangeStoreOptions options;
    uint64_t token = 1;
    std::vector<uint64_t> ops;  // op ids of the puts, in order
    std::set<size_t> deletes;   // these updates are deletes instead
    size_t checkpoint_before = SIZE_MAX;  // checkpoint before this update (then go on)
    bool checkpoint_after = false;
    // Results.
    std::vector<uint64_t> versions;  // version each put was answered with (0: not kOk)
    std::vector<StoreStatus> statuses;
    bool done = false;
    const RangeStore* store = nullptr;
};

class OpHost final : public sim::Actor {
public:
    OpHost(sim::Context& ctx, stream::StreamClientOptions copts, OpScript& s)
        : Actor(ctx), client_(ctx, std::move(copts)), s_(s) {}
    void on_start() override {
        store_ = std::make_unique<RangeStore>(ctx(), client_, RangeId{1}, KeyRange{"", ""}, s_.meta, s_.token,
                                              s_.options);
        s_.store = store_.get();
        store_->load([this](bool ok) {
            REQUIRE(ok);
            next();
        });
    }
    void on_message(sim::MessagePtr m) override { client_.handle_message(m); }
    void on_timer(uint64_t tag) override {
        if (stream::StreamClient::owns_tag(tag)) client_.handle_timer(tag);
    }

private:
    void next() {
        if (s_.versions.size() == s_.ops.size()) {
            if (s_.checkpoint_after) store_->checkpoint_now();
            s_.done = true;
            return;
        }
        const size_t i = s_.versions.size();
        if (i == s_.checkpoint_before && !checkpointed_) {
            checkpointed_ = true;
            store_->flush_checkpoint([this](bool ok) {
                REQUIRE(ok);
                next();
            });
            return;
        }
        const uint64_t op = s_.ops[i];
        auto cb = [this](StoreStatus st, const IndexEntry& e) {
            s_.versions.push_back(st == StoreStatus::kOk ? e.version : 0);
            s_.statuses.push_back(st);
            next();
        };
        if (s_.deletes.count(i) != 0) {
            store_->remove(key_of(7), cb, op);
        } else {
            store_->put(key_of(7), 4096, op * 31 + 1, cb, op);
        }
    }
    stream::StreamClient client_;
    OpScript& s_;
    std::unique_ptr<RangeStore> store_;
    bool checkpointed_ = false;
};

}  // namespace

TEST_CASE("partition range store: a late retry of a hot key's update is answered, not applied again") {
    // Regression (chaos-small seed 29): a put retried for 17 s on a hot blob outlived the 4
    // op ids its row keeps and was applied again after 5 newer writes. Op ids that fall out
    // of the row are remembered for the idempotency window, across a checkpoint and a move.
    for (const bool checkpoint : {false, true}) {
        CAPTURE(checkpoint);
        Rig rig(11);
        OpScript w;
        w.meta = rig.meta();
        w.options.payloads = &rig.payloads;
        w.ops = {1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1001, 1002};
        w.checkpoint_after = checkpoint;
        rig.sim.add_service(rig.sim.topology().stamp(0).nodes[1], kHostPort, [&](sim::Context& ctx) {
            return std::make_unique<OpHost>(ctx, rig.layer.client_options(), w);
        });
        rig.run_for(sim::Duration::seconds(20));
        REQUIRE(w.done);
        REQUIRE(w.versions.size() == 10);
        for (uint64_t v : w.versions) REQUIRE(v != 0);
        // The two retries are answered with the newest row (version of put 8), not applied.
        CHECK(w.versions[8] == w.versions[7]);
        CHECK(w.versions[9] == w.versions[7]);
        CHECK(w.store->duplicates_answered() == 2);
        CHECK(w.store->retired_ops() == 4);  // 1001..1004 fell out of the row

        // The next owner (from the log, or from the checkpoint) still knows them, and a
        // retry after the window is a new update.
        rig.sim.crash(rig.sim.topology().stamp(0).nodes[1]);
        OpScript r;
        r.meta = rig.meta();
        r.options.payloads = &rig.payloads;
        r.options.config.idempotency_window = sim::Duration::seconds(300);
        r.token = 2;
        r.ops = {1003, 1004};
        rig.sim.add_service(rig.sim.topology().stamp(0).nodes[9], kHostPort, [&](sim::Context& ctx) {
            return std::make_unique<OpHost>(ctx, rig.layer.client_options(), r);
        });
        rig.run_for(sim::Duration::seconds(20));
        REQUIRE(r.done);
        CHECK(r.versions == std::vector<uint64_t>{w.versions[7], w.versions[7]});
        CHECK(r.store->duplicates_answered() == 2);

        rig.run_for(sim::Duration::seconds(400));  // past the window
        rig.sim.crash(rig.sim.topology().stamp(0).nodes[9]);
        OpScript late;
        late.meta = rig.meta();
        late.options.payloads = &rig.payloads;
        late.token = 3;
        late.ops = {1001};
        rig.sim.add_service(rig.sim.topology().stamp(0).nodes[10], kHostPort, [&](sim::Context& ctx) {
            return std::make_unique<OpHost>(ctx, rig.layer.client_options(), late);
        });
        rig.run_for(sim::Duration::seconds(20));
        REQUIRE(late.done);
        REQUIRE(late.versions.size() == 1);
        CHECK(late.versions[0] > w.versions[7]);
        CHECK(late.store->duplicates_answered() == 0);
    }
}

TEST_CASE("partition range store: a delayed copy of an answered update changes nothing") {
    // Regressions (chaos-bug-hunt seed 161): an attempt held up in a paused front-end
    // reached the partition server after its retry had been answered. (1) A delete that
    // found nothing, then a put: the late copy of the delete must not remove the put.
    // (2) A put, then a delete whose tombstone a checkpoint dropped: the late copy of the
    // put must not bring the blob back.
    Rig rig(12);
    OpScript w;
    w.meta = rig.meta();
    w.options.payloads = &rig.payloads;
    w.ops = {2001, 2002, 2001, 3001, 3002, 3001};
    w.deletes = {0, 2, 4};
    w.checkpoint_before = 5;
    rig.sim.add_service(rig.sim.topology().stamp(0).nodes[1], kHostPort, [&](sim::Context& ctx) {
        return std::make_unique<OpHost>(ctx, rig.layer.client_options(), w);
    });
    rig.run_for(sim::Duration::seconds(20));
    REQUIRE(w.done);
    REQUIRE(w.statuses.size() == 6);
    CHECK(w.statuses[0] == StoreStatus::kNotFound);
    CHECK(w.statuses[1] == StoreStatus::kOk);
    CHECK(w.statuses[2] == StoreStatus::kOk);   // answered as the duplicate it is
    CHECK(w.versions[2] == w.versions[1]);      // ... with the put's row: nothing deleted
    CHECK(w.statuses[3] == StoreStatus::kOk);   // put 3001 over put 2002
    CHECK(w.statuses[4] == StoreStatus::kOk);   // delete 3002
    CHECK(w.statuses[5] == StoreStatus::kOk);   // the late put 3001: answered, not applied
    CHECK(w.store->duplicates_answered() == 2);
    CHECK_FALSE(w.store->partition().get(key_of(7)).has_value());
    CHECK(w.store->checkpoints_written() >= 2);

    // The next owner replays the log (and the checkpoint's retired op ids): the late
    // copies still change nothing there.
    rig.sim.crash(rig.sim.topology().stamp(0).nodes[1]);
    OpScript r;
    r.meta = rig.meta();
    r.options.payloads = &rig.payloads;
    r.token = 2;
    r.ops = {2001, 3001};
    r.deletes = {0};
    rig.sim.add_service(rig.sim.topology().stamp(0).nodes[9], kHostPort, [&](sim::Context& ctx) {
        return std::make_unique<OpHost>(ctx, rig.layer.client_options(), r);
    });
    rig.run_for(sim::Duration::seconds(20));
    REQUIRE(r.done);
    CHECK(r.store->duplicates_answered() == 2);
    CHECK_FALSE(r.store->partition().get(key_of(7)).has_value());
}
