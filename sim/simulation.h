// sim/simulation.h: one run: clock, event queue, nodes, network, disks.
//
// The Simulation owns everything a run's kernel state consists of and is passed
// explicitly to whoever needs it (no global simulator). It dispatches events in
// (time, sequence) order; see sim/event_queue.h for the contract.
//
// Nodes: one per topology node. A node is up while it is powered and not crashed.
// crash()/power_off() destroy its actors (volatile state) and bump its incarnation;
// restart()/power_on() build fresh actors from the registered factories. Timers, disk
// completions and deliveries addressed to an older incarnation are void. A paused node
// (process_pause) keeps its state but handles nothing: its events wait until resume().
// Each node has a local clock that may drift (clock_skew): local = anchor_local +
// (true - anchor_true) * (1 + drift); timers set with a local delay fire after
// delay / (1 + drift) of true time.
//
// Fingerprint: every dispatched event folds (time, kind, node) into a 64-bit hash; two
// runs with the same inputs and seed have the same fingerprint, bit for bit. An optional
// EventLog (sim/event_log.h) records the folds, to name where two runs diverged; without
// one the hot path pays a single null check per event.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/actor.h"
#include "sim/check.h"
#include "sim/disk.h"
#include "sim/event_log.h"
#include "sim/event_queue.h"
#include "sim/message.h"
#include "sim/network.h"
#include "sim/rng.h"
#include "sim/time.h"
#include "sim/topology.h"
#include "sim/trace.h"

namespace sim {

class Simulation;

// Kernel-level event target (faults, workload drivers, benchmarks). One virtual call
// per event, no allocation.
class EventHandler {
public:
    virtual ~EventHandler() = default;
    virtual void on_event(Simulation& sim, uint64_t arg) = 0;
};

using ActorFactory = std::function<std::unique_ptr<Actor>(Context&)>;

struct SimulationConfig {
    uint64_t seed = 1;
    NetworkConfig network;
    DiskConfig disk;
    // Per stamp (by index) disk override: a stamp of another hardware generation.
    std::map<int, DiskConfig> stamp_disks;
};

class Simulation {
public:
    Simulation(const TopologySpec& topology, SimulationConfig config);
    ~Simulation();
    Simulation(const Simulation&) = delete;
    Simulation& operator=(const Simulation&) = delete;

    // --- clock and run loop ------------------------------------------------------------
    Time now() const { return now_; }
    uint64_t seed() const { return config_.seed; }
    // Dispatches every event with time < end, then sets the clock to end.
    void run_until(Time end);
    // Dispatches one event; false if none is pending.
    bool step();
    // Stops run_until after the current event.
    void stop() { stop_requested_ = true; }
    size_t pending_events() const { return queue_.size(); }
    uint64_t events_dispatched() const { return events_; }
    uint64_t fingerprint() const { return fingerprint_; }
    // Folds outside data (e.g. the operation history) into the fingerprint.
    void fold_fingerprint(uint64_t value);
    // Records every later fold into `log` (nullptr: stop). The caller owns the log.
    void set_event_log(EventLog* log) { event_log_ = log; }

    // --- scheduling for kernel-level code ---------------------------------------------
    void post(Time at, EventHandler* handler, uint64_t arg);
    TimerId set_timer(Time at, EventHandler* handler, uint64_t arg);
    TimerId schedule(Time at, std::function<void()> fn);
    void cancel(TimerId id);

    // --- world -------------------------------------------------------------------------
    const Topology& topology() const { return topology_; }
    Network& network() { return network_; }
    const Network& network() const { return network_; }
    MessagePool& pool() { return pool_; }
    Tracer& tracer() { return tracer_; }
    Rng& rng() { return root_rng_; }
    Rng fork_rng(std::string_view name) const { return root_rng_.fork(name); }

    NodeId add_client(int region);
    // Registers the factory for `port` on `node` and starts it if the node is up.
    void add_service(NodeId node, Port port, ActorFactory factory);
    // The running actor at (node, port), or nullptr (down, paused state is kept).
    Actor* actor(NodeId node, Port port);
    Disk& disk(NodeId node) { return nodes_[node.value].disk; }

