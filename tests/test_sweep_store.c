/*
 * test_sweep_store.c - a sweep's results database (results.sqlite):
 * worker counts store the same rows; a sweep killed with SIGKILL at
 * random moments, three times, and resumed ends identical to one that
 * ran straight through; SIGTERM stops cleanly and says how to resume;
 * every row names its point, parameters, replication and seed; the CSVs
 * come back from the database alone (`marketsim plot`).
 */
#include "test_csv.h"
#include "test_db.h"
#include "test_run.h"

#include <signal.h>
#include <time.h>

#define OUT "build/test-sweep-store"
/* Long enough (96 replications, ~3 s with two workers) that a kill lands
   mid-sweep. */
#define SIZE "--set replications=32 --set market.days=300 --set market.scale=10 " \
	     "--set market.arrivals.potential=2000000"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Acceptance 2: SIGKILL at a random moment, three times in a row with
   --resume in between, then a resume to the end: the same database rows
   and the same summary as a sweep that was never interrupted. */
static void test_killed_three_times(void **unused)
{
	(void)unused;
	double t0 = now();
	test_run_ok("sweep tests/data/sweep_ok.cfg -q --no-plots -j 2 " SIZE " -o " OUT "/straight");
	double straight = now() - t0;
	unsigned seed = (unsigned)time(NULL);
	srand(seed);
	long long before = 0;
	for (int k = 0; k < 3; k++) {
		/* A moment within the first 80% of what is left to run. */
		double left = straight * (1.0 - before / 96.0);
		double delay = left * (0.05 + 0.75 * rand() / (double)RAND_MAX);
		t0 = now();
		pid_t pid = test_start(k == 0 ? "sweep tests/data/sweep_ok.cfg --no-plots -j 2 " SIZE
				  " -o " OUT "/killed"
				  : "sweep tests/data/sweep_ok.cfg --no-plots -j 2 --resume " SIZE
				  " -o " OUT "/killed", OUT "/kill.log");
		if (k == 0) {
			/* The first kill lands mid-sweep whatever the machine's
			   load: once a random number of replications, 1 to 80 of
			   96, are stored, not after a time. */
			long long target = 1 + rand() % 80;
			for (int i = 0; i < 6000 && test_db_stored(OUT "/killed") < target; i++) {
				struct timespec poll = { 0, 5000000 };
				nanosleep(&poll, NULL);
			}
			delay = now() - t0;
		} else {
			struct timespec ts = { (time_t)delay,
					       (long)((delay - (time_t)delay) * 1e9) };
			nanosleep(&ts, NULL);
		}
		kill(pid, SIGKILL);
		int status = test_finish(pid);
		long long now_stored = test_db_stored(OUT "/killed");
		print_message("kill %d after %.2f s (seed %u): %s, %lld replications stored\n",
			      k + 1, delay, seed, WIFSIGNALED(status) ? "killed" : "had finished",
			      now_stored);
		assert_true(now_stored >= before);
		/* The first kill lands mid-sweep; the later ones may find it
		   done. */
		if (k == 0)
			assert_true(WIFSIGNALED(status) && now_stored < 96);
		before = now_stored;
	}
	test_result *r = test_run("sweep tests/data/sweep_ok.cfg --no-plots -j 2 --resume " SIZE
				  " -o " OUT "/killed");
	assert_int_equal(r->status, 0);
	test_expect_output(r, "kept from before");
	free(r);
	test_same_db(OUT "/straight/results.sqlite", OUT "/killed/results.sqlite");
	test_same_file(OUT "/straight/sweep_summary.csv", OUT "/killed/sweep_summary.csv");
	test_same_file(OUT "/straight/points/p0002/models_weekly.csv",
		       OUT "/killed/points/p0002/models_weekly.csv");
}

/* SIGTERM (as SIGINT) stops the sweep cleanly: exit 143, what is stored
   stays, the message says how to resume, and resuming completes it. */
