/* calibrator.c - simulated method of moments (calibrator.h): Nelder-Mead
   on the settings mapped into their box, then sandwich standard errors
   from a one-batch finite-difference Jacobian. */
#include "calibrator.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multimin.h>

/* Nelder-Mead's first step along each z, in radians: dx/dz is at most
   (hi - lo) / 2, so it moves x by up to a quarter of its range. */
#define CALIB_SIMPLEX_STEP 0.5
/* A start on a bound moves this fraction of the range inside: at the
   bound dx/dz = 0, and the simplex's first moves would be wasted there. */
#define CALIB_BOUND_NUDGE 1e-4
/* A first-simplex corner without a loss (NaN target) is retried with the
   step flipped, then halved, this many times before the search gives up. */
#define CALIB_CORNER_TRIES 6
/* J'WJ scaled to unit diagonal (so the settings' units do not matter)
   with a reciprocal condition number below this counts as singular:
   J's columns are then collinear to about 1e-5. */
#define CALIB_RCOND_MIN 1e-10
/* The largest finite-difference step, a fraction of the range: the
   one-sided differences use x + h and x + 2h, both inside the box. */
#define CALIB_MAX_STEP 0.25

/* The search's state, shared with GSL's callback. */
typedef struct calib_search {
	const sim_calib_problem *p;
	size_t dim, metrics, reps;
	double *zs;         /* a batch's points in z ((dim + 1) x dim) */
	double *xs;         /* the points not seen yet, in x */
	size_t *slot;       /* per batch point: its path row */
	double *y;          /* the batch's values, evaluate's layout */
	double *mean;       /* one point's target means (metrics) */
	double *path;       /* every point evaluated: x, then its loss */
	size_t npath, pathcap;
	double *best_z, *best_y; /* best_y: metrics x reps, evaluate's layout */
	double best_loss;
	size_t best_row;    /* the best point's row of path */
	size_t calls;       /* losses the current search asked for */
	int status;         /* 0, or evaluate's -1 / SIM_EVAL_STOPPED: unwind */
	sim_error *err;
} calib_search;

static int out_of_memory(sim_error *err)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "calibration: out of memory");
}

/* ---- the problem ---------------------------------------------------------------- */

/* Fit targets among the ev->metrics targets. */
static size_t count_fit(const sim_calib_problem *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->ev->metrics; i++)
		n += p->targets[i].fit;
	return n;
}

/* Every target has a finite observed figure and a finite scale > 0. */
static int check_targets(const sim_calib_problem *p, sim_error *err)
{
	for (size_t i = 0; i < p->ev->metrics; i++) {
		const sim_calib_target *t = &p->targets[i];
		const char *name = t->name ? t->name : "?";
		if (!isfinite(t->observed))
			return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
					     "calibration: target %zu (%s): expected a finite "
					     "observed figure, found %g", i, name, t->observed);
		if (!(isfinite(t->scale) && t->scale > 0))
			return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
					     "calibration: target %zu (%s): expected a scale > 0, "
					     "found %g", i, name, t->scale);
	}
	return 0;
}

/* The search's and the standard errors' settings make sense. */
static int check_settings(const sim_calib_problem *p, sim_error *err)
{
	const char *bad = NULL;
	if (p->replications == 0)
		bad = "replications > 0";
	else if (p->max_evaluations <= p->ev->dim)
		bad = "max_evaluations above the number of settings (a simplex has dim + 1 points)";
	else if (!(isfinite(p->tolerance) && p->tolerance > 0))
		bad = "a finite tolerance > 0";
	else if (!(p->step > 0 && p->step <= CALIB_MAX_STEP))
		bad = "a finite-difference step in (0, 0.25] of the range";
	else if (!(p->observed_draws > 0)) /* INFINITY allowed, NaN not */
		bad = "observed_draws > 0 (INFINITY: exact observed figures)";
	if (bad)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL, "calibration: expected %s",
				     bad);
	return 0;
}

/* The whole problem, before anything is evaluated; the counts' products
   that size the buffers must not overflow. */
