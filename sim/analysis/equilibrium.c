/* equilibrium.c - a pure-strategy equilibrium by Gauss-Seidel rounds of
   best responses (equilibrium.h), each one found by the optimiser on the
   player's own settings. */
#include "equilibrium.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optimizer.h"

/* What one player's best response evaluates: its own settings, put into
   the current profile (the others held), passed to the real evaluator. */
typedef struct eq_player_view {
	const sim_evaluator *ev;
	const double *profile;     /* ev->dim values */
	size_t first, count;
} eq_player_view;

/* ---- checks ------------------------------------------------------------------- */

/* Player i's settings exist, belong to no one else (owner: dim entries,
   SIZE_MAX when free, filled in as players are checked), its metric exists
   and its best response has a budget the optimiser accepts. */
static int check_player(const sim_eq_problem *p, size_t i, size_t *owner, sim_error *err)
{
	const sim_eq_player *pl = &p->players[i];
	const char *name = pl->name ? pl->name : "";
	size_t dim = p->ev->dim;
	if (pl->count == 0 || pl->first >= dim || pl->count > dim - pl->first)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "player %zu (%s): expected settings within 0 .. %zu, found "
				     "%zu setting(s) from %zu", i, name, dim - 1, pl->count,
				     pl->first);
	for (size_t j = pl->first; j < pl->first + pl->count; j++) {
		if (owner[j] != SIZE_MAX)
			return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
					     "player %zu (%s): setting %zu is already player "
					     "%zu's", i, name, j, owner[j]);
		owner[j] = i;
	}
	if (pl->metric >= p->ev->metrics)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "player %zu (%s): expected a metric index below %zu, "
				     "found %zu", i, name, p->ev->metrics, pl->metric);
	if (p->max_evaluations < pl->count + 2)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "player %zu (%s): expected max_evaluations of at least "
				     "%zu, found %zu", i, name, pl->count + 2, p->max_evaluations);
	return 0;
}

/* The numbers of the problem: see equilibrium.h. */
static int check_numbers(const sim_eq_problem *p, sim_error *err)
{
	if (p->replications == 0)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "expected at least 1 replication, found 0");
	if (p->max_rounds == 0)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "expected at least 1 round, found 0");
	if (!(p->tolerance > 0 && p->tolerance < 1))
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "expected a tolerance in (0, 1), found %g", p->tolerance);
	if (!(p->search_tolerance > 0 && p->search_tolerance < 1))
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "expected a search_tolerance in (0, 1), found %g",
				     p->search_tolerance);
	return 0;
}

/* A problem the rounds can run. */
static int check_problem(const sim_eq_problem *p, sim_error *err)
{
	if (!p->ev || !p->ev->evaluate || p->ev->dim == 0 || p->ev->metrics == 0 || !p->bounds)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "expected an evaluator with settings, metrics and bounds");
	if (p->nplayers == 0 || !p->players)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "expected at least 1 player, found 0");
	if (check_numbers(p, err) != 0 ||
	    sim_bounds_check("equilibrium", p->bounds, p->ev->dim, true, err) != 0)
		return -1;
	size_t *owner = malloc(p->ev->dim * sizeof *owner);
	if (!owner)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "equilibrium: out of memory");
	for (size_t j = 0; j < p->ev->dim; j++)
		owner[j] = SIZE_MAX;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < p->nplayers; i++)
		rc = check_player(p, i, owner, err);
	free(owner);
	return rc;
}

/* ---- one best response -------------------------------------------------------- */

/* sim_evaluator.evaluate for a player's view: each of the n points of
   its own settings becomes a whole profile for the real evaluator, whose
   metrics (all of them) come back unchanged. */
static int player_evaluate(void *ctx, size_t n, const double *x, uint64_t first, size_t count,
			   double *y, sim_error *err)
{
	const eq_player_view *v = ctx;
	size_t dim = v->ev->dim;
	double *full = malloc(n * dim * sizeof *full);
	if (!full)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "equilibrium: out of memory for %zu profiles", n);
	for (size_t i = 0; i < n; i++) {
		memcpy(full + i * dim, v->profile, dim * sizeof *full);
		memcpy(full + i * dim + v->first, x + i * v->count, v->count * sizeof *full);
	}
	int rc = v->ev->evaluate(v->ev->ctx, n, full, first, count, y, err);
	free(full);
	return rc;
}

/* Player i's best response to the profile x (its settings start where
   they are), written into x; *evaluations grows by the points it took. */
static int best_response(const sim_eq_problem *p, size_t i, double *x, size_t *evaluations,
			 sim_error *err)
{
	const sim_eq_player *pl = &p->players[i];
	sim_bounds *b = malloc(pl->count * sizeof *b);
	if (!b)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "equilibrium: out of memory");
	for (size_t j = 0; j < pl->count; j++) {
		b[j] = p->bounds[pl->first + j];
		b[j].start = x[pl->first + j];
	}
	eq_player_view view = { .ev = p->ev, .profile = x, .first = pl->first,
				.count = pl->count };
	sim_evaluator ev = { .dim = pl->count, .metrics = p->ev->metrics, .ctx = &view,
			     .evaluate = player_evaluate };
	sim_opt_problem op = { .ev = &ev, .bounds = b, .metric = pl->metric, .maximize = true,
			       .replications = p->replications, .confirm = 0, .grid = p->grid,
			       .max_evaluations = p->max_evaluations,
			       .tolerance = p->search_tolerance };
	sim_opt_result res;
	int rc = sim_optimize(&op, &res, err);
	if (rc == 0) {
		/* Written only now: the view reads x for the others' settings. */
		memcpy(x + pl->first, res.x, pl->count * sizeof *x);
		*evaluations += res.evaluations;
		sim_opt_result_free(&res);
	}
	free(b);
	return rc;
}

