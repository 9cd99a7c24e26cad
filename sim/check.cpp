#include "sim/check.h"

#include "sim/time.h"

namespace sim {

namespace {
std::string describe(const InvariantError& e, const InvariantViolation::Where& w) {
    std::ostringstream os;
    os << "invariant violated: " << e.what() << " (" << e.file() << ":" << e.line() << ")"
       << " seed=" << w.seed << " time=" << Time::from_ns(w.time_ns).to_string() << " event=" << w.event_seq;
    if (!w.node.empty()) os << " node=" << w.node;
    return os.str();
}
}  // namespace

InvariantViolation::InvariantViolation(const InvariantError& e, Where where)
    : std::runtime_error(describe(e, where)), where_(std::move(where)), message_(e.what()) {}

void fail_invariant(const std::string& message, const char* file, int line) {
    throw InvariantError(message, file, line);
}

}  // namespace sim
