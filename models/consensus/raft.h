// models/consensus/raft.h: a Raft replica, embeddable in any actor, and a plain actor.
//
// Protocol choice: Raft (Ongaro & Ousterhout, 2014), because its rules are few and each
// can be checked (and broken on purpose) one at a time:
//  - leader election with randomized timeouts; a node votes at most once per term, for
//    a candidate whose log is at least as up to date as its own;
//  - log replication by AppendEntries with the (prev_index, prev_term) consistency check;
//    a follower truncates a conflicting suffix, never a committed entry;
//  - commit: the leader commits index N once a majority holds N and entry N is of the
//    leader's current term (earlier entries commit with it); a new leader appends a no-op;
//  - persistence: term, vote and log are written to the node's sim::Disk; the durable
//    image (ctx.durable<RaftDurable>("raft/<group>")) changes only in on_io, in the order
//    the writes were issued, so a crash loses exactly what the disk had not acknowledged.
//    Every vote and every append acknowledgement waits for the writes issued before it;
//    the leader counts itself toward a commit only for entries its own disk holds;
//  - log compaction: every snapshot_threshold_entries applied entries the replica
//    snapshots its state machine and session table and drops the log before it; a
//    follower that is behind the leader's snapshot receives InstallSnapshot;
//  - exactly-once: each client command carries (client id, seq); the session table
//    (replicated, in snapshots) remembers each client's last applied seq and result, so a
//    retried command is applied once and answered with the recorded result;
//  - leader stickiness (the "check quorum" rule of etcd/raft): a node ignores vote
//    requests while it has heard from a live leader within election_timeout_min (also
//    right after a restart), and a leader that has not heard from a majority for that
//    long steps down. This keeps a partitioned node from disrupting a healthy group and
//    makes leader-lease reads safe (below).
//
// Reads at the leader: state_machine() gives read-only access at any time (possibly
// stale if this replica was deposed and does not know it yet); can_serve_reads() is a
// leader lease: true while a majority acknowledged a heartbeat sent within
//   election_timeout_min * (1 - max_drift) / (1 + max_drift)
// of the leader's local clock, during which no other leader can be elected (followers
// refuse votes for election_timeout_min of their own clocks after hearing from it).
//
// Disk failure: an I/O completing with kDiskFailed means the durable state is gone; the
// replica stops (no votes, no acks, no leadership) until the node is restarted on a
// replaced disk. A replica that starts on a replaced (empty) disk is "amnesiac": it may
// have voted and acknowledged before the failure, so it neither votes nor campaigns
// until it has caught up to the commit index of the first leader it hears from.
//
// Timer and I/O tags: RaftCore uses tags with bit 62 set (kRaftTagSpace); an embedding
// actor keeps its own tags below 2^60 and forwards everything with those bits.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/consensus/config.h"
#include "models/consensus/messages.h"
#include "models/consensus/state_machine.h"
#include "sim/actor.h"

namespace models::consensus {

constexpr uint64_t kRaftTagSpace = 1ull << 62;

// The node-durable image of one replica (ctx.durable<RaftDurable>("raft/<group>")).
struct RaftDurable {
    bool initialized = false;
    uint64_t term = 0;
    int voted_for = -1;
    std::shared_ptr<const RaftSnapshot> snapshot;  // null: none yet (index 0)
    std::vector<Entry> entries;                    // first is snapshot index + 1
};

enum class Role : uint8_t { kFollower, kCandidate, kLeader, kStopped };
const char* role_name(Role r);

class RaftCore {
public:
    // REQUIRES: 0 <= self < group.members.size(); group.members[self] is ctx.self().
    RaftCore(sim::Context& ctx, ReplicaGroup group, int self, RaftConfig config, StateMachineFactory factory);
    ~RaftCore();
    RaftCore(const RaftCore&) = delete;
    RaftCore& operator=(const RaftCore&) = delete;

    // Call from the actor's on_start.
    void start();
    // Each returns true if the event belonged to the replica (and consumed it).
    bool handle_message(sim::MessagePtr& msg);
    bool handle_timer(uint64_t tag);
    bool handle_io(uint64_t tag, sim::IoStatus status);
    static bool owns_tag(uint64_t tag) { return (tag & kRaftTagSpace) != 0; }

    // --- leader-side service interface ----------------------------------------------------
    bool is_leader() const { return role_ == Role::kLeader; }
    Role role() const { return role_; }
    uint64_t term() const { return term_; }
    int self() const { return self_; }
    // Member index of the leader this replica last heard from (-1: none known).
    int leader_hint() const { return role_ == Role::kLeader ? self_ : leader_hint_; }
    bool can_serve_reads() const;
    const StateMachine& state_machine() const { return *sm_; }
    StateMachine& mutable_state_machine() { return *sm_; }

    using Callback = std::function<void(Status, ResultPtr)>;
    // Appends a command proposed by this replica itself (no client session). The callback
    // runs when it is applied here (kOk), or with kNotLeader / kUnknown / kBusy.
    void propose(CommandPtr command, Callback callback);

