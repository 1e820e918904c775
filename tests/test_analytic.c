/*
 * test_analytic.c - the analytic model against its closed forms.
 *
 * First the closed forms alone (models/analytic/closed_forms.c): the
 * monopoly optimum and the duopoly's Nash price satisfy their first-order
 * conditions and are maxima, and the Ishigami indices are the published
 * ones. Then the model run through the runner on the committed experiments
 * (experiments/analytic/, with the analysis groups left out: `run` does
 * not read them), under the same seed at every price: revenue at p* is the
 * closed form times the market size, and within sampling error of it times
 * the mean customer count; p* beats p* +- 0.1 in every replication; the
 * duopoly's shares are the logit formula and neither firm gains by moving
 * alone from the Nash price; Ishigami's Y is exact. Must run from the
 * repository root after `make`.
 */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "analytic/analytic.h"
#include "run/run.h"

#define OUT "build/test-analytic"
#define MONOPOLY "experiments/analytic/monopoly.cfg"
#define DUOPOLY "experiments/analytic/duopoly.cfg"
#define ISHIGAMI "experiments/analytic/ishigami.cfg"

static const sim_model_type *const registry[] = { &analytic_model, NULL };

/* ---- the closed forms ---------------------------------------------------- */

static double monopoly_profit(double a, double alpha, double c, double p)
{
	double s;
	analytic_logit_shares(a, alpha, &p, 1, &s);
	return (p - c) * s;
}

static void test_monopoly_optimum(void **state)
{
	(void)state;
	assert_double_near(analytic_monopoly_optimum(2, 1, 0), 2.0, 1e-14);
	static const double cases[][3] = { { 2, 1, 0 }, { 3, 0.5, 1 }, { -1, 2, 0.2 } };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double a = cases[i][0], alpha = cases[i][1], c = cases[i][2];
		double p = analytic_monopoly_optimum(a, alpha, c), s;
		analytic_logit_shares(a, alpha, &p, 1, &s);
		assert_double_near(alpha * (p - c) * (1 - s), 1.0, 1e-12);
		double best = monopoly_profit(a, alpha, c, p);
		assert_true(best > monopoly_profit(a, alpha, c, p - 1e-3));
		assert_true(best > monopoly_profit(a, alpha, c, p + 1e-3));
	}
}

static void test_duopoly_nash(void **state)
{
	(void)state;
	assert_double_near(analytic_duopoly_nash(2, 1, 0.5), 2.0, 1e-14);
	static const double cases[][3] = { { 2, 1, 0.5 }, { 1, 2, 0.3 }, { 4, 0.5, 0 } };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double a = cases[i][0], alpha = cases[i][1], c = cases[i][2];
		double p = analytic_duopoly_nash(a, alpha, c), prices[2] = { p, p }, s[2];
		analytic_logit_shares(a, alpha, prices, 2, s);
		assert_double_near(p - c, 1 / (alpha * (1 - s[0])), 1e-12);
		/* a fixed point of the best responses */
		assert_double_near(analytic_best_response(a, alpha, c, p), p, 1e-12);
	}
}

static void test_ishigami_closed_forms(void **state)
{
	(void)state;
	assert_double_near(analytic_ishigami(0, 0, 0, 7, 0.1), 0.0, 1e-15);
	assert_double_near(analytic_ishigami(M_PI / 2, M_PI / 2, M_PI, 7, 0.1),
			   8 + 0.1 * pow(M_PI, 4), 1e-12);
	analytic_sobol s;
	analytic_ishigami_indices(7, 0.1, &s);
	/* Saltelli et al. 2008 */
	assert_double_near(s.variance, 13.8446, 1e-4);
	assert_double_near(s.first[0], 0.3139, 1e-4);
	assert_double_near(s.first[1], 0.4424, 1e-4);
	assert_double_near(s.first[2], 0.0, 0);
	assert_double_near(s.total[0], 0.5576, 1e-4);
	assert_double_near(s.total[1], 0.4424, 1e-4);
	assert_double_near(s.total[2], 0.2437, 1e-4);
	/* the only interaction is x1-x3: first orders and V13 make up V */
	assert_double_near(s.first[0] + s.first[1] + s.total[2], 1.0, 1e-12);
}

/* ---- running the model --------------------------------------------------- */

/* Copies an experiment file without its analysis groups (optimize = { ...
   }; and the like, each ending at a "};" in column 0), which `run` does
   not read. */
