/*
 * optimize.h - `marketsim optimize FILE`: the settings of the `optimize`
 * group that maximise (or minimise) one summary metric's mean over the
 * experiment's replications (optimizer.h), then its value there on fresh
 * replications with a 95% CI, the other metrics asked for, and the
 * objective's profile through the optimum along each setting.
 *
 * Outputs (DIR = out/<name>): optimum.csv, optimize_path.csv (every
 * point evaluated, in order), optimize_profile.csv, charts
 * plots/optimize_*.png, report.html, results.sqlite (every replication).
 */
#ifndef SIM_ANALYSIS_OPTIMIZE_H
#define SIM_ANALYSIS_OPTIMIZE_H

#include "run/tasks.h"

/* Runs the optimisation. 0 (also when a signal stopped it: report says
   so, and --resume continues), or -1 with err (kind CONFIG: nothing was
   written). report may be NULL. */
int sim_optimize_experiment(const sim_model_type *const *registry, const sim_run_options *opt,
			    const sim_exec_options *how, sim_exec_report *report,
			    sim_error *err);

#endif
