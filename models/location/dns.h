// models/location/dns.h: the DNS that clients resolve account names with.
//
// The location service owns the records (account -> the stamp serving it and that
// stamp's front-end addresses, the paper's VIP); it pushes every change to the DNS
// server. Clients resolve through a DnsResolver, which caches each answer for the
// record's TTL, so after a move a client may keep sending to the old stamp until its
// entry expires (or it invalidates the entry on an error), as real clients do.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/ports.h"
#include "sim/actor.h"

namespace models::location {

constexpr sim::Port kDnsPort = models::ports::kLocationFirst;
constexpr sim::Port kLocationServicePort = models::ports::kLocationFirst + 1;

struct DnsRecord {
    std::string account;
    int stamp = -1;
    std::vector<sim::Address> front_ends;
    uint64_t version = 0;  // grows with every change of the account's record
};

struct DnsUpdate : sim::MessageOf<DnsUpdate> {
    static constexpr std::string_view kName = "dns.update";
    DnsRecord record;
};

struct DnsQuery : sim::MessageOf<DnsQuery> {
    static constexpr std::string_view kName = "dns.query";
    std::string account;
    uint64_t query_id = 0;
};

struct DnsAnswer : sim::MessageOf<DnsAnswer> {
    static constexpr std::string_view kName = "dns.answer";
    uint64_t query_id = 0;
    bool found = false;
    DnsRecord record;
    sim::Duration ttl;
};

// The authoritative server. Its records are volatile: after a restart it asks the
// location service for them again (RecordsRequest), as a secondary would.
class DnsServer final : public sim::Actor {
public:
    DnsServer(sim::Context& ctx, sim::Duration ttl, sim::Address location_service);
    void on_start() override;
    void on_message(sim::MessagePtr m) override;
    size_t records() const { return records_.size(); }

private:
    sim::Duration ttl_;
    sim::Address location_service_;
    std::map<std::string, DnsRecord> records_;
};

// Client-side resolution with a TTL cache. Used inside any actor: forward messages with
// handle_message() and timers with handle_timer(); resolve() answers from the cache or
// asks the server (retrying every `retry` until answered).
class DnsResolver {
public:
    using Callback = std::function<void(const DnsRecord* record)>;  // null: no such account
    static constexpr uint64_t kTimerTagSpace = uint64_t{1} << 61;

    DnsResolver(sim::Context& ctx, sim::Address server, sim::Duration retry = sim::Duration::millis(500));
    void resolve(const std::string& account, Callback callback);
    // Drops the cached answer (the client saw an error that suggests a stale record).
    void invalidate(const std::string& account);
    bool handle_message(sim::MessagePtr& m);
    bool handle_timer(uint64_t tag);
    uint64_t queries_sent() const { return queries_sent_; }
    uint64_t cache_hits() const { return cache_hits_; }

private:
    struct Entry {
        DnsRecord record;
        bool found = false;
        sim::Time expires;
    };
    struct Pending {
        std::string account;
        std::vector<Callback> callbacks;
    };
    void send_query(uint64_t id);

    sim::Context& ctx_;
    sim::Address server_;
    sim::Duration retry_;
    std::map<std::string, Entry> cache_;
    std::map<uint64_t, Pending> pending_;
    std::map<std::string, uint64_t> pending_by_account_;
    uint64_t next_id_ = 1;
    uint64_t queries_sent_ = 0;
    uint64_t cache_hits_ = 0;
};

}  // namespace models::location
