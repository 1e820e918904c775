/*
 * test_uncertainty.c - parameter uncertainty (`uncertainty = true`): each
 * replication draws the `fitted` settings from N(value, D C D) on its own
 * stream of (seed, replication). What it checks, and why:
 *   - over 20000 replications of tests/data/uncertainty.cfg (alpha 1 +-
 *     0.1, quality 2 +- 0.3, correlation 0.6) the draws' means, sds and
 *     correlation match within a few of their standard errors: the
 *     Cholesky factor and the scaling are right, not only "random";
 *   - a draw is a pure function of (seed, replication): drawn twice, or
 *     in another order, the same bits;
 *   - a setting whose range cuts the distribution is redrawn, then
 *     clamped, and every value ends inside the range, counted;
 *   - -j 1 and -j 2 write the same parameter_draws.csv and summary.csv
 *     (the draws reach forked workers), the summary adds _p025/_p975 and
 *     the draws' band is wider than the CI of the mean; uncertainty off
 *     writes neither, and the fitted values apply as fixed settings;
 *   - a run whose replication failed (MARKETSIM_FAULT), resumed, ends
 *     with the draws and band of one that ran straight through;
 *   - a --set of a fitted path wins (that path not drawn);
 *   - bad input (a correlation not positive definite, of the wrong
 *     length, a path that is no setting) exits 2 with file:line and the
 *     reason, and leaves no output folder;
 *   - an `assumed` setting (tests/data/uncertainty_assumed.cfg: quality
 *     2.5 +- 0.3 beside fitted alpha 1 +- 0.1) is drawn with its value
 *     as mean and its se as sd, uncorrelated with the fitted draw, which
 *     stays the draw it would be without the assumed list; the run
 *     records it (parameter_draws.csv, the report's list column); a path
 *     in both lists is a config error at assumed.[0].path; a --set of
 *     the assumed path pins it; uncertainty off applies its value.
 */
#include "test_csv.h"
#include "test_run.h"

#include <math.h>
#include <stdio.h>

#include "analytic/analytic.h"
#include "run/experiment.h"

#define OUT "build/test-uncertainty"
#define CFG "tests/data/uncertainty.cfg"

static const sim_model_type *const registry[] = { &analytic_model, NULL };

/* Loads path with the overrides (may be none); fails the test when not. */
static sim_experiment *load(const char *path, const char *const *set, size_t n)
{
	sim_run_options opt = { .config_path = path, .overrides = set, .override_count = n };
	sim_error err;
	sim_error_clear(&err);
	sim_experiment *x = sim_experiment_load(registry, &opt, NULL, 0, &err);
	if (!x)
		fail_msg("%s: %s", path, err.message);
	return x;
}

/* Means, sds and correlation of two drawn settings over N draws. */
typedef struct moments {
	double n, s[2], ss[2], sxy;
} moments;

static void moments_add(moments *a, const double v[2])
{
	a->n++;
	for (int j = 0; j < 2; j++) {
		a->s[j] += v[j];
		a->ss[j] += v[j] * v[j];
	}
	a->sxy += v[0] * v[1];
}

/* Into m and sd (2 each); returns the correlation. */
static double moments_end(const moments *a, double m[2], double sd[2])
{
	for (int j = 0; j < 2; j++) {
		m[j] = a->s[j] / a->n;
		sd[j] = sqrt((a->ss[j] - a->n * m[j] * m[j]) / (a->n - 1));
	}
	return (a->sxy - a->n * m[0] * m[1]) / ((a->n - 1) * sd[0] * sd[1]);
}

/* Ensure the draws have the means, sds and correlation asked for. */
static void test_moments(void **state)
{
	(void)state;
	sim_experiment *x = load(CFG, NULL, 0);
	const sim_draws *d = sim_experiment_draws(x);
	assert_non_null(d);
	assert_int_equal(d->k, 2);
	enum { N = 20000 };
	double v[2], m[2], sd[2];
	moments a = { 0 };
	sim_error err;
	for (uint64_t r = 0; r < N; r++) {
		assert_int_equal(sim_draws_draw(d, 7, r, v, NULL, &err), 0);
		moments_add(&a, v);
	}
	double corr = moments_end(&a, m, sd);
	/* Tolerances: about 4 standard errors of each estimate at N. */
	assert_true(fabs(m[0] - 1.0) < 4 * 0.1 / sqrt(N));
	assert_true(fabs(m[1] - 2.0) < 4 * 0.3 / sqrt(N));
	assert_true(fabs(sd[0] / 0.1 - 1) < 0.03);
	assert_true(fabs(sd[1] / 0.3 - 1) < 0.03);
	assert_true(fabs(corr - 0.6) < 0.02);
	sim_experiment_free(x);
}

