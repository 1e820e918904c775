/* equilibrium_cmd.c - `marketsim equilibrium` (see equilibrium_cmd.h):
   iterated best responses of the `equilibrium` group's players, the
   profile where they stop, every metric there, and the rounds. */
#include "equilibrium_cmd.h"
#include "analysis.h"
#include "equilibrium.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int oom(sim_error *err)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
}

/* The players' objectives first (metric i is player i's), then the
   group's further metrics. */
static int set_metrics(sim_analysis *a, sim_error *err)
{
	const sim_equilibrium_params *q = &sim_experiment_settings(a->x)->equilibrium;
	const sim_player_params *pl = q->players.items;
	size_t len = strlen(q->metrics) + 2;
	for (size_t i = 0; i < q->players.count; i++)
		len += strlen(pl[i].objective) + 1;
	char *list = malloc(len);
	if (!list)
		return oom(err);
	list[0] = '\0';
	for (size_t i = 0; i < q->players.count; i++)
		strcat(strcat(list, i ? "," : ""), pl[i].objective);
	if (q->metrics[0])
		strcat(strcat(list, ","), q->metrics);
	int rc = sim_analysis_set_metrics(a, list, "equilibrium.players", err);
	free(list);
	return rc;
}

/* The players as the numerics see them: consecutive runs of settings in
   the order sim_analysis_open read them. */
static sim_eq_player *players_of(const sim_analysis *a, size_t *n)
{
	const sim_equilibrium_params *q = &sim_experiment_settings(a->x)->equilibrium;
	const sim_player_params *pl = q->players.items;
	sim_eq_player *p = calloc(q->players.count + 1, sizeof *p);
	size_t first = 0;
	for (size_t i = 0; p && i < q->players.count; i++) {
		p[i] = (sim_eq_player){ pl[i].name, first, pl[i].parameters.count, i };
		first += pl[i].parameters.count;
	}
	*n = q->players.count;
	return p;
}

/* Whether setting j ended within the tolerance of a bound: a player
   that would go further if it could, so the profile is no equilibrium of
   the unbounded game. */
static bool on_bound(const sim_analysis *a, const sim_eq_result *r, size_t j)
{
	double tol = sim_experiment_settings(a->x)->equilibrium.tolerance;
	const sim_bounds *b = &a->bounds[j];
	double w = tol * (b->hi - b->lo);
	return r->x[j] <= b->lo + w || r->x[j] >= b->hi - w;
}

/* equilibrium.csv: each setting where the rounds stopped, its player,
   then every metric there with its 95% CI over the replications. */
static int result_table(sim_analysis *a, const sim_eq_result *r, const sim_eq_player *pl,
			size_t np, sim_result_table *t, sim_error *err)
{
	static const char *const cols[] = { "quantity", "player", "value", "lo95", "hi95",
					    "note" };
	if (sim_result_table_init(t, "equilibrium.csv", "Where the best responses stopped", 6,
				  cols, err) != 0)
		return -1;
	char b[3][32];
	for (size_t k = 0; k < np; k++)
		for (size_t j = pl[k].first; j < pl[k].first + pl[k].count; j++) {
			const char *row[] = { a->paths[j], pl[k].name,
					      sim_result_table_number(b[0], r->x[j]), "", "",
					      on_bound(a, r, j) ? "ON A BOUND: the best response may "
					      "lie beyond it" : "" };
			if (sim_result_table_add(t, row, err) != 0)
				return -1;
		}
	size_t R = a->replications, M = a->nmetrics;
	double *y = malloc(M * R * sizeof *y);
	int rc = y ? a->ev.evaluate(a->ev.ctx, 1, r->x, 0, R, y, err) : oom(err);
	for (size_t m = 0; rc == 0 && m < M; m++) {
		double mean, lo, hi;
		sim_analysis_mean_ci(y + m * R, R, &mean, &lo, &hi);
		const char *row[] = { a->metrics[m], m < np ? pl[m].name : "",
				      sim_result_table_number(b[0], mean),
				      sim_result_table_number(b[1], lo),
				      sim_result_table_number(b[2], hi),
				      m < np ? "objective" : "" };
		rc = sim_result_table_add(t, row, err);
	}
	free(y);
	return rc;
}

/* equilibrium_history.csv: the profile and every metric after each
   round (round 0: the start). */
