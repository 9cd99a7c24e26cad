// models/frontend/front_end.h: the stateless front-end of a stamp, and its client API.
//
// Clients send ClientRequests (the public blob API: put, get, head, delete, list) to any
// front-end of the stamp their account resolves to. The front-end:
//  1. checks that the account is served by this stamp (its account table, pushed by the
//     location service; kWrongStamp tells a client with a stale DNS answer to re-resolve);
//  2. authenticates the request: HMAC-SHA256 over its canonical form with the account's
//     key, within a clock-skew window (auth.h); a missing, wrong, foreign or replayed
//     signature is kAuthFailed (403) and never reaches the partition layer;
//  3. routes by its cached partition map (fetched from the partition managers, refreshed
//     when older than map_cache_ttl or when a partition server answers kNotMine), retries
//     kUnavailable and lost attempts with backoff until request_timeout, and passes
//     kBusy (the server throttled) back to the client, which backs off;
//  4. pages a list across range partitions until it has max_results keys;
//  4a. streams large reads from the extent nodes: a get of a blob whose bytes are in a
//     blob data stream is answered by the partition server with the index entry and where
//     the bytes are (BlobRead); the front-end reads that block with its own stream client
//     (one replica, failover to the others, one stream-manager refresh of a stale replica
//     set) and answers with the fingerprint of the block it read, so a lost or corrupted
//     extent shows in the client's read. If no replica serves it the client gets
//     kUnavailable and retries. Small blobs and heads come from the index alone;
//  5. for a geo-replicated account (the account table's `replicated`), logs each write
//     the partition layer acknowledged with the stamp's geo replicator
//     (models/location/geo_replicator.h) and answers the client only once it is logged;
//     for a frozen account (a clean failover or migration is draining it) parks new
//     writes until the account is released here or moved away (then kWrongStamp);
//     applies the replication requests of its own stamp's geo replicator (trusted: no
//     signature, for accounts this stamp does not serve).
// A write whose attempt timed out or failed may have been applied; if it then ends in
// anything but kOk/kNotFound the client is told kUnavailable (outcome unknown), never
// kBusy (which promises "not applied").
// Volatile state only (map cache, account table, requests in flight, the stream client's
// suspect replicas): a restarted
// front-end fetches both again. Planted bugs: accept_bad_signature (auth failures are
// logged but the request proceeds), stale_partition_map (never refreshes its map on
// kNotMine, only on TTL).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "models/frontend/auth.h"
#include "models/partition/messages.h"
#include "models/ports.h"
#include "models/stream/stream_client.h"
#include "sim/actor.h"