static int check_problem(const sim_calib_problem *p, sim_error *err)
{
	if (!p || !p->ev || !p->ev->evaluate || !p->targets || !p->bounds || p->ev->dim == 0 ||
	    p->ev->metrics == 0)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "calibration: expected an evaluator with settings and "
				     "targets, their bounds and their observed figures");
	if (sim_bounds_check("calibration", p->bounds, p->ev->dim, true, err) != 0 ||
	    check_targets(p, err) != 0 ||
	    check_settings(p, err) != 0)
		return -1;
	size_t nfit = count_fit(p), n;
	if (p->ev->dim > nfit)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "calibration: %zu settings to calibrate but only %zu fit "
				     "targets (%zu held out): a fit needs at least as many fit "
				     "targets as settings; hold fewer targets out or fix some "
				     "settings", p->ev->dim, nfit, p->ev->metrics - nfit);
	if (__builtin_mul_overflow(p->ev->metrics, p->replications, &n) ||
	    __builtin_mul_overflow(n, 2 * p->ev->dim + 1, &n) ||
	    __builtin_mul_overflow(n, sizeof(double), &n))
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "calibration: %zu targets x %zu replications is too many "
				     "values to hold", p->ev->metrics, p->replications);
	return 0;
}

/* ---- moments and loss ------------------------------------------------------------- */

/* mean[i]: target i's mean over the reps values of one point (y in
   evaluate's layout, metric-major); NaN when any replication lacks it. */
static void target_means(const double *y, size_t metrics, size_t reps, double *mean)
{
	for (size_t i = 0; i < metrics; i++) {
		double sum = 0;
		for (size_t r = 0; r < reps; r++)
			sum += y[i * reps + r];
		mean[i] = sum / (double)reps;
	}
}

/* Sum of squared residuals over the fit targets (fit = true) or the
   holdout ones; NaN when a mean is missing. */
static double residual_sum(const sim_calib_problem *p, const double *mean, bool fit)
{
	double sum = 0;
	for (size_t i = 0; i < p->ev->metrics; i++)
		if (p->targets[i].fit == fit) {
			double e = (mean[i] - p->targets[i].observed) / p->targets[i].scale;
			sum += e * e;
		}
	return sum;
}

/* The loss of one point: +INFINITY without a fit target's value, so
   Nelder-Mead treats the point as one to move away from. */
static double point_loss(const sim_calib_problem *p, const double *mean)
{
	double loss = residual_sum(p, mean, true);
	return isfinite(loss) ? loss : INFINITY;
}

/* x = lo + (hi - lo) (1 + sin z) / 2: every z is a point inside the box. */
static void z_to_x(const sim_bounds *b, size_t dim, const double *z, double *x)
{
	for (size_t j = 0; j < dim; j++)
		x[j] = b[j].lo + (b[j].hi - b[j].lo) * (1 + sin(z[j])) / 2;
}

/* The z of the start point, moved off a bound (see CALIB_BOUND_NUDGE). */
static void start_z(const sim_bounds *b, size_t dim, double *z)
{
	for (size_t j = 0; j < dim; j++) {
		double u = (b[j].start - b[j].lo) / (b[j].hi - b[j].lo);
		u = fmin(fmax(u, CALIB_BOUND_NUDGE), 1 - CALIB_BOUND_NUDGE);
		z[j] = asin(2 * u - 1);
	}
}

/* ---- evaluating points, with the cache -------------------------------------------------- */

/* Calls the evaluator on n points and reps replications, turning a
   failure without a message into one. */
static int evaluate(const sim_calib_problem *p, size_t n, const double *x, double *y,
		    sim_error *err)
{
	int rc = p->ev->evaluate(p->ev->ctx, n, x, 0, p->replications, y, err);
	if (rc == 0 || rc == SIM_EVAL_STOPPED)
		return rc;
	if (err && err->kind == SIM_ERROR_NONE)
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
			      "calibration: the evaluator failed without saying why");
	return -1;
}

/* The path row holding exactly x, or npath when none does. Points are
   matched bit for bit: the same z always maps to the same x. */
