#include "app/cli.h"
#include "app/run.h"
#include "app/shrink.h"
#include "app/sweep.h"

#include <CLI/CLI.hpp>

#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>
#include <vector>

#include "app/scenario/loader.h"
#include "reports/json_schema.h"

#ifndef STAMPSIM_VERSION
#define STAMPSIM_VERSION "unknown"
#endif

namespace app {

Cli::Cli(std::ostream& out, std::ostream& err)
    : out_(out), err_(err), app_(std::make_unique<CLI::App>(
                                "stampsim: a deterministic simulator of an Azure-Storage-style "
                                "blob store",
                                "stampsim")) {
    app_->set_version_flag("--version", std::string("stampsim ") + STAMPSIM_VERSION);
    app_->require_subcommand(1);
    app_->footer("Exit codes: 0 ok, 1 a check failed, 2 bad input (nothing ran), "
                 "3 internal error.\nScenario format: scenarios/README.md");
}

Cli::~Cli() = default;

CLI::App* Cli::add_command(const std::string& name, const std::string& description,
                           std::function<int()> action) {
    CLI::App* sub = app_->add_subcommand(name, description);
    sub->callback([this, action = std::move(action)] { chosen_ = action; });
    return sub;
}

int Cli::run(int argc, const char* const* argv) {
    try {
        app_->parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app_->exit(e, out_, err_);
        return code == 0 ? kExitOk : kExitBadInput;
    }
    if (!chosen_) return kExitBadInput;
    return chosen_();
}

namespace {

// scenarios/ holds the format's JSON Schema beside the scenarios, so that
// `stampsim validate scenarios/*.json` works: a document that declares a json-schema.org
// dialect is checked as a schema (it must compile) instead of as a scenario. Returns
// nullopt for any other file.
std::optional<std::string> check_if_json_schema(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    scenario::Diagnostics ignored;
    auto doc = scenario::parse_json_text(text.str(), ignored);
    if (!doc || !doc->is_object() || !doc->contains("$schema") || !(*doc)["$schema"].is_string() ||
        (*doc)["$schema"].get<std::string>().rfind("https://json-schema.org/", 0) != 0) {
        return std::nullopt;
    }
    std::string error;
    if (reports::JsonSchema::compile(*doc, &error)) return std::string();
    return error;
}

}  // namespace

void add_validate_command(Cli& cli) {
    struct Options {
        std::vector<std::string> files;
        std::vector<std::string> overrides;
        bool print_resolved = false;
    };
    auto options = std::make_shared<Options>();
    CLI::App* sub = cli.add_command(
        "validate", "Check scenario files without running them; print ok or every error",
        [&cli, options]() {
            int code = kExitOk;
            for (const auto& file : options->files) {
                if (auto schema_error = check_if_json_schema(file)) {
                    if (schema_error->empty()) {
                        cli.out() << file << ": ok (a JSON Schema)\n";
                    } else {
                        cli.err() << file << ": " << *schema_error << "\n";
                        code = kExitBadInput;
                    }
                    continue;
                }
                scenario::LoadOptions load;
                load.overrides = options->overrides;
                auto result = scenario::load_scenario_file(file, load);
                if (result.ok()) {
                    cli.out() << file << ": ok\n";
                    if (options->print_resolved) cli.out() << result.resolved.dump(2) << "\n";
                } else {
                    for (const auto& line : result.messages()) cli.err() << line << "\n";
                    code = kExitBadInput;
                }
            }
            cli.out().flush();
            cli.err().flush();
            return code;
        });
    sub->add_option("files", options->files, "Scenario files (JSON)")->required();
    sub->add_option("--set", options->overrides,
                    "Override one value before validating, e.g. storage.stream.replicas=2")
        ->take_all()
        ->allow_extra_args(false);
    sub->add_flag("--print-resolved", options->print_resolved,
                  "Print each valid scenario with every default filled in");
}

void add_all_commands(Cli& cli) {
    add_validate_command(cli);
    add_chain_append_command(cli);
    add_report_command(cli);
    add_compare_command(cli);
    add_run_command(cli);
    add_sweep_command(cli);
    add_shrink_command(cli);
}

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
    Cli cli(out, err);
    add_all_commands(cli);
    return cli.run(argc, argv);
}

}  // namespace app
