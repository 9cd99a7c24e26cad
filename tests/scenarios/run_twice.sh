#!/usr/bin/env bash
# A scenario of the library, run as a user runs it: `stampsim run FILE` with its default
# seed, twice. Passes when the first run ends with the scenario's expected verdict (exit
# code 0: every check held, or with "expect": "fail" a check failed as expected) and both
# runs print the same fingerprint. Usage: run_twice.sh STAMPSIM FILE OUTDIR
set -uo pipefail
bin="$1"; file="$2"; out="$3"
rm -rf "$out"; mkdir -p "$out"
"$bin" run "$file" --out "$out/first" > "$out/first.txt" 2>&1
code=$?
cat "$out/first.txt"
if [ "$code" != 0 ]; then
  echo "FAIL: $file: exit code $code, expected 0 (the scenario's expected verdict)"
  exit 1
fi
"$bin" run "$file" --quiet --out "$out/second" > "$out/second.txt" 2>&1
a=$(grep -E '^fingerprint [0-9a-f]{16}' "$out/first.txt" | tail -1 | awk '{print $2}')
b=$(grep -E '^fingerprint [0-9a-f]{16}' "$out/second.txt" | tail -1 | awk '{print $2}')
if [ -z "$a" ] || [ "$a" != "$b" ]; then
  echo "FAIL: $file: fingerprints differ between two runs: '$a' vs '$b'"
  exit 1
fi
for f in report.json summary.txt; do
  [ -s "$out/first/$f" ] || { echo "FAIL: $file: $out/first/$f missing"; exit 1; }
done
echo "ok: $file: expected verdict, fingerprint $a twice"