static void strip_analysis(const char *from, const char *to)
{
	static const char *const groups[] = { "optimize", "calibrate", "sensitivity",
					      "equilibrium" };
	FILE *in = fopen(from, "r"), *out = fopen(to, "w");
	assert_non_null(in);
	assert_non_null(out);
	char line[1024];
	bool skipping = false;
	while (fgets(line, sizeof line, in)) {
		for (size_t g = 0; g < sizeof groups / sizeof groups[0] && !skipping; g++) {
			size_t n = strlen(groups[g]);
			skipping = strncmp(line, groups[g], n) == 0 && line[n] == ' ';
		}
		if (!skipping)
			fputs(line, out);
		else if (strncmp(line, "};", 2) == 0)
			skipping = false;
	}
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

/* Runs the experiment (less its analysis groups) with the overrides, into
   a fresh folder, and returns its tables (the caller frees them). */
static sim_table_set *run_model(const char *config, const char *const *sets, size_t n)
{
	static int runs;
	char copy[256], dir[256];
	snprintf(copy, sizeof copy, OUT "/run%d.cfg", runs);
	snprintf(dir, sizeof dir, OUT "/run%d", runs++);
	strip_analysis(config, copy);
	sim_run_options opt = {
		.config_path = copy, .overrides = sets, .override_count = n,
		.out_dir = dir, .quiet = true, .no_plots = true, .keep_tables = true,
		.check = true,
	};
	sim_run_report rep = { 0 };
	sim_error err;
	sim_error_clear(&err);
	if (sim_run_experiment(registry, &opt, &rep, &err) != 0) {
		char buf[2048];
		sim_error_format(&err, buf, sizeof buf);
		fail_msg("run of %s failed: %s", config, buf);
	}
	assert_non_null(rep.tables);
	return rep.tables;
}

/* summary.csv's metric:subject in replication rep. */
static double metric(const sim_table_set *tables, const char *name, const char *subject,
		     size_t rep)
{
	const sim_table *t = sim_table_find(tables, "summary.csv");
	assert_non_null(t);
	long row = sim_table_find_row(t, name, subject);
	if (row < 0)
		fail_msg("no summary row %s:%s", name, subject);
	return sim_table_value(t, rep, (size_t)row, 0);
}

static size_t replications(const sim_table_set *tables)
{
	return sim_table_replications(sim_table_find(tables, "summary.csv"));
}

static double mean_metric(const sim_table_set *tables, const char *name,
			  const char *subject)
{
	size_t reps = replications(tables);
	double sum = 0;
	for (size_t r = 0; r < reps; r++)
		sum += metric(tables, name, subject, r);
	return sum / (double)reps;
}

static sim_table_set *run_monopoly_at(double price)
{
	char set[64];
	snprintf(set, sizeof set, "analytic.price_a=%.17g", price);
	const char *sets[] = { set };
	return run_model(MONOPOLY, sets, 1);
}

/* At p* = 2 the share is 1/2 and p s = 1: revenue is the market size in
   each replication, and 10,000 (the mean customer count x mean weight 1)
   on average, within 4 standard errors: a compound Poisson sum of 10,000
   weights of mean 1 and sd 0.5 has variance 10,000 x 1.25 per
   replication. */
static void test_monopoly_revenue_at_optimum(void **state)
{
	(void)state;
	double p = analytic_monopoly_optimum(2, 1, 0), s;
	analytic_logit_shares(2, 1, &p, 1, &s);
	sim_table_set *t = run_monopoly_at(p);
	size_t reps = replications(t);
	assert_int_equal(reps, 10);
	for (size_t r = 0; r < reps; r++) {
		double size = metric(t, "market_size", "all", r);
		assert_double_near(metric(t, "revenue", "firm_a", r), size * p * s, 1e-9 * size);
		assert_double_near(metric(t, "share", "firm_a", r), 0.5, 1e-12);
		assert_double_near(metric(t, "profit", "firm_a", r),
				   metric(t, "revenue", "firm_a", r), 0);
	}
	double se = sqrt(10000 * 1.25 / (double)reps) * p * s;
	assert_double_near(mean_metric(t, "revenue", "firm_a"), 10000 * p * s, 4 * se);
	assert_double_near(mean_metric(t, "customers", "all"), 10000,
			   4 * sqrt(10000 / (double)reps));
	sim_table_set_free(t);
}

/* Under common random numbers each replication's revenue is M p s(p) with
   the same M at every price: p* beats its neighbours in every one. */
static void test_monopoly_maximised_at_optimum(void **state)
{
	(void)state;
	double p = analytic_monopoly_optimum(2, 1, 0);
	sim_table_set *lo = run_monopoly_at(p - 0.1), *mid = run_monopoly_at(p),
		      *hi = run_monopoly_at(p + 0.1);
	for (size_t r = 0; r < replications(mid); r++) {
		double best = metric(mid, "revenue", "firm_a", r);
		assert_true(best > metric(lo, "revenue", "firm_a", r));
		assert_true(best > metric(hi, "revenue", "firm_a", r));
		assert_double_near(metric(lo, "customers", "all", r),
				   metric(mid, "customers", "all", r), 0);
	}
	sim_table_set_free(lo);
	sim_table_set_free(mid);
	sim_table_set_free(hi);
}

/* With a cost the profit peaks at c + (1 + W(e^{a - alpha c - 1})) / alpha. */
static void test_monopoly_with_cost(void **state)
{
	(void)state;
	double c = 1, p = analytic_monopoly_optimum(2, 1, c);
	double prices[3] = { p - 0.05, p, p + 0.05 }, profit[3];
	for (int i = 0; i < 3; i++) {
		char price[64];
		snprintf(price, sizeof price, "analytic.price_a=%.17g", prices[i]);
		const char *sets[] = { price, "analytic.cost=1", "replications=3" };
		sim_table_set *t = run_model(MONOPOLY, sets, 3);
		profit[i] = metric(t, "profit", "firm_a", 0);
		assert_double_near(profit[i] / metric(t, "market_size", "all", 0),
				   monopoly_profit(2, 1, c, prices[i]), 1e-12);
		sim_table_set_free(t);
	}
	assert_true(profit[1] > profit[0] && profit[1] > profit[2]);
}

static sim_table_set *run_duopoly_at(double pa, double pb)
{
	char a[64], b[64];
	snprintf(a, sizeof a, "analytic.price_a=%.17g", pa);
	snprintf(b, sizeof b, "analytic.price_b=%.17g", pb);
	const char *sets[] = { a, b, "replications=4" };
	return run_model(DUOPOLY, sets, 3);
}

/* Shares are s_i = e^{a - alpha p_i} / (1 + sum_k e^{a - alpha p_k}), at
   the starting prices (1, 3) and at the Nash point (2, 2), where both are
   1/3. */
static void test_duopoly_shares(void **state)
{
	(void)state;
	static const double points[][2] = { { 1, 3 }, { 2, 2 }, { 0.5, 4.5 } };
	for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
		double s[2];
		analytic_logit_shares(2, 1, points[i], 2, s);
		sim_table_set *t = run_duopoly_at(points[i][0], points[i][1]);
		for (size_t r = 0; r < replications(t); r++) {
			assert_double_near(metric(t, "share", "firm_a", r), s[0], 1e-12);
			assert_double_near(metric(t, "share", "firm_b", r), s[1], 1e-12);
		}
		sim_table_set_free(t);
	}
	double s[2], nash[2] = { 2, 2 };
	analytic_logit_shares(2, 1, nash, 2, s);
	assert_double_near(s[0], 1.0 / 3, 1e-15);
}

