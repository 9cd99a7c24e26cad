// Node lifecycle: crash and restart, power, pause, clocks, durable state.
#include <doctest/doctest.h>

#include "sim/simulation.h"
#include "test_world.h"

using namespace sim::literals;
using simtest::Log;

namespace {
struct Counter {
    int value = 0;
};
}  // namespace

TEST_CASE("node: a timer of an old incarnation never fires") {
    sim::Simulation s(simtest::one_stamp(1, 2), sim::SimulationConfig{});
    Log log;
    log.on_start = [](sim::Context& ctx) { ctx.set_timer(10_ms, ctx.incarnation()); };
    const sim::NodeId n = s.topology().stamp(0).nodes[0];
    simtest::add_recorder(s, n, log);
    CHECK(log.starts == 1);
    s.run_until(sim::Time::zero() + 5_ms);
    s.crash(n);
    CHECK_FALSE(s.up(n));
    CHECK(s.incarnation(n) == 1);
    s.run_until(sim::Time::zero() + 7_ms);
    s.restart(n);  // the new incarnation sets its own 10 ms timer at 7 ms
    CHECK(log.starts == 2);
    s.run_until(sim::Time::zero() + 1_s);
    REQUIRE(log.count('t') == 1);
    CHECK(log.entries[0].at.ns() == 17'000'000);
    CHECK(log.entries[0].value == 1);
}

TEST_CASE("node: messages to a crashed node are dropped, also after it restarts") {
    sim::Simulation s(simtest::one_stamp(1, 2), sim::SimulationConfig{});
    Log a, b;
    const sim::NodeId n0 = s.topology().stamp(0).nodes[0];
    const sim::NodeId n1 = s.topology().stamp(0).nodes[1];
    simtest::add_recorder(s, n0, a);
    simtest::add_recorder(s, n1, b);
    simtest::ping(s, n0, n1, 1);  // in flight for 20 us
    s.run_until(sim::Time::zero() + 10_us);
    s.crash(n1);
    s.restart(n1);  // back before the delivery, but a new incarnation
    s.run_until(sim::Time::zero() + 1_ms);
    CHECK(b.count('m') == 0);
    CHECK(s.stale_deliveries() == 1);
    simtest::ping(s, n0, n1, 2);
    s.crash(n1);
    s.run_until(sim::Time::zero() + 2_ms);
    CHECK(b.count('m') == 0);
    s.restart(n1);
    simtest::ping(s, n0, n1, 3);
    s.run_until(sim::Time::zero() + 3_ms);
    CHECK(b.count('m') == 1);
}

TEST_CASE("node: durable state survives a crash, not a disk failure; a pending write is lost") {
    sim::Simulation s(simtest::one_stamp(1, 1), sim::SimulationConfig{});
    Log log;
    const sim::NodeId n = s.topology().stamp(0).nodes[0];
    // Each write is durable only when the disk acknowledges it.
    log.on_io = [](sim::Context& ctx, uint64_t tag, sim::IoStatus st) {
        if (st == sim::IoStatus::kOk) ctx.durable<Counter>("c").value = static_cast<int>(tag);
    };
    int seen_at_start = -1;
    log.on_start = [&](sim::Context& ctx) {
        seen_at_start = ctx.durable<Counter>("c").value;
        ctx.disk_io(sim::IoKind::kWrite, 4096, 7);
    };
    simtest::add_recorder(s, n, log);
    s.run_until(sim::Time::zero() + 1_s);
    CHECK(seen_at_start == 0);
    s.crash(n);
    s.restart(n);
    CHECK(seen_at_start == 7);
    // The restart's write (tag 7 again) is in flight; crash before the disk acks it.
    log.on_start = [&](sim::Context& ctx) {
        seen_at_start = ctx.durable<Counter>("c").value;
        ctx.disk_io(sim::IoKind::kWrite, 4096, 99);
    };
    s.crash(n);
    s.restart(n);
    s.run_until(s.now() + 1_ms);  // well before the 4 ms disk latency
    s.crash(n);
    s.restart(n);
    CHECK(seen_at_start == 7);  // 99 never became durable
    s.run_until(s.now() + 1_s);
    s.fail_disk(n);
    s.crash(n);
    s.restart(n);
    CHECK(seen_at_start == 0);
}

TEST_CASE("node: power off stacks (rack and power domain), restart rebuilds actors") {
    sim::Simulation s(simtest::one_stamp(1, 1), sim::SimulationConfig{});
    Log log;
    const sim::NodeId n = s.topology().stamp(0).nodes[0];
    simtest::add_recorder(s, n, log);
    s.power_off(n);  // rack_down
    s.power_off(n);  // power_domain_down overlapping
    s.power_on(n);   // rack back, domain still down
    CHECK_FALSE(s.up(n));
    s.restart(n);    // a crash heal does not power a node
    CHECK_FALSE(s.up(n));
    s.power_on(n);
    CHECK(s.up(n));
    CHECK(log.starts == 2);
}

TEST_CASE("node: a paused node handles nothing until resumed, then everything in order") {
    sim::Simulation s(simtest::one_stamp(1, 2), sim::SimulationConfig{});
    Log a, b;
    const sim::NodeId n0 = s.topology().stamp(0).nodes[0];
    const sim::NodeId n1 = s.topology().stamp(0).nodes[1];
    b.on_start = [](sim::Context& ctx) { ctx.set_timer(5_ms, 42); };
    simtest::add_recorder(s, n0, a);
    simtest::add_recorder(s, n1, b);
    s.pause(n1);
    simtest::ping(s, n0, n1, 1);
    simtest::ping(s, n0, n1, 2);
    s.run_until(sim::Time::zero() + 20_ms);
    CHECK(b.entries.empty());
    s.resume(n1);
    s.run_until(sim::Time::zero() + 21_ms);
    REQUIRE(b.entries.size() == 3);
    CHECK(b.entries[0].value == 1);
    CHECK(b.entries[1].value == 2);
    CHECK(b.entries[2].what == 't');
    CHECK(b.entries[2].at.ns() == 20'000'000);
}

TEST_CASE("node: clock drift makes local time and local timers run fast or slow") {
    sim::Simulation s(simtest::one_stamp(1, 2), sim::SimulationConfig{});
    Log fast;
    const sim::NodeId n = s.topology().stamp(0).nodes[0];
    simtest::add_recorder(s, n, fast);
    s.run_until(sim::Time::zero() + 1_s);
    s.set_clock_drift(n, 0.25);  // local clock runs 25% fast from t = 1 s
    s.run_until(sim::Time::zero() + 3_s);
    CHECK(s.local_time(n).ns() == 3'500'000'000);
    // A 10 s local timer fires after 8 s of true time.
    s.set_actor_timer(n, simtest::kPort, 10_s, 5);
    s.run_until(sim::Time::zero() + 20_s);
    REQUIRE(fast.count('t') == 1);
    CHECK(fast.entries.back().at.ns() == 11'000'000'000);
    s.set_clock_drift(n, 0.0);
    const sim::Time local = s.local_time(n);
    s.run_until(sim::Time::zero() + 21_s);
    CHECK((s.local_time(n) - local).ns() == 1'000'000'000);
}
