// The whole request path, end to end: a scripted client resolves the account through DNS,
// signs requests and sends them to a stamp's front-ends, which route them to partition
// servers that store them through the stream layer. Exact results, every layer real.
#include <doctest/doctest.h>

#include <deque>
#include <sstream>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "app/run.h"
#include "app/scenario/loader.h"
#include "app/world.h"
#include "models/frontend/auth.h"
#include "models/frontend/front_end.h"
#include "models/location/dns.h"
#include "models/partition/deploy.h"
#include "models/partition/partition_manager.h"
#include "models/ports.h"
#include "models/stream/stream_manager.h"
#include "reports/run_result.h"

namespace {

namespace fe = models::frontend;
namespace part = models::partition;

// Two stamps in one region; accounts pinned to w1 (three pre-split range partitions);
// a token workload starting at 59s (after these tests): the test drives the requests itself.
const char* const kScenario = R"({
  "name": "e2e", "seed": 7, "duration": "1m", "drain": "5s",
  "topology": { "regions": [ { "name": "west", "stamps": [
      { "name": "w1", "racks": 6, "nodes_per_rack": 4, "power_domains": 3 },
      { "name": "w2", "racks": 5, "nodes_per_rack": 4, "power_domains": 5 } ] } ] },
  "storage": { "partition": { "initial_partitions": 3 } },
  "accounts": [ { "name": "alpha", "stamp": "w1" }, { "name": "beta", "stamp": "w1" },
                { "name": "gamma", "stamp": "w2" } ],
  "workloads": [ { "name": "late", "account": "beta", "container": "background", "start": "59s",
                   "arrival": { "kind": "poisson", "rate": 1 }, "mix": { "get": 1 } } ],
  "checks": { "durability": true, "consistency": "linearizable" }
})";

app::scenario::Scenario load(const char* text, std::vector<std::string> overrides = {}) {
    app::scenario::LoadOptions o;
    o.overrides = std::move(overrides);
    auto r = app::scenario::load_scenario_text(text, "e2e.json", STAMPSIM_SOURCE_DIR, o);
    for (const auto& m : r.messages()) MESSAGE(m);
    REQUIRE(r.ok());
    return *r.scenario;
}

struct Reply {
    fe::ClientStatus status = fe::ClientStatus::kTimeout;
    part::IndexEntry entry;
    std::vector<std::string> listed;
    bool answered = false;
};

// How a scripted request is signed.
enum class Signing { kValid, kNone, kBad, kOtherAccount, kStale };

struct Step {
    part::BlobOp op = part::BlobOp::kGet;
    std::string account, container, blob;
    int64_t size = 0;
    uint64_t fingerprint = 0;
    Signing signing = Signing::kValid;
    std::function<void(const Reply&)> done;
    int stamp = -1;  // >= 0: send to this stamp's first front-end instead of DNS's answer
};

// Sends its steps one at a time to a front-end of the account's stamp (from DNS).
class ScriptedClient final : public sim::Actor {
public:
    ScriptedClient(sim::Context& ctx, sim::Address dns, const std::map<std::string, fe::Key>& keys,
                   std::deque<Step>& steps, std::vector<sim::Address> stamp_front_ends)
        : Actor(ctx), dns_(ctx, dns), keys_(keys), steps_(steps), stamp_front_ends_(std::move(stamp_front_ends)) {}
    void on_start() override { next(); }
    void on_message(sim::MessagePtr m) override {
        if (dns_.handle_message(m)) return;
        if (m->is<fe::ClientReply>()) {
            const auto& r = m->as<fe::ClientReply>();
            if (r.request_id != request_) return;
            Reply out{r.status, r.entry, r.listed, true};
            Step s = std::move(steps_.front());
            steps_.pop_front();
            if (s.done) s.done(out);
            next();
        }
    }
    void on_timer(uint64_t tag) override {
        if (dns_.handle_timer(tag)) return;
        if (tag == kKick) next();
    }

private:
    static constexpr uint64_t kKick = 1;
    void next() {
        if (steps_.empty()) {
            ctx().set_timer(sim::Duration::millis(100), kKick);  // more may be queued later
            return;
        }
        const Step& s = steps_.front();
        if (s.stamp >= 0) return send(stamp_front_ends_[static_cast<size_t>(s.stamp)]);
        dns_.resolve(s.account, [this](const models::location::DnsRecord* rec) {
            REQUIRE(rec != nullptr);
            send(rec->front_ends[static_cast<size_t>(request_ % rec->front_ends.size())]);
        });
    }
    void send(sim::Address front_end) {
        const Step& s = steps_.front();
        auto q = ctx().make<fe::ClientRequest>();
        q->request_id = ++request_;
        q->op = s.op;
        q->account = s.account;
        q->container = s.container;
        q->blob = s.blob;
        q->size_bytes = s.size;
        q->fingerprint = s.fingerprint;
        q->client_time = ctx().now();
        if (s.signing == Signing::kStale) q->client_time = ctx().now() - sim::Duration::minutes(20);
        static const char* const kOps[] = {"put", "get", "head", "delete", "list"};
        fe::SignedFields f{kOps[static_cast<int>(s.op)], s.account, s.container, s.blob, q->client_time,
                           s.fingerprint, s.size};
        const std::string other = s.account == "alpha" ? "beta" : "alpha";
        switch (s.signing) {
            case Signing::kValid:
            case Signing::kStale: q->signature = fe::sign(f, keys_.at(s.account)); break;
            case Signing::kNone: break;
            case Signing::kBad: {
                auto sig = fe::sign(f, keys_.at(s.account));
                sig[3] ^= 0x40;
                q->signature = sig;
                break;
            }
            case Signing::kOtherAccount: q->signature = fe::sign(f, keys_.at(other)); break;
        }
        ctx().send(front_end, std::move(q));
    }