/* Runs the "Resume with: ..." line of log as printed; it must succeed. */
static void run_resume_hint(const char *log)
{
	const char *hint = strstr(log, "Resume with: ");
	if (!hint)
		fail_msg("expected a resume hint in:\n%s", log);
	hint += strlen("Resume with: ");
	char cmd[2048];
	size_t n = strcspn(hint, "\n");
	assert_true(n < sizeof cmd - 16);
	memcpy(cmd, hint, n);
	strcpy(cmd + n, " -q 2>&1");
	test_result *r = test_run_shell(cmd);
	if (r->status != 0)
		fail_msg("%s exited %d:\n%s", cmd, r->status, r->out);
	free(r);
}

/* Ensure SIGINT stops a run in this process (-j 1) inside its running
   replication, not after it: the first replication of a million-agent
   year takes seconds, and none is stored when the signal comes at 0.5 s.
   The resumed run then equals a straight one. */
static void test_sigint_in_process(void **unused)
{
	(void)unused;
	pid_t pid = test_start("run experiments/bench_1m.cfg --no-plots -j 1 --set replications=2 "
			  "--set market.days=120 -o " OUT "/int1", OUT "/int1.log");
	for (int i = 0; i < 400 && !test_exists(OUT "/int1/results.sqlite"); i++) {
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
	}
	struct timespec half = { 0, 500000000 };
	nanosleep(&half, NULL);
	kill(pid, SIGINT);
	int status = test_finish(pid);
	char *log = test_read_file(OUT "/int1.log");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 130)
		fail_msg("expected exit 130 after SIGINT, got status %d:\n%s", status, log);
	assert_int_equal(test_db_stored(OUT "/int1"), 0);
	free(log);
}

static void test_sigterm_stops_cleanly(void **unused)
{
	(void)unused;
	pid_t pid = test_start("sweep tests/data/sweep_ok.cfg --no-plots -j 2 " SIZE
			  " -o " OUT "/term", OUT "/term.log");
	/* Wait until something is stored, then ask it to stop. */
	for (int i = 0; i < 400 && test_db_stored(OUT "/term") < 2; i++) {
		struct timespec ts = { 0, 20000000 };
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGTERM);
	int status = test_finish(pid);
	char *log = test_read_file(OUT "/term.log");
	/* 96 replications take seconds; the signal came after two. */
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 143)
		fail_msg("expected exit 143 after SIGTERM, got status %d:\n%s", status, log);
	if (!strstr(log, "stopped by SIGTERM"))
		fail_msg("expected the stop to be said in:\n%s", log);
	long long kept = test_db_stored(OUT "/term");
	assert_true(kept >= 2 && kept < 96);
	assert_false(test_exists(OUT "/term/sweep_summary.csv"));
	/* The hint is the command as typed, --set options and all, with
	   --resume: run exactly what it says. */
	run_resume_hint(log);
	free(log);
	test_run_ok("sweep tests/data/sweep_ok.cfg -q --no-plots -j 1 " SIZE " -o " OUT "/term-ref");
	test_same_db(OUT "/term-ref/results.sqlite", OUT "/term/results.sqlite");
}

/* Any number of workers stores the same rows (compared by a query that
   orders them) and derives the same CSVs. */
static void test_workers_store_same_rows(void **unused)
{
	(void)unused;
	test_run_ok("sweep tests/data/sweep_ok.cfg -q --no-plots -j 1 -o " OUT "/j1");
	test_run_ok("sweep tests/data/sweep_ok.cfg -q --no-plots -j 3 -o " OUT "/j3");
	test_same_db(OUT "/j1/results.sqlite", OUT "/j3/results.sqlite");
	test_same_file(OUT "/j1/sweep_summary.csv", OUT "/j3/sweep_summary.csv");
	test_same_file(OUT "/j1/sweep_vs_reference.csv", OUT "/j3/sweep_vs_reference.csv");
	/* 3 points x 2 replications, each with every weekly row. */
	assert_int_equal(test_db_count(OUT "/j1/results.sqlite", "SELECT count(*) FROM runs"), 6);
	assert_int_equal(test_db_count(OUT "/j1/results.sqlite",
				       "SELECT count(DISTINCT point || ':' || replication) FROM "
				       "models_weekly"), 6);
}

