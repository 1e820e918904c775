/* optimize.c - `marketsim optimize` (see optimize.h). */
#include "optimize.h"
#include "analysis.h"
#include "optimizer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where the profile through the optimum goes along a setting: a fifth
   of its range on each side, within the bounds. */
#define PROFILE_HALF_WIDTH 0.2

static const char *const phase_names[] = { "grid", "search", "confirm" };

/* optimum.csv: each setting at the optimum, then the objective and the
   further metrics on fresh replications. */
static int optimum_table(const sim_analysis *a, const sim_opt_result *r,
			 const double *extra, size_t confirm, sim_result_table *t,
			 sim_error *err)
{
	static const char *const cols[] = { "quantity", "value", "lo95", "hi95", "note" };
	if (sim_result_table_init(t, "optimum.csv", "Optimum", 5, cols, err) != 0)
		return -1;
	char v[32], lo[32], hi[32], note[200];
	for (size_t j = 0; j < a->dim; j++) {
		snprintf(note, sizeof note, "bounds [%g, %g]%s", a->bounds[j].lo, a->bounds[j].hi,
			 r->on_bound[j] ? "; ON A BOUND: widen it, the optimum may lie beyond" : "");
		const char *row[] = { a->paths[j], sim_result_table_number(v, r->x[j]), "", "", note };
		if (sim_result_table_add(t, row, err) != 0)
			return -1;
	}
	for (size_t m = 0; m < a->nmetrics; m++) {
		double mean, l, h;
		sim_analysis_mean_ci(extra + m * confirm, confirm, &mean, &l, &h);
		snprintf(note, sizeof note, "%s; %zu fresh replications", m == 0 ? "objective"
			 : "at the optimum", confirm);
		const char *row[] = { a->metrics[m], sim_result_table_number(v, mean),
				      sim_result_table_number(lo, l), sim_result_table_number(hi, h),
				      note };
		if (sim_result_table_add(t, row, err) != 0)
			return -1;
	}
	snprintf(note, sizeof note, "%s after %zu points", r->converged ? "converged"
		 : "budget spent (max_evaluations)", r->evaluations);
	const char *row[] = { "objective (search replications)", sim_result_table_number(v, r->value),
			      "", "", note };
	return sim_result_table_add(t, row, err);
}

/* optimize_path.csv: every point evaluated, in order. */
static int path_table(const sim_analysis *a, const sim_opt_result *r, sim_result_table *t,
		      sim_error *err)
{
	const char **cols = calloc(a->dim + 3, sizeof *cols);
	if (!cols)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	cols[0] = "step";
	cols[1] = "phase";
	for (size_t j = 0; j < a->dim; j++)
		cols[2 + j] = a->paths[j];
	cols[2 + a->dim] = "objective";
	int rc = sim_result_table_init(t, "optimize_path.csv", "Search path", a->dim + 3, cols, err);
	char (*buf)[32] = calloc(a->dim + 2, sizeof *buf);
	for (size_t i = 0; rc == 0 && i < r->nsteps; i++) {
		if (!buf) {
			rc = sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
			break;
		}
		snprintf(buf[0], 32, "%zu", i);
		cols[0] = buf[0];
		cols[1] = phase_names[r->steps[i].phase];
		for (size_t j = 0; j < a->dim; j++)
			cols[2 + j] = sim_result_table_number(buf[1 + j], r->steps[i].x[j]);
		cols[2 + a->dim] = sim_result_table_number(buf[1 + a->dim], r->steps[i].value);
		rc = sim_result_table_add(t, cols, err);
	}
	free(buf);
	free(cols);
	return rc;
}

/* The profile's points along setting j: k values spread over a fifth of
   the range on each side of the optimum, within the bounds, the one
   nearest the optimum replaced by the optimum itself (so the chart marks
   the very point the search found, whatever the bounds cut off). */
