#!/usr/bin/env bash
# Installs the Vega, Vega-Lite and vega-embed bundles that report.html inlines, from npm,
# pinned by package-lock.json, into reports/web/node_modules. Idempotent: does nothing
# when the bundles are there. Installs node and npm from Debian when npm is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bundles=(vega/build/vega.min.js vega-lite/build/vega-lite.min.js vega-embed/build/vega-embed.min.js)
have_all() {
  for b in "${bundles[@]}"; do [ -s "$here/node_modules/$b" ] || return 1; done
}
if have_all; then exit 0; fi
if ! command -v npm >/dev/null 2>&1; then
  echo "reports/web/setup.sh: installing nodejs and npm" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi
echo "reports/web/setup.sh: npm ci (vega, vega-lite, vega-embed)" >&2
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
have_all
