// Parses "faults": each scheduled fault's time, kind, target and parameters, checking that
// every target exists in the topology (stamps, racks, power and upgrade domains, nodes,
// regions) so a fault can never silently hit nothing.
#include <algorithm>

#include "app/scenario/sections.h"

namespace app::scenario {

namespace {

const EnumTable<FaultKind> kFaultKinds = {
    {"rack_down", FaultKind::kRackDown},
    {"node_crash", FaultKind::kNodeCrash},
    {"power_domain_down", FaultKind::kPowerDomainDown},
    {"network_partition", FaultKind::kNetworkPartition},
    {"link_degrade", FaultKind::kLinkDegrade},
    {"disk_fail", FaultKind::kDiskFail},
    {"disk_slow", FaultKind::kDiskSlow},
    {"disk_corrupt", FaultKind::kDiskCorrupt},
    {"tor_down", FaultKind::kTorDown},
    {"process_pause", FaultKind::kProcessPause},
    {"stamp_down", FaultKind::kStampDown},
    {"region_partition", FaultKind::kRegionPartition},
    {"upgrade_domain_down", FaultKind::kUpgradeDomainDown},
    {"rolling_upgrade", FaultKind::kRollingUpgrade},
    {"clock_skew", FaultKind::kClockSkew},
    {"clog", FaultKind::kClog},
};

const EnumTable<Role> kRoles = {
    {"extent_node", Role::kExtentNode},
    {"front_end", Role::kFrontEnd},
    {"partition_server", Role::kPartitionServer},
    {"stream_manager", Role::kStreamManager},
    {"partition_manager", Role::kPartitionManager},
    {"lock_service", Role::kLockService},
};

// Every key any fault kind may have: declared when the kind is unknown, so that a typo in
// the kind is reported once rather than as a list of "unknown" keys.
constexpr const char* kAllFaultKeys[] = {
    "stamp", "rack", "power_domain", "upgrade_domain", "node", "role", "pick", "count",
    "groups", "regions", "for", "extra_latency", "loss", "factor", "fraction", "switch",
    "restart_after", "per_domain", "drift"};

int role_count(const StampConfig& s, Role r) {
    switch (r) {
        case Role::kExtentNode: return s.node_count();
        case Role::kFrontEnd: return s.roles.front_end;
        case Role::kPartitionServer: return s.roles.partition_server;
        case Role::kStreamManager: return s.roles.stream_manager;
        case Role::kPartitionManager: return s.roles.partition_manager;
        case Role::kLockService: return s.roles.lock_service;
    }
    return 0;
}

bool has_leader(Role r) {
    return r == Role::kStreamManager || r == Role::kPartitionManager || r == Role::kLockService;
}

class FaultParser {
public:
    FaultParser(ParseContext& ctx, ObjectReader& o, const Scenario& sc, FaultConfig* f)
        : ctx_(ctx), o_(o), sc_(sc), f_(f) {}

    // The stamp the fault acts on; nullptr when unknown (already reported).
    const StampConfig* stamp() {
        auto name = o_.string("stamp", Need::kRequired);
        if (!name) return nullptr;
        const StampConfig* s = sc_.find_stamp(*name);
        if (s == nullptr) {
            if (!ctx_.invalid_stamps.count(*name)) {
                std::vector<std::string> names;
                for (const auto& r : sc_.topology.regions) {
                    for (const auto& st : r.stamps) names.push_back(st.name);
                }
                ctx_.diags.error(o_.at("stamp"), unknown_name_message("a stamp", Json(*name), names));
            }
            return nullptr;
        }
        f_->stamp = *name;
        // A stamp whose own shape has errors cannot be used to judge ranges.
        if (ctx_.invalid_stamps.count(*name)) return nullptr;
        stamp_ = s;
        return s;
    }

