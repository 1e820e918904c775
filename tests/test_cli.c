/*
 * test_cli.c - bin/marketsim as a user runs it.
 *
 * Runs the built program ($MARKETSIM, default bin/marketsim) with fixtures from tests/data (one defect per bad
 * file) and checks the exit status (0 ok, 1 runtime failure, 2 bad usage or
 * config), that each config error names file:line and the setting, and that
 * a rejected experiment writes no output directory at all. Must run from
 * the repository root after `make` (make test does both).
 */
#include "test_run.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUT "build/test-cli"

/* The program under test: $MARKETSIM (make test sets it to the build's
   own binary, e.g. the sanitizer build's), else bin/marketsim. */
/* Runs a bad fixture and checks status 2, the message, and no output. */
static void expect_config_error(const char *fixture, const char *location,
				const char *message)
{
	char args[512], out[256];
	snprintf(out, sizeof out, OUT "/%s", fixture);
	snprintf(args, sizeof args, "run tests/data/%s.cfg --out %s", fixture, out);
	test_result *r = test_run(args);
	if (r->status != 2)
		fail_msg("%s: exit %d, expected 2; output:\n%s", fixture, r->status, r->out);
	test_expect_output(r, location);
	test_expect_output(r, message);
	assert_false(test_exists(out));
	/* check reports the same problem with the same status. */
	snprintf(args, sizeof args, "check tests/data/%s.cfg", fixture);
	test_result *c = test_run(args);
	assert_int_equal(c->status, 2);
	test_expect_output(c, location);
	free(c);
	free(r);
}

/* Ensure an unknown key is named with file:line and a did-you-mean hint. */
static void test_unknown_key(void **unused)
{
	(void)unused;
	expect_config_error("cli_unknown_key", "tests/data/cli_unknown_key.cfg:5: phold.lookahed:",
			    "did you mean 'lookahead'");
}

/* Ensure a value of the wrong type is reported with what was found. */
static void test_wrong_type(void **unused)
{
	(void)unused;
	expect_config_error("cli_wrong_type", "tests/data/cli_wrong_type.cfg:4: phold.lps:",
			    "expected an integer");
	expect_config_error("cli_int_as_float",
			    "tests/data/cli_int_as_float.cfg:4: phold.start_events:",
			    "found a float");
}

/* Ensure an out-of-range value is reported with the range. */
static void test_out_of_range(void **unused)
{
	(void)unused;
	expect_config_error("cli_out_of_range", "tests/data/cli_out_of_range.cfg:6: phold.remote:",
			    "[0, 1], found 1.5");
}

/* Ensure infinity is rejected. */
static void test_infinite(void **unused)
{
	(void)unused;
	expect_config_error("cli_infinite", "tests/data/cli_infinite.cfg:4: phold.mean:",
			    "finite");
}

/* Ensure a missing required setting is reported. */
static void test_missing_required(void **unused)
{
	(void)unused;
	expect_config_error("cli_missing_model", "tests/data/cli_missing_model.cfg:1: model:",
			    "required setting is missing");
}

/* Ensure a libconfig syntax error gives the file and line. */
static void test_syntax_error(void **unused)
{
	(void)unused;
	expect_config_error("cli_syntax", "tests/data/cli_syntax.cfg:5:", "syntax error");
}

/* Ensure an unknown model and a failed cross-setting check are config errors. */
static void test_model_level_errors(void **unused)
{
	(void)unused;
	expect_config_error("cli_unknown_model", "tests/data/cli_unknown_model.cfg:2: model:",
			    "did you mean \"phold\"");
	expect_config_error("cli_cross_check", "tests/data/cli_cross_check.cfg:5: phold.mean:",
			    "lookahead");
}

/* Ensure a missing file is exit 2 with the path named. */
static void test_missing_file(void **unused)
{
	(void)unused;
	test_result *r = test_run("run tests/data/no_such_file.cfg --out " OUT "/nofile");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "tests/data/no_such_file.cfg");
	assert_false(test_exists(OUT "/nofile"));
	free(r);
}

