// models/client/blob_client.h: simulated blob clients: a workload driver actor that runs
// on a client node outside the stamps and records every operation in the history.
//
// One ClientDriver runs one workload of the scenario:
//  - synthetic: open-loop arrivals (poisson, constant, rate steps) or `clients` closed-loop
//    clients with a think time, drawing operation, key and size from a WorkloadGenerator;
//  - trace: replays a TraceReader (streamed, one operation read ahead);
//  - verify: the run's read-back after the drain, one get per listed blob, `window` at a
//    time (its records are the durability check's evidence).
// Each operation, as a real storage client library does it: resolve the account through
// DNS (cached for the record's TTL), pick one of the stamp's front-ends, sign the request
// with the account key (or wrongly, on purpose, per the workload's auth mode), send, and
// wait up to attempt_timeout. On kBusy, kUnavailable, kTimeout or no answer it retries with
// exponential backoff and jitter, up to max_attempts; on kWrongStamp or a lost attempt it
// drops its DNS entry first. The history gets one record per operation: invoke at the
// first attempt, complete at the final answer, and a status that never claims "not
// applied" for a write an earlier attempt may have applied.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/client/trace_reader.h"
#include "models/client/workload_gen.h"
#include "models/frontend/auth.h"
#include "models/frontend/front_end.h"
#include "models/location/dns.h"
#include "models/observe/history.h"
#include "sim/actor.h"

namespace models::client {

enum class DriverKind : uint8_t { kSynthetic, kTrace, kVerify };

struct VerifyTarget {
    std::string account;
    std::string container;
    std::string blob;
};

// The stamp VIP's load balancer, as the client sees it: every probe_interval each known
// front-end is probed; one that missed `unhealthy_after` probes in a row, or answered that
// it is draining, gets no requests until it answers again (not draining).
struct BalancerPolicy {
    sim::Duration probe_interval = sim::Duration::seconds(1);
    int unhealthy_after = 2;
};

struct RetryPolicy {
    int max_attempts = 4;
    sim::Duration base_backoff = sim::Duration::millis(100);
    sim::Duration max_backoff = sim::Duration::seconds(5);
    sim::Duration attempt_timeout = sim::Duration::seconds(35);
};

struct ClientDriverOptions {
    DriverKind kind = DriverKind::kSynthetic;
    std::string name;  // workload name (RNG stream, trace)
    uint16_t history_workload = 0;
    uint32_t client_base = 0;  // first client number in the history
    observe::History* history = nullptr;  // REQUIRES: non-null, outlives the run
    std::string account;
    std::string container;
    observe::AuthMode auth = observe::AuthMode::kValid;
    frontend::Key key;        // the account's key
    frontend::Key other_key;  // another account's key (auth kOtherAccount)
    // Keys of every account (verify reads blobs of several accounts).
    const std::map<std::string, frontend::Key>* keys = nullptr;
    sim::Address dns;
    sim::Time start;
    sim::Time end;  // no new operations from here on
    // The history's time zero (the start of the load period, after the stamps booted):
    // recorded times are true simulated time minus epoch.
    sim::Time epoch;
    RetryPolicy retry;
    BalancerPolicy balancer;
    // synthetic
    WorkloadSpec spec;
    // trace
    std::string trace_path;
    TraceFormat trace_format = TraceFormat::kAzureFunctionsBlob2020;
    double trace_speed = 1.0;
    // verify
    std::vector<VerifyTarget> verify;
    int window = 64;
    uint32_t list_max_results = 1000;
};

struct ClientDriverStats {
    uint64_t started = 0;
    uint64_t finished = 0;
    uint64_t attempts = 0;
    uint64_t retries = 0;
    uint64_t dns_invalidations = 0;
    uint64_t probes = 0;
    uint64_t avoided_unhealthy = 0;  // requests steered away from a front-end out of rotation
    bool trace_done = false;
};

class ClientDriver final : public sim::Actor {
public:
    ClientDriver(sim::Context& ctx, const ClientDriverOptions& options);
    ~ClientDriver() override;
    void on_start() override;
    void on_message(sim::MessagePtr m) override;
    void on_timer(uint64_t tag) override;

    const ClientDriverStats& stats() const { return stats_; }
    size_t in_flight() const { return ops_.size(); }
    // Verify and trace drivers: everything issued and answered.
    bool done() const;

private:
    struct Op {
        uint64_t history_id = 0;
        partition::BlobOp op = partition::BlobOp::kGet;
        std::string account;
        std::string container;
        std::string blob;
        int64_t size_bytes = 0;
        uint64_t fingerprint = 0;
        int attempts = 0;
        uint64_t attempt_seq = 0;
        uint64_t request_id = 0;
        bool maybe_applied = false;
        int closed_client = -1;  // closed loop: which client issues the next one
    };

    void schedule_next_arrival();
    void start_synthetic(int closed_client);
    void start_trace_op();
    void start_verify_ops();
    uint64_t start(Op op);
    void attempt(uint64_t id);
    void send_to(uint64_t id, const location::DnsRecord& record);
    void on_reply(const frontend::ClientReply& r);
    void retry_or_finish(uint64_t id, observe::OpStatus final_status);
    void finish(uint64_t id, observe::OpStatus status, uint64_t fingerprint = 0, int64_t size_bytes = 0,
                const std::vector<std::string>* listed = nullptr);
    const frontend::Key& key_of(const std::string& account) const;
    sim::Address pick_front_end(const std::vector<sim::Address>& front_ends);
    void probe_front_ends();
    sim::Time history_now() const { return sim::Time::zero() + (ctx().true_now() - options_.epoch); }

    const ClientDriverOptions& options_;
    ClientDriverStats stats_;
    location::DnsResolver dns_;
    std::optional<WorkloadGenerator> gen_;
    std::unique_ptr<TraceReader> trace_;
    std::optional<TraceOp> next_trace_op_;
    sim::Rng rng_;  // backoff jitter, front-end choice, content fingerprints
    std::map<uint64_t, Op> ops_;
    std::map<uint64_t, uint64_t> by_request_;  // request id -> op id
    uint64_t next_op_ = 1;
    uint64_t next_request_ = 1;
    size_t verify_next_ = 0;
    std::vector<observe::StringId> list_scratch_;
    struct Health {
        int missed = 0;            // probes in a row without an answer
        uint64_t outstanding = 0;  // the probe waiting for its answer (0: none)
    };
    std::map<sim::Address, Health> health_;
    uint64_t next_probe_ = 1;
    bool probing_ = false;
};

std::unique_ptr<sim::Actor> make_client_driver(sim::Context& ctx, const ClientDriverOptions& options);

}  // namespace models::client
