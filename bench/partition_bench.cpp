// Partition layer benchmarks (issue #6):
//  - BM_PartitionIndexOps: the in-memory index of one range partition (RangePartition:
//    memory table over a checkpoint), puts and gets per wall second, no simulation;
//  - BM_PartitionStamp18x18: blob operations through the whole partition layer (front-end
//    routing, 12 partition servers, 24 range partitions, commit log on the real stream
//    layer) on an 18 x 18 stamp at 20,000 ops per simulated second of the quickstart mix:
//    operations per wall second and kernel events per operation;
//  - BM_PartitionIndexMemory: bytes of heap per index entry, measured with the allocator's
//    own counters (glibc mallinfo2) around building N entries, in the memory table and
//    after a checkpoint (sorted row vector);
//  - BM_PartitionRecovery: load (recovery) time of a range partition, in simulated ms, as
//    its commit log since the last checkpoint grows (records of 4 KiB blobs, the default
//    small-blob path: the blob bytes travel in the log record).
// Simulated figures are deterministic (fixed seeds); wall figures depend on the machine.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "models/partition/index.h"
#include "models/partition/range_store.h"
#include "models/ports.h"
#include "models/stream/deploy.h"
#include "sim/rng.h"
#include "sim/simulation.h"
#include "tests/models/partition_harness.h"

namespace {

using namespace models::partition;
namespace stream = models::stream;

// "photos/c/img/2024/05/k0001234.jpg": a 33-byte encoded key, realistic for blob names.
std::string bench_key(uint64_t i) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "img/2024/05/k%07llu.jpg", static_cast<unsigned long long>(i));
    return encode_key("photos", "c", buf);
}

IndexEntry bench_entry(uint64_t i) {
    IndexEntry e;
    e.size_bytes = 4096;
    e.fingerprint = 0x9e3779b97f4a7c15ull * (i + 1);
    e.version = i + 1;
    e.data = StreamPointer{i / 1000, static_cast<int64_t>(i % 1000) * 4096, 4096};
    return e;
}

// --- index operations per wall second ---------------------------------------------------------

void BM_PartitionIndexOps(benchmark::State& state) {
    const uint64_t keys = static_cast<uint64_t>(state.range(0));
    std::vector<std::string> names;
    names.reserve(keys);
    for (uint64_t i = 0; i < keys; ++i) names.push_back(bench_key(i));
    // Half the keys in a checkpoint, every key then updated in the memory table over time:
    // a get looks in the memory table, then the checkpoint.
    RangePartition part(RangeId{1}, KeyRange{"", ""});
    for (uint64_t i = 0; i < keys; i += 2) part.apply(names[i], bench_entry(i));
    auto rows = part.begin_checkpoint();
    part.finish_checkpoint(rows, StreamPointer{1, 0, 1});
    sim::Rng rng(7);
    uint64_t ops = 0, found = 0, version = keys;
    for (auto _ : state) {
        for (int j = 0; j < 1000; ++j) {
            const uint64_t k = rng.below(keys);
            if (j % 10 < 3) {  // 30% puts, 70% gets
                IndexEntry e = bench_entry(k);
                e.version = ++version;
                part.apply(names[k], e);
            } else {
                found += part.get(names[k]).has_value() ? 1 : 0;
            }
        }
        ops += 1000;
    }
    benchmark::DoNotOptimize(found);
    state.counters["index_ops_per_s"] =
        benchmark::Counter(static_cast<double>(ops), benchmark::Counter::kIsRate);
    state.counters["memtable_rows"] = static_cast<double>(part.memtable_rows());
}
BENCHMARK(BM_PartitionIndexOps)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMicrosecond);

// --- blob operations through the partition layer on an 18 x 18 stamp ------------------------

std::string stamp_key(uint64_t i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "k%05llu", static_cast<unsigned long long>(i));
    return buf;
}

