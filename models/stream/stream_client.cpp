#include "models/stream/stream_client.h"

#include <algorithm>

#include "models/ports.h"
#include "models/stream/observer.h"
#include "sim/check.h"
#include "sim/simulation.h"

namespace models::stream {

namespace {

constexpr int kSmTimer = 1;
constexpr int kAppendTimer = 2;
constexpr int kReadTimer = 3;
constexpr int kSealRetryTimer = 4;
constexpr int kMaxSmAttempts = 40;
const sim::Duration kSealRetryBackoff = sim::Duration::millis(100);
// How long a replica that did not answer a read is tried last.
const sim::Duration kSuspectFor = sim::Duration::seconds(10);

sim::Address extent_node_at(sim::NodeId n) { return sim::Address{n, models::ports::kExtentNode}; }

}  // namespace

StreamClient::StreamClient(sim::Context& ctx, StreamClientOptions options) : ctx_(ctx), options_(std::move(options)) {
    SIM_ASSERT(!options_.stream_managers.empty(), "stream client without stream managers");
}

uint64_t StreamClient::timer(sim::Duration d, int kind, uint64_t id) {
    const uint64_t tag = kStreamClientTagSpace | next_id_++;
    timers_[tag] = Timer{kind, id, ctx_.set_timer(d, tag)};
    return tag;
}

void StreamClient::cancel(uint64_t& tag) {
    if (tag == 0) return;
    auto it = timers_.find(tag);
    if (it != timers_.end()) {
        ctx_.cancel_timer(it->second.handle);
        timers_.erase(it);
    }
    tag = 0;
}

const ExtentView* StreamClient::find_extent(ExtentId id) const {
    for (const auto& [sid, st] : streams_) {
        for (const auto& e : st.extents) {
            if (e.id == id) return &e;
        }
    }
    return nullptr;
}

const std::vector<ExtentView>* StreamClient::extents(StreamId stream) const {
    auto it = streams_.find(stream);
    return it == streams_.end() ? nullptr : &it->second.extents;
}

size_t StreamClient::inflight(StreamId stream) const {
    auto it = streams_.find(stream);
    return it == streams_.end() ? 0 : it->second.inflight.size() + it->second.waiting.size();
}

bool StreamClient::handle_message(sim::MessagePtr& msg) {
    if (msg->is<AppendReply>()) {
        on_append_reply(msg->as<AppendReply>());
        return true;
    }
    if (msg->is<ReadReply>()) {
        on_read_reply(msg->as<ReadReply>());
        return true;
    }
    if (msg->is<StreamReply>()) {
        on_sm_reply(sim::message_cast<StreamReply>(std::move(msg)));
        return true;
    }
    return false;
}

void StreamClient::handle_timer(uint64_t tag) {
    auto it = timers_.find(tag);
    if (it == timers_.end()) return;
    const int kind = it->second.kind;
    const uint64_t id = it->second.id;
    timers_.erase(it);
    switch (kind) {
        case kSmTimer: {
            auto c = sm_calls_.find(id);
            if (c == sm_calls_.end() || c->second.timer != tag) return;
            if (++c->second.attempts >= kMaxSmAttempts) {
                auto done = std::move(c->second.done);
                sm_calls_.erase(c);
                StreamReply timeout;
                timeout.status = Status::kTimeout;
                done(timeout);
                return;
            }
            leader_ = (leader_ + 1) % options_.stream_managers.size();
            send_sm(id);
            return;
        }
        case kAppendTimer: {
            auto a = appends_.find(id);
            if (a == appends_.end() || a->second.timer != tag) return;
            seal_and_continue(a->second.stream, a->second.extent);
            return;
        }
        case kReadTimer: {
            auto r = reads_.find(id);
            if (r == reads_.end() || r->second.timer != tag) return;
            // No answer at all: the node is down or cut off. Later reads try the other
            // replicas first for a while, instead of waiting out a timeout per read.
            const Read& rd = r->second;
            suspect_until_[rd.replicas[(rd.next + rd.replicas.size() - 1) % rd.replicas.size()].value] =
                ctx_.now() + kSuspectFor;
            read_failed(id);
            return;
        }
        case kSealRetryTimer: {
            auto st = streams_.find(StreamId{id});
            if (st == streams_.end()) return;
            const ExtentId last = st->second.extents.empty() ? ExtentId{} : st->second.extents.back().id;
            seal_and_continue(StreamId{id}, last);
            return;
        }
        default:
            return;
    }
}

// --- stream manager calls ---------------------------------------------------------------------

void StreamClient::call_sm(StreamOp op, const std::string& name, ExtentId extent,
                           std::function<void(const StreamReply&)> done) {
    const uint64_t id = next_id_++;
    SmCall& c = sm_calls_[id];
    c.op = op;
    c.name = name;
    c.extent = extent;
    c.done = std::move(done);
    send_sm(id);
}

void StreamClient::send_sm(uint64_t id) {
    SmCall& c = sm_calls_.at(id);
    auto m = ctx_.make<StreamRequest>();
    m->op = c.op;
    m->name = c.name;
    m->extent = c.extent;
    m->request = id;
    ctx_.send(options_.stream_managers[leader_], std::move(m));
    cancel(c.timer);
    c.timer = timer(options_.config.request_timeout, kSmTimer, id);
}

void StreamClient::on_sm_reply(sim::Owned<StreamReply> m) {
    auto it = sm_calls_.find(m->request);
    if (it == sm_calls_.end()) return;
    if (m->status == Status::kNotLeader) {
        // Follow the hint at once; without one, the call's timer moves to the next member.
        for (size_t i = 0; i < options_.stream_managers.size(); ++i) {
            if (options_.stream_managers[i] == m->leader_hint && m->leader_hint.node.valid()) {
                leader_ = i;
                ++it->second.attempts;
                return send_sm(m->request);
            }
        }
        return;
    }
    cancel(it->second.timer);
    auto done = std::move(it->second.done);
    sm_calls_.erase(it);
    done(*m);
}

void StreamClient::adopt(StreamId stream, const std::string& name, const std::vector<ExtentView>& extents) {
    StreamState& st = streams_[stream];
    st.name = name;
    const ExtentId old_last = st.extents.empty() ? ExtentId{} : st.extents.back().id;
    st.extents = extents;
    const ExtentId new_last = st.extents.empty() ? ExtentId{} : st.extents.back().id;
    if (old_last != new_last) {
        st.bytes_sent_to_last = 0;
        // Appends in flight on an older extent are re-sent to the new one, in order.
        std::vector<uint64_t> requeue;
        for (auto& [id, _] : st.inflight) requeue.push_back(id);
        st.inflight.clear();
        for (auto r = requeue.rbegin(); r != requeue.rend(); ++r) st.waiting.push_front(*r);
        appends_resent_ += requeue.size();
    }
}

void StreamClient::create_stream(const std::string& name, StreamCallback cb) {
    call_sm(StreamOp::kCreate, name, ExtentId{}, [this, name, cb = std::move(cb)](const StreamReply& r) {
        if (r.status == Status::kOk) adopt(r.stream, name, r.extents);
        cb(r.status, r.stream);
    });
}

void StreamClient::open_stream(const std::string& name, StreamCallback cb) {
    call_sm(StreamOp::kOpen, name, ExtentId{}, [this, name, cb = std::move(cb)](const StreamReply& r) {
        if (r.status == Status::kOk) adopt(r.stream, name, r.extents);
        cb(r.status, r.stream);
    });
}

void StreamClient::delete_stream(const std::string& name, DoneCallback cb) {
    call_sm(StreamOp::kDelete, name, ExtentId{}, [cb = std::move(cb)](const StreamReply& r) { cb(r.status); });
}

// --- appends -----------------------------------------------------------------------------------

void StreamClient::append(StreamId stream, BlockData data, AppendCallback cb) {
    append(stream, std::span<const BlockData>(&data, 1), std::move(cb));
}

void StreamClient::append(StreamId stream, std::span<const BlockData> blocks, AppendCallback cb) {
    SIM_ASSERT(!blocks.empty(), "append of no blocks");
    int64_t length = 0;
    for (const BlockData& b : blocks) {
        SIM_ASSERT(b.size_bytes > 0, "append of an empty block");
        length += b.size_bytes;
    }
    SIM_ASSERT(length <= options_.config.block_size_bytes,
               "append of " << length << " bytes (block size " << options_.config.block_size_bytes << ")");
    auto st = streams_.find(stream);
    if (st == streams_.end()) {
        cb(Status::kNotFound, Location{});
        return;
    }
    const uint64_t id = next_id_++;
    appends_[id] = Append{stream, Blocks(blocks.begin(), blocks.end()), length, std::move(cb), ExtentId{}, 0};
    st->second.waiting.push_back(id);
    pump(stream);
}

void StreamClient::pump(StreamId stream) {
    StreamState& st = streams_.at(stream);
    if (st.sealing) return;
    if (st.extents.empty() || st.extents.back().sealed) {
        if (!st.waiting.empty()) seal_and_continue(stream, st.extents.empty() ? ExtentId{} : st.extents.back().id);
        return;
    }
    const ExtentView& last = st.extents.back();
    while (!st.waiting.empty() && static_cast<int>(st.inflight.size()) < options_.max_inflight_appends) {
        const uint64_t id = st.waiting.front();
        Append& a = appends_.at(id);
        if (st.bytes_sent_to_last > 0 &&
            st.bytes_sent_to_last + a.length > options_.config.extent_seal_size_bytes) {
            // The extent is full: seal it and continue on a new one.
            if (st.inflight.empty()) seal_and_continue(stream, last.id);
            return;
        }
        st.waiting.pop_front();
        st.inflight[id] = true;
        a.extent = last.id;
        st.bytes_sent_to_last += a.length;
        send_append(id);
    }
}

void StreamClient::send_append(uint64_t id) {
    Append& a = appends_.at(id);
    const ExtentView* ev = find_extent(a.extent);
    SIM_ASSERT(ev != nullptr, "append to unknown extent " << a.extent.value);
    auto m = ctx_.make<AppendRequest>();
    m->extent = a.extent;
    m->blocks = a.blocks;
    m->length = a.length;
    m->client = ctx_.self();
    m->request = id;
    m->size_bytes = kHeaderBytes + a.length;
    ctx_.send(extent_node_at(ev->replicas.front()), std::move(m));
    cancel(a.timer);
    a.timer = timer(options_.config.append_timeout, kAppendTimer, id);
}

void StreamClient::on_append_reply(const AppendReply& m) {
    auto it = appends_.find(m.request);
    if (it == appends_.end() || it->second.extent != m.extent) return;  // an older attempt
    Append& a = it->second;
    if (m.status != Status::kOk) return seal_and_continue(a.stream, m.extent);
    const Location loc{m.extent, m.offset, m.length};
    if (options_.observer) {
        const ExtentView* ev = find_extent(m.extent);
        const std::vector<sim::NodeId> none;
        int64_t at = m.offset;
        for (const BlockData& b : a.blocks) {
            options_.observer->on_ack(Location{m.extent, at, b.size_bytes}, b.fingerprint, ev ? ev->replicas : none);
            at += b.size_bytes;
        }
    }
    cancel(a.timer);
    const StreamId stream = a.stream;
    AppendCallback cb = std::move(a.cb);
    streams_.at(stream).inflight.erase(m.request);
    appends_.erase(it);
    cb(Status::kOk, loc);
    pump(stream);
}

void StreamClient::seal_and_continue(StreamId stream, ExtentId failed) {
    StreamState& st = streams_.at(stream);
    const ExtentId last = st.extents.empty() ? ExtentId{} : st.extents.back().id;
    if (st.sealing || failed != last) return;
    st.sealing = true;
    ++seals_requested_;
    call_sm(StreamOp::kSealAndNewExtent, st.name, failed, [this, stream](const StreamReply& r) {
        StreamState& s = streams_.at(stream);
        s.sealing = false;
        if (r.status == Status::kOk && !r.extents.empty() && !r.extents.back().sealed) {
            adopt(stream, s.name, r.extents);
            pump(stream);
            return;
        }
        if (r.status == Status::kOk) adopt(stream, s.name, r.extents);
        timer(kSealRetryBackoff, kSealRetryTimer, stream.value);
    });
}

// --- reads -------------------------------------------------------------------------------------

void StreamClient::read(const Location& loc, ReadCallback cb) {
    const ExtentView* ev = find_extent(loc.extent);
    if (ev == nullptr || ev->replicas.empty()) {
        cb(Status::kNotFound, {});
        return;
    }
    const uint64_t id = next_id_++;
    Read& r = reads_[id];
    r.loc = loc;
    r.cb = std::move(cb);
    r.replicas = ev->replicas;
    order_replicas(r);
    send_read(id);
}

void StreamClient::read_extent(const Location& loc, std::vector<sim::NodeId> replicas, std::vector<std::string> streams,
                               ReadCallback cb) {
    const uint64_t id = next_id_++;
    Read& r = reads_[id];
    r.loc = loc;
    r.cb = std::move(cb);
    r.replicas = std::move(replicas);
    r.streams = std::move(streams);
    if (r.replicas.empty()) return read_failed(id);
    order_replicas(r);
    send_read(id);
}

const ExtentView* StreamClient::locate(ExtentId id, std::string* stream_name) const {
    for (const auto& [sid, st] : streams_) {
        for (const auto& e : st.extents) {
            if (e.id != id) continue;
            if (stream_name != nullptr) *stream_name = st.name;
            return &e;
        }
    }
    return nullptr;
}

void StreamClient::order_replicas(Read& r) {
    SIM_ASSERT(!r.replicas.empty(), "read of extent " << r.loc.extent.value << " without replicas");
    // A random replica first (spreads the load), but replicas that recently timed out last.
    const size_t start = ctx_.rng().below(r.replicas.size());
    std::rotate(r.replicas.begin(), r.replicas.begin() + static_cast<std::ptrdiff_t>(start), r.replicas.end());
    if (!suspect_until_.empty()) {
        const sim::Time now = ctx_.now();
        std::stable_partition(r.replicas.begin(), r.replicas.end(), [&](sim::NodeId n) {
            auto s = suspect_until_.find(n.value);
            return s == suspect_until_.end() || s->second <= now;
        });
    }
    r.next = 0;
    r.tried = 0;
}

void StreamClient::send_read(uint64_t id) {
    Read& r = reads_.at(id);
    const sim::NodeId node = r.replicas[r.next % r.replicas.size()];
    ++r.next;
    ++r.tried;
    auto m = ctx_.make<ReadRequest>();
    m->extent = r.loc.extent;
    m->offset = r.loc.offset;
    m->length = r.loc.size_bytes;
    m->deadline = options_.config.read_deadline;
    m->request = id;
    ctx_.send(extent_node_at(node), std::move(m));
    cancel(r.timer);
    r.timer = timer(options_.config.read_deadline + options_.config.request_timeout, kReadTimer, id);
}

void StreamClient::on_read_reply(const ReadReply& m) {
    auto it = reads_.find(m.request);
    if (it == reads_.end()) return;
    cancel(it->second.timer);
    if (m.status != Status::kOk) return read_failed(m.request);
    if (!suspect_until_.empty()) suspect_until_.erase(m.src.node.value);
    ReadCallback cb = std::move(it->second.cb);
    reads_.erase(it);
    cb(Status::kOk, m.blocks);
}

void StreamClient::read_failed(uint64_t id) {
    Read& r = reads_.at(id);
    cancel(r.timer);
    if (r.tried < r.replicas.size()) return send_read(id);
    if (!r.refreshed && !r.streams.empty()) {
        // read_extent: ask the stream manager where the extent's replicas are now.
        r.refreshed = true;
        return locate_for_read(id, 0);
    }
    if (!r.refreshed) {
        // Replicas may have moved (re-replication): refresh the chain once and retry.
        r.refreshed = true;
        for (const auto& [sid, st] : streams_) {
            for (const auto& e : st.extents) {
                if (e.id != r.loc.extent) continue;
                const std::string name = st.name;
                const StreamId stream = sid;
                call_sm(StreamOp::kOpen, name, ExtentId{}, [this, id, name, stream](const StreamReply& rep) {
                    auto it = reads_.find(id);
                    if (it == reads_.end()) return;
                    if (rep.status == Status::kOk) adopt(stream, name, rep.extents);
                    const ExtentView* ev = find_extent(it->second.loc.extent);
                    if (ev == nullptr) return fail_read(id, Status::kNotFound);
                    it->second.replicas = ev->replicas;
                    it->second.tried = 0;
                    send_read(id);
                });
                return;
            }
        }
    }
    fail_read(id, Status::kUnavailable);
}

void StreamClient::locate_for_read(uint64_t id, size_t i) {
    Read& r = reads_.at(id);
    if (i >= r.streams.size()) return fail_read(id, Status::kUnavailable);
    call_sm(StreamOp::kOpen, r.streams[i], ExtentId{}, [this, id, i](const StreamReply& rep) {
        auto it = reads_.find(id);
        if (it == reads_.end()) return;
        Read& rd = it->second;
        if (rep.status == Status::kOk) {
            for (const ExtentView& e : rep.extents) {
                if (e.id != rd.loc.extent) continue;
                if (e.replicas.empty()) break;
                rd.replicas = e.replicas;
                order_replicas(rd);
                return send_read(id);
            }
        }
        locate_for_read(id, i + 1);
    });
}

void StreamClient::fail_read(uint64_t id, Status s) {
    auto it = reads_.find(id);
    SIM_ASSERT(it != reads_.end(), "failing an unknown read " << id);
    cancel(it->second.timer);
    ReadCallback cb = std::move(it->second.cb);
    reads_.erase(it);
    cb(s, {});
}

// --- replay ------------------------------------------------------------------------------------

void StreamClient::replay(StreamId stream, BlockVisitor visit, DoneCallback done) {
    auto st = streams_.find(stream);
    if (st == streams_.end()) return done(Status::kNotFound);
    const uint64_t id = next_id_++;
    replays_[id] = Replay{stream, std::move(visit), std::move(done), 0, 0};
    const ExtentId last = st->second.extents.empty() ? ExtentId{} : st->second.extents.back().id;
    const std::string name = st->second.name;
    // Seal the last extent so every replica agrees on what there is to replay (SOSP §4.3.3).
    call_sm(StreamOp::kSealAndNewExtent, name, last, [this, id, stream, name](const StreamReply& r) {
        if (r.status != Status::kOk) {
            auto it = replays_.find(id);
            DoneCallback d = std::move(it->second.done);
            replays_.erase(it);
            return d(r.status);
        }
        adopt(stream, name, r.extents);
        pump(stream);
        replay_step(id);
    });
}

void StreamClient::replay_step(uint64_t id) {
    Replay& rp = replays_.at(id);
    const auto& exts = streams_.at(rp.stream).extents;
    while (rp.extent_index < exts.size()) {
        const ExtentView& e = exts[rp.extent_index];
        if (e.sealed && rp.offset < e.sealed_length) break;
        ++rp.extent_index;
        rp.offset = 0;
    }
    if (rp.extent_index >= exts.size()) {
        DoneCallback d = std::move(rp.done);
        replays_.erase(id);
        return d(Status::kOk);
    }
    // Read ahead: up to a block's worth of bytes per read (small commit-log records would
    // otherwise cost a disk read each).
    const ExtentId extent = exts[rp.extent_index].id;
    const int64_t chunk = std::min(exts[rp.extent_index].sealed_length - rp.offset, options_.config.block_size_bytes);
    read(Location{extent, rp.offset, chunk}, [this, id, extent](Status s, const std::vector<Block>& blocks) {
        auto it = replays_.find(id);
        if (it == replays_.end()) return;
        if (s != Status::kOk || blocks.empty()) {
            DoneCallback d = std::move(it->second.done);
            replays_.erase(it);
            return d(s == Status::kOk ? Status::kOutOfRange : s);
        }
        for (const Block& b : blocks) {
            it->second.visit(Location{extent, b.offset, b.size_bytes}, b);
            it->second.offset = b.end();
        }
        replay_step(id);
    });
}

}  // namespace models::stream
