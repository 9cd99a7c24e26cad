// `stampsim run`: one scenario, end to end (spec/cli-and-reports.md).
#include "app/run.h"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <ostream>

#include "app/cli.h"
#include "app/report_config.h"
#include "app/scenario/loader.h"
#include "app/world.h"
#include "models/client/trace_reader.h"
#include "reports/html_report.h"
#include "reports/outputs.h"
#include "sim/check.h"
#include "sim/event_log.h"

#ifndef STAMPSIM_SOURCE_DIR
#define STAMPSIM_SOURCE_DIR "."
#endif
#ifndef STAMPSIM_VERSION
#define STAMPSIM_VERSION "0"
#endif

namespace app {

namespace {

std::string hex64(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
    return buf;
}

// Every bad line of every trace the scenario replays (bad input: exit 2 before running).
std::vector<std::string> check_traces(const scenario::Scenario& s) {
    std::vector<std::string> errors;
    for (size_t i = 0; i < s.workloads.size(); ++i) {
        const auto& w = s.workloads[i];
        if (w.kind != scenario::WorkloadKind::kTrace) continue;
        const auto format = w.trace.format == scenario::TraceFormat::kAzureFunctionsBlob2020
                                ? models::client::TraceFormat::kAzureFunctionsBlob2020
                                : models::client::TraceFormat::kTectonicChunk;
        for (const auto& e : models::client::check_trace_file(w.trace.resolved_path, format, 20)) {
            std::string m = w.trace.resolved_path;
            if (e.line > 0) m.append(":").append(std::to_string(e.line));
            m.append(": ").append(e.message);
            m.append(" (workload /workloads/").append(std::to_string(i)).append(")");
            errors.push_back(std::move(m));
        }
    }
    return errors;
}

std::string fmt_duration(sim::Duration d) { return d.to_string(); }

}  // namespace

RunSummary run_scenario(const RunRequest& request, std::ostream& out, std::ostream& err) {
    RunSummary summary;
    scenario::LoadOptions lo;
    lo.overrides = request.overrides;
    lo.seed = request.seed;
    auto loaded = request.scenario_text.empty()
                      ? scenario::load_scenario_file(request.file, lo)
                      : scenario::load_scenario_text(request.scenario_text, request.file,
                                                     std::filesystem::path(request.file).parent_path(), lo);
    if (!loaded.ok()) {
        for (const auto& m : loaded.messages()) err << m << "\n";
        summary.exit_code = kExitBadInput;
        summary.error = loaded.messages().front();
        return summary;
    }
    const scenario::Scenario& s = *loaded.scenario;
    summary.seed = s.seed;
    if (auto trace_errors = check_traces(s); !trace_errors.empty()) {
        for (const auto& m : trace_errors) err << m << "\n";
        summary.exit_code = kExitBadInput;
        summary.error = trace_errors.front();
        return summary;
    }
    summary.out_dir = request.out_dir.empty() ? "runs/" + s.name + "-seed" + std::to_string(s.seed) : request.out_dir;

    const auto wall_start = std::chrono::steady_clock::now();
    reports::RunResult result;
    std::unique_ptr<World> world_holder;
    try {
        WorldOptions wo;
        wo.scenario_file = request.file;
        wo.resolved = loaded.resolved;
        wo.version = STAMPSIM_VERSION;
        // The World outlives the report writing: trace.json reads its kernel's tracer.
        world_holder = std::make_unique<World>(s, s.seed, std::move(wo));
        World& world = *world_holder;
        if (request.event_log != nullptr) {
            world.sim().set_event_log(request.event_log);
            for (const auto& n : world.sim().topology().nodes()) summary.node_names.push_back(n.name);
        }
        if (request.before_run) request.before_run(world.sim());
        if (!request.quiet) {
            int nodes = 0, stamps = 0;
            for (const auto& r : s.topology.regions) {
                for (const auto& st : r.stamps) {
                    nodes += st.node_count();
                    ++stamps;
                }
            }
            out << "stampsim run " << s.name << " (seed " << s.seed << "): " << s.topology.regions.size()
                << (s.topology.regions.size() == 1 ? " region, " : " regions, ") << stamps
                << (stamps == 1 ? " stamp, " : " stamps, ") << nodes << " nodes, " << s.workloads.size()
                << (s.workloads.size() == 1 ? " workload; " : " workloads; ") << fmt_duration(s.duration)
                << " load + " << fmt_duration(s.drain) << " drain\n";
            if (!s.debug.bug.empty()) out << "planted bug: " << s.debug.bug << "\n";
            const auto lines = world.fault_schedule_lines();
            if (!lines.empty()) {
                out << "fault schedule (" << lines.size() << "):\n";
                for (const auto& l : lines) out << "  " << l << "\n";
            }
            for (const auto& w : world.warnings()) out << "warning: " << w << "\n";
            out.flush();
        }
        auto last_print = std::chrono::steady_clock::now();
        bool printed = false;
        std::function<void(const RunProgress&)> progress;
        if (request.progress && !request.quiet) {
            progress = [&](const RunProgress& p) {
                const auto now = std::chrono::steady_clock::now();
                if (now - last_print < std::chrono::milliseconds(250)) return;
                if (now - wall_start < std::chrono::seconds(1)) return;
                last_print = now;
                const double wall = std::chrono::duration<double>(now - wall_start).count();
                const double total = (sim::Time::zero() + s.duration + s.drain - sim::Time::zero()).to_seconds();
                const double at = (p.now - sim::Time::zero()).to_seconds();
                const double pct = p.phase == "verify" ? 100.0 : std::min(100.0, 100.0 * at / total);
                const double rate = at / wall;
                const double left = p.phase == "verify" || rate <= 0 ? 0 : (total - at) / rate;
                char buf[200];
                std::snprintf(buf, sizeof buf, "\r%-6s sim %8.1f s  %5.1f%%  %6.2f M events/s  ~%4.0f s left ",
                              p.phase.c_str(), at, pct, static_cast<double>(p.events) / wall / 1e6, left);
                err << buf;
                err.flush();
                printed = true;
            };
        }
        world.run(progress);
        if (printed) err << "\r" << std::string(72, ' ') << "\r";
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
        result = world.take_result(wall);
    } catch (const sim::InvariantViolation& e) {
        err << "stampsim: internal invariant violated (seed " << s.seed << "): " << e.what() << "\n";
        summary.exit_code = kExitInternalError;
        summary.error = e.what();
        return summary;
    }
    result.checks = to_check_spec(s.checks);
    result.report = to_report_options(s.report);
    summary.fingerprint = result.fingerprint;
    summary.wall_s = result.sim.wall_s;
    summary.sim_s = result.sim.duration_s;
    summary.events = result.sim.events;
    summary.ops = result.history.ops().size();

    reports::OutputResult res;
    if (request.write_outputs) {
        res = reports::write_run_outputs(result, summary.out_dir, reports::default_vega_dir(STAMPSIM_SOURCE_DIR));
        if (!res.ok) {
            err << res.error << "\n";
            summary.exit_code = kExitBadInput;
            summary.error = res.error;
            return summary;
        }
    } else {
        const reports::RunAnalysis a = reports::analyze(result);
        res.verdict = a.verdict;
    }
    summary.verdict = res.verdict.text;
    summary.failed_checks = res.verdict.failed_checks;
    summary.exit_code = res.verdict.exit_code;
    if (!request.quiet) {
        for (const auto& w : res.warnings) err << "warning: " << w << "\n";
        out << res.summary;
        if (request.write_outputs) out << "report: " << summary.out_dir << "/\n";
    }
    out << "fingerprint " << hex64(summary.fingerprint) << "  verdict " << summary.verdict << "\n";
    out.flush();
    return summary;
}

void add_run_command(Cli& cli) {
    auto req = std::make_shared<RunRequest>();
    auto seed = std::make_shared<uint64_t>(0);
    CLI::App* sub = cli.add_command(
        "run", "Run one scenario and write its report folder (default runs/NAME-seedN/)", [&cli, req, seed]() {
            RunRequest r = *req;
            if (cli.app().get_subcommand("run")->count("--seed") > 0) r.seed = *seed;
            r.progress = isatty(STDERR_FILENO) != 0;
            return run_scenario(r, cli.out(), cli.err()).exit_code;
        });
    sub->add_option("file", req->file, "Scenario file (JSON)")->required();
    sub->add_option("--seed", *seed, "Seed of the run (replaces the file's)");
    sub->add_option("--out", req->out_dir, "Output folder (default runs/NAME-seedN/)");
    sub->add_option("--set", req->overrides, "Override one value: PATH=VALUE, e.g. storage.stream.replicas=2")
        ->take_all()
        ->allow_extra_args(false);
    sub->add_flag("--quiet", req->quiet, "Print only the verdict line");
}

}  // namespace app
