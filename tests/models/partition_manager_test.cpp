// Partition manager: the replicated state machine (partition map, range metadata) applied
// directly and on a real Raft group, and the balancing policy.
#include <doctest/doctest.h>

#include <cstdio>
#include <memory>

#include "models/consensus/deploy.h"
#include "models/consensus/raft.h"
#include "models/consensus/rsm_client.h"
#include "models/partition/balancer.h"
#include "models/partition/manager_state.h"
#include "models/ports.h"
#include "sim/simulation.h"

using namespace models::partition;
namespace consensus = models::consensus;

TEST_SUITE_BEGIN("partition");

namespace {

std::string key_of(int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "k%05d", i);
    return encode_key("acct", "c0", buf);
}

template <typename C>
std::shared_ptr<C> cmd() {
    return std::make_shared<C>();
}

}  // namespace

TEST_CASE("partition manager state: init, assign, split and merge keep metadata in step") {
    PartitionManagerState sm;
    auto init = cmd<InitMapCmd>();
    init->boundaries = {key_of(100), key_of(200)};
    CHECK(sm.execute(*init)->ok);
    CHECK(sm.map().size() == 3);
    CHECK_FALSE(sm.execute(*init)->ok);  // applies once
    CHECK(sm.map().size() == 3);
    for (const RangeInfo& r : sm.map().ranges()) {
        auto a = cmd<AssignCmd>();
        a->range = r.id;
        a->server = ServerId{0};
        CHECK(sm.execute(*a)->ok);
    }
    const RangeId mid = sm.map().lookup(key_of(150)).id;
    auto split = cmd<SplitCmd>();
    split->range = mid;
    split->key = key_of(150);
    auto res = sm.execute(*split);
    REQUIRE(res->ok);
    REQUIRE(res->created.size() == 2);
    const RangeMeta& left = sm.data().meta.at(res->created[0]);
    const RangeMeta& right = sm.data().meta.at(res->created[1]);
    // Children read the parent's metadata stream (shared extents), then their own.
    CHECK(left.meta_streams == std::vector<std::string>{own_meta_stream(mid), own_meta_stream(res->created[0])});
    CHECK(right.meta_streams.front() == own_meta_stream(mid));
    CHECK_FALSE(sm.execute(*split)->ok);  // the parent is gone
    auto merge = cmd<MergeCmd>();
    merge->left = res->created[0];
    merge->right = res->created[1];
    auto mres = sm.execute(*merge);
    REQUIRE(mres->ok);
    const RangeMeta& merged = sm.data().meta.at(mres->created[0]);
    // Parent, left, right, own: the shared parent once (read twice, its older records
    // would supersede the left child's).
    CHECK(merged.meta_streams == std::vector<std::string>{own_meta_stream(mid), own_meta_stream(res->created[0]),
                                                          own_meta_stream(res->created[1]),
                                                          own_meta_stream(mres->created[0])});
    CHECK(sm.data().splits == 1);
    CHECK(sm.data().merges == 1);
    CHECK(sm.map().find(mres->created[0])->range == KeyRange{key_of(100), key_of(200)});
    // Snapshot and restore give the same state.
    PartitionManagerState copy;
    copy.restore(*sm.snapshot());
    CHECK(copy.data() == sm.data());
}

