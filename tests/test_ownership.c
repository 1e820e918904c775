/*
 * test_ownership.c - marketsim writes only into folders it owns, one
 * writer at a time, and finds out before it runs anything.
 *
 * End to end with the built program ($MARKETSIM): a foreign non-empty
 * --out is refused (exit 2) and left exactly as it was (a listing of every
 * entry with its size and modification time compares equal), by run,
 * sweep, compare and check; with --force it is written and the files in it
 * that marketsim did not write (plots/keep.txt) survive, also a later
 * sweep's charts. An experiment name that would leave out/ or break the
 * manifest is refused at file:line. Two sweeps on one folder: the second
 * is refused at once naming the first's pid, and the first's results are
 * those of a lone run. --out '' is a usage error (2); a folder that cannot
 * be written fails (1) before any replication runs.
 */
#include "test_db.h"
#include "test_run.h"
#include "test_tree.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>

#define OUT "build/test-ownership"
#define REFUSED ": not a marketsim results folder (it has files and no .marketsim marker); " \
		"choose another --out, or add --force to write into it"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* A folder of someone else's: two files and plots/keep.txt. */
static void make_foreign(const char *dir)
{
	char path[512];
	assert_int_equal(mkdir(dir, 0777), 0);
	snprintf(path, sizeof path, "%s/notes.txt", dir);
	write_file(path, "my notes\n");
	snprintf(path, sizeof path, "%s/summary.csv", dir);
	write_file(path, "my,own\n1,2\n");
	snprintf(path, sizeof path, "%s/plots", dir);
	assert_int_equal(mkdir(path, 0777), 0);
	snprintf(path, sizeof path, "%s/plots/keep.txt", dir);
	write_file(path, "keep me\n");
}

/* Runs `args`, expecting exit 2 with the refusal of dir. */
static void expect_refused(const char *args, const char *dir)
{
	test_result *r = test_run(args);
	char want[512];
	snprintf(want, sizeof want, "marketsim: %s" REFUSED "\n", dir);
	if (r->status != 2)
		fail_msg("`%s`: exit %d, expected 2:\n%s", args, r->status, r->out);
	test_expect_output(r, want);
	free(r);
}

/* Ensure a foreign non-empty --out is refused by every command that
   writes, and by check, before anything, and left byte for byte alone. */
static void test_foreign_refused(void **unused)
{
	(void)unused;
	const char *dir = OUT "/foreign";
	make_foreign(dir);
	char *before = test_tree(dir);
	expect_refused("run tests/data/market_ok.cfg --out " OUT "/foreign", dir);
	test_tree_unchanged(dir, before);
	expect_refused("validate experiments/openrouter_2026.cfg -o " OUT "/foreign", dir);
	expect_refused("sweep tests/data/sweep_ok.cfg -j 2 --out " OUT "/foreign", dir);
	expect_refused("compare tests/data/market_ok.cfg tests/data/market_ok.cfg --out " OUT
		       "/foreign", dir);
	expect_refused("check tests/data/market_ok.cfg --out " OUT "/foreign", dir);
	test_tree_unchanged(dir, before);
	free(before);
}

/* Ensure --force writes a foreign folder, its own files (plots/keep.txt)
   surviving the run's charts and a later sweep's; the marker then makes
   the folder marketsim's, with no --force needed. */
