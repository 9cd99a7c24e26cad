// The front-end's large reads: a get of a blob in a blob data stream is answered with the
// bytes the front-end read from the extent nodes (through the real stream layer and
// partition layer), a small blob's from the partition server's index alone; a large blob
// whose replicas are all corrupted or lost reads back unavailable, never its index entry.
#include <doctest/doctest.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "models/frontend/front_end.h"
#include "models/stream/stream_manager.h"
#include "partition_harness.h"

namespace {

namespace fe = models::frontend;
namespace part = models::partition;
namespace strm = models::stream;

struct Result {
    fe::ClientStatus status = fe::ClientStatus::kTimeout;
    part::IndexEntry entry;
    sim::Duration latency;
};

struct Call {
    part::BlobOp op = part::BlobOp::kGet;
    std::string blob;
    int64_t size_bytes = 0;
    uint64_t fingerprint = 0;
    std::optional<Result>* out = nullptr;
};

// Sends its calls one at a time, signed for account "alpha", to one front-end.
class Client final : public sim::Actor {
public:
    Client(sim::Context& ctx, sim::Address front_end, const fe::Key& key, std::deque<Call>& calls)
        : Actor(ctx), front_end_(front_end), key_(key), calls_(calls) {}
    void on_start() override { next(); }
    void on_message(sim::MessagePtr m) override {
        if (!m->is<fe::ClientReply>()) return;
        const auto& r = m->as<fe::ClientReply>();
        if (!busy_ || r.request_id != request_) return;
        busy_ = false;
        Call c = calls_.front();
        calls_.pop_front();
        *c.out = Result{r.status, r.entry, ctx().now() - sent_};
        next();
    }
    void on_timer(uint64_t) override { next(); }

private:
    void next() {
        if (busy_) return;
        if (calls_.empty()) {
            ctx().set_timer(sim::Duration::millis(20), 1);
            return;
        }
        const Call& c = calls_.front();
        auto q = ctx().make<fe::ClientRequest>();
        q->request_id = ++request_;
        q->op = c.op;
        q->account = "alpha";
        q->container = "c";
        q->blob = c.blob;
        q->size_bytes = c.size_bytes;
        q->fingerprint = c.fingerprint;
        q->op_id = request_;
        q->client_time = ctx().now();
        static const char* const kOps[] = {"put", "get", "head", "delete", "list"};
        const fe::SignedFields f{kOps[static_cast<int>(c.op)], "alpha", "c", c.blob, q->client_time, c.fingerprint,
                                 c.size_bytes};
        q->signature = fe::sign(f, key_);
        busy_ = true;
        sent_ = ctx().now();
        ctx().send(front_end_, std::move(q));
    }

    sim::Address front_end_;
    const fe::Key& key_;
    std::deque<Call>& calls_;
    uint64_t request_ = 0;
    bool busy_ = false;
    sim::Time sent_;
};

// A stamp (stream layer, partition layer) with one real front-end and one client.
struct FrontEndRig {
    partition_test::Rig rig;
    std::map<std::string, fe::Key> keys;
    fe::FrontEndMetrics metrics;
    fe::FrontEndOptions options;
    sim::NodeId fe_node;
    std::deque<Call> calls;

    explicit FrontEndRig(uint64_t seed) : rig(seed) {
        keys["alpha"] = fe::derive_account_key(seed, "alpha");
        options.managers = rig.layer->managers();
        options.keys = &keys;
        options.initial_accounts = {"alpha"};
        options.stream = rig.streams.client_options();
        options.metrics = &metrics;
        fe_node = rig.sim.topology().stamp(0).nodes.back();
        rig.sim.add_service(fe_node, fe::kFrontEndPort,
                            [this](sim::Context& ctx) { return fe::make_front_end(ctx, options); });
        const sim::Address at{fe_node, fe::kFrontEndPort};
        rig.sim.add_service(rig.client_node, models::ports::kClientFirst, [this, at](sim::Context& ctx) {
            return std::make_unique<Client>(ctx, at, keys.at("alpha"), calls);
        });
    }

    Result call(part::BlobOp op, const std::string& blob, int64_t size_bytes = 0, uint64_t fingerprint = 0) {
        std::optional<Result> out;
        calls.push_back(Call{op, blob, size_bytes, fingerprint, &out});
        const bool done = rig.run_until([&] { return out.has_value(); }, sim::Duration::seconds(90),
                                        sim::Duration::millis(5));
        REQUIRE(done);
        return *out;
    }
    const fe::FrontEndStats& stats() {
        auto* f = dynamic_cast<fe::FrontEnd*>(rig.sim.actor(fe_node, fe::kFrontEndPort));
        REQUIRE(f != nullptr);
        return f->stats();
    }
    std::vector<sim::NodeId> replicas_of(uint64_t extent) {
        strm::StreamManager* sm = rig.streams.leader();
        REQUIRE(sm != nullptr);
        const strm::ExtentMeta* e = sm->state().extent(strm::ExtentId{extent});
        REQUIRE(e != nullptr);
        return e->replicas;
    }
};

constexpr int64_t kLarge = int64_t{1} << 20;  // above small_blob_bytes: the blob data stream
constexpr int64_t kSmall = 4096;              // inside the commit-log record
constexpr uint64_t kLargeFp = 0x1a2b3c4d5e6f7081ull;
constexpr uint64_t kSmallFp = 0x0badc0ffee123457ull;

}  // namespace

