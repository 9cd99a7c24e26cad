// sim/actor.h: a service running on a node, and the only handle it gets (Context).
//
// An Actor is created by its node's factory when the node starts (and again after
// every restart): its members are the process's volatile state, so a crash destroys
// the object and a restart builds a fresh one. Everything that must survive a crash
// lives in the node's durable state (Context::durable), written there only when the
// disk has acknowledged the write, so "durable only when the disk says so" holds by
// construction.
// Context is the actor's view of the world: its node's local clock, sending messages,
// timers, its random stream, its disk and the tracer. Timers, disk completions and
// messages addressed to an older incarnation are discarded by the kernel.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "sim/disk.h"
#include "sim/ids.h"
#include "sim/message.h"
#include "sim/check.h"
#include "sim/rng.h"
#include "sim/time.h"

namespace sim {

class Simulation;
class Topology;
class Tracer;
struct DurableBase;

// Durable state that knows about blocks implements this, so the disk_corrupt fault
// can silently damage a fraction of them (found later by checksums and scrubbing).
class Corruptible {
public:
    virtual ~Corruptible() = default;
    // Damages about `fraction` of the stored blocks; returns how many were damaged.
    virtual uint64_t corrupt_blocks(Rng& rng, double fraction) = 0;
};

class Context {
public:
    Context(Simulation& sim, MessagePool& pool, NodeId node, Port port, uint32_t incarnation, Rng rng)
        : sim_(&sim), pool_(&pool), node_(node), port_(port), incarnation_(incarnation), rng_(rng) {}
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    // The node's local clock (runs fast or slow under a clock_skew fault). Protocol
    // logic uses only this.
    Time now() const;
    // True simulated time, for instrumentation (histories, metrics) only.
    Time true_now() const;
    NodeId node() const { return node_; }
    Address self() const { return Address{node_, port_}; }
    uint32_t incarnation() const { return incarnation_; }
    const std::string& node_name() const;
    const Topology& topology() const;

    template <typename T, typename... Args>
    Owned<T> make(Args&&... args) {
        return pool_->make<T>(std::forward<Args>(args)...);
    }
    // Sends m to dst over the simulated network. Ownership passes to the kernel.
    void send(Address dst, MessagePtr m);

    // Fires on_timer(tag) after `delay` of this node's local clock.
    TimerId set_timer(Duration delay, uint64_t tag);
    void cancel_timer(TimerId id);

    Rng& rng() { return rng_; }

    // Disk I/O: on_io(tag, status) fires when the disk completes the request.
    void disk_io(IoKind kind, int64_t bytes, uint64_t tag);
    Disk& disk();
    // Node-durable state named `key`, created on first use. It survives crashes and
    // restarts and is wiped when the disk fails.
    template <typename T>
    T& durable(std::string_view key);

    Tracer& tracer();

private:
    DurableBase& durable_slot(std::string_view key, std::unique_ptr<DurableBase> (*factory)());

    Simulation* sim_;
    MessagePool* pool_;
    NodeId node_;
    Port port_;
    uint32_t incarnation_;
    Rng rng_;
};

class Actor {
public:
    explicit Actor(Context& ctx) : ctx_(ctx) {}
    virtual ~Actor() = default;
    Actor(const Actor&) = delete;
    Actor& operator=(const Actor&) = delete;

    // Called once when the node (re)starts, after construction.
    virtual void on_start() {}
    virtual void on_message(MessagePtr msg) = 0;
    virtual void on_timer(uint64_t /*tag*/) {}
    virtual void on_io(uint64_t /*tag*/, IoStatus /*status*/) {}

protected:
    Context& ctx() { return ctx_; }
    const Context& ctx() const { return ctx_; }

private:
    Context& ctx_;
};

// Type-erased holder of one piece of node-durable state.
struct DurableBase {
    virtual ~DurableBase() = default;
    virtual Corruptible* corruptible() = 0;
    // The disk failed: the value becomes a fresh one (references stay valid).
    virtual void reset() = 0;
};
template <typename T>
struct DurableHolder final : DurableBase {
    T value{};
    void reset() override { value = T{}; }
    Corruptible* corruptible() override {
        if constexpr (std::is_base_of_v<Corruptible, T>) {
            return &value;
        } else {
            return nullptr;
        }
    }
};

template <typename T>
T& Context::durable(std::string_view key) {
    auto factory = []() -> std::unique_ptr<DurableBase> { return std::make_unique<DurableHolder<T>>(); };
    DurableBase& slot = durable_slot(key, +factory);
    auto* holder = dynamic_cast<DurableHolder<T>*>(&slot);
    SIM_ASSERT(holder != nullptr, "durable state '" << key << "' used with two types");
    return holder->value;
}

}  // namespace sim
