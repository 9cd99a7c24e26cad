#include "models/lock/lock_service.h"

#include "models/consensus/deploy.h"
#include "models/ports.h"

namespace models::lock {

sim::Duration LockStateMachine::service_hold() const {
    return sim::Duration::from_seconds(config_.lease.to_seconds() * (1.0 + config_.max_clock_drift));
}

consensus::CommandPtr LockStateMachine::prepare(consensus::CommandPtr command, const consensus::PrepareContext& ctx) {
    const auto* c = dynamic_cast<const LockCommand*>(command.get());
    if (c == nullptr) return command;
    if (c->op == LockOp::kRetire) {
        // Allowed once the lock is free, expired or the retiring client's own.
        auto retire = std::make_shared<LockCommand>(*c);
        retire->op = LockOp::kRetireIf;
        const LockEntry* e = find(c->lock);
        retire->expected_version = e ? e->version : 0;
        if (e == nullptr || e->holder == 0 || e->holder == c->holder || e->holder == kRetiredHolder) {
            retire->allowed = true;
        } else {
            auto it = expiry_.find(c->lock);
            retire->allowed = it != expiry_.end() && ctx.local_now >= it->second;
        }
        return retire;
    }
    if (c->op != LockOp::kAcquire) return command;
    auto grant = std::make_shared<LockCommand>(*c);
    grant->op = LockOp::kGrantIf;
    const LockEntry* e = find(c->lock);
    if (e == nullptr || e->holder == 0) {
        grant->allowed = true;
        grant->expected_version = e ? e->version : 0;
    } else if (e->holder == c->holder) {
        // Re-acquire by the holder: a renew of what it holds.
        grant->op = LockOp::kRenew;
        grant->token = e->token;
    } else {
        auto it = expiry_.find(c->lock);
        grant->allowed = it != expiry_.end() && ctx.local_now >= it->second;
        grant->expected_version = e->version;
    }
    return grant;
}

consensus::ResultPtr LockStateMachine::apply(const consensus::Command& command, const consensus::ApplyContext& ctx) {
    const auto* c = dynamic_cast<const LockCommand*>(&command);
    SIM_ASSERT(c != nullptr, "lock state machine got " << command.name());
    auto r = std::make_shared<LockResult>();
    LockEntry& e = locks_[c->lock];
    switch (c->op) {
        case LockOp::kAcquire:
            // Only the leader's prepare() decides about expiry; an unprepared acquire
            // succeeds only on a free lock.
        case LockOp::kGrantIf: {
            const bool free = e.holder == 0 && (c->op == LockOp::kAcquire || e.version == c->expected_version);
            const bool expired = c->op == LockOp::kGrantIf && c->allowed && e.version == c->expected_version;
            if (free || expired) {
                e.holder = c->holder;
                e.token = ++last_token_;
                ++e.version;
                r->ok = true;
                r->token = e.token;
            }
            break;
        }
        case LockOp::kRenew:
            if (e.holder == c->holder && e.token == c->token) {
                ++e.version;
                r->ok = true;
                r->token = e.token;
            }
            break;
        case LockOp::kRelease:
            if (e.holder == c->holder && e.token == c->token) {
                e.holder = 0;
                ++e.version;
                r->ok = true;
            }
            break;
        case LockOp::kRetire:
            // Unprepared: only a free lock (or one already retired).
        case LockOp::kRetireIf: {
            const bool retired = e.holder == kRetiredHolder;
            const bool free = e.holder == 0 && (c->op == LockOp::kRetire || e.version == c->expected_version);
            const bool allowed = c->op == LockOp::kRetireIf && c->allowed && e.version == c->expected_version;
            if (retired) {
                r->ok = true;
            } else if (free || allowed) {
                e.holder = kRetiredHolder;
                e.token = ++last_token_;
                ++e.version;
                r->ok = true;
            }
            break;
        }
    }
    r->holder = e.holder;
    if (ctx.leader && r->ok) {
        if (c->op == LockOp::kRelease || e.holder == kRetiredHolder) {
            expiry_.erase(c->lock);
        } else {
            expiry_[c->lock] = ctx.local_now + service_hold();
        }
    }
    return r;
}

void LockStateMachine::on_role_change(bool leader, sim::Time local_now) {
    expiry_.clear();
    if (!leader) return;
    // A new leader does not know when its predecessor granted: every held lease counts as
    // granted now.
    for (const auto& [name, e] : locks_) {
        if (e.holder != 0 && e.holder != kRetiredHolder) expiry_[name] = local_now + service_hold();
    }
}

consensus::SnapshotPtr LockStateMachine::snapshot() const {
    auto s = std::make_shared<LockSnapshot>();
    s->locks = locks_;
    s->last_token = last_token_;
    return s;
}

void LockStateMachine::restore(const consensus::Snapshot& s) {
    const auto& l = dynamic_cast<const LockSnapshot&>(s);
    locks_ = l.locks;
    last_token_ = l.last_token;
    expiry_.clear();
}

const LockEntry* LockStateMachine::find(std::string_view lock) const {
    auto it = locks_.find(lock);
    return it == locks_.end() ? nullptr : &it->second;
}

consensus::ReplicaGroup deploy_lock_service(sim::Simulation& sim, const std::vector<sim::NodeId>& nodes,
                                            const LockServiceConfig& config, const consensus::RaftConfig& raft) {
    return consensus::deploy_group(sim, "lock", nodes, ports::kLockService, raft,
                                   [config] { return std::make_unique<LockStateMachine>(config); });
}

}  // namespace models::lock
