// models/consensus/safety.h: the safety checker that watches every consensus run.
//
// A SafetyRecorder is a test/instrumentation object shared by all replicas of a run
// (passed by pointer in RaftConfig / LockServiceConfig; null in production). Replicas
// report what they do as they do it, and the recorder asserts, at that moment:
//  - election safety: at most one leader per (group, term);
//  - leader completeness: a new leader's log holds every entry committed so far;
//  - state-machine safety: an index, once committed, always carries the same entry
//    (term and client command identity); every replica applies indices in order 1, 2,
//    3, ... (or jumps to a snapshot's index) and applies exactly the committed entry;
//  - lease safety: per lock, the true-time intervals during which holders believe they
//    hold the lease (each holder's own local-clock check) never overlap between holders;
//    fencing tokens grow with every grant.
// A failed check is a SIM_ASSERT (sim::InvariantViolation from Simulation::step), so a
// run stops at the first violation with seed, time and node. The recorder reads only
// true time handed to it; it never drives the replicas.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/time.h"

namespace models::consensus {

class SafetyRecorder {
public:
    // Identity of an entry for the "never changed" check: term plus client command id.
    static uint64_t entry_fingerprint(uint64_t term, uint64_t client_id, uint64_t seq);

    void on_leader(const std::string& group, uint64_t term, int replica);
    // A new leader of `term` and its log for the completeness check: every entry
    // committed by a leader of an earlier term must be in it (Raft's Leader Completeness;
    // a stale leader of an old term may lack entries committed in later terms). The log
    // is given as the first index it still holds (snapshot_index + 1) and fingerprints.
    void check_leader_log(const std::string& group, int replica, uint64_t term, uint64_t snapshot_index,
                          const std::vector<uint64_t>& fingerprints);
    // The leader of `term` has committed `index`.
    void on_commit(const std::string& group, uint64_t index, uint64_t fingerprint, uint64_t term);
    void on_apply(const std::string& group, int replica, uint64_t index, uint64_t fingerprint);
    // The replica's applied index was set by a restart or a snapshot install.
    void on_reset_applied(const std::string& group, int replica, uint64_t applied_index);
    // A follower removes entries from its log from `from_index` on (their fingerprints):
    // none of them may be a committed entry.
    void on_truncate(const std::string& group, int replica, uint64_t from_index, const std::vector<uint64_t>& removed);

    // Lease safety. `holder` is a stable id of the believing client; `believes` is the
    // answer of its local-clock check at true time `true_now`.
    // Also checks fencing: a belief that starts after another holder's belief carries a
    // larger token.
    void on_lease_belief(const std::string& lock, uint64_t holder, uint64_t token, bool believes, sim::Time true_now);

    uint64_t leaders_elected() const { return leaders_; }
    uint64_t max_committed(const std::string& group) const;
    uint64_t lease_observations() const { return lease_observations_; }

private:
    struct GroupRecord {
        std::map<uint64_t, int> leader_of_term;
        std::vector<uint64_t> committed;    // committed[i - 1] = fingerprint of index i
        std::vector<uint64_t> commit_term;  // term of the leader that first committed index i
        std::map<int, uint64_t> applied;  // replica -> last applied index
    };
    struct Belief {
        uint64_t token = 0;
        sim::Time start;
        sim::Time last;
    };
    struct LockRecord {
        std::map<uint64_t, Belief> latest;  // holder -> its latest belief interval
        std::map<uint64_t, bool> open;      // holder -> believes now
        uint64_t max_token = 0;
    };
    std::map<std::string, GroupRecord, std::less<>> groups_;
    std::map<std::string, LockRecord, std::less<>> locks_;
    uint64_t leaders_ = 0;
    uint64_t lease_observations_ = 0;
};

}  // namespace models::consensus
