/*
 * sweep_points.h - parameter sweeps: one experiment run at many points.
 *
 * An experiment file may hold a `sweep` group naming settings by path and
 * the values each takes, as a list or a range:
 *
 *     sweep = {
 *       mode = "grid";                      # or "zip": the i-th values together
 *       parameters = (
 *         { path = "market.events.[1].price_out"; from = 0.0; to = 4.0; steps = 17; },
 *         { path = "market.fee"; values = [0.05, 0.055]; }
 *       );
 *     };
 *
 * `marketsim sweep FILE` runs the experiment, all its replications, at
 * every point (the grid product, or the zipped lists). Replication r uses
 * the same random streams at every point (common random numbers): streams
 * are keyed by (seed, replication, stream), never by the point. Each
 * (point, replication) is a task for a worker (sim_pool.h), stored in
 * results.sqlite when it finishes (sim_store.h), so a killed sweep rerun
 * with --resume runs only what is missing; the CSVs are derived from the
 * database (sim_sweep_write_outputs): `sweep_summary.csv` has one row per
 * point, its parameter values and every summary metric's mean and 95%
 * interval; `sweep_vs_reference.csv` compares every point with the point
 * `reference`, replication by replication. A replication that fails is
 * recorded in `sweep_failures.csv` and the sweep goes on. `plot =
 * "cum_revenue:Alibaba,..."` charts those summary metrics against the
 * first parameter, with error bars and the best point marked
 * (plots/sweep_metric.gp), and over a grid of two, a heat map.
 */
#ifndef SIM_RUN_SWEEP_POINTS_H
#define SIM_RUN_SWEEP_POINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_config.h"

/* One swept setting: `values`, or `steps` values from `from` to `to`, or
   (for a date setting) `steps` dates from `from_date`, `step_days` apart. */
typedef struct sim_sweep_param {
	char *path;
	sim_numbers values;
	double from, to;
	int64_t steps;
	int scale;          /* 0 linear, 1 log (geometric steps) */
	char *from_date;    /* "YYYY-MM-DD", or "" for numbers */
	int64_t step_days;
} sim_sweep_param;

typedef struct sim_sweep_params {
	int mode;           /* 0 grid, 1 zip */
	sim_list parameters;/* sim_sweep_param */
	int64_t reference;  /* point the others are compared with */
	char *plot;         /* summary metrics to chart, comma-separated */
} sim_sweep_params;

/* The `sweep` group's schema (part of every experiment's top level). */
extern const sim_schema sim_sweep_schema;

/* Number of values parameter p takes. */
size_t sim_sweep_value_count(const sim_sweep_param *p);
/* Its k-th value (k < sim_sweep_value_count(p)); NaN for a date. */
double sim_sweep_value(const sim_sweep_param *p, size_t k);
/* Its k-th value as a --set value: a number exactly ("%.17g", as
   `digits` 17) or shorter (digits 10, for tables), or a quoted date. */
void sim_sweep_value_text(const sim_sweep_param *p, size_t k, int digits, bool quoted,
			  char *buf, size_t size);
/* The most points a sweep may have: its schema check refuses more (each
   point is a row of the database and of sweep_summary.csv, checked before
   anything runs). */
#define SIM_SWEEP_MAX_POINTS 10000000

/* Number of points of the sweep (0 when it has no parameters) into *n:
   the grid's product, in checked arithmetic. Returns 0, or -1 when the
   product overflows size_t (*n is then SIZE_MAX). */
int sim_sweep_point_count_checked(const sim_sweep_params *s, size_t *n);
/* The same, SIZE_MAX on overflow; for a sweep that passed its check, at
   most SIM_SWEEP_MAX_POINTS. */
size_t sim_sweep_point_count(const sim_sweep_params *s);
/* Index into parameter j's values at point `point`: grid points vary the
   last parameter fastest. */
size_t sim_sweep_value_index(const sim_sweep_params *s, size_t point, size_t j);

/* Point `point`'s assignments, "path=value" for each parameter (values
   with 17 digits: exactly those the point ran with), as --set strings;
   heap, free with sim_sweep_assignments_free. NULL when out of memory. */
char **sim_sweep_point_assignments(const sim_sweep_params *s, size_t point);
void sim_sweep_assignments_free(char **a, size_t n);

#endif
