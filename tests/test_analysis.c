/*
 * test_analysis.c - the analysis commands end to end, on the analytic
 * model's experiments whose answers are known in closed form
 * (docs/KNOWN_ANSWERS.md), so a wrong search, a wrong estimator or a lost
 * replication shows as a wrong number, not only as a crash:
 *   - optimize (experiments/analytic/monopoly.cfg) finds the revenue-
 *     maximising price p* = 2.0 within 2% from three starts (0.3, 2.9,
 *     5.5) and with a starting grid, and its confirmation interval holds
 *     the objective, about M p* s(p*) = 10000;
 *   - equilibrium (duopoly.cfg) converges to the Nash prices 2.0, 2.0 with
 *     shares of 1/3 each;
 *   - sensitivity (ishigami.cfg) gives every Sobol index within 0.05 of
 *     the Ishigami function's, x2's Morris mu* exactly 7.875 (sin^2 is
 *     even, so every elementary effect of x2 on the 4-level grid is
 *     +-7.875) and x3's mu* the smallest;
 *   - an optimize and a sensitivity analysis stopped by SIGTERM three
 *     times (exit 143, a hint naming --resume) and then resumed to the
 *     end write the same CSVs, byte for byte, and the same database rows
 *     as one that ran straight through: the promise that a stopped
 *     analysis "ends as it would have";
 *   - bad input (no objective; a parameter that is not a setting) exits 2
 *     naming the setting at fault, and leaves no output folder behind.
 * Every marketsim run is a child process (popen, fork/exec); under
 * `make memcheck` only this process is under valgrind.
 */
#include "test_csv.h"
#include "test_db.h"
#include "test_run.h"

#include <math.h>
#include <signal.h>
#include <time.h>

#define OUT "build/test-analysis"
#define MONOPOLY "experiments/analytic/monopoly.cfg"
#define DUOPOLY "experiments/analytic/duopoly.cfg"
#define ISHIGAMI "experiments/analytic/ishigami.cfg"

/* The row of t whose column `col` holds `value`; fails when none does. */
static size_t row_of(const csv *t, const char *col, const char *value)
{
	size_t c = csv_col(t, col);
	for (size_t r = 0; r < t->rows; r++)
		if (strcmp(t->cell[r][c], value) == 0)
			return r;
	fail_msg("%s: no row with %s = %s", t->path, col, value);
	return 0;
}

static double num(const csv *t, size_t row, const char *col)
{
	const char *s = t->cell[row][csv_col(t, col)];
	char *end;
	double v = strtod(s, &end);
	if (end == s)
		fail_msg("%s: %s of row %zu is \"%s\", not a number", t->path, col, row + 1, s);
	return v;
}

/* ---- optimize ---------------------------------------------------------- */

/* Runs optimize on the monopoly with `extra` (shell words) into OUT/name
   and checks the optimum and its confirmation. */
static void check_monopoly(const char *name, const char *extra)
{
	char args[1024], dir[256];
	snprintf(dir, sizeof dir, OUT "/%s", name);
	snprintf(args, sizeof args, "optimize " MONOPOLY " -q --no-plots --force %s -o %s", extra,
		 dir);
	test_run_ok(args);
	csv *t = csv_load(dir, "optimum.csv");
	/* The settings come first. */
	assert_string_equal(t->cell[0][csv_col(t, "quantity")], "analytic.price_a");
	double p = num(t, 0, "value");
	if (fabs(p - 2.0) > 0.02 * 2.0)
		fail_msg("%s: optimum price %.6g, expected 2.0 within 2%%", extra, p);
	size_t o = row_of(t, "quantity", "revenue:firm_a");
	double v = num(t, o, "value"), lo = num(t, o, "lo95"), hi = num(t, o, "hi95");
	if (!(lo < v && v < hi))
		fail_msg("%s: objective %.6g outside its CI [%.6g, %.6g]", extra, v, lo, hi);
	/* M p* s(p*) = M x 2 x 1/2, M about customers x mean weight 1. */
	if (fabs(v - 10000.0) > 0.03 * 10000.0)
		fail_msg("%s: revenue %.6g at the optimum, expected about 10000", extra, v);
	csv_free(t);
	/* The path and profile are there and name the setting. */
	t = csv_load(dir, "optimize_path.csv");
	csv_col(t, "analytic.price_a");
	csv_col(t, "objective");
	csv_free(t);
	t = csv_load(dir, "optimize_profile.csv");
	csv_col(t, "optimum");
	csv_free(t);
}

static void test_optimize_starts(void **unused)
{
	(void)unused;
	check_monopoly("start0.3", "--set optimize.parameters.[0].start=0.3");
	check_monopoly("start2.9", "--set optimize.parameters.[0].start=2.9");
	check_monopoly("start5.5", "--set optimize.parameters.[0].start=5.5");
}