TEST_CASE("front-end: a large get is read from the extent nodes, a small get from the index") {
    FrontEndRig f(21);
    REQUIRE(f.call(part::BlobOp::kPut, "large", kLarge, kLargeFp).status == fe::ClientStatus::kOk);
    REQUIRE(f.call(part::BlobOp::kPut, "small", kSmall, kSmallFp).status == fe::ClientStatus::kOk);
    CHECK(f.stats().direct_reads == 0);

    const Result small = f.call(part::BlobOp::kGet, "small");
    CHECK(small.status == fe::ClientStatus::kOk);
    CHECK(small.entry.fingerprint == kSmallFp);
    CHECK(small.entry.size_bytes == kSmall);
    CHECK(f.stats().direct_reads == 0);  // the partition server's index answered it

    const Result head = f.call(part::BlobOp::kHead, "large");
    CHECK(head.status == fe::ClientStatus::kOk);
    CHECK(head.entry.fingerprint == kLargeFp);
    CHECK(f.stats().direct_reads == 0);  // a head needs no bytes

    const Result large = f.call(part::BlobOp::kGet, "large");
    CHECK(large.status == fe::ClientStatus::kOk);
    CHECK(large.entry.fingerprint == kLargeFp);
    CHECK(large.entry.size_bytes == kLarge);
    CHECK(f.stats().direct_reads == 1);
    CHECK(f.stats().direct_read_bytes == static_cast<uint64_t>(kLarge));
    CHECK(f.stats().direct_read_failures == 0);
    CHECK(f.stats().direct_read_mismatches == 0);
    CHECK(f.metrics.direct_reads == 1);
    CHECK(f.metrics.direct_read_bytes == static_cast<uint64_t>(kLarge));
    // The megabyte came off a disk and over the network; the small blob's answer did not.
    MESSAGE("small get " << small.latency.to_seconds() * 1e3 << " ms, large get " << large.latency.to_seconds() * 1e3
                         << " ms");
    CHECK(large.latency > small.latency + sim::Duration::millis(1));
}

TEST_CASE("front-end: a large get fails over past corrupted replicas, and is unavailable when all are") {
    FrontEndRig f(22);
    REQUIRE(f.call(part::BlobOp::kPut, "large", kLarge, kLargeFp).status == fe::ClientStatus::kOk);
    REQUIRE(f.call(part::BlobOp::kPut, "small", kSmall, kSmallFp).status == fe::ClientStatus::kOk);
    const Result first = f.call(part::BlobOp::kGet, "large");
    REQUIRE(first.status == fe::ClientStatus::kOk);
    REQUIRE(first.entry.fingerprint == kLargeFp);
    const std::vector<sim::NodeId> replicas = f.replicas_of(first.entry.data.extent);
    REQUIRE(replicas.size() == 3);

    // Two of three replicas silently damaged: the checksum catches it, the third serves.
    CHECK(f.rig.sim.corrupt_disk(replicas[0], 1.0) > 0);
    CHECK(f.rig.sim.corrupt_disk(replicas[1], 1.0) > 0);
    for (int i = 0; i < 4; ++i) {
        const Result r = f.call(part::BlobOp::kGet, "large");
        CHECK(r.status == fe::ClientStatus::kOk);
        CHECK(r.entry.fingerprint == kLargeFp);
    }
    CHECK(f.stats().direct_read_failures == 0);

    // All three damaged: no replica has the bytes, so the client must not get the index's
    // fingerprint, only "unavailable" (it retries).
    CHECK(f.rig.sim.corrupt_disk(replicas[2], 1.0) > 0);
    const Result bad = f.call(part::BlobOp::kGet, "large");
    CHECK(bad.status == fe::ClientStatus::kUnavailable);
    CHECK(bad.entry.fingerprint == 0);
    CHECK(f.stats().direct_read_failures == 1);
    // The partition layer still has the entry: a head and a small get are fine.
    const Result head = f.call(part::BlobOp::kHead, "large");
    CHECK(head.status == fe::ClientStatus::kOk);
    CHECK(head.entry.fingerprint == kLargeFp);
    const Result small = f.call(part::BlobOp::kGet, "small");
    CHECK(small.status == fe::ClientStatus::kOk);
    CHECK(small.entry.fingerprint == kSmallFp);
}

TEST_CASE("front-end: a large get whose extent is lost on every replica is unavailable") {
    FrontEndRig f(23);
    REQUIRE(f.call(part::BlobOp::kPut, "large", kLarge, kLargeFp).status == fe::ClientStatus::kOk);
    const Result head = f.call(part::BlobOp::kHead, "large");
    REQUIRE(head.status == fe::ClientStatus::kOk);
    for (sim::NodeId n : f.replicas_of(head.entry.data.extent)) {
        REQUIRE(n != f.fe_node);
        f.rig.sim.fail_disk(n);
    }
    const Result lost = f.call(part::BlobOp::kGet, "large");
    CHECK(lost.status == fe::ClientStatus::kUnavailable);
    CHECK(lost.entry.fingerprint == 0);
    CHECK(f.stats().direct_reads == 0);
    CHECK(f.stats().direct_read_failures == 1);
}
