// models/partition/partition_server.h: the partition server actor.
//
// A partition server serves the range partitions the partition manager assigns to it
// (Assignment messages, see control_messages.h). Per assigned range it:
//  1. acquires the range's lease ("partition/range/<id>") through its LeaseHolder; one
//     lease per range, so a move or a failover hands over exactly one range at a time and
//     the fencing token is per range (unique and increasing across owners, as RangeStore
//     requires);
//  2. retires the leases of the range's lineage (every ancestor it was split or merged
//     from, RangeMeta::ancestors): a retire waits until the ancestor's lease is free or
//     expired, and a retired lease is never granted again, so a stale server still
//     holding a parent can serve it only until this range loads, and never after;
//  3. loads the range with a RangeStore under that token (recovery = replay of the
//     metadata streams, checkpoints and commit logs), answering kUnavailable meanwhile;
//  4. serves BlobRequests for its keys: put/delete go through the commit log (the record
//     carries the fencing token) before the reply, and are acknowledged only if the lease
//     still holds when the append completes (else kUnavailable: the outcome is unknown,
//     as a new owner may have loaded the range without it); get/head/list read the index.
//     A get of a large blob (bytes in a blob data stream) also names where its bytes are
//     (BlobRead: the block, its extent's replicas from this server's stream client, the
//     range's blob data streams): the front-end reads them from the extent nodes.
// Every request first checks holds(lease): when it turns false the range is dropped at
// once (in-flight writes are answered kUnavailable: their outcome is unknown) and the
// lease is asked for again while the map still assigns the range here. Planted bug
// serve_without_lease skips that check.
// Keys of ranges it does not serve get kNotMine with its map version (planted bug
// stale_partition_map: a range it dropped keeps answering from its old store).
// Throttling: with more than max_pending writes in flight everything is kBusy; above half
// of it, requests of the account with the most writes in flight are kBusy first.
// Every `heartbeat` it reports its load (per range ops/s, throttled/s, bytes, a split key;
// pending) to every partition manager replica; the leader answers with the assignment.
// Volatile state only: after a crash the ranges are loaded again from the stream layer.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/partition/config.h"
#include "models/partition/control_messages.h"
#include "models/partition/lease.h"
#include "models/partition/messages.h"
#include "models/partition/observer.h"
#include "models/partition/range_store.h"
#include "models/stream/stream_client.h"
#include "sim/actor.h"

namespace models::partition {

struct PartitionServerOptions {
    PartitionConfig config;
    ServerId id;
    stream::StreamClientOptions stream;
    PayloadStore* payloads = nullptr;        // REQUIRES: non-null, outlives the run
    std::vector<sim::Address> managers;      // partition manager replicas
    LeaseFactory leases;                     // REQUIRES: set
    PartitionObserver* observer = nullptr;   // invariant checks (tests); null in production
    int64_t block_size_bytes = int64_t{4} << 20;
    // Retry of a refused lease acquire or a failed load.
    sim::Duration retry = sim::Duration::millis(500);
};

// Counters since the actor (re)started (instrumentation for tests and reports).
struct PartitionServerStats {
    uint64_t requests = 0;
    uint64_t not_mine = 0;
    uint64_t unavailable = 0;
    uint64_t busy = 0;
    uint64_t leases_lost = 0;
    uint64_t loads = 0;
    uint64_t unloads = 0;
    uint64_t offloads = 0;  // ranges handed over after a checkpoint
    uint64_t served_dropped = 0;  // requests a dropped range answered (stale_partition_map)
};

class PartitionServer final : public sim::Actor {
public:
    PartitionServer(sim::Context& ctx, const PartitionServerOptions& options);
    ~PartitionServer() override;

    void on_start() override;
    void on_message(sim::MessagePtr msg) override;
    void on_timer(uint64_t tag) override;

