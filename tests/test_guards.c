/*
 * test_guards.c - inputs that would crash, hang or exhaust the machine are
 * refused before anything runs: exit status 2, a message naming the
 * setting (file:line where it has one), what was expected and what was
 * found, and no output folder. `check` refuses the same inputs as `run`.
 *
 * Must run from the repository root after `make` (make test does both);
 * runs $MARKETSIM (default bin/marketsim).
 */
#include "test_run.h"

#define OUT "build/test-guards"
#define M "tests/data/market_ok.cfg"
#define P "experiments/phold.cfg"

/* Runs `command FILE ARGS --out DIR` (check: without --out), expects exit
   status 2 with `what` in the output and DIR not created. */
static void expect_refused(const char *command, const char *file, const char *args,
			   const char *what)
{
	static int n;
	char cmd[3000], out[256];
	bool check = strcmp(command, "check") == 0;
	snprintf(out, sizeof out, OUT "/refused%d", n++);
	snprintf(cmd, sizeof cmd, "%s %s %s%s%s -q", command, file, args,
		 check ? "" : " --no-plots --out ", check ? "" : out);
	test_result *r = test_run(cmd);
	if (r->status != 2)
		fail_msg("marketsim %s: exit %d, expected 2; output:\n%s", cmd, r->status, r->out);
	test_expect_output(r, what);
	if (test_exists(out))
		fail_msg("marketsim %s: refused, yet %s was created", cmd, out);
	free(r);
}

/* The same refusal from run and from check. */
static void expect_run_and_check_refuse(const char *file, const char *args, const char *what)
{
	expect_refused("run", file, args, what);
	expect_refused("check", file, args, what);
}

/* ---- dates ---- */

/* Ensure dates outside 1970-01-01 .. 2199-12-31, and a horizon that would
   end past it, are refused where they are set (year 9999 used to overflow
   a date buffer and print week starts as "10000-01-9"). */
static void test_dates_in_range(void **unused)
{
	(void)unused;
	expect_run_and_check_refuse(M, "--set 'market.start_date=\"9999-06-01\"' "
				    "--set market.days=36500",
				    "--set: market.start_date: expected a date as \"YYYY-MM-DD\" "
				    "from 1970-01-01 to 2199-12-31, found \"9999-06-01\"");
	expect_run_and_check_refuse(M, "--set 'market.start_date=\"2150-01-05\"' "
				    "--set market.days=36500",
				    "--set: market.days: expected a horizon that ends by "
				    "2199-12-31 (start_date + days), found 36500 days from "
				    "2150-01-05, to 2249-12-12");
	expect_run_and_check_refuse(M, "--set 'market.segments.[1].agentic_midpoint="
				    "\"1969-07-20\"'",
				    "market.segments.[1].agentic_midpoint: expected a date as "
				    "\"YYYY-MM-DD\" from 1970-01-01 to 2199-12-31");
}

/* ---- derived quantities ---- */

/* Ensure PHOLD settings whose event times would overflow to infinity are
   refused by check and run alike (run used to abort on the engine's
   assertion "event scheduled at infinity" while check said ok). */
static void test_phold_times_finite(void **unused)
{
	(void)unused;
	expect_run_and_check_refuse(P, "--set phold.lookahead=1e308 --set phold.mean=1.7e308",
				    "--set: phold.mean: expected event times to stay finite: "
				    "end_time + lookahead + 40 x (mean - lookahead)");
}

/* Writes tests/data/sweep_ok.cfg into OUT/name with its parameter list
   replaced by `parameters`. */
