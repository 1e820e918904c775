/*
 * test_replications.c - adaptive replications (sim/replications.c and
 * their use by `marketsim run`).
 *
 * The stopping rule is checked on summary.csv tables built by hand, whose
 * values are a fixed pseudo-random spread around a chosen mean, so each
 * relative half-width is known from the same statistics the rule uses:
 * min is honoured, a precise metric stops at once, a noisy one grows by
 * the documented two-stage formula (never more than doubling, never past
 * max), max reached is reported, a misspelt metric is an error naming
 * the metric, and the plan depends only on the replications it is given.
 *
 * Then bin/marketsim runs a small market (tests/data/
 * replications_adaptive.cfg, about a second) to the end: it stops between
 * min and max with every target's interval really as narrow as asked,
 * says why in manifest.txt and on stdout, and gives byte for byte the
 * results of a fixed run of the same count; a low max is reached and
 * reported. Must run from the repository root after `make`.
 */
#include "test_run.h"
#include "test_csv.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim_config.h"
#include "run/replications.h"
#include "sim_table.h"

#define OUT "build/test-replications"
#define FIXTURE "tests/data/replications_adaptive.cfg"

/* ---- summary.csv tables built by hand --------------------------------- */

/* A row of the synthetic summary.csv: value = mean + spread * u with u
   uniform in [-1, 1), fixed per (row, replication). */
typedef struct row_spec {
	const char *metric, *subject;
	double mean, spread;
} row_spec;

enum { ROWS = 5 };
static const row_spec default_rows[ROWS] = {
	{ "cum_revenue", "Alibaba", 100.0, 0.1 },  /* precise: h ~ 1e-4 */
	{ "cum_profit", "Alibaba", 100.0, 50.0 },  /* noisy: sd ~ 29 */
	{ "tokens_total", "all", 1e12, 1e11 },
	{ "zero", "all", 0.0, 0.0 },               /* constant 0 */
	{ "centred", "all", 0.0, 1.0 },            /* -1, 1, -1, ...: see below */
};

/* u in [-1, 1) from (row, rep): splitmix64's finaliser. */
static double noise(size_t row, size_t rep)
{
	uint64_t x = (uint64_t)(row + 1) * 0x9E3779B97F4A7C15ull ^
		     (uint64_t)(rep + 1) * 0xBF58476D1CE4E5B9ull;
	x ^= x >> 31;
	x *= 0x94D049BB133111EBull;
	x ^= x >> 29;
	return (double)(x >> 11) / 9007199254740992.0 * 2 - 1;
}

/* A set holding summary.csv (keys metric, subject; value column "value")
   for `reps` replications of `rows`; also an unrelated table first, as a
   model would have. */
static sim_table_set *summary_tables(const row_spec *rows, size_t n, size_t reps)
{
	static const char *const keys[] = { "metric", "subject" };
	static const char *const values[] = { "value" };
	static const char *const wkeys[] = { "week" };
	sim_error err;
	sim_table_set *set = sim_table_set_new();
	assert_non_null(set);
	for (size_t r = 0; r < reps; r++) {
		sim_table *w = sim_table_begin(set, "weekly.csv", wkeys, 1, values, 1, &err);
		double one = 1;
		assert_non_null(w);
		assert_int_equal(sim_table_add(w, wkeys, &one, &err), 0);
		sim_table *t = sim_table_begin(set, "summary.csv", keys, 2, values, 1, &err);
		assert_non_null(t);
		for (size_t i = 0; i < n; i++) {
			const char *k[2] = { rows[i].metric, rows[i].subject };
			double v = rows[i].mean + rows[i].spread * noise(i, r);
			/* Alternating signs: a mean of exactly 0 after an even
			   count, with sd > 0. */
			if (strcmp(rows[i].metric, "centred") == 0)
				v = r % 2 ? rows[i].spread : -rows[i].spread;
			assert_int_equal(sim_table_add(t, k, &v, &err), 0);
		}
	}
	return set;
}

/* h of row i over its first `done` replications, computed here from
   sim_table_stats as the header defines it. */
static double expected_h(const row_spec *rows, size_t i, size_t done)
{
	double x[4096], mean, sd, lo, hi;
	assert_true(done <= 4096);
	for (size_t r = 0; r < done; r++)
		x[r] = rows[i].mean + rows[i].spread * noise(i, r);
	sim_table_stats(x, done, &mean, &sd, &lo, &hi);
	return (hi - mean) / fabs(mean);
}

