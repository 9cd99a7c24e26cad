#include <doctest/doctest.h>

#include "reports/checks/checks.h"

namespace obs = models::observe;
using obs::OpKind;
using obs::OpStatus;

namespace {

constexpr int64_t kMs = 1'000'000;

struct Hist {
    obs::History h;
    uint16_t main, verify, bad;
    Hist() {
        main = h.add_workload({"main", obs::AuthMode::kValid, false});
        verify = h.add_workload({"verify", obs::AuthMode::kValid, true});
        bad = h.add_workload({"intruder", obs::AuthMode::kOtherAccount, false});
    }
    uint64_t add(uint16_t w, OpKind k, const std::string& blob, int64_t s, int64_t e, OpStatus st,
                 uint64_t fp = 0) {
        obs::Operation op;
        op.workload = w;
        op.kind = k;
        op.account = h.strings().intern("a");
        op.container = h.strings().intern("c0");
        op.blob = h.strings().intern(blob);
        op.invoke = sim::Time::from_ns(s * kMs);
        op.complete = sim::Time::from_ns(e * kMs);
        op.status = st;
        op.fingerprint = fp;
        op.size_bytes = fp ? 10 : 0;
        return h.append(op);
    }
};

}  // namespace

TEST_CASE("durability: read-back matches the last acknowledged write") {
    Hist t;
    t.add(t.main, OpKind::kPut, "x", 0, 10, OpStatus::kOk, 1);
    t.add(t.main, OpKind::kPut, "x", 20, 30, OpStatus::kOk, 2);
    t.add(t.main, OpKind::kPut, "y", 0, 10, OpStatus::kOk, 3);
    t.add(t.main, OpKind::kDelete, "y", 20, 30, OpStatus::kOk);
    t.add(t.main, OpKind::kPut, "z", 0, 10, OpStatus::kOk, 4);
    t.add(t.main, OpKind::kPut, "z", 20, 30, OpStatus::kTimeout, 5);  // may have landed
    t.add(t.verify, OpKind::kGet, "x", 100, 101, OpStatus::kOk, 2);
    t.add(t.verify, OpKind::kGet, "y", 100, 101, OpStatus::kNotFound);
    t.add(t.verify, OpKind::kGet, "z", 100, 101, OpStatus::kOk, 5);
    auto c = reports::check_durability(t.h);
    CHECK(c.held);
    CHECK(c.figures["acked_writes"] == 4);
    CHECK(c.figures["lost"] == 0);
}

TEST_CASE("durability: a lost write and a missing read-back fail the check") {
    Hist t;
    uint64_t w = t.add(t.main, OpKind::kPut, "x", 0, 10, OpStatus::kOk, 1);
    uint64_t r = t.add(t.verify, OpKind::kGet, "x", 100, 101, OpStatus::kNotFound);
    t.add(t.main, OpKind::kPut, "y", 0, 10, OpStatus::kOk, 2);
    t.add(t.verify, OpKind::kGet, "y", 100, 101, OpStatus::kTimeout);
    auto c = reports::check_durability(t.h);
    CHECK_FALSE(c.held);
    CHECK(c.figures["lost"] == 1);
    CHECK(c.figures["unverified"] == 1);
    CHECK(c.violation_ops == std::vector<uint64_t>{w, r});
}

TEST_CASE("availability: overall and worst window, wrongly signed and verify left out") {
    Hist t;
    for (int i = 0; i < 10; ++i) t.add(t.main, OpKind::kGet, "x", i * 200, i * 200 + 5, OpStatus::kOk);
    t.add(t.main, OpKind::kGet, "x", 1500, 1600, OpStatus::kTimeout);  // window 1: 5 ok + 1 failed
    t.add(t.bad, OpKind::kGet, "x", 1500, 1501, OpStatus::kRejectedAuth);
    t.add(t.verify, OpKind::kGet, "x", 1900, 1901, OpStatus::kFailed);
    auto f = reports::availability(t.h, sim::Duration::seconds(1), sim::Time::from_ns(2000 * kMs));
    CHECK(f.requests == 11);
    CHECK(f.overall == doctest::Approx(10.0 / 11));
    CHECK(f.worst_window == doctest::Approx(5.0 / 6));
    CHECK(f.worst_window_start_s == doctest::Approx(1.0));
    auto c = reports::check_availability(f, {0.9, sim::Duration::seconds(1)});
    CHECK_FALSE(c.held);
    auto c2 = reports::check_availability(f, {0.8, sim::Duration::seconds(1)});
    CHECK(c2.held);
}

