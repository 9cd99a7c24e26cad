// Unit tests of the partition layer's data structures: keys, range partitions (memory
// table, checkpoints, list), split/merge as pointer operations, the partition map.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

#include "models/partition/config.h"
#include "models/partition/index.h"
#include "models/partition/messages.h"
#include "models/partition/partition_map.h"
#include "sim/check.h"
#include "sim/rng.h"

using namespace models::partition;

TEST_SUITE_BEGIN("partition");

namespace {

IndexEntry entry(uint64_t version, uint64_t fp = 0, bool deleted = false) {
    IndexEntry e;
    e.size_bytes = 100 + static_cast<int64_t>(version);
    e.fingerprint = fp ? fp : sim::mix64(version);
    e.version = version;
    e.deleted = deleted;
    e.data = StreamPointer{7, static_cast<int64_t>(version) * 10, 100};
    return e;
}

std::string k(int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "b%05d", i);
    return encode_key("acct", "c0", buf);
}

}  // namespace

TEST_CASE("partition key: encoding orders like the (account, container, blob) triple") {
    CHECK(encode_key("a", "z", "z") < encode_key("ab", "a", "a"));
    CHECK(encode_key("a", "c", "") < encode_key("a", "c", "x"));
    CHECK(encode_key("a", "c", "x") < encode_key("a", "cd", ""));
    BlobKey b{"acct", "cont", "name/with/slashes"};
    CHECK(decode_key(encode_key(b)) == b);
    CHECK(key_account(encode_key(b)) == "acct");
    KeyRange r{encode_key("b", "", ""), encode_key("d", "", "")};
    CHECK(r.contains(encode_key("c", "x", "y")));
    CHECK_FALSE(r.contains(encode_key("a", "x", "y")));
    CHECK(r.may_contain_prefix(encode_key("c", "", "").substr(0, 1)));
    CHECK_FALSE(r.may_contain_prefix("e"));
    CHECK_FALSE(r.may_contain_prefix("a"));
    CHECK(KeyRange{"", ""}.contains("anything"));
}

TEST_CASE("partition config: planted bugs parse by name") {
    for (auto name : {"serve_without_lease", "ack_before_commit_log", "split_drops_boundary_key"}) {
        auto b = parse_partition_bug(name);
        REQUIRE(b.has_value());
        CHECK(partition_bug_name(*b) == name);
    }
    CHECK_FALSE(parse_partition_bug("nope").has_value());
    CHECK(blob_status_name(BlobStatus::kNotMine) == "not_mine");
    CHECK(BlobRequest::kind_id() != BlobReply::kind_id());
    PartitionConfig c;
    c.set_bug(PartitionBug::kAckBeforeCommitLog);
    CHECK(c.ack_before_commit_log);
    CHECK_FALSE(c.serve_without_lease);
    CHECK(c.initial_partitions == 1);
    CHECK(c.split_load == 3000);
    CHECK(c.merge_load == 100);
    CHECK(c.balance_interval == sim::Duration::seconds(30));
    CHECK(c.lease == sim::Duration::seconds(10));
    CHECK(c.checkpoint_log_size_bytes == (int64_t{256} << 20));
}

