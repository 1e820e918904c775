/*
 * test_market_invariants.c - the market's accounting invariants
 * (models/market/invariants.c, docs/MODEL.md "Accounting invariants") and
 * `--check`.
 *
 * With --check (always, in a build with -DSIM_CHECK_INVARIANTS such as
 * bin/tests/marketsim-hooks and make sanitize) the market checks every
 * row it writes to models_weekly.csv, providers_weekly.csv and
 * origins_weekly.csv, and each week's totals, and a violation fails the
 * replication with a runtime error naming the week, the subject, the
 * quantity and the numbers. This suite checks
 *
 * - the checker itself, on rows made by hand: a consistent row passes
 *   (rounding-sized gaps too), and each kind of violation is caught and
 *   named: served + failed != demanded, tokens != in + out, revenue !=
 *   spend, fee != rate x spend, profit != revenue - cost, re-routed >
 *   demanded, quota-refused > failed, lost > failed, lost < 0 (beyond
 *   rounding), conversions away > conversions, converted revenue >
 *   revenue, free cost > cost (in model and group rows), a negative
 *   count, NaN, inf, a share above 1; the week's shares not summing to 1
 *   (or to 0 with no tokens), re-routed > failed;
 * - end to end: the test program with MARKETSIM_DROP_TOKENS (1% of one
 *   model's served tokens lost from one week's row) exits 1 naming that
 *   week, model and identity, in this process and in a worker; the release
 *   program has no such hook; clean runs pass --check and write the same
 *   bytes as without it; `check --check` is bad usage.
 *
 * Must run from the repository root after `make` (make test does).
 */
#include "test_run.h"

#include <stdlib.h>
#include <string.h>

#include "market_internal.h"

#define OUT "build/test-market-invariants"

/* ---- the checker on rows made by hand ---- */

static const double fee_rate = 0.055;

/* A consistent model-week: 6e11 in and 2e11 out served at $0.30 / $1.80
   per million, 5e10 failed of 8.5e11 demanded (1e10 of it re-routed
   here, 2e10 refused by the free quota, 3e10 lost), $0.20 per million to
   serve; 12 developers converted from it, 5 of them to another
   provider; $90 000 of its revenue from its provider's free starters,
   $40 000 of its cost at zero price (before a price change). */
static void model_row(double v[MKT_MODEL_VALUES])
{
	for (size_t c = 0; c < MKT_MODEL_VALUES; c++)
		v[c] = 0;
	v[MKT_M_IN] = 6e11;
	v[MKT_M_OUT] = 2e11;
	v[MKT_M_TOKENS] = 8e11;
	v[MKT_M_FAILED] = 5e10;
	v[MKT_M_DEMANDED] = 8.5e11;
	v[MKT_M_FALLBACK] = 1e10;
	v[MKT_M_REQUESTS] = 3e7;
	v[MKT_M_ACTIVE] = 1200;
	v[MKT_M_NEW] = 40;
	v[MKT_M_SHARE] = 0.25;
	v[MKT_M_RANK] = 2;
	v[MKT_M_PRICE_IN] = 0.3;
	v[MKT_M_PRICE_OUT] = 1.8;
	v[MKT_M_SPEND] = (6e11 * 0.3 + 2e11 * 1.8) / 1e6;
	v[MKT_M_REVENUE] = v[MKT_M_SPEND];
	v[MKT_M_FEE] = fee_rate * v[MKT_M_SPEND];
	v[MKT_M_COST] = 8e11 * 0.2 / 1e6;
	v[MKT_M_PROFIT] = v[MKT_M_REVENUE] - v[MKT_M_COST];
	v[MKT_M_CAPACITY] = 7 * 1.2e11;
	v[MKT_M_UTILISATION] = v[MKT_M_DEMANDED] / v[MKT_M_CAPACITY];
	v[MKT_M_ERRORS] = v[MKT_M_FAILED] / v[MKT_M_DEMANDED];
	v[MKT_M_REFUSED_QUOTA] = 2e10;
	v[MKT_M_LOST] = 3e10;
	v[MKT_M_FREE_USERS] = 0;
	v[MKT_M_CREDIT_BUYERS] = 30;
	v[MKT_M_CONVERSIONS] = 12;
	v[MKT_M_CONVERSIONS_AWAY] = 5;
	v[MKT_M_CONVERTED_REVENUE] = 9e4;
	v[MKT_M_FREE_COST] = 4e4;
}

