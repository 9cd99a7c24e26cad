// Geo-replication, migration and failover end to end (models/location/geo_replicator.h,
// location_service.h): the secondary converges, clean moves lose nothing, stale DNS
// answers recover through wrong_stamp, an abrupt failover loses no more than its measured
// backlog, and the measured backlog obeys Little's law (reference §9 O9).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "app/report_config.h"
#include "app/scenario/loader.h"
#include "app/world.h"
#include "models/location/geo_replicator.h"
#include "reports/run_result.h"

namespace {

namespace loc = models::location;
namespace obs = models::observe;

app::scenario::Scenario load_file(const std::string& name, std::vector<std::string> overrides = {}) {
    app::scenario::LoadOptions o;
    o.overrides = std::move(overrides);
    auto r = app::scenario::load_scenario_file(std::filesystem::path(STAMPSIM_SOURCE_DIR) / "scenarios" / name, o);
    for (const auto& m : r.messages()) MESSAGE(m);
    REQUIRE(r.ok());
    return *r.scenario;
}

const loc::GeoReplicator* replicator(app::World& w, int stamp) {
    const sim::Address a = w.geo_replicator_address(stamp);
    return dynamic_cast<const loc::GeoReplicator*>(w.sim().actor(a.node, a.port));
}

// Little's law: the time-averaged backlog L against lambda * W, within 10%.
void check_little(const reports::GeoFigures& g) {
    const double lambda_w = g.write_rate * g.residence_mean_s;
    MESSAGE("backlog L " << g.backlog_mean << ", lambda " << g.write_rate << "/s x W " << g.residence_mean_s
                         << " s = " << lambda_w);
    REQUIRE(lambda_w > 1.0);
    CHECK(std::abs(g.backlog_mean - lambda_w) <= 0.1 * lambda_w);
}

}  // namespace

TEST_CASE("geo replication converges: after quiescence the secondary holds every write the primary acknowledged") {
    // The clean-migration scenario without its operations: w1 replicates to e1.
    auto s = load_file("geo-migration-clean.json", {"operations=[]", "duration=40s", "drain=10s"});
    app::World w(s, s.seed, app::WorldOptions{});
    w.run({});
    const loc::GeoObserver* o = w.geo_observer();
    REQUIRE(o != nullptr);
    const auto& f = o->accounts().at("photos");
    CHECK(f.logged > 1000);
    CHECK(f.applied == f.logged);
    CHECK(f.lost == 0);
    CHECK(f.backlog == 0);
    const auto* primary = replicator(w, 0);
    const auto* secondary = replicator(w, 2);  // e1: stamps in file order w1, w2, e1
    REQUIRE(primary != nullptr);
    REQUIRE(secondary != nullptr);
    for (const auto& [target, entries] : primary->durable().pending) CHECK(entries.empty());
    // Every blob the clients wrote with an acknowledgement is at the secondary with the
    // primary's latest content (or deleted there too).
    const auto& h = w.history();
    std::map<loc::BlobKey, bool> written;
    for (const obs::Operation& op : h.ops()) {
        if (op.is_write() && op.status == obs::OpStatus::kOk) {
            written[loc::BlobKey{h.str(op.account), h.str(op.container), h.str(op.blob)}] = true;
        }
    }
    REQUIRE(written.size() > 500);
    size_t checked = 0;
    for (const auto& [key, yes] : written) {
        auto p = primary->durable().inventory.find(key);
        auto q = secondary->durable().inventory.find(key);
        REQUIRE(p != primary->durable().inventory.end());
        REQUIRE(q != secondary->durable().inventory.end());
        CHECK(p->second.change.deleted == q->second.change.deleted);
        if (!p->second.change.deleted) {
            CHECK(p->second.change.fingerprint == q->second.change.fingerprint);
            CHECK(p->second.change.size_bytes == q->second.change.size_bytes);
        }
        ++checked;
    }
    CHECK(checked == written.size());
    auto r = w.take_result(0);
    CHECK(r.geo.enabled);
    CHECK(r.geo.lost == 0);
    CHECK(r.geo.lag_mean_s > 0);
    CHECK(r.geo.lag_max_s < 5.0);  // interval 1 s: a change waits at most about one interval
    check_little(r.geo);
}

