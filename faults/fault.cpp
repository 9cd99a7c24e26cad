#include "faults/fault.h"

#include <array>
#include <utility>

namespace faults {

namespace {
constexpr std::array<std::pair<Kind, std::string_view>, 16> kNames{{
    {Kind::kNodeCrash, "node_crash"},
    {Kind::kRackDown, "rack_down"},
    {Kind::kPowerDomainDown, "power_domain_down"},
    {Kind::kTorDown, "tor_down"},
    {Kind::kNetworkPartition, "network_partition"},
    {Kind::kRegionPartition, "region_partition"},
    {Kind::kLinkDegrade, "link_degrade"},
    {Kind::kClog, "clog"},
    {Kind::kDiskFail, "disk_fail"},
    {Kind::kDiskSlow, "disk_slow"},
    {Kind::kDiskCorrupt, "disk_corrupt"},
    {Kind::kProcessPause, "process_pause"},
    {Kind::kClockSkew, "clock_skew"},
    {Kind::kStampDown, "stamp_down"},
    {Kind::kUpgradeDomainDown, "upgrade_domain_down"},
    {Kind::kRollingUpgrade, "rolling_upgrade"},
}};
}  // namespace

std::string_view kind_name(Kind k) {
    for (const auto& [kind, name] : kNames) {
        if (kind == k) return name;
    }
    return "?";
}

std::optional<Kind> kind_from_name(std::string_view name) {
    for (const auto& [kind, n] : kNames) {
        if (n == name) return kind;
    }
    return std::nullopt;
}

std::string describe(const FaultSpec& f, std::string_view target) {
    std::string s = "at " + f.at.to_string() + " " + std::string(kind_name(f.kind)) + " " + std::string(target);
    if (f.duration) s += " for " + f.duration->to_string();
    if (f.restart_after) s += " restart after " + f.restart_after->to_string();
    if (f.kind == Kind::kDiskSlow) s += " factor " + std::to_string(f.factor);
    if (f.kind == Kind::kClockSkew) s += " drift " + std::to_string(f.drift);
    if (f.kind == Kind::kClog || f.kind == Kind::kLinkDegrade) s += " +" + f.extra_latency.to_string();
    if (f.from_chaos) s += " (chaos)";
    return s;
}

}  // namespace faults
