# equilibrium_rounds.gp - the rounds of best responses from `marketsim
# equilibrium`.
#
#   gnuplot -e "datadir='DIR'; outdir='OUTDIR'" equilibrium_rounds.gp
#
# Reads DIR/equilibrium_history.csv (round, then each player's settings,
# then each metric: the players' objectives first) and
# DIR/equilibrium.csv (its first rows name each setting's player). Writes
# OUTDIR/equilibrium_1.png: two panels over the rounds (0 = the start),
# each setting (price) as a line above, each player's objective below, so
# a reader sees the prices settle (or cycle) and what each player earns.

if (!exists("datadir") || !exists("outdir")) {
	exit error "set datadir and outdir: gnuplot -e \"datadir='DIR'; outdir='OUTDIR'\" equilibrium_rounds.gp"
}
file = datadir . "/equilibrium_history.csv"
result = datadir . "/equilibrium.csv"
if (system("test -r '" . file . "' && echo ok") ne "ok") {
	exit error "cannot read " . file
}
set encoding utf8
set datafile separator ","
set datafile missing "nan"
# settings: the rows of equilibrium.csv whose lo95 is empty (the first ones)
nset = int(system("awk -F, 'NR > 1 && $4 == \"\"' '" . result . "' | wc -l"))
nplayers = int(system("awk -F, 'NR > 1 && $4 == \"\"' '" . result . "' | cut -d, -f2 | sort -u | wc -l"))
header(c) = system(sprintf("head -1 '%s' | cut -d, -f%d", file, c))
rounds = int(system("tail -n +2 '" . file . "' | wc -l")) - 1
palette = "#b2182b #2166ac #1b7837 #762a83 #e08214 #35978f"

set terminal pngcairo size 1100, 800 font "sans,11"

set termoption noenhanced   # setting paths hold _ and [ ]
set output outdir . "/equilibrium_1.png"
set multiplot layout 2, 1 title "Iterated best responses (round 0: the start)"
set grid lc rgb "#dddddd"
set border 3
set lmargin 12
set rmargin 36
set xtics nomirror 1
set ytics nomirror
set xrange [-0.2:rounds + 0.2]
set key outside right top box noenhanced
set ylabel "setting (price)"
plot for [j = 1:nset] file skip 1 using 1:(column(1 + j)) with linespoints lw 2 pt 7 lc rgb word(palette, j) title header(1 + j)
set xlabel "round"
set ylabel "objective"
set format y "%.0s%c"   # 2.5e+08 as 250M
plot for [p = 1:nplayers] file skip 1 using 1:(column(1 + nset + p)) with linespoints lw 2 pt 5 lc rgb word(palette, p) title header(1 + nset + p)
unset multiplot
unset output
