# calibrate_residuals.gp - how well `marketsim calibrate` fits each target.
#
#   gnuplot -e "datadir='DIR'; outdir='OUTDIR'" calibrate_residuals.gp
#
# Reads DIR/calibration_targets.csv (target, use, observed, simulated,
# sd, tolerance, residual; the last rows, without a use, are the losses).
# Writes OUTDIR/calibrate_1.png: each target's residual at the estimate,
# (simulated - observed) / tolerance, as a horizontal bar, fit targets in
# blue and held-out targets (the out-of-sample check) in orange, with the
# band |residual| <= 1 (within tolerance) shaded.

if (!exists("datadir") || !exists("outdir")) {
	exit error "set datadir and outdir: gnuplot -e \"datadir='DIR'; outdir='OUTDIR'\" calibrate_residuals.gp"
}
file = datadir . "/calibration_targets.csv"
if (system("test -r '" . file . "' && echo ok") ne "ok") {
	exit error "cannot read " . file
}
set encoding utf8
set datafile separator ","
set datafile missing "nan"
rows = "< awk -F, 'NR > 1 && $2 != \"\"' '" . file . "'"
n = int(system("awk -F, 'NR > 1 && $2 != \"\"' '" . file . "' | wc -l"))
stats rows using (abs($7)) name "R" nooutput
lim = R_max > 1.5 ? R_max * 1.15 : 1.6
set terminal pngcairo size 1100, 220 + 34 * n font "sans,11"
set termoption noenhanced   # setting paths hold _ and [ ]
set output outdir . "/calibrate_1.png"
set title "Residuals at the estimate: (simulated - observed) / tolerance; shaded: within tolerance"
set xrange [-lim:lim]
set xlabel "residual (tolerances)"
# room for the targets' names
longest = int(system("awk -F, 'NR > 1 && $2 != \"\" {print length($1)}' '" . file . "' | sort -n | tail -1"))
set lmargin longest + 3
set yrange [n - 0.5:-0.5]
set ytics nomirror noenhanced
set xtics nomirror
set grid xtics lc rgb "#dddddd"
set border 3
set key outside right top box
set style fill solid 0.85 border -1
set arrow 1 from 0, graph 0 to 0, graph 1 nohead lc rgb "#000000"
set object 1 rect from -1, graph 0 to 1, graph 1 fc rgb "#eeeeee" behind fs solid noborder
plot rows using (strcol(2) eq "fit" ? $7 / 2 : 1/0):0:(abs($7) / 2):(0.32):ytic(1) with boxxyerrorbars lc rgb "#2166ac" title "fit target", \
     rows using (strcol(2) eq "holdout" ? $7 / 2 : 1/0):0:(abs($7) / 2):(0.32) with boxxyerrorbars lc rgb "#e08214" title "held out"
unset output
