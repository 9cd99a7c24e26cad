// The scenario loader: every section parsed with its defaults, units, roles by stamp size,
// did-you-mean, several errors at once, --set overrides, and the files in scenarios/.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "app/scenario/did_you_mean.h"
#include "app/scenario/json_text.h"
#include "app/scenario/loader.h"
#include "reports/json_schema.h"

using namespace app::scenario;
using sim::Duration;

namespace {

const std::filesystem::path kScenarios = std::filesystem::path(STAMPSIM_SOURCE_DIR) / "scenarios";

LoadResult load(const std::string& text) {
    return load_scenario_text(text, "test.json", kScenarios);
}

// The smallest valid scenario: every optional section left to its defaults.
const char* const kMinimal = R"({
  "name": "minimal", "duration": "2m",
  "topology": { "regions": [ { "name": "west",
      "stamps": [ { "name": "w1", "racks": 6, "nodes_per_rack": 8 } ] } ] },
  "accounts": [ { "name": "a" } ],
  "workloads": [ { "name": "w", "account": "a",
      "arrival": { "kind": "poisson", "rate": 100 }, "mix": { "get": 1 } } ]
})";

// Every section and every fault kind, with explicit values.
const char* const kFull = R"({
  "name": "full", "description": "all", "seed": 42, "duration": "20m", "drain": "1m",
  "topology": {
    "regions": [
      { "name": "west", "stamps": [
        { "name": "w1", "racks": 8, "nodes_per_rack": 12, "power_domains": 4,
          "power_map": [[0, 1], [2, 3], [4, 5], [6, 7]], "upgrade_domains": 6,
          "roles": { "front_end": 4, "partition_server": 12, "stream_manager": 3,
                     "partition_manager": 3, "lock_service": 3 },
          "disk": { "latency": "100us", "bandwidth": "2GB/s", "capacity": "4TiB",
                    "service": "exponential" } } ] },
      { "name": "east", "stamps": [ { "name": "e1", "racks": 4, "nodes_per_rack": 4 } ] } ],
    "network": { "intra_rack": { "latency": "10us", "bandwidth": "50Gbps" },
                 "client": { "latency": "2ms", "bandwidth": "1Gbps" } },
    "disk": { "latency": "5ms", "bandwidth": "150MB/s", "capacity": "8TB", "service": "fixed" }
  },
  "storage": {
    "stream": { "replicas": 3, "replication": "primary_fanout", "extent_seal_size": "256MiB",
                "block_size": "1MiB", "re_replication_delay": "30s", "heartbeat": "500ms",
                "node_timeout": "5s",
                "erasure_coding": { "enabled": false, "scheme": "rs-6-3", "after_seal": "1h" } },
    "partition": { "initial_partitions": 4, "split_load": 5000, "merge_load": 10,
                   "balance_interval": "10s", "lease": "5s", "checkpoint_log_size": "64MiB" },
    "front_end": { "map_cache_ttl": "0", "request_timeout": "10s", "auth": "hmac-sha256" },
    "location": { "dns_ttl": "5s", "placement": "round_robin",
                  "geo_replication": { "enabled": true, "interval": "2s" } }
  },
  "accounts": [ { "name": "photos", "stamp": "w1", "secondary": "e1", "key": "c2VjcmV0" },
                { "name": "logs" } ],
  "workloads": [
    { "name": "steps", "account": "photos", "container": "c1", "start": "1m", "end": "10m",
      "arrival": { "kind": "constant", "rate": [ { "at": "0s", "rate": 10 }, { "at": "5m", "rate": 20 } ] },
      "mix": { "put": 0.2, "get": 0.5, "delete": 0.1, "list": 0.1, "head": 0.1 },
      "keys": { "count": 500, "distribution": "hotspot", "hot_fraction": 0.2, "hot_probability": 0.8 },
      "size": { "distribution": "uniform", "min": "1KiB", "max": "1MiB" } },
    { "name": "closed", "account": "logs", "auth": "other_account",
      "arrival": { "kind": "closed", "clients": 16, "think": "10ms" },
      "mix": { "put": 1 }, "keys": { "distribution": "sequential" },
      "size": { "distribution": "fixed", "value": "4KB" } },
    { "kind": "trace", "name": "replay", "account": "photos", "speed": 2.5,
      "path": "../data/traces/azure_functions_blob_2020/azure_blob_2020_doc_sample.csv",
      "format": "azure-functions-blob-2020" }
  ],
  "faults": [
    { "at": "2m", "kind": "rack_down", "stamp": "w1", "rack": 2, "for": "5m" },
    { "at": "3m", "kind": "node_crash", "stamp": "w1", "role": "partition_server", "pick": "random", "restart_after": "1m" },
    { "at": "4m", "kind": "power_domain_down", "stamp": "w1", "power_domain": 1, "for": "30s" },
    { "at": "5m", "kind": "network_partition", "stamp": "w1", "groups": [[0, 1, 2], [3, 4, 5, 6, 7]], "for": "1m" },
    { "at": "6m", "kind": "link_degrade", "stamp": "w1", "rack": 3, "extra_latency": "5ms", "loss": 0.01, "for": "2m" },
    { "at": "7m", "kind": "disk_fail", "stamp": "w1", "node": "w1/r4/n7" },
    { "at": "7m", "kind": "disk_slow", "stamp": "w1", "node": "w1/r5/n1", "factor": 20, "for": "3m" },
    { "at": "8m", "kind": "disk_corrupt", "stamp": "w1", "node": "w1/r6/n2", "fraction": 0.001 },
    { "at": "8m", "kind": "tor_down", "stamp": "w1", "rack": 1, "switch": 0, "for": "10m" },
    { "at": "9m", "kind": "process_pause", "stamp": "w1", "role": "stream_manager", "pick": "leader", "for": "20s" },
    { "at": "9m", "kind": "stamp_down", "stamp": "e1", "for": "10m" },
    { "at": "9m", "kind": "region_partition", "regions": ["west", "east"], "for": "5m" },
    { "at": "10m", "kind": "upgrade_domain_down", "stamp": "w1", "upgrade_domain": 2, "for": "5m" },
    { "at": "11m", "kind": "rolling_upgrade", "stamp": "w1", "per_domain": "3m" },
    { "at": "12m", "kind": "clock_skew", "stamp": "w1", "node": "w1/r1/n3", "drift": 0.05, "for": "5m" },
    { "at": "13m", "kind": "clog", "stamp": "w1", "pick": "random", "count": 3, "extra_latency": "2s", "for": "1m" }
  ],
  "chaos": { "start": "1m", "end": "9m", "mean_interval": "45s",
             "kinds": ["node_crash", "rack_down", "network_partition", "disk_slow", "process_pause"],
             "max_failed_domains": 1, "mean_duration": "40s" },
  "checks": { "durability": true, "consistency": "linearizable",
              "availability": { "min": 0.999, "window": "10s" },
              "latency": { "get.p99": "50ms", "put.p999": "100ms", "all.p50": "5ms" },
              "load_balance": { "partition_servers.max_over_mean": 2.0, "racks.gini": 0.3, "settle": "1m" },
              "auth": true, "expect": "fail" },
  "report": { "sample_interval": "5s", "outputs": ["json"], "trace": true, "ops": true }
})";

}  // namespace

