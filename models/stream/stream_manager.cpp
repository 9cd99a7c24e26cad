#include "models/stream/stream_manager.h"

#include <algorithm>

#include "models/ports.h"
#include "models/stream/observer.h"
#include "sim/check.h"
#include "sim/simulation.h"

namespace models::stream {

namespace {

constexpr uint64_t kTickTimer = 1;
constexpr uint64_t kSealProbeTimer = 2;
constexpr uint64_t kCreateTimer = 3;
constexpr uint64_t kOpTimerBase = 1ull << 20;
// A repair that has not finished in this long is abandoned and tried again.
constexpr sim::Duration kRepairTimeout = sim::Duration::seconds(60);

sim::Address extent_node_at(sim::NodeId n) { return sim::Address{n, models::ports::kExtentNode}; }

}  // namespace

consensus::StateMachineFactory stream_manager_state_factory(StreamObserver* observer, StreamMetrics* metrics) {
    return [observer, metrics]() -> std::unique_ptr<consensus::StateMachine> {
        return std::make_unique<StreamManagerState>(observer, metrics);
    };
}

StreamManager::StreamManager(sim::Context& ctx, const StreamManagerOptions& options, int self)
    : Actor(ctx),
      options_(options),
      core_(ctx, options.group, self, options.raft, stream_manager_state_factory(options.observer, options.metrics)),
      rng_(ctx.rng().fork("stream-manager")) {}

const StreamManagerState& StreamManager::state() const {
    return static_cast<const StreamManagerState&>(core_.state_machine());
}

void StreamManager::on_start() {
    core_.start();
    ctx().set_timer(options_.config.heartbeat, kTickTimer);
}

void StreamManager::on_io(uint64_t tag, sim::IoStatus status) { core_.handle_io(tag, status); }

void StreamManager::on_message(sim::MessagePtr msg) {
    if (core_.handle_message(msg)) return;
    if (msg->is<Heartbeat>()) return handle_heartbeat(msg->as<Heartbeat>());
    if (msg->is<StreamRequest>()) return handle_request(sim::message_cast<StreamRequest>(std::move(msg)));
    if (!core_.is_leader()) return;  // replies to a former leader's requests
    if (msg->is<LengthReply>()) {
        const auto& r = msg->as<LengthReply>();
        auto it = seals_.find(r.extent);
        if (it == seals_.end() || it->second.round != r.round || it->second.proposing) return;
        it->second.replies[r.from.value] = r;
        if (it->second.replies.size() >= it->second.expected) finish_probe(r.extent);
        return;
    }
    if (msg->is<CreateReplicaReply>()) return handle_create_reply(msg->as<CreateReplicaReply>());
    if (msg->is<CopyDone>()) return handle_copy_done(msg->as<CopyDone>());
    if (msg->is<SealReplicaReply>()) return;  // stale replicas are found by reports
    if (msg->is<UpgradeDomainNotice>()) {
        auto cmd = std::make_shared<UpgradeDomainCmd>();
        const int domain = msg->as<UpgradeDomainNotice>().upgrade_domain;
        const bool down = msg->as<UpgradeDomainNotice>().down;
        cmd->upgrade_domain = domain;
        cmd->down = down;
        propose(cmd, [this, domain, down](Status st, StreamId) {
            if (st == Status::kOk && down) seal_open_extents_in(domain);
        });
        return;
    }
    SIM_ASSERT(false, "stream manager got unexpected message " << msg->name());
}

uint64_t StreamManager::set_op_timer(sim::Duration d, uint64_t kind, uint64_t id) {
    const uint64_t tag = kOpTimerBase + next_timer_++;
    op_timers_[tag] = {kind, ExtentId{id}};
    ctx().set_timer(d, tag);
    return tag;
}

void StreamManager::on_timer(uint64_t tag) {
    if (consensus::RaftCore::owns_tag(tag)) {
        core_.handle_timer(tag);
        return;
    }
    if (tag == kTickTimer) {
        tick();
        ctx().set_timer(options_.config.heartbeat, kTickTimer);
        return;
    }
    auto it = op_timers_.find(tag);
    if (it == op_timers_.end()) return;
    const auto [kind, extent] = it->second;
    op_timers_.erase(it);
    if (kind == kSealProbeTimer) {
        auto s = seals_.find(extent);
        if (s != seals_.end() && !s->second.proposing && s->second.timer_tag == tag) finish_probe(extent);
    } else if (kind == kCreateTimer) {
        auto c = creates_.find(extent);
        if (c != creates_.end() && c->second.timer_tag == tag) finish_create(extent, true);
    }
}

void StreamManager::propose(consensus::CommandPtr cmd, std::function<void(Status, StreamId)> done) {
    core_.propose(std::move(cmd), [done = std::move(done)](consensus::Status s, consensus::ResultPtr r) {
        if (s != consensus::Status::kOk) return done(Status::kNotLeader, StreamId{});
        const auto* res = dynamic_cast<const ManagerResult*>(r.get());
        done(res ? res->status : Status::kOk, res ? res->stream : StreamId{});
    });
}

// --- health -----------------------------------------------------------------------------------

StreamManager::NodeHealth& StreamManager::health(sim::NodeId n) {
    if (n.value >= health_.size()) health_.resize(n.value + 1);
    return health_[n.value];
}

const StreamManager::NodeHealth* StreamManager::find_health(sim::NodeId n) const {
    return n.value < health_.size() ? &health_[n.value] : nullptr;
}

bool StreamManager::alive(sim::NodeId n) const {
    const NodeHealth* h = find_health(n);
    return h != nullptr && h->heard && !h->dead;
}

void StreamManager::handle_heartbeat(const Heartbeat& hb) {
    NodeHealth& h = health(hb.from);
    if (h.heard && h.boot == hb.boot && hb.seq <= h.seq) {
        if (options_.metrics && core_.is_leader()) ++options_.metrics->stale_reports_ignored;
        return;  // reordered behind a newer report of the same life
    }
    if (h.dead) {
        if (!core_.is_leader()) return;
        const bool answered = hb.challenge != 0 && hb.challenge == h.challenge;
        if (!answered && !options_.config.has_bug(StreamBug::kCountStaleExtentReport)) {
            // The report may predate the death declaration: ask for a fresh one.
            if (options_.metrics) ++options_.metrics->stale_reports_ignored;
            if (h.challenge == 0 || ctx().now() - h.challenge_sent >= options_.config.heartbeat) {
                h.challenge = ++challenges_;
                h.challenge_sent = ctx().now();
                auto rr = ctx().make<ReRegister>();
                rr->challenge = h.challenge;
                ctx().send(sim::Address{hb.from, models::ports::kExtentNode}, std::move(rr));
            }
            return;
        }
        h.dead = false;
        h.challenge = 0;
        if (options_.observer) options_.observer->on_revived(hb.from, hb.sent_true);
    }
    h.heard = true;
    h.last_heard = ctx().now();
    h.boot = hb.boot;
    h.seq = hb.seq;
    h.load = static_cast<double>(hb.disk_queue) + 1.0 - static_cast<double>(hb.free_bytes) / 1e13;
    h.report_at = ctx().now();
    h.report.clear();
    for (const auto& r : hb.extents) h.report.emplace(r.extent, r);
}

// --- client requests --------------------------------------------------------------------------

void StreamManager::reply(const Waiter& w, Status status, StreamId stream) {
    if (!w.client.node.valid()) return;  // the manager's own operation (seal_open_extents_in)
    auto r = ctx().make<StreamReply>();
    r->status = status;
    r->request = w.request;
    r->stream = stream;
    if (status == Status::kNotLeader) {
        const int hint = core_.leader_hint();
        if (hint >= 0) r->leader_hint = options_.group.members[static_cast<size_t>(hint)];
    } else if (stream.valid()) {
        r->extents = state().view(stream);
    }
    r->size_bytes = kHeaderBytes + 48 * static_cast<int64_t>(r->extents.size());
    ctx().send(w.client, std::move(r));
}

void StreamManager::handle_request(sim::Owned<StreamRequest> m) {
    const Waiter w{m->src, m->request};
    if (!core_.is_leader()) return reply(w, Status::kNotLeader, StreamId{});
    const StreamMeta* s = state().stream_named(m->name);
    switch (m->op) {
        case StreamOp::kOpen:
            return reply(w, s ? Status::kOk : Status::kNotFound, s ? state().data().names.find(m->name)->second
                                                                    : StreamId{});
        case StreamOp::kDelete: {
            auto cmd = std::make_shared<DeleteStreamCmd>();
            cmd->stream_name = m->name;
            propose(cmd, [this, w](Status st, StreamId) { reply(w, st, StreamId{}); });
            return;
        }
        case StreamOp::kCreate: {
            if (s != nullptr) return run_stream_op(state().data().names.find(m->name)->second, w, ExtentId{});
            auto cmd = std::make_shared<CreateStreamCmd>();
            cmd->stream_name = m->name;
            propose(cmd, [this, w](Status st, StreamId id) {
                if (st != Status::kOk) return reply(w, st, StreamId{});
                run_stream_op(id, w, ExtentId{});
            });
            return;
        }
        case StreamOp::kSealAndNewExtent: {
            if (s == nullptr) return reply(w, Status::kNotFound, StreamId{});
            return run_stream_op(state().data().names.find(m->name)->second, w, m->extent);
        }
    }
}

// One operation per stream at a time; requests that arrive meanwhile get its outcome.
void StreamManager::run_stream_op(StreamId stream, Waiter w, ExtentId seal_target) {
    auto [it, fresh] = stream_ops_.try_emplace(stream);
    it->second.push_back(w);
    if (!fresh) return;
    const StreamMeta* s = state().stream(stream);
    if (s == nullptr) return finish_stream_op(stream, Status::kNotFound);
    if (!s->extents.empty()) {
        const ExtentId last = s->extents.back();
        const ExtentMeta* meta = state().extent(last);
        if (!meta->sealed) {
            // Seal only the extent the client saw fail; otherwise it is already replaced.
            if (last != seal_target) return finish_stream_op(stream, Status::kOk);
            seal(last, [this, stream](Status st) {
                if (st != Status::kOk) return finish_stream_op(stream, st);
                new_extent(stream, {}, 0, [this, stream](Status st2) { finish_stream_op(stream, st2); });
            });
            return;
        }
    }
    new_extent(stream, {}, 0, [this, stream](Status st) { finish_stream_op(stream, st); });
}

void StreamManager::seal_open_extents_in(int upgrade_domain) {
    // The operator takes the domain down next: seal each stream's open extent that has a
    // replica there and give the stream a new one elsewhere, so writers move on before the
    // nodes go rather than after their appends time out. A writer still appending to the
    // old extent is refused (sealed) and finds the new one when it asks.
    const auto& topo = ctx().topology();
    for (const auto& [id, s] : state().data().streams) {
        if (s.extents.empty()) continue;
        const ExtentId last = s.extents.back();
        const ExtentMeta* meta = state().extent(last);
        if (meta == nullptr || meta->sealed) continue;
        const bool there = std::any_of(meta->replicas.begin(), meta->replicas.end(), [&](sim::NodeId n) {
            return topo.node(n).upgrade_domain == upgrade_domain;
        });
        if (there) run_stream_op(id, Waiter{}, last);
    }
}

void StreamManager::finish_stream_op(StreamId stream, Status status) {
    auto it = stream_ops_.find(stream);
    if (it == stream_ops_.end()) return;
    std::vector<Waiter> waiters = std::move(it->second);
    stream_ops_.erase(it);
    for (const Waiter& w : waiters) reply(w, status, stream);
}

// --- sealing ----------------------------------------------------------------------------------

void StreamManager::seal(ExtentId extent, Done done) {
    const ExtentMeta* meta = state().extent(extent);
    if (meta == nullptr) return done(Status::kNotFound);
    if (meta->sealed) return done(Status::kOk);
    auto [it, fresh] = seals_.try_emplace(extent);
    it->second.done.push_back(std::move(done));
    if (!fresh) return;
    SealOp& op = it->second;
    op.round = ++seal_rounds_;
    op.expected = meta->replicas.size();
    for (sim::NodeId n : meta->replicas) {
        auto q = ctx().make<LengthQuery>();
        q->extent = extent;
        q->round = op.round;
        ctx().send(extent_node_at(n), std::move(q));
    }
    op.timer_tag = set_op_timer(options_.config.seal_probe_timeout, kSealProbeTimer, extent.value);
}

void StreamManager::finish_probe(ExtentId extent) {
    auto it = seals_.find(extent);
    if (it == seals_.end()) return;
    SealOp& op = it->second;
    std::vector<sim::NodeId> answered;
    int64_t length = -1;
    const bool at_max = options_.config.has_bug(StreamBug::kSealAtMaxLength);
    for (const auto& [node, r] : op.replies) {
        if (r.status != Status::kOk && r.status != Status::kSealed) continue;
        answered.push_back(r.from);
        if (length < 0 || (at_max ? r.commit_length > length : r.commit_length < length)) length = r.commit_length;
    }
    if (answered.empty()) {
        std::vector<Done> done = std::move(op.done);
        seals_.erase(it);
        for (auto& d : done) d(Status::kUnavailable);
        return;
    }
    op.proposing = true;
    auto cmd = std::make_shared<SealExtentCmd>();
    cmd->extent = extent;
    cmd->length = length;
    propose(cmd, [this, extent, answered, length](Status st, StreamId) {
        auto it2 = seals_.find(extent);
        if (st == Status::kOk) {
            for (sim::NodeId n : answered) {
                auto s = ctx().make<SealReplica>();
                s->extent = extent;
                s->length = length;
                ctx().send(extent_node_at(n), std::move(s));
            }
        }
        if (it2 == seals_.end()) return;
        std::vector<Done> done = std::move(it2->second.done);
        seals_.erase(it2);
        for (auto& d : done) d(st == Status::kOk ? Status::kOk : st);
    });
}

// --- new extents ------------------------------------------------------------------------------

std::vector<PlacementCandidate> StreamManager::candidates(const std::vector<sim::NodeId>& excluded) const {
    std::vector<PlacementCandidate> out;
    const auto& down = state().data().upgrade_domains_down;
    const auto& topo = ctx().topology();
    for (sim::NodeId n : options_.extent_nodes) {
        if (!alive(n)) continue;
        if (std::find(excluded.begin(), excluded.end(), n) != excluded.end()) continue;
        if (down.count(topo.node(n).upgrade_domain) != 0) continue;
        out.push_back(PlacementCandidate{n, find_health(n)->load});
    }
    return out;
}

void StreamManager::new_extent(StreamId stream, std::vector<sim::NodeId> excluded, int attempt, Done done) {
    auto picked = place_replicas(ctx().topology(), candidates(excluded), {}, options_.config.replicas,
                                 options_.config.replicas, rng_,
                                 options_.config.has_bug(StreamBug::kSameRackReplicas));
    if (!picked) return done(Status::kUnavailable);
    next_reserved_ = std::max(next_reserved_, state().data().next_extent);
    const ExtentId id{next_reserved_++};
    CreateOp& op = creates_[id];
    op.stream = stream;
    op.nodes = *picked;
    op.excluded = std::move(excluded);
    op.attempt = attempt;
    op.done = std::move(done);
    for (sim::NodeId n : op.nodes) {
        auto c = ctx().make<CreateReplica>();
        c->extent = id;
        c->chain = op.nodes;
        ctx().send(extent_node_at(n), std::move(c));
    }
    op.timer_tag = set_op_timer(options_.config.create_timeout, kCreateTimer, id.value);
}

void StreamManager::handle_create_reply(const CreateReplicaReply& m) {
    auto it = creates_.find(m.extent);
    if (it == creates_.end() || it->second.finished) return;
    if (m.status != Status::kOk) {
        it->second.excluded.push_back(m.from);
        return finish_create(m.extent, true);
    }
    it->second.acked.insert(m.from.value);
    if (it->second.acked.size() == it->second.nodes.size()) finish_create(m.extent, false);
}

void StreamManager::finish_create(ExtentId extent, bool failed) {
    auto it = creates_.find(extent);
    if (it == creates_.end() || it->second.finished) return;
    CreateOp& op = it->second;
    op.finished = true;
    if (failed) {
        // Try other nodes; the half-created replicas are orphans for garbage collection.
        std::vector<sim::NodeId> excluded = op.excluded;
        for (sim::NodeId n : op.nodes) {
            if (op.acked.count(n.value) == 0) excluded.push_back(n);
        }
        Done done = std::move(op.done);
        const StreamId stream = op.stream;
        const int attempt = op.attempt;
        creates_.erase(it);
        if (attempt + 1 >= 4) return done(Status::kUnavailable);
        return new_extent(stream, std::move(excluded), attempt + 1, std::move(done));
    }
    auto cmd = std::make_shared<AddExtentCmd>();
    cmd->stream = op.stream;
    cmd->extent = extent;
    cmd->replicas = op.nodes;
    propose(cmd, [this, extent](Status st, StreamId) {
        auto it2 = creates_.find(extent);
        if (it2 == creates_.end()) return;
        Done done = std::move(it2->second.done);
        creates_.erase(it2);
        done(st);
    });
}

// --- repair, garbage collection -----------------------------------------------------------------

void StreamManager::become_leader() {
    // Health knowledge may be stale: give every node a fresh grace period.
    for (auto& h : health_) {
        if (h.heard) h.last_heard = ctx().now();
        h.dead = false;
        h.challenge = 0;
    }
    repairs_.clear();
    lost_since_.clear();
    first_seen_.clear();
    gc_pending_.clear();
}

void StreamManager::tick() {
    const bool leader = core_.is_leader();
    if (leader && !was_leader_) become_leader();
    was_leader_ = leader;
    if (!leader) {
        // Operations of a former leadership can no longer complete here.
        seals_.clear();
        creates_.clear();
        for (auto& [stream, waiters] : stream_ops_) {
            for (const Waiter& w : waiters) reply(w, Status::kNotLeader, StreamId{});
        }
        stream_ops_.clear();
        return;
    }
    const sim::Time now = ctx().now();
    for (sim::NodeId n : options_.extent_nodes) {
        NodeHealth& h = health(n);
        if (!h.heard || h.dead) continue;
        if (now - h.last_heard > options_.config.node_timeout) {
            h.dead = true;
            h.dead_since = now;
            if (options_.observer) options_.observer->on_declared_dead(n);
            if (options_.metrics) ++options_.metrics->nodes_declared_dead;
        }
    }
    scan_extents();
    collect_garbage();
    if (options_.metrics) options_.metrics->under_replicated.emplace_back(ctx().true_now(), under_replicated_);
}

void StreamManager::scan_extents() {
    const sim::Time now = ctx().now();
    const auto& cfg = options_.config;
    int under = 0;
    for (const auto& [id, meta] : state().data().extents) {
        if (!meta.stream.valid()) continue;  // garbage: collect_garbage deletes it
        auto [fs, fresh] = first_seen_.try_emplace(id, now);
        const sim::Time known_since = fs->second;
        std::vector<sim::NodeId> healthy;
        std::vector<std::pair<sim::NodeId, sim::Time>> lost;
        std::vector<sim::NodeId> stale;
        for (sim::NodeId n : meta.replicas) {
            const NodeHealth* h = find_health(n);
            const auto key = std::make_pair(id, n.value);
            bool is_lost = false;
            bool is_stale = false;
            if (h == nullptr || !h->heard) {
                // Never heard from: treat as healthy until the node timeout says otherwise.
            } else if (h->dead) {
                is_lost = true;
            } else if (auto r = h->report.find(id); r != h->report.end()) {
                if (r->second.corrupt) {
                    is_lost = true;
                } else if (meta.sealed && (!r->second.sealed || r->second.commit_length != meta.sealed_length)) {
                    is_stale = true;
                    if (!r->second.sealed && r->second.commit_length >= meta.sealed_length) {
                        // It holds everything: (re)send the seal rather than copy.
                        auto sr = ctx().make<SealReplica>();
                        sr->extent = id;
                        sr->length = meta.sealed_length;
                        ctx().send(extent_node_at(n), std::move(sr));
                    }
                }
            } else if (h->report_at > known_since + cfg.heartbeat * 2) {
                is_lost = true;  // the node reported without it: its disk lost it
            }
            if (is_lost) {
                auto [ls, ins] = lost_since_.try_emplace(key, now);
                lost.emplace_back(n, ls->second);
            } else {
                lost_since_.erase(key);
                if (is_stale) stale.push_back(n);
                else healthy.push_back(n);
            }
        }
        if (static_cast<int>(healthy.size()) < cfg.replicas) ++under;
        if (!meta.sealed) {
            if (!lost.empty()) seal(id, [](Status) {});
            continue;
        }
        if (auto rit = repairs_.find(id); rit != repairs_.end()) {
            if (now - rit->second.started < kRepairTimeout) continue;
            repairs_.erase(rit);
        }
        if (static_cast<int>(repairs_.size()) >= cfg.max_concurrent_repairs) continue;
        bool started = false;
        for (const auto& [n, since] : lost) {
            // A node an upgrade took down (its domain marked down by the operator) comes
            // back with its disk: no copy while two healthy replicas remain (maintenance
            // mode); fewer, and it is repaired like any loss.
            if (upgrading(n) && healthy.size() >= 2) continue;
            if (now - since >= cfg.re_replication_delay) {
                start_repair(id, meta, n, false, healthy);
                started = true;
                break;
            }
        }
        if (!started && !stale.empty()) start_repair(id, meta, stale.front(), true, healthy);
    }
    under_replicated_ = under;
}

bool StreamManager::upgrading(sim::NodeId n) const {
    const auto& down = state().data().upgrade_domains_down;
    return !down.empty() && down.count(ctx().topology().node(n).upgrade_domain) != 0;
}

void StreamManager::start_repair(ExtentId extent, const ExtentMeta& meta, sim::NodeId lost, bool sync,
                                 const std::vector<sim::NodeId>& healthy) {
    std::vector<sim::NodeId> sources;
    for (sim::NodeId n : healthy) {
        const NodeHealth* h = find_health(n);
        if (h == nullptr || !h->heard) continue;
        auto r = h->report.find(extent);
        if (r != h->report.end() && r->second.sealed && r->second.commit_length == meta.sealed_length) {
            sources.push_back(n);
        }
    }
    if (sources.empty()) return;
    const sim::NodeId source = sources[rng_.below(sources.size())];
    sim::NodeId target = lost;
    std::vector<sim::NodeId> chain = meta.replicas;
    if (!sync) {
        std::vector<sim::NodeId> staying;
        for (sim::NodeId n : meta.replicas) {
            if (n != lost) staying.push_back(n);
        }
        auto picked = place_replicas(ctx().topology(), candidates(meta.replicas), staying, 1, options_.config.replicas,
                                     rng_, false);
        if (!picked) return;
        target = picked->front();
        std::replace(chain.begin(), chain.end(), lost, target);
    }
    auto order = ctx().make<CopyOrder>();
    order->extent = extent;
    order->source = source;
    order->length = meta.sealed_length;
    order->chain = chain;
    ctx().send(extent_node_at(target), std::move(order));
    repairs_[extent] = Repair{target, lost, ctx().now(), sync};
}

void StreamManager::handle_copy_done(const CopyDone& m) {
    auto it = repairs_.find(m.extent);
    if (it == repairs_.end() || it->second.target != m.from) return;
    if (m.status != Status::kOk) {
        repairs_.erase(it);
        return;
    }
    if (it->second.sync) {
        repairs_.erase(it);
        if (options_.metrics) ++options_.metrics->re_replications;
        return;
    }
    auto cmd = std::make_shared<ReplaceReplicaCmd>();
    cmd->extent = m.extent;
    cmd->old_node = it->second.old_node;
    cmd->new_node = m.from;
    const sim::NodeId old_node = it->second.old_node;
    propose(cmd, [this, extent = m.extent, old_node](Status st, StreamId) {
        repairs_.erase(extent);
        if (st != Status::kOk) return;
        if (options_.metrics) ++options_.metrics->re_replications;
        auto d = ctx().make<DeleteReplica>();
        d->extent = extent;
        ctx().send(extent_node_at(old_node), std::move(d));
    });
}

void StreamManager::collect_garbage() {
    const auto& data = state().data();
    for (const auto& [id, meta] : data.extents) {
        if (meta.stream.valid() || gc_pending_.count(id) != 0) continue;
        gc_pending_.insert(id);
        for (sim::NodeId n : meta.replicas) {
            auto d = ctx().make<DeleteReplica>();
            d->extent = id;
            ctx().send(extent_node_at(n), std::move(d));
        }
        auto cmd = std::make_shared<DeleteExtentCmd>();
        cmd->extent = id;
        propose(cmd, [this, id = id](Status, StreamId) { gc_pending_.erase(id); });
    }
    // Replicas that no extent lists on that node: orphans of failed creations, replicas
    // replaced while their node was away, extents already deleted.
    for (sim::NodeId n : options_.extent_nodes) {
        if (!alive(n)) continue;
        const NodeHealth& h = health(n);
        for (const auto& [id, r] : h.report) {
            if (id.value >= data.next_extent || creates_.count(id) != 0) continue;  // in creation
            if (auto rep = repairs_.find(id); rep != repairs_.end() && rep->second.target == n) continue;
            auto meta = data.extents.find(id);
            if (meta != data.extents.end() &&
                std::find(meta->second.replicas.begin(), meta->second.replicas.end(), n) != meta->second.replicas.end()) {
                continue;
            }
            auto d = ctx().make<DeleteReplica>();
            d->extent = id;
            ctx().send(extent_node_at(n), std::move(d));
        }
    }
}

}  // namespace models::stream