TEST_CASE("partition index: memtable, tombstones, checkpoint layering") {
    RangePartition rp(RangeId{1}, KeyRange{"", ""});
    rp.apply(k(1), entry(1));
    rp.apply(k(2), entry(2));
    CHECK(rp.get(k(1))->version == 1);
    CHECK_FALSE(rp.get(k(3)).has_value());
    auto rows = rp.begin_checkpoint();
    CHECK(rows->size() == 2);
    // Writes during the checkpoint land in the new memtable and win over frozen rows.
    rp.apply(k(1), entry(3, 0, true));
    rp.apply(k(4), entry(4));
    CHECK_FALSE(rp.get(k(1)).has_value());
    CHECK(rp.lookup(k(1))->deleted);
    CHECK(rp.get(k(2))->version == 2);
    rp.finish_checkpoint(rows, StreamPointer{9, 0, 1000});
    CHECK(rp.memtable_rows() == 2);
    CHECK_FALSE(rp.get(k(1)).has_value());  // tombstone in memtable still shadows the checkpoint
    CHECK(rp.get(k(2))->version == 2);
    CHECK(rp.live_count() == 2);
    // The next checkpoint drops the tombstone and the deleted row.
    auto rows2 = rp.begin_checkpoint();
    CHECK(rows2->size() == 2);
    rp.finish_checkpoint(rows2, StreamPointer{9, 1000, 1000});
    CHECK(rp.memtable_rows() == 0);
    CHECK_FALSE(rp.lookup(k(1)).has_value());
    CHECK(rp.get(k(4))->version == 4);
}

TEST_CASE("partition index: aborted checkpoint keeps newer memtable rows on top") {
    RangePartition rp(RangeId{1}, KeyRange{"", ""});
    rp.apply(k(1), entry(1));
    auto rows = rp.begin_checkpoint();
    rp.apply(k(1), entry(2));
    rp.abort_checkpoint();
    CHECK(rp.get(k(1))->version == 2);
    CHECK(rp.memtable_rows() == 1);
    CHECK_FALSE(rp.checkpoint_in_progress());
}

TEST_CASE("partition index: list is prefix-filtered, paged and in key order across layers") {
    RangePartition rp(RangeId{1}, KeyRange{"", ""});
    for (int i = 0; i < 50; i += 2) rp.apply(k(i), entry(static_cast<uint64_t>(i + 1)));
    auto rows = rp.begin_checkpoint();
    rp.finish_checkpoint(rows, {});
    for (int i = 1; i < 50; i += 2) rp.apply(k(i), entry(static_cast<uint64_t>(i + 1)));
    rp.apply(k(10), entry(100, 0, true));  // deleted
    rp.apply(encode_key("acct", "c1", "x"), entry(1));
    rp.apply(encode_key("other", "c0", "x"), entry(1));
    const std::string prefix = encode_key("acct", "c0", "");
    std::vector<std::string> seen;
    std::string marker;
    int pages = 0;
    do {
        auto page = rp.list(prefix, marker, 7);
        for (auto& [key, e] : page.entries) seen.push_back(key);
        marker = page.next_marker;
        ++pages;
        REQUIRE(pages < 20);
    } while (!marker.empty());
    REQUIRE(seen.size() == 49);
    for (size_t i = 1; i < seen.size(); ++i) CHECK(seen[i - 1] < seen[i]);
    CHECK(std::find(seen.begin(), seen.end(), k(10)) == seen.end());
    CHECK(pages == 7);
}

TEST_CASE("partition index: split and merge share extents and lose no row") {
    sim::Rng rng(5);
    RangePartition parent(RangeId{1}, KeyRange{"", ""});
    parent.streams().commit_log.extents = {11, 12};
    parent.streams().data.extents = {21};
    parent.streams().blob.extents = {31, 32, 33};
    std::map<std::string, uint64_t> model;
    uint64_t v = 0;
    for (int i = 0; i < 400; ++i) {
        const int key = static_cast<int>(rng.below(200));
        const bool del = rng.bernoulli(0.2);
        parent.apply(k(key), entry(++v, 0, del));
        if (del) {
            model.erase(k(key));
        } else {
            model[k(key)] = v;
        }
        if (i == 200) {
            auto rows = parent.begin_checkpoint();
            parent.finish_checkpoint(rows, {});
        }
    }
    CHECK(parent.live_count() == model.size());
    auto [left, right] = RangePartition::split(parent, k(100), RangeId{2}, RangeId{3});
    CHECK(verify_split(parent, left, right).empty());
    CHECK(left.range().high == k(100));
    CHECK(right.range().low == k(100));
    CHECK(left.streams().blob.extents == std::vector<uint64_t>{31, 32, 33});
    // The children share the parent's checkpoint rows (a pointer, not a copy).
    REQUIRE(!left.checkpoints().empty());
    CHECK(left.checkpoints()[0].rows.get() == parent.checkpoints()[0].rows.get());
    for (auto& [key, ver] : model) {
        const RangePartition& child = key < k(100) ? left : right;
        REQUIRE(child.get(key).has_value());
        CHECK(child.get(key)->version == ver);
    }
    // Updates after the split stay in their child; a later merge brings them together.
    right.apply(k(150), entry(++v, 0, true));
    model.erase(k(150));
    left.apply(k(5), entry(++v));
    model[k(5)] = v;
    auto rows = right.begin_checkpoint();
    right.finish_checkpoint(rows, {});
    RangePartition merged = RangePartition::merge(left, right, RangeId{4});
    CHECK(verify_merge(left, right, merged).empty());
    CHECK(merged.streams().blob.extents == std::vector<uint64_t>{31, 32, 33, 31, 32, 33});
    CHECK(merged.live_count() == model.size());
    for (auto& [key, ver] : model) CHECK(merged.get(key)->version == ver);
    CHECK_FALSE(merged.get(k(150)).has_value());
}

