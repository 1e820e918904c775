# optimize_profile.gp - the objective around the optimum, one chart per
# setting, from `marketsim optimize`.
#
#   gnuplot -e "datadir='DIR'; outdir='OUTDIR'" optimize_profile.gp
#
# Reads DIR/optimize_profile.csv (setting, value, objective, lo95, hi95,
# optimum: the objective's mean over the search's replications and its
# 95% t interval at points through the optimum along one setting) and
# DIR/optimize_path.csv (every point the search evaluated: step, phase,
# the settings, objective). Writes OUTDIR/optimize_<k>.png for the k-th
# setting: the profile as a line with its CI band, every evaluated point
# of the search whose other settings equal the optimum's as dots, and the
# optimum marked.

if (!exists("datadir") || !exists("outdir")) {
	exit error "set datadir and outdir: gnuplot -e \"datadir='DIR'; outdir='OUTDIR'\" optimize_profile.gp"
}
file = datadir . "/optimize_profile.csv"
path = datadir . "/optimize_path.csv"
if (system("test -r '" . file . "' && echo ok") ne "ok") {
	exit   # no profile asked for (profile = 0)
}
set encoding utf8
set datafile separator ","
set datafile missing "nan"
settings = system("tail -n +2 '" . file . "' | cut -d, -f1 | uniq")
nsettings = words(settings)
big(v) = abs(v) >= 1e9 ? 1e9 : abs(v) >= 1e6 ? 1e6 : abs(v) >= 1e3 ? 1e3 : 1
sfx(u) = u == 1e9 ? "B" : u == 1e6 ? "M" : u == 1e3 ? "k" : ""
objective = system("head -1 '" . path . "' | awk -F, '{print $NF}'")
# the objective: the row of optimum.csv whose note starts with "objective"
metric = system("awk -F, '$5 ~ /^objective/ {print $1; exit}' '" . datadir . "/optimum.csv'")
# settings whose optimum lies on a bound of its range (optimum.csv's note
# says "ON A BOUND"): the title says so, since the search ended there
bound_settings = system("grep 'ON A BOUND' '" . datadir . "/optimum.csv' | cut -d, -f1")

do for [k = 1:nsettings] {
	s = word(settings, k)
	reset
	set datafile separator ","
	set datafile missing "nan"
	stats file skip 1 using (strcol(1) eq s ? $3 : 1/0) name "Y" nooutput
	u = big(Y_max)
	# The y axis fits the profile and its intervals: far-off points of the
	# search (a bound's) would flatten the part that matters, unless the
	# optimum is on a bound.
	stats file skip 1 using (strcol(1) eq s ? $4 : 1/0) name "L" nooutput
	stats file skip 1 using (strcol(1) eq s ? $5 : 1/0) name "H" nooutput
	pad = (H_max - L_min) > 0 ? 0.25 * (H_max - L_min) : abs(H_max) * 0.05 + 1e-12
	stats file skip 1 using (strcol(1) eq s && $6 == 1 ? $2 : 1/0) name "X" nooutput
	stats file skip 1 using (strcol(1) eq s && $6 == 1 ? $3 : 1/0) name "O" nooutput
	stats path skip 1 using (column(k + 2)) name "P" nooutput
	on_bound = strstrt(" " . bound_settings . " ", " " . s . " ") > 0
	if (on_bound) {
		# On a bound the whole search matters (is there another peak
		# inside the range?), so the y axis shows every evaluated point.
		stats path skip 1 using (column(nsettings + 3)) name "Q" nooutput
		lo = Q_min < L_min ? Q_min : L_min
		hi = Q_max > H_max ? Q_max : H_max
		pad = 0.05 * (hi - lo) + 1e-12
		set yrange [(lo - pad) / u:(hi + pad) / u]
	} else {
		set yrange [(L_min - pad) / u:(H_max + pad) / u]
	}
	set terminal pngcairo size 1100,650 font "sans,11"
	set termoption noenhanced   # setting paths hold _ and [ ]
	set output sprintf("%s/optimize_%d.png", outdir, k)
	set title sprintf("%s around the optimum (%s = %.4g%s)", metric, s, X_max, \
			  on_bound ? ", on its bound: the best may lie beyond" : "") noenhanced
	# The label goes on the side of the optimum with room: right of it in
	# the left half of the evaluated range, left of it in the right half.
	right_half = X_max > 0.5 * (P_min + P_max)
	set xlabel s noenhanced
	set ylabel sprintf("%s%s", metric, sfx(u) eq "" ? "" : " (" . sfx(u) . ")") noenhanced
	set key bottom center box opaque
	set grid lc rgb "#dddddd"
	set border 3
	set xtics nomirror
	set ytics nomirror
	if (right_half) {
		set label 1 sprintf("optimum %.4g ", X_max) at X_max, O_max / u front point pt 7 ps 1.6 lc rgb "#b2182b" right offset -0.5,0.8
	} else {
		set label 1 sprintf(" optimum %.4g", X_max) at X_max, O_max / u front point pt 7 ps 1.6 lc rgb "#b2182b" left offset 0.5,0.8
	}
	plot file skip 1 using (strcol(1) eq s ? $2 : 1/0):($4 / u):($5 / u) with filledcurves lc rgb "#c6dbef" fs solid 0.6 title "95% CI over the search replications", \
	     '' skip 1 using (strcol(1) eq s ? $2 : 1/0):($3 / u) with linespoints lw 2 pt 7 ps 0.7 lc rgb "#2166ac" title "mean objective (profile)", \
	     path skip 1 using (column(k + 2)):(strcol(2) eq "search" || strcol(2) eq "grid" ? column(nsettings + 3) / u : 1/0) with points pt 6 ps 1.1 lc rgb "#555555" title "points the search evaluated"
	unset output
}
