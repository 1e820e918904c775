/* optimizer.c - one metric's mean maximised or minimised within box
   bounds (optimizer.h): coarse grid, Brent in 1-D, Nelder-Mead on
   sin-mapped variables in N-D, then a confirming estimate. */
#include "optimizer.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_multimin.h>

/* Internal outcome of asking for a point: the search budget is spent. */
#define OPT_BUDGET 2
/* A grid larger than this is surely a mistake (and would not fit a batch). */
#define OPT_MAX_GRID_POINTS 1000000
/* (3 - sqrt 5) / 2: where a golden-section step puts its new point. */
#define OPT_GOLDEN 0.38196601125010515
/* A start at a bound is moved this fraction of the range inside, so the
   sin map's derivative there is not 0 (a flat, degenerate first simplex). */
#define OPT_NUDGE 0.01
/* Nelder-Mead's first steps, in radians of the sin-mapped variables. */
#define OPT_SIMPLEX_STEP 0.5

/* One search in progress. steps is both the path reported and the cache:
   a point already in it is never asked for again. */
typedef struct opt_search {
	const sim_opt_problem *p;
	size_t dim;
	double sign;             /* g = sign x f is minimised: -1 when maximising */
	sim_opt_step *steps;
	size_t nsteps, cap;
	size_t grid_points, search_evaluations;
	size_t requests;         /* the search's asks, cached ones too (a guard) */
	size_t best;             /* step with the lowest g (grid, search); SIZE_MAX none */
	int status;              /* a failure met inside a GSL callback: -1, STOPPED */
	bool out_of_budget;
	double *point;           /* dim: scratch for the N-D callback */
	sim_error *err;
} opt_search;

/* ---- checks ------------------------------------------------------------------- */

/* The grid's point count, grid^dim, or 0 when it exceeds OPT_MAX_GRID_POINTS. */
static size_t grid_point_count(size_t grid, size_t dim)
{
	size_t n = 1;
	for (size_t j = 0; j < dim; j++)
		if (__builtin_mul_overflow(n, grid, &n) || n > OPT_MAX_GRID_POINTS)
			return 0;
	return n;
}

/* A problem the search can run: see optimizer.h for each field. */
static int check_problem(const sim_opt_problem *p, sim_error *err)
{
	if (!p->ev || !p->ev->evaluate || p->ev->dim == 0 || p->ev->metrics == 0 || !p->bounds)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "expected an evaluator with settings, metrics and bounds");
	if (p->metric >= p->ev->metrics)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "expected a metric index below %zu, found %zu",
				     p->ev->metrics, p->metric);
	if (p->replications == 0)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "expected at least 1 replication, found 0");
	if (!(p->tolerance > 0 && p->tolerance < 1))
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "expected a tolerance in (0, 1), found %g", p->tolerance);
	if (p->max_evaluations < p->ev->dim + 2)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "expected max_evaluations of at least %zu (the first "
				     "bracket or simplex), found %zu", p->ev->dim + 2,
				     p->max_evaluations);
	if (p->grid >= 2 && grid_point_count(p->grid, p->ev->dim) == 0)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "expected a grid of at most %d points, found %zu^%zu",
				     OPT_MAX_GRID_POINTS, p->grid, p->ev->dim);
	return sim_bounds_check("optimize", p->bounds, p->ev->dim, true, err);
}

/* ---- evaluating points -------------------------------------------------------- */

/* "(x0, x1, ...)" into buf, for messages. */
static void format_point(const double *x, size_t dim, char *buf, size_t size)
{
	size_t len = (size_t)snprintf(buf, size, "(");
	for (size_t j = 0; j < dim && len < size; j++)
		len += (size_t)snprintf(buf + len, size - len, "%s%.10g", j ? ", " : "", x[j]);
	if (len < size)
		snprintf(buf + len, size - len, ")");
}

/* Appends a copy of x with its value to the path. 0, or -1 out of memory. */
static int append_step(opt_search *s, const double *x, double value, int phase)
{
	if (s->nsteps == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		sim_opt_step *grown = realloc(s->steps, cap * sizeof *grown);
		if (!grown)
			return sim_error_set(s->err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
					     "optimizer: out of memory for the search path");
		s->steps = grown;
		s->cap = cap;
	}
	double *copy = malloc(s->dim * sizeof *copy);
	if (!copy)
		return sim_error_set(s->err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "optimizer: out of memory for the search path");
	memcpy(copy, x, s->dim * sizeof *copy);
	s->steps[s->nsteps++] = (sim_opt_step){ .x = copy, .value = value, .phase = phase };
	return 0;
}

