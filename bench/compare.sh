#!/usr/bin/env bash
# bench/compare.sh OLD NEW [RUNS]: two builds of marketsim side by side, in
# one session, runs interleaved (old, new, old, new, ...) so that the
# machine's load falls on both alike. For PHOLD (experiments/phold_bench.cfg,
# phold_small.cfg) and the market (experiments/bench_1m.cfg, in-process):
# each build's median events/s, wall time and peak memory, and the ratio
# new/old of the medians. A benchmark, not a test: nothing fails on speed.
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=${1:?usage: bench/compare.sh OLD_BINARY NEW_BINARY [RUNS]}
NEW=${2:?usage: bench/compare.sh OLD_BINARY NEW_BINARY [RUNS]}
RUNS=${3:-5}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { awk -v k="$1" '$1 == k {print $3}' "$2"; }

printf "%-12s %-4s %14s %10s %10s\n" workload build "events/s" "wall s" "peak MB"
for cfg in experiments/phold_bench.cfg experiments/phold_small.cfg experiments/bench_1m.cfg; do
	name=$(basename "$cfg" .cfg)
	for i in $(seq "$RUNS"); do
		for side in old new; do
			bin=$OLD; [ "$side" = new ] && bin=$NEW
			"$bin" run "$cfg" --quiet --no-plots -j 1 --out "$OUT/$name-$side"
			m="$OUT/$name-$side/manifest.txt"
			field events_per_second "$m" >> "$OUT/$name-$side.rate"
			field wall_seconds "$m" >> "$OUT/$name-$side.wall"
			field peak_rss_kb "$m" >> "$OUT/$name-$side.rss"
		done
	done
	for side in old new; do
		printf "%-12s %-4s %14.0f %10.3f %10.1f\n" "$name" "$side" \
			"$(median < "$OUT/$name-$side.rate")" "$(median < "$OUT/$name-$side.wall")" \
			"$(median < "$OUT/$name-$side.rss" | awk '{print $1 / 1024}')"
	done
	awk -v o="$(median < "$OUT/$name-old.rate")" -v n="$(median < "$OUT/$name-new.rate")" \
	    -v name="$name" 'BEGIN {printf "%-12s new/old events/s: %.3f\n", name, n / o}'
done
