#include "models/partition/manager_state.h"

#include <algorithm>

#include "sim/check.h"

namespace models::partition {

namespace {

struct ManagerSnapshot final : consensus::Snapshot {
    ManagerData data;
    int64_t size_bytes() const override { return 256 + 160 * static_cast<int64_t>(data.map.size()); }
};

std::string prefix_of(RangeId id) { return "rp/" + std::to_string(id.value); }

RangeMeta fresh_meta(RangeId id, const std::vector<std::pair<RangeId, const RangeMeta*>>& parents) {
    RangeMeta m;
    for (const auto& [pid, p] : parents) {
        for (RangeId a : p->ancestors) {
            if (std::find(m.ancestors.begin(), m.ancestors.end(), a) == m.ancestors.end()) m.ancestors.push_back(a);
        }
        m.ancestors.push_back(pid);
    }
    // Each stream once, in order of first appearance: the parents of a merge share their
    // ancestors' streams, and a stream read twice would let the older records of a shared
    // ancestor supersede the newer ones of the left parent.
    for (const auto& [pid, p] : parents) {
        for (const std::string& s : p->meta_streams) {
            if (std::find(m.meta_streams.begin(), m.meta_streams.end(), s) == m.meta_streams.end()) {
                m.meta_streams.push_back(s);
            }
        }
    }
    m.own_prefix = prefix_of(id);
    m.meta_streams.push_back(own_meta_stream(id));
    return m;
}

}  // namespace

std::string own_meta_stream(RangeId id) { return prefix_of(id) + "/meta"; }

PartitionManagerState::PartitionManagerState() {
    // The first range (the whole key space) exists from the start.
    data_.initialized = true;
    const RangeId root = data_.map.lookup("").id;
    data_.meta[root] = fresh_meta(root, {});
}

std::shared_ptr<const ManagerResult> PartitionManagerState::execute(const consensus::Command& command) {
    auto r = std::make_shared<ManagerResult>();
    if (const auto* init = dynamic_cast<const InitMapCmd*>(&command)) {
        if (data_.map.size() == 1 && data_.map.version() == 1) {
            for (const std::string& key : init->boundaries) {
                const RangeInfo& holder = data_.map.lookup(key);
                const RangeId parent = holder.id;
                auto ids = data_.map.split(parent, key);
                if (!ids) continue;
                data_.meta.erase(parent);
                data_.meta[ids->first] = fresh_meta(ids->first, {});
                data_.meta[ids->second] = fresh_meta(ids->second, {});
            }
            r->ok = true;
        }
    } else if (const auto* assign = dynamic_cast<const AssignCmd*>(&command)) {
        const RangeInfo* info = data_.map.find(assign->range);
        if (info != nullptr) {
            const bool had_server = info->server.valid();
            r->ok = data_.map.assign(assign->range, assign->server);
            if (r->ok && assign->server.valid()) {
                if (assign->moved) {
                    ++data_.moves;
                } else if (had_server || info->epoch > 1) {
                    ++data_.reassignments;
                }
            }
        }
    } else if (const auto* split = dynamic_cast<const SplitCmd*>(&command)) {
        auto pm = data_.meta.find(split->range);
        const bool placed_ok = split->servers.empty() ||
                               split->servers.size() == (split->keys.empty() ? 2 : split->keys.size() + 1);
        if (pm != data_.meta.end() && placed_ok) {
            const RangeMeta parent = pm->second;
            const ServerId parent_server = data_.map.find(split->range)->server;
            const std::vector<RangeId> ids =
                data_.map.split_many(split->range, split->keys.empty() ? std::vector<std::string>{split->key} : split->keys);
            if (!ids.empty()) {
                data_.meta.erase(split->range);
                for (RangeId id : ids) data_.meta[id] = fresh_meta(id, {{split->range, &parent}});
                for (size_t i = 0; i < split->servers.size(); ++i) {
                    if (!split->servers[i].valid() || split->servers[i] == parent_server) continue;
                    data_.map.assign(ids[i], split->servers[i]);
                    ++data_.moves;
                }
                r->ok = true;
                r->created = ids;
                data_.splits += ids.size() - 1;
            }
        }
    } else if (const auto* drain = dynamic_cast<const DrainCmd*>(&command)) {
        data_.draining = std::set<ServerId>(drain->servers.begin(), drain->servers.end());
        r->ok = true;
    } else if (const auto* merge = dynamic_cast<const MergeCmd*>(&command)) {
        auto ml = data_.meta.find(merge->left);
        auto mr = data_.meta.find(merge->right);
        if (ml != data_.meta.end() && mr != data_.meta.end()) {
            const RangeMeta left = ml->second;
            const RangeMeta right = mr->second;
            if (auto id = data_.map.merge(merge->left, merge->right)) {
                data_.meta.erase(merge->left);
                data_.meta.erase(merge->right);
                data_.meta[*id] = fresh_meta(*id, {{merge->left, &left}, {merge->right, &right}});
                r->ok = true;
                r->created = {*id};
                ++data_.merges;
            }
        }
    } else {
        SIM_ASSERT(false, "partition manager: unknown command " << command.name());
    }
    const std::string broken = data_.map.check();
    SIM_ASSERT(broken.empty(), "partition map invariant: " << broken);
    SIM_ASSERT(data_.meta.size() == data_.map.size(), "range metadata out of step with the map");
    r->map_version = data_.map.version();
    return r;
}

consensus::ResultPtr PartitionManagerState::apply(const consensus::Command& command,
                                                  const consensus::ApplyContext& /*ctx*/) {
    return execute(command);
}

consensus::SnapshotPtr PartitionManagerState::snapshot() const {
    auto s = std::make_shared<ManagerSnapshot>();
    s->data = data_;
    return s;
}

void PartitionManagerState::restore(const consensus::Snapshot& s) {
    const auto* snap = dynamic_cast<const ManagerSnapshot*>(&s);
    SIM_ASSERT(snap != nullptr, "partition manager restored from a foreign snapshot");
    data_ = snap->data;
}

}  // namespace models::partition
