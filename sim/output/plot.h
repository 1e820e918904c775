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
   carries gnuplot's exit status and its error output); plots.tmp is then
   removed and an older plots/ left as it was. */
int sim_plot_draw(const char *scripts_dir, const char *model,
		  const char *results_dir, sim_error *err);

#endif
