// app/planted_bugs.h: the single `--set debug.bug=NAME` switch over every layer's
// planted bugs.
//
// Each layer keeps its own bug flags and parse-from-name (models/consensus Bugs,
// models/stream StreamBug, models/partition PartitionBug, the front-end's flags); this
// is the one place that knows all their names, validates a scenario's `debug.bug`, and
// turns one name on in the configs a run builds. Production runs have none.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "models/consensus/config.h"
#include "models/frontend/front_end.h"
#include "models/lock/lock_client.h"
#include "models/partition/config.h"
#include "models/stream/config.h"

namespace app {

// Every name `debug.bug` accepts, in a stable order (the README's table).
const std::vector<std::string>& planted_bug_names();
bool is_planted_bug(std::string_view name);

// The configs of one run that a planted bug may switch on.
struct BugTargets {
    models::consensus::RaftConfig* raft = nullptr;       // stream and partition managers
    models::lock::LockClientConfig* lock_client = nullptr;
    models::stream::StreamConfig* stream = nullptr;
    models::partition::PartitionConfig* partition = nullptr;
    models::frontend::FrontEndOptions* front_end = nullptr;
};

// Turns `name` on. REQUIRES: name is empty (nothing to do) or is_planted_bug(name).
void apply_planted_bug(std::string_view name, const BugTargets& targets);

}  // namespace app