TEST_CASE("partition manager state: a multi-way split places its pieces in one step") {
    PartitionManagerState sm;
    const RangeId root = sm.map().lookup("").id;
    auto a = cmd<AssignCmd>();
    a->range = root;
    a->server = ServerId{0};
    REQUIRE(sm.execute(*a)->ok);
    const uint64_t version = sm.map().version();
    auto split = cmd<SplitCmd>();
    split->range = root;
    split->keys = {key_of(10), key_of(20), key_of(30)};
    split->servers = {ServerId{0}, ServerId{1}, ServerId{0}, ServerId{2}};
    auto res = sm.execute(*split);
    REQUIRE(res->ok);
    REQUIRE(res->created.size() == 4);
    CHECK(sm.map().check().empty());
    CHECK(sm.map().find(res->created[1])->range == KeyRange{key_of(10), key_of(20)});
    CHECK(sm.map().find(res->created[0])->server == ServerId{0});
    CHECK(sm.map().find(res->created[1])->server == ServerId{1});
    CHECK(sm.map().find(res->created[3])->server == ServerId{2});
    CHECK(sm.data().splits == 3);
    CHECK(sm.data().moves == 2);
    CHECK(sm.map().version() > version);
    for (RangeId id : res->created) {
        // Every piece reads the parent's metadata stream, then its own; its lineage is the parent.
        CHECK(sm.data().meta.at(id).meta_streams == std::vector<std::string>{own_meta_stream(root), own_meta_stream(id)});
        CHECK(sm.data().meta.at(id).ancestors == std::vector<RangeId>{root});
    }
    // Keys out of order, or a piece count that does not match the servers: refused whole.
    auto bad = cmd<SplitCmd>();
    bad->range = res->created[3];
    bad->keys = {key_of(50), key_of(40)};
    CHECK_FALSE(sm.execute(*bad)->ok);
    bad->keys = {key_of(40)};
    bad->servers = {ServerId{0}};
    CHECK_FALSE(sm.execute(*bad)->ok);
    CHECK(sm.map().size() == 4);
}

TEST_CASE("partition balancer: splits hot ranges, moves off overloaded servers, merges cold ones") {
    PartitionManagerState sm;
    auto init = cmd<InitMapCmd>();
    for (int i = 1; i < 8; ++i) init->boundaries.push_back(key_of(i * 100));
    sm.execute(*init);
    std::vector<RangeInfo> ranges = sm.map().ranges();
    for (size_t i = 0; i < ranges.size(); ++i) {
        auto a = cmd<AssignCmd>();
        a->range = ranges[i].id;
        a->server = ServerId{static_cast<int32_t>(i % 4)};
        sm.execute(*a);
    }
    PartitionConfig config;
    config.low_watermark_per_server = 1;
    BalanceInput in;
    in.map = &sm.map();
    for (int s = 0; s < 4; ++s) in.live[ServerId{s}] = {};
    for (const RangeInfo& r : ranges) in.ranges[r.id] = RangeLoad{500, 0, 0, {}};
    in.ranges[ranges[0].id].ops_per_s = 9000;  // hot, on server 0
    in.ranges[ranges[0].id].split_keys = {key_of(20), key_of(40), key_of(60)};
    auto actions = plan_balance(in, config);
    REQUIRE(!actions.empty());
    CHECK(actions[0].kind == BalanceAction::Kind::kSplit);
    CHECK(actions[0].range == ranges[0].id);
    // 9000 ops/s at split_load 3000: three pieces, cut at the reported quantiles, two of
    // them placed on the lightest servers at once (server 0 carried 9500 of 13000).
    CHECK(actions[0].keys == std::vector<std::string>{key_of(20), key_of(40)});
    CHECK(actions[0].servers == std::vector<ServerId>{ServerId{0}, ServerId{1}, ServerId{2}});
    // After that server 0 carries 3000 + 500 against a mean of 3125: nothing else moves.
    for (auto& a : actions) CHECK(a.kind != BalanceAction::Kind::kMove);
    // Without split keys a hot range cannot be split; its server's other range moves off.
    in.ranges[ranges[0].id].split_keys.clear();
    auto unsplit = plan_balance(in, config);
    bool moved = false;
    for (auto& a : unsplit) {
        CHECK(a.kind != BalanceAction::Kind::kSplit);
        if (a.kind == BalanceAction::Kind::kMove) {
            CHECK(a.range == ranges[4].id);
            moved = true;
        }
    }
    CHECK(moved);

    // Cold neighbours on the same server merge; on different servers one moves first.
    for (const RangeInfo& r : ranges) in.ranges[r.id] = RangeLoad{10, 0, 0, {}};
    auto cold = plan_balance(in, config);
    int merges = 0;
    int moves = 0;
    for (auto& a : cold) {
        if (a.kind == BalanceAction::Kind::kMerge) ++merges;
        if (a.kind == BalanceAction::Kind::kMove) ++moves;
    }
    CHECK(merges == 0);  // ranges alternate servers
    CHECK(moves == 4);

    // Reassignment after a server failure spreads its ranges over the others.
    in.live.erase(ServerId{1});
    for (const RangeInfo& r : ranges) in.ranges[r.id] = RangeLoad{100, 0, 0, {}};
    auto re = plan_reassign(in);
    REQUIRE(re.size() == 2);
    CHECK(re[0].second != re[1].second);
    CHECK(max_over_mean({{ServerId{0}, 1}, {ServerId{1}, 3}}) == doctest::Approx(1.5));
}