/* ---- rounds ------------------------------------------------------------------- */

/* Every metric's mean over the replications at the profile x, into values. */
static int profile_values(const sim_eq_problem *p, const double *x, double *values,
			  sim_error *err)
{
	size_t metrics = p->ev->metrics, count = p->replications;
	double *y = malloc(metrics * count * sizeof *y);
	if (!y)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "equilibrium: out of memory");
	int rc = p->ev->evaluate(p->ev->ctx, 1, x, 0, count, y, err);
	for (size_t m = 0; rc == 0 && m < metrics; m++) {
		double sum = 0;
		for (size_t r = 0; r < count; r++)
			sum += y[m * count + r];
		values[m] = sum / (double)count;
	}
	free(y);
	return rc;
}

/* The largest |a_j - b_j| as a fraction of setting j's range. */
static double largest_move(const sim_eq_problem *p, const double *a, const double *b)
{
	double most = 0;
	for (size_t j = 0; j < p->ev->dim; j++)
		most = fmax(most, fabs(a[j] - b[j]) / (p->bounds[j].hi - p->bounds[j].lo));
	return most;
}

/* After round t: the period of the shortest cycle back to the profile
   after a round s <= t - 2 within tolerance, or 0. */
static size_t cycle_period(const sim_eq_problem *p, const sim_eq_result *res, size_t t)
{
	const double *now = res->history + t * res->dim;
	for (size_t s = t - 1; s-- > 0;)
		if (largest_move(p, now, res->history + s * res->dim) <= p->tolerance)
			return t - s;
	return 0;
}

/* Round t (from 1): every player's best response in turn, then the
   profile's values as history row t. */
static int play_round(const sim_eq_problem *p, sim_eq_result *res, size_t t, sim_error *err)
{
	double *x = res->history + t * res->dim;
	memcpy(x, res->history + (t - 1) * res->dim, res->dim * sizeof *x);
	for (size_t i = 0; i < p->nplayers; i++) {
		int rc = best_response(p, i, x, &res->evaluations, err);
		if (rc != 0)
			return rc;
	}
	int rc = profile_values(p, x, res->history_values + t * res->metrics, err);
	if (rc == 0)
		res->evaluations++;
	return rc;
}

/* The result's arrays, for max_rounds + 1 history rows. */
static int alloc_result(const sim_eq_problem *p, sim_eq_result *res, sim_error *err)
{
	size_t rows = p->max_rounds + 1;
	res->dim = p->ev->dim;
	res->metrics = p->ev->metrics;
	if (rows > SIZE_MAX / sizeof(double) / (res->dim + res->metrics))
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "expected fewer rounds, found %zu", p->max_rounds);
	res->x = malloc(res->dim * sizeof *res->x);
	res->values = malloc(res->metrics * sizeof *res->values);
	res->history = malloc(rows * res->dim * sizeof *res->history);
	res->history_values = malloc(rows * res->metrics * sizeof *res->history_values);
	if (!res->x || !res->values || !res->history || !res->history_values)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "equilibrium: out of memory for %zu rounds", p->max_rounds);
	return 0;
}

/* Rounds until converged, a cycle, or max_rounds; res->rounds counts them. */
static int play_rounds(const sim_eq_problem *p, sim_eq_result *res, sim_error *err)
{
	for (size_t t = 1; t <= p->max_rounds; t++) {
		int rc = play_round(p, res, t, err);
		if (rc != 0)
			return rc;
		res->rounds = t;
		res->max_move = largest_move(p, res->history + t * res->dim,
					     res->history + (t - 1) * res->dim);
		if (res->max_move <= p->tolerance) {
			res->converged = true;
			return 0;
		}
		if ((res->cycle = cycle_period(p, res, t)) != 0)
			return 0;
	}
	return 0;
}

int sim_equilibrium(const sim_eq_problem *p, sim_eq_result *res, sim_error *err)
{
	memset(res, 0, sizeof *res);
	if (check_problem(p, err) != 0)
		return -1;
	int rc = alloc_result(p, res, err);
	for (size_t j = 0; rc == 0 && j < res->dim; j++)
		res->history[j] = p->bounds[j].start;
	if (rc == 0)
		rc = profile_values(p, res->history, res->history_values, err);
	if (rc == 0) {
		res->evaluations = 1;
		rc = play_rounds(p, res, err);
	}
	if (rc != 0) {
		sim_eq_result_free(res);
		return rc;
	}
	memcpy(res->x, res->history + res->rounds * res->dim, res->dim * sizeof *res->x);
	memcpy(res->values, res->history_values + res->rounds * res->metrics,
	       res->metrics * sizeof *res->values);
	return 0;
}

void sim_eq_result_free(sim_eq_result *res)
{
	if (!res)
		return;
	free(res->x);
	free(res->values);
	free(res->history);
	free(res->history_values);
	memset(res, 0, sizeof *res);
}
