/* morris.c - Morris elementary effects (morris.h): the trajectories, one
   batch of their points, and mu, mu*, sigma with mu*'s bootstrap interval. */
#include "morris.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_statistics_double.h>

#include "sensitivity.h"

#define METHOD "Morris"

/* The trajectories' random choices: which setting step s of trajectory t
   moves (order[t * dim + s]) and whether it moves up (up[t * dim + j]). */
typedef struct morris_design {
	size_t dim, r, points;
	size_t *order;
	unsigned char *up;
	double *x; /* points * dim settings, point t * (dim + 1) + s */
} morris_design;

size_t sim_morris_points(size_t dim, size_t trajectories)
{
	size_t n;
	if (dim == SIZE_MAX || __builtin_mul_overflow(trajectories, dim + 1, &n))
		return SIZE_MAX;
	return n;
}

/* r >= 2, p >= 2 and even, and the shared checks; -1 with a config err. */
static int check_problem(const sim_morris_problem *p, sim_error *err)
{
	if (sim_sens_check(METHOD, p->ev, p->bounds, p->replications, err) != 0)
		return -1;
	if (p->trajectories < 2)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     METHOD ": expected at least 2 trajectories, found %zu",
				     p->trajectories);
	if (p->levels < 2 || p->levels % 2 != 0)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     METHOD ": expected an even number of levels, at least 2, "
				     "found %zu", p->levels);
	if ((uint64_t)p->levels / 2 > SIM_SENS_MAX_DRAW ||
	    (p->bootstrap > 0 && (uint64_t)p->trajectories > SIM_SENS_MAX_DRAW))
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     METHOD ": expected at most 2^33 levels and, with a "
				     "bootstrap, 2^32 trajectories; found %zu and %zu",
				     p->levels, p->trajectories);
	size_t draws;
	if (__builtin_mul_overflow(p->bootstrap, p->trajectories, &draws) ||
	    draws > PTRDIFF_MAX / sizeof(size_t))
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     METHOD ": %zu bootstrap resamples of %zu trajectories "
				     "overflow memory sizes", p->bootstrap, p->trajectories);
	return sim_sens_check_size(METHOD, p->ev, sim_morris_points(p->ev->dim, p->trajectories),
				   p->replications, err);
}

static void design_free(morris_design *d)
{
	free(d->order);
	free(d->up);
	free(d->x);
}

/* Trajectory t: each setting's pair of grid levels (k, k + p/2) with k
   uniform in [0, p/2), so both ends lie on the grid and Delta apart; it
   starts at the lower level when the setting moves up, else the upper
   (Morris's random signs); the settings move in a random order. The
   points are written in the settings' units, lo + u (hi - lo). */
static void draw_trajectory(const sim_morris_problem *p, gsl_rng *rng, morris_design *d,
			    size_t t, size_t *level)
{
	size_t dim = d->dim, half = p->levels / 2;
	size_t *order = &d->order[t * dim];
	unsigned char *up = &d->up[t * dim];
	for (size_t j = 0; j < dim; j++) {
		size_t k = gsl_rng_uniform_int(rng, half);
		up[j] = (unsigned char)gsl_rng_uniform_int(rng, 2);
		level[j] = up[j] ? k : k + half;
		order[j] = j;
	}
	gsl_ran_shuffle(rng, order, dim, sizeof *order);
	for (size_t s = 0; s <= dim; s++) {
		if (s > 0) {
			size_t j = order[s - 1];
			level[j] = up[j] ? level[j] + half : level[j] - half;
		}
		double *x = &d->x[(t * (dim + 1) + s) * dim];
		for (size_t j = 0; j < dim; j++) {
			double u = (double)level[j] / (double)(p->levels - 1);
			x[j] = p->bounds[j].lo + u * (p->bounds[j].hi - p->bounds[j].lo);
		}
	}
}

/* Draws the r trajectories from rng into d; -1 with err when out of memory. */
static int design_build(const sim_morris_problem *p, gsl_rng *rng, morris_design *d,
			sim_error *err)
{
	size_t dim = p->ev->dim;
	*d = (morris_design){ .dim = dim, .r = p->trajectories,
			      .points = sim_morris_points(dim, p->trajectories) };
	d->order = malloc(d->r * dim * sizeof *d->order);
	d->up = malloc(d->r * dim);
	d->x = malloc(d->points * dim * sizeof *d->x);
	size_t *level = malloc(dim * sizeof *level);
	if (!d->order || !d->up || !d->x || !level) {
		free(level);
		design_free(d);
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     METHOD ": out of memory for %zu points", d->points);
	}
	for (size_t t = 0; t < d->r; t++)
		draw_trajectory(p, rng, d, t, level);
	free(level);
	return 0;
}

/* ee[(m * dim + j) * r + t]: metric m's effect of setting j in trajectory
   t, per unit-cube Delta, (f(upper) - f(lower)) / Delta whichever way the
   step went. */