static void test_force_keeps_others(void **unused)
{
	(void)unused;
	const char *dir = OUT "/forced";
	make_foreign(dir);
	test_run_ok("run tests/data/market_ok.cfg -q --force --out " OUT "/forced");
	char *keep = test_read_file(OUT "/forced/plots/keep.txt");
	assert_string_equal(keep, "keep me\n");
	free(keep);
	char *notes = test_read_file(OUT "/forced/notes.txt");
	assert_string_equal(notes, "my notes\n");
	free(notes);
	char *marker = test_read_file(OUT "/forced/.marketsim");
	assert_string_equal(marker, "market_ok\n");
	free(marker);
	assert_true(test_exists(OUT "/forced/plots/market_rank.png"));
	assert_true(test_exists(OUT "/forced/manifest.txt"));
	assert_false(test_exists(OUT "/forced/plots.tmp"));

	/* Again, and a sweep: the charts change, keep.txt stays. */
	test_run_ok("run tests/data/market_ok.cfg -q --out " OUT "/forced");
	test_run_ok("sweep tests/data/sweep_ok.cfg -q -j 2 --out " OUT "/forced");
	keep = test_read_file(OUT "/forced/plots/keep.txt");
	assert_string_equal(keep, "keep me\n");
	free(keep);
	assert_false(test_exists(OUT "/forced/plots/market_rank.png"));
	assert_true(test_exists(OUT "/forced/plots/sweep_1.png"));
}

/* Ensure a name that would put out/<name> elsewhere is refused at its
   line, and the folder it names, marketsim's own, is left alone. */
static void test_name_escape(void **unused)
{
	(void)unused;
	test_result *r = test_run("run tests/data/name_escape.cfg");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "marketsim: tests/data/name_escape.cfg:4: name: expected "
			      "letters, digits, '_', '-' and '.' only");
	test_expect_output(r, "found \"../../victim\" ('/' is not allowed)");
	assert_false(test_exists("../victim"));
	free(r);

	/* A victim with results, charts and a database of its own. */
	test_run_ok("run tests/data/market_ok.cfg -q --out " OUT "/victim");
	char *before = test_tree(OUT "/victim");
	r = test_run("run tests/data/market_ok.cfg --set name=../" OUT "/victim");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "marketsim: --set: name: ");
	free(r);
	r = test_run("sweep tests/data/sweep_ok.cfg --set name=../" OUT "/victim");
	assert_int_equal(r->status, 2);
	free(r);
	test_tree_unchanged(OUT "/victim", before);
	free(before);
}

/* Ensure a name with a quote, ".." or too many characters is refused, and
   the default name (the file's) is checked the same way. */
static void test_name_rule(void **unused)
{
	(void)unused;
	test_result *r = test_run("check tests/data/name_quote.cfg");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "tests/data/name_quote.cfg:4: name: ");
	test_expect_output(r, "('\"' is not allowed)");
	free(r);
	r = test_run("check tests/data/cli_ok.cfg --set name=a..b");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "(it contains \"..\")");
	free(r);
	char args[400];
	snprintf(args, sizeof args, "check tests/data/cli_ok.cfg --set name=%0101d", 7);
	r = test_run(args);
	assert_int_equal(r->status, 2);
	test_expect_output(r, "(it has 101 characters)");
	free(r);
	test_run_ok("check -q tests/data/cli_ok.cfg --set name=v1.2-run_A");

	test_run_ok("check -q tests/data/cli_ok.cfg"); /* the file's name, cli_ok */
	assert_int_equal(system("cp tests/data/cli_ok.cfg '" OUT "/odd name!.cfg'"), 0);
	r = test_run("run '" OUT "/odd name!.cfg' --out " OUT "/odd");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "odd name!.cfg: name: the file's base name \"odd name!\" cannot "
			      "name the experiment (' ' is not allowed); set `name`");
	assert_false(test_exists(OUT "/odd"));
	free(r);
}

/* Ensure --out '' is a usage error, before anything is loaded or run. */
static void test_empty_out(void **unused)
{
	(void)unused;
	const char *cmds[] = {
		"run tests/data/sweep_ok.cfg --out ''",
		"sweep tests/data/sweep_ok.cfg -o ''",
		"validate experiments/openrouter_2026.cfg --out=",
		"compare tests/data/market_ok.cfg tests/data/market_ok.cfg --out ''",
	};
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		test_result *r = test_run(cmds[i]);
		if (r->status != 2)
			fail_msg("`%s`: exit %d, expected 2:\n%s", cmds[i], r->status, r->out);
		test_expect_output(r, "marketsim: --out: expected a folder, found an empty path");
		test_expect_output(r, "usage:");
		free(r);
	}
}

