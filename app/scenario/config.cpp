#include "app/scenario/config.h"

namespace app::scenario {

std::string NodeRef::name() const {
    return stamp + "/r" + std::to_string(rack) + "/n" + std::to_string(index);
}

const StampConfig* Scenario::find_stamp(std::string_view stamp_name) const {
    for (const auto& r : topology.regions) {
        for (const auto& s : r.stamps) {
            if (s.name == stamp_name) return &s;
        }
    }
    return nullptr;
}

const RegionConfig* Scenario::find_region(std::string_view region_name) const {
    for (const auto& r : topology.regions) {
        if (r.name == region_name) return &r;
    }
    return nullptr;
}

std::string_view to_string(FaultKind kind) {
    switch (kind) {
        case FaultKind::kRackDown: return "rack_down";
        case FaultKind::kNodeCrash: return "node_crash";
        case FaultKind::kPowerDomainDown: return "power_domain_down";
        case FaultKind::kNetworkPartition: return "network_partition";
        case FaultKind::kLinkDegrade: return "link_degrade";
        case FaultKind::kDiskFail: return "disk_fail";
        case FaultKind::kDiskSlow: return "disk_slow";
        case FaultKind::kDiskCorrupt: return "disk_corrupt";
        case FaultKind::kTorDown: return "tor_down";
        case FaultKind::kProcessPause: return "process_pause";
        case FaultKind::kStampDown: return "stamp_down";
        case FaultKind::kRegionPartition: return "region_partition";
        case FaultKind::kUpgradeDomainDown: return "upgrade_domain_down";
        case FaultKind::kRollingUpgrade: return "rolling_upgrade";
        case FaultKind::kClockSkew: return "clock_skew";
        case FaultKind::kClog: return "clog";
    }
    return "?";
}

std::string_view to_string(Role role) {
    switch (role) {
        case Role::kExtentNode: return "extent_node";
        case Role::kFrontEnd: return "front_end";
        case Role::kPartitionServer: return "partition_server";
        case Role::kStreamManager: return "stream_manager";
        case Role::kPartitionManager: return "partition_manager";
        case Role::kLockService: return "lock_service";
    }
    return "?";
}

std::string_view to_string(WorkloadKind kind) {
    return kind == WorkloadKind::kTrace ? "trace" : "synthetic";
}

std::string_view to_string(ArrivalKind kind) {
    switch (kind) {
        case ArrivalKind::kPoisson: return "poisson";
        case ArrivalKind::kConstant: return "constant";
        case ArrivalKind::kClosed: return "closed";
    }
    return "?";
}

std::string_view to_string(KeyDistribution d) {
    switch (d) {
        case KeyDistribution::kUniform: return "uniform";
        case KeyDistribution::kZipf: return "zipf";
        case KeyDistribution::kHotspot: return "hotspot";
        case KeyDistribution::kSequential: return "sequential";
    }
    return "?";
}

std::string_view to_string(SizeDistribution d) {
    switch (d) {
        case SizeDistribution::kFixed: return "fixed";
        case SizeDistribution::kUniform: return "uniform";
        case SizeDistribution::kLognormal: return "lognormal";
    }
    return "?";
}

std::string_view to_string(TraceFormat f) {
    return f == TraceFormat::kTectonicChunk ? "tectonic-chunk" : "azure-functions-blob-2020";
}

std::string_view to_string(OpKind op) {
    switch (op) {
        case OpKind::kPut: return "put";
        case OpKind::kGet: return "get";
        case OpKind::kDelete: return "delete";
        case OpKind::kList: return "list";
        case OpKind::kHead: return "head";
        case OpKind::kAll: return "all";
    }
    return "?";
}

std::string_view to_string(ReportOutput o) {
    switch (o) {
        case ReportOutput::kJson: return "json";
        case ReportOutput::kCsv: return "csv";
        case ReportOutput::kHtml: return "html";
    }
    return "?";
}

}  // namespace app::scenario
