// `stampsim sweep`: one scenario under many seeds on worker threads (app/sweep.h).
#include "app/sweep.h"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cctype>
#include <cinttypes>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "app/cli.h"
#include "app/run.h"
#include "app/scenario/loader.h"
#include "sim/event_log.h"
#include "sim/rng.h"

namespace app {

namespace {

using Json = nlohmann::ordered_json;

// Checkpoint spacing of determinism reruns: a 10-minute chaos run (~20 M events) keeps
// ~5 k checkpoints; a mismatch's bracketing window is then recorded in full.
constexpr uint64_t kCheckpointEvery = 4096;

std::string hex64(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
    return buf;
}

std::optional<uint64_t> parse_u64(const std::string& s) {
    if (s.empty() || s.size() > 19) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    return v;
}

std::string shell_quote(const std::string& s) {
    const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-_./=:,+@%").find(c) != std::string_view::npos;
    });
    if (plain) return s;
    std::string q = "'";
    for (char c : s) {
        if (c == '\'') {
            q.append("'\\''");
        } else {
            q.push_back(c);
        }
    }
    q.push_back('\'');
    return q;
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) {
        if (c == '"') q.push_back('"');
        q.push_back(c);
    }
    q.push_back('"');
    return q;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) {
        if (i > 0) s.append(sep);
        s.append(v[i]);
    }
    return s;
}

std::string verdict_of(const RunSummary& r) {
    if (r.exit_code == kExitInternalError || r.exit_code == kExitBadInput) return "error";
    return r.exit_code == kExitOk ? "pass" : "fail";
}

void fill_row(SweepRow& row, const RunSummary& r) {
    row.exit_code = r.exit_code;
    row.verdict = verdict_of(r);
    row.fingerprint = r.fingerprint;
    row.failed_checks = r.failed_checks;
    row.error = r.error;
    row.wall_s = r.wall_s;
    row.sim_s = r.sim_s;
    row.events = r.events;
    row.ops = r.ops;
}

// --- one seed -------------------------------------------------------------------------------

struct SeedJob {
    const SweepRequest* request = nullptr;
    uint64_t seed = 0;
    bool verify = false;
};

RunSummary run_once(const SweepRequest& request, uint64_t seed, int attempt, sim::EventLog* log) {
    RunRequest r;
    r.file = request.file;
    r.overrides = request.overrides;
    r.seed = seed;
    r.quiet = true;
    r.write_outputs = false;
    r.event_log = log;
    if (request.test_hook) {
        r.before_run = [&request, seed, attempt](sim::Simulation& s) { request.test_hook(seed, attempt, s); };
    }
    std::ostringstream sink_out, sink_err;
    RunSummary summary = run_scenario(r, sink_out, sink_err);
    if (summary.exit_code == kExitBadInput && summary.error.empty()) summary.error = sink_err.str();
    return summary;
}

std::string describe_divergence(const sim::Divergence& d, const std::vector<std::string>& names) {
    std::string s;
    if (d.a || d.b) {
        s.append("first diverging event: ");
        s.append(d.a ? "run 1 " + sim::describe_event(*d.a, names) : std::string("run 1 has no event there"));
        s.append("; ");
        s.append(d.b ? "run 2 " + sim::describe_event(*d.b, names) : std::string("run 2 has no event there"));
    } else {
        s.append("the runs parted between events #").append(std::to_string(d.first));
        s.append(" and #").append(std::to_string(d.last));
    }
    return s;
}

SweepRow run_seed_timed(const SeedJob& job);

// The row's wall_s is the whole run with its judging (the checkers can dominate a failing
// run), so that seeds per minute are what a sweep really does.
SweepRow run_seed(const SeedJob& job) {
    const auto start = std::chrono::steady_clock::now();
    SweepRow row = run_seed_timed(job);
    row.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return row;
}

