#include "models/location/dns.h"

#include "models/location/location_service.h"

namespace models::location {

DnsServer::DnsServer(sim::Context& ctx, sim::Duration ttl, sim::Address location_service)
    : Actor(ctx), ttl_(ttl), location_service_(location_service) {}

void DnsServer::on_start() {
    // Volatile records: ask the location service for all of them.
    ctx().send(location_service_, ctx().make<RecordsRequest>());
}

void DnsServer::on_message(sim::MessagePtr m) {
    if (m->is<DnsUpdate>()) {
        const DnsRecord& r = m->as<DnsUpdate>().record;
        auto it = records_.find(r.account);
        if (it == records_.end() || it->second.version <= r.version) records_[r.account] = r;
        return;
    }
    if (m->is<DnsQuery>()) {
        const auto& q = m->as<DnsQuery>();
        auto answer = ctx().make<DnsAnswer>();
        answer->query_id = q.query_id;
        answer->ttl = ttl_;
        if (auto it = records_.find(q.account); it != records_.end()) {
            answer->found = true;
            answer->record = it->second;
        } else {
            answer->record.account = q.account;
        }
        ctx().send(m->src, std::move(answer));
    }
}

DnsResolver::DnsResolver(sim::Context& ctx, sim::Address server, sim::Duration retry)
    : ctx_(ctx), server_(server), retry_(retry) {}

void DnsResolver::resolve(const std::string& account, Callback callback) {
    if (auto it = cache_.find(account); it != cache_.end() && it->second.expires > ctx_.now()) {
        ++cache_hits_;
        callback(it->second.found ? &it->second.record : nullptr);
        return;
    }
    if (auto p = pending_by_account_.find(account); p != pending_by_account_.end()) {
        pending_[p->second].callbacks.push_back(std::move(callback));
        return;
    }
    const uint64_t id = next_id_++;
    pending_[id] = Pending{account, {std::move(callback)}};
    pending_by_account_[account] = id;
    send_query(id);
}

void DnsResolver::send_query(uint64_t id) {
    auto q = ctx_.make<DnsQuery>();
    q->account = pending_[id].account;
    q->query_id = id;
    ++queries_sent_;
    ctx_.send(server_, std::move(q));
    ctx_.set_timer(retry_, kTimerTagSpace | id);
}

void DnsResolver::invalidate(const std::string& account) { cache_.erase(account); }

bool DnsResolver::handle_message(sim::MessagePtr& m) {
    if (!m->is<DnsAnswer>()) return false;
    const auto& a = m->as<DnsAnswer>();
    auto it = pending_.find(a.query_id);
    if (it == pending_.end()) return true;  // a duplicate or late answer
    Pending done = std::move(it->second);
    pending_.erase(it);
    pending_by_account_.erase(done.account);
    // Only positive answers are cached: an account not yet published is asked again.
    if (a.found) cache_[done.account] = Entry{a.record, true, ctx_.now() + a.ttl};
    const DnsRecord record = a.record;
    for (auto& cb : done.callbacks) cb(a.found ? &record : nullptr);
    return true;
}

bool DnsResolver::handle_timer(uint64_t tag) {
    if ((tag & kTimerTagSpace) == 0) return false;
    const uint64_t id = tag & ~kTimerTagSpace;
    if (pending_.count(id) != 0) send_query(id);
    return true;
}

}  // namespace models::location
