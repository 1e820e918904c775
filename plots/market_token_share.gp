# market_token_share.gp - share of each week's tokens by model origin.
#
#   gnuplot -e "datadir='DIR'; outdir='OUTDIR'" market_token_share.gp
#
# Reads DIR/origins_weekly.csv; writes OUTDIR/market_token_share.png and
# .svg. One line per origin (the mean over replications) inside its 95%
# confidence band, so a reader sees at once whether a shift in share is
# larger than the run-to-run noise.

if (!exists("datadir") || !exists("outdir")) {
	exit error "set datadir and outdir: gnuplot -e \"datadir='DIR'; outdir='OUTDIR'\" market_token_share.gp"
}
file = datadir . "/origins_weekly.csv"
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

origins = keys(file, "origin")
n = words(origins)
# Fixed colours for the usual origins keep every chart and report alike.
ocolor(i) = word(origins, i) eq "CN" ? "#d62728" : word(origins, i) eq "US" ? "#1f77b4" : \
	    word(origins, i) eq "EU" ? "#2ca02c" : pal(i + 3)
is(i) = strcol("origin") eq word(origins, i)
pct(i, c) = is(i) ? 100 * column(c) : NaN
# Which band: a run that drew its fitted settings (parameter_draws.csv
# beside the CSVs) draws the 2.5-97.5 percentiles of the replications'
# values, which include parameter uncertainty; any other, the 95% CI of
# the mean, which includes only the simulation's noise.
unc = system("test -r '" . datadir . "/parameter_draws.csv' && echo ok") eq "ok"
LO = unc ? "_p025" : "_lo"
HI = unc ? "_p975" : "_hi"
BAND = unc ? "95% band across replications: Monte Carlo noise + parameter uncertainty" : "95% CI"

set title "Share of weekly tokens by model origin " . (unc ? "\n(mean and " . BAND . ")" : "(mean and 95% CI over replications)")
set ylabel "share of tokens (%)"
set yrange [0:100]
set format y "%g%%"
set ytics 10

do for [fmt in "png svg"] {
	if (fmt eq "png") {
		set terminal pngcairo size 1200,700 enhanced font 'DejaVu Sans,11'
	} else {
		set terminal svg size 1200,700 enhanced font 'DejaVu Sans,11' background rgb "white"
	}
	set output outdir . "/market_token_share." . fmt
	plot for [i=1:n] file using (timecolumn(2, TF)):(pct(i, "token_share" . LO)):(pct(i, "token_share" . HI)) \
		with filledcurves fc rgb ocolor(i) notitle, \
	     for [i=1:n] file using (timecolumn(2, TF)):(pct(i, "token_share_mean")) \
		with lines lw 2.5 lc rgb ocolor(i) title word(origins, i), \
	     keyentry with filledcurves fc rgb "#888888" title (unc ? "95% band" : "95% CI")
	unset output
}