SweepRow run_seed_timed(const SeedJob& job) {
    const SweepRequest& request = *job.request;
    SweepRow row;
    row.seed = job.seed;
    row.command = reproduce_command(request.file, job.seed, request.overrides);
    if (!job.verify) {
        fill_row(row, run_once(request, job.seed, 0, nullptr));
        return row;
    }
    sim::EventLog first({kCheckpointEvery, 0, 0});
    const RunSummary a = run_once(request, job.seed, 0, &first);
    fill_row(row, a);
    if (a.exit_code == kExitBadInput) return row;
    sim::EventLog second({kCheckpointEvery, 0, 0});
    const RunSummary b = run_once(request, job.seed, 1, &second);
    if (a.fingerprint == b.fingerprint && a.exit_code == b.exit_code && first.folds() == second.folds()) {
        row.determinism = "match";
        return row;
    }
    row.determinism = "mismatch";
    std::string text = "fingerprint " + hex64(a.fingerprint) + " then " + hex64(b.fingerprint);
    auto d = sim::first_divergence(first, second);
    if (!d) {
        text.append("; no recorded event differs");
    } else {
        // A second pair of runs records the bracketing window in full.
        const sim::EventLog::Options window{kCheckpointEvery, d->first, d->last + 1};
        sim::EventLog third(window), fourth(window);
        const RunSummary c = run_once(request, job.seed, 2, &third);
        run_once(request, job.seed, 3, &fourth);
        auto exact = sim::first_divergence(third, fourth);
        if (exact && (exact->a || exact->b)) {
            text.append("; ").append(describe_divergence(*exact, c.node_names));
        } else {
            text.append("; ").append(describe_divergence(*d, a.node_names));
            text.append(" (a second pair of runs did not diverge there: the nondeterminism is not reproducible)");
        }
    }
    row.divergence = text;
    return row;
}

// --- output -------------------------------------------------------------------------------

std::string seed_line(const SweepRow& r) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "seed %-8" PRIu64 " %-5s %s  %6.2f s  %8" PRIu64 " ops", r.seed, r.verdict.c_str(),
                  hex64(r.fingerprint).c_str(), r.wall_s, r.ops);
    std::string s = buf;
    if (!r.failed_checks.empty()) s.append("  failed: ").append(join(r.failed_checks, ", "));
    if (r.verdict == "error") s.append("  ").append(r.error.substr(0, r.error.find('\n')));
    if (r.determinism == "mismatch") s.append("  DETERMINISM MISMATCH");
    return s;
}

void tally(SweepResult& res) {
    std::sort(res.rows.begin(), res.rows.end(), [](const SweepRow& x, const SweepRow& y) { return x.seed < y.seed; });
    res.passed = res.failed = res.errors = res.verified = res.mismatches = 0;
    for (const auto& r : res.rows) {
        if (r.verdict == "pass") ++res.passed;
        if (r.verdict == "fail") ++res.failed;
        if (r.verdict == "error") ++res.errors;
        if (!r.determinism.empty()) ++res.verified;
        if (r.determinism == "mismatch") ++res.mismatches;
    }
    res.exit_code = res.errors > 0 || res.mismatches > 0 ? kExitInternalError
                    : res.failed > 0                     ? kExitCheckFailed
                                                         : kExitOk;
}

Json to_json(const SweepResult& res) {
    Json j;
    j["scenario"] = res.scenario;
    j["file"] = res.file;
    j["overrides"] = res.overrides;
    j["seed_range"] = std::to_string(res.first_seed) + ".." + std::to_string(res.last_seed);
    j["shard"] = std::to_string(res.shard_index) + "/" + std::to_string(res.shard_count);
    j["jobs"] = res.jobs;
    j["wall_s"] = res.wall_s;
    j["seeds"] = res.rows.size();
    j["passed"] = res.passed;
    j["failed"] = res.failed;
    j["errors"] = res.errors;
    j["determinism"] = {{"verified", res.verified}, {"mismatches", res.mismatches}};
    j["exit_code"] = res.exit_code;
    Json runs = Json::array();
    for (const auto& r : res.rows) {
        Json row;
        row["seed"] = r.seed;
        row["verdict"] = r.verdict;
        row["fingerprint"] = hex64(r.fingerprint);
        row["failed_checks"] = r.failed_checks;
        row["command"] = r.command;
        row["exit_code"] = r.exit_code;
        row["wall_s"] = r.wall_s;
        row["sim_s"] = r.sim_s;
        row["events"] = r.events;
        row["ops"] = r.ops;
        if (!r.error.empty()) row["error"] = r.error;
        if (!r.determinism.empty()) row["determinism"] = r.determinism;
        if (!r.divergence.empty()) row["divergence"] = r.divergence;
        runs.push_back(std::move(row));
    }
    j["runs"] = std::move(runs);
    return j;
}