static void test_optimize_grid(void **unused)
{
	(void)unused;
	check_monopoly("grid7", "--set optimize.grid=7");
}

/* Ensure an optimum on a bound of its range is flagged in optimum.csv
   and still charted: the monopoly's best price, 2.0, lies beyond a range
   capped at 1.5, and the profile chart's bound branch (the title says so,
   the y axis spans the whole search) draws without a gnuplot error,
   which would fail the run. */
static void test_optimize_on_bound(void **unused)
{
	(void)unused;
	const char *dir = OUT "/bound";
	test_run_ok("optimize " MONOPOLY " -q --force --set optimize.parameters.[0].max=1.5"
		    " -o " OUT "/bound");
	csv *t = csv_load(dir, "optimum.csv");
	double p = num(t, 0, "value");
	if (fabs(p - 1.5) > 1e-6)
		fail_msg("optimum price %.9g, expected the bound 1.5", p);
	if (!strstr(t->cell[0][csv_col(t, "note")], "ON A BOUND"))
		fail_msg("optimum.csv does not flag the bound: \"%s\"",
			 t->cell[0][csv_col(t, "note")]);
	csv_free(t);
	assert_true(test_exists(OUT "/bound/plots/optimize_1.png"));
}

/* ---- equilibrium ------------------------------------------------------- */

static void test_equilibrium_duopoly(void **unused)
{
	(void)unused;
	test_run_ok("equilibrium " DUOPOLY " -q --no-plots --force -o " OUT "/duopoly");
	csv *t = csv_load(OUT "/duopoly", "equilibrium.csv");
	const char *prices[] = { "analytic.price_a", "analytic.price_b" };
	for (int k = 0; k < 2; k++) {
		double p = num(t, row_of(t, "quantity", prices[k]), "value");
		if (fabs(p - 2.0) > 0.02 * 2.0)
			fail_msg("%s = %.6g at the equilibrium, expected 2.0 within 2%%", prices[k], p);
	}
	const char *shares[] = { "share:firm_a", "share:firm_b" };
	for (int k = 0; k < 2; k++) {
		double s = num(t, row_of(t, "quantity", shares[k]), "value");
		if (fabs(s - 1.0 / 3.0) > 0.02 / 3.0)
			fail_msg("%s = %.6g at the equilibrium, expected 1/3", shares[k], s);
	}
	csv_free(t);
	t = csv_load(OUT "/duopoly", "equilibrium_history.csv");
	assert_true(t->rows >= 2);
	csv_free(t);
}

/* ---- sensitivity ------------------------------------------------------- */

static void test_sensitivity_ishigami(void **unused)
{
	(void)unused;
	test_run_ok("sensitivity " ISHIGAMI " -q --no-plots --force --set sensitivity.samples=2048 "
		    "-o " OUT "/ishigami");
	csv *t = csv_load(OUT "/ishigami", "sensitivity_sobol.csv");
	const char *x[] = { "analytic.x1", "analytic.x2", "analytic.x3" };
	const double first[] = { 0.3139, 0.4424, 0.0 }, total[] = { 0.5576, 0.4424, 0.2437 };
	for (int k = 0; k < 3; k++) {
		size_t r = row_of(t, "setting", x[k]);
		assert_string_equal(t->cell[r][csv_col(t, "metric")], "y:ishigami");
		double s = num(t, r, "first"), st = num(t, r, "total");
		if (fabs(s - first[k]) > 0.05)
			fail_msg("first-order index of %s %.4f, expected %.4f", x[k], s, first[k]);
		if (fabs(st - total[k]) > 0.05)
			fail_msg("total index of %s %.4f, expected %.4f", x[k], st, total[k]);
		assert_true(num(t, r, "first_lo95") <= s && s <= num(t, r, "first_hi95"));
		assert_true(num(t, r, "total_lo95") <= st && st <= num(t, r, "total_hi95"));
	}
	csv_free(t);
	t = csv_load(OUT "/ishigami", "sensitivity_morris.csv");
	double mu[3];
	for (int k = 0; k < 3; k++)
		mu[k] = num(t, row_of(t, "setting", x[k]), "mu_star");
	if (fabs(mu[1] - 7.875) > 1e-9)
		fail_msg("mu* of x2 %.17g, expected exactly 7.875", mu[1]);
	if (!(mu[2] < mu[0] && mu[2] < mu[1]))
		fail_msg("mu* of x3 (%.4f) is not the smallest (x1 %.4f, x2 %.4f)", mu[2], mu[0],
			 mu[1]);
	assert_string_equal(t->cell[row_of(t, "setting", "analytic.x3")][csv_col(t, "rank")], "3");
	csv_free(t);
}

/* ---- stop and resume --------------------------------------------------- */

/* Runs `cmd FILE ARGS` straight into OUT/name-straight, then again into
   OUT/name-killed stopped by SIGTERM three times (each once a further
   eighth of the straight run's replications are stored) and resumed,
   then resumed to the end; the CSVs `files` and the databases must be
   the same. */
