// sim/trace.h: an optional timeline of what happened (spans and instants per node),
// written out by reports/ as Chrome trace events. Off unless a run asks for it; when
// off, recording is one branch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/ids.h"
#include "sim/time.h"

namespace sim {

struct TraceRecord {
    Time start;
    Duration length;  // zero for instants
    NodeId node;
    std::string name;
    std::string category;
};

class Tracer {
public:
    void enable(size_t max_records) {
        enabled_ = true;
        max_records_ = max_records;
    }
    bool enabled() const { return enabled_; }
    void instant(Time at, NodeId node, std::string name, std::string category) {
        if (enabled_ && records_.size() < max_records_)
            records_.push_back(TraceRecord{at, Duration::zero(), node, std::move(name), std::move(category)});
    }
    void span(Time start, Time end, NodeId node, std::string name, std::string category) {
        if (enabled_ && records_.size() < max_records_)
            records_.push_back(TraceRecord{start, end - start, node, std::move(name), std::move(category)});
    }
    const std::vector<TraceRecord>& records() const { return records_; }
    bool truncated() const { return enabled_ && records_.size() >= max_records_; }

private:
    bool enabled_ = false;
    size_t max_records_ = 0;
    std::vector<TraceRecord> records_;
};

}  // namespace sim