std::optional<SweepRow> row_from_json(const Json& j, std::string* error) {
    try {
        SweepRow r;
        r.seed = j.at("seed").get<uint64_t>();
        r.verdict = j.at("verdict").get<std::string>();
        r.fingerprint = std::stoull(j.at("fingerprint").get<std::string>(), nullptr, 16);
        r.failed_checks = j.at("failed_checks").get<std::vector<std::string>>();
        r.command = j.at("command").get<std::string>();
        r.exit_code = j.value("exit_code", r.verdict == "pass" ? 0 : r.verdict == "fail" ? 1 : 3);
        r.wall_s = j.value("wall_s", 0.0);
        r.sim_s = j.value("sim_s", 0.0);
        r.events = j.value("events", uint64_t{0});
        r.ops = j.value("ops", uint64_t{0});
        r.error = j.value("error", std::string());
        r.determinism = j.value("determinism", std::string());
        r.divergence = j.value("divergence", std::string());
        return r;
    } catch (const std::exception& e) {
        *error = e.what();
        return std::nullopt;
    }
}

std::string write_files(const SweepResult& res, const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return "cannot create " + dir + ": " + ec.message();
    {
        std::ofstream f(dir + "/sweep.json");
        f << to_json(res).dump(2) << "\n";
        if (!f) return "cannot write " + dir + "/sweep.json";
    }
    std::ofstream f(dir + "/sweep.csv");
    f << "seed,verdict,exit_code,fingerprint,failed_checks,wall_s,sim_s,events,ops,determinism,command\n";
    for (const auto& r : res.rows) {
        char nums[96];
        std::snprintf(nums, sizeof nums, "%.3f,%.3f,%" PRIu64 ",%" PRIu64, r.wall_s, r.sim_s, r.events, r.ops);
        f << r.seed << "," << r.verdict << "," << r.exit_code << "," << hex64(r.fingerprint) << ","
          << csv_field(join(r.failed_checks, ";")) << "," << nums << "," << r.determinism << ","
          << csv_field(r.command) << "\n";
    }
    if (!f) return "cannot write " + dir + "/sweep.csv";
    return "";
}

void print_summary(const SweepResult& res, std::ostream& out) {
    char head[256];
    const double rate = res.wall_s > 0 ? static_cast<double>(res.rows.size()) / res.wall_s * 60.0 : 0;
    std::snprintf(head, sizeof head, "sweep %s: %zu seeds, %d passed, %d failed, %d errors (%d jobs, %.1f s wall, %.1f seeds/min)\n",
                  res.scenario.c_str(), res.rows.size(), res.passed, res.failed, res.errors, res.jobs, res.wall_s, rate);
    out << head;
    if (res.verified > 0) {
        out << "determinism: " << res.verified << " seeds rerun, "
            << (res.mismatches == 0 ? std::string("every fingerprint matched")
                                    : std::to_string(res.mismatches) + " MISMATCHED")
            << "\n";
    }
    for (const auto& r : res.rows) {
        if (r.determinism == "mismatch") {
            out << "DETERMINISM MISMATCH seed " << r.seed << ": " << r.divergence << "\n";
            out << "  reproduce: " << r.command << "\n";
        }
    }
    if (res.failed + res.errors > 0) out << "failures:\n";
    for (const auto& r : res.rows) {
        if (r.verdict == "pass") continue;
        out << "  seed " << r.seed << ": ";
        if (r.verdict == "error") {
            out << "internal error: " << r.error.substr(0, r.error.find('\n')) << "\n";
        } else {
            out << "failed " << join(r.failed_checks, ", ") << "\n";
        }
        out << "    " << r.command << "\n";
    }
    if (!res.out_dir.empty()) out << "summary: " << res.out_dir << "/sweep.json, sweep.csv\n";
    out.flush();
}

std::string default_out(const SweepResult& res) {
    std::string d = "runs/" + res.scenario + "-sweep-" + std::to_string(res.first_seed) + "-" + std::to_string(res.last_seed);
    if (res.shard_count > 1) d.append("-shard").append(std::to_string(res.shard_index)).append("-of-").append(std::to_string(res.shard_count));
    return d;
}

}  // namespace

// --- parsing helpers ---------------------------------------------------------------------

