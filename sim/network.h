// sim/network.h: message delivery times and losses on the simulated network.
//
// Network decides, for each message, whether it arrives and when; the Simulation
// schedules the delivery. A path is the chain of links between two nodes:
//   same node:          nothing (arrives now)
//   same rack:          src NIC -> dst NIC                          + intra_rack latency
//   other rack:         src NIC -> src rack up -> dst rack down -> dst NIC + inter_rack
//   other stamp:        ... -> src stamp up -> dst stamp down -> ... + inter_stamp
//   other region:       ... -> region up -> region down -> ...      + inter_region
//   client endpoint:    client NIC and the stamp links, + client latency (+ inter_region
//                       if the client is in another region)
// Each link has a busy-until time: a message is serialized at the link's bandwidth after
// the messages before it (per-link FIFO queueing), pipelined across the path (it cannot
// leave a link before it has fully left the previous one).
// Fault hooks (driven by faults/ through the Simulation): top-of-rack switches (one
// down halves the rack's bandwidth; both down isolate it), node-group cuts (symmetric or
// one-way partitions between racks, regions or arbitrary node sets), and per-node
// impairments (extra latency, jitter, loss, duplication) that also express clogging.
// Every dropped message is counted by reason and, for cuts and impairments, by fault.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/ids.h"
#include "sim/rng.h"
#include "sim/time.h"
#include "sim/topology.h"
#include "sim/units.h"