TEST_CASE("auth: a wrongly signed success fails the check") {
    Hist t;
    t.add(t.bad, OpKind::kGet, "x", 0, 1, OpStatus::kRejectedAuth);
    CHECK(reports::check_auth(t.h).held);
    uint64_t leak = t.add(t.bad, OpKind::kPut, "x", 2, 3, OpStatus::kOk, 9);
    auto c = reports::check_auth(t.h);
    CHECK_FALSE(c.held);
    CHECK(c.violation_ops == std::vector<uint64_t>{leak});
    CHECK(c.figures["succeeded"] == 1);
}

TEST_CASE("thresholds, keys and the verdict with expect: fail") {
    reports::LatencyThreshold lt;
    REQUIRE(reports::parse_latency_key("get.p99", &lt));
    CHECK(lt.op == 1);
    CHECK(lt.per_mille == 990);
    CHECK_FALSE(reports::parse_latency_key("get.p98", &lt));
    reports::LoadThreshold lb;
    REQUIRE(reports::parse_load_key("racks.gini", &lb));
    CHECK(lb.group == 2);
    CHECK_FALSE(reports::parse_load_key("servers.gini", &lb));

    Hist t;
    for (int i = 1; i <= 100; ++i) t.add(t.main, OpKind::kGet, "x", i * 10, i * 10 + i, OpStatus::kOk);
    auto tables = reports::build_latency_tables(t.h, sim::Duration::seconds(1), sim::Time::from_ns(2000 * kMs));
    reports::parse_latency_key("get.p99", &lt);
    lt.limit = sim::Duration::millis(50);
    auto c = reports::check_latency({lt}, tables);
    CHECK_FALSE(c.held);  // p99 is 99 ms
    lt.limit = sim::Duration::millis(100);
    CHECK(reports::check_latency({lt}, tables).held);

    reports::LoadBalance balances[3];
    balances[0].overall.max_over_mean = 2.5;
    balances[0].judged = balances[0].overall;  // no settle time: the run-long figures
    reports::parse_load_key("partition_servers.max_over_mean", &lb);
    lb.limit = 2.0;
    auto l = reports::check_load_balance({lb}, balances);
    CHECK_FALSE(l.held);
    {
        // A settle time: the thresholds judge the settled window, and the detail says so.
        reports::LoadBalance settled[3];
        settled[0].overall.max_over_mean = 2.5;
        settled[0].judged.max_over_mean = 1.4;
        settled[0].judged_from_s = 60;
        settled[0].judged_to_s = 180;
        auto s = reports::check_load_balance({lb}, settled);
        CHECK(s.held);
        CHECK(s.detail.find("judged from 60 s to 180 s") != std::string::npos);
        settled[0].judged.max_over_mean = 2.1;
        CHECK_FALSE(reports::check_load_balance({lb}, settled).held);
    }

    auto v = reports::decide({c, l}, false);
    CHECK(v.text == "fail");
    CHECK(v.exit_code == 1);
    CHECK(v.failed_checks == std::vector<std::string>{"latency", "load_balance"});
    auto ef = reports::decide({c}, true);
    CHECK(ef.text == "pass");
    CHECK(ef.exit_code == 0);
    reports::CheckResult ok;
    ok.name = "durability";
    CHECK(reports::decide({ok}, true).exit_code == 1);
    CHECK(reports::decide({ok}, false).exit_code == 0);
}
