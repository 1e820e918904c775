/* tasks.c - the task engine (see tasks.h): every (point, replication) of
   an experiment handed to workers, each result stored in results.sqlite as
   it arrives. */
#include "tasks.h"
#include "pool.h"
#include "progress.h"
#include "experiment_store.h"
#include "guard.h"
#include "sim_rng.h"
#include "output/store.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The signal (SIGINT, SIGTERM) that asked the work to stop, or 0. */
static volatile sig_atomic_t stop_signal;

/* A worker's view of the sweep: the experiment loaded at the point it ran
   last, so a worker given the same point again does not reparse. */
typedef struct sweep_worker {
	const sim_model_type *const *registry;
	const sim_run_options *opt;
	const sim_sweep_params *sweep;
	const char *name;
	size_t point;
	char *settings;     /* the settings x was loaded with (heap), or NULL
			       when they came from the sweep's grid */
	sim_experiment *x;  /* at `point`, or NULL */
} sweep_worker;

/* Loads the experiment with point i's assignments. */
static sim_experiment *load_point(const sweep_worker *w, size_t i, sim_error *err)
{
	size_t n = w->sweep->parameters.count;
	char **a = sim_sweep_point_assignments(w->sweep, i);
	sim_experiment *x = NULL;
	if (!a)
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	else
		x = sim_experiment_load(w->registry, w->opt, (const char *const *)a, n, err);
	sim_sweep_assignments_free(a, n);
	return x;
}

/* Splits "a=1\nb=2" into its lines in place: *n strings into a (which
   has room for every line). */
static size_t split_settings(char *text, char **a)
{
	size_t n = 0;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		a[n++] = line;
		line = nl ? nl + 1 : NULL;
	}
	return n;
}

/* Loads the experiment with a task's own settings ("path=value" lines). */
static sim_experiment *load_settings(const sweep_worker *w, const char *settings,
				     sim_error *err)
{
	size_t lines = 1;
	for (const char *c = settings; *c; c++)
		lines += *c == '\n';
	char *copy = strdup(settings);
	char **a = calloc(lines, sizeof *a);
	sim_experiment *x = NULL;
	if (!copy || !a)
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	else
		x = sim_experiment_load(w->registry, w->opt, (const char *const *)a,
					split_settings(copy, a), err);
	free(a);
	free(copy);
	return x;
}

/* Whether the worker's loaded experiment is the one task needs. */
static bool worker_has(const sweep_worker *w, const sim_task *task)
{
	if (!w->x)
		return false;
	if (task->settings)
		return w->settings && strcmp(w->settings, task->settings) == 0;
	return !w->settings && w->point == task->point;
}

/* Loads the experiment at task's point (its settings, or the sweep's). */
static void worker_load(sweep_worker *w, const sim_task *task, sim_error *err)
{
	sim_experiment_free(w->x);
	free(w->settings);
	w->x = NULL;
	w->settings = NULL;
	w->point = task->point;
	if (task->settings) {
		w->settings = strdup(task->settings);
		if (!w->settings) {
			sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
			return;
		}
	}
	w->x = task->settings ? load_settings(w, task->settings, err)
			      : load_point(w, task->point, err);
	if (w->x)
		sim_experiment_watch(w->x, &stop_signal);
}

#ifdef SIM_TEST_HOOKS
/* Fault injection for the tests of failure isolation, compiled only into
   the test build (bin/tests/marketsim-hooks): MARKETSIM_FAULT="P:R:error"
   makes replication R of point P fail as a model error would, "P:R:crash"
   kills its worker process as a crash would. */
static bool injected_fault(const sim_task *task, sim_error *err)
{
	const char *f = getenv("MARKETSIM_FAULT");
	unsigned long long p, r;
	char kind[16];
	if (!f || sscanf(f, "%llu:%llu:%15s", &p, &r, kind) != 3 || p != task->point ||
	    r != task->replication)
		return false;
	if (strcmp(kind, "crash") == 0)
		raise(SIGKILL);
	sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
		      "injected fault (MARKETSIM_FAULT=%s)", f);
	return true;
}
#else
static bool injected_fault(const sim_task *task, sim_error *err)
{
	(void)task;
	(void)err;
	return false;
}
#endif