TEST_CASE("minimal scenario: every default filled in") {
    auto r = load(kMinimal);
    for (const auto& m : r.messages()) MESSAGE(m);
    REQUIRE(r.ok());
    const Scenario& s = *r.scenario;
    CHECK(s.seed == 1);
    CHECK(s.duration == Duration::minutes(2));
    CHECK(s.drain == Duration::seconds(30));
    CHECK(s.description.empty());
    // topology: network and disk defaults of the spec
    CHECK(s.topology.network.intra_rack.latency == Duration::micros(20));
    CHECK(s.topology.network.intra_rack.bandwidth.bits_per_s == 25'000'000'000);
    CHECK(s.topology.network.inter_rack.latency == Duration::micros(100));
    CHECK(s.topology.network.inter_stamp.bandwidth.bits_per_s == 400'000'000'000);
    CHECK(s.topology.network.inter_region.latency == Duration::millis(30));
    CHECK(s.topology.network.client.latency == Duration::millis(1));
    CHECK(s.topology.disk.latency == Duration::millis(4));
    CHECK(s.topology.disk.bandwidth.bits_per_s == 1'600'000'000);
    CHECK(s.topology.disk.capacity.value == 8'000'000'000'000);
    CHECK(s.topology.disk.service == DiskService::kFixed);
    const StampConfig& st = s.topology.regions[0].stamps[0];
    CHECK(st.region == "west");
    CHECK(st.power_domains == 4);
    CHECK(st.upgrade_domains == 5);
    CHECK(st.power_map == std::vector<std::vector<int>>{{0, 4}, {1, 5}, {2}, {3}});
    CHECK_FALSE(st.disk_overridden);
    CHECK(st.disk.latency == Duration::millis(4));
    // roles: 5 replicas from 5 racks up, a partition server per 4 nodes, a front-end per 8
    CHECK(st.roles.stream_manager == 5);
    CHECK(st.roles.partition_manager == 5);
    CHECK(st.roles.lock_service == 5);
    CHECK(st.roles.partition_server == 12);
    CHECK(st.roles.front_end == 6);
    // storage
    const StorageConfig& g = s.storage;
    CHECK(g.stream.replicas == 3);
    CHECK(g.stream.replication == Replication::kChain);
    CHECK(g.stream.extent_seal_size.value == (int64_t{1} << 30));
    CHECK(g.stream.block_size.value == (int64_t{4} << 20));
    CHECK(g.stream.re_replication_delay == Duration::seconds(15));
    CHECK(g.stream.heartbeat == Duration::seconds(1));
    CHECK(g.stream.node_timeout == Duration::seconds(10));
    CHECK_FALSE(g.stream.erasure_coding.enabled);
    CHECK(g.stream.erasure_coding.scheme.fragments() == 16);
    CHECK(g.stream.erasure_coding.after_seal == Duration::minutes(10));
    CHECK(g.partition.initial_partitions == 1);
    CHECK(g.partition.split_load == 3000);
    CHECK(g.partition.merge_load == 100);
    CHECK(g.partition.balance_interval == Duration::seconds(30));
    CHECK(g.partition.lease == Duration::seconds(10));
    CHECK(g.partition.checkpoint_log_size.value == (int64_t{256} << 20));
    CHECK(g.front_end.map_cache_ttl == Duration::seconds(60));
    CHECK(g.front_end.request_timeout == Duration::seconds(30));
    CHECK(g.location.dns_ttl == Duration::seconds(30));
    CHECK(g.location.placement == Placement::kLeastLoaded);
    CHECK_FALSE(g.location.geo_replication.enabled);
    CHECK(g.location.geo_replication.interval == Duration::seconds(5));
    // accounts, workloads
    CHECK_FALSE(s.accounts[0].stamp.has_value());
    CHECK_FALSE(s.accounts[0].key.has_value());
    const WorkloadConfig& w = s.workloads[0];
    CHECK(w.kind == WorkloadKind::kSynthetic);
    CHECK(w.container == "c0");
    CHECK(w.start == Duration::zero());
    CHECK(w.end == Duration::minutes(2));
    CHECK(w.auth == WorkloadAuth::kValid);
    CHECK(w.keys.count == 10000);
    CHECK(w.keys.distribution == KeyDistribution::kUniform);
    CHECK(w.size.distribution == SizeDistribution::kFixed);
    CHECK(w.size.value.value == 4096);
    CHECK(w.mix.get == 1.0);
    // faults, chaos, checks, report
    CHECK(s.faults.empty());
    CHECK_FALSE(s.chaos.has_value());
    CHECK(s.checks.durability);
    CHECK(s.checks.consistency == Consistency::kLinearizable);
    CHECK(s.checks.auth);
    CHECK(s.checks.expect == Expect::kPass);
    CHECK_FALSE(s.checks.availability.has_value());
    CHECK(s.report.sample_interval == Duration::seconds(1));
    CHECK(s.report.outputs.size() == 3);
    CHECK_FALSE(s.report.trace);
    CHECK_FALSE(s.report.ops);
}

TEST_CASE("the resolved JSON holds every default, and validates again unchanged") {
    auto r = load(kMinimal);
    REQUIRE(r.ok());
    const Json& j = r.resolved;
    CHECK(j["seed"] == 1);
    CHECK(j["drain"] == "30s");
    CHECK(j["topology"]["network"]["inter_region"]["latency"] == "30ms");
    CHECK(j["topology"]["regions"][0]["stamps"][0]["roles"]["front_end"] == 6);
    CHECK(j["topology"]["regions"][0]["stamps"][0]["power_domains"] == 4);
    CHECK(j["storage"]["stream"]["replicas"] == 3);
    CHECK(j["storage"]["stream"]["erasure_coding"]["scheme"] == "lrc-12-2-2");
    CHECK(j["workloads"][0]["end"] == "2m");
    CHECK(j["workloads"][0]["keys"]["distribution"] == "uniform");
    CHECK(j["checks"]["expect"] == "pass");
    CHECK(j["report"]["outputs"] == Json::array({"json", "csv", "html"}));
    // The scenario as run is itself a valid scenario with the same meaning and hash.
    auto again = load_scenario_json(j, "resolved.json", kScenarios);
    for (const auto& m : again.messages()) MESSAGE(m);
    REQUIRE(again.ok());
    CHECK(again.resolved == j);
    CHECK(scenario_sha256(again.resolved) == scenario_sha256(j));
    CHECK(scenario_sha256(j).size() == 64);
}

TEST_CASE("full scenario: every section and fault kind parsed") {
    auto r = load(kFull);
    for (const auto& m : r.messages()) MESSAGE(m);
    REQUIRE(r.ok());
    const Scenario& s = *r.scenario;
    CHECK(s.seed == 42);
    CHECK(s.drain == Duration::minutes(1));
    const StampConfig& w1 = s.topology.regions[0].stamps[0];
    CHECK(w1.power_map[1] == std::vector<int>{2, 3});
    CHECK(w1.upgrade_domains == 6);
    CHECK(w1.roles.front_end == 4);
    CHECK(w1.disk_overridden);
    CHECK(w1.disk.latency == Duration::micros(100));
    CHECK(w1.disk.bandwidth.bits_per_s == 16'000'000'000);
    CHECK(w1.disk.capacity.value == (int64_t{4} << 40));
    CHECK(w1.disk.service == DiskService::kExponential);
    const StampConfig& e1 = s.topology.regions[1].stamps[0];
    CHECK(e1.disk.latency == Duration::millis(5));  // inherits the topology's disk
    CHECK(e1.roles.stream_manager == 3);             // fewer than 5 racks
    CHECK(e1.roles.partition_server == 4);
    CHECK(e1.roles.front_end == 2);
    CHECK(s.topology.network.intra_rack.latency == Duration::micros(10));
    CHECK(s.topology.network.inter_rack.latency == Duration::micros(100));
    CHECK(s.storage.stream.replication == Replication::kPrimaryFanout);
    CHECK(s.storage.stream.erasure_coding.scheme.kind == ErasureCodingKind::kReedSolomon);
    CHECK(s.storage.stream.erasure_coding.scheme.fragments() == 9);
    CHECK(s.storage.front_end.map_cache_ttl == Duration::zero());
    CHECK(s.storage.location.placement == Placement::kRoundRobin);
    CHECK(s.storage.location.geo_replication.enabled);
    CHECK(s.accounts[0].key_bytes == std::vector<uint8_t>{'s', 'e', 'c', 'r', 'e', 't'});
    CHECK(*s.accounts[0].secondary == "e1");

    const auto& steps = s.workloads[0];
    CHECK(steps.arrival.kind == ArrivalKind::kConstant);
    REQUIRE(steps.arrival.rate_steps.size() == 2);
    CHECK(steps.arrival.rate_steps[1].at == Duration::minutes(5));
    CHECK(steps.arrival.rate_steps[1].rate == 20);
    CHECK(steps.keys.distribution == KeyDistribution::kHotspot);
    CHECK(steps.keys.hot_fraction == 0.2);
    CHECK(steps.size.max.value == (int64_t{1} << 20));
    CHECK(steps.mix.del == doctest::Approx(0.1));
    const auto& closed = s.workloads[1];
    CHECK(closed.arrival.kind == ArrivalKind::kClosed);
    CHECK(closed.arrival.clients == 16);
    CHECK(closed.arrival.think == Duration::millis(10));
    CHECK(closed.auth == WorkloadAuth::kOtherAccount);
    CHECK(closed.size.value.value == 4000);
    const auto& replay = s.workloads[2];
    CHECK(replay.kind == WorkloadKind::kTrace);
    CHECK(replay.trace.format == TraceFormat::kAzureFunctionsBlob2020);
    CHECK(replay.trace.speed == 2.5);
    CHECK(std::filesystem::exists(replay.trace.resolved_path));

    REQUIRE(s.faults.size() == 16);
    CHECK(s.faults[0].kind == FaultKind::kRackDown);
    CHECK(*s.faults[0].rack == 2);
    CHECK(*s.faults[0].duration == Duration::minutes(5));
    CHECK(s.faults[1].kind == FaultKind::kNodeCrash);
    CHECK(*s.faults[1].role == Role::kPartitionServer);
    CHECK(*s.faults[1].restart_after == Duration::minutes(1));
    CHECK_FALSE(s.faults[1].duration.has_value());
    CHECK(*s.faults[2].power_domain == 1);
    CHECK(s.faults[3].groups.size() == 2);
    CHECK(s.faults[4].loss == 0.01);
    CHECK(s.faults[4].extra_latency == Duration::millis(5));
    CHECK(s.faults[5].node->name() == "w1/r4/n7");
    CHECK_FALSE(s.faults[5].duration.has_value());
    CHECK(s.faults[6].factor == 20);
    CHECK(s.faults[7].fraction == 0.001);
    CHECK(s.faults[8].switch_index == 0);
    CHECK(s.faults[9].pick == PickKind::kLeader);
    CHECK(s.faults[10].stamp == "e1");
    CHECK(s.faults[11].regions == std::vector<std::string>{"west", "east"});
    CHECK(*s.faults[12].upgrade_domain == 2);
    CHECK(s.faults[13].per_domain == Duration::minutes(3));
    CHECK(s.faults[14].drift == 0.05);
    CHECK(s.faults[15].count == 3);
    CHECK(s.faults[15].extra_latency == Duration::seconds(2));

    REQUIRE(s.chaos.has_value());
    CHECK(s.chaos->kinds.size() == 5);
    CHECK(s.chaos->mean_interval == Duration::seconds(45));
    CHECK(s.chaos->max_failed_domains == 1);
    REQUIRE(s.checks.latency.size() == 3);
    CHECK(s.checks.latency[1].op == OpKind::kPut);
    CHECK(s.checks.latency[1].percentile_per_mille == 999);
    CHECK(s.checks.load_balance[1].group == LoadGroup::kRacks);
    CHECK(s.checks.load_balance[1].metric == LoadMetric::kGini);
    CHECK(s.checks.load_balance.size() == 2);
    CHECK(s.checks.load_balance_settle == Duration::minutes(1));
    CHECK(s.checks.availability->min == 0.999);
    CHECK(s.checks.expect == Expect::kFail);
    CHECK(s.report.outputs == std::vector<ReportOutput>{ReportOutput::kJson});
    CHECK(s.report.trace);
    CHECK(s.report.ops);
}

TEST_CASE("units: every value carries its unit") {
    Json doc = Json::parse(kMinimal);
    auto with = [&](const std::string& set) {
        Json d = doc;
        REQUIRE_FALSE(apply_set(d, set).has_value());
        return load_scenario_json(d, "u.json", kScenarios);
    };
    CHECK(with("duration=\"1.5s\"").scenario->duration == Duration::millis(1500));
    CHECK(with("drain=\"250us\"").scenario->drain == Duration::micros(250));
    CHECK(with("duration=\"1h\"").scenario->duration == Duration::hours(1));
    CHECK(with("drain=\"0\"").scenario->drain == Duration::zero());
    CHECK(with("topology.disk.capacity=\"4KB\"").scenario->topology.disk.capacity.value == 4000);
    CHECK(with("topology.disk.capacity=\"4KiB\"").scenario->topology.disk.capacity.value == 4096);
    CHECK(with("topology.disk.bandwidth=\"150MB/s\"").scenario->topology.disk.bandwidth.bits_per_s ==
          1'200'000'000);
    CHECK(with("topology.disk.bandwidth=\"400Mbps\"").scenario->topology.disk.bandwidth.bits_per_s ==
          400'000'000);
    CHECK(with("duration=120").messages() ==
          std::vector<std::string>{"u.json: /duration: expected a duration such as \"30s\", got 120"});
    CHECK(with("topology.disk.capacity=4096").messages() ==
          std::vector<std::string>{
              "u.json: /topology/disk/capacity: expected a size such as \"64MiB\", got 4096"});
    CHECK(with("drain=\"-5s\"").messages() ==
          std::vector<std::string>{"u.json: /drain: expected a duration >= 0, got \"-5s\""});
    CHECK(with("duration=\"2 min\"").messages().size() == 1);
}

TEST_CASE("did you mean") {
    std::vector<std::string> keys = {"racks", "nodes_per_rack", "power_domains", "upgrade_domains"};
    CHECK(did_you_mean("nodes_per_rak", keys) == "nodes_per_rack");
    CHECK(did_you_mean("rakcs", keys) == "racks");            // transposition
    CHECK(did_you_mean("Power_Domains", keys) == "power_domains");  // case
    CHECK(did_you_mean("upgrade_domain", keys) == "upgrade_domains");
    CHECK_FALSE(did_you_mean("colour", keys).has_value());
    CHECK_FALSE(did_you_mean("", keys).has_value());
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(edit_distance("ab", "ba") == 1);
    auto r = load(R"({"name": "x", "duraton": "1m"})");
    CHECK(r.messages() == std::vector<std::string>{
                              "test.json: /duraton: unknown key; did you mean \"duration\"?",
                              "test.json: /topology: missing required key; expected an object",
                              "test.json: /accounts: missing required key; expected a non-empty "
                              "array of accounts",
                              "test.json: /workloads: missing required key; expected a non-empty "
                              "array of workloads"});
}

TEST_CASE("several errors are reported at once, in document order") {
    Json doc = Json::parse(kMinimal);
    REQUIRE_FALSE(apply_set(doc, "workloads.0.mix.get=2"));
    REQUIRE_FALSE(apply_set(doc, "seed=\"one\""));
    REQUIRE_FALSE(apply_set(doc, "topology.regions.0.stamps.0.racks=0"));
    REQUIRE_FALSE(apply_set(doc, "storage.stream.replicas=0"));
    auto r = load_scenario_json(doc, "m.json", kScenarios);
    // Document order: keys --set adds (seed, storage) come after those already there.
    CHECK(r.messages() ==
          std::vector<std::string>{
              "m.json: /topology/regions/0/stamps/0/racks: expected an integer from 1 to 1000, "
              "got 0",
              "m.json: /workloads/0/mix/get: expected a number from 0 to 1, got 2",
              "m.json: /seed: expected an integer >= 0, got \"one\"",
              "m.json: /storage/stream/replicas: expected an integer from 1 to 16, got 0"});
}

TEST_CASE("apply_set: overrides by path, JSON or string values, errors for bad paths") {
    Json doc = Json::parse(kMinimal);
    CHECK_FALSE(apply_set(doc, "storage.stream.replicas=2"));
    CHECK(doc["storage"]["stream"]["replicas"] == 2);
    CHECK_FALSE(apply_set(doc, "workloads.0.arrival.rate=5000"));
    CHECK(doc["workloads"][0]["arrival"]["rate"] == 5000);
    CHECK_FALSE(apply_set(doc, "duration=5m"));  // not JSON: taken as a string
    CHECK(doc["duration"] == "5m");
    CHECK_FALSE(apply_set(doc, "/report/outputs=[\"json\"]"));  // JSON pointer form
    CHECK(doc["report"]["outputs"] == Json::array({"json"}));
    CHECK_FALSE(apply_set(doc, "checks.durability=false"));
    CHECK(doc["checks"]["durability"] == false);
    CHECK_FALSE(apply_set(doc, "description="));
    CHECK(doc["description"] == "");
    CHECK(apply_set(doc, "storage") == "expected PATH=VALUE such as storage.stream.replicas=2, got "
                                       "\"storage\"");
    CHECK(apply_set(doc, "workloads.3.name=x") ==
          "/workloads: expected an index below 1 (the array's size), got \"3\"");
    CHECK(apply_set(doc, "name.first=x") ==
          "/name: expected an object or array to set \"first\" in, got \"minimal\"");
    CHECK(apply_set(doc, "storage..replicas=1") ==
          "expected a path without empty parts, got \"storage..replicas\"");
    // The loaded result reflects overrides; a typo in a path becomes an unknown key.
    LoadOptions options;
    options.overrides = {"storage.stream.replica=2"};
    options.seed = 99;
    auto r = load_scenario_text(kMinimal, "o.json", kScenarios, options);
    CHECK(r.messages() == std::vector<std::string>{
                              "o.json: /storage/stream/replica: unknown key; did you mean "
                              "\"replicas\"?"});
    options.overrides = {"storage.stream.replicas=2"};
    r = load_scenario_text(kMinimal, "o.json", kScenarios, options);
    REQUIRE(r.ok());
    CHECK(r.scenario->storage.stream.replicas == 2);
    CHECK(r.scenario->seed == 99);
    CHECK(r.resolved["seed"] == 99);
    options.overrides = {"workloads.5.rate=1"};
    r = load_scenario_text(kMinimal, "o.json", kScenarios, options);
    CHECK(r.messages() == std::vector<std::string>{
                              "o.json: --set workloads.5.rate=1: /workloads: expected an index "
                              "below 1 (the array's size), got \"5\""});
}

TEST_CASE("hostile input never crashes or hangs") {
    Diagnostics d;
    std::string deep(100000, '[');
    CHECK_FALSE(parse_json_text(deep, d).has_value());
    CHECK(d.size() == 1);
    std::string deep_in_string = "{\"a\": \"" + std::string(1000, '[') + "\"}";
    Diagnostics d2;
    CHECK(parse_json_text(deep_in_string, d2).has_value());
    auto r = load("{\"name\": \"x\", \"seed\": 123456789012345678901234567890}");
    CHECK(r.messages().front() ==
          "test.json: /seed: expected an integer >= 0, got 1.2345678901234568e+29");
    r = load("{\"name\": \"x\", \"duration\": \"99999999999h\"}");
    CHECK(r.messages().front() ==
          "test.json: /duration: expected a duration such as \"30s\", got \"99999999999h\": too "
          "large (over 292 years)");
    r = load("\xff\xfe garbage");
    CHECK(r.messages().size() == 1);
    r = load("null");
    CHECK(r.messages() == std::vector<std::string>{
                              "test.json: /: expected an object (a scenario), got null"});
    auto missing = load_scenario_file("/nonexistent/x.json");
    CHECK(missing.messages() == std::vector<std::string>{"/nonexistent/x.json: no such file"});
}

TEST_CASE("every scenario in scenarios/ is valid for the parser and for the schema") {
    std::ifstream in(kScenarios / "schema.json");
    std::string error;
    auto schema = reports::JsonSchema::compile(Json::parse(in), &error);
    REQUIRE_MESSAGE(schema.has_value(), error);
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(kScenarios)) {
        if (entry.path().extension() != ".json" || entry.path().filename() == "schema.json") {
            continue;
        }
        CAPTURE(entry.path().string());
        ++count;
        auto r = load_scenario_file(entry.path());
        for (const auto& m : r.messages()) MESSAGE(m);
        CHECK(r.ok());
        std::ifstream file(entry.path());
        for (const auto& e : schema->validate(Json::parse(file))) {
            FAIL_CHECK(e.instance_pointer << ": " << e.message << " (" << e.schema_pointer << ")");
        }
        // The resolved form (defaults filled in) satisfies the schema too.
        if (r.ok()) CHECK(schema->validate(r.resolved).empty());
    }
    CHECK(count >= 6);
}
