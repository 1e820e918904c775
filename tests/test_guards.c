/*
 * test_guards.c - inputs that would crash, hang or exhaust the machine are
 * refused before anything runs: exit status 2, a message naming the
 * setting (file:line where it has one), what was expected and what was
 * found, and no output folder. `check` refuses the same inputs as `run`.
 *
 * The estimates the limits rest on (each model's sim_model_type.estimate,
 * the run layer's sum over the workers at once) are tested here too.
 *
 * Must run from the repository root after `make` (make test does both);
 * runs $MARKETSIM (default bin/marketsim).
 */
#include "test_run.h"

#include <math.h>

#include "market_internal.h"
#include "phold/phold.h"
#include "run/guard.h"

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

/* ---- check = run ---- */

/* The first line of `marketsim ARGS`'s output, after it exits `status`. */
static char *first_line(const char *args, int status)
{
	test_result *r = test_run(args);
	if (r->status != status)
		fail_msg("marketsim %s: exit %d, expected %d:\n%s", args, r->status, status, r->out);
	char *line = strndup(r->out, strcspn(r->out, "\n"));
	free(r);
	return line;
}

/* Ensure check refuses what run, validate or sweep would refuse before
   starting, with the same message: a schema error, a derived quantity, a
   limit, a bad targets file (validate's), a bad sweep point (sweep's,
   whether its value is set in place or the point resolved again). */
