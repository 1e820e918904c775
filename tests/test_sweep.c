/*
 * test_sweep.c - `marketsim sweep`: every point runs with common random
 * numbers, workers change nothing, a failed replication is isolated, and
 * bad sweep input is refused at its line with nothing written (the
 * results database, kills and resumes: test_sweep_store.c).
 */
#include "test_csv.h"
#include "test_run.h"

#define OUT "build/test-sweep"

/* The text of the file at path with the first `skip` columns of every line
   removed (a sweep point's labels: experiment, point, parameter, count). */
static char *without_columns(const char *path, int skip)
{
	char *text = test_read_file(path), *out = calloc(strlen(text) + 1, 1), *w = out;
	assert_non_null(out);
	for (char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		char *p = line;
		for (int k = 0; k < skip && p < line + len; k++)
			p += strcspn(p, ",") + 1;
		memcpy(w, p, (size_t)(line + len - p));
		w += line + len - p;
		*w++ = '\n';
		line += len + (line[len] == '\n');
	}
	free(text);
	return out;
}

/* Fails unless a and b hold the same rows once a's first skip_a and b's
   first skip_b columns are left out. */
static void same_rows(const char *a, int skip_a, const char *b, int skip_b)
{
	char *x = without_columns(a, skip_a), *y = without_columns(b, skip_b);
	if (strcmp(x, y) != 0)
		fail_msg("%s and %s hold different rows", a, b);
	free(x);
	free(y);
}

/* Three points, one row each with the swept value; a point equals a plain
   run with the same value set (the sweep adds nothing but the --set). */
static void test_points_and_summary(void **unused)
{
	(void)unused;
	test_run_ok("sweep tests/data/sweep_ok.cfg -q -o " OUT "/ok");
	csv *t = csv_load(OUT "/ok", "sweep_summary.csv");
	assert_int_equal(t->rows, 3);
	size_t price = csv_col(t, "market.events.[0].price_out");
	assert_string_equal(t->cell[0][price], "0");
	assert_string_equal(t->cell[2][price], "3.6");
	size_t revenue = csv_col(t, "cum_revenue:FreeCo_mean");
	/* Free until 6 April, then $0.30 in and the swept price out: at $0
	   out the provider earns on input tokens alone, so charging $1.80
	   earns more; beyond, demand falls as fast as the price rises
	   (measured 1094, 1325, 1106 dollars over 2 replications: the last
	   step's sign is within the noise, and not asserted). */
	double r0 = strtod(t->cell[0][revenue], NULL), r1 = strtod(t->cell[1][revenue], NULL);
	double r2 = strtod(t->cell[2][revenue], NULL);
	assert_true(r0 > 0 && r1 > r0 && r2 > 0);
	csv_free(t);
	/* The chart the file asks for (plot = "cum_revenue:FreeCo"). */
	if (system("command -v gnuplot >/dev/null 2>&1") == 0) {
		assert_true(test_exists(OUT "/ok/plots/sweep_1.png"));
		assert_true(test_exists(OUT "/ok/plots/sweep_1.svg"));
	}

	test_run_ok("run tests/data/sweep_ok.cfg -q --no-plots --set market.events.[0].price_out=1.8 "
		     "-o " OUT "/plain");
	same_rows(OUT "/ok/points/p0001/models_weekly.csv", 4, OUT "/plain/models_weekly.csv", 0);
	/* Each point's rows say which point they are. */
	csv *w = csv_load(OUT "/ok/points/p0001", "models_weekly.csv");
	assert_string_equal(w->cell[0][csv_col(w, "experiment")], "sweep_ok");
	assert_string_equal(w->cell[0][csv_col(w, "point")], "p0001");
	assert_string_equal(w->cell[0][csv_col(w, "market.events.[0].price_out")], "1.8");
	assert_string_equal(w->cell[0][csv_col(w, "replications")], "2");
	csv_free(w);
}

/* Common random numbers: two points with the same value are the same run,
   byte for byte, whatever runs between them. */