    // --- node lifecycle (fault hooks) ----------------------------------------------------
    bool up(NodeId node) const { return nodes_[node.value].up(); }
    bool paused(NodeId node) const { return nodes_[node.value].paused; }
    uint32_t incarnation(NodeId node) const { return nodes_[node.value].incarnation; }
    void crash(NodeId node);
    void restart(NodeId node);
    void power_off(NodeId node);
    void power_on(NodeId node);
    void pause(NodeId node);
    void resume(NodeId node);
    void fail_disk(NodeId node);
    // Replaces a failed disk with an empty one (an operator swap); restarts the node.
    void replace_disk(NodeId node);
    uint64_t corrupt_disk(NodeId node, double fraction);
    void set_clock_drift(NodeId node, double drift);
    double clock_drift(NodeId node) const { return nodes_[node.value].drift; }
    Time local_time(NodeId node) const;

    // --- used by Context ------------------------------------------------------------------
    void send(Address from, Address to, MessagePtr m);
    TimerId set_actor_timer(NodeId node, Port port, Duration local_delay, uint64_t tag);
    void cancel_actor_timer(TimerId id) { cancel(id); }
    void disk_io(NodeId node, Port port, IoKind kind, int64_t bytes, uint64_t tag);
    DurableBase& durable_slot(NodeId node, std::string_view key, std::unique_ptr<DurableBase> (*make)());

    // Messages dropped at delivery because the destination had restarted or was down.
    uint64_t stale_deliveries() const { return stale_deliveries_; }

private:
    struct Service {
        Port port = 0;
        ActorFactory factory;
        std::unique_ptr<Context> ctx;
        std::unique_ptr<Actor> actor;
    };
    struct Node {
        explicit Node(Disk d) : disk(std::move(d)) {}
        bool crashed = false;
        bool powered = true;
        int power_off_count = 0;  // overlapping rack and power-domain outages stack
        bool paused = false;
        uint32_t incarnation = 0;
        double drift = 0;
        Time anchor_true;
        Time anchor_local;
        std::vector<Service> services;
        Disk disk;
        std::map<std::string, std::unique_ptr<DurableBase>, std::less<>> durable;
        std::vector<Event> deferred;  // events that came due while paused
        bool up() const { return powered && !crashed; }
    };
    struct KernelTimer {
        uint32_t gen = 0;
        bool live = false;
        uint32_t incarnation = 0;  // actor timers
        EventHandler* handler = nullptr;
        uint64_t arg = 0;
        std::function<void()> fn;
    };

    void push(Event e);
    void dispatch(const Event& e);
    void deliver(const Event& e);
    Service* find_service(Node& n, Port port);
    void start_services(NodeId id);
    void stop_services(NodeId id);
    uint32_t alloc_timer();
    void free_timer(uint32_t slot);
    void fold(int64_t time_ns, uint64_t kind, uint32_t node);
    // Names the event just folded in the event log. REQUIRES: event_log_ != nullptr.
    void label_event(std::string_view label, uint16_t port);

    SimulationConfig config_;
    Topology topology_;
    Rng root_rng_;
    Network network_;
    MessagePool pool_;
    Tracer tracer_;
    EventQueue queue_;
    std::vector<Node> nodes_;
    std::vector<KernelTimer> timers_;
    std::vector<uint32_t> free_timers_;
    // Actors (and their contexts) stopped during a dispatch, freed after it returns.
    std::vector<std::unique_ptr<Actor>> graveyard_;
    std::vector<std::unique_ptr<Context>> graveyard_ctx_;
    Time now_;
    uint64_t next_seq_ = 0;
    uint64_t events_ = 0;
    uint64_t fingerprint_ = 0x6a09e667f3bcc908ULL;
    uint64_t stale_deliveries_ = 0;
    uint32_t current_node_ = UINT32_MAX;
    bool stop_requested_ = false;
    EventLog* event_log_ = nullptr;
};

}  // namespace sim
