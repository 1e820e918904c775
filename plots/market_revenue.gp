# market_revenue.gp - cumulative revenue and profit by provider.
#
#   gnuplot -e "datadir='DIR'; outdir='OUTDIR'" market_revenue.gp
#
# Reads DIR/providers_weekly.csv; writes OUTDIR/market_revenue.png and
# .svg. Two panels sharing the week axis and the legend: revenue earned
# since week 0 above, profit since week 0 below.
# A provider giving a model away for free burns money, so its profit runs
# below the zero line, which is drawn heavier. Bands are 95% CIs of the mean, or with parameter
# uncertainty the 95% band across replications (see below).

if (!exists("datadir") || !exists("outdir")) {
	exit error "set datadir and outdir: gnuplot -e \"datadir='DIR'; outdir='OUTDIR'\" market_revenue.gp"
}
file = datadir . "/providers_weekly.csv"
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

providers = keys(file, "provider")
n = words(providers)
is(i) = strcol("provider") eq word(providers, i)
val(i, c) = is(i) ? column(c) : NaN
# Which band: a run that drew its fitted settings (parameter_draws.csv
# beside the CSVs) draws the 2.5-97.5 percentiles of the replications'
# values, which include parameter uncertainty; any other, the 95% CI of
# the mean, which includes only the simulation's noise.
unc = system("test -r '" . datadir . "/parameter_draws.csv' && echo ok") eq "ok"
LO = unc ? "_p025" : "_lo"
HI = unc ? "_p975" : "_hi"
BAND = unc ? "95% band across replications: Monte Carlo noise + parameter uncertainty" : "95% CI"

# Ranges over every provider's band, in dollars.
# (stats refuses to run on a time axis, hence the switch.)
set xdata
stats file using (column("cum_revenue" . HI)) name "REV" nooutput
stats file using (column("cum_profit" . LO)) name "PLO" nooutput
stats file using (column("cum_profit" . HI)) name "PHI" nooutput
set xdata time
big(a, b) = a > b ? a : b
rev_hi = big(REV_max, 1)
p_lo = PLO_min < 0 ? PLO_min : 0
p_hi = big(PHI_max, 0)
top = big(rev_hi, big(-p_lo, p_hi))

# Symmetric log scale: the leaders earn thousands of times what a free
# model's provider loses, and on a linear axis every small provider (and
# every loss) would lie flat on zero. Near zero (|y| < C) the axis is close
# to linear, so zero and sign changes show; beyond C each decade gets the
# same height. C is a thousandth of the largest value, rounded to a decade.
C = 10**floor(log10(top)) / 1000.0
symlog(y) = sgn(y) * log10(1 + abs(y) / C)
symexp(u) = sgn(u) * C * (10**abs(u) - 1)
set nonlinear y via symlog(y) inverse symexp(y)

# Ticks at 0 and at +-10, 30, 100, 300... times C: "$10M", "−$3B".
money(v) = v == 0 ? "$0" : sprintf("%s$%g%s", v < 0 ? "−" : "", abs(v) / scale(abs(v)), suffix(abs(v)))
# Axis ends a little beyond the data, measured in decades of the axis.
pad(y, by) = symexp(symlog(y) + by)
set macros
MONEY_TICS = 'set ytics (); set ytics add ("$0" 0); do for [d=2:2 * ceil(log10(top / C))] { v = C * (d % 2 ? 3 : 1) * 10**(d / 2); if (v <= pad(hi, 0.1)) { set ytics add (money(v) v) }; if (-v >= pad(lo, -0.1)) { set ytics add (money(-v) -v) } }'

set key at screen 0.815, screen 0.90 top left Left reverse font ",10" spacing 1.2
set lmargin at screen 0.09
set rmargin at screen 0.80

do for [fmt in "png svg"] {
	if (fmt eq "png") {
		set terminal pngcairo size 1200,700 enhanced font 'DejaVu Sans,11'
	} else {
		set terminal svg size 1200,700 enhanced font 'DejaVu Sans,11' background rgb "white"
	}
	set output outdir . "/market_revenue." . fmt
	set multiplot title "Cumulative revenue and profit by provider since week 0 " . (unc ? "\n(mean and " . BAND . ")" : "(mean and 95% CI over replications)") font ",13"

	set tmargin at screen 0.90
	set bmargin at screen 0.55
	set format x ""
	unset xlabel
	set ylabel "revenue to date"
	lo = 0
	hi = rev_hi
	set yrange [0:pad(hi, 0.1)]
	@MONEY_TICS
	plot for [i=1:n] file using (timecolumn(2, TF)):(val(i, "cum_revenue" . LO)):(val(i, "cum_revenue" . HI)) \
		with filledcurves fc rgb pal(i) notitle, \
	     for [i=1:n] file using (timecolumn(2, TF)):(val(i, "cum_revenue_mean")) \
		with lines lw 2 lc rgb pal(i) dt dash(i) title word(providers, i)

	set tmargin at screen 0.50
	set bmargin at screen 0.12
	set format x (WEEK_max - WEEK_min > 120 * 86400 ? "%b\n%Y" : "%d %b\n%Y") timedate
	set xlabel "week starting"
	set ylabel "profit to date"
	set label 1 "y axes: symmetric log scale,\nlinear within ±" . money(C) \
		at screen 0.815, screen 0.30 left font ",9" tc rgb "#555555"
	lo = p_lo
	hi = p_hi
	set yrange [pad(lo, -0.1):pad(hi, 0.1)]
	@MONEY_TICS
	plot for [i=1:n] file using (timecolumn(2, TF)):(val(i, "cum_profit" . LO)):(val(i, "cum_profit" . HI)) \
		with filledcurves fc rgb pal(i) notitle, \
	     for [i=1:n] file using (timecolumn(2, TF)):(val(i, "cum_profit_mean")) \
		with lines lw 2 lc rgb pal(i) dt dash(i) notitle, \
	     0 with lines lc rgb "#222222" lw 1.5 notitle

	unset label 1
	unset multiplot
	unset output
}
