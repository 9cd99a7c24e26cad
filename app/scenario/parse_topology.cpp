// Parses "topology": regions, stamps and their shape, roles, network links and disks.
#include <algorithm>
#include <cctype>

#include "app/scenario/sections.h"

namespace app::scenario {

namespace {

const EnumTable<DiskService> kDiskServices = {
    {"fixed", DiskService::kFixed},
    {"exponential", DiskService::kExponential},
};

// Reads a disk object whose missing keys come from `base` (the topology's disk, or the
// spec's defaults for the topology's own disk).
DiskConfig parse_disk(ObjectReader& o, const DiskConfig& base) {
    DiskConfig disk = base;
    disk.latency = o.duration_or("latency", base.latency.to_string(), DurationMin::kZeroOk);
    disk.bandwidth = o.bandwidth_or("bandwidth", base.bandwidth.to_string());
    disk.capacity = o.size_or("capacity", base.capacity.to_string(), false);
    disk.service = o.enumeration_or("service", kDiskServices, base.service);
    o.finish();
    return disk;
}

void parse_link(ObjectReader& net, std::string_view key, LinkConfig* link) {
    const Json* v = net.field(key, Need::kOptional, "an object");
    Json& out = net.out()[std::string(key)];
    ObjectReader o(net.diags(), v ? *v : empty_object(), out, net.at(key));
    link->latency = o.duration_or("latency", link->latency.to_string(), DurationMin::kZeroOk);
    link->bandwidth = o.bandwidth_or("bandwidth", link->bandwidth.to_string());
    o.finish();
}

void parse_network(ObjectReader& o, NetworkConfig* net) {
    parse_link(o, "intra_rack", &net->intra_rack);
    parse_link(o, "inter_rack", &net->inter_rack);
    parse_link(o, "inter_stamp", &net->inter_stamp);
    parse_link(o, "inter_region", &net->inter_region);
    parse_link(o, "client", &net->client);
    o.finish();
}

// The spec's role defaults, from the stamp's size: 3 replicas of each replicated role
// (5 from 5 racks up), a partition server on every fourth node and a front-end on every
// eighth (at least 2 each); never more than the stamp has nodes.
RolesConfig default_roles(int racks, int nodes) {
    RolesConfig r;
    int replicated = racks >= 5 ? 5 : 3;
    r.stream_manager = std::min(replicated, nodes);
    r.partition_manager = std::min(replicated, nodes);
    r.lock_service = std::min(replicated, nodes);
    r.partition_server = std::min(std::max(2, nodes / 4), nodes);
    r.front_end = std::min(std::max(2, nodes / 8), nodes);
    return r;
}

void parse_roles(ObjectReader& st, StampConfig* stamp, bool shape_known) {
    const int nodes = shape_known ? stamp->node_count() : 0;
    RolesConfig def = default_roles(std::max(stamp->racks, 1), std::max(nodes, 1));
    const Json* v = st.field("roles", Need::kOptional, "an object");
    Json& out = st.out()["roles"];
    ObjectReader o(st.diags(), v ? *v : empty_object(), out, st.at("roles"));
    IntRange r{1, shape_known ? nodes : std::numeric_limits<int64_t>::max()};
    auto role = [&](std::string_view key, int fallback) {
        return static_cast<int>(o.integer_or(key, fallback, r));
    };
    stamp->roles.front_end = role("front_end", def.front_end);
    stamp->roles.partition_server = role("partition_server", def.partition_server);
    stamp->roles.stream_manager = role("stream_manager", def.stream_manager);
    stamp->roles.partition_manager = role("partition_manager", def.partition_manager);
    stamp->roles.lock_service = role("lock_service", def.lock_service);
    o.finish();
}

void parse_power_map(ObjectReader& st, StampConfig* stamp, bool racks_known) {
    const Json* v = st.field("power_map", Need::kOptional, "an array of rack lists");
    if (v == nullptr) {
        if (stamp->power_domains > 0) {
            stamp->power_map.assign(stamp->power_domains, {});
            for (int r = 0; r < std::max(stamp->racks, 0); ++r) {
                stamp->power_map[r % stamp->power_domains].push_back(r);
            }
            st.out()["power_map"] = stamp->power_map;
        }
        return;
    }
    Diagnostics& d = st.diags();
    const std::string at = st.at("power_map");
    if (!v->is_array() || v->empty()) {
        d.error(at, "expected a non-empty array of rack lists, got " + describe(*v));
        return;
    }
    if (stamp->power_domains > 0 && v->size() != static_cast<size_t>(stamp->power_domains)) {
        d.error(at, "expected " + std::to_string(stamp->power_domains) +
                        " rack lists (one per power domain), got " + std::to_string(v->size()));
        return;
    }
    std::vector<int> seen(racks_known ? stamp->racks : 0, 0);
    bool ok = true;
    for (size_t p = 0; p < v->size(); ++p) {
        const Json& list = (*v)[p];
        const std::string lat = pointer_join(at, p);
        if (!list.is_array() || list.empty()) {
            d.error(lat, "expected a non-empty array of racks, got " + describe(list));
            ok = false;
            continue;
        }
        std::vector<int> racks;
        for (size_t i = 0; i < list.size(); ++i) {
            IntRange r{0, racks_known ? stamp->racks - 1 : std::numeric_limits<int64_t>::max()};
            auto rack = read_int(d, list[i], pointer_join(lat, i), r);
            if (!rack) {
                ok = false;
                continue;
            }
            if (racks_known && seen[*rack]++ > 0) {
                d.error(pointer_join(lat, i), "expected each rack in one power domain, got rack " +
                                                  std::to_string(*rack) + " a second time");
                ok = false;
            }
            racks.push_back(static_cast<int>(*rack));
        }
        stamp->power_map.push_back(racks);
    }
    if (ok && racks_known) {
        for (int r = 0; r < stamp->racks; ++r) {
            if (seen[r] == 0) {
                d.error(at, "expected every rack in a power domain, got no power domain for rack " +
                                std::to_string(r));
            }
        }
    }
    if (stamp->power_domains <= 0) stamp->power_domains = static_cast<int>(v->size());
}

void parse_stamp(ParseContext& ctx, const Json& in, Json& out, const std::string& at,
                 const TopologyConfig& topo, StampConfig* stamp) {
    ObjectReader o(ctx.diags, in, out, at);
    const size_t errors_before = ctx.diags.size();
    if (auto name = o.string("name", Need::kRequired)) {
        if (is_identifier(*name)) {
            stamp->name = *name;
        } else {
            // Built with append: GCC 12 reports a false -Warray-bounds on the chained
            // operator+ form (GCC bug 105329).
            std::string message = "expected ";
            message.append(kIdentifierExpected).append(", got ").append(describe(in["name"]));
            ctx.diags.error(o.at("name"), message);
        }
    }
    IntRange count{1, 1000};
    stamp->racks = static_cast<int>(o.integer("racks", count, Need::kRequired).value_or(-1));
    stamp->nodes_per_rack =
        static_cast<int>(o.integer("nodes_per_rack", count, Need::kRequired).value_or(-1));
    const bool racks_known = stamp->racks > 0;
    const bool shape_known = racks_known && stamp->nodes_per_rack > 0;

    // power_domains defaults to the power_map's length, else to min(racks, 4).
    IntRange pd{1, racks_known ? stamp->racks : 1000};
    if (o.has("power_domains")) {
        stamp->power_domains =
            static_cast<int>(o.integer("power_domains", pd, Need::kOptional).value_or(-1));
    } else if (o.has("power_map") && in["power_map"].is_array() && !in["power_map"].empty()) {
        stamp->power_domains = static_cast<int>(in["power_map"].size());
        o.out()["power_domains"] = stamp->power_domains;
        o.declare("power_domains");
    } else {
        stamp->power_domains = racks_known ? std::min(stamp->racks, 4) : -1;
        o.integer_or("power_domains", stamp->power_domains, pd);
    }
    parse_power_map(o, stamp, racks_known && stamp->power_domains > 0);

    IntRange ud{1, stamp->nodes_per_rack > 0 ? stamp->nodes_per_rack : 1000};
    int ud_default = stamp->nodes_per_rack > 0 ? std::min(5, stamp->nodes_per_rack) : 5;
    if (o.has("upgrade_domains")) {
        stamp->upgrade_domains =
            static_cast<int>(o.integer("upgrade_domains", ud, Need::kOptional).value_or(-1));
    } else {
        stamp->upgrade_domains = static_cast<int>(o.integer_or("upgrade_domains", ud_default, ud));
    }
    parse_roles(o, stamp, shape_known);

    if (const Json* disk = o.field("disk", Need::kOptional, "an object")) {
        ObjectReader dr(ctx.diags, *disk, o.out()["disk"], o.at("disk"));
        stamp->disk = parse_disk(dr, topo.disk);
        stamp->disk_overridden = true;
    } else {
        stamp->disk = topo.disk;
    }
    o.finish();
    if (ctx.diags.size() != errors_before && !stamp->name.empty()) {
        ctx.invalid_stamps.insert(stamp->name);
    }
}

}  // namespace

bool is_identifier(const std::string& s) {
    if (s.empty() || s.size() > 64) return false;
    if (!std::isalnum(static_cast<unsigned char>(s[0]))) return false;
    for (char c : s) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
            return false;
        }
    }
    return true;
}