/* Params with min, max and one target. */
static sim_replications_params one_target(int64_t min, int64_t max,
					  sim_replication_target *t)
{
	return (sim_replications_params){ min, max, { 1, t } };
}

/* ---- the rule ----------------------------------------------------------- */

/* Ensure fewer than min replications always plan min, with or without
   targets, and that without targets min is the whole plan. */
static void test_min_honoured(void **state)
{
	(void)state;
	sim_error err;
	sim_replications_status st;
	sim_replication_target t = { (char *)"cum_revenue:Alibaba", 0.02 };
	sim_replications_params p = one_target(10, 100, &t);
	sim_table_set *set = summary_tables(default_rows, ROWS, 12);
	assert_int_equal(sim_replications_plan(&p, NULL, 0, NULL, "replications", &st, &err), 10);
	for (size_t done = 1; done < 10; done++) {
		assert_int_equal(sim_replications_plan(&p, set, done, NULL, "replications", &st,
						       &err), 10);
		assert_false(st.met);
		assert_false(st.max_reached);
	}
	/* A precise metric stops at min, not before. */
	assert_int_equal(sim_replications_plan(&p, set, 10, NULL, "replications", &st, &err), 10);
	assert_true(st.met);

	sim_replications_params fixed = { 12, 0, { 0, NULL } };
	assert_int_equal(sim_replications_limit(&fixed), 12);
	assert_int_equal(sim_replications_plan(&fixed, NULL, 0, NULL, "replications", &st, &err),
			 12);
	assert_int_equal(sim_replications_plan(&fixed, set, 12, NULL, "replications", &st, &err),
			 12);
	assert_true(st.met);
	assert_false(st.max_reached);
	char why[256];
	sim_replications_describe(&st, why, sizeof why);
	assert_string_equal(why, "");
	sim_table_set_free(set);
}

/* Ensure targets met stop the run, and the status names the target
   closest to its limit with its half-width. */
static void test_met_stops(void **state)
{
	(void)state;
	sim_error err;
	sim_replications_status st;
	sim_replication_target t[2] = { { (char *)"cum_revenue:Alibaba", 0.02 },
					{ (char *)"tokens_total:all", 0.1 } };
	sim_replications_params p = { 5, 200, { 2, t } };
	sim_table_set *set = summary_tables(default_rows, ROWS, 20);
	assert_int_equal(sim_replications_plan(&p, set, 20, NULL, "replications", &st, &err), 20);
	assert_true(st.met);
	assert_false(st.max_reached);
	assert_int_equal(st.planned, 20);
	/* tokens h ~ 2.7% against its 10%, revenue ~ 0.03% against 2%. */
	double h = expected_h(default_rows, 2, 20);
	assert_true(h < 0.1 && h > 0.001);
	assert_string_equal(st.worst_metric, "tokens_total:all");
	assert_double_near(st.worst_rel_half_width, h, 1e-12);
	assert_double_near(st.worst_target, 0.1, 0);
	char why[256], want[256];
	sim_replications_describe(&st, why, sizeof why);
	snprintf(want, sizeof want, "targets met: tokens_total:all half-width %.3g%% <= 10%%",
		 100 * h);
	assert_string_equal(why, want);

	/* A constant 0 is known exactly: met. */
	sim_replication_target z = { (char *)"zero:all", 0.01 };
	p = one_target(5, 200, &z);
	assert_int_equal(sim_replications_plan(&p, set, 5, NULL, "replications", &st, &err), 5);
	assert_true(st.met);
	assert_double_near(st.worst_rel_half_width, 0, 0);
	sim_table_set_free(set);
}

/* Ensure a noisy metric plans by the two-stage formula, at most doubling,
   and that the plans, followed, grow to the target without passing max. */
