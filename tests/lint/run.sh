#!/usr/bin/env bash
# Self-test of tools/layers.sh: compiles a few one-function .c files with
# `cc -c` into a throwaway build tree, lays them out in two layers (low:
# sim/low/*, high: sim/high/*) and checks that the script passes a clean
# graph and fails, with the right message, on a cycle, an upward call, an
# unplaced file; and that its built-in table places the new layout
# (sim/core, sim/run, models/*/*, models/marketsim). Run by `make lint`;
# prints "N passed, M failed" last and exits 1 when any case failed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
layers_sh=${LAYERS_SH:-$here/../../tools/layers.sh}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The sources: base <- top is the one allowed direction (high calls low).
mkdir -p "$tmp/src"
cd "$tmp/src"
echo 'int base_f(void) { return 1; }'                                   > base.c
echo 'int base_f(void); int top_n = 2; int top_f(void) { return base_f() + top_n; }' > top.c
echo 'int top_f(void); extern int top_n; int up_f(void) { return top_f() + top_n; }' > up.c
echo 'int b_f(void); int a_f(void) { return b_f(); }'                  > a.c
echo 'int a_f(void); int b_f(void) { return a_f() + 1; }'              > b.c
for i in 1 2 3; do   # ring1 -> ring2 -> ring3 -> ring1
	echo "int ring$((i % 3 + 1))_f(void); int ring${i}_f(void) { return ring$((i % 3 + 1))_f(); }" > ring$i.c
done
echo 'int sim_run_tasks(void); int engine_f(void) { return sim_run_tasks(); }' > engine.c
echo 'int sim_run_tasks(void) { return 0; }'                            > tasks.c
echo 'int engine_f(void); int main(void) { return engine_f(); }'       > marketsim.c
echo 'int dup_f(void) { return 1; }'                                    > dup1.c
echo 'int dup_f(void) { return 2; }'                                    > dup2.c
echo 'int dup_f(void); int usedup_f(void) { return dup_f(); }'         > usedup.c
for c in *.c; do cc -c "$c" -o "${c%.c}.o"; done

printf 'low  sim/low/*\nhigh sim/high/* # the top\n' > "$tmp/layers"

passed=0 failed=0
# case NAME EXPECTED-STATUS "sim/low/x sim/high/y ..." PATTERN...: builds a
# tree with those objects (x.o copied to build/sim/low/x.o), runs the script
# with the layer table $table ("": its built-in one) and checks its status
# and that each PATTERN (a fixed string) is in its output.
table=$tmp/layers
case_() {
	local name=$1 want=$2 objs=$3; shift 3
	local build=$tmp/$name/build out status=0 ok=1 o
	for o in $objs; do
		mkdir -p "$build/${o%/*}"
		cp "$tmp/src/${o##*/}.o" "$build/$o.o"
	done
	out=$(LAYERS=$table "$layers_sh" "$build" 2>&1) || status=$?
	[[ $status == "$want" ]] || { ok=0; echo "  expected exit $want, got $status"; }
	for p in "$@"; do
		[[ $out == *"$p"* ]] || { ok=0; echo "  missing in output: $p"; }
	done
	if (( ok )); then
		passed=$((passed + 1)); echo "ok   $name"
	else
		failed=$((failed + 1)); echo "FAIL $name; the script printed:"; while IFS= read -r o; do echo "  | $o"; done <<<"$out"
	fi
}

case_ clean 0 "sim/low/base sim/high/top" \
	"layers: 2 files, 1 edges, 0 cycles, 0 upward calls"
case_ cycle 1 "sim/low/a sim/low/b" \
	"cycle (2 files): sim/low/a sim/low/b" \
	"sim/low/a -> sim/low/b (b_f)" "sim/low/b -> sim/low/a (a_f)" \
	"layers: 2 files, 2 edges, 1 cycles, 0 upward calls"
case_ ring 1 "sim/high/ring1 sim/high/ring2 sim/high/ring3" \
	"cycle (3 files): sim/high/ring1 sim/high/ring2 sim/high/ring3" \
	"sim/high/ring3 -> sim/high/ring1 (ring1_f)" \
	"layers: 3 files, 3 edges, 1 cycles, 0 upward calls"
case_ upward 1 "sim/low/base sim/low/up sim/high/top" \
	"upward call: sim/low/up -> sim/high/top (top_f, top_n) [low -> high]" \
	"layers: 3 files, 2 edges, 0 cycles, 1 upward calls"
# A symbol defined twice makes no edge (else this would be an upward call).
case_ duplicate 0 "sim/low/usedup sim/high/dup1 sim/high/dup2" \
	"layers: 3 files, 0 edges, 0 cycles, 0 upward calls"
case_ unplaced 1 "sim/low/base sim/other/top" \
	"unplaced: sim/other/top matches no layer" \
	"layers: 2 files, 1 edges, 0 cycles, 0 upward calls, 1 unplaced files"

# Objects outside BUILD/sim and BUILD/models (tests, the MPI build) are not read.
mkdir -p "$tmp/others/build/tests" "$tmp/others/build/mpi/sim/low"
cp "$tmp/src/up.o" "$tmp/others/build/tests/up.o"
cp "$tmp/src/up.o" "$tmp/others/build/mpi/sim/low/up.o"
case_ others 0 "sim/low/base sim/high/top" \
	"layers: 2 files, 1 edges, 0 cycles, 0 upward calls"

# The built-in table, on the layout the sources are moving to.
table=""
case_ builtin 1 "sim/core/engine sim/run/tasks models/market/base models/marketsim" \
	"upward call: sim/core/engine -> sim/run/tasks (sim_run_tasks) [core -> run]" \
	"layers: 4 files, 2 edges, 0 cycles, 1 upward calls"

echo "$passed passed, $failed failed"
(( failed == 0 ))
