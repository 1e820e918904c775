/*
 * run.h - `marketsim run`, `validate` and `check`: one experiment end to
 * end.
 *
 * Loads and validates the experiment (file, then --set overrides, then the
 * schema of the model it names), and only then opens the output directory,
 * runs the replications through the task engine (tasks.h), derives the
 * CSVs from the store, writes the manifest last and draws the charts and
 * report. Nothing is written when validation fails.
 */
#ifndef SIM_RUN_RUN_H
#define SIM_RUN_RUN_H

#include "experiment.h"

/* What a finished run measured. */
typedef struct sim_run_report {
	uint64_t events;
	size_t replications; /* replications run */
	char rule[256];      /* why the count stopped (adaptive replications;
				"" for a fixed count) */
	int targets_missed;  /* validate: targets not met */
	int interrupted;     /* the signal that stopped it (what was stored
				is kept for --resume), or 0 */
	sim_table_set *tables; /* with opt->keep_tables: every replication's
				  rows; the caller frees it */
	double wall_seconds, cpu_seconds;
	long peak_rss_kb;
} sim_run_report;

/* Runs (or with check_only, validates) one experiment, all its
   replications. Returns 0, or -1 with err filled; kind CONFIG means nothing
   was written. With opt->validate, report->targets_missed counts the
   targets missed. report may be NULL. */
int sim_run_experiment(const sim_model_type *const *registry,
		       const sim_run_options *opt, sim_run_report *report,
		       sim_error *err);

#endif
