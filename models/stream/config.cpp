#include "models/stream/config.h"

#include "models/stream/types.h"

namespace models::stream {

std::optional<StreamBug> parse_stream_bug(std::string_view name) {
    if (name == "chain_ack_at_head") return StreamBug::kChainAckAtHead;
    if (name == "seal_at_max_length") return StreamBug::kSealAtMaxLength;
    if (name == "same_rack_replicas") return StreamBug::kSameRackReplicas;
    if (name == "count_stale_extent_report") return StreamBug::kCountStaleExtentReport;
    return std::nullopt;
}

std::string_view stream_bug_name(StreamBug bug) {
    switch (bug) {
        case StreamBug::kChainAckAtHead: return "chain_ack_at_head";
        case StreamBug::kSealAtMaxLength: return "seal_at_max_length";
        case StreamBug::kSameRackReplicas: return "same_rack_replicas";
        case StreamBug::kCountStaleExtentReport: return "count_stale_extent_report";
    }
    return "?";
}

std::optional<Replication> parse_replication(std::string_view name) {
    if (name == "chain") return Replication::kChain;
    if (name == "primary_fanout") return Replication::kPrimaryFanout;
    return std::nullopt;
}

std::string_view status_name(Status s) {
    switch (s) {
        case Status::kOk: return "ok";
        case Status::kSealed: return "sealed";
        case Status::kNoExtent: return "no_extent";
        case Status::kDiskFailed: return "disk_failed";
        case Status::kFenced: return "fenced";
        case Status::kOutOfRange: return "out_of_range";
        case Status::kCorrupt: return "corrupt";
        case Status::kDeadline: return "deadline";
        case Status::kTimeout: return "timeout";
        case Status::kNotFound: return "not_found";
        case Status::kNotLeader: return "not_leader";
        case Status::kUnavailable: return "unavailable";
    }
    return "?";
}

}  // namespace models::stream