/* Ensure --set overrides are validated like the file and applied. */
static void test_set_overrides(void **unused)
{
	(void)unused;
	test_result *r = test_run("run tests/data/cli_ok.cfg --set phold.lps=abc --out " OUT "/set_bad");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "--set");
	test_expect_output(r, "phold.lps");
	assert_false(test_exists(OUT "/set_bad"));
	free(r);

	r = test_run("run tests/data/cli_ok.cfg --set phold.mean=nan --out " OUT "/set_nan");
	assert_int_equal(r->status, 2);
	free(r);

	r = test_run("run tests/data/cli_ok.cfg --set phold.lp=3 --out " OUT "/set_unknown");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "did you mean");
	free(r);

	r = test_run("run tests/data/cli_ok.cfg --quiet --set phold.lps=3 --seed 77 --out " OUT "/set_ok");
	assert_int_equal(r->status, 0);
	assert_string_equal(r->out, ""); /* --quiet */
	free(r);
	r = test_run("check tests/data/cli_ok.cfg --set phold.lps=3");
	assert_int_equal(r->status, 0);
	free(r);
	FILE *f = fopen(OUT "/set_ok/phold_lps.csv", "r");
	assert_non_null(f);
	int lines = 0;
	char line[256];
	while (fgets(line, sizeof line, f))
		lines++;
	fclose(f);
	assert_int_equal(lines, 1 + 3); /* header + 3 LPs */
	f = fopen(OUT "/set_ok/manifest.txt", "r");
	assert_non_null(f);
	bool seed_seen = false;
	while (fgets(line, sizeof line, f))
		seed_seen |= strcmp(line, "seed = 77\n") == 0;
	fclose(f);
	assert_true(seed_seen);
}

/* Ensure @include works and a successful run says where results went. */
static void test_include_and_run(void **unused)
{
	(void)unused;
	test_result *r = test_run("run tests/data/cli_include_main.cfg --out " OUT "/include");
	assert_int_equal(r->status, 0);
	test_expect_output(r, "events/s");
	test_expect_output(r, OUT "/include");
	assert_true(test_exists(OUT "/include/manifest.txt"));
	assert_true(test_exists(OUT "/include/phold_summary.csv"));
	free(r);
}

/* Ensure usage errors exit 2 and help/version exit 0. */
static void test_usage(void **unused)
{
	(void)unused;
	const char *bad[] = { "", "frobnicate", "run --bogus tests/data/cli_ok.cfg",
			      "run tests/data/cli_ok.cfg extra", "run --seed -4 tests/data/cli_ok.cfg",
			      "check", "config-doc nomodel", "run --out" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		test_result *r = test_run(bad[i]);
		if (r->status != 2)
			fail_msg("`marketsim %s`: exit %d, expected 2", bad[i], r->status);
		test_expect_output(r, "usage:");
		free(r);
	}
	const char *good[] = { "--help", "--version", "run --help", "check --help",
			       "config-doc --help", "help run", "config-doc" };
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		test_result *r = test_run(good[i]);
		if (r->status != 0)
			fail_msg("`marketsim %s`: exit %d, expected 0", good[i], r->status);
		free(r);
	}
}

/* Ensure config-doc prints every PHOLD setting with its default and doc. */
static void test_config_doc(void **unused)
{
	(void)unused;
	test_result *r = test_run("config-doc phold");
	assert_int_equal(r->status, 0);
	const char *want[] = { "phold.lps", "phold.start_events", "phold.remote",
			       "phold.lookahead", "phold.mean", "phold.end_time",
			       "phold.lp_table", "seed", "model", "0.25",
			       "Number of logical processes" };
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		test_expect_output(r, want[i]);
	free(r);
}

/* Ensure an output path that cannot be created is a runtime failure (1). */
static void test_runtime_failure(void **unused)
{
	(void)unused;
	test_result *r = test_run("run tests/data/cli_ok.cfg --out tests/data/cli_ok.cfg/sub");
	assert_int_equal(r->status, 1);
	test_expect_output(r, "cannot create output directory");
	free(r);
}

int main(void)
{
	if (access(test_program(), X_OK) != 0) {
		fprintf(stderr, "test_cli: %s not built; run from the repository root after make\n",
			test_program());
		return 1;
	}
	/* Start clean: "no output directory" checks must see this run only. */
	if (system("rm -rf " OUT) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_infinite),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_model_level_errors),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_set_overrides),
		cmocka_unit_test(test_include_and_run),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_config_doc),
		cmocka_unit_test(test_runtime_failure),
	};
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
