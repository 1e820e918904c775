/*
 * analysis_params.h - the settings of the analysis commands, as groups
 * of every experiment file (like `sweep`): `optimize`, `calibrate`,
 * `sensitivity` and `equilibrium`. Plain data and their schemas; the
 * drivers in sim/analysis/ use them (docs/ANALYSIS.md has examples).
 *
 * Each names the settings it varies by path (as --set takes them) with
 * bounds, and the metrics it reads as "metric:subject", rows of the
 * model's summary table (summary.csv), e.g. "cum_revenue:Alibaba".
 */
#ifndef SIM_RUN_ANALYSIS_PARAMS_H
#define SIM_RUN_ANALYSIS_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "sim_config.h"

/* A setting an analysis varies: bounds and, for searches, where to start
   (absent: the middle of the bounds; sim_analysis_start). */
typedef struct sim_analysis_param {
	char *path;
	double min, max, start; /* start: NaN when left out */
} sim_analysis_param;

typedef struct sim_optimize_params {
	char *objective;          /* "metric:subject" */
	int goal;                 /* 0 max, 1 min */
	char *metrics;            /* further metrics reported at the optimum */
	sim_list parameters;      /* sim_analysis_param */
	int64_t grid;             /* coarse grid points per setting (0: none) */
	int64_t max_evaluations;
	double tolerance;
	int64_t confirm;          /* fresh replications (0: as many as replications) */
	int64_t profile;          /* points of the objective's profile per setting */
} sim_optimize_params;

typedef struct sim_calibrate_params {
	sim_list parameters;
	char *holdout;            /* target names (globs), comma-separated */
	int64_t restarts, max_evaluations;
	double tolerance, step, observed_draws;
	bool tolerance_as_sd;
	char *fragment;           /* file name of the fitted settings */
} sim_calibrate_params;

typedef struct sim_sensitivity_params {
	char *metrics;            /* "metric:subject,..." */
	sim_list parameters;
	int method;               /* 0 both, 1 morris, 2 sobol */
	int64_t samples, trajectories, levels, bootstrap;
} sim_sensitivity_params;

typedef struct sim_player_params {
	char *name;
	char *objective;
	sim_list parameters;
} sim_player_params;

typedef struct sim_equilibrium_params {
	sim_list players;         /* sim_player_params */
	char *metrics;            /* reported at every round */
	double tolerance;
	int64_t max_rounds, grid, max_evaluations;
	double search_tolerance;
} sim_equilibrium_params;

extern const sim_schema sim_optimize_schema, sim_calibrate_schema, sim_sensitivity_schema,
	sim_equilibrium_schema;

/* Where a search over p starts: its `start` when the file gives one,
   else the middle of its bounds. */
double sim_analysis_param_start(const sim_analysis_param *p);

#endif
