// models/ports.h: the service ports of every model, in one place so that two
// services on one node never collide. Each layer owns a range; add names within it.
#pragma once

#include "sim/ids.h"

namespace models::ports {

// 1-9: kernel models and tests (models/toy, tests/).
constexpr sim::Port kToy = 1;

// 10-29: consensus groups and the lock service.
constexpr sim::Port kConsensusFirst = 10;
constexpr sim::Port kConsensusLast = 29;
constexpr sim::Port kStreamManagerRaft = 10;     // stream manager replicas (embedded RaftCore)
constexpr sim::Port kPartitionManagerRaft = 11;  // partition manager replicas
constexpr sim::Port kLockService = 12;           // lock service replicas (RaftReplica)
constexpr sim::Port kConsensusTest = 13;         // tests and bench of models/consensus
constexpr sim::Port kConsensusTestClient = 14;   // their clients

// 30-49: stream layer.
constexpr sim::Port kStreamFirst = 30;
constexpr sim::Port kStreamLast = 49;
constexpr sim::Port kExtentNode = 30;
// The stream manager runs on kStreamManagerRaft (its actor embeds the Raft replica).
constexpr sim::Port kStreamTestClient = 32;  // tests and benchmarks: a client driving appends

// 50-69: partition layer.
constexpr sim::Port kPartitionFirst = 50;
constexpr sim::Port kPartitionLast = 69;

// 70-79: front-ends. 80-89: location service and DNS. 90-99: clients.
constexpr sim::Port kFrontEndFirst = 70;
constexpr sim::Port kLocationFirst = 80;
constexpr sim::Port kClientFirst = 90;

}  // namespace models::ports
