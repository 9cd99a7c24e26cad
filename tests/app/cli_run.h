// tests/app/cli_run.h: the `stampsim` command line run in-process, as the tests of app/
// call it: argv as a user types it (without the program name), the exit code and what
// the command printed on standard output and standard error.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "app/cli.h"

namespace cli_test {

struct Run {
    int code;
    std::string out;
    std::string err;
};

inline Run run(std::vector<std::string> args) {
    args.insert(args.begin(), "stampsim");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    std::ostringstream out, err;
    const int code = app::run_cli(static_cast<int>(argv.size()), argv.data(), out, err);
    return {code, out.str(), err.str()};
}

}  // namespace cli_test
