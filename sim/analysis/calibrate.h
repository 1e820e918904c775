/*
 * calibrate.h - `marketsim calibrate FILE` (see analysis.h and docs/ANALYSIS.md).
 */
#ifndef SIM_ANALYSIS_CALIBRATE_H
#define SIM_ANALYSIS_CALIBRATE_H

#include "run/tasks.h"

/* Runs the calibrate analysis. 0 (also when a signal stopped it: report says
   so, and --resume continues), or -1 with err (kind CONFIG: nothing was
   written). report may be NULL. */
int sim_calibrate_experiment(const sim_model_type *const *registry, const sim_run_options *opt,
			 const sim_exec_options *how, sim_exec_report *report, sim_error *err);

#endif