/* Every per-replication row says what it is: experiment, point, the
   point's parameter values, replication, seed and stream key. */
static void test_rows_describe_themselves(void **unused)
{
	(void)unused;
	csv *t = csv_load(OUT "/j1", "sweep_replications.csv");
	const char *cols[] = { "experiment", "point", "point_name",
			       "market.events.[0].price_out", "replication", "seed",
			       "stream_key", "metric", "subject", "value" };
	for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++)
		csv_col(t, cols[k]); /* fails the test when missing */
	size_t name = csv_col(t, "point_name"), price = csv_col(t, "market.events.[0].price_out");
	size_t rep = csv_col(t, "replication");
	bool seen[3][2] = { { false } };
	for (size_t r = 0; r < t->rows; r++) {
		assert_string_equal(t->cell[r][csv_col(t, "experiment")], "sweep_ok");
		assert_string_equal(t->cell[r][csv_col(t, "seed")], "11");
		int p = atoi(t->cell[r][name] + 1), k = atoi(t->cell[r][rep]);
		assert_true(p >= 0 && p < 3 && k >= 0 && k < 2);
		seen[p][k] = true;
		const char *want[] = { "0", "1.8", "3.6" };
		assert_string_equal(t->cell[r][price], want[p]);
	}
	for (int p = 0; p < 3; p++)
		assert_true(seen[p][0] && seen[p][1]);
	csv_free(t);
	/* The database's views say the same for every table. */
	assert_int_equal(test_db_count(OUT "/j1/results.sqlite",
				       "SELECT count(*) FROM models_weekly_rows WHERE "
				       "experiment = 'sweep_ok' AND seed = 11"),
			 test_db_count(OUT "/j1/results.sqlite", "SELECT count(*) FROM models_weekly"));
}

/* Every point against the reference (point 0): the reference's own
   differences are zero, and pairing by replication makes differences
   more precise than independent runs would (variance reduction > 1). */
static void test_reference_comparison(void **unused)
{
	(void)unused;
	test_run_ok("sweep tests/data/sweep_ok.cfg -q --no-plots --set replications=8 -o " OUT
		    "/ref");
	csv *t = csv_load(OUT "/ref", "sweep_vs_reference.csv");
	size_t point = csv_col(t, "point"), metric = csv_col(t, "metric");
	size_t subject = csv_col(t, "subject"), diff = csv_col(t, "diff_mean");
	size_t red = csv_col(t, "variance_reduction");
	bool checked = false;
	for (size_t r = 0; r < t->rows; r++) {
		if (!strcmp(t->cell[r][point], "p0000"))
			assert_double_near(strtod(t->cell[r][diff], NULL), 0.0, 0.0);
		if (!strcmp(t->cell[r][point], "p0001") && !strcmp(t->cell[r][metric], "cum_revenue") &&
		    !strcmp(t->cell[r][subject], "PaidCo")) {
			/* Measured 223 with 8 replications: both points share
			   their arrivals and choices, so PaidCo's revenue moves
			   together at both. */
			assert_true(strtod(t->cell[r][red], NULL) > 20);
			checked = true;
		}
	}
	assert_true(checked);
	csv_free(t);
	char *notes = test_read_file(OUT "/ref/report_notes.txt");
	if (!strstr(notes, "median variance reduction"))
		fail_msg("expected the variance reduction in report_notes.txt:\n%s", notes);
	free(notes);
}

/* The CSVs are derived from the database: removed, `marketsim plot DIR`
   writes them again, byte for byte. */
