#include "models/location/geo_replicator.h"

#include <algorithm>

#include "models/frontend/front_end.h"
#include "sim/check.h"

namespace models::location {

namespace {

constexpr uint64_t kShipTick = 1;
constexpr uint64_t kApplyTick = 2;
constexpr uint64_t kLogIo = 1;
constexpr sim::Duration kApplyTickEvery = sim::Duration::millis(250);
// A change shipped as part of a bulk copy from a replica of another stamp's history has
// no version of this stamp: it is older than any write logged here.
constexpr uint64_t kForeignVersion = 0;

}  // namespace

GeoReplicator::GeoReplicator(sim::Context& ctx, const GeoReplicatorOptions& options)
    : Actor(ctx), options_(options), durable_(ctx.durable<Durable>("location/geo_replicator")) {
    SIM_ASSERT(options_.stamp >= 0, "geo replicator without a stamp");
}

void GeoReplicator::on_start() {
    ctx().send(options_.location_service, ctx().make<GeoRolesRequest>());
    ctx().set_timer(options_.interval, kShipTick);
    ctx().set_timer(kApplyTickEvery, kApplyTick);
}

uint64_t GeoReplicator::pending(const std::string& account) const {
    uint64_t n = 0;
    for (const auto& [target, entries] : durable_.pending) {
        for (const auto& [key, e] : entries) n += key.account == account ? 1 : 0;
    }
    for (const auto& c : durable_.unrouted) n += c.key.account == account ? 1 : 0;
    return n;
}

const GeoRole* GeoReplicator::role(const std::string& account) const {
    auto it = roles_.find(account);
    return it == roles_.end() ? nullptr : &it->second;
}

bool GeoReplicator::ships_to(const std::string& account, int target) const {
    const GeoRole* r = role(account);
    if (r == nullptr || r->primary != options_.stamp) return false;
    return std::find(r->targets.begin(), r->targets.end(), target) != r->targets.end();
}

void GeoReplicator::on_message(sim::MessagePtr m) {
    if (m->is<GeoLog>()) return handle_log(m->as<GeoLog>(), m->src);
    if (m->is<GeoBatch>()) {
        const auto& b = m->as<GeoBatch>();
        if (b.roles_version > roles_version_) {
            // Our roles are older than the sender's: wait for the location service's.
            ctx().send(options_.location_service, ctx().make<GeoRolesRequest>());
            if (deferred_batches_.size() < 16) deferred_batches_.push_back(sim::message_cast<GeoBatch>(std::move(m)));
            return;
        }
        return handle_batch(b);
    }
    if (m->is<GeoBatchAck>()) return handle_ack(m->as<GeoBatchAck>());
    if (m->is<GeoRoles>()) return handle_roles(m->as<GeoRoles>());
    if (m->is<GeoCopy>()) return handle_copy(m->as<GeoCopy>());
    if (m->is<GeoBacklogQuery>()) return reply_backlog(m->as<GeoBacklogQuery>(), m->src);
    if (m->is<frontend::ClientReply>()) {
        const auto& r = m->as<frontend::ClientReply>();
        auto it = applies_.find(r.request_id);
        if (it == applies_.end()) return;
        const bool ok = r.status == frontend::ClientStatus::kOk ||
                        (it->second.change.deleted && r.status == frontend::ClientStatus::kNotFound);
        return apply_done(r.request_id, ok);
    }
}

void GeoReplicator::on_timer(uint64_t tag) {
    if (tag == kShipTick) {
        ship_all();
        ctx().set_timer(options_.interval, kShipTick);
        return;
    }
    if (tag == kApplyTick) {
        const sim::Time now = ctx().now();
        std::vector<uint64_t> expired;
        for (const auto& [id, a] : applies_) {
            if (now >= a.deadline) expired.push_back(id);
        }
        for (uint64_t id : expired) apply_done(id, false);
        // Batches whose acknowledgement never came go again (the receiver skips what it
        // already applied).
        for (auto& [target, f] : in_flight_) {
            if (now - f.sent < options_.ack_timeout) continue;
            auto b = ctx().make<GeoBatch>();
            b->source_stamp = options_.stamp;
            b->batch = f.batch;
            b->roles_version = roles_version_;
            b->changes = f.changes;
            for (const auto& c : f.changes) b->size_bytes += geo_change_bytes(c);
            f.sent = now;
            ++stats_.retransmits;
            ctx().send(options_.replicators[static_cast<size_t>(target)], std::move(b));
        }
        ctx().set_timer(kApplyTickEvery, kApplyTick);
    }
}

// ------------------------------------------------------------------ primary: log and ship

void GeoReplicator::handle_log(const GeoLog& m, sim::Address from) {
    const GeoRole* r = role(m.change.key.account);
    if (roles_version_ > 0 && (r == nullptr || r->primary != options_.stamp || r->targets.empty())) {
        // Not (any more) the account's primary here: the write will not ship.
        ++stats_.refused;
        auto a = ctx().make<GeoLogAck>();
        a->tag = m.tag;
        a->logged = false;
        ctx().send(from, std::move(a));
        return;
    }
    log_buffer_.push_back(Logging{m.change, from, m.tag});
    if (log_writing_.empty()) start_log_write();
}

void GeoReplicator::start_log_write() {
    // Group commit: everything buffered goes in one write.
    log_writing_.swap(log_buffer_);
    int64_t bytes = 0;
    for (const auto& l : log_writing_) bytes += geo_change_bytes(l.change);
    ctx().disk_io(sim::IoKind::kWrite, bytes, kLogIo);
}

void GeoReplicator::on_io(uint64_t tag, sim::IoStatus status) {
    if (tag != kLogIo) return;
    std::vector<Logging> done;
    done.swap(log_writing_);
    const bool ok = status == sim::IoStatus::kOk;
    for (const auto& l : done) {
        if (ok) {
            Held& h = durable_.inventory[l.change.key];
            if (!(h.local && h.change.version > l.change.version)) h = Held{l.change, true};
            if (roles_version_ == 0) {
                durable_.unrouted.push_back(l.change);
            } else {
                route(l.change);
            }
            ++stats_.logged;
            if (options_.observer != nullptr) options_.observer->logged(options_.stamp, l.change, ctx().true_now());
        }
        auto a = ctx().make<GeoLogAck>();
        a->tag = l.tag;
        a->logged = ok;
        ctx().send(l.front_end, std::move(a));
    }
    if (!log_buffer_.empty()) start_log_write();
}

void GeoReplicator::route(const GeoChange& c) {
    const GeoRole* r = role(c.key.account);
    if (r == nullptr || r->primary != options_.stamp) return;
    for (int target : r->targets) {
        auto& entries = durable_.pending[target];
        auto it = entries.find(c.key);
        if (it == entries.end()) {
            entries.emplace(c.key, Entry{c, durable_.next_seq++});
        } else if (it->second.change.version <= c.version) {
            it->second.change = c;  // the newest version wins; the key keeps its place
        }
    }
}

void GeoReplicator::ship_all() {
    if (roles_version_ == 0) return;
    for (const auto& [target, entries] : durable_.pending) {
        if (!entries.empty() && !in_flight_.contains(target)) ship(target);
    }
}

void GeoReplicator::ship(int target) {
    auto& entries = durable_.pending[target];
    std::vector<const Entry*> order;
    order.reserve(entries.size());
    for (const auto& [key, e] : entries) order.push_back(&e);
    std::sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) { return a->seq < b->seq; });
    if (order.size() > options_.batch_max) order.resize(options_.batch_max);
    InFlight f;
    f.batch = ++durable_.next_batch[target];
    f.sent = ctx().now();
    auto b = ctx().make<GeoBatch>();
    b->source_stamp = options_.stamp;
    b->batch = f.batch;
    b->roles_version = roles_version_;
    for (const Entry* e : order) {
        f.changes.push_back(e->change);
        b->size_bytes += geo_change_bytes(e->change);
    }
    b->changes = f.changes;
    stats_.changes_shipped += f.changes.size();
    ++stats_.batches_sent;
    in_flight_[target] = std::move(f);
    ctx().send(options_.replicators[static_cast<size_t>(target)], std::move(b));
}

