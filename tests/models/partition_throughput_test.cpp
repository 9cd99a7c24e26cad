// Throughput of the partition layer's serving path under open-loop (Poisson) load through
// the harness front-end: the quickstart mix (30% put of lognormal median 64 KiB sigma 1,
// 60% get, 5% delete, 5% list over 20,000 keys) on the real stream layer, with the disk
// of the scenario defaults (4 ms per I/O, FCFS). What carries the load is group commit:
// the range store batches commit-log records into multi-block appends, and extent nodes
// write whatever appends queued up meanwhile as one journal write.
// Simulated throughput and latency are asserted (never wall time); figures are printed.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "tests/models/partition_harness.h"

using namespace partition_test;

namespace {

struct Mix {
    double put = 0.3, get = 0.6, del = 0.05;  // the rest: list
    int keys = 20000;
    double median_bytes = 65536;
    double sigma = 1.0;
};

std::string key_name(uint64_t i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "k%05llu", static_cast<unsigned long long>(i));
    return buf;
}

struct Measured {
    uint64_t completed = 0;   // ops that started in the window and completed
    uint64_t served = 0;      // of those, kOk or kNotFound
    uint64_t retries = 0;     // attempts retried (busy, unavailable, not mine, timeout)
    double ops_per_s = 0;     // served ops per simulated second of the window
    double put_p99_ms = 0, get_p99_ms = 0, put_p50_ms = 0, get_p50_ms = 0;
    double events_per_op = 0;
    uint64_t log_appends = 0, log_records = 0;  // group commit over all serving ranges
};

double pct(std::vector<int64_t> v, int p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return static_cast<double>(v[std::min(v.size() - 1, v.size() * static_cast<size_t>(p) / 100)]) / 1e6;
}

// Offers `rate` ops/s from `front_ends` front-ends for warm + window; measures the ops that
// start inside the window.
Measured offer(Rig& rig, double rate, sim::Duration warm, sim::Duration window, const Mix& mix, int front_ends = 1) {
    // Start the load once every range is served, so the window sees the steady state.
    REQUIRE(rig.run_until(
        [&] {
            const PartitionManager* leader = rig.layer->leader();
            if (leader == nullptr) return false;
            size_t serving = 0;
            for (int i = 0; i < static_cast<int>(rig.layer->servers().size()); ++i) {
                if (const PartitionServer* ps = rig.layer->server(i)) serving += ps->ranges_serving().size();
            }
            return serving == leader->state().map().size();
        },
        sim::Duration::seconds(30)));
    std::vector<std::unique_ptr<ClientScript>> scripts;
    std::vector<sim::NodeId> nodes{rig.client_node};
    std::vector<int64_t> put_ns, get_ns;
    Measured out;
    const sim::Time t0 = rig.sim.now() + warm;
    const sim::Time t1 = t0 + window;
    for (int f = 0; f < front_ends; ++f) {
        auto script = std::make_unique<ClientScript>();
        script->window = 1 << 20;
        script->max_attempts = 1000;
        script->arrival_rate = rate / front_ends;
        script->arrival = [&, t0, t1](sim::Rng& rng) {
            Op op;
            const double u = rng.uniform01();
            op.account = "photos";
            op.container = "c";
            op.blob = key_name(rng.below(static_cast<uint64_t>(mix.keys)));
            if (u < mix.put) {
                op.op = BlobOp::kPut;
                op.size_bytes = std::max<int64_t>(1, static_cast<int64_t>(rng.lognormal(mix.median_bytes, mix.sigma)));
                op.fingerprint = rng.next_u64() | 1;
            } else if (u < mix.put + mix.get) {
                op.op = BlobOp::kGet;
            } else if (u < mix.put + mix.get + mix.del) {
                op.op = BlobOp::kDelete;
            } else {
                op.op = BlobOp::kList;
                op.blob = op.blob.substr(0, 4);  // a prefix of ~20 names
                op.page = 100;
            }
            const BlobOp kind = op.op;
            op.done = [&, kind, t0, t1](const OpResult& r) {
                if (r.started_at < t0 || r.started_at >= t1) return;
                ++out.completed;
                if (r.status != BlobStatus::kOk && r.status != BlobStatus::kNotFound) return;
                ++out.served;
                const int64_t ns = (r.done_at - r.started_at).ns();
                if (kind == BlobOp::kPut) put_ns.push_back(ns);
                if (kind == BlobOp::kGet) get_ns.push_back(ns);
            };
            return op;
        };
        // A client node per four front-ends: one client NIC would cap the bytes of a big load.
        if (f % 4 == 0 && f > 0) nodes.push_back(rig.sim.add_client(0));
        rig.client(*script, static_cast<sim::Port>(models::ports::kClientFirst + f % 4), nodes.back());
        scripts.push_back(std::move(script));
    }
    rig.sim.run_until(t0);
    uint64_t retries0 = 0;
    for (auto& s : scripts) retries0 += s->retries;
    const uint64_t ev0 = rig.sim.events_dispatched();
    rig.sim.run_until(t1);
    const uint64_t events = rig.sim.events_dispatched() - ev0;
    for (auto& s : scripts) s->arrival_rate = 0;  // stop the load; let the window's ops finish
    rig.sim.run_until(t1 + sim::Duration::seconds(5));
    for (auto& s : scripts) out.retries += s->retries;
    out.retries -= retries0;
    out.ops_per_s = static_cast<double>(out.served) / window.to_seconds();
    out.events_per_op = static_cast<double>(events) / std::max<double>(1, static_cast<double>(out.completed));
    out.put_p99_ms = pct(put_ns, 99);
    out.get_p99_ms = pct(get_ns, 99);
    out.put_p50_ms = pct(put_ns, 50);
    out.get_p50_ms = pct(get_ns, 50);
    for (size_t i = 0; i < rig.layer->servers().size(); ++i) {
        const PartitionServer* ps = rig.layer->server(static_cast<int>(i));
        if (ps == nullptr) continue;
        for (RangeId r : ps->ranges_serving()) {
            out.log_appends += ps->store(r)->log_appends();
            out.log_records += ps->store(r)->log_records();
        }
    }
    return out;
}

