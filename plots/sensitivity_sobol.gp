# sensitivity_sobol.gp - Sobol indices from `marketsim sensitivity`.
#
#   gnuplot -e "datadir='DIR'; outdir='OUTDIR'" sensitivity_sobol.gp
#
# Reads DIR/sensitivity_sobol.csv (metric_index, metric, setting_index,
# setting, first, first_lo95, first_hi95, total, total_lo95, total_hi95,
# rank). Writes OUTDIR/sensitivity_sobol_<m>.png per metric: for each
# setting, its first-order index S (the variance share it explains
# alone) and its total index ST (with all its interactions) as paired
# horizontal bars with 95% bootstrap intervals, settings sorted by ST,
# the largest at the top.

if (!exists("datadir") || !exists("outdir")) {
	exit error "set datadir and outdir: gnuplot -e \"datadir='DIR'; outdir='OUTDIR'\" sensitivity_sobol.gp"
}
file = datadir . "/sensitivity_sobol.csv"
if (system("test -r '" . file . "' && echo ok") ne "ok") {
	exit   # Morris only
}
set encoding utf8
set datafile separator ","
set datafile missing "nan"
nmetrics = int(system("tail -n +2 '" . file . "' | cut -d, -f1 | sort -un | wc -l"))
nset = int(system("tail -n +2 '" . file . "' | cut -d, -f3 | sort -un | wc -l"))

do for [m = 0:nmetrics - 1] {
	metric = system(sprintf("awk -F, 'NR > 1 && $1 == %d {print $2; exit}' '%s'", m, file))
	# this metric's rows sorted by rank (1 = largest ST at the top)
	sorted = sprintf("< awk -F, 'NR > 1 && $1 == %d' '%s' | sort -t, -k11,11n", m, file)
	reset
	set datafile separator ","
	set datafile missing "nan"
	set terminal pngcairo size 1100, 200 + 60 * nset font "sans,11"
	set termoption noenhanced   # setting paths hold _ and [ ]
	set output sprintf("%s/sensitivity_sobol_%d.png", outdir, m + 1)
	set title sprintf("Sobol indices of %s (share of its variance; 95%% bootstrap intervals)", metric) noenhanced
	set xlabel "index"
	set xrange [-0.05:1.05]
	set yrange [nset - 0.5:-0.5]
	set ytics nomirror
	set xtics nomirror 0.1
	set grid xtics lc rgb "#dddddd"
	set border 3
	set key bottom right box opaque
	set style fill solid 0.85 border -1
	plot sorted using (($8) / 2):($0 - 0.18):(($8) / 2):(0.16):ytic(4) with boxxyerrorbars lc rgb "#2166ac" title "total ST", \
	     '' using 8:($0 - 0.18):9:10 with xerrorbars pt 0 lc rgb "#000000" notitle, \
	     '' using (($5 > 0 ? $5 : 0) / 2):($0 + 0.18):(($5 > 0 ? $5 : 0) / 2):(0.16) with boxxyerrorbars lc rgb "#92c5de" title "first-order S", \
	     '' using ($5 > 0 ? $5 : 0):($0 + 0.18):6:7 with xerrorbars pt 0 lc rgb "#000000" notitle
	unset output
}
