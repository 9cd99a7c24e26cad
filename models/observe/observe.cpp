#include <algorithm>
#include <utility>

#include "models/observe/faults.h"
#include "models/observe/history.h"
#include "models/observe/metrics.h"
#include "sim/check.h"

namespace models::observe {

StringId StringTable::intern(std::string_view text) {
    auto it = index_.find(text);
    if (it != index_.end()) return StringId{it->second};
    uint32_t id = static_cast<uint32_t>(strings_.size());
    strings_.emplace_back(text);
    index_.emplace(std::string(text), id);
    return StringId{id};
}

Outcome write_outcome(const Operation& op) {
    switch (op.status) {
        case OpStatus::kOk:
            return Outcome::kApplied;
        case OpStatus::kNotFound:
            // Deleting an absent blob leaves it absent: as if applied. A put that finds no
            // container changed nothing.
            return op.kind == OpKind::kDelete ? Outcome::kApplied : Outcome::kNotApplied;
        case OpStatus::kBusy:
        case OpStatus::kRejectedAuth:
            return Outcome::kNotApplied;
        case OpStatus::kFailed:
        case OpStatus::kTimeout:
        case OpStatus::kPending:
            return Outcome::kUnknown;
    }
    return Outcome::kUnknown;
}

uint16_t History::add_workload(WorkloadInfo info) {
    SIM_ASSERT(workloads_.size() < 65535, "too many workloads");
    workloads_.push_back(std::move(info));
    return static_cast<uint16_t>(workloads_.size() - 1);
}

uint64_t History::begin(Operation op) {
    op.id = ops_.size();
    op.status = OpStatus::kPending;
    op.complete = op.invoke;
    ops_.push_back(op);
    return op.id;
}

void History::finish(uint64_t id, sim::Time complete, OpStatus status, uint64_t fingerprint,
                     int64_t size_bytes) {
    SIM_ASSERT(id < ops_.size(), "unknown operation " << id);
    Operation& op = ops_[id];
    SIM_ASSERT(op.status == OpStatus::kPending, "operation " << id << " finished twice");
    SIM_ASSERT(complete >= op.invoke, "operation " << id << " completes before it starts");
    op.complete = complete;
    op.status = status;
    if (op.kind != OpKind::kPut) {
        op.fingerprint = fingerprint;
        op.size_bytes = size_bytes;
    }
}

void History::set_list_keys(uint64_t id, const std::vector<StringId>& keys) {
    SIM_ASSERT(id < ops_.size(), "unknown operation " << id);
    Operation& op = ops_[id];
    op.list_begin = static_cast<uint32_t>(list_keys_.size());
    size_t n = std::min<size_t>(keys.size(), kMaxListKeys);
    list_keys_.insert(list_keys_.end(), keys.begin(), keys.begin() + static_cast<long>(n));
    op.list_count = static_cast<uint32_t>(n);
    op.list_truncated = keys.size() > n;
}

uint64_t History::append(Operation op) {
    SIM_ASSERT(op.complete >= op.invoke, "operation completes before it starts");
    op.id = ops_.size();
    ops_.push_back(op);
    return op.id;
}

void History::close_pending(sim::Time end) {
    for (Operation& op : ops_) {
        if (op.status != OpStatus::kPending) continue;
        op.status = OpStatus::kTimeout;
        op.complete = end > op.invoke ? end : op.invoke;
    }
}

std::string_view to_string(OpKind kind) {
    switch (kind) {
        case OpKind::kPut: return "put";
        case OpKind::kGet: return "get";
        case OpKind::kDelete: return "delete";
        case OpKind::kList: return "list";
        case OpKind::kHead: return "head";
    }
    return "?";
}

std::string_view to_string(OpStatus status) {
    switch (status) {
        case OpStatus::kPending: return "pending";
        case OpStatus::kOk: return "ok";
        case OpStatus::kNotFound: return "not_found";
        case OpStatus::kFailed: return "failed";
        case OpStatus::kTimeout: return "timeout";
        case OpStatus::kBusy: return "busy";
        case OpStatus::kRejectedAuth: return "rejected_auth";
    }
    return "?";
}

std::string_view to_string(AuthMode mode) {
    switch (mode) {
        case AuthMode::kValid: return "valid";
        case AuthMode::kInvalid: return "invalid";
        case AuthMode::kNone: return "none";
        case AuthMode::kOtherAccount: return "other_account";
    }
    return "?";
}

SeriesId MetricsRecorder::series(std::string_view metric, std::string_view labels,
                                 MetricKind kind) {
    std::string key;
    key.reserve(metric.size() + labels.size() + 1);
    key.append(metric).push_back('\x1f');
    key.append(labels);
    auto it = index_.find(key);
    if (it != index_.end()) return SeriesId{it->second};
    uint32_t id = static_cast<uint32_t>(series_.size());
    series_.push_back(Series{std::string(metric), std::string(labels), kind});
    index_.emplace(std::move(key), id);
    return SeriesId{id};
}

std::vector<SeriesId> MetricsRecorder::series_of(std::string_view metric) const {
    std::vector<SeriesId> out;
    for (uint32_t i = 0; i < series_.size(); ++i)
        if (series_[i].metric == metric) out.push_back(SeriesId{i});
    return out;
}

size_t FaultLog::begin(std::string kind, std::string target, sim::Time start, bool chaos) {
    FaultRecord r;
    r.kind = std::move(kind);
    r.target = std::move(target);
    r.start = start;
    r.chaos = chaos;
    records_.push_back(std::move(r));
    return records_.size() - 1;
}

void FaultLog::end(size_t index, sim::Time at) {
    SIM_ASSERT(index < records_.size(), "unknown fault record " << index);
    SIM_ASSERT(!records_[index].end.has_value(), "fault record " << index << " ended twice");
    records_[index].end = at;
}

void FaultLog::add_node(size_t index, std::string node_name) {
    SIM_ASSERT(index < records_.size(), "unknown fault record " << index);
    FaultRecord& r = records_[index];
    ++r.effect.nodes;
    if (r.nodes.size() < kMaxNodeNames) r.nodes.push_back(std::move(node_name));
}

void FaultLog::end_all(sim::Time at) {
    for (FaultRecord& r : records_)
        if (!r.end) r.end = at;
}

}  // namespace models::observe
