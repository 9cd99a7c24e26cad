#include "models/partition/partition_map.h"

#include <sstream>

#include "sim/check.h"

namespace models::partition {

PartitionMap::PartitionMap() {
    RangeInfo r;
    r.id = RangeId{next_id_++};
    r.range = KeyRange{"", ""};
    low_of_[r.id] = "";
    ranges_.emplace("", r);
}

const RangeInfo& PartitionMap::lookup(std::string_view key) const {
    auto it = ranges_.upper_bound(key);
    SIM_ASSERT(it != ranges_.begin(), "partition map does not start at the empty key");
    --it;
    return it->second;
}

const RangeInfo* PartitionMap::find(RangeId id) const {
    auto l = low_of_.find(id);
    if (l == low_of_.end()) return nullptr;
    return &ranges_.find(l->second)->second;
}

std::vector<RangeInfo> PartitionMap::ranges() const {
    std::vector<RangeInfo> out;
    out.reserve(ranges_.size());
    for (const auto& [low, r] : ranges_) out.push_back(r);
    return out;
}

std::vector<RangeInfo> PartitionMap::ranges_of(ServerId s) const {
    std::vector<RangeInfo> out;
    for (const auto& [low, r] : ranges_) {
        if (r.server == s) out.push_back(r);
    }
    return out;
}

const RangeInfo* PartitionMap::next(RangeId id) const {
    const RangeInfo* r = find(id);
    if (r == nullptr || r->range.high.empty()) return nullptr;
    auto it = ranges_.find(r->range.high);
    return it == ranges_.end() ? nullptr : &it->second;
}

const RangeInfo* PartitionMap::prev(RangeId id) const {
    auto l = low_of_.find(id);
    if (l == low_of_.end()) return nullptr;
    auto it = ranges_.find(l->second);
    if (it == ranges_.begin()) return nullptr;
    --it;
    return &it->second;
}

bool PartitionMap::assign(RangeId id, ServerId server) {
    auto l = low_of_.find(id);
    if (l == low_of_.end()) return false;
    RangeInfo& r = ranges_.find(l->second)->second;
    ++version_;
    r.server = server;
    ++r.epoch;
    r.assigned_version = version_;
    return true;
}

std::optional<std::pair<RangeId, RangeId>> PartitionMap::split(RangeId id, const std::string& key) {
    auto l = low_of_.find(id);
    if (l == low_of_.end()) return std::nullopt;
    auto it = ranges_.find(l->second);
    const RangeInfo parent = it->second;
    if (!(parent.range.low < key) || !parent.range.contains(key)) return std::nullopt;
    ++version_;
    RangeInfo left = parent;
    RangeInfo right = parent;
    left.id = RangeId{next_id_++};
    right.id = RangeId{next_id_++};
    left.range.high = key;
    right.range.low = key;
    left.epoch = right.epoch = 1;
    left.assigned_version = right.assigned_version = version_;
    ranges_.erase(it);
    low_of_.erase(l);
    ranges_.emplace(left.range.low, left);
    ranges_.emplace(right.range.low, right);
    low_of_[left.id] = left.range.low;
    low_of_[right.id] = right.range.low;
    return std::make_pair(left.id, right.id);
}

std::vector<RangeId> PartitionMap::split_many(RangeId id, const std::vector<std::string>& keys) {
    auto l = low_of_.find(id);
    if (l == low_of_.end() || keys.empty()) return {};
    auto it = ranges_.find(l->second);
    const RangeInfo parent = it->second;
    std::string below = parent.range.low;
    for (const std::string& k : keys) {
        if (!(below < k) || !parent.range.contains(k)) return {};
        below = k;
    }
    ++version_;
    ranges_.erase(it);
    low_of_.erase(l);
    std::vector<RangeId> ids;
    for (size_t i = 0; i <= keys.size(); ++i) {
        RangeInfo piece = parent;
        piece.id = RangeId{next_id_++};
        piece.range.low = i == 0 ? parent.range.low : keys[i - 1];
        piece.range.high = i == keys.size() ? parent.range.high : keys[i];
        piece.epoch = 1;
        piece.assigned_version = version_;
        ranges_.emplace(piece.range.low, piece);
        low_of_[piece.id] = piece.range.low;
        ids.push_back(piece.id);
    }
    return ids;
}

std::optional<RangeId> PartitionMap::merge(RangeId left_id, RangeId right_id) {
    const RangeInfo* left = find(left_id);
    const RangeInfo* right = find(right_id);
    if (left == nullptr || right == nullptr) return std::nullopt;
    if (left->range.high.empty() || left->range.high != right->range.low) return std::nullopt;
    if (left->server != right->server) return std::nullopt;
    ++version_;
    RangeInfo merged = *left;
    merged.id = RangeId{next_id_++};
    merged.range.high = right->range.high;
    merged.epoch = 1;
    merged.assigned_version = version_;
    const std::string left_low = left->range.low;
    const std::string right_low = right->range.low;
    ranges_.erase(right_low);
    ranges_.erase(left_low);
    low_of_.erase(left_id);
    low_of_.erase(right_id);
    ranges_.emplace(merged.range.low, merged);
    low_of_[merged.id] = merged.range.low;
    return merged.id;
}

std::string PartitionMap::check() const {
    std::ostringstream os;
    if (ranges_.empty()) return "partition map is empty";
    if (!ranges_.begin()->first.empty()) return "partition map does not start at the empty key";
    if (low_of_.size() != ranges_.size()) return "range id index out of step with the map";
    std::string expect_low;
    bool first = true;
    for (const auto& [low, r] : ranges_) {
        if (low != r.range.low) return "range keyed by the wrong low key";
        if (!first && low != expect_low) {
            os << "gap or overlap before " << to_string(r.range);
            return os.str();
        }
        if (!r.range.high.empty() && !(r.range.low < r.range.high)) {
            os << "empty range " << to_string(r.range);
            return os.str();
        }
        auto l = low_of_.find(r.id);
        if (l == low_of_.end() || l->second != low) return "range id index disagrees with the map";
        if (r.range.high.empty() && std::next(ranges_.find(low)) != ranges_.end()) {
            return "a range before the last one is unbounded";
        }
        expect_low = r.range.high;
        first = false;
    }
    if (!ranges_.rbegin()->second.range.high.empty()) return "partition map does not reach +infinity";
    return {};
}

}  // namespace models::partition