/* Ensure a replication's draw depends on (seed, replication) only. */
static void test_reproducible(void **state)
{
	(void)state;
	sim_experiment *x = load(CFG, NULL, 0);
	const sim_draws *d = sim_experiment_draws(x);
	double a[2], b[2], c[2];
	sim_error err;
	assert_int_equal(sim_draws_draw(d, 7, 5, a, NULL, &err), 0);
	assert_int_equal(sim_draws_draw(d, 7, 900, c, NULL, &err), 0);
	assert_int_equal(sim_draws_draw(d, 7, 5, b, NULL, &err), 0);
	assert_memory_equal(a, b, sizeof a);
	assert_true(a[0] != c[0]);
	assert_int_equal(sim_draws_draw(d, 8, 5, c, NULL, &err), 0);
	assert_true(a[0] != c[0]);
	sim_experiment_free(x);
}

/* Writes an experiment drawing analytic.cost (range [0, 1000]) around
   value with sd se into path. */
static void write_cost(const char *path, double value, double se)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "model = \"analytic\";\nuncertainty = true;\nfitted = ( { path = "
		"\"analytic.cost\"; value = %.17g; se = %.17g; } );\n", value, se);
	assert_int_equal(fclose(f), 0);
}

/* Ensure values outside a setting's range are redrawn, then clamped. */
static void test_range(void **state)
{
	(void)state;
	assert_int_equal(system("mkdir -p " OUT), 0);
	write_cost(OUT "/cost_near.cfg", 0.05, 1.0);
	write_cost(OUT "/cost_wide.cfg", 0.0, 1e7);
	sim_experiment *near = load(OUT "/cost_near.cfg", NULL, 0);
	sim_experiment *wide = load(OUT "/cost_wide.cfg", NULL, 0);
	sim_draws_count cn = { 0, 0 }, cw = { 0, 0 };
	sim_error err;
	for (uint64_t r = 0; r < 200; r++) {
		double v;
		assert_int_equal(sim_draws_draw(sim_experiment_draws(near), 1, r, &v, &cn, &err), 0);
		assert_true(v >= 0 && v <= 1000);
		assert_int_equal(sim_draws_draw(sim_experiment_draws(wide), 1, r, &v, &cw, &err), 0);
		assert_true(v >= 0 && v <= 1000);
	}
	/* Half of N(0.05, 1) is below 0: about one redraw per draw, and
	   100 tries in a row fail with probability 2^-100. */
	assert_true(cn.redrawn > 100 && cn.clamped == 0);
	/* N(0, 1e7) falls in [0, 1000] once in 25000: nearly all clamped. */
	assert_true(cw.clamped > 190);
	sim_experiment_free(near);
	sim_experiment_free(wide);
}

/* Ensure -j 1 and -j 2 draw the same and write the same band. */
static void test_workers(void **state)
{
	(void)state;
	test_run_ok("run " CFG " -q --no-plots --force -j 1 -o " OUT "/j1");
	test_run_ok("run " CFG " -q --no-plots --force -j 2 -o " OUT "/j2");
	test_same_file(OUT "/j1/parameter_draws.csv", OUT "/j2/parameter_draws.csv");
	test_same_file(OUT "/j1/summary.csv", OUT "/j2/summary.csv");
	csv *draws = csv_load(OUT "/j1", "parameter_draws.csv");
	assert_int_equal(draws->rows, 2 * 20);
	csv_free(draws);
	csv *t = csv_load(OUT "/j1", "summary.csv");
	size_t lo = csv_col(t, "value_lo"), hi = csv_col(t, "value_hi");
	size_t p025 = csv_col(t, "value_p025"), p975 = csv_col(t, "value_p975");
	/* share:firm_a moves with alpha and quality: its band across
	   replications is wider than the CI of its mean. */
	size_t share = 2;
	assert_string_equal(t->cell[share][0], "share");
	assert_true(strtod(t->cell[share][p975], NULL) - strtod(t->cell[share][p025], NULL) >
		    strtod(t->cell[share][hi], NULL) - strtod(t->cell[share][lo], NULL));
	csv_free(t);
	char *report = test_read_file(OUT "/j1/report.html");
	assert_non_null(strstr(report, "95% band across replications: Monte Carlo noise + "
				       "parameter uncertainty"));
	free(report);
}

