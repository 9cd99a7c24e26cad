// app/scenario/config.h: the typed form of a scenario file (spec/scenario-format.md, v1).
//
// The loader (app/scenario/loader.h) fills these plain structs from a validated file with
// every default resolved, so the code that wires a run never looks at JSON and never has
// to know a default. Values carry their units in their types (sim::Duration, sim::Bytes,
// sim::Bandwidth); closed sets are enums. A Scenario is only ever produced from a file
// that passed every validation rule, so its fields may be trusted: names referred to
// exist, ranges hold, role counts fit the stamp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/time.h"
#include "sim/units.h"

namespace app::scenario {

// ---------------------------------------------------------------------------- topology

enum class DiskService { kFixed, kExponential };

struct LinkConfig {
    sim::Duration latency;
    sim::Bandwidth bandwidth;
};

struct NetworkConfig {
    LinkConfig intra_rack{sim::Duration::micros(20), {25'000'000'000}};
    LinkConfig inter_rack{sim::Duration::micros(100), {100'000'000'000}};
    LinkConfig inter_stamp{sim::Duration::micros(500), {400'000'000'000}};
    LinkConfig inter_region{sim::Duration::millis(30), {100'000'000'000}};
    LinkConfig client{sim::Duration::millis(1), {10'000'000'000}};
};

struct DiskConfig {
    sim::Duration latency = sim::Duration::millis(4);
    sim::Bandwidth bandwidth{1'600'000'000};  // 200MB/s
    sim::Bytes capacity{8'000'000'000'000};   // 8TB
    DiskService service = DiskService::kFixed;
};

// How many nodes of a stamp run each role besides the extent node (which every node runs).
struct RolesConfig {
    int front_end = 0;
    int partition_server = 0;
    int stream_manager = 0;
    int partition_manager = 0;
    int lock_service = 0;
};

struct StampConfig {
    std::string name;
    std::string region;  // name of the region that holds the stamp
    int racks = 0;
    int nodes_per_rack = 0;
    int power_domains = 0;
    // power_map[p] lists the racks fed by power domain p; always filled (from r % power_domains
    // when the file has no power_map), each rack exactly once.
    std::vector<std::vector<int>> power_map;
    int upgrade_domains = 5;
    RolesConfig roles;  // defaults of the spec resolved from the stamp's size
    DiskConfig disk;    // the topology's disk unless the stamp overrides it
    bool disk_overridden = false;

    int node_count() const { return racks * nodes_per_rack; }
};

struct RegionConfig {
    std::string name;
    std::vector<StampConfig> stamps;
};

struct TopologyConfig {
    std::vector<RegionConfig> regions;
    NetworkConfig network;
    DiskConfig disk;
};

// ---------------------------------------------------------------------------- storage

enum class Replication { kChain, kPrimaryFanout };
enum class ErasureCodingKind { kLrc, kReedSolomon };

// "lrc-12-2-2" (12 data, 2 local parity, 2 global parity) or "rs-6-3" (6 data, 3 parity).
struct ErasureCodingScheme {
    ErasureCodingKind kind = ErasureCodingKind::kLrc;
    int data = 12;
    int local_parity = 2;   // 0 for Reed-Solomon
    int global_parity = 2;  // the parity count for Reed-Solomon
    int fragments() const { return data + local_parity + global_parity; }
};

struct ErasureCodingConfig {
    bool enabled = false;
    std::string scheme_name = "lrc-12-2-2";
    ErasureCodingScheme scheme;
    sim::Duration after_seal = sim::Duration::minutes(10);
};

struct StreamConfig {
    int replicas = 3;
    Replication replication = Replication::kChain;
    sim::Bytes extent_seal_size{int64_t{1} << 30};
    sim::Bytes block_size{int64_t{4} << 20};
    sim::Duration re_replication_delay = sim::Duration::seconds(15);
    sim::Duration heartbeat = sim::Duration::seconds(1);
    sim::Duration node_timeout = sim::Duration::seconds(10);
    // How often each extent node re-reads and checks its replicas (silent corruption).
    sim::Duration scrub_interval = sim::Duration::hours(72);
    ErasureCodingConfig erasure_coding;
};

struct PartitionConfig {
    int initial_partitions = 1;
    double split_load = 3000;  // operations per second per range partition
    double merge_load = 100;
    sim::Duration balance_interval = sim::Duration::seconds(30);
    sim::Duration lease = sim::Duration::seconds(10);
    sim::Bytes checkpoint_log_size{int64_t{256} << 20};
};

enum class AuthScheme { kHmacSha256 };

struct FrontEndConfig {
    sim::Duration map_cache_ttl = sim::Duration::seconds(60);
    sim::Duration request_timeout = sim::Duration::seconds(30);
    AuthScheme auth = AuthScheme::kHmacSha256;
};

enum class Placement { kLeastLoaded, kRoundRobin };

struct GeoReplicationConfig {
    bool enabled = false;
    sim::Duration interval = sim::Duration::seconds(5);
    // The location service fails an account over (abruptly) to its secondary when none of
    // its primary's front-ends answered health probes for `failover_detection`.
    bool failover_on_stamp_down = true;
    sim::Duration failover_detection = sim::Duration::seconds(10);
};

struct LocationConfig {
    sim::Duration dns_ttl = sim::Duration::seconds(30);
    Placement placement = Placement::kLeastLoaded;
    GeoReplicationConfig geo_replication;
};

struct StorageConfig {
    StreamConfig stream;
    PartitionConfig partition;
    FrontEndConfig front_end;
    LocationConfig location;
};

// ---------------------------------------------------------------------------- accounts

struct AccountConfig {
    std::string name;
    std::optional<std::string> stamp;      // nullopt: the location service places it
    std::optional<std::string> secondary;  // stamp receiving the geo-replicated copy
    std::optional<std::string> key;        // base64 shared key; nullopt: derived from the seed
    std::vector<uint8_t> key_bytes;        // decoded key when given
};

// ---------------------------------------------------------------------------- workloads

enum class WorkloadKind { kSynthetic, kTrace };
enum class ArrivalKind { kPoisson, kConstant, kClosed };
enum class KeyDistribution { kUniform, kZipf, kHotspot, kSequential };
enum class SizeDistribution { kFixed, kUniform, kLognormal };
enum class TraceFormat { kAzureFunctionsBlob2020, kTectonicChunk };
// How a workload signs its requests: kValid with its account's key, the others on purpose
// wrongly, so that the auth check can prove every such request is rejected.
enum class WorkloadAuth { kValid, kInvalid, kNone, kOtherAccount };

struct RateStep {
    sim::Duration at;
    double rate = 0;  // operations per second from `at` on
};

struct ArrivalConfig {
    ArrivalKind kind = ArrivalKind::kPoisson;
    // poisson and constant: either one rate, or steps (rate_steps non-empty, rate unused).
    double rate = 0;
    std::vector<RateStep> rate_steps;
    int clients = 0;            // closed only
    sim::Duration think;        // closed only
};

// Fractions of operations of each kind; they sum to 1.
struct MixConfig {
    double put = 0;
    double get = 0;
    double del = 0;  // "delete" in the file
    double list = 0;
    double head = 0;
};

struct KeysConfig {
    int64_t count = 10000;
    KeyDistribution distribution = KeyDistribution::kUniform;
    double theta = 0.99;           // zipf
    double hot_fraction = 0.1;     // hotspot: fraction of keys that are hot
    double hot_probability = 0.9;  // hotspot: fraction of operations on hot keys
};

struct SizeConfig {
    SizeDistribution distribution = SizeDistribution::kFixed;
    sim::Bytes value{4096};  // fixed
    sim::Bytes min{0};       // uniform
    sim::Bytes max{0};       // uniform
    sim::Bytes median{0};    // lognormal
    double sigma = 1.0;      // lognormal
};

struct TraceConfig {
    std::string path;           // as written, relative to the scenario file
    std::string resolved_path;  // joined with the scenario file's folder
    TraceFormat format = TraceFormat::kAzureFunctionsBlob2020;
    double speed = 1.0;
};

struct WorkloadConfig {
    std::string name;
    WorkloadKind kind = WorkloadKind::kSynthetic;
    std::string account;
    std::string container = "c0";
    sim::Duration start;
    sim::Duration end;  // the scenario's duration unless given
    WorkloadAuth auth = WorkloadAuth::kValid;
    // kSynthetic only:
    ArrivalConfig arrival;
    MixConfig mix;
    KeysConfig keys;
    SizeConfig size;
    // kTrace only:
    TraceConfig trace;
};

// ---------------------------------------------------------------------------- faults

enum class FaultKind {
    kRackDown,
    kNodeCrash,
    kPowerDomainDown,
    kNetworkPartition,
    kLinkDegrade,
    kDiskFail,
    kDiskSlow,
    kDiskCorrupt,
    kTorDown,
    kProcessPause,
    kStampDown,
    kRegionPartition,
    kUpgradeDomainDown,
    kRollingUpgrade,
    kClockSkew,
    kClog,
};

enum class Role {
    kExtentNode,  // every node
    kFrontEnd,
    kPartitionServer,
    kStreamManager,
    kPartitionManager,
    kLockService,
};

enum class PickKind { kRandom, kLeader, kFirst, kNode };

// A node by name: "w1/r4/n7" is node 7 of rack 4 of stamp w1.
struct NodeRef {
    std::string stamp;
    int rack = 0;
    int index = 0;
    std::string name() const;
};

struct FaultConfig {
    FaultKind kind = FaultKind::kRackDown;
    sim::Duration at;
    std::optional<sim::Duration> duration;  // `for`; nullopt: until the drain heals it
    // Targets; which are set depends on kind (see scenarios/README.md).
    std::string stamp;
    std::optional<int> rack;
    std::optional<int> power_domain;
    std::optional<int> upgrade_domain;
    std::optional<NodeRef> node;
    std::optional<Role> role;           // node selectors: node_crash, process_pause, clock_skew, clog
    PickKind pick = PickKind::kRandom;  // with kNode, pick_node holds the name
    std::optional<NodeRef> pick_node;
    int count = 1;
    std::vector<std::vector<int>> groups;  // network_partition: racks per group
    std::vector<std::string> regions;      // region_partition
    // Parameters.
    sim::Duration extra_latency;                // link_degrade, clog
    double loss = 0;                            // link_degrade
    double factor = 1;                          // disk_slow
    double fraction = 0;                        // disk_corrupt
    int switch_index = 0;                       // tor_down ("switch")
    std::optional<sim::Duration> restart_after;  // node_crash; nullopt: stays down until drain
    sim::Duration per_domain;                   // rolling_upgrade
    double drift = 0;                           // clock_skew
};

struct ChaosConfig {
    sim::Duration start;
    sim::Duration end;
    sim::Duration mean_interval = sim::Duration::seconds(60);
    std::vector<FaultKind> kinds;
    int max_failed_domains = 1;
    sim::Duration mean_duration = sim::Duration::seconds(30);
};

// ---------------------------------------------------------------------------- operations

// `operations`: what an operator does to accounts during the run.
enum class OperationKind { kFailover, kMigrate };
enum class FailoverMode { kClean, kAbrupt };

struct OperationConfig {
    sim::Duration at;
    OperationKind kind = OperationKind::kFailover;
    std::string account;
    FailoverMode mode = FailoverMode::kClean;  // failover only
    std::string to;                            // migrate only: the stamp to move to
};

// ---------------------------------------------------------------------------- checks, report

enum class Consistency { kLinearizable, kNone };
enum class Expect { kPass, kFail };
enum class OpKind { kPut, kGet, kDelete, kList, kHead, kAll };
enum class LoadGroup { kPartitionServers, kExtentNodes, kRacks };
enum class LoadMetric { kMaxOverMean, kCov, kGini };

struct AvailabilityCheck {
    double min = 0.999;
    sim::Duration window = sim::Duration::seconds(10);
};

struct LatencyCheck {
    std::string key;  // "get.p99", as written
    OpKind op = OpKind::kAll;
    int percentile_per_mille = 990;  // p50 = 500, p99 = 990, p999 = 999
    sim::Duration limit;
};

struct LoadBalanceCheck {
    std::string key;  // "partition_servers.max_over_mean"
    LoadGroup group = LoadGroup::kPartitionServers;
    LoadMetric metric = LoadMetric::kMaxOverMean;
    double limit = 0;
};

struct ChecksConfig {
    bool durability = true;
    Consistency consistency = Consistency::kLinearizable;
    std::optional<AvailabilityCheck> availability;
    std::vector<LatencyCheck> latency;  // in file order
    std::vector<LoadBalanceCheck> load_balance;
    // "load_balance.settle": the thresholds judge the load from this long after the start
    // to the end of the load (`duration`); zero judges every sample interval of the run.
    sim::Duration load_balance_settle = sim::Duration::zero();
    bool auth = true;
    Expect expect = Expect::kPass;
};

enum class ReportOutput { kJson, kCsv, kHtml };

struct ReportConfig {
    sim::Duration sample_interval = sim::Duration::seconds(1);
    std::vector<ReportOutput> outputs{ReportOutput::kJson, ReportOutput::kCsv, ReportOutput::kHtml};
    bool trace = false;
    bool ops = false;  // ops.csv, one row per client operation
};

// ---------------------------------------------------------------------------- debug

// `debug`: switches for testing the simulator's checkers, off in every real study.
struct DebugConfig {
    std::string bug;  // a planted bug's name (app/planted_bugs.h), empty: none
};

// ---------------------------------------------------------------------------- scenario

struct Scenario {
    std::string name;
    std::string description;
    uint64_t seed = 1;
    sim::Duration duration;
    sim::Duration drain = sim::Duration::seconds(30);
    TopologyConfig topology;
    StorageConfig storage;
    std::vector<AccountConfig> accounts;
    std::vector<WorkloadConfig> workloads;
    std::vector<FaultConfig> faults;
    std::vector<OperationConfig> operations;
    std::optional<ChaosConfig> chaos;
    ChecksConfig checks;
    ReportConfig report;
    DebugConfig debug;

    // Lookups over the topology; nullptr when absent.
    const StampConfig* find_stamp(std::string_view stamp_name) const;
    const RegionConfig* find_region(std::string_view region_name) const;
};

// Names of enum values exactly as written in scenario files ("rack_down", "poisson", ...).
std::string_view to_string(FaultKind kind);
std::string_view to_string(Role role);
std::string_view to_string(WorkloadKind kind);
std::string_view to_string(ArrivalKind kind);
std::string_view to_string(KeyDistribution d);
std::string_view to_string(SizeDistribution d);
std::string_view to_string(TraceFormat f);
std::string_view to_string(OpKind op);
std::string_view to_string(ReportOutput o);

}  // namespace app::scenario
