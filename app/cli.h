// app/cli.h: the `stampsim` command line (spec/cli-and-reports.md).
//
// Cli wraps a CLI11 application whose subcommands each register their options and an
// action returning an exit code. main() only forwards argv to run_cli; tests call run_cli
// in-process with their own streams. A later command (run, sweep, report, compare, shrink)
// is one function `void add_NAME_command(Cli&)` plus one line in add_all_commands. Every
// problem with the input (flags, files) ends in exit code 2 with a message; nothing throws
// out of run().
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace app {

// Exit codes, spec/cli-and-reports.md.
enum ExitCode : int {
    kExitOk = 0,
    kExitCheckFailed = 1,
    kExitBadInput = 2,
    kExitInternalError = 3,
};

class Cli {
public:
    Cli(std::ostream& out, std::ostream& err);
    ~Cli();
    Cli(const Cli&) = delete;
    Cli& operator=(const Cli&) = delete;

    CLI::App& app() { return *app_; }
    std::ostream& out() { return out_; }
    std::ostream& err() { return err_; }

    // Adds subcommand `name`; `action` runs when it is chosen and returns the exit code.
    // Returns the subcommand so that the caller can add its options.
    CLI::App* add_command(const std::string& name, const std::string& description,
                          std::function<int()> action);

    // Parses argv and runs the chosen command. --help and --version exit 0; a bad flag or
    // a missing command prints the reason and exits 2.
    int run(int argc, const char* const* argv);

private:
    std::ostream& out_;
    std::ostream& err_;
    std::unique_ptr<CLI::App> app_;
    std::function<int()> chosen_;
};

// `stampsim validate FILE... [--set PATH=VALUE]... [--print-resolved]`.
void add_validate_command(Cli& cli);

// `stampsim chain-append [--seed N] [--seconds S]` (app/kernel_commands.cpp).
void add_chain_append_command(Cli& cli);

// `stampsim report DIR` and `stampsim compare A B [--out DIR]` (app/report_commands.cpp).
void add_report_command(Cli& cli);
void add_compare_command(Cli& cli);

// Every command of the program. Later issues add theirs here.
void add_all_commands(Cli& cli);

// The whole program: builds the Cli with every command and runs it.
int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace app
