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
	if (!w->x || w->point != task->point) {
		sim_experiment_free(w->x);
		w->point = task->point;
		w->x = load_point(w, task->point, &e);
		if (w->x)
			sim_experiment_watch(w->x, &stop_signal);
	}
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
	size_t planned;     /* replications it needs, as far as known */
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
	if (rp->target.count > 0) {
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
	return sim_store_complete(c->store, i, ps->planned, rule, err);
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
			/* Only a resumed database can hold it already. */
			int has = c->resume ? sim_store_has(c->store, i, r, err) : 0;
			if (has < 0)
				return false;
			if (has == 0) {
				*task = (sim_task){ i, r };
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
	if (c->npoints > 1)
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
			   e->name, 0, NULL };
	if (e->how->mpi && sim_pool_mpi_rank() > 0) {
		/* An MPI rank above 0 serves until rank 0 says stop. */
		sim_pool_mpi_serve(run_task, &w);
		c->rep.worker_rank = true;
		sim_experiment_free(w.x);
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
