// `stampsim chain-append`: runs the kernel's chain-append model and prints its figures
// (the speed reference shared with ../shared/peers).
#include <CLI/CLI.hpp>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <ostream>

#include "app/cli.h"
#include "models/toy/chain_append.h"

namespace app {

void add_chain_append_command(Cli& cli) {
    struct Options {
        uint64_t seed = 42;
        double seconds = 10;
    };
    auto options = std::make_shared<Options>();
    CLI::App* sub = cli.add_command(
        "chain-append", "Run the kernel's chain-append model (60 nodes, 200 clients, chain of 3) and print its figures",
        [&cli, options]() {
            models::toy::ChainAppendConfig cfg;
            cfg.seed = options->seed;
            cfg.horizon = sim::Duration::from_seconds(options->seconds);
            const auto start = std::chrono::steady_clock::now();
            const auto r = models::toy::run_chain_append(cfg);
            const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            char buf[512];
            std::snprintf(buf, sizeof buf,
                          "chain-append: %d nodes, %d closed-loop clients, chain of %d, seed %" PRIu64 "\n"
                          "  simulated      %.3f s\n"
                          "  appends        %" PRIu64 " (%.1f k per simulated second)\n"
                          "  mean latency   %.1f us (minimum 550 us)\n"
                          "  events         %" PRIu64 " (%.2f per append)\n"
                          "  wall time      %.3f s\n"
                          "  appends/wall s %.0f\n"
                          "  events/wall s  %.0f\n"
                          "  fingerprint    %016" PRIx64 "\n",
                          cfg.nodes, cfg.clients, cfg.chain_length, cfg.seed, options->seconds, r.appends,
                          static_cast<double>(r.appends) / options->seconds / 1e3, r.mean_latency_us, r.events,
                          r.appends ? static_cast<double>(r.events) / static_cast<double>(r.appends) : 0.0, wall,
                          static_cast<double>(r.appends) / wall, static_cast<double>(r.events) / wall, r.fingerprint);
            cli.out() << buf;
            return kExitOk;
        });
    sub->add_option("--seed", options->seed, "Seed of the clients' random streams");
    sub->add_option("--seconds", options->seconds, "Simulated seconds to run")->check(CLI::Range(0.001, 3600.0));
}

}  // namespace app
