// `stampsim report DIR` and `stampsim compare A B` (spec/cli-and-reports.md).
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>

#include "app/cli.h"
#include "reports/compare.h"
#include "reports/html_report.h"
#include "reports/outputs.h"

#ifndef STAMPSIM_SOURCE_DIR
#define STAMPSIM_SOURCE_DIR "."
#endif

namespace app {

namespace {

// A run folder or its report.json.
std::string report_path(const std::string& arg) {
    if (std::filesystem::is_directory(arg)) return arg + "/report.json";
    return arg;
}

bool read_report(const std::string& arg, nlohmann::ordered_json* out, std::ostream& err) {
    std::string path = report_path(arg);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        err << path << ": cannot read it\n";
        return false;
    }
    *out = nlohmann::ordered_json::parse(in, nullptr, false);
    if (out->is_discarded() || !out->is_object() || !out->contains("verdict")) {
        err << path << ": not a stampsim report.json\n";
        return false;
    }
    return true;
}

}  // namespace

void add_report_command(Cli& cli) {
    auto dir = std::make_shared<std::string>();
    CLI::App* sub = cli.add_command(
        "report", "Re-render the HTML and CSV of a finished run from its report.json",
        [&cli, dir]() {
            reports::OutputResult res;
            try {
                res = reports::rerender_outputs(*dir, reports::default_vega_dir(STAMPSIM_SOURCE_DIR));
            } catch (const std::exception& e) {
                cli.err() << *dir << "/report.json: " << e.what() << "\n";
                return static_cast<int>(kExitBadInput);
            }
            if (!res.ok) {
                cli.err() << res.error << "\n";
                return static_cast<int>(kExitBadInput);
            }
            for (const auto& w : res.warnings) cli.err() << "warning: " << w << "\n";
            cli.out() << res.summary;
            for (const auto& f : res.files) cli.out() << "wrote " << f << "\n";
            cli.out().flush();
            return static_cast<int>(kExitOk);
        });
    sub->add_option("dir", *dir, "A run's output folder (holding report.json)")->required();
}

void add_compare_command(Cli& cli) {
    struct Options {
        std::string a, b, out = ".";
    };
    auto o = std::make_shared<Options>();
    CLI::App* sub = cli.add_command(
        "compare", "Compare two runs side by side; write compare.json and compare.txt",
        [&cli, o]() {
            nlohmann::ordered_json ra, rb;
            if (!read_report(o->a, &ra, cli.err()) || !read_report(o->b, &rb, cli.err()))
                return static_cast<int>(kExitBadInput);
            nlohmann::ordered_json c;
            std::string text;
            try {
                c = reports::compare_reports(ra, rb, report_path(o->a), report_path(o->b));
                text = reports::compare_text(c);
            } catch (const std::exception& e) {
                cli.err() << "compare: malformed report: " << e.what() << "\n";
                return static_cast<int>(kExitBadInput);
            }
            std::error_code ec;
            std::filesystem::create_directories(o->out, ec);
            std::ofstream js(o->out + "/compare.json"), txt(o->out + "/compare.txt");
            if (!js || !txt) {
                cli.err() << o->out << ": cannot write compare.json / compare.txt\n";
                return static_cast<int>(kExitBadInput);
            }
            js << c.dump(1) << "\n";
            txt << text;
            cli.out() << text;
            cli.out().flush();
            return static_cast<int>(kExitOk);
        });
    sub->add_option("a", o->a, "First run (folder or report.json)")->required();
    sub->add_option("b", o->b, "Second run (folder or report.json)")->required();
    sub->add_option("--out", o->out, "Folder for compare.json and compare.txt (default: .)");
}

}  // namespace app
