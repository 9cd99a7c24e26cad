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
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/location/dns.h"

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

struct LocationConfig {
    std::vector<StampInfo> stamps;
    std::vector<AccountSpec> accounts;
    PlacementPolicy placement = PlacementPolicy::kLeastLoaded;
    sim::Address dns;
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
    void on_io(uint64_t tag, sim::IoStatus status) override;

    std::optional<int> stamp_of(const std::string& account) const;

private:
    struct Table {
        bool initialized = false;
        std::map<std::string, AccountEntry> accounts;
    };
    void publish(const std::string& account);
    // Tells the stamp's front-ends (or just `only`) which accounts they serve.
    void push_table(int stamp, std::optional<sim::Address> only = std::nullopt);
    DnsRecord record_of(const std::string& account) const;

    const LocationConfig& config_;
    Table& durable_;
    std::map<std::string, AccountEntry> accounts_;
    std::map<uint64_t, std::pair<std::string, AccountEntry>> pending_writes_;
    uint64_t next_io_ = 1;
};

}  // namespace models::location
