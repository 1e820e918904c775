/* sobol.c - Sobol indices (sobol.h): Saltelli's design from a Sobol
   sequence, one batch of its points, Jansen's estimators and percentile
   bootstrap intervals over the design's rows. */
#include "sobol.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_qrng.h>

#include "sensitivity.h"

#define METHOD "Sobol"
/* gsl_qrng_sobol has 40 dimensions; the design takes 2 per setting. */
#define SOBOL_MAX_DIM 20

size_t sim_sobol_points(size_t dim, size_t samples)
{
	size_t n;
	if (dim > SIZE_MAX - 2 || __builtin_mul_overflow(samples, dim + 2, &n))
		return SIZE_MAX;
	return n;
}

/* N >= 2, at most SOBOL_MAX_DIM settings, and the shared checks; -1 with
   a config err. */
static int check_problem(const sim_sobol_problem *p, sim_error *err)
{
	if (sim_sens_check(METHOD, p->ev, p->bounds, p->replications, err) != 0)
		return -1;
	if (p->ev->dim > SOBOL_MAX_DIM)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     METHOD ": expected at most %d settings (gsl_qrng_sobol's "
				     "%d dimensions, two per setting), found %zu", SOBOL_MAX_DIM,
				     2 * SOBOL_MAX_DIM, p->ev->dim);
	if (p->samples < 2)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     METHOD ": expected at least 2 samples, found %zu", p->samples);
	if (p->bootstrap > 0 && (uint64_t)p->samples > SIM_SENS_MAX_DRAW)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     METHOD ": expected at most 2^32 samples with a bootstrap, "
				     "found %zu", p->samples);
	if (sim_sens_check_size(METHOD, p->ev, sim_sobol_points(p->ev->dim, p->samples),
				p->replications, err) != 0)
		return -1;
	/* dim * metrics fits: the design's points * metrics did. */
	size_t stats;
	if (__builtin_mul_overflow(p->bootstrap, p->ev->dim * p->ev->metrics, &stats) ||
	    stats > PTRDIFF_MAX / sizeof(double))
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     METHOD ": %zu bootstrap resamples overflow memory sizes",
				     p->bootstrap);
	return 0;
}

/* x: the N (k + 2) points, blocks of N rows: A, B, then AB_i (A with
   column i from B) for i = 0 .. k-1, in the settings' units. The
   sequence's first point, the origin, is skipped: it would put a corner
   of the box in every block. -1 with err when GSL fails. */
static int saltelli_design(const sim_sobol_problem *p, double *x, sim_error *err)
{
	size_t k = p->ev->dim, N = p->samples;
	gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)(2 * k));
	double u[2 * SOBOL_MAX_DIM];
	if (!q || gsl_qrng_get(q, u) != 0) {
		gsl_qrng_free(q);
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     METHOD ": gsl_qrng_sobol failed for %zu dimensions", 2 * k);
	}
	for (size_t row = 0; row < N; row++) {
		if (gsl_qrng_get(q, u) != 0) {
			gsl_qrng_free(q);
			return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
					     METHOD ": gsl_qrng_sobol failed at point %zu", row);
		}
		for (size_t j = 0; j < k; j++) {
			const sim_bounds *b = &p->bounds[j];
			double a = b->lo + u[j] * (b->hi - b->lo);
			double bj = b->lo + u[k + j] * (b->hi - b->lo);
			x[row * k + j] = a;
			x[(N + row) * k + j] = bj;
			for (size_t i = 0; i < k; i++)
				x[((2 + i) * N + row) * k + j] = i == j ? bj : a;
		}
	}
	gsl_qrng_free(q);
	return 0;
}

/* Which design row the i-th of N rows is: rows[i], or i itself. */
static inline size_t row_at(const size_t *rows, size_t i)
{
	return rows ? rows[i] : i;
}

/* Metric m's mean and variance (n - 1) over the rows of A and of B
   together, in two passes (one sum of squares would lose digits when the
   mean is large beside the spread). */
static void mean_variance(const double *f, size_t metrics, size_t m, size_t N,
			  const size_t *rows, double *mean, double *variance)
{
	double sum = 0, squares = 0;
	for (size_t i = 0; i < N; i++) {
		size_t row = row_at(rows, i);
		sum += f[row * metrics + m] + f[(N + row) * metrics + m];
	}
	*mean = sum / (double)(2 * N);
	for (size_t i = 0; i < N; i++) {
		size_t row = row_at(rows, i);
		double da = f[row * metrics + m] - *mean, db = f[(N + row) * metrics + m] - *mean;
		squares += da * da + db * db;
	}
	*variance = squares / (double)(2 * N - 1);
}

/* Jansen's S_i and ST_i (sobol.h) of metric m for every setting i over
   the N rows `rows` (NULL: the design's own rows 0 .. N-1), written to
   first[i] and total[i]; NaN when the variance is 0. */
static void jansen(const double *f, size_t metrics, size_t m, size_t N, size_t k,
		   const size_t *rows, double *first, double *total)
{
	double mean, V;
	mean_variance(f, metrics, m, N, rows, &mean, &V);
	for (size_t i = 0; i < k; i++) {
		double from_b = 0, from_a = 0;
		for (size_t r = 0; r < N; r++) {
			size_t row = row_at(rows, r);
			double ab = f[((2 + i) * N + row) * metrics + m];
			double db = f[(N + row) * metrics + m] - ab;
			double da = f[row * metrics + m] - ab;
			from_b += db * db;
			from_a += da * da;
		}
		first[i] = V > 0 ? (V - from_b / (double)(2 * N)) / V : NAN;
		total[i] = V > 0 ? from_a / (double)(2 * N) / V : NAN;
	}
}

