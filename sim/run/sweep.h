/*
 * sweep.h - `marketsim sweep`: one experiment at every point of its
 * `sweep` group (sweep_points.h), through the task engine (tasks.h); the
 * CSVs, charts and report are then derived from results.sqlite
 * (output/sweep_outputs.h).
 */
#ifndef SIM_RUN_SWEEP_H
#define SIM_RUN_SWEEP_H

#include "tasks.h"

/* Runs every replication of every point of the experiment's sweep into
   opt->out_dir (default out/<name>). Returns 0 when the sweep ran
   (report->failed counts replications that failed; report->interrupted a
   signal that stopped it early, with what was done kept), -1 with err
   when it could not (bad input: kind CONFIG, nothing written). */
int sim_sweep_experiment(const sim_model_type *const *registry,
			 const sim_run_options *opt, const sim_exec_options *how,
			 sim_exec_report *report, sim_error *err);

#endif
