// Shared helpers for the kernel tests: a small world and a scriptable actor.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "sim/simulation.h"

namespace simtest {

struct Ping : sim::MessageOf<Ping> {
    static constexpr std::string_view kName = "test.ping";
    int value = 0;
};

// Records everything it receives. Behaviour can be scripted through callbacks.
struct Log {
    struct Entry {
        sim::Time at;
        char what;  // 'm' message, 't' timer, 'i' io
        int64_t value;
        uint32_t incarnation;
    };
    std::vector<Entry> entries;
    int starts = 0;
    std::function<void(sim::Context&)> on_start;
    std::function<void(sim::Context&, sim::MessagePtr)> on_message;
    std::function<void(sim::Context&, uint64_t)> on_timer;
    std::function<void(sim::Context&, uint64_t, sim::IoStatus)> on_io;
    size_t count(char what) const {
        size_t n = 0;
        for (const auto& e : entries) n += e.what == what ? 1 : 0;
        return n;
    }
};

class Recorder final : public sim::Actor {
public:
    Recorder(sim::Context& ctx, Log& log) : Actor(ctx), log_(log) {}
    void on_start() override {
        ++log_.starts;
        if (log_.on_start) log_.on_start(ctx());
    }
    void on_message(sim::MessagePtr m) override {
        const int v = m->is<Ping>() ? m->as<Ping>().value : -1;
        log_.entries.push_back({ctx().true_now(), 'm', v, ctx().incarnation()});
        if (log_.on_message) log_.on_message(ctx(), std::move(m));
    }
    void on_timer(uint64_t tag) override {
        log_.entries.push_back({ctx().true_now(), 't', static_cast<int64_t>(tag), ctx().incarnation()});
        if (log_.on_timer) log_.on_timer(ctx(), tag);
    }
    void on_io(uint64_t tag, sim::IoStatus st) override {
        log_.entries.push_back({ctx().true_now(), 'i', static_cast<int64_t>(tag), ctx().incarnation()});
        if (log_.on_io) log_.on_io(ctx(), tag, st);
    }

private:
    Log& log_;
};

constexpr sim::Port kPort = 1;

inline sim::TopologySpec one_stamp(int racks, int nodes_per_rack, int power_domains = 1, int upgrade_domains = 5) {
    sim::TopologySpec spec;
    spec.regions.push_back(sim::RegionSpec{"west", {sim::StampSpec{"w1", racks, nodes_per_rack, power_domains, {}, upgrade_domains}}});
    return spec;
}

inline void add_recorder(sim::Simulation& s, sim::NodeId node, Log& log) {
    s.add_service(node, kPort, [&log](sim::Context& ctx) { return std::make_unique<Recorder>(ctx, log); });
}

// Sends a Ping from `from` to `to` at the current time (kernel-level, as a test driver).
inline void ping(sim::Simulation& s, sim::NodeId from, sim::NodeId to, int value, int64_t size_bytes = 128) {
    auto m = s.pool().make<Ping>();
    m->value = value;
    m->size_bytes = size_bytes;
    s.send(sim::Address{from, kPort}, sim::Address{to, kPort}, std::move(m));
}

}  // namespace simtest