    models::location::DnsResolver dns_;
    const std::map<std::string, fe::Key>& keys_;
    std::deque<Step>& steps_;
    std::vector<sim::Address> stamp_front_ends_;
    uint64_t request_ = 0;
};

struct Rig {
    app::scenario::Scenario scenario;
    app::World world;
    std::deque<Step> steps;
    explicit Rig(std::vector<std::string> overrides = {})
        : scenario(load(kScenario, std::move(overrides))), world(scenario, scenario.seed, app::WorldOptions{}) {
        world.boot();
        const sim::NodeId client = world.sim().add_client(0);
        world.sim().add_service(client, models::ports::kClientFirst + 5, [this](sim::Context& ctx) {
            std::vector<sim::Address> fes;
            for (int st = 0; st < 2; ++st) fes.push_back(sim::Address{world.front_end_nodes(st).front(), fe::kFrontEndPort});
            return std::make_unique<ScriptedClient>(ctx, world.dns_address(), world.keys(), steps, fes);
        });
    }
    // Runs until every queued step is answered (bounded).
    bool drain(sim::Duration limit = sim::Duration::seconds(120)) {
        const sim::Time end = world.sim().now() + limit;
        while (!steps.empty() && world.sim().now() < end) {
            world.sim().run_until(world.sim().now() + sim::Duration::millis(200));
        }
        return steps.empty();
    }
    void add(Step s) { steps.push_back(std::move(s)); }
};

std::string name(int i) { return "blob" + std::to_string(1000 + i); }
uint64_t fp(int i) { return 0xabcdef0000ull + static_cast<uint64_t>(i) * 7919; }

}  // namespace