static void test_common_random_numbers(void **unused)
{
	(void)unused;
	test_run_ok("sweep tests/data/sweep_ok.cfg -q --no-plots -o " OUT "/crn "
		    "--set 'sweep.parameters.[0].values=[1.8,0,1.8]'");
	same_rows(OUT "/crn/points/p0000/models_weekly.csv", 4,
		  OUT "/crn/points/p0002/models_weekly.csv", 4);
}

/* Worker processes change nothing: -j 2 writes what -j 1 writes. */
static void test_jobs_identical(void **unused)
{
	(void)unused;
	test_run_ok("sweep tests/data/sweep_ok.cfg -q --no-plots -j 1 -o " OUT "/j1");
	test_run_ok("sweep tests/data/sweep_ok.cfg -q --no-plots -j 2 -o " OUT "/j2");
	const char *files[] = { "sweep_summary.csv", "points/p0000/models_weekly.csv",
				"points/p0002/summary.csv" };
	for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
		char a_path[256], b_path[256];
		snprintf(a_path, sizeof a_path, OUT "/j1/%s", files[k]);
		snprintf(b_path, sizeof b_path, OUT "/j2/%s", files[k]);
		test_same_file(a_path, b_path);
	}
}

/* A replication that fails (an injected model error, or its worker
   killed mid-task) is recorded with its error, point and seed, the other
   points finish, and the exit status says so. */
static void expect_failure(const char *jobs, const char *fault, const char *why)
{
	char dir[128], cmd[512];
	snprintf(dir, sizeof dir, OUT "/fail-%s-%s", jobs, fault);
	setenv("MARKETSIM_FAULT", fault, 1);
	snprintf(cmd, sizeof cmd, "sweep tests/data/sweep_ok.cfg --no-plots -j %s -o '%s'", jobs,
		 dir);
	test_result *r = test_run_hooks(cmd);
	unsetenv("MARKETSIM_FAULT");
	assert_int_equal(r->status, 1);
	test_expect_output(r, "1 replication failed (see sweep_failures.csv)");
	free(r);
	csv *f = csv_load(dir, "sweep_failures.csv");
	assert_int_equal(f->rows, 1);
	assert_string_equal(f->cell[0][csv_col(f, "point")], "p0001");
	assert_string_equal(f->cell[0][csv_col(f, "replication")], "1");
	assert_string_equal(f->cell[0][csv_col(f, "seed")], "11");
	if (!strstr(f->cell[0][csv_col(f, "error")], why))
		fail_msg("expected \"%s\" in the error, found \"%s\"", why,
			 f->cell[0][csv_col(f, "error")]);
	csv_free(f);
	csv *t = csv_load(dir, "sweep_summary.csv");
	size_t revenue = csv_col(t, "cum_revenue:FreeCo_mean");
	assert_string_equal(t->cell[1][revenue], "nan");
	assert_string_not_equal(t->cell[0][revenue], "nan");
	assert_string_not_equal(t->cell[2][revenue], "nan");
	csv_free(t);
}

static void test_failed_replication(void **unused)
{
	(void)unused;
	expect_failure("1", "1:1:error", "injected fault");
	expect_failure("2", "1:1:error", "injected fault");
	expect_failure("2", "1:1:crash", "the worker died from signal 9");
}

/* Ensure the release program has no test hooks: MARKETSIM_FAULT in its
   environment changes nothing. */
static void test_release_has_no_hooks(void **unused)
{
	(void)unused;
	setenv("MARKETSIM_FAULT", "1:1:error", 1);
	test_result *r = test_run("sweep tests/data/sweep_ok.cfg -q --no-plots -j 1 -o " OUT
				  "/nohooks");
	unsetenv("MARKETSIM_FAULT");
	if (r->status != 0)
		fail_msg("exited %d:\n%s", r->status, r->out);
	free(r);
	assert_false(test_exists(OUT "/nohooks/sweep_failures.csv"));
}

/* A grid over a date range and a list: four points in row-major order,
   dates written as dates, and a heat map. */