static void test_noisy_grows(void **state)
{
	(void)state;
	sim_error err;
	sim_replications_status st;
	sim_replication_target t = { (char *)"cum_profit:Alibaba", 0.05 };
	sim_replications_params p = one_target(5, 1000, &t);
	sim_table_set *set = summary_tables(default_rows, ROWS, 1000);

	/* After 40: h ~ 9%, so 1.1 * 40 * (h / 5%)^2 ~ 140, capped at 80. */
	size_t next = sim_replications_plan(&p, set, 40, NULL, "replications", &st, &err);
	double h = expected_h(default_rows, 1, 40);
	double want = ceil(1.1 * 40 * (h / 0.05) * (h / 0.05));
	assert_true(want > 80);
	assert_int_equal(next, 80);
	assert_false(st.met);
	assert_false(st.max_reached);
	assert_string_equal(st.worst_metric, "cum_profit:Alibaba");
	assert_double_near(st.worst_rel_half_width, h, 1e-12);

	/* After 100, h ~ 5.6%: below the doubling cap, the formula itself. */
	next = sim_replications_plan(&p, set, 100, NULL, "replications", &st, &err);
	h = expected_h(default_rows, 1, 100);
	want = ceil(1.1 * 100 * (h / 0.05) * (h / 0.05));
	assert_true(h > 0.05 && want > 101 && want < 200);
	assert_int_equal(next, (size_t)want);

	/* Followed from min: strictly growing, at most doubling, then met. */
	size_t done = 0, steps = 0;
	for (;;) {
		next = sim_replications_plan(&p, set, done, NULL, "replications", &st, &err);
		if (next == done)
			break;
		assert_true(next > done);
		assert_true(done == 0 || next <= 2 * done);
		assert_true(next <= 1000);
		done = next;
		steps++;
	}
	assert_true(st.met);
	assert_true(steps >= 3);
	assert_true(done > 100 && done < 1000);
	assert_true(expected_h(default_rows, 1, done) <= 0.05);
	sim_table_set_free(set);
}

/* Ensure a target out of reach stops at max, says so, and that no plan
   ever goes past max. */
static void test_max_reached(void **state)
{
	(void)state;
	sim_error err;
	sim_replications_status st;
	sim_replication_target t = { (char *)"cum_profit:Alibaba", 0.01 };
	sim_replications_params p = one_target(5, 37, &t);
	sim_table_set *set = summary_tables(default_rows, ROWS, 37);
	size_t done = 5, next;
	while ((next = sim_replications_plan(&p, set, done, NULL, "replications", &st, &err)) !=
	       done) {
		assert_true(next > done && next <= 37);
		done = next;
	}
	assert_int_equal(done, 37);
	assert_false(st.met);
	assert_true(st.max_reached);
	char why[256], want[256];
	sim_replications_describe(&st, why, sizeof why);
	snprintf(want, sizeof want, "max reached (37): cum_profit:Alibaba half-width %.3g%% > 1%%",
		 100 * expected_h(default_rows, 1, 37));
	assert_string_equal(why, want);

	/* A mean of 0 with spread cannot be estimated relative to it. */
	sim_replication_target c = { (char *)"centred:all", 0.5 };
	p = one_target(5, 6, &c);
	sim_table_set *six = summary_tables(default_rows, ROWS, 6);
	assert_int_equal(sim_replications_plan(&p, six, 5, NULL, "replications", &st, &err), 6);
	assert_int_equal(sim_replications_plan(&p, six, 6, NULL, "replications", &st, &err), 6);
	assert_true(isinf(st.worst_rel_half_width));
	assert_true(st.max_reached);
	sim_replications_describe(&st, why, sizeof why);
	assert_string_equal(why, "max reached (6): centred:all half-width undefined > 50%");
	sim_table_set_free(six);
	sim_table_set_free(set);
}

/* Ensure the worst target is the one furthest from its own limit, not the
   one with the widest interval. */
static void test_worst_relative_to_target(void **state)
{
	(void)state;
	sim_error err;
	sim_replications_status st;
	/* profit h ~ 18% against 50%; tokens h ~ 5% against 1%. */
	sim_replication_target t[2] = { { (char *)"cum_profit:Alibaba", 0.5 },
					{ (char *)"tokens_total:all", 0.01 } };
	sim_replications_params p = { 5, 100, { 2, t } };
	sim_table_set *set = summary_tables(default_rows, ROWS, 10);
	assert_true(expected_h(default_rows, 1, 10) > expected_h(default_rows, 2, 10));
	size_t next = sim_replications_plan(&p, set, 10, NULL, "replications", &st, &err);
	assert_string_equal(st.worst_metric, "tokens_total:all");
	assert_int_equal(next, 20);
	sim_table_set_free(set);
}

/* Ensure a target naming no row is an error naming it: with a close row,
   "did you mean", else some rows that exist; at the setting's line when
   the config is given; and a model without summary.csv is refused. */
