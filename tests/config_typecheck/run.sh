#!/usr/bin/env bash
# Compile-time type checks of the schema row builders (include/sim_config.h):
# ok.c, every builder on a member of the right type, must compile; misuse.c
# must fail for each of its cases (cc -DCASE=NAME), and with that builder's
# own message ("SIM_INT(tc_params, small_count): the member must be
# int64_t"), so a failure for any other reason does not pass. Runs
# `-fsyntax-only` with the build's warning flags under every compiler found
# of $CC (else cc), gcc and clang. Run by `make lint`; prints "N passed, M
# failed" last and exits 1 when any case failed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
flags=(-std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
       -I"$root/include" -fsyntax-only)

compilers=() seen=" "
for c in "${CC:-cc}" gcc clang; do
	path=$(command -v "$c" 2>/dev/null) || continue
	path=$(readlink -f "$path")          # cc is often gcc: run it once
	[[ $seen == *" $path "* ]] || { compilers+=("$c"); seen+="$path "; }
done
(( ${#compilers[@]} )) || { echo "run.sh: no C compiler found" >&2; exit 2; }

# CASE  expected message (a fixed string).
cases=(
	"INT_ON_INT            SIM_INT(tc_params, small_count): the member must be int64_t"
	"FLOAT_ON_FLOAT        SIM_FLOAT(tc_params, small_rate): the member must be double"
	"FLOAT_ABOVE_ON_INT64  SIM_FLOAT_ABOVE(tc_params, count): the member must be double"
	"BOOL_ON_INT           SIM_BOOL(tc_params, choice): the member must be bool"
	"STRING_ON_CONST       SIM_STRING(tc_params, const_label): the member must be char *"
	"STRING_ON_ARRAY       SIM_STRING(tc_params, label_array): the member must be char *"
	"CHOICE_ON_INT64       SIM_CHOICE(tc_params, count): the member must be int"
	"CHOICE_ON_ENUM        SIM_CHOICE(tc_params, mode): the member must be int"
	"GROUP_ON_DOUBLE       SIM_GROUP(tc_params, rate): the member must be a struct, the one SCHEMA lays out"
	"GROUP_OR_INT_ON_LIST  SIM_GROUP_OR_INT(tc_params, elements): the member must be a struct, the one SCHEMA lays out"
	"MAP_ON_LIST           SIM_MAP(tc_params, elements): the member must be sim_map"
	"LIST_ON_MAP           SIM_LIST(tc_params, entries): the member must be sim_list"
	"NUMBERS_ON_LIST       SIM_NUMBERS(tc_params, elements): the member must be sim_numbers"
	"VARIANT_LIST_ON_MAP   SIM_VARIANT_LIST(tc_params, entries): the member must be sim_list"
	"VARIANT_TAG_ON_INT64  SIM_VARIANT_LIST(tc_item, tag64): the tag member must be int"
)

# "NAME   message" -> the message.
message() { local m=${1#* }; echo "${m#"${m%%[! ]*}"}"; }

passed=0 failed=0
report() { # report OK NAME OUTPUT
	if (( $1 )); then
		passed=$((passed + 1)); echo "ok   $2"
	else
		failed=$((failed + 1)); echo "FAIL $2; the compiler printed:"
		while IFS= read -r o; do echo "  | $o"; done <<<"$3"
	fi
}

for cc in "${compilers[@]}"; do
	ok=1
	out=$("$cc" "${flags[@]}" "$here/ok.c" 2>&1) || ok=0
	report "$ok" "$cc ok.c compiles" "$out"
	# The default case, no -D: SIM_INT on an int member.
	ok=1; status=0
	out=$("$cc" "${flags[@]}" "$here/misuse.c" 2>&1) || status=$?
	[[ $status != 0 && $out == *"$(message "${cases[0]}")"* ]] || ok=0
	report "$ok" "$cc misuse.c (SIM_INT on an int) fails" "$out"
	for c in "${cases[@]}"; do
		name=${c%% *} want=$(message "$c")
		ok=1; status=0
		out=$("$cc" "${flags[@]}" -DCASE="$name" "$here/misuse.c" 2>&1) || status=$?
		[[ $status != 0 ]] || { ok=0; out="(compiled without error)"$'\n'"$out"; }
		[[ $out == *"$want"* ]] || { ok=0; out="(no \"$want\")"$'\n'"$out"; }
		report "$ok" "$cc misuse.c -DCASE=$name fails" "$out"
	done
done

echo "$passed passed, $failed failed"
(( failed == 0 ))
