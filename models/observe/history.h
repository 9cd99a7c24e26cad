// models/observe/history.h: the operation history that clients record, one record per
// client operation, for reports/ to compute latency, availability and the checks from.
//
// Data only: models (the client, the run's read-back "verify" workload) append, reports
// read. Records are plain structs with interned strings (StringId) so that appending is a
// push_back, no allocation per operation in steady state once reserve() has been called.
// Times are true simulated time (not a node's skewed clock). Owned by the run (app/), which
// hands it to reports/ when the run has finished.
//
// Invariants: every record's id equals its index in ops(); complete >= invoke once the
// operation has finished; list keys of operation i are list_keys()[list_begin, +list_count).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/time.h"

namespace models::observe {

enum class OpKind : uint8_t { kPut, kGet, kDelete, kList, kHead };
inline constexpr int kOpKindCount = 5;

// What the client saw. kPending: invoked, never finished (the run ended first); the run
// should call History::close_pending() before reporting, which turns them into kTimeout.
enum class OpStatus : uint8_t {
    kPending,
    kOk,
    kNotFound,      // get/head/delete of a blob that does not exist (a definite answer)
    kFailed,        // the service answered with an error (server error, not mine, ...)
    kTimeout,       // no answer before the client's timeout
    kBusy,          // throttled / rejected before being applied (server busy, 503)
    kRejectedAuth,  // 403: the signature, the key or the account did not check out
};

// How the workload signs its requests (scenario `auth`), so the auth check knows which
// successes are forbidden.
enum class AuthMode : uint8_t { kValid, kInvalid, kNone, kOtherAccount };

// Whether a write took effect, as a linearizability checker must see it. Jepsen's :info:
// a timeout or a server error after the request was sent may or may not have been applied.
enum class Outcome : uint8_t { kApplied, kNotApplied, kUnknown };

struct StringId {
    uint32_t value = 0;
    constexpr auto operator<=>(const StringId&) const = default;
};

// Interns strings (account, container, blob names, workload names) to dense ids.
// Id 0 is always the empty string.
class StringTable {
public:
    StringTable() { intern(""); }
    StringId intern(std::string_view text);
    const std::string& str(StringId id) const { return strings_[id.value]; }
    size_t size() const { return strings_.size(); }

private:
    std::vector<std::string> strings_;
    std::map<std::string, uint32_t, std::less<>> index_;
};

struct WorkloadInfo {
    std::string name;
    AuthMode auth = AuthMode::kValid;
    // The read-back the run performs after the drain (one get per key ever written):
    // its records are the durability check's evidence and are left out of the ops,
    // latency and availability statistics.
    bool verify = false;
};

struct Operation {
    uint64_t id = 0;        // index in History::ops()
    uint32_t client = 0;    // simulated client number (dense, per run)
    uint16_t workload = 0;  // index in History::workloads()
    OpKind kind = OpKind::kGet;
    OpStatus status = OpStatus::kPending;
    StringId account;
    StringId container;
    StringId blob;  // the blob name; for list, the prefix
    sim::Time invoke;
    sim::Time complete;  // == invoke while pending
    // put: the content written. get/head with kOk: the content observed. Otherwise 0.
    uint64_t fingerprint = 0;
    int64_t size_bytes = 0;
    // list only: keys returned, bounded by History::kMaxListKeys (list_truncated then).
    uint32_t list_begin = 0;
    uint32_t list_count = 0;
    bool list_truncated = false;

    bool is_write() const { return kind == OpKind::kPut || kind == OpKind::kDelete; }
    bool is_read() const { return kind == OpKind::kGet || kind == OpKind::kHead; }
    sim::Duration latency() const { return complete - invoke; }
};

// For a put or delete: did it take effect? kOk (and kNotFound for delete: the blob is
// absent afterwards either way) is applied; kBusy, kRejectedAuth and kNotFound for put
// were refused before any effect; kFailed, kTimeout and kPending are unknown.
Outcome write_outcome(const Operation& op);

class History {
public:
    static constexpr uint32_t kMaxListKeys = 1000;

    void reserve(size_t ops) { ops_.reserve(ops); }
    StringTable& strings() { return strings_; }
    const StringTable& strings() const { return strings_; }

    // Registers a workload; returns its index for Operation::workload.
    uint16_t add_workload(WorkloadInfo info);
    const std::vector<WorkloadInfo>& workloads() const { return workloads_; }

    // Records an invocation; returns its id. The caller fills kind, client, workload,
    // names, invoke, and for put the fingerprint and size written.
    uint64_t begin(Operation op);
    // Finishes operation id. REQUIRES: id was returned by begin() and is still pending.
    void finish(uint64_t id, sim::Time complete, OpStatus status, uint64_t fingerprint = 0,
                int64_t size_bytes = 0);
    // For a finished list: the keys returned (at most kMaxListKeys kept).
    void set_list_keys(uint64_t id, const std::vector<StringId>& keys);
    // Appends a finished operation in one call (tests, recorded data, the verify pass).
    uint64_t append(Operation op);
    // Every still-pending operation becomes kTimeout completing at `end`.
    void close_pending(sim::Time end);

    const std::vector<Operation>& ops() const { return ops_; }
    Operation& op(uint64_t id) { return ops_[id]; }
    const Operation& op(uint64_t id) const { return ops_[id]; }
    const std::vector<StringId>& list_keys() const { return list_keys_; }
    const std::string& str(StringId id) const { return strings_.str(id); }

private:
    StringTable strings_;
    std::vector<WorkloadInfo> workloads_;
    std::vector<Operation> ops_;
    std::vector<StringId> list_keys_;
};

std::string_view to_string(OpKind kind);      // "put", "get", "delete", "list", "head"
std::string_view to_string(OpStatus status);  // "ok", "not_found", "failed", "timeout", ...
std::string_view to_string(AuthMode mode);    // "valid", "invalid", "none", "other_account"

}  // namespace models::observe
