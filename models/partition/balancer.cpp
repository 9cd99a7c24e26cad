#include "models/partition/balancer.h"

#include <algorithm>
#include <cmath>

#include "sim/check.h"

namespace models::partition {

namespace {

double load_of(const BalanceInput& in, RangeId id) {
    auto it = in.ranges.find(id);
    return it == in.ranges.end() ? 0.0 : it->second.ops_per_s;
}

}  // namespace

std::map<ServerId, double> server_loads(const BalanceInput& in) {
    std::map<ServerId, double> loads;
    for (const auto& [s, l] : in.live) loads[s] = 0;
    for (const RangeInfo& r : in.map->ranges()) {
        auto it = loads.find(r.server);
        if (it != loads.end()) it->second += load_of(in, r.id);
    }
    return loads;
}

double max_over_mean(const std::map<ServerId, double>& loads) {
    if (loads.empty()) return 1.0;
    double sum = 0;
    double max = 0;
    for (const auto& [s, l] : loads) {
        sum += l;
        max = std::max(max, l);
    }
    const double mean = sum / static_cast<double>(loads.size());
    return mean <= 0 ? 1.0 : max / mean;
}

std::vector<BalanceAction> plan_balance(const BalanceInput& in, const PartitionConfig& config) {
    SIM_ASSERT(in.map != nullptr, "plan_balance without a map");
    std::vector<BalanceAction> actions;
    const int servers = static_cast<int>(in.live.size());
    if (servers == 0) return actions;
    const std::vector<RangeInfo> ranges = in.map->ranges();
    std::set<RangeId> busy;  // ranges already given an action this pass
    std::map<ServerId, double> loads = server_loads(in);
    auto lightest = [&loads]() {
        return std::min_element(loads.begin(), loads.end(), [](const auto& a, const auto& b) {
            return a.second != b.second ? a.second < b.second : a.first < b.first;
        });
    };

    // 1. Splits, hottest first.
    std::vector<std::pair<double, RangeId>> hot;
    for (const RangeInfo& r : ranges) {
        if (!in.live.count(r.server)) continue;
        auto it = in.ranges.find(r.id);
        if (it == in.ranges.end()) continue;
        const bool throttled = it->second.throttled_per_s > 0 && it->second.ops_per_s > config.split_load / 2;
        if (it->second.ops_per_s > config.split_load || throttled) hot.emplace_back(it->second.ops_per_s, r.id);
    }
    std::sort(hot.begin(), hot.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    int count = static_cast<int>(ranges.size());
    int splits = 0;
    // Plans a split of `id` (carrying `load`) into up to `want` pieces at its reported
    // quantile keys; piece 0 stays, each other piece goes to the then lightest server if
    // that lowers the load of the range's server. False if the range cannot be split.
    auto plan_split = [&](RangeId id, double load, int want) {
        auto rl = in.ranges.find(id);
        if (rl == in.ranges.end() || rl->second.split_keys.empty() || busy.count(id)) return false;
        if (splits >= config.max_splits_per_pass) return false;
        const std::vector<std::string>& candidates = rl->second.split_keys;
        const int room = config.high_watermark(servers) - count + 1;
        const int pieces = std::min({std::max(2, want), std::max(2, config.max_split_pieces),
                                     static_cast<int>(candidates.size()) + 1, room});
        if (pieces < 2) return false;
        BalanceAction a{BalanceAction::Kind::kSplit, id, {}, {}, {}, {}};
        // Keys spread evenly over the candidates (their quantiles).
        const size_t q = candidates.size();
        for (int j = 1; j < pieces; ++j) {
            const size_t at = std::min(q - 1, static_cast<size_t>(j) * (q + 1) / static_cast<size_t>(pieces) - 1);
            if (a.keys.empty() || a.keys.back() < candidates[at]) a.keys.push_back(candidates[at]);
        }
        const ServerId home = in.map->find(id)->server;
        const double share = load / static_cast<double>(a.keys.size() + 1);
        a.servers.push_back(home);
        for (size_t k = 0; k < a.keys.size(); ++k) {
            auto light = lightest();
            const bool helps = light->first != home && light->second + share < loads[home];
            a.servers.push_back(helps ? light->first : home);
            if (helps) {
                light->second += share;
                loads[home] -= share;
            }
        }
        count += static_cast<int>(a.keys.size());
        ++splits;
        actions.push_back(std::move(a));
        busy.insert(id);
        return true;
    };
    for (const auto& [load, id] : hot) {
        // Enough pieces to bring each under split_load.
        plan_split(id, load, static_cast<int>(std::ceil(load / std::max(1.0, config.split_load))));
    }

    // 2. Moves off overloaded servers; a server whose load sits in ranges too big to move
    //    (each carries more than the gap to the lightest server) splits its heaviest one
    //    into pieces of about the mean load and spreads them (split to move).
    std::map<RangeId, ServerId> where;
    for (const RangeInfo& r : ranges) where[r.id] = r.server;
    double total = 0;
    for (const auto& [s, l] : loads) total += l;
    const double mean = total / static_cast<double>(servers);
    for (int moves = 0; moves < config.max_moves_per_pass && mean > 0; ++moves) {
        auto heavy = std::max_element(loads.begin(), loads.end(), [](const auto& a, const auto& b) {
            return a.second != b.second ? a.second < b.second : a.first > b.first;
        });
        auto light = lightest();
        if (heavy->second <= config.overload_factor * mean || heavy->first == light->first) break;
        const double gap = heavy->second - light->second;
        RangeId best;
        double best_load = -1;
        bool best_split = false;
        RangeId heaviest;
        double heaviest_load = 0;
        for (const auto& [id, s] : where) {
            if (s != heavy->first || busy.count(id)) continue;
            const double l = load_of(in, id);
            if (l > heaviest_load) {
                heaviest = id;
                heaviest_load = l;
            }
            if (l <= 0 || l >= gap) continue;
            const bool was_split = in.split_last_pass.count(id) > 0;
            if (std::make_pair(was_split, l) > std::make_pair(best_split, best_load)) {
                best = id;
                best_load = l;
                best_split = was_split;
            }
        }
        if (!best.valid()) {
            if (heaviest.valid() && plan_split(heaviest, heaviest_load, static_cast<int>(std::ceil(heaviest_load / mean)))) {
                continue;
            }
            break;
        }
        actions.push_back(BalanceAction{BalanceAction::Kind::kMove, best, {}, light->first, {}, {}});
        busy.insert(best);
        where[best] = light->first;
        heavy->second -= best_load;
        light->second += best_load;
    }

    // 3. Merges of cold neighbours.
    int merges = 0;
    for (size_t i = 0; i + 1 < ranges.size() && merges < config.max_merges_per_pass; ++i) {
        if (count <= config.low_watermark(servers)) break;
        const RangeInfo& a = ranges[i];
        const RangeInfo& b = ranges[i + 1];
        if (busy.count(a.id) || busy.count(b.id)) continue;
        if (!in.live.count(a.server) || !in.live.count(b.server)) continue;
        if (!in.ranges.count(a.id) || !in.ranges.count(b.id)) continue;  // no report yet
        const double la = load_of(in, a.id);
        const double lb = load_of(in, b.id);
        if (la >= config.merge_load || lb >= config.merge_load || la + lb >= config.merge_load) continue;
        if (a.server == b.server) {
            actions.push_back(BalanceAction{BalanceAction::Kind::kMerge, a.id, b.id, {}, {}, {}});
            --count;
        } else {
            actions.push_back(BalanceAction{BalanceAction::Kind::kMove, b.id, {}, a.server, {}, {}});
        }
        busy.insert(a.id);
        busy.insert(b.id);
        ++merges;
        ++i;  // b is taken
    }
    return actions;
}

std::vector<std::pair<RangeId, ServerId>> plan_reassign(const BalanceInput& in) {
    std::vector<std::pair<RangeId, ServerId>> out;
    if (in.live.empty()) return out;
    std::map<ServerId, std::pair<double, int>> load;  // (ops, ranges)
    for (const auto& [s, l] : in.live) load[s] = {0.0, 0};
    std::vector<std::pair<double, RangeId>> orphans;
    for (const RangeInfo& r : in.map->ranges()) {
        auto it = load.find(r.server);
        if (it != load.end()) {
            it->second.first += load_of(in, r.id);
            ++it->second.second;
        } else {
            orphans.emplace_back(load_of(in, r.id), r.id);
        }
    }
    // Heaviest orphans first, each onto the currently lightest server.
    std::sort(orphans.begin(), orphans.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    for (const auto& [l, id] : orphans) {
        auto best = std::min_element(load.begin(), load.end(), [](const auto& a, const auto& b) {
            return a.second != b.second ? a.second < b.second : a.first < b.first;
        });
        out.emplace_back(id, best->first);
        best->second.first += l;
        ++best->second.second;
    }
    return out;
}

}  // namespace models::partition