/* The task function: one replication at one point, its rows encoded. */
static void run_task(void *ctx, const sim_task *task, sim_task_result *out)
{
	sweep_worker *w = ctx;
	sim_error e;
	sim_error_clear(&e);
	if (injected_fault(task, &e)) {
		char msg[1400];
		sim_error_format(&e, msg, sizeof msg);
		out->error = strdup(msg);
		return;
	}
	sim_table_set *rows = NULL;
	if (!worker_has(w, task))
		worker_load(w, task, &e);
	if (w->x) {
		rows = sim_table_set_new();
		if (!rows)
			sim_error_set(&e, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		else if (sim_experiment_run_replication(w->x, w->name, task->replication, rows,
							&out->events, &out->notes, &e) == 0 &&
			 sim_table_set_encode(rows, &out->data, &out->len, &e) == 0)
			out->ok = true;
	}
	if (!out->ok) {
		char msg[1400];
		sim_error_format(&e, msg, sizeof msg);
		out->error = strdup(msg);
	}
	sim_table_set_free(rows);
}

/* The sweep's progress through its points. */
typedef struct point_state {
	uint64_t first;     /* its first replication (a session's batch may ask
			       for fresh ones after those already run) */
	size_t planned;     /* replications it needs, as far as known: it
			       runs first .. planned - 1 */
	size_t next;        /* next replication to hand out or find stored */
	size_t running;     /* handed out, not yet back */
	bool failed, finished;
} point_state;

typedef struct coordinator {
	const sim_experiment_params *ep;
	const sim_config *cfg; /* for the stopping rule's errors */
	sim_store *store;
	sim_pool *pool;
	point_state *points;
	size_t npoints;
	size_t stored;      /* replications stored, old and new */
	size_t planned;     /* replications planned in all */
	size_t finished_points;
	uint64_t events;
	bool targets_checked; /* the stopping rule's metrics exist */
	bool resume;          /* the database may hold replications already */
	bool session;         /* an analysis's: points added batch by batch,
				 each with its settings, no stopping rule */
	char **settings;      /* session: each point's settings, heap */
	size_t capacity;      /* session: points allocated */
	sim_exec_report rep;
} coordinator;


static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

/* Decides whether point i, all of whose planned replications are stored,
   needs more (the stopping rule of `replications = { min; max; target }`,
   on exactly those replications, so the decision does not depend on the
   order they arrived in); records it as finished when not. */
static int settle_point(coordinator *c, size_t i, sim_error *err)
{
	point_state *ps = &c->points[i];
	const sim_replications_params *rp = &c->ep->replications;
	char rule[256] = "";
	if (rp->target.count > 0 && !c->session) {
		sim_table_set *tables = sim_table_set_new();
		sim_replications_status status;
		size_t want = (size_t)-1;
		if (!tables)
			return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		if (sim_store_load(c->store, i, ps->planned, tables, err) == 0)
			want = sim_replications_plan(rp, tables, ps->planned, c->cfg, "replications",
						     &status, err);
		sim_table_set_free(tables);
		if (want == (size_t)-1)
			return -1;
		if (want > ps->planned) {
			c->planned += want - ps->planned;
			ps->planned = want;
			return 0;
		}
		sim_replications_describe(&status, rule, sizeof rule);
	}
	ps->finished = true;
	c->finished_points++;
	/* A session's point may run again later with fresh replications:
	   nothing about it is final. */
	return c->session ? 0 : sim_store_complete(c->store, i, ps->planned, rule, err);
}

/* The next task to hand out, skipping replications already stored;
   false when none is ready now. */
static bool next_task(coordinator *c, sim_task *task, sim_error *err)
{
	for (size_t i = 0; i < c->npoints; i++) {
		point_state *ps = &c->points[i];
again:
		/* A point with a failed replication still runs the others it
		   planned (a resume then only retries the failure), but is
		   never settled: its count stays undecided. */
		while (!ps->finished && ps->next < ps->planned) {
			size_t r = ps->next++;
			/* Only a resumed database, or a session that met the
			   point before, can hold it already. */
			int has = c->resume || c->session ? sim_store_has(c->store, i, r, err) : 0;
			if (has < 0)
				return false;
			if (has == 0) {
				*task = (sim_task){ i, r, c->session ? c->settings[i] : NULL };
				ps->running++;
				return true;
			}
			c->stored++;
			c->rep.skipped++;
		}
		if (!ps->failed && !ps->finished && ps->next == ps->planned && ps->running == 0) {
			if (settle_point(c, i, err) != 0)
				return false;
			if (!ps->finished)
				goto again; /* more replications planned: hand them out */
		}
	}
	return false;
}

/* Stores a worker's result, or records its failure. */
static int take_result(coordinator *c, sim_task_result *r, sim_error *err)
{
	point_state *ps = &c->points[r->task.point];
	ps->running--;
	c->events += r->events;
	uint64_t seed = (uint64_t)c->ep->seed;
	if (r->ok) {
		sim_table_set *rows = sim_table_set_new();
		sim_error e;
		sim_error_clear(&e);
		int rc = rows ? sim_table_set_decode(rows, r->data, r->len, &e) : -1;
		/* A target naming no metric fails at the first result, not
		   after every point's minimum has run. */
		if (rc == 0 && !c->targets_checked && c->ep->replications.target.count > 0) {
			sim_replications_status status;
			if (sim_replications_plan(&c->ep->replications, rows, 1, c->cfg,
						  "replications", &status, err) == (size_t)-1) {
				sim_table_set_free(rows);
				return -1;
			}
			c->targets_checked = true;
		}
		if (rc == 0)
			rc = sim_store_commit(c->store, r->task.point, r->task.replication, seed,
					      sim_rng_key(seed, r->task.replication, 0), r->events,
					      r->notes, rows, err);
		sim_table_set_free(rows);
		if (rc == 0) {
			c->stored++;
			c->rep.done++;
			return 0;
		}
		if (err->kind != SIM_ERROR_NONE)
			return -1; /* the database failed: stop */
		char msg[1400];
		sim_error_format(&e, msg, sizeof msg);
		free(r->error);
		r->error = strdup(msg);
	}
	ps->failed = true;
	c->rep.failed++;
	return sim_store_fail(c->store, r->task.point, r->task.replication, seed,
			      r->error ? r->error : "unknown error", err);
}

static void show_progress(const coordinator *c, sim_progress *progress)
{
	char detail[64] = "";
	if (c->session)
		snprintf(detail, sizeof detail, "points %zu", c->npoints);
	else if (c->npoints > 1)
		snprintf(detail, sizeof detail, "points %zu/%zu", c->finished_points, c->npoints);
	sim_progress_retotal(progress, c->planned, detail);
	sim_progress_update(progress, c->stored, c->events);
}

/* Hands out tasks and stores results until every point is finished or
   failed, or a signal asks to stop. */
static int coordinate(coordinator *c, sim_progress *progress, sim_error *err)
{
	for (;;) {
		sim_task task;
		while (!stop_signal && sim_pool_idle(c->pool) > 0 && next_task(c, &task, err))
			if (sim_pool_submit(c->pool, &task, err) != 0)
				return -1;
		if (err->kind != SIM_ERROR_NONE)
			return -1;
		if (stop_signal)
			return 0;
		sim_task_result r = { 0 };
		int got = sim_pool_wait(c->pool, &r, err);
		if (got == 1) {
			/* Nothing running and nothing to hand out: done. */
			show_progress(c, progress);
			return 0;
		}
		if (got < 0)
			return -1;
		if (got == 0 && stop_signal && !r.ok) {
			/* A worker the signal reached too (SIGTERM to the process
			   group): not a failure of its task, which is simply not
			   stored. */
			sim_task_result_clear(&r);
			return 0;
		}
		if (got == 0) {
			int rc = take_result(c, &r, err);
			sim_task_result_clear(&r);
			if (rc != 0)
				return -1;
		}
		show_progress(c, progress);
	}
}

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* One execution: every point of a sweep, or a run's single point. */
typedef struct execution {
	const sim_model_type *const *registry;
	const sim_run_options *opt;
	const sim_exec_options *how;
	sim_experiment *x;
	const char *name, *dir;
	bool sweep;
} execution;

/* The coordinator's workers: MPI ranks or local ones, started before the
   database is opened (forked workers must not inherit its connection).
   No more local workers than tasks, so none idles: a run of one
   replication with -j 2 forks one (still apart from the coordinator). */
static int start_workers(const execution *e, coordinator *c, sweep_worker *w,
			 sim_error *err)
{
	size_t tasks = sim_guard_tasks(e->x, c->npoints);
	size_t jobs = e->how->jobs < tasks ? e->how->jobs : tasks;
	c->pool = e->how->mpi ? sim_pool_mpi(err)
			      : sim_pool_forked(e->how->jobs > 1 ? jobs : 0, run_task, w, err);
	if (!c->pool)
		return -1;
	c->rep.workers = sim_pool_size(c->pool);
	return 0;
}

/* Every point starts at its fixed count (or adaptive minimum). */
static int plan_points(const execution *e, coordinator *c, sim_error *err)
{
	const sim_experiment_params *ep = sim_experiment_settings(e->x);
	c->ep = ep;
	c->cfg = sim_experiment_config(e->x);
	c->npoints = e->sweep ? sim_sweep_point_count(&ep->sweep) : 1;
	c->rep.points = c->npoints;
	c->resume = e->how->resume;
	c->points = calloc(c->npoints, sizeof *c->points);
	if (!c->points)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	for (size_t i = 0; i < c->npoints; i++) {
		c->points[i].planned = (size_t)ep->replications.min;
		c->planned += c->points[i].planned;
	}
	return 0;
}

/* Says what a signal stopped and how to go on: the command as typed (all
   its --set options) with --resume, and the folder it must write to. */
static void print_resume_hint(const execution *e, const coordinator *c)
{
	const char *cmd = e->opt->command;
	fprintf(stderr, "marketsim: %s %s stopped by %s: %zu of %zu replications are stored "
		"in %s/results.sqlite.\n", e->sweep ? "sweep" : "run", e->name,
		stop_signal == SIGINT ? "SIGINT" : "SIGTERM", c->stored, c->planned, e->dir);
	if (cmd)
		fprintf(stderr, "Resume with: %s%s\n", cmd,
			e->how->resume ? "" : " --resume");
	else
		fprintf(stderr, "Resume with: marketsim %s --resume -o %s %s\n",
			e->sweep ? "sweep" : "run", e->dir, e->opt->config_path);
}

/* Coordinates under SIGINT and SIGTERM handlers that ask it to stop, with
   a progress display; says how to resume when a signal stopped it. */
static int coordinate_until_stopped(const execution *e, coordinator *c, sim_error *err)
{
	const sim_experiment_params *ep = c->ep;
	char label[300];
	snprintf(label, sizeof label, "%s%s", e->sweep ? "sweep " : "", e->name);
	/* A run of one replication reports itself when done. */
	sim_progress *progress =
		sim_progress_new(stderr, e->opt->quiet ||
				 (!e->sweep && sim_replications_limit(&ep->replications) < 2),
				 label, "replications", c->planned);
	struct sigaction old_int, old_term, sa = { .sa_handler = on_stop_signal };
	sigemptyset(&sa.sa_mask);
	stop_signal = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	double wall0 = wall_now();
	int rc = coordinate(c, progress, err);
	c->rep.wall_seconds = wall_now() - wall0;
	c->rep.events = c->events;
	sim_progress_finish(progress);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (rc == 0 && stop_signal) {
		c->rep.interrupted = stop_signal;
		print_resume_hint(e, c);
	}
	return rc;
}

/* Runs every task of the execution, storing each result as it comes, and
   fills c->rep. Returns 0 when done, stopped by a signal, or (MPI) when
   this rank was a worker; -1 with err. */
static int execute(const execution *e, coordinator *c, sim_error *err)
{
	const sim_experiment_params *ep = sim_experiment_settings(e->x);
	static const sim_sweep_params no_parameters = { 0 };
	/* A run has no parameters to set at its point. */
	sweep_worker w = { e->registry, e->opt, e->sweep ? &ep->sweep : &no_parameters,
			   e->name, 0, NULL, NULL };
	if (e->how->mpi && sim_pool_mpi_rank() > 0) {
		/* An MPI rank above 0 serves until rank 0 says stop. */
		sim_pool_mpi_serve(run_task, &w);
		c->rep.worker_rank = true;
		sim_experiment_free(w.x);
		free(w.settings);
		return 0;
	}
	int rc = -1;
	if (plan_points(e, c, err) != 0 || start_workers(e, c, &w, err) != 0)
		goto done;
	c->store = sim_experiment_store_open(e->x, e->dir, e->name, e->sweep, e->how->resume,
					     e->opt->config_path, err);
	if (c->store)
		rc = coordinate_until_stopped(e, c, err);
done:
	/* The workers are done: freed before the outputs are written. */
	sim_pool_close(c->pool);
	c->pool = NULL;
	sim_store_close(c->store);
	/* Bad input found only once a replication ran (a stopping rule's
	   metric that does not exist) leaves nothing behind, as any other:
	   the database this call created goes (the caller abandons the
	   folder's claim, removing what the claim made). */
	if (rc != 0 && c->store && !e->how->resume && err->kind == SIM_ERROR_CONFIG)
		sim_store_remove(e->dir);
	c->store = NULL;
	sim_experiment_free(w.x);
	free(w.settings);
	free(c->points);
	c->points = NULL;
	c->rep.stored = c->stored;
	return rc;
}

bool sim_tasks_coordinator(const sim_exec_options *how)
{
	return !how || !how->mpi || sim_pool_mpi_rank() == 0;
}

int sim_tasks_claim(const sim_exec_options *how, const char *dir, const char *name,
		    bool force, sim_folder *claim, sim_error *err)
{
	*claim = (sim_folder){ .lock_fd = -1 };
	bool coordinates = sim_tasks_coordinator(how);
	int kind = 0;
	if (coordinates && sim_folder_claim(dir, name, force, claim, err) != 0)
		kind = (int)err->kind;
	if (how && how->mpi)
		kind = sim_pool_mpi_share(kind);
	if (kind == 0)
		return 0;
	if (!coordinates) /* not printed: rank 0 says what went wrong */
		sim_error_set(err, (sim_error_kind)kind, dir, 0, NULL,
			      "rank 0 could not claim the output folder");
	return -1;
}

int sim_tasks_run(const sim_model_type *const *registry, const sim_run_options *opt,
		  const sim_exec_options *how, sim_experiment *x, const char *name,
		  const char *dir, bool sweep, sim_exec_report *report, sim_error *err)
{
	coordinator c = { 0 };
	execution e = { registry, opt, how, x, name, dir, sweep };
	int rc = execute(&e, &c, err);
	*report = c.rep;
	return rc;
}

/* ---- sessions: an analysis's batches on one set of workers ---- */

struct sim_tasks_session {
	execution e;
	coordinator c;
	sweep_worker w;
	const char *analysis;
	size_t dim;
	char **paths;        /* dim setting paths */
	double *x;           /* each point's values, c.capacity x dim */
	sim_progress *progress;
	bool started;        /* signal handlers installed, progress shown */
	struct sigaction old_int, old_term;
	double wall0;
};

/* Room for `more` points beyond those held. */
static int session_reserve(sim_tasks_session *s, size_t more, sim_error *err)
{
	coordinator *c = &s->c;
	if (c->npoints + more <= c->capacity)
		return 0;
	size_t cap = (c->npoints + more) * 2;
	point_state *ps = realloc(c->points, cap * sizeof *ps);
	if (ps)
		c->points = ps;
	char **set = ps ? realloc(c->settings, cap * sizeof *set) : NULL;
	if (set)
		c->settings = set;
	double *x = set ? realloc(s->x, cap * (s->dim ? s->dim : 1) * sizeof *x) : NULL;
	if (!x)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	s->x = x;
	memset(c->points + c->capacity, 0, (cap - c->capacity) * sizeof *ps);
	c->capacity = cap;
	return 0;
}

/* Adds the point x (dim values) as point c.npoints, its settings text
   made from the values ("%.17g": exactly x). */
static int session_add(sim_tasks_session *s, const double *x, sim_error *err)
{
	coordinator *c = &s->c;
	if (session_reserve(s, 1, err) != 0)
		return -1;
	size_t len = 1;
	for (size_t j = 0; j < s->dim; j++)
		len += strlen(s->paths[j]) + 32;
	char *text = malloc(len), *at = text;
	if (!text)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	*at = '\0';
	for (size_t j = 0; j < s->dim; j++)
		at += sprintf(at, "%s%s=%.17g", j ? "\n" : "", s->paths[j], x[j]);
	size_t i = c->npoints++;
	c->settings[i] = text;
	memcpy(s->x + i * s->dim, x, s->dim * sizeof *x);
	c->points[i] = (point_state){ .finished = true };
	return 0;
}

/* The point holding exactly the values x, or SIZE_MAX. */
static size_t session_find(const sim_tasks_session *s, const double *x)
{
	for (size_t i = 0; i < s->c.npoints; i++)
		if (memcmp(s->x + i * s->dim, x, s->dim * sizeof *x) == 0)
			return i;
	return SIZE_MAX;
}

/* Records points from..npoints-1 in the store: named pNNNN, values in
   17 digits. */
static int session_record(sim_tasks_session *s, size_t from, sim_error *err)
{
	size_t n = s->c.npoints - from, d = s->dim;
	if (n == 0)
		return 0;
	char **names = calloc(n, sizeof *names), **values = calloc(n * d + 1, sizeof *values);
	bool *numbers = calloc(d + 1, sizeof *numbers);
	int rc = -1;
	for (size_t j = 0; numbers && j < d; j++)
		numbers[j] = true;
	for (size_t i = 0; names && values && numbers && i < n; i++) {
		names[i] = malloc(32);
		for (size_t j = 0; j < d; j++)
			if ((values[i * d + j] = malloc(32)))
				snprintf(values[i * d + j], 32, "%.17g", s->x[(from + i) * d + j]);
		if (names[i])
			snprintf(names[i], 32, "p%04zu", from + i);
	}
	bool complete = names && values && numbers;
	for (size_t k = 0; complete && k < n * d; k++)
		complete = values[k] && names[k / (d ? d : 1)];
	if (!complete)
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	else
		rc = sim_store_append_points(s->c.store, from, n, d, (const char *const *)names,
					     numbers, (const char *const *)values, err);
	sim_store_free_strings(names, names ? n : 0);
	sim_store_free_strings(values, values ? n * d : 0);
	free(numbers);
	return rc;
}

/* Reads back the points a resumed store holds, in order, so that the
   analysis, run again from the start, meets them under the same numbers. */
static int session_load_points(sim_tasks_session *s, sim_error *err)
{
	long n = sim_store_point_count(s->c.store, err);
	if (n < 0)
		return -1;
	double *x = malloc((s->dim + 1) * sizeof *x);
	int rc = x ? 0 : sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	for (long i = 0; rc == 0 && i < n; i++)
		rc = sim_store_point_numbers(s->c.store, (size_t)i, x, s->dim, err) == 0 &&
				     session_add(s, x, err) == 0 ? 0 : -1;
	free(x);
	return rc;
}

/* Starts the workers, then opens the store (forked workers must not
   inherit its connection), then catches SIGINT and SIGTERM. */
static int session_start(sim_tasks_session *s, sim_error *err)
{
	const execution *e = &s->e;
	coordinator *c = &s->c;
	c->ep = sim_experiment_settings(e->x);
	c->cfg = sim_experiment_config(e->x);
	c->session = true;
	c->resume = e->how->resume;
	c->pool = e->how->mpi ? sim_pool_mpi(err)
			      : sim_pool_forked(e->how->jobs > 1 ? e->how->jobs : 0, run_task, &s->w,
						err);
	if (!c->pool)
		return -1;
	c->rep.workers = sim_pool_size(c->pool);
	c->store = sim_experiment_store_open_analysis(e->x, e->dir, e->name, s->analysis, s->dim,
						      (const char *const *)s->paths, e->how->resume,
						      e->opt->config_path, err);
	if (!c->store || session_load_points(s, err) != 0)
		return -1;
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigemptyset(&sa.sa_mask);
	stop_signal = 0;
	sigaction(SIGINT, &sa, &s->old_int);
	sigaction(SIGTERM, &sa, &s->old_term);
	char label[300];
	snprintf(label, sizeof label, "%s %s", s->analysis, e->name);
	s->progress = sim_progress_new(stderr, e->opt->quiet, label, "replications", 0);
	s->wall0 = wall_now();
	s->started = true;
	return 0;
}

int sim_tasks_session_open(const sim_model_type *const *registry, const sim_run_options *opt,
			   const sim_exec_options *how, sim_experiment *x, const char *name,
			   const char *dir, const char *analysis, size_t dim,
			   const char *const *paths, sim_tasks_session **out, sim_error *err)
{
	static const sim_sweep_params no_parameters = { 0 };
	*out = NULL;
	sim_tasks_session *s = calloc(1, sizeof *s);
	if (!s)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	s->e = (execution){ registry, opt, how, x, name, dir, false };
	s->w = (sweep_worker){ registry, opt, &no_parameters, name, 0, NULL, NULL };
	s->analysis = analysis;
	s->dim = dim;
	s->paths = calloc(dim + 1, sizeof *s->paths);
	for (size_t j = 0; s->paths && j < dim; j++)
		s->paths[j] = strdup(paths[j]);
	for (size_t j = 0; s->paths && j < dim; j++)
		if (!s->paths[j])
			break;
	if (!s->paths || (dim && !s->paths[dim - 1])) {
		sim_tasks_session_close(s, NULL);
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	}
	if (how->mpi && sim_pool_mpi_rank() > 0) {
		/* A rank above 0 serves until rank 0 closes its session. */
		sim_pool_mpi_serve(run_task, &s->w);
		sim_tasks_session_close(s, NULL);
		return 0;
	}
	if (session_start(s, err) != 0) {
		sim_tasks_session_close(s, NULL);
		return -1;
	}
	*out = s;
	return 0;
}

/* Points ids[0..n) run replications first .. first + count - 1 now;
   every other point waits. */
static void session_plan(sim_tasks_session *s, size_t n, const size_t *ids, uint64_t first,
			 size_t count)
{
	coordinator *c = &s->c;
	for (size_t i = 0; i < n; i++) {
		point_state *ps = &c->points[ids[i]];
		if (!ps->finished && ps->first == first && ps->planned == first + count)
			continue; /* the same point twice in one batch */
		*ps = (point_state){ .first = first, .next = first, .planned = first + count };
		c->planned += count;
	}
}

int sim_tasks_session_run(sim_tasks_session *s, size_t n, const double *x, uint64_t first,
			  size_t count, size_t *ids, sim_error *err)
{
	coordinator *c = &s->c;
	if (stop_signal)
		return SIM_TASKS_STOPPED;
	size_t known = c->npoints;
	for (size_t i = 0; i < n; i++) {
		ids[i] = session_find(s, x + i * s->dim);
		if (ids[i] == SIZE_MAX) {
			if (session_add(s, x + i * s->dim, err) != 0)
				return -1;
			ids[i] = c->npoints - 1;
		}
	}
	if (session_record(s, known, err) != 0)
		return -1;
	session_plan(s, n, ids, first, count);
	if (coordinate(c, s->progress, err) != 0)
		return -1;
	if (stop_signal)
		return SIM_TASKS_STOPPED;
	for (size_t i = 0; i < n; i++)
		if (c->points[ids[i]].failed)
			return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
					     "a replication failed at point p%04zu (its message is "
					     "in %s/results.sqlite, table failures); the %s cannot "
					     "go on without it", ids[i], s->e.dir, s->analysis);
	return 0;
}