void BM_PartitionStamp18x18(benchmark::State& state) {
    using namespace partition_test;
    const double rate = 20000;
    const int front_ends = 16;
    const uint64_t keys = 240000;
    const sim::Duration warm = sim::Duration::seconds(2);
    const sim::Duration window = sim::Duration::seconds(5);
    double wall_s = 0, boot_wall_s = 0;
    uint64_t served = 0, completed = 0, events = 0;
    for (auto _ : state) {
        const auto b0 = std::chrono::steady_clock::now();
        PartitionLayerOptions o;
        o.servers = 12;
        for (int i = 1; i < 24; ++i)
            o.initial_boundaries.push_back(
                encode_key("photos", "c", stamp_key(static_cast<uint64_t>(i) * 10000)));
        Rig rig(23, o, Rig::spec(18, 18, 6));
        const bool up = rig.run_until(
            [&] {
                const PartitionManager* leader = rig.layer->leader();
                if (leader == nullptr) return false;
                size_t serving = 0;
                for (int i = 0; i < 12; ++i) {
                    if (const PartitionServer* ps = rig.layer->server(i))
                        serving += ps->ranges_serving().size();
                }
                return serving == leader->state().map().size();
            },
            sim::Duration::seconds(30));
        if (!up) {
            state.SkipWithError("the partition layer did not come up");
            return;
        }
        boot_wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - b0).count();
        const sim::Time t0 = rig.sim.now() + warm;
        const sim::Time t1 = t0 + window;
        std::vector<std::unique_ptr<ClientScript>> scripts;
        std::vector<sim::NodeId> nodes{rig.client_node};
        for (int f = 0; f < front_ends; ++f) {
            auto script = std::make_unique<ClientScript>();
            script->window = 1 << 20;
            script->max_attempts = 1000;
            script->arrival_rate = rate / front_ends;
            // The quickstart mix: 30% put (lognormal, median 4 KiB), 60% get, 5% delete, 5% list.
            script->arrival = [&, t0, t1](sim::Rng& rng) {
                Op op;
                const double u = rng.uniform01();
                op.account = "photos";
                op.container = "c";
                op.blob = stamp_key(rng.below(keys));
                if (u < 0.3) {
                    op.op = BlobOp::kPut;
                    op.size_bytes =
                        std::max<int64_t>(1, static_cast<int64_t>(rng.lognormal(4096, 1.0)));
                    op.fingerprint = rng.next_u64() | 1;
                } else if (u < 0.9) {
                    op.op = BlobOp::kGet;
                } else if (u < 0.95) {
                    op.op = BlobOp::kDelete;
                } else {
                    op.op = BlobOp::kList;
                    op.blob = op.blob.substr(0, 4);
                    op.page = 100;
                }
                op.done = [&, t0, t1](const OpResult& r) {
                    if (r.started_at < t0 || r.started_at >= t1) return;
                    ++completed;
                    served +=
                        (r.status == BlobStatus::kOk || r.status == BlobStatus::kNotFound) ? 1 : 0;
                };
                return op;
            };
            if (f % 4 == 0 && f > 0) nodes.push_back(rig.sim.add_client(0));
            rig.client(*script, static_cast<sim::Port>(models::ports::kClientFirst + f % 4),
                       nodes.back());
            scripts.push_back(std::move(script));
        }
        rig.sim.run_until(t0);
        const uint64_t e0 = rig.sim.events_dispatched();
        const auto w0 = std::chrono::steady_clock::now();
        rig.sim.run_until(t1);
        wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
        events += rig.sim.events_dispatched() - e0;
        for (auto& s : scripts) s->arrival_rate = 0;
        rig.sim.run_until(t1 + sim::Duration::seconds(5));  // the window's operations finish
    }
    const double iters = static_cast<double>(state.iterations());
    state.counters["ops_per_wall_s"] = static_cast<double>(served) / wall_s;
    state.counters["sim_ops_per_s"] = static_cast<double>(served) / (window.to_seconds() * iters);
    state.counters["events_per_op"] =
        static_cast<double>(events) / static_cast<double>(std::max<uint64_t>(1, completed));
    state.counters["window_wall_s"] = wall_s / iters;
    state.counters["boot_wall_s"] = boot_wall_s / iters;
    state.counters["served_ratio"] =
        static_cast<double>(served) / static_cast<double>(std::max<uint64_t>(1, completed));
}
BENCHMARK(BM_PartitionStamp18x18)->Unit(benchmark::kMillisecond)->Iterations(1);

