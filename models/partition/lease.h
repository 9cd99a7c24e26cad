// models/partition/lease.h: the leases a partition server and the partition manager hold,
// behind a small interface.
//
// A partition server serves a range partition only while it holds that range's lease
// ("partition/range/<id>"), and every commit-log record it writes carries the lease's
// fencing token; the partition manager leader holds "partition-manager". The lock
// service's LockClient (models/lock) is the production implementation: it fits this
// interface method for method (acquire / release / holds / token, handle_message /
// handle_timer wiring). The interface exists so the partition layer does not include
// models/lock directly: holders get a LeaseHolder from a factory given at deployment.
// Contract an implementation must keep (the lock service's): at most one holder believes
// it holds a lock at any true time; a grant's token is larger than every token granted
// before for that lock; holds() is a local check that turns false by itself when the
// holder can no longer renew; a retired lock is never granted again.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "sim/actor.h"

namespace models::partition {

class LeaseHolder {
public:
    using GrantCallback = std::function<void(bool granted, uint64_t token)>;
    virtual ~LeaseHolder() = default;
    // Asks for the lease; the callback says whether it was granted (and the token).
    virtual void acquire(const std::string& lock, GrantCallback callback) = 0;
    // Stops believing at once, then tells the service.
    virtual void release(const std::string& lock) = 0;
    // Retires the lock for good: done(true) once it was free, expired, this holder's own
    // or already retired (from then on nobody can acquire it); done(false) while another
    // holder's lease runs. A range partition's lease is retired when a child of a split
    // or merge loads, so a stale holder of the parent can never serve the parent again.
    virtual void retire(const std::string& lock, std::function<void(bool)> done) = 0;
    // True while the lease is valid by this holder's own clock.
    virtual bool holds(const std::string& lock) = 0;
    // The fencing token of the held lease, 0 if none.
    virtual uint64_t token(const std::string& lock) const = 0;
    // Wiring inside the host actor (the host forwards first; true = consumed).
    virtual bool handle_message(sim::MessagePtr& msg) = 0;
    virtual bool handle_timer(uint64_t tag) = 0;
};

// Builds the lease holder of one actor incarnation (called from the actor's constructor;
// `instance` distinguishes holders on one node, as LockClient's instance does).
using LeaseFactory = std::function<std::unique_ptr<LeaseHolder>(sim::Context& ctx, int instance)>;

// Lock names.
inline std::string range_lock_name(uint64_t range_id) { return "partition/range/" + std::to_string(range_id); }
inline constexpr const char* kManagerLockName = "partition-manager";

}  // namespace models::partition