static void test_unknown_metric(void **state)
{
	(void)state;
	sim_error err;
	sim_replications_status st;
	sim_replication_target t = { (char *)"cum_revenu:Alibaba", 0.02 };
	sim_replications_params p = one_target(5, 100, &t);
	sim_table_set *set = summary_tables(default_rows, ROWS, 1);
	/* Found at the first replication, before min have run. */
	assert_int_equal(sim_replications_plan(&p, set, 1, NULL, "replications", &st, &err),
			 (size_t)-1);
	assert_int_equal(err.kind, SIM_ERROR_CONFIG);
	assert_string_equal(err.path, "replications.target.[0].metric");
	assert_string_equal(err.message, "no row \"cum_revenu:Alibaba\" in summary.csv; "
					 "did you mean \"cum_revenue:Alibaba\"?");

	t.metric = (char *)"latency:all";
	assert_int_equal(sim_replications_plan(&p, set, 1, NULL, "replications", &st, &err),
			 (size_t)-1);
	assert_string_equal(err.message, "no row \"latency:all\" in summary.csv, which has: "
					 "cum_revenue:Alibaba, cum_profit:Alibaba, "
					 "tokens_total:all, zero:all, centred:all");

	/* With the parsed file, the error has its file:line. */
	sim_config *cfg = sim_config_parse_string(
		"seed = 1;\nreplications = { min = 5; max = 100;\n  target = (\n"
		"    { metric = \"latency:all\"; rel_half_width = 0.02; } ); };\n",
		"inline.cfg", &err);
	assert_non_null(cfg);
	assert_int_equal(sim_replications_plan(&p, set, 3, cfg, "replications", &st, &err),
			 (size_t)-1);
	assert_string_equal(err.file, "inline.cfg");
	assert_int_equal(err.line, 4);
	assert_string_equal(err.path, "replications.target.[0].metric");
	sim_config_free(cfg);

	/* No summary.csv at all. */
	sim_table_set *empty = sim_table_set_new();
	assert_int_equal(sim_replications_plan(&p, empty, 1, NULL, "replications", &st, &err),
			 (size_t)-1);
	assert_string_equal(err.path, "replications.target");
	assert_non_null(strstr(err.message, "no summary.csv table"));
	sim_table_set_free(empty);
	sim_table_set_free(set);
}

/* Ensure the plan after `done` replications reads only those: the same
   with later replications recorded, and the same when asked again. */
static void test_determinism(void **state)
{
	(void)state;
	sim_error err;
	sim_replications_status a, b, c;
	sim_replication_target t = { (char *)"cum_profit:Alibaba", 0.03 };
	sim_replications_params p = one_target(5, 500, &t);
	sim_table_set *exact = summary_tables(default_rows, ROWS, 30);
	sim_table_set *more = summary_tables(default_rows, ROWS, 300);
	size_t n1 = sim_replications_plan(&p, exact, 30, NULL, "replications", &a, &err);
	size_t n2 = sim_replications_plan(&p, more, 30, NULL, "replications", &b, &err);
	size_t n3 = sim_replications_plan(&p, more, 30, NULL, "replications", &c, &err);
	assert_int_equal(n1, n2);
	assert_int_equal(n2, n3);
	assert_true(n1 > 30);
	assert_memory_equal(&a, &b, sizeof a);
	assert_memory_equal(&b, &c, sizeof b);
	sim_table_set_free(exact);
	sim_table_set_free(more);
}

/* ---- marketsim run, end to end ----------------------------------------- */

/* summary.csv's (value_hi - value_mean) / |value_mean| for metric:subject
   in dir. */
static double result_h(const char *dir, const char *metric, const char *subject)
{
	csv *t = csv_load(dir, "summary.csv");
	double h = NAN;
	for (size_t r = 0; r < t->rows; r++)
		if (strcmp(t->cell[r][csv_col(t, "metric")], metric) == 0 &&
		    strcmp(t->cell[r][csv_col(t, "subject")], subject) == 0) {
			double mean = strtod(t->cell[r][csv_col(t, "value_mean")], NULL);
			double hi = strtod(t->cell[r][csv_col(t, "value_hi")], NULL);
			h = (hi - mean) / fabs(mean);
		}
	csv_free(t);
	if (isnan(h))
		fail_msg("no row %s:%s in %s/summary.csv", metric, subject, dir);
	return h;
}

