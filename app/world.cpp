#include "app/world.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <utility>

#include "app/planted_bugs.h"
#include "app/world_geo.h"
#include "app/world_specs.h"
#include "models/frontend/auth.h"
#include "models/location/dns.h"
#include "models/lock/lock_service.h"
#include "models/partition/key.h"
#include "models/partition/lock_leases.h"
#include "models/partition/manager_state.h"
#include "models/partition/partition_manager.h"
#include "models/ports.h"
#include "models/stream/stream_manager.h"
#include "sim/check.h"

namespace app {

namespace obs = models::observe;
namespace part = models::partition;
namespace strm = models::stream;
namespace fe = models::frontend;
namespace cl = models::client;
namespace loc = models::location;

// --------------------------------------------------------------------------- metrics

// Samples the gauges that reports/ charts, every report.sample_interval of simulated time:
// load per partition server, extent node and rack (operations per second over the last
// interval), under-replicated extents, range partitions, and split/merge/move events.
class MetricsSampler final : public sim::EventHandler {
public:
    struct StampView {
        std::string name;
        const strm::StreamLayer* streams = nullptr;
        const part::PartitionLayer* partitions = nullptr;
    };

    MetricsSampler(sim::Simulation& sim, obs::MetricsRecorder& metrics, std::vector<StampView> stamps)
        : sim_(sim), metrics_(metrics), stamps_(std::move(stamps)) {
        const auto& topo = sim_.topology();
        for (size_t s = 0; s < stamps_.size(); ++s) {
            const auto& st = topo.stamp(static_cast<int>(s));
            Per& p = per_.emplace_back();
            const auto* pl = stamps_[s].partitions;
            for (size_t i = 0; i < pl->servers().size(); ++i) {
                const sim::NodeId n = pl->servers()[i].node;
                p.server_series.push_back(
                    metrics_.series(obs::kPartitionServerLoad, "server=" + topo.node(n).name));
                p.server_last.push_back(0);
            }
            for (sim::NodeId n : st.nodes) {
                p.node_ids.push_back(n);
                p.node_series.push_back(metrics_.series(obs::kExtentNodeLoad, "node=" + topo.node(n).name));
                p.node_last.push_back(0);
            }
            for (int r : st.racks) {
                p.rack_series.push_back(
                    metrics_.series(obs::kRackLoad, "rack=" + st.name + "/r" + std::to_string(topo.rack(r).index)));
            }
            p.under_replicated = metrics_.series(obs::kUnderReplicatedExtents, "stamp=" + st.name);
            p.range_count = metrics_.series(obs::kRangePartitionCount, "stamp=" + st.name);
            p.unserved = metrics_.series(obs::kUnservedRanges, "stamp=" + st.name);
        }
    }

    void start(sim::Duration interval, sim::Time epoch) {
        interval_ = interval;
        epoch_ = epoch;
        sim_.post(sim_.now() + interval_, this, 0);
    }
    void stop() { stopped_ = true; }

    void on_event(sim::Simulation& sim, uint64_t) override {
        if (stopped_) return;
        sample(sim::Time::zero() + (sim.now() - epoch_));
        sim.post(sim.now() + interval_, this, 0);
    }

    // The replicated counters of a stamp's partition manager (any replica that is up and
    // has the newest map), or null.
    static const part::ManagerData* manager_data(sim::Simulation& sim, const part::PartitionLayer& pl) {
        const part::ManagerData* best = nullptr;
        for (const sim::Address& a : pl.managers()) {
            auto* m = dynamic_cast<part::PartitionManager*>(sim.actor(a.node, a.port));
            if (m == nullptr) continue;
            const part::ManagerData& d = m->state().data();
            if (!d.initialized) continue;
            if (best == nullptr || d.map.version() > best->map.version()) best = &d;
        }
        return best;
    }

private:
    struct Per {
        std::vector<obs::SeriesId> server_series;
        std::vector<uint64_t> server_last;
        std::vector<sim::NodeId> node_ids;
        std::vector<obs::SeriesId> node_series;
        std::vector<uint64_t> node_last;
        std::vector<obs::SeriesId> rack_series;
        obs::SeriesId under_replicated;
        obs::SeriesId range_count;
        obs::SeriesId unserved;
        uint64_t splits = 0, merges = 0, moves = 0;
        bool counters_known = false;
    };

