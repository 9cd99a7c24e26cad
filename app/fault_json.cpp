#include "app/fault_json.h"

#include <cstdio>

namespace app {

std::string duration_text(sim::Duration d) {
    const int64_t ns = d.ns();
    if (ns % 1'000'000'000 == 0 || ns < 0) return d.to_string();
    // Decimal seconds with trailing zeros trimmed: exact, and readable beside "30s".
    char buf[48];
    std::snprintf(buf, sizeof buf, "%lld.%09lld", static_cast<long long>(ns / 1'000'000'000),
                  static_cast<long long>(ns % 1'000'000'000));
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    return s.append("s");
}

nlohmann::ordered_json fault_to_json(const faults::FaultSpec& f, const sim::Topology& topology) {
    using faults::Kind;
    nlohmann::ordered_json j;
    j["at"] = duration_text(f.at);
    j["kind"] = std::string(faults::kind_name(f.kind));
    const faults::Target& t = f.target;
    if (f.kind == Kind::kRegionPartition) {
        nlohmann::ordered_json regions = nlohmann::ordered_json::array();
        for (int r : t.regions) regions.push_back(topology.region(r).name);
        j["regions"] = regions;
    } else if (t.stamp >= 0) {
        j["stamp"] = topology.stamp(t.stamp).name;
    }
    switch (f.kind) {
        case Kind::kRackDown:
        case Kind::kLinkDegrade:
            j["rack"] = t.rack;
            break;
        case Kind::kTorDown:
            j["rack"] = t.rack;
            j["switch"] = f.switch_index;
            break;
        case Kind::kPowerDomainDown: j["power_domain"] = t.power_domain; break;
        case Kind::kUpgradeDomainDown: j["upgrade_domain"] = t.upgrade_domain; break;
        case Kind::kNetworkPartition: j["groups"] = t.groups; break;
        case Kind::kDiskFail:
        case Kind::kDiskSlow:
        case Kind::kDiskCorrupt:
            if (t.node) j["node"] = topology.node(*t.node).name;
            break;
        case Kind::kNodeCrash:
        case Kind::kProcessPause:
        case Kind::kClockSkew:
        case Kind::kClog:
            if (t.role.empty()) {
                if (t.node) j["node"] = topology.node(*t.node).name;
            } else {
                j["role"] = t.role;
                if (t.node) {
                    j["pick"] = topology.node(*t.node).name;
                } else {
                    j["pick"] = t.pick == faults::Pick::kLeader  ? "leader"
                                : t.pick == faults::Pick::kFirst ? "first"
                                                                 : "random";
                    if (t.count != 1) j["count"] = t.count;
                }
            }
            break;
        case Kind::kStampDown:
        case Kind::kRegionPartition:
        case Kind::kRollingUpgrade: break;
    }
    switch (f.kind) {
        case Kind::kLinkDegrade:
            j["extra_latency"] = duration_text(f.extra_latency);
            j["loss"] = f.loss;
            break;
        case Kind::kClog: j["extra_latency"] = duration_text(f.extra_latency); break;
        case Kind::kDiskSlow: j["factor"] = f.factor; break;
        case Kind::kDiskCorrupt: j["fraction"] = f.fraction; break;
        case Kind::kClockSkew: j["drift"] = f.drift; break;
        case Kind::kNodeCrash:
            if (f.restart_after) j["restart_after"] = duration_text(*f.restart_after);
            break;
        case Kind::kRollingUpgrade: j["per_domain"] = duration_text(f.per_domain); break;
        default: break;
    }
    if (f.duration && f.kind != Kind::kNodeCrash && f.kind != Kind::kRollingUpgrade && f.kind != Kind::kDiskCorrupt) {
        j["for"] = duration_text(*f.duration);
    }
    return j;
}

}  // namespace app
