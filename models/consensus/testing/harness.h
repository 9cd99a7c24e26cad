// models/consensus/testing/harness.h: seeded chaos runs of a replica group, for the
// tests and the benchmark (not used by production wiring).
//
// A run builds one stamp (5 racks x 4 nodes, 5 power domains), places the group with
// place_role, starts closed-loop clients (RsmClient) on client endpoints, and, if asked,
// draws a fault schedule from the seed: crash/restart, rack power loss, symmetric and
// one-way partitions, message loss, duplication and reordering (jitter), clogging (large
// extra latency), slow disks, process pauses and clock skew within the drift bound.
// Every fault heals at `heal_at`; the run then checks liveness: within `liveness_bound`
// a leader exists and every client's pending command has completed.
// Safety is checked throughout by a SafetyRecorder (and by the test state machine,
// which asserts that no client command is applied twice). A violation stops the run and
// is returned as a message (it is a sim::InvariantViolation inside).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/consensus/config.h"
#include "sim/time.h"

namespace sim {
class Simulation;
}  // namespace sim

namespace models::consensus::testing {

struct ChaosOptions {
    uint64_t seed = 1;
    int replicas = 5;
    int clients = 3;
    bool faults = true;
    // Faults start at 1 s and are drawn until heal_at; all heal at heal_at.
    sim::Duration heal_at = sim::Duration::seconds(20);
    sim::Duration liveness_bound = sim::Duration::seconds(10);
    // Mean time between fault starts.
    sim::Duration fault_interval = sim::Duration::millis(1200);
    sim::Duration client_think = sim::Duration::millis(20);
    RaftConfig raft = small_raft();
    // Lock-service runs: holders contending for `locks` locks, lease length.
    int holders = 4;
    int locks = 2;
    sim::Duration lease = sim::Duration::seconds(2);
    Bugs bugs;
    // FaultDriver::Options::leader_churn.
    bool leader_churn = false;

    static RaftConfig small_raft() {
        RaftConfig c;
        c.snapshot_threshold_entries = 64;
        c.max_batch_entries = 8;
        return c;
    }
};

class FaultDriver;

struct ChaosResult {
    bool violation = false;
    std::string message;     // the violation, or the liveness failure
    bool live = true;        // liveness held after healing
    uint64_t fingerprint = 0;
    uint64_t events = 0;
    uint64_t commits = 0;    // entries committed (recorder)
    uint64_t leaders = 0;    // leaderships taken
    uint64_t client_ops = 0; // commands completed by clients
    uint64_t lease_observations = 0;
    std::vector<std::string> schedule;  // the faults the seed drew, in order
    sim::Time end;
};

// The shared end of a chaos run: runs `sim` to heal_at + liveness_bound and judges it
// into `result`: a violation (an invariant exception), no leader of `group` after
// healing (`leader_message`), or a participant without progress in the second half of
// the liveness window (`stalled(check_from)` returns its message, empty if none). Fills
// the fingerprint, event count, schedule and end time; the caller adds its figures.
void run_and_judge(sim::Simulation& sim, const ReplicaGroup& group, const ChaosOptions& options,
                   const std::string& leader_message, const std::function<std::string(sim::Time)>& stalled,
                   const FaultDriver* faults, ChaosResult& result);

// A replicated counter-log group under chaos.
ChaosResult run_raft_chaos(const ChaosOptions& options);
// The lock service under chaos, with lease holders on storage nodes.
ChaosResult run_lock_chaos(const ChaosOptions& options);

// Steady-state load for the benchmark: `clients` closed-loop clients without think time
// against a healthy group for `duration`.
struct SteadyResult {
    uint64_t commits = 0;
    uint64_t events = 0;
    uint64_t fingerprint = 0;
};
SteadyResult run_steady(int replicas, int clients, sim::Duration duration, uint64_t seed);

}  // namespace models::consensus::testing