    // An index key (rack, power_domain, upgrade_domain, switch) in [0, limit).
    std::optional<int> index(std::string_view key, int limit, Need need = Need::kRequired) {
        IntRange r{0, limit > 0 ? limit - 1 : std::numeric_limits<int64_t>::max()};
        auto v = o_.integer(key, r, need);
        if (!v) return std::nullopt;
        return static_cast<int>(*v);
    }

    std::optional<NodeRef> node_name(const Json& v, const std::string& at) {
        auto text = read_string(ctx_.diags, v, at);
        if (!text) return std::nullopt;
        auto ref = parse_node_name(*text);
        if (!ref) {
            ctx_.diags.error(at, "expected a node name STAMP/rRACK/nINDEX such as \"" +
                                     (f_->stamp.empty() ? std::string("w1") : f_->stamp) +
                                     "/r4/n7\", got " + describe(v));
            return std::nullopt;
        }
        if (!f_->stamp.empty() && ref->stamp != f_->stamp) {
            ctx_.diags.error(at, "expected a node of stamp \"" + f_->stamp + "\", got " +
                                     describe(v));
            return std::nullopt;
        }
        if (stamp_ != nullptr &&
            (ref->rack >= stamp_->racks || ref->index >= stamp_->nodes_per_rack)) {
            ctx_.diags.error(at, "expected a node of stamp \"" + f_->stamp + "\" (racks r0 to r" +
                                     std::to_string(stamp_->racks - 1) + ", nodes n0 to n" +
                                     std::to_string(stamp_->nodes_per_rack - 1) + "), got " +
                                     describe(v));
            return std::nullopt;
        }
        return ref;
    }

    void node(Need need) {
        const Json* v = o_.field("node", need, "a node name such as \"w1/r4/n7\"");
        if (v != nullptr) f_->node = node_name(*v, o_.at("node"));
    }

    // `node`, or `pick` / `role` / `count`: which nodes of the stamp the fault acts on.
    void selector() {
        if (o_.has("node")) {
            for (auto k : {"pick", "role", "count"}) {
                if (o_.has(k)) {
                    ctx_.diags.error(o_.at(k), std::string("expected either \"node\" or ") +
                                                   "\"pick\"/\"role\"/\"count\", got both");
                }
            }
            node(Need::kRequired);
            for (auto k : {"pick", "role", "count"}) o_.declare(k);
            return;
        }
        o_.declare("node");
        f_->role = o_.enumeration_or("role", kRoles, Role::kExtentNode);
        const Json* pick = o_.field("pick", Need::kOptional, "");
        if (pick == nullptr) o_.out()["pick"] = "random";
        if (pick != nullptr) {
            if (pick->is_string() && pick->get_ref<const std::string&>().find('/') !=
                                         std::string::npos) {
                f_->pick = PickKind::kNode;
                f_->pick_node = node_name(*pick, o_.at("pick"));
            } else {
                static const EnumTable<PickKind> kPicks = {
                    {"random", PickKind::kRandom},
                    {"leader", PickKind::kLeader},
                    {"first", PickKind::kFirst},
                };
                std::optional<PickKind> p;
                for (const auto& [name, value] : kPicks) {
                    if (pick->is_string() && pick->get_ref<const std::string&>() == name) {
                        p = value;
                    }
                }
                if (p) {
                    f_->pick = *p;
                } else {
                    std::string msg = unknown_value_message(*pick, enum_names(kPicks));
                    msg.replace(msg.find("one of "), 7, "a node name or one of ");
                    ctx_.diags.error(o_.at("pick"), msg);
                }
            }
        }
        if (f_->pick == PickKind::kLeader && !has_leader(*f_->role)) {
            ctx_.diags.error(o_.at("pick"),
                             "expected \"leader\" only with role stream_manager, "
                             "partition_manager or lock_service, got role \"" +
                                 std::string(to_string(*f_->role)) + "\"");
        }
        const int available = stamp_ ? role_count(*stamp_, *f_->role) : 0;
        const bool single = f_->pick == PickKind::kLeader || f_->pick == PickKind::kNode;
        IntRange r{1, single ? 1 : (available > 0 ? available : 1'000'000)};
        f_->count = static_cast<int>(o_.integer_or("count", 1, r));
    }