static size_t find_point(const calib_search *s, const double *x)
{
	for (size_t k = 0; k < s->npath; k++)
		if (memcmp(&s->path[k * (s->dim + 1)], x, s->dim * sizeof *x) == 0)
			return k;
	return s->npath;
}

/* Appends x to the path with a loss still unknown (NaN); its row, or
   npath on allocation failure. */
static size_t add_point(calib_search *s, const double *x)
{
	size_t row = s->dim + 1;
	if (s->npath == s->pathcap) {
		size_t cap = s->pathcap ? 2 * s->pathcap : 64;
		double *grown = realloc(s->path, cap * row * sizeof *grown);
		if (!grown)
			return s->npath;
		s->path = grown;
		s->pathcap = cap;
	}
	memcpy(&s->path[s->npath * row], x, s->dim * sizeof *x);
	s->path[s->npath * row + s->dim] = NAN;
	return s->npath++;
}

/* Stores the loss of a new point (path row `row`, reached from z, values
   y_k) and keeps the point when it is the best so far. */
static void record_loss(calib_search *s, size_t row, const double *z, const double *y_k)
{
	target_means(y_k, s->metrics, s->reps, s->mean);
	double loss = point_loss(s->p, s->mean);
	s->path[row * (s->dim + 1) + s->dim] = loss;
	if (loss < s->best_loss) {
		s->best_loss = loss;
		s->best_row = row;
		memcpy(s->best_z, z, s->dim * sizeof *z);
		memcpy(s->best_y, y_k, s->metrics * s->reps * sizeof *y_k);
	}
}

/* Fills loss[k] for the n (<= dim + 1) points s->zs, asking the evaluator
   in one call for those not evaluated before. 0, or s->status. */
static int evaluate_batch(calib_search *s, size_t n, double *loss)
{
	size_t fresh = 0, first_new = s->npath, block = s->metrics * s->reps;
	for (size_t k = 0; k < n; k++) {
		double *x = &s->xs[fresh * s->dim];
		z_to_x(s->p->bounds, s->dim, &s->zs[k * s->dim], x);
		s->slot[k] = find_point(s, x);
		if (s->slot[k] < s->npath)
			continue; /* seen before, or earlier in this batch */
		if ((s->slot[k] = add_point(s, x)) == s->npath) {
			s->npath = first_new;
			return s->status = out_of_memory(s->err);
		}
		fresh++;
	}
	if (fresh > 0) {
		int rc = evaluate(s->p, fresh, s->xs, s->y, s->err);
		if (rc != 0) {
			s->npath = first_new; /* points without values leave no trace */
			return s->status = rc;
		}
		for (size_t k = 0; k < n; k++)
			if (s->slot[k] >= first_new && isnan(s->path[s->slot[k] * (s->dim + 1) + s->dim]))
				record_loss(s, s->slot[k], &s->zs[k * s->dim],
					    &s->y[(s->slot[k] - first_new) * block]);
	}
	for (size_t k = 0; k < n; k++)
		loss[k] = s->path[s->slot[k] * (s->dim + 1) + s->dim];
	return 0;
}

/* ---- Nelder-Mead ------------------------------------------------------------------ */

/* GSL's objective: the loss at z. Once the evaluator has failed, NaN
   without asking it again: GSL's iteration then ends with an error and
   the caller reads s->status. */
static double search_loss(const gsl_vector *z, void *params)
{
	calib_search *s = params;
	double loss = NAN;
	s->calls++;
	if (s->status != 0)
		return NAN;
	for (size_t j = 0; j < s->dim; j++)
		s->zs[j] = gsl_vector_get(z, j);
	if (evaluate_batch(s, 1, &loss) != 0)
		return NAN;
	return loss;
}

/* Evaluates the first simplex from z0 (z0 and z0 + step_j e_j, the
   corners nmsimplex2 builds) in one batch, so its dim + 1 points run
   together; a corner without a loss gets its step flipped and halved in
   turn (+0.5, -0.5, -0.25, +0.25, ...), one point at a time. 0 (step filled), or s->status. */
