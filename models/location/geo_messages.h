// models/location/geo_messages.h: the wire API of inter-stamp (geo) replication, account
// migration and failover, shared by front-ends, geo replicators and the location service.
//
// Who talks to whom:
//  - a front-end, after the partition layer acknowledged a write of a geo-replicated
//    account, logs the change with its stamp's geo replicator (GeoLog) and answers the
//    client only when the replicator says the change is on its disk (GeoLogAck);
//  - a geo replicator ships batches of changes to the target stamps' replicators
//    (GeoBatch), which apply them through their own front-ends and acknowledge
//    (GeoBatchAck);
//  - the location service tells every replicator each account's primary and targets
//    (GeoRoles), starts a bulk copy for a migration (GeoCopy), asks how much of an
//    account is still to ship (GeoBacklogQuery), and asks front-ends whether a frozen
//    account's writes have drained (FreezeQuery).
// Data only: no behaviour here, so that models/frontend can include it without depending
// on the location service.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/ports.h"
#include "sim/message.h"
#include "sim/time.h"

namespace models::location {

constexpr sim::Port kGeoReplicatorPort = models::ports::kLocationFirst + 2;

// A blob's full name.
struct BlobKey {
    std::string account;
    std::string container;
    std::string blob;
    auto operator<=>(const BlobKey&) const = default;
};

// One committed write as shipped: the blob's new content (or its deletion) at the
// primary's per-key version, which strictly increases over the key's updates.
struct GeoChange {
    BlobKey key;
    bool deleted = false;
    uint64_t version = 0;  // the primary partition layer's per-key version
    uint64_t fingerprint = 0;
    int64_t size_bytes = 0;
    // True simulated time the primary's partition layer acknowledged the write
    // (instrumentation only: the lag measurement).
    sim::Time commit_true;
};

// Bytes a change takes on the wire and in the log: the blob's content plus a header.
inline int64_t geo_change_bytes(const GeoChange& c) {
    return 96 + static_cast<int64_t>(c.key.account.size() + c.key.container.size() + c.key.blob.size()) +
           (c.deleted ? 0 : c.size_bytes);
}

struct GeoLog : sim::MessageOf<GeoLog> {
    static constexpr std::string_view kName = "geo.log";
    uint64_t tag = 0;
    GeoChange change;
};

struct GeoLogAck : sim::MessageOf<GeoLogAck> {
    static constexpr std::string_view kName = "geo.log_ack";
    uint64_t tag = 0;
    // false: this stamp is no longer the account's primary; the change will not ship.
    bool logged = false;
};

struct GeoBatch : sim::MessageOf<GeoBatch> {
    static constexpr std::string_view kName = "geo.batch";
    int source_stamp = -1;
    uint64_t batch = 0;          // per (source, target), increasing
    uint64_t roles_version = 0;  // the source's roles when it shipped
    std::vector<GeoChange> changes;  // at most one per key, oldest first
};

struct GeoBatchAck : sim::MessageOf<GeoBatchAck> {
    static constexpr std::string_view kName = "geo.batch_ack";
    int target_stamp = -1;
    uint64_t batch = 0;
};

// Each account's primary stamp and the stamps that receive its changes (its secondary,
// plus a migration's target while the copy runs). Versioned: newer replaces older.
struct GeoRole {
    int primary = -1;
    std::vector<int> targets;
    bool operator==(const GeoRole&) const = default;
};

struct GeoRoles : sim::MessageOf<GeoRoles> {
    static constexpr std::string_view kName = "geo.roles";
    uint64_t version = 0;
    std::map<std::string, GeoRole> accounts;
};

struct GeoRolesRequest : sim::MessageOf<GeoRolesRequest> {
    static constexpr std::string_view kName = "geo.roles_request";
};

// Migration: ship every key of `account` this stamp holds to `target` (bulk copy).
struct GeoCopy : sim::MessageOf<GeoCopy> {
    static constexpr std::string_view kName = "geo.copy";
    std::string account;
    int target = -1;
    uint64_t roles_version = 0;  // the copy starts once the replicator has these roles
};

struct GeoBacklogQuery : sim::MessageOf<GeoBacklogQuery> {
    static constexpr std::string_view kName = "geo.backlog_query";
    std::string account;
    int target = -1;  // -1: every target
};

struct GeoBacklogReply : sim::MessageOf<GeoBacklogReply> {
    static constexpr std::string_view kName = "geo.backlog_reply";
    std::string account;
    int target = -1;
    int stamp = -1;
    uint64_t roles_version = 0;
    uint64_t pending = 0;       // changes (compacted per key) not yet acknowledged
    bool copy_started = false;  // a GeoCopy for (account, target) was taken
    bool copied = false;        // ... and every key it listed has been acknowledged
};

struct FreezeQuery : sim::MessageOf<FreezeQuery> {
    static constexpr std::string_view kName = "frontend.freeze_query";
    std::string account;
};

struct FreezeState : sim::MessageOf<FreezeState> {
    static constexpr std::string_view kName = "frontend.freeze_state";
    std::string account;
    bool frozen = false;             // the front-end parks new writes of the account
    uint64_t writes_in_flight = 0;   // writes of the account it has not answered yet
};

}  // namespace models::location
