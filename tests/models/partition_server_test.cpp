// The partition layer end to end: partition servers (leases, load by replay, blob API,
// not-mine / unavailable), the partition manager on Raft (map init, assignment, map
// fetch, reassignment after a crash), driven by a scripted front-end over the simulated
// network on the real stream layer.
#include <doctest/doctest.h>

#include <cstdio>
#include <map>
#include <set>

#include "tests/models/partition_harness.h"

using namespace partition_test;

TEST_SUITE_BEGIN("partition");

TEST_CASE("partition layer: put/get/head/delete/list through blob requests, exact results") {
    Rig rig(11, three_ranges());
    ClientScript script;
    rig.client(script);
    int put_ok = 0;
    REQUIRE(put_all(rig, script, put_ok));
    CHECK(put_ok == 3 * kContainers * kBlobs);
    REQUIRE(rig.layer->leader() != nullptr);
    const PartitionMap& map = rig.layer->leader()->state().map();
    CHECK(map.size() == 3);
    CHECK(map.check().empty());
    for (const RangeInfo& r : map.ranges()) CHECK(r.server.valid());

    // get + head of every blob, and of blobs that do not exist.
    int get_ok = 0, head_ok = 0, missing_ok = 0;
    for (int a = 0; a < 3; ++a) {
        for (int c = 0; c < kContainers; ++c) {
            for (int b = 0; b < kBlobs; ++b) {
                for (BlobOp kind : {BlobOp::kGet, BlobOp::kHead}) {
                    Op op;
                    op.op = kind;
                    op.account = kAccounts[a];
                    op.container = "c" + std::to_string(c);
                    op.blob = blob_name(b);
                    int& counter = kind == BlobOp::kGet ? get_ok : head_ok;
                    op.done = [&counter, a, c, b](const OpResult& r) {
                        CHECK(r.status == BlobStatus::kOk);
                        CHECK(r.entry.fingerprint == fp_of(a, c, b));
                        CHECK(r.entry.size_bytes == size_of(b));
                        CHECK(!r.entry.deleted);
                        if (r.status == BlobStatus::kOk && r.entry.fingerprint == fp_of(a, c, b)) ++counter;
                    };
                    script.queue.push_back(op);
                }
            }
            Op miss;
            miss.op = BlobOp::kGet;
            miss.account = kAccounts[a];
            miss.container = "c" + std::to_string(c);
            miss.blob = "nope";
            miss.done = [&missing_ok](const OpResult& r) { missing_ok += r.status == BlobStatus::kNotFound ? 1 : 0; };
            script.queue.push_back(miss);
        }
    }
    const uint64_t want = script.completed + 3 * kContainers * (2 * kBlobs + 1);
    REQUIRE(rig.run_until([&] { return script.completed >= want; }, sim::Duration::seconds(60)));
    CHECK(get_ok == 3 * kContainers * kBlobs);
    CHECK(head_ok == 3 * kContainers * kBlobs);
    CHECK(missing_ok == 3 * kContainers);

    // Delete every third blob.
    int del_ok = 0;
    for (int a = 0; a < 3; ++a) {
        for (int c = 0; c < kContainers; ++c) {
            for (int b = 0; b < kBlobs; b += 3) {
                Op op;
                op.op = BlobOp::kDelete;
                op.account = kAccounts[a];
                op.container = "c" + std::to_string(c);
                op.blob = blob_name(b);
                op.done = [&del_ok](const OpResult& r) { del_ok += r.status == BlobStatus::kOk ? 1 : 0; };
                script.queue.push_back(op);
            }
        }
    }
    const int deletes = 3 * kContainers * ((kBlobs + 2) / 3);
    const uint64_t want2 = script.completed + static_cast<uint64_t>(deletes);
    REQUIRE(rig.run_until([&] { return script.completed >= want2; }, sim::Duration::seconds(60)));
    CHECK(del_ok == deletes);

    // Lists (pages of 7, crossing the range boundary inside kilo/c0), and gets of deleted.
    std::map<std::string, std::vector<std::string>> listed;
    int deleted_gone = 0;
    int lists = 0;
    for (int a = 0; a < 3; ++a) {
        for (int c = 0; c < kContainers; ++c) {
            const std::string container = "c" + std::to_string(c);
            for (const std::string& prefix : {std::string(""), std::string("b0001"), std::string("b0002")}) {
                Op op;
                op.op = BlobOp::kList;
                op.account = kAccounts[a];
                op.container = container;
                op.blob = prefix;
                op.page = 7;
                const std::string name = std::string(kAccounts[a]) + "/" + container + "/" + prefix;
                op.done = [&listed, name](const OpResult& r) {
                    CHECK(r.status == BlobStatus::kOk);
                    listed[name] = r.listed;
                };
                script.queue.push_back(op);
                ++lists;
            }
            Op gone;
            gone.op = BlobOp::kGet;
            gone.account = kAccounts[a];
            gone.container = container;
            gone.blob = blob_name(3);
            gone.done = [&deleted_gone](const OpResult& r) { deleted_gone += r.status == BlobStatus::kNotFound ? 1 : 0; };
            script.queue.push_back(gone);
        }
    }
    const uint64_t want3 = script.completed + static_cast<uint64_t>(lists + 3 * kContainers);
    REQUIRE(rig.run_until([&] { return script.completed >= want3; }, sim::Duration::seconds(60)));
    CHECK(deleted_gone == 3 * kContainers);
    for (int a = 0; a < 3; ++a) {
        for (int c = 0; c < kContainers; ++c) {
            const std::string container = "c" + std::to_string(c);
            for (const std::string& prefix : {std::string(""), std::string("b0001"), std::string("b0002")}) {
                std::vector<std::string> expect;
                for (int b = 0; b < kBlobs; ++b) {
                    const std::string n = blob_name(b);
                    if (b % 3 != 0 && n.compare(0, prefix.size(), prefix) == 0) expect.push_back(n);
                }
                const std::string name = std::string(kAccounts[a]) + "/" + container + "/" + prefix;
                INFO(name);
                CHECK(listed[name] == expect);
            }
        }
    }
    CHECK(script.gave_up == 0);
    // A request for a key outside a server's ranges is answered kNotMine.
    uint64_t not_mine = 0;
    for (int i = 0; i < 3; ++i) {
        if (auto* s = rig.layer->server(i)) not_mine += s->stats().not_mine;
    }
    MESSAGE("requests answered not_mine (before the first map fetch): " << not_mine
                                                                          << ", client retries: " << script.retries);
}

