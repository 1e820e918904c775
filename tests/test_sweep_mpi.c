/*
 * test_sweep_mpi.c - the sweep across MPI ranks: `mpirun -n K marketsim
 * sweep` (a `make MPI=1` build, $MARKETSIM_MPI) stores the same rows and
 * writes the same summary as `-j 1`, whatever K; the analyses (whose
 * tasks carry their points' settings to the ranks) find what -j 1 and -j 2
 * find, in the same database; and a build without MPI
 * started by mpirun refuses clearly instead of running K sweeps at once.
 */
#include "test_db.h"
#include "test_run.h"

#define OUT "build/test-sweep-mpi"
#define MPIRUN "mpirun --oversubscribe --allow-run-as-root"

static const char *mpi_program(void)
{
	const char *p = getenv("MARKETSIM_MPI");
	return p && p[0] ? p : "build/mpi/bin/marketsim";
}

/* Runs `mpirun -n ranks program args`; the caller frees the result. */
static test_result *run_mpi(int ranks, const char *program, const char *args)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, MPIRUN " -n %d %s %s 2>&1", ranks, program, args);
	return test_run_shell(cmd);
}

/* Acceptance 1 on the small sweep: rank 0 hands out (point, replication)
   tasks to 1 and to 2 worker ranks; both store what -j 1 stores. */
static void test_mpi_same_as_one_worker(void **unused)
{
	(void)unused;
	test_run_ok("sweep tests/data/sweep_ok.cfg -q --no-plots -j 1 --set replications=4 -o "
		    OUT "/j1");
	for (int ranks = 2; ranks <= 3; ranks++) {
		char args[256], db[128], summary[128];
		snprintf(args, sizeof args, "sweep tests/data/sweep_ok.cfg -q --no-plots "
			 "--set replications=4 -o " OUT "/n%d", ranks);
		test_result *r = run_mpi(ranks, mpi_program(), args);
		if (r->status != 0)
			fail_msg("mpirun -n %d exited %d:\n%s", ranks, r->status, r->out);
		free(r);
		snprintf(db, sizeof db, OUT "/n%d/results.sqlite", ranks);
		snprintf(summary, sizeof summary, OUT "/n%d/sweep_summary.csv", ranks);
		test_same_db(OUT "/j1/results.sqlite", db);
		test_same_file(OUT "/j1/sweep_summary.csv", summary);
	}
}

/* A run's replications go to the ranks the same way. */
static void test_mpi_run(void **unused)
{
	(void)unused;
	test_run_ok("run tests/data/sweep_ok.cfg -q --no-plots -j 1 --set replications=6 -o "
		    OUT "/run-j1");
	test_result *r = run_mpi(3, mpi_program(), "run tests/data/sweep_ok.cfg -q --no-plots "
				 "--set replications=6 -o " OUT "/run-n3");
	if (r->status != 0)
		fail_msg("mpirun -n 3 run exited %d:\n%s", r->status, r->out);
	free(r);
	test_same_db(OUT "/run-j1/results.sqlite", OUT "/run-n3/results.sqlite");
	test_same_file(OUT "/run-j1/models_weekly.csv", OUT "/run-n3/models_weekly.csv");
}

/* Bad input under MPI: every rank sees it, rank 0 alone says it, exit 2. */
/* The analyses' points exist only while they run: each task carries its
   settings to the rank. optimize and equilibrium under mpirun -n 3 write
   the results and store the rows that -j 1 and -j 2 do. */
static void test_mpi_analyses(void **unused)
{
	(void)unused;
	static const char *const runs[][3] = {
		{ "optimize", "experiments/analytic/monopoly.cfg", "optimum.csv" },
		{ "equilibrium", "experiments/analytic/duopoly.cfg", "equilibrium.csv" },
	};
	for (size_t k = 0; k < 2; k++) {
		char args[512], a[256], b[256];
		for (int jobs = 1; jobs <= 2; jobs++) {
			snprintf(args, sizeof args, "%s %s -q --no-plots -j %d -o " OUT "/%s-j%d",
				 runs[k][0], runs[k][1], jobs, runs[k][0], jobs);
			test_run_ok(args);
		}
		snprintf(args, sizeof args, "%s %s -q --no-plots -o " OUT "/%s-n3", runs[k][0],
			 runs[k][1], runs[k][0]);
		test_result *r = run_mpi(3, mpi_program(), args);
		if (r->status != 0)
			fail_msg("mpirun -n 3 %s exited %d:\n%s", runs[k][0], r->status, r->out);
		free(r);
		for (int other = 2; other <= 3; other++) {
			snprintf(a, sizeof a, OUT "/%s-j1/%s", runs[k][0], runs[k][2]);
			snprintf(b, sizeof b, other == 2 ? OUT "/%s-j2/%s" : OUT "/%s-n3/%s",
				 runs[k][0], runs[k][2]);
			test_same_file(a, b);
			snprintf(a, sizeof a, OUT "/%s-j1/results.sqlite", runs[k][0]);
			snprintf(b, sizeof b, other == 2 ? OUT "/%s-j2/results.sqlite"
				 : OUT "/%s-n3/results.sqlite", runs[k][0]);
			test_same_db(a, b);
		}
	}
}

static void test_mpi_bad_input(void **unused)
{
	(void)unused;
	test_result *r = run_mpi(2, mpi_program(), "sweep tests/data/sweep_bad_steps.cfg -o " OUT
				 "/bad");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "tests/data/sweep_bad_steps.cfg:8: sweep.parameters.[0].steps: ");
	/* Said once, not once per rank. */
	char *second = strstr(strstr(r->out, "sweep_bad_steps.cfg:8:") + 1, "sweep_bad_steps.cfg:8:");
	assert_null(second);
	assert_false(test_exists(OUT "/bad"));
	free(r);
}

/* The plain build under mpirun would run the sweep once per rank into the
   same folder: it refuses. */
static void test_plain_build_refuses(void **unused)
{
	(void)unused;
	test_result *r = run_mpi(2, test_program(), "sweep tests/data/sweep_ok.cfg -q -o " OUT
				 "/plain");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "built without MPI; build it with `make MPI=1`");
	assert_false(test_exists(OUT "/plain"));
	free(r);
}

int main(void)
{
	if (access(mpi_program(), X_OK) != 0) {
		fprintf(stderr, "test_sweep_mpi: the MPI build %s is missing: `make test` builds "
			"it (make MPI=1)\n", mpi_program());
		return 1;
	}
	if (system("command -v mpirun >/dev/null 2>&1") != 0) {
		fprintf(stderr, "test_sweep_mpi: mpirun is missing (Debian: openmpi-bin; "
			"`make deps` installs it)\n");
		return 1;
	}
	if (system("rm -rf " OUT " && mkdir -p " OUT) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mpi_same_as_one_worker),
		cmocka_unit_test(test_mpi_run),
		cmocka_unit_test(test_mpi_analyses),
		cmocka_unit_test(test_mpi_bad_input),
		cmocka_unit_test(test_plain_build_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