void GeoReplicator::handle_ack(const GeoBatchAck& a) {
    auto it = in_flight_.find(a.target_stamp);
    if (it == in_flight_.end() || it->second.batch != a.batch) return;
    auto& entries = durable_.pending[a.target_stamp];
    for (const auto& c : it->second.changes) {
        auto e = entries.find(c.key);
        // A newer version logged meanwhile stays, and ships next.
        if (e != entries.end() && e->second.change.version == c.version) entries.erase(e);
    }
    const bool full = it->second.changes.size() >= options_.batch_max;
    in_flight_.erase(it);
    // A full batch means more was waiting: keep going rather than wait an interval.
    if (full && !entries.empty()) ship(a.target_stamp);
}

void GeoReplicator::handle_roles(const GeoRoles& r) {
    if (r.version <= roles_version_) return;
    roles_version_ = r.version;
    roles_ = r.accounts;
    // Drop what this stamp must no longer ship: an account switched away (an abrupt
    // failover's backlog is lost by definition) or a target removed.
    for (auto& [target, entries] : durable_.pending) {
        for (auto it = entries.begin(); it != entries.end();) {
            it = ships_to(it->first.account, target) ? std::next(it) : entries.erase(it);
        }
        auto f = in_flight_.find(target);
        if (f != in_flight_.end()) {
            bool any = false;
            for (const auto& c : f->second.changes) any = any || ships_to(c.key.account, target);
            if (!any) in_flight_.erase(f);
        }
    }
    std::vector<GeoChange> unrouted;
    unrouted.swap(durable_.unrouted);
    for (const auto& c : unrouted) route(c);
    while (!deferred_batches_.empty() && deferred_batches_.front()->roles_version <= roles_version_) {
        sim::Owned<GeoBatch> b = std::move(deferred_batches_.front());
        deferred_batches_.pop_front();
        handle_batch(*b);
    }
    std::vector<GeoCopy> copies;
    copies.swap(deferred_copies_);
    for (const auto& c : copies) handle_copy(c);
}