    void params() {
        switch (f_->kind) {
            case FaultKind::kLinkDegrade: {
                f_->extra_latency = o_.duration_or("extra_latency", "0s", DurationMin::kZeroOk);
                f_->loss = o_.number_or("loss", 0.0, kFraction);
                if (!o_.has("extra_latency") && !o_.has("loss")) {
                    ctx_.diags.error(o_.pointer(), "expected \"extra_latency\" or \"loss\" in a "
                                                   "link_degrade fault, got neither");
                }
                break;
            }
            case FaultKind::kDiskSlow:
                f_->factor =
                    o_.number("factor", NumRange{1.0, 1e6, true, false}, Need::kRequired)
                        .value_or(1);
                break;
            case FaultKind::kDiskCorrupt:
                f_->fraction =
                    o_.number("fraction", NumRange{0.0, 1.0, true, false}, Need::kRequired)
                        .value_or(0);
                break;
            case FaultKind::kClockSkew: {
                auto drift =
                    o_.number("drift", NumRange{-1.0, 1.0, true, false}, Need::kRequired);
                if (drift && *drift == 0) {
                    ctx_.diags.error(o_.at("drift"), "expected a drift other than 0, got 0");
                }
                f_->drift = drift.value_or(0);
                break;
            }
            case FaultKind::kClog:
                f_->extra_latency =
                    o_.duration("extra_latency", DurationMin::kPositive, Need::kRequired)
                        .value_or(sim::Duration::zero());
                break;
            default: break;
        }
    }

    void groups() {
        const Json* v = o_.field("groups", Need::kRequired, "an array of rack lists");
        if (v == nullptr) return;
        const std::string at = o_.at("groups");
        if (!v->is_array() || v->size() < 2) {
            ctx_.diags.error(at, "expected an array of two or more rack lists, got " +
                                     (v->is_array() ? std::to_string(v->size()) + " list"
                                                    : describe(*v)));
            return;
        }
        std::vector<int> owner(stamp_ ? stamp_->racks : 0, -1);
        for (size_t g = 0; g < v->size(); ++g) {
            const Json& list = (*v)[g];
            const std::string gat = pointer_join(at, g);
            if (!list.is_array() || list.empty()) {
                ctx_.diags.error(gat, "expected a non-empty array of racks, got " +
                                          describe(list));
                continue;
            }
            std::vector<int> racks;
            for (size_t i = 0; i < list.size(); ++i) {
                IntRange r{0, stamp_ ? stamp_->racks - 1 : std::numeric_limits<int64_t>::max()};
                auto rack = read_int(ctx_.diags, list[i], pointer_join(gat, i), r);
                if (!rack) continue;
                if (stamp_ != nullptr && owner[*rack] >= 0) {
                    ctx_.diags.error(pointer_join(gat, i),
                                     "expected groups without a rack in common, got rack " +
                                         std::to_string(*rack) + " again (also in group " +
                                         std::to_string(owner[*rack]) + ")");
                    continue;
                }
                if (stamp_ != nullptr) owner[*rack] = static_cast<int>(g);
                racks.push_back(static_cast<int>(*rack));
            }
            f_->groups.push_back(std::move(racks));
        }
    }

