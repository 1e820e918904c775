/*
 * draw.h - a results directory's charts and report, drawn after its CSVs
 * are complete: the charts from plots/PREFIX_*.gp (plot.h), then
 * report.html (report.h).
 */
#ifndef SIM_OUTPUT_DRAW_H
#define SIM_OUTPUT_DRAW_H

#include <stdbool.h>

#include "sim_error.h"

/* Draws DIR's charts (plots/PREFIX_*.gp from plots_dir, default
   sim_plot_default_dir(); none when prefix is NULL or no_plots), then
   writes DIR/report.html (without charts when there are none or they
   failed: a chart's failure stays the error reported), and says where
   unless quiet. config_path: the experiment file, for the report's
   question. Returns 0 or -1 with err. */
int sim_draw_outputs(const char *dir, const char *config_path, const char *prefix,
		     const char *plots_dir, bool no_plots, bool quiet, sim_error *err);

#endif
