/*
 * test_market_config.c - a bad market scenario is refused before anything
 * runs, with a message that says where and what.
 *
 * Each fixture tests/data/market_*.cfg is the small valid experiment
 * market_ok.cfg (3 models, 2 segments, 63 days) with one defect. Running
 * it through the built program ($MARKETSIM, default bin/marketsim) must
 * exit with status 2, name `file:line: setting.path:` (the line of the
 * offending setting in the fixture), say what was expected, and create no
 * output directory; `check` must report the same. market_ok.cfg itself
 * must run and write its results. Must run from the repository root after
 * `make` (make test does both).
 */
#include "test_run.h"

#define OUT "build/test-market-config"

/* Runs tests/data/<fixture>.cfg, expects status 2 with
   "tests/data/<fixture>.cfg:<line>: <path>: ...<what>...", and no output. */
static void expect_rejected(const char *fixture, int line, const char *path, const char *what)
{
	char args[512], out[256], where[512];
	snprintf(out, sizeof out, OUT "/%s", fixture);
	snprintf(where, sizeof where, "tests/data/%s.cfg:%d: %s: ", fixture, line, path);
	snprintf(args, sizeof args, "run tests/data/%s.cfg --no-plots --out %s", fixture, out);
	test_result *r = test_run(args);
	if (r->status != 2)
		fail_msg("%s: exit %d, expected 2; output:\n%s", fixture, r->status, r->out);
	test_expect_output(r, where);
	test_expect_output(r, what);
	if (test_exists(out))
		fail_msg("%s: rejected, yet %s was created", fixture, out);
	free(r);

	snprintf(args, sizeof args, "check tests/data/%s.cfg", fixture);
	r = test_run(args);
	assert_int_equal(r->status, 2);
	test_expect_output(r, where);
	free(r);
}

/* Ensure the valid fixture, the basis of the bad ones, runs and writes
   its results (so each bad one fails by its own defect alone). */
static void test_valid_fixture_runs(void **unused)
{
	(void)unused;
	test_result *r = test_run("run tests/data/market_ok.cfg --no-plots -q --out " OUT "/ok");
	if (r->status != 0)
		fail_msg("market_ok: exit %d; output:\n%s", r->status, r->out);
	free(r);
	const char *files[] = { "manifest.txt", "summary.csv", "models_weekly.csv",
				"providers_weekly.csv", "origins_weekly.csv" };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[256];
		snprintf(path, sizeof path, OUT "/ok/%s", files[i]);
		if (!test_exists(path))
			fail_msg("market_ok: %s not written", path);
	}
	r = test_run("check tests/data/market_ok.cfg");
	assert_int_equal(r->status, 0);
	free(r);
}

/* Ensure an event naming a model that does not exist is refused, with a
   did-you-mean hint. */
static void test_unknown_model_in_event(void **unused)
{
	(void)unused;
	expect_rejected("market_event_unknown_model", 26, "market.events.[0].model",
			"unknown model \"free_cm\"; did you mean \"free_cn\"?");
}

/* Ensure a negative price is refused with the allowed range. */
static void test_negative_price(void **unused)
{
	(void)unused;
	expect_rejected("market_negative_price", 15, "market.models.paid_us.price_in",
			"expected a number in [0, 1000000], found -2");
}

/* Ensure probabilities outside [0, 1] are refused: a model's competency
   and an export control's capacity cut. */
static void test_probability_out_of_range(void **unused)
{
	(void)unused;
	expect_rejected("market_competency", 14, "market.models.paid_us.competency",
			"expected a number in (0, 1], found 1.5");
	expect_rejected("market_capacity_cut", 28, "market.events.[1].capacity_cut",
			"expected a number in [0, 1], found 1.2");
}

/* Ensure an event dated after the horizon is refused, naming the horizon. */
static void test_event_after_horizon(void **unused)
{
	(void)unused;
	expect_rejected("market_event_after_horizon", 28, "market.events.[1].date",
			"expected a date within the horizon, 2026-03-02 to 2026-05-03; "
			"found \"2026-06-01\"");
}

/* Ensure segment shares that do not sum to 1 are refused, with the sum. */
static void test_segment_shares(void **unused)
{
	(void)unused;
	expect_rejected("market_segment_shares", 19, "market.segments",
			"expected the segments' shares to sum to 1, found 1.1");
}

/* Ensure a model launched after the horizon is refused. */
static void test_launch_after_horizon(void **unused)
{
	(void)unused;
	expect_rejected("market_launch_after_horizon", 16, "market.models.late_eu.launch",
			"expected a date within the horizon, 2026-03-02 to 2026-05-03; "
			"found \"2026-07-01\"");
}

/* Ensure a segment rule about an origin no model has is refused: a typo
   would otherwise silently ban nothing. */
static void test_unknown_origin_in_rule(void **unused)
{
	(void)unused;
	expect_rejected("market_unknown_origin_rule", 23,
			"market.segments.[1].origins.[0].origin",
			"unknown origin \"cn\"; did you mean \"CN\"?");
}

/* Ensure an origin-wide quality shift naming an origin no model has is
   refused: a typo would otherwise shift nothing. */
static void test_unknown_origin_in_quality_shift(void **unused)
{
	(void)unused;
	expect_rejected("market_origin_quality_unknown", 26,
			"market.origin_quality.[0].origin",
			"unknown origin \"us\"; did you mean \"US\"?");
}

/* Ensure a second shift for the same origin is refused rather than one of
   the two silently winning. */
static void test_origin_quality_twice(void **unused)
{
	(void)unused;
	expect_rejected("market_origin_quality_twice", 26, "market.origin_quality.[1].origin",
			"origin \"US\" already has a shift (origin_quality.[0])");
}

/* Ensure a display name that would break the CSV columns is refused. */
static void test_comma_in_name(void **unused)
{
	(void)unused;
	expect_rejected("market_comma_name", 16, "market.models.late_eu.name",
			"expected a name without commas, quotes or control characters, "
			"found \"Late, EU\"");
}

int main(void)
{
	if (access(test_program(), X_OK) != 0) {
		fprintf(stderr, "test_market_config: %s not built; run from the repository root "
			"after make\n", test_program());
		return 1;
	}
	/* Start clean: "no output directory" checks must see this run only. */
	if (system("rm -rf " OUT) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_fixture_runs),
		cmocka_unit_test(test_unknown_model_in_event),
		cmocka_unit_test(test_negative_price),
		cmocka_unit_test(test_probability_out_of_range),
		cmocka_unit_test(test_event_after_horizon),
		cmocka_unit_test(test_segment_shares),
		cmocka_unit_test(test_launch_after_horizon),
		cmocka_unit_test(test_unknown_origin_in_rule),
		cmocka_unit_test(test_unknown_origin_in_quality_shift),
		cmocka_unit_test(test_origin_quality_twice),
		cmocka_unit_test(test_comma_in_name),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	if (failed == 0 && system("rm -rf " OUT) != 0)
		return 1;
	return failed;
}
