#include "models/consensus/raft.h"

#include <algorithm>
#include <utility>

#include "models/consensus/safety.h"
#include "sim/check.h"
#include "sim/simulation.h"

namespace models::consensus {

namespace {

// Tag layout inside kRaftTagSpace: kind in bits 48..55, value below.
enum TagKind : uint64_t { kTagElection = 1, kTagHeartbeat = 2, kTagIo = 3 };
constexpr uint64_t tag(TagKind kind, uint64_t value = 0) { return kRaftTagSpace | (kind << 48) | value; }
constexpr TagKind tag_kind(uint64_t t) { return static_cast<TagKind>((t >> 48) & 0xff); }
constexpr uint64_t tag_value(uint64_t t) { return t & ((1ull << 48) - 1); }

constexpr int64_t kHardStateBytes = 32;

uint64_t fingerprint_of(const Entry& e) { return SafetyRecorder::entry_fingerprint(e.term, e.client_id, e.seq); }

}  // namespace

const char* role_name(Role r) {
    switch (r) {
        case Role::kFollower: return "follower";
        case Role::kCandidate: return "candidate";
        case Role::kLeader: return "leader";
        case Role::kStopped: return "stopped";
    }
    return "?";
}

RaftCore::RaftCore(sim::Context& ctx, ReplicaGroup group, int self, RaftConfig config, StateMachineFactory factory)
    : ctx_(ctx),
      group_(std::move(group)),
      self_(self),
      config_(std::move(config)),
      factory_(std::move(factory)),
      sm_(factory_()),
      durable_(ctx.durable<RaftDurable>("raft/" + group_.name)) {
    SIM_ASSERT(self_ >= 0, "replica index " << self_);
    SIM_ASSERT(self_ < static_cast<int>(group_.members.size()), "replica index " << self_ << " of " << group_.members.size());
    SIM_ASSERT(group_.members[static_cast<size_t>(self_)] == ctx.self(), "member " << self_ << " of " << group_.name << " is not this actor");
    SIM_ASSERT(config_.election_timeout_min > config_.heartbeat, "election timeout must exceed the heartbeat");
    const size_t n = group_.members.size();
    votes_.assign(n, false);
    next_index_.assign(n, 1);
    match_index_.assign(n, 0);
    acked_probe_.assign(n, 0);
    last_ack_.assign(n, sim::Time{});
    probe_sent_at_.assign(kProbeRing, sim::Time{});
}

RaftCore::~RaftCore() = default;

// --- start and recovery -----------------------------------------------------------------------

void RaftCore::start() {
    load_durable();
    // Restart stickiness: behave as if a leader was just heard from, so a node that
    // restarts cannot hand out a vote that a live leader's lease relies on.
    last_leader_contact_ = ctx_.now();
    reset_election_timer();
}

void RaftCore::load_durable() {
    if (durable_.initialized) {
        term_ = durable_.term;
        voted_for_ = durable_.voted_for;
        if (durable_.snapshot) {
            const RaftSnapshot& s = *durable_.snapshot;
            snapshot_ = durable_.snapshot;
            snapshot_index_ = s.index;
            snapshot_term_ = s.term;
            if (s.state) sm_->restore(*s.state);
            sessions_.clear();
            for (const auto& [id, sess] : s.sessions) sessions_[id] = sess;
        }
        log_ = durable_.entries;
        persisted_log_last_ = last_index();
    } else {
        // An empty durable image on a disk that has been failed or replaced: this replica
        // may have voted and acknowledged in its earlier life (see the header).
        amnesiac_ = ctx_.disk().generation() > 0;
        persist_hard_state();
    }
    commit_index_ = snapshot_index_;
    last_applied_ = snapshot_index_;
    if (config_.recorder) config_.recorder->on_reset_applied(group_.name, self_, last_applied_);
}

// --- event entry points -----------------------------------------------------------------------

bool RaftCore::handle_message(sim::MessagePtr& msg) {
    if (msg->is<ClientRequest>()) {
        on_client_request(sim::message_cast<ClientRequest>(std::move(msg)));
        return true;
    }
    const bool raft = msg->is<RequestVote>() || msg->is<VoteReply>() || msg->is<AppendEntries>() ||
                      msg->is<AppendReply>() || msg->is<InstallSnapshot>();
    if (!raft) return false;
    if (role_ == Role::kStopped) return true;
    if (msg->is<RequestVote>()) {
        on_request_vote(msg->as<RequestVote>());
    } else if (msg->is<VoteReply>()) {
        on_vote_reply(msg->as<VoteReply>());
    } else if (msg->is<AppendEntries>()) {
        on_append_entries(sim::message_cast<AppendEntries>(std::move(msg)));
    } else if (msg->is<AppendReply>()) {
        on_append_reply(msg->as<AppendReply>());
    } else {
        on_install_snapshot(msg->as<InstallSnapshot>());
    }
    return true;
}

bool RaftCore::handle_timer(uint64_t t) {
    if (!owns_tag(t)) return false;
    if (role_ == Role::kStopped) return true;
    switch (tag_kind(t)) {
        case kTagElection:
            election_timer_ = sim::TimerId{};
            if (role_ != Role::kLeader) become_candidate();
            break;
        case kTagHeartbeat:
            heartbeat_timer_ = sim::TimerId{};
            if (role_ == Role::kLeader) on_heartbeat_timer();
            break;
        default:
            SIM_ASSERT(false, "unknown raft timer tag " << t);
    }
    return true;
}

bool RaftCore::handle_io(uint64_t t, sim::IoStatus status) {
    if (!owns_tag(t)) return false;
    SIM_ASSERT(tag_kind(t) == kTagIo, "unknown raft io tag " << t);
    if (role_ == Role::kStopped) return true;
    if (status != sim::IoStatus::kOk) {
        stop_for_disk_failure();
        return true;
    }
    const uint64_t upto = tag_value(t);
    SIM_ASSERT(upto == submitted_seq_, "disk write " << upto << " completed, expected " << submitted_seq_);
    write_in_flight_ = false;
    while (!pending_ops_.empty() && pending_ops_.front().seq <= upto) {
        apply_to_durable(pending_ops_.front());
        if (pending_ops_.front().kind != PersistOp::Kind::kHardState) {
            persisted_log_last_ = pending_ops_.front().log_last;
        }
        persisted_seq_ = pending_ops_.front().seq;
        pending_ops_.pop_front();
    }
    if (!pending_ops_.empty()) submit_write();
    flush_outbox();
    if (role_ == Role::kLeader && !config_.bugs.has(Bug::kAckBeforePersist)) {
        match_index_[static_cast<size_t>(self_)] = std::min(persisted_log_last_, last_index());
        advance_commit();
    }
    return true;
}

// --- roles ------------------------------------------------------------------------------------

void RaftCore::reset_election_timer() {
    if (election_timer_.valid()) ctx_.cancel_timer(election_timer_);
    const int64_t lo = config_.election_timeout_min.ns();
    const int64_t hi = config_.election_timeout_max.ns();
    election_timer_ = ctx_.set_timer(sim::Duration::nanos(ctx_.rng().uniform_int(lo, hi)), tag(kTagElection));
}

void RaftCore::become_follower(uint64_t term) {
    if (term > term_) {
        term_ = term;
        voted_for_ = -1;
        persist_hard_state();
    }
    if (role_ == Role::kLeader) step_down_leader();
    role_ = Role::kFollower;
    if (!election_timer_.valid()) reset_election_timer();
}

void RaftCore::step_down_leader() {
    role_ = Role::kFollower;
    if (heartbeat_timer_.valid()) ctx_.cancel_timer(heartbeat_timer_);
    heartbeat_timer_ = sim::TimerId{};
    fail_waiters(Status::kUnknown);
    proposed_by_client_.clear();
    leader_hint_ = -1;
    sm_->on_role_change(false, ctx_.now());
    reset_election_timer();
}

void RaftCore::become_candidate() {
    if (amnesiac_) {
        reset_election_timer();
        return;
    }
    ++term_;
    voted_for_ = self_;
    role_ = Role::kCandidate;
    leader_hint_ = -1;
    persist_hard_state();
    std::fill(votes_.begin(), votes_.end(), false);
    votes_[static_cast<size_t>(self_)] = true;
    for (int p = 0; p < static_cast<int>(group_.members.size()); ++p) {
        if (p == self_) continue;
        auto m = ctx_.make<RequestVote>();
        m->term = term_;
        m->candidate = self_;
        m->last_log_index = last_index();
        m->last_log_term = term_at(last_index());
        send_after_persist(group_.members[static_cast<size_t>(p)], std::move(m));
    }
    reset_election_timer();
}

void RaftCore::become_leader() {
    role_ = Role::kLeader;
    leader_hint_ = self_;
    if (election_timer_.valid()) ctx_.cancel_timer(election_timer_);
    election_timer_ = sim::TimerId{};
    const sim::Time now = ctx_.now();
    for (size_t p = 0; p < group_.members.size(); ++p) {
        next_index_[p] = last_index() + 1;
        match_index_[p] = 0;
        acked_probe_[p] = 0;
        last_ack_[p] = now;
    }
    match_index_[static_cast<size_t>(self_)] =
        config_.bugs.has(Bug::kAckBeforePersist) ? last_index() : std::min(persisted_log_last_, last_index());
    lease_until_ = sim::Time{};
    if (config_.recorder) {
        config_.recorder->on_leader(group_.name, term_, self_);
        record_leader_log();
    }
    sm_->on_role_change(true, now);
    if (config_.leader_noop) append_local(Entry{term_, last_index() + 1, 0, 0, nullptr});
    on_heartbeat_timer();
}

void RaftCore::record_leader_log() {
    std::vector<uint64_t> fps;
    fps.reserve(log_.size());
    for (const Entry& e : log_) fps.push_back(fingerprint_of(e));
    config_.recorder->check_leader_log(group_.name, self_, term_, snapshot_index_, fps);
}

void RaftCore::on_heartbeat_timer() {
    const sim::Time now = ctx_.now();
    // Check quorum: a leader that has not heard from a majority within the minimum
    // election timeout may have been replaced; it steps down so clients look elsewhere.
    int recent = 0;
    for (size_t p = 0; p < group_.members.size(); ++p) {
        if (static_cast<int>(p) == self_ || now - last_ack_[p] < config_.election_timeout_min) ++recent;
    }
    if (recent < group_.quorum()) {
        step_down_leader();
        return;
    }
    ++probe_;
    probe_sent_at_[probe_ % kProbeRing] = now;
    acked_probe_[static_cast<size_t>(self_)] = probe_;
    broadcast_append(true);
    heartbeat_timer_ = ctx_.set_timer(config_.heartbeat, tag(kTagHeartbeat));
}

bool RaftCore::can_serve_reads() const {
    return role_ == Role::kLeader && ctx_.now() < lease_until_;
}

// --- votes ------------------------------------------------------------------------------------

void RaftCore::on_request_vote(const RequestVote& m) {
    const sim::Time now = ctx_.now();
    auto reply = ctx_.make<VoteReply>();
    reply->from = self_;
    // Leader stickiness: while a live leader is known, vote requests are ignored
    // (without adopting their term), so a partitioned node cannot depose it.
    const bool sticky = role_ == Role::kLeader ||
                        (role_ == Role::kFollower && now - last_leader_contact_ < config_.election_timeout_min);
    if (m.term < term_ || (sticky && m.term > term_)) {
        reply->term = term_;
        send_after_persist(group_.members[static_cast<size_t>(m.candidate)], std::move(reply));
        return;
    }
    if (m.term > term_) become_follower(m.term);
    const uint64_t my_last = last_index();
    const uint64_t my_last_term = term_at(my_last);
    const bool up_to_date = m.last_log_term > my_last_term || (m.last_log_term == my_last_term && m.last_log_index >= my_last);
    const bool free_vote = voted_for_ == -1 || voted_for_ == m.candidate || config_.bugs.has(Bug::kVoteTwice);
    reply->term = term_;
    if (role_ != Role::kLeader && free_vote && up_to_date && !amnesiac_) {
        voted_for_ = m.candidate;
        persist_hard_state();
        reply->granted = true;
        reset_election_timer();
    }
    send_after_persist(group_.members[static_cast<size_t>(m.candidate)], std::move(reply));
}

void RaftCore::on_vote_reply(const VoteReply& m) {
    if (m.term > term_) {
        become_follower(m.term);
        return;
    }
    if (role_ != Role::kCandidate || m.term != term_ || !m.granted) return;
    votes_[static_cast<size_t>(m.from)] = true;
    const int count = static_cast<int>(std::count(votes_.begin(), votes_.end(), true));
    if (count >= group_.quorum()) become_leader();
}

// --- replication (leader) ------------------------------------------------------------------------

void RaftCore::append_local(Entry e) {
    SIM_ASSERT(e.index == last_index() + 1, "append at " << e.index << " after " << last_index());
    log_.push_back(std::move(e));
    persist_entries(last_index());
    if (config_.bugs.has(Bug::kAckBeforePersist)) match_index_[static_cast<size_t>(self_)] = last_index();
}

void RaftCore::broadcast_append(bool heartbeat) {
    for (int p = 0; p < static_cast<int>(group_.members.size()); ++p) {
        if (p != self_) send_append(p, heartbeat);
    }
}

void RaftCore::send_append(int peer, bool heartbeat) {
    const size_t pi = static_cast<size_t>(peer);
    if (next_index_[pi] <= snapshot_index_) {
        auto m = ctx_.make<InstallSnapshot>();
        m->term = term_;
        m->leader = self_;
        m->leader_commit = commit_index_;
        m->snapshot = snapshot_;
        m->size_bytes = 64 + snapshot_->size_bytes();
        next_index_[pi] = snapshot_index_ + 1;
        send_to(peer, std::move(m));
        return;
    }
    const uint64_t last = last_index();
    if (!heartbeat && next_index_[pi] > last) return;  // nothing new
    auto m = ctx_.make<AppendEntries>();
    m->term = term_;
    m->leader = self_;
    m->prev_index = next_index_[pi] - 1;
    m->prev_term = term_at(m->prev_index);
    m->leader_commit = commit_index_;
    m->probe = probe_;
    const uint64_t end = std::min(last, m->prev_index + static_cast<uint64_t>(config_.max_batch_entries));
    int64_t bytes = 64;
    for (uint64_t i = m->prev_index + 1; i <= end; ++i) {
        m->entries.push_back(entry(i));
        bytes += m->entries.back().size_bytes();
    }
    m->size_bytes = bytes;
    next_index_[pi] = end + 1;
    send_to(peer, std::move(m));
}

void RaftCore::on_append_reply(const AppendReply& m) {
    if (m.term > term_) {
        become_follower(m.term);
        return;
    }
    if (role_ != Role::kLeader || m.term != term_) return;
    const size_t p = static_cast<size_t>(m.from);
    last_ack_[p] = ctx_.now();
    if (m.probe > acked_probe_[p]) {
        acked_probe_[p] = m.probe;
        // Leader lease: the quorum-th most recent acknowledged heartbeat round.
        std::vector<uint64_t> acked = acked_probe_;
        std::sort(acked.begin(), acked.end(), std::greater<>());
        const uint64_t q = acked[static_cast<size_t>(group_.quorum() - 1)];
        if (q > 0 && probe_ - q < kProbeRing) {
            const double d = config_.max_clock_drift;
            const int64_t window = static_cast<int64_t>(static_cast<double>(config_.election_timeout_min.ns()) * (1.0 - d) / (1.0 + d));
            lease_until_ = std::max(lease_until_, probe_sent_at_[q % kProbeRing] + sim::Duration::nanos(window));
        }
    }
    if (m.success) {
        if (m.match_index > match_index_[p]) match_index_[p] = m.match_index;
        next_index_[p] = std::max(next_index_[p], match_index_[p] + 1);
        advance_commit();
        if (next_index_[p] <= last_index()) send_append(m.from, false);
    } else {
        next_index_[p] = std::max(match_index_[p] + 1, std::min(next_index_[p], m.hint_index));
        send_append(m.from, true);
    }
}

void RaftCore::advance_commit() {
    std::vector<uint64_t> matches = match_index_;
    std::sort(matches.begin(), matches.end(), std::greater<>());
    const uint64_t n = matches[static_cast<size_t>(group_.quorum() - 1)];
    if (n <= commit_index_) return;
    // Only an entry of the current term is committed by counting replicas; earlier
    // entries are committed with it (Raft §5.4.2, Figure 8).
    if (term_at(n) != term_ && !config_.bugs.has(Bug::kCommitOldTerm)) return;
    if (config_.recorder) {
        for (uint64_t i = commit_index_ + 1; i <= n; ++i) config_.recorder->on_commit(group_.name, i, fingerprint_of(entry(i)), term_);
    }
    commit_index_ = n;
    apply_committed();
}

// --- replication (follower) ------------------------------------------------------------------------

void RaftCore::on_append_entries(sim::Owned<AppendEntries> m) {
    auto reply = ctx_.make<AppendReply>();
    reply->from = self_;
    reply->probe = m->probe;
    const sim::Address leader_addr = group_.members[static_cast<size_t>(m->leader)];
    if (m->term < term_) {
        reply->term = term_;
        send_after_persist(leader_addr, std::move(reply));
        return;
    }
    if (role_ == Role::kLeader && m->term == term_) return;  // two leaders: the recorder reports it
    become_follower(m->term);
    leader_hint_ = m->leader;
    last_leader_contact_ = ctx_.now();
    reset_election_timer();
    if (amnesiac_ && amnesia_target_ == 0) amnesia_target_ = std::max<uint64_t>(1, m->leader_commit);
    reply->term = term_;

    uint64_t prev = m->prev_index;
    size_t skip = 0;
    if (prev < snapshot_index_) {
        // The start is inside our snapshot: those entries are committed and held.
        const uint64_t covered = snapshot_index_ - prev;
        skip = static_cast<size_t>(std::min<uint64_t>(covered, m->entries.size()));
        prev = prev + skip;
        if (prev < snapshot_index_) {
            reply->success = true;
            reply->match_index = prev;
            send_after_persist(leader_addr, std::move(reply));
            return;
        }
    } else if (prev > last_index()) {
        reply->hint_index = last_index() + 1;
        send_after_persist(leader_addr, std::move(reply));
        return;
    } else if (term_at(prev) != m->prev_term) {
        const uint64_t conflict_term = term_at(prev);
        uint64_t first = prev;
        while (first - 1 > snapshot_index_ && term_at(first - 1) == conflict_term) --first;
        reply->hint_index = std::max(first, snapshot_index_ + 1);
        send_after_persist(leader_addr, std::move(reply));
        return;
    }
    uint64_t first_new = 0;
    for (size_t k = skip; k < m->entries.size(); ++k) {
        Entry& e = m->entries[k];
        if (e.index <= last_index()) {
            if (term_at(e.index) == e.term) continue;
            truncate_from(e.index);
        }
        if (first_new == 0) first_new = e.index;
        log_.push_back(std::move(e));
    }
    if (first_new != 0) persist_entries(first_new);
    const uint64_t match = m->prev_index + m->entries.size();
    if (m->leader_commit > commit_index_) {
        commit_index_ = std::max(commit_index_, std::min(m->leader_commit, match));
        apply_committed();
    }
    reply->success = true;
    reply->match_index = match;
    send_after_persist(leader_addr, std::move(reply));
}

void RaftCore::on_install_snapshot(const InstallSnapshot& m) {
    auto reply = ctx_.make<AppendReply>();
    reply->from = self_;
    const sim::Address leader_addr = group_.members[static_cast<size_t>(m.leader)];
    if (m.term < term_) {
        reply->term = term_;
        send_after_persist(leader_addr, std::move(reply));
        return;
    }
    if (role_ == Role::kLeader && m.term == term_) return;
    become_follower(m.term);
    leader_hint_ = m.leader;
    last_leader_contact_ = ctx_.now();
    reset_election_timer();
    if (amnesiac_ && amnesia_target_ == 0) amnesia_target_ = std::max<uint64_t>(1, m.leader_commit);
    reply->term = term_;
    const RaftSnapshot& snap = *m.snapshot;
    if (snap.index > commit_index_) {
        if (snap.index <= last_index() && term_at(snap.index) == snap.term) {
            log_.erase(log_.begin(), log_.begin() + static_cast<ptrdiff_t>(snap.index - snapshot_index_));
        } else {
            // Everything up to snap.index is in the snapshot; a suffix beyond it does not
            // match the leader's log and goes (not a loss: it was never committed).
            log_.clear();
            persisted_log_last_ = std::min(persisted_log_last_, snap.index);
            for (PersistOp& op : pending_ops_) op.log_last = std::min(op.log_last, snap.index);
        }
        snapshot_ = m.snapshot;
        snapshot_index_ = snap.index;
        snapshot_term_ = snap.term;
        if (snap.state) sm_->restore(*snap.state);
        sessions_.clear();
        for (const auto& [id, sess] : snap.sessions) sessions_[id] = sess;
        commit_index_ = snap.index;
        last_applied_ = snap.index;
        if (config_.recorder) config_.recorder->on_reset_applied(group_.name, self_, last_applied_);
        persist_snapshot(m.snapshot);
        if (amnesiac_ && last_applied_ >= amnesia_target_) amnesiac_ = false;
    }
    reply->success = true;
    reply->match_index = snap.index;
    send_after_persist(leader_addr, std::move(reply));
}

// --- applying ---------------------------------------------------------------------------------

void RaftCore::apply_committed() {
    while (last_applied_ < commit_index_) {
        const uint64_t i = last_applied_ + 1;
        const Entry e = entry(i);  // a copy: callbacks below may append to the log
        if (config_.recorder) config_.recorder->on_apply(group_.name, self_, i, fingerprint_of(e));
        ResultPtr result;
        if (e.command) {
            bool fresh = true;
            if (e.client_id != 0) {
                auto it = sessions_.find(e.client_id);
                if (it != sessions_.end() && e.seq <= it->second.seq) {
                    fresh = false;  // a retry that was logged twice: apply once
                    if (e.seq == it->second.seq) result = it->second.result;
                }
            }
            if (fresh) {
                result = sm_->apply(*e.command, ApplyContext{i, e.term, e.client_id, e.seq, role_ == Role::kLeader, ctx_.now()});
                if (e.client_id != 0) sessions_[e.client_id] = Session{e.seq, result};
            }
        }
        last_applied_ = i;
        if (e.client_id != 0) {
            auto pit = proposed_by_client_.find(e.client_id);
            if (pit != proposed_by_client_.end() && pit->second.second == i) proposed_by_client_.erase(pit);
        }
        if (auto w = waiters_.find(i); w != waiters_.end()) {
            Waiter waiter = std::move(w->second);
            waiters_.erase(w);
            const bool ours = waiter.term == e.term;
            if (waiter.callback) {
                waiter.callback(ours ? Status::kOk : Status::kUnknown, ours ? result : nullptr);
            } else {
                reply_client(waiter.reply_to, waiter.client_id, waiter.seq, ours ? Status::kOk : Status::kNotLeader, result);
            }
        }
    }
    if (amnesiac_ && amnesia_target_ != 0 && last_applied_ >= amnesia_target_) amnesiac_ = false;
    maybe_snapshot();
}

void RaftCore::maybe_snapshot() {
    if (static_cast<int64_t>(last_applied_ - snapshot_index_) < config_.snapshot_threshold_entries) return;
    auto snap = std::make_shared<RaftSnapshot>();
    snap->index = last_applied_;
    snap->term = term_at(last_applied_);
    snap->state = sm_->snapshot();
    snap->sessions.assign(sessions_.begin(), sessions_.end());
    log_.erase(log_.begin(), log_.begin() + static_cast<ptrdiff_t>(last_applied_ - snapshot_index_));
    snapshot_index_ = snap->index;
    snapshot_term_ = snap->term;
    snapshot_ = snap;
    persist_snapshot(std::move(snap));
}

// --- client commands ------------------------------------------------------------------------------

void RaftCore::on_client_request(sim::Owned<ClientRequest> m) {
    const sim::Address from = m->src;
    if (role_ != Role::kLeader) {
        reply_client(from, m->client_id, m->seq, Status::kNotLeader, nullptr);
        return;
    }
    if (auto it = sessions_.find(m->client_id); it != sessions_.end() && m->seq <= it->second.seq) {
        if (m->seq == it->second.seq) reply_client(from, m->client_id, m->seq, Status::kOk, it->second.result);
        return;  // older: the client has moved on
    }
    if (auto it = proposed_by_client_.find(m->client_id); it != proposed_by_client_.end() && it->second.first == m->seq) {
        auto w = waiters_.find(it->second.second);
        if (w != waiters_.end()) {
            w->second.reply_to = from;  // a retry of a command already in the log
            return;
        }
    }
    if (static_cast<int>(waiters_.size()) >= config_.max_pending_proposals) {
        reply_client(from, m->client_id, m->seq, Status::kBusy, nullptr);
        return;
    }
    CommandPtr cmd = sm_->prepare(m->command, PrepareContext{ctx_.now(), m->client_id, m->seq});
    const uint64_t index = last_index() + 1;
    waiters_[index] = Waiter{term_, m->client_id, m->seq, from, nullptr};
    proposed_by_client_[m->client_id] = {m->seq, index};
    append_local(Entry{term_, index, m->client_id, m->seq, std::move(cmd)});
    broadcast_append(false);
}

void RaftCore::propose(CommandPtr command, Callback callback) {
    if (role_ != Role::kLeader) {
        callback(Status::kNotLeader, nullptr);
        return;
    }
    if (static_cast<int>(waiters_.size()) >= config_.max_pending_proposals) {
        callback(Status::kBusy, nullptr);
        return;
    }
    const uint64_t index = last_index() + 1;
    waiters_[index] = Waiter{term_, 0, 0, sim::Address{}, std::move(callback)};
    append_local(Entry{term_, index, 0, 0, std::move(command)});
    broadcast_append(false);
}

void RaftCore::fail_waiters(Status status) {
    std::map<uint64_t, Waiter> waiters;
    waiters.swap(waiters_);
    for (auto& [index, w] : waiters) {
        if (w.callback) {
            w.callback(status, nullptr);
        } else {
            // The client retries; the session table makes the retry safe.
            reply_client(w.reply_to, w.client_id, w.seq, Status::kNotLeader, nullptr);
        }
    }
}

void RaftCore::reply_client(sim::Address to, uint64_t client_id, uint64_t seq, Status status, ResultPtr result) {
    auto r = ctx_.make<ClientReply>();
    r->client_id = client_id;
    r->seq = seq;
    r->status = status;
    r->leader_hint = leader_hint();
    r->result = std::move(result);
    ctx_.send(to, std::move(r));
}

// --- log access -----------------------------------------------------------------------------------

uint64_t RaftCore::last_index() const { return snapshot_index_ + log_.size(); }

uint64_t RaftCore::term_at(uint64_t index) const {
    SIM_ASSERT(index >= snapshot_index_, "term of compacted index " << index << " < " << snapshot_index_);
    SIM_ASSERT(index <= last_index(), "term of index " << index << " beyond " << last_index());
    if (index == snapshot_index_) return snapshot_term_;
    return log_[static_cast<size_t>(index - snapshot_index_ - 1)].term;
}

const Entry& RaftCore::entry(uint64_t index) const {
    SIM_ASSERT(index > snapshot_index_, "entry " << index << " is compacted (snapshot " << snapshot_index_ << ")");
    SIM_ASSERT(index <= last_index(), "entry " << index << " beyond " << last_index());
    return log_[static_cast<size_t>(index - snapshot_index_ - 1)];
}

void RaftCore::truncate_from(uint64_t index) {
    if (index > last_index()) return;
    if (config_.recorder) {
        std::vector<uint64_t> removed;
        for (uint64_t i = index; i <= last_index(); ++i) removed.push_back(fingerprint_of(entry(i)));
        config_.recorder->on_truncate(group_.name, self_, index, removed);
    }
    log_.resize(static_cast<size_t>(index - snapshot_index_ - 1));
    persisted_log_last_ = std::min(persisted_log_last_, index - 1);
    for (PersistOp& op : pending_ops_) op.log_last = std::min(op.log_last, index - 1);
}

// --- persistence ----------------------------------------------------------------------------------

void RaftCore::persist_hard_state() {
    PersistOp op;
    op.kind = PersistOp::Kind::kHardState;
    op.term = term_;
    op.vote = voted_for_;
    op.bytes = kHardStateBytes;
    issue(std::move(op));
}

void RaftCore::persist_entries(uint64_t from_index) {
    PersistOp op;
    op.kind = PersistOp::Kind::kEntries;
    op.from_index = from_index;
    op.bytes = 0;
    for (uint64_t i = from_index; i <= last_index(); ++i) {
        op.entries.push_back(entry(i));
        op.bytes += op.entries.back().size_bytes();
    }
    issue(std::move(op));
}

void RaftCore::persist_snapshot(std::shared_ptr<const RaftSnapshot> snap) {
    PersistOp op;
    op.kind = PersistOp::Kind::kSnapshot;
    op.bytes = snap->size_bytes();
    op.snapshot = std::move(snap);
    issue(std::move(op));
}

void RaftCore::issue(PersistOp op) {
    op.seq = next_op_seq_++;
    op.log_last = last_index();
    pending_ops_.push_back(std::move(op));
    if (!write_in_flight_) submit_write();
}

void RaftCore::submit_write() {
    SIM_ASSERT(!write_in_flight_, "a second disk write while one is in flight");
    int64_t bytes = 0;
    for (const PersistOp& op : pending_ops_) {
        if (op.seq > submitted_seq_) bytes += op.bytes;
    }
    submitted_seq_ = pending_ops_.back().seq;
    write_in_flight_ = true;
    ctx_.disk_io(sim::IoKind::kWrite, bytes, tag(kTagIo, submitted_seq_));
}

void RaftCore::apply_to_durable(const PersistOp& op) {
    RaftDurable& d = durable_;
    d.initialized = true;
    const uint64_t snap_index = d.snapshot ? d.snapshot->index : 0;
    switch (op.kind) {
        case PersistOp::Kind::kHardState:
            d.term = op.term;
            d.voted_for = op.vote;
            break;
        case PersistOp::Kind::kEntries: {
            const uint64_t durable_last = snap_index + d.entries.size();
            SIM_ASSERT(op.from_index <= durable_last + 1, "durable log gap: write from " << op.from_index << " after " << durable_last);
            if (op.from_index > snap_index) d.entries.resize(static_cast<size_t>(op.from_index - snap_index - 1));
            for (const Entry& e : op.entries) {
                if (e.index > snap_index) d.entries.push_back(e);
            }
            break;
        }
        case PersistOp::Kind::kSnapshot: {
            const RaftSnapshot& s = *op.snapshot;
            const uint64_t durable_last = snap_index + d.entries.size();
            if (s.index <= snap_index) break;
            if (s.index <= durable_last && d.entries[static_cast<size_t>(s.index - snap_index - 1)].term == s.term) {
                d.entries.erase(d.entries.begin(), d.entries.begin() + static_cast<ptrdiff_t>(s.index - snap_index));
            } else {
                d.entries.clear();
            }
            d.snapshot = op.snapshot;
            break;
        }
    }
}

uint64_t RaftCore::durable_last_index() const {
    return (durable_.snapshot ? durable_.snapshot->index : 0) + durable_.entries.size();
}

void RaftCore::send_after_persist(sim::Address dst, sim::MessagePtr msg) {
    const uint64_t barrier = next_op_seq_ - 1;
    if (barrier <= persisted_seq_ || config_.bugs.has(Bug::kAckBeforePersist)) {
        ctx_.send(dst, std::move(msg));
        return;
    }
    outbox_.push_back(Outgoing{barrier, dst, std::move(msg)});
}

void RaftCore::flush_outbox() {
    size_t k = 0;
    for (; k < outbox_.size() && outbox_[k].barrier <= persisted_seq_; ++k) {
        ctx_.send(outbox_[k].dst, std::move(outbox_[k].msg));
    }
    outbox_.erase(outbox_.begin(), outbox_.begin() + static_cast<ptrdiff_t>(k));
}

void RaftCore::send_to(int peer, sim::MessagePtr msg) { ctx_.send(group_.members[static_cast<size_t>(peer)], std::move(msg)); }

void RaftCore::stop_for_disk_failure() {
    if (role_ == Role::kLeader) step_down_leader();
    role_ = Role::kStopped;
    if (election_timer_.valid()) ctx_.cancel_timer(election_timer_);
    if (heartbeat_timer_.valid()) ctx_.cancel_timer(heartbeat_timer_);
    election_timer_ = sim::TimerId{};
    heartbeat_timer_ = sim::TimerId{};
    fail_waiters(Status::kNotLeader);
    outbox_.clear();
    pending_ops_.clear();
}

void RaftReplica::on_message(sim::MessagePtr msg) { core_.handle_message(msg); }

}  // namespace models::consensus
