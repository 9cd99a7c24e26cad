#include "models/consensus/rsm_client.h"

#include <utility>

#include "sim/check.h"
#include "sim/simulation.h"

namespace models::consensus {

RsmClient::RsmClient(sim::Context& ctx, ReplicaGroup group, RsmClientConfig config, int instance)
    : ctx_(ctx), group_(std::move(group)), config_(config), tag_(kRsmClientTagSpace | static_cast<uint64_t>(instance)) {
    SIM_ASSERT(instance >= 0, "RsmClient instance " << instance);
    SIM_ASSERT(instance < 16, "RsmClient instance " << instance);
    SIM_ASSERT(!group_.members.empty(), "RsmClient for an empty group " << group_.name);
    // node (24 bits) | port (16) | instance (4) | incarnation (20): unique per actor life.
    client_id_ = (static_cast<uint64_t>(ctx.node().value & 0xffffff) << 40) | (static_cast<uint64_t>(ctx.self().port) << 24) |
                 (static_cast<uint64_t>(instance) << 20) | (ctx.incarnation() & 0xfffff);
    if (client_id_ == 0) client_id_ = 1ull << 63;  // 0 means "no session"
    // Spread first attempts over the members.
    target_ = static_cast<int>(ctx.rng().below(group_.members.size()));
}

void RsmClient::submit(CommandPtr command, Callback callback) {
    if (static_cast<int>(queue_.size()) > config_.max_queued) {
        callback(Status::kBusy, nullptr);
        return;
    }
    queue_.push_back(Pending{next_seq_++, std::move(command), std::move(callback), 0});
    if (queue_.size() == 1) send_current();
}

void RsmClient::send_current() {
    if (queue_.empty()) return;
    Pending& p = queue_.front();
    if (config_.max_attempts > 0 && p.attempts >= config_.max_attempts) {
        complete(Status::kTimeout, nullptr);
        return;
    }
    ++p.attempts;
    if (p.attempts > 1) ++retries_;
    if (leader_ >= 0) target_ = leader_;
    auto m = ctx_.make<ClientRequest>();
    m->client_id = client_id_;
    m->seq = p.seq;
    m->command = p.command;
    m->size_bytes = 64 + p.command->size_bytes();
    ctx_.send(group_.members[static_cast<size_t>(target_)], std::move(m));
    retry_later(config_.request_timeout);
}

void RsmClient::retry_later(sim::Duration delay) {
    if (timer_armed_) ctx_.cancel_timer(timer_);
    timer_ = ctx_.set_timer(delay, tag_);
    timer_armed_ = true;
}

bool RsmClient::handle_timer(uint64_t tag) {
    if (tag != tag_) return false;
    timer_armed_ = false;
    redirects_ = 0;
    if (queue_.empty()) return true;
    // No answer (or no leader known): try the next member.
    if (leader_ >= 0 && leader_ == target_) leader_ = -1;
    if (leader_ < 0) target_ = (target_ + 1) % static_cast<int>(group_.members.size());
    send_current();
    return true;
}

bool RsmClient::handle_message(sim::MessagePtr& msg) {
    if (!msg->is<ClientReply>()) return false;
    const ClientReply& r = msg->as<ClientReply>();
    if (r.client_id != client_id_) return false;
    if (queue_.empty() || r.seq != queue_.front().seq) return true;  // a late duplicate
    switch (r.status) {
        case Status::kOk:
            leader_ = target_;
            complete(Status::kOk, r.result);
            break;
        case Status::kNotLeader:
        case Status::kUnknown:
        case Status::kBusy:
            if (r.leader_hint >= 0 && r.leader_hint != target_ && redirects_ < static_cast<int>(group_.members.size())) {
                ++redirects_;
                leader_ = r.leader_hint;
                send_current();
            } else {
                leader_ = -1;
                target_ = (target_ + 1) % static_cast<int>(group_.members.size());
                retry_later(config_.no_leader_backoff);
            }
            break;
        case Status::kTimeout:
            break;
    }
    return true;
}

void RsmClient::complete(Status status, ResultPtr result) {
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    if (timer_armed_) {
        ctx_.cancel_timer(timer_);
        timer_armed_ = false;
    }
    redirects_ = 0;
    if (!queue_.empty()) send_current();
    p.callback(status, std::move(result));
}

}  // namespace models::consensus
