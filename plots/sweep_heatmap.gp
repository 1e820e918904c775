# sweep_heatmap.gp - a summary metric over a 2-D grid sweep, as a heat map.
#
#   gnuplot -e "datadir='DIR'; outdir='OUTDIR'" sweep_heatmap.gp
#
# Reads DIR/sweep_summary.csv and DIR/sweep_plots.txt (see
# sweep_metric.gp); for each line naming two parameters (a grid sweep)
# writes OUTDIR/sweep_<k>.png and .svg: the metric's mean over
# replications in each cell, the first parameter across, the second up,
# the cell with the highest mean outlined. Grid points are numbered with
# the second parameter varying fastest, which is what places the cells.

if (!exists("datadir") || !exists("outdir")) {
	exit error "set datadir and outdir: gnuplot -e \"datadir='DIR'; outdir='OUTDIR'\" sweep_heatmap.gp"
}
file = datadir . "/sweep_summary.csv"
list = datadir . "/sweep_plots.txt"
if (system("test -r '" . list . "' && echo ok") ne "ok") {
	exit
}
set encoding utf8
set datafile separator ","
set datafile missing NaN
col(n) = int(system("head -1 '" . file . "' | tr ',' '\\n' | grep -nxF -- '" . n . "' | cut -d: -f1"))
# The distinct values of column c in order, as gnuplot tic labels
# ("label" position, ...).
TICS_AWK = 'NR > 1 && !seen[$c]++ { printf "%s\"%s\" %d", n++ ? ", " : "", $c, n - 1 }'
tics(c) = "(" . system("awk -F, -v c=" . c . " '" . TICS_AWK . "' '" . file . "'") . ")"
distinct(c) = int(system("awk -F, -v c=" . c . " 'NR > 1 && !seen[$c]++ { n++ } END { print n }' '" . file . "'"))
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
	if (words(line) < 3) {
		continue   # 1-D: sweep_metric.gp draws it
	}
	metric = word(line, 1); px = word(line, 2); py = word(line, 3)
	cm = col(metric . "_mean"); cx = col(px); cy = col(py)
	if (cm == 0 || cx == 0 || cy == 0) {
		exit error sprintf("sweep_plots.txt line %d: no column %s_mean, %s or %s in %s", k, metric, px, py, file)
	}
	# A fresh state each chart: the last chart's ranges would filter stats.
	reset
	set datafile separator ","
	set datafile missing NaN
	ny = distinct(cy)
	stats file skip 1 using cm name "M" nooutput
	unit = money(metric) ? (abs(M_max) >= 1e9 || abs(M_min) >= 1e9 ? 1e9 : 1e6) : 1
	suffix = unit == 1e9 ? "B" : unit == 1e6 ? "M" : ""
	bx = int(M_index_max / ny); by = M_index_max % ny
	set title sprintf("%s (mean over replications) by %s and %s", metric, px, py) noenhanced
	set xlabel px noenhanced
	set ylabel py noenhanced
	eval "set xtics " . tics(cx)
	eval "set ytics " . tics(cy)
	set tics out nomirror
	set palette cubehelix start 0.5 cycles -1.2 saturation 1.0 negative
	set cblabel (money(metric) ? metric . " (US dollars)" : metric) noenhanced offset 2.5, 0
	set rmargin 14
	set style textbox opaque fillcolor rgb "#ffffff" border lc rgb "#d62728"
	if (money(metric)) {
		step = tick_step(M_min / unit, M_max / unit)
		set cbtics ()
		do for [i = floor(M_min / unit / step):ceil(M_max / unit / step)] {
			set cbtics add (dollars(i * step, "%g") i * step)
		}
	} else {
		set format cb "%g"
	}
	set object 1 rect from bx - 0.5, by - 0.5 to bx + 0.5, by + 0.5 front fs empty border lc rgb "#d62728" lw 3
	set label 1 (money(metric) ? "highest: " . dollars(M_max / unit, "%.3g") : sprintf("highest: %.4g", M_max)) \
		at bx, by front center tc rgb "#d62728" font ",10" boxed
	set xrange [-0.5:distinct(cx) - 0.5]
	set yrange [-0.5:ny - 0.5]
	do for [t in "pngcairo svg"] {
		if (t eq "pngcairo") {
			set terminal pngcairo size 1000,650 enhanced font "DejaVu Sans,11"
			set output sprintf("%s/sweep_%d.png", outdir, k)
		} else {
			set terminal svg size 1000,650 enhanced font "DejaVu Sans,11" background "#ffffff"
			set output sprintf("%s/sweep_%d.svg", outdir, k)
		}
		plot file skip 1 using (int($0 / ny)):(int($0) % ny):(column(cm) / unit) with image notitle
		unset output
	}
}
