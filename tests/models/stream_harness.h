// tests/models/stream_harness.h: a small stamp running the stream layer, writers that
// append and read back through the stream client, and a seeded chaos driver.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/ports.h"
#include "models/stream/deploy.h"
#include "models/stream/extent_store.h"
#include "models/stream/observer.h"
#include "models/stream/stream_client.h"
#include "sim/simulation.h"

namespace stream_test {

using namespace models::stream;

struct WriterStats {
    uint64_t acked = 0;
    uint64_t failed = 0;
    uint64_t reads_ok = 0;
    uint64_t reads_failed = 0;
    int64_t latency_ns_sum = 0;
    StreamId stream;
    bool created = false;
    // Every acknowledged append: location and content fingerprint.
    std::vector<std::pair<Location, uint64_t>> acks;
};

struct WriterOptions {
    std::string stream_name;
    int window = 4;
    int64_t block_bytes = 64 * 1024;
    sim::Duration read_every = sim::Duration::millis(200);
    int64_t max_appends = -1;  // -1: unbounded
};

// Appends blocks with `window` in flight, and reads back a random acknowledged one every
// read_every; a read that succeeds with other content is an invariant violation.
class Writer final : public sim::Actor {
public:
    Writer(sim::Context& ctx, StreamClientOptions copts, WriterOptions wopts, WriterStats& stats)
        : Actor(ctx), client_(ctx, std::move(copts)), opts_(std::move(wopts)), stats_(stats) {}

    void on_start() override {
        client_.create_stream(opts_.stream_name, [this](Status s, StreamId id) {
            if (s != Status::kOk) {
                ctx().set_timer(sim::Duration::millis(200), kRetryCreate);
                return;
            }
            stats_.stream = id;
            stats_.created = true;
            for (int i = 0; i < opts_.window; ++i) next();
        });
        ctx().set_timer(opts_.read_every, kReadTimer);
    }
    void on_message(sim::MessagePtr msg) override {
        if (client_.handle_message(msg)) return;
    }
    void on_timer(uint64_t tag) override {
        if (StreamClient::owns_tag(tag)) return client_.handle_timer(tag);
        if (tag == kRetryCreate) return on_start_again();
        if (tag == kReadTimer) {
            read_one();
            ctx().set_timer(opts_.read_every, kReadTimer);
        }
    }
    StreamClient& client() { return client_; }

private:
    static constexpr uint64_t kRetryCreate = 1;
    static constexpr uint64_t kReadTimer = 2;

    void on_start_again() {
        client_.create_stream(opts_.stream_name, [this](Status s, StreamId id) {
            if (s != Status::kOk) {
                ctx().set_timer(sim::Duration::millis(200), kRetryCreate);
                return;
            }
            stats_.stream = id;
            stats_.created = true;
            for (int i = 0; i < opts_.window; ++i) next();
        });
    }
    void next() {
        if (opts_.max_appends >= 0 && sent_ >= opts_.max_appends) return;
        ++sent_;
        const uint64_t fp = ctx().rng().next_u64();
        const sim::Time start = ctx().true_now();
        client_.append(stats_.stream, BlockData{opts_.block_bytes, fp}, [this, fp, start](Status s, const Location& loc) {
            if (s == Status::kOk) {
                ++stats_.acked;
                stats_.latency_ns_sum += (ctx().true_now() - start).ns();
                stats_.acks.emplace_back(loc, fp);
            } else {
                ++stats_.failed;
            }
            next();
        });
    }
    void read_one() {
        if (stats_.acks.empty()) return;
        const auto [loc, fp] = stats_.acks[ctx().rng().below(stats_.acks.size())];
        client_.read(loc, [this, loc = loc, fp = fp](Status s, const std::vector<Block>& blocks) {
            if (s != Status::kOk) {
                ++stats_.reads_failed;
                return;
            }
            ++stats_.reads_ok;
            SIM_ASSERT(blocks.size() == 1 && blocks[0].offset == loc.offset, "read returned the wrong blocks");
            SIM_ASSERT(blocks[0].fingerprint == fp, "read of acknowledged append at " << loc.offset << " of extent "
                                                                                      << loc.extent.value
                                                                                      << " returned other content");
        });
    }

    StreamClient client_;
    WriterOptions opts_;
    WriterStats& stats_;
    int64_t sent_ = 0;
};

struct WorldOptions {
    uint64_t seed = 1;
    int racks = 6;
    int nodes_per_rack = 4;
    int power_domains = 3;
    int upgrade_domains = 5;
    StreamConfig config = fast_config();
    int writers = 3;
    WriterOptions writer;
    sim::DiskConfig disk;
    sim::NetworkConfig network;
    bool observe = true;

    // Timings shortened so a chaos run of tens of seconds sees failure, seal and repair.
    static StreamConfig fast_config() {
        StreamConfig c;
        c.heartbeat = sim::Duration::millis(250);
        c.node_timeout = sim::Duration::seconds(2);
        c.re_replication_delay = sim::Duration::seconds(1);
        c.scrub_interval = sim::Duration::seconds(5);
        c.append_timeout = sim::Duration::millis(500);
        c.extent_seal_size_bytes = int64_t{16} << 20;
        return c;
    }
};

inline sim::TopologySpec stamp_spec(const WorldOptions& o) {
    sim::TopologySpec spec;
    sim::StampSpec s;
    s.name = "s0";
    s.racks = o.racks;
    s.nodes_per_rack = o.nodes_per_rack;
    s.power_domains = o.power_domains;
    s.upgrade_domains = o.upgrade_domains;
    spec.regions.push_back(sim::RegionSpec{"r0", {s}});
    return spec;
}

inline sim::SimulationConfig sim_config(const WorldOptions& o) {
    sim::SimulationConfig c;
    c.seed = o.seed;
    c.disk = o.disk;
    c.network = o.network;
    return c;
}

struct World {
    explicit World(WorldOptions o)
        : options(std::move(o)),
          sim(stamp_spec(options), sim_config(options)),
          observer(sim, options.config.replicas),
          layer(sim, make_layer_options()) {
        stats.resize(static_cast<size_t>(options.writers));
        for (int i = 0; i < options.writers; ++i) {
            const sim::NodeId c = sim.add_client(0);
            WriterOptions w = options.writer;
            w.stream_name = "stream-" + std::to_string(i);
            WriterStats& st = stats[static_cast<size_t>(i)];
            writer_nodes.push_back(c);
            sim.add_service(c, models::ports::kStreamTestClient, [this, w, &st](sim::Context& ctx) {
                return std::make_unique<Writer>(ctx, layer.client_options(), w, st);
            });
        }
    }
    StreamLayerOptions make_layer_options() {
        StreamLayerOptions lo;
        lo.config = options.config;
        lo.observer = options.observe ? &observer : nullptr;
        return lo;
    }
    Writer& writer(int i) {
        return *dynamic_cast<Writer*>(sim.actor(writer_nodes[static_cast<size_t>(i)], models::ports::kStreamTestClient));
    }
    uint64_t acked() const {
        uint64_t n = 0;
        for (const auto& s : stats) n += s.acked;
        return n;
    }

    WorldOptions options;
    sim::Simulation sim;
    StreamObserver observer;
    StreamLayer layer;
    std::vector<WriterStats> stats;
    std::vector<sim::NodeId> writer_nodes;
};

}  // namespace stream_test
