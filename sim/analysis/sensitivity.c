/* sensitivity.c - checks, batch means and percentile intervals shared by
   the Morris and Sobol analyses (sensitivity.h). */
#include "sensitivity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

int sim_sens_check(const char *method, const sim_evaluator *ev, const sim_bounds *bounds,
		   size_t replications, sim_error *err)
{
	if (!ev || !ev->evaluate || ev->dim == 0 || ev->metrics == 0 || !bounds)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "%s: expected an evaluator with at least one setting and "
				     "one metric, and its bounds", method);
	if (sim_bounds_check(method, bounds, ev->dim, false, err) != 0)
		return -1;
	if (replications == 0)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "%s: expected at least 1 replication, found 0", method);
	return 0;
}

int sim_sens_check_size(const char *method, const sim_evaluator *ev, size_t points,
			size_t replications, sim_error *err)
{
	size_t values, x_bytes, y_bytes;
	/* The largest arrays: the points' settings and the metrics per
	   replication, both in bytes. */
	if (points == SIZE_MAX ||
	    __builtin_mul_overflow(points, ev->dim, &values) ||
	    __builtin_mul_overflow(values, sizeof(double), &x_bytes) ||
	    __builtin_mul_overflow(points, ev->metrics, &values) ||
	    __builtin_mul_overflow(values, replications, &values) ||
	    __builtin_mul_overflow(values, sizeof(double), &y_bytes) || x_bytes > PTRDIFF_MAX ||
	    y_bytes > PTRDIFF_MAX)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "%s: the design's points x replications x metrics "
				     "overflow memory sizes; use fewer samples or replications",
				     method);
	return 0;
}

/* Writes "a, b, c" (the point's settings) into buf, cut to fit. */
static void format_point(const double *x, size_t dim, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t j = 0; j < dim && used < size; j++) {
		int n = snprintf(buf + used, size - used, "%s%.10g", j ? ", " : "", x[j]);
		used += n > 0 ? (size_t)n : 0;
	}
}

/* Reduces y (as evaluate fills it) to f, each metric's mean over the
   replications; -1 with err at the first NaN, which no mean may hide. */
static int reduce_means(const sim_evaluator *ev, size_t n, const double *x, size_t count,
			const double *y, double *f, sim_error *err)
{
	for (size_t i = 0; i < n; i++)
		for (size_t m = 0; m < ev->metrics; m++) {
			const double *v = &y[(i * ev->metrics + m) * count];
			for (size_t r = 0; r < count; r++)
				if (isnan(v[r])) {
					char at[512];
					format_point(&x[i * ev->dim], ev->dim, at, sizeof at);
					return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
							     "metric %zu is NaN at point %zu of %zu "
							     "(settings %s) in replication %zu",
							     m, i, n, at, r);
				}
			f[i * ev->metrics + m] = gsl_stats_mean(v, 1, count);
		}
	return 0;
}

int sim_sens_means(const sim_evaluator *ev, size_t n, const double *x, size_t replications,
		   double *f, sim_error *err)
{
	/* sim_sens_check_size has bounded n * metrics * replications. */
	double *y = malloc(n * ev->metrics * replications * sizeof *y);
	if (!y)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "out of memory for %zu points x %zu metrics x %zu replications",
				     n, ev->metrics, replications);
	int rc = ev->evaluate(ev->ctx, n, x, 0, replications, y, err);
	if (rc == 0)
		rc = reduce_means(ev, n, x, replications, y, f, err);
	else if (rc != SIM_EVAL_STOPPED)
		rc = -1;
	free(y);
	return rc;
}

gsl_rng *sim_sens_rng(uint64_t seed, sim_error *err)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!rng) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
			      "out of memory for the bootstrap's generator");
		return NULL;
	}
	gsl_rng_set(rng, (unsigned long)seed);
	return rng;
}

void sim_sens_percentile_interval(double *v, size_t n, double *lo, double *hi)
{
	size_t finite = 0;
	/* A resample can make an index undefined (all its rows equal: no
	   variance); the interval is that of the resamples that define it. */
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			v[finite++] = v[i];
	if (finite == 0) {
		*lo = *hi = NAN;
		return;
	}
	gsl_sort(v, 1, finite);
	*lo = gsl_stats_quantile_from_sorted_data(v, 1, finite, 0.025);
	*hi = gsl_stats_quantile_from_sorted_data(v, 1, finite, 0.975);
}
