#include "models/consensus/safety.h"

#include "sim/check.h"
#include "sim/rng.h"

namespace models::consensus {

uint64_t SafetyRecorder::entry_fingerprint(uint64_t term, uint64_t client_id, uint64_t seq) {
    return sim::mix64(sim::mix64(term) ^ sim::mix64(client_id * 0x9e3779b97f4a7c15ULL + seq));
}

void SafetyRecorder::on_leader(const std::string& group, uint64_t term, int replica) {
    GroupRecord& g = groups_[group];
    auto [it, inserted] = g.leader_of_term.emplace(term, replica);
    SIM_ASSERT(inserted || it->second == replica,
               "election safety: group " << group << " term " << term << " has two leaders: replica " << it->second
                                         << " and replica " << replica);
    ++leaders_;
}

void SafetyRecorder::check_leader_log(const std::string& group, int replica, uint64_t term, uint64_t snapshot_index,
                                      const std::vector<uint64_t>& fingerprints) {
    GroupRecord& g = groups_[group];
    const uint64_t last = snapshot_index + fingerprints.size();
    for (uint64_t i = snapshot_index + 1; i <= g.committed.size(); ++i) {
        if (g.commit_term[static_cast<size_t>(i - 1)] >= term) continue;
        SIM_ASSERT(i <= last, "leader completeness: group " << group << " new leader " << replica << " of term " << term
                                                             << " has log up to " << last << " but index " << i
                                                             << " was committed in term " << g.commit_term[static_cast<size_t>(i - 1)]);
        SIM_ASSERT(fingerprints[static_cast<size_t>(i - snapshot_index - 1)] == g.committed[static_cast<size_t>(i - 1)],
                   "leader completeness: group " << group << " new leader " << replica << " of term " << term
                                                 << " has a different entry at committed index " << i);
    }
}

void SafetyRecorder::on_commit(const std::string& group, uint64_t index, uint64_t fingerprint, uint64_t term) {
    GroupRecord& g = groups_[group];
    if (index <= g.committed.size()) {
        SIM_ASSERT(g.committed[static_cast<size_t>(index - 1)] == fingerprint,
                   "state-machine safety: group " << group << " index " << index << " committed twice with different entries");
        return;
    }
    SIM_ASSERT(index == g.committed.size() + 1, "group " << group << " commits index " << index << " after " << g.committed.size());
    g.committed.push_back(fingerprint);
    g.commit_term.push_back(term);
}

void SafetyRecorder::on_apply(const std::string& group, int replica, uint64_t index, uint64_t fingerprint) {
    GroupRecord& g = groups_[group];
    uint64_t& last = g.applied[replica];
    SIM_ASSERT(index == last + 1, "group " << group << " replica " << replica << " applies index " << index << " after " << last);
    SIM_ASSERT(index <= g.committed.size(),
               "group " << group << " replica " << replica << " applies index " << index << " that is not committed (" << g.committed.size() << ")");
    SIM_ASSERT(g.committed[static_cast<size_t>(index - 1)] == fingerprint,
               "state-machine safety: group " << group << " replica " << replica << " applies at index " << index
                                              << " an entry other than the committed one");
    last = index;
}

void SafetyRecorder::on_reset_applied(const std::string& group, int replica, uint64_t applied_index) {
    GroupRecord& g = groups_[group];
    SIM_ASSERT(applied_index <= g.committed.size() || applied_index == 0,
               "group " << group << " replica " << replica << " restores to " << applied_index << " beyond the committed " << g.committed.size());
    g.applied[replica] = applied_index;
}

void SafetyRecorder::on_truncate(const std::string& group, int replica, uint64_t from_index, const std::vector<uint64_t>& removed) {
    GroupRecord& g = groups_[group];
    for (size_t k = 0; k < removed.size(); ++k) {
        const uint64_t index = from_index + k;
        if (index > g.committed.size()) break;
        SIM_ASSERT(g.committed[static_cast<size_t>(index - 1)] != removed[k],
                   "committed entry lost: group " << group << " replica " << replica << " truncates committed index " << index);
    }
}

uint64_t SafetyRecorder::max_committed(const std::string& group) const {
    auto it = groups_.find(group);
    return it == groups_.end() ? 0 : it->second.committed.size();
}

void SafetyRecorder::on_lease_belief(const std::string& lock, uint64_t holder, uint64_t token, bool believes, sim::Time true_now) {
    LockRecord& l = locks_[lock];
    bool& open = l.open[holder];
    if (!believes) {
        open = false;
        return;
    }
    ++lease_observations_;
    Belief& b = l.latest[holder];
    if (!open || b.token != token) {
        for (const auto& [other, ob] : l.latest) {
            SIM_ASSERT(other == holder || ob.token < token, "fencing: lock " << lock << " holder " << holder << " starts with token " << token
                                                                             << " after holder " << other << " held token " << ob.token);
        }
        b = Belief{token, true_now, true_now};
    }
    open = true;
    b.last = true_now;
    // Events come in true-time order, so another holder's interval [a', b'] overlaps
    // this one [start, now] exactly when b' >= start.
    for (const auto& [other, ob] : l.latest) {
        if (other == holder) continue;
        SIM_ASSERT(ob.last < b.start, "lease safety: lock " << lock << " held by " << holder << " (token " << token << ") since "
                                                            << b.start.to_string() << " and by " << other << " (token " << ob.token
                                                            << ") until " << ob.last.to_string());
    }
}

}  // namespace models::consensus