static int history_table(const sim_analysis *a, const sim_eq_result *r, sim_result_table *t,
			 sim_error *err)
{
	size_t d = a->dim, M = a->nmetrics, ncols = 1 + d + M;
	const char **cells = calloc(ncols, sizeof *cells);
	char (*b)[32] = calloc(ncols, sizeof *b);
	if (!cells || !b) {
		free(cells);
		free(b);
		return oom(err);
	}
	cells[0] = "round";
	for (size_t j = 0; j < d; j++)
		cells[1 + j] = a->paths[j];
	for (size_t m = 0; m < M; m++)
		cells[1 + d + m] = a->metrics[m];
	int rc = sim_result_table_init(t, "equilibrium_history.csv",
				       "Rounds of best responses", ncols, cells, err);
	for (size_t k = 0; rc == 0 && k <= r->rounds; k++) {
		snprintf(b[0], 32, "%zu", k);
		cells[0] = b[0];
		for (size_t j = 0; j < d; j++)
			cells[1 + j] = sim_result_table_number(b[1 + j], r->history[k * d + j]);
		for (size_t m = 0; m < M; m++)
			cells[1 + d + m] = sim_result_table_number(b[1 + d + m],
								   r->history_values[k * M + m]);
		rc = sim_result_table_add(t, cells, err);
	}
	free(cells);
	free(b);
	return rc;
}

static void say_result(const sim_analysis *a, const sim_eq_result *r)
{
	if (a->opt->quiet)
		return;
	printf("%s: %s after %zu round%s:", a->name,
	       r->converged ? "converged" : r->cycle ? "best responses cycle" : "not converged",
	       r->rounds, r->rounds == 1 ? "" : "s");
	for (size_t j = 0; j < a->dim; j++)
		printf("%s %s = %.6g", j ? "," : "", a->paths[j], r->x[j]);
	printf("; results in %s/ (equilibrium.csv, report.html)\n", a->dir);
	for (size_t j = 0; j < a->dim; j++)
		if (on_bound(a, r, j))
			fprintf(stderr, "marketsim: warning: %s: %s ended on a bound ([%g, %g]): "
				"that player's best response may lie beyond it\n", a->name,
				a->paths[j], a->bounds[j].lo, a->bounds[j].hi);
	if (r->cycle)
		fprintf(stderr, "marketsim: warning: %s: best responses cycle with period %zu: "
			"no pure-strategy equilibrium was found\n", a->name, r->cycle);
	else if (!r->converged)
		fprintf(stderr, "marketsim: warning: %s: the last round still moved a price by "
			"%.3g of its range (max_rounds reached)\n", a->name, r->max_move);
}

static int solve(sim_analysis *a, sim_error *err)
{
	const sim_equilibrium_params *q = &sim_experiment_settings(a->x)->equilibrium;
	size_t np;
	sim_eq_player *pl = players_of(a, &np);
	if (!pl)
		return oom(err);
	sim_eq_problem p = { &a->ev, a->bounds, pl, np, a->replications, (size_t)q->max_rounds,
			     q->tolerance, (size_t)q->grid, (size_t)q->max_evaluations,
			     q->search_tolerance };
	sim_eq_result r = { 0 };
	sim_result_table t[2] = { 0 };
	int rc = sim_equilibrium(&p, &r, err);
	if (rc == 0)
		rc = result_table(a, &r, pl, np, &t[0], err) == 0 &&
				     history_table(a, &r, &t[1], err) == 0 ? 0 : -1;
	if (rc == 0)
		rc = sim_analysis_finish(a, t, 2, err);
	if (rc == 0)
		say_result(a, &r);
	sim_result_table_free(&t[0]);
	sim_result_table_free(&t[1]);
	if (rc != SIM_EVAL_STOPPED)
		sim_eq_result_free(&r);
	free(pl);
	return rc == SIM_EVAL_STOPPED ? 0 : rc;
}

static int prepare(sim_analysis *a, void *ctx, sim_error *err)
{
	(void)ctx;
	return set_metrics(a, err);
}

static int run(sim_analysis *a, void *ctx, sim_error *err)
{
	(void)ctx;
	return solve(a, err);
}

int sim_equilibrium_experiment(const sim_model_type *const *registry,
			       const sim_run_options *opt, const sim_exec_options *how,
			       sim_exec_report *report, sim_error *err)
{
	static const sim_analysis_steps steps = { prepare, run };
	return sim_analysis_main(registry, opt, how, "equilibrium", "equilibrium.players",
				 &steps, NULL, report, err);
}
