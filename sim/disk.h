// sim/disk.h: a node's disk: a FIFO queue in front of one or more servers.
//
// Service time of a request = latency + size / bandwidth, either exactly (`fixed`) or
// exponentially distributed with that mean (`exponential`), so queueing results can be
// checked against M/D/1, M/M/1 and M/M/c. Requests start in arrival order on the first
// free server (FCFS). The disk tracks capacity (reserve / release), can be failed
// (contents lost: the node's durable state is wiped, requests fail), slowed by a factor,
// and silently corrupt a fraction of stored blocks (it asks the durable state that
// knows about blocks to damage them; see Corruptible in sim/simulation.h).
// The Disk only computes times; the Simulation delivers completions to the actor.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/ids.h"
#include "sim/rng.h"
#include "sim/time.h"
#include "sim/units.h"

namespace sim {

enum class DiskService : uint8_t { kFixed, kExponential };

struct DiskConfig {
    Duration latency = Duration::millis(4);
    Bandwidth bandwidth{200'000'000 * 8};
    Bytes capacity{8'000'000'000'000};
    DiskService service = DiskService::kFixed;
    int servers = 1;  // > 1 models several spindles behind one queue (M/M/c)
};

class Disk {
public:
    Disk(DiskConfig config, Rng rng);

    struct Ticket {
        IoStatus status = IoStatus::kOk;
        Time done;
    };
    // Enqueues a request arriving now. A failed disk answers kDiskFailed after its
    // latency. REQUIRES: bytes >= 0.
    Ticket submit(IoKind kind, int64_t bytes, Time now);
    // Called by the Simulation when a request's completion is dispatched.
    void on_complete() { --in_flight_; }

    // Capacity accounting for what the node stores.
    bool reserve(int64_t bytes);
    void release(int64_t bytes);
    int64_t used_bytes() const { return used_bytes_; }
    int64_t capacity_bytes() const { return config_.capacity.value; }

    // Faults.
    void fail();     // contents lost; the Simulation wipes durable state
    void replace();  // a new empty disk (after a failure)
    bool failed() const { return failed_; }
    void set_slow_factor(double factor) { slow_factor_ = factor; }
    double slow_factor() const { return slow_factor_; }
    uint32_t generation() const { return generation_; }

    // Statistics.
    int64_t in_flight() const { return in_flight_; }
    uint64_t completed_ops() const { return ops_; }
    uint64_t bytes_read() const { return bytes_read_; }
    uint64_t bytes_written() const { return bytes_written_; }
    Duration busy_time() const { return busy_; }
    const DiskConfig& config() const { return config_; }

private:
    DiskConfig config_;
    Rng rng_;
    std::vector<int64_t> server_free_ns_;
    double slow_factor_ = 1.0;
    bool failed_ = false;
    uint32_t generation_ = 0;
    int64_t used_bytes_ = 0;
    int64_t in_flight_ = 0;
    uint64_t ops_ = 0;
    uint64_t bytes_read_ = 0;
    uint64_t bytes_written_ = 0;
    Duration busy_;
};

}  // namespace sim