std::optional<NodeRef> parse_node_name(const std::string& text) {
    auto first = text.find('/');
    if (first == std::string::npos || first == 0) return std::nullopt;
    auto second = text.find('/', first + 1);
    if (second == std::string::npos) return std::nullopt;
    auto number = [](std::string_view s, char prefix, int* out) {
        if (s.size() < 2 || s.size() > 7 || s[0] != prefix) return false;
        int v = 0;
        for (char c : s.substr(1)) {
            if (c < '0' || c > '9') return false;
            v = v * 10 + (c - '0');
        }
        *out = v;
        return true;
    };
    NodeRef ref;
    ref.stamp = text.substr(0, first);
    std::string_view rest(text);
    if (!number(rest.substr(first + 1, second - first - 1), 'r', &ref.rack)) return std::nullopt;
    if (!number(rest.substr(second + 1), 'n', &ref.index)) return std::nullopt;
    return ref;
}

void parse_topology(ParseContext& ctx, ObjectReader& top, Scenario& sc) {
    const Json* v = top.field("topology", Need::kRequired, "an object");
    if (v == nullptr) return;
    ObjectReader o(ctx.diags, *v, top.out()["topology"], top.at("topology"));
    if (!o.is_object()) return;
    TopologyConfig& topo = sc.topology;

    // The topology's disk first: stamps inherit it.
    {
        const Json* disk = o.field("disk", Need::kOptional, "an object");
        ObjectReader dr(ctx.diags, disk ? *disk : empty_object(), o.out()["disk"], o.at("disk"));
        topo.disk = parse_disk(dr, DiskConfig{});
    }
    {
        const Json* net = o.field("network", Need::kOptional, "an object");
        ObjectReader nr(ctx.diags, net ? *net : empty_object(), o.out()["network"],
                        o.at("network"));
        parse_network(nr, &topo.network);
    }

    const Json* regions = o.field("regions", Need::kRequired, "a non-empty array of regions");
    if (regions != nullptr) {
        if (!regions->is_array() || regions->empty()) {
            ctx.diags.error(o.at("regions"),
                            "expected a non-empty array of regions, got " + describe(*regions));
        } else {
            std::set<std::string> region_names;
            std::set<std::string> stamp_names;
            Json& regions_out = o.out()["regions"];
            for (size_t i = 0; i < regions->size(); ++i) {
                const std::string rat = pointer_join(o.at("regions"), i);
                ObjectReader ro(ctx.diags, (*regions)[i], regions_out[i], rat);
                RegionConfig region;
                if (auto name = ro.string("name", Need::kRequired)) {
                    if (!is_identifier(*name)) {
                        std::string message = "expected ";  // append: see parse_stamp
                        message.append(kIdentifierExpected).append(", got \"").append(*name).append("\"");
                        ctx.diags.error(ro.at("name"), message);
                    } else if (!region_names.insert(*name).second) {
                        ctx.diags.error(ro.at("name"), "expected a region name used once, got \"" +
                                                           *name + "\" a second time");
                    } else {
                        region.name = *name;
                    }
                }
                const Json* stamps =
                    ro.field("stamps", Need::kRequired, "a non-empty array of stamps");
                if (stamps != nullptr && (!stamps->is_array() || stamps->empty())) {
                    ctx.diags.error(ro.at("stamps"), "expected a non-empty array of stamps, got " +
                                                         describe(*stamps));
                } else if (stamps != nullptr) {
                    for (size_t s = 0; s < stamps->size(); ++s) {
                        StampConfig stamp;
                        stamp.region = region.name;
                        const std::string sat = pointer_join(ro.at("stamps"), s);
                        parse_stamp(ctx, (*stamps)[s], ro.out()["stamps"][s], sat, topo, &stamp);
                        if (!stamp.name.empty() && !stamp_names.insert(stamp.name).second) {
                            ctx.diags.error(pointer_join(sat, "name"),
                                            "expected a stamp name used once, got \"" +
                                                stamp.name + "\" a second time");
                            continue;
                        }
                        region.stamps.push_back(std::move(stamp));
                    }
                }
                ro.finish();
                topo.regions.push_back(std::move(region));
            }
        }
    }
    o.finish();
}

}  // namespace app::scenario