/* Checks v as week 14 of qwen3_6_plus; returns the error message, "" when
   it passed. */
static const char *check_model(const double *v)
{
	static sim_error err;
	sim_error_clear(&err);
	int rc = mkt_check_model_row(14, "qwen3_6_plus", v, fee_rate, &err);
	assert_int_equal(rc, err.kind == SIM_ERROR_NONE ? 0 : -1);
	if (rc != 0)
		assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	return err.message;
}

static void expect_violation(const char *message, const char *needle)
{
	if (!message[0])
		fail_msg("expected a violation with \"%s\", but the row passed", needle);
	if (!strstr(message, "invariant violated: week 14, qwen3_6_plus: ") ||
	    !strstr(message, needle))
		fail_msg("expected \"week 14, qwen3_6_plus: ...%s...\", found \"%s\"", needle,
			 message);
}

static void test_clean_model_row(void **unused)
{
	(void)unused;
	double v[MKT_MODEL_VALUES];
	model_row(v);
	assert_string_equal(check_model(v), "");
	/* A free model: no spend, so no fee or revenue, and a negative profit. */
	v[MKT_M_PRICE_IN] = v[MKT_M_PRICE_OUT] = 0;
	v[MKT_M_SPEND] = v[MKT_M_REVENUE] = v[MKT_M_FEE] = v[MKT_M_CONVERTED_REVENUE] = 0;
	v[MKT_M_PROFIT] = -v[MKT_M_COST];
	v[MKT_M_FREE_COST] = v[MKT_M_COST];
	assert_string_equal(check_model(v), "");
	/* Rounding-sized gaps (1e-12 relative) pass. */
	model_row(v);
	v[MKT_M_DEMANDED] *= 1 + 1e-12;
	v[MKT_M_FEE] *= 1 - 1e-12;
	v[MKT_M_PROFIT] += 1e-12 * v[MKT_M_REVENUE];
	assert_string_equal(check_model(v), "");
	/* The bounds reached: all failed tokens refused by the quota and
	   lost, every conversion away, all revenue converted, all cost free;
	   and lost a rounding below 0 (all failures re-sent). */
	model_row(v);
	v[MKT_M_REFUSED_QUOTA] = v[MKT_M_LOST] = v[MKT_M_FAILED];
	v[MKT_M_CONVERSIONS_AWAY] = v[MKT_M_CONVERSIONS];
	v[MKT_M_CONVERTED_REVENUE] = v[MKT_M_REVENUE] * (1 + 1e-12);
	v[MKT_M_FREE_COST] = v[MKT_M_COST];
	assert_string_equal(check_model(v), "");
	v[MKT_M_LOST] = -1e-12 * v[MKT_M_DEMANDED];
	assert_string_equal(check_model(v), "");
	/* A model that served nothing, demanded nothing. */
	for (size_t c = 0; c < MKT_MODEL_VALUES; c++)
		v[c] = 0;
	assert_string_equal(check_model(v), "");
}

static void test_model_identities(void **unused)
{
	(void)unused;
	double v[MKT_MODEL_VALUES];
	model_row(v);
	v[MKT_M_IN] *= 0.99; /* 1% of the input tokens lost */
	v[MKT_M_TOKENS] = v[MKT_M_IN] + v[MKT_M_OUT];
	const char *m = check_model(v);
	expect_violation(m, "tokens served 7.94e+11 + failed 5e+10 != demanded 8.5e+11 "
			 "(of which re-routed here 1e+10; relative gap 0.0071)");
	model_row(v);
	v[MKT_M_TOKENS] = 8.1e11;
	expect_violation(check_model(v), "tokens 8.1e+11 != tokens_in 6e+11 + tokens_out 2e+11");
	model_row(v);
	v[MKT_M_REVENUE] *= 1.01;
	expect_violation(check_model(v), "revenue 545400 != spend 540000 (fee 29700 on top; relative gap 0.0099)");
	model_row(v);
	v[MKT_M_FEE] = 0.05 * v[MKT_M_SPEND];
	expect_violation(check_model(v), "fee 27000 != fee rate 0.055 x spend 540000");
	model_row(v);
	v[MKT_M_PROFIT] = v[MKT_M_REVENUE];
	expect_violation(check_model(v), "profit 540000 != revenue 540000 - cost 160000");
	model_row(v);
	v[MKT_M_FALLBACK] = 9e11;
	expect_violation(check_model(v), "tokens re-routed here 9e+11 > demanded 8.5e+11");
}

