#include "models/lock/lock_client.h"

#include <memory>

#include "models/consensus/safety.h"
#include "sim/simulation.h"

namespace models::lock {

LockClient::LockClient(sim::Context& ctx, consensus::ReplicaGroup lock_group, LockClientConfig config, int instance)
    : ctx_(ctx),
      config_(config),
      rsm_(ctx, std::move(lock_group), config.rsm, instance),
      tag_(kLockClientTagSpace | static_cast<uint64_t>(instance)) {
    SIM_ASSERT(holder_window() > sim::Duration::zero(), "lease " << config_.lease.to_string() << " too short for the margin");
}

sim::Duration LockClient::holder_window() const {
    return sim::Duration::from_seconds(config_.lease.to_seconds() * (1.0 - config_.max_clock_drift)) - config_.margin;
}

void LockClient::acquire(const std::string& lock, GrantCallback callback) {
    auto c = std::make_shared<LockCommand>();
    c->op = LockOp::kAcquire;
    c->lock = lock;
    c->holder = holder_id();
    const sim::Time sent = ctx_.now();
    rsm_.submit(std::move(c), [this, lock, sent, callback = std::move(callback)](consensus::Status s, consensus::ResultPtr r) {
        const auto* res = dynamic_cast<const LockResult*>(r.get());
        const bool ok = s == consensus::Status::kOk && res != nullptr && res->ok;
        if (ok) {
            held_[lock] = Held{res->token, sent + holder_window(), false};
            if (!holds(lock)) {
                // Granted so late (the request sat out a network partition) that the lease
                // already ran out here: the caller is told no, so nobody would ever give
                // it back; renewing it would lock every other holder out for good.
                release(lock);
                if (callback) callback(false, 0);
                return;
            }
            arm_renew_timer();
        }
        if (callback) callback(ok && holds(lock), ok ? res->token : 0);
    });
}

void LockClient::retire(const std::string& lock, DoneCallback callback) {
    auto c = std::make_shared<LockCommand>();
    c->op = LockOp::kRetire;
    c->lock = lock;
    c->holder = holder_id();
    rsm_.submit(std::move(c), [this, lock, callback = std::move(callback)](consensus::Status s, consensus::ResultPtr r) {
        const auto* res = dynamic_cast<const LockResult*>(r.get());
        const bool ok = s == consensus::Status::kOk && res != nullptr && res->ok;
        if (ok) held_.erase(lock);
        if (callback) callback(ok);
    });
}

void LockClient::renew(const std::string& lock, DoneCallback callback) {
    auto it = held_.find(lock);
    if (it == held_.end()) {
        if (callback) callback(false);
        return;
    }
    it->second.renewing = true;
    auto c = std::make_shared<LockCommand>();
    c->op = LockOp::kRenew;
    c->lock = lock;
    c->holder = holder_id();
    c->token = it->second.token;
    const uint64_t token = c->token;
    const sim::Time sent = ctx_.now();
    rsm_.submit(std::move(c), [this, lock, token, sent, callback = std::move(callback)](consensus::Status s, consensus::ResultPtr r) {
        auto h = held_.find(lock);
        if (h == held_.end() || h->second.token != token) {
            if (callback) callback(false);  // released meanwhile
            return;
        }
        h->second.renewing = false;
        const auto* res = dynamic_cast<const LockResult*>(r.get());
        if (s == consensus::Status::kOk && res != nullptr && res->ok) {
            h->second.valid_until = std::max(h->second.valid_until, sent + holder_window());
            if (callback) callback(holds(lock));
        } else {
            held_.erase(h);  // the service says it is no longer ours
            if (callback) callback(false);
        }
    });
}

void LockClient::release(const std::string& lock, DoneCallback callback) {
    auto it = held_.find(lock);
    if (it == held_.end()) {
        if (callback) callback(false);
        return;
    }
    const uint64_t token = it->second.token;
    held_.erase(it);
    if (config_.recorder) config_.recorder->on_lease_belief(lock, holder_id(), token, false, ctx_.true_now());
    auto c = std::make_shared<LockCommand>();
    c->op = LockOp::kRelease;
    c->lock = lock;
    c->holder = holder_id();
    c->token = token;
    rsm_.submit(std::move(c), [callback = std::move(callback)](consensus::Status s, consensus::ResultPtr r) {
        const auto* res = dynamic_cast<const LockResult*>(r.get());
        if (callback) callback(s == consensus::Status::kOk && res != nullptr && res->ok);
    });
}

bool LockClient::holds(const std::string& lock) {
    auto it = held_.find(lock);
    if (it == held_.end()) return false;
    const bool valid = config_.bugs.has(consensus::Bug::kIgnoreLeaseExpiry) || ctx_.now() < it->second.valid_until;
    if (config_.recorder) config_.recorder->on_lease_belief(lock, holder_id(), it->second.token, valid, ctx_.true_now());
    return valid;
}

uint64_t LockClient::token(const std::string& lock) const {
    auto it = held_.find(lock);
    return it == held_.end() ? 0 : it->second.token;
}

sim::Time LockClient::valid_until(const std::string& lock) const {
    auto it = held_.find(lock);
    return it == held_.end() ? sim::Time::zero() : it->second.valid_until;
}

void LockClient::arm_renew_timer() {
    if (!config_.auto_renew || renew_timer_armed_) return;
    const sim::Duration every = config_.renew_interval > sim::Duration::zero() ? config_.renew_interval : config_.lease / 3;
    ctx_.set_timer(every, tag_);
    renew_timer_armed_ = true;
}

bool LockClient::handle_timer(uint64_t tag) {
    if (rsm_.handle_timer(tag)) return true;
    if (tag != tag_) return false;
    renew_timer_armed_ = false;
    on_renew_timer();
    return true;
}

void LockClient::on_renew_timer() {
    std::vector<std::string> due;
    for (const auto& [name, h] : held_) {
        if (!h.renewing) due.push_back(name);
    }
    for (const auto& name : due) renew(name, {});
    if (!held_.empty()) arm_renew_timer();
}

}  // namespace models::lock
