#!/usr/bin/env bash
# The main job: install what is missing (apt packages; the chart bundle from npm), build,
# validate the scenario library and run scenarios/quickstart.json end to end: a one-stamp
# cluster under a mixed workload for two simulated minutes. Prints the run's summary and
# writes its report folder to runs/quickstart-seed1/ (report.html, report.json,
# timeseries.csv, summary.txt).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/build.sh" --target stampsim
bash "$root/reports/web/setup.sh"
bin="${STAMPSIM_BUILD_DIR:-$root/build}/stampsim"
cd "$root"
echo "== stampsim validate scenarios/*.json"
"$bin" validate scenarios/*.json
echo
echo "== stampsim run scenarios/quickstart.json"
"$bin" run scenarios/quickstart.json "$@"