TEST_CASE("partition index: the planted split bug loses the boundary row and verify_split sees it") {
    RangePartition parent(RangeId{1}, KeyRange{"", ""});
    for (int i = 0; i < 10; ++i) parent.apply(k(i), entry(static_cast<uint64_t>(i + 1)));
    auto [l1, r1] = RangePartition::split(parent, k(5), RangeId{2}, RangeId{3}, true);
    CHECK_FALSE(verify_split(parent, l1, r1).empty());
    CHECK_FALSE(r1.get(k(5)).has_value());
    // Also when the boundary row is in a checkpoint.
    auto rows = parent.begin_checkpoint();
    parent.finish_checkpoint(rows, {});
    auto [l2, r2] = RangePartition::split(parent, k(5), RangeId{4}, RangeId{5}, true);
    CHECK_FALSE(r2.get(k(5)).has_value());
    CHECK(r2.get(k(6)).has_value());
    auto [l3, r3] = RangePartition::split(parent, k(5), RangeId{6}, RangeId{7}, false);
    CHECK(verify_split(parent, l3, r3).empty());
}

TEST_CASE("partition map: covers the key space through splits, merges and assignments") {
    PartitionMap map;
    CHECK(map.check().empty());
    CHECK(map.size() == 1);
    const RangeId root = map.lookup("x").id;
    CHECK(map.assign(root, ServerId{0}));
    auto ids = map.split(root, k(50));
    REQUIRE(ids.has_value());
    CHECK(map.check().empty());
    CHECK(map.size() == 2);
    CHECK(map.lookup(k(49)).id == ids->first);
    CHECK(map.lookup(k(50)).id == ids->second);
    CHECK(map.find(ids->second)->server == ServerId{0});
    CHECK_FALSE(map.split(ids->first, "").has_value());        // not above the range start
    CHECK_FALSE(map.split(ids->first, k(60)).has_value());     // outside the range
    auto more = map.split(ids->second, k(70));
    REQUIRE(more.has_value());
    CHECK(map.next(ids->first)->id == more->first);
    CHECK(map.prev(more->second)->id == more->first);
    CHECK(map.assign(more->second, ServerId{1}));
    CHECK_FALSE(map.merge(more->first, more->second).has_value());  // different servers
    CHECK_FALSE(map.merge(ids->first, more->second).has_value());   // not adjacent
    const uint64_t v = map.version();
    auto merged = map.merge(ids->first, more->first);
    REQUIRE(merged.has_value());
    CHECK(map.version() > v);
    CHECK(map.check().empty());
    CHECK(map.size() == 2);
    CHECK(map.find(*merged)->range == KeyRange{"", k(70)});
    CHECK(map.ranges_of(ServerId{1}).size() == 1);
}

TEST_SUITE_END();