/* The step of the grid or search holding exactly x, or SIZE_MAX. */
static size_t find_cached(const opt_search *s, const double *x)
{
	for (size_t i = 0; i < s->nsteps; i++) {
		if (s->steps[i].phase == 2)
			continue;
		size_t j = 0;
		while (j < s->dim && s->steps[i].x[j] == x[j])
			j++;
		if (j == s->dim)
			return i;
	}
	return SIZE_MAX;
}

/* The minimised value of step i. */
static double g_of(const opt_search *s, size_t i)
{
	return s->sign * s->steps[i].value;
}

/* Mean of `count` values; NaN when any is. */
static double mean_of(const double *v, size_t count)
{
	double sum = 0;
	for (size_t r = 0; r < count; r++)
		sum += v[r];
	return sum / (double)count;
}

/* Evaluates the n points x (n x dim) on the search replications in one
   call and appends them to the path with `phase`. 0, STOPPED or -1 (also
   for a NaN mean: the objective must exist everywhere in the box). */
static int evaluate_batch(opt_search *s, size_t n, const double *x, int phase)
{
	const sim_evaluator *ev = s->p->ev;
	size_t count = s->p->replications;
	double *y = malloc(n * ev->metrics * count * sizeof *y);
	if (!y)
		return sim_error_set(s->err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "optimizer: out of memory for %zu points", n);
	int rc = ev->evaluate(ev->ctx, n, x, 0, count, y, s->err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		double value = mean_of(y + (i * ev->metrics + s->p->metric) * count, count);
		if (isnan(value)) {
			char at[512];
			format_point(x + i * s->dim, s->dim, at, sizeof at);
			rc = sim_error_set(s->err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
					   "optimizer: metric %zu has no value (NaN) at %s",
					   s->p->metric, at);
			break;
		}
		rc = append_step(s, x + i * s->dim, value, phase);
		if (rc == 0 && (s->best == SIZE_MAX || g_of(s, s->nsteps - 1) < g_of(s, s->best)))
			s->best = s->nsteps - 1;
	}
	free(y);
	return rc;
}

/* g at each of the n (distinct) points x of the search, asking in one
   batch for those not yet known. 0, OPT_BUDGET (nothing asked: too few
   evaluations left for them all), STOPPED or -1. */
static int search_values(opt_search *s, size_t n, const double *x, double *g)
{
	double *fresh = malloc(n * s->dim * sizeof *fresh);
	if (!fresh)
		return sim_error_set(s->err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "optimizer: out of memory");
	size_t nfresh = 0;
	s->requests += n;
	for (size_t i = 0; i < n; i++)
		if (find_cached(s, x + i * s->dim) == SIZE_MAX)
			memcpy(fresh + nfresh++ * s->dim, x + i * s->dim, s->dim * sizeof *fresh);
	int rc = 0;
	if (nfresh > s->p->max_evaluations - s->search_evaluations) {
		s->out_of_budget = true;
		rc = OPT_BUDGET;
	} else if (nfresh > 0) {
		rc = evaluate_batch(s, nfresh, fresh, 1);
		s->search_evaluations += nfresh;
	}
	free(fresh);
	for (size_t i = 0; rc == 0 && i < n; i++)
		g[i] = g_of(s, find_cached(s, x + i * s->dim));
	return rc;
}

/* ---- the coarse grid ---------------------------------------------------------- */

/* Every grid point, the last setting varying fastest, in one batch. */
static int run_grid(opt_search *s)
{
	size_t grid = s->p->grid, n = grid_point_count(grid, s->dim);
	double *x = malloc(n * s->dim * sizeof *x);
	if (!x)
		return sim_error_set(s->err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "optimizer: out of memory for a grid of %zu points", n);
	for (size_t i = 0; i < n; i++) {
		size_t rest = i;
		for (size_t j = s->dim; j-- > 0;) {
			const sim_bounds *b = &s->p->bounds[j];
			size_t k = rest % grid;
			rest /= grid;
			/* The last value is hi itself, not lo + range through rounding. */
			x[i * s->dim + j] = k + 1 == grid ? b->hi :
				b->lo + (double)k * (b->hi - b->lo) / (double)(grid - 1);
		}
	}
	int rc = evaluate_batch(s, n, x, 0);
	if (rc == 0)
		s->grid_points = n;
	free(x);
	return rc;
}

/* ---- one setting: bracket, then Brent ----------------------------------------- */