TEST_CASE("put, get, head, list and delete through DNS, front-ends, partition and stream layers") {
    Rig rig;
    int ok = 0;
    // 40 blobs of alpha in two containers (every 8th is 1 MiB: the blob data stream), 10 of beta.
    for (int i = 0; i < 40; ++i) {
        rig.add({part::BlobOp::kPut, "alpha", i % 2 ? "photos" : "docs", name(i), i % 8 == 0 ? (1 << 20) : 4096,
                 fp(i), Signing::kValid, [&ok](const Reply& r) { ok += r.status == fe::ClientStatus::kOk; }});
    }
    for (int i = 0; i < 10; ++i) {
        rig.add({part::BlobOp::kPut, "beta", "c", name(i), 100, fp(100 + i), Signing::kValid,
                 [&ok](const Reply& r) { ok += r.status == fe::ClientStatus::kOk; }});
    }
    REQUIRE(rig.drain());
    CHECK(ok == 50);

    // Every get returns exactly what was put; head too.
    int exact = 0;
    for (int i = 0; i < 40; ++i) {
        const int64_t size = i % 8 == 0 ? (1 << 20) : 4096;
        rig.add({part::BlobOp::kGet, "alpha", i % 2 ? "photos" : "docs", name(i), 0, 0, Signing::kValid,
                 [&exact, i, size](const Reply& r) {
                     exact += r.status == fe::ClientStatus::kOk && r.entry.fingerprint == fp(i) &&
                              r.entry.size_bytes == size;
                 }});
    }
    Reply head;
    rig.add({part::BlobOp::kHead, "beta", "c", name(3), 0, 0, Signing::kValid, [&head](const Reply& r) { head = r; }});
    REQUIRE(rig.drain());
    CHECK(exact == 40);
    CHECK(head.status == fe::ClientStatus::kOk);
    CHECK(head.entry.fingerprint == fp(103));

    // List a container (spans the pre-split boundaries), in key order, nothing of others.
    Reply listed;
    rig.add({part::BlobOp::kList, "alpha", "photos", "", 0, 0, Signing::kValid,
             [&listed](const Reply& r) { listed = r; }});
    REQUIRE(rig.drain());
    std::vector<std::string> want;
    for (int i = 1; i < 40; i += 2) want.push_back(name(i));
    CHECK(listed.status == fe::ClientStatus::kOk);
    CHECK(listed.listed == want);

    // Delete five; they are gone from get and list, the rest stay.
    for (int i = 1; i < 10; i += 2) {
        rig.add({part::BlobOp::kDelete, "alpha", "photos", name(i), 0, 0, Signing::kValid, {}});
    }
    int gone = 0;
    for (int i = 1; i < 10; i += 2) {
        rig.add({part::BlobOp::kGet, "alpha", "photos", name(i), 0, 0, Signing::kValid,
                 [&gone](const Reply& r) { gone += r.status == fe::ClientStatus::kNotFound; }});
    }
    Reply after;
    rig.add({part::BlobOp::kList, "alpha", "photos", "blob10", 0, 0, Signing::kValid,
             [&after](const Reply& r) { after = r; }});
    REQUIRE(rig.drain());
    CHECK(gone == 5);
    std::vector<std::string> rest;
    for (int i = 11; i < 40; i += 2) rest.push_back(name(i));
    CHECK(after.listed == rest);
}

TEST_CASE("authentication: every bad request kind is refused at the front-end, none reaches storage") {
    Rig rig;
    std::vector<fe::ClientStatus> got;
    auto record = [&got](const Reply& r) { got.push_back(r.status); };
    for (Signing s : {Signing::kNone, Signing::kBad, Signing::kOtherAccount, Signing::kStale}) {
        rig.add({part::BlobOp::kPut, "alpha", "c", "forged", 10, 99, s, record});
    }
    rig.add({part::BlobOp::kGet, "alpha", "c", "forged", 0, 0, Signing::kValid, record});
    rig.add({part::BlobOp::kPut, "alpha", "c", "real", 10, 5, Signing::kValid, record});
    REQUIRE(rig.drain());
    REQUIRE(got.size() == 6);
    for (int i = 0; i < 4; ++i) CHECK(got[static_cast<size_t>(i)] == fe::ClientStatus::kAuthFailed);
    CHECK(got[4] == fe::ClientStatus::kNotFound);  // no forged put was applied
    CHECK(got[5] == fe::ClientStatus::kOk);
}

TEST_CASE("planted bug accept_bad_signature lets a forged put through") {
    Rig rig({"debug.bug=accept_bad_signature"});
    std::vector<fe::ClientStatus> got;
    rig.add({part::BlobOp::kPut, "alpha", "c", "forged", 10, 99, Signing::kBad,
             [&got](const Reply& r) { got.push_back(r.status); }});
    rig.add({part::BlobOp::kGet, "alpha", "c", "forged", 0, 0, Signing::kValid,
             [&got](const Reply& r) { got.push_back(r.status); }});
    REQUIRE(rig.drain());
    REQUIRE(got.size() == 2);
    CHECK(got[0] == fe::ClientStatus::kOk);
    CHECK(got[1] == fe::ClientStatus::kOk);
}

TEST_CASE("a front-end with a stale partition map recovers after its range's server crashes") {
    Rig rig;
    for (int i = 0; i < 20; ++i) rig.add({part::BlobOp::kPut, "alpha", "c", name(i), 10, fp(i), Signing::kValid, {}});
    REQUIRE(rig.drain());
    // Crash the server of alpha's first key; the front-ends' cached maps now name a dead server.
    auto& pl = rig.world.partitions(0);
    const part::PartitionManager* leader = pl.leader();
    REQUIRE(leader != nullptr);
    const auto& map = leader->state().map();
    const part::RangeInfo& r = map.lookup(part::encode_key("alpha", "c", name(0)));
    REQUIRE(r.server.valid());
    const uint64_t version_before = map.version();
    rig.world.sim().crash(pl.servers()[static_cast<size_t>(r.server.value)].node);
    int exact = 0;
    for (int i = 0; i < 20; ++i) {
        rig.add({part::BlobOp::kGet, "alpha", "c", name(i), 0, 0, Signing::kValid,
                 [&exact, i](const Reply& rep) {
                     exact += rep.status == fe::ClientStatus::kOk && rep.entry.fingerprint == fp(i);
                 }});
    }
    REQUIRE(rig.drain());
    // The front-end's attempts timed out or failed; it refreshed the map and found the new server.
    CHECK(exact == 20);
    REQUIRE(pl.leader() != nullptr);
    CHECK(pl.leader()->state().map().version() > version_before);
}