static void check_resume(const char *name, const char *cmd_file_args, const char *const *files,
			 size_t nfiles)
{
	char straight[256], killed[256], log[256], args[1024];
	snprintf(straight, sizeof straight, OUT "/%s-straight", name);
	snprintf(killed, sizeof killed, OUT "/%s-killed", name);
	snprintf(log, sizeof log, OUT "/%s-kill.log", name);
	snprintf(args, sizeof args, "%s -q --no-plots -j 2 -o %s", cmd_file_args, straight);
	test_run_ok(args);
	long long total = test_db_stored(straight);
	assert_true(total >= 64);
	long long before = 0;
	for (int k = 0; k < 3; k++) {
		snprintf(args, sizeof args, "%s --no-plots -j 2 %s-o %s", cmd_file_args,
			 k ? "--resume " : "", killed);
		pid_t pid = test_start(args, log);
		long long target = before + total / 8;
		for (int i = 0; i < 20000 && test_db_stored(killed) < target; i++) {
			struct timespec poll = { 0, 1000000 };
			nanosleep(&poll, NULL);
		}
		kill(pid, SIGTERM);
		int status = test_finish(pid);
		char *text = test_read_file(log);
		long long now = test_db_stored(killed);
		print_message("%s: stop %d at %lld of %lld replications stored\n", name, k + 1, now,
			      total);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 143)
			fail_msg("%s: expected exit 143 after SIGTERM, got status %d (%lld of %lld "
				 "stored):\n%s", name, status, now, total, text);
		if (!strstr(text, "--resume"))
			fail_msg("%s: expected a hint naming --resume in:\n%s", name, text);
		free(text);
		assert_true(now >= before && now < total);
		before = now;
	}
	snprintf(args, sizeof args, "%s -q --no-plots -j 2 --resume -o %s", cmd_file_args, killed);
	test_run_ok(args);
	assert_int_equal(test_db_stored(killed), total);
	for (size_t f = 0; f < nfiles; f++) {
		char a[512], b[512];
		snprintf(a, sizeof a, "%s/%s", straight, files[f]);
		snprintf(b, sizeof b, "%s/%s", killed, files[f]);
		test_same_file(a, b);
	}
	char a[512], b[512];
	snprintf(a, sizeof a, "%s/results.sqlite", straight);
	snprintf(b, sizeof b, "%s/results.sqlite", killed);
	test_same_db(a, b);
}

static void test_optimize_resume(void **unused)
{
	(void)unused;
	const char *files[] = { "optimum.csv", "optimize_path.csv", "optimize_profile.csv" };
	check_resume("optimize", "optimize " MONOPOLY " --set analytic.customers=20000 "
		     "--set replications=12", files, 3);
}

static void test_sensitivity_resume(void **unused)
{
	(void)unused;
	const char *files[] = { "sensitivity_sobol.csv", "sensitivity_morris.csv",
				"sensitivity_metrics.csv" };
	check_resume("sensitivity", "sensitivity " ISHIGAMI " --set sensitivity.samples=128 "
		     "--set sensitivity.bootstrap=100", files, 3);
}

/* ---- bad input --------------------------------------------------------- */

static void test_no_objective(void **unused)
{
	(void)unused;
	assert_int_equal(system("grep -v 'objective = ' " MONOPOLY " >" OUT "/noobj.cfg"), 0);
	test_result *r = test_run("optimize " OUT "/noobj.cfg --no-plots -o " OUT "/noobj");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "optimize.objective");
	free(r);
	if (test_exists(OUT "/noobj"))
		fail_msg("optimize without an objective left " OUT "/noobj behind");
}

static void test_parameter_not_a_setting(void **unused)
{
	(void)unused;
	test_result *r = test_run("optimize " MONOPOLY " --no-plots "
				  "--set 'optimize.parameters.[0].path=analytic.nosuch' -o " OUT
				  "/badpath");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "optimize.parameters.[0]");
	free(r);
	if (test_exists(OUT "/badpath"))
		fail_msg("optimize with a bad parameter left " OUT "/badpath behind");
}

int main(void)
{
	if (access(test_program(), X_OK) != 0) {
		fprintf(stderr, "test_analysis: %s not built\n", test_program());
		return 1;
	}
	if (system("rm -rf " OUT " && mkdir -p " OUT) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_optimize_starts),
		cmocka_unit_test(test_optimize_grid),
		cmocka_unit_test(test_optimize_on_bound),
		cmocka_unit_test(test_equilibrium_duopoly),
		cmocka_unit_test(test_sensitivity_ishigami),
		cmocka_unit_test(test_optimize_resume),
		cmocka_unit_test(test_sensitivity_resume),
		cmocka_unit_test(test_no_objective),
		cmocka_unit_test(test_parameter_not_a_setting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
