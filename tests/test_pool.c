/*
 * test_pool.c - the workers that run a sweep's tasks (sim/pool.c),
 * through the C API of sim_pool.h.
 *
 * A sweep is only as trustworthy as its pool: every (point, replication)
 * handed out must come back exactly once, with its rows byte for byte,
 * or as a failure that names it. So these tests check the in-process pool
 * (jobs 1: the task runs at submit, in this process), and the forked
 * pool (jobs 2 and 3): results of every size, from nothing to a megabyte
 * (well past a pipe's 64 KiB buffer, so a worker blocks writing while the
 * coordinator is busy elsewhere), notes and error messages as long; the
 * idle and size counts; a worker that dies mid-task (SIGKILL, or _exit
 * from the task function) or while idle is reported as that task's
 * failure with how it died, and is replaced so the pool keeps serving;
 * a wait interrupted by a signal says so; closing with a busy worker
 * returns at once. Every test of a forked pool ends with the file
 * descriptors this process had before and no child left, zombie or
 * alive (checked in the teardown, and counted exactly in
 * test_fds_and_children). The task function's behaviour is chosen by the
 * task's point (below). The sweep's own use of the pool, through the
 * CLI, is in test_sweep.c.
 */
#include "test_util.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run/pool.h"

/* ---- the task function ------------------------------------------------------ */

/* Points with a behaviour of their own; every other point runs normally. */
enum {
	POINT_KILLED = 1000, /* the worker raises SIGKILL */
	POINT_EXIT = 1001,   /* the worker calls _exit(3) */
	POINT_ASLEEP = 1002, /* sleeps 30 s, then runs normally */
	POINT_SLOW = 1003,   /* sleeps 0.3 s, then runs normally */
};

/* Sizes of data, notes and error messages: empty, small, around a pipe's
   64 KiB buffer, and well past it. */
static const size_t sizes[] = { 0, 1, 7, 4096, 65535, 65536, 65537, 200000, 1 << 20 };
#define NSIZES (sizeof sizes / sizeof sizes[0])

static size_t data_len(uint64_t point, uint64_t rep)
{
	return sizes[(point * 3 + rep) % NSIZES];
}

static size_t text_len(uint64_t point, uint64_t rep)
{
	return sizes[(point + 2 * rep + 1) % NSIZES];
}

/* Replications ending in 4 fail with an error message; the others
   succeed. */
static bool fails(uint64_t rep)
{
	return rep % 5 == 4;
}

static char data_byte(uint64_t point, uint64_t rep, size_t i)
{
	return (char)(i * 31 + point * 7 + rep * 13 + (i >> 9));
}

/* Notes and error messages: a prefix, then letters up to len bytes. */
static char *make_text(const char *prefix, size_t len)
{
	size_t p = strlen(prefix), n = len > p ? len : p;
	char *s = malloc(n + 1);
	if (!s)
		return NULL;
	memcpy(s, prefix, p);
	for (size_t i = p; i < n; i++)
		s[i] = (char)('a' + i % 26);
	s[n] = '\0';
	return s;
}

/* What the task function can see of its caller. */
typedef struct task_ctx {
	int calls;         /* tasks run in this process */
} task_ctx;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Runs a task: see the enum above, fails() and the sizes. The notes (or
   the error) start with the process's pid, so a test knows which worker
   ran what. */
static void run_task(void *ctx, const sim_task *task, sim_task_result *out)
{
	task_ctx *c = ctx;
	c->calls++;
	uint64_t point = task->point, rep = task->replication;
	if (point == POINT_KILLED)
		raise(SIGKILL);
	if (point == POINT_EXIT)
		_exit(3);
	if (point == POINT_ASLEEP)
		sleep_ms(30000);
	if (point == POINT_SLOW)
		sleep_ms(300);
	char prefix[96];
	snprintf(prefix, sizeof prefix, "pid=%ld;task=%llu/%llu;", (long)getpid(),
		 (unsigned long long)point, (unsigned long long)rep);
	out->events = point * 1000003 + rep;
	if (fails(rep)) {
		out->ok = false;
		out->error = make_text(prefix, text_len(point, rep));
		return;
	}
	size_t n = data_len(point, rep);
	out->data = n ? malloc(n) : NULL;
	for (size_t i = 0; i < n; i++)
		out->data[i] = data_byte(point, rep, i);
	out->len = n;
	out->notes = make_text(prefix, text_len(point, rep));
	out->ok = true;
}

/* ---- checking results ------------------------------------------------------- */

