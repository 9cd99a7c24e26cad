#include "sim/event_log.h"

#include <algorithm>
#include <cstdio>

#include "sim/time.h"

namespace sim {

namespace {

bool same(const EventRecord& x, const EventRecord& y) {
    return x.index == y.index && x.time_ns == y.time_ns && x.kind == y.kind && x.node == y.node && x.hash == y.hash;
}

}  // namespace

std::optional<Divergence> first_divergence(const EventLog& a, const EventLog& b) {
    const auto& ca = a.checkpoints();
    const auto& cb = b.checkpoints();
    const uint64_t every = std::max<uint64_t>(1, a.options().checkpoint_every);
    std::optional<Divergence> out;
    const size_t common = std::min(ca.size(), cb.size());
    for (size_t i = 0; i < common; ++i) {
        if (!same(ca[i], cb[i])) {
            out = Divergence{i == 0 ? 0 : ca[i - 1].index + 1, ca[i].index, std::nullopt, std::nullopt};
            break;
        }
    }
    if (!out && a.folds() != b.folds()) {
        // One run went on (or stopped) after the last checkpoint both share.
        const uint64_t from = common == 0 ? 0 : ca[common - 1].index + 1;
        out = Divergence{from, std::max(from, std::min(a.folds(), b.folds()) + every), std::nullopt, std::nullopt};
    }
    // Details pin the exact event, wherever both logs recorded the same indexes.
    const auto& da = a.details();
    const auto& db = b.details();
    const size_t n = std::min(da.size(), db.size());
    for (size_t i = 0; i < n; ++i) {
        if (!same(da[i], db[i])) {
            if (!out) out = Divergence{da[i].index, da[i].index, std::nullopt, std::nullopt};
            out->a = da[i];
            out->b = db[i];
            return out;
        }
    }
    if (out && da.size() != db.size() && n > 0) {
        // One run has no event where the other has one: the next index is the divergence.
        if (da.size() > n) out->a = da[n];
        if (db.size() > n) out->b = db[n];
    }
    return out;
}

std::string describe_event(const EventRecord& r, const std::vector<std::string>& node_names) {
    std::string s = "event #";
    s.append(std::to_string(r.index)).append(" at ").append(Time::from_ns(r.time_ns).to_string()).append(": ");
    if (r.label.empty()) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "kind %016llx", static_cast<unsigned long long>(r.kind));
        s.append(buf);
    } else {
        s.append(r.label);
    }
    if (r.node != UINT32_MAX) {
        s.append(" on ");
        if (r.node < node_names.size()) {
            s.append(node_names[r.node]);
        } else {
            s.append("node ").append(std::to_string(r.node));
        }
        if (r.port != 0) s.append(" port ").append(std::to_string(r.port));
    }
    char buf[40];
    std::snprintf(buf, sizeof buf, " (hash %016llx)", static_cast<unsigned long long>(r.hash));
    s.append(buf);
    return s;
}

}  // namespace sim