/* Ensure each part above its whole is caught and named: tokens refused
   by the quota or lost beyond those failed, a negative loss beyond
   rounding, conversions away beyond conversions, converted revenue
   beyond revenue, free cost beyond cost. */
static void test_model_parts(void **unused)
{
	(void)unused;
	double v[MKT_MODEL_VALUES];
	model_row(v);
	v[MKT_M_REFUSED_QUOTA] = 6e10;
	expect_violation(check_model(v), "tokens_refused_quota 6e+10 > tokens_failed 5e+10, "
			 "which includes it (excess 1e+10, relative 0.17)");
	model_row(v);
	v[MKT_M_LOST] = 5.5e10;
	expect_violation(check_model(v), "tokens_lost 5.5e+10 > tokens_failed 5e+10, which "
			 "includes it (excess 5e+09, relative 0.091)");
	model_row(v);
	v[MKT_M_LOST] = -1e3;
	expect_violation(check_model(v), "tokens_lost is -1000, expected a non-negative number "
			 "(tokens demanded 8.5e+11)");
	model_row(v);
	v[MKT_M_LOST] = NAN;
	expect_violation(check_model(v), "tokens_lost is nan, expected a finite number");
	model_row(v);
	v[MKT_M_CONVERSIONS_AWAY] = 13;
	expect_violation(check_model(v), "conversions_away 13 > conversions 12, which includes "
			 "it (excess 1, relative 0.077)");
	model_row(v);
	v[MKT_M_CONVERTED_REVENUE] = 5.5e5;
	expect_violation(check_model(v), "converted_revenue 550000 > revenue 540000, which "
			 "includes it (excess 10000, relative 0.018)");
	model_row(v);
	v[MKT_M_FREE_COST] = 1.6e5 * 1.01;
	expect_violation(check_model(v), "free_cost 161600 > cost 160000, which includes it "
			 "(excess 1600, relative 0.0099)");
}

static void test_model_ranges(void **unused)
{
	(void)unused;
	double v[MKT_MODEL_VALUES];
	model_row(v);
	v[MKT_M_REQUESTS] = -1;
	expect_violation(check_model(v), "requests is -1, expected a non-negative number");
	model_row(v);
	v[MKT_M_ACTIVE] = -3;
	expect_violation(check_model(v), "active_devs is -3, expected a non-negative number");
	model_row(v);
	v[MKT_M_SPEND] = NAN;
	expect_violation(check_model(v), "spend is nan, expected a finite number");
	model_row(v);
	v[MKT_M_CAPACITY] = INFINITY;
	expect_violation(check_model(v), "capacity is inf, expected a finite number");
	model_row(v);
	v[MKT_M_SHARE] = 1.5;
	expect_violation(check_model(v), "token_share is 1.5, expected a fraction in [0, 1]");
	model_row(v);
	v[MKT_M_ERRORS] = -0.1;
	expect_violation(check_model(v), "error_rate is -0.1");
}

