#include "models/partition/partition_server.h"

#include <algorithm>

#include "sim/check.h"
#include "sim/simulation.h"

namespace models::partition {

namespace {

constexpr uint64_t kTickTimer = 1;
// Retry timers: this bit plus the range id (range ids stay far below 2^40).
constexpr uint64_t kRetryTimer = 1ull << 40;
constexpr uint64_t kFenceTimer = 1ull << 41;
constexpr uint64_t kOffloadTimer = 1ull << 42;
// The longest a range waits for its hand-over checkpoint before it is dropped anyway.
const sim::Duration kOffloadLimit = sim::Duration::seconds(2);
// Retry of a refused retire (an ancestor's holder is handing it over: usually milliseconds).
const sim::Duration kFenceRetry = sim::Duration::millis(100);
constexpr size_t kKeySample = 64;
constexpr size_t kSplitQuantiles = 8;  // split keys reported at 1/8 .. 7/8

bool has_prefix(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

std::unique_ptr<sim::Actor> make_partition_server(sim::Context& ctx, const PartitionServerOptions& options) {
    return std::make_unique<PartitionServer>(ctx, options);
}

PartitionServer::PartitionServer(sim::Context& ctx, const PartitionServerOptions& options)
    : Actor(ctx), options_(options), client_(ctx, options.stream) {
    SIM_ASSERT(options_.payloads != nullptr, "partition server without a payload store");
    SIM_ASSERT(static_cast<bool>(options_.leases), "partition server without a lease factory");
    leases_ = options_.leases(ctx, 0);
    store_options_.config = options_.config;
    store_options_.payloads = options_.payloads;
    store_options_.block_size_bytes = options_.block_size_bytes;
    store_options_.observer = options_.observer;
}

PartitionServer::~PartitionServer() {
    // Stores hold references to the stream client: close them before it goes. A crash
    // ends every tenure (the observer must not count the next incarnation's as the same).
    for (auto& [id, s] : slots_) {
        if (options_.observer) options_.observer->on_stop(options_.id, id);
        if (s.store) s.store->close();
    }
    slots_.clear();
    if (options_.config.stale_partition_map) close_dropped();  // planted bug
}

void PartitionServer::on_start() {
    last_heartbeat_ = ctx().now();
    heartbeat();  // announce at once: the manager answers with the assignment
    ctx().set_timer(options_.config.heartbeat, kTickTimer);
}

void PartitionServer::on_message(sim::MessagePtr msg) {
    closed_stores_.clear();
    if (client_.handle_message(msg)) return;
    if (leases_->handle_message(msg)) return;
    if (msg->is<BlobRequest>()) {
        const sim::Address from = msg->src;
        return handle_request(sim::message_cast<BlobRequest>(std::move(msg)), from);
    }
    if (msg->is<Assignment>()) return handle_assignment(msg->as<Assignment>());
    // Anything else (a late reply to a former incarnation's call) is ignored.
}

void PartitionServer::on_timer(uint64_t tag) {
    closed_stores_.clear();
    if (stream::StreamClient::owns_tag(tag)) return client_.handle_timer(tag);
    if (leases_->handle_timer(tag)) return;
    if (tag == kTickTimer) {
        // Ranges whose lease ran out stop here even without requests.
        std::vector<RangeId> lost;
        for (auto& [id, s] : slots_) {
            if (s.state != SlotState::kAcquiring && !lease_valid(s)) lost.push_back(id);
        }
        for (RangeId id : lost) {
            Slot& s = slots_.at(id);
            ++stats_.leases_lost;
            if (s.offloading) {
                drop_slot(id);
                continue;
            }
            stop_slot(s);
            start_slot(s);
        }
        heartbeat();
        ctx().set_timer(options_.config.heartbeat, kTickTimer);
        return;
    }
    if ((tag & kOffloadTimer) != 0) {
        const RangeId range{tag & ~kOffloadTimer};
        auto it = slots_.find(range);
        if (it != slots_.end() && it->second.offloading) finish_offload(range, it->second.gen);
        return;
    }
    if ((tag & kFenceTimer) != 0) {
        const RangeId range{tag & ~kFenceTimer};
        auto it = slots_.find(range);
        if (it == slots_.end()) return;
        it->second.fence_timer_armed = false;
        if (it->second.state == SlotState::kFencing && it->second.fences_waiting == 0) fence(range, it->second.gen);
        return;
    }
    if ((tag & kRetryTimer) != 0) {
        const RangeId range{tag & ~kRetryTimer};
        auto it = slots_.find(range);
        if (it == slots_.end()) return;
        it->second.retry_armed = false;
        if (it->second.state == SlotState::kAcquiring && !it->second.acquire_outstanding) acquire(range);
    }
}

bool PartitionServer::serving(RangeId range) const {
    auto it = slots_.find(range);
    return it != slots_.end() && it->second.state == SlotState::kReady;
}

std::vector<RangeId> PartitionServer::ranges_serving() const {
    std::vector<RangeId> out;
    for (const auto& [id, s] : slots_) {
        if (s.state == SlotState::kReady) out.push_back(id);
    }
    return out;
}

const RangeStore* PartitionServer::store(RangeId range) const {
    auto it = slots_.find(range);
    return it == slots_.end() || it->second.state != SlotState::kReady ? nullptr : it->second.store.get();
}

std::string_view PartitionServer::slot_state(RangeId range) const {
    auto it = slots_.find(range);
    if (it == slots_.end()) return "absent";
    switch (it->second.state) {
        case SlotState::kAcquiring: return "acquiring";
        case SlotState::kFencing: return "fencing";
        case SlotState::kLoading: return "loading";
        case SlotState::kReady: return "ready";
    }
    return "?";
}

// --- assignment and leases -------------------------------------------------------------------

void PartitionServer::handle_assignment(const Assignment& a) {
    if (a.server != options_.id) return;
    if (a.map_version < map_version_) return;  // older than what we applied
    map_version_ = a.map_version;
    std::map<RangeId, const RangeAssignment*> wanted;
    for (const RangeAssignment& r : a.ranges) wanted[r.range] = &r;
    // Unload what is no longer ours (or ours under another epoch: a new assignment).
    std::vector<RangeId> gone;
    for (const auto& [id, s] : slots_) {
        auto w = wanted.find(id);
        if (w == wanted.end() || w->second->epoch != s.assignment.epoch) gone.push_back(id);
    }
    for (RangeId id : gone) {
        Slot& s = slots_.at(id);
        if (s.offloading && wanted.count(id) == 0) continue;  // already handing over
        // A loaded range moved or split away is handed over after a checkpoint; anything
        // else (not loaded yet, or given back to us under a new epoch) goes at once.
        if (s.state == SlotState::kReady && s.store && !s.offloading && wanted.count(id) == 0) {
            start_offload(id);
        } else {
            drop_slot(id);
        }
    }
    for (const auto& [id, r] : wanted) {
        if (slots_.count(id) != 0) continue;
        Slot& s = slots_[id];
        s.assignment = *r;
        s.lock = range_lock_name(id.value);
        start_slot(s);
    }
}

void PartitionServer::start_slot(Slot& s) {
    s.state = SlotState::kAcquiring;
    s.gen = next_gen_++;
    s.token = 0;
    if (!s.acquire_outstanding) acquire(s.assignment.range);
}

void PartitionServer::acquire(RangeId range) {
    Slot& s = slots_.at(range);
    s.acquire_outstanding = true;
    const uint64_t gen = s.gen;
    leases_->acquire(s.lock, [this, range, gen](bool granted, uint64_t token) {
        auto it = slots_.find(range);
        if (it == slots_.end()) {
            // Unassigned meanwhile: give a granted lease back at once.
            if (granted) leases_->release(range_lock_name(range.value));
            return;
        }
        it->second.acquire_outstanding = false;
        on_granted(range, gen, granted, token);
    });
}

void PartitionServer::on_granted(RangeId range, uint64_t gen, bool granted, uint64_t token) {
    Slot& s = slots_.at(range);
    if (s.state != SlotState::kAcquiring) return;
    if (!granted) return arm_retry(s);
    // The slot may have been restarted while asking (lease lost again): the new grant is
    // good for the current generation.
    gen = s.gen;
    s.token = token;
    s.state = SlotState::kFencing;
    fence(range, gen);
}

void PartitionServer::fence(RangeId range, uint64_t gen) {
    Slot& s = slots_.at(range);
    const std::vector<RangeId>& ancestors = s.assignment.meta.ancestors;
    if (ancestors.empty()) return load(range, gen);
    // An ancestor this server still holds (being handed over after its checkpoint) is not
    // retired from under itself: finish_offload() fences again once it is gone.
    for (RangeId a : ancestors) {
        if (slots_.count(a) == 0) continue;
        if (!s.fence_timer_armed) {
            s.fence_timer_armed = true;
            ctx().set_timer(kFenceRetry, kFenceTimer | range.value);
        }
        return;
    }
    s.fences_waiting = static_cast<int>(ancestors.size());
    s.fence_refused = false;
    const uint64_t round = ++s.fence_round;
    for (RangeId a : ancestors) {
        leases_->retire(range_lock_name(a.value), [this, range, gen, round](bool ok) {
            auto it = slots_.find(range);
            if (it == slots_.end() || it->second.gen != gen || it->second.state != SlotState::kFencing) return;
            Slot& slot = it->second;
            if (slot.fence_round != round) return;
            slot.fence_refused = slot.fence_refused || !ok;
            if (--slot.fences_waiting > 0) return;
            if (!slot.fence_refused) return load(range, gen);
            // A stale holder of an ancestor still has its lease: ask again after a pause.
            if (!slot.fence_timer_armed) {
                slot.fence_timer_armed = true;
                ctx().set_timer(kFenceRetry, kFenceTimer | range.value);
            }
        });
    }
}

void PartitionServer::load(RangeId range, uint64_t gen) {
    Slot& s = slots_.at(range);
    s.state = SlotState::kLoading;
    ++stats_.loads;
    s.store = std::make_unique<RangeStore>(ctx(), client_, range, s.assignment.keys, s.assignment.meta, s.token,
                                           store_options_);
    s.store->load([this, range, gen](bool ok) { on_loaded(range, gen, ok); });
}

void PartitionServer::on_loaded(RangeId range, uint64_t gen, bool ok) {
    auto it = slots_.find(range);
    if (it == slots_.end() || it->second.gen != gen || it->second.state != SlotState::kLoading) return;
    Slot& s = it->second;
    if (ok && !lease_valid(s)) {
        // The lease ran out while loading (a pause, a slow stream layer): another server
        // may own the range by now, so this load is void. Ask for the lease again.
        ++stats_.leases_lost;
        stop_slot(s);
        start_slot(s);
        return;
    }
    if (ok) {
        s.state = SlotState::kReady;
        if (options_.observer) options_.observer->on_loaded(options_.id, s.store->partition());
        return;
    }
    // Load failed (stream layer trouble): give the lease back and start over with a new
    // token, so a retried load never writes into the failed attempt's log streams.
    stop_slot(s);
    leases_->release(s.lock);
    s.state = SlotState::kAcquiring;
    s.gen = next_gen_++;
    arm_retry(s);
}

void PartitionServer::arm_retry(Slot& s) {
    if (s.retry_armed) return;
    s.retry_armed = true;
    ctx().set_timer(options_.retry, kRetryTimer | s.assignment.range.value);
}

bool PartitionServer::lease_valid(Slot& s) {
    if (options_.config.serve_without_lease) return true;  // planted bug
    return leases_->holds(s.lock);
}

void PartitionServer::stop_slot(Slot& s) {
    if (options_.observer) options_.observer->on_stop(options_.id, s.assignment.range);
    if (s.store) {
        // Closed now, destroyed at the next event: this may run inside one of the store's
        // own callbacks (a load that completes after the lease ran out).
        s.store->close();
        closed_stores_.push_back(std::move(s.store));
    }
    for (const auto& [wid, f] : s.inflight) {
        --pending_total_;
        if (--pending_by_account_[f.account] == 0) pending_by_account_.erase(f.account);
        reply(f.client, f.request_id, BlobStatus::kUnavailable);
    }
    s.inflight.clear();
    s.state = SlotState::kAcquiring;
    s.token = 0;
}

void PartitionServer::drop_slot(RangeId range) {
    auto it = slots_.find(range);
    if (it == slots_.end()) return;
    ++stats_.unloads;
    if (options_.config.stale_partition_map) keep_dropped(it->second);  // planted bug
    stop_slot(it->second);
    // Hand the lease over at once so the next owner need not wait for it to expire. Also
    // when we were only asking for it again: a lease whose renewal stalled (a network
    // partition) is still on the lock client's books and would be renewed forever once
    // the network heals, locking the range's next owner out.
    leases_->release(it->second.lock);
    slots_.erase(it);
}

void PartitionServer::start_offload(RangeId range) {
    Slot& s = slots_.at(range);
    s.offloading = true;
    ++stats_.offloads;
    const uint64_t gen = s.gen;
    ctx().set_timer(kOffloadLimit, kOffloadTimer | range.value);
    s.store->flush_checkpoint([this, range, gen](bool) { finish_offload(range, gen); });
}

void PartitionServer::finish_offload(RangeId range, uint64_t gen) {
    auto it = slots_.find(range);
    if (it == slots_.end() || it->second.gen != gen || !it->second.offloading) return;
    drop_slot(range);
    // Ranges of ours waiting for that lease (a split's pieces kept here) go on now.
    for (auto& [id, s] : slots_) {
        if (s.state == SlotState::kFencing && s.fences_waiting == 0 && s.fence_timer_armed) fence(id, s.gen);
    }
}

// --- requests ------------------------------------------------------------------------------

PartitionServer::Slot* PartitionServer::slot_for_key(std::string_view key) {
    // A range being handed over may overlap the pieces of its split kept here: those win.
    Slot* leaving = nullptr;
    for (auto& [id, s] : slots_) {
        if (!s.assignment.keys.contains(key)) continue;
        if (!s.offloading) return &s;
        leaving = &s;
    }
    return leaving;
}

void PartitionServer::reply(sim::Address to, uint64_t request_id, BlobStatus status, IndexEntry entry) {
    auto r = ctx().make<BlobReply>();
    r->request_id = request_id;
    r->status = status;
    r->map_version = map_version_;
    r->entry = entry;
    ctx().send(to, std::move(r));
}

namespace {

// The blob data streams a range's blobs may live in: its own, then its ancestors' (a
// split or merge copies no data, so a blob written before it stays in the stream of the
// range that wrote it), newest first. A range's streams are "<prefix>/<kind>" (RangeStore)
// and its metadata streams name its lineage (RangeMeta::meta_streams, ancestors first).
std::vector<std::string> blob_streams(const RangeMeta& meta) {
    std::vector<std::string> out{meta.own_prefix + "/blob"};
    constexpr std::string_view kMeta = "/meta";
    for (auto it = meta.meta_streams.rbegin(); it != meta.meta_streams.rend(); ++it) {
        if (!it->ends_with(kMeta)) continue;
        std::string name = it->substr(0, it->size() - kMeta.size()) + "/blob";
        if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
    }
    return out;
}

}  // namespace

void PartitionServer::answer_lookup(sim::Address to, const BlobRequest& m, const std::optional<IndexEntry>& e,
                                    const RangeMeta& meta) {
    if (!e) return reply(to, m.request_id, BlobStatus::kNotFound);
    auto r = ctx().make<BlobReply>();
    r->request_id = m.request_id;
    r->status = BlobStatus::kOk;
    r->map_version = map_version_;
    r->entry = *e;
    // A large blob's pointer names its blob-stream bytes (length = the blob's size); a small
    // blob's names its commit-log record (length = the record's, key included), whose
    // content the index already holds.
    const bool in_blob_stream = !e->deleted && e->data.extent != 0 && e->size_bytes > 0 &&
                                e->data.length == e->size_bytes;
    if (m.op == BlobOp::kGet && in_blob_stream) {
        BlobRead& rd = r->read.emplace();
        // RangeStore writes a large blob as one block of at most a block's size.
        rd.block = stream::Location{stream::ExtentId{e->data.extent}, e->data.offset,
                                    std::min(e->size_bytes, options_.block_size_bytes)};
        rd.streams = blob_streams(meta);
        std::string listed_in;
        if (const stream::ExtentView* v = client_.locate(rd.block.extent, &listed_in)) {
            rd.replicas = v->replicas;
            auto at = std::find(rd.streams.begin(), rd.streams.end(), listed_in);
            if (at != rd.streams.end()) rd.streams.erase(at);
            rd.streams.insert(rd.streams.begin(), listed_in);
        }
    }
    ctx().send(to, std::move(r));
}

bool PartitionServer::throttle(std::string_view account) {
    if (pending_total_ >= options_.config.max_pending) return true;
    if (pending_total_ < options_.config.max_pending / 2 || pending_by_account_.empty()) return false;
    // Heaviest account first: the account with the most writes in flight (ties: lowest name).
    auto heaviest = pending_by_account_.begin();
    for (auto it = pending_by_account_.begin(); it != pending_by_account_.end(); ++it) {
        if (it->second > heaviest->second) heaviest = it;
    }
    return heaviest->first == account;
}

void PartitionServer::handle_request(sim::Owned<BlobRequest> m, sim::Address from) {
    ++stats_.requests;
    std::string key;
    std::string prefix;
    if (m->op == BlobOp::kList) {
        prefix = encode_key(m->account, m->container, m->blob);
        key = prefix;
        if (!m->marker.empty() && m->marker >= prefix) key = m->marker;
    } else {
        key = encode_key(m->account, m->container, m->blob);
    }
    Slot* s = slot_for_key(key);
    if (s == nullptr) {
        if (options_.config.stale_partition_map && serve_dropped(*m, key, from)) return;  // planted bug
        ++stats_.not_mine;
        return reply(from, m->request_id, BlobStatus::kNotMine);
    }
    if (s->state == SlotState::kReady && !lease_valid(*s)) {
        // The lease ran out: stop serving this range now, and ask for it again.
        ++stats_.leases_lost;
        if (s->offloading) {
            drop_slot(s->assignment.range);
            ++stats_.unavailable;
            return reply(from, m->request_id, BlobStatus::kUnavailable);
        }
        stop_slot(*s);
        start_slot(*s);
    }
    const bool update = m->op == BlobOp::kPut || m->op == BlobOp::kDelete;
    if (update && s->offloading) {
        // The map already names the range's next owner: the front-end refreshes and goes there.
        ++stats_.not_mine;
        return reply(from, m->request_id, BlobStatus::kNotMine);
    }
    if (s->state != SlotState::kReady) {
        ++stats_.unavailable;
        return reply(from, m->request_id, BlobStatus::kUnavailable);
    }
    if (update && throttle(m->account)) {
        ++stats_.busy;
        ++s->throttled;
        return reply(from, m->request_id, BlobStatus::kBusy);
    }
    ++s->ops;
    if (options_.observer) options_.observer->on_serve(options_.id, s->assignment.range, s->assignment.keys, ctx().true_now());
    if (m->op != BlobOp::kList) {
        s->recent_keys.push_back(key);
        if (s->recent_keys.size() > kKeySample) s->recent_keys.pop_front();
    }
    switch (m->op) {
        case BlobOp::kPut:
        case BlobOp::kDelete:
            return write(*s, *m, from);
        case BlobOp::kGet:
        case BlobOp::kHead:
            return answer_lookup(from, *m, s->store->partition().get(key), s->assignment.meta);
        case BlobOp::kList:
            return list(*s, *m, from);
    }
}

void PartitionServer::write(Slot& s, const BlobRequest& m, sim::Address from) {
    const uint64_t wid = next_write_++;
    s.inflight[wid] = InFlight{from, m.request_id, m.account};
    ++pending_total_;
    ++pending_by_account_[m.account];
    const RangeId range = s.assignment.range;
    const uint64_t gen = s.gen;
    const std::string key = encode_key(m.account, m.container, m.blob);
    auto done = [this, range, gen, wid, key](StoreStatus st, const IndexEntry& e) {
        auto it = slots_.find(range);
        if (it == slots_.end() || it->second.gen != gen) return;  // answered when stopped
        auto f = it->second.inflight.find(wid);
        if (f == it->second.inflight.end()) return;
        const InFlight in = f->second;
        it->second.inflight.erase(f);
        --pending_total_;
        if (--pending_by_account_[in.account] == 0) pending_by_account_.erase(in.account);
        BlobStatus status = BlobStatus::kFailed;
        switch (st) {
            case StoreStatus::kOk:
                // Durable in the commit log; acknowledge only while the lease still holds:
                // a new owner that loaded the range meanwhile may not have seen the record.
                if (!lease_valid(it->second)) {
                    status = BlobStatus::kUnavailable;
                    break;
                }
                status = BlobStatus::kOk;
                if (options_.observer) options_.observer->on_commit(key, e, true);
                break;
            case StoreStatus::kNotFound: status = BlobStatus::kNotFound; break;
            case StoreStatus::kBusy: status = BlobStatus::kBusy; break;
            case StoreStatus::kNotReady: status = BlobStatus::kUnavailable; break;
            case StoreStatus::kFailed: status = BlobStatus::kFailed; break;
        }
        reply(in.client, in.request_id, status, e);
    };
    if (m.op == BlobOp::kPut) {
        s.store->put(key, m.blob_size_bytes, m.fingerprint, std::move(done), m.op_id);
    } else {
        s.store->remove(key, std::move(done), m.op_id);
    }
}

void PartitionServer::list(Slot& s, const BlobRequest& m, sim::Address from) {
    const std::string prefix = encode_key(m.account, m.container, m.blob);
    const KeyRange& keys = s.assignment.keys;
    const RangePartition& part = s.store->partition();
    const size_t max_results = std::max<uint32_t>(1, m.max_results);
    auto r = ctx().make<BlobReply>();
    r->request_id = m.request_id;
    r->status = BlobStatus::kOk;
    r->map_version = map_version_;
    Rows rows;
    std::string next;
    bool marker_after_prefix = !m.marker.empty() && m.marker >= prefix;
    if (marker_after_prefix && m.marker_inclusive && m.marker != keys.low) {
        // A continuation that lands inside this range (the map changed meanwhile).
        if (auto e = part.get(m.marker); e && has_prefix(m.marker, prefix)) rows.emplace_back(m.marker, *e);
    }
    if (rows.size() < max_results) {
        const std::string_view marker =
            (marker_after_prefix && !(m.marker_inclusive && m.marker == keys.low)) ? std::string_view(m.marker)
                                                                                     : std::string_view();
        auto page = part.list(prefix, marker, max_results - rows.size());
        for (auto& row : page.entries) rows.push_back(std::move(row));
        next = page.next_marker;
    } else {
        next = rows.back().first;
    }
    if (next.empty() && !keys.unbounded_above() && has_prefix(keys.high, prefix)) {
        // Keys with the prefix continue in the next range partition, starting at its low key.
        r->next_marker = keys.high;
        r->next_marker_inclusive = true;
    } else {
        r->next_marker = next;
    }
    for (auto& [k, e] : rows) r->items.push_back(BlobListItem{decode_key(k).blob, e});
    r->size_bytes = 128 + 64 * static_cast<int64_t>(r->items.size());
    ctx().send(from, std::move(r));
}

// --- heartbeats ----------------------------------------------------------------------------

void PartitionServer::heartbeat() {
    const sim::Time now = ctx().now();
    const double secs = std::max(1e-3, (now - last_heartbeat_).to_seconds());
    last_heartbeat_ = now;
    for (const sim::Address& mgr : options_.managers) {
        auto hb = ctx().make<ServerHeartbeat>();
        hb->server = options_.id;
        hb->map_version = map_version_;
        hb->pending = pending_total_;
        for (auto& [id, s] : slots_) {
            RangeReport rr;
            rr.range = id;
            rr.epoch = s.assignment.epoch;
            rr.ready = s.state == SlotState::kReady;
            rr.ops_per_s = static_cast<double>(s.ops) / secs;
            rr.throttled_per_s = static_cast<double>(s.throttled) / secs;
            if (s.store) rr.bytes = s.store->partition().memtable_bytes() + s.store->log_bytes_since_checkpoint();
            if (!s.recent_keys.empty()) {
                std::vector<std::string> sample(s.recent_keys.begin(), s.recent_keys.end());
                std::sort(sample.begin(), sample.end());
                for (size_t q = 1; q < kSplitQuantiles; ++q) {
                    const std::string& k = sample[q * sample.size() / kSplitQuantiles];
                    if (!(k > s.assignment.keys.low) || !s.assignment.keys.contains(k)) continue;
                    if (rr.split_keys.empty() || rr.split_keys.back() < k) rr.split_keys.push_back(k);
                }
            }
            hb->ops_per_s += rr.ops_per_s;
            hb->throttled_per_s += rr.throttled_per_s;
            hb->bytes += rr.bytes;
            hb->ranges.push_back(std::move(rr));
        }
        hb->size_bytes = 128 + 64 * static_cast<int64_t>(hb->ranges.size());
        ctx().send(mgr, std::move(hb));
    }
    for (auto& [id, s] : slots_) {
        s.ops = 0;
        s.throttled = 0;
    }
}

}  // namespace models::partition
