/*
 * compare.h - `marketsim compare A B`: two experiments paired
 * replication by replication.
 */
#ifndef SIM_RUN_COMPARE_H
#define SIM_RUN_COMPARE_H

#include <stdio.h>

#include "experiment.h"

/* Runs experiments A and B (opt_a, opt_b: their files and overrides)
   into out_dir/a and out_dir/b, pairs their replications (replication r
   of each uses the same random streams when their seeds agree: common
   random numbers) and writes out_dir/compare.csv: per summary metric the
   means of A and B, the difference B - A with its 95% t interval from the
   paired differences, and the variance reduction against independent
   runs, var(A) + var(B) over var(B - A). Prints the same table to report
   (may be NULL). Returns 0 or -1 with err. */
int sim_compare_experiments(const sim_model_type *const *registry,
			    const sim_run_options *opt_a, const sim_run_options *opt_b,
			    const char *out_dir, FILE *report, sim_error *err);

#endif
