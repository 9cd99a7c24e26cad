// Event order, ties, cancellation and the run loop.
#include <doctest/doctest.h>

#include <vector>

#include "sim/simulation.h"
#include "test_world.h"

using namespace sim::literals;

namespace {
struct Collect final : sim::EventHandler {
    std::vector<uint64_t> order;
    std::vector<int64_t> times;
    void on_event(sim::Simulation& s, uint64_t arg) override {
        order.push_back(arg);
        times.push_back(s.now().ns());
    }
};
}  // namespace

TEST_CASE("event queue: events run in time order, ties in scheduling order") {
    sim::Simulation s(sim::TopologySpec{}, sim::SimulationConfig{});
    Collect c;
    s.post(sim::Time::zero() + 5_ms, &c, 1);
    s.post(sim::Time::zero() + 1_ms, &c, 2);
    s.post(sim::Time::zero() + 5_ms, &c, 3);
    s.post(sim::Time::zero() + 1_ms, &c, 4);
    s.post(sim::Time::zero() + 3_ms, &c, 5);
    for (int i = 0; i < 100; ++i) s.post(sim::Time::zero() + 7_ms, &c, 100 + static_cast<uint64_t>(i));
    s.run_until(sim::Time::zero() + 1_s);
    REQUIRE(c.order.size() == 105);
    CHECK(c.order[0] == 2);
    CHECK(c.order[1] == 4);
    CHECK(c.order[2] == 5);
    CHECK(c.order[3] == 1);
    CHECK(c.order[4] == 3);
    for (int i = 0; i < 100; ++i) CHECK(c.order[5 + static_cast<size_t>(i)] == 100 + static_cast<uint64_t>(i));
    CHECK(s.now() == sim::Time::zero() + 1_s);
    CHECK(s.events_dispatched() == 105);
}

TEST_CASE("event queue: run_until excludes the horizon and events can be added while running") {
    sim::Simulation s(sim::TopologySpec{}, sim::SimulationConfig{});
    Collect c;
    s.post(sim::Time::zero() + 10_ms, &c, 1);
    s.post(sim::Time::zero() + 20_ms, &c, 2);
    s.run_until(sim::Time::zero() + 20_ms);
    CHECK(c.order == std::vector<uint64_t>{1});
    s.schedule(s.now() + 5_ms, [&] { c.order.push_back(9); });
    s.run_until(sim::Time::zero() + 1_s);
    CHECK(c.order == std::vector<uint64_t>{1, 2, 9});
}

TEST_CASE("event queue: cancelled timers never fire; a stale id cancels nothing") {
    sim::Simulation s(sim::TopologySpec{}, sim::SimulationConfig{});
    Collect c;
    sim::TimerId a = s.set_timer(sim::Time::zero() + 1_ms, &c, 1);
    sim::TimerId b = s.set_timer(sim::Time::zero() + 2_ms, &c, 2);
    int fired = 0;
    sim::TimerId f = s.schedule(sim::Time::zero() + 3_ms, [&] { ++fired; });
    s.cancel(a);
    s.cancel(f);
    s.run_until(sim::Time::zero() + 10_ms);
    CHECK(c.order == std::vector<uint64_t>{2});
    CHECK(fired == 0);
    // b already fired: cancelling it again must not cancel the timer now in its slot.
    sim::TimerId d = s.set_timer(s.now() + 1_ms, &c, 4);
    s.cancel(b);
    s.run_until(sim::Time::zero() + 1_s);
    CHECK(c.order == std::vector<uint64_t>{2, 4});
    (void)d;
}

TEST_CASE("event queue: scheduling in the past is an invariant failure with the run's coordinates") {
    sim::SimulationConfig cfg;
    cfg.seed = 77;
    sim::Simulation s(simtest::one_stamp(1, 2), cfg);
    s.schedule(sim::Time::zero() + 5_ms, [&] { s.schedule(sim::Time::zero() + 1_ms, [] {}); });
    try {
        s.run_until(sim::Time::zero() + 1_s);
        FAIL("expected an invariant violation");
    } catch (const sim::InvariantViolation& v) {
        CHECK(v.where().seed == 77);
        CHECK(v.where().time_ns == 5'000'000);
        std::string what = v.what();
        CHECK(what.find("invariant violated") == 0);
        CHECK(what.find("seed=77") != std::string::npos);
        CHECK(what.find("time=0.005000000s") != std::string::npos);
    }
}

TEST_CASE("event queue: an actor's failed assertion names its node") {
    sim::Simulation s(simtest::one_stamp(2, 2), sim::SimulationConfig{});
    simtest::Log log;
    log.on_timer = [](sim::Context&, uint64_t) { SIM_ASSERT(1 + 1 == 3, "arithmetic broke"); };
    log.on_start = [](sim::Context& ctx) { ctx.set_timer(2_ms, 1); };
    simtest::add_recorder(s, *s.topology().find_node("w1/r1/n0"), log);
    try {
        s.run_until(sim::Time::zero() + 1_s);
        FAIL("expected an invariant violation");
    } catch (const sim::InvariantViolation& v) {
        CHECK(v.where().node == "w1/r1/n0");
        CHECK(v.message().find("arithmetic broke") != std::string::npos);
    }
}

TEST_CASE("event queue: steady state allocates no new queue or pool memory") {
    sim::Simulation s(simtest::one_stamp(1, 4), sim::SimulationConfig{});
    // Two nodes ping-pong a message forever; each hop also sets a timer.
    simtest::Log a, b;
    auto bounce = [&s](sim::Context& ctx, sim::MessagePtr m) {
        ctx.set_timer(1_us, 0);
        const sim::Address back = m->src;
        ctx.send(back, std::move(m));
    };
    a.on_message = bounce;
    b.on_message = bounce;
    auto n0 = s.topology().stamp(0).nodes[0];
    auto n1 = s.topology().stamp(0).nodes[1];
    simtest::add_recorder(s, n0, a);
    simtest::add_recorder(s, n1, b);
    for (int i = 0; i < 50; ++i) simtest::ping(s, n0, n1, i);
    s.run_until(sim::Time::zero() + 100_ms);
    const int64_t chunks = s.pool().chunks_allocated();
    const int64_t live = s.pool().live();
    s.run_until(sim::Time::zero() + 1_s);
    CHECK(s.pool().chunks_allocated() == chunks);
    CHECK(s.pool().live() == live);
    CHECK(s.events_dispatched() > 100'000);
}
