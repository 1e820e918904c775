#!/usr/bin/env bash
# tests/fuzz/run.sh DIR SECONDS HARNESS... - what `make fuzz` runs once the
# harnesses are built in DIR (build/fuzz).
#
# SECONDS is the whole fuzzing time, split evenly between the harnesses
# (at least 1 s each). Each harness starts from its seed corpus, rebuilt
# every time in DIR/seeds/NAME from the source tree, and keeps what it
# finds in its working corpus DIR/corpus/NAME (kept between runs, never in
# the source tree):
#   fuzz_config  experiments/*.cfg, the baseline's @included pieces
#                (experiments/openrouter_2026/*.inc), tests/data/*.cfg
#   fuzz_set     tests/fuzz/seeds/set/* (--set lines for sweep_adaptive.cfg)
#   fuzz_sweep   the body of every `sweep = {...}` group of
#                experiments/*.cfg and tests/data/*.cfg, and
#                tests/fuzz/seeds/sweep/*
# with -dict=tests/fuzz/config.dict, and LeakSanitizer's suppressions in
# tests/fuzz/lsan.supp. Prints each harness's executions and coverage
# (libFuzzer's cov: and ft: at the end); fails when any harness found a
# crash, a leak, a timeout or ran out of memory, its reproducer left in
# DIR/artifacts/ and its log in DIR/NAME.log.
set -u
cd "$(dirname "$0")/../.."
dir=$1
seconds=$2
shift 2
[ $# -gt 0 ] || { echo "run.sh: no harness" >&2; exit 2; }
per=$((seconds / $#))
[ "$per" -ge 1 ] || per=1

mkdir -p "$dir/artifacts" "$dir/tmp"
export TMPDIR=$PWD/$dir/tmp
# A 16 MB quarantine instead of 256 MB: each leak check libFuzzer makes
# walks every chunk, quarantined ones too, and the big quarantine made the
# harnesses 2.3x slower (361 against 830 executions/s for fuzz_config);
# 16 MB is still far more than one input frees.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:quarantine_size_mb=16}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if [ -s tests/fuzz/lsan.supp ]; then
	export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0}
fi
command -v llvm-symbolizer >/dev/null 2>&1 || {
	[ -x /usr/bin/llvm-symbolizer-14 ] && export ASAN_SYMBOLIZER_PATH=/usr/bin/llvm-symbolizer-14
}

# The body of each `sweep = {` ... `};` group (both at the start of a line).
sweep_bodies() {
	local f out=$1
	shift
	for f in "$@"; do
		awk '/^sweep *= *\{/ { on = 1; next } on && /^\};/ { on = 0 } on' "$f" \
			>"$out/$(basename "$f" .cfg).sweep"
		[ -s "$out/$(basename "$f" .cfg).sweep" ] || rm -f "$out/$(basename "$f" .cfg).sweep"
	done
}

seeds() {
	local name=$1 out=$dir/seeds/$1
	rm -rf "$out"
	mkdir -p "$out"
	case $name in
	fuzz_config)
		cp experiments/*.cfg tests/data/*.cfg "$out/"
		for f in experiments/openrouter_2026/*.inc; do
			cp "$f" "$out/openrouter_2026_$(basename "$f")"
		done ;;
	fuzz_set)
		cp tests/fuzz/seeds/set/* "$out/" ;;
	fuzz_sweep)
		sweep_bodies "$out" experiments/*.cfg tests/data/*.cfg
		cp tests/fuzz/seeds/sweep/* "$out/" ;;
	*)
		cp experiments/*.cfg tests/data/*.cfg "$out/" ;;
	esac
}

# One harness for $2 seconds, restarted every 60 s from its grown corpus,
# so that the blocks libconfig leaks (suppressed by tests/fuzz/lsan.supp,
# but still allocated) do not pile up for every later leak check to walk.
# libFuzzer reports on stderr; stdout only gets what libconfig's
# scanner echoes (a stray backslash in an @include name), dropped.
run_one() {
	local name=$1 left=$2 chunk rc=0
	: >"$dir/$name.log"
	while [ "$left" -gt 0 ] && [ "$rc" -eq 0 ]; do
		chunk=$((left < 60 ? left : 60))
		left=$((left - chunk))
		"$dir/$name" -max_total_time="$chunk" -timeout=10 -rss_limit_mb=2048 \
			-max_len=16384 -print_final_stats=1 -dict=tests/fuzz/config.dict \
			-artifact_prefix="$dir/artifacts/$name-" \
			"$dir/corpus/$name" "$dir/seeds/$name" 2>>"$dir/$name.log" >/dev/null
		rc=$?
	done
	return "$rc"
}

failed=0
summary=()
for name in "$@"; do
	seeds "$name"
	mkdir -p "$dir/corpus/$name"
	rm -rf "${TMPDIR:?}"/marketsim-fuzz-*
	log=$dir/$name.log
	echo "== $name: ${per} s (corpus $dir/corpus/$name, seeds $dir/seeds/$name)"
	run_one "$name" "$per"
	rc=$?
	# The last status line, "#N DONE cov: C ft: F corp: ..." (or the last
	# one printed when it stopped early), and the runs' executions summed.
	last=$(grep -aE '^#[0-9]+[[:space:]].*cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
	execs=$(sed -n 's/.*stat::number_of_executed_units: *//p' "$log" | awk '{ n += $1 } END { print n + 0 }')
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p')
	line="$name: $execs executions ($((execs / per))/s) in ${per} s, cov: ${cov:-?} ft: ${ft:-?}, corpus ${corp:-?}"
	if [ "$rc" -ne 0 ]; then
		failed=1
		line="$line: FAILED (exit $rc)"
		echo "--- $log (end):"
		grep -aE -A40 '^==[0-9]+==ERROR|^SUMMARY|runtime error|Test unit written|ALARM|out-of-memory|deadly signal' "$log" | head -n 80
	fi
	echo "$line"
	summary+=("$line")
done
rm -rf "${TMPDIR:?}"/marketsim-fuzz-*

echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
	echo "make fuzz: FAILED; reproducers in $dir/artifacts/ (run one: $dir/NAME FILE)"
	exit 1
fi
echo "make fuzz: no crash, leak or timeout"