namespace sim {

struct LinkSpec {
    Duration latency;
    Bandwidth bandwidth;
};

struct NetworkConfig {
    LinkSpec intra_rack{Duration::micros(20), Bandwidth{25'000'000'000}};
    LinkSpec inter_rack{Duration::micros(100), Bandwidth{100'000'000'000}};
    LinkSpec inter_stamp{Duration::micros(500), Bandwidth{400'000'000'000}};
    LinkSpec inter_region{Duration::millis(30), Bandwidth{100'000'000'000}};
    LinkSpec client{Duration::millis(1), Bandwidth{10'000'000'000}};
};

enum class DropReason : uint8_t { kSrcDown, kDstDown, kRackIsolated, kCut, kLoss, kStale, kCount };
const char* drop_reason_name(DropReason r);

// A fault's handle on the network, for removal and for its effect counters.
struct NetFaultId {
    uint32_t value = 0;
    constexpr auto operator<=>(const NetFaultId&) const = default;
};

class Network {
public:
    Network(const Topology& topology, NetworkConfig config, Rng rng);

    // Called by the Simulation when the topology grows (client endpoints).
    void on_nodes_added();

    struct Route {
        bool delivered = false;
        DropReason reason = DropReason::kCount;
        Time arrive;
        bool duplicate = false;
        Time duplicate_arrive;
    };
    // Computes the fate of one message sent now. Updates link queues, drop counters.
    // `src_up` / `dst_up` are the nodes' power/crash state at send time.
    Route route(NodeId src, NodeId dst, int64_t size_bytes, Time now, bool src_up, bool dst_up);

    // --- fault hooks -----------------------------------------------------------------
    // Top-of-rack switch `which` (0 or 1) of a global rack index.
    void set_tor(int rack, int which, bool up);
    bool rack_isolated(int rack) const { return tor_up_[static_cast<size_t>(rack)] == 0; }
    int tors_up(int rack) const {
        const uint8_t m = tor_up_[static_cast<size_t>(rack)];
        return (m & 1) + ((m >> 1) & 1);
    }
    // Cuts traffic between groups of nodes. group_of[n] is the group of node n or -1
    // (not involved). Symmetric: drop when both are in groups and the groups differ.
    // One-way: drop only from group 0 to group 1.
    NetFaultId add_cut(std::vector<int> group_of, bool one_way, std::string label);
    // Extra latency, jitter (uniform in [0, jitter)), loss and duplication on every
    // message to or from the nodes in `nodes`.
    struct Impairment {
        Duration extra_latency;
        Duration jitter;
        double loss = 0;
        double duplicate = 0;
    };
    NetFaultId add_impairment(const std::vector<NodeId>& nodes, Impairment imp, std::string label);
    void remove(NetFaultId id);
    // Messages a cut or impairment has dropped so far (also after removal).
    uint64_t dropped_by(NetFaultId id) const;

    // --- statistics --------------------------------------------------------------------
    uint64_t dropped(DropReason r) const { return dropped_[static_cast<size_t>(r)]; }
    uint64_t dropped_total() const;
    uint64_t delivered() const { return delivered_; }
    uint64_t bytes_sent() const { return bytes_sent_; }
    // Bytes that entered node n's NIC (tx) so far: load per node.
    uint64_t node_tx_bytes(NodeId n) const { return links_[nic_tx(n)].bytes; }
    uint64_t node_rx_bytes(NodeId n) const { return links_[nic_rx(n)].bytes; }
    const NetworkConfig& config() const { return config_; }

private:
    struct Link {
        int64_t busy_until_ns = 0;
        int64_t bits_per_s = 0;
        uint64_t bytes = 0;
    };
    struct Fault {
        bool active = false;
        bool one_way = false;
        bool is_cut = false;
        std::vector<int> group_of;       // cuts
        std::vector<NodeId> nodes;       // impairments
        Impairment impairment;
        uint64_t dropped = 0;
        std::string label;
    };
    struct NodeImpair {
        Duration extra_latency;
        Duration jitter;
        double loss = 0;
        double duplicate = 0;
        bool any = false;
        std::vector<uint32_t> faults;  // active impairment faults touching this node
    };

    // Layout of links_: racks, stamps, regions, then two per node (so that client
    // endpoints added later only append).
    size_t nic_tx(NodeId n) const { return node_base_ + 2 * static_cast<size_t>(n.value); }
    size_t nic_rx(NodeId n) const { return node_base_ + 2 * static_cast<size_t>(n.value) + 1; }
    size_t rack_up(int rack) const { return 2 * static_cast<size_t>(rack); }
    size_t rack_down(int rack) const { return 2 * static_cast<size_t>(rack) + 1; }
    size_t stamp_up(int s) const { return stamp_base_ + 2 * static_cast<size_t>(s); }
    size_t stamp_down(int s) const { return stamp_base_ + 2 * static_cast<size_t>(s) + 1; }
    size_t region_up(int r) const { return region_base_ + 2 * static_cast<size_t>(r); }
    size_t region_down(int r) const { return region_base_ + 2 * static_cast<size_t>(r) + 1; }

    void build_links();
    void refresh_bandwidth();
    void recompute_impairments();
    void traverse(size_t link, int64_t size_bytes, int64_t* head_ns, int64_t* finish_ns);
    bool cut_blocks(NodeId src, NodeId dst, uint32_t* fault_index) const;

    // Per node, the locality fields route() reads on every message, packed so the hot
    // path does not touch the topology's larger records.
    struct Locality {
        int32_t rack;
        int32_t stamp;
        int32_t region;
        bool is_client;
    };
    void refresh_locality();

    const Topology& topology_;
    NetworkConfig config_;
    std::vector<Locality> locality_;
    Rng rng_;
    std::vector<Link> links_;
    size_t stamp_base_ = 0, region_base_ = 0, node_base_ = 0;
    std::vector<uint8_t> tor_up_;  // per global rack: bit i set while switch i is up
    std::vector<Fault> faults_;
    std::vector<uint32_t> active_cuts_;
    std::vector<NodeImpair> impair_;
    bool any_impairment_ = false;
    uint64_t dropped_[static_cast<size_t>(DropReason::kCount)] = {};
    uint64_t delivered_ = 0;
    uint64_t bytes_sent_ = 0;
};

}  // namespace sim