// --- memory per index entry -------------------------------------------------------------------

int64_t heap_in_use_bytes() {
    const struct mallinfo2 m = mallinfo2();
    return static_cast<int64_t>(m.uordblks + m.hblkhd);
}

void BM_PartitionIndexMemory(benchmark::State& state) {
    const uint64_t n = static_cast<uint64_t>(state.range(0));
    double memtable_bpe = 0, checkpoint_bpe = 0, key_bytes = 0;
    for (auto _ : state) {
        // Keys are built outside the measured span only to measure their own length; the
        // index owns copies of them, which are counted.
        int64_t key_total = 0;
        for (uint64_t i = 0; i < n; i += 97) key_total += static_cast<int64_t>(bench_key(i).size());
        key_bytes = static_cast<double>(key_total) / static_cast<double>((n + 96) / 97);
        const int64_t h0 = heap_in_use_bytes();
        auto part = std::make_unique<RangePartition>(RangeId{1}, KeyRange{"", ""});
        for (uint64_t i = 0; i < n; ++i) part->apply(bench_key(i), bench_entry(i));
        const int64_t h1 = heap_in_use_bytes();
        memtable_bpe = static_cast<double>(h1 - h0) / static_cast<double>(n);
        // A checkpoint moves the rows into one sorted vector (shared by pointer with the
        // children of a split); the memory table is then empty.
        auto rows = part->begin_checkpoint();
        part->finish_checkpoint(rows, StreamPointer{1, 0, 1});
        rows.reset();
        const int64_t h2 = heap_in_use_bytes();
        checkpoint_bpe = static_cast<double>(h2 - h0) / static_cast<double>(n);
        benchmark::DoNotOptimize(part->get(bench_key(n / 2)));
        part.reset();
    }
    state.counters["bytes_per_entry_memtable"] = memtable_bpe;
    state.counters["bytes_per_entry_checkpoint"] = checkpoint_bpe;
    state.counters["key_bytes"] = key_bytes;
    state.counters["row_bytes_on_disk"] = static_cast<double>(row_bytes(bench_key(0)));
    state.counters["sizeof_IndexEntry"] = static_cast<double>(sizeof(IndexEntry));
}
BENCHMARK(BM_PartitionIndexMemory)
    ->Arg(100000)
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

// --- recovery time vs commit-log length ------------------------------------------------------

constexpr sim::Port kHostPort = models::ports::kPartitionFirst + 9;

struct RecoveryScript {
    RangeMeta meta;
    RangeStoreOptions options;
    uint64_t token = 1;
    uint64_t updates = 0;  // writer: puts to issue after loading, each of a new key
    int window = 32;
    bool loaded = false;
    uint64_t acked = 0, failed = 0;
    LoadStats stats;
    size_t live_rows = 0;
};

// Hosts one RangeStore in an actor (as a partition server does) and drives puts into it.
class StoreHost final : public sim::Actor {
  public:
    StoreHost(sim::Context& ctx, stream::StreamClientOptions copts, RecoveryScript& s)
        : Actor(ctx), client_(ctx, std::move(copts)), s_(s) {}
    void on_start() override {
        store_ = std::make_unique<RangeStore>(ctx(), client_, RangeId{1}, KeyRange{"", ""}, s_.meta,
                                              s_.token, s_.options);
        store_->load([this](bool ok) {
            if (!ok) return;
            s_.loaded = true;
            s_.stats = store_->load_stats();
            s_.live_rows = store_->partition().live_count();
            for (int i = 0; i < s_.window; ++i) next();
        });
    }
    void on_message(sim::MessagePtr m) override { client_.handle_message(m); }
    void on_timer(uint64_t tag) override {
        if (stream::StreamClient::owns_tag(tag)) client_.handle_timer(tag);
    }