/* Ensure a run whose replication failed, resumed, ends with the same
   draws and band as one that ran straight through. */
static void test_resume(void **state)
{
	(void)state;
	assert_int_equal(system("rm -rf " OUT "/resumed"), 0);
	setenv("MARKETSIM_FAULT", "0:5:error", 1);
	test_result *r = test_run_hooks("run " CFG " -q --no-plots -o " OUT "/resumed");
	unsetenv("MARKETSIM_FAULT");
	assert_int_equal(r->status, 1);
	free(r);
	test_run_ok("run " CFG " -q --no-plots --resume -o " OUT "/resumed");
	test_run_ok("run " CFG " -q --no-plots --force -j 1 -o " OUT "/straight");
	test_same_file(OUT "/resumed/parameter_draws.csv", OUT "/straight/parameter_draws.csv");
	test_same_file(OUT "/resumed/summary.csv", OUT "/straight/summary.csv");
}

/* Ensure uncertainty off writes the outputs as before, the fitted values
   fixed, and that a --set of a fitted path wins over its draw. */
static void test_off_and_set(void **state)
{
	(void)state;
	test_run_ok("run " CFG " -q --no-plots --force --set uncertainty=false -o " OUT "/off");
	assert_false(test_exists(OUT "/off/parameter_draws.csv"));
	csv *t = csv_load(OUT "/off", "summary.csv");
	assert_true(t->cols == 6);
	/* alpha 1, quality 2, price 2: share exactly 1/2 in every replication. */
	assert_string_equal(t->cell[2][0], "share");
	assert_string_equal(t->cell[2][2], "0.5");
	csv_free(t);
	const char *set[] = { "analytic.alpha=1.5" };
	sim_experiment *x = load(CFG, set, 1);
	const sim_fitted *fit = sim_experiment_settings(x)->fitted.items;
	assert_true(fit[0].value == 1.5 && fit[0].se == 0);
	double v[2];
	sim_error err;
	for (uint64_t r = 0; r < 50; r++) {
		assert_int_equal(sim_draws_draw(sim_experiment_draws(x), 7, r, v, NULL, &err), 0);
		assert_true(v[0] == 1.5);
	}
	sim_experiment_free(x);
}

/* Runs a bad file: exit 2, the message's text, no output folder. */
static void expect_bad(const char *name, const char *line, const char *message)
{
	char args[512], dir[256];
	snprintf(dir, sizeof dir, OUT "/%s", name);
	snprintf(args, sizeof args, "run tests/data/%s.cfg -q --no-plots -o %s", name, dir);
	test_result *r = test_run(args);
	assert_int_equal(r->status, 2);
	test_expect_output(r, line);
	test_expect_output(r, message);
	assert_false(test_exists(dir));
	free(r);
}

/* Ensure bad fitted input fails before anything runs, saying where. */
static void test_bad_input(void **state)
{
	(void)state;
	expect_bad("uncertainty_not_pd", "uncertainty_not_pd.cfg:10: fitted_correlation",
		   "not positive definite");
	expect_bad("uncertainty_wrong_length", "uncertainty_wrong_length.cfg:8: "
		   "fitted_correlation", "expected 4 numbers");
	expect_bad("uncertainty_unknown_path", "uncertainty_unknown_path.cfg:6: fitted.[0]",
		   "did you mean 'alpha'");
}

#define ASSUMED "tests/data/uncertainty_assumed.cfg"

/* Ensure an assumed setting is drawn from N(value, se^2), independently
   of the fitted one, and leaves the fitted draw as it was. */
static void test_assumed_moments(void **state)
{
	(void)state;
	assert_int_equal(system("mkdir -p " OUT), 0);
	FILE *f = fopen(OUT "/fitted_only.cfg", "w");
	assert_non_null(f);
	fputs("model = \"analytic\";\nuncertainty = true;\nfitted = ( { path = "
	      "\"analytic.alpha\"; value = 1.0; se = 0.1; } );\n", f);
	assert_int_equal(fclose(f), 0);
	sim_experiment *x = load(ASSUMED, NULL, 0);
	sim_experiment *alone = load(OUT "/fitted_only.cfg", NULL, 0);
	const sim_draws *d = sim_experiment_draws(x);
	assert_non_null(d);
	assert_int_equal(d->k, 2);
	assert_int_equal(d->fitted_k, 1);
	assert_string_equal(sim_draws_list(d, 0), "fitted");
	assert_string_equal(sim_draws_list(d, 1), "assumed");
	assert_string_equal(d->entries[1].path, "analytic.quality");
	enum { N = 20000 };
	double v[2], w, m[2], sd[2];
	moments a = { 0 };
	sim_error err;
	for (uint64_t r = 0; r < N; r++) {
		assert_int_equal(sim_draws_draw(d, 7, r, v, NULL, &err), 0);
		assert_int_equal(sim_draws_draw(sim_experiment_draws(alone), 7, r, &w, NULL, &err),
				 0);
		assert_true(v[0] == w);
		moments_add(&a, v);
	}
	double corr = moments_end(&a, m, sd);
	/* About 4 standard errors of each estimate at N (a correlation's
	   is 1/sqrt(N) near 0). */
	assert_true(fabs(m[1] - 2.5) < 4 * 0.3 / sqrt(N));
	assert_true(fabs(sd[1] / 0.3 - 1) < 0.03);
	assert_true(fabs(corr) < 4 / sqrt(N));
	sim_experiment_free(alone);
	sim_experiment_free(x);
}