static void profile_points(const sim_analysis *a, const double *opt, size_t j, size_t k,
			   double *x)
{
	const sim_bounds *b = &a->bounds[j];
	double w = PROFILE_HALF_WIDTH * (b->hi - b->lo);
	double lo = fmax(b->lo, opt[j] - w), hi = fmin(b->hi, opt[j] + w);
	size_t nearest = 0;
	for (size_t i = 0; i < k; i++) {
		memcpy(x + i * a->dim, opt, a->dim * sizeof *x);
		x[i * a->dim + j] = k > 1 ? lo + (hi - lo) * (double)i / (double)(k - 1) : opt[j];
		if (fabs(x[i * a->dim + j] - opt[j]) < fabs(x[nearest * a->dim + j] - opt[j]))
			nearest = i;
	}
	x[nearest * a->dim + j] = opt[j];
}

/* optimize_profile.csv: the objective's mean and 95% CI along each
   setting through the optimum, on the search's replications. */
/* A profile point better than the search's optimum, on the same
   replications (so the comparison is exact, not noise): the objective is
   flat or has several peaks there, and the search settled on one. */
typedef struct better_point {
	bool found;
	size_t setting;
	double x, value;
} better_point;

static void note_better(better_point *b, size_t j, double x, double value, double best,
			bool maximize)
{
	bool beats = maximize ? value > best : value < best;
	bool more = !b->found || (maximize ? value > b->value : value < b->value);
	if (beats && more)
		*b = (better_point){ true, j, x, value };
}

static int profile_table(sim_analysis *a, const sim_opt_result *r, size_t k, bool maximize,
			 better_point *better, sim_result_table *t, sim_error *err)
{
	static const char *const cols[] = { "setting", "value", "objective", "lo95", "hi95",
					    "optimum" };
	if (sim_result_table_init(t, "optimize_profile.csv", "Objective around the optimum", 6,
				  cols, err) != 0)
		return -1;
	size_t R = a->replications, M = a->nmetrics;
	double *x = malloc(k * a->dim * sizeof *x), *y = malloc(k * M * R * sizeof *y);
	int rc = x && y ? 0 : sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	for (size_t j = 0; rc == 0 && j < a->dim; j++) {
		profile_points(a, r->x, j, k, x);
		rc = a->ev.evaluate(a->ev.ctx, k, x, 0, R, y, err);
		for (size_t i = 0; rc == 0 && i < k; i++) {
			double mean, lo, hi;
			char b[4][32];
			sim_analysis_mean_ci(y + i * M * R, R, &mean, &lo, &hi);
			note_better(better, j, x[i * a->dim + j], mean, r->value, maximize);
			const char *row[] = { a->paths[j],
					      sim_result_table_number(b[0], x[i * a->dim + j]),
					      sim_result_table_number(b[1], mean),
					      sim_result_table_number(b[2], lo),
					      sim_result_table_number(b[3], hi),
					      x[i * a->dim + j] == r->x[j] ? "1" : "0" };
			rc = sim_result_table_add(t, row, err);
		}
	}
	free(x);
	free(y);
	return rc;
}

/* optimum.csv's last row when the profile beat the search. */
static int better_row(const sim_analysis *a, const better_point *b, sim_result_table *t,
		      sim_error *err)
{
	char v[32], note[400];
	snprintf(note, sizeof note, "a profile point beats the search's optimum at %s = %.6g: "
		 "the objective is flat or has several peaks", a->paths[b->setting], b->x);
	const char *row[] = { "objective (best profile point)", sim_result_table_number(v, b->value),
			      "", "", note };
	return sim_result_table_add(t, row, err);
}

/* Every metric at the optimum on the fresh replications (stored by the
   search's confirmation: read back, not run again). */
static int at_optimum(sim_analysis *a, const sim_opt_result *r, size_t confirm, double *y,
		      sim_error *err)
{
	return a->ev.evaluate(a->ev.ctx, 1, r->x, a->replications, confirm, y, err);
}

