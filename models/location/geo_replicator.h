// models/location/geo_replicator.h: a stamp's geo replicator, both ends of inter-stamp
// replication (SOSP 2011 §3.4, §5.6), and the copier of an account migration.
//
// As the primary's end it logs each acknowledged write of a geo-replicated account that
// a front-end of its stamp sends (GeoLog) on its node's disk, group-committed, and answers
// only then, so every write a client saw acknowledged is either durable here or already
// applied at the secondary. Changes are kept per target stamp and compacted per key
// (the newest version wins; an older version never replaces a newer one) and shipped
// every `interval` as one batch per target, oldest first, one batch in flight per target
// (so order per key holds across batches), retransmitted until acknowledged; an
// acknowledged change is trimmed. For a migration it also ships every key it holds for the
// account (GeoCopy: its inventory, the latest change per key it logged or applied).
// As a target's end it applies a batch through its own stamp's front-ends (a trusted
// replication request, no signature, allowed for accounts this stamp does not serve),
// at most `apply_window` at a time, skipping versions it already applied (retransmits),
// and acknowledges the batch when every change is applied.
//
// Differences from the paper, stated once: the paper's primary partition layer ships
// changes from its commit log to the secondary's partition layer. Here the tap is the
// front-end (after the partition layer acknowledged the write and before the client is
// answered) and the log is the replicator's own, because the partition layer is another
// engineer's module; the durable-before-acknowledged property is the same, the extra cost
// is one log write on the front-end node's disk per group of writes. The inventory that a
// migration copies is the replicator's, not a scan of the partition layer's index.
//
// Durable (node disk): the per-target pending changes, the inventory, the versions
// applied per (source, key) and the last batch applied per source. Volatile: the log
// buffer, batches in flight, applies in flight, the roles (asked of the location service
// again after a restart). Owned by its node; talks to front-ends, the other stamps'
// replicators and the location service by messages only.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "models/location/geo_messages.h"
#include "models/location/geo_observer.h"
#include "sim/actor.h"

namespace models::location {

struct GeoReplicatorOptions {
    int stamp = -1;
    std::vector<sim::Address> replicators;  // every stamp's replicator, by stamp index
    std::vector<sim::Address> front_ends;   // this stamp's, to apply through
    sim::Address location_service;
    sim::Duration interval = sim::Duration::seconds(5);
    size_t batch_max = 4096;  // changes per batch
    sim::Duration ack_timeout = sim::Duration::seconds(10);
    int apply_window = 64;
    sim::Duration apply_timeout = sim::Duration::seconds(5);
    GeoObserver* observer = nullptr;  // instrumentation; may be null
};

struct GeoReplicatorStats {
    uint64_t logged = 0;
    uint64_t refused = 0;
    uint64_t batches_sent = 0;
    uint64_t retransmits = 0;
    uint64_t changes_shipped = 0;
    uint64_t changes_applied = 0;
    uint64_t changes_skipped = 0;  // an equal or newer version was already applied
    uint64_t copied = 0;
};

class GeoReplicator final : public sim::Actor {
public:
    GeoReplicator(sim::Context& ctx, const GeoReplicatorOptions& options);
    void on_start() override;
    void on_message(sim::MessagePtr m) override;
    void on_timer(uint64_t tag) override;
    void on_io(uint64_t tag, sim::IoStatus status) override;

    const GeoReplicatorStats& stats() const { return stats_; }
    // Changes of `account` not yet acknowledged by its targets (instrumentation).
    uint64_t pending(const std::string& account) const;

    struct Entry {
        GeoChange change;
        uint64_t seq = 0;  // when the key first became pending: ship order
    };
    struct Held {
        GeoChange change;
        bool local = false;  // logged here (this stamp's versions) rather than applied
    };
    struct Durable {
        std::map<int, std::map<BlobKey, Entry>> pending;  // by target stamp
        std::vector<GeoChange> unrouted;                  // logged before the roles were known
        std::map<BlobKey, Held> inventory;
        std::map<std::pair<int, BlobKey>, uint64_t> applied;  // (source, key) -> version
        std::map<int, uint64_t> last_batch_done;              // source -> batch
        std::map<std::pair<std::string, int>, uint64_t> copy_mark;  // (account, target) -> seq
        std::map<int, uint64_t> next_batch;                         // target -> batch
        uint64_t next_seq = 1;
    };

    // What survives a crash (tests compare the stamps' inventories).
    const Durable& durable() const { return durable_; }

private:
    struct Logging {
        GeoChange change;
        sim::Address front_end;
        uint64_t tag = 0;
    };
    struct InFlight {
        uint64_t batch = 0;
        std::vector<GeoChange> changes;
        sim::Time sent;
    };
    struct Applying {
        int source = -1;
        uint64_t batch = 0;
        std::deque<GeoChange> queue;
        size_t outstanding = 0;
    };
    struct Apply {
        int source = -1;
        GeoChange change;
        sim::Time deadline;
    };

    const GeoRole* role(const std::string& account) const;
    bool ships_to(const std::string& account, int target) const;
    void handle_log(const GeoLog& m, sim::Address from);
    void start_log_write();
    void route(const GeoChange& c);
    void ship_all();
    void ship(int target);
    void handle_ack(const GeoBatchAck& a);
    void handle_roles(const GeoRoles& r);
    void handle_copy(const GeoCopy& c);
    void handle_batch(const GeoBatch& b);
    void pump_applies();
    void apply_done(uint64_t request, bool ok);
    void finish_batch();
    void reply_backlog(const GeoBacklogQuery& q, sim::Address to);

    const GeoReplicatorOptions& options_;
    Durable& durable_;
    GeoReplicatorStats stats_;
    uint64_t roles_version_ = 0;
    std::map<std::string, GeoRole> roles_;
    std::vector<Logging> log_buffer_;
    std::vector<Logging> log_writing_;
    std::map<int, InFlight> in_flight_;  // by target
    std::optional<Applying> applying_;
    std::deque<sim::Owned<GeoBatch>> deferred_batches_;  // waiting for newer roles
    std::vector<GeoCopy> deferred_copies_;
    std::map<uint64_t, Apply> applies_;  // request id -> apply
    uint64_t next_request_ = 1;
    size_t next_front_end_ = 0;
};

std::unique_ptr<sim::Actor> make_geo_replicator(sim::Context& ctx, const GeoReplicatorOptions& options);

}  // namespace models::location
