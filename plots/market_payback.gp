# market_payback.gp - can free usage become revenue? Per provider of free
# models, what its free tokens cost against what the developers who
# started on them later paid it.
#
#   gnuplot -e "datadir='DIR'; outdir='OUTDIR'" market_payback.gp
#
# Reads DIR/providers_weekly.csv; writes OUTDIR/market_payback.png and
# .svg. Two panels sharing the week axis: above, per provider, the
# cumulative revenue from developers who started on its free models
# (cum_converted_revenue, solid) and the cumulative cost of serving its
# free tokens (cum_free_cost, dashed), in the provider's colour of
# market_revenue; below, its weekly conversions (developers who started on
# its free models and first paid), the key saying what share of them paid
# another provider. Only providers with cum_free_cost > 0 in the last week
# are drawn; with none (or no such column, an older run), the chart says so. Bands are 95% CIs of the mean,
# or the 95% band across replications where _p025/_p975 columns exist.

if (!exists("datadir") || !exists("outdir")) {
	exit error "set datadir and outdir: gnuplot -e \"datadir='DIR'; outdir='OUTDIR'\" market_payback.gp"
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

# Band columns: the spread across replications where the run wrote it,
# else the CI of the mean.
PCT = system("head -n 1 '" . file . "' | tr ',' '\\n' | grep -cx cum_free_cost_p025") + 0 > 0
LO = PCT ? "_p025" : "_lo"
HI = PCT ? "_p975" : "_hi"
BAND = PCT ? "95% band across replications" : "95% CI of the mean"
# The key column is narrow; the title says what the band is across.
BAND_KEY = PCT ? "95% band" : "95% CI of the mean"

# The providers that served free tokens: per one, in config order, five
# words: its index among all providers (its colour), its final cumulative
# converted revenue and free cost (means), and its conversions and
# conversions to another provider summed over the weeks (means).
FREE_AWK = 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } \
	!($c["provider"] in idx) { idx[$c["provider"]] = ++n } \
	{ k = idx[$c["provider"]]; rev[k] = $c["cum_converted_revenue_mean"]; \
	  cost[k] = $c["cum_free_cost_mean"]; conv[k] += $c["conversions_mean"]; \
	  away[k] += $c["conversions_away_mean"] } \
	END { for (k = 1; k <= n; k++) if (cost[k] + 0 > 0) \
		printf "%d %.17g %.17g %.17g %.17g ", k, rev[k], cost[k], conv[k], away[k] }'
# A run from before the funnel columns has nothing to draw either.
FUNNEL = system("head -n 1 '" . file . "' | tr ',' '\\n' | grep -cx cum_free_cost_mean") + 0 > 0
FREE = FUNNEL ? system("awk -F, '" . FREE_AWK . "' '" . file . "'") : ""
m = words(FREE) / 5
pi(j) = int(word(FREE, 5 * j - 4))
f_rev(j) = real(word(FREE, 5 * j - 3))
f_cost(j) = real(word(FREE, 5 * j - 2))
f_conv(j) = real(word(FREE, 5 * j - 1))
f_away(j) = real(word(FREE, 5 * j))
pname(j) = word(providers, pi(j))
is(i) = strcol("provider") eq word(providers, i)
val(i, c) = is(i) ? column(c) : NaN
# A column's value in the drawn providers' rows, NaN in the others (for
# the ranges).
FREE_NAMES = ""
do for [j=1:m] { FREE_NAMES = FREE_NAMES . "|" . pname(j) . "|" }
drawn(c) = strstrt(FREE_NAMES, "|" . strcol("provider") . "|") > 0 ? column(c) : NaN

# Legend texts: how many dollars came back per dollar of free tokens, and
# the share of conversions that paid another provider.
payback(j) = f_rev(j) / f_cost(j)
times(x) = x == 0 ? "0" : x >= 10 ? sprintf("%.0f", x) : x >= 0.1 ? sprintf("%.1f", x) : sprintf("%.2g", x)
top_title(j) = sprintf("%s: %s× back", pname(j), times(payback(j)))
bottom_title(j) = f_conv(j) > 0 ? sprintf("%s: %.0f%%", pname(j), 100 * f_away(j) / f_conv(j)) : pname(j) . ": no conversions"

# A one-week run has a single point per line, which a line does not
# show: there each mean is also drawn as a dot (point size 0 elsewhere).
PS = WEEK_max == WEEK_min ? 1.2 : 0

big(a, b) = a > b ? a : b
small(a, b) = a < b ? a : b
top = 1
peak = 1
smallest = 1e300
if (m > 0) {
	# (stats refuses to run on a time axis, hence the switch.)
	set xdata
	stats file using (drawn("cum_converted_revenue" . HI)) name "REV" nooutput
	stats file using (drawn("cum_free_cost" . HI)) name "COST" nooutput
	stats file using (drawn("conversions" . HI)) name "CONV" nooutput
	set xdata time
	top = big(big(REV_max, COST_max), 1)
	peak = big(CONV_max, 1)
	do for [j=1:m] {
		if (f_rev(j) > 0) { smallest = small(smallest, f_rev(j)) }
		smallest = small(smallest, f_cost(j))
	}
}

# Money on a symmetric log scale as in market_revenue: the largest free
# bill is thousands of times the smallest, and a provider's converted
# revenue is often 0. Near zero (|y| < C) the axis is close to linear; C
# is a decade below the smallest final value drawn, but at least a
# millionth of the largest value, rounded to decades.
C = big(small(10**floor(log10(top)) / 1000.0, 10**floor(log10(smallest)) / 10.0), \
	10**floor(log10(top)) / 1e6)
