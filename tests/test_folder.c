/*
 * test_folder.c - output folders marketsim owns (sim/output/folder.c).
 *
 * A claim creates a missing folder with its parents, adopts an empty one,
 * accepts one with the .marketsim marker, and refuses any other folder
 * with files in it (a config error) without touching it, unless forced;
 * it writes the marker once and locks .marketsim.lock, holding the pid,
 * so that a second claim is refused with that pid. Checking creates
 * nothing. Abandoning removes exactly what the claim made. A forked child
 * does not hold the lock: once the parent releases, the folder is free.
 */
#include "test_tree.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "output/folder.h"

#define ROOT "build/test-folder"

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot read %s", path);
	char *text = NULL;
	size_t cap = 0;
	if (getdelim(&text, &cap, '\0', f) < 0) {
		free(text);
		text = strdup("");
	}
	fclose(f);
	return text;
}

/* A folder with someone's files: a file and plots/keep.txt. */
static void make_foreign(const char *dir)
{
	char path[512];
	assert_int_equal(mkdir(dir, 0777), 0);
	snprintf(path, sizeof path, "%s/notes.txt", dir);
	write_file(path, "mine\n");
	snprintf(path, sizeof path, "%s/plots", dir);
	assert_int_equal(mkdir(path, 0777), 0);
	snprintf(path, sizeof path, "%s/plots/keep.txt", dir);
	write_file(path, "keep me\n");
}

/* Ensure a missing folder is made with its parents, marked with the name
   and locked with this process's id; released, marker and lock file stay. */
static void test_claim_new(void **unused)
{
	(void)unused;
	sim_folder f;
	sim_error err;
	sim_error_clear(&err);
	if (sim_folder_claim(ROOT "/new/deep", "exp-1", false, &f, &err) != 0)
		fail_msg("%s: %s", err.file, err.message);
	assert_true(f.created_dir && f.created_lock && f.wrote_marker);
	assert_true(f.lock_fd >= 0);
	assert_true(fcntl(f.lock_fd, F_GETFD) & FD_CLOEXEC);
	char *marker = read_file(ROOT "/new/deep/.marketsim");
	assert_string_equal(marker, "exp-1\n");
	free(marker);
	char *pid = read_file(ROOT "/new/deep/.marketsim.lock"), want[32];
	snprintf(want, sizeof want, "%ld\n", (long)getpid());
	assert_string_equal(pid, want);
	free(pid);
	sim_folder_release(&f);
	assert_null(f.dir);
	assert_int_equal(f.lock_fd, -1);
	assert_true(exists(ROOT "/new/deep/.marketsim"));
	assert_true(exists(ROOT "/new/deep/.marketsim.lock"));
	sim_folder_release(&f); /* twice is harmless */
}

/* Ensure a second claim on a held folder is refused at once with the
   holder's pid, and succeeds once the first is released; the marker is
   written once. */
static void test_second_claim_refused(void **unused)
{
	(void)unused;
	sim_folder a, b;
	sim_error err;
	sim_error_clear(&err);
	assert_int_equal(sim_folder_claim(ROOT "/busy", "first", false, &a, &err), 0);
	assert_int_equal(sim_folder_claim(ROOT "/busy", "second", false, &b, &err), -1);
	assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	char want[256];
	snprintf(want, sizeof want, ROOT "/busy is in use by another marketsim (pid %ld); wait "
		 "for it or choose another --out", (long)getpid());
	assert_string_equal(err.message, want);
	assert_null(b.dir);
	sim_folder_release(&a);
	sim_error_clear(&err);
	assert_int_equal(sim_folder_claim(ROOT "/busy", "second", false, &b, &err), 0);
	assert_false(b.wrote_marker || b.created_dir || b.created_lock);
	char *marker = read_file(ROOT "/busy/.marketsim");
	assert_string_equal(marker, "first\n");
	free(marker);
	sim_folder_release(&b);
}

/* Ensure an empty folder is adopted, and a marked one with files is
   marketsim's own. */
static void test_empty_and_marked(void **unused)
{
	(void)unused;
	sim_folder f;
	sim_error err;
	sim_error_clear(&err);
	assert_int_equal(mkdir(ROOT "/empty", 0777), 0);
	assert_int_equal(sim_folder_claim(ROOT "/empty", "e", false, &f, &err), 0);
	assert_false(f.created_dir);
	assert_true(f.wrote_marker);
	sim_folder_release(&f);

	assert_int_equal(mkdir(ROOT "/marked", 0777), 0);
	write_file(ROOT "/marked/.marketsim", "old\n");
	write_file(ROOT "/marked/summary.csv", "a,b\n");
	assert_int_equal(sim_folder_check(ROOT "/marked", false, &err), 0);
	assert_int_equal(sim_folder_claim(ROOT "/marked", "new", false, &f, &err), 0);
	assert_false(f.wrote_marker);
	sim_folder_release(&f);
	char *marker = read_file(ROOT "/marked/.marketsim");
	assert_string_equal(marker, "old\n");
	free(marker);
}

/* Ensure a folder with files and no marker is refused, by check and claim,
   as a config error, and left exactly as it was; forced, it is marked and
   its files kept. */