/* The pid a result's notes or error starts with. */
static long result_pid(const sim_task_result *r)
{
	const char *text = r->ok ? r->notes : r->error;
	if (!text || strncmp(text, "pid=", 4) != 0)
		fail_msg("task %llu/%llu: no pid in its result", (unsigned long long)r->task.point,
			 (unsigned long long)r->task.replication);
	return strtol(text + 4, NULL, 10);
}

/* Fails unless text is make_text(that task's prefix, len): the prefix,
   then letters, len bytes in all (the prefix alone when it is longer). */
static void assert_text(const char *text, const sim_task_result *r, size_t len,
			const char *what)
{
	assert_non_null(text);
	char want[96];
	snprintf(want, sizeof want, "task=%llu/%llu;", (unsigned long long)r->task.point,
		 (unsigned long long)r->task.replication);
	const char *at = strchr(text, ';');
	assert_non_null(at);
	assert_memory_equal(at + 1, want, strlen(want));
	size_t prefix = (size_t)(at + 1 - text) + strlen(want), n = strlen(text);
	if (n != (len > prefix ? len : prefix))
		fail_msg("task %llu/%llu: %s of %zu bytes, expected %zu",
			 (unsigned long long)r->task.point,
			 (unsigned long long)r->task.replication, what, n,
			 len > prefix ? len : prefix);
	for (size_t i = prefix; i < n; i++)
		if (text[i] != (char)('a' + i % 26))
			fail_msg("task %llu/%llu: %s differs at byte %zu",
				 (unsigned long long)r->task.point,
				 (unsigned long long)r->task.replication, what, i);
}