symlog(y) = sgn(y) * log10(1 + abs(y) / C)
symexp(u) = sgn(u) * C * (10**abs(u) - 1)
set nonlinear y via symlog(y) inverse symexp(y)
money(v) = v == 0 ? "$0" : sprintf("%s$%g%s", v < 0 ? "−" : "", abs(v) / scale(abs(v)), suffix(abs(v)))
pad(y, by) = symexp(symlog(y) + by)
# (No single quote inside a double-quoted string in the drawing loop
# below: gnuplot then takes @MONEY_TICS as quoted and leaves it.)
set macros
MONEY_TICS = 'set ytics (); set ytics add ("$0" 0); do for [d=2:2 * ceil(log10(top / C))] { v = C * (d % 2 ? 3 : 1) * 10**(d / 2); if (v <= pad(hi, 0.1)) { set ytics add (money(v) v) } }'

# Conversions: a linear count axis, in K above 10,000 ("0.4K" reads
# worse than "400"); a CI below zero is cut at zero.
S = peak >= 1e4 ? scale(peak) : 1
conv_lo(i) = (v = val(i, "conversions" . LO), v < 0 ? 0 : v / S)

set lmargin at screen 0.09
set rmargin at screen 0.80
TITLE = "Can free usage become revenue? Per provider of free models (mean and " . BAND . ")"

do for [fmt in "png svg"] {
	if (fmt eq "png") {
		set terminal pngcairo size 1200,700 enhanced font 'DejaVu Sans,11'
	} else {
		set terminal svg size 1200,700 enhanced font 'DejaVu Sans,11' background rgb "white"
	}
	set output outdir . "/market_payback." . fmt

	if (m == 0) {
		unset nonlinear y
		set title TITLE
		set tmargin at screen 0.90
		set bmargin at screen 0.12
		set yrange [0:1]
		set ytics ("$0" 0)
		set ylabel "revenue / cost to date"
		set label 1 (FUNNEL ? "No provider served free tokens in this run:\nthere is no free usage to pay back." : \
			"providers_weekly.csv has no conversion funnel (cum_free_cost):\nthis run is from an older marketsim.") \
			at graph 0.5, graph 0.55 center font ",13" tc rgb "#555555"
		unset key
		plot file using (timecolumn(2, TF)):(-1) with lines notitle
		unset label 1
		unset title
	} else {
		set multiplot title TITLE font ",13"

		set tmargin at screen 0.90
		set bmargin at screen 0.53
		set format x ""
		unset xlabel
		set ylabel "since week 0"
		set key at screen 0.815, screen 0.90 top left Left reverse font ",10" spacing 1.2
		set label 1 "y axis: symmetric log scale,\nlinear below " . money(C) \
			at screen 0.815, screen 0.68 left font ",9" tc rgb "#555555"
		hi = top
		set yrange [0:pad(hi, 0.1)]
		@MONEY_TICS
		plot for [j=1:m] file using (timecolumn(2, TF)):(val(pi(j), "cum_free_cost" . LO)):(val(pi(j), "cum_free_cost" . HI)) \
			with filledcurves fc rgb pal(pi(j)) notitle, \
		     for [j=1:m] file using (timecolumn(2, TF)):(val(pi(j), "cum_converted_revenue" . LO)):(val(pi(j), "cum_converted_revenue" . HI)) \
			with filledcurves fc rgb pal(pi(j)) notitle, \
		     for [j=1:m] file using (timecolumn(2, TF)):(val(pi(j), "cum_free_cost_mean")) \
			with linespoints pt 7 ps PS lw 2 lc rgb pal(pi(j)) dt 2 notitle, \
		     for [j=1:m] file using (timecolumn(2, TF)):(val(pi(j), "cum_converted_revenue_mean")) \
			with linespoints pt 7 ps PS lw 2 lc rgb pal(pi(j)) dt 1 title top_title(j), \
		     keyentry with lines lw 2 lc rgb "#444444" dt 1 title "revenue from converts", \
		     keyentry with lines lw 2 lc rgb "#444444" dt 2 title "cost of free tokens", \
		     keyentry with filledcurves fc rgb "#888888" title BAND_KEY

		set tmargin at screen 0.47
		set bmargin at screen 0.12
		set format x (WEEK_max - WEEK_min > 120 * 86400 ? "%b\n%Y" : "%d %b\n%Y") timedate
		set xlabel "week starting"
		set ylabel "conversions per week"
		set key at screen 0.815, screen 0.47 top left Left reverse font ",10" spacing 1.2 \
			title "conversions that paid\nanother provider" left
		unset nonlinear y
		set yrange [0:*]
		set ytics autofreq
		set format y "%g" . suffix(S)
		set label 2 "conversion: a developer who\nstarted on a free model of the\nprovider first pays for a model" \
			at screen 0.815, screen 0.30 left font ",9" tc rgb "#555555"
		plot for [j=1:m] file using (timecolumn(2, TF)):(conv_lo(pi(j))):(val(pi(j), "conversions" . HI) / S) \
			with filledcurves fc rgb pal(pi(j)) notitle, \
		     for [j=1:m] file using (timecolumn(2, TF)):(val(pi(j), "conversions_mean") / S) \
			with linespoints pt 7 ps PS lw 2 lc rgb pal(pi(j)) title bottom_title(j)

		unset label 1
		unset label 2
		set format y "%g"
		set nonlinear y via symlog(y) inverse symexp(y)
		set key notitle
		unset multiplot
	}
	unset output
}
