#include "models/partition/range_store.h"

#include <algorithm>

#include "sim/check.h"

namespace models::partition {

namespace {

bool overlap(const KeyRange& a, const KeyRange& b) {
    const bool a_below_b_high = b.high.empty() || a.low < b.high;
    const bool b_below_a_high = a.high.empty() || b.low < a.high;
    return a_below_b_high && b_below_a_high;
}

std::optional<KeyRange> intersect(const KeyRange& a, const KeyRange& b) {
    KeyRange r;
    r.low = std::max(a.low, b.low);
    if (a.high.empty()) {
        r.high = b.high;
    } else if (b.high.empty()) {
        r.high = a.high;
    } else {
        r.high = std::min(a.high, b.high);
    }
    if (!r.high.empty() && !(r.low < r.high)) return std::nullopt;
    return r;
}

// The parts of `a` outside `b`: none, one or two ranges.
std::vector<KeyRange> subtract(const KeyRange& a, const KeyRange& b) {
    if (!overlap(a, b)) return {a};
    std::vector<KeyRange> out;
    if (a.low < b.low) out.push_back(KeyRange{a.low, b.low});
    if (!b.high.empty() && (a.high.empty() || b.high < a.high)) out.push_back(KeyRange{b.high, a.high});
    return out;
}

bool within(const std::vector<KeyRange>& pieces, std::string_view key) {
    for (const KeyRange& p : pieces) {
        if (p.contains(key)) return true;
    }
    return false;
}

// A commit-log record's block: the row, the blob's bytes when they travel in it, a header.
int64_t log_record_bytes(const std::string& key, int64_t data_bytes) { return row_bytes(key) + data_bytes + 16; }

int64_t rows_bytes(const Rows& rows) {
    int64_t b = 64;
    for (const Row& r : rows) b += row_bytes(r.first);
    return b;
}

}  // namespace

// --- PayloadStore --------------------------------------------------------------------------------

uint64_t PayloadStore::next_fp() { return sim::mix64(++counter_ ^ 0x7061727469746e31ULL); }
uint64_t PayloadStore::put(std::shared_ptr<const LogRecord> r) {
    const uint64_t fp = next_fp();
    logs_.emplace(fp, std::move(r));
    return fp;
}
uint64_t PayloadStore::put(std::shared_ptr<const MetaRecord> r) {
    const uint64_t fp = next_fp();
    metas_.emplace(fp, std::move(r));
    return fp;
}
uint64_t PayloadStore::put(std::shared_ptr<const Rows> rows) {
    const uint64_t fp = next_fp();
    rows_.emplace(fp, std::move(rows));
    return fp;
}
const LogRecord* PayloadStore::log(uint64_t fp) const {
    auto it = logs_.find(fp);
    return it == logs_.end() ? nullptr : it->second.get();
}
const MetaRecord* PayloadStore::meta(uint64_t fp) const {
    auto it = metas_.find(fp);
    return it == metas_.end() ? nullptr : it->second.get();
}
void PayloadStore::put_retired(uint64_t rows_fp, std::shared_ptr<const RetiredOps> ops) {
    retired_[rows_fp] = std::move(ops);
}

std::shared_ptr<const RetiredOps> PayloadStore::retired(uint64_t rows_fp) const {
    auto it = retired_.find(rows_fp);
    return it == retired_.end() ? nullptr : it->second;
}

std::shared_ptr<const Rows> PayloadStore::rows(uint64_t fp) const {
    auto it = rows_.find(fp);
    return it == rows_.end() ? nullptr : it->second;
}

// --- RangeStore ----------------------------------------------------------------------------------

RangeStore::RangeStore(sim::Context& ctx, stream::StreamClient& client, RangeId id, KeyRange range, RangeMeta meta,
                       uint64_t token, const RangeStoreOptions& options)
    : ctx_(ctx),
      client_(client),
      options_(options),
      id_(id),
      range_(range),
      meta_(std::move(meta)),
      token_(token),
      part_(id, std::move(range)) {
    SIM_ASSERT(options_.payloads != nullptr, "range store without a payload store");
    SIM_ASSERT(!meta_.meta_streams.empty(), "range " << id.value << " has no metadata stream");
}

KeyRange RangeStore::loaded_keys() const {
    KeyRange keys = range_;
    // Planted bug split_drops_boundary_key: a range loaded from its parents' streams treats
    // its low key as exclusive, so the row at the split key is left behind.
    if (options_.config.split_drops_boundary_key && meta_.meta_streams.size() > 1 && !keys.low.empty()) {
        keys.low.push_back('\0');
    }
    return keys;
}

std::vector<std::string> RangeStore::streams_of(const std::vector<Checkpoint>& checkpoints) const {
    std::vector<std::string> out;
    for (const Checkpoint& c : checkpoints) {
        auto it = checkpoint_stream_.find(c.location.extent);
        SIM_ASSERT(it != checkpoint_stream_.end(), "checkpoint in extent " << c.location.extent << " of no known stream");
        out.push_back(it->second);
    }
    return out;
}

std::string RangeStore::log_name(uint64_t gen) const {
    return meta_.own_prefix + "/log." + std::to_string(token_) + "." + std::to_string(gen);
}

void RangeStore::close() {
    closed_ = true;
    *alive_ = false;
    ready_ = false;
    std::deque<Pending> q;
    q.swap(queue_);
    for (Pending& p : q) p.cb(StoreStatus::kNotReady, IndexEntry{});
}

void RangeStore::load(std::function<void(bool)> done) {
    load_stats_ = LoadStats{};
    load_stats_.started = ctx_.true_now();
    load_done_ = std::move(done);
    open_streams(0, [this](bool ok) {
        if (!ok) return load_done_(false);
        replay_meta(0, [this](bool ok2) {
            if (!ok2) return load_done_(false);
            read_checkpoints(0, [this](bool ok3) {
                if (!ok3) return load_done_(false);
                part_.load_checkpoints(loaded_checkpoints_);
                replay_logs(0, [this](bool ok4) {
                    if (!ok4) return load_done_(false);
                    next_version_ = std::max(next_version_, part_.max_version() + 1);
                    current_logs_.clear();
                    for (const std::string& l : replay_logs_) current_logs_.push_back(LogRef{l, log_keys_[l]});
                    start_checkpoint();  // the range is ready once the next log is named
                });
            });
        });
    });
}

void RangeStore::open_streams(size_t i, std::function<void(bool)> done) {
    std::vector<std::string> names = meta_.meta_streams;
    names.push_back(meta_.own_prefix + "/data");
    names.push_back(meta_.own_prefix + "/blob");
    if (i >= names.size()) return done(true);
    std::weak_ptr<bool> alive = alive_;
    const std::string name = names[i];
    client_.create_stream(name, [this, alive, i, name, done = std::move(done)](stream::Status s, stream::StreamId sid) mutable {
        if (alive.expired() || !*alive.lock()) return;
        if (s != stream::Status::kOk) return done(false);
        streams_[name] = sid;
        open_streams(i + 1, std::move(done));
    });
}

void RangeStore::replay_meta(size_t i, std::function<void(bool)> done) {
    if (i >= meta_.meta_streams.size()) {
        // Log streams named by the surviving records, in order, once each; each replayed
        // only for the keys of the records that name it.
        for (const KeptRecord& k : kept_) {
            for (const LogRef& l : k.record->logs) {
                for (const KeyRange& piece : k.pieces) {
                    for (const KeyRange& lk : l.keys) {
                        auto both = intersect(piece, lk);
                        if (!both) continue;
                        if (std::find(replay_logs_.begin(), replay_logs_.end(), l.stream) == replay_logs_.end()) {
                            replay_logs_.push_back(l.stream);
                        }
                        log_keys_[l.stream].push_back(*both);
                    }
                }
            }
        }
        return done(true);
    }
    std::weak_ptr<bool> alive = alive_;
    const stream::StreamId sid = streams_.at(meta_.meta_streams[i]);
    auto max_token = std::make_shared<uint64_t>(0);
    client_.replay(
        sid,
        [this, alive, max_token](const stream::Location&, const stream::Block& b) {
            if (alive.expired() || !*alive.lock()) return;
            const MetaRecord* rec = options_.payloads->meta(b.fingerprint);
            if (rec == nullptr) return;
            // Every writer of a metadata stream owns the same range's lease, so tokens grow
            // along the stream; a lower one is a stale owner's late record (it loaded from
            // an older state than the records before it): ignored, as in the commit logs.
            if (rec->token < *max_token) {
                ++load_stats_.stale_records_dropped;
                return;
            }
            *max_token = rec->token;
            auto mine = intersect(rec->range, range_);
            if (!mine) return;
            ++load_stats_.meta_records;
            next_version_ = std::max(next_version_, rec->next_version);
            // A later record replaces the earlier ones for the keys of its writer's range,
            // and only for those: a child's record leaves its parent's record standing for
            // the parent's other keys (which a merge or a sibling may still need).
            for (KeptRecord& k : kept_) {
                std::vector<KeyRange> left;
                for (const KeyRange& piece : k.pieces) {
                    for (KeyRange& rest : subtract(piece, rec->range)) left.push_back(std::move(rest));
                }
                k.pieces = std::move(left);
            }
            std::erase_if(kept_, [](const KeptRecord& k) { return k.pieces.empty(); });
            kept_.push_back(KeptRecord{std::make_shared<const MetaRecord>(*rec), {*mine}});
        },
        [this, alive, i, done = std::move(done)](stream::Status s) mutable {
            if (alive.expired() || !*alive.lock()) return;
            if (s != stream::Status::kOk) return done(false);
            replay_meta(i + 1, std::move(done));
        });
}

void RangeStore::read_checkpoints(size_t i, std::function<void(bool)> done) {
    // Flatten (record, checkpoint) pairs: the i-th checkpoint over all kept records.
    size_t n = 0;
    const Checkpoint* cp = nullptr;
    const KeptRecord* owner = nullptr;
    std::string data_stream;
    for (const KeptRecord& k : kept_) {
        for (size_t j = 0; j < k.record->checkpoints.size(); ++j) {
            if (n++ == i) {
                cp = &k.record->checkpoints[j];
                owner = &k;
                SIM_ASSERT(j < k.record->checkpoint_streams.size(), "metadata record without checkpoint streams");
                data_stream = k.record->checkpoint_streams[j];
            }
        }
    }
    if (cp == nullptr) return done(true);
    // The checkpoint holds for the keys its record still speaks for (disjoint pieces).
    std::vector<KeyRange> visible;
    for (const KeyRange& piece : owner->pieces) {
        auto vis = intersect(cp->visible, piece);
        if (vis) vis = intersect(*vis, loaded_keys());
        if (vis) visible.push_back(*vis);
    }
    if (visible.empty()) return read_checkpoints(i + 1, std::move(done));
    const StreamPointer loc = cp->location;
    checkpoint_stream_[loc.extent] = data_stream;
    if (streams_.count(data_stream) != 0) return read_checkpoint(i, loc, std::move(visible), std::move(done));
    // An ancestor's data stream: open it first, so the stream client knows its extents.
    std::weak_ptr<bool> alive = alive_;
    client_.create_stream(data_stream, [this, alive, i, loc, data_stream, visible = std::move(visible),
                                        done = std::move(done)](stream::Status s, stream::StreamId sid) mutable {
        if (alive.expired() || !*alive.lock()) return;
        if (s != stream::Status::kOk) return done(false);
        streams_[data_stream] = sid;
        read_checkpoint(i, loc, std::move(visible), std::move(done));
    });
}

void RangeStore::read_checkpoint(size_t i, const StreamPointer& loc, std::vector<KeyRange> visible,
                                 std::function<void(bool)> done) {
    std::weak_ptr<bool> alive = alive_;
    client_.read(stream::Location{stream::ExtentId{loc.extent}, loc.offset, loc.length},
                 [this, alive, i, visible, loc, done = std::move(done)](stream::Status s, const std::vector<stream::Block>& blocks) mutable {
                     if (alive.expired() || !*alive.lock()) return;
                     if (s != stream::Status::kOk || blocks.empty()) return done(false);
                     auto rows = options_.payloads->rows(blocks[0].fingerprint);
                     SIM_ASSERT(rows != nullptr, "checkpoint block decodes to no rows");
                     for (const KeyRange& v : visible) loaded_checkpoints_.push_back(Checkpoint{rows, v, loc});
                     if (auto ret = options_.payloads->retired(blocks[0].fingerprint)) {
                         const sim::Time now = ctx_.now();
                         for (const RetiredOp& r : *ret) {
                             if (r.until <= now || retired_.count(r.op) != 0) continue;
                             const bool mine = std::any_of(visible.begin(), visible.end(),
                                                           [&](const KeyRange& v) { return v.contains(r.key); });
                             if (!mine) continue;
                             retired_.emplace(r.op, std::make_pair(r.key, r.until));
                             retired_order_.emplace_back(r.until, r.op);
                         }
                         std::sort(retired_order_.begin(), retired_order_.end());
                     }
                     read_checkpoints(i + 1, std::move(done));
                 });
}

void RangeStore::replay_logs(size_t i, std::function<void(bool)> done) {
    if (i >= replay_logs_.size()) return done(true);
    std::weak_ptr<bool> alive = alive_;
    const std::string name = replay_logs_[i];
    client_.create_stream(name, [this, alive, i, name, done = std::move(done)](stream::Status s, stream::StreamId sid) mutable {
        if (alive.expired() || !*alive.lock()) return;
        if (s != stream::Status::kOk) return done(false);
        streams_[name] = sid;
        auto max_token = std::make_shared<uint64_t>(0);
        client_.replay(
            sid,
            [this, alive, max_token, keys = log_keys_[name]](const stream::Location& loc, const stream::Block& b) {
                if (alive.expired() || !*alive.lock()) return;
                const LogRecord* rec = options_.payloads->log(b.fingerprint);
                if (rec == nullptr) return;
                if (rec->token < *max_token) {
                    ++load_stats_.stale_records_dropped;  // a stale server's late append
                    return;
                }
                *max_token = rec->token;
                ++load_stats_.log_records_replayed;
                load_stats_.log_bytes_replayed += b.size_bytes;
                if (!loaded_keys().contains(rec->key) || !within(keys, rec->key)) return;
                auto cur = part_.lookup(rec->key);
                if (cur && cur->version >= rec->entry.version) {
                    apply_update(rec->key, rec->entry, rec->at);  // its op id only (no-op without one)
                    return;
                }
                IndexEntry e = rec->entry;
                if (e.data.extent == 0) e.data = StreamPointer{loc.extent.value, loc.offset, loc.size_bytes};
                apply_update(rec->key, e, rec->at);
                // A delete its server never got to acknowledge shows up here first.
                if (options_.observer && e.deleted && e.version != 0) options_.observer->on_commit(rec->key, e, false);
            },
            [this, alive, i, done = std::move(done)](stream::Status s2) mutable {
                if (alive.expired() || !*alive.lock()) return;
                if (s2 != stream::Status::kOk) return done(false);
                replay_logs(i + 1, std::move(done));
            });
    });
}

// --- writes --------------------------------------------------------------------------------------

void RangeStore::put(const std::string& key, int64_t size_bytes, uint64_t fingerprint, UpdateCallback cb,
                     uint64_t op_id) {
    submit(Pending{key, size_bytes, fingerprint, false, std::move(cb), op_id});
}

void RangeStore::remove(const std::string& key, UpdateCallback cb, uint64_t op_id) {
    submit(Pending{key, 0, 0, true, std::move(cb), op_id});
}

void RangeStore::apply_update(const std::string& key, const IndexEntry& e, sim::Time at) {
    if (e.version == 0) {
        // A delete of an absent blob (see write()): it changes nothing; its op id is kept.
        auto row = part_.lookup(key);
        if (!applied(key, row ? &*row : nullptr, e.ops[0])) retire_op(key, e.ops[0], at);
        return;
    }
    auto cur = part_.lookup(key);
    const uint64_t op = e.ops[0];
    if (!cur || cur->version < e.version) {
        IndexEntry n = e;
        if (cur) {
            n.ops = cur->ops;
            retire_op(key, n.add_op(op), at);
        }
        part_.apply(key, n);
    } else if (op != 0 && !applied(key, &*cur, op)) {
        // The same update again (a replayed duplicate block: keep the row as it is), or an
        // older one that landed after a newer one: either way it happened.
        IndexEntry n = *cur;
        retire_op(key, n.add_op(op), at);
        part_.apply(key, n);
    }
}

bool RangeStore::applied(const std::string& key, const IndexEntry* row, uint64_t op) const {
    if (op == 0) return false;
    if (row != nullptr && row->has_op(op)) return true;
    auto it = retired_.find(op);
    return it != retired_.end() && it->second.first == key && it->second.second > ctx_.now();
}

void RangeStore::retire_op(const std::string& key, uint64_t op, sim::Time at) {
    if (op == 0) return;
    prune_retired();
    const sim::Time until = at + options_.config.idempotency_window;
    if (until <= ctx_.now()) return;
    if (!retired_.emplace(op, std::make_pair(key, until)).second) return;
    retired_order_.emplace_back(until, op);
}

void RangeStore::prune_retired() {
    const sim::Time now = ctx_.now();
    while (!retired_order_.empty() && retired_order_.front().first <= now) {
        auto it = retired_.find(retired_order_.front().second);
        if (it != retired_.end() && it->second.second <= now) retired_.erase(it);
        retired_order_.pop_front();
    }
}

void RangeStore::submit(Pending p) {
    SIM_ASSERT(range_.contains(p.key), "update outside the range partition");
    if (closed_) return p.cb(StoreStatus::kNotReady, IndexEntry{});
    if (!ready_) {
        if (queue_.size() >= options_.max_queued) return p.cb(StoreStatus::kBusy, IndexEntry{});
        queue_.push_back(std::move(p));
        return;
    }
    write(std::move(p));
}

void RangeStore::write(Pending p) {
    if (p.op_id != 0) {
        // A retry of an update still in flight waits for its outcome; one already applied
        // is answered as it is (applying it again would put it after a newer update).
        if (auto w = op_waiters_.find(p.op_id); w != op_waiters_.end()) {
            ++duplicates_;
            w->second.push_back(std::move(p.cb));
            return;
        }
        if (auto cur = part_.lookup(p.key); applied(p.key, cur ? &*cur : nullptr, p.op_id)) {
            // Answered with the row as it is now (a dropped tombstone: as deleted).
            ++duplicates_;
            IndexEntry now = cur ? *cur : IndexEntry{};
            if (!cur) now.deleted = true;
            return p.cb(StoreStatus::kOk, now);
        }
        op_waiters_[p.op_id];
        p.cb = [this, op = p.op_id, alive = std::weak_ptr<bool>(alive_), first = std::move(p.cb)](
                   StoreStatus st, const IndexEntry& e) {
            first(st, e);
            if (alive.expired()) return;
            auto w = op_waiters_.find(op);
            if (w == op_waiters_.end()) return;
            std::vector<UpdateCallback> rest = std::move(w->second);
            op_waiters_.erase(w);
            for (UpdateCallback& cb : rest) cb(st, e);
        };
    }
    if (p.remove && !part_.get(p.key)) {
        if (p.op_id == 0) return p.cb(StoreStatus::kNotFound, IndexEntry{});
        // Not found, answered at once; but its op id is remembered, and logged (a record
        // of version 0 that changes no row) so the next owner knows it too: a delayed
        // copy of this delete (an attempt held up in a paused front-end, chaos-bug-hunt
        // seed 161) must not delete a blob put after it was answered. (A crash before
        // that record is durable forgets it: a window of one log append.)
        retire_op(p.key, p.op_id, ctx_.now());
        p.cb(StoreStatus::kNotFound, IndexEntry{});
        IndexEntry none;
        none.ops[0] = p.op_id;
        none.deleted = true;
        p.cb = [](StoreStatus, const IndexEntry&) {};
        return append_log(std::move(p), none);
    }
    IndexEntry e;
    e.ops[0] = p.op_id;
    e.size_bytes = p.remove ? 0 : p.size_bytes;
    e.fingerprint = p.remove ? 0 : p.fingerprint;
    e.version = next_version_++;
    e.deleted = p.remove;
    const bool small = p.remove || (p.size_bytes <= options_.config.small_blob_bytes &&
                                    log_record_bytes(p.key, p.size_bytes) <= options_.block_size_bytes);
    if (small) return append_log(std::move(p), e);
    // Large blob: its data goes to the blob data stream first; the log record points at it.
    // One block per blob (capped at the block size): the simulated bytes are size + fingerprint.
    ++inflight_;
    const int64_t bytes = std::min(p.size_bytes, options_.block_size_bytes);
    batch_append(meta_.own_prefix + "/blob", stream::BlockData{bytes, p.fingerprint},
                 [this, p = std::move(p), e](stream::Status s, const stream::Location& loc) mutable {
                     --inflight_;
                     if (s != stream::Status::kOk) return p.cb(StoreStatus::kFailed, IndexEntry{});
                     e.data = StreamPointer{loc.extent.value, loc.offset, e.size_bytes};
                     append_log(std::move(p), e);
                 });
}

void RangeStore::append_log(Pending p, IndexEntry e) {
    auto rec = std::make_shared<LogRecord>();
    rec->key = p.key;
    rec->entry = e;
    rec->token = token_;
    rec->at = ctx_.now();
    const bool small = e.data.extent == 0;
    const int64_t bytes = log_record_bytes(p.key, small ? e.size_bytes : 0);
    const uint64_t fp = options_.payloads->put(std::move(rec));
    const bool early_ack = options_.config.ack_before_commit_log;
    if (early_ack) {
        // Planted bug: acknowledge (and make visible) before the commit log holds the update.
        apply_update(p.key, e, ctx_.now());
        p.cb(StoreStatus::kOk, e);
    }
    ++inflight_;
    batch_append(active_log_, stream::BlockData{bytes, fp},
                 [this, p = std::move(p), e, bytes, small, early_ack](stream::Status s, const stream::Location& loc) mutable {
                     --inflight_;
                     if (s == stream::Status::kOk) {
                         if (small) e.data = StreamPointer{loc.extent.value, loc.offset, loc.size_bytes};
                         apply_update(p.key, e, ctx_.now());
                         log_bytes_ += bytes;
                         // Durable whether or not the server gets to acknowledge it.
                         if (options_.observer && e.version != 0) options_.observer->on_commit(p.key, e, false);
                         if (!early_ack) p.cb(StoreStatus::kOk, e);
                     } else if (!early_ack) {
                         p.cb(StoreStatus::kFailed, IndexEntry{});
                     }
                 });
}

void RangeStore::batch_append(const std::string& stream_name, stream::BlockData data, BlockDone done) {
    Batcher& b = batchers_[stream_name];
    b.waiting.push_back(Batcher::Item{data, std::move(done)});
    ++b.records;
    if (b.out < std::max(1, options_.config.appends_in_flight)) flush(stream_name);
}

void RangeStore::flush(const std::string& stream_name) {
    Batcher& b = batchers_.at(stream_name);
    if (b.waiting.empty()) return;
    // Every waiting block that fits in one block's worth of bytes (at least one).
    std::vector<stream::BlockData> blocks;
    auto items = std::make_shared<std::vector<Batcher::Item>>();
    int64_t bytes = 0;
    while (!b.waiting.empty() &&
           (items->empty() || bytes + b.waiting.front().data.size_bytes <= options_.block_size_bytes)) {
        bytes += b.waiting.front().data.size_bytes;
        blocks.push_back(b.waiting.front().data);
        items->push_back(std::move(b.waiting.front()));
        b.waiting.pop_front();
    }
    ++b.out;
    ++b.appends;
    b.blocks += items->size();
    if (stream_name != meta_.own_prefix + "/blob") {
        ++log_appends_;
        log_records_ += items->size();
    }
    std::weak_ptr<bool> alive = alive_;
    client_.append(streams_.at(stream_name), blocks,
                   [this, alive, stream_name, items](stream::Status s, const stream::Location& loc) {
                       if (alive.expired() || !*alive.lock()) return;
                       // Block i of the append starts after blocks 0..i-1.
                       int64_t at = loc.offset;
                       for (Batcher::Item& it : *items) {
                           it.done(s, stream::Location{loc.extent, at, it.data.size_bytes});
                           at += it.data.size_bytes;
                       }
                       Batcher& batcher = batchers_.at(stream_name);
                       --batcher.out;
                       batcher.records -= static_cast<int64_t>(items->size());
                       flush(stream_name);
                       if (stream_name != active_log_) try_freeze();  // an old log drained?
                       maybe_checkpoint();
                   });
}

void RangeStore::drain_queue() {
    while (!queue_.empty() && ready_) {
        Pending p = std::move(queue_.front());
        queue_.pop_front();
        write(std::move(p));
    }
}

// --- checkpoints ---------------------------------------------------------------------------------
//
// 1. Switch: the next commit log (created ahead of time) is named in metadata record 1 with
//    the current checkpoints and logs; writes go on into the old log meanwhile. Once record
//    1 is durable a crash loses nothing, and new records go to the next log.
// 2. Freeze: once every record sent to an older log is durable (and in the memory table),
//    the memory table is frozen; it then holds everything the older logs hold (and perhaps
//    some records of the next log too, which a replay applies again harmlessly: a record
//    applies only over an older version).
// 3. The frozen rows go to the data stream; metadata record 2 names that checkpoint and
//    only the next log: the older logs are trimmed from recovery.
// Writes never pause; only the switch of a load (record 1 before the range is ready) does.

void RangeStore::maybe_checkpoint() {
    if (!ready_ || checkpointing_) return;
    if (checkpoint_requested_ || log_bytes_ >= options_.config.checkpoint_log_size_bytes ||
        part_.memtable_bytes() >= options_.config.memtable_size_bytes) {
        checkpoint_requested_ = false;
        start_checkpoint();
    }
}

void RangeStore::flush_checkpoint(std::function<void(bool)> done) {
    if (!ready_ || closed_) return done(false);
    flush_done_.push_back(std::move(done));
    if (!checkpointing_) start_checkpoint();
}

void RangeStore::checkpoint_now() {
    checkpoint_requested_ = true;
    maybe_checkpoint();
}

void RangeStore::start_checkpoint() {
    SIM_ASSERT(!checkpointing_, "checkpoint started twice");
    SIM_ASSERT(!part_.checkpoint_in_progress(), "checkpoint started during a checkpoint");
    checkpointing_ = true;
    switched_ = false;
    frozen_ = false;
    if (!spare_log_.empty()) {
        std::string next = std::move(spare_log_);
        spare_log_.clear();
        return write_switch_record(next);
    }
    create_next_log([this](const std::string& next) { write_switch_record(next); });
}

void RangeStore::create_next_log(std::function<void(const std::string&)> done) {
    std::weak_ptr<bool> alive = alive_;
    const std::string next = log_name(++log_gen_);
    client_.create_stream(next, [this, alive, next, done = std::move(done)](stream::Status s, stream::StreamId sid) {
        if (alive.expired() || !*alive.lock()) return;
        if (s != stream::Status::kOk) {
            // The stream layer could not create the log: try again (with another name).
            return create_next_log(done);
        }
        streams_[next] = sid;
        done(next);
    });
}

void RangeStore::prepare_spare_log() {
    if (!spare_log_.empty() || spare_creating_ || closed_) return;
    spare_creating_ = true;
    std::weak_ptr<bool> alive = alive_;
    const std::string next = log_name(++log_gen_);
    client_.create_stream(next, [this, alive, next](stream::Status s, stream::StreamId sid) {
        if (alive.expired() || !*alive.lock()) return;
        spare_creating_ = false;
        if (s != stream::Status::kOk) return;  // the next checkpoint creates its own
        streams_[next] = sid;
        spare_log_ = next;
    });
}

void RangeStore::write_switch_record(const std::string& next_log) {
    // Record 1: the checkpoints and logs a recovery needs now, plus the next log.
    auto r1 = std::make_shared<MetaRecord>();
    r1->range = range_;
    r1->checkpoints = part_.checkpoints();
    r1->checkpoint_streams = streams_of(r1->checkpoints);
    r1->logs = current_logs_;
    r1->logs.push_back(LogRef{next_log, {range_}});
    r1->token = token_;
    r1->next_version = next_version_;
    const std::vector<LogRef> logs_after = r1->logs;
    const uint64_t fp = options_.payloads->put(std::shared_ptr<const MetaRecord>(r1));
    std::weak_ptr<bool> alive = alive_;
    client_.append(streams_.at(meta_.meta_streams.back()), stream::BlockData{256, fp},
                   [this, alive, next_log, logs_after](stream::Status s, const stream::Location&) {
                       if (alive.expired() || !*alive.lock()) return;
                       if (s != stream::Status::kOk) return write_switch_record(next_log);
                       current_logs_ = logs_after;
                       active_log_ = next_log;
                       switched_ = true;
                       log_bytes_ = 0;
                       if (!ready_) {
                           ready_ = true;
                           load_stats_.ready = ctx_.true_now();
                           if (load_done_) load_done_(true);
                       }
                       drain_queue();
                       prepare_spare_log();
                       try_freeze();
                   });
}

void RangeStore::try_freeze() {
    // Not before the switch record is durable: until then active_log_ is still the old log,
    // and a checkpoint record naming it as the only log would drop the next one from
    // recovery (every write after the switch).
    if (!checkpointing_ || !switched_ || frozen_ || active_log_.empty()) return;
    for (const auto& [name, b] : batchers_) {
        if (name != active_log_ && name != meta_.own_prefix + "/blob" && b.records > 0) return;
    }
    // Every record of the older logs is durable and applied: freeze.
    frozen_ = true;
    std::erase_if(batchers_, [this](const auto& kv) {
        return kv.first != active_log_ && kv.first != meta_.own_prefix + "/blob" && kv.second.records == 0;
    });
    auto rows = part_.begin_checkpoint();
    // The checkpoint drops tombstones, and with them the op ids of their rows: those stay
    // in the retired table for the window (chaos-bug-hunt seed 161: a put held up in a
    // paused front-end arrived after its retry had been answered and the blob deleted and
    // checkpointed, and was applied again).
    part_.for_each_frozen_tombstone([this](const std::string& key, const IndexEntry& e) {
        for (uint64_t op : e.ops) retire_op(key, op, ctx_.now());
    });
    const std::string log_after = active_log_;
    const uint64_t rows_fp = options_.payloads->put(rows);
    prune_retired();
    if (!retired_.empty()) {
        auto ret = std::make_shared<RetiredOps>();
        ret->reserve(retired_.size());
        for (const auto& [op, kv] : retired_) ret->push_back(RetiredOp{op, kv.first, kv.second});
        options_.payloads->put_retired(rows_fp, std::move(ret));
    }
    const int64_t bytes = std::min(rows_bytes(*rows), options_.block_size_bytes);
    std::weak_ptr<bool> alive = alive_;
    client_.append(streams_.at(meta_.own_prefix + "/data"), stream::BlockData{bytes, rows_fp},
                   [this, alive, rows, log_after](stream::Status s, const stream::Location& loc) {
                       if (alive.expired() || !*alive.lock()) return;
                       if (s != stream::Status::kOk) return end_checkpoint(false);
                       write_checkpoint_record(rows, StreamPointer{loc.extent.value, loc.offset, loc.size_bytes},
                                               log_after);
                   });
}

void RangeStore::write_checkpoint_record(std::shared_ptr<const Rows> rows, StreamPointer where,
                                         const std::string& log_after) {
    // Record 2: the new checkpoint and only the log written since the switch.
    auto r2 = std::make_shared<MetaRecord>();
    r2->range = range_;
    r2->checkpoints = {Checkpoint{rows, range_, where}};
    checkpoint_stream_[where.extent] = meta_.own_prefix + "/data";
    r2->checkpoint_streams = streams_of(r2->checkpoints);
    r2->logs = {LogRef{log_after, {range_}}};
    r2->token = token_;
    r2->next_version = next_version_;
    const uint64_t fp = options_.payloads->put(std::shared_ptr<const MetaRecord>(r2));
    std::weak_ptr<bool> alive = alive_;
    client_.append(streams_.at(meta_.meta_streams.back()), stream::BlockData{256, fp},
                   [this, alive, rows, where, log_after](stream::Status s, const stream::Location&) {
                       if (alive.expired() || !*alive.lock()) return;
                       if (s != stream::Status::kOk) return end_checkpoint(false);
                       part_.finish_checkpoint(rows, where);
                       current_logs_ = {LogRef{log_after, {range_}}};
                       ++checkpoints_;
                       end_checkpoint(true);
                   });
}

void RangeStore::end_checkpoint(bool ok) {
    if (!ok) part_.abort_checkpoint();
    checkpointing_ = false;
    switched_ = false;
    frozen_ = false;
    std::vector<std::function<void(bool)>> flushed;
    flushed.swap(flush_done_);
    maybe_checkpoint();
    for (auto& f : flushed) f(ok);  // last: one may close the store
}

}  // namespace models::partition