    uint64_t commit_index() const { return commit_index_; }
    uint64_t last_applied() const { return last_applied_; }
    uint64_t last_index() const;
    uint64_t snapshot_index() const { return snapshot_index_; }
    const ReplicaGroup& group() const { return group_; }
    const RaftConfig& config() const { return config_; }

private:
    // One change to the durable image, applied to it (in issue order) when the disk write
    // that carries it completes. Ops issued while a write is in flight are coalesced into
    // the next write (group commit), so a replica has at most one write outstanding.
    struct PersistOp {
        enum class Kind : uint8_t { kHardState, kEntries, kSnapshot };
        Kind kind = Kind::kHardState;
        uint64_t seq = 0;
        uint64_t term = 0;
        int vote = -1;
        uint64_t from_index = 0;
        std::vector<Entry> entries;
        std::shared_ptr<const RaftSnapshot> snapshot;
        int64_t bytes = 0;
        // Volatile last log index this op makes durable (lowered by later truncations).
        uint64_t log_last = 0;
    };
    struct Waiter {
        uint64_t term = 0;
        uint64_t client_id = 0;
        uint64_t seq = 0;
        sim::Address reply_to;  // client requests
        Callback callback;      // local proposals
    };
    struct Outgoing {
        uint64_t barrier = 0;
        sim::Address dst;
        sim::MessagePtr msg;
    };

    // roles
    void become_follower(uint64_t term);
    void become_candidate();
    void become_leader();
    void step_down_leader();
    void reset_election_timer();
    // handlers
    void on_request_vote(const RequestVote& m);
    void on_vote_reply(const VoteReply& m);
    void on_append_entries(sim::Owned<AppendEntries> m);
    void on_append_reply(const AppendReply& m);
    void on_install_snapshot(const InstallSnapshot& m);
    void on_client_request(sim::Owned<ClientRequest> m);
    void on_heartbeat_timer();
    // replication
    void append_local(Entry e);
    void send_append(int peer, bool heartbeat);
    void broadcast_append(bool heartbeat);
    void advance_commit();
    void apply_committed();
    void maybe_snapshot();
    void fail_waiters(Status status);
    void reply_client(sim::Address to, uint64_t client_id, uint64_t seq, Status status, ResultPtr result);
    // log access
    uint64_t term_at(uint64_t index) const;  // REQUIRES: snapshot_index_ <= index <= last_index()
    const Entry& entry(uint64_t index) const;
    void truncate_from(uint64_t index);
    // persistence
    void persist_hard_state();
    void persist_entries(uint64_t from_index);
    void persist_snapshot(std::shared_ptr<const RaftSnapshot> snap);
    void issue(PersistOp op);
    void submit_write();
    void apply_to_durable(const PersistOp& op);
    void send_after_persist(sim::Address dst, sim::MessagePtr msg);
    void send_to(int peer, sim::MessagePtr msg);
    void flush_outbox();
    void load_durable();
    void record_leader_log();
    uint64_t durable_last_index() const;
    void stop_for_disk_failure();

    sim::Context& ctx_;
    ReplicaGroup group_;
    int self_;
    RaftConfig config_;
    StateMachineFactory factory_;
    std::unique_ptr<StateMachine> sm_;
    RaftDurable& durable_;

    // volatile state (rebuilt from durable_ on start)
    Role role_ = Role::kFollower;
    uint64_t term_ = 0;
    int voted_for_ = -1;
    std::vector<Entry> log_;  // log_[0] has index snapshot_index_ + 1
    uint64_t snapshot_index_ = 0;
    uint64_t snapshot_term_ = 0;
    std::shared_ptr<const RaftSnapshot> snapshot_;
    std::map<uint64_t, Session> sessions_;
    uint64_t commit_index_ = 0;
    uint64_t last_applied_ = 0;
    int leader_hint_ = -1;
    sim::Time last_leader_contact_;
    bool amnesiac_ = false;
    uint64_t amnesia_target_ = 0;  // 0: not yet learned

    // candidate
    std::vector<bool> votes_;
    // leader
    std::vector<uint64_t> next_index_;
    std::vector<uint64_t> match_index_;
    std::vector<uint64_t> acked_probe_;
    static constexpr uint64_t kProbeRing = 64;
    std::vector<sim::Time> probe_sent_at_;  // send time of heartbeat round p at p % kProbeRing
    uint64_t probe_ = 0;
    std::vector<sim::Time> last_ack_;
    sim::Time lease_until_;
    std::map<uint64_t, Waiter> waiters_;                 // by log index
    // client id -> (seq, index) of its command in the log this term, for retries.
    std::map<uint64_t, std::pair<uint64_t, uint64_t>> proposed_by_client_;

    // timers
    sim::TimerId election_timer_;
    sim::TimerId heartbeat_timer_;

    // persistence pipeline
    std::deque<PersistOp> pending_ops_;  // issued, in order; front completes first
    uint64_t next_op_seq_ = 1;
    uint64_t submitted_seq_ = 0;  // ops up to this one are in the disk write in flight
    uint64_t persisted_seq_ = 0;  // every op with seq <= this is durable
    bool write_in_flight_ = false;
    uint64_t persisted_log_last_ = 0;  // log prefix known durable (for the leader's own match)
    std::vector<Outgoing> outbox_;
};

// A replica as a plain actor: for groups whose whole service is the state machine (the
// lock service). Services with messages of their own embed a RaftCore instead.
class RaftReplica final : public sim::Actor {
public:
    RaftReplica(sim::Context& ctx, ReplicaGroup group, int self, RaftConfig config, StateMachineFactory factory)
        : Actor(ctx), core_(ctx, std::move(group), self, std::move(config), std::move(factory)) {}
    void on_start() override { core_.start(); }
    void on_message(sim::MessagePtr msg) override;
    void on_timer(uint64_t tag) override { core_.handle_timer(tag); }
    void on_io(uint64_t tag, sim::IoStatus status) override { core_.handle_io(tag, status); }
    RaftCore& core() { return core_; }
    const RaftCore& core() const { return core_; }

private:
    RaftCore core_;
};

}  // namespace models::consensus