  private:
    void next() {
        if (issued_ >= s_.updates) return;
        const uint64_t i = issued_++;
        store_->put(bench_key(i), 4096, 0x9e3779b97f4a7c15ull * (i + 1),
                    [this](StoreStatus st, const IndexEntry&) {
                        (st == StoreStatus::kOk ? s_.acked : s_.failed) += 1;
                        next();
                    });
    }
    stream::StreamClient client_;
    RecoveryScript& s_;
    std::unique_ptr<RangeStore> store_;
    uint64_t issued_ = 0;
};

void BM_PartitionRecovery(benchmark::State& state) {
    const uint64_t records = static_cast<uint64_t>(state.range(0));
    double load_ms = 0, wall_ms = 0;
    uint64_t replayed = 0;
    int64_t replayed_bytes = 0;
    size_t rows = 0;
    for (auto _ : state) {
        sim::TopologySpec t;
        t.regions.push_back(sim::RegionSpec{"r", {sim::StampSpec{"s", 6, 4, 3, {}, 5}}});
        sim::SimulationConfig c;
        c.seed = 5;
        sim::Simulation sim(std::move(t), c);
        stream::StreamLayerOptions so;
        so.config.extent_seal_size_bytes = int64_t{64} << 20;
        stream::StreamLayer layer(sim, so);
        PayloadStore payloads;
        RangeMeta meta;
        meta.own_prefix = "rp/1";
        meta.meta_streams = {own_meta_stream(RangeId{1})};
        auto script = [&](uint64_t token, uint64_t updates) {
            RecoveryScript s;
            s.meta = meta;
            s.options.payloads = &payloads;
            s.options.config.checkpoint_log_size_bytes = int64_t{1}
                                                         << 40;  // never: the log only grows
            s.options.config.memtable_size_bytes = int64_t{1} << 40;
            s.token = token;
            s.updates = updates;
            return s;
        };
        const auto& nodes = sim.topology().stamp(0).nodes;
        RecoveryScript writer = script(1, records);
        sim.add_service(nodes[1], kHostPort, [&](sim::Context& ctx) {
            return std::make_unique<StoreHost>(ctx, layer.client_options(), writer);
        });
        const sim::Time limit = sim.now() + sim::Duration::seconds(600);
        while (sim.now() < limit && !(writer.loaded && writer.acked + writer.failed >= records))
            sim.run_until(sim.now() + sim::Duration::seconds(1));
        if (!writer.loaded || writer.acked + writer.failed < records) {
            state.SkipWithError("the writer did not finish");
            return;
        }
        // The writer's partition server dies; another loads the range under a newer token.
        sim.crash(nodes[1]);
        RecoveryScript loader = script(2, 0);
        const auto w0 = std::chrono::steady_clock::now();
        sim.add_service(nodes[9], kHostPort, [&](sim::Context& ctx) {
            return std::make_unique<StoreHost>(ctx, layer.client_options(), loader);
        });
        const sim::Time limit2 = sim.now() + sim::Duration::seconds(600);
        while (sim.now() < limit2 && !loader.loaded)
            sim.run_until(sim.now() + sim::Duration::millis(10));
        wall_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - w0)
                       .count();
        if (!loader.loaded) {
            state.SkipWithError("the range did not load");
            return;
        }
        load_ms += (loader.stats.ready - loader.stats.started).to_millis();
        replayed += loader.stats.log_records_replayed;
        replayed_bytes += loader.stats.log_bytes_replayed;
        rows = loader.live_rows;
    }
    const double iters = static_cast<double>(state.iterations());
    state.counters["load_sim_ms"] = load_ms / iters;
    state.counters["log_records"] = static_cast<double>(replayed) / iters;
    state.counters["log_MiB"] = static_cast<double>(replayed_bytes) / iters / (1 << 20);
    state.counters["rows_loaded"] = static_cast<double>(rows);
    state.counters["load_wall_ms"] = wall_ms / iters;
}
BENCHMARK(BM_PartitionRecovery)
    ->Arg(0)
    ->Arg(1000)
    ->Arg(4000)
    ->Arg(16000)
    ->Arg(64000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace
