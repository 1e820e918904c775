/* sensitivity_cmd.c - `marketsim sensitivity` (see sensitivity_cmd.h):
   Morris screening and Sobol indices of the `sensitivity` group's
   metrics to its settings, as result tables and charts. */
#include "sensitivity_cmd.h"
#include "analysis.h"
#include "morris.h"
#include "sobol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { METHOD_BOTH, METHOD_MORRIS, METHOD_SOBOL };

/* The rank (1 = largest) of v[j] among v[0, n). */
static size_t rank_of(const double *v, size_t n, size_t j)
{
	size_t r = 1;
	for (size_t k = 0; k < n; k++)
		r += v[k] > v[j] || (v[k] == v[j] && k < j);
	return r;
}

/* sensitivity_morris.csv: per metric and setting, mu, mu*, its CI,
   sigma and mu*'s rank. */
static int morris_table(const sim_analysis *a, const sim_morris_result *r, sim_result_table *t,
			sim_error *err)
{
	static const char *const cols[] = { "metric_index", "metric", "setting_index", "setting",
					    "mu", "mu_star", "mu_star_lo95", "mu_star_hi95",
					    "sigma", "rank" };
	if (sim_result_table_init(t, "sensitivity_morris.csv",
				  "Morris elementary effects (per whole range of each setting)", 10,
				  cols, err) != 0)
		return -1;
	for (size_t m = 0; m < r->metrics; m++)
		for (size_t j = 0; j < r->dim; j++) {
			size_t k = m * r->dim + j;
			char b[8][32];
			snprintf(b[0], 32, "%zu", m);
			snprintf(b[1], 32, "%zu", j);
			snprintf(b[7], 32, "%zu", rank_of(r->mu_star + m * r->dim, r->dim, j));
			const char *row[] = { b[0], a->metrics[m], b[1], a->paths[j],
					      sim_result_table_number(b[2], r->mu[k]),
					      sim_result_table_number(b[3], r->mu_star[k]),
					      sim_result_table_number(b[4], r->mu_star_lo[k]),
					      sim_result_table_number(b[5], r->mu_star_hi[k]),
					      sim_result_table_number(b[6], r->sigma[k]), b[7] };
			if (sim_result_table_add(t, row, err) != 0)
				return -1;
		}
	return 0;
}

/* sensitivity_sobol.csv: per metric and setting, S_i and ST_i with
   their CIs and the rank by ST_i. */
static int sobol_table(const sim_analysis *a, const sim_sobol_result *r, sim_result_table *t,
		       sim_error *err)
{
	static const char *const cols[] = { "metric_index", "metric", "setting_index", "setting",
					    "first", "first_lo95", "first_hi95", "total",
					    "total_lo95", "total_hi95", "rank" };
	if (sim_result_table_init(t, "sensitivity_sobol.csv",
				  "Sobol indices: first order S and total ST (share of variance)", 11,
				  cols, err) != 0)
		return -1;
	for (size_t m = 0; m < r->metrics; m++)
		for (size_t j = 0; j < r->dim; j++) {
			size_t k = m * r->dim + j;
			char b[9][32];
			snprintf(b[0], 32, "%zu", m);
			snprintf(b[1], 32, "%zu", j);
			snprintf(b[8], 32, "%zu", rank_of(r->total + m * r->dim, r->dim, j));
			const char *row[] = { b[0], a->metrics[m], b[1], a->paths[j],
					      sim_result_table_number(b[2], r->first[k]),
					      sim_result_table_number(b[3], r->first_lo[k]),
					      sim_result_table_number(b[4], r->first_hi[k]),
					      sim_result_table_number(b[5], r->total[k]),
					      sim_result_table_number(b[6], r->total_lo[k]),
					      sim_result_table_number(b[7], r->total_hi[k]), b[8] };
			if (sim_result_table_add(t, row, err) != 0)
				return -1;
		}
	return 0;
}

/* sensitivity_metrics.csv: each metric's mean and variance over the
   Sobol sample (what the indices are shares of). */