/* Fails unless r is exactly what run_task produced for its task. */
static void assert_result(const sim_task_result *r)
{
	uint64_t point = r->task.point, rep = r->task.replication;
	assert_int_equal(r->events, point * 1000003 + rep);
	if (fails(rep)) {
		assert_false(r->ok);
		assert_text(r->error, r, text_len(point, rep), "error");
		assert_int_equal(r->len, 0);
		assert_null(r->data);
		return;
	}
	assert_true(r->ok);
	assert_null(r->error);
	size_t n = data_len(point, rep);
	assert_int_equal(r->len, n);
	for (size_t i = 0; i < n; i++)
		if (r->data[i] != data_byte(point, rep, i))
			fail_msg("task %llu/%llu: data differs at byte %zu of %zu",
				 (unsigned long long)point, (unsigned long long)rep, i, n);
	assert_text(r->notes, r, text_len(point, rep), "notes");
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Open file descriptors of this process (the listing's own excluded). */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;
}

/* True when this process has no child at all, running or zombie. */
static bool no_children(void)
{
	int status;
	return waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD;
}

/* Each test's state: the fds open before it. The teardown fails the
   test if one leaked or a child process is left. */
static int remember_fds(void **state)
{
	*state = (void *)(intptr_t)count_fds();
	return no_children() ? 0 : -1;
}

static int check_fds(void **state)
{
	int before = (int)(intptr_t)*state, after = count_fds();
	if (after != before) {
		print_error("fds: %d before, %d after\n", before, after);
		return -1;
	}
	if (!no_children()) {
		print_error("a child process is left\n");
		return -1;
	}
	return 0;
}

static sim_pool *new_pool(size_t jobs, task_ctx *ctx)
{
	sim_error err;
	sim_error_clear(&err);
	ctx->calls = 0;
	sim_pool *p = sim_pool_local(jobs, run_task, ctx, &err);
	if (!p)
		fail_msg("sim_pool_local(%zu): %s", jobs, err.message);
	assert_int_equal(sim_pool_size(p), jobs > 1 ? jobs : 1);
	assert_int_equal(sim_pool_idle(p), jobs > 1 ? jobs : 1);
	return p;
}

static void submit(sim_pool *p, uint64_t point, uint64_t rep)
{
	sim_error err;
	sim_error_clear(&err);
	sim_task t = { point, rep, NULL };
	if (sim_pool_submit(p, &t, &err) != 0)
		fail_msg("submit %llu/%llu: %s", (unsigned long long)point,
			 (unsigned long long)rep, err.message);
}

/* The next result (sim_pool_wait returned 0). */
static void next_result(sim_pool *p, sim_task_result *r)
{
	sim_error err;
	sim_error_clear(&err);
	memset(r, 0, sizeof *r);
	int rc;
	while ((rc = sim_pool_wait(p, r, &err)) == 2)
		; /* a signal of another test's */
	if (rc != 0)
		fail_msg("wait returned %d: %s", rc, err.message);
}

/* ---- the tests ---------------------------------------------------------------- */

/* Ensure the in-process pool (jobs 1, or 0) runs each task here, at submit. */
static void test_inline_pool(void **unused)
{
	(void)unused;
	/* Then wait hands back exactly that result, and then 1: nothing runs. */
	sim_error err;
	sim_error_clear(&err);
	task_ctx ctx;
	sim_task_result r = { 0 };
	for (size_t jobs = 0; jobs < 2; jobs++) {
		sim_pool *p = new_pool(jobs, &ctx);
		assert_int_equal(sim_pool_wait(p, &r, &err), 1);
		submit(p, 3, 1);
		/* Already run, here. */
		assert_int_equal(ctx.calls, 1);
		assert_int_equal(sim_pool_idle(p), 0);
		assert_int_equal(sim_pool_wait(p, &r, &err), 0);
		assert_int_equal(r.task.point, 3);
		assert_int_equal(r.task.replication, 1);
		assert_result(&r);
		assert_int_equal(result_pid(&r), getpid());
		sim_task_result_clear(&r);
		assert_int_equal(sim_pool_idle(p), 1);
		assert_int_equal(sim_pool_wait(p, &r, &err), 1);

		/* A failing task, and a megabyte of data (point 0 rep 8 has
		   sizes[8]). */
		submit(p, 7, 4);
		assert_int_equal(sim_pool_wait(p, &r, &err), 0);
		assert_result(&r);
		sim_task_result_clear(&r);
		submit(p, 0, 8);
		assert_int_equal(data_len(0, 8), 1 << 20);
		assert_int_equal(sim_pool_wait(p, &r, &err), 0);
		assert_result(&r);
		sim_task_result_clear(&r);
		assert_int_equal(ctx.calls, 3);
		assert_int_equal(sim_pool_wait(p, &r, &err), 1);
		/* A result never waited for is freed by close. */
		submit(p, 1, 1);
		sim_pool_close(p);
	}
	assert_int_equal(err.kind, SIM_ERROR_NONE);
	sim_pool_close(NULL);
}

/* Runs `total` tasks (points 0.., replications 0..9) on a pool of `jobs`
   workers, handing them out as workers come free; every result must come
   back exactly once and intact, from a worker process. */
static void run_many(size_t jobs, size_t total)
{
	task_ctx ctx;
	sim_pool *p = new_pool(jobs, &ctx);
	sim_error err;
	sim_error_clear(&err);
	int *seen = calloc(total, sizeof *seen);
	assert_non_null(seen);
	size_t next = 0, done = 0, busy = 0;
	long pids[8];
	size_t npids = 0;
	while (done < total) {
		while (next < total && sim_pool_idle(p) > 0) {
			submit(p, next / 10, next % 10);
			next++;
			busy++;
			assert_int_equal(sim_pool_idle(p), jobs - busy);
		}
		/* Every worker busy: one more is refused. */
		if (busy == jobs) {
			sim_task t = { 99, 0, NULL };
			assert_int_equal(sim_pool_submit(p, &t, &err), -1);
			assert_non_null(strstr(err.message, "no idle worker"));
			sim_error_clear(&err);
		}
		sim_task_result r = { 0 };
		next_result(p, &r);
		busy--;
		size_t i = (size_t)(r.task.point * 10 + r.task.replication);
		assert_true(r.task.replication < 10 && i < next);
		seen[i]++;
		assert_result(&r);
		long pid = result_pid(&r);
		assert_true(pid != getpid());
		size_t k = 0;
		while (k < npids && pids[k] != pid)
			k++;
		if (k == npids) {
			assert_true(npids < jobs); /* no worker was replaced */
			pids[npids++] = pid;
		}
		sim_task_result_clear(&r);
		done++;
	}
	for (size_t i = 0; i < total; i++)
		if (seen[i] != 1)
			fail_msg("task %zu/%zu came back %d times", i / 10, i % 10, seen[i]);
	sim_task_result r = { 0 };
	assert_int_equal(sim_pool_wait(p, &r, &err), 1);
	assert_int_equal(sim_pool_idle(p), jobs);
	/* The task function never ran here. */
	assert_int_equal(ctx.calls, 0);
	free(seen);
	sim_pool_close(p);
}

/* Ensure forked pools (2, 3 workers) return every result once, intact, at any size. */
static void test_forked_results(void **unused)
{
	(void)unused;
	/* Data, notes and error messages from 0 bytes to 1 MiB; idle counts. */
	run_many(2, 30);
	run_many(3, 45);
}

/* The pids of a two-worker pool's workers: two tasks handed out
   together go to different workers. */
static void both_pids(sim_pool *p, uint64_t point, long pids[2])
{
	submit(p, point, 0);
	submit(p, point, 1);
	assert_int_equal(sim_pool_idle(p), 0);
	for (int k = 0; k < 2; k++) {
		sim_task_result r = { 0 };
		next_result(p, &r);
		assert_result(&r);
		pids[r.task.replication] = result_pid(&r);
		sim_task_result_clear(&r);
	}
	assert_true(pids[0] != pids[1]);
}

/* How many of a's two pids are among b's. */
static int common(const long a[2], const long b[2])
{
	return (a[0] == b[0] || a[0] == b[1]) + (a[1] == b[0] || a[1] == b[1]);
}

/* Ensure a worker dying mid-task fails that task, says how, and is replaced. */
static void test_worker_dies_mid_task(void **unused)
{
	(void)unused;
	/* Killed by a signal or exiting from the task function; the task beside
	   it succeeds, and the pool serves on at full size with a new process. */
	task_ctx ctx;
	sim_pool *p = new_pool(2, &ctx);
	long before[2], after[2];
	both_pids(p, 1, before);

	submit(p, POINT_KILLED, 6);
	submit(p, 2, 3);
	bool got_failure = false, got_ok = false;
	for (int k = 0; k < 2; k++) {
		sim_task_result r = { 0 };
		next_result(p, &r);
		if (r.task.point == POINT_KILLED) {
			assert_int_equal(r.task.replication, 6);
			assert_false(r.ok);
			assert_string_equal(r.error, "the worker died from signal 9 (Killed)");
			assert_null(r.data);
			got_failure = true;
		} else {
			assert_result(&r);
			got_ok = true;
		}
		sim_task_result_clear(&r);
	}
	assert_true(got_failure && got_ok);
	assert_int_equal(sim_pool_size(p), 2);
	assert_int_equal(sim_pool_idle(p), 2);
	/* One of the two workers is new. */
	both_pids(p, 3, after);
	assert_int_equal(common(before, after), 1);

	/* A worker that exits from the task function. */
	submit(p, POINT_EXIT, 2);
	sim_task_result r = { 0 };
	next_result(p, &r);
	assert_int_equal(r.task.point, POINT_EXIT);
	assert_int_equal(r.task.replication, 2);
	assert_false(r.ok);
	assert_string_equal(r.error, "the worker exited with status 3 mid-task");
	sim_task_result_clear(&r);

	/* Both failed again at once, then business as usual. */
	submit(p, POINT_KILLED, 0);
	submit(p, POINT_KILLED, 1);
	for (int k = 0; k < 2; k++) {
		next_result(p, &r);
		assert_int_equal(r.task.point, POINT_KILLED);
		assert_false(r.ok);
		sim_task_result_clear(&r);
	}
	long last[2];
	both_pids(p, 4, last);
	assert_int_equal(common(after, last), 0);
	assert_int_equal(common(before, last), 0);
	sim_pool_close(p);
	run_many(2, 10); /* and a new pool is unaffected */
}

/* True once process pid has ended (a zombie, not yet reaped). */
static bool is_zombie(long pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *close_paren = strrchr(buf, ')');
	return close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z';
}

/* Ensure a worker that died idle fails the next task sent to it, and is replaced. */
static void test_worker_dies_idle(void **unused)
{
	(void)unused;
	/* Killed from outside: the task is failed, not lost, and the coordinator
	   is not stopped by SIGPIPE. */
	task_ctx ctx;
	sim_pool *p = new_pool(2, &ctx);
	long pids[2];
	both_pids(p, 1, pids);
	for (int k = 0; k < 2; k++)
		assert_int_equal(kill((pid_t)pids[k], SIGKILL), 0);
	for (int i = 0; i < 500 && !(is_zombie(pids[0]) && is_zombie(pids[1])); i++)
		sleep_ms(10);
	assert_true(is_zombie(pids[0]) && is_zombie(pids[1]));
	/* Both tasks go to dead workers: the writes fail (EPIPE), and each
	   task fails, it was never run. The pool's counts are unchanged. */
	submit(p, 2, 0);
	submit(p, 2, 1);
	sim_error err;
	sim_error_clear(&err);
	for (int k = 0; k < 2; k++) {
		/* What *out held before is ignored, never freed: a garbage
		   pointer there must not crash the coordinator when a
		   worker has died. */
		sim_task_result r;
		memset(&r, 0xA5, sizeof r);
		assert_int_equal(sim_pool_wait(p, &r, &err), 0);
		assert_int_equal(r.task.point, 2);
		assert_false(r.ok);
		assert_string_equal(r.error, "the worker died from signal 9 (Killed)");
		sim_task_result_clear(&r);
	}
	assert_int_equal(err.kind, SIM_ERROR_NONE);
	assert_int_equal(sim_pool_idle(p), 2);
	long fresh[2];
	both_pids(p, 3, fresh);
	assert_int_equal(common(pids, fresh), 0);
	sim_pool_close(p);
}

/* Ensure closing a pool with a busy worker returns at once. */
static void test_close_busy_pool(void **unused)
{
	(void)unused;
	/* The busy worker (asleep for 30 s) is killed and reaped, not waited
	   for; an idle one ends on its own. */
	/* Waiting would take the sleeper's 30 s; killing it takes a moment
	   however loaded the machine or slow valgrind: the bound tells the
	   two apart, it does not time the pool. */
	double limit = 15.0;
	for (size_t jobs = 2; jobs <= 3; jobs++) {
		task_ctx ctx;
		sim_pool *p = new_pool(jobs, &ctx);
		submit(p, POINT_ASLEEP, 0);
		if (jobs == 3)
			submit(p, POINT_ASLEEP, 1);
		assert_int_equal(sim_pool_idle(p), 1); /* one worker left idle */
		sleep_ms(50); /* let the tasks start */
		double t0 = now();
		sim_pool_close(p);
		double took = now() - t0;
		if (took > limit)
			fail_msg("closing with a busy worker took %.2f s", took);
		assert_true(no_children());
	}
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* Ensure a signal interrupts wait (2) and the result still comes next. */
static void test_wait_interrupted(void **unused)
{
	(void)unused;
	/* So a sweep can stop on Ctrl-C while its workers run. */
	task_ctx ctx;
	sim_pool *p = new_pool(2, &ctx);
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART; /* poll() is interrupted all the same */
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	alarms = 0;
	submit(p, POINT_SLOW, 0);
	/* A signal every 10 ms, so that some arrive during the wait however
	   late it starts (the task takes 0.3 s; workers do not inherit the
	   timer). */
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } }, off = { { 0, 0 }, { 0, 0 } };
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	sim_error err;
	sim_error_clear(&err);
	sim_task_result r = { 0 };
	int rc = sim_pool_wait(p, &r, &err);
	assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
	assert_int_equal(rc, 2);
	assert_true(alarms >= 1);
	assert_int_equal(sim_pool_idle(p), 1); /* still running */
	assert_int_equal(sim_pool_wait(p, &r, &err), 0);
	assert_int_equal(r.task.point, POINT_SLOW);
	assert_result(&r);
	sim_task_result_clear(&r);
	assert_int_equal(sim_pool_wait(p, &r, &err), 1);
	assert_int_equal(sigaction(SIGALRM, &old, NULL), 0);
	assert_int_equal(err.kind, SIM_ERROR_NONE);
	sim_pool_close(p);
}

