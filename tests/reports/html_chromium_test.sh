#!/usr/bin/env bash
# ctest entry: renders a sample run's report.html (with the real Vega-Lite bundle) in
# headless Chromium and checks that every chart drew non-empty SVG and nothing was logged
# to the console as an error; keeps a screenshot as an artifact.
# Usage: html_chromium_test.sh SOURCE_DIR TESTS_BINARY OUT_DIR
# Installs the bundle (reports/web/setup.sh) and the Debian package chromium when missing;
# skips (exit 77, reported as skipped by ctest) only if chromium cannot be installed.
set -uo pipefail
src="$1"; tests_bin="$2"; out="$3"
rm -rf "$out"; mkdir -p "$out"

bash "$src/reports/web/setup.sh" || { echo "FAIL: could not install the Vega-Lite bundle"; exit 1; }

chromium_bin=""
for c in chromium chromium-browser; do command -v "$c" >/dev/null 2>&1 && chromium_bin="$(command -v "$c")" && break; done
if [ -z "$chromium_bin" ]; then
  echo "installing chromium (Debian package)" >&2
  SUDO=""; if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  ($SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null) || true
  command -v chromium >/dev/null 2>&1 && chromium_bin="$(command -v chromium)"
fi
if [ -z "$chromium_bin" ]; then
  echo "SKIPPED: chromium is not installed and could not be installed"
  exit 77
fi

STAMPSIM_SAMPLE_OUT="$out/run" "$tests_bin" -tc='sample report for the browser test' >"$out/sample.log" 2>&1 \
  || { cat "$out/sample.log"; echo "FAIL: could not write the sample run"; exit 1; }
page="$out/run/report.html"
[ -s "$page" ] || { echo "FAIL: no report.html"; exit 1; }
if grep -q 'id=no-charts' "$page"; then echo "FAIL: the page was written without the Vega bundle"; exit 1; fi
expected="$(sed -n 's/.*MESSAGE: charts: \([0-9]*\).*/\1/p' "$out/sample.log" | head -1)"
[ -n "$expected" ] || { cat "$out/sample.log"; echo "FAIL: unknown chart count"; exit 1; }

flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --disable-dev-shm-usage --hide-scrollbars --virtual-time-budget=15000)
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
timeout 120 "$chromium_bin" "${flags[@]}" --user-data-dir="$profile/dom" --enable-logging=stderr --v=0 \
  --dump-dom "file://$page" >"$out/dom.html" 2>"$out/chromium.log"
timeout 120 "$chromium_bin" "${flags[@]}" --user-data-dir="$profile/shot" --window-size=1200,4200 \
  --screenshot="$out/report.png" "file://$page" >/dev/null 2>>"$out/chromium-shot.log"

fail=0
grep -o '<body[^>]*>' "$out/dom.html" | head -1
if ! grep -q "data-charts-rendered=\"$expected\"" "$out/dom.html"; then
  echo "FAIL: not every chart rendered (expected $expected)"; grep -o 'data-render-error="[^"]*"' "$out/dom.html"; fail=1
fi
if ! grep -q 'data-console-errors="0"' "$out/dom.html"; then
  echo "FAIL: console errors in the page"; grep -o 'data-console-error-text="[^"]*"' "$out/dom.html"; fail=1
fi
if grep -E 'CONSOLE.*(ERROR|Uncaught)|"(error|Error)"' "$out/chromium.log" | grep -v -i 'dbus\|gpu\|sandbox' | head -5 | grep -q .; then
  echo "FAIL: chromium logged a console error:"; grep -E 'CONSOLE' "$out/chromium.log" | head -5; fail=1
fi
# Every chart container holds a non-empty SVG.
python3 - "$out/dom.html" "$expected" <<'PY' || fail=1
import re, sys
dom = open(sys.argv[1], encoding="utf-8", errors="replace").read()
n = int(sys.argv[2])
bad = []
for i in range(n):
    m = re.search(r'<div class="chart[^"]*" id="chart-%d"[^>]*>(.*?)</svg>' % i, dom, re.S)
    if not m or "<svg" not in m.group(1) or len(re.findall(r"<(path|rect|line|text)\b", m.group(1))) < 5:
        bad.append(i)
if bad:
    print("FAIL: charts without a drawn SVG: %s" % bad)
    sys.exit(1)
print("all %d charts drew SVG" % n)
PY
[ -s "$out/report.png" ] || { echo "FAIL: no screenshot"; fail=1; }
echo "screenshot: $out/report.png"
if [ "$fail" = 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit "$fail"