/* Ensure a folder that cannot be written fails (exit 1) before any
   replication runs: no progress line, nothing stored. */
static void test_unwritable_fails_first(void **unused)
{
	(void)unused;
	write_file(OUT "/afile", "x");
	const char *cmds[] = {
		"run tests/data/sweep_ok.cfg --set replications=20 --out " OUT "/afile/sub",
		"sweep tests/data/sweep_ok.cfg --set replications=20 --out " OUT "/afile/sub",
		"run tests/data/sweep_ok.cfg --set replications=20 --out " OUT "/afile",
	};
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		test_result *r = test_run(cmds[i]);
		if (r->status != 1)
			fail_msg("`%s`: exit %d, expected 1:\n%s", cmds[i], r->status, r->out);
		test_expect_output(r, i < 2 ? "cannot create output directory: Not a directory"
					    : "it is a file, not a folder");
		if (strstr(r->out, "replications,") || strstr(r->out, "/20 "))
			fail_msg("`%s` ran replications first:\n%s", cmds[i], r->out);
		free(r);
	}
	test_result *r = test_run("check tests/data/cli_ok.cfg --out " OUT "/afile/sub");
	assert_int_equal(r->status, 1);
	free(r);
	test_run_ok("check -q tests/data/cli_ok.cfg --out " OUT "/never/made");
	assert_false(test_exists(OUT "/never"));

	if (geteuid() == 0) {
		fprintf(stderr, "test_ownership: running as root, where a 0555 folder does not "
			"stop writes: the read-only --out case is skipped (the paths under a "
			"file above fail the same way)\n");
		return;
	}
	assert_int_equal(mkdir(OUT "/ro", 0555), 0);
	r = test_run("run tests/data/sweep_ok.cfg --set replications=20 --out " OUT "/ro");
	assert_int_equal(r->status, 1);
	test_expect_output(r, "cannot write into the output directory");
	assert_null(strstr(r->out, "/20 "));
	free(r);
	chmod(OUT "/ro", 0755);
}

/* Starts `program args...` in the background, its output to log; its pid. */
static pid_t start(const char *log, char *const argv[])
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Waits (up to 20 s) until pid has written itself into dir's lock file. */
static void wait_for_lock(const char *lock, pid_t pid)
{
	char want[32];
	snprintf(want, sizeof want, "%ld\n", (long)pid);
	for (int i = 0; i < 2000; i++) {
		FILE *f = fopen(lock, "r");
		char got[32] = "";
		if (f) {
			if (!fgets(got, sizeof got, f))
				got[0] = '\0';
			fclose(f);
		}
		if (!strcmp(got, want))
			return;
		usleep(10000);
	}
	fail_msg("%s never held pid %ld", lock, (long)pid);
}

/* Ensure a second sweep on a folder in use is refused within a second,
   naming the first's pid, and the first's results are a lone run's. */
