# sweep_metric.gp - each chosen summary metric against the swept parameter.
#
#   gnuplot -e "datadir='DIR'; outdir='OUTDIR'" sweep_metric.gp
#
# Reads DIR/sweep_summary.csv (one row per point) and DIR/sweep_plots.txt
# (one chart per line: the metric's column stem, e.g. cum_revenue:Alibaba,
# then the parameter column for the x axis), both written by `marketsim
# sweep`. Writes OUTDIR/sweep_<k>.png and .svg for the k-th line: the mean
# over replications with 95% CI error bars, and the point with the highest
# mean marked and labelled.

if (!exists("datadir") || !exists("outdir")) {
	exit error "set datadir and outdir: gnuplot -e \"datadir='DIR'; outdir='OUTDIR'\" sweep_metric.gp"
}
file = datadir . "/sweep_summary.csv"
list = datadir . "/sweep_plots.txt"
if (system("test -r '" . list . "' && echo ok") ne "ok") {
	exit   # no charts asked for
}
if (system("test -r '" . file . "' && echo ok") ne "ok") {
	exit error "cannot read " . file
}
set encoding utf8
set datafile separator ","
set datafile missing NaN
# 1-based index of the column named n (names hold ':', '.', '[' and ']').
col(n) = int(system("head -1 '" . file . "' | tr ',' '\\n' | grep -nxF -- '" . n . "' | cut -d: -f1"))
charts = int(system("grep -c . '" . list . "'"))
# Dollars in the chart's unit, the sign before the $: "-$6.9M", not "$-6.9M"
# (gnuplot's `set format` can only put it after).
dollars(v, fmt) = (v < 0 ? "-$" : "$") . sprintf(fmt, abs(v)) . suffix
# A round tick step giving about six ticks over [lo, hi].
tick_step(lo, hi) = (r = (hi > lo ? hi - lo : 1) / 6.0, m = 10**floor(log10(r)), \
	r / m < 1.5 ? m : r / m < 3.5 ? 2 * m : r / m < 7.5 ? 5 * m : 10 * m)
money(m) = strstrt(m, "revenue") || strstrt(m, "profit") || strstrt(m, "spend") || strstrt(m, "fee")

do for [k = 1:charts] {
	line = system("sed -n " . k . "p '" . list . "'")
	metric = word(line, 1)
	param = word(line, 2)
	if (words(line) > 2) {
		continue   # a 2-D grid: sweep_heatmap.gp draws it
	}
	cm = col(metric . "_mean"); cl = col(metric . "_lo"); ch = col(metric . "_hi"); cx = col(param)
	if (cm == 0 || cx == 0) {
		exit error sprintf("sweep_plots.txt line %d: no column %s_mean or %s in %s", k, metric, param, file)
	}
	# A fresh state each chart: the last chart's ranges would filter stats.
	reset
	set datafile separator ","
	set datafile missing NaN
	stats file skip 1 using cm name "M" nooutput
	stats file skip 1 every ::(M_index_max)::(M_index_max) using cx name "X" nooutput
	stats file skip 1 using cx name "XR" nooutput
	unit = money(metric) ? (abs(M_max) >= 1e9 || abs(M_min) >= 1e9 ? 1e9 : 1e6) : 1
	suffix = unit == 1e9 ? "B" : unit == 1e6 ? "M" : ""
	set key top left box opaque
	set grid lc rgb "#dddddd"
	set border 3
	set xtics nomirror
	set ytics nomirror
	set title sprintf("%s against %s (mean and 95%% CI over replications)", metric, param) noenhanced
	set xlabel param noenhanced
	if (money(metric)) {
		set ylabel sprintf("%s (US dollars)", metric) noenhanced
		# Ticks placed by hand, each labelled with dollars().
		stats file skip 1 using (column(cl) / unit) name "L" nooutput
		stats file skip 1 using (column(ch) / unit) name "H" nooutput
		step = tick_step(L_min, H_max)
		set ytics ()
		do for [i = floor(L_min / step):ceil(H_max / step)] {
			set ytics add (dollars(i * step, "%g") i * step)
		}
	} else {
		set ylabel metric noenhanced
		set format y "%g"
	}
	best = money(metric) ? dollars(M_max / unit, "%.3g") : sprintf("%.4g", M_max)
	# The label goes on the side of the marked point with more room.
	if (X_min > (XR_min + XR_max) / 2) {
		set label 1 sprintf("highest mean: %s at %s = %g", best, param, X_min) at X_min, M_max / unit \
			right offset -1.5, 1.2 noenhanced tc rgb "#d62728"
	} else {
		set label 1 sprintf("highest mean: %s at %s = %g", best, param, X_min) at X_min, M_max / unit \
			left offset 1.5, 1.2 noenhanced tc rgb "#d62728"
	}
	set offsets graph 0.03, graph 0.03, graph 0.12, 0
	do for [t in "pngcairo svg"] {
		if (t eq "pngcairo") {
			set terminal pngcairo size 1000,600 enhanced font "DejaVu Sans,11"
			set output sprintf("%s/sweep_%d.png", outdir, k)
		} else {
			set terminal svg size 1000,600 enhanced font "DejaVu Sans,11" background "#ffffff"
			set output sprintf("%s/sweep_%d.svg", outdir, k)
		}
		plot file using (column(cx)):(column(cm) / unit) skip 1 with lines lw 2 lc rgb "#1f77b4" title "mean", \
		     file using (column(cx)):(column(cm) / unit):(column(cl) / unit):(column(ch) / unit) skip 1 \
			with yerrorbars pt 7 ps 0.6 lc rgb "#1f77b4" title "95% CI", \
		     "+" using (X_min):(M_max / unit) every ::0::0 with points pt 6 ps 3 lw 2 lc rgb "#d62728" title "highest mean"
		unset output
	}
}