/* Ensure a run records the assumed draws beside the fitted ones and the
   report says which list each came from and that bands include both. */
static void test_assumed_run(void **state)
{
	(void)state;
	test_run_ok("run " ASSUMED " -q --no-plots --force -o " OUT "/assumed");
	csv *draws = csv_load(OUT "/assumed", "parameter_draws.csv");
	assert_int_equal(draws->rows, 2 * 20);
	size_t path = csv_col(draws, "path");
	size_t quality = 0;
	for (size_t i = 0; i < draws->rows; i++)
		quality += strcmp(draws->cell[i][path], "analytic.quality") == 0;
	assert_int_equal(quality, 20);
	csv_free(draws);
	char *report = test_read_file(OUT "/assumed/report.html");
	assert_non_null(strstr(report, "<code>analytic.quality</code></td><td>assumed</td>"));
	assert_non_null(strstr(report, "<code>analytic.alpha</code></td><td>fitted</td>"));
	assert_non_null(strstr(report, "fitted and assumed settings"));
	free(report);
}

/* Ensure a path both fitted and assumed is refused at the assumed entry. */
static void test_assumed_twice(void **state)
{
	(void)state;
	expect_bad("uncertainty_assumed_twice", "uncertainty_assumed_twice.cfg:7: "
		   "assumed.[0].path", "is also in `fitted`");
}

/* Ensure a --set of an assumed path pins it (se 0, not drawn), the fitted
   setting still drawn. */
static void test_assumed_set(void **state)
{
	(void)state;
	const char *set[] = { "analytic.quality=3" };
	sim_experiment *x = load(ASSUMED, set, 1);
	const sim_fitted *a = sim_experiment_settings(x)->assumed.items;
	assert_true(a[0].value == 3 && a[0].se == 0);
	double v[2], first = NAN;
	bool moved = false;
	sim_error err;
	for (uint64_t r = 0; r < 50; r++) {
		assert_int_equal(sim_draws_draw(sim_experiment_draws(x), 7, r, v, NULL, &err), 0);
		assert_true(v[1] == 3);
		moved = moved || (r > 0 && v[0] != first);
		first = r == 0 ? v[0] : first;
	}
	assert_true(moved);
	sim_experiment_free(x);
}

/* Ensure uncertainty off applies the assumed value, undrawn. */
static void test_assumed_off(void **state)
{
	(void)state;
	const char *set[] = { "uncertainty=false" };
	sim_experiment *x = load(ASSUMED, set, 1);
	assert_null(sim_experiment_draws(x));
	assert_non_null(sim_experiment_fitted(x));
	sim_experiment_free(x);
	test_run_ok("run " ASSUMED " -q --no-plots --force --set uncertainty=false -o "
		    OUT "/assumed_off");
	assert_false(test_exists(OUT "/assumed_off/parameter_draws.csv"));
	csv *t = csv_load(OUT "/assumed_off", "summary.csv");
	/* quality 2.5 (the assumed value, not the default 2), alpha 1, price
	   2: share 1 / (1 + e^-0.5) in every replication. */
	assert_string_equal(t->cell[2][0], "share");
	assert_true(fabs(strtod(t->cell[2][2], NULL) - 1 / (1 + exp(-0.5))) < 1e-9);
	csv_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_moments),
		cmocka_unit_test(test_reproducible),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_workers),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_off_and_set),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_assumed_moments),
		cmocka_unit_test(test_assumed_run),
		cmocka_unit_test(test_assumed_twice),
		cmocka_unit_test(test_assumed_set),
		cmocka_unit_test(test_assumed_off),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