static void elementary_effects(const morris_design *d, size_t metrics, size_t levels,
			       const double *f, double *ee)
{
	size_t dim = d->dim;
	double delta = (double)levels / (2.0 * (double)(levels - 1));
	for (size_t t = 0; t < d->r; t++)
		for (size_t s = 1; s <= dim; s++) {
			size_t j = d->order[t * dim + s - 1];
			size_t before = t * (dim + 1) + s - 1, after = before + 1;
			double sign = d->up[t * dim + j] ? 1.0 : -1.0;
			for (size_t m = 0; m < metrics; m++) {
				double change = f[after * metrics + m] - f[before * metrics + m];
				ee[(m * dim + j) * d->r + t] = sign * change / delta;
			}
		}
}

/* mu*'s interval for every (metric, setting): each of the B resamples
   draws r trajectories with replacement, the same ones for all. */
static int bootstrap_mu_star(const sim_morris_problem *p, gsl_rng *rng, const double *ee,
			     sim_morris_result *res, sim_error *err)
{
	size_t r = p->trajectories, B = p->bootstrap, n = res->metrics * res->dim;
	size_t *draw = malloc(B * r * sizeof *draw);
	double *stat = malloc(B * sizeof *stat);
	if (!draw || !stat) {
		free(draw);
		free(stat);
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     METHOD ": out of memory for %zu bootstrap resamples", B);
	}
	for (size_t i = 0; i < B * r; i++)
		draw[i] = gsl_rng_uniform_int(rng, r);
	for (size_t mj = 0; mj < n; mj++) {
		for (size_t b = 0; b < B; b++) {
			double sum = 0;
			for (size_t i = 0; i < r; i++)
				sum += fabs(ee[mj * r + draw[b * r + i]]);
			stat[b] = sum / (double)r;
		}
		sim_sens_percentile_interval(stat, B, &res->mu_star_lo[mj], &res->mu_star_hi[mj]);
	}
	free(draw);
	free(stat);
	return 0;
}

/* mu, mu* and sigma (n - 1) of each (metric, setting) over the r
   trajectories; the intervals NaN until the bootstrap fills them. */
static void summarize(const double *ee, size_t r, sim_morris_result *res)
{
	for (size_t mj = 0; mj < res->metrics * res->dim; mj++) {
		const double *e = &ee[mj * r];
		double abs_sum = 0;
		for (size_t t = 0; t < r; t++)
			abs_sum += fabs(e[t]);
		res->mu[mj] = gsl_stats_mean(e, 1, r);
		res->mu_star[mj] = abs_sum / (double)r;
		res->sigma[mj] = gsl_stats_sd(e, 1, r);
		res->mu_star_lo[mj] = res->mu_star_hi[mj] = NAN;
	}
}

/* The result's arrays, one value per (metric, setting); -1 with err. */
static int result_alloc(sim_morris_result *res, size_t dim, size_t metrics, sim_error *err)
{
	size_t n = dim * metrics;
	*res = (sim_morris_result){ .dim = dim, .metrics = metrics };
	res->mu = malloc(n * sizeof(double));
	res->mu_star = malloc(n * sizeof(double));
	res->sigma = malloc(n * sizeof(double));
	res->mu_star_lo = malloc(n * sizeof(double));
	res->mu_star_hi = malloc(n * sizeof(double));
	if (res->mu && res->mu_star && res->sigma && res->mu_star_lo && res->mu_star_hi)
		return 0;
	sim_morris_result_free(res);
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
			     METHOD ": out of memory for the results");
}

/* From the evaluated design: the effects, their summaries and intervals. */
static int analyse(const sim_morris_problem *p, gsl_rng *rng, const morris_design *d,
		   const double *f, sim_morris_result *res, sim_error *err)
{
	size_t metrics = p->ev->metrics;
	double *ee = malloc(metrics * d->dim * d->r * sizeof *ee);
	if (!ee)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     METHOD ": out of memory for the elementary effects");
	int rc = result_alloc(res, d->dim, metrics, err);
	if (rc == 0) {
		elementary_effects(d, metrics, p->levels, f, ee);
		summarize(ee, d->r, res);
		res->evaluations = d->points;
		if (p->bootstrap > 0)
			rc = bootstrap_mu_star(p, rng, ee, res, err);
		if (rc != 0)
			sim_morris_result_free(res);
	}
	free(ee);
	return rc;
}

int sim_morris(const sim_morris_problem *p, sim_morris_result *res, sim_error *err)
{
	*res = (sim_morris_result){ 0 };
	if (check_problem(p, err) != 0)
		return -1;
	gsl_rng *rng = sim_sens_rng(p->seed, err);
	if (!rng)
		return -1;
	morris_design d;
	if (design_build(p, rng, &d, err) != 0) {
		gsl_rng_free(rng);
		return -1;
	}
	double *f = malloc(d.points * p->ev->metrics * sizeof *f);
	int rc = f ? sim_sens_means(p->ev, d.points, d.x, p->replications, f, err)
		   : sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				   METHOD ": out of memory for the points' means");
	if (rc == 0)
		rc = analyse(p, rng, &d, f, res, err);
	free(f);
	design_free(&d);
	gsl_rng_free(rng);
	return rc;
}

void sim_morris_result_free(sim_morris_result *res)
{
	if (!res)
		return;
	free(res->mu);
	free(res->mu_star);
	free(res->sigma);
	free(res->mu_star_lo);
	free(res->mu_star_hi);
	*res = (sim_morris_result){ 0 };
}