static void test_group_row(void **unused)
{
	(void)unused;
	double v[MKT_GROUP_VALUES] = { 0 };
	sim_error err;
	v[MKT_G_IN] = 3e12;
	v[MKT_G_OUT] = 1e12;
	v[MKT_G_TOKENS] = 4e12;
	v[MKT_G_FAILED] = 1e11;
	v[MKT_G_DEMANDED] = 4.1e12;
	v[MKT_G_SHARE] = 0.6;
	v[MKT_G_SPEND] = v[MKT_G_REVENUE] = 100;
	v[MKT_G_FEE] = fee_rate * 100;
	v[MKT_G_COST] = 800;
	v[MKT_G_PROFIT] = -700;
	v[MKT_G_CUM_REVENUE] = 1000;
	v[MKT_G_CUM_PROFIT] = -7000; /* a subsidy burn: negative is fine */
	assert_int_equal(mkt_check_group_row(5, "Alibaba", v, fee_rate, &err), 0);
	v[MKT_G_FAILED] = 0;
	assert_int_equal(mkt_check_group_row(5, "Alibaba", v, fee_rate, &err), -1);
	assert_string_equal(err.message, "invariant violated: week 5, Alibaba: tokens served "
			    "4e+12 + failed 0 != demanded 4.1e+12 (relative gap 0.024)");
	v[MKT_G_FAILED] = 1e11;
	v[MKT_G_CUM_REVENUE] = -1;
	assert_int_equal(mkt_check_group_row(5, "CN", v, fee_rate, &err), -1);
	assert_string_equal(err.message, "invariant violated: week 5, CN: cum_revenue is -1, "
			    "expected a non-negative number");
	/* The parts of a group's sums: lost and refused within failed, the
	   funnel within its wholes. */
	v[MKT_G_CUM_REVENUE] = 1000;
	v[MKT_G_REFUSED_QUOTA] = 2e10;
	v[MKT_G_LOST] = 8e10;
	v[MKT_G_CONVERSIONS] = 4;
	v[MKT_G_CONVERSIONS_AWAY] = 1;
	v[MKT_G_CONVERTED_REVENUE] = 60;
	v[MKT_G_FREE_COST] = 500;
	assert_int_equal(mkt_check_group_row(5, "Alibaba", v, fee_rate, &err), 0);
	v[MKT_G_LOST] = 1.2e11;
	assert_int_equal(mkt_check_group_row(5, "Alibaba", v, fee_rate, &err), -1);
	assert_string_equal(err.message, "invariant violated: week 5, Alibaba: tokens_lost "
			    "1.2e+11 > tokens_failed 1e+11, which includes it (excess 2e+10, "
			    "relative 0.17)");
	v[MKT_G_LOST] = -1e6;
	assert_int_equal(mkt_check_group_row(5, "Alibaba", v, fee_rate, &err), -1);
	assert_string_equal(err.message, "invariant violated: week 5, Alibaba: tokens_lost is "
			    "-1e+06, expected a non-negative number (tokens demanded 4.1e+12)");
	v[MKT_G_LOST] = 8e10;
	v[MKT_G_FREE_COST] = 900;
	assert_int_equal(mkt_check_group_row(5, "Alibaba", v, fee_rate, &err), -1);
	assert_string_equal(err.message, "invariant violated: week 5, Alibaba: free_cost 900 > "
			    "cost 800, which includes it (excess 100, relative 0.11)");
	v[MKT_G_FREE_COST] = 500;
	v[MKT_G_CONVERTED_REVENUE] = 101;
	assert_int_equal(mkt_check_group_row(5, "Alibaba", v, fee_rate, &err), -1);
	assert_non_null(strstr(err.message, "converted_revenue 101 > revenue 100"));
	v[MKT_G_CONVERTED_REVENUE] = 60;
	v[MKT_G_CONVERSIONS_AWAY] = 5;
	assert_int_equal(mkt_check_group_row(5, "Alibaba", v, fee_rate, &err), -1);
	assert_non_null(strstr(err.message, "conversions_away 5 > conversions 4"));
}

static void test_week_totals(void **unused)
{
	(void)unused;
	sim_error err;
	mkt_week_totals t = { .tokens = 4e12, .share = 1 - 3e-16, .demanded = 5e12,
			      .failed = 2e11, .fallback = 1e11, .lost = 9e11 };
	assert_int_equal(mkt_check_week(9, "models", &t, &err), 0);
	t.share = 0.99;
	assert_int_equal(mkt_check_week(9, "models", &t, &err), -1);
	assert_non_null(strstr(err.message, "invariant violated: week 9, all models: token "
				"shares sum to 0.98999999999999999, expected 1"));
	/* No token served: every share is 0. */
	t = (mkt_week_totals){ 0 };
	assert_int_equal(mkt_check_week(0, "providers", &t, &err), 0);
	t.share = 1;
	assert_int_equal(mkt_check_week(0, "providers", &t, &err), -1);
	assert_non_null(strstr(err.message, "week 0, all providers: token shares sum to 1, "
				"expected 0"));
	/* A re-routed token failed first somewhere. */
	t = (mkt_week_totals){ .tokens = 4e12, .share = 1, .demanded = 5e12, .failed = 1e11,
			       .fallback = 1e11, .lost = 9e11 };
	assert_int_equal(mkt_check_week(2, "models", &t, &err), 0);
	t.fallback = 1.5e11;
	assert_int_equal(mkt_check_week(2, "models", &t, &err), -1);
	assert_non_null(strstr(err.message, "week 2, all models: tokens re-routed 1.5e+11 > "
				"tokens failed 1e+11"));
	/* Served + lost = demanded - re-routed over the models. */
	t.fallback = 1e11;
	t.lost = 8e11;
	assert_int_equal(mkt_check_week(2, "models", &t, &err), -1);
	assert_non_null(strstr(err.message, "week 2, all models: tokens served 4e+12 + lost "
				"8e+11 != demanded 5e+12 - re-routed 1e+11"));
}

