// models/lock/lock_client.h: holding leases from the lock service, inside any actor.
//
// LockClient wraps an RsmClient to the lock group. acquire/renew/release go through the
// replicated log; holds(lock) is a purely local check against the holder's own clock
// (see lock_service.h for why the bound is lease * (1 - max_drift) - margin from the
// time the granted request was first sent). With auto_renew the client renews every held
// lease every renew_interval, so a live, connected holder keeps it indefinitely; a holder
// cut off from the service stops believing when its local bound runs out, and then
// calls nothing: the next holds() simply answers false.
//
// Wiring: forward messages and timers as with RsmClient:
//   if (locks_.handle_message(m)) return;   if (locks_.handle_timer(tag)) return;
// Timer tags: bit 60 plus the instance (kLockClientTagSpace), and the RsmClient's.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "models/consensus/config.h"
#include "models/consensus/rsm_client.h"
#include "models/lock/lock_service.h"
#include "sim/actor.h"

namespace models::lock {

constexpr uint64_t kLockClientTagSpace = 1ull << 60;

struct LockClientConfig {
    sim::Duration lease = sim::Duration::seconds(10);
    double max_clock_drift = 0.05;
    sim::Duration margin = sim::Duration::millis(50);
    bool auto_renew = true;
    // Zero: lease / 3.
    sim::Duration renew_interval = sim::Duration::zero();
    consensus::RsmClientConfig rsm;
    // Planted bug kIgnoreLeaseExpiry: holds() ignores the local deadline.
    consensus::Bugs bugs;
    // Test-only: every holds() answer is reported (lease safety checker).
    consensus::SafetyRecorder* recorder = nullptr;

    static LockClientConfig from(const LockServiceConfig& s) {
        LockClientConfig c;
        c.lease = s.lease;
        c.max_clock_drift = s.max_clock_drift;
        c.margin = s.margin;
        return c;
    }
};

class LockClient {
public:
    using GrantCallback = std::function<void(bool granted, uint64_t token)>;
    using DoneCallback = std::function<void(bool ok)>;

    // REQUIRES: 0 <= instance < 16 (also the RsmClient's instance).
    LockClient(sim::Context& ctx, consensus::ReplicaGroup lock_group, LockClientConfig config, int instance = 0);

    void acquire(const std::string& lock, GrantCallback callback);
    void renew(const std::string& lock, DoneCallback callback);
    // Stops believing at once (before the service has heard), then tells the service.
    void release(const std::string& lock, DoneCallback callback = {});

    // Retires the lock for good (lock_service.h): ok once it was free, expired, this
    // client's own or already retired; false while another holder's lease runs.
    void retire(const std::string& lock, DoneCallback callback);

    // True while this holder's lease on `lock` is valid by its own clock.
    bool holds(const std::string& lock);
    // The fencing token of the held lease, 0 if none.
    uint64_t token(const std::string& lock) const;
    // The holder's local-clock deadline of the lease (Time::zero() if not held).
    sim::Time valid_until(const std::string& lock) const;
    uint64_t holder_id() const { return rsm_.client_id(); }

    bool handle_message(sim::MessagePtr& msg) { return rsm_.handle_message(msg); }
    bool handle_timer(uint64_t tag);

private:
    struct Held {
        uint64_t token = 0;
        sim::Time valid_until;  // local clock
        bool renewing = false;
    };
    sim::Duration holder_window() const;
    void arm_renew_timer();
    void on_renew_timer();

    sim::Context& ctx_;
    LockClientConfig config_;
    consensus::RsmClient rsm_;
    uint64_t tag_;
    std::map<std::string, Held, std::less<>> held_;
    bool renew_timer_armed_ = false;
};

}  // namespace models::lock