/* At (2, 2) neither firm gains by moving its price alone by 0.1 either
   way, in any replication. */
static void test_duopoly_nash_point(void **state)
{
	(void)state;
	double p = analytic_duopoly_nash(2, 1, 0.5);
	sim_table_set *at = run_duopoly_at(p, p);
	sim_table_set *moves[4] = { run_duopoly_at(p - 0.1, p), run_duopoly_at(p + 0.1, p),
				    run_duopoly_at(p, p - 0.1), run_duopoly_at(p, p + 0.1) };
	for (size_t r = 0; r < replications(at); r++) {
		double pa = metric(at, "profit", "firm_a", r), pb = metric(at, "profit", "firm_b", r);
		assert_double_near(pa / metric(at, "market_size", "all", r), 0.5, 1e-12);
		assert_true(pa > metric(moves[0], "profit", "firm_a", r));
		assert_true(pa > metric(moves[1], "profit", "firm_a", r));
		assert_true(pb > metric(moves[2], "profit", "firm_b", r));
		assert_true(pb > metric(moves[3], "profit", "firm_b", r));
	}
	for (int i = 0; i < 4; i++)
		sim_table_set_free(moves[i]);
	sim_table_set_free(at);
}

/* Y at a few points, exact, and the same in every replication. */
static void test_ishigami_run(void **state)
{
	(void)state;
	static const double points[][3] = {
		{ 0, 0, 0 }, { 1, 2, 3 }, { -1, 0.5, -2 }, { M_PI, -M_PI, M_PI }, { 0.3, -2.9, 1.7 },
	};
	for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
		char x[3][64];
		for (int j = 0; j < 3; j++)
			snprintf(x[j], sizeof x[j], "analytic.x%d=%.17g", j + 1, points[i][j]);
		const char *sets[] = { x[0], x[1], x[2], "replications=3" };
		sim_table_set *t = run_model(ISHIGAMI, sets, 4);
		double y = analytic_ishigami(points[i][0], points[i][1], points[i][2], 7, 0.1);
		assert_int_equal(replications(t), 3);
		for (size_t r = 0; r < 3; r++)
			assert_double_near(metric(t, "y", "ishigami", r), y, 0);
		sim_table_set_free(t);
	}
}

static int setup(void **state)
{
	(void)state;
	return system("rm -rf " OUT " && mkdir -p " OUT) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return system("rm -rf " OUT) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_monopoly_optimum),
		cmocka_unit_test(test_duopoly_nash),
		cmocka_unit_test(test_ishigami_closed_forms),
		cmocka_unit_test(test_monopoly_revenue_at_optimum),
		cmocka_unit_test(test_monopoly_maximised_at_optimum),
		cmocka_unit_test(test_monopoly_with_cost),
		cmocka_unit_test(test_duopoly_shares),
		cmocka_unit_test(test_duopoly_nash_point),
		cmocka_unit_test(test_ishigami_run),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