void print(const char* what, double rate, const Measured& m) {
    std::printf("%s: offered %.0f ops/s, served %.0f ops/s; put p50 %.1f p99 %.1f ms, get p50 %.2f p99 %.2f ms; "
                "%.1f events/op; %llu retries; %.1f records per commit-log append\n",
                what, rate, m.ops_per_s, m.put_p50_ms, m.put_p99_ms, m.get_p50_ms, m.get_p99_ms, m.events_per_op,
                static_cast<unsigned long long>(m.retries),
                static_cast<double>(m.log_records) / std::max<double>(1, static_cast<double>(m.log_appends)));
}

// Ranges served per server now.
std::vector<int> ranges_per_server(Rig& rig) {
    std::vector<int> out;
    for (size_t i = 0; i < rig.layer->servers().size(); ++i) {
        const PartitionServer* ps = rig.layer->server(static_cast<int>(i));
        out.push_back(ps == nullptr ? 0 : static_cast<int>(ps->ranges_serving().size()));
    }
    return out;
}

}  // namespace

TEST_SUITE_BEGIN("partition");

TEST_CASE("partition throughput: one range on one partition server sustains 2,500 ops/s of the quickstart mix") {
    PartitionLayerOptions o;
    o.config.split_load = 1e9;  // keep the single range where it is: this measures one server
    Rig rig(21, o, Rig::spec(6, 8));
    const double rate = 2500;
    const Measured m = offer(rig, rate, sim::Duration::seconds(2), sim::Duration::seconds(10), Mix{});
    print("one server", rate, m);
    const auto per = ranges_per_server(rig);
    CHECK(std::count(per.begin(), per.end(), 1) == 1);  // one range, on one server
    CHECK(m.completed > 0.97 * rate * 10);
    CHECK(m.served == m.completed);
    CHECK(m.ops_per_s >= 2000);
    CHECK(m.put_p99_ms < 100);
    CHECK(m.get_p99_ms < 10);
    CHECK(m.log_records > 2 * m.log_appends);  // group commit at work
}

TEST_CASE("partition throughput: quickstart shape (6x8, 3 servers, 1 range) at 800 ops/s") {
    Rig rig(22, PartitionLayerOptions{}, Rig::spec(6, 8));
    const double rate = 800;
    const Measured m = offer(rig, rate, sim::Duration::seconds(2), sim::Duration::seconds(20), Mix{});
    print("quickstart", rate, m);
    CHECK(m.served == m.completed);
    CHECK(m.ops_per_s >= 0.97 * rate);
    CHECK(m.put_p99_ms < 100);
    CHECK(m.get_p99_ms < 50);
}

TEST_CASE("partition throughput: an 18x18 stamp with 12 partition servers carries 20,000 ops/s") {
    PartitionLayerOptions o;
    o.servers = 12;
    Mix mix;
    mix.keys = 240000;
    // Two range partitions per server, split evenly over the key space.
    for (int i = 1; i < 24; ++i) o.initial_boundaries.push_back(encode_key("photos", "c", key_name(static_cast<uint64_t>(i) * 10000)));
    Rig rig(23, o, Rig::spec(18, 18, 6));
    const double rate = 20000;
    const Measured m = offer(rig, rate, sim::Duration::seconds(2), sim::Duration::seconds(5), mix, 16);
    print("18x18", rate, m);
    CHECK(m.served == m.completed);
    CHECK(m.ops_per_s >= 0.97 * rate);
    CHECK(m.put_p99_ms < 100);
    CHECK(m.get_p99_ms < 50);
}

TEST_SUITE_END();