std::optional<std::pair<uint64_t, uint64_t>> parse_seed_range(const std::string& text, std::string* error) {
    const size_t dots = text.find("..");
    std::optional<uint64_t> a, b;
    if (dots == std::string::npos) {
        a = b = parse_u64(text);
    } else {
        a = parse_u64(text.substr(0, dots));
        b = parse_u64(text.substr(dots + 2));
    }
    if (!a || !b) {
        *error = "--seeds: expected a range such as 1..100, got \"" + text + "\"";
        return std::nullopt;
    }
    if (*a > *b) {
        *error = "--seeds: expected A <= B in A..B, got \"" + text + "\"";
        return std::nullopt;
    }
    if (*b - *a >= 100'000'000) {
        *error = "--seeds: expected at most 100000000 seeds, got \"" + text + "\"";
        return std::nullopt;
    }
    return std::make_pair(*a, *b);
}

std::optional<std::pair<int, int>> parse_shard(const std::string& text, std::string* error) {
    const size_t slash = text.find('/');
    std::optional<uint64_t> i, n;
    if (slash != std::string::npos) {
        i = parse_u64(text.substr(0, slash));
        n = parse_u64(text.substr(slash + 1));
    }
    if (!i || !n || *n == 0 || *i >= *n || *n > 1'000'000) {
        *error = "--shard: expected I/N with 0 <= I < N, got \"" + text + "\"";
        return std::nullopt;
    }
    return std::make_pair(static_cast<int>(*i), static_cast<int>(*n));
}

std::string reproduce_command(const std::string& file, uint64_t seed, const std::vector<std::string>& overrides) {
    std::string c = "stampsim run " + shell_quote(file) + " --seed " + std::to_string(seed);
    for (const auto& o : overrides) c.append(" --set ").append(shell_quote(o));
    return c;
}

std::vector<uint64_t> seeds_to_verify(const std::vector<uint64_t>& seeds, double percent) {
    if (percent <= 0 || seeds.empty()) return {};
    const size_t n = std::min(seeds.size(), static_cast<size_t>(std::ceil(static_cast<double>(seeds.size()) * percent / 100.0 - 1e-9)));
    std::vector<std::pair<uint64_t, uint64_t>> ranked;
    for (uint64_t s : seeds) ranked.emplace_back(sim::mix64(s ^ 0x5eed5eed5eed5eedULL), s);
    std::sort(ranked.begin(), ranked.end());
    std::vector<uint64_t> out;
    for (size_t i = 0; i < n; ++i) out.push_back(ranked[i].second);
    std::sort(out.begin(), out.end());
    return out;
}

// --- the sweep ---------------------------------------------------------------------------