static int first_simplex(calib_search *s, const double *z0, double *step)
{
	size_t dim = s->dim;
	double loss[dim + 1];
	for (size_t k = 0; k <= dim; k++) {
		memcpy(&s->zs[k * dim], z0, dim * sizeof *z0);
		if (k > 0)
			s->zs[k * dim + k - 1] += (step[k - 1] = CALIB_SIMPLEX_STEP);
	}
	if (evaluate_batch(s, dim + 1, loss) != 0)
		return s->status;
	for (size_t j = 0; j < dim && isfinite(loss[0]); j++)
		for (int t = 0; t < CALIB_CORNER_TRIES && !isfinite(loss[j + 1]); t++) {
			step[j] = t % 2 == 0 ? -step[j] : step[j] / 2;
			memcpy(s->zs, z0, dim * sizeof *z0);
			s->zs[j] += step[j];
			if (evaluate_batch(s, 1, &loss[j + 1]) != 0)
				return s->status;
		}
	return 0;
}

/* Iterates a set-up minimiser until its simplex is smaller than the
   tolerance (converged) or the search's budget is spent. GSL fails an
   iteration when it cannot contract around points without a loss: the
   search then ends where it is, not converged. 0, or s->status. */
static int iterate_search(calib_search *s, gsl_multimin_fminimizer *m, bool *converged)
{
	while (s->calls < s->p->max_evaluations) {
		int rc = gsl_multimin_fminimizer_iterate(m);
		if (s->status != 0 || rc != GSL_SUCCESS)
			break;
		if (gsl_multimin_fminimizer_size(m) < s->p->tolerance) {
			*converged = true;
			break;
		}
	}
	return s->status;
}

/* One Nelder-Mead search from z0 with a fresh simplex. 0 (converged set),
   s->status, or -1 with err when GSL cannot allocate. */
static int search_once(calib_search *s, const double *z0, bool *converged)
{
	*converged = false;
	s->calls = 0;
	double step[s->dim];
	if (first_simplex(s, z0, step) != 0)
		return s->status;
	gsl_multimin_fminimizer *m =
		gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, s->dim);
	gsl_vector *z = gsl_vector_alloc(s->dim), *dz = gsl_vector_alloc(s->dim);
	if (!m || !z || !dz) {
		s->status = out_of_memory(s->err);
	} else {
		for (size_t j = 0; j < s->dim; j++) {
			gsl_vector_set(z, j, z0[j]);
			gsl_vector_set(dz, j, step[j]);
		}
		gsl_multimin_function f = { .f = search_loss, .n = s->dim, .params = s };
		/* Fails (GSL_EBADFUNC) when a corner still has no loss: then
		   this search ends before it starts. */
		if (gsl_multimin_fminimizer_set(m, &f, z, dz) == GSL_SUCCESS && s->status == 0)
			iterate_search(s, m, converged);
	}
	gsl_multimin_fminimizer_free(m);
	gsl_vector_free(z);
	gsl_vector_free(dz);
	return s->status;
}

/* The error for a start point without a loss, naming the first fit
   target it lacks. Its values are still s->y's first block: the start is
   the first search's first new point, and with no loss there neither the
   corner retries nor GSL (which stops at it) evaluate anything after. */
static int start_without_loss(calib_search *s)
{
	const sim_calib_problem *p = s->p;
	size_t i = 0;
	target_means(s->y, s->metrics, s->reps, s->mean);
	while (i + 1 < s->metrics && !(p->targets[i].fit && !isfinite(s->mean[i])))
		i++;
	return sim_error_set(s->err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
			     "calibration: the model gives no value (NaN) for fit target %s "
			     "at the start point; choose a start where it produces every fit "
			     "target", p->targets[i].name ? p->targets[i].name : "?");
}

/* The first search from the start, then `restarts` more from the best
   point so far. 0 (converged: the last search's), s->status, or -1 with
   err when the start has no loss. */