static void say_result(const sim_analysis *a, const sim_opt_result *r, bool maximize,
		       const better_point *better)
{
	if (a->opt->quiet)
		return;
	printf("%s: %s of %s = %.6g [%.6g, %.6g] (95%% CI, fresh replications) at", a->name,
	       maximize ? "maximum" : "minimum", a->metrics[0], r->confirm_mean, r->confirm_lo,
	       r->confirm_hi);
	for (size_t j = 0; j < a->dim; j++)
		printf("%s %s = %.6g", j ? "," : "", a->paths[j], r->x[j]);
	printf("; %zu points evaluated%s; results in %s/ (optimum.csv, report.html)\n",
	       r->evaluations, r->converged ? "" : " (budget spent)", a->dir);
	for (size_t j = 0; j < a->dim; j++)
		if (r->on_bound[j])
			fprintf(stderr, "marketsim: warning: the optimum of %s is on a bound of %s "
				"([%g, %g]): the best value may lie beyond it\n", a->name,
				a->paths[j], a->bounds[j].lo, a->bounds[j].hi);
	if (better->found)
		fprintf(stderr, "marketsim: warning: %s: the profile found %s = %.6g at %s = %.6g, "
			"%s than the search's optimum (%.6g) on the same replications: the "
			"objective is flat or has several peaks there (optimize_profile.csv)\n",
			a->name, a->metrics[0], better->value, a->paths[better->setting], better->x,
			maximize ? "higher" : "lower", r->value);
}

/* The search, then the tables and outputs. */
static int optimize(sim_analysis *a, sim_error *err)
{
	const sim_optimize_params *op = &sim_experiment_settings(a->x)->optimize;
	size_t confirm = op->confirm > 0 ? (size_t)op->confirm : a->replications;
	sim_opt_problem p = {
		.ev = &a->ev, .bounds = a->bounds, .metric = 0, .maximize = op->goal == 0,
		.replications = a->replications, .confirm = confirm, .grid = (size_t)op->grid,
		.max_evaluations = (size_t)op->max_evaluations, .tolerance = op->tolerance,
	};
	sim_opt_result r = { 0 };
	sim_result_table t[3] = { 0 };
	double *y = malloc(a->nmetrics * confirm * sizeof *y);
	int rc = y ? sim_optimize(&p, &r, err)
		   : sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	if (rc == 0)
		rc = at_optimum(a, &r, confirm, y, err);
	if (rc == 0)
		rc = optimum_table(a, &r, y, confirm, &t[0], err) == 0 &&
				     path_table(a, &r, &t[1], err) == 0 ? 0 : -1;
	size_t n = 2;
	better_point better = { 0 };
	if (rc == 0 && op->profile > 0) {
		rc = profile_table(a, &r, (size_t)op->profile, p.maximize, &better, &t[2], err);
		n = 3;
	}
	if (rc == 0 && better.found)
		rc = better_row(a, &better, &t[0], err);
	if (rc == 0)
		rc = sim_analysis_finish(a, t, n, err);
	if (rc == 0)
		say_result(a, &r, p.maximize, &better);
	for (size_t k = 0; k < 3; k++)
		sim_result_table_free(&t[k]);
	if (rc != SIM_EVAL_STOPPED)
		sim_opt_result_free(&r);
	free(y);
	return rc == SIM_EVAL_STOPPED ? 0 : rc;
}

/* The objective, then the further metrics, as the metrics read. */
static int prepare(sim_analysis *a, void *ctx, sim_error *err)
{
	(void)ctx;
	const sim_optimize_params *op = &sim_experiment_settings(a->x)->optimize;
	if (!op->objective[0])
		return sim_config_error_at(sim_experiment_config(a->x), "optimize.objective", err,
					   "expected the metric to optimise, \"metric:subject\"");
	char list[2048];
	snprintf(list, sizeof list, "%s%s%s", op->objective, op->metrics[0] ? "," : "",
		 op->metrics);
	return sim_analysis_set_metrics(a, list, "optimize.objective", err);
}

static int run(sim_analysis *a, void *ctx, sim_error *err)
{
	(void)ctx;
	return optimize(a, err);
}

int sim_optimize_experiment(const sim_model_type *const *registry, const sim_run_options *opt,
			    const sim_exec_options *how, sim_exec_report *report,
			    sim_error *err)
{
	static const sim_analysis_steps steps = { prepare, run };
	return sim_analysis_main(registry, opt, how, "optimize", "optimize.parameters", &steps,
				 NULL, report, err);
}
