#include "models/partition/index.h"

#include <algorithm>
#include <sstream>

#include "sim/check.h"

namespace models::partition {

namespace {

using Table = std::map<std::string, IndexEntry, std::less<>>;

bool row_less(const Row& r, std::string_view key) { return std::string_view(r.first) < key; }

// A cursor over one source of rows, restricted to keys in [from, until) (until empty =
// unbounded), yielding keys in order.
struct Cursor {
    // Exactly one of the two kinds is used.
    Table::const_iterator it, end;
    const Rows* rows = nullptr;
    size_t pos = 0;
    std::string_view until;
    bool table = false;

    bool done() const {
        if (table) return it == end || (!until.empty() && std::string_view(it->first) >= until);
        return pos >= rows->size() || (!until.empty() && std::string_view((*rows)[pos].first) >= until);
    }
    std::string_view key() const { return table ? std::string_view(it->first) : std::string_view((*rows)[pos].first); }
    const IndexEntry& entry() const { return table ? it->second : (*rows)[pos].second; }
    void next() {
        if (table) {
            ++it;
        } else {
            ++pos;
        }
    }
};

Cursor table_cursor(const Table& t, std::string_view from, bool exclusive, std::string_view until) {
    Cursor c;
    c.table = true;
    c.it = exclusive ? t.upper_bound(from) : t.lower_bound(from);
    c.end = t.end();
    c.until = until;
    return c;
}

Cursor rows_cursor(const Checkpoint& cp, std::string_view from, bool exclusive, std::string_view until) {
    Cursor c;
    c.rows = cp.rows.get();
    std::string_view lo = std::max(from, std::string_view(cp.visible.low));
    const bool excl = exclusive && lo == from;
    auto it = std::lower_bound(c.rows->begin(), c.rows->end(), lo, row_less);
    if (excl && it != c.rows->end() && std::string_view(it->first) == lo) ++it;
    c.pos = static_cast<size_t>(it - c.rows->begin());
    // The tighter of the two upper bounds (empty = unbounded).
    std::string_view vis_high = cp.visible.high;
    if (until.empty()) {
        c.until = vis_high;
    } else if (vis_high.empty()) {
        c.until = until;
    } else {
        c.until = std::min(until, vis_high);
    }
    return c;
}

// Walks all sources in key order; for each key, calls fn(key, newest entry) until fn
// returns false. Sources are given newest first.
template <typename Fn>
void merge_walk(std::vector<Cursor>& cursors, Fn&& fn) {
    for (;;) {
        int best = -1;
        for (size_t i = 0; i < cursors.size(); ++i) {
            if (cursors[i].done()) continue;
            if (best < 0 || cursors[i].key() < cursors[static_cast<size_t>(best)].key()) best = static_cast<int>(i);
        }
        if (best < 0) return;
        const std::string key(cursors[static_cast<size_t>(best)].key());
        const IndexEntry entry = cursors[static_cast<size_t>(best)].entry();
        for (auto& c : cursors) {
            while (!c.done() && c.key() == key) c.next();
        }
        if (!fn(key, entry)) return;
    }
}

}  // namespace

int64_t row_bytes(std::string_view key) { return static_cast<int64_t>(key.size()) + 48; }

RangePartition::RangePartition(RangeId id, KeyRange range) : id_(id), range_(std::move(range)) {
    SIM_ASSERT(id_.valid(), "range partition without id");
    SIM_ASSERT(range_.high.empty() || range_.low < range_.high, "empty key range " << to_string(range_));
}

void RangePartition::apply(const std::string& key, const IndexEntry& entry) {
    SIM_ASSERT(range_.contains(key), "key " << printable_key(key) << " outside " << to_string(range_));
    auto [it, inserted] = memtable_.insert_or_assign(key, entry);
    (void)it;
    if (inserted) memtable_bytes_ += row_bytes(key);
}

const IndexEntry* RangePartition::find_in_checkpoints(std::string_view key) const {
    for (const Checkpoint& cp : checkpoints_) {
        if (!cp.visible.contains(key)) continue;
        auto it = std::lower_bound(cp.rows->begin(), cp.rows->end(), key, row_less);
        if (it != cp.rows->end() && it->first == key) return &it->second;
        return nullptr;  // visible ranges are disjoint: no other checkpoint holds key
    }
    return nullptr;
}

std::optional<IndexEntry> RangePartition::lookup(std::string_view key) const {
    if (!range_.contains(key)) return std::nullopt;
    if (auto it = memtable_.find(key); it != memtable_.end()) return it->second;
    if (frozen_) {
        if (auto it = frozen_->find(key); it != frozen_->end()) return it->second;
    }
    if (const IndexEntry* e = find_in_checkpoints(key)) return *e;
    return std::nullopt;
}

RangePartition::ListPage RangePartition::list(std::string_view prefix, std::string_view marker,
                                              size_t max_results) const {
    SIM_ASSERT(max_results > 0, "list with max_results 0");
    ListPage page;
    std::string_view from = std::max(prefix, std::string_view(range_.low));
    bool exclusive = false;
    if (!marker.empty() && marker >= from) {
        from = marker;
        exclusive = true;
    }
    std::vector<Cursor> cursors;
    cursors.push_back(table_cursor(memtable_, from, exclusive, range_.high));
    if (frozen_) cursors.push_back(table_cursor(*frozen_, from, exclusive, range_.high));
    for (const Checkpoint& cp : checkpoints_) cursors.push_back(rows_cursor(cp, from, exclusive, range_.high));
    merge_walk(cursors, [&](const std::string& key, const IndexEntry& e) {
        if (std::string_view(key).substr(0, prefix.size()) != prefix) return false;  // past the prefix
        if (e.deleted) return true;
        if (page.entries.size() == max_results) {
            page.next_marker = page.entries.back().first;
            return false;
        }
        page.entries.emplace_back(key, e);
        return true;
    });
    return page;
}

Rows RangePartition::live_rows() const {
    Rows out;
    std::vector<Cursor> cursors;
    cursors.push_back(table_cursor(memtable_, range_.low, false, range_.high));
    if (frozen_) cursors.push_back(table_cursor(*frozen_, range_.low, false, range_.high));
    for (const Checkpoint& cp : checkpoints_) cursors.push_back(rows_cursor(cp, range_.low, false, range_.high));
    merge_walk(cursors, [&](const std::string& key, const IndexEntry& e) {
        if (!e.deleted) out.emplace_back(key, e);
        return true;
    });
    return out;
}

size_t RangePartition::live_count() const { return live_rows().size(); }

std::shared_ptr<const Rows> RangePartition::begin_checkpoint() {
    SIM_ASSERT(!frozen_, "checkpoint already in progress for range " << id_.value);
    frozen_ = std::move(memtable_);
    memtable_.clear();
    memtable_bytes_ = 0;
    // The new checkpoint is every live row except those only in the new memtable (empty now).
    return std::make_shared<const Rows>(live_rows());
}

void RangePartition::finish_checkpoint(std::shared_ptr<const Rows> rows, StreamPointer location) {
    SIM_ASSERT(frozen_, "finish_checkpoint without begin_checkpoint");
    checkpoints_.clear();
    checkpoints_.push_back(Checkpoint{std::move(rows), range_, location});
    frozen_.reset();
}

void RangePartition::abort_checkpoint() {
    SIM_ASSERT(frozen_, "abort_checkpoint without begin_checkpoint");
    for (auto& [key, e] : *frozen_) {
        if (memtable_.emplace(key, e).second) memtable_bytes_ += row_bytes(key);
    }
    frozen_.reset();
}

void RangePartition::load_checkpoint(Checkpoint c) {
    SIM_ASSERT(memtable_.empty(), "checkpoint loaded over a non-empty memory table");
    SIM_ASSERT(!frozen_, "checkpoint loaded during a checkpoint");
    checkpoints_.clear();
    checkpoints_.push_back(std::move(c));
}

void RangePartition::load_checkpoints(std::vector<Checkpoint> cs) {
    SIM_ASSERT(memtable_.empty(), "checkpoints loaded over a non-empty memory table");
    SIM_ASSERT(!frozen_, "checkpoints loaded during a checkpoint");
    checkpoints_ = std::move(cs);
}

uint64_t RangePartition::max_version() const {
    uint64_t v = 0;
    for (const auto& [k, e] : memtable_) v = std::max(v, e.version);
    if (frozen_) {
        for (const auto& [k, e] : *frozen_) v = std::max(v, e.version);
    }
    for (const Checkpoint& cp : checkpoints_) {
        for (const Row& r : *cp.rows) v = std::max(v, r.second.version);
    }
    return v;
}

std::pair<RangePartition, RangePartition> RangePartition::split(const RangePartition& parent, const std::string& key,
                                                                RangeId left_id, RangeId right_id,
                                                                bool drop_boundary_key) {
    SIM_ASSERT(!parent.frozen_, "split during a checkpoint");
    SIM_ASSERT(parent.range_.low < key, "split key not above the range start");
    SIM_ASSERT(parent.range_.contains(key), "split key outside the range");
    RangePartition left(left_id, KeyRange{parent.range_.low, key});
    RangePartition right(right_id, KeyRange{key, parent.range_.high});
    for (RangePartition* child : {&left, &right}) {
        // Pointer copies: the same extents in the same order, and the same checkpoint rows,
        // visible only within the child's range.
        child->streams_ = parent.streams_;
        for (const Checkpoint& cp : parent.checkpoints_) {
            Checkpoint c = cp;
            c.visible.low = std::max(cp.visible.low, child->range_.low);
            if (!child->range_.high.empty() && (c.visible.high.empty() || child->range_.high < c.visible.high)) {
                c.visible.high = child->range_.high;
            }
            if (c.visible.high.empty() || c.visible.low < c.visible.high) child->checkpoints_.push_back(std::move(c));
        }
    }
    for (const auto& [k, e] : parent.memtable_) {
        if (k < key) {
            left.apply(k, e);
        } else if (!(drop_boundary_key && k == key)) {
            right.apply(k, e);
        }
    }
    if (drop_boundary_key) {
        // The planted bug also hides the boundary row of the shared checkpoint from the right
        // child (the child's visible range starts just above the key).
        for (Checkpoint& c : right.checkpoints_) {
            if (c.visible.low == key) c.visible.low = key + std::string(1, '\0');
        }
    }
    return {std::move(left), std::move(right)};
}

RangePartition RangePartition::merge(const RangePartition& left, const RangePartition& right, RangeId id) {
    SIM_ASSERT(!left.frozen_ && !right.frozen_, "merge during a checkpoint");
    SIM_ASSERT(!left.range_.high.empty() && left.range_.high == right.range_.low,
               "merge of non-adjacent ranges " << to_string(left.range_) << " and " << to_string(right.range_));
    RangePartition merged(id, KeyRange{left.range_.low, right.range_.high});
    auto concat = [](const StreamExtents& a, const StreamExtents& b) {
        StreamExtents s;
        s.extents = a.extents;
        s.extents.insert(s.extents.end(), b.extents.begin(), b.extents.end());
        return s;
    };
    merged.streams_.commit_log = concat(left.streams_.commit_log, right.streams_.commit_log);
    merged.streams_.data = concat(left.streams_.data, right.streams_.data);
    merged.streams_.blob = concat(left.streams_.blob, right.streams_.blob);
    merged.checkpoints_ = left.checkpoints_;
    merged.checkpoints_.insert(merged.checkpoints_.end(), right.checkpoints_.begin(), right.checkpoints_.end());
    for (const auto* src : {&left.memtable_, &right.memtable_}) {
        for (const auto& [k, e] : *src) merged.apply(k, e);
    }
    return merged;
}

namespace {

std::string compare_rows(const Rows& expected, const Rows& got, const char* what) {
    if (expected == got) return {};
    std::ostringstream os;
    os << what << ": expected " << expected.size() << " live rows, found " << got.size();
    for (size_t i = 0; i < std::max(expected.size(), got.size()); ++i) {
        if (i >= expected.size() || i >= got.size() || expected[i] != got[i]) {
            os << "; first difference at "
               << printable_key(i < expected.size() ? expected[i].first : got[i].first);
            break;
        }
    }
    return os.str();
}

bool same_extents(const RangeStreams& a, const RangeStreams& b) {
    return a.commit_log.extents == b.commit_log.extents && a.data.extents == b.data.extents &&
           a.blob.extents == b.blob.extents;
}

}  // namespace

std::string verify_split(const RangePartition& parent, const RangePartition& left, const RangePartition& right) {
    Rows children = left.live_rows();
    Rows r = right.live_rows();
    children.insert(children.end(), r.begin(), r.end());
    std::string diff = compare_rows(parent.live_rows(), children, "split lost or invented rows");
    if (!diff.empty()) return diff;
    if (!same_extents(parent.streams(), left.streams()) || !same_extents(parent.streams(), right.streams())) {
        return "split children do not reference the parent's extents in order";
    }
    return {};
}

std::string verify_merge(const RangePartition& left, const RangePartition& right, const RangePartition& merged) {
    Rows parents = left.live_rows();
    Rows r = right.live_rows();
    parents.insert(parents.end(), r.begin(), r.end());
    std::string diff = compare_rows(parents, merged.live_rows(), "merge lost or invented rows");
    if (!diff.empty()) return diff;
    auto expect = [](const StreamExtents& a, const StreamExtents& b) {
        std::vector<uint64_t> v = a.extents;
        v.insert(v.end(), b.extents.begin(), b.extents.end());
        return v;
    };
    const RangeStreams& m = merged.streams();
    if (m.commit_log.extents != expect(left.streams().commit_log, right.streams().commit_log) ||
        m.data.extents != expect(left.streams().data, right.streams().data) ||
        m.blob.extents != expect(left.streams().blob, right.streams().blob)) {
        return "merged streams are not the concatenation of the parents' extents";
    }
    return {};
}

}  // namespace models::partition