namespace {

// A client that submits a scripted list of manager commands through RsmClient.
class ScriptClient final : public sim::Actor {
public:
    ScriptClient(sim::Context& ctx, consensus::ReplicaGroup group, std::vector<consensus::CommandPtr>* script,
                 std::vector<bool>* results)
        : Actor(ctx), rsm_(ctx, std::move(group)), script_(script), results_(results) {}
    void on_start() override { next(); }
    void on_message(sim::MessagePtr m) override { rsm_.handle_message(m); }
    void on_timer(uint64_t tag) override { rsm_.handle_timer(tag); }

private:
    void next() {
        if (results_->size() == script_->size()) return;
        rsm_.submit((*script_)[results_->size()], [this](consensus::Status st, consensus::ResultPtr r) {
            const auto* mr = dynamic_cast<const ManagerResult*>(r.get());
            results_->push_back(st == consensus::Status::kOk && mr != nullptr && mr->ok);
            next();
        });
    }
    consensus::RsmClient rsm_;
    std::vector<consensus::CommandPtr>* script_;
    std::vector<bool>* results_;
};

}  // namespace

TEST_CASE("partition manager state: replicated on Raft, survives a leader crash") {
    sim::TopologySpec spec;
    spec.regions.push_back(sim::RegionSpec{"r", {sim::StampSpec{"s", 3, 2, 3, {}, 2}}});
    sim::Simulation sim(spec, sim::SimulationConfig{});
    auto placement = sim.topology().place_role(0, 3, 1, "partition_manager");
    consensus::RaftConfig raft;
    auto group = consensus::deploy_group(sim, "pm", placement.nodes, models::ports::kPartitionManagerRaft, raft,
                                         [] { return std::make_unique<PartitionManagerState>(); });
    std::vector<consensus::CommandPtr> script;
    auto init = std::make_shared<InitMapCmd>();
    for (int i = 1; i < 4; ++i) init->boundaries.push_back(key_of(i * 100));
    script.push_back(init);
    for (uint64_t id = 2; id <= 7; ++id) {
        auto a = std::make_shared<AssignCmd>();
        a->range = RangeId{id};
        a->server = ServerId{static_cast<int32_t>(id % 2)};
        script.push_back(a);
    }
    std::vector<bool> results;
    sim::NodeId client = sim.add_client(0);
    sim.add_service(client, models::ports::kConsensusTestClient, [&](sim::Context& ctx) {
        return std::make_unique<ScriptClient>(ctx, group, &script, &results);
    });
    sim.run_until(sim::Time::zero() + sim::Duration::seconds(5));
    REQUIRE(results.size() >= 2);
    int leader = consensus::current_leader(sim, group);
    REQUIRE(leader >= 0);
    sim.crash(group.members[static_cast<size_t>(leader)].node);
    sim.run_until(sim::Time::zero() + sim::Duration::seconds(20));
    CHECK(results.size() == script.size());
    int agree = 0;
    const consensus::RaftCore* ref = nullptr;
    for (int i = 0; i < 3; ++i) {
        auto* core = consensus::replica_core(sim, group, i);
        if (core == nullptr) continue;
        const auto& st = dynamic_cast<const PartitionManagerState&>(core->state_machine());
        CHECK(st.map().check().empty());
        if (ref == nullptr) {
            ref = core;
        }
        const auto& rst = dynamic_cast<const PartitionManagerState&>(ref->state_machine());
        if (core->last_applied() == ref->last_applied() && st.data() == rst.data()) ++agree;
    }
    CHECK(agree == 2);
}

TEST_SUITE_END();
