/*
 * sim_replications.h - how many replications an experiment runs: a fixed
 * count, or as many as it takes for chosen results to be precise enough.
 *
 * The top-level setting `replications` is either a count,
 *
 *     replications = 20;
 *
 * which means { min = 20; }, or a group that keeps adding replications
 * until every target metric's 95% confidence interval is narrow enough
 * relative to its mean, or `max` is reached:
 *
 *     replications = { min = 5; max = 200;
 *                      target = ( { metric = "cum_revenue:Alibaba"; rel_half_width = 0.02; } ) };
 *
 * A target "m:s" names the row metric = m, subject = s of the model's
 * "summary.csv" table (keys metric, subject; value column 0, "value").
 *
 * The stopping rule (sim_replications_plan), after `done` replications:
 *   - fewer than min: run up to min;
 *   - for each target, over the finite values of its row in the `done`
 *     replications (k of them), the relative half-width
 *         h = t_{0.975, k-1} sd / sqrt(k) / |mean|
 *     (undefined, so not met, with k < 2, and with a mean 0 to rounding,
 *     |mean| <= 1e-12 sd, unless sd is 0 too: a constant 0 counts as met);
 *   - every h <= its target: stop; max reached: stop and say so;
 *   - else, with w the target worst relative to its own (largest
 *     h / target), run up to
 *         min(max, 2 done, max(done + 1, ceil(1.1 done (h_w / target_w)^2)))
 *     the two-stage estimate of the count that brings h_w to its target
 *     (h shrinks as 1/sqrt(n)), 10% over, and never more than doubling so
 *     that one noisy early estimate cannot jump straight to max.
 * Each decision depends only on the replications already run, and
 * replication r's random streams only on (seed, r), so the count reached
 * and every result are reproducible.
 */
#ifndef SIM_REPLICATIONS_H
#define SIM_REPLICATIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_config.h"
#include "sim_error.h"
#include "sim_table.h"

/* One metric whose interval must be narrow enough. */
typedef struct sim_replication_target {
	char *metric;          /* "metric:subject", a row of summary.csv */
	double rel_half_width; /* in (0, 1]: largest 95% half-width / |mean| */
} sim_replication_target;

typedef struct sim_replications_params {
	int64_t min;     /* replications run first; all of them without targets */
	int64_t max;     /* most replications with targets; 0: same as min */
	sim_list target; /* sim_replication_target */
} sim_replications_params;

/* The group's schema; a plain integer N means { min = N }. Its check:
   max is 0 or >= min; targets need max > min, and max > min needs
   targets; each metric is written "metric:subject". */
extern const sim_schema sim_replications_schema;

/* The most replications p can run (max, or min when max is 0). */
size_t sim_replications_limit(const sim_replications_params *p);

/* Where the rule stands after `done` replications. */
typedef struct sim_replications_status {
	size_t planned;     /* what sim_replications_plan returned */
	bool met;           /* every target met (true without targets) */
	bool max_reached;   /* stopped at max with a target not met */
	char worst_metric[128];      /* the target worst relative to its
					own; "" without targets or before
					min */
	double worst_rel_half_width; /* its h (inf when undefined) */
	double worst_target;         /* its rel_half_width */
} sim_replications_status;

/* The total number of replications to have, given the first `done`
   replications recorded in `tables` (replications 0..done-1, in order;
   only "summary.csv" is read, and only when p has targets). Returns
   `done` when finished (all targets met, or max reached, or no targets
   and done >= min); otherwise a total > done and <= the limit. Fills
   *status. Deterministic: depends only on those `done` replications.
   Every target is looked up as soon as done >= 1, so a misspelt metric
   fails after the first replication: returns (size_t)-1 with err (kind
   CONFIG) naming the target and a close or a few existing metric names,
   at the setting's file:line when cfg (the experiment's parsed file, or
   NULL) has it; `path` is the setting's path ("replications"). */
size_t sim_replications_plan(const sim_replications_params *p, const sim_table_set *tables,
			     size_t done, const sim_config *cfg, const char *path,
			     sim_replications_status *status, sim_error *err);

/* Writes where the rule stands into buf, for the manifest and the run's
   summary: "targets met: cum_revenue:Alibaba half-width 1.8% <= 2%",
   "max reached (200): cum_revenue:Alibaba half-width 3.1% > 2%", while
   running "planned 40: ... > 2%"; "" without targets. */
void sim_replications_describe(const sim_replications_status *status, char *buf, size_t size);

#endif
