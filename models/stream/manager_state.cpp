#include "models/stream/manager_state.h"

#include <algorithm>

#include "models/stream/metrics.h"
#include "models/stream/observer.h"
#include "sim/check.h"

namespace models::stream {

consensus::ResultPtr StreamManagerState::apply(const consensus::Command& command, const consensus::ApplyContext& ctx) {
    auto result = std::make_shared<ManagerResult>();
    result->status = apply_command(command, ctx.leader, &result->stream);
    return result;
}

Status StreamManagerState::apply_command(const consensus::Command& command, bool leader, StreamId* stream_out) {
    if (const auto* c = dynamic_cast<const CreateStreamCmd*>(&command)) {
        if (auto it = data_.names.find(c->stream_name); it != data_.names.end()) {
            if (stream_out) *stream_out = it->second;
            return Status::kOk;
        }
        const StreamId id{data_.next_stream++};
        data_.streams[id] = StreamMeta{c->stream_name, {}};
        data_.names[c->stream_name] = id;
        if (stream_out) *stream_out = id;
        return Status::kOk;
    }
    if (const auto* c = dynamic_cast<const DeleteStreamCmd*>(&command)) {
        auto it = data_.names.find(c->stream_name);
        if (it == data_.names.end()) return Status::kNotFound;
        // The extents stay until garbage collection finds them unreferenced.
        for (ExtentId e : data_.streams[it->second].extents) data_.extents[e].stream = StreamId{};
        data_.streams.erase(it->second);
        data_.names.erase(it);
        return Status::kOk;
    }
    if (const auto* c = dynamic_cast<const AddExtentCmd*>(&command)) {
        auto sit = data_.streams.find(c->stream);
        if (sit == data_.streams.end()) return Status::kNotFound;
        if (!sit->second.extents.empty() && !data_.extents[sit->second.extents.back()].sealed) return Status::kSealed;
        if (data_.extents.count(c->extent) != 0) return Status::kSealed;
        SIM_ASSERT(!c->replicas.empty(), "extent " << c->extent.value << " without replicas");
        data_.next_extent = std::max(data_.next_extent, c->extent.value + 1);
        data_.extents[c->extent] = ExtentMeta{c->replicas, false, 0, c->stream};
        sit->second.extents.push_back(c->extent);
        if (observer_) observer_->on_placement(c->extent, c->replicas);
        if (metrics_ && leader) ++metrics_->extents_created;
        return Status::kOk;
    }
    if (const auto* c = dynamic_cast<const SealExtentCmd*>(&command)) {
        auto it = data_.extents.find(c->extent);
        if (it == data_.extents.end()) return Status::kNotFound;
        if (it->second.sealed) return it->second.sealed_length == c->length ? Status::kOk : Status::kSealed;
        it->second.sealed = true;
        it->second.sealed_length = c->length;
        if (observer_) observer_->on_seal_decided(c->extent, c->length);
        if (metrics_ && leader) ++metrics_->extents_sealed;
        return Status::kOk;
    }
    if (const auto* c = dynamic_cast<const ReplaceReplicaCmd*>(&command)) {
        auto it = data_.extents.find(c->extent);
        if (it == data_.extents.end()) return Status::kNotFound;
        auto& reps = it->second.replicas;
        if (!it->second.sealed) return Status::kUnavailable;
        auto old = std::find(reps.begin(), reps.end(), c->old_node);
        if (old == reps.end() || std::find(reps.begin(), reps.end(), c->new_node) != reps.end()) {
            return Status::kNotFound;
        }
        *old = c->new_node;
        if (observer_) observer_->on_placement(c->extent, reps);
        return Status::kOk;
    }
    if (const auto* c = dynamic_cast<const DeleteExtentCmd*>(&command)) {
        auto it = data_.extents.find(c->extent);
        if (it == data_.extents.end()) return Status::kNotFound;
        if (it->second.stream.valid()) return Status::kUnavailable;  // still referenced
        data_.extents.erase(it);
        if (observer_) observer_->on_extent_deleted(c->extent);
        if (metrics_ && leader) ++metrics_->extents_deleted;
        return Status::kOk;
    }
    if (const auto* c = dynamic_cast<const UpgradeDomainCmd*>(&command)) {
        if (c->down) {
            data_.upgrade_domains_down.insert(c->upgrade_domain);
        } else {
            data_.upgrade_domains_down.erase(c->upgrade_domain);
        }
        return Status::kOk;
    }
    SIM_ASSERT(false, "stream manager got unknown command " << command.name());
    return Status::kNotFound;
}

consensus::SnapshotPtr StreamManagerState::snapshot() const {
    auto s = std::make_shared<ManagerSnapshot>();
    s->data = data_;
    return s;
}

void StreamManagerState::restore(const consensus::Snapshot& s) {
    const auto* snap = dynamic_cast<const ManagerSnapshot*>(&s);
    SIM_ASSERT(snap != nullptr, "stream manager restored from a foreign snapshot");
    data_ = snap->data;
}

const StreamMeta* StreamManagerState::stream(StreamId id) const {
    auto it = data_.streams.find(id);
    return it == data_.streams.end() ? nullptr : &it->second;
}

const StreamMeta* StreamManagerState::stream_named(std::string_view name) const {
    auto it = data_.names.find(name);
    return it == data_.names.end() ? nullptr : stream(it->second);
}

const ExtentMeta* StreamManagerState::extent(ExtentId id) const {
    auto it = data_.extents.find(id);
    return it == data_.extents.end() ? nullptr : &it->second;
}

std::vector<ExtentView> StreamManagerState::view(StreamId id) const {
    std::vector<ExtentView> out;
    const StreamMeta* s = stream(id);
    if (s == nullptr) return out;
    for (ExtentId e : s->extents) {
        const ExtentMeta& m = data_.extents.at(e);
        out.push_back(ExtentView{e, m.replicas, m.sealed, m.sealed_length});
    }
    return out;
}

}  // namespace models::stream
