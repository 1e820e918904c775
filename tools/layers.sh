#!/usr/bin/env bash
# layers.sh - check the program's layering from its object files.
#
#   tools/layers.sh [-v] [BUILD]      (BUILD: first argument, else $BUILD, else build)
#   LAYERS=file tools/layers.sh ...   use the layer table in FILE instead of the one below
#
# Why: the sources are split into layers (core at the bottom, the CLI and the
# program's main on top) so that each layer can be read, tested and changed
# knowing only the layers under it. Headers cannot show whether that holds;
# the linker's view can. This script reads the symbols of BUILD/sim/**/*.o
# and BUILD/models/**/*.o with nm (not tests/, bench/, nor the build/mpi and
# build/san trees, which live elsewhere under BUILD) and derives the
# file-level call graph: A -> B when A.o uses (U) a symbol that B.o alone
# defines (T D B R C G S, weak W V; a symbol defined in several objects makes
# no edge). It fails (exit 1) when
#   - two or more .c files call each other in a cycle (a strongly connected
#     component of the graph): they cannot be understood or tested apart;
#   - a file calls into a higher layer than its own ("upward call");
#   - a file matches no layer in the table (place new folders explicitly);
# and exits 2 when it cannot run (no build tree, a bad layer table).
# Calls reached only through function pointers (model registration,
# callbacks) make no edge: that is how a lower layer is meant to call up.
# -v also lists every edge with its layers. Needs bash, nm, awk (mawk or
# gawk), find and sort only.
set -euo pipefail

verbose=0
if [[ ${1:-} == -v ]]; then verbose=1; shift; fi
build=${1:-${BUILD:-build}}
build=${build%/}

# The layer table, bottom to top: a layer name, then one or more globs
# matched against the object's path relative to BUILD without ".o" (a '*'
# also matches '/'). The first line whose glob matches places the file; a
# name may appear on several lines. '#' starts a comment.
read -r -d '' default_layers <<'EOF' || true
core    sim/core/*
config  sim/config/*
output  sim/output/*
models  models/*/*        # model code: core/config/output through the public headers
run     sim/run/*
analysis sim/analysis/*  # optimize, calibrate, sensitivity, equilibrium: numerics and drivers on the task engine
cli     sim/cli
main    models/marketsim  # the program's main: registers the models with the CLI
EOF

die() { echo "layers.sh: $*" >&2; exit 2; }

if [[ -n ${LAYERS:-} ]]; then
	[[ -r $LAYERS ]] || die "cannot read layer table LAYERS=$LAYERS"
	table=$(<"$LAYERS")
else
	table=$default_layers
fi

layer_names=() layer_globs=() layer_ranks=()
declare -A rank_of=()
while IFS= read -r line; do
	line=${line%%#*}
	read -r -a words <<<"$line" || true
	(( ${#words[@]} )) || continue
	(( ${#words[@]} >= 2 )) || die "layer '${words[0]}' has no glob in the layer table"
	name=${words[0]}
	[[ -n ${rank_of[$name]:-} ]] || rank_of[$name]=${#rank_of[@]}
	for glob in "${words[@]:1}"; do
		layer_names+=("$name") layer_globs+=("$glob") layer_ranks+=("${rank_of[$name]}")
	done
done <<<"$table"
(( ${#layer_names[@]} )) || die "the layer table is empty"

[[ -d $build ]] || die "no build directory '$build' (build first: make all)"
dirs=()
for d in sim models; do [[ -d $build/$d ]] && dirs+=("$build/$d"); done
(( ${#dirs[@]} )) || die "no $build/sim or $build/models directory (build first: make all)"
mapfile -t objs < <(find "${dirs[@]}" -type f -name '*.o' | LC_ALL=C sort)
(( ${#objs[@]} )) || die "no object files under ${dirs[*]}"

# One line per object: "object path  relative name  layer  rank" (layer -,
# rank -1 when no glob matches).
map=""
for obj in "${objs[@]}"; do
	rel=${obj#"$build"/}; rel=${rel%.o}
	layer=- rank=-1
	for i in "${!layer_globs[@]}"; do
		# shellcheck disable=SC2053  # the right-hand side is a glob on purpose
		if [[ $rel == ${layer_globs[$i]} ]]; then layer=${layer_names[$i]} rank=${layer_ranks[$i]}; break; fi
	done
	map+="$obj $rel $layer $rank"$'\n'
done

syms=$(nm -P -A -- "${objs[@]}") || die "nm failed"

awk -v verbose="$verbose" '
function syms_of(a, b) { return "(" edge[a, b] ")" }
function where(f) { return f " [" layer[f] "]" }
NR == FNR {                              # the map
	if ($0 == "") next
	name[$1] = $2; n++; file[n] = $2; layer[$2] = $3; rank[$2] = $4 + 0
	next
}
{                                        # nm -P -A: "obj: symbol type [value size]"
	obj = $1; sub(/:$/, "", obj); f = name[obj]; sym = $2; t = $3
	if (t == "U") { nu++; uf[nu] = f; us[nu] = sym }
	else if (t ~ /^[TDBRCGSWV]$/ && !((f, sym) in defd)) {
		defd[f, sym] = 1; ndef[sym]++; def[sym] = f
	}
}
END {
	for (i = 1; i <= nu; i++) {
		a = uf[i]; s = us[i]
		if (ndef[s] != 1 || def[s] == a) continue
		b = def[s]
		if ((a, b) in edge) edge[a, b] = edge[a, b] ", " s
		else { edge[a, b] = s; reach[a, b] = 1; ne++ }
	}
	for (i = 1; i <= n; i++) if (layer[file[i]] == "-") {
		unplaced++
		print "unplaced: " file[i] " matches no layer in the table (add its folder to it)"
	}
	if (verbose) for (i = 1; i <= n; i++) for (j = 1; j <= n; j++)
		if ((file[i], file[j]) in edge)
			print "edge: " where(file[i]) " -> " where(file[j]) " " syms_of(file[i], file[j])
	# Transitive closure (Floyd-Warshall; the graph has ~50 nodes): two files
	# are in one strongly connected component when each reaches the other.
	for (k = 1; k <= n; k++) for (i = 1; i <= n; i++) if ((file[i], file[k]) in reach)
		for (j = 1; j <= n; j++) if ((file[k], file[j]) in reach) reach[file[i], file[j]] = 1
	for (i = 1; i <= n; i++) {
		a = file[i]
		if (a in done) continue
		m = 0; members = ""
		for (j = i; j <= n; j++) {
			b = file[j]
			if (j == i || (((a, b) in reach) && ((b, a) in reach))) { m++; comp[m] = b; done[b] = 1; members = members " " b }
		}
		if (m < 2) continue
		cycles++
		print "cycle (" m " files):" members
		for (x = 1; x <= m; x++) for (y = 1; y <= m; y++)
			if ((comp[x], comp[y]) in edge)
				print "    " comp[x] " -> " comp[y] " " syms_of(comp[x], comp[y])
	}
	for (i = 1; i <= n; i++) for (j = 1; j <= n; j++) {
		a = file[i]; b = file[j]
		if (((a, b) in edge) && rank[a] >= 0 && rank[b] >= 0 && rank[a] < rank[b]) {
			upward++
			print "upward call: " a " -> " b " " syms_of(a, b) " [" layer[a] " -> " layer[b] "]"
		}
	}
	printf "layers: %d files, %d edges, %d cycles, %d upward calls%s\n", n, ne, cycles, upward,
		unplaced ? ", " unplaced " unplaced files" : ""
	exit (cycles || upward || unplaced) ? 1 : 0
}' <(printf '%s' "$map") - <<<"$syms"
