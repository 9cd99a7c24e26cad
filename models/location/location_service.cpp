#include "models/location/location_service.h"

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

LocationService::LocationService(sim::Context& ctx, const LocationConfig& config)
    : Actor(ctx), config_(config), durable_(ctx.durable<Table>("location/accounts")) {}

void LocationService::on_start() {
    if (durable_.initialized) {
        accounts_ = durable_.accounts;
    } else {
        // The scenario's accounts are configuration: published at once, persisted behind.
        accounts_ = place_accounts(config_);
        pending_writes_[0] = {std::string(), AccountEntry{}};
        ctx().disk_io(sim::IoKind::kWrite, static_cast<int64_t>(64 * accounts_.size() + 64), 0);
    }
    for (const auto& [name, entry] : accounts_) publish(name);
    for (size_t s = 0; s < config_.stamps.size(); ++s) push_table(static_cast<int>(s));
}

void LocationService::push_table(int stamp, std::optional<sim::Address> only) {
    std::vector<std::string> served;
    uint64_t version = 0;
    for (const auto& [name, entry] : accounts_) {
        version += entry.version;
        if (entry.stamp == stamp) served.push_back(name);
    }
    const auto& fes = config_.stamps[static_cast<size_t>(stamp)].front_ends;
    for (const sim::Address& fe : fes) {
        if (only && !(*only == fe)) continue;
        auto t = ctx().make<frontend::AccountTable>();
        t->version = version;
        t->accounts = served;
        ctx().send(fe, std::move(t));
    }
}

std::optional<int> LocationService::stamp_of(const std::string& account) const {
    auto it = accounts_.find(account);
    if (it == accounts_.end()) return std::nullopt;
    return it->second.stamp;
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
    if (m->is<MoveAccount>()) {
        const auto& mv = m->as<MoveAccount>();
        auto it = accounts_.find(mv.account);
        if (it == accounts_.end() || mv.to_stamp < 0 || static_cast<size_t>(mv.to_stamp) >= config_.stamps.size()) return;
        AccountEntry next = it->second;
        next.stamp = mv.to_stamp;
        ++next.version;
        // Durable first, then DNS: a crash in between leaves the old, consistent record.
        const uint64_t io = next_io_++;
        pending_writes_[io] = {mv.account, next};
        ctx().disk_io(sim::IoKind::kWrite, 128, io);
    }
}

void LocationService::on_io(uint64_t tag, sim::IoStatus status) {
    auto it = pending_writes_.find(tag);
    if (it == pending_writes_.end()) return;
    auto [account, entry] = it->second;
    pending_writes_.erase(it);
    if (status != sim::IoStatus::kOk) return;
    if (tag == 0) {
        durable_.accounts = accounts_;
        durable_.initialized = true;
        return;
    }
    const int from = accounts_[account].stamp;
    accounts_[account] = entry;
    durable_.accounts[account] = entry;
    // The front-ends first (the old stamp refuses the account from now on), then DNS.
    if (from >= 0 && from != entry.stamp) push_table(from);
    push_table(entry.stamp);
    publish(account);
}

}  // namespace models::location
