// `stampsim shrink`: greedy reduction of a failing seed's fault schedule (app/shrink.h).
#include "app/shrink.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>

#include "app/cli.h"
#include "app/fault_json.h"
#include "app/run.h"
#include "app/scenario/loader.h"
#include "app/world_specs.h"
#include "faults/chaos.h"
#include "sim/rng.h"
#include "sim/topology.h"

namespace app {

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kInvariant = "internal invariant";

std::string hex64(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
    return buf;
}

// One line per fault for the progress log: "8.953s rack_down stamp=w1 rack=0 for=6.144s".
std::string fault_label(const Json& f) {
    std::string s = f.value("at", std::string("?"));
    s.append(" ").append(f.value("kind", std::string("?")));
    for (const auto& [key, value] : f.items()) {
        if (key == "at" || key == "kind") continue;
        s.append(" ").append(key).append("=").append(value.is_string() ? value.get<std::string>() : value.dump());
    }
    return s;
}

struct State {
    std::vector<Json> faults;
    sim::Duration duration;
};

Json build(const Json& base, const State& st) {
    Json d = base;
    d["faults"] = Json::array();
    for (const auto& f : st.faults) d["faults"].push_back(f);
    d["duration"] = duration_text(st.duration);
    return d;
}

sim::Duration parse_duration(const Json& v) {
    if (!v.is_string()) return sim::Duration::zero();
    return sim::Duration::parse(v.get<std::string>()).value_or(sim::Duration::zero());
}

// Rounds to whole milliseconds (at least 1 s), so that shrunk figures read well.
sim::Duration tidy(sim::Duration d) {
    const int64_t ms = std::max<int64_t>(1000, (d.ns() + 500'000) / 1'000'000);
    return sim::Duration::millis(ms);
}

class Shrinker {
public:
    Shrinker(const ShrinkRequest& request, std::ostream& out) : request_(request), out_(out) {}

    // Runs one scenario document and judges it; nullopt when it was invalid.
    RunSummary run(const Json& doc) const {
        RunRequest r;
        r.file = request_.file;
        r.scenario_text = doc.dump();
        r.quiet = true;
        r.write_outputs = false;
        std::ostringstream sink_out, sink_err;
        return run_scenario(r, sink_out, sink_err);
    }

    bool fails(const RunSummary& s) const {
        if (target_ == kInvariant) return s.exit_code == kExitInternalError;
        return std::find(s.failed_checks.begin(), s.failed_checks.end(), target_) != s.failed_checks.end();
    }

    void set_target(std::string t) { target_ = std::move(t); }
    const std::string& target() const { return target_; }
    int runs() const { return runs_; }
    bool budget_left() const { return runs_ < request_.max_runs; }

    // The first candidate (in order) that still fails, evaluating up to `jobs` at a time.
    std::optional<size_t> first_failing(const Json& base, const std::vector<State>& candidates,
                                        const std::vector<std::string>& what) {
        size_t i = 0;
        while (i < candidates.size() && budget_left()) {
            const size_t batch = std::min<size_t>({candidates.size() - i, static_cast<size_t>(std::max(1, request_.jobs)),
                                                   static_cast<size_t>(request_.max_runs - runs_)});
            std::vector<Json> docs;
            std::vector<std::optional<bool>> verdicts(batch);
            for (size_t k = 0; k < batch; ++k) {
                docs.push_back(build(base, candidates[i + k]));
                if (auto it = cache_.find(docs.back().dump()); it != cache_.end()) verdicts[k] = it->second;
            }
            std::vector<RunSummary> results(batch);
            std::vector<std::thread> threads;
            for (size_t k = 0; k < batch; ++k) {
                if (verdicts[k]) continue;
                ++runs_;
                threads.emplace_back([this, &docs, &results, k] { results[k] = run(docs[k]); });
            }
            for (auto& t : threads) t.join();
            std::optional<size_t> found;
            for (size_t k = 0; k < batch; ++k) {
                const bool cached = verdicts[k].has_value();
                if (!cached) {
                    verdicts[k] = fails(results[k]);
                    cache_[docs[k].dump()] = *verdicts[k];
                }
                if (!request_.quiet && !cached) {
                    out_ << "  run " << (runs_ - static_cast<int>(batch) + static_cast<int>(k) + 1) << ": " << what[i + k]
                         << " -> " << (*verdicts[k] ? "still fails " + target_ : describe(results[k])) << "\n";
                    out_.flush();
                }
                if (*verdicts[k] && !found) found = i + k;
            }
            if (found) return found;
            i += batch;
        }
        return std::nullopt;
    }

    static std::string describe(const RunSummary& s) {
        if (s.exit_code == kExitBadInput) return "invalid (" + s.error + ")";
        if (s.exit_code == kExitInternalError) return "internal error";
        if (s.failed_checks.empty()) return "passes";
        std::string t = "fails only ";
        for (size_t i = 0; i < s.failed_checks.size(); ++i) t.append(i ? ", " : "").append(s.failed_checks[i]);
        return t;
    }

private:
    const ShrinkRequest& request_;
    std::ostream& out_;
    std::string target_;
    int runs_ = 0;
    std::map<std::string, bool> cache_;
};

// ddmin-style removal: all faults, then halves, quarters, ... down to single faults.
void remove_faults(Shrinker& sh, const Json& base, State& cur) {
    if (cur.faults.empty()) return;
    {
        State none = cur;
        none.faults.clear();
        if (sh.first_failing(base, {none}, {"remove all " + std::to_string(cur.faults.size()) + " faults"})) {
            cur = none;
            return;
        }
    }
    size_t n = 2;
    while (cur.faults.size() >= 2 && sh.budget_left()) {
        const size_t size = cur.faults.size();
        n = std::min(n, size);
        const size_t chunk = (size + n - 1) / n;
        std::vector<State> cands;
        std::vector<std::string> what;
        for (size_t from = 0; from < size; from += chunk) {
            const size_t to = std::min(size, from + chunk);
            State c = cur;
            c.faults.erase(c.faults.begin() + static_cast<std::ptrdiff_t>(from), c.faults.begin() + static_cast<std::ptrdiff_t>(to));
            cands.push_back(std::move(c));
            what.push_back(to - from == 1 ? "remove fault " + std::to_string(from + 1) + " (" + fault_label(cur.faults[from]) + ")"
                                          : "remove faults " + std::to_string(from + 1) + "-" + std::to_string(to));
        }
        if (auto k = sh.first_failing(base, cands, what)) {
            cur = cands[*k];
            n = std::max<size_t>(n - 1, 2);
            continue;
        }
        if (n >= size) break;
        n = std::min(size, n * 2);
    }
}

// Shorter faults: each fault's length to 1 s, a quarter or a half while it still fails.
void shorten_faults(Shrinker& sh, const Json& base, State& cur) {
    for (size_t i = 0; i < cur.faults.size() && sh.budget_left(); ++i) {
        for (const char* key : {"for", "restart_after", "per_domain"}) {
            if (!cur.faults[i].contains(key)) continue;
            const sim::Duration d = parse_duration(cur.faults[i][key]);
            std::vector<State> cands;
            std::vector<std::string> what;
            for (sim::Duration c : {sim::Duration::seconds(1), tidy(d / 4), tidy(d / 2)}) {
                if (c >= d || (!cands.empty() && parse_duration(cands.back().faults[i][key]) == c)) continue;
                State s = cur;
                s.faults[i][key] = duration_text(c);
                cands.push_back(std::move(s));
                what.push_back("fault " + std::to_string(i + 1) + " " + key + " " + duration_text(d) + " -> " + duration_text(c));
            }
            if (auto k = sh.first_failing(base, cands, what)) cur = cands[*k];
        }
    }
}

// A shorter load period, down towards the last fault's start.
void trim_duration(Shrinker& sh, const Json& base, State& cur) {
    sim::Duration floor = sim::Duration::seconds(1);
    for (const auto& f : cur.faults) floor = std::max(floor, parse_duration(f["at"]) + sim::Duration::seconds(1));
    floor = sim::Duration::seconds((floor.ns() + 999'999'999) / 1'000'000'000);
    for (int round = 0; round < 4 && sh.budget_left(); ++round) {
        const sim::Duration d = cur.duration;
        if (d - floor <= sim::Duration::seconds(1)) return;
        std::vector<State> cands;
        std::vector<std::string> what;
        for (sim::Duration c : {floor, floor + (d - floor) / 4, floor + (d - floor) / 2}) {
            c = sim::Duration::seconds(std::max<int64_t>(1, c.ns() / 1'000'000'000));
            if (c >= d || (!cands.empty() && cands.back().duration == c)) continue;
            State s = cur;
            s.duration = c;
            cands.push_back(std::move(s));
            what.push_back("duration " + duration_text(d) + " -> " + duration_text(c));
        }
        auto k = sh.first_failing(base, cands, what);
        if (!k) return;
        cur = cands[*k];
    }
}

// JSON as people write scenario files: two-space indent, short objects and arrays on one line.
void pretty(const Json& v, int indent, std::string& out) {
    const std::string flat = v.dump();
    if ((!v.is_structured() || flat.size() + static_cast<size_t>(indent) <= 96) && flat.find("\"faults\"") == std::string::npos) {
        out.append(flat);
        return;
    }
    const std::string pad(static_cast<size_t>(indent) + 2, ' ');
    out.append(v.is_object() ? "{\n" : "[\n");
    size_t i = 0;
    for (auto it = v.begin(); it != v.end(); ++it, ++i) {
        out.append(pad);
        if (v.is_object()) out.append(Json(it.key()).dump()).append(": ");
        pretty(*it, indent + 2, out);
        out.append(i + 1 < v.size() ? ",\n" : "\n");
    }
    out.append(static_cast<size_t>(indent), ' ').append(v.is_object() ? "}" : "]");
}

std::string default_out(const std::string& name, uint64_t seed) {
    return "runs/" + name + "-seed" + std::to_string(seed) + "-shrunk.json";
}

}  // namespace

ShrinkResult shrink_scenario(const ShrinkRequest& request, std::ostream& out, std::ostream& err) {
    ShrinkResult res;
    res.exit_code = kExitBadInput;
    const auto started = std::chrono::steady_clock::now();

    // The scenario as the failing run saw it: the file, the --set overrides, the seed.
    scenario::LoadOptions lo;
    lo.overrides = request.overrides;
    lo.seed = request.seed;
    auto loaded = scenario::load_scenario_file(request.file, lo);
    if (!loaded.ok()) {
        for (const auto& m : loaded.messages()) err << m << "\n";
        return res;
    }
    std::ifstream in(request.file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    scenario::Diagnostics diags;
    std::optional<Json> doc = scenario::parse_json_text(text.str(), diags);
    if (!doc) {
        err << request.file << ": cannot parse\n";
        return res;
    }
    for (const auto& o : request.overrides) {
        if (auto e = scenario::apply_set(*doc, o)) {
            err << request.file << ": --set " << o << ": " << *e << "\n";
            return res;
        }
    }
    (*doc)["seed"] = request.seed;
    const scenario::Scenario& s = *loaded.scenario;

    Shrinker sh(request, out);
    if (!request.quiet) {
        out << "shrink " << s.name << " seed " << request.seed << ": the original run\n";
        out.flush();
    }
    const RunSummary original = sh.run(*doc);
    if (original.exit_code == kExitBadInput) {
        err << original.error << "\n";
        return res;
    }
    if (original.exit_code == kExitInternalError) {
        sh.set_target(kInvariant);
    } else if (original.failed_checks.empty()) {
        err << "stampsim shrink: seed " << request.seed << " of " << request.file << " passes every check: nothing to shrink\n";
        return res;
    } else if (!request.check.empty()) {
        if (std::find(original.failed_checks.begin(), original.failed_checks.end(), request.check) ==
            original.failed_checks.end()) {
            err << "stampsim shrink: --check " << request.check << ": seed " << request.seed << " does not fail it (it fails "
                << Shrinker::describe(original).substr(11) << ")\n";
            return res;
        }
        sh.set_target(request.check);
    } else {
        sh.set_target(original.failed_checks.front());
    }
    res.target = sh.target();

    // Materialise: the scripted faults as written, then the chaos schedule as drawn from
    // the seed (as World draws it: the root stream's "chaos" fork), as explicit faults.
    State cur;
    cur.duration = s.duration;
    if (doc->contains("faults") && (*doc)["faults"].is_array()) {
        for (const auto& f : (*doc)["faults"]) cur.faults.push_back(f);
    }
    int from_chaos = 0;
    if (s.chaos) {
        const sim::Topology topology(topology_spec(s));
        const faults::ChaosSchedule chaos =
            faults::draw_chaos_schedule(chaos_spec(*s.chaos), topology, sim::Rng(request.seed).fork("chaos"));
        for (const auto& f : chaos.faults) cur.faults.push_back(fault_to_json(f, topology));
        from_chaos = static_cast<int>(chaos.faults.size());
    }
    Json base = *doc;
    base.erase("chaos");
    res.faults_before = static_cast<int>(cur.faults.size());
    res.duration_before = duration_text(cur.duration);
    if (!request.quiet) {
        out << "target: " << res.target << " (original fingerprint " << hex64(original.fingerprint) << ")\n";
        out << "materialised " << res.faults_before << " faults (" << from_chaos << " from chaos):\n";
        for (size_t i = 0; i < cur.faults.size(); ++i) out << "  " << (i + 1) << ". " << fault_label(cur.faults[i]) << "\n";
        out.flush();
    }
    const RunSummary explicit_run = sh.run(build(base, cur));
    res.bit_for_bit = explicit_run.fingerprint == original.fingerprint;
    if (!sh.fails(explicit_run)) {
        err << "stampsim shrink: the explicit schedule no longer fails " << res.target << " ("
            << Shrinker::describe(explicit_run) << "): the chaos schedule was not materialised faithfully\n";
        res.exit_code = kExitCheckFailed;
        return res;
    }
    if (!request.quiet) {
        out << "explicit schedule still fails " << res.target
            << (res.bit_for_bit ? ", the same run bit for bit\n" : " (another fingerprint: " + hex64(explicit_run.fingerprint) + ")\n");
        out.flush();
    }

    remove_faults(sh, base, cur);
    shorten_faults(sh, base, cur);
    trim_duration(sh, base, cur);
    remove_faults(sh, base, cur);  // a shorter run may need fewer faults

    // The result, self-contained and ready for scenarios/regressions/.
    Json result = build(base, cur);
    const std::string out_file = request.out_file.empty() ? default_out(s.name, request.seed) : request.out_file;
    std::string origin = "stampsim shrink " + request.file + " --seed " + std::to_string(request.seed);
    for (const auto& o : request.overrides) origin.append(" --set ").append(o);
    std::string description = "Shrunk by `" + origin + "`: " + std::to_string(res.faults_before) + " faults (" +
                              std::to_string(from_chaos) + " drawn by chaos, made explicit) down to " +
                              std::to_string(cur.faults.size()) + ", load " + res.duration_before + " down to " +
                              duration_text(cur.duration) + "; still fails the " + res.target + " check";
    if (!s.debug.bug.empty()) description.append(" with the planted bug ").append(s.debug.bug);
    description.append(". Expected to fail while the bug is in; set expect to pass once it is fixed.");
    result["name"] = s.name + "-seed" + std::to_string(request.seed) + "-shrunk";
    result["description"] = description;
    if (!result.contains("checks") || !result["checks"].is_object()) result["checks"] = Json::object();
    result["checks"]["expect"] = "fail";
    if (result.contains("$schema") && result["$schema"].is_string()) {
        // Keep the schema reference valid from the new file's folder.
        namespace fs = std::filesystem;
        const fs::path schema = fs::absolute(fs::path(request.file).parent_path() / result["$schema"].get<std::string>());
        const fs::path dir = fs::absolute(fs::path(out_file)).parent_path();
        std::string rel = fs::relative(schema, dir).generic_string();
        if (!rel.empty() && rel[0] != '.') rel = "./" + rel;
        if (!rel.empty()) result["$schema"] = rel;
    }

    // The final scenario once more, exactly as written.
    const RunSummary last = sh.run(result);
    if (!sh.fails(last)) {
        err << "stampsim shrink: the written scenario no longer fails " << res.target << " (" << Shrinker::describe(last) << ")\n";
        res.exit_code = kExitInternalError;
        return res;
    }
    std::error_code ec;
    const auto parent = std::filesystem::path(out_file).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    std::ofstream f(out_file);
    std::string text_out;
    pretty(result, 0, text_out);
    f << text_out << "\n";
    if (!f) {
        err << "stampsim shrink: cannot write " << out_file << "\n";
        return res;
    }
    res.faults_after = static_cast<int>(cur.faults.size());
    res.duration_after = duration_text(cur.duration);
    res.runs = sh.runs();
    res.fingerprint = last.fingerprint;
    res.scenario = result;
    res.out_file = out_file;
    res.exit_code = kExitOk;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    char line[256];
    std::snprintf(line, sizeof line, "shrunk: %d faults -> %d, load %s -> %s, %d candidate runs, %.1f s; still fails %s\n",
                  res.faults_before, res.faults_after, res.duration_before.c_str(), res.duration_after.c_str(), res.runs, wall,
                  res.target.c_str());
    out << line;
    for (size_t i = 0; i < cur.faults.size(); ++i) out << "  " << (i + 1) << ". " << fault_label(cur.faults[i]) << "\n";
    out << "wrote " << out_file << "\n";
    out << "check it: stampsim run " << out_file << "   (expect: fail; fingerprint " << hex64(last.fingerprint) << ")\n";
    out.flush();
    return res;
}

void add_shrink_command(Cli& cli) {
    auto r = std::make_shared<ShrinkRequest>();
    CLI::App* sub = cli.add_command(
        "shrink", "Reduce a failing seed's faults and load to the smallest scenario that still fails the same check",
        [&cli, r]() { return shrink_scenario(*r, cli.out(), cli.err()).exit_code; });
    sub->add_option("file", r->file, "Scenario file (JSON)")->required();
    sub->add_option("--seed", r->seed, "The failing seed")->required();
    sub->add_option("--out", r->out_file, "Where to write the shrunk scenario (default runs/NAME-seedN-shrunk.json)");
    sub->add_option("--set", r->overrides, "Override one value before shrinking: PATH=VALUE")
        ->take_all()
        ->allow_extra_args(false);
    sub->add_option("--check", r->check, "The check that must keep failing (default: the first that failed)");
    sub->add_option("--jobs,-j", r->jobs, "Candidate runs at a time (the result does not depend on it)")
        ->check(CLI::Range(1, 256));
    sub->add_option("--max-runs", r->max_runs, "Bound on candidate runs (default 200)")->check(CLI::Range(1, 100000));
    sub->add_flag("--quiet", r->quiet, "Print only the result");
}

}  // namespace app