/* Three points a < m < b with their g values. */
typedef struct opt_triple {
	double x[3], g[3];
} opt_triple;

/* The first triple: the best grid point between its neighbours (at an end
   of the grid: that end, the next grid point, and a point between them),
   or lo, start, hi (a start at a bound replaced by an inner point). */
static int first_triple(opt_search *s, opt_triple *t)
{
	const sim_bounds *b = s->p->bounds;
	size_t k = s->best, last = s->grid_points - 1; /* grid steps: ascending x */
	if (s->grid_points >= 2 && k > 0 && k < last) {
		for (int i = 0; i < 3; i++)
			t->x[i] = s->steps[k - 1 + (size_t)i].x[0];
	} else if (s->grid_points >= 2) {
		/* Nearer the end, where the grid says the optimum is. */
		double end = s->steps[k].x[0], next = s->steps[k == 0 ? 1 : last - 1].x[0];
		t->x[0] = fmin(end, next);
		t->x[2] = fmax(end, next);
		t->x[1] = end + OPT_GOLDEN * (next - end);
	} else {
		t->x[0] = b->lo;
		t->x[2] = b->hi;
		t->x[1] = b->start > b->lo && b->start < b->hi ? b->start
			: b->lo + (b->start <= b->lo ? OPT_GOLDEN : 1 - OPT_GOLDEN) * (b->hi - b->lo);
	}
	return search_values(s, 3, t->x, t->g);
}

/* Shrinks t toward its better end, golden-section fashion, until its
   middle is strictly below both ends. 0 with *found, or the failure of an
   evaluation (OPT_BUDGET too); *found false when the interval became
   narrower than the tolerance first (the optimum is then at an end). */
static int find_bracket(opt_search *s, opt_triple *t, bool *found)
{
	double width = s->p->tolerance * (s->p->bounds[0].hi - s->p->bounds[0].lo);
	while (!(t->g[1] < t->g[0] && t->g[1] < t->g[2])) {
		if (t->x[2] - t->x[0] < width) {
			*found = false;
			return 0;
		}
		if (t->g[0] <= t->g[2]) {
			t->x[2] = t->x[1], t->g[2] = t->g[1];
			t->x[1] = t->x[0] + OPT_GOLDEN * (t->x[2] - t->x[0]);
		} else {
			t->x[0] = t->x[1], t->g[0] = t->g[1];
			t->x[1] = t->x[2] - OPT_GOLDEN * (t->x[2] - t->x[0]);
		}
		int rc = search_values(s, 1, &t->x[1], &t->g[1]);
		if (rc != 0)
			return rc;
	}
	*found = true;
	return 0;
}

/* GSL's callback: g at x, or NaN (which makes GSL stop) once an
   evaluation failed or the budget is spent; s->status keeps the failure. */
static double brent_objective(double x, void *params)
{
	opt_search *s = params;
	double g;
	if (s->status != 0 || s->out_of_budget)
		return NAN;
	int rc = search_values(s, 1, &x, &g);
	if (rc == OPT_BUDGET)
		return NAN;
	if (rc != 0) {
		s->status = rc;
		return NAN;
	}
	return g;
}

/* Brent's iterations from the bracket t until its interval is narrower
   than tolerance x range (*converged) or the budget is spent (or, as in
   simplex_search, after 10 asks per evaluation allowed). */
static int brent_search(opt_search *s, const opt_triple *t, bool *converged)
{
	double width = s->p->tolerance * (s->p->bounds[0].hi - s->p->bounds[0].lo);
	gsl_min_fminimizer *m = gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent);
	if (!m)
		return sim_error_set(s->err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "optimizer: out of memory for Brent's minimiser");
	gsl_function f = { .function = brent_objective, .params = s };
	int gsl = gsl_min_fminimizer_set_with_values(m, &f, t->x[1], t->g[1], t->x[0], t->g[0],
						    t->x[2], t->g[2]);
	int rc = s->status; /* Brent's set evaluates a point of its own */
	*converged = false;
	while (rc == 0 && gsl == GSL_SUCCESS && !s->out_of_budget) {
		if (gsl_min_test_interval(gsl_min_fminimizer_x_lower(m),
					  gsl_min_fminimizer_x_upper(m), width, 0) == GSL_SUCCESS) {
			*converged = true;
			break;
		}
		if (s->requests > 10 * s->p->max_evaluations)
			break; /* only revisiting points: below GSL's own precision */
		gsl = gsl_min_fminimizer_iterate(m);
		rc = s->status;
	}
	if (rc == 0 && gsl != GSL_SUCCESS && !s->out_of_budget)
		rc = sim_error_set(s->err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				   "optimizer: Brent's minimiser failed: %s", gsl_strerror(gsl));
	gsl_min_fminimizer_free(m);
	return rc;
}