static void test_concurrent_sweeps(void **unused)
{
	(void)unused;
	char *argv[] = { (char *)test_program(), "sweep", "tests/data/sweep_ok.cfg", "-q",
			 "--no-plots", "-j", "1", "--set", "replications=30", "--out",
			 OUT "/shared", NULL };
	pid_t first = start(OUT "/first.log", argv);
	wait_for_lock(OUT "/shared/.marketsim.lock", first);
	double t0 = now();
	test_result *r = test_run("sweep tests/data/sweep_ok.cfg -q --no-plots -j 2 --set "
				  "replications=30 --out " OUT "/shared");
	double took = now() - t0;
	int status;
	bool first_running = waitpid(first, &status, WNOHANG) == 0;
	char want[256];
	snprintf(want, sizeof want, "marketsim: " OUT "/shared is in use by another marketsim "
		 "(pid %ld); wait for it or choose another --out\n", (long)first);
	if (r->status != 1 || !strstr(r->out, want))
		fail_msg("second sweep: exit %d, expected 1 with \"%s\":\n%s", r->status, want,
			 r->out);
	free(r);
	/* Refused at once, not after waiting for the lock: the first sweep
	   is still running when the second has already exited (a behaviour,
	   not a timing; how long it took is only reported). */
	print_message("the second sweep was refused after %.2f s\n", took);
	if (!first_running)
		fail_msg("the first sweep had finished before the second was refused: either "
			 "nothing ran concurrently or the second waited for the lock");
	assert_int_equal(waitpid(first, &status, 0), first);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *log = test_read_file(OUT "/first.log");
		fail_msg("the first sweep failed (%d):\n%s", status, log);
	}
	test_run_ok("sweep tests/data/sweep_ok.cfg -q --no-plots -j 1 --set replications=30 "
		    "--out " OUT "/lone");
	test_same_db(OUT "/lone/results.sqlite", OUT "/shared/results.sqlite");
	const char *files[] = { "sweep_summary.csv", "sweep_vs_reference.csv",
				"sweep_replications.csv", "points/p0002/summary.csv" };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char a[256], b[256];
		snprintf(a, sizeof a, OUT "/lone/%s", files[i]);
		snprintf(b, sizeof b, OUT "/shared/%s", files[i]);
		test_same_file(a, b);
	}
}

/* Ensure every command that writes a folder refuses one held by another
   process (here this one) at once, with its pid, and changes nothing. */
static void test_held_folder(void **unused)
{
	(void)unused;
	test_run_ok("run tests/data/market_ok.cfg -q --no-plots --out " OUT "/held");
	int fd = open(OUT "/held/.marketsim.lock", O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	char pid[32], want[256];
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(pwrite(fd, pid, (size_t)n, 0), n);
	snprintf(want, sizeof want, OUT "/held is in use by another marketsim (pid %ld)",
		 (long)getpid());
	char *before = test_tree(OUT "/held");
	const char *cmds[] = {
		"run tests/data/market_ok.cfg --out " OUT "/held",
		"validate experiments/openrouter_2026.cfg --out " OUT "/held",
		"sweep tests/data/sweep_ok.cfg --out " OUT "/held",
		"plot " OUT "/held",
		"run tests/data/market_ok.cfg --resume --out " OUT "/held",
	};
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		test_result *r = test_run(cmds[i]);
		if (r->status != 1 || !strstr(r->out, want))
			fail_msg("`%s`: exit %d, expected 1 with \"%s\":\n%s", cmds[i], r->status,
				 want, r->out);
		free(r);
	}
	test_tree_unchanged(OUT "/held", before);
	free(before);
	close(fd);
	test_run_ok("plot -q " OUT "/held");
}

/* Ensure --force is documented where it applies. */
static void test_help(void **unused)
{
	(void)unused;
	const char *cmds[] = { "help run", "help validate", "help sweep", "help compare",
			       "help check" };
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		test_result *r = test_run(cmds[i]);
		assert_int_equal(r->status, 0);
		test_expect_output(r, "--force");
		free(r);
	}
	test_result *r = test_run("plot --force " OUT "/held");
	assert_int_equal(r->status, 2);
	free(r);
}

int main(void)
{
	if (access(test_program(), X_OK) != 0) {
		fprintf(stderr, "test_ownership: %s not built; run from the repository root "
			"after make\n", test_program());
		return 1;
	}
	if (system("rm -rf " OUT " && mkdir -p " OUT) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_foreign_refused),
		cmocka_unit_test(test_force_keeps_others),
		cmocka_unit_test(test_name_escape),
		cmocka_unit_test(test_name_rule),
		cmocka_unit_test(test_empty_out),
		cmocka_unit_test(test_unwritable_fails_first),
		cmocka_unit_test(test_concurrent_sweeps),
		cmocka_unit_test(test_held_folder),
		cmocka_unit_test(test_help),
	};
	return cmocka_run_group_tests_name("ownership", tests, NULL, NULL);
}
