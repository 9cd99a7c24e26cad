// reports/trace_json.h: trace.json in the Chrome trace event format (opens in Perfetto
// and chrome://tracing), from the kernel's sim::Tracer records and the fault log.
//
// One process ("stampsim"), one track (thread) per node, named by the node's name; spans
// are complete events ("X"), instants are thread-scoped "i" events; timestamps are
// simulated microseconds. Faults get their own track ("faults": one span per fault, from
// start to heal) and an instant on each affected node's track when it starts. Written as
// a stream, one event per line.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "models/observe/faults.h"
#include "sim/trace.h"

namespace reports {

// node_names[i] names NodeId{i}; nodes without a name are "node i".
void write_trace_json(const sim::Tracer* tracer, const std::vector<std::string>& node_names,
                      const models::observe::FaultLog& faults, std::ostream& out);

}  // namespace reports
