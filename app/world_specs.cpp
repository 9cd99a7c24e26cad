#include "app/world_specs.h"

#include "sim/check.h"

namespace app {

namespace {

sim::DiskConfig disk_config(const scenario::DiskConfig& d) {
    sim::DiskConfig out;
    out.latency = d.latency;
    out.bandwidth = d.bandwidth;
    out.capacity = d.capacity;
    out.service = d.service == scenario::DiskService::kFixed ? sim::DiskService::kFixed : sim::DiskService::kExponential;
    return out;
}

sim::LinkSpec link(const scenario::LinkConfig& l) { return sim::LinkSpec{l.latency, l.bandwidth}; }

int stamp_index(const sim::Topology& t, const std::string& name) {
    auto s = t.find_stamp(name);
    SIM_ASSERT(s.has_value(), "validated scenario names an unknown stamp " << name);
    return *s;
}

}  // namespace

std::string role_name(scenario::Role r) {
    switch (r) {
        case scenario::Role::kExtentNode: return "extent_node";
        case scenario::Role::kFrontEnd: return "front_end";
        case scenario::Role::kPartitionServer: return "partition_server";
        case scenario::Role::kStreamManager: return "stream_manager";
        case scenario::Role::kPartitionManager: return "partition_manager";
        case scenario::Role::kLockService: return "lock_service";
    }
    return "?";
}

sim::TopologySpec topology_spec(const scenario::Scenario& s) {
    sim::TopologySpec out;
    for (const auto& r : s.topology.regions) {
        sim::RegionSpec region{r.name, {}};
        for (const auto& st : r.stamps) {
            region.stamps.push_back(
                sim::StampSpec{st.name, st.racks, st.nodes_per_rack, st.power_domains, st.power_map, st.upgrade_domains});
        }
        out.regions.push_back(std::move(region));
    }
    return out;
}

sim::SimulationConfig simulation_config(const scenario::Scenario& s, uint64_t seed) {
    sim::SimulationConfig out;
    out.seed = seed;
    const auto& n = s.topology.network;
    out.network.intra_rack = link(n.intra_rack);
    out.network.inter_rack = link(n.inter_rack);
    out.network.inter_stamp = link(n.inter_stamp);
    out.network.inter_region = link(n.inter_region);
    out.network.client = link(n.client);
    out.disk = disk_config(s.topology.disk);
    int stamp = 0;
    for (const auto& r : s.topology.regions) {
        for (const auto& st : r.stamps) {
            if (st.disk_overridden) out.stamp_disks[stamp] = disk_config(st.disk);
            ++stamp;
        }
    }
    return out;
}

std::vector<faults::FaultSpec> fault_plan(const scenario::Scenario& s, const sim::Topology& topology) {
    std::vector<faults::FaultSpec> plan;
    for (const auto& f : s.faults) {
        faults::FaultSpec out;
        auto kind = faults::kind_from_name(scenario::to_string(f.kind));
        SIM_ASSERT(kind.has_value(), "fault kind " << scenario::to_string(f.kind) << " unknown to faults/");
        out.kind = *kind;
        out.at = f.at;
        out.duration = f.duration;
        if (!f.stamp.empty()) out.target.stamp = stamp_index(topology, f.stamp);
        if (f.rack) out.target.rack = *f.rack;
        if (f.power_domain) out.target.power_domain = *f.power_domain;
        if (f.upgrade_domain) out.target.upgrade_domain = *f.upgrade_domain;
        if (f.node) out.target.node = topology.find_node(f.node->name());
        if (f.role) out.target.role = role_name(*f.role);
        switch (f.pick) {
            case scenario::PickKind::kRandom: out.target.pick = faults::Pick::kRandom; break;
            case scenario::PickKind::kLeader: out.target.pick = faults::Pick::kLeader; break;
            case scenario::PickKind::kFirst: out.target.pick = faults::Pick::kFirst; break;
            case scenario::PickKind::kNode:
                if (f.pick_node) out.target.node = topology.find_node(f.pick_node->name());
                break;
        }
        out.target.count = f.count;
        out.target.groups = f.groups;
        for (const auto& region : f.regions) {
            auto idx = topology.find_region(region);
            SIM_ASSERT(idx.has_value(), "validated scenario names an unknown region " << region);
            out.target.regions.push_back(*idx);
        }
        out.extra_latency = f.extra_latency;
        out.loss = f.loss;
        out.factor = f.factor;
        out.fraction = f.fraction;
        out.switch_index = f.switch_index;
        out.restart_after = f.restart_after;
        out.per_domain = f.per_domain;
        out.drift = f.drift;
        plan.push_back(std::move(out));
    }
    return plan;
}

models::stream::StreamConfig stream_config(const scenario::StreamConfig& c) {
    models::stream::StreamConfig out;
    out.replicas = c.replicas;
    out.replication = c.replication == scenario::Replication::kChain ? models::stream::Replication::kChain
                                                                     : models::stream::Replication::kPrimaryFanout;
    out.extent_seal_size_bytes = c.extent_seal_size.value;
    out.block_size_bytes = c.block_size.value;
    out.re_replication_delay = c.re_replication_delay;
    out.heartbeat = c.heartbeat;
    out.node_timeout = c.node_timeout;
    out.scrub_interval = c.scrub_interval;
    return out;
}

models::partition::PartitionConfig partition_config(const scenario::PartitionConfig& c) {
    models::partition::PartitionConfig out;
    out.initial_partitions = c.initial_partitions;
    out.split_load = c.split_load;
    out.merge_load = c.merge_load;
    out.balance_interval = c.balance_interval;
    out.lease = c.lease;
    out.checkpoint_log_size_bytes = c.checkpoint_log_size.value;
    return out;
}

faults::ChaosSpec chaos_spec(const scenario::ChaosConfig& c) {
    faults::ChaosSpec out;
    out.start = c.start;
    out.end = c.end;
    out.mean_interval = c.mean_interval;
    out.mean_duration = c.mean_duration;
    out.max_failed_domains = c.max_failed_domains;
    for (auto k : c.kinds) {
        auto kind = faults::kind_from_name(scenario::to_string(k));
        SIM_ASSERT(kind.has_value(), "chaos kind " << scenario::to_string(k) << " unknown to faults/");
        out.kinds.push_back(*kind);
    }
    return out;
}

models::client::WorkloadSpec workload_spec(const scenario::WorkloadConfig& w) {
    using namespace models::client;
    WorkloadSpec out;
    const auto& a = w.arrival;
    out.arrival = a.kind == scenario::ArrivalKind::kPoisson    ? Arrival::kPoisson
                  : a.kind == scenario::ArrivalKind::kConstant ? Arrival::kConstant
                                                               : Arrival::kClosed;
    out.rate = a.rate;
    for (const auto& s : a.rate_steps) out.steps.push_back(RateStep{s.at, s.rate});
    out.clients = a.clients;
    out.think = a.think;
    out.mix[0] = w.mix.put;
    out.mix[1] = w.mix.get;
    out.mix[2] = w.mix.del;
    out.mix[3] = w.mix.list;
    out.mix[4] = w.mix.head;
    out.key_count = static_cast<uint64_t>(w.keys.count);
    switch (w.keys.distribution) {
        case scenario::KeyDistribution::kUniform: out.keys = KeyDist::kUniform; break;
        case scenario::KeyDistribution::kZipf: out.keys = KeyDist::kZipf; break;
        case scenario::KeyDistribution::kHotspot: out.keys = KeyDist::kHotspot; break;
        case scenario::KeyDistribution::kSequential: out.keys = KeyDist::kSequential; break;
    }
    out.theta = w.keys.theta;
    out.hot_fraction = w.keys.hot_fraction;
    out.hot_probability = w.keys.hot_probability;
    switch (w.size.distribution) {
        case scenario::SizeDistribution::kFixed: out.sizes = SizeDist::kFixed; break;
        case scenario::SizeDistribution::kUniform: out.sizes = SizeDist::kUniform; break;
        case scenario::SizeDistribution::kLognormal: out.sizes = SizeDist::kLognormal; break;
    }
    out.size_value = w.size.value.value;
    out.size_min = w.size.min.value;
    out.size_max = w.size.max.value;
    out.size_median = w.size.median.value;
    out.sigma = w.size.sigma;
    return out;
}

}  // namespace app