TEST_CASE("an account on another stamp is refused there (wrong stamp), and served where DNS points") {
    Rig rig;
    std::vector<fe::ClientStatus> got;
    auto record = [&got](const Reply& r) { got.push_back(r.status); };
    rig.add({part::BlobOp::kPut, "gamma", "c", "x", 10, 1, Signing::kValid, record, 0});
    rig.add({part::BlobOp::kPut, "gamma", "c", "x", 10, 1, Signing::kValid, record});
    rig.add({part::BlobOp::kGet, "gamma", "c", "x", 0, 0, Signing::kValid, record, 1});
    rig.add({part::BlobOp::kGet, "alpha", "c", "x", 0, 0, Signing::kValid, record, 1});
    REQUIRE(rig.drain());
    REQUIRE(got.size() == 4);
    CHECK(got[0] == fe::ClientStatus::kWrongStamp);
    CHECK(got[1] == fe::ClientStatus::kOk);
    CHECK(got[2] == fe::ClientStatus::kOk);
    CHECK(got[3] == fe::ClientStatus::kWrongStamp);
}

TEST_CASE("stampsim run: the same scenario and seed give the same fingerprint; another seed another") {
    const std::string file = std::string(STAMPSIM_SOURCE_DIR) + "/scenarios/quickstart.json";
    std::ostringstream out, err;
    app::RunRequest r;
    r.file = file;
    r.overrides = {"duration=20s", "drain=5s"};
    r.quiet = true;
    r.write_outputs = false;
    const app::RunSummary a = app::run_scenario(r, out, err);
    const app::RunSummary b = app::run_scenario(r, out, err);
    r.seed = 2;
    const app::RunSummary c = app::run_scenario(r, out, err);
    CHECK(a.exit_code == 0);
    CHECK(a.verdict == "pass");
    CHECK(a.ops > 15000);
    CHECK(a.fingerprint == b.fingerprint);
    CHECK(a.fingerprint != c.fingerprint);
}

