#include "models/client/blob_client.h"

#include <algorithm>
#include <utility>

#include "sim/check.h"

namespace models::client {

namespace obs = models::observe;
namespace part = models::partition;
using frontend::ClientStatus;

namespace {

// Timer tags (below the DNS resolver's tag space, bit 61).
constexpr uint64_t kArrivalTag = 1;
constexpr uint64_t kTraceTag = 2;
constexpr uint64_t kVerifyTag = 3;
constexpr uint64_t kProbeTag = 4;
constexpr uint64_t kKindShift = 56;
constexpr uint64_t kKindMask = uint64_t{0x1f} << kKindShift;
constexpr uint64_t kClosedTag = uint64_t{1} << kKindShift;
constexpr uint64_t kRetryTag = uint64_t{2} << kKindShift;
constexpr uint64_t kAttemptTag = uint64_t{3} << kKindShift;
constexpr uint64_t kIdBits = 40;
constexpr uint64_t kIdMask = (uint64_t{1} << kIdBits) - 1;

part::BlobOp blob_op(obs::OpKind k) {
    switch (k) {
        case obs::OpKind::kPut: return part::BlobOp::kPut;
        case obs::OpKind::kGet: return part::BlobOp::kGet;
        case obs::OpKind::kDelete: return part::BlobOp::kDelete;
        case obs::OpKind::kList: return part::BlobOp::kList;
        case obs::OpKind::kHead: return part::BlobOp::kHead;
    }
    return part::BlobOp::kGet;
}

obs::OpKind op_kind(part::BlobOp op) {
    switch (op) {
        case part::BlobOp::kPut: return obs::OpKind::kPut;
        case part::BlobOp::kGet: return obs::OpKind::kGet;
        case part::BlobOp::kDelete: return obs::OpKind::kDelete;
        case part::BlobOp::kList: return obs::OpKind::kList;
        case part::BlobOp::kHead: return obs::OpKind::kHead;
    }
    return obs::OpKind::kGet;
}

std::string_view op_name(part::BlobOp op) { return obs::to_string(op_kind(op)); }

bool is_write(part::BlobOp op) { return op == part::BlobOp::kPut || op == part::BlobOp::kDelete; }

}  // namespace

ClientDriver::ClientDriver(sim::Context& ctx, const ClientDriverOptions& options)
    : Actor(ctx), options_(options), dns_(ctx, options.dns), rng_(ctx.rng().fork("client/" + options.name)) {
    SIM_ASSERT(options_.history != nullptr, "client driver without a history");
    if (options_.kind == DriverKind::kSynthetic) gen_.emplace(options_.spec, ctx.rng().fork("workload/" + options_.name));
}

ClientDriver::~ClientDriver() = default;

void ClientDriver::on_start() {
    const sim::Time now = ctx().true_now();
    const sim::Duration until_start = options_.start > now ? options_.start - now : sim::Duration::zero();
    switch (options_.kind) {
        case DriverKind::kSynthetic:
            if (options_.spec.arrival == Arrival::kClosed) {
                for (int c = 0; c < options_.spec.clients; ++c) {
                    // Spread the clients' first requests over one think time.
                    const sim::Duration jitter =
                        options_.spec.think > sim::Duration::zero()
                            ? sim::Duration::nanos(static_cast<int64_t>(rng_.below(
                                  static_cast<uint64_t>(options_.spec.think.ns()) + 1)))
                            : sim::Duration::zero();
                    ctx().set_timer(until_start + jitter, kClosedTag | static_cast<uint64_t>(c));
                }
            } else {
                schedule_next_arrival();
            }
            break;
        case DriverKind::kTrace: {
            TraceOptions topt;
            topt.speed = options_.trace_speed;
            std::string error;
            trace_ = TraceReader::open(options_.trace_path, options_.trace_format, topt, &error);
            SIM_ASSERT(trace_ != nullptr, "trace " << options_.trace_path << " could not be opened: " << error);
            next_trace_op_ = trace_->next();
            if (next_trace_op_) {
                ctx().set_timer(until_start + next_trace_op_->at, kTraceTag);
            } else {
                stats_.trace_done = true;
            }
            break;
        }
        case DriverKind::kVerify:
            ctx().set_timer(until_start, kVerifyTag);
            break;
    }
}

bool ClientDriver::done() const {
    switch (options_.kind) {
        case DriverKind::kSynthetic: return ops_.empty() && ctx().true_now() >= options_.end;
        case DriverKind::kTrace: return ops_.empty() && (stats_.trace_done || ctx().true_now() >= options_.end);
        case DriverKind::kVerify: return ops_.empty() && verify_next_ >= options_.verify.size();
    }
    return true;
}

void ClientDriver::schedule_next_arrival() {
    const sim::Time now = ctx().true_now();
    const sim::Time base = std::max(now, options_.start);
    auto gap = gen_->next_gap(base - options_.start);
    if (!gap) return;
    const sim::Time at = base + *gap;
    if (at >= options_.end) return;
    ctx().set_timer(at - now, kArrivalTag);
}

void ClientDriver::on_timer(uint64_t tag) {
    if (dns_.handle_timer(tag)) return;
    if (tag == kArrivalTag) {
        if (ctx().true_now() >= options_.end) return;
        start_synthetic(-1);
        return schedule_next_arrival();
    }
    if (tag == kTraceTag) return start_trace_op();
    if (tag == kVerifyTag) return start_verify_ops();
    if (tag == kProbeTag) return probe_front_ends();
    const uint64_t kind = tag & kKindMask;
    const uint64_t id = tag & kIdMask;
    if (kind == kClosedTag) {
        if (ctx().true_now() >= options_.end) return;
        return start_synthetic(static_cast<int>(id));
    }
    auto it = ops_.find(id);
    if (it == ops_.end()) return;
    if (kind == kRetryTag) return attempt(id);
    if (kind == kAttemptTag) {
        const uint64_t seq = (tag >> kIdBits) & 0xffff;
        if ((it->second.attempt_seq & 0xffff) != seq) return;
        // No answer: the front-end (or the path to it) may be gone; re-resolve next time.
        if (is_write(it->second.op)) it->second.maybe_applied = true;
        by_request_.erase(it->second.request_id);
        it->second.request_id = 0;
        dns_.invalidate(it->second.account);
        ++stats_.dns_invalidations;
        return retry_or_finish(id, obs::OpStatus::kTimeout);
    }
}

void ClientDriver::on_message(sim::MessagePtr m) {
    if (dns_.handle_message(m)) return;
    if (m->is<frontend::ClientReply>()) return on_reply(m->as<frontend::ClientReply>());
    if (m->is<frontend::HealthReply>()) {
        auto it = health_.find(m->src);
        const auto& reply = m->as<frontend::HealthReply>();
        if (it != health_.end() && it->second.outstanding == reply.probe) {
            it->second.outstanding = 0;
            // A draining front-end leaves the rotation at once (it still answers what it
            // holds); any other answer puts it back.
            it->second.missed = reply.draining ? options_.balancer.unhealthy_after : 0;
        }
    }
}

void ClientDriver::start_synthetic(int closed_client) {
    Op op;
    const obs::OpKind kind = gen_->next_op();
    op.op = blob_op(kind);
    op.account = options_.account;
    op.container = options_.container;
    const std::string name = gen_->key_name(gen_->next_key());
    if (kind == obs::OpKind::kList) {
        // A prefix that covers ten neighbouring keys ("k000001234" of "k0000012345").
        op.blob = name.substr(0, name.size() - 1);
    } else {
        op.blob = name;
    }
    if (kind == obs::OpKind::kPut) {
        op.size_bytes = gen_->next_size();
        op.fingerprint = rng_.next_u64() | 1;
    }
    op.closed_client = closed_client;
    start(std::move(op));
}

void ClientDriver::start_trace_op() {
    const sim::Time now = ctx().true_now();
    while (next_trace_op_ && options_.start + next_trace_op_->at <= now) {
        if (now >= options_.end) {
            stats_.trace_done = true;
            next_trace_op_.reset();
            return;
        }
        const TraceOp& t = *next_trace_op_;
        Op op;
        op.op = t.kind == TraceOpKind::kPut ? part::BlobOp::kPut : part::BlobOp::kGet;
        op.account = options_.account;
        op.container = t.container;
        op.blob = t.blob;
        if (op.op == part::BlobOp::kPut) {
            op.size_bytes = t.size_bytes;
            op.fingerprint = rng_.next_u64() | 1;
        }
        start(std::move(op));
        next_trace_op_ = trace_->next();
    }
    if (!next_trace_op_) {
        stats_.trace_done = true;
        return;
    }
    ctx().set_timer(options_.start + next_trace_op_->at - now, kTraceTag);
}

void ClientDriver::start_verify_ops() {
    while (ops_.size() < static_cast<size_t>(options_.window) && verify_next_ < options_.verify.size()) {
        const VerifyTarget& t = options_.verify[verify_next_++];
        Op op;
        op.op = part::BlobOp::kGet;
        op.account = t.account;
        op.container = t.container;
        op.blob = t.blob;
        start(std::move(op));
    }
}

uint64_t ClientDriver::start(Op op) {
    obs::History& h = *options_.history;
    obs::Operation rec;
    rec.client = options_.client_base + static_cast<uint32_t>(op.closed_client < 0 ? 0 : op.closed_client);
    rec.workload = options_.history_workload;
    rec.kind = op_kind(op.op);
    rec.account = h.strings().intern(op.account);
    rec.container = h.strings().intern(op.container);
    rec.blob = h.strings().intern(op.blob);
    rec.invoke = history_now();
    rec.fingerprint = op.fingerprint;
    rec.size_bytes = op.size_bytes;
    op.history_id = h.begin(rec);
    const uint64_t id = next_op_++;
    ops_.emplace(id, std::move(op));
    ++stats_.started;
    attempt(id);
    return id;
}

const frontend::Key& ClientDriver::key_of(const std::string& account) const {
    if (account == options_.account || options_.keys == nullptr) return options_.key;
    auto it = options_.keys->find(account);
    return it != options_.keys->end() ? it->second : options_.key;
}

void ClientDriver::attempt(uint64_t id) {
    Op& op = ops_.at(id);
    ++op.attempts;
    ++stats_.attempts;
    const uint64_t seq = ++op.attempt_seq;
    dns_.resolve(op.account, [this, id, seq](const location::DnsRecord* record) {
        auto it = ops_.find(id);
        if (it == ops_.end() || it->second.attempt_seq != seq) return;
        if (record == nullptr || record->front_ends.empty()) {
            return retry_or_finish(id, obs::OpStatus::kFailed);
        }
        send_to(id, *record);
    });
}

void ClientDriver::send_to(uint64_t id, const location::DnsRecord& record) {
    Op& op = ops_.at(id);
    auto q = ctx().make<frontend::ClientRequest>();
    q->request_id = next_request_++;
    q->op = op.op;
    q->account = op.account;
    q->container = op.container;
    q->blob = op.blob;
    q->size_bytes = op.size_bytes;
    q->fingerprint = op.fingerprint;
    // Unique over the run: this driver's address and its operation's history id.
    q->op_id = sim::mix64((uint64_t{ctx().self().node.value} << 20 | ctx().self().port) ^ sim::mix64(op.history_id + 1)) | 1;
    q->client_time = ctx().now();
    q->max_results = options_.list_max_results;
    q->timeout = options_.retry.attempt_timeout;
    frontend::SignedFields f;
    f.operation = std::string(op_name(op.op));
    f.account = op.account;
    f.container = op.container;
    f.blob = op.blob;
    f.client_time = q->client_time;
    f.content_fingerprint = op.fingerprint;
    f.size_bytes = op.size_bytes;
    // The verify pass always signs correctly; workloads sign as their auth mode says.
    const obs::AuthMode auth = options_.kind == DriverKind::kVerify ? obs::AuthMode::kValid : options_.auth;
    switch (auth) {
        case obs::AuthMode::kValid:
            q->signature = frontend::sign(f, key_of(op.account));
            break;
        case obs::AuthMode::kInvalid: {
            frontend::Signature s = frontend::sign(f, key_of(op.account));
            s[rng_.below(s.size())] ^= static_cast<uint8_t>(1 + rng_.below(255));
            q->signature = s;
            break;
        }
        case obs::AuthMode::kNone:
            break;
        case obs::AuthMode::kOtherAccount:
            q->signature = frontend::sign(f, options_.other_key);
            break;
    }
    op.request_id = q->request_id;
    by_request_[op.request_id] = id;
    const sim::Address fe = pick_front_end(record.front_ends);
    ctx().send(fe, std::move(q));
    ctx().set_timer(options_.retry.attempt_timeout, kAttemptTag | ((op.attempt_seq & 0xffff) << kIdBits) | id);
}

void ClientDriver::on_reply(const frontend::ClientReply& r) {
    auto b = by_request_.find(r.request_id);
    if (b == by_request_.end()) return;
    const uint64_t id = b->second;
    by_request_.erase(b);
    auto it = ops_.find(id);
    if (it == ops_.end() || it->second.request_id != r.request_id) return;
    Op& op = it->second;
    op.request_id = 0;
    ++op.attempt_seq;  // the attempt's timer is void
    switch (r.status) {
        case ClientStatus::kOk:
            if (op.op == part::BlobOp::kGet || op.op == part::BlobOp::kHead) {
                return finish(id, obs::OpStatus::kOk, r.entry.fingerprint, r.entry.size_bytes);
            }
            if (op.op == part::BlobOp::kList) return finish(id, obs::OpStatus::kOk, 0, 0, &r.listed);
            return finish(id, obs::OpStatus::kOk, op.fingerprint, op.size_bytes);
        case ClientStatus::kNotFound:
            return finish(id, obs::OpStatus::kNotFound);
        case ClientStatus::kAuthFailed:
            // Not retried: the request would be refused again. Nothing was applied by it,
            // but an earlier attempt of a write cannot have been either (same signature).
            return finish(id, obs::OpStatus::kRejectedAuth);
        case ClientStatus::kWrongStamp:
            dns_.invalidate(op.account);
            ++stats_.dns_invalidations;
            return retry_or_finish(id, obs::OpStatus::kFailed);
        case ClientStatus::kBusy:
            return retry_or_finish(id, obs::OpStatus::kBusy);
        case ClientStatus::kUnavailable:
            if (is_write(op.op)) op.maybe_applied = true;
            return retry_or_finish(id, obs::OpStatus::kFailed);
        case ClientStatus::kTimeout:
            if (is_write(op.op)) op.maybe_applied = true;
            return retry_or_finish(id, obs::OpStatus::kTimeout);
    }
}

void ClientDriver::retry_or_finish(uint64_t id, obs::OpStatus final_status) {
    Op& op = ops_.at(id);
    if (op.attempts >= options_.retry.max_attempts) {
        if (op.maybe_applied && final_status == obs::OpStatus::kBusy) final_status = obs::OpStatus::kFailed;
        return finish(id, final_status);
    }
    ++stats_.retries;
    ++op.attempt_seq;
    // Exponential backoff with full jitter (AWS/Azure SDK style).
    const int shift = std::min(op.attempts - 1, 16);
    const int64_t cap =
        std::min(options_.retry.base_backoff.ns() << shift, options_.retry.max_backoff.ns());
    const sim::Duration wait = sim::Duration::nanos(cap / 2 + static_cast<int64_t>(rng_.below(
                                                                  static_cast<uint64_t>(cap / 2) + 1)));
    ctx().set_timer(wait, kRetryTag | id);
}

void ClientDriver::finish(uint64_t id, obs::OpStatus status, uint64_t fingerprint, int64_t size_bytes,
                          const std::vector<std::string>* listed) {
    auto node = ops_.extract(id);
    Op& op = node.mapped();
    if (op.request_id != 0) by_request_.erase(op.request_id);
    obs::History& h = *options_.history;
    h.finish(op.history_id, history_now(), status, fingerprint, size_bytes);
    if (listed != nullptr) {
        list_scratch_.clear();
        for (const std::string& b : *listed) list_scratch_.push_back(h.strings().intern(b));
        h.set_list_keys(op.history_id, list_scratch_);
    }
    ++stats_.finished;
    if (options_.kind == DriverKind::kVerify) return start_verify_ops();
    if (op.closed_client >= 0 && ctx().true_now() < options_.end) {
        ctx().set_timer(options_.spec.think, kClosedTag | static_cast<uint64_t>(op.closed_client));
    }
}

sim::Address ClientDriver::pick_front_end(const std::vector<sim::Address>& front_ends) {
    // Learn the front-ends (the VIP's pool) and start probing them.
    for (const sim::Address& a : front_ends) health_.try_emplace(a);
    if (!probing_) {
        probing_ = true;
        ctx().set_timer(options_.balancer.probe_interval, kProbeTag);
    }
    const sim::Address first = front_ends[rng_.below(front_ends.size())];
    if (health_[first].missed < options_.balancer.unhealthy_after) return first;
    std::vector<sim::Address> healthy;
    for (const sim::Address& a : front_ends) {
        if (health_[a].missed < options_.balancer.unhealthy_after) healthy.push_back(a);
    }
    if (healthy.empty()) return first;  // all out: try anyway
    ++stats_.avoided_unhealthy;
    return healthy[rng_.below(healthy.size())];
}

void ClientDriver::probe_front_ends() {
    for (auto& [addr, h] : health_) {
        if (h.outstanding != 0) ++h.missed;  // the last probe was not answered in time
        h.outstanding = next_probe_++;
        auto p = ctx().make<frontend::HealthProbe>();
        p->probe = h.outstanding;
        ctx().send(addr, std::move(p));
        ++stats_.probes;
    }
    // Probing stops with the workload (the verify pass probes until it is done).
    if (ctx().true_now() < options_.end || (options_.kind == DriverKind::kVerify && !done())) {
        ctx().set_timer(options_.balancer.probe_interval, kProbeTag);
    } else {
        probing_ = false;
    }
}

std::unique_ptr<sim::Actor> make_client_driver(sim::Context& ctx, const ClientDriverOptions& options) {
    return std::make_unique<ClientDriver>(ctx, options);
}

}  // namespace models::client
