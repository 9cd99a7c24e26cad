// models/location/geo_observer.h: measurement of geo-replication lag, backlog, and of each
// failover's and migration's loss (RPO), for reports/.
//
// Instrumentation, like the operation history: the run owns one GeoObserver and hands a
// pointer to every geo replicator and to the location service, which report what happens
// in true simulated time. It never steers the protocol. Per write of a geo-replicated
// account:
//   logged   the primary's replicator has the change on its disk (the write is then
//            acknowledged to the client): it enters the backlog;
//   applied  the account's secondary applied it, or a newer version of the same key
//            (which replaces it): it leaves the backlog; lag = apply time - the primary's
//            commit time;
//   lost     an abrupt switch found it still in the backlog (or the old primary
//            acknowledged it after the switch): it leaves the backlog and counts in the
//            switch's RPO.
// The backlog is integrated over time as it changes (a piecewise-constant count), so the
// time-averaged backlog L is measured independently of the per-write lags W; Little's law
// L = lambda * W (reference §9 O9) then checks the accounting.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/location/geo_messages.h"
#include "sim/time.h"

namespace models::location {

// A failover or migration, as the location service ran it.
struct GeoSwitchRecord {
    std::string account;
    std::string kind;     // "failover" or "migrate"
    std::string mode;     // "clean" or "abrupt"
    std::string trigger;  // "scenario" or "stamp_down"
    int from = -1;
    int to = -1;
    sim::Time start;  // true time the operation began (or the outage was detected)
    sim::Time switched;  // true time the location service switched the account
    uint64_t rpo_writes = 0;   // acknowledged writes lost: the backlog at the switch
    uint64_t rpo_late = 0;     // of which the old primary acknowledged after the switch
    std::vector<BlobKey> rpo_blobs;  // the distinct blobs those writes were to, sorted
    sim::Duration drain;             // clean: freeze to switch
};

class GeoObserver {
public:
    // The account's current primary and the stamp whose applies count (its secondary);
    // the location service calls it at start and on every switch.
    void set_roles(const std::string& account, int primary, std::optional<int> secondary);
    void logged(int stamp, const GeoChange& change, sim::Time now);
    void applied(int stamp, const BlobKey& key, uint64_t version, sim::Time now);
    // An abrupt switch (or a clean one, where the backlog should be empty): everything
    // still in the account's backlog is lost. Returns the record (filled with the RPO).
    GeoSwitchRecord& switched(GeoSwitchRecord record);

    struct AccountFigures {
        uint64_t logged = 0;
        uint64_t applied = 0;
        uint64_t lost = 0;
        uint64_t backlog = 0;  // now
        double lag_sum_s = 0;  // over applied writes
        double residence_sum_s = 0;  // applied lag plus lost writes' time until lost
        double backlog_integral = 0;  // writes x seconds, from the epoch
        sim::Time last_change;
        std::vector<double> lags_s;  // every applied write's lag, in apply order
    };
    const std::map<std::string, AccountFigures>& accounts() const { return accounts_; }
    const std::vector<GeoSwitchRecord>& switches() const { return switches_; }
    // Time-averaged backlog over [epoch, now] (writes).
    double backlog_integral(const std::string& account, sim::Time now) const;
    void set_epoch(sim::Time epoch);
    sim::Time epoch() const { return epoch_; }
    // Consumed by a sampler: lags of writes applied since the last call, per account.
    std::vector<double> take_recent_lags(const std::string& account);

private:
    struct Pending {
        sim::Time commit;
        int stamp = -1;
    };
    struct Account {
        int primary = -1;
        std::optional<int> secondary;
        // key -> version -> the writes logged at that version (normally one)
        std::map<BlobKey, std::multimap<uint64_t, Pending>> pending;
    };
    void advance(AccountFigures& f, sim::Time now);

    std::map<std::string, Account> state_;
    std::map<std::string, AccountFigures> accounts_;
    std::map<std::string, std::vector<double>> recent_;
    std::vector<GeoSwitchRecord> switches_;
    sim::Time epoch_;
};

}  // namespace models::location
