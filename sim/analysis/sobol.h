/*
 * sobol.h - Sobol variance-based indices: the share of a metric's
 * variance each setting explains alone (first order, S_i) and with all
 * its interactions (total, ST_i), the settings drawn uniformly within
 * their bounds.
 *
 * Saltelli's design (Saltelli et al. 2010): the first N points of a
 * 2k-dimensional Sobol sequence (gsl_qrng_sobol, its first point, the
 * origin, skipped), the first k coordinates forming matrix A and the last
 * k matrix B; AB_i is A with column i taken from B. All N (k + 2) points
 * (A, B, AB_1..AB_k) are evaluated in one batch. With f the metric's
 * mean over the replications and V the variance of f over A and B
 * together, Jansen's estimators (Jansen 1999):
 *     S_i  = (V - 1/(2N) sum (f(B) - f(AB_i))^2) / V
 *     ST_i = 1/(2N) sum (f(A) - f(AB_i))^2 / V
 * 95% intervals: percentile bootstrap over the N rows (the same resampled
 * rows for A, B and every AB_i), from a gsl_rng (mt19937) seeded with
 * `seed` (the design itself is not random: the seed moves the intervals
 * only). V the variance with 2N - 1 in the denominator; a metric constant
 * over the sample (V = 0) has NaN indices. k <= 20 (gsl_qrng_sobol's 40
 * dimensions).
 */
#ifndef SIM_ANALYSIS_SOBOL_H
#define SIM_ANALYSIS_SOBOL_H

#include "evaluator.h"

typedef struct sim_sobol_problem {
	const sim_evaluator *ev;
	const sim_bounds *bounds; /* ev->dim; start unused */
	size_t replications;
	size_t samples;           /* N >= 2 */
	size_t bootstrap;         /* resamples (0: none, NaN bounds) */
	uint64_t seed;
} sim_sobol_problem;

typedef struct sim_sobol_result {
	size_t dim, metrics;
	/* [m * dim + j] */
	double *first, *first_lo, *first_hi, *total, *total_lo, *total_hi;
	double *mean, *variance;  /* [m]: f over A and B */
	size_t evaluations;       /* points evaluated: sim_sobol_points */
} sim_sobol_result;

/* Points the design evaluates, each over the replications: N (dim + 2);
   SIZE_MAX when that overflows. For telling the cost before running. */
size_t sim_sobol_points(size_t dim, size_t samples);

/* Computes the indices. Returns 0 (res filled; free with
   sim_sobol_result_free), SIM_EVAL_STOPPED (res empty), or -1 with err:
   SIM_ERROR_CONFIG for a problem that makes no sense (bounds, N < 2,
   k > 20, no replications), else the evaluator's error or a metric that
   is NaN (the point named). */
int sim_sobol(const sim_sobol_problem *p, sim_sobol_result *res, sim_error *err);
/* Frees res's arrays and empties it; safe on an emptied result. */
void sim_sobol_result_free(sim_sobol_result *res);

#endif
