/*
 * test_results.c - atomic output directories.
 *
 * A run's files must appear all at once and only on success: until
 * sim_results_finish nothing has its final name, and an aborted run leaves
 * no file at all (and no directory it created). These tests watch the
 * directory at each step.
 */
#include "test_util.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim_results.h"

#define DIR_ROOT "build/test-results"

/* Entries in dir, hidden temporary files included. */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Ensure files keep temporary names until finish, then all appear. */
static void test_finish_renames_everything(void **unused)
{
	(void)unused;
	sim_error err;
	sim_results *res = sim_results_open(DIR_ROOT "/ok/nested", &err);
	assert_non_null(res);
	FILE *a = sim_results_create(res, "a.csv", &err);
	FILE *m = sim_results_create(res, "manifest.txt", &err);
	assert_non_null(a);
	assert_non_null(m);
	fprintf(a, "x,y\n1,2\n");
	fprintf(m, "seed = 1\n");
	assert_int_equal(sim_results_close_file(res, a, &err), 0);
	assert_int_equal(sim_results_close_file(res, m, &err), 0);
	/* Closed but not finished: nothing under its final name yet. */
	assert_false(exists(DIR_ROOT "/ok/nested/a.csv"));
	assert_false(exists(DIR_ROOT "/ok/nested/manifest.txt"));
	assert_true(exists(DIR_ROOT "/ok/nested/.a.csv.tmp"));
	assert_int_equal(sim_results_finish(res, &err), 0);
	assert_true(exists(DIR_ROOT "/ok/nested/a.csv"));
	assert_true(exists(DIR_ROOT "/ok/nested/manifest.txt"));
	assert_false(exists(DIR_ROOT "/ok/nested/.a.csv.tmp"));
	assert_int_equal(count_entries(DIR_ROOT "/ok/nested"), 2);
}

/* Ensure abort removes every temporary file and the directory it made. */
static void test_abort_leaves_nothing(void **unused)
{
	(void)unused;
	sim_error err;
	sim_results *res = sim_results_open(DIR_ROOT "/aborted", &err);
	assert_non_null(res);
	FILE *a = sim_results_create(res, "a.csv", &err);
	FILE *b = sim_results_create(res, "b.csv", &err);
	fprintf(a, "half a file");
	assert_int_equal(sim_results_close_file(res, a, &err), 0);
	(void)b; /* left open: abort must close it too */
	sim_results_abort(res);
	assert_false(exists(DIR_ROOT "/aborted"));
}

/* Ensure abort keeps a directory that existed, with its older files. */
static void test_abort_keeps_existing_directory(void **unused)
{
	(void)unused;
	sim_error err;
	sim_results *res = sim_results_open(DIR_ROOT "/kept", &err);
	FILE *f = sim_results_create(res, "old.csv", &err);
	fprintf(f, "old\n");
	sim_results_close_file(res, f, &err);
	assert_int_equal(sim_results_finish(res, &err), 0);

	res = sim_results_open(DIR_ROOT "/kept", &err);
	f = sim_results_create(res, "new.csv", &err);
	fprintf(f, "new\n");
	sim_results_close_file(res, f, &err);
	sim_results_abort(res);
	assert_true(exists(DIR_ROOT "/kept/old.csv"));
	assert_false(exists(DIR_ROOT "/kept/new.csv"));
	assert_int_equal(count_entries(DIR_ROOT "/kept"), 1);
}

/* Ensure bad names and unusable directories are runtime errors. */
static void test_errors(void **unused)
{
	(void)unused;
	sim_error err;
	sim_error_clear(&err);
	assert_null(sim_results_open("tests/data/cli_ok.cfg/sub", &err));
	assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	assert_non_null(strstr(err.message, "cannot create output directory"));
	sim_results *res = sim_results_open(DIR_ROOT "/names", &err);
	assert_null(sim_results_create(res, "a/b.csv", &err));
	assert_null(sim_results_create(res, "", &err));
	sim_results_abort(res);
}

int main(void)
{
	if (system("rm -rf " DIR_ROOT) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finish_renames_everything),
		cmocka_unit_test(test_abort_leaves_nothing),
		cmocka_unit_test(test_abort_keeps_existing_directory),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests_name("results", tests, NULL, NULL);
}