    ServerId id() const { return options_.id; }
    uint64_t map_version() const { return map_version_; }
    // True if the range is loaded and leased here now.
    bool serving(RangeId range) const;
    std::vector<RangeId> ranges_serving() const;
    // The store of a loaded range, or null (tests).
    const RangeStore* store(RangeId range) const;
    // "absent", "acquiring", "fencing", "loading" or "ready" (diagnostics of a failing run).
    std::string_view slot_state(RangeId range) const;
    const PartitionServerStats& stats() const { return stats_; }
    int pending() const { return pending_total_; }

private:
    enum class SlotState : uint8_t { kAcquiring, kFencing, kLoading, kReady };
    struct InFlight {
        sim::Address client;
        uint64_t request_id = 0;
        std::string account;
    };
    struct Slot {
        RangeAssignment assignment;
        std::string lock;
        SlotState state = SlotState::kAcquiring;
        bool acquire_outstanding = false;
        bool retry_armed = false;
        uint64_t gen = 0;  // bumped on every (re)start of the slot; stale callbacks check it
        uint64_t token = 0;
        int fences_waiting = 0;  // ancestor retires not yet answered
        bool fence_refused = false;
        bool fence_timer_armed = false;
        uint64_t fence_round = 0;  // callbacks of an older round are ignored
        std::unique_ptr<RangeStore> store;
        std::map<uint64_t, InFlight> inflight;  // by server-local write id
        // Load since the last heartbeat.
        uint64_t ops = 0;
        uint64_t throttled = 0;
        std::deque<std::string> recent_keys;  // sample for the split key
        // Moved or split away: a last checkpoint is being written before the lease is
        // handed over; reads are still served, updates are not.
        bool offloading = false;
    };

    void handle_request(sim::Owned<BlobRequest> m, sim::Address from);
    void handle_assignment(const Assignment& a);
    void reply(sim::Address to, uint64_t request_id, BlobStatus status, IndexEntry entry = {});
    // Answers a get or head from the index row `e` of a range with lineage `meta`.
    void answer_lookup(sim::Address to, const BlobRequest& m, const std::optional<IndexEntry>& e, const RangeMeta& meta);
    Slot* slot_for_key(std::string_view key);
    bool lease_valid(Slot& s);
    void start_slot(Slot& s);
    void acquire(RangeId range);
    void on_granted(RangeId range, uint64_t gen, bool granted, uint64_t token);
    // Retires the ancestors' leases (all at once), then loads; retried while one is held.
    void fence(RangeId range, uint64_t gen);
    void load(RangeId range, uint64_t gen);
    void on_loaded(RangeId range, uint64_t gen, bool ok);
    // Stops serving: closes the store, answers in-flight writes kUnavailable.
    void stop_slot(Slot& s);
    void drop_slot(RangeId range);
    // Hands a range over gracefully: checkpoint, then drop (bounded by kOffloadLimit).
    void start_offload(RangeId range);
    void finish_offload(RangeId range, uint64_t gen);
    void arm_retry(Slot& s);
    void write(Slot& s, const BlobRequest& m, sim::Address from);
    // Planted bug stale_partition_map (partition_server_stale.cpp): a dropped range's
    // loaded store is kept (keep_dropped, before stop_slot) and answers requests for its
    // keys (serve_dropped: no lease, no map check; false if no dropped range holds the
    // key); close_dropped closes them all (the destructor).
    void keep_dropped(Slot& s);
    bool serve_dropped(const BlobRequest& m, const std::string& key, sim::Address from);
    void close_dropped();
    void list(Slot& s, const BlobRequest& m, sim::Address from);
    bool throttle(std::string_view account);
    void heartbeat();

    PartitionServerOptions options_;
    stream::StreamClient client_;
    std::unique_ptr<LeaseHolder> leases_;
    RangeStoreOptions store_options_;
    std::map<RangeId, Slot> slots_;
    std::vector<std::unique_ptr<RangeStore>> closed_stores_;  // closed, destroyed at the next event
    // Planted bug stale_partition_map: stores of ranges dropped here, kept open and served.
    struct Dropped {
        KeyRange keys;
        RangeMeta meta;
        std::unique_ptr<RangeStore> store;
    };
    std::map<RangeId, Dropped> dropped_;
    uint64_t map_version_ = 0;
    uint64_t next_write_ = 1;
    uint64_t next_gen_ = 1;
    int pending_total_ = 0;
    std::map<std::string, int, std::less<>> pending_by_account_;
    sim::Time last_heartbeat_;
    PartitionServerStats stats_;
};

// Registered at kPartitionServerPort by deploy_partition_layer (or tests).
std::unique_ptr<sim::Actor> make_partition_server(sim::Context& ctx, const PartitionServerOptions& options);

}  // namespace models::partition
