// sim/event_log.h: an optional record of the events a run folded into its fingerprint,
// to name the first event where two runs of the same seed diverged.
//
// Off in every normal run: the Simulation holds a null pointer and pays one predictable
// branch per event. A determinism check (`stampsim sweep --verify-determinism`) attaches a
// log to both runs of a seed:
//   checkpoints  the running fingerprint after every `checkpoint_every`-th fold, a few
//                kilobytes even for a long run; the first checkpoint that differs brackets
//                the divergence within `checkpoint_every` events;
//   details      every fold whose index lies in [detail_first, detail_last): time, kind,
//                node, port, a label (the message's name, "actor.timer", ...) and the
//                running hash, so a second pair of runs can name the exact event.
// Fold indexes count every fingerprint fold from the start of the run, 0-based (the
// operation history folded at the end counts too, labelled "history").
// Owned by the caller; the Simulation only writes to it. Single-threaded like the run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sim {

struct EventRecord {
    uint64_t index = 0;   // fold index
    int64_t time_ns = 0;  // simulated time of the event
    uint64_t kind = 0;    // what the kernel folds (message kind, timer kind ^ port, ...)
    uint32_t node = UINT32_MAX;
    uint16_t port = 0;
    std::string_view label;  // static text: a message's kName or a kernel event name
    uint64_t hash = 0;       // the fingerprint after this event
};

class EventLog {
public:
    struct Options {
        uint64_t checkpoint_every = 4096;  // 0: no checkpoints
        uint64_t detail_first = 0;
        uint64_t detail_last = 0;  // empty window: no details
    };
    explicit EventLog(Options options) : options_(options) {}

    // Called by the Simulation after each fold.
    void record(int64_t time_ns, uint64_t kind, uint32_t node, uint64_t hash) {
        const uint64_t i = next_++;
        last_in_detail_ = i >= options_.detail_first && i < options_.detail_last;
        if (last_in_detail_) details_.push_back(EventRecord{i, time_ns, kind, node, 0, "", hash});
        if (options_.checkpoint_every != 0 && (i + 1) % options_.checkpoint_every == 0) {
            checkpoints_.push_back(EventRecord{i, time_ns, kind, node, 0, "", hash});
        }
    }
    // Whether the last recorded event is kept in full (worth a label).
    bool wants_label() const { return last_in_detail_; }
    // Names the last recorded event. REQUIRES: label outlives the log (static text).
    void label_last(std::string_view label, uint16_t port) {
        if (!last_in_detail_ || details_.empty()) return;
        details_.back().label = label;
        details_.back().port = port;
    }

    const Options& options() const { return options_; }
    uint64_t folds() const { return next_; }
    const std::vector<EventRecord>& checkpoints() const { return checkpoints_; }
    const std::vector<EventRecord>& details() const { return details_; }

private:
    Options options_;
    uint64_t next_ = 0;
    bool last_in_detail_ = false;
    std::vector<EventRecord> checkpoints_;
    std::vector<EventRecord> details_;
};

// Where two logs of the same seed part.
struct Divergence {
    // The fold-index window the first differing checkpoint brackets: [first, last].
    uint64_t first = 0;
    uint64_t last = 0;
    // The first differing event of each run, when both logs hold details there.
    std::optional<EventRecord> a;
    std::optional<EventRecord> b;
};

// The first point where a and b differ: by checkpoints, then by details if both have
// them. nullopt if no recorded entry differs (the runs may still differ after the last
// checkpoint; compare the runs' fingerprints and fold counts too).
std::optional<Divergence> first_divergence(const EventLog& a, const EventLog& b);

// "event #123456 at 12.345678901s: stream.append_request delivered to node 17 port 3".
// node_name (may be empty) maps a node index to its name.
std::string describe_event(const EventRecord& r, const std::vector<std::string>& node_names);

}  // namespace sim
