/* pool.c - workers for a sweep's tasks: in-process and forked (see
   pool.h); the MPI kind (pool_mpi.c) plugs in through p->ops. */
#include "pool_impl.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

/* Reads or writes all n bytes, retrying after signals; -1 on error or an
   early end of file. */
static int read_all(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		ssize_t got = read(fd, p, n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t put = write(fd, p, n);
		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0)
			return -1;
		p += put;
		n -= (size_t)put;
	}
	return 0;
}

/* A forked worker's life: tasks in, results out, until its coordinator
   closes the task pipe (or dies: then the kernel ends it too). */
static void worker_main(const sim_pool *p, int task_fd, int result_fd)
{
	/* Ctrl-C reaches the whole process group; the coordinator decides
	   what stops, and kills busy workers itself. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	sim_task_wire h;
	while (read_all(task_fd, &h, sizeof h) == 0) {
		char *bytes = h.settings_len ? malloc(h.settings_len) : NULL, *settings;
		sim_task task;
		if ((h.settings_len && !bytes) ||
		    (h.settings_len && read_all(task_fd, bytes, h.settings_len) != 0) ||
		    sim_task_unpack_task(&h, bytes, &task, &settings) != 0)
			_exit(1);
		free(bytes);
		sim_task_result r = { .task = task };
		p->fn(p->ctx, &task, &r);
		free(settings);
		r.task.settings = NULL;
		size_t len;
		char *msg = sim_task_pack(&r, &len);
		sim_task_result_clear(&r);
		if (!msg || write_all(result_fd, msg, len) != 0)
			_exit(1);
		free(msg);
	}
	_exit(0);
}

/* Starts worker i (again, after one died). */
static int spawn(sim_pool *p, size_t i, sim_error *err)
{
	int task_pipe[2], result_pipe[2];
	if (pipe(task_pipe) != 0)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "cannot start a worker: %s", strerror(errno));
	if (pipe(result_pipe) != 0) {
		close(task_pipe[0]);
		close(task_pipe[1]);
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "cannot start a worker: %s", strerror(errno));
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		/* Only this worker's own ends stay open in it. */
		for (size_t k = 0; k < p->size; k++)
			if (k != i && p->workers[k].pid > 0) {
				close(p->workers[k].task_fd);
				close(p->workers[k].result_fd);
			}
		close(task_pipe[1]);
		close(result_pipe[0]);
		worker_main(p, task_pipe[0], result_pipe[1]);
	}
	close(task_pipe[0]);
	close(result_pipe[1]);
	if (pid < 0) {
		close(task_pipe[1]);
		close(result_pipe[0]);
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "cannot start a worker: %s", strerror(errno));
	}
	p->workers[i] = (sim__pool_worker){ .pid = pid, .task_fd = task_pipe[1],
				       .result_fd = result_pipe[0] };
	return 0;
}

sim_pool *sim_pool_local(size_t jobs, sim_task_fn fn, void *ctx, sim_error *err)
{
	return sim_pool_forked(jobs > 1 ? jobs : 0, fn, ctx, err);
}

sim_pool *sim_pool_forked(size_t jobs, sim_task_fn fn, void *ctx, sim_error *err)
{
	sim_pool *p = calloc(1, sizeof *p);
	if (!p) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		return NULL;
	}
	p->fn = fn;
	p->ctx = ctx;
	p->kind = jobs > 0 ? POOL_FORK : POOL_INLINE;
	p->size = jobs > 0 ? jobs : 1;
	if (p->kind == POOL_INLINE)
		return p;
	/* A worker that died must not kill the coordinator when it writes. */
	signal(SIGPIPE, SIG_IGN);
	p->workers = calloc(jobs, sizeof *p->workers);
	if (!p->workers) {
		free(p);
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < jobs; i++)
		if (spawn(p, i, err) != 0) {
			sim_pool_close(p);
			return NULL;
		}
	return p;
}

size_t sim_pool_size(const sim_pool *p)
{
	return p->size;
}

size_t sim_pool_idle(const sim_pool *p)
{
	if (p->kind == POOL_INLINE)
		return p->have_result ? 0 : 1;
	if (p->ops)
		return p->ops->idle(p);
	size_t n = 0;
	for (size_t i = 0; i < p->size; i++)
		n += !p->workers[i].busy;
	return n;
}