    void regions() {
        const Json* v = o_.field("regions", Need::kRequired, "an array of region names");
        if (v == nullptr) return;
        const std::string at = o_.at("regions");
        if (!v->is_array() || v->size() < 2) {
            ctx_.diags.error(at, "expected an array of two or more region names, got " +
                                     (v->is_array() ? std::to_string(v->size()) + " name"
                                                    : describe(*v)));
            return;
        }
        std::vector<std::string> known;
        for (const auto& r : sc_.topology.regions) known.push_back(r.name);
        for (size_t i = 0; i < v->size(); ++i) {
            auto name = read_string(ctx_.diags, (*v)[i], pointer_join(at, i));
            if (!name) continue;
            if (sc_.find_region(*name) == nullptr) {
                ctx_.diags.error(pointer_join(at, i), unknown_name_message("a region", (*v)[i], known));
            } else if (std::find(f_->regions.begin(), f_->regions.end(), *name) !=
                       f_->regions.end()) {
                ctx_.diags.error(pointer_join(at, i), "expected distinct regions, got \"" +
                                                          *name + "\" twice");
            } else {
                f_->regions.push_back(*name);
            }
        }
    }

private:
    ParseContext& ctx_;
    ObjectReader& o_;
    const Scenario& sc_;
    FaultConfig* f_;
    const StampConfig* stamp_ = nullptr;
};

void parse_fault(ParseContext& ctx, ObjectReader& o, const Scenario& sc, FaultConfig* f) {
    auto at = o.duration("at", DurationMin::kZeroOk, Need::kRequired);
    if (at) {
        f->at = *at;
        if (ctx.duration_known && *at >= sc.duration) {
            ctx.diags.error(o.at("at"), "expected a time before the duration (" +
                                            sc.duration.to_string() + "), got \"" +
                                            at->to_string() + "\"");
        }
    }
    auto kind = o.enumeration("kind", kFaultKinds, Need::kRequired);
    if (!kind) {
        for (auto k : kAllFaultKeys) o.declare(k);
        o.finish();
        return;
    }
    f->kind = *kind;
    FaultParser p(ctx, o, sc, f);
    const StampConfig* st = nullptr;
    const bool has_stamp = *kind != FaultKind::kRegionPartition;
    if (has_stamp) st = p.stamp();
    switch (*kind) {
        case FaultKind::kRackDown:
        case FaultKind::kLinkDegrade:
            f->rack = p.index("rack", st ? st->racks : 0);
            break;
        case FaultKind::kTorDown:
            f->rack = p.index("rack", st ? st->racks : 0);
            f->switch_index = p.index("switch", 2).value_or(0);
            break;
        case FaultKind::kPowerDomainDown:
            f->power_domain = p.index("power_domain", st ? st->power_domains : 0);
            break;
        case FaultKind::kUpgradeDomainDown:
            f->upgrade_domain = p.index("upgrade_domain", st ? st->upgrade_domains : 0);
            break;
        case FaultKind::kNetworkPartition: p.groups(); break;
        case FaultKind::kRegionPartition: p.regions(); break;
        case FaultKind::kDiskFail:
        case FaultKind::kDiskSlow:
        case FaultKind::kDiskCorrupt: p.node(Need::kRequired); break;
        case FaultKind::kNodeCrash:
        case FaultKind::kProcessPause:
        case FaultKind::kClockSkew:
        case FaultKind::kClog: p.selector(); break;
        case FaultKind::kStampDown:
        case FaultKind::kRollingUpgrade: break;
    }
    p.params();
    // How the fault ends: by itself after `for`, by a restart, per upgrade domain, or never
    // (disk corruption is permanent; the drain heals everything else).
    switch (*kind) {
        case FaultKind::kNodeCrash:
            f->restart_after = o.duration("restart_after", DurationMin::kPositive, Need::kOptional);
            break;
        case FaultKind::kRollingUpgrade:
            f->per_domain = o.duration("per_domain", DurationMin::kPositive, Need::kRequired)
                                .value_or(sim::Duration::zero());
            break;
        case FaultKind::kDiskCorrupt: break;
        default: f->duration = o.duration("for", DurationMin::kPositive, Need::kOptional);
    }
    o.finish("a " + std::string(to_string(*kind)) + " fault");
}

}  // namespace

void parse_faults(ParseContext& ctx, ObjectReader& top, Scenario& sc) {
    const Json* v = top.field("faults", Need::kOptional, "an array of faults");
    if (v == nullptr) {
        top.out()["faults"] = Json::array();
        return;
    }
    if (!v->is_array()) {
        ctx.diags.error(top.at("faults"), "expected an array of faults, got " + describe(*v));
        return;
    }
    for (size_t i = 0; i < v->size(); ++i) {
        ObjectReader o(ctx.diags, (*v)[i], top.out()["faults"][i],
                       pointer_join(top.at("faults"), i));
        if (!o.is_object()) continue;
        FaultConfig f;
        parse_fault(ctx, o, sc, &f);
        sc.faults.push_back(std::move(f));
    }
}

// Chaos draws faults of these kinds; the operator actions and whole-stamp or whole-region
// outages are left to scripted faults because they exceed any per-domain budget.
void parse_chaos(ParseContext& ctx, ObjectReader& top, Scenario& sc) {
    const Json* v = top.field("chaos", Need::kOptional, "an object");
    if (v == nullptr) return;
    ObjectReader o(ctx.diags, *v, top.out()["chaos"], top.at("chaos"));
    if (!o.is_object()) return;
    ChaosConfig c;
    c.start = o.duration_or("start", "0s", DurationMin::kZeroOk);
    const std::string end_default = ctx.duration_known ? sc.duration.to_string() : "0s";
    c.end = o.duration_or("end", end_default, DurationMin::kPositive);
    if (ctx.duration_known && c.end > sc.duration) {
        ctx.diags.error(o.at("end"), "expected an end <= duration (" + sc.duration.to_string() +
                                         "), got \"" + c.end.to_string() + "\"");
    } else if (c.start >= c.end) {
        ctx.diags.error(o.at("start"), "expected a start before end (" + c.end.to_string() +
                                           "), got \"" + c.start.to_string() + "\"");
    }
    c.mean_interval = o.duration_or("mean_interval", "60s", DurationMin::kPositive);
    static const EnumTable<FaultKind> kChaosKinds = [] {
        EnumTable<FaultKind> t;
        for (const auto& [name, kind] : kFaultKinds) {
            if (kind != FaultKind::kStampDown && kind != FaultKind::kRegionPartition &&
                kind != FaultKind::kRollingUpgrade) {
                t.emplace_back(name, kind);
            }
        }
        return t;
    }();
    const Json* kinds = o.field("kinds", Need::kOptional, "");
    if (kinds == nullptr) {
        c.kinds = {FaultKind::kNodeCrash, FaultKind::kRackDown, FaultKind::kNetworkPartition,
                   FaultKind::kDiskSlow, FaultKind::kProcessPause};
        Json names = Json::array();
        for (auto k : c.kinds) names.push_back(std::string(to_string(k)));
        o.out()["kinds"] = names;
    } else if (!kinds->is_array() || kinds->empty()) {
        ctx.diags.error(o.at("kinds"), "expected a non-empty array of fault kinds, got " +
                                           describe(*kinds));
    } else {
        for (size_t i = 0; i < kinds->size(); ++i) {
            auto k = read_enum(ctx.diags, (*kinds)[i], pointer_join(o.at("kinds"), i), kChaosKinds);
            if (!k) continue;
            if (std::find(c.kinds.begin(), c.kinds.end(), *k) != c.kinds.end()) {
                ctx.diags.error(pointer_join(o.at("kinds"), i),
                                "expected each kind once, got " + describe((*kinds)[i]) + " again");
                continue;
            }
            c.kinds.push_back(*k);
        }
    }
    c.max_failed_domains = static_cast<int>(o.integer_or("max_failed_domains", 1, IntRange{0, 1000}));
    c.mean_duration = o.duration_or("mean_duration", "30s", DurationMin::kPositive);
    o.finish();
    sc.chaos = c;
}

}  // namespace app::scenario
