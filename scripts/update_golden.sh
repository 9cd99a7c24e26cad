#!/usr/bin/env bash
# Regenerates tests/golden/fingerprints.tsv: reruns every (scenario, seed, --set) row with
# the built stampsim and writes the fingerprints it prints now. Run it on purpose, after
# a change that is meant to alter behaviour, and commit the table with that change:
#   scripts/update_golden.sh            # uses build/stampsim
#   scripts/update_golden.sh path/to/stampsim
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-build/stampsim}"
table=tests/golden/fingerprints.tsv
tmp="$(mktemp)"
while IFS= read -r line; do
  if [[ -z "$line" || "$line" == \#* ]]; then echo "$line" >> "$tmp"; continue; fi
  IFS=$'\t' read -r file seed old overrides <<< "$line"
  args=()
  for o in $overrides; do args+=(--set "$o"); done
  new="$("$bin" run "$file" --seed "$seed" --quiet "${args[@]}" | awk '/^fingerprint/ {print $2}')" || true
  [[ -n "$new" ]] || { echo "update_golden: $file seed $seed did not run" >&2; rm -f "$tmp"; exit 1; }
  [[ "$new" == "$old" ]] || echo "changed: $file seed $seed $overrides: $old -> $new" >&2
  printf '%s\t%s\t%s\t%s\n' "$file" "$seed" "$new" "$overrides" >> "$tmp"
done < "$table"
mv "$tmp" "$table"
echo "wrote $table"
