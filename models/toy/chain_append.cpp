#include "models/toy/chain_append.h"

#include <memory>
#include <vector>

#include "models/ports.h"
#include "sim/simulation.h"

namespace models::toy {

namespace {

constexpr sim::Port kPort = models::ports::kToy;

struct Append : sim::MessageOf<Append> {
    static constexpr std::string_view kName = "toy.chain_append";
    sim::Address client;
    int hop = 0;  // index in the chain of the node this is addressed to
    sim::Time sent;
};

struct Shared {
    std::vector<sim::NodeId> nodes;
    ChainAppendConfig config;
    uint64_t appends = 0;
    int64_t latency_ns_sum = 0;
};

// A storage node: one server with an unbounded FIFO queue.
class ChainNode final : public sim::Actor {
public:
    ChainNode(sim::Context& ctx, Shared& shared, int index) : Actor(ctx), shared_(shared), index_(index) {}

    void on_message(sim::MessagePtr msg) override {
        if (busy_) {
            queue_.push_back(std::move(msg));
            return;
        }
        start(std::move(msg));
    }

    void on_timer(uint64_t) override {
        sim::Owned<Append> m = sim::message_cast<Append>(std::move(in_service_));
        busy_ = false;
        const int n = static_cast<int>(shared_.nodes.size());
        if (m->hop + 1 < shared_.config.chain_length) {
            ++m->hop;
            ctx().send(sim::Address{shared_.nodes[static_cast<size_t>((index_ + 1) % n)], kPort}, std::move(m));
        } else {
            const sim::Address client = m->client;  // read before m is moved into the call
            ctx().send(client, std::move(m));
        }
        if (head_ < queue_.size()) {
            sim::MessagePtr next = std::move(queue_[head_++]);
            if (head_ == queue_.size()) {
                queue_.clear();
                head_ = 0;
            }
            start(std::move(next));
        }
    }

private:
    void start(sim::MessagePtr msg) {
        busy_ = true;
        in_service_ = std::move(msg);
        ctx().set_timer(shared_.config.service, 0);
    }

    Shared& shared_;
    int index_;
    bool busy_ = false;
    sim::MessagePtr in_service_;
    std::vector<sim::MessagePtr> queue_;
    size_t head_ = 0;
};

class ChainClient final : public sim::Actor {
public:
    ChainClient(sim::Context& ctx, Shared& shared) : Actor(ctx), shared_(shared) {}

    void on_start() override { send_next(ctx().make<Append>()); }

    void on_message(sim::MessagePtr msg) override {
        sim::Owned<Append> m = sim::message_cast<Append>(std::move(msg));
        ++shared_.appends;
        shared_.latency_ns_sum += (ctx().true_now() - m->sent).ns();
        send_next(std::move(m));
    }

private:
    void send_next(sim::Owned<Append> m) {
        const auto primary = ctx().rng().below(shared_.nodes.size());
        m->client = ctx().self();
        m->hop = 0;
        m->sent = ctx().true_now();
        m->size_bytes = 0;
        ctx().send(sim::Address{shared_.nodes[primary], kPort}, std::move(m));
    }

    Shared& shared_;
};

}  // namespace

ChainAppendResult run_chain_append(const ChainAppendConfig& config) {
    sim::TopologySpec spec;
    spec.regions.push_back(sim::RegionSpec{"r", {sim::StampSpec{"s", 1, config.nodes, 1, {}, 1}}});
    sim::SimulationConfig sc;
    sc.seed = config.seed;
    sc.network.intra_rack.latency = config.hop_latency;
    sc.network.client.latency = config.hop_latency;
    sim::Simulation sim(spec, sc);

    Shared shared;
    shared.config = config;
    shared.nodes = sim.topology().stamp(0).nodes;
    for (int i = 0; i < config.nodes; ++i) {
        sim.add_service(shared.nodes[static_cast<size_t>(i)], kPort, [&shared, i](sim::Context& ctx) {
            return std::make_unique<ChainNode>(ctx, shared, i);
        });
    }
    for (int c = 0; c < config.clients; ++c) {
        sim::NodeId client = sim.add_client(0);
        sim.add_service(client, kPort, [&shared](sim::Context& ctx) { return std::make_unique<ChainClient>(ctx, shared); });
    }
    sim.run_until(sim::Time::zero() + config.horizon);

    ChainAppendResult r;
    r.appends = shared.appends;
    r.events = sim.events_dispatched();
    r.fingerprint = sim.fingerprint();
    r.pending_at_end = sim.pending_events();
    r.mean_latency_us = shared.appends ? static_cast<double>(shared.latency_ns_sum) / static_cast<double>(shared.appends) / 1e3 : 0;
    return r;
}

}  // namespace models::toy