static void test_plot_rederives(void **unused)
{
	(void)unused;
	test_run_ok("sweep tests/data/sweep_ok.cfg -q -o " OUT "/plot");
	assert_int_equal(system("cp " OUT "/plot/sweep_summary.csv " OUT "/summary.saved && "
				"cp " OUT "/plot/points/p0001/models_weekly.csv " OUT "/weekly.saved && "
				"rm -rf " OUT "/plot/sweep_summary.csv " OUT "/plot/points " OUT
				"/plot/plots " OUT "/plot/report.html"), 0);
	test_result *r = test_run("plot " OUT "/plot");
	assert_int_equal(r->status, 0);
	test_expect_output(r, "redrawn");
	free(r);
	test_same_file(OUT "/summary.saved", OUT "/plot/sweep_summary.csv");
	test_same_file(OUT "/weekly.saved", OUT "/plot/points/p0001/models_weekly.csv");
	if (system("command -v gnuplot >/dev/null 2>&1") == 0)
		assert_true(test_exists(OUT "/plot/plots/sweep_1.png"));
	assert_true(test_exists(OUT "/plot/report.html"));
	r = test_run("plot " OUT "/nothing-here");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "not a results directory");
	free(r);
}

/* Adaptive replications in a sweep: each point runs until its target is
   met or max is reached, decided on its first replications in order, so
   the counts (7 each here: p0002 meets the target at its 7th, the others
   reach max; measured half-widths 19.3%, 18.4%, 16.4% against 17%) and
   the stored rows do not depend on how many workers ran them; the
   outcome is reported per point. */
static void test_adaptive_points(void **unused)
{
	(void)unused;
	test_run_ok("sweep tests/data/sweep_adaptive.cfg -q --no-plots -j 1 -o " OUT "/ad1");
	test_run_ok("sweep tests/data/sweep_adaptive.cfg -q --no-plots -j 2 -o " OUT "/ad2");
	test_same_db(OUT "/ad1/results.sqlite", OUT "/ad2/results.sqlite");
	test_same_file(OUT "/ad1/sweep_summary.csv", OUT "/ad2/sweep_summary.csv");
	csv *t = csv_load(OUT "/ad1", "sweep_summary.csv");
	size_t n = csv_col(t, "replications");
	const char *want[] = { "7", "7", "7" };
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(t->cell[i][n], want[i]);
	csv_free(t);
	char *notes = test_read_file(OUT "/ad1/report_notes.txt");
	if (!strstr(notes, "p0000: max reached (7): cum_revenue:PaidCo half-width ") ||
	    !strstr(notes, "p0002: targets met: cum_revenue:PaidCo half-width "))
		fail_msg("expected each point's outcome in report_notes.txt:\n%s", notes);
	free(notes);
	char *manifest = test_read_file(OUT "/ad1/points/p0000/manifest.txt");
	if (!strstr(manifest, "replications = 7\nreplications_rule = \"max reached (7)"))
		fail_msg("expected the rule in the point's manifest:\n%s", manifest);
	free(manifest);
}

/* A run is stored the same way (one point, no parameters): its CSVs do
   not depend on the workers, a run killed and resumed ends identical,
   and `marketsim plot` writes its tables again from the database. */