static void test_check_agrees(void **unused)
{
	(void)unused;
	write_sweep("point.cfg", "{ path = \"market.arrivals.initial\"; from = 0.0; "
		    "to = 20000.1; steps = 5; }");
	write_sweep("reference.cfg", "{ path = \"market.events.[0].price_out\"; values = "
		    "[0.0, 1.8]; }, { path = \"sweep.reference\"; values = [0.0, 5.0]; }");
	write_sweep("count.cfg", "{ path = \"replications\"; values = [1.0, 3.0]; }");
	const struct { const char *command, *args; } cases[] = {
		{ "run", M " --set market.days=0" },
		{ "run", P " --set phold.lookahead=1e308 --set phold.mean=1.7e308" },
		{ "run", M " --set market.scale=1e-9" },
		{ "run", P " --set phold.end_time=1e300" },
		{ "validate", "tests/data/market_validate_bad.cfg" },
		{ "sweep", OUT "/point.cfg" },
		{ "sweep", OUT "/reference.cfg" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char run[512], check[512];
		snprintf(run, sizeof run, "%s %s -q --no-plots --out " OUT "/agree%zu",
			 cases[i].command, cases[i].args, i);
		snprintf(check, sizeof check, "check %s", cases[i].args);
		char *a = first_line(run, 2), *b = first_line(check, 2);
		if (strcmp(a, b) != 0)
			fail_msg("%s and check differ:\n%s\n%s", cases[i].command, a, b);
		snprintf(run, sizeof run, OUT "/agree%zu", i);
		assert_false(test_exists(run));
		free(a);
		free(b);
	}
	char *a = first_line("check " OUT "/point.cfg", 2);
	assert_string_equal(a, "marketsim: --set: market.arrivals.initial: expected at most the "
			    "potential (20000), found 20000.1 (at sweep point 4)");
	free(a);
	a = first_line("check " OUT "/reference.cfg", 2);
	assert_string_equal(a, "marketsim: --set: sweep.reference: expected a point index below "
			    "4, the number of points; found 5 (at sweep point 1)");
	free(a);
	test_run_ok("check " OUT "/count.cfg");
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

/* ---- estimates ---- */

/* Ensure the market's estimate: agents = arrivals.potential / scale, each
   16 bytes with its 32-byte pending event, plus the ticks, events, weekly
   tables (the state's row, 16 bytes per value of the three tables' 29 +
   29 + 29 columns, 160 bytes of keys per table row) and the per-segment
   arrays (7 doubles: pull, spend_unit, intensity, load, fallback_load,
   refused_load, converted_load; paid, members, the day's demand: 89
   bytes per segment and model); events = ticks + arrivals + reviews and
   departures. */
static void test_market_estimate(void **unused)
{
	(void)unused;
	mkt_segment_params seg[2] = {
		{ .name = (char *)"a", .share = 0.75, .review_days = 30, .churn = 0 },
		{ .name = (char *)"b", .share = 0.25, .review_days = 0, .churn = 365 },
	};
	char *ids[3] = { (char *)"x", (char *)"y", (char *)"z" };
	mkt_market_params p = { .days = 70, .scale = 1e-9,
				.arrivals = { .potential = 1e6 },
				.models = { 3, ids, NULL }, .segments = { 2, seg } };
	sim_resource_estimate e;
	mkt_market_model.estimate(&p, &e);
	double agents = 1e15, per_agent = sizeof(mkt_agent) + SIM_EVENT_BYTES;
	assert_int_equal(sizeof(mkt_agent), 16);
	assert_int_equal(MKT_MODEL_VALUES, 29);
	assert_int_equal(MKT_GROUP_VALUES, 29);
	assert_int_equal(sizeof(mkt_demand), 24);
	double row = sizeof(mkt_week_row) + 16.0 * (29 + 2 * 29) + 3 * 160.0;
	double tables = (70 + 0 + 1) * 32.0 + 10 * 3 * row + 2 * 3 * 89.0;
	assert_double_near(e.bytes, agents * per_agent + tables, 1e-6 * e.bytes);
	assert_string_equal(e.memory_setting, "scale");
	assert_non_null(strstr(e.memory, "about 1.0e+15 developer agents (arrivals.potential "
				   "1e+06 / scale 1e-09), 48 bytes each"));
	/* Reviews: 0.75 x 10^15 agents every 30 days for 70 days; departures:
	   0.25 x 10^15 agents at 365 a year, a day each. */
	double reviews = 0.75e15 * 70 / 30, leaving = 0.25e15 * 70;
	assert_double_near(e.events, 70 + agents + reviews + leaving, 1e-9 * e.events);
	assert_string_equal(e.events_setting, "segments.[1].review_days");
	/* The baseline's scale: a hundredth of the potential's agents. */
	p.scale = 100;
	mkt_market_model.estimate(&p, &e);
	assert_double_near(e.bytes, 1e4 * per_agent + tables, 1e-9 * e.bytes);
}

/* Ensure PHOLD's estimate: lps x start_events pending events of 32
   bytes, the LPs' state, and lps x start_events x end_time / mean events. */
static void test_phold_estimate(void **unused)
{
	(void)unused;
	phold_params p = { .lps = 1000, .start_events = 1000000, .lookahead = 0.1, .mean = 1,
			   .end_time = 100 };
	sim_resource_estimate e;
	phold_model.estimate(&p, &e);
	assert_true(e.bytes >= 1e9 * SIM_EVENT_BYTES);
	assert_true(e.bytes < 1e9 * SIM_EVENT_BYTES + 1000 * 1024.0);
	assert_string_equal(e.memory_setting, "start_events");
	assert_double_near(e.events, 1e11, 1);
	assert_string_equal(e.events_setting, "end_time");
	p = (phold_params){ .lps = 1, .start_events = 1, .mean = 1, .end_time = 1e300 };
	phold_model.estimate(&p, &e);
	assert_true(e.events > SIM_MAX_EVENTS);
	assert_string_equal(e.memory_setting, "lps");
}

/* Ensure --max-memory's sizes, the sizes shown, and the workers at once
   (-j capped at the tasks; 1 in this process). */
static void test_sizes_and_workers(void **unused)
{
	(void)unused;
	double b = 0;
	assert_int_equal(sim_guard_parse_size("4G", &b), 0);
	assert_double_near(b, 4.0 * (1 << 30), 0);
	assert_int_equal(sim_guard_parse_size("500M", &b), 0);
	assert_double_near(b, 500.0 * (1 << 20), 0);
	assert_int_equal(sim_guard_parse_size("1.5GiB", &b), 0);
	assert_double_near(b, 1.5 * (1 << 30), 0);
	assert_int_equal(sim_guard_parse_size("2tb", &b), 0);
	assert_double_near(b, 2.0 * 1099511627776.0, 0);
	assert_int_equal(sim_guard_parse_size("1048576", &b), 0);
	assert_double_near(b, 1048576, 0);
	const char *bad[] = { "", "G", "-1G", "0", "4X", "4 G", "4GG", "1e999", "nan", NULL };
	for (int i = 0; bad[i]; i++)
		if (sim_guard_parse_size(bad[i], &b) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
	char text[32];
	sim_guard_format_size(19.2 * (1 << 30), text, sizeof text);
	assert_string_equal(text, "19.2 GB");
	sim_guard_format_size(512, text, sizeof text);
	assert_string_equal(text, "512 bytes");
	sim_run_options opt = { 0 };
	assert_int_equal(sim_guard_workers(&opt, 20), 1);
	sim_exec_options how = { false, 8, false };
	opt.exec = &how;
	assert_int_equal(sim_guard_workers(&opt, 20), 8);
	assert_int_equal(sim_guard_workers(&opt, 3), 3);
	how.mpi = true;
	assert_int_equal(sim_guard_workers(&opt, 20), 1);
	opt.max_memory = 1e6;
	assert_double_near(sim_guard_memory_limit(&opt, NULL), 1e6, 0);
	opt.max_memory = 0;
	const char *why;
	assert_true(sim_guard_memory_limit(&opt, &why) > 0);
	assert_non_null(strstr(why, "80% of this machine's memory"));
}

/* ---- limits ---- */

/* Ensure runs that would exhaust memory or never end are refused before
   anything is allocated or written: agents without limit (scale 10^-9;
   potential = initial = 10^12 at scale 1 used to take 1 GB after 27 s and
   grow), PHOLD's huge start_events, and one LP until 10^300. */
static void test_resource_limits(void **unused)
{
	(void)unused;
	expect_run_and_check_refuse(M, "--set market.scale=1e-9",
				    "--set: market.scale: the market would hold about 2.0e+13 "
				    "developer agents (arrivals.potential 20000 / scale 1e-09), 48 "
				    "bytes each with its pending event, and its weekly tables: "
				    "9.6e+14 bytes, beyond the memory limit of ");
	expect_run_and_check_refuse(M, "--set market.scale=1e-9",
				    "(80% of this machine's memory; --max-memory to change)");
	expect_run_and_check_refuse(M, "--set market.arrivals.potential=1e12 "
				    "--set market.arrivals.initial=1e12 --set market.scale=1",
				    "--set: market.scale: the market would hold about 1.0e+12 "
				    "developer agents");
	expect_run_and_check_refuse(P, "--set phold.lps=1000 --set phold.start_events=1000000 "
				    "--max-memory 16G",
				    "--set: phold.start_events: PHOLD would hold about 1.0e+09 "
				    "pending events (lps 1000 x start_events 1000000, 32 bytes each) "
				    "and 1000 LPs");
	expect_run_and_check_refuse(P, "--set phold.lps=1 --set phold.end_time=1e300",
				    "--set: phold.end_time: a replication would execute about "
				    "4.0e+300 events (lps x start_events x end_time / mean = 1 x 4 x "
				    "1e+300 / 1), beyond the limit of 1e+13 events a run may take");
	/* --max-memory, and the workers at once: 2 replications on -j 2
	   take twice what one does, and -j 4 starts no more workers than
	   the 2 tasks. */
	const char *twice = "tests/data/market_ok.cfg:9: market.scale: the market would hold "
			    "about 2.0e+02 developer agents (arrivals.potential 20000 / scale "
			    "100), 48 bytes each with its pending event, and its weekly tables: "
			    "6.8e+04 bytes per replication, 1.4e+05 bytes with 2 replications at "
			    "once, beyond the memory limit of 80.0 KB (set by --max-memory)";
	expect_run_and_check_refuse(M, "--set replications=2 -j 2 --max-memory 80K", twice);
	expect_run_and_check_refuse(M, "--set replications=2 -j 4 --max-memory 80K", twice);
	test_run_ok("check " M " --set replications=2 -j 1 --max-memory 80K");
	test_run_ok("run " M " --set replications=2 -j 1 --max-memory 80K -q --no-plots --out "
		    OUT "/fits");
	/* A size --max-memory cannot read is bad usage. */
	test_result *r = test_run("check " M " --max-memory 4X");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "--max-memory: expected a size such as 4G or 500M");
	free(r);
}

/* Ensure a sweep starts no more workers than it has tasks (no idle
   forks): 3 points x 2 replications on -j 8 run on 6. */
static void test_workers_capped(void **unused)
{
	(void)unused;
	test_run_ok("sweep tests/data/sweep_ok.cfg -j 8 -q --no-plots --out " OUT "/capped");
	char *manifest = test_read_file(OUT "/capped/manifest.txt");
	if (!strstr(manifest, "\nworkers = 6\n"))
		fail_msg("expected workers = 6 in the manifest:\n%s", manifest);
	free(manifest);
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
		cmocka_unit_test(test_check_agrees),
		cmocka_unit_test(test_includes),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_market_estimate),
		cmocka_unit_test(test_phold_estimate),
		cmocka_unit_test(test_sizes_and_workers),
		cmocka_unit_test(test_resource_limits),
		cmocka_unit_test(test_workers_capped),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	if (failed == 0 && system("rm -rf " OUT) != 0)
		return 1;
	return failed;
}
