// models/stream/manager_state.h: the stream manager's replicated state and commands.
//
// StreamManagerState is the deterministic state machine that runs replicated on Raft
// (models/consensus): the namespace of streams (name -> ordered list of extents), the
// extents (replica chain, sealed length) and the upgrade domains being taken down. It
// makes no choices: the leader decides (placement, seal length, which replica replaces
// which) and proposes a command; every replica applies the same commands in the same
// order. A command that no longer fits the state (a seal of an extent already sealed, a
// replica swap for a replica that is gone) is refused with a status, never half-applied.
// Invariants: only the last extent of a stream may be unsealed; an extent belongs to at
// most one stream; extent and stream ids are never reused.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "models/consensus/state_machine.h"
#include "models/stream/types.h"

namespace models::stream {

class StreamObserver;
struct StreamMetrics;

struct ExtentMeta {
    std::vector<sim::NodeId> replicas;  // chain order; [0] is the head
    bool sealed = false;
    int64_t sealed_length = 0;
    StreamId stream;  // invalid once its stream is deleted (then garbage)
};

struct StreamMeta {
    std::string name;
    std::vector<ExtentId> extents;
};

struct ManagerData {
    std::map<StreamId, StreamMeta> streams;
    std::map<std::string, StreamId, std::less<>> names;
    std::map<ExtentId, ExtentMeta> extents;
    std::set<int> upgrade_domains_down;
    uint64_t next_stream = 1;
    uint64_t next_extent = 1;
};

// --- commands ----------------------------------------------------------------------------------

struct CreateStreamCmd final : consensus::Command {
    std::string stream_name;
    std::string_view name() const override { return "stream.create_stream"; }
};
struct DeleteStreamCmd final : consensus::Command {
    std::string stream_name;
    std::string_view name() const override { return "stream.delete_stream"; }
};
struct AddExtentCmd final : consensus::Command {
    StreamId stream;
    ExtentId extent;
    std::vector<sim::NodeId> replicas;
    std::string_view name() const override { return "stream.add_extent"; }
};
struct SealExtentCmd final : consensus::Command {
    ExtentId extent;
    int64_t length = 0;
    std::string_view name() const override { return "stream.seal_extent"; }
};
// Replaces replica `old_node` of a sealed extent by `new_node` (which holds a full copy).
struct ReplaceReplicaCmd final : consensus::Command {
    ExtentId extent;
    sim::NodeId old_node;
    sim::NodeId new_node;
    std::string_view name() const override { return "stream.replace_replica"; }
};
struct DeleteExtentCmd final : consensus::Command {
    ExtentId extent;
    std::string_view name() const override { return "stream.delete_extent"; }
};
struct UpgradeDomainCmd final : consensus::Command {
    int upgrade_domain = 0;
    bool down = true;
    std::string_view name() const override { return "stream.upgrade_domain"; }
};

struct ManagerResult final : consensus::Result {
    Status status = Status::kOk;
    StreamId stream;
};

struct ManagerSnapshot final : consensus::Snapshot {
    ManagerData data;
    int64_t size_bytes() const override {
        return 1024 + 64 * static_cast<int64_t>(data.extents.size()) + 64 * static_cast<int64_t>(data.streams.size());
    }
};

class StreamManagerState final : public consensus::StateMachine {
public:
    // observer/metrics: instrumentation (may be null); apply() reports seals to the
    // observer (idempotent across replicas) and never reads anything back from it.
    explicit StreamManagerState(StreamObserver* observer = nullptr, StreamMetrics* metrics = nullptr)
        : observer_(observer), metrics_(metrics) {}

    consensus::ResultPtr apply(const consensus::Command& command, const consensus::ApplyContext& ctx) override;
    consensus::SnapshotPtr snapshot() const override;
    void restore(const consensus::Snapshot& s) override;

    // Direct apply, for unit tests and for callers without a log.
    Status apply_command(const consensus::Command& command, bool leader, StreamId* stream_out = nullptr);

    const ManagerData& data() const { return data_; }
    const StreamMeta* stream(StreamId id) const;
    const StreamMeta* stream_named(std::string_view name) const;
    const ExtentMeta* extent(ExtentId id) const;
    std::vector<ExtentView> view(StreamId id) const;

private:
    ManagerData data_;
    StreamObserver* observer_;
    StreamMetrics* metrics_;
};

}  // namespace models::stream
