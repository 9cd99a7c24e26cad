#include "sim/disk.h"

#include <algorithm>
#include <cmath>

#include "sim/check.h"

namespace sim {

Disk::Disk(DiskConfig config, Rng rng) : config_(config), rng_(rng) {
    SIM_ASSERT(config_.servers >= 1, "disk with " << config_.servers << " servers");
    SIM_ASSERT(config_.bandwidth.bits_per_s > 0, "disk bandwidth must be positive");
    server_free_ns_.assign(static_cast<size_t>(config_.servers), 0);
}

Disk::Ticket Disk::submit(IoKind kind, int64_t bytes, Time now) {
    SIM_ASSERT(bytes >= 0, "negative I/O size " << bytes);
    ++in_flight_;
    if (failed_) return Ticket{IoStatus::kDiskFailed, now + config_.latency};
    Duration mean = config_.latency + config_.bandwidth.transmit_time(bytes);
    Duration service = config_.service == DiskService::kFixed ? mean : rng_.exponential(mean);
    if (slow_factor_ != 1.0) {
        service = Duration::nanos(static_cast<int64_t>(std::llround(static_cast<double>(service.ns()) * slow_factor_)));
    }
    // FCFS: the request takes the server that frees first (ties: lowest index).
    auto it = std::min_element(server_free_ns_.begin(), server_free_ns_.end());
    const int64_t start = std::max(*it, now.ns());
    *it = start + service.ns();
    busy_ += service;
    ++ops_;
    (kind == IoKind::kRead ? bytes_read_ : bytes_written_) += static_cast<uint64_t>(bytes);
    return Ticket{IoStatus::kOk, Time::from_ns(*it)};
}

bool Disk::reserve(int64_t bytes) {
    if (failed_) return false;
    if (used_bytes_ + bytes > config_.capacity.value) return false;
    used_bytes_ += bytes;
    return true;
}

void Disk::release(int64_t bytes) {
    used_bytes_ -= bytes;
    SIM_ASSERT(used_bytes_ >= 0, "disk released more than it held");
}

void Disk::fail() {
    failed_ = true;
    used_bytes_ = 0;
    ++generation_;
}

void Disk::replace() {
    failed_ = false;
    used_bytes_ = 0;
    slow_factor_ = 1.0;
    ++generation_;
    std::fill(server_free_ns_.begin(), server_free_ns_.end(), 0);
}

}  // namespace sim