static void test_date_grid(void **unused)
{
	(void)unused;
	test_run_ok("sweep tests/data/sweep_grid.cfg -q -o " OUT "/grid");
	csv *t = csv_load(OUT "/grid", "sweep_summary.csv");
	assert_int_equal(t->rows, 4);
	size_t date = csv_col(t, "market.events.[0].date");
	size_t price = csv_col(t, "market.events.[0].price_out");
	const char *want[4][2] = { { "2026-03-16", "1" }, { "2026-03-16", "3" },
				   { "2026-03-30", "1" }, { "2026-03-30", "3" } };
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(t->cell[i][date], want[i][0]);
		assert_string_equal(t->cell[i][price], want[i][1]);
	}
	csv_free(t);
	if (system("command -v gnuplot >/dev/null 2>&1") == 0)
		assert_true(test_exists(OUT "/grid/plots/sweep_1.png"));
}

/* Progress goes to stderr: not a terminal here, so plain lines, the last
   one when done; nothing at all with --quiet. */
static void test_progress(void **unused)
{
	(void)unused;
	test_result *r = test_run("sweep tests/data/sweep_ok.cfg --no-plots -o " OUT "/progress");
	assert_int_equal(r->status, 0);
	test_expect_output(r, "sweep sweep_ok: 6/6 replications, points 3/3, ");
	free(r);
	r = test_run("run tests/data/sweep_ok.cfg --no-plots -o " OUT "/progress-run");
	assert_int_equal(r->status, 0);
	test_expect_output(r, "sweep_ok: 2/2 replications, ");
	test_expect_output(r, "M events/s");
	free(r);
	r = test_run("sweep tests/data/sweep_ok.cfg --no-plots -q -o " OUT "/progress-quiet");
	assert_int_equal(r->status, 0);
	assert_string_equal(r->out, "");
	free(r);
}

/* Runs a bad sweep fixture: exit 2, file:line and the message, nothing
   written. */
static void expect_bad(const char *fixture, int line, const char *path, const char *what)
{
	char args[512], where[256], dir[256];
	snprintf(dir, sizeof dir, OUT "/%s", fixture);
	snprintf(args, sizeof args, "sweep tests/data/%s.cfg -o %s", fixture, dir);
	test_result *r = test_run(args);
	assert_int_equal(r->status, 2);
	snprintf(where, sizeof where, "tests/data/%s.cfg:%d: %s: ", fixture, line, path);
	test_expect_output(r, where);
	test_expect_output(r, what);
	assert_false(test_exists(dir));
	free(r);
}

static void test_bad_input(void **unused)
{
	(void)unused;
	expect_bad("sweep_bad_path", 7, "sweep.parameters.[0].path",
		   "market.models.free_cn.price_ot: unknown setting; did you mean 'price_out'?");
	expect_bad("sweep_bad_type", 7, "sweep.parameters.[0].path",
		   "market.leaderboard_size: expected an integer in [1, 1000], found \"2.5\"");
	expect_bad("sweep_bad_steps", 8, "sweep.parameters.[0].steps",
		   "expected at least 2 steps (both ends), found 1");
	expect_bad("sweep_bad_log", 8, "sweep.parameters.[0].scale",
		   "expected a log range with from and to of one sign, found 0 to 0.1");
	expect_bad("sweep_bad_date", 7, "sweep.parameters.[0].from_date",
		   "expected a date as \"YYYY-MM-DD\" from 1970-01-01 to 2199-12-31, found \"2026-02-30\"");
	/* No sweep at all. */
	test_result *r = test_run("sweep tests/data/market_ok.cfg -o " OUT "/none");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "sweep: expected a `sweep` group with at least one parameter");
	assert_false(test_exists(OUT "/none"));
	free(r);
}

int main(void)
{
	if (access(test_program(), X_OK) != 0) {
		fprintf(stderr, "test_sweep: %s not built; run from the repository root after "
			"make\n", test_program());
		return 1;
	}
	if (system("rm -rf " OUT) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_points_and_summary),
		cmocka_unit_test(test_common_random_numbers),
		cmocka_unit_test(test_jobs_identical),
		cmocka_unit_test(test_failed_replication),
		cmocka_unit_test(test_release_has_no_hooks),
		cmocka_unit_test(test_progress),
		cmocka_unit_test(test_date_grid),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
