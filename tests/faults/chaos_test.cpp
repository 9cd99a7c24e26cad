// Chaos schedules: seeded, varied, and always inside the failure-domain budget.
#include <doctest/doctest.h>

#include <set>

#include "faults/chaos.h"

using namespace sim::literals;
using faults::Kind;

namespace {
sim::TopologySpec stamp8x4() {
    sim::TopologySpec spec;
    spec.regions.push_back(sim::RegionSpec{"west", {sim::StampSpec{"w1", 8, 4, 4, {}, 4}}});
    return spec;
}
faults::ChaosSpec spec_all() {
    faults::ChaosSpec c;
    c.start = 1_min;
    c.end = 30_min;
    c.mean_interval = 20_s;
    c.mean_duration = 40_s;
    c.kinds = {Kind::kNodeCrash, Kind::kRackDown, Kind::kPowerDomainDown, Kind::kTorDown, Kind::kNetworkPartition,
               Kind::kLinkDegrade, Kind::kClog, Kind::kDiskFail, Kind::kDiskSlow, Kind::kDiskCorrupt,
               Kind::kProcessPause, Kind::kClockSkew, Kind::kUpgradeDomainDown};
    return c;
}
}  // namespace

TEST_CASE("chaos: the same seed draws the same schedule; another seed another") {
    sim::Topology t(stamp8x4());
    auto a = faults::draw_chaos_schedule(spec_all(), t, sim::Rng(1).fork("chaos"));
    auto b = faults::draw_chaos_schedule(spec_all(), t, sim::Rng(1).fork("chaos"));
    auto c = faults::draw_chaos_schedule(spec_all(), t, sim::Rng(2).fork("chaos"));
    REQUIRE(a.faults.size() == b.faults.size());
    for (size_t i = 0; i < a.faults.size(); ++i) {
        CHECK(a.faults[i].at == b.faults[i].at);
        CHECK(a.faults[i].kind == b.faults[i].kind);
    }
    bool differ = a.faults.size() != c.faults.size();
    for (size_t i = 0; !differ && i < a.faults.size(); ++i) differ = a.faults[i].at != c.faults[i].at;
    CHECK(differ);
}

TEST_CASE("chaos: every instant stays within max_failed_domains power domains, over many seeds") {
    sim::Topology t(stamp8x4());
    std::set<Kind> kinds_seen;
    for (int budget : {1, 2}) {
        auto spec = spec_all();
        spec.max_failed_domains = budget;
        for (uint64_t seed = 0; seed < 200; ++seed) {
            auto s = faults::draw_chaos_schedule(spec, t, sim::Rng(seed));
            for (const auto& f : s.faults) {
                CHECK(f.at >= spec.start);
                CHECK(f.at < spec.end);
                CHECK(f.from_chaos);
                kinds_seen.insert(f.kind);
                if (f.kind == Kind::kClockSkew) CHECK(std::abs(f.drift) <= spec.max_clock_drift);
            }
            // Sweep every fault start: count the power domains impaired then.
            for (const auto& probe : s.faults) {
                std::set<int> domains;
                int upgrades = 0;
                int active = 0;
                for (const auto& f : s.faults) {
                    const sim::Duration len = f.duration ? *f.duration : f.restart_after ? *f.restart_after : 0_s;
                    if (!(f.at <= probe.at && probe.at < f.at + len)) continue;
                    ++active;
                    if (f.kind == Kind::kUpgradeDomainDown) ++upgrades;
                    for (int r : faults::impaired_racks(f, t)) domains.insert(t.rack(r).power_domain);
                }
                CHECK(static_cast<int>(domains.size()) <= budget);
                if (upgrades > 0) CHECK(active == 1);
            }
        }
    }
    CHECK(kinds_seen.size() == spec_all().kinds.size());
}