/* ---- end to end ---- */

#define SMALL_BASELINE "experiments/openrouter_2026.cfg --set replications=1 " \
		       "--set market.scale=200"

/* 1% of paid_us's served tokens in week 3 lost from its row: the test
   program, which always checks, fails the replication (in this process
   and in a worker) and names week, model and identity. */
static void test_dropped_tokens_caught(void **unused)
{
	(void)unused;
	static const char *const runs[] = {
		"run tests/data/market_ok.cfg --check -q --no-plots -j 1 -o " OUT "/drop1",
		"run tests/data/market_ok.cfg -q --no-plots -j 2 -o " OUT "/drop2",
	};
	setenv("MARKETSIM_DROP_TOKENS", "3:paid_us", 1);
	for (size_t i = 0; i < 2; i++) {
		test_result *r = test_run_hooks(runs[i]);
		if (r->status != 1)
			fail_msg("%s: exited %d, expected 1:\n%s", runs[i], r->status, r->out);
		test_expect_output(r, "replication 0: invariant violated: week 3, paid_us: "
				   "tokens served ");
		test_expect_output(r, "(of which re-routed here 0; relative gap 0.01)");
		free(r);
	}
	/* The release program has no such hook. */
	test_result *r = test_run("run tests/data/market_ok.cfg --check -q --no-plots -o " OUT
				  "/nohook");
	unsetenv("MARKETSIM_DROP_TOKENS");
	if (r->status != 0)
		fail_msg("release program exited %d:\n%s", r->status, r->out);
	free(r);
}

/* Clean runs pass --check, and --check changes no byte of the results. */
static void test_clean_runs_pass(void **unused)
{
	(void)unused;
	static const char *const files[] = { "models_weekly.csv", "providers_weekly.csv",
					     "origins_weekly.csv", "summary.csv",
					     "models_tokens_wide.csv" };
	test_run_ok("run " SMALL_BASELINE " --check -q --no-plots -o " OUT "/baseline");
	/* validate: a target may be missed at this scale (exit 1 too), but
	   no invariant. */
	test_result *r = test_run("validate " SMALL_BASELINE " --check -q --no-plots -o " OUT
				  "/validate");
	if ((r->status != 0 && r->status != 1) || strstr(r->out, "invariant"))
		fail_msg("validate --check exited %d:\n%s", r->status, r->out);
	free(r);
	test_run_ok("run tests/data/market_ok.cfg --check -q --no-plots -j 2 -o " OUT "/ok-check");
	test_run_ok("run tests/data/market_ok.cfg -q --no-plots -j 2 -o " OUT "/ok");
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char a[256], b[256];
		snprintf(a, sizeof a, OUT "/ok/%s", files[i]);
		snprintf(b, sizeof b, OUT "/ok-check/%s", files[i]);
		test_same_file(a, b);
	}
	test_run_ok("sweep tests/data/sweep_ok.cfg --check -q --no-plots -j 2 -o " OUT "/sweep");
}

static void test_check_usage(void **unused)
{
	(void)unused;
	test_result *r = test_run("check tests/data/market_ok.cfg --check");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "--check: check runs nothing");
	free(r);
	r = test_run("run --help");
	assert_int_equal(r->status, 0);
	test_expect_output(r, "--check ");
	free(r);
}

int main(void)
{
	if (access(test_program(), X_OK) != 0) {
		fprintf(stderr, "test_market_invariants: %s not built; run from the repository "
			"root after make\n", test_program());
		return 1;
	}
	if (system("rm -rf " OUT) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_model_row),
		cmocka_unit_test(test_model_identities),
		cmocka_unit_test(test_model_parts),
		cmocka_unit_test(test_model_ranges),
		cmocka_unit_test(test_group_row),
		cmocka_unit_test(test_week_totals),
		cmocka_unit_test(test_dropped_tokens_caught),
		cmocka_unit_test(test_clean_runs_pass),
		cmocka_unit_test(test_check_usage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
