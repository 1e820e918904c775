/*
 * test_run.h - running the built program from a cmocka suite.
 *
 * Suites that test marketsim end to end run $MARKETSIM (default
 * bin/marketsim) from the repository root, as make test does, and look at
 * its exit status, its output and the files it wrote.
 */
#ifndef TEST_RUN_H
#define TEST_RUN_H

#include "test_util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct test_result {
	int status;
	char out[32768]; /* stdout and stderr together */
} test_result;

/* The program under test: $MARKETSIM, else bin/marketsim. */
static inline const char *test_program(void)
{
	const char *p = getenv("MARKETSIM");
	return p && p[0] ? p : "bin/marketsim";
}

/* Runs the shell command `cmd` (stderr joined to stdout); the caller
   frees the result. */
static inline test_result *test_run_shell(const char *cmd)
{
	test_result *r = calloc(1, sizeof *r);
	assert_non_null(r);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(r->out, 1, sizeof r->out - 1, p);
	r->out[n] = '\0';
	int st = pclose(p);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return r;
}

/* Runs the program with `args` (shell words); the caller frees the result. */
static inline test_result *test_run(const char *args)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "%s %s 2>&1", test_program(), args);
	return test_run_shell(cmd);
}

/* Runs the test build of the program ($MARKETSIM_HOOKS, else
   bin/tests/marketsim-hooks), which has the test-only hooks such as
   MARKETSIM_FAULT, with `args`; the caller frees the result. */
static inline test_result *test_run_hooks(const char *args)
{
	const char *p = getenv("MARKETSIM_HOOKS");
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "%s %s 2>&1", p && p[0] ? p : "bin/tests/marketsim-hooks",
		 args);
	return test_run_shell(cmd);
}

/* Runs the program and fails the test, showing its output, unless it
   exits 0. */
static inline void test_run_ok(const char *args)
{
	test_result *r = test_run(args);
	if (r->status != 0)
		fail_msg("marketsim %s exited %d:\n%s", args, r->status, r->out);
	free(r);
}

/* The whole file at path, NUL-terminated (heap); fails the test if it
   cannot be read. */
static inline char *test_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot read %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	char *s = calloc((size_t)n + 1, 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

/* Fails unless the two files hold the same bytes. */
static inline void test_same_file(const char *a, const char *b)
{
	char *x = test_read_file(a), *y = test_read_file(b);
	if (strcmp(x, y) != 0)
		fail_msg("%s and %s differ", a, b);
	free(x);
	free(y);
}

static inline bool test_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static inline void test_expect_output(const test_result *r, const char *needle)
{
	if (!strstr(r->out, needle))
		fail_msg("expected \"%s\" in output:\n%s", needle, r->out);
}

/* Starts the program with `args` (shell words) in the background, its
   output to `log`; returns its pid (test_finish waits for it). For the
   tests that stop a run mid-way. */
static inline pid_t test_start(const char *args, const char *log)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "exec %s %s >%s 2>&1", test_program(), args, log);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Waits for a test_start'ed program; its wait status. */
static inline int test_finish(pid_t pid)
{
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

#endif