/* The 95% intervals: B resamples of the N rows with replacement, each
   used for A, B and every AB_i of every metric; stat[(mi) * B + b]. */
static int bootstrap(const sim_sobol_problem *p, const double *f, sim_sobol_result *res,
		     sim_error *err)
{
	size_t N = p->samples, k = res->dim, B = p->bootstrap, n = res->metrics * k;
	size_t *rows = malloc(N * sizeof *rows);
	double *first = malloc(n * B * sizeof *first), *total = malloc(n * B * sizeof *total);
	double *s = malloc(2 * k * sizeof *s);
	gsl_rng *rng = sim_sens_rng(p->seed, err);
	int rc = rows && first && total && s && rng ? 0 : -1;
	if (rc != 0 && rng)
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
			      METHOD ": out of memory for %zu bootstrap resamples", B);
	for (size_t b = 0; rc == 0 && b < B; b++) {
		for (size_t i = 0; i < N; i++)
			rows[i] = gsl_rng_uniform_int(rng, N);
		for (size_t m = 0; m < res->metrics; m++) {
			jansen(f, res->metrics, m, N, k, rows, s, s + k);
			for (size_t i = 0; i < k; i++) {
				first[(m * k + i) * B + b] = s[i];
				total[(m * k + i) * B + b] = s[k + i];
			}
		}
	}
	for (size_t mi = 0; rc == 0 && mi < n; mi++) {
		sim_sens_percentile_interval(&first[mi * B], B, &res->first_lo[mi],
					     &res->first_hi[mi]);
		sim_sens_percentile_interval(&total[mi * B], B, &res->total_lo[mi],
					     &res->total_hi[mi]);
	}
	if (rng)
		gsl_rng_free(rng);
	free(rows);
	free(first);
	free(total);
	free(s);
	return rc;
}

/* The result's arrays; -1 with err when out of memory. */
static int result_alloc(sim_sobol_result *res, size_t dim, size_t metrics, sim_error *err)
{
	size_t n = dim * metrics;
	*res = (sim_sobol_result){ .dim = dim, .metrics = metrics };
	double **per_index[] = { &res->first, &res->first_lo, &res->first_hi,
				 &res->total, &res->total_lo, &res->total_hi };
	int ok = 1;
	for (size_t a = 0; a < sizeof per_index / sizeof *per_index; a++)
		ok &= (*per_index[a] = malloc(n * sizeof(double))) != NULL;
	ok &= (res->mean = malloc(metrics * sizeof(double))) != NULL;
	ok &= (res->variance = malloc(metrics * sizeof(double))) != NULL;
	if (ok)
		return 0;
	sim_sobol_result_free(res);
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
			     METHOD ": out of memory for the results");
}

/* From the points' means f: every metric's indices, mean, variance and,
   with a bootstrap, intervals (else NaN). */
static int analyse(const sim_sobol_problem *p, const double *f, sim_sobol_result *res,
		   sim_error *err)
{
	size_t k = p->ev->dim, metrics = p->ev->metrics, N = p->samples;
	if (result_alloc(res, k, metrics, err) != 0)
		return -1;
	res->evaluations = sim_sobol_points(k, N);
	for (size_t m = 0; m < metrics; m++) {
		mean_variance(f, metrics, m, N, NULL, &res->mean[m], &res->variance[m]);
		jansen(f, metrics, m, N, k, NULL, &res->first[m * k], &res->total[m * k]);
	}
	for (size_t mi = 0; mi < k * metrics; mi++)
		res->first_lo[mi] = res->first_hi[mi] = res->total_lo[mi] = res->total_hi[mi] = NAN;
	if (p->bootstrap > 0 && bootstrap(p, f, res, err) != 0) {
		sim_sobol_result_free(res);
		return -1;
	}
	return 0;
}

int sim_sobol(const sim_sobol_problem *p, sim_sobol_result *res, sim_error *err)
{
	*res = (sim_sobol_result){ 0 };
	if (check_problem(p, err) != 0)
		return -1;
	size_t points = sim_sobol_points(p->ev->dim, p->samples);
	double *x = malloc(points * p->ev->dim * sizeof *x);
	double *f = malloc(points * p->ev->metrics * sizeof *f);
	int rc = x && f ? saltelli_design(p, x, err)
			: sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
					METHOD ": out of memory for %zu points", points);
	if (rc == 0)
		rc = sim_sens_means(p->ev, points, x, p->replications, f, err);
	if (rc == 0)
		rc = analyse(p, f, res, err);
	free(x);
	free(f);
	return rc;
}

void sim_sobol_result_free(sim_sobol_result *res)
{
	if (!res)
		return;
	free(res->first);
	free(res->first_lo);
	free(res->first_hi);
	free(res->total);
	free(res->total_lo);
	free(res->total_hi);
	free(res->mean);
	free(res->variance);
	*res = (sim_sobol_result){ 0 };
}