namespace models::frontend {

constexpr sim::Port kFrontEndPort = models::ports::kFrontEndFirst;

enum class ClientStatus : uint8_t {
    kOk,
    kNotFound,
    kBusy,         // 503 server busy: not applied, back off and retry
    kUnavailable,  // 500/503: the outcome of a write is unknown
    kTimeout,      // the front-end gave up within request_timeout (outcome unknown)
    kAuthFailed,   // 403
    kWrongStamp,   // the account is not served here (stale DNS): re-resolve
};
std::string_view client_status_name(ClientStatus s);

struct ClientRequest : sim::MessageOf<ClientRequest> {
    static constexpr std::string_view kName = "frontend.request";
    uint64_t request_id = 0;
    partition::BlobOp op = partition::BlobOp::kGet;
    std::string account;
    std::string container;
    std::string blob;  // list: the prefix
    int64_t size_bytes = 0;
    uint64_t fingerprint = 0;
    // The operation's id, the same for every attempt of one client operation (0: none):
    // the partition layer applies an update once however often it is retried.
    uint64_t op_id = 0;
    sim::Time client_time;  // the client's clock when it signed
    std::optional<Signature> signature;
    uint32_t max_results = 1000;  // list
    // How long the client waits for this attempt (zero: no limit of its own). The
    // front-end gives up before it (deadline propagation): once the client has moved on to
    // another attempt, this one must not go on retrying and apply its write late, over a
    // newer one.
    sim::Duration timeout;
    // A geo replicator applying a change shipped from the account's primary stamp. Only
    // accepted from the stamp's own replicator (FrontEndOptions::geo_replicator).
    bool replication = false;
};

struct ClientReply : sim::MessageOf<ClientReply> {
    static constexpr std::string_view kName = "frontend.reply";
    uint64_t request_id = 0;
    ClientStatus status = ClientStatus::kOk;
    AuthResult auth = AuthResult::kOk;
    partition::IndexEntry entry;      // put/get/head/delete
    std::vector<std::string> listed;  // list: blob names in key order
};

// A load balancer's health probe (clients model the stamp VIP's load balancer: a
// front-end that stops answering probes is taken out of rotation until it answers again).
struct HealthProbe : sim::MessageOf<HealthProbe> {
    static constexpr std::string_view kName = "frontend.health_probe";
    uint64_t probe = 0;
};
struct HealthReply : sim::MessageOf<HealthReply> {
    static constexpr std::string_view kName = "frontend.health_reply";
    uint64_t probe = 0;
    // The front-end is being drained (an operator is about to take it down): up, and it
    // still answers what it is sent, but the balancer takes it out of rotation now.
    bool draining = false;
};

// The operator's notice before (draining = true) and after (false) it takes this
// front-end's upgrade domain down: it reports draining to the balancer's probes, so
// clients stop choosing it while it finishes the requests it holds.
struct DrainFrontEnd : sim::MessageOf<DrainFrontEnd> {
    static constexpr std::string_view kName = "frontend.drain";
    bool draining = false;
};

// The location service tells a stamp's front-ends which accounts it serves.
struct AccountTable : sim::MessageOf<AccountTable> {
    static constexpr std::string_view kName = "frontend.account_table";
    uint64_t version = 0;
    std::vector<std::string> accounts;
    // Of those: accounts whose writes are parked (draining for a clean switch) and
    // accounts whose writes are logged with the geo replicator before the client's answer.
    std::vector<std::string> frozen;
    std::vector<std::string> replicated;
};
struct AccountTableRequest : sim::MessageOf<AccountTableRequest> {
    static constexpr std::string_view kName = "frontend.account_table_request";
    int stamp = -1;
};

// Counters of a stamp's front-ends for reports, owned by the deployment and written
// through a pointer (instrumentation, not protocol state: they survive restarts).
struct FrontEndMetrics {
    uint64_t direct_reads = 0;          // large gets answered with bytes read from extent nodes
    uint64_t direct_read_bytes = 0;     // bytes those reads brought from the extent nodes
    uint64_t direct_read_failures = 0;  // no replica served the block: the client got kUnavailable
};

struct FrontEndOptions {
    int stamp = 0;
    std::vector<sim::Address> managers;  // partition manager replicas of the stamp
    // Every account's key (the account metadata a front-end looks up). REQUIRES: non-null,
    // outlives the run.
    const std::map<std::string, Key>* keys = nullptr;
    std::vector<std::string> initial_accounts;  // served here before the table arrives
    sim::Address location_service;              // asked for the table after a restart
    sim::Address geo_replicator;                // this stamp's; node invalid when geo is off
    sim::Duration map_cache_ttl = sim::Duration::seconds(60);
    sim::Duration request_timeout = sim::Duration::seconds(30);
    sim::Duration attempt_timeout = sim::Duration::seconds(2);
    sim::Duration retry_backoff = sim::Duration::millis(20);
    sim::Duration skew_window = sim::Duration::minutes(15);
    // The stamp's stream layer, for large reads. REQUIRES: stream managers set.
    stream::StreamClientOptions stream;
    FrontEndMetrics* metrics = nullptr;  // may be null
    // Planted bugs.
    bool accept_bad_signature = false;
    bool stale_partition_map = false;
};

struct FrontEndStats {
    uint64_t requests = 0;
    uint64_t auth_rejected = 0;
    uint64_t auth_accepted_bad = 0;  // planted bug accept_bad_signature
    uint64_t map_fetches = 0;
    uint64_t not_mine = 0;
    uint64_t retries = 0;
    uint64_t timeouts = 0;
    uint64_t busy = 0;
    uint64_t wrong_stamp = 0;
    uint64_t geo_logged = 0;
    uint64_t parked = 0;
    uint64_t replication_applies = 0;
    uint64_t direct_reads = 0;
    uint64_t direct_read_bytes = 0;
    uint64_t direct_read_failures = 0;
    // Reads whose block's fingerprint differs from the index entry's (the block is what the
    // client is told: a wrong block shows there).
    uint64_t direct_read_mismatches = 0;
};

class FrontEnd final : public sim::Actor {
public:
    FrontEnd(sim::Context& ctx, const FrontEndOptions& options);
    void on_start() override;
    void on_message(sim::MessagePtr m) override;
    void on_timer(uint64_t tag) override;
    const FrontEndStats& stats() const { return stats_; }
    uint64_t map_version() const { return map_version_; }
    size_t in_flight() const { return active_.size(); }
    bool draining() const { return draining_; }

private:
    struct Active {
        sim::Owned<ClientRequest> req;
        sim::Address client;
        sim::Time deadline;
        int attempts = 0;
        uint64_t attempt_seq = 0;
        uint64_t partition_request = 0;  // the BlobRequest id of the current attempt
        bool maybe_applied = false;      // an earlier attempt of a write may have applied
        bool waiting_for_map = false;
        bool parked = false;   // a write of a frozen account, not sent yet
        bool logging = false;  // applied; waiting for the geo replicator's log
        bool reading = false;  // a get reading the blob's block from the extent nodes
        partition::IndexEntry entry;  // the partition layer's answer while logging or reading
        // list paging
        std::string marker;
        bool marker_inclusive = false;
        std::vector<std::string> listed;
    };