static int search_all(calib_search *s, bool *converged)
{
	double z0[s->dim];
	start_z(s->p->bounds, s->dim, z0);
	for (size_t k = 0; k <= s->p->restarts; k++) {
		if (k > 0)
			memcpy(z0, s->best_z, s->dim * sizeof *z0);
		if (search_once(s, z0, converged) != 0)
			return s->status;
		if (k == 0 && !isfinite(s->path[s->dim]))
			return start_without_loss(s);
	}
	return 0;
}

/* Allocates the search's buffers; -1 with err when out of memory. */
static int search_init(calib_search *s, const sim_calib_problem *p, sim_error *err)
{
	size_t dim = p->ev->dim, block = p->ev->metrics * p->replications;
	*s = (calib_search){ .p = p, .dim = dim, .metrics = p->ev->metrics,
			     .reps = p->replications, .best_loss = INFINITY, .err = err };
	s->zs = malloc((dim + 1) * dim * sizeof *s->zs);
	s->xs = malloc((dim + 1) * dim * sizeof *s->xs);
	s->slot = malloc((dim + 1) * sizeof *s->slot);
	s->y = malloc((dim + 1) * block * sizeof *s->y);
	s->mean = malloc(s->metrics * sizeof *s->mean);
	s->best_z = malloc(dim * sizeof *s->best_z);
	s->best_y = malloc(block * sizeof *s->best_y);
	if (!s->zs || !s->xs || !s->slot || !s->y || !s->mean || !s->best_z || !s->best_y)
		return out_of_memory(err);
	return 0;
}

/* Frees what search_init allocated (also after it failed part way). */
static void search_free(calib_search *s)
{
	free(s->zs);
	free(s->xs);
	free(s->slot);
	free(s->y);
	free(s->mean);
	free(s->path);
	free(s->best_z);
	free(s->best_y);
}

/* ---- at the estimate --------------------------------------------------------------- */

/* Each target's mean, sd over the replications (NaN with one) and
   residual at the estimate (values y), and the two losses. */
static void estimate_moments(const sim_calib_problem *p, const double *y, sim_calib_result *res)
{
	size_t reps = p->replications;
	target_means(y, p->ev->metrics, reps, res->mean);
	for (size_t i = 0; i < p->ev->metrics; i++) {
		double ss = 0;
		for (size_t r = 0; r < reps; r++)
			ss += (y[i * reps + r] - res->mean[i]) * (y[i * reps + r] - res->mean[i]);
		res->sd[i] = reps > 1 ? sqrt(ss / (double)(reps - 1)) : NAN;
		res->residual[i] = (res->mean[i] - p->targets[i].observed) / p->targets[i].scale;
	}
	res->loss = residual_sum(p, res->mean, true);
	res->holdout_loss = residual_sum(p, res->mean, false);
}

/* The 2 dim points of the differences around x, a pair per setting j:
   central (x - h, x + h) when x is h/2 or more inside both bounds (h
   shrunk to the room left), else one-sided (x + h, x + 2h) towards the
   far bound (h < 0 going down; step <= 0.25 leaves room for 2h). */
static void difference_points(const sim_calib_problem *p, const double *x, double *pts,
			      bool *central)
{
	size_t dim = p->ev->dim;
	for (size_t j = 0; j < dim; j++) {
		const sim_bounds *b = &p->bounds[j];
		double h = p->step * (b->hi - b->lo), down = x[j] - b->lo, up = b->hi - x[j];
		double *first = &pts[2 * j * dim], *second = &pts[(2 * j + 1) * dim];
		memcpy(first, x, dim * sizeof *x);
		memcpy(second, x, dim * sizeof *x);
		central[j] = fmin(down, up) >= h / 2;
		if (central[j]) {
			h = fmin(h, fmin(down, up));
			first[j] = x[j] - h;
			second[j] = x[j] + h;
		} else {
			h = up >= down ? h : -h;
			first[j] = fmin(fmax(x[j] + h, b->lo), b->hi);
			second[j] = fmin(fmax(x[j] + 2 * h, b->lo), b->hi);
		}
	}
}

/* res->jacobian from the difference points' values y (evaluate's layout,
   2 dim points): central (m(x+h) - m(x-h)) / 2h, or one-sided to second
   order, (-3 m(x) + 4 m(x+h) - m(x+2h)) / 2h. mfirst and msecond are
   scratch of ev->metrics. */