    void sample(sim::Time now) {
        const double secs = interval_.to_seconds();
        const auto& topo = sim_.topology();
        for (size_t s = 0; s < stamps_.size(); ++s) {
            Per& p = per_[s];
            const auto* pl = stamps_[s].partitions;
            for (size_t i = 0; i < p.server_series.size(); ++i) {
                const part::PartitionServer* srv = pl->server(static_cast<int>(i));
                const uint64_t total = srv != nullptr ? srv->stats().requests : 0;
                // A restarted server counts from zero again.
                const uint64_t delta = total >= p.server_last[i] ? total - p.server_last[i] : total;
                p.server_last[i] = total;
                metrics_.record(now, p.server_series[i], static_cast<double>(delta) / secs);
            }
            const strm::StreamMetrics& sm = stamps_[s].streams->metrics();
            const auto& st = topo.stamp(static_cast<int>(s));
            std::vector<double> rack_load(st.racks.size(), 0.0);
            for (size_t i = 0; i < p.node_ids.size(); ++i) {
                const uint32_t id = p.node_ids[i].value;
                const uint64_t total = id < sm.node_appends.size() ? sm.node_appends[id] : 0;
                const double load = static_cast<double>(total - p.node_last[i]) / secs;
                p.node_last[i] = total;
                metrics_.record(now, p.node_series[i], load);
                rack_load[static_cast<size_t>(topo.node(p.node_ids[i]).rack_in_stamp)] += load;
            }
            for (size_t r = 0; r < rack_load.size(); ++r) metrics_.record(now, p.rack_series[r], rack_load[r]);
            const int under = sm.under_replicated.empty() ? 0 : sm.under_replicated.back().second;
            metrics_.record(now, p.under_replicated, static_cast<double>(under));
            if (const part::ManagerData* d = manager_data(sim_, *pl)) {
                metrics_.record(now, p.range_count, static_cast<double>(d->map.size()));
                int unserved = 0;
                for (const part::RangeInfo& r : d->map.ranges()) {
                    const part::PartitionServer* srv = r.server.valid() ? pl->server(r.server.value) : nullptr;
                    if (srv == nullptr || !srv->serving(r.id)) {
                        ++unserved;
                    }
                }
                metrics_.record(now, p.unserved, static_cast<double>(unserved));
                if (p.counters_known) {
                    const std::string labels = "stamp=" + st.name;
                    for (uint64_t k = p.splits; k < d->splits; ++k) metrics_.event(now, obs::kSplitEvent, labels);
                    for (uint64_t k = p.merges; k < d->merges; ++k) metrics_.event(now, obs::kMergeEvent, labels);
                    for (uint64_t k = p.moves; k < d->moves; ++k) metrics_.event(now, obs::kMoveEvent, labels);
                }
                p.splits = std::max(p.splits, d->splits);
                p.merges = std::max(p.merges, d->merges);
                p.moves = std::max(p.moves, d->moves);
                p.counters_known = true;
            }
        }
    }