void GeoReplicator::handle_copy(const GeoCopy& c) {
    if (c.roles_version > roles_version_) {
        ctx().send(options_.location_service, ctx().make<GeoRolesRequest>());
        deferred_copies_.push_back(c);
        return;
    }
    if (!ships_to(c.account, c.target)) return;
    const auto mark_key = std::make_pair(c.account, c.target);
    if (durable_.copy_mark.contains(mark_key)) return;  // already copying (a repeated request)
    auto& entries = durable_.pending[c.target];
    const BlobKey from{c.account, "", ""};
    for (auto it = durable_.inventory.lower_bound(from); it != durable_.inventory.end() && it->first.account == c.account;
         ++it) {
        GeoChange change = it->second.change;
        if (!it->second.local) change.version = kForeignVersion;
        auto e = entries.find(change.key);
        if (e == entries.end()) {
            entries.emplace(change.key, Entry{change, durable_.next_seq++});
        } else if (e->second.change.version < change.version) {
            e->second.change = change;
        }
        ++stats_.copied;
    }
    durable_.copy_mark[mark_key] = durable_.next_seq - 1;
}

void GeoReplicator::reply_backlog(const GeoBacklogQuery& q, sim::Address to) {
    auto r = ctx().make<GeoBacklogReply>();
    r->account = q.account;
    r->target = q.target;
    r->stamp = options_.stamp;
    r->roles_version = roles_version_;
    for (const auto& [target, entries] : durable_.pending) {
        if (q.target >= 0 && target != q.target) continue;
        for (const auto& [key, e] : entries) r->pending += key.account == q.account ? 1 : 0;
    }
    for (const auto& c : durable_.unrouted) r->pending += c.key.account == q.account ? 1 : 0;
    for (const auto& l : log_buffer_) r->pending += l.change.key.account == q.account ? 1 : 0;
    for (const auto& l : log_writing_) r->pending += l.change.key.account == q.account ? 1 : 0;
    if (q.target >= 0) {
        auto mark = durable_.copy_mark.find(std::make_pair(q.account, q.target));
        r->copy_started = mark != durable_.copy_mark.end();
        if (r->copy_started) {
            r->copied = true;
            for (const auto& [key, e] : durable_.pending[q.target]) {
                if (key.account == q.account && e.seq <= mark->second) r->copied = false;
            }
        }
    }
    ctx().send(to, std::move(r));
}

