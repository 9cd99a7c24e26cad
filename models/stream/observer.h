// models/stream/observer.h: the stream layer's invariants, checked while a run goes.
//
// StreamObserver is instrumentation, not a service: actors call it (through a pointer
// that is null in production) at the moments an invariant can break, and it reads the
// extent nodes' durable stores directly as ground truth. Every violation is a
// SIM_ASSERT, so a chaos test sees it as a sim::InvariantViolation with seed, time and
// node; whole runs use record-only mode (app/world.cpp) and report what broke under the
// `invariants` check. Checked:
//  - an acknowledged append is on every replica of its chain that still has the extent,
//    and is never lost while one replica survives (audit());
//  - all sealed replicas of an extent have the same length and block fingerprints;
//  - the sealed length is at least the end of every acknowledged append;
//  - replicas never share a rack, nor a power or upgrade domain when the stamp has as
//    many of those as there are replicas (else they are spread as evenly as possible);
//  - a node declared dead is never revived by a report it sent before the declaration.
// It also samples the count of under-replicated extents (durability exposure).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "models/stream/types.h"
#include "sim/time.h"

namespace sim {
class Simulation;
}

namespace models::stream {

class ExtentStore;
ExtentStore& extent_store(sim::Simulation& sim, sim::NodeId node);

class StreamObserver {
public:
    StreamObserver(sim::Simulation& sim, int replicas) : sim_(sim), replicas_(replicas) {}

    void on_placement(ExtentId extent, const std::vector<sim::NodeId>& replicas);
    void on_ack(const Location& loc, uint64_t fingerprint, const std::vector<sim::NodeId>& chain);
    void on_seal_decided(ExtentId extent, int64_t length);
    void on_replica_sealed(sim::NodeId node, ExtentId extent);
    void on_extent_deleted(ExtentId extent);
    void on_declared_dead(sim::NodeId node);
    void on_revived(sim::NodeId node, sim::Time report_sent_true);
    // Every acknowledged append is intact on at least one node. Call after faults.
    void audit();
    // Extents whose intact full replicas number fewer than `replicas`.
    int under_replicated() const;
    // One line per under-replicated extent: which nodes hold what (for test failures).
    std::string describe_under_replicated() const;
    void sample();

    // Record-only (whole runs): a violation is kept (the first kKeep, with the time) and
    // counted instead of thrown, so the run ends and its report says what broke.
    void set_record_only(bool on) { record_only_ = on; }
    static constexpr size_t kKeep = 10;
    const std::vector<std::string>& violations() const { return violations_; }
    uint64_t violation_count() const { return violation_count_; }

    uint64_t acked_appends() const { return acked_; }
    uint64_t seals() const { return seals_; }
    uint64_t checks() const { return checks_; }
    // (true time, under-replicated extents) samples.
    const std::vector<std::pair<sim::Time, int>>& exposure() const { return exposure_; }

private:
    struct Acked {
        int64_t size_bytes = 0;
        uint64_t fingerprint = 0;
    };
    struct ExtentRecord {
        std::vector<sim::NodeId> placement;
        std::map<int64_t, Acked> acked;  // by offset
        int64_t acked_end = 0;
        bool sealed = false;
        int64_t sealed_length = 0;
        bool reference_set = false;
        uint64_t sealed_digest = 0;
        bool deleted = false;
    };
    uint64_t digest(const ExtentStore& store, ExtentId extent, int64_t length) const;
    // A violation: thrown (sim::InvariantViolation), or recorded in record-only mode.
    void report(const std::string& what);

    sim::Simulation& sim_;
    int replicas_;
    std::map<ExtentId, ExtentRecord> extents_;
    std::map<sim::NodeId, sim::Time> declared_dead_;
    uint64_t acked_ = 0;
    uint64_t seals_ = 0;
    uint64_t checks_ = 0;
    std::vector<std::pair<sim::Time, int>> exposure_;
    bool record_only_ = false;
    std::vector<std::string> violations_;
    uint64_t violation_count_ = 0;
};

}  // namespace models::stream