static void write_sweep(const char *name, const char *parameters)
{
	char *ok = test_read_file("tests/data/sweep_ok.cfg");
	const char *old = "{ path = \"market.events.[0].price_out\"; values = [0.0, 1.8, 3.6]; }";
	char *at = strstr(ok, old), path[256];
	assert_non_null(at);
	snprintf(path, sizeof path, OUT "/%s", name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%.*s%s%s", (int)(at - ok), ok, parameters, at + strlen(old));
	assert_int_equal(fclose(f), 0);
	free(ok);
}

#define RANGE(STEPS) "{ path = \"market.events.[0].price_out\"; from = 0.0; to = 4.0; " \
		     "steps = " #STEPS "; }"

/* Ensure a grid beyond SIM_SWEEP_MAX_POINTS is refused at the sweep's
   parameters, with its product: 2^64 points (which used to wrap and run
   4 wrong points, or say "point index below 0") and 10^12 (accepted). */
static void test_sweep_point_count(void **unused)
{
	(void)unused;
	write_sweep("wrap.cfg", RANGE(65536) ", " RANGE(65536) ", " RANGE(65536) ", "
		    RANGE(65537));
	expect_refused("sweep", OUT "/wrap.cfg", "", OUT "/wrap.cfg:8: sweep.parameters: "
		       "expected at most 10000000 points, found 65536 x 65536 x 65536 x 65537 "
		       "(more than 2^64)");
	write_sweep("exact.cfg", RANGE(65536) ", " RANGE(65536) ", " RANGE(65536) ", "
		    RANGE(65536));
	expect_refused("check", OUT "/exact.cfg", "", "(more than 2^64)");
	write_sweep("tera.cfg", RANGE(1000000) ", " RANGE(1000000));
	expect_refused("sweep", OUT "/tera.cfg", "", "found 1000000 x 1000000 = 1000000000000");
	expect_refused("check", OUT "/tera.cfg", "", "found 1000000 x 1000000 = 1000000000000");
	expect_refused("run", OUT "/tera.cfg", "", "found 1000000 x 1000000 = 1000000000000");
}

/* ---- files ---- */

/* Writes text to OUT/name. */
static void write_text(const char *name, const char *text, size_t len)
{
	char path[256];
	snprintf(path, sizeof path, OUT "/%s", name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Ensure an @include of a directory, of a name with a NUL, or climbing
   out of the experiment's folder is refused at its file:line (libconfig's
   scanner used to exit the process with "input in flex scanner failed",
   or read /etc/passwd). */
static void test_includes(void **unused)
{
	(void)unused;
	write_text("dir.cfg", "model = \"phold\";\n@include \".\"\n", 31);
	expect_run_and_check_refuse(OUT "/dir.cfg", "", OUT "/dir.cfg:2: @include \".\": "
				    "expected a regular file, found a directory");
	write_text("nul.cfg", "model = \"phold\";\n@include \"\0\"\n", 31);
	expect_run_and_check_refuse(OUT "/nul.cfg", "", OUT "/nul.cfg:2: @include \"\\x00\": "
				    "expected a file name without control characters");
	write_text("climb.cfg", "model = \"phold\";\n@include \"../../../../etc/passwd\"\n",
		   52);
	expect_run_and_check_refuse(OUT "/climb.cfg", "", OUT "/climb.cfg:2: @include "
				    "\"../../../../etc/passwd\": expected a path inside " OUT
				    " (the experiment file's folder)");
}

/* Ensure a targets file that is a device, a directory or outside the
   experiment's folder is refused before anything runs (/dev/zero used to
   hang validate). */
static void test_targets(void **unused)
{
	(void)unused;
	expect_refused("validate", M, "--set 'targets=\"/dev/zero\"'",
		       "--set: targets: expected a path relative to tests/data");
	expect_refused("validate", M, "--set 'targets=\"../../../../dev/zero\"'",
		       "found one whose \"..\" climbs above it");
	expect_refused("validate", M, "--set 'targets=\".\"'",
		       "--set: targets: expected a regular file, found a directory "
		       "(tests/data/.)");
}

int main(void)
{
	if (access(test_program(), X_OK) != 0) {
		fprintf(stderr, "test_guards: %s not built; run from the repository root "
			"after make\n", test_program());
		return 1;
	}
	if (system("rm -rf " OUT " && mkdir -p " OUT) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates_in_range),
		cmocka_unit_test(test_phold_times_finite),
		cmocka_unit_test(test_sweep_point_count),
		cmocka_unit_test(test_includes),
		cmocka_unit_test(test_targets),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	if (failed == 0 && system("rm -rf " OUT) != 0)
		return 1;
	return failed;
}
