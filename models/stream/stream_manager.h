// models/stream/stream_manager.h: the stream manager, one replica of a Raft group.
//
// Each stream manager replica embeds a consensus::RaftCore whose state machine is
// StreamManagerState (the namespace, extents and their chains). Only the leader acts:
//  - answers stream clients (create / open / delete a stream; seal the last extent and
//    add a new one) and redirects them to the leader otherwise;
//  - seals: asks every replica for its commit length (which also stops their appends),
//    seals at the smallest length among those that answered within seal_probe_timeout,
//    then tells those replicas to seal; a replica that missed the seal is later synced
//    to exactly that length by a copy;
//  - places new extents (placement.h) and creates their replicas before committing them;
//  - tracks extent-node health from heartbeats (each carries an extent report): a node
//    silent for node_timeout is declared dead, and only the answer to a re-register
//    challenge sent after that declaration brings it back (a report it sent before dying
//    never counts: the FAST'16 extent-manager bug);
//  - re-replicates lost, corrupt or stale replicas of sealed extents after
//    re_replication_delay, copying from a healthy replica over the network; seals an
//    unsealed extent at once when one of its replicas is lost;
//  - garbage-collects extents no stream references and replicas the state does not list;
//  - places no new extents in an upgrade domain that an upgrade is taking down.
// Followers record heartbeats too, so a new leader starts with a warm view of health.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "models/consensus/raft.h"
#include "models/stream/config.h"
#include "models/stream/manager_state.h"
#include "models/stream/messages.h"
#include "models/stream/metrics.h"
#include "models/stream/placement.h"
#include "sim/actor.h"

namespace models::stream {

class StreamObserver;

struct StreamManagerOptions {
    StreamConfig config;
    consensus::ReplicaGroup group;
    consensus::RaftConfig raft;
    std::vector<sim::NodeId> extent_nodes;  // every extent node of the stamp
    StreamObserver* observer = nullptr;
    StreamMetrics* metrics = nullptr;
};

class StreamManager final : public sim::Actor {
public:
    StreamManager(sim::Context& ctx, const StreamManagerOptions& options, int self);

    void on_start() override;
    void on_message(sim::MessagePtr msg) override;
    void on_timer(uint64_t tag) override;
    void on_io(uint64_t tag, sim::IoStatus status) override;

    bool is_leader() const { return core_.is_leader(); }
    const StreamManagerState& state() const;
    // Extents the leader currently counts as under-replicated.
    int under_replicated() const { return under_replicated_; }

private:
    using Done = std::function<void(Status)>;
    struct NodeHealth {
        bool heard = false;
        sim::Time last_heard;
        uint64_t boot = 0;
        uint64_t seq = 0;
        bool dead = false;
        sim::Time dead_since;
        uint64_t challenge = 0;
        sim::Time challenge_sent;
        double load = 0;
        sim::Time report_at;
        std::map<ExtentId, ReplicaReport> report;
    };
    struct SealOp {
        uint64_t round = 0;
        std::map<uint32_t, LengthReply> replies;
        size_t expected = 0;
        uint64_t timer_tag = 0;
        bool proposing = false;
        std::vector<Done> done;
    };
    struct CreateOp {
        StreamId stream;
        std::vector<sim::NodeId> nodes;
        std::set<uint32_t> acked;
        std::vector<sim::NodeId> excluded;
        int attempt = 0;
        uint64_t timer_tag = 0;
        bool finished = false;
        Done done;
    };
    struct Waiter {
        sim::Address client;
        uint64_t request = 0;
    };
    struct Repair {
        sim::NodeId target;
        sim::NodeId old_node;
        sim::Time started;
        bool sync = false;
    };

    void handle_request(sim::Owned<StreamRequest> m);
    // Seals every stream's open extent with a replica in the domain and adds a new extent.
    void seal_open_extents_in(int upgrade_domain);
    // True if n's upgrade domain is marked down by the operator (an upgrade, not a failure).
    bool upgrading(sim::NodeId n) const;
    void reply(const Waiter& w, Status status, StreamId stream);
    void run_stream_op(StreamId stream, Waiter w, ExtentId seal_target);
    void finish_stream_op(StreamId stream, Status status);
    void handle_heartbeat(const Heartbeat& hb);
    void seal(ExtentId extent, Done done);
    void finish_probe(ExtentId extent);
    void new_extent(StreamId stream, std::vector<sim::NodeId> excluded, int attempt, Done done);
    void handle_create_reply(const CreateReplicaReply& m);
    void finish_create(ExtentId extent, bool timed_out);
    void handle_copy_done(const CopyDone& m);
    void tick();
    void become_leader();
    void scan_extents();
    void start_repair(ExtentId extent, const ExtentMeta& meta, sim::NodeId lost, bool sync,
                      const std::vector<sim::NodeId>& healthy);
    void collect_garbage();
    std::vector<PlacementCandidate> candidates(const std::vector<sim::NodeId>& excluded) const;
    bool alive(sim::NodeId n) const;
    NodeHealth& health(sim::NodeId n);
    const NodeHealth* find_health(sim::NodeId n) const;
    void propose(consensus::CommandPtr cmd, std::function<void(Status, StreamId)> done);
    uint64_t set_op_timer(sim::Duration d, uint64_t kind, uint64_t id);

    StreamManagerOptions options_;
    consensus::RaftCore core_;
    sim::Rng rng_;
    bool was_leader_ = false;
    std::vector<NodeHealth> health_;  // by NodeId.value
    std::map<ExtentId, SealOp> seals_;
    std::map<ExtentId, CreateOp> creates_;
    std::map<StreamId, std::vector<Waiter>> stream_ops_;  // in progress, and who waits
    std::map<ExtentId, Repair> repairs_;
    std::map<std::pair<ExtentId, uint32_t>, sim::Time> lost_since_;
    std::map<ExtentId, sim::Time> first_seen_;
    std::set<ExtentId> gc_pending_;
    std::map<uint64_t, std::pair<uint64_t, ExtentId>> op_timers_;  // tag -> (kind, extent)
    uint64_t next_timer_ = 1;
    uint64_t next_reserved_ = 1;
    uint64_t seal_rounds_ = 0;
    uint64_t challenges_ = 0;
    int under_replicated_ = 0;
};

// Builds the state machine for the stream manager group (for RaftCore factories).
consensus::StateMachineFactory stream_manager_state_factory(StreamObserver* observer, StreamMetrics* metrics);

}  // namespace models::stream