static void test_run_stored(void **unused)
{
	(void)unused;
	test_run_ok("run tests/data/sweep_ok.cfg -q --no-plots -j 1 " SIZE " -o " OUT "/run1");
	test_run_ok("run tests/data/sweep_ok.cfg -q --no-plots -j 2 " SIZE " -o " OUT "/run2");
	test_same_db(OUT "/run1/results.sqlite", OUT "/run2/results.sqlite");
	test_same_file(OUT "/run1/models_weekly.csv", OUT "/run2/models_weekly.csv");
	test_same_file(OUT "/run1/summary.csv", OUT "/run2/summary.csv");
	assert_int_equal(test_db_stored(OUT "/run1"), 32);

	pid_t pid = test_start("run tests/data/sweep_ok.cfg --no-plots -j 2 " SIZE " -o " OUT "/runk",
			  OUT "/runk.log");
	for (int i = 0; i < 400 && test_db_stored(OUT "/runk") < 5; i++) {
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	test_finish(pid);
	assert_false(test_exists(OUT "/runk/manifest.txt"));
	test_result *r = test_run("run tests/data/sweep_ok.cfg --no-plots -j 2 --resume " SIZE
				  " -o " OUT "/runk");
	assert_int_equal(r->status, 0);
	free(r);
	test_same_db(OUT "/run1/results.sqlite", OUT "/runk/results.sqlite");
	test_same_file(OUT "/run1/models_weekly.csv", OUT "/runk/models_weekly.csv");

	assert_int_equal(system("rm " OUT "/run1/models_weekly.csv " OUT "/run1/summary.csv"), 0);
	test_run_ok("plot -q " OUT "/run1");
	test_same_file(OUT "/run2/models_weekly.csv", OUT "/run1/models_weekly.csv");
	test_same_file(OUT "/run2/summary.csv", OUT "/run1/summary.csv");
}

/* A run whose replication fails writes no outputs, says which
   replication and why, keeps the others; resumed, it runs only the one
   that failed and ends as a run that never failed. */
static void test_run_failure_resumes(void **unused)
{
	(void)unused;
	setenv("MARKETSIM_FAULT", "0:1:error", 1);
	test_result *r = test_run_hooks("run tests/data/sweep_ok.cfg --no-plots -j 2 "
				  "--set replications=4 -o " OUT "/runfail");
	unsetenv("MARKETSIM_FAULT");
	assert_int_equal(r->status, 1);
	test_expect_output(r, "replication 1: injected fault (MARKETSIM_FAULT=0:1:error); "
			      "1 replication failed; those that ran are kept in");
	free(r);
	assert_false(test_exists(OUT "/runfail/manifest.txt"));
	assert_false(test_exists(OUT "/runfail/models_weekly.csv"));
	assert_int_equal(test_db_stored(OUT "/runfail"), 3);
	r = test_run("run tests/data/sweep_ok.cfg --no-plots -j 2 --resume "
		     "--set replications=4 -o " OUT "/runfail");
	assert_int_equal(r->status, 0);
	free(r);
	char *m = test_read_file(OUT "/runfail/manifest.txt");
	assert_non_null(strstr(m, "replications = 4\n"));
	free(m);
	test_run_ok("run tests/data/sweep_ok.cfg -q --no-plots -j 1 --set replications=4 -o "
		    OUT "/runok");
	test_same_db(OUT "/runok/results.sqlite", OUT "/runfail/results.sqlite");
	test_same_file(OUT "/runok/models_weekly.csv", OUT "/runfail/models_weekly.csv");
}

/* --resume refuses a database another experiment wrote. */
static void test_resume_other_experiment(void **unused)
{
	(void)unused;
	test_result *r = test_run("sweep tests/data/sweep_ok.cfg -q --no-plots --resume "
				  "--set market.scale=50 -o " OUT "/j1");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "results.sqlite: was written by another experiment");
	free(r);
	/* And it left the database as it was. */
	assert_int_equal(test_db_stored(OUT "/j1"), 6);
}

int main(void)
{
	if (access(test_program(), X_OK) != 0) {
		fprintf(stderr, "test_sweep_store: %s not built\n", test_program());
		return 1;
	}
	if (system("rm -rf " OUT " && mkdir -p " OUT) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_killed_three_times),
		cmocka_unit_test(test_sigterm_stops_cleanly),
		cmocka_unit_test(test_sigint_in_process),
		cmocka_unit_test(test_workers_store_same_rows),
		cmocka_unit_test(test_rows_describe_themselves),
		cmocka_unit_test(test_reference_comparison),
		cmocka_unit_test(test_plot_rederives),
		cmocka_unit_test(test_adaptive_points),
		cmocka_unit_test(test_run_stored),
		cmocka_unit_test(test_run_failure_resumes),
		cmocka_unit_test(test_resume_other_experiment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
