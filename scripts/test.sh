#!/usr/bin/env bash
# Every test: install what is missing, build everything (tests, benchmarks, the
# program), run the whole doctest suite through ctest. ctest's summary is the last
# thing printed. STAMPSIM_CTEST_ARGS adds ctest arguments (.ci/run's sanitizer stage
# uses it to leave out the scenario library, which the first stage runs).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/build.sh"
build="${STAMPSIM_BUILD_DIR:-$root/build}"
cd "$build"
ctest --output-on-failure -j "$(nproc)" ${STAMPSIM_CTEST_ARGS:-}
