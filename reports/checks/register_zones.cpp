#include "reports/checks/register_zones.h"

#include <algorithm>
#include <limits>

#include "sim/check.h"

namespace reports {

namespace {
constexpr int64_t kMinusInfinity = std::numeric_limits<int64_t>::min();
}  // namespace

bool ZoneChecker::linearizable(const std::vector<ZoneOp>& ops, uint32_t initial) {
    uint32_t values = initial + 1;
    for (const ZoneOp& op : ops)
        if (op.value != kZoneUnread) values = std::max(values, op.value + 1);
    clusters_.assign(values, Cluster{});
    forward_.clear();
    backward_.clear();
    // The initial value's virtual write completes before time began.
    Cluster& init = clusters_[initial];
    init.written = true;
    init.write_invoke = kMinusInfinity;
    init.f = kMinusInfinity;
    init.s = kMinusInfinity;
    for (const ZoneOp& op : ops) {
        SIM_ASSERT(op.invoke <= op.complete, "an operation completes before it is invoked");
        if (op.write && op.value == kZoneUnread) {
            backward_.push_back({op.complete, op.invoke});
            continue;
        }
        Cluster& c = clusters_[op.value];
        if (op.write) {
            SIM_ASSERT(!c.written, "two writes of value " << op.value << " in a zone check");
            c.written = true;
            c.write_invoke = op.invoke;
        }
        if (!c.any && op.value != initial) {
            c.f = op.complete;
            c.s = op.invoke;
        } else {
            c.f = std::min(c.f, op.complete);
            c.s = std::max(c.s, op.invoke);
        }
        c.any = true;
    }
    // (N0), and reads of a value nobody wrote.
    for (const ZoneOp& op : ops) {
        if (op.write) continue;
        const Cluster& c = clusters_[op.value];
        if (!c.written || op.complete < c.write_invoke) return false;
    }
    for (const Cluster& c : clusters_) {
        if (!c.any) continue;  // no operation (the initial value with no reader)
        (c.f < c.s ? forward_ : backward_).push_back({c.f, c.s});
    }
    std::sort(forward_.begin(), forward_.end(),
              [](const Zone& a, const Zone& b) { return a.f < b.f; });
    for (size_t i = 1; i < forward_.size(); ++i)
        if (forward_[i].f < forward_[i - 1].s) return false;  // two forward zones overlap
    for (const Zone& y : backward_) {
        // The forward zone with the largest f below y.s is the only one that can hold y.
        auto it = std::lower_bound(forward_.begin(), forward_.end(), y.s,
                                   [](const Zone& x, int64_t s) { return x.f < s; });
        if (it == forward_.begin()) continue;
        if (y.f < std::prev(it)->s) return false;
    }
    return true;
}

}  // namespace reports
