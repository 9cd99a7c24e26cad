// models/partition/observer.h: the partition layer's invariants, checked while a run goes.
//
// PartitionObserver is instrumentation, not a service (the stream layer's StreamObserver
// pattern): partition servers call it through a pointer that is null in production, at
// the moments an invariant can break. Every violation is a SIM_ASSERT, so a chaos test
// sees a sim::InvariantViolation with seed, time and node (whole runs use record-only
// mode instead: the report's `invariants` check lists what broke). Checked:
//  - at most one server serves a key at a time: a server's tenure over a range runs from
//    its first serve after loading (a read answered or an update accepted, each after its
//    lease check) to its stop; no other server may serve an overlapping key range inside
//    that tenure. A server that serves after another took over (a stale server, a lease
//    not checked) breaks it.
//  - no range partition loses an acknowledged update: every load (after a crash, a move, a
//    split or a merge) must hold, for each key of its range, the latest acknowledged
//    version or a newer one (a delete: a tombstone or no row; no row is also fine when a
//    newer delete committed without its acknowledgement). A split or merge that drops a
//    row breaks it at the children's load.
//  - a loaded row of an acknowledged version has the acknowledged content and points at
//    stream bytes of the acknowledged length. (Split and merge copy no bytes by
//    construction: a child's metadata streams are its parents', so it reads their
//    checkpoints and logs; a small blob's pointer may name a duplicate of its commit-log
//    block that a re-sent append left in a sealed extent, so pointers are not compared.)
// The partition map's own invariants (sorted, disjoint, covering) are asserted by the
// partition manager's state machine after every command (manager_state.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/partition/index.h"
#include "models/partition/key.h"
#include "models/partition/partition_map.h"
#include "sim/time.h"

namespace models::partition {

class PartitionObserver {
public:
    // A server serves `range` (keys) now: a read answered or an update accepted.
    void on_serve(ServerId server, RangeId range, const KeyRange& keys, sim::Time true_now);
    // The server stopped serving the range (lease lost, unassigned, load failed).
    void on_stop(ServerId server, RangeId range);
    // An update of `key` is durable in the commit log with `entry` (a delete:
    // entry.deleted; the range store reports every commit, acked=false) or was acknowledged
    // to the client (the partition server, acked=true). A commit the server could not
    // acknowledge (lease lost, range dropped) may or may not be seen by the next owner.
    void on_commit(const std::string& key, const IndexEntry& entry, bool acked);
    // A range finished loading with this index.
    void on_loaded(ServerId server, const RangePartition& part);

    // Record-only (whole runs): a violation is kept (the first kKeep, with the true time)
    // and counted instead of thrown, so the run ends and its report says what broke.
    void set_record_only(bool on) { record_only_ = on; }
    static constexpr size_t kKeep = 10;
    const std::vector<std::string>& violations() const { return violations_; }
    uint64_t violation_count() const { return violation_count_; }

    uint64_t serves() const { return serves_; }
    uint64_t acks() const { return acks_; }
    uint64_t loads_checked() const { return loads_; }
    uint64_t rows_checked() const { return rows_checked_; }

private:
    // A violation: thrown (sim::InvariantViolation), or recorded in record-only mode.
    void report(const std::string& what);
    struct Tenure {
        KeyRange keys;
        sim::Time first;
        sim::Time last;
        bool open = false;
    };
    std::map<std::pair<ServerId, RangeId>, Tenure> tenures_;
    std::map<std::string, IndexEntry, std::less<>> acked_;  // latest acknowledged per key
    std::map<std::string, uint64_t, std::less<>> unacked_delete_;  // newest unacknowledged delete
    uint64_t serves_ = 0;
    uint64_t acks_ = 0;
    uint64_t loads_ = 0;
    uint64_t rows_checked_ = 0;
    bool record_only_ = false;
    std::vector<std::string> violations_;
    uint64_t violation_count_ = 0;
};

}  // namespace models::partition
