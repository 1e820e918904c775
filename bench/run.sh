#!/usr/bin/env bash
# make bench: the engine's benchmarks, each the median of several runs.
#  1. the hold model (pending-event queue + one exponential draw) at 10^3,
#     10^5, 10^6 pending events and at PHOLD's two populations: a textbook
#     4-ary heap of 16-byte entries (the yardstick), the calendar queue the
#     engine uses, and bare 2-, 4- and 8-ary builds of the engine's heap;
#  2. PHOLD through the whole engine on experiments/phold_bench.cfg and
#     experiments/phold_small.cfg: events/s and peak memory, and the ratio of
#     PHOLD's event rate to the hold loop's at the same number of pending
#     events;
#  3. the market model on experiments/bench_1m.cfg (about 10^6 developer
#     agents, 20 models, 365 days): wall time, events/s, developer-days/s
#     and peak memory;
#  4. experiments/price_sweep.cfg with one and two worker processes.
# Timings are machine-dependent and noisy; nothing here is a pass/fail test.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
BIN=${BIN:-bin}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

SIZES="1000 100000 1000000 1024 262144"
echo "== hold model: ns per hold (median of $RUNS runs)"
"$BIN/bench_hold" -r "$RUNS" -t $SIZES | tee "$OUT/textbook.txt"
"$BIN/bench_hold" -r "$RUNS" $SIZES | tee "$OUT/calendar.txt"
for arity in 2 4 8; do
	"$BIN/bench_hold_heap$arity" -r "$RUNS" $SIZES | tee "$OUT/heap$arity.txt"
done
hold_ns() { awk -v n="$1" '$5 == n {print $6}' "$OUT/textbook.txt"; }

echo
echo "== PHOLD through the engine (median of $RUNS runs)"
for cfg in experiments/phold_bench.cfg experiments/phold_small.cfg; do
	name=$(basename "$cfg" .cfg)
	: > "$OUT/$name.rate"; : > "$OUT/$name.rss"; : > "$OUT/$name.wall"
	for i in $(seq "$RUNS"); do
		"$BIN/marketsim" run "$cfg" --quiet --out "$OUT/$name"
		m="$OUT/$name/manifest.txt"
		awk '$1 == "events_per_second" {print $3}' "$m" >> "$OUT/$name.rate"
		awk '$1 == "peak_rss_kb" {print $3}' "$m" >> "$OUT/$name.rss"
		awk '$1 == "wall_seconds" {print $3}' "$m" >> "$OUT/$name.wall"
	done
	events=$(awk '$1 == "events_executed" {print $3}' "$OUT/$name/manifest.txt")
	pending=$(awk '$1 == "events_pending_at_end" {print $3}' "$OUT/$name/manifest.txt")
	rate=$(median < "$OUT/$name.rate")
	rss=$(median < "$OUT/$name.rss")
	wall=$(median < "$OUT/$name.wall")
	hold=$(hold_ns "$pending")
	awk -v n="$name" -v e="$events" -v r="$rate" -v m="$rss" -v w="$wall" \
	    -v h="$hold" -v p="$pending" 'BEGIN {
		ns = 1e9 / r
		printf "%-12s %.2f M events in %.2f s: %.2f M events/s (%.1f ns/event), peak %.1f MB\n",
			n, e / 1e6, w, r / 1e6, ns, m / 1024
		if (h != "")
			printf "%-12s textbook 4-ary heap hold loop at %d pending: %.1f ns/hold; PHOLD runs at %.0f%% of its rate\n",
				"", p, h, 100 * h / ns
	}'
done

echo
echo "== market model: experiments/bench_1m.cfg (median of $RUNS runs)"
: > "$OUT/m.wall"; : > "$OUT/m.rss"; : > "$OUT/m.rate"; : > "$OUT/m.days"
for i in $(seq "$RUNS"); do
	"$BIN/marketsim" run experiments/bench_1m.cfg -j 1 --quiet --no-plots --out "$OUT/bench_1m"
	m="$OUT/bench_1m/manifest.txt"
	awk '$1 == "wall_seconds" {print $3}' "$m" >> "$OUT/m.wall"
	awk '$1 == "peak_rss_kb" {print $3}' "$m" >> "$OUT/m.rss"
	awk '$1 == "events_per_second" {print $3}' "$m" >> "$OUT/m.rate"
	awk '$1 == "agent_days" {a = $3} $1 == "wall_seconds" {w = $3} END {print a / w}' "$m" >> "$OUT/m.days"
done
m="$OUT/bench_1m/manifest.txt"
agents=$(awk '$1 == "agents_joined" {print $3}' "$m")
events=$(awk '$1 == "events_executed" {print $3}' "$m")
awk -v a="$agents" -v e="$events" -v w="$(median < "$OUT/m.wall")" \
    -v r="$(median < "$OUT/m.rate")" -v d="$(median < "$OUT/m.days")" \
    -v m="$(median < "$OUT/m.rss")" 'BEGIN {
	printf "bench_1m     %.2f M agents, 365 days, %.1f M events in %.2f s: %.2f M events/s, %.1f M developer-days/s, peak %.1f MB\n",
		a / 1e6, e / 1e6, w, r / 1e6, d / 1e6, m / 1024
}'

# The sweep with worker processes: experiments/price_sweep.cfg at -j 1 and
# -j 2 (SWEEP_REPLICATIONS per point, default 10, half the file's 20, to
# keep make bench near ten minutes; the serial part, checking the points
# and writing the outputs and charts, weighs more the fewer replications
# there are), the ratio of wall times, and the databases compared.
SWEEP_REPS=${SWEEP_REPLICATIONS:-10}
SWEEP_RUNS=${SWEEP_RUNS:-3}
echo
echo "== sweep: experiments/price_sweep.cfg, $SWEEP_REPS replications per point (median of $SWEEP_RUNS runs)"
: > "$OUT/s1"; : > "$OUT/s2"
for i in $(seq "$SWEEP_RUNS"); do
	for j in 1 2; do
		rm -rf "$OUT/sweep$j"
		t0=$(date +%s.%N)
		"$BIN/marketsim" sweep experiments/price_sweep.cfg -q -j "$j" \
			--set replications="$SWEEP_REPS" --out "$OUT/sweep$j"
		t1=$(date +%s.%N)
		awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >> "$OUT/s$j"
	done
	cmp -s "$OUT/sweep1/sweep_summary.csv" "$OUT/sweep2/sweep_summary.csv" ||
		{ echo "sweep: -j 1 and -j 2 summaries differ" >&2; exit 1; }
	cmp -s "$OUT/sweep1/sweep_vs_reference.csv" "$OUT/sweep2/sweep_vs_reference.csv" ||
		{ echo "sweep: -j 1 and -j 2 comparisons differ" >&2; exit 1; }
done
awk -v a="$(median < "$OUT/s1")" -v b="$(median < "$OUT/s2")" 'BEGIN {
	printf "price_sweep  -j 1 %.1f s, -j 2 %.1f s: -j 2 takes %.2f of -j 1 (summaries identical)\n", a, b, b / a
}'
