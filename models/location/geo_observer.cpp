#include "models/location/geo_observer.h"

#include <algorithm>
#include <set>

#include "sim/check.h"

namespace models::location {

void GeoObserver::set_epoch(sim::Time epoch) {
    epoch_ = epoch;
    // The backlog is integrated from the epoch on: anything before (boot) does not count.
    for (auto& [name, f] : accounts_) {
        f.backlog_integral = 0;
        f.last_change = epoch;
    }
}

void GeoObserver::set_roles(const std::string& account, int primary, std::optional<int> secondary) {
    Account& a = state_[account];
    a.primary = primary;
    a.secondary = secondary;
    AccountFigures& f = accounts_[account];
    if (f.last_change < epoch_) f.last_change = epoch_;
}

void GeoObserver::advance(AccountFigures& f, sim::Time now) {
    const sim::Time from = std::max(f.last_change, epoch_);
    if (now > from) f.backlog_integral += static_cast<double>(f.backlog) * (now - from).to_seconds();
    if (now > f.last_change) f.last_change = now;
}

void GeoObserver::logged(int stamp, const GeoChange& change, sim::Time now) {
    Account& a = state_[change.key.account];
    AccountFigures& f = accounts_[change.key.account];
    advance(f, now);
    ++f.logged;
    if (stamp != a.primary) {
        // The old primary acknowledged it after the account was switched away: it will
        // never reach the new primary. It belongs to that switch's loss.
        ++f.lost;
        for (auto it = switches_.rbegin(); it != switches_.rend(); ++it) {
            if (it->account != change.key.account || it->from != stamp) continue;
            ++it->rpo_writes;
            ++it->rpo_late;
            if (!std::binary_search(it->rpo_blobs.begin(), it->rpo_blobs.end(), change.key)) {
                it->rpo_blobs.insert(std::lower_bound(it->rpo_blobs.begin(), it->rpo_blobs.end(), change.key),
                                     change.key);
            }
            break;
        }
        return;
    }
    if (!a.secondary) return;  // not geo-replicated (any more): nothing to measure
    ++f.backlog;
    a.pending[change.key].emplace(change.version, Pending{change.commit_true, stamp});
}

void GeoObserver::applied(int stamp, const BlobKey& key, uint64_t version, sim::Time now) {
    auto sit = state_.find(key.account);
    if (sit == state_.end()) return;
    Account& a = sit->second;
    if (!a.secondary || *a.secondary != stamp) return;  // a migration's copy, not the secondary
    auto pit = a.pending.find(key);
    if (pit == a.pending.end()) return;
    AccountFigures& f = accounts_[key.account];
    advance(f, now);
    auto& versions = pit->second;
    auto end = versions.upper_bound(version);
    for (auto it = versions.begin(); it != end; ++it) {
        const double lag = (now - it->second.commit).to_seconds();
        ++f.applied;
        --f.backlog;
        f.lag_sum_s += lag;
        f.residence_sum_s += lag;
        f.lags_s.push_back(lag);
        recent_[key.account].push_back(lag);
    }
    versions.erase(versions.begin(), end);
    if (versions.empty()) a.pending.erase(pit);
}

GeoSwitchRecord& GeoObserver::switched(GeoSwitchRecord record) {
    Account& a = state_[record.account];
    AccountFigures& f = accounts_[record.account];
    advance(f, record.switched);
    for (const auto& [key, versions] : a.pending) {
        for (const auto& [version, p] : versions) {
            ++record.rpo_writes;
            ++f.lost;
            --f.backlog;
            f.residence_sum_s += (record.switched - p.commit).to_seconds();
        }
        record.rpo_blobs.push_back(key);  // map order: sorted
    }
    a.pending.clear();
    SIM_ASSERT(f.backlog == 0, "geo backlog of " << record.account << " not empty after a switch");
    switches_.push_back(std::move(record));
    return switches_.back();
}

double GeoObserver::backlog_integral(const std::string& account, sim::Time now) const {
    auto it = accounts_.find(account);
    if (it == accounts_.end()) return 0;
    const AccountFigures& f = it->second;
    const sim::Time from = std::max(f.last_change, epoch_);
    double v = f.backlog_integral;
    if (now > from) v += static_cast<double>(f.backlog) * (now - from).to_seconds();
    return v;
}

std::vector<double> GeoObserver::take_recent_lags(const std::string& account) {
    std::vector<double> out;
    auto it = recent_.find(account);
    if (it != recent_.end()) out.swap(it->second);
    return out;
}

}  // namespace models::location
