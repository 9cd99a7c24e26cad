#include "sim/simulation.h"

#include <cmath>

namespace sim {

namespace {
constexpr uint64_t kKindTimer = hash_name("kernel.timer");
constexpr uint64_t kKindHandler = hash_name("kernel.handler");
constexpr uint64_t kKindActorTimer = hash_name("actor.timer");
constexpr uint64_t kKindDisk = hash_name("actor.io");
constexpr uint32_t kNoNodeIndex = UINT32_MAX;
}  // namespace

// --- Context --------------------------------------------------------------------------------

Time Context::now() const { return sim_->local_time(node_); }
Time Context::true_now() const { return sim_->now(); }
const std::string& Context::node_name() const { return sim_->topology().node(node_).name; }
const Topology& Context::topology() const { return sim_->topology(); }
void Context::send(Address dst, MessagePtr m) { sim_->send(self(), dst, std::move(m)); }
TimerId Context::set_timer(Duration delay, uint64_t tag) { return sim_->set_actor_timer(node_, port_, delay, tag); }
void Context::cancel_timer(TimerId id) { sim_->cancel_actor_timer(id); }
void Context::disk_io(IoKind kind, int64_t bytes, uint64_t tag) { sim_->disk_io(node_, port_, kind, bytes, tag); }
Disk& Context::disk() { return sim_->disk(node_); }
Tracer& Context::tracer() { return sim_->tracer(); }
DurableBase& Context::durable_slot(std::string_view key, std::unique_ptr<DurableBase> (*factory)()) {
    return sim_->durable_slot(node_, key, factory);
}

// --- Simulation -----------------------------------------------------------------------------

Simulation::Simulation(const TopologySpec& topology, SimulationConfig config)
    : config_(std::move(config)),
      topology_(topology),
      root_rng_(config_.seed),
      network_(topology_, config_.network, root_rng_.fork("kernel/network")) {
    nodes_.reserve(topology_.node_count());
    for (const auto& info : topology_.nodes()) {
        DiskConfig dc = config_.disk;
        if (auto it = config_.stamp_disks.find(info.stamp); it != config_.stamp_disks.end()) dc = it->second;
        nodes_.emplace_back(Disk(dc, root_rng_.fork("kernel/disk").fork(info.id.value)));
    }
    queue_.reserve(1024);
}

Simulation::~Simulation() {
    // Free messages still in flight; actors are destroyed with their nodes.
    for (const Event& e : queue_.take_all()) {
        if (e.type == EventType::kDeliver) pool_.release(reinterpret_cast<Message*>(e.a));
    }
    for (auto& n : nodes_) {
        for (const Event& e : n.deferred) {
            if (e.type == EventType::kDeliver) pool_.release(reinterpret_cast<Message*>(e.a));
        }
        for (auto& s : n.services) s.actor.reset();
    }
}

void Simulation::fold(int64_t time_ns, uint64_t kind, uint32_t node) {
    fingerprint_ = mix64(fingerprint_ + static_cast<uint64_t>(time_ns) * 0x9e3779b97f4a7c15ULL +
                         kind * 0xc2b2ae3d27d4eb4fULL + node);
    if (event_log_ != nullptr) [[unlikely]] event_log_->record(time_ns, kind, node, fingerprint_);
}

void Simulation::label_event(std::string_view label, uint16_t port) {
    if (event_log_->wants_label()) event_log_->label_last(label, port);
}

void Simulation::fold_fingerprint(uint64_t value) {
    fingerprint_ = mix64(fingerprint_ ^ value);
    if (event_log_ != nullptr) [[unlikely]] {
        event_log_->record(now_.ns(), value, kNoNodeIndex, fingerprint_);
        label_event("history", 0);
    }
}

void Simulation::push(Event e) {
    SIM_ASSERT(e.time_ns >= now_.ns(), "event scheduled in the past: " << e.time_ns << " < " << now_.ns());
    e.seq = next_seq_++;
    queue_.push(e);
}

void Simulation::post(Time at, EventHandler* handler, uint64_t arg) {
    push(Event{at.ns(), 0, reinterpret_cast<uint64_t>(handler), arg, kNoNodeIndex, 0, EventType::kHandler, 0});
}

uint32_t Simulation::alloc_timer() {
    if (free_timers_.empty()) {
        timers_.emplace_back();
        return static_cast<uint32_t>(timers_.size() - 1);
    }
    uint32_t slot = free_timers_.back();
    free_timers_.pop_back();
    return slot;
}

void Simulation::free_timer(uint32_t slot) {
    KernelTimer& t = timers_[slot];
    t.live = false;
    ++t.gen;
    t.handler = nullptr;
    t.fn = nullptr;
    free_timers_.push_back(slot);
}

TimerId Simulation::set_timer(Time at, EventHandler* handler, uint64_t arg) {
    uint32_t slot = alloc_timer();
    KernelTimer& t = timers_[slot];
    t.live = true;
    t.handler = handler;
    t.arg = arg;
    push(Event{at.ns(), 0, slot | (static_cast<uint64_t>(t.gen) << 32), 0, kNoNodeIndex, 0, EventType::kKernelTimer, 0});
    return TimerId{slot, t.gen};
}

TimerId Simulation::schedule(Time at, std::function<void()> fn) {
    uint32_t slot = alloc_timer();
    KernelTimer& t = timers_[slot];
    t.live = true;
    t.fn = std::move(fn);
    push(Event{at.ns(), 0, slot | (static_cast<uint64_t>(t.gen) << 32), 0, kNoNodeIndex, 0, EventType::kKernelTimer, 0});
    return TimerId{slot, t.gen};
}

void Simulation::cancel(TimerId id) {
    if (!id.valid() || id.slot >= timers_.size()) return;
    KernelTimer& t = timers_[id.slot];
    if (t.live && t.gen == id.gen) free_timer(id.slot);
}

TimerId Simulation::set_actor_timer(NodeId node, Port port, Duration local_delay, uint64_t tag) {
    SIM_ASSERT(local_delay >= Duration::zero(), "negative timer delay " << local_delay.to_string());
    const Node& n = nodes_[node.value];
    Duration true_delay = local_delay;
    if (n.drift != 0) {
        true_delay = Duration::nanos(static_cast<int64_t>(std::ceil(static_cast<double>(local_delay.ns()) / (1.0 + n.drift))));
    }
    uint32_t slot = alloc_timer();
    KernelTimer& t = timers_[slot];
    t.live = true;
    t.incarnation = n.incarnation;
    push(Event{(now_ + true_delay).ns(), 0, slot | (static_cast<uint64_t>(t.gen) << 32), tag, node.value, port,
               EventType::kActorTimer, 0});
    return TimerId{slot, t.gen};
}

void Simulation::send(Address from, Address to, MessagePtr m) {
    SIM_ASSERT(to.node.valid() && to.node.value < nodes_.size(), "send to unknown node " << to.node.value);
    m->src = from;
    m->dst = to;
    const Node& dst = nodes_[to.node.value];
    m->dst_incarnation = dst.incarnation;
    Network::Route r = network_.route(from.node, to.node, m->size_bytes, now_, nodes_[from.node.value].up(), dst.up());
    if (!r.delivered) return;  // m is released by its owner going out of scope
    if (r.duplicate) {
        Message* copy = m->clone_into(pool_);
        push(Event{r.duplicate_arrive.ns(), 0, reinterpret_cast<uint64_t>(copy), 0, to.node.value, to.port,
                   EventType::kDeliver, 0});
    }
    push(Event{r.arrive.ns(), 0, reinterpret_cast<uint64_t>(m.release()), 0, to.node.value, to.port,
               EventType::kDeliver, 0});
}

void Simulation::disk_io(NodeId node, Port port, IoKind kind, int64_t bytes, uint64_t tag) {
    Node& n = nodes_[node.value];
    Disk::Ticket t = n.disk.submit(kind, bytes, now_);
    const uint64_t a = static_cast<uint64_t>(n.incarnation) | (static_cast<uint64_t>(t.status) << 32) |
                       (static_cast<uint64_t>(n.disk.generation() & 0xffffff) << 40);
    push(Event{t.done.ns(), 0, a, tag, node.value, port, EventType::kDiskDone, 0});
}

DurableBase& Simulation::durable_slot(NodeId node, std::string_view key, std::unique_ptr<DurableBase> (*make)()) {
    auto& map = nodes_[node.value].durable;
    auto it = map.find(key);
    if (it == map.end()) it = map.emplace(std::string(key), make()).first;
    return *it->second;
}

Simulation::Service* Simulation::find_service(Node& n, Port port) {
    for (auto& s : n.services) {
        if (s.port == port) return &s;
    }
    return nullptr;
}

Actor* Simulation::actor(NodeId node, Port port) {
    Service* s = find_service(nodes_[node.value], port);
    return s ? s->actor.get() : nullptr;
}

NodeId Simulation::add_client(int region) {
    NodeId id = topology_.add_client(region);
    nodes_.emplace_back(Disk(config_.disk, root_rng_.fork("kernel/disk").fork(id.value)));
    network_.on_nodes_added();
    return id;
}

void Simulation::add_service(NodeId node, Port port, ActorFactory factory) {
    Node& n = nodes_[node.value];
    SIM_ASSERT(find_service(n, port) == nullptr, "port " << port << " taken on " << topology_.node(node).name);
    n.services.push_back(Service{port, std::move(factory), nullptr, nullptr});
    if (n.up()) {
        Service& s = n.services.back();
        s.ctx = std::make_unique<Context>(*this, pool_, node, port, n.incarnation,
                                          root_rng_.fork("actor").fork(node.value).fork(port).fork(n.incarnation));
        s.actor = s.factory(*s.ctx);
        s.actor->on_start();
    }
}

void Simulation::start_services(NodeId id) {
    Node& n = nodes_[id.value];
    for (auto& s : n.services) {
        s.ctx = std::make_unique<Context>(*this, pool_, id, s.port, n.incarnation,
                                          root_rng_.fork("actor").fork(id.value).fork(s.port).fork(n.incarnation));
        s.actor = s.factory(*s.ctx);
    }
    for (auto& s : n.services) {
        if (s.actor) s.actor->on_start();
    }
}

void Simulation::stop_services(NodeId id) {
    Node& n = nodes_[id.value];
    ++n.incarnation;
    for (const Event& e : n.deferred) {
        if (e.type == EventType::kDeliver) pool_.release(reinterpret_cast<Message*>(e.a));
    }
    n.deferred.clear();
    // The actor may be the one running now (a node that crashes itself): keep the
    // objects alive until the current event has returned.
    for (auto& s : n.services) {
        graveyard_.push_back(std::move(s.actor));
        graveyard_ctx_.push_back(std::move(s.ctx));
    }
}

void Simulation::crash(NodeId node) {
    Node& n = nodes_[node.value];
    const bool was_up = n.up();
    n.crashed = true;
    if (was_up) stop_services(node);
}

void Simulation::restart(NodeId node) {
    Node& n = nodes_[node.value];
    const bool was_up = n.up();
    n.crashed = false;
    n.paused = false;
    if (!was_up && n.up()) start_services(node);
}

void Simulation::power_off(NodeId node) {
    Node& n = nodes_[node.value];
    const bool was_up = n.up();
    ++n.power_off_count;
    n.powered = false;
    if (was_up) stop_services(node);
}

void Simulation::power_on(NodeId node) {
    Node& n = nodes_[node.value];
    const bool was_up = n.up();
    if (n.power_off_count > 0) --n.power_off_count;
    n.powered = n.power_off_count == 0;
    if (!was_up && n.up()) start_services(node);
}

void Simulation::pause(NodeId node) { nodes_[node.value].paused = true; }

void Simulation::resume(NodeId node) {
    Node& n = nodes_[node.value];
    n.paused = false;
    std::vector<Event> deferred = std::move(n.deferred);
    n.deferred.clear();
    for (Event e : deferred) {
        e.time_ns = now_.ns();
        push(e);
    }
}

void Simulation::fail_disk(NodeId node) {
    Node& n = nodes_[node.value];
    n.disk.fail();
    for (auto& [key, d] : n.durable) d->reset();
}

void Simulation::replace_disk(NodeId node) {
    Node& n = nodes_[node.value];
    n.disk.replace();
    for (auto& [key, d] : n.durable) d->reset();
    if (n.up()) {
        stop_services(node);
        start_services(node);
    }
}

uint64_t Simulation::corrupt_disk(NodeId node, double fraction) {
    Node& n = nodes_[node.value];
    Rng rng = root_rng_.fork("kernel/corrupt").fork(node.value).fork(static_cast<uint64_t>(now_.ns()));
    uint64_t damaged = 0;
    for (auto& [key, d] : n.durable) {
        if (Corruptible* c = d->corruptible()) damaged += c->corrupt_blocks(rng, fraction);
    }
    return damaged;
}

Time Simulation::local_time(NodeId node) const {
    const Node& n = nodes_[node.value];
    if (n.drift == 0 && n.anchor_true == n.anchor_local) return now_;
    const double elapsed = static_cast<double>((now_ - n.anchor_true).ns());
    return n.anchor_local + Duration::nanos(static_cast<int64_t>(std::llround(elapsed * (1.0 + n.drift))));
}

void Simulation::set_clock_drift(NodeId node, double drift) {
    SIM_ASSERT(drift > -1.0, "clock drift " << drift << " would stop or reverse the clock");
    Node& n = nodes_[node.value];
    n.anchor_local = local_time(node);
    n.anchor_true = now_;
    n.drift = drift;
}

void Simulation::deliver(const Event& e) {
    Message* raw = reinterpret_cast<Message*>(e.a);
    MessagePtr m = pool_.adopt(raw);
    Node& n = nodes_[e.node];
    fold(e.time_ns, m->kind, e.node);
    if (event_log_ != nullptr) [[unlikely]] label_event(m->name(), e.port);
    if (!n.up() || m->dst_incarnation != n.incarnation) {
        ++stale_deliveries_;
        return;
    }
    Service* s = find_service(n, e.port);
    if (s == nullptr || !s->actor) {
        ++stale_deliveries_;
        return;
    }
    s->actor->on_message(std::move(m));
}

void Simulation::dispatch(const Event& e) {
    now_ = Time::from_ns(e.time_ns);
    switch (e.type) {
        case EventType::kHandler:
            ++events_;
            fold(e.time_ns, kKindHandler ^ e.b, kNoNodeIndex);
            if (event_log_ != nullptr) [[unlikely]] label_event("kernel.handler", 0);
            reinterpret_cast<EventHandler*>(e.a)->on_event(*this, e.b);
            return;
        case EventType::kKernelTimer: {
            const uint32_t slot = static_cast<uint32_t>(e.a);
            KernelTimer& t = timers_[slot];
            if (!t.live || t.gen != static_cast<uint32_t>(e.a >> 32)) return;  // cancelled
            ++events_;
            fold(e.time_ns, kKindTimer, kNoNodeIndex);
            if (event_log_ != nullptr) [[unlikely]] label_event("kernel.timer", 0);
            EventHandler* h = t.handler;
            const uint64_t arg = t.arg;
            std::function<void()> fn = std::move(t.fn);
            free_timer(slot);
            if (h != nullptr) {
                h->on_event(*this, arg);
            } else if (fn) {
                fn();
            }
            return;
        }
        default:
            break;
    }
    // Node-addressed events.
    Node& n = nodes_[e.node];
    if (n.paused && n.up()) {
        n.deferred.push_back(e);
        return;
    }
    current_node_ = e.node;
    ++events_;
    switch (e.type) {
        case EventType::kDeliver:
            deliver(e);
            break;
        case EventType::kActorTimer: {
            const uint32_t slot = static_cast<uint32_t>(e.a);
            KernelTimer& t = timers_[slot];
            if (!t.live || t.gen != static_cast<uint32_t>(e.a >> 32)) {
                --events_;
                break;  // cancelled
            }
            const uint32_t inc = t.incarnation;
            free_timer(slot);
            fold(e.time_ns, kKindActorTimer ^ e.port, e.node);
            if (event_log_ != nullptr) [[unlikely]] label_event("actor.timer", e.port);
            if (!n.up() || inc != n.incarnation) break;
            if (Service* s = find_service(n, e.port); s != nullptr && s->actor) s->actor->on_timer(e.b);
            break;
        }
        case EventType::kDiskDone: {
            n.disk.on_complete();
            fold(e.time_ns, kKindDisk ^ e.port, e.node);
            if (event_log_ != nullptr) [[unlikely]] label_event("actor.io", e.port);
            const uint32_t inc = static_cast<uint32_t>(e.a);
            IoStatus status = static_cast<IoStatus>((e.a >> 32) & 0xff);
            const uint32_t gen = static_cast<uint32_t>(e.a >> 40);
            if (gen != (n.disk.generation() & 0xffffff)) status = IoStatus::kDiskFailed;
            if (!n.up() || inc != n.incarnation) break;
            if (Service* s = find_service(n, e.port); s != nullptr && s->actor) s->actor->on_io(e.b, status);
            break;
        }
        default:
            SIM_ASSERT(false, "unknown event type " << static_cast<int>(e.type));
    }
    current_node_ = kNoNodeIndex;
}

bool Simulation::step() {
    if (queue_.empty()) return false;
    const Event e = queue_.pop();
    try {
        dispatch(e);
    } catch (const InvariantError& err) {
        InvariantViolation::Where where;
        where.seed = config_.seed;
        where.time_ns = now_.ns();
        where.event_seq = e.seq;
        if (e.node != kNoNodeIndex && e.node < topology_.node_count()) where.node = topology_.node(NodeId{e.node}).name;
        current_node_ = kNoNodeIndex;
        throw InvariantViolation(err, where);
    }
    if (!graveyard_.empty()) {
        graveyard_.clear();
        graveyard_ctx_.clear();
    }
    return true;
}

void Simulation::run_until(Time end) {
    stop_requested_ = false;
    while (!queue_.empty() && queue_.top_time_ns() < end.ns() && !stop_requested_) step();
    if (!stop_requested_ && now_ < end) now_ = end;
}

}  // namespace sim
