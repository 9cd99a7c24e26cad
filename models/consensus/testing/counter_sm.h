// models/consensus/testing/counter_sm.h: the test state machine of the chaos runs.
//
// Each command is (client, n): client's n-th command. The state is the number of
// commands applied, a hash chain over them and each client's last n. apply() asserts
// n == last + 1: a client sends its commands one at a time and retries each until it
// succeeds, so any duplicate, loss or reordering of a client's commands fails here.
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "models/consensus/state_machine.h"

namespace models::consensus::testing {

struct AddCommand final : Command {
    AddCommand(uint64_t c, uint64_t k) : client(c), n(k) {}
    uint64_t client = 0;
    uint64_t n = 0;
    std::string_view name() const override { return "test.add"; }
};

struct CountResult final : Result {
    explicit CountResult(uint64_t c) : count(c) {}
    uint64_t count = 0;
};

struct CounterSnapshot final : Snapshot {
    uint64_t count = 0;
    uint64_t hash = 0;
    std::map<uint64_t, uint64_t> last_n;
    int64_t size_bytes() const override { return 64 + 16 * static_cast<int64_t>(last_n.size()); }
};

class CounterStateMachine final : public StateMachine {
public:
    ResultPtr apply(const Command& command, const ApplyContext& ctx) override;
    SnapshotPtr snapshot() const override;
    void restore(const Snapshot& s) override;
    uint64_t count() const { return count_; }
    uint64_t hash() const { return hash_; }

private:
    uint64_t count_ = 0;
    uint64_t hash_ = 0;
    std::map<uint64_t, uint64_t> last_n_;
};

}  // namespace models::consensus::testing
