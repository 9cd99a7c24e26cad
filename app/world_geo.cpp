// World's geo-replication wiring (app/world.h): one geo replicator per stamp, the
// location service's geo configuration (replicators, failover on stamp_down, the
// scenario's operations), the GeoObserver, the geo lag metrics, and the report figures.
#include <algorithm>

#include "app/world.h"
#include "app/world_geo.h"
#include "reports/histogram.h"
#include "sim/check.h"

namespace app {

namespace obs = models::observe;
namespace loc = models::location;
namespace fe = models::frontend;

sim::Address World::geo_replicator_address(int stamp) const {
    const auto& nodes = stamps_[static_cast<size_t>(stamp)].front_end_nodes;
    SIM_ASSERT(!nodes.empty(), "stamp without front-ends");
    return sim::Address{nodes.front(), loc::kGeoReplicatorPort};
}

const fe::FrontEndStats* World::front_end_stats(int stamp, size_t i) {
    const auto& nodes = stamps_[static_cast<size_t>(stamp)].front_end_nodes;
    if (i >= nodes.size()) return nullptr;
    auto* f = dynamic_cast<fe::FrontEnd*>(sim_->actor(nodes[i], fe::kFrontEndPort));
    return f != nullptr ? &f->stats() : nullptr;
}

void World::build_geo() {
    const auto& geo = s_.storage.location.geo_replication;
    if (!geo.enabled) return;
    const auto& topo = sim_->topology();
    geo_observer_ = std::make_unique<loc::GeoObserver>();
    loc::LocationConfig& lc = *location_config_;
    lc.geo = true;
    lc.observer = geo_observer_.get();
    lc.failover_on_stamp_down = geo.failover_on_stamp_down;
    lc.failover_detection = geo.failover_detection;
    for (size_t s = 0; s < stamps_.size(); ++s) lc.replicators.push_back(geo_replicator_address(static_cast<int>(s)));
    for (const auto& op : s_.operations) {
        loc::GeoOperation g;
        g.at = op.at;
        g.account = op.account;
        g.kind = op.kind == scenario::OperationKind::kFailover ? loc::GeoOperationKind::kFailover
                                                                : loc::GeoOperationKind::kMigrate;
        g.abrupt = op.mode == scenario::FailoverMode::kAbrupt;
        if (!op.to.empty()) g.to = *topo.find_stamp(op.to);
        lc.operations.push_back(g);
    }
    std::stable_sort(lc.operations.begin(), lc.operations.end(),
                     [](const loc::GeoOperation& a, const loc::GeoOperation& b) { return a.at < b.at; });
    const sim::Address ls{location_node_, loc::kLocationServicePort};
    for (size_t s = 0; s < stamps_.size(); ++s) {
        Stamp& st = stamps_[s];
        st.front_end->geo_replicator = lc.replicators[s];
        loc::GeoReplicatorOptions& o = geo_options_.emplace_back();
        o.stamp = static_cast<int>(s);
        o.replicators = lc.replicators;
        for (sim::NodeId n : st.front_end_nodes) o.front_ends.push_back(sim::Address{n, fe::kFrontEndPort});
        o.location_service = ls;
        o.interval = geo.interval;
        o.observer = geo_observer_.get();
        sim_->add_service(lc.replicators[s].node, loc::kGeoReplicatorPort,
                          [&o](sim::Context& ctx) { return loc::make_geo_replicator(ctx, o); });
    }
}

void World::start_geo() {
    if (!geo_observer_) return;
    location_config_->epoch = epoch_;
    geo_observer_->set_epoch(epoch_);
    geo_sampler_ = std::make_unique<GeoSampler>(*sim_, metrics_, *geo_observer_,
                                                sim::Address{location_node_, loc::kLocationServicePort});
    geo_sampler_->start(s_.report.sample_interval, epoch_);
}

void World::stop_geo() {
    if (geo_sampler_) geo_sampler_->stop();
}

namespace {

void lag_figures(const std::vector<double>& lags, double* mean, double* p99, double* max) {
    if (lags.empty()) return;
    reports::LatencyHistogram h;
    double sum = 0;
    for (double l : lags) {
        h.record(static_cast<int64_t>(l * 1e9));
        sum += l;
    }
    *mean = sum / static_cast<double>(lags.size());
    *p99 = static_cast<double>(h.percentile(0.99)) * 1e-9;
    *max = static_cast<double>(h.max()) * 1e-9;
}

}  // namespace

reports::GeoFigures World::geo_figures() const {
    reports::GeoFigures g;
    if (!geo_observer_ || !geo_sampler_) return g;
    const auto& topo = sim_->topology();
    g.enabled = true;
    g.interval_s = s_.storage.location.geo_replication.interval.to_seconds();
    const sim::Time end = geo_sampler_->end();
    g.window_s = (end - epoch_).to_seconds();
    std::vector<double> all_lags;
    double residence_sum = 0, integral = 0;
    for (const auto& [account, f] : geo_observer_->accounts()) {
        reports::GeoAccount a;
        a.account = account;
        a.writes = f.logged;
        a.applied = f.applied;
        a.lost = f.lost;
        lag_figures(f.lags_s, &a.lag_mean_s, &a.lag_p99_s, &a.lag_max_s);
        const double area = geo_observer_->backlog_integral(account, end);
        a.backlog_mean = g.window_s > 0 ? area / g.window_s : 0;
        a.write_rate = g.window_s > 0 ? static_cast<double>(f.logged) / g.window_s : 0;
        const uint64_t left = f.applied + f.lost;
        a.residence_mean_s = left > 0 ? f.residence_sum_s / static_cast<double>(left) : 0;
        g.writes += f.logged;
        g.applied += f.applied;
        g.lost += f.lost;
        all_lags.insert(all_lags.end(), f.lags_s.begin(), f.lags_s.end());
        residence_sum += f.residence_sum_s;
        integral += area;
        g.accounts.push_back(a);
    }
    lag_figures(all_lags, &g.lag_mean_s, &g.lag_p99_s, &g.lag_max_s);
    g.backlog_mean = g.window_s > 0 ? integral / g.window_s : 0;
    g.write_rate = g.window_s > 0 ? static_cast<double>(g.writes) / g.window_s : 0;
    g.residence_mean_s = g.applied + g.lost > 0 ? residence_sum / static_cast<double>(g.applied + g.lost) : 0;

    const auto& hist = history_;
    for (const loc::GeoSwitchRecord& r : geo_observer_->switches()) {
        reports::GeoSwitch w;
        w.account = r.account;
        w.kind = r.kind;
        w.mode = r.mode;
        w.trigger = r.trigger;
        w.from = topo.stamp(r.from).name;
        w.to = topo.stamp(r.to).name;
        // Requests stop succeeding: at the freeze (clean), at once (an abrupt operation), or
        // when the stamp went down, before the location service noticed.
        sim::Time start = r.mode == "clean" ? r.switched - r.drain : r.start;
        if (r.trigger == "stamp_down") {
            for (const faults::FaultRecord& f : injector_->records()) {
                if (f.kind == faults::Kind::kStampDown && f.start <= r.start && f.target.find(w.from) == 0) {
                    start = f.start;
                }
            }
        }
        w.start_s = (r.start - epoch_).to_seconds();
        w.outage_s = (start - epoch_).to_seconds();
        w.switch_s = (r.switched - epoch_).to_seconds();
        w.drain_s = r.drain.to_seconds();
        w.rpo_writes = r.rpo_writes;
        w.rpo_late = r.rpo_late;
        w.rpo_blobs = r.rpo_blobs.size();
        // RTO: until the first request of the account that succeeded after the switch.
        const sim::Time switched = sim::Time::zero() + (r.switched - epoch_);
        const sim::Time from = sim::Time::zero() + (start - epoch_);
        for (const obs::Operation& op : hist.ops()) {
            if (hist.workloads()[op.workload].verify || hist.workloads()[op.workload].auth != obs::AuthMode::kValid) {
                continue;
            }
            if (hist.str(op.account) != r.account || op.complete < switched) continue;
            if (op.status != obs::OpStatus::kOk && op.status != obs::OpStatus::kNotFound) continue;
            const double rto = (op.complete - from).to_seconds();
            if (w.rto_s < 0 || rto < w.rto_s) w.rto_s = rto;
        }
        g.switches.push_back(w);
    }
    return g;
}

}  // namespace app
