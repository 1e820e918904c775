/*
 * redraw.h - `marketsim plot DIR`: a results directory's outputs written
 * again from what its results.sqlite holds (the CSVs of a sweep or a
 * recorded run, a validated run's validation.txt and validation.csv, then
 * the charts and report), e.g. after editing a chart's script.
 */
#ifndef SIM_RUN_REDRAW_H
#define SIM_RUN_REDRAW_H

#include <stdbool.h>

#include "sim_model.h"

/* Redraws DIR's outputs. Returns 0 or -1 with err (kind CONFIG: DIR is
   not a results directory). */
int sim_redraw_results(const sim_model_type *const *registry, const char *dir,
		       const char *plots_dir, bool quiet, sim_error *err);

/* Derives DIR's CSVs (and a validated run's validation.txt; a sweep's
   notes and manifest) from DIR/results.sqlite alone into out_dir, which
   may be DIR, as `plot` does before drawing. 0, or -1 with err (kind
   CONFIG: DIR is not a results directory). */
int sim_redraw_tables(const sim_model_type *const *registry, const char *dir,
		      const char *out_dir, sim_error *err);

#endif
