/*
 * test_market_validate.c - `marketsim validate`: the baseline meets every
 * observed figure of experiments/targets/openrouter_2026.csv, a missed
 * target makes the exit status 1, and a bad targets file is refused
 * (file:line, exit 2) before anything runs.
 */
#include "test_run.h"

#define OUT "build/test-market-validate"

/* Acceptance: the baseline, with its 20 replications, passes all its
   targets, prints the table and saves it with the results. */
static void test_baseline_passes(void **unused)
{
	(void)unused;
	test_result *r = test_run("validate experiments/openrouter_2026.cfg --no-plots -q -o "
				  OUT "/baseline");
	if (r->status != 0)
		fail_msg("validate exited %d:\n%s", r->status, r->out);
	test_expect_output(r, "(20 replications; mean and 95% CI)");
	test_expect_output(r, "apr_qwen_first");
	test_expect_output(r, "13 targets, 0 missed");
	assert_true(test_exists(OUT "/baseline/validation.txt"));
	free(r);
}

/* A target the run cannot meet: the table says FAIL, the exit status 1,
   and the results are still written. */
static void test_missed_target(void **unused)
{
	(void)unused;
	test_result *r = test_run("validate tests/data/market_validate_miss.cfg --no-plots -o "
				  OUT "/miss");
	assert_int_equal(r->status, 1);
	test_expect_output(r, "some_tokens");
	test_expect_output(r, "FAIL");
	test_expect_output(r, "3 targets, 1 missed");
	test_expect_output(r, "1 target missed");
	assert_true(test_exists(OUT "/miss/validation.txt"));
	free(r);
}

/* A bad row of the targets file is reported at its line before the run. */
static void test_bad_targets_file(void **unused)
{
	(void)unused;
	test_result *r = test_run("validate tests/data/market_validate_bad.cfg --no-plots -o "
				  OUT "/bad");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "tests/data/market_targets_bad.csv:5: kind: expected router_tokens");
	test_expect_output(r, "found \"router_tokenz\"");
	assert_false(test_exists(OUT "/bad"));
	free(r);
}

/* An experiment without targets cannot be validated. */
static void test_no_targets(void **unused)
{
	(void)unused;
	test_result *r = test_run("validate tests/data/market_ok.cfg --no-plots -o " OUT "/none");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "targets: `validate` needs a targets file");
	assert_false(test_exists(OUT "/none"));
	free(r);
}

int main(void)
{
	if (access(test_program(), X_OK) != 0) {
		fprintf(stderr, "test_market_validate: %s not built; run from the repository "
			"root after make\n", test_program());
		return 1;
	}
	if (system("rm -rf " OUT) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_baseline_passes),
		cmocka_unit_test(test_missed_target),
		cmocka_unit_test(test_bad_targets_file),
		cmocka_unit_test(test_no_targets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
