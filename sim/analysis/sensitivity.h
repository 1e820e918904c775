/*
 * sensitivity.h - what Morris (morris.c) and Sobol (sobol.c) share: the
 * checks of the evaluator, bounds and replications, one batch of points
 * reduced to each metric's mean over the replications, the bootstrap's
 * generator and its 95% percentile interval. Private to sim/analysis.
 */
#ifndef SIM_ANALYSIS_SENSITIVITY_H
#define SIM_ANALYSIS_SENSITIVITY_H

#include <gsl/gsl_rng.h>

#include "evaluator.h"

/* The evaluator has a function, settings and metrics, every bound is
   finite with lo < hi, and replications > 0; else -1 with a
   SIM_ERROR_CONFIG err whose message starts with `method`. */
int sim_sens_check(const char *method, const sim_evaluator *ev, const sim_bounds *bounds,
		   size_t replications, sim_error *err);

/* Whether `points` points of ev (x: points * dim values, y: points *
   metrics * replications values) fit in memory sizes; else -1 with a
   SIM_ERROR_CONFIG err naming the points. */
int sim_sens_check_size(const char *method, const sim_evaluator *ev, size_t points,
			size_t replications, sim_error *err);

/* Evaluates the n points x[i * dim + j] over replications [0,
   replications) in one call and writes f[i * metrics + m], metric m's mean
   at point i. Returns 0, SIM_EVAL_STOPPED, or -1 with err (also when a
   metric is NaN: the point, its values and the replication named). */
int sim_sens_means(const sim_evaluator *ev, size_t n, const double *x, size_t replications,
		   double *f, sim_error *err);

/* The most values gsl_rng_uniform_int can draw among with mt19937 (its
   range, 2^32): past it GSL fails and returns 0, a silent wrong draw. */
#define SIM_SENS_MAX_DRAW ((uint64_t)UINT32_MAX + 1)

/* The bootstrap's generator: mt19937 seeded with seed (GSL keeps its low
   32 bits); NULL with a SIM_ERROR_RUNTIME err when out of memory. */
gsl_rng *sim_sens_rng(uint64_t seed, sim_error *err);

/* The 2.5% and 97.5% percentiles of the finite values among v[0, n)
   (sorted in place, so reordered); NaN for both when none is finite. */
void sim_sens_percentile_interval(double *v, size_t n, double *lo, double *hi);

#endif
