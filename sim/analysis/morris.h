/*
 * morris.h - Morris elementary effects (screening): which settings
 * matter, and whether they act alone.
 *
 * r trajectories in the unit cube on a p-level grid (Morris 1991, with
 * Campolongo, Cariboni & Saltelli's 2007 mu*): each starts at a random
 * grid point and moves one setting at a time by Delta = p / (2 (p - 1)),
 * in a random order, so it has dim + 1 points; every point of every
 * trajectory is evaluated in one batch. Each setting's pair of levels is
 * (k, k + p/2) of the grid's 0 .. p-1, k uniform in [0, p/2), and it
 * moves up or down with probability 1/2 (Morris's random signs, so the
 * settings not yet moved sit in either half); the points are
 * lo + u (hi - lo). The elementary effect of setting
 * j on metric m is EE = (f(x + Delta e_j) - f(x)) / Delta, f the metric's
 * mean over the replications, x the lower of the step's two points in
 * unit-cube coordinates (an effect per
 * whole range, so settings of different units compare). mu = mean EE,
 * mu* = mean |EE|, sigma = sd of EE over the trajectories; a bootstrap
 * over trajectories gives mu*'s 95% percentile interval. Random choices
 * come from a gsl_rng (mt19937) seeded with `seed`: the same problem
 * asks for the same points.
 */
#ifndef SIM_ANALYSIS_MORRIS_H
#define SIM_ANALYSIS_MORRIS_H

#include "evaluator.h"

typedef struct sim_morris_problem {
	const sim_evaluator *ev;
	const sim_bounds *bounds; /* ev->dim; start unused */
	size_t replications;
	size_t trajectories;      /* r >= 2 */
	size_t levels;            /* p >= 2, even */
	size_t bootstrap;         /* resamples for the CI (0: none, NaN bounds) */
	uint64_t seed;
} sim_morris_problem;

typedef struct sim_morris_result {
	size_t dim, metrics;
	/* [m * dim + j]: metric m, setting j */
	double *mu, *mu_star, *sigma, *mu_star_lo, *mu_star_hi;
	size_t evaluations;       /* points evaluated: sim_morris_points */
} sim_morris_result;

/* Points the design evaluates, each over the replications: r (dim + 1);
   SIZE_MAX when that overflows. For telling the cost before running. */
size_t sim_morris_points(size_t dim, size_t trajectories);

/* Runs the screening. Returns 0 (res filled; free with
   sim_morris_result_free), SIM_EVAL_STOPPED (res empty), or -1 with err:
   SIM_ERROR_CONFIG for a problem that makes no sense (bounds, r < 2, p
   odd or < 2, no replications), else the evaluator's error or a metric
   that is NaN (the point named). */
int sim_morris(const sim_morris_problem *p, sim_morris_result *res, sim_error *err);
/* Frees res's arrays and empties it; safe on an emptied result. */
void sim_morris_result_free(sim_morris_result *res);

#endif