/* The 1-D search: a bracket, then Brent; the optimum at an end when no
   bracket exists (converged: the interval shrank to the tolerance). */
static int search_1d(opt_search *s, bool *converged)
{
	opt_triple t;
	bool found = false;
	*converged = false;
	int rc = first_triple(s, &t);
	if (rc == 0)
		rc = find_bracket(s, &t, &found);
	if (rc == OPT_BUDGET)
		return 0;
	if (rc != 0)
		return rc;
	if (!found) {
		*converged = true;
		return 0;
	}
	rc = brent_search(s, &t, converged);
	return rc == OPT_BUDGET ? 0 : rc;
}

/* ---- several settings: Nelder-Mead on sin-mapped variables -------------------- */

/* x_j = lo + (hi - lo) (1 + sin z_j) / 2: inside the box for every z. */
static void z_to_x(const opt_search *s, const gsl_vector *z, double *x)
{
	for (size_t j = 0; j < s->dim; j++) {
		const sim_bounds *b = &s->p->bounds[j];
		x[j] = b->lo + (b->hi - b->lo) * (1 + sin(gsl_vector_get(z, j))) / 2;
		x[j] = fmin(fmax(x[j], b->lo), b->hi); /* rounding must not step outside */
	}
}

/* GSL's callback: as brent_objective, at the point z maps to. */
static double simplex_objective(const gsl_vector *z, void *params)
{
	opt_search *s = params;
	double g;
	if (s->status != 0 || s->out_of_budget)
		return NAN;
	z_to_x(s, z, s->point);
	int rc = search_values(s, 1, s->point, &g);
	if (rc == OPT_BUDGET)
		return NAN;
	if (rc != 0) {
		s->status = rc;
		return NAN;
	}
	return g;
}

/* z of the start point (the best grid point when there is a grid), each
   value first moved OPT_NUDGE of its range away from a bound. */
static void start_z(const opt_search *s, gsl_vector *z)
{
	for (size_t j = 0; j < s->dim; j++) {
		const sim_bounds *b = &s->p->bounds[j];
		double start = s->grid_points ? s->steps[s->best].x[j] : b->start;
		double u = (start - b->lo) / (b->hi - b->lo);
		u = fmin(fmax(u, OPT_NUDGE), 1 - OPT_NUDGE);
		gsl_vector_set(z, j, asin(2 * u - 1));
	}
}

/* Nelder-Mead until the simplex's size (GSL's mean distance of the
   vertices from their centre, in radians of z) is below 2 x tolerance,
   which keeps every setting's spread within tolerance x its range
   (|dx/dz| <= range / 2), or the budget is spent. Also stops after 10
   asks per evaluation allowed, should the simplex only revisit points. */
static int simplex_search(opt_search *s, bool *converged)
{
	gsl_multimin_fminimizer *m =
		gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, s->dim);
	gsl_vector *z = gsl_vector_alloc(s->dim), *step = gsl_vector_alloc(s->dim);
	int rc = 0, gsl = GSL_SUCCESS;
	*converged = false;
	if (!m || !z || !step)
		rc = sim_error_set(s->err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				   "optimizer: out of memory for Nelder-Mead");
	if (rc == 0) {
		start_z(s, z);
		gsl_vector_set_all(step, OPT_SIMPLEX_STEP);
		gsl_multimin_function f = { .f = simplex_objective, .n = s->dim, .params = s };
		gsl = gsl_multimin_fminimizer_set(m, &f, z, step);
		rc = s->status;
	}
	while (rc == 0 && gsl == GSL_SUCCESS && !s->out_of_budget) {
		if (gsl_multimin_fminimizer_size(m) < 2 * s->p->tolerance) {
			*converged = true;
			break;
		}
		if (s->requests > 10 * s->p->max_evaluations)
			break;
		gsl = gsl_multimin_fminimizer_iterate(m);
		rc = s->status;
	}
	if (rc == 0 && gsl != GSL_SUCCESS && !s->out_of_budget)
		rc = sim_error_set(s->err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				   "optimizer: Nelder-Mead failed: %s", gsl_strerror(gsl));
	gsl_vector_free(step);
	gsl_vector_free(z);
	gsl_multimin_fminimizer_free(m);
	return rc;
}