static int moments_table(const sim_analysis *a, const sim_sobol_result *r, sim_result_table *t,
			 sim_error *err)
{
	static const char *const cols[] = { "metric", "mean", "variance" };
	if (sim_result_table_init(t, "sensitivity_metrics.csv",
				  "Each metric over the Sobol sample", 3, cols, err) != 0)
		return -1;
	for (size_t m = 0; m < r->metrics; m++) {
		char b[2][32];
		const char *row[] = { a->metrics[m], sim_result_table_number(b[0], r->mean[m]),
				      sim_result_table_number(b[1], r->variance[m]) };
		if (sim_result_table_add(t, row, err) != 0)
			return -1;
	}
	return 0;
}

static void say_result(const sim_analysis *a, const sim_sobol_result *s, bool sobol)
{
	if (a->opt->quiet)
		return;
	printf("%s: sensitivity of %zu metric%s to %zu settings", a->name, a->nmetrics,
	       a->nmetrics == 1 ? "" : "s", a->dim);
	for (size_t m = 0; sobol && m < a->nmetrics; m++) {
		size_t best = 0;
		for (size_t j = 1; j < a->dim; j++)
			if (s->total[m * a->dim + j] > s->total[m * a->dim + best])
				best = j;
		printf("; %s most sensitive to %s (ST = %.3g)", a->metrics[m], a->paths[best],
		       s->total[m * a->dim + best]);
	}
	printf("; results in %s/ (report.html)\n", a->dir);
}

/* Runs the methods asked for, then writes their tables. */
static int analyse(sim_analysis *a, sim_error *err)
{
	const sim_experiment_params *ep = sim_experiment_settings(a->x);
	const sim_sensitivity_params *sp = &ep->sensitivity;
	sim_morris_result mr = { 0 };
	sim_sobol_result sr = { 0 };
	sim_result_table t[3] = { 0 };
	size_t n = 0;
	bool morris = sp->method != METHOD_SOBOL, sobol = sp->method != METHOD_MORRIS;
	int rc = 0;
	if (morris) {
		sim_morris_problem p = { &a->ev, a->bounds, a->replications,
					 (size_t)sp->trajectories, (size_t)sp->levels,
					 (size_t)sp->bootstrap, (uint64_t)ep->seed };
		rc = sim_morris(&p, &mr, err);
		if (rc == 0)
			rc = morris_table(a, &mr, &t[n++], err);
	}
	if (rc == 0 && sobol) {
		sim_sobol_problem p = { &a->ev, a->bounds, a->replications, (size_t)sp->samples,
					(size_t)sp->bootstrap, (uint64_t)ep->seed };
		rc = sim_sobol(&p, &sr, err);
		if (rc == 0)
			rc = sobol_table(a, &sr, &t[n++], err) == 0 &&
					     moments_table(a, &sr, &t[n++], err) == 0 ? 0 : -1;
	}
	if (rc == 0)
		rc = sim_analysis_finish(a, t, n, err);
	if (rc == 0)
		say_result(a, &sr, sobol);
	for (size_t k = 0; k < 3; k++)
		sim_result_table_free(&t[k]);
	sim_morris_result_free(&mr);
	sim_sobol_result_free(&sr);
	return rc == SIM_EVAL_STOPPED ? 0 : rc;
}

static int prepare(sim_analysis *a, void *ctx, sim_error *err)
{
	(void)ctx;
	return sim_analysis_set_metrics(a, sim_experiment_settings(a->x)->sensitivity.metrics,
					"sensitivity.metrics", err);
}

static int run(sim_analysis *a, void *ctx, sim_error *err)
{
	(void)ctx;
	return analyse(a, err);
}

int sim_sensitivity_experiment(const sim_model_type *const *registry,
			       const sim_run_options *opt, const sim_exec_options *how,
			       sim_exec_report *report, sim_error *err)
{
	static const sim_analysis_steps steps = { prepare, run };
	return sim_analysis_main(registry, opt, how, "sensitivity", "sensitivity.parameters",
				 &steps, NULL, report, err);
}