/* Ensure a pool holds two fds per worker, none after close, and no children. */
static void test_fds_and_children(void **unused)
{
	(void)unused;
	/* The task and result pipes, also after replacing dead workers. */
	int before = count_fds();
	task_ctx ctx;
	sim_pool *p = new_pool(3, &ctx);
	assert_int_equal(count_fds(), before + 6);
	submit(p, POINT_KILLED, 0);
	submit(p, POINT_EXIT, 0);
	submit(p, 5, 0);
	for (int k = 0; k < 3; k++) {
		sim_task_result r = { 0 };
		next_result(p, &r);
		assert_true(r.ok == (r.task.point == 5));
		sim_task_result_clear(&r);
	}
	assert_int_equal(count_fds(), before + 6);
	sim_pool_close(p);
	assert_int_equal(count_fds(), before);
	assert_true(no_children());
}

int main(void)
{
#define POOL_TEST(f) cmocka_unit_test_setup_teardown(f, remember_fds, check_fds)
	const struct CMUnitTest tests[] = {
		POOL_TEST(test_inline_pool),
		POOL_TEST(test_forked_results),
		POOL_TEST(test_worker_dies_mid_task),
		POOL_TEST(test_worker_dies_idle),
		POOL_TEST(test_close_busy_pool),
		POOL_TEST(test_wait_interrupted),
		POOL_TEST(test_fds_and_children),
	};
	return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