static void fill_jacobian(const sim_calib_problem *p, const double *x, const double *pts,
			  const bool *central, const double *y, double *mfirst, double *msecond,
			  sim_calib_result *res)
{
	size_t dim = p->ev->dim, metrics = p->ev->metrics, reps = p->replications;
	for (size_t j = 0; j < dim; j++) {
		double lo = pts[2 * j * dim + j], hi = pts[(2 * j + 1) * dim + j];
		target_means(&y[2 * j * metrics * reps], metrics, reps, mfirst);
		target_means(&y[(2 * j + 1) * metrics * reps], metrics, reps, msecond);
		for (size_t i = 0; i < metrics; i++)
			res->jacobian[i * dim + j] =
				central[j] ? (msecond[i] - mfirst[i]) / (hi - lo)
					   : (-3 * res->mean[i] + 4 * mfirst[i] - msecond[i]) /
						     (2 * (lo - x[j]));
	}
}

/* G = W^1/2 J over the fit targets: row i is J's row over s_i. */
static void weighted_jacobian(const sim_calib_problem *p, const double *jac, gsl_matrix *G)
{
	size_t dim = p->ev->dim, a = 0;
	for (size_t i = 0; i < p->ev->metrics; i++)
		if (p->targets[i].fit) {
			for (size_t j = 0; j < dim; j++)
				gsl_matrix_set(G, a, j, jac[i * dim + j] / p->targets[i].scale);
			a++;
		}
}

/* W^1/2 Omega W^1/2 over the fit targets, Omega = S (1/R + 1/observed_draws)
   (+ diag(s_i^2)), S their covariance over the replications at the
   estimate (values y, means mean; R >= 2). */
static void weighted_omega(const sim_calib_problem *p, const double *y, const double *mean,
			   gsl_matrix *om)
{
	size_t reps = p->replications, a = 0;
	double draws = 1 / (double)reps + 1 / p->observed_draws;
	for (size_t i = 0; i < p->ev->metrics; i++) {
		if (!p->targets[i].fit)
			continue;
		size_t b = 0;
		for (size_t k = 0; k < p->ev->metrics; k++) {
			if (!p->targets[k].fit)
				continue;
			double c = 0;
			for (size_t r = 0; r < reps; r++)
				c += (y[i * reps + r] - mean[i]) * (y[k * reps + r] - mean[k]);
			c = c / (double)(reps - 1) * draws;
			if (p->tolerance_as_sd && i == k)
				c += p->targets[i].scale * p->targets[i].scale;
			gsl_matrix_set(om, a, b++, c / (p->targets[i].scale * p->targets[k].scale));
		}
		a++;
	}
}

/* a_jk /= sqrt(d_j d_k): to and from the unit-diagonal scaling. */
static void scale_by_diagonal(gsl_matrix *a, const double *d)
{
	for (size_t j = 0; j < a->size1; j++)
		for (size_t k = 0; k < a->size2; k++)
			gsl_matrix_set(a, j, k, gsl_matrix_get(a, j, k) / sqrt(d[j] * d[k]));
}

/* ainv = (G'G)^-1, by Cholesky on G'G scaled to unit diagonal, when that
   is positive definite with rcond >= CALIB_RCOND_MIN (*identified);
   otherwise *identified = false and ainv is garbage. 0 or a GSL code. */
