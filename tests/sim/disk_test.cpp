// Disk: FIFO service arithmetic, servers, capacity, slow and failed disks.
#include <doctest/doctest.h>

#include "sim/disk.h"
#include "sim/simulation.h"
#include "test_world.h"

using namespace sim::literals;

TEST_CASE("disk: fixed service = latency + size / bandwidth, FIFO behind earlier requests") {
    sim::DiskConfig cfg;  // 4 ms, 200 MB/s
    sim::Disk d(cfg, sim::Rng(1));
    const sim::Time t0 = sim::Time::zero();
    // 2 MB at 200 MB/s = 10 ms.
    CHECK(d.submit(sim::IoKind::kWrite, 2'000'000, t0).done.ns() == 14'000'000);
    CHECK(d.submit(sim::IoKind::kRead, 0, t0).done.ns() == 18'000'000);
    CHECK(d.in_flight() == 2);
    // Arriving after the queue drained: starts at once.
    CHECK(d.submit(sim::IoKind::kRead, 0, t0 + 100_ms).done.ns() == 104'000'000);
    CHECK(d.bytes_written() == 2'000'000);
}

TEST_CASE("disk: several servers behind one queue take requests first-come first-served") {
    sim::DiskConfig cfg;
    cfg.servers = 2;
    sim::Disk d(cfg, sim::Rng(1));
    const sim::Time t0 = sim::Time::zero();
    CHECK(d.submit(sim::IoKind::kRead, 0, t0).done.ns() == 4'000'000);
    CHECK(d.submit(sim::IoKind::kRead, 0, t0).done.ns() == 4'000'000);
    CHECK(d.submit(sim::IoKind::kRead, 0, t0).done.ns() == 8'000'000);
}

TEST_CASE("disk: slow factor, failure, replacement and capacity") {
    sim::DiskConfig cfg;
    cfg.capacity = sim::Bytes{1000};
    sim::Disk d(cfg, sim::Rng(1));
    d.set_slow_factor(20);
    CHECK(d.submit(sim::IoKind::kRead, 0, sim::Time::zero()).done.ns() == 80'000'000);
    CHECK(d.reserve(600));
    CHECK_FALSE(d.reserve(600));
    d.release(100);
    CHECK(d.reserve(500));
    CHECK(d.used_bytes() == 1000);
    d.fail();
    CHECK(d.submit(sim::IoKind::kRead, 0, sim::Time::zero()).status == sim::IoStatus::kDiskFailed);
    CHECK_FALSE(d.reserve(1));
    d.replace();
    CHECK(d.reserve(1000));
    CHECK(d.slow_factor() == 1.0);
}

TEST_CASE("disk: a write in flight when the disk fails completes as failed") {
    sim::Simulation s(simtest::one_stamp(1, 1), sim::SimulationConfig{});
    simtest::Log log;
    sim::IoStatus status = sim::IoStatus::kOk;
    log.on_start = [](sim::Context& ctx) { ctx.disk_io(sim::IoKind::kWrite, 4096, 1); };
    log.on_io = [&](sim::Context&, uint64_t, sim::IoStatus st) { status = st; };
    const sim::NodeId n = s.topology().stamp(0).nodes[0];
    simtest::add_recorder(s, n, log);
    s.run_until(sim::Time::zero() + 1_ms);
    s.fail_disk(n);
    s.run_until(sim::Time::zero() + 1_s);
    CHECK(log.count('i') == 1);
    CHECK(status == sim::IoStatus::kDiskFailed);
    CHECK(s.disk(n).in_flight() == 0);
}

namespace {
struct Blocks : sim::Corruptible {
    std::vector<bool> bad = std::vector<bool>(1000, false);
    uint64_t corrupt_blocks(sim::Rng& rng, double fraction) override {
        uint64_t n = 0;
        for (size_t i = 0; i < bad.size(); ++i) {
            if (rng.bernoulli(fraction)) {
                bad[i] = true;
                ++n;
            }
        }
        return n;
    }
};
}  // namespace

TEST_CASE("disk: silent corruption damages a fraction of the blocks durable state holds") {
    sim::Simulation s(simtest::one_stamp(1, 1), sim::SimulationConfig{});
    simtest::Log log;
    Blocks* blocks = nullptr;
    log.on_start = [&](sim::Context& ctx) { blocks = &ctx.durable<Blocks>("blocks"); };
    const sim::NodeId n = s.topology().stamp(0).nodes[0];
    simtest::add_recorder(s, n, log);
    const uint64_t damaged = s.corrupt_disk(n, 0.1);
    CHECK(damaged == doctest::Approx(100).epsilon(0.35));
    uint64_t marked = 0;
    for (bool b : blocks->bad) marked += b ? 1 : 0;
    CHECK(marked == damaged);
}
