# market_active_devs.gp - active developers by model: the adoption curves.
#
#   gnuplot -e "datadir='DIR'; outdir='OUTDIR'" market_active_devs.gp
#
# Reads DIR/models_weekly.csv; writes OUTDIR/market_active_devs.png and
# .svg. One line per model that ever has an active developer (the mean over
# replications). The y axis is logarithmic: adoption spans orders of
# magnitude between a flagship and a niche model, and on a log axis a
# model's early growth and a free promotion's end stay visible for all of
# them; weeks with no developers are left out rather than drawn at zero.

if (!exists("datadir") || !exists("outdir")) {
	exit error "set datadir and outdir: gnuplot -e \"datadir='DIR'; outdir='OUTDIR'\" market_active_devs.gp"
}
file = datadir . "/models_weekly.csv"
if (system("test -r '" . file . "' && echo ok") ne "ok") {
	exit error "cannot read " . file . " (is datadir a market run's results directory?)"
}

# --- shared preamble (the same in every market_*.gp, see README.md) -------
set encoding utf8
set datafile separator ","
# An expression's NaN counts as missing, not undefined: a line then joins
# the rows of one key across the other keys' rows instead of breaking.
set datafile missing NaN
TF = "%Y-%m-%d"
# Distinct values of the column named col, in order of first appearance,
# each in double quotes so that word() keeps names with spaces whole.
KEYS_AWK = 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } !seen[$k]++ { printf "\"%s\" ", $k }'
keys(f, col) = system("awk -F, -v c=" . col . " '" . KEYS_AWK . "' '" . f . "'")
array PAL[10] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", \
		 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
# Model i (in config order) keeps its hue in every chart: models 11-20
# reuse the hues, dashed in line charts and lighter in area charts.
array LIGHT[10] = ["#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", \
		   "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5"]
pal(i) = PAL[(i - 1) % 10 + 1]
area(i) = ((i - 1) / 10) % 2 ? LIGHT[(i - 1) % 10 + 1] : PAL[(i - 1) % 10 + 1]
dash(i) = ((i - 1) / 10) % 2 ? 2 : 1
# Scale and suffix that keep tick labels short: "1.5T", not "1.5e+12".
scale(m) = m >= 1e12 ? 1e12 : m >= 1e9 ? 1e9 : m >= 1e6 ? 1e6 : m >= 1e3 ? 1e3 : 1
suffix(m) = m >= 1e12 ? "T" : m >= 1e9 ? "B" : m >= 1e6 ? "M" : m >= 1e3 ? "K" : ""
unitname(m) = m >= 1e12 ? "trillions" : m >= 1e9 ? "billions" : m >= 1e6 ? "millions" : m >= 1e3 ? "thousands" : ""
# Log-axis tick labels in K/M/B, one per decade from 1 to 1e12.
decade(k) = k < 3 ? sprintf("%g", 10**k) : k < 6 ? sprintf("%gK", 10**(k - 3)) : \
	    k < 9 ? sprintf("%gM", 10**(k - 6)) : sprintf("%gB", 10**(k - 9))
# Week axis: months over a long run, days over a short one.
stats file using (timecolumn(2, TF)) name "WEEK" nooutput
set xdata time
set timefmt TF
set format x (WEEK_max - WEEK_min > 120 * 86400 ? "%b\n%Y" : "%d %b\n%Y") timedate
# A short run gets a tick on week starts, at most about ten of them; a
# one-week run a week-wide axis around its single tick.
if (WEEK_max == WEEK_min) {
	set xrange [WEEK_min - 3.5 * 86400:WEEK_min + 3.5 * 86400]
	set xtics WEEK_min, 7 * 86400, WEEK_min
} else {
	if (WEEK_max - WEEK_min <= 120 * 86400) {
		set xtics WEEK_min, 7 * 86400 * ceil((WEEK_max - WEEK_min) / (7 * 86400) / 10.0 + 0.01)
	}
	set autoscale xfix
}
set xlabel "week starting"
set grid xtics ytics lt 1 lc rgb "#e3e3e3" lw 1
set border 3
set tics nomirror out
set key outside right top vertical Left reverse noenhanced width 1 spacing 1.2
set title font ",13"
set style fill transparent solid 0.2 noborder
# ---------------------------------------------------------------------------

ids = keys(file, "model")
names = keys(file, "name")
# Config-order positions of the models that ever have a developer.
USED_AWK = 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "model") m = i; if ($i == "active_devs_mean") a = i }; next } !($m in pos) { pos[$m] = ++n } $a > 0 { used[pos[$m]] = 1 } END { for (k = 1; k <= n; k++) if (k in used) printf "%d ", k }'
used = system("awk -F, '" . USED_AWK . "' '" . file . "'")
n = words(used)
idx(k) = int(word(used, k))
is(i) = strcol("model") eq word(ids, i)
devs(i) = is(i) && column("active_devs_mean") > 0 ? column("active_devs_mean") : NaN

set title "Active developers by model (mean over replications)"
set ylabel "active developers (log scale)"
set logscale y
set ytics ()
do for [k=0:12] {
	set ytics add (decade(k) 10**k)
}
set mytics 10
set key font ",9" spacing 1.0

do for [fmt in "png svg"] {
	if (fmt eq "png") {
		set terminal pngcairo size 1200,700 enhanced font 'DejaVu Sans,11'
	} else {
		set terminal svg size 1200,700 enhanced font 'DejaVu Sans,11' background rgb "white"
	}
	set output outdir . "/market_active_devs." . fmt
	plot for [k=1:n] file using (timecolumn(2, TF)):(devs(idx(k))) \
		with lines lw 2 lc rgb pal(idx(k)) dt dash(idx(k)) title word(names, idx(k))
	unset output
}