SweepResult run_sweep(const SweepRequest& request, std::ostream& out, std::ostream& err) {
    SweepResult res;
    res.file = request.file;
    res.overrides = request.overrides;
    res.first_seed = request.first_seed;
    res.last_seed = request.last_seed;
    res.shard_index = request.shard_index;
    res.shard_count = request.shard_count;
    res.jobs = std::max(1, request.jobs);

    // Bad input stops the sweep before anything runs.
    scenario::LoadOptions lo;
    lo.overrides = request.overrides;
    auto loaded = scenario::load_scenario_file(request.file, lo);
    if (!loaded.ok()) {
        for (const auto& m : loaded.messages()) err << m << "\n";
        res.exit_code = kExitBadInput;
        return res;
    }
    res.scenario = loaded.scenario->name;

    std::vector<uint64_t> seeds;
    for (uint64_t s = request.first_seed;; ++s) {
        if (s % static_cast<uint64_t>(res.shard_count) == static_cast<uint64_t>(res.shard_index)) seeds.push_back(s);
        if (s == request.last_seed) break;
    }
    const std::vector<uint64_t> verify = seeds_to_verify(seeds, request.verify_percent);
    std::vector<SeedJob> jobs;
    for (uint64_t s : seeds) jobs.push_back(SeedJob{&request, s, std::binary_search(verify.begin(), verify.end(), s)});

    const bool show = !request.quiet;
    if (show) {
        out << "sweep " << res.scenario << ": seeds " << request.first_seed << ".." << request.last_seed;
        if (res.shard_count > 1) out << " shard " << res.shard_index << "/" << res.shard_count;
        out << " (" << seeds.size() << " runs), " << res.jobs << (res.jobs == 1 ? " job" : " jobs");
        if (!verify.empty()) out << ", determinism rerun of " << verify.size() << " seeds";
        out << "\n";
        out.flush();
    }

    const auto wall_start = std::chrono::steady_clock::now();
    std::vector<SweepRow> rows(jobs.size());
    std::atomic<size_t> next{0};
    std::mutex mu;
    std::condition_variable cv;
    std::deque<size_t> finished;
    size_t done = 0;
    auto worker = [&] {
        for (;;) {
            const size_t i = next.fetch_add(1);
            if (i >= jobs.size()) return;
            SweepRow row = run_seed(jobs[i]);
            std::lock_guard<std::mutex> lock(mu);
            rows[i] = std::move(row);
            finished.push_back(i);
            cv.notify_one();
        }
    };
    const int threads = static_cast<int>(std::min<size_t>(static_cast<size_t>(res.jobs), std::max<size_t>(1, jobs.size())));
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(worker);

    int passed = 0, failed = 0, errors = 0;
    bool progress_shown = false;
    auto clear_progress = [&] {
        if (progress_shown) err << "\r" << std::string(78, ' ') << "\r";
        progress_shown = false;
    };
    std::unique_lock<std::mutex> lock(mu);
    while (done < jobs.size()) {
        cv.wait_for(lock, std::chrono::milliseconds(250), [&] { return !finished.empty(); });
        std::vector<size_t> batch(finished.begin(), finished.end());
        finished.clear();
        lock.unlock();
        for (size_t i : batch) {
            const SweepRow& r = rows[i];
            ++done;
            if (r.verdict == "pass") ++passed;
            if (r.verdict == "fail") ++failed;
            if (r.verdict == "error") ++errors;
            if (show) {
                clear_progress();
                out << "  " << seed_line(r) << "\n";
                out.flush();
            }
            if (r.determinism == "mismatch") {
                clear_progress();
                err << "stampsim sweep: DETERMINISM MISMATCH seed " << r.seed << ": " << r.divergence << "\n";
                err.flush();
            }
        }
        if (show && request.progress) {
            const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
            const double per_s = wall > 0 ? static_cast<double>(done) / wall : 0;
            const double left = per_s > 0 ? static_cast<double>(jobs.size() - done) / per_s : 0;
            char buf[160];
            std::snprintf(buf, sizeof buf, "\rsweep %zu/%zu  %d pass  %d fail  %d error  %.1f seeds/min  ~%.0f s left ",
                          done, jobs.size(), passed, failed, errors, per_s * 60, left);
            err << buf;
            err.flush();
            progress_shown = true;
        }
        lock.lock();
    }
    lock.unlock();
    for (auto& t : pool) t.join();
    clear_progress();
    res.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    res.rows = std::move(rows);
    tally(res);
    for (const auto& r : res.rows) {
        if (r.exit_code == kExitBadInput) {
            // A trace file the scenario names is wrong: every run says so.
            err << r.error << "\n";
            res.exit_code = kExitBadInput;
            return res;
        }
    }
    if (request.out_dir != "-") {
        res.out_dir = request.out_dir.empty() ? default_out(res) : request.out_dir;
        if (auto e = write_files(res, res.out_dir); !e.empty()) {
            err << "stampsim sweep: " << e << "\n";
            res.out_dir.clear();
        }
    }
    print_summary(res, out);
    return res;
}

