/*
 * sim_plot.h - drawing a run's charts with gnuplot.
 *
 * A model's charts are gnuplot scripts named "<model>_<chart>.gp" in one
 * scripts directory. Each is run as
 *
 *     gnuplot -e "datadir='RESULTS'; outdir='RESULTS/plots.tmp'" SCRIPT
 *
 * reads the run's CSV files from datadir and writes its images into outdir.
 * The set of images appears all at once: the scripts draw into a fresh
 * RESULTS/plots.tmp/, which replaces RESULTS/plots/ only when every script
 * has succeeded, so a reader never sees a half-drawn or mixed set.
 *
 * Nothing is ever deleted recursively, and nothing marketsim did not draw:
 * plots/.marketsim-plots lists the charts a drawing wrote, and the next one
 * deletes exactly those and the names it is about to write, then replaces
 * the emptied plots/ with plots.tmp/. When plots/ still holds files
 * someone else put there, they stay and the new charts move in one by one.
 * A plots.tmp/ left by an interrupted drawing loses its listed charts and
 * those named after the model; anything else in it stops the drawing.
 */
#ifndef SIM_PLOT_H
#define SIM_PLOT_H

#include "sim_error.h"

/* Where the scripts are installed; the Makefile passes the real one. */
#ifndef SIM_PLOTS_DIR
#define SIM_PLOTS_DIR "plots"
#endif

/* The scripts directory to use: $MARKETSIM_PLOTS when set and non-empty,
   else SIM_PLOTS_DIR. */
const char *sim_plot_default_dir(void);

/* Runs every scripts_dir/<model>_*.gp, in name order, into
   results_dir/plots/ (see above). Returns 0, also when no script matches
   (then nothing is touched), or -1 with err filled (kind RUNTIME): the
   scripts directory cannot be read, a path holds a single quote, gnuplot
   is not installed, or a script failed (err.file names it, the message
   carries gnuplot's exit status and its error output), or plots.tmp/
   holds someone else's files; plots.tmp is then removed (what this
   drawing wrote in it) and an older plots/ left as it was. */
int sim_plot_draw(const char *scripts_dir, const char *model,
		  const char *results_dir, sim_error *err);

#endif