static int information_inverse(const gsl_matrix *G, gsl_matrix *ainv, bool *identified)
{
	size_t dim = G->size2;
	double d[dim], rcond = 0;
	*identified = false;
	int rc = gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, G, G, 0.0, ainv);
	for (size_t j = 0; rc == GSL_SUCCESS && j < dim; j++) {
		d[j] = gsl_matrix_get(ainv, j, j);
		if (!(isfinite(d[j]) && d[j] > 0))
			return GSL_SUCCESS; /* a setting no fit target moves */
	}
	if (rc != GSL_SUCCESS)
		return rc;
	scale_by_diagonal(ainv, d);
	rc = gsl_linalg_cholesky_decomp1(ainv);
	if (rc == GSL_EDOM)
		return GSL_SUCCESS; /* not positive definite: collinear columns */
	gsl_vector *work = rc == GSL_SUCCESS ? gsl_vector_alloc(3 * dim) : NULL;
	if (rc == GSL_SUCCESS && !work)
		rc = GSL_ENOMEM;
	if (rc == GSL_SUCCESS)
		rc = gsl_linalg_cholesky_rcond(ainv, &rcond, work);
	gsl_vector_free(work);
	if (rc != GSL_SUCCESS || !(rcond >= CALIB_RCOND_MIN))
		return rc;
	if ((rc = gsl_linalg_cholesky_invert(ainv)) != GSL_SUCCESS)
		return rc;
	/* (D A D)^-1 = D^-1 A^-1 D^-1 with D = diag(d^-1/2): undo by the
	   same division. */
	scale_by_diagonal(ainv, d);
	*identified = true;
	return GSL_SUCCESS;
}

/* V = ainv G' om G ainv. 0 or a GSL code. */
static int sandwich(const gsl_matrix *G, const gsl_matrix *om, const gsl_matrix *ainv,
		    gsl_matrix *V)
{
	size_t nfit = G->size1, dim = G->size2;
	gsl_matrix *omg = gsl_matrix_alloc(nfit, dim), *meat = gsl_matrix_alloc(dim, dim);
	gsl_matrix *left = gsl_matrix_alloc(dim, dim);
	int rc = omg && meat && left ? GSL_SUCCESS : GSL_ENOMEM;
	if (rc == GSL_SUCCESS)
		rc = gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, om, G, 0.0, omg);
	if (rc == GSL_SUCCESS)
		rc = gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, G, omg, 0.0, meat);
	if (rc == GSL_SUCCESS)
		rc = gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, ainv, meat, 0.0, left);
	if (rc == GSL_SUCCESS)
		rc = gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, left, ainv, 0.0, V);
	gsl_matrix_free(omg);
	gsl_matrix_free(meat);
	gsl_matrix_free(left);
	return rc;
}

/* se, cov and corr from V; NaN throughout when V is NULL (not
   identified, or one replication: no S). */
static void fill_covariance(const gsl_matrix *V, sim_calib_result *res)
{
	size_t dim = res->dim;
	for (size_t j = 0; j < dim; j++)
		res->se[j] = V ? sqrt(gsl_matrix_get(V, j, j)) : NAN;
	for (size_t j = 0; j < dim; j++)
		for (size_t k = 0; k < dim; k++) {
			double v = V ? gsl_matrix_get(V, j, k) : NAN;
			res->cov[j * dim + k] = v;
			res->corr[j * dim + k] = v / (res->se[j] * res->se[k]);
		}
}

/* identified, se, cov and corr at the estimate (values y, jacobian and
   means in res). -1 with err when GSL fails. */
static int estimate_covariance(const sim_calib_problem *p, const double *y,
			       sim_calib_result *res, sim_error *err)
{
	size_t nfit = count_fit(p), dim = p->ev->dim;
	gsl_matrix *G = gsl_matrix_alloc(nfit, dim), *om = gsl_matrix_alloc(nfit, nfit);
	gsl_matrix *ainv = gsl_matrix_alloc(dim, dim), *V = gsl_matrix_alloc(dim, dim);
	int rc = G && om && ainv && V ? GSL_SUCCESS : GSL_ENOMEM;
	bool have_s = p->replications >= 2; /* S needs two replications */
	if (rc == GSL_SUCCESS) {
		weighted_jacobian(p, res->jacobian, G);
		rc = information_inverse(G, ainv, &res->identified);
	}
	if (rc == GSL_SUCCESS && res->identified && have_s) {
		weighted_omega(p, y, res->mean, om);
		rc = sandwich(G, om, ainv, V);
	}
	if (rc == GSL_SUCCESS)
		fill_covariance(res->identified && have_s ? V : NULL, res);
	gsl_matrix_free(G);
	gsl_matrix_free(om);
	gsl_matrix_free(ainv);
	gsl_matrix_free(V);
	if (rc != GSL_SUCCESS)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "calibration: standard errors: %s", gsl_strerror(rc));
	return 0;
}