TEST_CASE("a rolling upgrade drains each domain's partition servers before taking it down") {
    // The operator's procedure (was-model-notes: move partitions out, place no extents
    // there): when a domain's nodes go down, no range is still assigned to a partition
    // server among them, so no range waits for a lease to run out. Without the drain, the
    // ranges of the domain's servers stayed assigned to dead servers for seconds.
    const char* const text = R"({
      "name": "upgrade", "seed": 3, "duration": "80s", "drain": "10s",
      "topology": { "regions": [ { "name": "west", "stamps": [
          { "name": "w1", "racks": 5, "nodes_per_rack": 5, "power_domains": 5, "upgrade_domains": 5 } ] } ] },
      "storage": { "partition": { "initial_partitions": 6 } },
      "accounts": [ { "name": "alpha", "stamp": "w1" } ],
      "workloads": [ { "name": "w", "account": "alpha", "arrival": { "kind": "poisson", "rate": 100 },
                       "mix": { "put": 0.5, "get": 0.5 }, "keys": { "count": 500 } } ],
      "faults": [ { "at": "5s", "kind": "rolling_upgrade", "stamp": "w1", "per_domain": "10s" } ],
      "checks": { "durability": true, "consistency": "linearizable" }
    })";
    app::scenario::Scenario s = load(text);
    app::World world(s, s.seed, app::WorldOptions{});
    world.boot();
    part::PartitionLayer& pl = world.partitions(0);
    int checks = 0, stranded = 0, domains_seen_down = 0;
    std::set<size_t> was_down;
    std::set<uint32_t> front_ends_seen_down;
    int open_checked = 0, open_on_down = 0;
    const sim::Time end = world.epoch() + sim::Duration::seconds(75);
    while (world.sim().now() < end) {
        world.sim().run_until(world.sim().now() + sim::Duration::millis(100));
        std::set<size_t> down;
        for (size_t i = 0; i < pl.servers().size(); ++i)
            if (!world.sim().up(pl.servers()[i].node)) down.insert(i);
        if (!down.empty() && down != was_down) ++domains_seen_down;
        was_down = down;
        for (sim::NodeId n : world.front_end_nodes(0))
            if (!world.sim().up(n)) front_ends_seen_down.insert(n.value);
        // No stream appends to an open extent with a replica on a node that is down.
        if (const models::stream::StreamManager* sm = world.streams(0).leader(); sm != nullptr && !down.empty()) {
            for (const auto& [id, st] : sm->state().data().streams) {
                if (st.extents.empty()) continue;
                const models::stream::ExtentMeta* e = sm->state().extent(st.extents.back());
                if (e == nullptr || e->sealed) continue;
                ++open_checked;
                for (sim::NodeId n : e->replicas) open_on_down += !world.sim().up(n);
            }
        }
        const part::PartitionManager* m = pl.leader();
        if (m == nullptr) continue;
        for (const part::RangeInfo& r : m->state().map().ranges()) {
            if (!r.server.valid()) continue;
            const sim::NodeId n = pl.servers()[static_cast<size_t>(r.server.value)].node;
            ++checks;
            if (!world.sim().up(n)) ++stranded;
        }
    }
    std::set<int> server_domains;
    for (const sim::Address& a : pl.servers()) server_domains.insert(world.sim().topology().node(a.node).upgrade_domain);
    CHECK(domains_seen_down == static_cast<int>(server_domains.size()));  // each went down in turn
    CHECK(checks > 1000);
    CHECK(stranded == 0);
    // The stream manager sealed the open extents with a replica in the domain and gave
    // their streams new extents elsewhere before the domain went down.
    CHECK(open_checked > 1000);
    CHECK(open_on_down == 0);
    // The front-ends were drained too: the balancer took each domain's front-ends out of
    // rotation and they finished what they held before going down, so no operation waited
    // out a client's attempt timeout (10 s) on a front-end that went away. Without the
    // front-end drain, operations in flight there took about 10 s.
    CHECK(front_ends_seen_down.size() >= 2);  // front-ends of several domains went down in turn
    uint64_t finished = 0, slow = 0;
    for (const auto& op : world.history().ops()) {
        if (op.status == models::observe::OpStatus::kPending) continue;
        ++finished;
        if (op.latency() >= sim::Duration::seconds(5)) ++slow;
    }
    CHECK(finished > 5000);
    CHECK(slow == 0);
}

TEST_CASE("a rolling upgrade does not re-replicate the replicas of the domain it took down") {
    // Maintenance mode: a node the operator took down for an upgrade comes back with its
    // disk, so while the extent keeps two healthy replicas the stream manager copies
    // nothing, even when the domain stays down past node_timeout + re_replication_delay
    // (10 s + 15 s). Without it, every sealed extent with a replica there was copied.
    const char* const text = R"({
      "name": "upgrade-maintenance", "seed": 4, "duration": "140s", "drain": "10s",
      "topology": { "regions": [ { "name": "west", "stamps": [
          { "name": "w1", "racks": 5, "nodes_per_rack": 4, "power_domains": 5, "upgrade_domains": 4 } ] } ] },
      "storage": { "partition": { "initial_partitions": 3 }, "stream": { "extent_seal_size": "4MiB" } },
      "accounts": [ { "name": "alpha", "stamp": "w1" } ],
      "workloads": [ { "name": "w", "account": "alpha", "arrival": { "kind": "poisson", "rate": 100 },
                       "mix": { "put": 0.6, "get": 0.4 }, "keys": { "count": 300 },
                       "size": { "distribution": "fixed", "value": "8KiB" } } ],
      "faults": [ { "at": "5s", "kind": "rolling_upgrade", "stamp": "w1", "per_domain": "32s" } ],
      "checks": { "durability": true, "consistency": "linearizable" }
    })";
    app::scenario::Scenario s = load(text);
    app::World world(s, s.seed, app::WorldOptions{});
    world.run({});
    const models::stream::StreamMetrics& m = world.streams(0).metrics();
    CHECK(m.extents_sealed > 20);       // the upgrade found sealed extents with replicas in each domain
    CHECK(m.nodes_declared_dead > 0);   // and their nodes were declared dead (down > node_timeout)
    CHECK(m.bytes_re_replicated == 0);  // but nothing was copied
    reports::RunResult r = world.take_result(0);
    const auto a = reports::analyze(r);
    for (const auto& c : a.checks) CHECK_MESSAGE(c.held, c.name << ": " << c.detail);
}
