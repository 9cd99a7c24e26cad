// Golden fingerprints: a few short (scenario, seed) runs whose fingerprints are checked in
// (tests/golden/fingerprints.tsv), so any change that alters what the simulator does shows
// here. A change meant to alter behaviour regenerates the table with
// scripts/update_golden.sh and commits it alongside.
#include <doctest/doctest.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "app/run.h"

TEST_CASE("golden: the checked-in fingerprints of short runs still hold") {
    const std::string root = STAMPSIM_SOURCE_DIR;
    std::ifstream in(root + "/tests/golden/fingerprints.tsv");
    REQUIRE(in.good());
    std::string line;
    int rows = 0;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> cols;
        std::stringstream ss(line);
        std::string col;
        while (std::getline(ss, col, '\t')) cols.push_back(col);
        REQUIRE(cols.size() >= 3);
        app::RunRequest r;
        r.file = root + "/" + cols[0];
        r.seed = std::stoull(cols[1]);
        if (cols.size() > 3) {
            std::stringstream sets(cols[3]);
            std::string o;
            while (sets >> o) r.overrides.push_back(o);
        }
        r.quiet = true;
        r.write_outputs = false;
        std::ostringstream out, err;
        const app::RunSummary s = app::run_scenario(r, out, err);
        char got[24];
        std::snprintf(got, sizeof got, "%016" PRIx64, s.fingerprint);
        INFO(line);
        INFO(err.str());
        CHECK_MESSAGE(cols[2] == got, "fingerprint is now ", got,
                      ": if behaviour changed on purpose, run scripts/update_golden.sh and commit the table");
        ++rows;
    }
    CHECK(rows >= 4);
}
