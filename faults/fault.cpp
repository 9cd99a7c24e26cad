#include "faults/fault.h"

#include <cstdio>

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

namespace {

// Exact when a unit divides the value ("30s", "5m"), otherwise seconds to the millisecond
// ("196.679s"): schedules drawn by chaos read well in the run's header.
std::string readable(sim::Duration d) {
    const int64_t ns = d.ns();
    if (ns % 1'000'000 == 0 || ns < 1'000'000'000) return d.to_string();
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.3fs", d.to_seconds());
    return buf;
}

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

}  // namespace

std::string describe(const FaultSpec& f, std::string_view target) {
    std::string s = "at ";
    s.append(readable(f.at)).append(" ").append(kind_name(f.kind)).append(" ").append(target);
    if (f.duration) s.append(" for ").append(readable(*f.duration));
    if (f.restart_after) s.append(" restart after ").append(readable(*f.restart_after));
    if (f.kind == Kind::kDiskSlow) s.append(" factor ").append(number(f.factor));
    if (f.kind == Kind::kDiskCorrupt) s.append(" fraction ").append(number(f.fraction));
    if (f.kind == Kind::kClockSkew) s.append(" drift ").append(number(f.drift));
    if (f.kind == Kind::kLinkDegrade && f.loss > 0) s.append(" loss ").append(number(f.loss));
    if (f.kind == Kind::kClog || f.kind == Kind::kLinkDegrade) s.append(" +").append(readable(f.extra_latency));
    if (f.from_chaos) s.append(" (chaos)");
    return s;
}

}  // namespace faults
