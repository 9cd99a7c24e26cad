#!/usr/bin/env bash
# The main job: install what is missing, build, validate the scenario library and run
# the kernel's chain-append model (the storage system's end-to-end run replaces the
# latter when `stampsim run` lands).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/build.sh" --target stampsim
bin="${STAMPSIM_BUILD_DIR:-$root/build}/stampsim"
cd "$root"
echo "== stampsim validate scenarios/*.json"
"$bin" validate scenarios/*.json
echo
echo "== stampsim chain-append --seconds 10"
"$bin" chain-append --seconds 10
