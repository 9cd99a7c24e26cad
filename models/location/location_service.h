// models/location/location_service.h: accounts to stamps, and the DNS records for them.
//
// The location service knows every stamp (its front-end addresses) and every account.
// An account pinned in the scenario goes to its stamp; the others are placed by
// `least_loaded` (the stamp with the fewest accounts weighted by their expected load,
// ties by stamp order) or `round_robin`. Each placement becomes a DNS record, pushed to
// the DNS server. move_account() switches an account to another stamp (the last step of
// a migration or a failover: the record's version grows, clients with a cached record
// stay stale until their TTL runs out). The paper replicates the location service across
// two regions; here it is one actor whose table is durable on its node's disk, and
// recovery after a crash re-reads it.
//
// Geo-replication, migration and failover (when LocationConfig::geo is set): the service
// tells every stamp's geo replicator each account's primary and targets (GeoRoles), and
// runs each account move as a small state machine, one move per account at a time:
//   migrate to a stamp that is not the secondary: add it as a target, have the primary's
//       replicator copy every key (GeoCopy), wait until the copy is acknowledged, then
//       switch cleanly as below;
//   clean (failover or migration): freeze the account's writes at the primary's
//       front-ends (parked there), wait until no write of it is in flight at any live
//       front-end and the primary's replicator has nothing left to ship (backlog zero),
//       then switch: durable first, then the front-ends' account tables (the old stamp
//       answers kWrongStamp, parked writes included), then DNS;
//   abrupt: switch now; the backlog at that moment is lost (the RPO).
// It probes every stamp's front-ends (as a traffic manager would); a stamp none of whose
// front-ends answered for `failover_detection` is down, and every account whose primary it
// is and that has a secondary fails over abruptly to it. Moves are measured by the
// GeoObserver (RPO) and by the run (RTO, from the history).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "models/location/dns.h"
#include "models/location/geo_messages.h"
#include "models/location/geo_observer.h"

namespace models::location {

enum class PlacementPolicy { kLeastLoaded, kRoundRobin };

struct StampInfo {
    std::string name;
    std::vector<sim::Address> front_ends;
};

struct AccountSpec {
    std::string name;
    std::optional<int> stamp;      // pinned
    std::optional<int> secondary;  // geo-replication target
    double expected_load = 1;      // e.g. the workloads' request rate on it
};

enum class GeoOperationKind { kFailover, kMigrate };

// A failover or migration the scenario asks for, `at` after the load period starts.
struct GeoOperation {
    sim::Duration at;
    GeoOperationKind kind = GeoOperationKind::kFailover;
    std::string account;
    bool abrupt = false;  // failover only
    int to = -1;          // migrate only
};

struct LocationConfig {
    std::vector<StampInfo> stamps;
    std::vector<AccountSpec> accounts;
    PlacementPolicy placement = PlacementPolicy::kLeastLoaded;
    sim::Address dns;
    // Geo-replication (storage.location.geo_replication.enabled).
    bool geo = false;
    std::vector<sim::Address> replicators;  // by stamp index
    bool failover_on_stamp_down = true;
    sim::Duration failover_detection = sim::Duration::seconds(10);
    sim::Duration probe_interval = sim::Duration::seconds(1);
    std::vector<GeoOperation> operations;
    // The start of the load period (true time), set by the run when the stamps serve:
    // operations are relative to it and none runs before it is set.
    std::optional<sim::Time> epoch;
    GeoObserver* observer = nullptr;  // instrumentation; may be null
};

struct AccountEntry {
    int stamp = -1;
    std::optional<int> secondary;
    uint64_t version = 0;
};

// The placement itself, deterministic and testable on its own.
std::map<std::string, AccountEntry> place_accounts(const LocationConfig& config);

struct RecordsRequest : sim::MessageOf<RecordsRequest> {
    static constexpr std::string_view kName = "location.records_request";
};

struct MoveAccount : sim::MessageOf<MoveAccount> {
    static constexpr std::string_view kName = "location.move_account";
    std::string account;
    int to_stamp = -1;
};

class LocationService final : public sim::Actor {
public:
    LocationService(sim::Context& ctx, const LocationConfig& config);
    void on_start() override;
    void on_message(sim::MessagePtr m) override;
    void on_timer(uint64_t tag) override;
    void on_io(uint64_t tag, sim::IoStatus status) override;

    std::optional<int> stamp_of(const std::string& account) const;
    std::optional<int> secondary_of(const std::string& account) const;
    bool moving(const std::string& account) const { return moves_.contains(account); }

private:
    struct Table {
        bool initialized = false;
        std::map<std::string, AccountEntry> accounts;
        uint64_t roles_version = 0;
        uint64_t table_version = 0;
        size_t operations_started = 0;
    };
    // One account's move in progress.
    struct Move {
        enum class Phase { kCopy, kFreeze, kDrain, kSwitching };
        GeoSwitchRecord record;
        Phase phase = Phase::kFreeze;
        int copy_target = -1;  // migration to a stamp that is not the secondary
        std::map<sim::Address, bool> drained;  // front-end -> no write of the account in flight
        sim::Time freeze_start;
    };

    void publish(const std::string& account);
    // Tells the stamp's front-ends (or just `only`) which accounts they serve.
    void push_table(int stamp, std::optional<sim::Address> only = std::nullopt);
    DnsRecord record_of(const std::string& account) const;
    std::map<std::string, GeoRole> roles() const;
    void push_roles(std::optional<sim::Address> only = std::nullopt);
    void tick();
    void start_operation(const GeoOperation& op);
    void start_move(GeoSwitchRecord record, int copy_target);
    void advance(Move& mv);
    void switch_account(const std::string& account, AccountEntry next, std::optional<GeoSwitchRecord> record);
    void probe();
    void on_stamp_down(int stamp);
    bool front_end_alive(sim::Address fe) const;
    void handle_backlog(const GeoBacklogReply& r);
    void handle_freeze_state(const FreezeState& r, sim::Address from);

    const LocationConfig& config_;
    Table& durable_;
    std::map<std::string, AccountEntry> accounts_;
    struct PendingWrite {
        std::string account;
        AccountEntry entry;
        std::optional<GeoSwitchRecord> record;
    };
    std::map<uint64_t, PendingWrite> pending_writes_;
    uint64_t next_io_ = 1;
    std::map<std::string, Move> moves_;
    std::set<std::string> frozen_;
    std::map<sim::Address, sim::Time> front_end_ok_;  // last health answer
    std::vector<sim::Time> stamp_ok_;                 // last answer from any front-end
    std::vector<bool> stamp_down_;
    sim::Time last_probe_;
    sim::Time started_;
    uint64_t next_probe_ = 1;
};

}  // namespace models::location
