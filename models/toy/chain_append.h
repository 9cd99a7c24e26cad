// models/toy/chain_append.h: the "chain-append" kernel model.
//
// The speed reference shared with ../shared/peers (hand-written loop, ns-3, SimGrid,
// SimPy): N storage nodes, K closed-loop clients. Each client sends an append to a
// primary picked uniformly from its seeded stream; the primary forwards it along a
// chain of 3 (primary, then the next two nodes by index); every hop costs the network
// latency plus a FIFO service at the receiving node; the tail acks the client directly.
// Written on sim::Network and actors like any protocol (it exercises send, timers and
// the message pool), not on raw events. Messages carry no payload bytes, so the
// network adds only latency, as in the peers' definition.
#pragma once

#include <cstdint>

#include "sim/time.h"

namespace models::toy {

struct ChainAppendConfig {
    uint64_t seed = 42;
    int nodes = 60;
    int clients = 200;
    int chain_length = 3;
    sim::Duration hop_latency = sim::Duration::micros(100);
    sim::Duration service = sim::Duration::micros(50);
    sim::Duration horizon = sim::Duration::seconds(1);
};

struct ChainAppendResult {
    uint64_t appends = 0;        // acks that arrived before the horizon
    uint64_t events = 0;         // events the kernel dispatched
    uint64_t fingerprint = 0;
    uint64_t pending_at_end = 0;  // events still queued at the horizon
    double mean_latency_us = 0;  // per completed append
    double wall_s = 0;           // filled by callers that time it
};

ChainAppendResult run_chain_append(const ChainAppendConfig& config);

}  // namespace models::toy
