# sensitivity_morris.gp - Morris screening from `marketsim sensitivity`.
#
#   gnuplot -e "datadir='DIR'; outdir='OUTDIR'" sensitivity_morris.gp
#
# Reads DIR/sensitivity_morris.csv (metric_index, metric, setting_index,
# setting, mu, mu_star, mu_star_lo95, mu_star_hi95, sigma, rank). Writes
# OUTDIR/sensitivity_morris_<m>.png per metric: a tornado of mu* (the mean
# absolute elementary effect per whole range of the setting) with its 95%
# bootstrap interval, settings sorted by mu*, the largest at the top, each
# bar labelled with sigma (large: the setting interacts or acts
# nonlinearly) and the sign of mu (the direction of its effect).

if (!exists("datadir") || !exists("outdir")) {
	exit error "set datadir and outdir: gnuplot -e \"datadir='DIR'; outdir='OUTDIR'\" sensitivity_morris.gp"
}
file = datadir . "/sensitivity_morris.csv"
if (system("test -r '" . file . "' && echo ok") ne "ok") {
	exit   # Sobol only
}
set encoding utf8
set datafile separator ","
set datafile missing "nan"
nmetrics = int(system("tail -n +2 '" . file . "' | cut -d, -f1 | sort -un | wc -l"))
nset = int(system("tail -n +2 '" . file . "' | cut -d, -f3 | sort -un | wc -l"))

do for [m = 0:nmetrics - 1] {
	metric = system(sprintf("awk -F, 'NR > 1 && $1 == %d {print $2; exit}' '%s'", m, file))
	sorted = sprintf("< awk -F, 'NR > 1 && $1 == %d' '%s' | sort -t, -k10,10n", m, file)
	reset
	set datafile separator ","
	set datafile missing "nan"
	stats sorted using 8 name "H" nooutput
	set terminal pngcairo size 1100, 200 + 50 * nset font "sans,11"
	set termoption noenhanced   # setting paths hold _ and [ ]
	set output sprintf("%s/sensitivity_morris_%d.png", outdir, m + 1)
	set title sprintf("Morris screening of %s: mu* (mean |elementary effect| per whole range), 95%% bootstrap intervals", metric) noenhanced
	set xlabel "mu*  (label: sigma; sign of mu)"
	set xrange [0:H_max * 1.25]
	set yrange [nset - 0.5:-0.5]
	set ytics nomirror
	set xtics nomirror
	set format x "%.3g"
	set grid xtics lc rgb "#dddddd"
	set border 3
	set style fill solid 0.85 border -1
	plot sorted using ($6 / 2):0:($6 / 2):(0.3):ytic(4) with boxxyerrorbars lc rgb "#d6604d" notitle, \
	     '' using 6:0:7:8 with xerrorbars pt 0 lc rgb "#000000" notitle, \
	     '' using 8:0:(sprintf("  sigma %.3g; mu %s", $9, $5 >= 0 ? "+" : "-")) with labels left font "sans,9" notitle
	unset output
}
