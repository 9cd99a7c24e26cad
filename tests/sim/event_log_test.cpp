// The event log names the first event where two runs of the same inputs diverged.
#include <doctest/doctest.h>

#include "sim/event_log.h"
#include "sim/simulation.h"
#include "test_world.h"

using namespace sim::literals;

namespace {

// A ping-pong between two nodes for 1 simulated second; `extra_at_ms` >= 0 adds one
// kernel timer there (a "nondeterministic" extra event).
uint64_t ping_pong(sim::EventLog* log, int extra_at_ms) {
    sim::Simulation s(simtest::one_stamp(1, 2), sim::SimulationConfig{});
    s.set_event_log(log);
    const sim::NodeId n0 = s.topology().stamp(0).nodes[0];
    const sim::NodeId n1 = s.topology().stamp(0).nodes[1];
    simtest::Log a, b;
    auto bounce = [&s](sim::NodeId self, sim::NodeId peer) {
        return [&s, self, peer](sim::Context&, sim::MessagePtr m) {
            simtest::ping(s, self, peer, m->as<simtest::Ping>().value + 1);
        };
    };
    a.on_message = bounce(n0, n1);
    b.on_message = bounce(n1, n0);
    simtest::add_recorder(s, n0, a);
    simtest::add_recorder(s, n1, b);
    simtest::ping(s, n0, n1, 0);
    if (extra_at_ms >= 0) s.schedule(sim::Time::zero() + sim::Duration::millis(extra_at_ms), [] {});
    s.run_until(sim::Time::zero() + 1_s);
    s.fold_fingerprint(42);
    return s.fingerprint();
}

}  // namespace

TEST_CASE("event log: off by default, same fingerprint with or without a log") {
    sim::EventLog log({64, 0, 0});
    const uint64_t plain = ping_pong(nullptr, -1);
    CHECK(ping_pong(&log, -1) == plain);
    CHECK(log.folds() > 1000);
    CHECK(log.checkpoints().size() == log.folds() / 64);
    CHECK(log.details().empty());
    CHECK(log.checkpoints().back().hash != 0);
}

TEST_CASE("event log: checkpoints bracket a divergence, details name the event") {
    sim::EventLog a({64, 0, 0});
    sim::EventLog b({64, 0, 0});
    ping_pong(&a, -1);
    ping_pong(&b, 500);
    auto d = sim::first_divergence(a, b);
    REQUIRE(d.has_value());
    CHECK(d->last - d->first == 63);
    CHECK_FALSE(d->a.has_value());

    // Second pair of runs with details over the bracket: the exact event.
    sim::EventLog c({64, d->first, d->last + 1});
    sim::EventLog e({64, d->first, d->last + 1});
    ping_pong(&c, -1);
    ping_pong(&e, 500);
    auto exact = sim::first_divergence(c, e);
    REQUIRE(exact.has_value());
    REQUIRE(exact->b.has_value());
    CHECK(exact->b->time_ns == 500'000'000);
    CHECK(exact->b->label == "kernel.timer");
    REQUIRE(exact->a.has_value());
    CHECK(exact->a->label == "test.ping");
    const std::string text = sim::describe_event(*exact->a, {"w1/r0/n0", "w1/r0/n1"});
    CHECK(text.find("test.ping on w1/r0/n") != std::string::npos);
    CHECK(sim::first_divergence(a, a) == std::nullopt);
}