/* Everything res says about the estimate res->x (values y): moments,
   the Jacobian from one batch of 2 dim points, the standard errors.
   0, SIM_EVAL_STOPPED, or -1 with err. */
static int describe_estimate(const sim_calib_problem *p, const double *y,
			     sim_calib_result *res, sim_error *err)
{
	size_t dim = p->ev->dim, metrics = p->ev->metrics;
	double *pts = malloc(2 * dim * dim * sizeof *pts);
	double *ydiff = malloc(2 * dim * metrics * p->replications * sizeof *ydiff);
	double *mfirst = malloc(metrics * sizeof *mfirst), *msecond = malloc(metrics * sizeof *msecond);
	bool *central = malloc(dim * sizeof *central);
	int rc = pts && ydiff && mfirst && msecond && central ? 0 : out_of_memory(err);
	if (rc == 0) {
		/* The estimate is the best point found, so its fit targets all
		   have values: its loss is finite. */
		estimate_moments(p, y, res);
		difference_points(p, res->x, pts, central);
		rc = evaluate(p, 2 * dim, pts, ydiff, err);
	}
	if (rc == 0) {
		res->evaluations += 2 * dim;
		fill_jacobian(p, res->x, pts, central, ydiff, mfirst, msecond, res);
		rc = estimate_covariance(p, y, res, err);
	}
	free(pts);
	free(ydiff);
	free(mfirst);
	free(msecond);
	free(central);
	return rc;
}

/* ---- the result ------------------------------------------------------------------- */

/* Allocates res's arrays and copies the search's path and estimate in.
   -1 with err when out of memory. */
static int result_from_search(const calib_search *s, bool converged, sim_calib_result *res,
			      sim_error *err)
{
	size_t dim = s->dim, n = s->metrics, row = dim + 1;
	res->dim = dim;
	res->ntargets = n;
	res->x = malloc(dim * sizeof *res->x);
	res->se = malloc(dim * sizeof *res->se);
	res->cov = malloc(dim * dim * sizeof *res->cov);
	res->corr = malloc(dim * dim * sizeof *res->corr);
	res->mean = malloc(n * sizeof *res->mean);
	res->sd = malloc(n * sizeof *res->sd);
	res->residual = malloc(n * sizeof *res->residual);
	res->jacobian = malloc(n * dim * sizeof *res->jacobian);
	res->path = malloc(s->npath * row * sizeof *res->path);
	if (!res->x || !res->se || !res->cov || !res->corr || !res->mean || !res->sd ||
	    !res->residual || !res->jacobian || !res->path)
		return out_of_memory(err);
	memcpy(res->x, &s->path[s->best_row * row], dim * sizeof *res->x);
	memcpy(res->path, s->path, s->npath * row * sizeof *res->path);
	res->nsteps = res->evaluations = s->npath;
	res->converged = converged;
	return 0;
}

int sim_calibrate(const sim_calib_problem *p, sim_calib_result *res, sim_error *err)
{
	memset(res, 0, sizeof *res);
	if (check_problem(p, err) != 0)
		return -1;
	calib_search s;
	bool converged = false;
	int rc = search_init(&s, p, err);
	if (rc == 0)
		rc = search_all(&s, &converged);
	if (rc == 0)
		rc = result_from_search(&s, converged, res, err);
	if (rc == 0)
		rc = describe_estimate(p, s.best_y, res, err);
	search_free(&s);
	if (rc != 0)
		sim_calib_result_free(res);
	return rc;
}

void sim_calib_result_free(sim_calib_result *res)
{
	if (!res)
		return;
	free(res->x);
	free(res->se);
	free(res->cov);
	free(res->corr);
	free(res->mean);
	free(res->sd);
	free(res->residual);
	free(res->jacobian);
	free(res->path);
	memset(res, 0, sizeof *res);
}