int sim_pool_submit(sim_pool *p, const sim_task *task, sim_error *err)
{
	if (p->kind == POOL_INLINE) {
		sim_task_result_clear(&p->result);
		p->result.task = *task;
		p->fn(p->ctx, task, &p->result);
		p->result.task.settings = NULL; /* the submitter's */
		p->have_result = true;
		return 0;
	}
	if (p->ops)
		return p->ops->submit(p, task, err);
	for (size_t i = 0; i < p->size; i++) {
		sim__pool_worker *w = &p->workers[i];
		if (w->busy)
			continue;
		size_t len;
		char *msg = sim_task_pack_task(task, &len);
		if (!msg)
			return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		w->busy = true;
		w->task = *task;
		w->task.settings = NULL; /* the submitter's; not needed past here */
		/* A worker that died while idle shows up as a failed read of
		   this task's result, which wait() reports. */
		write_all(w->task_fd, msg, len);
		free(msg);
		return 0;
	}
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "no idle worker");
}

/* Worker i ended mid-task: its task fails with how it died, and a new
   worker takes its place. */
static int replace_dead(sim_pool *p, size_t i, sim_task_result *out, sim_error *err)
{
	sim__pool_worker *w = &p->workers[i];
	int status = 0;
	close(w->task_fd);
	close(w->result_fd);
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		sim_task_failed(out, &w->task, "the worker died from signal %d (%s)",
			    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		sim_task_failed(out, &w->task, "the worker exited with status %d mid-task",
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	w->pid = 0;
	w->busy = false;
	return spawn(p, i, err);
}

static int read_result(sim_pool *p, size_t i, sim_task_result *out, sim_error *err)
{
	sim__pool_worker *w = &p->workers[i];
	sim_task_header h;
	if (read_all(w->result_fd, &h, sizeof h) != 0)
		return replace_dead(p, i, out, err);
	size_t len = sim_task_message_size(&h);
	char *msg = malloc(len);
	if (!msg)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	memcpy(msg, &h, sizeof h);
	if (read_all(w->result_fd, msg + sizeof h, len - sizeof h) != 0) {
		free(msg);
		return replace_dead(p, i, out, err);
	}
	int rc = sim_task_unpack(msg, len, out);
	free(msg);
	w->busy = false;
	if (rc != 0)
		sim_task_failed(out, &w->task, "the worker's result is malformed");
	return 0;
}

int sim_pool_wait(sim_pool *p, sim_task_result *out, sim_error *err)
{
	/* *out may be uninitialised: it is only ever written. */
	memset(out, 0, sizeof *out);
	if (p->kind == POOL_INLINE) {
		if (!p->have_result)
			return 1;
		*out = p->result;
		memset(&p->result, 0, sizeof p->result);
		p->have_result = false;
		return 0;
	}
	if (p->ops)
		return p->ops->wait(p, out, err);
	struct pollfd fds[256];
	size_t map[256], n = 0;
	for (size_t i = 0; i < p->size && n < 256; i++)
		if (p->workers[i].busy) {
			fds[n] = (struct pollfd){ .fd = p->workers[i].result_fd, .events = POLLIN };
			map[n++] = i;
		}
	if (n == 0)
		return 1;
	if (poll(fds, n, -1) < 0)
		return errno == EINTR ? 2 : sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
							  "waiting for workers: %s",
							  strerror(errno));
	/* The lowest ready worker first: which one is served first does not
	   change any result, only the order they are stored in. */
	for (size_t k = 0; k < n; k++)
		if (fds[k].revents)
			return read_result(p, map[k], out, err) != 0 ? -1 : 0;
	return 2;
}

void sim_pool_close(sim_pool *p)
{
	if (!p)
		return;
	if (p->ops)
		p->ops->close(p);
	for (size_t i = 0; p->kind == POOL_FORK && i < p->size; i++) {
		sim__pool_worker *w = &p->workers[i];
		if (w->pid <= 0)
			continue;
		if (w->busy)
			kill(w->pid, SIGKILL);
		close(w->task_fd); /* an idle worker reads end of file and exits */
		close(w->result_fd);
		while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	sim_task_result_clear(&p->result);
	free(p->workers);
	free(p);
}
