#!/usr/bin/env bash
# Installs what stampsim needs from Debian packages, once: packages already present are
# not touched, so a second run does nothing. Needs root (or sudo) only when something
# is missing. Sourced or run by scripts/quickstart.sh and scripts/test.sh.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libboost-dev nlohmann-json3-dev libeigen3-dev doctest-dev libbenchmark-dev libcli11-dev libssl-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
