// Location service and DNS: placement, resolution with a TTL cache, stale answers after a
// move until the TTL runs out, and recovery of the DNS server's records.
#include <doctest/doctest.h>

#include "../sim/test_world.h"
#include "models/location/dns.h"
#include "models/location/location_service.h"

using namespace sim::literals;
using namespace models::location;

TEST_CASE("location: pinned accounts stay; the rest go least loaded or round robin") {
    LocationConfig c;
    c.stamps = {{"w1", {}}, {"w2", {}}, {"e1", {}}};
    c.accounts = {{"photos", 0, 2, 100}, {"logs", std::nullopt, std::nullopt, 10},
                  {"video", std::nullopt, std::nullopt, 50}, {"misc", std::nullopt, std::nullopt, 1}};
    auto placed = place_accounts(c);
    CHECK(placed["photos"].stamp == 0);
    CHECK(placed["photos"].secondary == 2);
    CHECK(placed["logs"].stamp == 1);   // stamps 1 and 2 empty: the first
    CHECK(placed["video"].stamp == 2);  // 1 has 10
    CHECK(placed["misc"].stamp == 1);   // 10 < 50 < 100
    c.placement = PlacementPolicy::kRoundRobin;
    auto rr = place_accounts(c);
    CHECK(rr["logs"].stamp == 0);
    CHECK(rr["video"].stamp == 1);
    CHECK(rr["misc"].stamp == 2);
}

namespace {

// A client that resolves an account whenever the test tells it to.
class Client final : public sim::Actor {
public:
    Client(sim::Context& ctx, sim::Address dns, std::vector<int>* seen) : Actor(ctx), dns_(ctx, dns), seen_(seen) {}
    void on_message(sim::MessagePtr m) override {
        if (dns_.handle_message(m)) return;
        if (m->is<simtest::Ping>()) {
            if (m->as<simtest::Ping>().value == 1) dns_.invalidate("photos");
            dns_.resolve("photos", [this](const DnsRecord* r) { seen_->push_back(r ? r->stamp : -1); });
        }
    }
    void on_timer(uint64_t tag) override { dns_.handle_timer(tag); }
    DnsResolver dns_;

private:
    std::vector<int>* seen_;
};

}  // namespace

TEST_CASE("dns: clients resolve through a TTL cache and stay stale after a move until it expires") {
    sim::TopologySpec spec;
    spec.regions.push_back(sim::RegionSpec{"west", {sim::StampSpec{"w1", 2, 2, 1, {}, 2}, sim::StampSpec{"w2", 2, 2, 1, {}, 2}}});
    sim::Simulation s(spec, sim::SimulationConfig{});
    const sim::NodeId ls_node = s.topology().stamp(0).nodes[0];
    const sim::NodeId dns_node = s.topology().stamp(1).nodes[0];
    LocationConfig cfg;
    cfg.stamps = {{"w1", {sim::Address{s.topology().stamp(0).nodes[1], 70}}},
                  {"w2", {sim::Address{s.topology().stamp(1).nodes[1], 70}}}};
    cfg.accounts = {{"photos", 0, std::nullopt, 1}};
    cfg.dns = sim::Address{dns_node, kDnsPort};
    const sim::Address ls{ls_node, kLocationServicePort};
    s.add_service(dns_node, kDnsPort, [&](sim::Context& ctx) { return std::make_unique<DnsServer>(ctx, 30_s, ls); });
    s.add_service(ls_node, kLocationServicePort, [&](sim::Context& ctx) { return std::make_unique<LocationService>(ctx, cfg); });
    std::vector<int> seen;
    const sim::NodeId client = s.add_client(0);
    s.add_service(client, simtest::kPort, [&](sim::Context& ctx) { return std::make_unique<Client>(ctx, cfg.dns, &seen); });
    auto ask = [&](sim::Duration at, int value) {
        s.schedule(sim::Time::zero() + at, [&s, client, value] { simtest::ping(s, client, client, value); });
    };
    ask(1_s, 0);
    ask(2_s, 0);  // from the cache
    s.schedule(sim::Time::zero() + 5_s, [&] {
        auto mv = s.pool().make<MoveAccount>();
        mv->account = "photos";
        mv->to_stamp = 1;
        s.send(sim::Address{client, simtest::kPort}, ls, std::move(mv));
    });
    ask(10_s, 0);  // stale: cached at 1 s with a 30 s TTL
    ask(32_s, 0);  // expired: asks again, gets the new stamp
    s.run_until(sim::Time::zero() + 40_s);
    CHECK(seen == std::vector<int>{0, 0, 0, 1});
    auto* c = static_cast<Client*>(s.actor(client, simtest::kPort));
    CHECK(c->dns_.queries_sent() == 2);
    CHECK(c->dns_.cache_hits() == 2);

    // The DNS server restarts with no records and fetches them from the location service;
    // an invalidated client entry is asked again and finds the moved account.
    s.crash(dns_node);
    s.restart(dns_node);
    ask(41_s, 1);
    s.run_until(sim::Time::zero() + 45_s);
    CHECK(seen.back() == 1);
    CHECK(static_cast<DnsServer*>(s.actor(dns_node, kDnsPort))->records() == 1);
}

TEST_CASE("location: a move survives a crash of the location service (durable table)") {
    sim::Simulation s(simtest::one_stamp(2, 2), sim::SimulationConfig{});
    LocationConfig cfg;
    cfg.stamps = {{"a", {}}, {"b", {}}};
    cfg.accounts = {{"photos", 0, std::nullopt, 1}};
    const sim::NodeId ls_node = s.topology().stamp(0).nodes[0];
    const sim::NodeId dns_node = s.topology().stamp(0).nodes[1];
    cfg.dns = sim::Address{dns_node, kDnsPort};
    const sim::Address ls{ls_node, kLocationServicePort};
    s.add_service(dns_node, kDnsPort, [&](sim::Context& ctx) { return std::make_unique<DnsServer>(ctx, 30_s, ls); });
    s.add_service(ls_node, kLocationServicePort, [&](sim::Context& ctx) { return std::make_unique<LocationService>(ctx, cfg); });
    s.run_until(sim::Time::zero() + 1_s);
    auto mv = s.pool().make<MoveAccount>();
    mv->account = "photos";
    mv->to_stamp = 1;
    s.send(sim::Address{dns_node, 99}, ls, std::move(mv));
    s.run_until(sim::Time::zero() + 2_s);
    s.crash(ls_node);
    s.restart(ls_node);
    auto* service = static_cast<LocationService*>(s.actor(ls_node, kLocationServicePort));
    CHECK(service->stamp_of("photos") == 1);
}