static void test_foreign_refused(void **unused)
{
	(void)unused;
	const char *dir = ROOT "/foreign";
	make_foreign(dir);
	char *before = test_tree(dir);
	sim_folder f;
	sim_error err;
	sim_error_clear(&err);
	assert_int_equal(sim_folder_check(dir, false, &err), -1);
	assert_int_equal(err.kind, SIM_ERROR_CONFIG);
	char text[2048];
	sim_error_format(&err, text, sizeof text);
	assert_string_equal(text, ROOT "/foreign: not a marketsim results folder (it has "
			    "files and no .marketsim marker); choose another --out, or add "
			    "--force to write into it");
	sim_error_clear(&err);
	assert_int_equal(sim_folder_claim(dir, "x", false, &f, &err), -1);
	assert_int_equal(err.kind, SIM_ERROR_CONFIG);
	assert_null(f.dir);
	test_tree_unchanged(dir, before);
	free(before);

	sim_error_clear(&err);
	assert_int_equal(sim_folder_check(dir, true, &err), 0);
	assert_int_equal(sim_folder_claim(dir, "x", true, &f, &err), 0);
	assert_true(f.wrote_marker);
	sim_folder_release(&f);
	char *kept = read_file(ROOT "/foreign/plots/keep.txt");
	assert_string_equal(kept, "keep me\n");
	free(kept);
	/* Marked now: no force needed. */
	assert_int_equal(sim_folder_check(dir, false, &err), 0);
}

/* Ensure checking creates nothing and names each unusable path. */
static void test_check_paths(void **unused)
{
	(void)unused;
	sim_error err;
	sim_error_clear(&err);
	assert_int_equal(sim_folder_check(ROOT "/not/yet/there", false, &err), 0);
	assert_false(exists(ROOT "/not"));
	write_file(ROOT "/file", "x");
	assert_int_equal(sim_folder_check(ROOT "/file/sub", false, &err), -1);
	assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	assert_string_equal(err.message, "cannot create output directory: Not a directory");
	sim_error_clear(&err);
	assert_int_equal(sim_folder_check(ROOT "/file", true, &err), -1);
	assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	assert_non_null(strstr(err.message, "it is a file, not a folder"));
	sim_error_clear(&err);
	assert_int_equal(sim_folder_check("", true, &err), -1);
	assert_int_equal(err.kind, SIM_ERROR_CONFIG);
	sim_folder f;
	sim_error_clear(&err);
	assert_int_equal(sim_folder_claim(ROOT "/file/sub", "x", true, &f, &err), -1);
	assert_false(exists(ROOT "/file/sub"));
}

/* Ensure a read-only folder is refused before anything is written. As
   root permissions do not stop writes, so the case cannot be made. */
static void test_read_only(void **unused)
{
	(void)unused;
	if (geteuid() == 0) {
		fprintf(stderr, "test_folder: running as root, where a 0555 folder does not stop "
			"writes: the read-only case is skipped\n");
		skip();
	}
	assert_int_equal(mkdir(ROOT "/ro", 0555), 0);
	sim_folder f;
	sim_error err;
	sim_error_clear(&err);
	assert_int_equal(sim_folder_claim(ROOT "/ro", "x", false, &f, &err), -1);
	assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	assert_non_null(strstr(err.message, "cannot write into the output directory"));
	assert_false(exists(ROOT "/ro/.marketsim"));
	chmod(ROOT "/ro", 0755);
}

/* Ensure abandoning removes exactly what the claim made. */
static void test_abandon(void **unused)
{
	(void)unused;
	sim_folder f;
	sim_error err;
	sim_error_clear(&err);
	assert_int_equal(sim_folder_claim(ROOT "/gone/sub", "x", false, &f, &err), 0);
	sim_folder_abandon(&f);
	assert_false(exists(ROOT "/gone/sub"));
	assert_true(exists(ROOT "/gone")); /* a parent made on the way stays */

	assert_int_equal(mkdir(ROOT "/adopted", 0777), 0);
	assert_int_equal(sim_folder_claim(ROOT "/adopted", "x", false, &f, &err), 0);
	sim_folder_abandon(&f);
	assert_true(exists(ROOT "/adopted"));
	assert_false(exists(ROOT "/adopted/.marketsim"));
	assert_false(exists(ROOT "/adopted/.marketsim.lock"));

	/* Something else appeared meanwhile: the folder stays, with it. */
	assert_int_equal(sim_folder_claim(ROOT "/kept", "x", false, &f, &err), 0);
	write_file(ROOT "/kept/results.sqlite", "not the claim's");
	sim_folder_abandon(&f);
	assert_true(exists(ROOT "/kept/results.sqlite"));
	assert_false(exists(ROOT "/kept/.marketsim"));
}

/* Ensure a child forked while the claim is held does not hold the lock:
   it finds its copy closed, and once the parent releases, the folder can
   be claimed again while the child lives on. */
static void test_fork_releases(void **unused)
{
	(void)unused;
	sim_folder f, g;
	sim_error err;
	sim_error_clear(&err);
	assert_int_equal(sim_folder_claim(ROOT "/forked", "x", false, &f, &err), 0);
	int fd = f.lock_fd;
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		bool closed = fcntl(fd, F_GETFD) == -1 && errno == EBADF;
		if (!closed)
			_exit(3);
		sleep(10);
		_exit(0);
	}
	sim_folder_release(&f);
	int status;
	/* The child is still alive (its first check failing ends it at once). */
	usleep(100000);
	assert_int_equal(waitpid(child, &status, WNOHANG), 0);
	int rc = sim_folder_claim(ROOT "/forked", "x", false, &g, &err);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	if (rc != 0)
		fail_msg("the forked child kept the folder: %s", err.message);
	assert_true(WIFSIGNALED(status));
	sim_folder_release(&g);
}

int main(void)
{
	if (system("rm -rf " ROOT) != 0 || mkdir(ROOT, 0777) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claim_new),
		cmocka_unit_test(test_second_claim_refused),
		cmocka_unit_test(test_empty_and_marked),
		cmocka_unit_test(test_foreign_refused),
		cmocka_unit_test(test_check_paths),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_abandon),
		cmocka_unit_test(test_fork_releases),
	};
	return cmocka_run_group_tests_name("folder", tests, NULL, NULL);
}