    void handle_request(sim::Owned<ClientRequest> m, sim::Address from);
    void handle_map(const partition::MapReply& r);
    void handle_reply(const partition::BlobReply& r);
    // Reads a large blob's block from the extent nodes, then answers the client.
    void read_direct(uint64_t id, const partition::BlobReply& r);
    void on_direct_read(uint64_t id, uint64_t attempt_seq, int64_t expected_bytes, stream::Status s,
                        const std::vector<stream::Block>& blocks);
    void fetch_map();
    bool map_stale() const;
    void send_attempt(uint64_t id);
    void retry_later(uint64_t id, bool refresh_map);
    void finish(uint64_t id, ClientStatus status, const partition::IndexEntry& entry = {});
    void reply_now(sim::Address to, uint64_t request_id, ClientStatus status, AuthResult auth);
    void handle_table(const AccountTable& t);
    void handle_log_ack(uint64_t id, bool logged);
    void handle_freeze_query(const std::string& account, sim::Address from);

    const FrontEndOptions& options_;
    FrontEndStats stats_;
    stream::StreamClient stream_;
    std::set<std::string, std::less<>> accounts_;
    std::set<std::string, std::less<>> frozen_;
    std::set<std::string, std::less<>> replicated_;
    uint64_t table_version_ = 0;
    bool draining_ = false;  // DrainFrontEnd; volatile (a restarted front-end is in rotation)
    // The cached partition map.
    uint64_t map_version_ = 0;
    sim::Time map_fetched_;
    std::vector<partition::RangeInfo> ranges_;
    std::vector<sim::Address> servers_;
    bool fetching_ = false;
    bool map_suspect_ = false;  // a server said kNotMine since the last fetch
    sim::Time fetch_started_;
    std::vector<uint64_t> waiting_for_map_;  // active ids waiting for a map
    std::map<uint64_t, Active> active_;
    std::map<uint64_t, uint64_t> by_partition_request_;  // BlobRequest id -> active id
    uint64_t next_id_ = 1;
    uint64_t next_partition_request_ = 1;
};

std::unique_ptr<sim::Actor> make_front_end(sim::Context& ctx, const FrontEndOptions& options);

}  // namespace models::frontend