sim_store *sim_tasks_session_store(sim_tasks_session *s)
{
	return s->c.store;
}

size_t sim_tasks_session_workers(const sim_tasks_session *s)
{
	return s->c.rep.workers;
}

/* Says what a signal stopped and how to go on. */
static void session_resume_hint(const sim_tasks_session *s)
{
	const execution *e = &s->e;
	fprintf(stderr, "marketsim: %s %s stopped by %s: %zu replications are stored in "
		"%s/results.sqlite.\n", s->analysis, e->name,
		stop_signal == SIGINT ? "SIGINT" : "SIGTERM", s->c.stored, e->dir);
	if (e->opt->command)
		fprintf(stderr, "Resume with: %s%s\n", e->opt->command,
			e->how->resume ? "" : " --resume");
	else
		fprintf(stderr, "Resume with: marketsim %s --resume -o %s %s\n", s->analysis,
			e->dir, e->opt->config_path);
}

void sim_tasks_session_close(sim_tasks_session *s, sim_exec_report *report)
{
	if (!s) {
		if (report)
			*report = (sim_exec_report){ .worker_rank = true };
		return;
	}
	coordinator *c = &s->c;
	if (s->started) {
		c->rep.wall_seconds = wall_now() - s->wall0;
		c->rep.events = c->events;
		c->rep.points = c->npoints;
		c->rep.stored = c->stored;
		sim_progress_finish(s->progress);
		sigaction(SIGINT, &s->old_int, NULL);
		sigaction(SIGTERM, &s->old_term, NULL);
		if (stop_signal) {
			c->rep.interrupted = stop_signal;
			session_resume_hint(s);
		}
	}
	if (report)
		*report = c->rep;
	sim_pool_close(c->pool);
	sim_store_close(c->store);
	sim_experiment_free(s->w.x);
	free(s->w.settings);
	for (size_t i = 0; i < c->npoints; i++)
		free(c->settings[i]);
	free(c->settings);
	free(c->points);
	free(s->x);
	sim_store_free_strings(s->paths, s->paths ? s->dim : 0);
	free(s);
}