    sim::Simulation& sim_;
    obs::MetricsRecorder& metrics_;
    std::vector<StampView> stamps_;
    std::vector<Per> per_;
    sim::Duration interval_ = sim::Duration::seconds(1);
    sim::Time epoch_;
    bool stopped_ = false;
};

// --------------------------------------------------------------------------- world

namespace {

obs::AuthMode auth_mode(scenario::WorkloadAuth a) {
    switch (a) {
        case scenario::WorkloadAuth::kValid: return obs::AuthMode::kValid;
        case scenario::WorkloadAuth::kInvalid: return obs::AuthMode::kInvalid;
        case scenario::WorkloadAuth::kNone: return obs::AuthMode::kNone;
        case scenario::WorkloadAuth::kOtherAccount: return obs::AuthMode::kOtherAccount;
    }
    return obs::AuthMode::kValid;
}

cl::TraceFormat trace_format(scenario::TraceFormat f) {
    return f == scenario::TraceFormat::kAzureFunctionsBlob2020 ? cl::TraceFormat::kAzureFunctionsBlob2020
                                                               : cl::TraceFormat::kTectonicChunk;
}

constexpr sim::Port kDriverPort = models::ports::kClientFirst;

}  // namespace

World::World(const scenario::Scenario& s, uint64_t seed, WorldOptions options)
    : s_(s), seed_(seed), options_(std::move(options)), metrics_(s.report.sample_interval) {
    sim_ = std::make_unique<sim::Simulation>(topology_spec(s), simulation_config(s, seed));
    if (s.report.trace) sim_->tracer().enable(2'000'000);

    stream_config_ = stream_config(s.storage.stream);
    partition_config_ = partition_config(s.storage.partition);
    raft_ = models::consensus::RaftConfig::from_storage(stream_config_.heartbeat, stream_config_.node_timeout);
    lock_config_.lease = s.storage.partition.lease;
    lock_client_ = models::lock::LockClientConfig::from(lock_config_);
    front_end_template_.map_cache_ttl = s.storage.front_end.map_cache_ttl;
    front_end_template_.request_timeout = s.storage.front_end.request_timeout;
    BugTargets bugs;
    bugs.raft = &raft_;
    bugs.lock_client = &lock_client_;
    bugs.stream = &stream_config_;
    bugs.partition = &partition_config_;
    bugs.front_end = &front_end_template_;
    apply_planted_bug(s.debug.bug, bugs);

    for (const auto& a : s.accounts) {
        keys_[a.name] = a.key ? a.key_bytes : fe::derive_account_key(seed, a.name);
    }
    build_location();  // placement first: front-ends learn which accounts they serve
    build_stamps();
    build_clients();
    build_faults();
}

World::~World() {
    // Actors first: they point into the stamps' options, observers and payload stores.
    sim_.reset();
}

void World::build_location() {
    const auto& topo = sim_->topology();
    location_node_ = sim_->add_client(0);
    location_config_ = std::make_unique<loc::LocationConfig>();
    for (const auto& st : topo.stamps()) location_config_->stamps.push_back(loc::StampInfo{st.name, {}});
    for (const auto& a : s_.accounts) {
        loc::AccountSpec spec;
        spec.name = a.name;
        if (a.stamp) spec.stamp = *topo.find_stamp(*a.stamp);
        if (a.secondary) spec.secondary = *topo.find_stamp(*a.secondary);
        double load = 0;
        for (const auto& w : s_.workloads) {
            if (w.account == a.name) load += w.arrival.rate + w.arrival.clients;
        }
        spec.expected_load = std::max(load, 1.0);
        location_config_->accounts.push_back(spec);
    }
    location_config_->placement = s_.storage.location.placement == scenario::Placement::kLeastLoaded
                                      ? loc::PlacementPolicy::kLeastLoaded
                                      : loc::PlacementPolicy::kRoundRobin;
    for (const auto& [name, entry] : loc::place_accounts(*location_config_)) account_stamp_[name] = entry.stamp;
}

std::vector<std::string> World::initial_boundaries(int stamp) const {
    const int n = s_.storage.partition.initial_partitions;
    if (n <= 1) return {};
    // Spread the boundaries evenly over the key spaces the stamp's synthetic workloads use,
    // so that pre-split ranges carry similar load; accounts without one split at their start.
    struct Space {
        std::string account, container;
        uint64_t count = 0;
        std::optional<cl::WorkloadGenerator> gen;
    };
    std::vector<Space> spaces;
    for (const auto& w : s_.workloads) {
        if (account_stamp_.at(w.account) != stamp || w.kind != scenario::WorkloadKind::kSynthetic) continue;
        Space sp{w.account, w.container, static_cast<uint64_t>(w.keys.count), {}};
        sp.gen.emplace(workload_spec(w), sim::Rng(0));
        spaces.push_back(std::move(sp));
    }
    std::set<std::string> out;
    if (spaces.empty()) {
        for (const auto& [name, st] : account_stamp_) {
            if (st == stamp && static_cast<int>(out.size()) < n - 1) out.insert(part::encode_key(name, "", ""));
        }
        out.erase(std::string());
        return {out.begin(), out.end()};
    }
    std::sort(spaces.begin(), spaces.end(), [](const Space& a, const Space& b) {
        return std::tie(a.account, a.container) < std::tie(b.account, b.container);
    });
    uint64_t total = 0;
    for (const auto& sp : spaces) total += sp.count;
    for (int j = 1; j < n; ++j) {
        uint64_t target = total * static_cast<uint64_t>(j) / static_cast<uint64_t>(n);
        for (const auto& sp : spaces) {
            if (target < sp.count) {
                out.insert(part::encode_key(sp.account, sp.container, sp.gen->key_name(target)));
                break;
            }
            target -= sp.count;
        }
    }
    return {out.begin(), out.end()};
}

void World::build_stamps() {
    auto& topo = sim_->topology();
    for (size_t si = 0; si < topo.stamps().size(); ++si) {
        const int stamp = static_cast<int>(si);
        const scenario::StampConfig* sc = nullptr;
        for (const auto& r : s_.topology.regions) {
            for (const auto& st : r.stamps) {
                if (st.name == topo.stamp(stamp).name) sc = &st;
            }
        }
        SIM_ASSERT(sc != nullptr, "stamp " << topo.stamp(stamp).name << " not in the scenario");
        Stamp& st = stamps_.emplace_back();
        st.index = stamp;

        strm::StreamLayerOptions so;
        so.config = stream_config_;
        so.stamp = stamp;
        so.stream_managers = sc->roles.stream_manager;
        so.raft = raft_;
        // The stream layer's invariants (placement spread, acknowledged appends on every
        // replica, seal lengths, stale reports) are checked in every run, record-only.
        st.stream_observer = std::make_unique<strm::StreamObserver>(*sim_, stream_config_.replicas);
        st.stream_observer->set_record_only(true);
        so.observer = st.stream_observer.get();
        st.streams = std::make_unique<strm::StreamLayer>(*sim_, so);

        const auto lock_place = topo.place_role(stamp, sc->roles.lock_service, 4, "lock_service");
        if (!lock_place.warning.empty()) warnings_.push_back(lock_place.warning);
        st.lock_group = models::lock::deploy_lock_service(*sim_, lock_place.nodes, lock_config_, raft_);

        part::PartitionLayerOptions po;
        po.config = partition_config_;
        po.stamp = stamp;
        po.servers = sc->roles.partition_server;
        po.managers = sc->roles.partition_manager;
        po.raft = raft_;
        po.leases = part::lock_service_leases(st.lock_group, lock_client_);
        po.initial_boundaries = initial_boundaries(stamp);
        // The partition layer's invariants are asserted during every run (exit 3).
        st.partition_observer = std::make_unique<part::PartitionObserver>();
        st.partition_observer->set_record_only(true);
        po.observer = st.partition_observer.get();
        st.partitions = part::deploy_partition_layer(*sim_, *st.streams, std::move(po));

        const auto fe_place = topo.place_role(stamp, sc->roles.front_end, 5, "front_end");
        if (!fe_place.warning.empty()) warnings_.push_back(fe_place.warning);
        st.front_end_nodes = fe_place.nodes;
        st.front_end = std::make_unique<fe::FrontEndOptions>(front_end_template_);
        fe::FrontEndOptions& fo = *st.front_end;
        fo.stamp = stamp;
        fo.managers = st.partitions->managers();
        fo.stream = st.streams->client_options();  // large reads go to the extent nodes
        fo.metrics = &front_end_metrics_;
        fo.keys = &keys_;
        for (const auto& [name, at] : account_stamp_) {
            if (at == stamp) fo.initial_accounts.push_back(name);
        }
        fo.location_service = sim::Address{location_node_, loc::kLocationServicePort};
        for (sim::NodeId n : st.front_end_nodes) {
            location_config_->stamps[si].front_ends.push_back(sim::Address{n, fe::kFrontEndPort});
            sim_->add_service(n, fe::kFrontEndPort,
                              [&fo](sim::Context& ctx) { return fe::make_front_end(ctx, fo); });
        }
    }
    build_geo();
    // The location service and DNS run outside the stamps, on a node of the first region.
    location_config_->dns = sim::Address{location_node_, loc::kDnsPort};
    const sim::Duration ttl = s_.storage.location.dns_ttl;
    const sim::Address ls{location_node_, loc::kLocationServicePort};
    sim_->add_service(location_node_, loc::kDnsPort, [ttl, ls](sim::Context& ctx) {
        return std::make_unique<loc::DnsServer>(ctx, ttl, ls);
    });
    const loc::LocationConfig* lc = location_config_.get();
    sim_->add_service(location_node_, loc::kLocationServicePort,
                      [lc](sim::Context& ctx) { return std::make_unique<loc::LocationService>(ctx, *lc); });
}

// A client gives one attempt this long before it retries (through another front-end if
// the load balancer took this one out): at most 10 s, as SDK per-try timeouts are, and
// never shorter than the front-end's own request timeout plus a margin when that is short.
sim::Duration World::client_attempt_timeout() const {
    return std::min(s_.storage.front_end.request_timeout + sim::Duration::seconds(5), sim::Duration::seconds(10));
}

void World::build_clients() {
    auto& topo = sim_->topology();
    (void)topo;
    uint32_t client_base = 0;
    for (const auto& w : s_.workloads) {
        cl::ClientDriverOptions& o = drivers_.emplace_back();
        o.kind = w.kind == scenario::WorkloadKind::kSynthetic ? cl::DriverKind::kSynthetic : cl::DriverKind::kTrace;
        o.name = w.name;
        o.auth = auth_mode(w.auth);
        o.history_workload = history_.add_workload(obs::WorkloadInfo{w.name, o.auth, false});
        o.client_base = client_base;
        client_base += static_cast<uint32_t>(std::max(1, w.arrival.clients));
        o.history = &history_;
        o.account = w.account;
        o.container = w.container;
        o.key = keys_.at(w.account);
        // Another account's key (or one derived for a name no account has).
        o.other_key = fe::derive_account_key(seed_ ^ 0x5bd1e995, w.account + "#other");
        for (const auto& [name, key] : keys_) {
            if (name != w.account) {
                o.other_key = key;
                break;
            }
        }
        o.keys = &keys_;
        o.dns = sim::Address{location_node_, loc::kDnsPort};
        // start, end and epoch are set when the load period begins (run()).
        o.retry.attempt_timeout = client_attempt_timeout();
        if (w.kind == scenario::WorkloadKind::kSynthetic) {
            o.spec = workload_spec(w);
        } else {
            o.trace_path = w.trace.resolved_path;
            o.trace_format = trace_format(w.trace.format);
            o.trace_speed = w.trace.speed;
        }
        const int stamp = account_stamp_.at(w.account);
        const int region = sim_->topology().stamp(stamp).region;
        driver_addresses_.push_back(sim::Address{sim_->add_client(region), kDriverPort});
    }
}

void World::build_faults() {
    plan_ = fault_plan(s_, sim_->topology());
    if (s_.chaos) {
        chaos_ = faults::draw_chaos_schedule(chaos_spec(*s_.chaos), sim_->topology(), sim_->rng().fork("chaos"));
        for (auto& f : chaos_.faults) f.from_chaos = true;
    }
    injector_ = std::make_unique<faults::Injector>(*sim_, this, this, sim_->rng().fork("faults"));
}

bool World::stamps_ready() const {
    for (const Stamp& st : stamps_) {
        const part::ManagerData* d = MetricsSampler::manager_data(*sim_, *st.partitions);
        if (d == nullptr || st.partitions->leader() == nullptr) return false;
        for (const part::RangeInfo& r : d->map.ranges()) {
            if (!r.server.valid()) return false;
            const part::PartitionServer* srv = st.partitions->server(r.server.value);
            if (srv == nullptr || !srv->serving(r.id)) return false;
        }
    }
    return true;
}

std::vector<std::string> World::fault_schedule_lines() const {
    std::vector<std::string> lines;
    auto describe_target = [this](const faults::FaultSpec& f) {
        const auto& topo = sim_->topology();
        std::string t;
        if (f.target.stamp >= 0) t = topo.stamp(f.target.stamp).name;
        if (f.target.node) return topo.node(*f.target.node).name;
        if (f.target.rack >= 0) t += "/r" + std::to_string(f.target.rack);
        if (f.target.power_domain >= 0) t += " power domain " + std::to_string(f.target.power_domain);
        if (f.target.upgrade_domain >= 0) t += " upgrade domain " + std::to_string(f.target.upgrade_domain);
        if (!f.target.role.empty()) t += " " + f.target.role;
        return t;
    };
    for (const auto& f : plan_) lines.push_back(faults::describe(f, describe_target(f)));
    for (const auto& f : chaos_.faults) lines.push_back("chaos: " + faults::describe(f, describe_target(f)));
    return lines;
}

// --------------------------------------------------------------------------- roles

std::vector<sim::NodeId> World::members(int stamp, std::string_view role) const {
    std::vector<sim::NodeId> out;
    if (stamp < 0 || static_cast<size_t>(stamp) >= stamps_.size()) return out;
    const Stamp& st = stamps_[static_cast<size_t>(stamp)];
    if (role == "extent_node") return sim_->topology().stamp(stamp).nodes;
    if (role == "front_end") return st.front_end_nodes;
    if (role == "partition_server") {
        for (const auto& a : st.partitions->servers()) out.push_back(a.node);
    } else if (role == "partition_manager") {
        for (const auto& a : st.partitions->managers()) out.push_back(a.node);
    } else if (role == "stream_manager") {
        for (const auto& a : st.streams->stream_managers()) out.push_back(a.node);
    } else if (role == "lock_service") {
        for (const auto& a : st.lock_group.members) out.push_back(a.node);
    }
    return out;
}

std::optional<sim::NodeId> World::leader(int stamp, std::string_view role) const {
    if (stamp < 0 || static_cast<size_t>(stamp) >= stamps_.size()) return std::nullopt;
    const Stamp& st = stamps_[static_cast<size_t>(stamp)];
    if (role == "stream_manager") {
        for (const auto& a : st.streams->stream_managers()) {
            auto* m = dynamic_cast<strm::StreamManager*>(sim_->actor(a.node, a.port));
            if (m != nullptr && m->is_leader()) return a.node;
        }
    } else if (role == "partition_manager") {
        for (const auto& a : st.partitions->managers()) {
            auto* m = dynamic_cast<part::PartitionManager*>(sim_->actor(a.node, a.port));
            if (m != nullptr && m->raft_leader()) return a.node;
        }
    } else if (role == "lock_service") {
        for (const auto& a : st.lock_group.members) {
            auto* m = dynamic_cast<models::consensus::RaftReplica*>(sim_->actor(a.node, a.port));
            if (m != nullptr && m->core().is_leader()) return a.node;
        }
    }
    return std::nullopt;
}

namespace {

// The partition servers of a stamp whose nodes are in an upgrade domain.
std::vector<part::ServerId> servers_in_domain(const sim::Simulation& sim, const part::PartitionLayer& pl,
                                              int upgrade_domain) {
    std::vector<part::ServerId> out;
    for (size_t i = 0; i < pl.servers().size(); ++i) {
        if (sim.topology().node(pl.servers()[i].node).upgrade_domain == upgrade_domain)
            out.push_back(part::ServerId{static_cast<int32_t>(i)});
    }
    return out;
}

}  // namespace

void World::before_domain_down(int stamp, int upgrade_domain) {
    if (stamp < 0 || static_cast<size_t>(stamp) >= stamps_.size()) return;
    Stamp& st = stamps_[static_cast<size_t>(stamp)];
    // The operator tells the stream manager first: no new extents placed there; and the
    // partition manager: the domain's partition servers are drained (their ranges move
    // to other servers, each after a checkpoint). domain_ready() says when it is done.
    st.streams->set_upgrade_domain(upgrade_domain, true);
    st.partitions->set_draining(servers_in_domain(*sim_, *st.partitions, upgrade_domain));
    // And the load balancer: the domain's front-ends report draining to its probes, so
    // clients stop sending to them while they finish what they hold.
    fe_drain_started_[stamp] = sim_->now();
    notify_front_ends(stamp, upgrade_domain, true);
}

void World::notify_front_ends(int stamp, int upgrade_domain, bool draining) const {
    for (sim::NodeId n : stamps_[static_cast<size_t>(stamp)].front_end_nodes) {
        if (sim_->topology().node(n).upgrade_domain != upgrade_domain) continue;
        const sim::Address a{n, fe::kFrontEndPort};
        sim_->schedule(sim_->now(), [sim = sim_.get(), a, draining]() {
            auto m = sim->pool().make<fe::DrainFrontEnd>();
            m->draining = draining;
            sim->send(a, a, std::move(m));
        });
    }
}

void World::after_domain_up(int stamp, int upgrade_domain) {
    if (stamp < 0 || static_cast<size_t>(stamp) >= stamps_.size()) return;
    Stamp& st = stamps_[static_cast<size_t>(stamp)];
    st.streams->set_upgrade_domain(upgrade_domain, false);
    st.partitions->set_draining({});
    fe_drain_started_.erase(stamp);
    notify_front_ends(stamp, upgrade_domain, false);
}

bool World::domain_ready(int stamp, int upgrade_domain) const {
    if (stamp < 0 || static_cast<size_t>(stamp) >= stamps_.size()) return true;
    const Stamp& st = stamps_[static_cast<size_t>(stamp)];
    const part::ManagerData* d = MetricsSampler::manager_data(*sim_, *st.partitions);
    if (d == nullptr) return false;
    const std::vector<part::ServerId> drained = servers_in_domain(*sim_, *st.partitions, upgrade_domain);
    if (d->draining != std::set<part::ServerId>(drained.begin(), drained.end())) {
        // Not recorded yet (or the notice found no leader): tell the manager again.
        st.partitions->set_draining(drained);
        return false;
    }
    // Every range is on a server outside the domain, which serves it already.
    for (const part::RangeInfo& r : d->map.ranges()) {
        if (std::find(drained.begin(), drained.end(), r.server) != drained.end()) return false;
        const part::PartitionServer* srv = r.server.valid() ? st.partitions->server(r.server.value) : nullptr;
        if (srv == nullptr || !srv->serving(r.id)) return false;
    }
    // No stream still appends to an extent with a replica in the domain (the stream
    // manager sealed them and gave their streams new extents elsewhere).
    const strm::StreamManager* sm = st.streams->leader();
    if (sm == nullptr) return false;
    const auto& sd = sm->state().data();
    bool open_there = sd.upgrade_domains_down.count(upgrade_domain) == 0;
    for (const auto& [id, s] : sd.streams) {
        if (open_there) break;
        if (s.extents.empty()) continue;
        const strm::ExtentMeta* e = sm->state().extent(s.extents.back());
        if (e == nullptr || e->sealed) continue;
        for (sim::NodeId n : e->replicas) open_there |= sim_->topology().node(n).upgrade_domain == upgrade_domain;
    }
    if (open_there) {
        st.streams->set_upgrade_domain(upgrade_domain, true);  // again: records it, seals what is left
        return false;
    }
    // The domain's front-ends: out of rotation for long enough that every client's balancer
    // has probed them since (two probe intervals), and holding no request.
    auto started = fe_drain_started_.find(stamp);
    const sim::Duration probes = models::client::BalancerPolicy{}.probe_interval * 2;
    if (started == fe_drain_started_.end() || sim_->now() - started->second < probes) return false;
    for (sim::NodeId n : st.front_end_nodes) {
        if (sim_->topology().node(n).upgrade_domain != upgrade_domain || !sim_->up(n)) continue;
        auto* f = dynamic_cast<const fe::FrontEnd*>(sim_->actor(n, fe::kFrontEndPort));
        if (f == nullptr) continue;
        if (!f->draining()) {
            notify_front_ends(stamp, upgrade_domain, true);  // restarted since the notice
            return false;
        }
        if (f->in_flight() != 0) return false;
    }
    return true;
}

// --------------------------------------------------------------------------- phases

void World::run_phase(const std::string& phase, sim::Time end, const std::function<void(const RunProgress&)>& progress,
                      const std::function<bool()>& done) {
    // Advance in slices so that progress can be shown and `done` checked.
    const sim::Duration slice = sim::Duration::seconds(1);
    while (sim_->now() < end) {
        const sim::Time next = std::min(end, sim_->now() + slice);
        sim_->run_until(next);
        if (progress) progress(RunProgress{phase, sim::Time::zero() + (sim_->now() - epoch_),
                                          sim::Time::zero() + (end - epoch_), sim_->events_dispatched()});
        if (done && done()) break;
    }
}

bool World::clients_idle() const {
    for (const sim::Address& a : driver_addresses_) {
        auto* d = dynamic_cast<cl::ClientDriver*>(sim_->actor(a.node, a.port));
        if (d != nullptr && d->in_flight() > 0) return false;
    }
    return true;
}

void World::start_verify() {
    // Every blob a validly signing workload may have written: acknowledged or unknown puts
    // and deletes (a refused one changed nothing, but reading it back costs little).
    std::set<std::tuple<std::string, std::string, std::string>> keys;
    for (const obs::Operation& op : history_.ops()) {
        if (!op.is_write()) continue;
        if (history_.workloads()[op.workload].auth != obs::AuthMode::kValid) continue;
        keys.emplace(history_.str(op.account), history_.str(op.container), history_.str(op.blob));
    }
    cl::ClientDriverOptions& o = drivers_.emplace_back();
    o.kind = cl::DriverKind::kVerify;
    o.name = "verify";
    o.history_workload = history_.add_workload(obs::WorkloadInfo{"verify", obs::AuthMode::kValid, true});
    o.history = &history_;
    o.keys = &keys_;
    if (!keys_.empty()) o.key = keys_.begin()->second;
    o.dns = sim::Address{location_node_, loc::kDnsPort};
    o.start = sim_->now();
    o.end = sim_->now() + kVerifyLimit;
    o.epoch = epoch_;
    o.retry.max_attempts = 8;
    o.retry.attempt_timeout = client_attempt_timeout();
    for (const auto& [a, c, b] : keys) o.verify.push_back(cl::VerifyTarget{a, c, b});
    o.window = 128;
    const sim::NodeId node = sim_->add_client(0);
    const sim::Address addr{node, kDriverPort};
    driver_addresses_.push_back(addr);
    sim_->add_service(node, kDriverPort, [&o](sim::Context& ctx) { return cl::make_client_driver(ctx, o); });
    verify_start_ = sim_->now();
    verify_ran_ = true;
}

void World::boot(const std::function<void(const RunProgress&)>& progress) {
    if (booted_) return;
    booted_ = true;
    std::vector<MetricsSampler::StampView> views;
    for (const Stamp& st : stamps_) {
        views.push_back(MetricsSampler::StampView{sim_->topology().stamp(st.index).name, st.streams.get(),
                                                  st.partitions.get()});
    }
    sampler_ = std::make_unique<MetricsSampler>(*sim_, metrics_, std::move(views));

    // Boot: elections, the partition map, leases and range loads, before any load. The
    // run's clock (history, metrics, faults, the report) starts when the stamps serve.
    run_phase("boot", sim_->now() + kBootLimit, progress, [this] { return stamps_ready(); });
    if (!stamps_ready()) warnings_.push_back("the stamps were not serving every range after the boot limit");
    epoch_ = sim_->now();
    boot_time_ = epoch_ - sim::Time::zero();
    for (size_t i = 0; i < s_.workloads.size(); ++i) {
        cl::ClientDriverOptions& o = drivers_[i];
        o.start = epoch_ + s_.workloads[i].start;
        o.end = epoch_ + s_.workloads[i].end;
        o.epoch = epoch_;
        sim_->add_service(driver_addresses_[i].node, kDriverPort,
                          [&o](sim::Context& ctx) { return cl::make_client_driver(ctx, o); });
    }
    for (faults::FaultSpec f : plan_) {
        f.at = f.at + boot_time_;
        injector_->schedule(f);
    }
    for (faults::FaultSpec f : chaos_.faults) {
        f.at = f.at + boot_time_;
        injector_->schedule(f);
    }
    sampler_->start(s_.report.sample_interval, epoch_);
    start_geo();
}

void World::run(const std::function<void(const RunProgress&)>& progress) {
    boot(progress);
    const sim::Time load_end = epoch_ + s_.duration;
    run_phase("load", load_end, progress);
    injector_->heal_all();
    const sim::Time drain_end = load_end + s_.drain;
    run_phase("drain", drain_end, progress);
    // After the drain every acknowledged append must be intact on some replica.
    for (Stamp& st : stamps_) st.stream_observer->audit();
    sampler_->stop();
    stop_geo();
    start_verify();
    const sim::Time verify_end = sim_->now() + kVerifyLimit;
    run_phase("verify", verify_end, progress, [this] {
        const sim::Address a = driver_addresses_.back();
        auto* d = dynamic_cast<cl::ClientDriver*>(sim_->actor(a.node, a.port));
        return d != nullptr && d->done();
    });
    history_.close_pending(sim::Time::zero() + (sim_->now() - epoch_));
}

reports::RunResult World::take_result(double wall_s) {
    reports::RunResult r;
    r.scenario_name = s_.name;
    r.scenario_file = options_.scenario_file;
    r.scenario_resolved = options_.resolved;
    r.seed = seed_;
    r.version = options_.version;
    r.duration = s_.duration;
    // The fingerprint covers every event and the history the clients saw.
    for (const obs::Operation& op : history_.ops()) {
        sim_->fold_fingerprint(static_cast<uint64_t>(op.status) << 56 ^ op.fingerprint ^
                               static_cast<uint64_t>(op.complete.ns()) * 0x9e3779b97f4a7c15ull);
    }
    r.fingerprint = sim_->fingerprint();
    r.sim.duration_s = (sim_->now() - epoch_).to_seconds();
    r.sim.events = sim_->events_dispatched();
    r.sim.wall_s = wall_s;
    // Faults: the injector's records, with the requests that failed while each held.
    for (const faults::FaultRecord& f : injector_->records()) {
        const sim::Time start = sim::Time::zero() + (f.start - epoch_);
        const size_t i = r.faults.begin(std::string(faults::kind_name(f.kind)), f.target, start, f.from_chaos);
        auto& e = r.faults.effect(i);
        e.messages_dropped = f.messages_dropped;
        e.nodes = f.nodes.size();
        for (sim::NodeId n : f.nodes) r.faults.add_node(i, sim_->topology().node(n).name);
        const sim::Time end = sim::Time::zero() + (f.end.value_or(sim_->now()) - epoch_);
        for (const obs::Operation& op : history_.ops()) {
            if (history_.workloads()[op.workload].verify) continue;
            if (op.invoke < start || op.invoke >= end) continue;
            if (op.status == obs::OpStatus::kFailed || op.status == obs::OpStatus::kTimeout) ++e.requests_failed;
        }
        r.faults.end(i, end);
    }
    r.tracer = s_.report.trace ? &sim_->tracer() : nullptr;
    for (const auto& n : sim_->topology().nodes()) r.node_names.push_back(n.name);
    for (const Stamp& st : stamps_) {
        if (const part::ManagerData* d = MetricsSampler::manager_data(*sim_, *st.partitions)) {
            r.partitions.splits += d->splits;
            r.partitions.merges += d->merges;
            r.partitions.moves += d->moves;
            r.partitions.count_end += d->map.size();
        }
        const strm::StreamMetrics& sm = st.streams->metrics();
        r.stream.extents_created += sm.extents_created;
        r.stream.extents_sealed += sm.extents_sealed;
        r.stream.re_replications += sm.re_replications;
        r.stream.bytes_written += sm.bytes_written;
        r.stream.bytes_re_replicated += sm.bytes_re_replicated;
        r.partitions.count_start += static_cast<uint64_t>(std::max(1, s_.storage.partition.initial_partitions));
        const part::PartitionObserver& o = *st.partition_observer;
        r.invariants.observed = true;
        r.invariants.serves += o.serves();
        r.invariants.loads += o.loads_checked();
        r.invariants.rows_checked += o.rows_checked();
        r.invariants.violations += o.violation_count();
        // The first violations of each layer, named by stamp (and layer).
        auto keep_first = [&](const auto& violations, size_t keep, const std::string& prefix) {
            for (const std::string& v : violations) {
                if (r.invariants.first.size() >= keep) break;
                r.invariants.first.push_back(prefix + v);
            }
        };
        const std::string stamp_name = sim_->topology().stamp(st.index).name;
        keep_first(o.violations(), part::PartitionObserver::kKeep, stamp_name + ": ");
        const strm::StreamObserver& so = *st.stream_observer;
        r.invariants.appends_checked += so.acked_appends();
        r.invariants.seals_checked += so.seals();
        r.invariants.stream_checks += so.checks();
        r.invariants.violations += so.violation_count();
        keep_first(so.violations(), strm::StreamObserver::kKeep, stamp_name + " stream layer: ");
    }
    r.front_end.direct_reads = front_end_metrics_.direct_reads;
    r.front_end.direct_read_bytes = front_end_metrics_.direct_read_bytes;
    r.front_end.direct_read_failures = front_end_metrics_.direct_read_failures;
    r.warnings = warnings_;
    r.geo = geo_figures();
    r.history = std::move(history_);
    r.metrics = std::move(metrics_);
    return r;
}

}  // namespace app
