#include "models/stream/extent_node.h"

#include <algorithm>

#include "models/ports.h"
#include "models/stream/observer.h"
#include "sim/check.h"
#include "sim/simulation.h"
#include "sim/units.h"

namespace models::stream {

namespace {

constexpr int64_t kMetadataWriteBytes = 4096;
constexpr size_t kMaxOutOfOrder = 4096;
// A journal write carries at most this much: beyond it the rest waits for the next write.
constexpr int64_t kMaxJournalWriteBytes = int64_t{8} << 20;

sim::Address extent_node_at(sim::NodeId n) { return sim::Address{n, models::ports::kExtentNode}; }

}  // namespace

ExtentNode::ExtentNode(sim::Context& ctx, const ExtentNodeOptions& options)
    : Actor(ctx), options_(options), store_(ctx.durable<ExtentStore>("extents")) {}

void ExtentNode::on_start() {
    const auto hb = options_.config.heartbeat;
    ctx().set_timer(sim::Duration::nanos(static_cast<int64_t>(ctx().rng().below(static_cast<uint64_t>(hb.ns())))),
                    kHeartbeatTimer);
    const auto scrub = options_.config.scrub_interval;
    ctx().set_timer(
        sim::Duration::nanos(static_cast<int64_t>(ctx().rng().below(static_cast<uint64_t>(scrub.ns()))) + 1),
        kScrubTimer);
}

int ExtentNode::position(const Replica& r) const {
    for (size_t i = 0; i < r.chain.size(); ++i) {
        if (r.chain[i] == ctx().node()) return static_cast<int>(i);
    }
    return -1;
}

uint64_t ExtentNode::submit(IoOp op, sim::IoKind kind, int64_t bytes) {
    const uint64_t tag = next_io_++;
    io_.emplace(tag, std::move(op));
    ctx().disk_io(kind, bytes, tag);
    return tag;
}

void ExtentNode::on_message(sim::MessagePtr msg) {
    if (msg->is<AppendRequest>()) return handle_append(sim::message_cast<AppendRequest>(std::move(msg)));
    if (msg->is<FanoutAck>()) return handle_fanout_ack(msg->as<FanoutAck>());
    if (msg->is<ReadRequest>()) return handle_read(msg->as<ReadRequest>());
    if (msg->is<CopyRead>()) return handle_copy_read(msg->as<CopyRead>());
    if (msg->is<CopyData>()) return handle_copy_data(sim::message_cast<CopyData>(std::move(msg)));
    if (msg->is<CreateReplica>()) return handle_create(msg->as<CreateReplica>());
    if (msg->is<LengthQuery>()) return handle_length_query(msg->as<LengthQuery>());
    if (msg->is<SealReplica>()) return handle_seal(msg->as<SealReplica>());
    if (msg->is<CopyOrder>()) return handle_copy_order(msg->as<CopyOrder>());
    if (msg->is<DeleteReplica>()) return handle_delete(msg->as<DeleteReplica>());
    if (msg->is<ReRegister>()) {
        challenge_ = msg->as<ReRegister>().challenge;
        send_heartbeat();
        return;
    }
    SIM_ASSERT(false, "extent node got unexpected message " << msg->name());
}

// --- appends ----------------------------------------------------------------------------------

void ExtentNode::reply_append(const AppendRequest& m, Status status) {
    auto r = ctx().make<AppendReply>();
    r->extent = m.extent;
    r->status = status;
    r->request = m.request;
    r->offset = m.offset;
    r->length = m.length;
    r->from = ctx().node();
    ctx().send(m.client, std::move(r));
}

void ExtentNode::handle_append(sim::Owned<AppendRequest> m) {
    const ExtentId id = m->extent;
    Replica* r = store_.find(id);
    if (r == nullptr) return reply_append(*m, Status::kNoExtent);
    if (r->sealed || fence_.count(id) != 0) return reply_append(*m, Status::kSealed);
    if (active_.count(id) == 0) return reply_append(*m, Status::kFenced);
    const int pos = position(*r);
    if (pos < 0) return reply_append(*m, Status::kNoExtent);
    auto [it, fresh] = live_.try_emplace(id);
    Live& live = it->second;
    if (fresh) live.next_offset = r->commit_length;
    if (pos == 0) {
        if (m->offset >= 0) return;  // a stale forward to a former chain member
        SIM_ASSERT(!m->blocks.empty(), "append of no blocks");
        int64_t total = 0;
        m->checksums.clear();
        for (const BlockData& b : m->blocks) {
            SIM_ASSERT(b.size_bytes > 0, "append of an empty block");
            total += b.size_bytes;
            m->checksums.push_back(block_checksum(b.size_bytes, b.fingerprint));
        }
        SIM_ASSERT(total == m->length, "append of " << total << " bytes says " << m->length);
        SIM_ASSERT(total <= options_.config.block_size_bytes, "append of " << total << " bytes");
        m->offset = live.next_offset;
        m->primary = ctx().self();
        if (options_.config.replication == Replication::kPrimaryFanout) {
            for (size_t i = 1; i < r->chain.size(); ++i) {
                auto copy = ctx().make<AppendRequest>(*m);
                ctx().send(extent_node_at(r->chain[i]), std::move(copy));
            }
        }
        accept_append(live, std::move(m));
        return flush_journal(false);
    }
    if (m->offset < 0) return reply_append(*m, Status::kFenced);
    if (m->offset > live.next_offset) {
        if (live.out_of_order.size() < kMaxOutOfOrder) live.out_of_order.emplace(m->offset, std::move(m));
        return;
    }
    if (m->offset < live.next_offset) return;  // a duplicate
    accept_append(live, std::move(m));
    flush_journal(false);
}

void ExtentNode::accept_append(Live& live, sim::Owned<AppendRequest> m) {
    SIM_ASSERT(m->offset == live.next_offset, "append at " << m->offset << " expected " << live.next_offset);
    SIM_ASSERT(m->checksums.size() == m->blocks.size(), "append without its checksums");
    live.next_offset = m->offset + m->length;
    journal_bytes_ += m->length;
    journal_.push_back(std::move(m));
    // Appends that arrived ahead of a gap follow once the gap is filled.
    while (!live.out_of_order.empty()) {
        auto first = live.out_of_order.begin();
        if (first->first < live.next_offset) {
            live.out_of_order.erase(first);
            continue;
        }
        if (first->first != live.next_offset) break;
        sim::Owned<AppendRequest> next = std::move(first->second);
        live.out_of_order.erase(first);
        live.next_offset = next->offset + next->length;
        journal_bytes_ += next->length;
        journal_.push_back(std::move(next));
    }
}

void ExtentNode::flush_journal(bool force) {
    const int depth = std::max(1, ctx().disk().config().servers);
    while (!journal_.empty() && (force || journal_writes_ < depth)) {
        IoOp op;
        op.kind = IoKind::kJournal;
        int64_t bytes = 0;
        size_t n = 0;
        while (n < journal_.size() && (n == 0 || bytes + journal_[n]->length <= kMaxJournalWriteBytes)) {
            bytes += journal_[n]->length;
            ++n;
        }
        op.appends.reserve(n);
        for (size_t i = 0; i < n; ++i) op.appends.push_back(std::move(journal_[i]));
        journal_.erase(journal_.begin(), journal_.begin() + static_cast<std::ptrdiff_t>(n));
        journal_bytes_ -= bytes;
        ++journal_writes_;
        submit(std::move(op), sim::IoKind::kWrite, bytes);
    }
}

void ExtentNode::pass_on(ExtentId id) {
    Replica* r = store_.find(id);
    auto lit = live_.find(id);
    if (r == nullptr || lit == live_.end()) return;
    Live& live = lit->second;
    const int pos = position(*r);
    const int n = static_cast<int>(r->chain.size());
    const bool chain = options_.config.replication == Replication::kChain;
    const bool ack_at_head = options_.config.has_bug(StreamBug::kChainAckAtHead);
    bool secondary_advanced = false;
    int64_t limit = r->commit_length;
    if (auto f = fence_.find(id); f != fence_.end()) limit = std::min(limit, f->second);
    while (!live.waiting.empty()) {
        auto it = live.waiting.begin();
        AppendRequest& m = *it->second;
        if (m.offset + m.length > limit) break;
        if (chain) {
            if (pos == 0 && ack_at_head && n > 1) reply_append(m, Status::kOk);
            if (pos + 1 < n) {
                ctx().send(extent_node_at(r->chain[static_cast<size_t>(pos + 1)]), std::move(it->second));
            } else {
                reply_append(m, Status::kOk);
            }
        } else if (pos == 0) {
            bool all = true;
            for (int i = 1; i < n; ++i) {
                auto s = live.secondary_length.find(r->chain[static_cast<size_t>(i)].value);
                if (s == live.secondary_length.end() || s->second < m.offset + m.length) all = false;
            }
            if (!all && !ack_at_head) break;
            reply_append(m, Status::kOk);
        } else {
            secondary_advanced = true;
        }
        live.waiting.erase(it);
    }
    if (secondary_advanced) {
        auto ack = ctx().make<FanoutAck>();
        ack->extent = id;
        ack->from = ctx().node();
        ack->commit_length = limit;
        ctx().send(extent_node_at(r->chain.front()), std::move(ack));
    }
}

void ExtentNode::handle_fanout_ack(const FanoutAck& m) {
    auto it = live_.find(m.extent);
    if (it == live_.end()) return;
    int64_t& len = it->second.secondary_length[m.from.value];
    len = std::max(len, m.commit_length);
    pass_on(m.extent);
}

void ExtentNode::drop_live(ExtentId id) {
    auto it = live_.find(id);
    if (it == live_.end()) return;
    // Appends still in flight here fail fast: the client seals and moves on.
    for (auto& [off, m] : it->second.waiting) {
        if (m) reply_append(*m, Status::kSealed);
    }
    for (auto& [off, m] : it->second.out_of_order) {
        if (m) reply_append(*m, Status::kSealed);
    }
    live_.erase(it);
}

void ExtentNode::commit_append(sim::Owned<AppendRequest> m, bool ok) {
    Replica* r = store_.find(m->extent);
    if (!ok || r == nullptr) return reply_append(*m, ok ? Status::kNoExtent : Status::kDiskFailed);
    int64_t at = m->offset;
    for (size_t i = 0; i < m->blocks.size(); ++i) {
        const BlockData& d = m->blocks[i];
        const int64_t added = store_.add_block(*r, Block{at, d.size_bytes, d.fingerprint, m->checksums[i]});
        at += d.size_bytes;
        if (added <= 0) continue;
        ctx().disk().reserve(added);
        if (options_.metrics) {
            options_.metrics->bytes_written += static_cast<uint64_t>(added);
            options_.metrics->count_node(ctx().node().value, added);
        }
    }
    if (r->sealed) return reply_append(*m, Status::kSealed);
    auto lit = live_.find(m->extent);
    if (lit == live_.end()) return reply_append(*m, Status::kSealed);
    const ExtentId id = m->extent;
    const int64_t offset = m->offset;
    lit->second.waiting.emplace(offset, std::move(m));
    pass_on(id);
}

// --- reads ------------------------------------------------------------------------------------

int64_t ExtentNode::collect(const Replica& r, int64_t offset, int64_t end, std::vector<Block>* out) const {
    auto it = r.blocks.find(offset);
    if (it == r.blocks.end()) return -1;
    int64_t bytes = 0;
    int64_t at = offset;
    for (; it != r.blocks.end() && it->first < end; ++it) {
        if (it->first != at || it->second.end() > r.commit_length) break;
        out->push_back(it->second);
        bytes += it->second.size_bytes;
        at = it->second.end();
    }
    return bytes;
}

void ExtentNode::handle_read(const ReadRequest& m) {
    auto reply = [&](Status s) {
        auto r = ctx().make<ReadReply>();
        r->extent = m.extent;
        r->status = s;
        r->request = m.request;
        r->from = ctx().node();
        ctx().send(m.src, std::move(r));
    };
    const Replica* r = store_.find(m.extent);
    if (r == nullptr) return reply(Status::kNoExtent);
    if (r->corrupt) return reply(Status::kCorrupt);
    std::vector<Block> blocks;
    const int64_t end = m.length > 0 ? m.offset + m.length : m.offset + 1;
    const int64_t bytes = collect(*r, m.offset, end, &blocks);
    if (bytes <= 0 || (m.length > 0 && bytes < m.length)) return reply(Status::kOutOfRange);
    // Reject at once a read this disk cannot serve within its deadline (SOSP §4.5).
    const auto& dc = ctx().disk().config();
    const double per_io = static_cast<double>((dc.latency + dc.bandwidth.transmit_time(bytes)).ns());
    const double wait = per_io * static_cast<double>(ctx().disk().in_flight() + 1) * ctx().disk().slow_factor();
    if (m.deadline > sim::Duration::zero() && wait > static_cast<double>(m.deadline.ns())) {
        return reply(Status::kDeadline);
    }
    IoOp op;
    op.kind = IoKind::kRead;
    op.extent = m.extent;
    op.offset = m.offset;
    op.length = bytes;
    op.reply_to = m.src;
    op.request = m.request;
    submit(std::move(op), sim::IoKind::kRead, bytes);
}

// --- stream manager orders ----------------------------------------------------------------------

void ExtentNode::handle_create(const CreateReplica& m) {
    Replica* r = store_.find(m.extent);
    if (r != nullptr && (r->commit_length > 0 || r->sealed)) {
        auto reply = ctx().make<CreateReplicaReply>();
        reply->extent = m.extent;
        reply->from = ctx().node();
        reply->status = Status::kSealed;
        reply->request = m.request;
        ctx().send(m.src, std::move(reply));
        return;
    }
    IoOp op;
    op.kind = IoKind::kCreate;
    op.extent = m.extent;
    op.chain = m.chain;
    op.reply_to = m.src;
    op.request = m.request;
    flush_journal(true);
    submit(std::move(op), sim::IoKind::kWrite, kMetadataWriteBytes);
}

void ExtentNode::handle_length_query(const LengthQuery& m) {
    auto reply = ctx().make<LengthReply>();
    reply->extent = m.extent;
    reply->round = m.round;
    reply->from = ctx().node();
    const Replica* r = store_.find(m.extent);
    if (r == nullptr) {
        reply->status = Status::kNoExtent;
    } else {
        reply->status = r->sealed ? Status::kSealed : Status::kOk;
        reply->commit_length = r->sealed ? r->sealed_length : r->commit_length;
        fence(m.extent, r->commit_length);
    }
    ctx().send(m.src, std::move(reply));
}

void ExtentNode::handle_seal(const SealReplica& m) {
    if (const Replica* r = store_.find(m.extent)) fence(m.extent, std::min(r->commit_length, m.length));
    IoOp op;
    op.kind = IoKind::kSeal;
    op.extent = m.extent;
    op.length = m.length;
    op.reply_to = m.src;
    flush_journal(true);
    submit(std::move(op), sim::IoKind::kWrite, kMetadataWriteBytes);
}

void ExtentNode::handle_copy_order(const CopyOrder& m) {
    if (copies_.count(m.extent) != 0) return;  // already copying
    Copy c;
    c.source = m.source;
    c.length = m.length;
    c.reply_to = m.src;
    c.chain = m.chain;
    c.epoch = ++copy_epoch_;
    copies_.emplace(m.extent, std::move(c));
    fence(m.extent, 0);
    drop_live(m.extent);
    IoOp op;
    op.kind = IoKind::kCopyWrite;
    op.extent = m.extent;
    flush_journal(true);
    submit(std::move(op), sim::IoKind::kWrite, kMetadataWriteBytes);
}

void ExtentNode::request_copy_chunk(ExtentId id) {
    auto it = copies_.find(id);
    const Replica* r = store_.find(id);
    if (it == copies_.end() || r == nullptr) return;
    auto req = ctx().make<CopyRead>();
    req->extent = id;
    req->offset = r->commit_length;
    req->max_bytes = options_.config.copy_chunk_bytes;
    req->length = it->second.length;
    ctx().send(extent_node_at(it->second.source), std::move(req));
    const uint64_t tag = kCopyTimerBase + it->second.epoch;
    // A chunk of copy_chunk_bytes over a busy link and disk: give it generous time.
    it->second.timer = ctx().set_timer(options_.config.request_timeout * 8, tag);
    copy_timers_[tag] = id;
}

void ExtentNode::handle_copy_read(const CopyRead& m) {
    const Replica* r = store_.find(m.extent);
    auto fail = [&](Status s) {
        auto reply = ctx().make<CopyData>();
        reply->extent = m.extent;
        reply->status = s;
        ctx().send(m.src, std::move(reply));
    };
    if (r == nullptr) return fail(Status::kNoExtent);
    if (r->corrupt) return fail(Status::kCorrupt);
    if (r->commit_length < m.length) return fail(Status::kOutOfRange);
    std::vector<Block> blocks;
    const int64_t bytes = collect(*r, m.offset, std::min(m.length, m.offset + m.max_bytes), &blocks);
    if (bytes <= 0) return fail(Status::kOutOfRange);
    IoOp op;
    op.kind = IoKind::kCopyRead;
    op.extent = m.extent;
    op.offset = m.offset;
    op.length = std::min(m.length, m.offset + m.max_bytes);
    op.reply_to = m.src;
    submit(std::move(op), sim::IoKind::kRead, bytes);
}

void ExtentNode::handle_copy_data(sim::Owned<CopyData> m) {
    auto it = copies_.find(m->extent);
    if (it == copies_.end()) return;
    ctx().cancel_timer(it->second.timer);
    if (m->status != Status::kOk) return finish_copy(m->extent, m->status);
    int64_t bytes = 0;
    for (const Block& b : m->blocks) bytes += b.size_bytes;
    IoOp op;
    op.kind = IoKind::kCopyWrite;
    op.extent = m->extent;
    op.blocks = std::move(m->blocks);
    flush_journal(true);
    submit(std::move(op), sim::IoKind::kWrite, bytes);
}

void ExtentNode::finish_copy(ExtentId id, Status status) {
    auto it = copies_.find(id);
    if (it == copies_.end()) return;
    auto done = ctx().make<CopyDone>();
    done->extent = id;
    done->from = ctx().node();
    done->source = it->second.source;
    done->status = status;
    done->length = it->second.length;
    ctx().cancel_timer(it->second.timer);
    ctx().send(it->second.reply_to, std::move(done));
    copies_.erase(it);
}

void ExtentNode::handle_delete(const DeleteReplica& m) {
    if (store_.find(m.extent) == nullptr) return;
    IoOp op;
    op.kind = IoKind::kDelete;
    op.extent = m.extent;
    flush_journal(true);
    submit(std::move(op), sim::IoKind::kWrite, kMetadataWriteBytes);
}

// --- disk completions ---------------------------------------------------------------------------

void ExtentNode::on_io(uint64_t tag, sim::IoStatus status) {
    auto node = io_.extract(tag);
    SIM_ASSERT(!node.empty(), "unknown I/O tag " << tag);
    IoOp& op = node.mapped();
    const bool ok = status == sim::IoStatus::kOk;
    Replica* r = store_.find(op.extent);
    switch (op.kind) {
        case IoKind::kJournal: {
            --journal_writes_;
            for (auto& m : op.appends) commit_append(std::move(m), ok);
            flush_journal(false);
            return;
        }
        case IoKind::kCreate: {
            auto reply = ctx().make<CreateReplicaReply>();
            reply->extent = op.extent;
            reply->from = ctx().node();
            reply->request = op.request;
            if (!ok) {
                reply->status = Status::kDiskFailed;
            } else {
                if (r == nullptr) store_.create(op.extent, op.chain);
                else if (r->commit_length == 0 && !r->sealed) r->chain = op.chain;
                active_.insert(op.extent);
                fence_.erase(op.extent);
                live_.erase(op.extent);
            }
            ctx().send(op.reply_to, std::move(reply));
            return;
        }
        case IoKind::kSeal: {
            auto reply = ctx().make<SealReplicaReply>();
            reply->extent = op.extent;
            reply->from = ctx().node();
            reply->length = op.length;
            if (!ok || r == nullptr) {
                reply->status = ok ? Status::kNoExtent : Status::kDiskFailed;
            } else if (r->sealed) {
                reply->status = r->sealed_length == op.length && r->commit_length == op.length ? Status::kOk
                                                                                              : Status::kOutOfRange;
            } else {
                const bool complete = r->commit_length >= op.length;
                ctx().disk().release(store_.truncate(*r, op.length));
                r->sealed = true;
                r->sealed_length = op.length;
                drop_live(op.extent);
                // A replica told to seal beyond what it holds is sealed but incomplete (only
                // a wrong seal length causes this); it needs a copy, and the observer flags it.
                reply->status = complete ? Status::kOk : Status::kOutOfRange;
                if (options_.observer) options_.observer->on_replica_sealed(ctx().node(), op.extent);
            }
            ctx().send(op.reply_to, std::move(reply));
            return;
        }
        case IoKind::kCopyWrite: {
            auto cit = copies_.find(op.extent);
            if (cit == copies_.end()) return;
            if (!ok) return finish_copy(op.extent, Status::kDiskFailed);
            if (r == nullptr) r = &store_.create(op.extent, cit->second.chain);
            const int64_t length = cit->second.length;
            if (!r->sealed && r->commit_length > length) ctx().disk().release(store_.truncate(*r, length));
            int64_t added = 0;
            for (const Block& b : op.blocks) {
                if (b.end() <= length) added += store_.add_block(*r, b);
            }
            if (added > 0) {
                ctx().disk().reserve(added);
                if (options_.metrics) options_.metrics->bytes_re_replicated += static_cast<uint64_t>(added);
            }
            if (r->commit_length >= length) {
                ctx().disk().release(store_.truncate(*r, length));
                const bool was_sealed = r->sealed;
                r->sealed = true;
                r->sealed_length = length;
                r->corrupt = false;
                if (options_.observer && (!was_sealed || added > 0)) {
                    options_.observer->on_replica_sealed(ctx().node(), op.extent);
                }
                return finish_copy(op.extent, Status::kOk);
            }
            return request_copy_chunk(op.extent);
        }
        case IoKind::kRead:
        case IoKind::kCopyRead: {
            const bool copy = op.kind == IoKind::kCopyRead;
            Status s = Status::kOk;
            std::vector<Block> blocks;
            if (!ok) {
                s = Status::kDiskFailed;
            } else if (r == nullptr) {
                s = Status::kNoExtent;
            } else {
                const int64_t end = copy ? op.length : op.offset + op.length;
                if (collect(*r, op.offset, end, &blocks) <= 0) s = Status::kOutOfRange;
                for (const Block& b : blocks) {
                    if (!b.intact()) s = Status::kCorrupt;
                }
                if (s == Status::kCorrupt) {
                    if (!r->corrupt && options_.metrics) ++options_.metrics->corrupt_replicas_found;
                    r->corrupt = true;
                }
            }
            if (s != Status::kOk) blocks.clear();
            int64_t bytes = 0;
            for (const Block& b : blocks) bytes += b.size_bytes;
            if (copy) {
                auto reply = ctx().make<CopyData>();
                reply->extent = op.extent;
                reply->status = s;
                reply->blocks = std::move(blocks);
                reply->size_bytes = kHeaderBytes + bytes;
                ctx().send(op.reply_to, std::move(reply));
            } else {
                auto reply = ctx().make<ReadReply>();
                reply->extent = op.extent;
                reply->status = s;
                reply->request = op.request;
                reply->blocks = std::move(blocks);
                reply->commit_length = r ? r->commit_length : 0;
                reply->sealed = r ? r->sealed : false;
                reply->from = ctx().node();
                reply->size_bytes = kHeaderBytes + bytes;
                ctx().send(op.reply_to, std::move(reply));
            }
            return;
        }
        case IoKind::kDelete: {
            if (ok) ctx().disk().release(store_.erase(op.extent));
            active_.erase(op.extent);
            fence_.erase(op.extent);
            live_.erase(op.extent);
            return;
        }
        case IoKind::kScrub: {
            if (!ok || r == nullptr) return;
            for (const auto& [off, b] : r->blocks) {
                if (!b.intact()) {
                    if (!r->corrupt && options_.metrics) ++options_.metrics->corrupt_replicas_found;
                    r->corrupt = true;
                    break;
                }
            }
            return;
        }
    }
}

// --- timers -------------------------------------------------------------------------------------

void ExtentNode::on_timer(uint64_t tag) {
    if (tag == kHeartbeatTimer) {
        send_heartbeat();
        ctx().set_timer(options_.config.heartbeat, kHeartbeatTimer);
        return;
    }
    if (tag == kScrubTimer) {
        start_scrub();
        ctx().set_timer(options_.config.scrub_interval, kScrubTimer);
        return;
    }
    auto it = copy_timers_.find(tag);
    if (it == copy_timers_.end()) return;
    const ExtentId id = it->second;
    copy_timers_.erase(it);
    auto c = copies_.find(id);
    if (c != copies_.end() && kCopyTimerBase + c->second.epoch == tag) finish_copy(id, Status::kTimeout);
}

void ExtentNode::send_heartbeat() {
    auto hb = ctx().make<Heartbeat>();
    hb->from = ctx().node();
    hb->boot = sim::mix64((static_cast<uint64_t>(ctx().incarnation()) << 32) ^ ctx().disk().generation());
    hb->seq = ++seq_;
    hb->challenge = challenge_;
    hb->free_bytes = ctx().disk().capacity_bytes() - ctx().disk().used_bytes();
    hb->disk_queue = ctx().disk().in_flight();
    hb->sent_true = ctx().true_now();
    if (!ctx().disk().failed()) {
        for (const auto& [id, r] : store_.replicas()) {
            if (copies_.count(id) != 0) continue;  // not a replica until the copy is done
            hb->extents.push_back(ReplicaReport{id, r.sealed ? r.sealed_length : r.commit_length, r.sealed,
                                                r.corrupt || (r.sealed && r.commit_length != r.sealed_length)});
        }
    }
    hb->size_bytes = kHeaderBytes + 24 * static_cast<int64_t>(hb->extents.size());
    const auto& sms = options_.stream_managers;
    for (size_t i = 0; i + 1 < sms.size(); ++i) ctx().send(sms[i], ctx().make<Heartbeat>(*hb));
    if (!sms.empty()) ctx().send(sms.back(), std::move(hb));
}

void ExtentNode::start_scrub() {
    for (const auto& [id, r] : store_.replicas()) {
        if (r.stored_bytes <= 0 || r.corrupt) continue;
        IoOp op;
        op.kind = IoKind::kScrub;
        op.extent = id;
        submit(std::move(op), sim::IoKind::kRead, r.stored_bytes);
    }
}

}  // namespace models::stream
