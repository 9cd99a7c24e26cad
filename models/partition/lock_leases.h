// models/partition/lock_leases.h: leases from the lock service (models/lock) as the
// partition layer's LeaseHolder.
//
// LockLeases forwards to a LockClient on the lock service's replica group, with
// auto-renew on, so a live, connected holder keeps its leases and a holder cut off from
// the service stops believing when its local bound runs out. This is the production
// LeaseFactory of deploy_partition_layer.
#pragma once

#include "models/consensus/config.h"
#include "models/lock/lock_client.h"
#include "models/partition/lease.h"

namespace models::partition {

class LockLeases final : public LeaseHolder {
public:
    LockLeases(sim::Context& ctx, consensus::ReplicaGroup lock_group, lock::LockClientConfig config, int instance)
        : client_(ctx, std::move(lock_group), config, instance) {}
    void acquire(const std::string& lock, GrantCallback callback) override { client_.acquire(lock, std::move(callback)); }
    void release(const std::string& lock) override { client_.release(lock); }
    void retire(const std::string& lock, std::function<void(bool)> done) override {
        client_.retire(lock, std::move(done));
    }
    bool holds(const std::string& lock) override { return client_.holds(lock); }
    uint64_t token(const std::string& lock) const override { return client_.token(lock); }
    bool handle_message(sim::MessagePtr& msg) override { return client_.handle_message(msg); }
    bool handle_timer(uint64_t tag) override { return client_.handle_timer(tag); }

private:
    lock::LockClient client_;
};

// REQUIRES: the lock service's lease equals storage.partition.lease (config.lease).
inline LeaseFactory lock_service_leases(consensus::ReplicaGroup lock_group, lock::LockClientConfig config) {
    return [lock_group = std::move(lock_group), config](sim::Context& ctx, int instance) -> std::unique_ptr<LeaseHolder> {
        return std::make_unique<LockLeases>(ctx, lock_group, config, instance);
    };
}

}  // namespace models::partition
