// models/consensus/state_machine.h: what a service implements to run replicated.
//
// A service that wants its state replicated (the stream manager, the lock service, the
// partition manager's durable state) defines a StateMachine: a deterministic function
// from a sequence of commands to a state, plus snapshot and restore. The replication
// library (models/consensus/raft.h) decides the order of commands, and every replica
// applies exactly that order, each client command exactly once.
//
// Commands, results and snapshots are immutable type-erased values shared by pointer
// (std::shared_ptr<const ...>): one command object is carried by the leader's log, the
// messages to followers and the followers' logs, so replication copies no payload.
// A service defines its command types by deriving from Command and downcasts in apply()
// (dynamic_cast, or a kind field of its own).
//
// Determinism contract for apply(): the replicated state may depend only on the
// command and the state before it. ApplyContext::leader and ::local_now are there for
// leader-local volatile bookkeeping (the lock service's lease timers, a stream manager
// that must act only as leader), never for the replicated state.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "sim/time.h"

namespace models::consensus {

struct Command {
    virtual ~Command() = default;
    // Bytes of this command on the wire and on disk (sets network and disk time).
    virtual int64_t size_bytes() const { return 64; }
    virtual std::string_view name() const = 0;
};

struct Result {
    virtual ~Result() = default;
};

struct Snapshot {
    virtual ~Snapshot() = default;
    // Bytes written to disk / sent to a lagging follower.
    virtual int64_t size_bytes() const { return 1024; }
};

using CommandPtr = std::shared_ptr<const Command>;
using ResultPtr = std::shared_ptr<const Result>;
using SnapshotPtr = std::shared_ptr<const Snapshot>;

// Where an applied command sits, and who is applying it.
struct ApplyContext {
    uint64_t index = 0;      // log index of the command
    uint64_t term = 0;       // term of the entry
    uint64_t client_id = 0;  // 0 for commands proposed locally without a session
    uint64_t seq = 0;
    bool leader = false;     // this replica is leader right now (volatile use only)
    sim::Time local_now;     // this replica's local clock (volatile use only)
};

// Passed to StateMachine::prepare on the leader, before a client command enters the log.
struct PrepareContext {
    sim::Time local_now;  // the leader's local clock
    uint64_t client_id = 0;
    uint64_t seq = 0;
};

class StateMachine {
public:
    virtual ~StateMachine() = default;

    // Applies one committed command. Deterministic (see the file comment). Returns the
    // result sent to the client (may be null).
    virtual ResultPtr apply(const Command& command, const ApplyContext& ctx) = 0;
    // An immutable copy of the whole replicated state (taken at the last applied index).
    virtual SnapshotPtr snapshot() const = 0;
    // Replaces the whole replicated state with a snapshot's. REQUIRES: s came from
    // snapshot() of the same state-machine type.
    virtual void restore(const Snapshot& s) = 0;

    // Leader-side hook: rewrites a client command before it is appended, using the
    // leader's local view (e.g. the lock service turns "acquire" into a conditional grant
    // if the leader's lease timer for the current holder has run out). The rewritten
    // command is what every replica applies. Default: unchanged.
    virtual CommandPtr prepare(CommandPtr command, const PrepareContext& /*ctx*/) { return command; }
    // Called when this replica becomes leader (true) or stops being leader (false).
    virtual void on_role_change(bool /*leader*/, sim::Time /*local_now*/) {}
};

using StateMachineFactory = std::function<std::unique_ptr<StateMachine>()>;

// Outcome of a submitted command.
enum class Status : uint8_t {
    kOk,         // applied exactly once; result attached
    kNotLeader,  // the replica asked is not leader (hint attached when known)
    kUnknown,    // leadership was lost after the command entered the log: it may apply later
    kTimeout,    // the client gave up (RsmClientConfig::max_attempts)
    kBusy,       // the leader's proposal queue is full
};
const char* status_name(Status s);

}  // namespace models::consensus
