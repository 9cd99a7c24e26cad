#!/usr/bin/env bash
# Configures and builds stampsim into build/ (or $STAMPSIM_BUILD_DIR). Warnings are
# errors when CI=true. Extra arguments are passed to `cmake --build` (e.g. --target X).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
build="${STAMPSIM_BUILD_DIR:-$root/build}"
werror=OFF
if [ "${CI:-}" = "true" ]; then werror=ON; fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTAMPSIM_WERROR="$werror" \
  ${STAMPSIM_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j "$(nproc)" "$@"