/* ---- the confirming estimate and the result ----------------------------------- */

/* Mean, sd and 95% t interval of the objective at the optimum over
   `confirm` fresh replications (NaN when there are none; sd and interval
   NaN with a single one). */
static int confirm_optimum(opt_search *s, sim_opt_result *res)
{
	const sim_opt_problem *p = s->p;
	size_t n = p->confirm, metrics = p->ev->metrics;
	res->confirm_mean = res->confirm_sd = res->confirm_lo = res->confirm_hi = NAN;
	if (n == 0)
		return 0;
	double *y = malloc(metrics * n * sizeof *y);
	if (!y)
		return sim_error_set(s->err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "optimizer: out of memory for the confirming runs");
	int rc = p->ev->evaluate(p->ev->ctx, 1, res->x, p->replications, n, y, s->err);
	const double *v = y + p->metric * n;
	double mean = rc == 0 ? mean_of(v, n) : NAN;
	if (rc == 0 && isnan(mean)) {
		char at[512];
		format_point(res->x, s->dim, at, sizeof at);
		rc = sim_error_set(s->err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				   "optimizer: metric %zu has no value (NaN) in the confirming "
				   "runs at %s", p->metric, at);
	}
	if (rc == 0) {
		double ss = 0;
		for (size_t r = 0; r < n; r++)
			ss += (v[r] - mean) * (v[r] - mean);
		res->confirm_mean = mean;
		if (n > 1) {
			res->confirm_sd = sqrt(ss / (double)(n - 1));
			double half = gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) *
				      res->confirm_sd / sqrt((double)n);
			res->confirm_lo = mean - half;
			res->confirm_hi = mean + half;
		}
		rc = append_step(s, res->x, mean, 2);
	}
	free(y);
	return rc;
}

/* Frees the path of a search that will not become a result. */
static void free_steps(opt_search *s)
{
	for (size_t i = 0; i < s->nsteps; i++)
		free(s->steps[i].x);
	free(s->steps);
	s->steps = NULL;
	s->nsteps = s->cap = 0;
}

/* Fills res with the best point found (the path stays in s until the
   confirming runs are appended). */
static int fill_result(opt_search *s, bool converged, sim_opt_result *res)
{
	res->dim = s->dim;
	res->x = malloc(s->dim * sizeof *res->x);
	res->on_bound = malloc(s->dim * sizeof *res->on_bound);
	if (!res->x || !res->on_bound)
		return sim_error_set(s->err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "optimizer: out of memory for the result");
	memcpy(res->x, s->steps[s->best].x, s->dim * sizeof *res->x);
	res->value = s->steps[s->best].value;
	for (size_t j = 0; j < s->dim; j++) {
		const sim_bounds *b = &s->p->bounds[j];
		double near = s->p->tolerance * (b->hi - b->lo);
		res->on_bound[j] = res->x[j] - b->lo <= near || b->hi - res->x[j] <= near;
	}
	res->converged = converged;
	res->evaluations = s->grid_points + s->search_evaluations;
	return 0;
}

int sim_optimize(const sim_opt_problem *p, sim_opt_result *res, sim_error *err)
{
	memset(res, 0, sizeof *res);
	if (check_problem(p, err) != 0)
		return -1;
	opt_search s = { .p = p, .dim = p->ev->dim, .sign = p->maximize ? -1 : 1,
			 .best = SIZE_MAX, .err = err };
	bool converged = false;
	int rc = 0;
	if (!(s.point = malloc(s.dim * sizeof *s.point)))
		rc = sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				   "optimizer: out of memory");
	if (rc == 0 && p->grid >= 2)
		rc = run_grid(&s);
	if (rc == 0)
		rc = s.dim == 1 ? search_1d(&s, &converged) : simplex_search(&s, &converged);
	if (rc == 0 && s.best == SIZE_MAX) /* cannot happen: max_evaluations >= dim + 2 */
		rc = sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				   "optimizer: no point was evaluated");
	if (rc == 0)
		rc = fill_result(&s, converged, res);
	if (rc == 0)
		rc = confirm_optimum(&s, res);
	free(s.point);
	if (rc != 0) {
		free_steps(&s);
		sim_opt_result_free(res);
		return rc;
	}
	res->steps = s.steps;
	res->nsteps = s.nsteps;
	return 0;
}

void sim_opt_result_free(sim_opt_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->nsteps; i++)
		free(res->steps[i].x);
	free(res->steps);
	free(res->x);
	free(res->on_bound);
	memset(res, 0, sizeof *res);
}
