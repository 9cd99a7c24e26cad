// app/world_geo.h: the geo metrics sampler of a World (app/world_geo.cpp has the rest
// of World's geo-replication wiring).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/location/geo_observer.h"
#include "models/location/location_service.h"
#include "models/observe/metrics.h"
#include "sim/simulation.h"

namespace app {

// The time-averaged backlog per account, as a gauge.
inline constexpr std::string_view kGeoBacklog = "location.geo_backlog";

// Every sample interval: per account, the mean lag of the writes its secondary applied in
// the interval (models::observe::kGeoLag, labelled stamp=PRIMARY,account=NAME) and the
// backlog now (location.geo_backlog).
class GeoSampler final : public sim::EventHandler {
public:
    GeoSampler(sim::Simulation& sim, models::observe::MetricsRecorder& metrics, models::location::GeoObserver& observer, sim::Address ls)
        : sim_(sim), metrics_(metrics), observer_(observer), ls_(ls) {}

    void start(sim::Duration interval, sim::Time epoch) {
        interval_ = interval;
        epoch_ = epoch;
        sim_.post(sim_.now() + interval_, this, 0);
    }
    void stop() {
        if (!stopped_) end_ = sim_.now();
        stopped_ = true;
    }
    sim::Time end() const { return stopped_ ? end_ : sim_.now(); }

    void on_event(sim::Simulation& sim, uint64_t) override {
        if (stopped_) return;
        const sim::Time t = sim::Time::zero() + (sim.now() - epoch_);
        auto* ls = dynamic_cast<models::location::LocationService*>(sim.actor(ls_.node, ls_.port));
        for (const auto& [account, f] : observer_.accounts()) {
            std::string labels = "stamp=";
            const std::optional<int> stamp = ls != nullptr ? ls->stamp_of(account) : std::nullopt;
            labels.append(stamp ? sim.topology().stamp(*stamp).name : std::string("?"));
            labels.append(",account=");
            labels.append(account);
            const std::vector<double> lags = observer_.take_recent_lags(account);
            if (!lags.empty()) {
                double sum = 0;
                for (double l : lags) sum += l;
                metrics_.record(t, models::observe::kGeoLag, labels, sum / static_cast<double>(lags.size()));
            }
            metrics_.record(t, kGeoBacklog, labels, static_cast<double>(f.backlog));
        }
        sim.post(sim.now() + interval_, this, 0);
    }

private:
    sim::Simulation& sim_;
    models::observe::MetricsRecorder& metrics_;
    models::location::GeoObserver& observer_;
    sim::Address ls_;
    sim::Duration interval_ = sim::Duration::seconds(1);
    sim::Time epoch_;
    sim::Time end_;
    bool stopped_ = false;
};

}  // namespace app