// ------------------------------------------------------------------ target: apply

void GeoReplicator::handle_batch(const GeoBatch& b) {
    const int source = b.source_stamp;
    if (source < 0 || static_cast<size_t>(source) >= options_.replicators.size()) return;
    auto done = durable_.last_batch_done.find(source);
    if (done != durable_.last_batch_done.end() && b.batch <= done->second) {
        auto a = ctx().make<GeoBatchAck>();  // a retransmit of a batch already applied
        a->target_stamp = options_.stamp;
        a->batch = b.batch;
        ctx().send(options_.replicators[static_cast<size_t>(source)], std::move(a));
        return;
    }
    if (applying_) return;  // the sender resends after its ack timeout
    Applying ap;
    ap.source = source;
    ap.batch = b.batch;
    for (const auto& c : b.changes) {
        const GeoRole* r = role(c.key.account);
        // Only the account's current primary may change it here.
        if (r == nullptr || r->primary != source ||
            std::find(r->targets.begin(), r->targets.end(), options_.stamp) == r->targets.end()) {
            ++stats_.changes_skipped;
            continue;
        }
        auto it = durable_.applied.find(std::make_pair(source, c.key));
        if (it != durable_.applied.end() && it->second >= c.version) {
            ++stats_.changes_skipped;
            if (options_.observer != nullptr) {
                options_.observer->applied(options_.stamp, c.key, c.version, ctx().true_now());
            }
            continue;
        }
        ap.queue.push_back(c);
    }
    applying_ = std::move(ap);
    pump_applies();
    if (applying_ && applying_->queue.empty() && applying_->outstanding == 0) finish_batch();
}

void GeoReplicator::pump_applies() {
    if (!applying_ || options_.front_ends.empty()) return;
    while (!applying_->queue.empty() && applying_->outstanding < static_cast<size_t>(options_.apply_window)) {
        GeoChange c = std::move(applying_->queue.front());
        applying_->queue.pop_front();
        const uint64_t id = next_request_++;
        auto q = ctx().make<frontend::ClientRequest>();
        q->request_id = id;
        q->op = c.deleted ? partition::BlobOp::kDelete : partition::BlobOp::kPut;
        q->account = c.key.account;
        q->container = c.key.container;
        q->blob = c.key.blob;
        q->size_bytes = c.size_bytes;
        q->fingerprint = c.fingerprint;
        q->client_time = ctx().now();
        q->replication = true;
        const sim::Address fe = options_.front_ends[next_front_end_++ % options_.front_ends.size()];
        applies_[id] = Apply{applying_->source, std::move(c), ctx().now() + options_.apply_timeout};
        ++applying_->outstanding;
        ctx().send(fe, std::move(q));
    }
}

void GeoReplicator::apply_done(uint64_t request, bool ok) {
    auto node = applies_.extract(request);
    if (node.empty()) return;
    Apply& a = node.mapped();
    if (!applying_ || applying_->source != a.source) return;
    --applying_->outstanding;
    if (ok) {
        uint64_t& v = durable_.applied[std::make_pair(a.source, a.change.key)];
        v = std::max(v, a.change.version);
        durable_.inventory[a.change.key] = Held{a.change, false};
        ++stats_.changes_applied;
        if (options_.observer != nullptr) {
            options_.observer->applied(options_.stamp, a.change.key, a.change.version, ctx().true_now());
        }
    } else {
        applying_->queue.push_back(std::move(a.change));  // again, through another front-end
    }
    pump_applies();
    if (applying_->queue.empty() && applying_->outstanding == 0) finish_batch();
}

void GeoReplicator::finish_batch() {
    durable_.last_batch_done[applying_->source] = applying_->batch;
    auto a = ctx().make<GeoBatchAck>();
    a->target_stamp = options_.stamp;
    a->batch = applying_->batch;
    ctx().send(options_.replicators[static_cast<size_t>(applying_->source)], std::move(a));
    applying_.reset();
}

std::unique_ptr<sim::Actor> make_geo_replicator(sim::Context& ctx, const GeoReplicatorOptions& options) {
    return std::make_unique<GeoReplicator>(ctx, options);
}

}  // namespace models::location
