// sim/check.h: always-on invariant assertions (the third kind of error).
//
// SIM_ASSERT(cond, message) is on in every build type. A failure throws
// sim::InvariantError; Simulation::run() catches it, adds the seed, simulated time,
// event sequence number and node that were being dispatched, and rethrows it as a
// sim::InvariantViolation. The command line prints that and exits 3. Throwing (rather
// than aborting in place) keeps the kernel free of global state and lets tests and
// sweeps observe a violation as a value.
#pragma once

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>

namespace sim {

class InvariantError : public std::logic_error {
public:
    InvariantError(const std::string& what, const char* file, int line)
        : std::logic_error(what), file_(file), line_(line) {}
    const char* file() const { return file_; }
    int line() const { return line_; }

private:
    const char* file_;
    int line_;
};

// An invariant failure with the run's coordinates. what() is the full report:
// "invariant violated: <message> (sim/network.cpp:88) seed=7 time=12.000000100s event=4411 node=w1/r2/n3"
class InvariantViolation : public std::runtime_error {
public:
    struct Where {
        uint64_t seed = 0;
        int64_t time_ns = 0;
        uint64_t event_seq = 0;
        std::string node;  // empty when no node was being dispatched
    };
    InvariantViolation(const InvariantError& e, Where where);
    const Where& where() const { return where_; }
    const std::string& message() const { return message_; }

private:
    Where where_;
    std::string message_;
};

[[noreturn]] void fail_invariant(const std::string& message, const char* file, int line);

}  // namespace sim

#define SIM_ASSERT(cond, msg)                                            \
    do {                                                                 \
        if (!(cond)) [[unlikely]] {                                      \
            std::ostringstream sim_assert_os_;                           \
            sim_assert_os_ << "`" #cond "` failed: " << msg;             \
            ::sim::fail_invariant(sim_assert_os_.str(), __FILE__, __LINE__); \
        }                                                                \
    } while (0)