TEST_CASE("a migration to a third stamp and a clean failover lose nothing; stale DNS answers recover via wrong_stamp") {
    auto s = load_file("geo-migration-clean.json");
    app::World w(s, s.seed, app::WorldOptions{});
    w.run({});
    // Clients that resolved before the migration were sent back by w1's front-ends.
    uint64_t wrong_stamp = 0, parked = 0;
    for (int stamp = 0; stamp < 3; ++stamp) {
        for (size_t i = 0; i < w.front_end_nodes(stamp).size(); ++i) {
            if (const auto* st = w.front_end_stats(stamp, i)) {
                wrong_stamp += st->wrong_stamp;
                parked += st->parked;
            }
        }
    }
    CHECK(wrong_stamp > 0);
    CHECK(parked > 0);
    auto r = w.take_result(0);
    r.checks = app::to_check_spec(s.checks);
    r.report = app::to_report_options(s.report);
    REQUIRE(r.geo.switches.size() == 2);
    const auto& mig = r.geo.switches[0];
    const auto& fo = r.geo.switches[1];
    CHECK(mig.kind == "migrate");
    CHECK(mig.from == "w1");
    CHECK(mig.to == "w2");
    CHECK(fo.kind == "failover");
    CHECK(fo.mode == "clean");
    CHECK(fo.from == "w2");
    CHECK(fo.to == "e1");
    for (const auto& sw : r.geo.switches) {
        CHECK(sw.rpo_writes == 0);
        CHECK(sw.rto_s >= 0);
        CHECK(sw.rto_s < 10);
    }
    // After each switch, every request of the account that began once clients could have
    // re-resolved (a DNS TTL later) succeeded: the stale answers recovered.
    const auto& h = r.history;
    uint64_t after = 0;
    for (const obs::Operation& op : h.ops()) {
        if (h.workloads()[op.workload].verify) continue;
        if (op.invoke.to_seconds() < fo.switch_s + 10) continue;
        ++after;
        CHECK((op.status == obs::OpStatus::kOk || op.status == obs::OpStatus::kNotFound));
    }
    CHECK(after > 1000);
    const reports::RunAnalysis a = reports::analyze(r);
    for (const auto& c : a.checks) CHECK_MESSAGE(c.held, c.name << ": " << c.detail);
    CHECK(a.verdict.exit_code == 0);
}

TEST_CASE("an abrupt failover after a stamp outage loses at most the measured backlog; Little's law holds") {
    auto s = load_file("geo-failover-abrupt.json");
    app::World w(s, s.seed, app::WorldOptions{});
    w.run({});
    auto r = w.take_result(0);
    r.checks = app::to_check_spec(s.checks);
    r.report = app::to_report_options(s.report);
    REQUIRE(r.geo.switches.size() == 1);
    const auto& sw = r.geo.switches[0];
    CHECK(sw.mode == "abrupt");
    CHECK(sw.trigger == "stamp_down");
    CHECK(sw.from == "w1");
    CHECK(sw.to == "e1");
    CHECK(sw.rpo_writes > 0);
    CHECK(sw.start_s - sw.outage_s <= 5.0 + 1.5);  // failover_detection plus a probe interval
    CHECK(sw.rto_s > 0);
    const reports::RunAnalysis a = reports::analyze(r);
    const reports::CheckResult* durability = nullptr;
    for (const auto& c : a.checks) {
        if (c.name == "durability") durability = &c;
    }
    REQUIRE(durability != nullptr);
    CHECK_FALSE(durability->held);
    const uint64_t lost = durability->figures.value("lost", uint64_t{0});
    const uint64_t unverified = durability->figures.value("unverified", uint64_t{0});
    MESSAGE("lost blobs " << lost << ", RPO " << sw.rpo_writes << " writes to " << sw.rpo_blobs << " blobs");
    CHECK(lost > 0);
    CHECK(unverified == 0);
    CHECK(lost <= sw.rpo_blobs);  // never more than the backlog at the switch
    CHECK(sw.rpo_blobs <= sw.rpo_writes);
    // The backlog just before the switch is what Little's law predicts on average.
    check_little(r.geo);
    CHECK(a.verdict.exit_code == 0);  // expect: fail, and durability did fail
}
