#!/usr/bin/env bash
# Side by side, in one run: stampsim against the reference engines of ../shared/peers
# (a hand-written heap loop, ns-3, SimGrid) on the two shared models:
#   hold model (10 M events, 1,000 pending) and chain-append (60 nodes, 200 clients).
# Builds the peers into $BUILD/peers (ns-3 and SimGrid only if their Debian packages are
# installed: `bash bench/compare_peers.sh --install-peers` installs them), runs REPS
# interleaved repetitions and prints a markdown table of medians and ratios.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STAMPSIM_BUILD_DIR:-$root/build}"
peers_src="$root/../shared/peers"
reps="${REPS:-5}"
if [ "${1:-}" = "--install-peers" ]; then
  apt-get install -y -qq libns3-dev libsimgrid-dev >/dev/null
fi
bash "$root/scripts/build.sh" --target stampsim stampsim_bench >/dev/null
mkdir -p "$build/peers"
g++ -O2 -std=c++17 -o "$build/peers/baseline" "$peers_src/baseline.cpp"
have_ns3=0; have_simgrid=0
if g++ -O2 -std=c++17 -o "$build/peers/ns3" "$peers_src/ns3.cpp" -lns3-core 2>/dev/null; then have_ns3=1; fi
if g++ -O2 -std=c++17 -o "$build/peers/simgrid" "$peers_src/simgrid.cpp" -lsimgrid 2>/dev/null; then have_simgrid=1; fi

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { grep -o "$1=[0-9.e+]*" | head -1 | cut -d= -f2; }

declare -A chain hold
for ((i = 0; i < reps; i++)); do
  chain[stampsim]+="$("$build/stampsim" chain-append --seconds 10 | awk '/appends\/wall s/ {print $3}') "
  chain[baseline]+="$("$build/peers/baseline" chain 10 | field appends_per_wall_s) "
  if ((have_ns3)); then chain[ns3-map]+="$("$build/peers/ns3" chain 10 map | field appends_per_wall_s) "; fi
  if ((have_ns3)); then chain[ns3-pq]+="$("$build/peers/ns3" chain 10 pq | field appends_per_wall_s) "; fi
  if ((have_simgrid)); then chain[simgrid]+="$("$build/peers/simgrid" "$peers_src/platform.xml" chain 2 | field appends_per_wall_s) "; fi
  out="$("$build/bench/stampsim_bench" --benchmark_filter='^BM_(Reference)?HoldModel/1000$' --benchmark_format=csv 2>/dev/null)"
  # Column 7 of Google Benchmark's CSV is items_per_second.
  hold[stampsim]+="$(echo "$out" | grep '^"BM_HoldModel/1000"' | cut -d, -f7) "
  hold[in-binary-reference]+="$(echo "$out" | grep '^"BM_ReferenceHoldModel/1000"' | cut -d, -f7) "
  hold[baseline]+="$("$build/peers/baseline" kernel 10000000 1000 | field events_per_wall_s) "
  if ((have_ns3)); then hold[ns3-pq]+="$("$build/peers/ns3" kernel 10000000 1000 pq | field events_per_wall_s) "; fi
done
echo "$(date -u +%FT%TZ), $(nproc) cores, REPS=$reps"
echo
echo "| chain-append | appends / wall s (median) | ÷ baseline |"
echo "|---|---:|---:|"
b="$(echo ${chain[baseline]} | tr ' ' '\n' | median)"
for k in stampsim baseline ns3-map ns3-pq simgrid; do
  [ -n "${chain[$k]:-}" ] || continue
  m="$(echo ${chain[$k]} | tr ' ' '\n' | median)"
  printf "| %s | %.0f | %.2f |\n" "$k" "$m" "$(echo "$m $b" | awk '{print $1/$2}')"
done
echo
echo "| hold model, 1,000 pending | events / wall s (median) | ÷ baseline |"
echo "|---|---:|---:|"
b="$(echo ${hold[baseline]} | tr ' ' '\n' | median)"
for k in stampsim in-binary-reference baseline ns3-pq; do
  [ -n "${hold[$k]:-}" ] || continue
  m="$(echo ${hold[$k]} | tr ' ' '\n' | median)"
  printf "| %s | %.0f | %.2f |\n" "$k" "$m" "$(echo "$m $b" | awk '{print $1/$2}')"
done