/* The integer after "key = " at the start of a manifest line. */
static long manifest_int(const char *manifest, const char *key)
{
	char at[64];
	snprintf(at, sizeof at, "\n%s = ", key);
	const char *p = strstr(manifest, at);
	if (!p)
		fail_msg("no %s in the manifest", key);
	return strtol(p + strlen(at), NULL, 10);
}

/* Ensure an adaptive run stops between min and max once every target's
   interval is as narrow as asked, says so, and equals a fixed run of the
   count it reached. */
static void test_run_adaptive(void **state)
{
	(void)state;
	test_result *r = test_run("run " FIXTURE " --no-plots -o " OUT "/adaptive");
	if (r->status != 0)
		fail_msg("exit %d:\n%s", r->status, r->out);
	char *m = test_read_file(OUT "/adaptive/manifest.txt");
	long n = manifest_int(m, "replications");
	/* At 10 replications PaidCo's revenue is known to ~11%: reaching 5%
	   takes well over 40, and far fewer than 400. */
	assert_true(n > 40 && n < 400);
	assert_non_null(strstr(m, "\nreplications_rule = \"targets met: "));
	assert_true(result_h(OUT "/adaptive", "cum_revenue", "PaidCo") <= 0.05);
	assert_true(result_h(OUT "/adaptive", "tokens_total", "all") <= 0.1);
	char line[128];
	test_expect_output(r, "replications_adaptive (model market): ");
	snprintf(line, sizeof line, ": %ld replications (targets met: ", n);
	test_expect_output(r, line);
	/* The resolved config keeps the group. */
	assert_non_null(strstr(m, "max = 400;"));
	free(m);
	free(r);

	/* The same count, fixed: the same results, byte for byte. */
	char args[256];
	snprintf(args, sizeof args,
		 "run " FIXTURE " --no-plots -q -o " OUT "/fixed --set replications=%ld", n);
	test_run_ok(args);
	test_same_file(OUT "/adaptive/summary.csv", OUT "/fixed/summary.csv");
	test_same_file(OUT "/adaptive/models_weekly.csv", OUT "/fixed/models_weekly.csv");
	m = test_read_file(OUT "/fixed/manifest.txt");
	assert_int_equal(manifest_int(m, "replications"), n);
	assert_null(strstr(m, "replications_rule"));
	snprintf(line, sizeof line, "\nreplications = %ld;\n", n);
	assert_non_null(strstr(m, line));
	free(m);
}

/* Ensure a max too low for the targets is reached, reported in the
   manifest and on stdout, and the run still succeeds with its results. */
static void test_run_max_reached(void **state)
{
	(void)state;
	test_result *r = test_run("run " FIXTURE " --no-plots -o " OUT "/max "
				  "--set replications.max=12");
	if (r->status != 0)
		fail_msg("exit %d:\n%s", r->status, r->out);
	char *m = test_read_file(OUT "/max/manifest.txt");
	assert_int_equal(manifest_int(m, "replications"), 12);
	assert_non_null(strstr(m, "\nreplications_rule = \"max reached (12): "
				  "cum_revenue:PaidCo half-width "));
	test_expect_output(r, ": 12 replications (max reached (12): cum_revenue:PaidCo");
	assert_true(result_h(OUT "/max", "cum_revenue", "PaidCo") > 0.05);
	free(m);
	free(r);
}

/* Ensure a misspelt target metric fails after one replication as a config
   error with a hint, leaving no output. */
static void test_run_unknown_metric(void **state)
{
	(void)state;
	test_result *r = test_run("run " FIXTURE " --no-plots -o " OUT "/unknown "
				  "--set replications.target.[1].metric=token_total:all");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "replications.target.[1].metric: no row \"token_total:all\" in "
			      "summary.csv; did you mean \"tokens_total:all\"?");
	assert_false(test_exists(OUT "/unknown"));
	free(r);
}

int main(void)
{
	/* Start clean: a folder left by an older marketsim has no marker. */
	if (system("rm -rf " OUT) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_min_honoured),
		cmocka_unit_test(test_met_stops),
		cmocka_unit_test(test_noisy_grows),
		cmocka_unit_test(test_max_reached),
		cmocka_unit_test(test_worst_relative_to_target),
		cmocka_unit_test(test_unknown_metric),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_run_adaptive),
		cmocka_unit_test(test_run_max_reached),
		cmocka_unit_test(test_run_unknown_metric),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
