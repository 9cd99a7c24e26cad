// scenarios/regressions/: every shrunk scenario runs with its own seed and must give its
// expected verdict (exit 0: it passes, or, with "expect": "fail", a check fails as it
// should). A file lands here from `stampsim shrink` (README, "Sweeps").
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "app/run.h"

TEST_CASE("regressions: every scenario in scenarios/regressions gives its expected verdict") {
    const std::filesystem::path dir = std::filesystem::path(STAMPSIM_SOURCE_DIR) / "scenarios" / "regressions";
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().extension() == ".json") files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    REQUIRE_FALSE(files.empty());
    for (const auto& file : files) {
        CAPTURE(file);
        app::RunRequest r;
        r.file = file;
        r.quiet = true;
        r.write_outputs = false;
        std::ostringstream out, err;
        const app::RunSummary s = app::run_scenario(r, out, err);
        INFO(err.str());
        CHECK(s.exit_code == 0);
        MESSAGE(std::filesystem::path(file).filename().string()
                << ": verdict " << s.verdict << ", failed checks " << s.failed_checks.size() << ", " << s.wall_s << " s");
    }
}