SweepResult merge_sweeps(const std::vector<std::string>& dirs, const std::string& out_dir, std::ostream& out,
                         std::ostream& err) {
    SweepResult res;
    res.exit_code = kExitBadInput;
    std::map<uint64_t, SweepRow> by_seed;
    std::vector<std::string> conflicts;
    bool first = true;
    for (const auto& dir : dirs) {
        const std::string path = std::filesystem::is_directory(dir) ? dir + "/sweep.json" : dir;
        std::ifstream in(path);
        if (!in) {
            err << path << ": cannot read\n";
            return res;
        }
        Json j = Json::parse(in, nullptr, false);
        if (j.is_discarded() || !j.is_object() || !j.contains("runs") || !j["runs"].is_array()) {
            err << path << ": expected a sweep.json written by stampsim sweep\n";
            return res;
        }
        const std::string scenario = j.value("scenario", std::string());
        const auto overrides = j.value("overrides", std::vector<std::string>());
        const std::string file = j.value("file", std::string());
        if (first) {
            res.scenario = scenario;
            res.overrides = overrides;
            res.file = file;
            res.jobs = 0;
            first = false;
        } else if (scenario != res.scenario || overrides != res.overrides) {
            err << path << ": expected a shard of the same sweep (scenario " << res.scenario << ", --set "
                << join(res.overrides, " ") << "), got scenario " << scenario << ", --set " << join(overrides, " ") << "\n";
            return res;
        }
        res.jobs += j.value("jobs", 1);
        res.wall_s = std::max(res.wall_s, j.value("wall_s", 0.0));
        for (size_t i = 0; i < j["runs"].size(); ++i) {
            std::string why;
            auto row = row_from_json(j["runs"][i], &why);
            if (!row) {
                err << path << ": /runs/" << i << ": " << why << "\n";
                return res;
            }
            auto [it, inserted] = by_seed.emplace(row->seed, *row);
            if (!inserted && it->second.fingerprint != row->fingerprint) {
                it->second.determinism = "mismatch";
                it->second.divergence = "fingerprint " + hex64(it->second.fingerprint) + " in one shard, " +
                                        hex64(row->fingerprint) + " in " + path;
            }
        }
    }
    for (auto& [seed, row] : by_seed) res.rows.push_back(row);
    if (!res.rows.empty()) {
        res.first_seed = res.rows.front().seed;
        res.last_seed = res.rows.back().seed;
    }
    tally(res);
    if (out_dir != "-") {
        res.out_dir = out_dir.empty() ? "runs/" + res.scenario + "-sweep-merged" : out_dir;
        if (auto e = write_files(res, res.out_dir); !e.empty()) {
            err << "stampsim sweep: " << e << "\n";
            res.out_dir.clear();
        }
    }
    out << "merged " << dirs.size() << " sweep summaries\n";
    print_summary(res, out);
    return res;
}

void add_sweep_command(Cli& cli) {
    struct Options {
        SweepRequest request;
        std::string seeds;
        std::string shard;
        std::vector<std::string> merge;
    };
    auto o = std::make_shared<Options>();
    o->request.jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    CLI::App* sub = cli.add_command(
        "sweep", "Run one scenario under many seeds in parallel; summarise pass/fail per seed", [&cli, o]() {
            std::string error;
            if (!o->merge.empty()) {
                if (!o->request.file.empty() || !o->seeds.empty()) {
                    cli.err() << "stampsim sweep: --merge takes only sweep folders (and --out)\n";
                    return static_cast<int>(kExitBadInput);
                }
                return merge_sweeps(o->merge, o->request.out_dir, cli.out(), cli.err()).exit_code;
            }
            if (o->request.file.empty() || o->seeds.empty()) {
                cli.err() << "stampsim sweep: expected FILE --seeds A..B (or --merge DIR...)\n";
                return static_cast<int>(kExitBadInput);
            }
            SweepRequest r = o->request;
            auto range = parse_seed_range(o->seeds, &error);
            if (!range) {
                cli.err() << "stampsim sweep: " << error << "\n";
                return static_cast<int>(kExitBadInput);
            }
            r.first_seed = range->first;
            r.last_seed = range->second;
            if (!o->shard.empty()) {
                auto shard = parse_shard(o->shard, &error);
                if (!shard) {
                    cli.err() << "stampsim sweep: " << error << "\n";
                    return static_cast<int>(kExitBadInput);
                }
                r.shard_index = shard->first;
                r.shard_count = shard->second;
            }
            r.progress = isatty(STDERR_FILENO) != 0;
            return run_sweep(r, cli.out(), cli.err()).exit_code;
        });
    sub->add_option("file", o->request.file, "Scenario file (JSON)");
    sub->add_option("--seeds", o->seeds, "Seeds A..B (inclusive)");
    sub->add_option("--jobs,-j", o->request.jobs, "Worker threads (default: the machine's cores)")
        ->check(CLI::Range(1, 1024));
    sub->add_option("--shard", o->shard, "Run only the seeds s with s % N == I (I/N)");
    sub->add_option("--out", o->request.out_dir,
                    "Folder for sweep.json and sweep.csv (default runs/NAME-sweep-A-B; - for none)");
    sub->add_option("--set", o->request.overrides, "Override one value in every run: PATH=VALUE")
        ->take_all()
        ->allow_extra_args(false);
    sub->add_option("--verify-determinism", o->request.verify_percent,
                    "Rerun P% of the seeds and fail (exit 3) on any fingerprint mismatch")
        ->check(CLI::Range(0.0, 100.0));
    sub->add_option("--merge", o->merge, "Join the sweep.json of shard folders into one summary")->take_all();
    sub->add_flag("--quiet", o->request.quiet, "Print only the summary");
}

}  // namespace app
