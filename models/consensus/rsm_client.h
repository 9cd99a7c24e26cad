// models/consensus/rsm_client.h: submitting commands to a replicated group from any actor.
//
// RsmClient lives inside an actor (a partition server, a front-end, a test client) and
// gives it a callback API over the network protocol: it sends each command to the
// leader it believes in, follows redirects (ClientReply with a leader hint), retries on
// timeout against the next member, and tags every command with (client id, seq) so the
// group applies it exactly once however often it is retried. Commands are submitted in
// order and sent one at a time (the session table keeps one result per client); an
// actor that wants several in flight uses several RsmClients (distinct `instance`).
//
// The client id is derived from (node, port, incarnation, instance), so a restarted
// actor gets a fresh session and can never be answered with its previous life's results.
//
// Wiring (the actor forwards what belongs to the client):
//   void on_message(sim::MessagePtr m) override { if (rsm_.handle_message(m)) return; ... }
//   void on_timer(uint64_t tag) override { if (rsm_.handle_timer(tag)) return; ... }
// Timer tags: bit 61 set plus the instance (kRsmClientTagSpace); keep own tags < 2^60.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>

#include "models/consensus/config.h"
#include "models/consensus/messages.h"
#include "models/consensus/state_machine.h"
#include "sim/actor.h"

namespace models::consensus {

constexpr uint64_t kRsmClientTagSpace = 1ull << 61;

struct RsmClientConfig {
    // Resend (to the next member) when no reply came within this long.
    sim::Duration request_timeout = sim::Duration::millis(500);
    // Wait before retrying when the group has no known leader.
    sim::Duration no_leader_backoff = sim::Duration::millis(100);
    // Attempts per command before it fails with kTimeout; 0 = retry forever.
    int max_attempts = 0;
    // Commands queued behind the one in flight; beyond it submit() fails with kBusy.
    int max_queued = 1024;
};

class RsmClient {
public:
    using Callback = std::function<void(Status, ResultPtr)>;

    // REQUIRES: 0 <= instance < 16.
    RsmClient(sim::Context& ctx, ReplicaGroup group, RsmClientConfig config = {}, int instance = 0);

    // Queues a command; the callback runs once with kOk and the result (or kTimeout /
    // kBusy). Callbacks may submit further commands.
    void submit(CommandPtr command, Callback callback);

    bool handle_message(sim::MessagePtr& msg);
    bool handle_timer(uint64_t tag);

    uint64_t client_id() const { return client_id_; }
    int leader_hint() const { return leader_; }
    size_t outstanding() const { return queue_.size(); }
    uint64_t retries() const { return retries_; }

private:
    struct Pending {
        uint64_t seq = 0;
        CommandPtr command;
        Callback callback;
        int attempts = 0;
    };
    void send_current();
    void retry_later(sim::Duration delay);
    void complete(Status status, ResultPtr result);

    sim::Context& ctx_;
    ReplicaGroup group_;
    RsmClientConfig config_;
    uint64_t tag_;
    uint64_t client_id_;
    uint64_t next_seq_ = 1;
    int leader_ = -1;   // member index believed to lead
    int target_ = 0;    // member the current attempt went to
    int redirects_ = 0; // redirects since the last timer, bounded to avoid ping-pong
    std::deque<Pending> queue_;  // front is in flight
    sim::TimerId timer_;
    bool timer_armed_ = false;
    uint64_t retries_ = 0;
};

}  // namespace models::consensus
