#include "models/partition/partition_manager.h"

#include <algorithm>

#include "sim/check.h"
#include "sim/simulation.h"

namespace models::partition {

namespace {
constexpr uint64_t kTickTimer = 1;
}  // namespace

consensus::StateMachineFactory partition_manager_state_factory() {
    return []() -> std::unique_ptr<consensus::StateMachine> { return std::make_unique<PartitionManagerState>(); };
}

PartitionManager::PartitionManager(sim::Context& ctx, const PartitionManagerOptions& options, int self)
    : Actor(ctx), options_(options), core_(ctx, options.group, self, options.raft, partition_manager_state_factory()) {
    if (options_.server_timeout == sim::Duration::zero()) options_.server_timeout = options_.config.heartbeat * 3;
    if (options_.leases) leases_ = options_.leases(ctx, 0);
}

PartitionManager::~PartitionManager() = default;

const PartitionManagerState& PartitionManager::state() const {
    return static_cast<const PartitionManagerState&>(core_.state_machine());
}

bool PartitionManager::leading() {
    if (!core_.is_leader()) return false;
    return !leases_ || leases_->holds(kManagerLockName);
}

void PartitionManager::on_start() {
    core_.start();
    ctx().set_timer(options_.config.heartbeat, kTickTimer);
}

void PartitionManager::on_io(uint64_t tag, sim::IoStatus status) { core_.handle_io(tag, status); }

void PartitionManager::on_message(sim::MessagePtr msg) {
    if (core_.handle_message(msg)) return;
    if (leases_ && leases_->handle_message(msg)) return;
    if (msg->is<ServerHeartbeat>()) return handle_heartbeat(msg->as<ServerHeartbeat>());
    if (msg->is<MapRequest>()) return handle_map_request(msg->as<MapRequest>(), msg->src);
    if (msg->is<DrainNotice>()) {
        if (!leading()) return;
        const auto& n = msg->as<DrainNotice>();
        auto cmd = std::make_shared<DrainCmd>();
        cmd->servers = n.servers;
        return propose(cmd);
    }
}

void PartitionManager::on_timer(uint64_t tag) {
    if (consensus::RaftCore::owns_tag(tag)) {
        core_.handle_timer(tag);
        return;
    }
    if (leases_ && leases_->handle_timer(tag)) return;
    if (tag == kTickTimer) {
        tick();
        ctx().set_timer(options_.config.heartbeat, kTickTimer);
    }
}

void PartitionManager::propose(consensus::CommandPtr cmd) {
    ++proposals_;
    core_.propose(std::move(cmd), [this, epoch = lead_epoch_](consensus::Status, consensus::ResultPtr) {
        if (epoch == lead_epoch_) --proposals_;
        // Whatever changed, every server gets its (possibly new) assignment now.
        if (core_.is_leader()) push_assignments();
    });
}

std::vector<std::string> PartitionManager::boundaries() const {
    if (!options_.initial_boundaries.empty()) return options_.initial_boundaries;
    // Evenly over the first byte of account names ('a'..'z'), at most 26 ranges.
    std::vector<std::string> out;
    const int n = std::clamp(options_.config.initial_partitions, 1, 26);
    for (int i = 1; i < n; ++i) out.emplace_back(1, static_cast<char>('a' + (26 * i) / n));
    return out;
}

void PartitionManager::tick() {
    if (leases_ && core_.is_leader() && !acquiring_ && !leases_->holds(kManagerLockName)) {
        acquiring_ = true;
        leases_->acquire(kManagerLockName, [this](bool, uint64_t) { acquiring_ = false; });
    }
    if (leases_ && !core_.is_leader() && leases_->holds(kManagerLockName)) leases_->release(kManagerLockName);
    const bool lead = leading();
    if (lead && !was_leading_) {
        leading_since_ = ctx().now();
        last_balance_ = ctx().now();
        split_last_pass_.clear();
        proposals_ = 0;  // a former term's proposals no longer hold planning back
        ++lead_epoch_;
    }
    was_leading_ = lead;
    if (!lead || proposals_ > 0) return;
    // The state starts as one range covering everything (map version 1); pre-split once.
    const PartitionMap& map = state().map();
    if (map.size() == 1 && map.version() == 1 && !boundaries().empty()) {
        auto cmd = std::make_shared<InitMapCmd>();
        cmd->boundaries = boundaries();
        propose(cmd);
        return;
    }
    reassign();
    if (proposals_ == 0 && ctx().now() - last_balance_ >= options_.config.balance_interval) {
        last_balance_ = ctx().now();
        balance();
    }
}

bool PartitionManager::alive(ServerId s) const {
    auto it = health_.find(s);
    const sim::Time now = ctx().now();
    if (it == health_.end() || !it->second.heard) {
        // Never heard since this replica started: live until a timeout after leading began.
        return now - leading_since_ < options_.server_timeout;
    }
    return now - it->second.last_heard < options_.server_timeout;
}

BalanceInput PartitionManager::balance_input() {
    BalanceInput in;
    in.map = &state().map();
    in.split_last_pass = split_last_pass_;
    for (size_t i = 0; i < options_.servers.size(); ++i) {
        const ServerId s{static_cast<int32_t>(i)};
        // A draining server takes no ranges and gives its own away (by reassign(), each
        // tick), like a dead one, but hands them over gracefully: it is still up.
        if (!alive(s) || state().data().draining.count(s) != 0) {
            // A dead server's last report still tells how heavy its ranges are: the
            // reassignment spreads them by that load, not as if they were idle.
            auto it = health_.find(s);
            if (it == health_.end()) continue;
            for (const RangeReport& r : it->second.report.ranges) {
                const RangeInfo* info = state().map().find(r.range);
                if (info == nullptr || info->server != s || info->epoch != r.epoch) continue;
                in.ranges[r.range] = RangeLoad{r.ops_per_s, r.throttled_per_s, r.bytes, {}};
            }
            continue;
        }
        ServerLoad& load = in.live[s];
        auto it = health_.find(s);
        if (it == health_.end()) continue;
        const ServerHeartbeat& hb = it->second.report;
        load.ops_per_s = hb.ops_per_s;
        load.pending = hb.pending;
        load.throttled_per_s = hb.throttled_per_s;
        load.bytes = hb.bytes;
        for (const RangeReport& r : hb.ranges) {
            const RangeInfo* info = state().map().find(r.range);
            if (info == nullptr || info->server != s || info->epoch != r.epoch) continue;
            in.ranges[r.range] = RangeLoad{r.ops_per_s, r.throttled_per_s, r.bytes, r.split_keys};
        }
    }
    return in;
}

void PartitionManager::reassign() {
    BalanceInput in = balance_input();
    if (in.live.empty()) return;
    for (const auto& [range, server] : plan_reassign(in)) {
        auto cmd = std::make_shared<AssignCmd>();
        cmd->range = range;
        cmd->server = server;
        ++stats_.reassigned;
        propose(cmd);
    }
}

void PartitionManager::balance() {
    BalanceInput in = balance_input();
    if (in.live.empty()) return;
    ++stats_.balance_passes;
    split_last_pass_.clear();
    uint64_t next_id = state().map().next_range_id();
    for (const BalanceAction& a : plan_balance(in, options_.config)) {
        switch (a.kind) {
            case BalanceAction::Kind::kSplit: {
                auto cmd = std::make_shared<SplitCmd>();
                cmd->range = a.range;
                cmd->keys = a.keys;
                cmd->servers = a.servers;
                ++stats_.splits;
                // Pieces get consecutive ids (PartitionMap::split_many); the splits of one
                // pass are applied in the order proposed, so the ids follow each other.
                for (size_t i = 0; i <= a.keys.size(); ++i) split_last_pass_.insert(RangeId{next_id++});
                propose(cmd);
                break;
            }
            case BalanceAction::Kind::kMove: {
                auto cmd = std::make_shared<AssignCmd>();
                cmd->range = a.range;
                cmd->server = a.to;
                cmd->moved = true;
                ++stats_.moves;
                propose(cmd);
                break;
            }
            case BalanceAction::Kind::kMerge: {
                auto cmd = std::make_shared<MergeCmd>();
                cmd->left = a.range;
                cmd->right = a.other;
                ++stats_.merges;
                propose(cmd);
                break;
            }
        }
    }
}

void PartitionManager::handle_heartbeat(const ServerHeartbeat& hb) {
    if (!hb.server.valid() || static_cast<size_t>(hb.server.value) >= options_.servers.size()) return;
    ServerHealth& h = health_[hb.server];
    h.heard = true;
    h.last_heard = ctx().now();
    h.report = hb;
    if (leading() && state().data().initialized) send_assignment(hb.server);
}

void PartitionManager::send_assignment(ServerId server) {
    const PartitionMap& map = state().map();
    auto a = ctx().make<Assignment>();
    a->server = server;
    a->map_version = map.version();
    a->manager_term = core_.term();
    for (const RangeInfo& r : map.ranges_of(server)) {
        RangeAssignment ra;
        ra.range = r.id;
        ra.keys = r.range;
        ra.epoch = r.epoch;
        auto m = state().data().meta.find(r.id);
        if (m != state().data().meta.end()) ra.meta = m->second;
        a->ranges.push_back(std::move(ra));
    }
    a->size_bytes = 128 + 96 * static_cast<int64_t>(a->ranges.size());
    ctx().send(options_.servers[static_cast<size_t>(server.value)], std::move(a));
}

void PartitionManager::push_assignments() {
    if (!state().data().initialized) return;
    for (size_t i = 0; i < options_.servers.size(); ++i) send_assignment(ServerId{static_cast<int32_t>(i)});
}

void PartitionManager::handle_map_request(const MapRequest& m, sim::Address from) {
    auto r = ctx().make<MapReply>();
    r->request_id = m.request_id;
    r->leader = leading() && state().data().initialized;
    r->leader_hint = core_.leader_hint();
    if (r->leader) {
        r->version = state().map().version();
        if (m.known_version != r->version) {
            r->ranges = state().map().ranges();
            r->servers = options_.servers;
        }
        r->size_bytes = 128 + 96 * static_cast<int64_t>(r->ranges.size());
    }
    ctx().send(from, std::move(r));
}

}  // namespace models::partition
