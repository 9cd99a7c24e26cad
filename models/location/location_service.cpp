#include "models/location/location_service.h"

#include <algorithm>
#include <limits>

#include "models/frontend/front_end.h"
#include "sim/check.h"

namespace models::location {

std::map<std::string, AccountEntry> place_accounts(const LocationConfig& config) {
    SIM_ASSERT(!config.stamps.empty(), "location service without stamps");
    std::map<std::string, AccountEntry> out;
    std::vector<double> load(config.stamps.size(), 0);
    for (const auto& a : config.accounts) {
        if (!a.stamp) continue;
        out[a.name] = AccountEntry{*a.stamp, a.secondary, 1};
        load[static_cast<size_t>(*a.stamp)] += a.expected_load;
    }
    size_t next = 0;
    for (const auto& a : config.accounts) {
        if (a.stamp) continue;
        size_t chosen = 0;
        if (config.placement == PlacementPolicy::kRoundRobin) {
            chosen = next++ % config.stamps.size();
        } else {
            double best = std::numeric_limits<double>::max();
            for (size_t s = 0; s < load.size(); ++s) {
                if (load[s] < best) {
                    best = load[s];
                    chosen = s;
                }
            }
        }
        load[chosen] += a.expected_load;
        out[a.name] = AccountEntry{static_cast<int>(chosen), a.secondary, 1};
    }
    return out;
}

namespace {

constexpr uint64_t kTickTag = 1;
constexpr sim::Duration kTick = sim::Duration::millis(200);

}  // namespace

LocationService::LocationService(sim::Context& ctx, const LocationConfig& config)
    : Actor(ctx), config_(config), durable_(ctx.durable<Table>("location/accounts")) {}

void LocationService::on_start() {
    if (durable_.initialized) {
        accounts_ = durable_.accounts;
    } else {
        // The scenario's accounts are configuration: published at once, persisted behind.
        accounts_ = place_accounts(config_);
        pending_writes_[0] = PendingWrite{};
        ctx().disk_io(sim::IoKind::kWrite, static_cast<int64_t>(64 * accounts_.size() + 64), 0);
    }
    // A restart forgets moves in progress: their accounts are released (tables below).
    ++durable_.table_version;
    ++durable_.roles_version;
    for (const auto& [name, entry] : accounts_) publish(name);
    for (size_t s = 0; s < config_.stamps.size(); ++s) push_table(static_cast<int>(s));
    started_ = ctx().now();
    stamp_ok_.assign(config_.stamps.size(), started_);
    stamp_down_.assign(config_.stamps.size(), false);
    if (config_.geo) {
        push_roles();
        if (config_.observer != nullptr) {
            for (const auto& [name, entry] : accounts_) config_.observer->set_roles(name, entry.stamp, entry.secondary);
        }
        // Operations, health probes and moves advance on this tick; without geo-replication
        // none of them exists.
        ctx().set_timer(kTick, kTickTag);
    }
}

void LocationService::push_table(int stamp, std::optional<sim::Address> only) {
    std::vector<std::string> served, frozen, replicated;
    const auto r = roles();
    for (const auto& [name, entry] : accounts_) {
        if (entry.stamp != stamp) continue;
        served.push_back(name);
        if (frozen_.contains(name)) frozen.push_back(name);
        if (config_.geo && !r.at(name).targets.empty()) replicated.push_back(name);
    }
    const auto& fes = config_.stamps[static_cast<size_t>(stamp)].front_ends;
    for (const sim::Address& fe : fes) {
        if (only && !(*only == fe)) continue;
        auto t = ctx().make<frontend::AccountTable>();
        t->version = durable_.table_version;
        t->accounts = served;
        t->frozen = frozen;
        t->replicated = replicated;
        ctx().send(fe, std::move(t));
    }
}

std::map<std::string, GeoRole> LocationService::roles() const {
    std::map<std::string, GeoRole> out;
    for (const auto& [name, entry] : accounts_) {
        GeoRole& r = out[name];
        r.primary = entry.stamp;
        if (!config_.geo) continue;
        if (entry.secondary && *entry.secondary != entry.stamp) r.targets.push_back(*entry.secondary);
        auto mv = moves_.find(name);
        if (mv != moves_.end() && mv->second.copy_target >= 0 &&
            std::find(r.targets.begin(), r.targets.end(), mv->second.copy_target) == r.targets.end()) {
            r.targets.push_back(mv->second.copy_target);
        }
    }
    return out;
}

void LocationService::push_roles(std::optional<sim::Address> only) {
    if (!config_.geo) return;
    const auto r = roles();
    for (const sim::Address& rep : config_.replicators) {
        if (!rep.node.valid()) continue;
        if (only && !(*only == rep)) continue;
        auto m = ctx().make<GeoRoles>();
        m->version = durable_.roles_version;
        m->accounts = r;
        ctx().send(rep, std::move(m));
    }
}

std::optional<int> LocationService::stamp_of(const std::string& account) const {
    auto it = accounts_.find(account);
    if (it == accounts_.end()) return std::nullopt;
    return it->second.stamp;
}

std::optional<int> LocationService::secondary_of(const std::string& account) const {
    auto it = accounts_.find(account);
    if (it == accounts_.end()) return std::nullopt;
    return it->second.secondary;
}

DnsRecord LocationService::record_of(const std::string& account) const {
    const AccountEntry& e = accounts_.at(account);
    return DnsRecord{account, e.stamp, config_.stamps[static_cast<size_t>(e.stamp)].front_ends, e.version};
}

void LocationService::publish(const std::string& account) {
    auto u = ctx().make<DnsUpdate>();
    u->record = record_of(account);
    ctx().send(config_.dns, std::move(u));
}

void LocationService::on_message(sim::MessagePtr m) {
    if (m->is<RecordsRequest>()) {
        for (const auto& [name, entry] : accounts_) {
            auto u = ctx().make<DnsUpdate>();
            u->record = record_of(name);
            ctx().send(m->src, std::move(u));
        }
        return;
    }
    if (m->is<frontend::AccountTableRequest>()) {
        const int stamp = m->as<frontend::AccountTableRequest>().stamp;
        if (stamp >= 0 && static_cast<size_t>(stamp) < config_.stamps.size()) push_table(stamp, m->src);
        return;
    }
    if (m->is<GeoRolesRequest>()) return push_roles(m->src);
    if (m->is<GeoBacklogReply>()) return handle_backlog(m->as<GeoBacklogReply>());
    if (m->is<FreezeState>()) return handle_freeze_state(m->as<FreezeState>(), m->src);
    if (m->is<frontend::HealthReply>()) {
        const sim::Time now = ctx().now();
        front_end_ok_[m->src] = now;
        for (size_t s = 0; s < config_.stamps.size(); ++s) {
            const auto& fes = config_.stamps[s].front_ends;
            if (std::find(fes.begin(), fes.end(), m->src) == fes.end()) continue;
            stamp_ok_[s] = now;
            stamp_down_[s] = false;
        }
        return;
    }
    if (m->is<MoveAccount>()) {
        const auto& mv = m->as<MoveAccount>();
        auto it = accounts_.find(mv.account);
        if (it == accounts_.end() || mv.to_stamp < 0 || static_cast<size_t>(mv.to_stamp) >= config_.stamps.size()) return;
        AccountEntry next = it->second;
        next.stamp = mv.to_stamp;
        switch_account(mv.account, next, std::nullopt);
    }
}

void LocationService::on_timer(uint64_t tag) {
    if (tag != kTickTag) return;
    tick();
    ctx().set_timer(kTick, kTickTag);
}

void LocationService::tick() {
    if (!config_.geo) return;
    const sim::Time now = ctx().now();
    if (config_.epoch) {
        while (durable_.operations_started < config_.operations.size() &&
               now >= *config_.epoch + config_.operations[durable_.operations_started].at) {
            start_operation(config_.operations[durable_.operations_started]);
            ++durable_.operations_started;
        }
    }
    if (config_.failover_on_stamp_down) {
        if (now - last_probe_ >= config_.probe_interval) probe();
        for (size_t s = 0; s < config_.stamps.size(); ++s) {
            if (stamp_down_[s] || now - stamp_ok_[s] < config_.failover_detection) continue;
            stamp_down_[s] = true;
            on_stamp_down(static_cast<int>(s));
        }
    }
    std::vector<std::string> names;
    for (const auto& [name, mv] : moves_) names.push_back(name);
    for (const auto& name : names) {
        auto it = moves_.find(name);
        if (it != moves_.end()) advance(it->second);
    }
}

void LocationService::probe() {
    last_probe_ = ctx().now();
    for (const auto& st : config_.stamps) {
        for (const sim::Address& fe : st.front_ends) {
            auto p = ctx().make<frontend::HealthProbe>();
            p->probe = next_probe_++;
            ctx().send(fe, std::move(p));
        }
    }
}

bool LocationService::front_end_alive(sim::Address fe) const {
    auto it = front_end_ok_.find(fe);
    return it != front_end_ok_.end() && ctx().now() - it->second < config_.failover_detection;
}

void LocationService::on_stamp_down(int stamp) {
    for (const auto& [name, entry] : accounts_) {
        if (entry.stamp != stamp || !entry.secondary) continue;
        if (stamp_down_[static_cast<size_t>(*entry.secondary)]) continue;  // nowhere to go
        GeoSwitchRecord r;
        r.account = name;
        r.kind = "failover";
        r.mode = "abrupt";
        r.trigger = "stamp_down";
        r.from = stamp;
        r.to = *entry.secondary;
        r.start = ctx().true_now();
        moves_.erase(name);  // a clean move in progress is overtaken by the disaster
        frozen_.erase(name);
        start_move(std::move(r), -1);
    }
}

void LocationService::start_operation(const GeoOperation& op) {
    auto it = accounts_.find(op.account);
    if (it == accounts_.end() || moves_.contains(op.account)) return;
    const AccountEntry& e = it->second;
    GeoSwitchRecord r;
    r.account = op.account;
    r.trigger = "scenario";
    r.from = e.stamp;
    r.start = ctx().true_now();
    int copy_target = -1;
    if (op.kind == GeoOperationKind::kFailover) {
        if (!e.secondary) return;
        r.kind = "failover";
        r.mode = op.abrupt ? "abrupt" : "clean";
        r.to = *e.secondary;
    } else {
        if (op.to < 0 || op.to == e.stamp) return;
        r.kind = "migrate";
        r.mode = "clean";
        r.to = op.to;
        if (!e.secondary || *e.secondary != op.to) copy_target = op.to;
    }
    start_move(std::move(r), copy_target);
}

void LocationService::start_move(GeoSwitchRecord record, int copy_target) {
    const std::string account = record.account;
    if (record.mode == "abrupt") {
        AccountEntry next = accounts_.at(account);
        next.stamp = record.to;
        next.secondary.reset();  // the old primary's copy is behind: not a replica any more
        Move& mv = moves_[account];
        mv.record = record;
        mv.phase = Move::Phase::kSwitching;
        switch_account(account, next, std::move(record));
        return;
    }
    Move& mv = moves_[account];
    mv.record = std::move(record);
    mv.copy_target = copy_target;
    if (copy_target >= 0) {
        // The target receives every new write from now on, then the copy of every key.
        mv.phase = Move::Phase::kCopy;
        ++durable_.roles_version;
        push_roles();
        auto c = ctx().make<GeoCopy>();
        c->account = account;
        c->target = copy_target;
        c->roles_version = durable_.roles_version;
        ctx().send(config_.replicators[static_cast<size_t>(mv.record.from)], std::move(c));
        return;
    }
    mv.phase = Move::Phase::kFreeze;
    advance(mv);
}

void LocationService::advance(Move& mv) {
    const std::string& account = mv.record.account;
    const sim::Address rep = config_.replicators[static_cast<size_t>(mv.record.from)];
    switch (mv.phase) {
        case Move::Phase::kCopy: {
            auto q = ctx().make<GeoBacklogQuery>();
            q->account = account;
            q->target = mv.copy_target;
            ctx().send(rep, std::move(q));
            return;
        }
        case Move::Phase::kFreeze: {
            frozen_.insert(account);
            ++durable_.table_version;
            push_table(mv.record.from);
            mv.freeze_start = ctx().true_now();
            mv.drained.clear();
            mv.phase = Move::Phase::kDrain;
            [[fallthrough]];
        }
        case Move::Phase::kDrain: {
            for (const sim::Address& fe : config_.stamps[static_cast<size_t>(mv.record.from)].front_ends) {
                if (mv.drained[fe]) continue;
                auto q = ctx().make<FreezeQuery>();
                q->account = account;
                ctx().send(fe, std::move(q));
            }
            auto q = ctx().make<GeoBacklogQuery>();
            q->account = account;
            q->target = -1;
            ctx().send(rep, std::move(q));
            return;
        }
        case Move::Phase::kSwitching:
            return;
    }
}

void LocationService::handle_freeze_state(const FreezeState& r, sim::Address from) {
    auto it = moves_.find(r.account);
    if (it == moves_.end() || it->second.phase != Move::Phase::kDrain) return;
    if (r.frozen && r.writes_in_flight == 0) it->second.drained[from] = true;
}

void LocationService::handle_backlog(const GeoBacklogReply& r) {
    auto it = moves_.find(r.account);
    if (it == moves_.end()) return;
    Move& mv = it->second;
    if (r.stamp != mv.record.from || r.roles_version < durable_.roles_version) return;
    if (mv.phase == Move::Phase::kCopy) {
        if (r.target == mv.copy_target && r.copy_started && r.copied) {
            mv.phase = Move::Phase::kFreeze;
            advance(mv);
        }
        return;
    }
    if (mv.phase != Move::Phase::kDrain || r.target != -1 || r.pending != 0) return;
    // Every live front-end of the old primary has answered its writes of the account
    // (and parks new ones): with the replicator's backlog at zero, nothing is left behind.
    for (const sim::Address& fe : config_.stamps[static_cast<size_t>(mv.record.from)].front_ends) {
        if (!mv.drained[fe] && front_end_alive(fe)) return;
    }
    AccountEntry next = accounts_.at(r.account);
    const int old_primary = next.stamp;
    next.stamp = mv.record.to;
    if (next.secondary && *next.secondary == mv.record.to) next.secondary = old_primary;  // roles swap
    mv.record.drain = ctx().true_now() - mv.freeze_start;
    mv.phase = Move::Phase::kSwitching;
    switch_account(r.account, next, mv.record);
}

void LocationService::switch_account(const std::string& account, AccountEntry next,
                                     std::optional<GeoSwitchRecord> record) {
    ++next.version;
    // Durable first, then front-ends and DNS: a crash in between leaves the old, consistent record.
    const uint64_t io = next_io_++;
    pending_writes_[io] = PendingWrite{account, next, std::move(record)};
    ctx().disk_io(sim::IoKind::kWrite, 128, io);
}

void LocationService::on_io(uint64_t tag, sim::IoStatus status) {
    auto it = pending_writes_.find(tag);
    if (it == pending_writes_.end()) return;
    PendingWrite w = std::move(it->second);
    pending_writes_.erase(it);
    if (tag == 0) {
        if (status != sim::IoStatus::kOk) return;
        durable_.accounts = accounts_;
        durable_.initialized = true;
        return;
    }
    if (status != sim::IoStatus::kOk) {
        moves_.erase(w.account);  // the move failed; a later operation may try again
        frozen_.erase(w.account);
        return;
    }
    const int from = accounts_[w.account].stamp;
    accounts_[w.account] = w.entry;
    durable_.accounts[w.account] = w.entry;
    moves_.erase(w.account);
    frozen_.erase(w.account);
    if (w.record && config_.observer != nullptr) {
        w.record->switched = ctx().true_now();
        config_.observer->switched(*w.record);
        config_.observer->set_roles(w.account, w.entry.stamp, w.entry.secondary);
    }
    ++durable_.roles_version;
    ++durable_.table_version;
    // The replicators first (the old primary stops logging the account), then the
    // front-ends (the old stamp refuses the account from now on), then DNS.
    push_roles();
    if (from >= 0 && from != w.entry.stamp) push_table(from);
    push_table(w.entry.stamp);
    publish(w.account);
}

}  // namespace models::location
