#include "models/frontend/front_end.h"

#include <algorithm>
#include <utility>

#include "models/location/geo_messages.h"
#include "models/partition/key.h"
#include "sim/check.h"

namespace models::frontend {

namespace part = models::partition;

namespace {

// Timer tags: the kind in the top byte, the request id and attempt below.
constexpr uint64_t kTickTag = 1;
constexpr uint64_t kRetryTag = uint64_t{1} << 56;
constexpr uint64_t kAttemptTag = uint64_t{2} << 56;
constexpr uint64_t kKindMask = uint64_t{0xff} << 56;
constexpr uint64_t kIdBits = 40;
constexpr uint64_t kIdMask = (uint64_t{1} << kIdBits) - 1;
constexpr sim::Duration kTick = sim::Duration::millis(100);
// A map fetch that got no leader's answer in this long is sent again.
constexpr sim::Duration kMapFetchRetry = sim::Duration::millis(200);
constexpr sim::Duration kMapFetchGap = sim::Duration::millis(50);

std::string_view op_name(part::BlobOp op) {
    switch (op) {
        case part::BlobOp::kPut: return "put";
        case part::BlobOp::kGet: return "get";
        case part::BlobOp::kHead: return "head";
        case part::BlobOp::kDelete: return "delete";
        case part::BlobOp::kList: return "list";
    }
    return "?";
}

bool is_write(part::BlobOp op) { return op == part::BlobOp::kPut || op == part::BlobOp::kDelete; }

}  // namespace

std::string_view client_status_name(ClientStatus s) {
    switch (s) {
        case ClientStatus::kOk: return "ok";
        case ClientStatus::kNotFound: return "not_found";
        case ClientStatus::kBusy: return "busy";
        case ClientStatus::kUnavailable: return "unavailable";
        case ClientStatus::kTimeout: return "timeout";
        case ClientStatus::kAuthFailed: return "auth_failed";
        case ClientStatus::kWrongStamp: return "wrong_stamp";
    }
    return "?";
}

FrontEnd::FrontEnd(sim::Context& ctx, const FrontEndOptions& options)
    : Actor(ctx), options_(options), stream_(ctx, options.stream) {
    SIM_ASSERT(options_.keys != nullptr, "front-end without an account key table");
    accounts_.insert(options_.initial_accounts.begin(), options_.initial_accounts.end());
}

void FrontEnd::on_start() {
    fetch_map();
    if (options_.location_service.node.valid()) {
        auto q = ctx().make<AccountTableRequest>();
        q->stamp = options_.stamp;
        ctx().send(options_.location_service, std::move(q));
    }
    ctx().set_timer(kTick, kTickTag);
}

void FrontEnd::on_message(sim::MessagePtr m) {
    if (stream_.handle_message(m)) return;
    if (m->is<ClientRequest>()) {
        const sim::Address from = m->src;
        return handle_request(sim::message_cast<ClientRequest>(std::move(m)), from);
    }
    if (m->is<part::BlobReply>()) return handle_reply(m->as<part::BlobReply>());
    if (m->is<part::MapReply>()) return handle_map(m->as<part::MapReply>());
    if (m->is<HealthProbe>()) {
        auto r = ctx().make<HealthReply>();
        r->probe = m->as<HealthProbe>().probe;
        r->draining = draining_;
        ctx().send(m->src, std::move(r));
        return;
    }
    if (m->is<DrainFrontEnd>()) {
        draining_ = m->as<DrainFrontEnd>().draining;
        return;
    }
    if (m->is<AccountTable>()) return handle_table(m->as<AccountTable>());
    if (m->is<location::GeoLogAck>()) {
        const auto& a = m->as<location::GeoLogAck>();
        return handle_log_ack(a.tag, a.logged);
    }
    if (m->is<location::FreezeQuery>()) return handle_freeze_query(m->as<location::FreezeQuery>().account, m->src);
}

void FrontEnd::handle_table(const AccountTable& t) {
    if (t.version < table_version_) return;
    table_version_ = t.version;
    accounts_.clear();
    accounts_.insert(t.accounts.begin(), t.accounts.end());
    frozen_.clear();
    frozen_.insert(t.frozen.begin(), t.frozen.end());
    replicated_.clear();
    replicated_.insert(t.replicated.begin(), t.replicated.end());
    // Parked writes go on when their account is released, or to the new stamp when it moved.
    std::vector<uint64_t> release;
    for (const auto& [id, a] : active_) {
        if (a.parked && !frozen_.contains(a.req->account)) release.push_back(id);
    }
    for (uint64_t id : release) {
        Active& a = active_.at(id);
        a.parked = false;
        if (!accounts_.contains(a.req->account)) {
            ++stats_.wrong_stamp;
            finish(id, ClientStatus::kWrongStamp);
        } else {
            send_attempt(id);
        }
    }
}

void FrontEnd::handle_log_ack(uint64_t id, bool logged) {
    auto it = active_.find(id);
    if (it == active_.end() || !it->second.logging) return;
    if (logged) {
        ++stats_.geo_logged;
        const part::IndexEntry entry = it->second.entry;
        return finish(id, ClientStatus::kOk, entry);
    }
    // Applied here, but this stamp no longer ships the account: the outcome is unknown.
    finish(id, ClientStatus::kUnavailable);
}

void FrontEnd::handle_freeze_query(const std::string& account, sim::Address from) {
    auto r = ctx().make<location::FreezeState>();
    r->account = account;
    r->frozen = frozen_.contains(account) || !accounts_.contains(account);
    for (const auto& [id, a] : active_) {
        if (!a.parked && !a.req->replication && is_write(a.req->op) && a.req->account == account) ++r->writes_in_flight;
    }
    ctx().send(from, std::move(r));
}

void FrontEnd::on_timer(uint64_t tag) {
    if (stream::StreamClient::owns_tag(tag)) return stream_.handle_timer(tag);
    if (tag == kTickTag) {
        const sim::Time now = ctx().now();
        if ((map_stale() || map_suspect_) && (!fetching_ || now - fetch_started_ >= kMapFetchRetry)) fetch_map();
        // Requests past their deadline (e.g. waiting for a map that never comes).
        std::vector<uint64_t> expired;
        for (const auto& [id, a] : active_) {
            if (now >= a.deadline) expired.push_back(id);
        }
        for (uint64_t id : expired) {
            ++stats_.timeouts;
            finish(id, ClientStatus::kTimeout);
        }
        ctx().set_timer(kTick, kTickTag);
        return;
    }
    const uint64_t kind = tag & kKindMask;
    const uint64_t id = tag & kIdMask;
    auto it = active_.find(id);
    if (it == active_.end()) return;
    if (kind == kRetryTag) return send_attempt(id);
    if (kind == kAttemptTag) {
        const uint64_t seq = (tag >> kIdBits) & 0xffff;
        if ((it->second.attempt_seq & 0xffff) != seq) return;  // that attempt was answered
        if (is_write(it->second.req->op)) it->second.maybe_applied = true;
        retry_later(id, true);
    }
}

bool FrontEnd::map_stale() const {
    return ranges_.empty() || ctx().now() - map_fetched_ >= options_.map_cache_ttl;
}

void FrontEnd::fetch_map() {
    fetching_ = true;
    fetch_started_ = ctx().now();
    ++stats_.map_fetches;
    for (const sim::Address& mgr : options_.managers) {
        auto q = ctx().make<part::MapRequest>();
        q->known_version = map_version_;
        ctx().send(mgr, std::move(q));
    }
}

void FrontEnd::handle_map(const part::MapReply& r) {
    if (!r.leader) return;
    if (r.ranges.empty()) {
        // The leader says our version is current (it sends ranges only when they differ).
        if (r.version != map_version_ || ranges_.empty()) return;
        map_fetched_ = ctx().now();
    } else if (r.version >= map_version_) {
        map_version_ = r.version;
        ranges_ = r.ranges;
        servers_ = r.servers;
        map_fetched_ = ctx().now();
    }
    if (!fetching_) return;
    fetching_ = false;
    map_suspect_ = false;
    std::vector<uint64_t> waiting;
    waiting.swap(waiting_for_map_);
    for (uint64_t id : waiting) {
        auto it = active_.find(id);
        if (it == active_.end() || !it->second.waiting_for_map) continue;
        it->second.waiting_for_map = false;
        send_attempt(id);
    }
}

void FrontEnd::reply_now(sim::Address to, uint64_t request_id, ClientStatus status, AuthResult auth) {
    auto r = ctx().make<ClientReply>();
    r->request_id = request_id;
    r->status = status;
    r->auth = auth;
    ctx().send(to, std::move(r));
}

void FrontEnd::handle_request(sim::Owned<ClientRequest> m, sim::Address from) {
    ++stats_.requests;
    if (m->replication) {
        // Only this stamp's geo replicator may write without a signature.
        if (!options_.geo_replicator.node.valid() || !(from == options_.geo_replicator) || !is_write(m->op)) {
            ++stats_.auth_rejected;
            return reply_now(from, m->request_id, ClientStatus::kAuthFailed, AuthResult::kMissingSignature);
        }
        ++stats_.replication_applies;
        const uint64_t id = next_id_++;
        Active& a = active_[id];
        a.client = from;
        a.deadline = ctx().now() + options_.request_timeout;
        a.req = std::move(m);
        return send_attempt(id);
    }
    if (!accounts_.contains(m->account)) {
        ++stats_.wrong_stamp;
        return reply_now(from, m->request_id, ClientStatus::kWrongStamp, AuthResult::kOk);
    }
    auto key = options_.keys->find(m->account);
    SignedFields f;
    f.operation = std::string(op_name(m->op));
    f.account = m->account;
    f.container = m->container;
    f.blob = m->blob;
    f.client_time = m->client_time;
    f.content_fingerprint = m->fingerprint;
    f.size_bytes = m->size_bytes;
    const AuthResult auth = verify(f, m->signature, key == options_.keys->end() ? nullptr : &key->second,
                                   ctx().now(), options_.skew_window);
    if (auth != AuthResult::kOk) {
        if (!options_.accept_bad_signature) {
            ++stats_.auth_rejected;
            return reply_now(from, m->request_id, ClientStatus::kAuthFailed, auth);
        }
        ++stats_.auth_accepted_bad;
    }
    const uint64_t id = next_id_++;
    Active& a = active_[id];
    a.client = from;
    // The front-end's own limit, or the client's for this attempt less a margin for the
    // way back, whichever comes first.
    sim::Duration budget = options_.request_timeout;
    if (m->timeout > sim::Duration::zero()) budget = std::min(budget, m->timeout - m->timeout / 10);
    a.deadline = ctx().now() + budget;
    a.req = std::move(m);
    if (is_write(a.req->op) && frozen_.contains(a.req->account)) {
        // A clean switch is draining the account: hold the write until it is decided.
        ++stats_.parked;
        a.parked = true;
        return;
    }
    send_attempt(id);
}

void FrontEnd::send_attempt(uint64_t id) {
    Active& a = active_.at(id);
    if (ctx().now() >= a.deadline) {
        ++stats_.timeouts;
        return finish(id, ClientStatus::kTimeout);
    }
    if (ranges_.empty() || (map_stale() && fetching_)) {
        if (!a.waiting_for_map) waiting_for_map_.push_back(id);
        a.waiting_for_map = true;
        if (!fetching_) fetch_map();
        return;
    }
    const ClientRequest& q = *a.req;
    std::string key = part::encode_key(q.account, q.container, q.blob);
    if (q.op == part::BlobOp::kList && !a.marker.empty() && a.marker >= key) key = a.marker;
    auto range = std::upper_bound(ranges_.begin(), ranges_.end(), key,
                                  [](const std::string& k, const part::RangeInfo& r) { return k < r.range.low; });
    SIM_ASSERT(range != ranges_.begin(), "partition map does not cover key " << key);
    --range;
    ++a.attempts;
    ++a.attempt_seq;
    if (!range->server.valid() || static_cast<size_t>(range->server.value) >= servers_.size()) {
        return retry_later(id, true);
    }
    auto b = ctx().make<part::BlobRequest>();
    a.partition_request = next_partition_request_++;
    b->request_id = a.partition_request;
    b->op = q.op;
    b->account = q.account;
    b->container = q.container;
    b->blob = q.blob;
    b->blob_size_bytes = q.size_bytes;
    b->fingerprint = q.fingerprint;
    b->op_id = q.op_id;
    b->marker = a.marker;
    b->marker_inclusive = a.marker_inclusive;
    b->max_results = q.max_results - static_cast<uint32_t>(std::min<size_t>(a.listed.size(), q.max_results));
    b->map_version = map_version_;
    by_partition_request_[a.partition_request] = id;
    ctx().send(servers_[static_cast<size_t>(range->server.value)], std::move(b));
    const sim::Duration wait = std::min(options_.attempt_timeout, a.deadline - ctx().now());
    ctx().set_timer(wait, kAttemptTag | ((a.attempt_seq & 0xffff) << kIdBits) | id);
}

void FrontEnd::retry_later(uint64_t id, bool refresh_map) {
    Active& a = active_.at(id);
    ++stats_.retries;
    by_partition_request_.erase(a.partition_request);
    a.partition_request = 0;
    ++a.attempt_seq;  // a late answer or timer of the previous attempt is void
    // At most one map fetch per kMapFetchGap: a burst of kNotMine answers (a range moved
    // under many requests) costs one fetch, and the tick catches up with a suspect map.
    if (refresh_map && !options_.stale_partition_map) {
        if (!fetching_ && ctx().now() - fetch_started_ >= kMapFetchGap) {
            fetch_map();
        } else {
            map_suspect_ = true;
        }
    }
    // Exponential backoff from retry_backoff, at most 1 s, never past the deadline.
    const int shift = std::min(a.attempts, 6);
    sim::Duration wait = options_.retry_backoff * (int64_t{1} << shift);
    wait = std::min(wait, sim::Duration::seconds(1));
    const sim::Duration left = a.deadline - ctx().now();
    if (left <= sim::Duration::zero()) {
        ++stats_.timeouts;
        return finish(id, ClientStatus::kTimeout);
    }
    ctx().set_timer(std::min(wait, left), kRetryTag | id);
}

void FrontEnd::handle_reply(const part::BlobReply& r) {
    auto b = by_partition_request_.find(r.request_id);
    if (b == by_partition_request_.end()) return;
    const uint64_t id = b->second;
    by_partition_request_.erase(b);
    auto it = active_.find(id);
    if (it == active_.end() || it->second.partition_request != r.request_id) return;
    Active& a = it->second;
    a.partition_request = 0;
    ++a.attempt_seq;  // the attempt's timer is void
    switch (r.status) {
        case part::BlobStatus::kNotMine:
            ++stats_.not_mine;
            return retry_later(id, true);
        case part::BlobStatus::kUnavailable:
        case part::BlobStatus::kFailed:
            if (is_write(a.req->op)) a.maybe_applied = true;
            return retry_later(id, r.status == part::BlobStatus::kUnavailable);
        case part::BlobStatus::kBusy:
            ++stats_.busy;
            return finish(id, ClientStatus::kBusy);
        case part::BlobStatus::kNotFound:
            return finish(id, ClientStatus::kNotFound, r.entry);
        case part::BlobStatus::kOk:
            break;
    }
    if (is_write(a.req->op) && !a.req->replication && replicated_.contains(a.req->account) &&
        options_.geo_replicator.node.valid()) {
        // Geo-replicated: durable in the replicator's log before the client hears of it.
        auto g = ctx().make<location::GeoLog>();
        g->tag = id;
        g->change.key = location::BlobKey{a.req->account, a.req->container, a.req->blob};
        g->change.deleted = a.req->op == part::BlobOp::kDelete;
        g->change.version = r.entry.version;
        g->change.fingerprint = a.req->fingerprint;
        g->change.size_bytes = a.req->size_bytes;
        g->change.commit_true = ctx().true_now();
        a.logging = true;
        a.entry = r.entry;
        ctx().send(options_.geo_replicator, std::move(g));
        return;
    }
    if (a.req->op == part::BlobOp::kGet && r.read) return read_direct(id, r);
    if (a.req->op == part::BlobOp::kList) {
        for (const auto& item : r.items) {
            if (a.listed.size() >= a.req->max_results) break;
            a.listed.push_back(item.blob);
        }
        if (!r.next_marker.empty() && a.listed.size() < a.req->max_results) {
            a.marker = r.next_marker;
            a.marker_inclusive = r.next_marker_inclusive;
            a.attempts = 0;
            return send_attempt(id);
        }
    }
    finish(id, ClientStatus::kOk, r.entry);
}

void FrontEnd::read_direct(uint64_t id, const part::BlobReply& r) {
    Active& a = active_.at(id);
    a.reading = true;
    a.entry = r.entry;
    const uint64_t seq = a.attempt_seq;
    const int64_t expected = r.read->block.size_bytes;
    // The callback may run at once (no replica known, no stream to ask): nothing after it.
    stream_.read_extent(r.read->block, r.read->replicas, r.read->streams,
                        [this, id, seq, expected](stream::Status s, const std::vector<stream::Block>& blocks) {
                            on_direct_read(id, seq, expected, s, blocks);
                        });
}

void FrontEnd::on_direct_read(uint64_t id, uint64_t attempt_seq, int64_t expected_bytes, stream::Status s,
                              const std::vector<stream::Block>& blocks) {
    auto it = active_.find(id);
    // Finished meanwhile (the deadline passed): the bytes arrived too late to matter.
    if (it == active_.end() || !it->second.reading || it->second.attempt_seq != attempt_seq) return;
    Active& a = it->second;
    a.reading = false;
    if (s != stream::Status::kOk || blocks.empty()) {
        ++stats_.direct_read_failures;
        if (options_.metrics) ++options_.metrics->direct_read_failures;
        return finish(id, ClientStatus::kUnavailable);
    }
    int64_t bytes = 0;
    for (const stream::Block& b : blocks) bytes += b.size_bytes;
    ++stats_.direct_reads;
    stats_.direct_read_bytes += static_cast<uint64_t>(bytes);
    if (options_.metrics) {
        ++options_.metrics->direct_reads;
        options_.metrics->direct_read_bytes += static_cast<uint64_t>(bytes);
    }
    // The client gets the content the front-end read: the block's fingerprint when it is
    // the one block the blob was written as; anything else is content no writer wrote.
    part::IndexEntry entry = a.entry;
    if (blocks.size() == 1 && blocks.front().size_bytes == expected_bytes) {
        entry.fingerprint = blocks.front().fingerprint;
    } else {
        uint64_t mixed = 0;
        for (const stream::Block& b : blocks) mixed = sim::mix64(mixed ^ b.fingerprint);
        entry.fingerprint = mixed;
    }
    if (entry.fingerprint != a.entry.fingerprint) ++stats_.direct_read_mismatches;
    finish(id, ClientStatus::kOk, entry);
}

void FrontEnd::finish(uint64_t id, ClientStatus status, const part::IndexEntry& entry) {
    auto node = active_.extract(id);
    Active& a = node.mapped();
    if (a.partition_request != 0) by_partition_request_.erase(a.partition_request);
    // A write that may have been applied must not be reported as refused.
    if (a.maybe_applied && (status == ClientStatus::kBusy)) status = ClientStatus::kUnavailable;
    auto r = ctx().make<ClientReply>();
    r->request_id = a.req->request_id;
    r->status = status;
    r->entry = entry;
    r->listed = std::move(a.listed);
    ctx().send(a.client, std::move(r));
}

std::unique_ptr<sim::Actor> make_front_end(sim::Context& ctx, const FrontEndOptions& options) {
    return std::make_unique<FrontEnd>(ctx, options);
}

}  // namespace models::frontend
