/* sweep_run.c - `marketsim sweep`: every (point, replication) of an
   experiment's sweep handed to workers, each result stored in
   results.sqlite as it arrives, then the outputs derived from it
   (include/sim_sweep.h, include/sim_runner.h). */
#include "sim_runner.h"
#include "sim_plot.h"
#include "sim_pool.h"
#include "sim_progress.h"
#include "sim_replications.h"
#include "sim_rng.h"
#include "sim_store.h"
#include "sim_version.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The assignments of point `point`: "path=value" for each parameter, in
   heap strings owned by the caller (free with free_assignments). */
static char **point_assignments(const sim_sweep_params *s, size_t point)
{
	const sim_sweep_param *p = s->parameters.items;
	char **a = calloc(s->parameters.count + 1, sizeof *a);
	for (size_t j = 0; a && j < s->parameters.count; j++) {
		char v[64];
		/* 17 digits: the value the point ran with, exactly. */
		sim_sweep_value_text(&p[j], sim_sweep_value_index(s, point, j), 17, true, v,
				     sizeof v);
		size_t len = strlen(p[j].path) + strlen(v) + 2;
		if (!(a[j] = malloc(len)))
			return a; /* the caller sees the NULL */
		snprintf(a[j], len, "%s=%s", p[j].path, v);
	}
	return a;
}

static void free_assignments(char **a, size_t n)
{
	for (size_t j = 0; a && j < n; j++)
		free(a[j]);
	free(a);
}

/* opt's overrides followed by `extra`: the point's own. */
static const char **with_overrides(const sim_run_options *opt, char **extra, size_t n)
{
	const char **all = calloc(opt->override_count + n + 1, sizeof *all);
	if (!all)
		return NULL;
	for (size_t i = 0; i < opt->override_count; i++)
		all[i] = opt->overrides[i];
	for (size_t j = 0; j < n; j++)
		all[opt->override_count + j] = extra[j];
	return all;
}

/* Every value of every parameter must be a valid value of the setting its
   path names; reported at the parameter, as the file has it. */
static int check_paths(sim_experiment *x, sim_error *err)
{
	const sim_sweep_params *s = &sim_experiment_settings(x)->sweep;
	const sim_sweep_param *p = s->parameters.items;
	for (size_t j = 0; j < s->parameters.count; j++)
		for (size_t k = 0; k < sim_sweep_value_count(&p[j]); k++) {
			char assignment[1024], at[64], v[64];
			sim_sweep_value_text(&p[j], k, 17, true, v, sizeof v);
			snprintf(assignment, sizeof assignment, "%s=%s", p[j].path, v);
			sim_error e;
			sim_error_clear(&e);
			if (sim_config_set(sim_experiment_config(x), sim_experiment_root(x),
					   assignment, &e) == 0)
				continue;
			snprintf(at, sizeof at, "sweep.parameters.[%zu].path", j);
			return sim_config_error_at(sim_experiment_config(x), at, err,
						   "%s%s%s (value %s)", e.path, e.path[0] ? ": " : "",
						   e.message, v);
		}
	return 0;
}

/* Each point must also pass the checks that involve several settings
   (an event date within the horizon, ...) before anything runs. */
static int check_points(const sim_model_type *const *registry, const sim_run_options *opt,
			const sim_sweep_params *s, sim_error *err)
{
	size_t n = s->parameters.count;
	for (size_t i = 0; i < sim_sweep_point_count(s); i++) {
		char **a = point_assignments(s, i);
		const char **all = a ? with_overrides(opt, a, n) : NULL;
		if (!all) {
			free_assignments(a, n);
			return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		}
		sim_run_options o = *opt;
		o.overrides = all;
		o.override_count = opt->override_count + n;
		o.check_only = true;
		int rc = sim_run_experiment(registry, &o, NULL, err);
		if (rc != 0) {
			size_t len = strlen(err->message);
			snprintf(err->message + len, sizeof err->message - len,
				 " (at sweep point %zu)", i);
		}
		free(all);
		free_assignments(a, n);
		if (rc != 0)
			return -1;
	}
	return 0;
}

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
	char **a = point_assignments(w->sweep, i);
	const char **all = a ? with_overrides(w->opt, a, n) : NULL;
	sim_experiment *x = NULL;
	if (!all) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	} else {
		sim_run_options o = *w->opt;
		o.overrides = all;
		o.override_count = w->opt->override_count + n;
		x = sim_experiment_load(w->registry, &o, err);
	}
	free(all);
	free_assignments(a, n);
	return x;
}

/* Fault injection for the tests of failure isolation: MARKETSIM_FAULT=
   "P:R:error" makes replication R of point P fail as a model error would,
   "P:R:crash" kills its worker process as a crash would. */
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

static volatile sig_atomic_t stop_signal;

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

/* The sweep's resolved configuration, as the manifest and the store
   keep it (resuming needs the same). Heap text. */
static char *resolved_config(sim_experiment *x)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	int rc = sim_config_write(sim_experiment_config(x), f);
	if (fclose(f) != 0 || rc != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* Opens DIR/results.sqlite: new, or for --resume the one an earlier run of
   the same experiment left. A run is stored as a sweep of one point
   without parameters. */
static sim_store *open_store(sim_experiment *x, const char *dir, const char *name,
			     bool sweep, const sim_exec_options *how, sim_error *err)
{
	const sim_experiment_params *ep = sim_experiment_settings(x);
	const sim_sweep_params *s = &ep->sweep;
	const char *mode = !sweep ? "run" : s->mode == 0 ? "grid" : "zip";
	char *config = resolved_config(x);
	if (!config) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		return NULL;
	}
	bool exists = sim_store_exists(dir);
	sim_store *st = sim_store_open(dir, !how->resume, err);
	char *stored = st && how->resume && exists ? sim_store_meta(st, "config", err) : NULL;
	char *stored_mode = stored ? sim_store_meta(st, "mode", err) : NULL;
	bool same_kind = stored_mode && (strcmp(stored_mode, "run") == 0) == !sweep;
	free(stored_mode);
	if (st && how->resume && exists && err->kind == SIM_ERROR_NONE) {
		if (!stored || strcmp(stored, config) != 0 || !same_kind) {
			sim_error_set(err, SIM_ERROR_CONFIG, sim_store_path(st), 0, NULL,
				      "was written by another experiment (its resolved "
				      "configuration differs): resume with the same file and "
				      "--set options, or run without --resume to start again");
		} else {
			free(stored);
			free(config);
			sim_store_clear_failures(st, err);
			return err->kind == SIM_ERROR_NONE ? st : (sim_store_close(st), NULL);
		}
	}
	free(stored);
	if (!st || err->kind != SIM_ERROR_NONE) {
		free(config);
		sim_store_close(st);
		return NULL;
	}
	/* A new database: the experiment and its points. */
	size_t points = sweep ? sim_sweep_point_count(s) : 1;
	size_t np = sweep ? s->parameters.count : 0;
	char **names = calloc(points, sizeof *names), **paths = calloc(np + 1, sizeof *paths);
	char **values = calloc(points * np + 1, sizeof *values);
	bool *numbers = calloc(np + 1, sizeof *numbers);
	char num[32];
	int rc = -1;
	if (!names || !paths || !values || !numbers)
		goto done;
	for (size_t j = 0; j < np; j++) {
		paths[j] = s->parameters.items ? ((sim_sweep_param *)s->parameters.items)[j].path
					       : NULL;
		numbers[j] = !((sim_sweep_param *)s->parameters.items)[j].from_date[0];
	}
	for (size_t i = 0; i < points; i++) {
		char label[32];
		snprintf(label, sizeof label, "p%04zu", i);
		if (!(names[i] = strdup(label)))
			goto done;
		for (size_t j = 0; j < np; j++) {
			char v[64];
			const sim_sweep_param *p = &((sim_sweep_param *)s->parameters.items)[j];
			sim_sweep_value_text(p, sim_sweep_value_index(s, i, j), 17, false, v, sizeof v);
			if (!(values[i * np + j] = strdup(v)))
				goto done;
		}
	}
	snprintf(num, sizeof num, "%lld", (long long)s->reference);
	const char *meta[][2] = {
		{ "name", name }, { "model", sim_experiment_model(x)->name },
		{ "mode", mode }, { "plot", sweep ? s->plot : "" },
		{ "reference", num }, { "config", config },
	};
	for (size_t k = 0; k < sizeof meta / sizeof meta[0]; k++)
		if (sim_store_set_meta(st, meta[k][0], meta[k][1], err) != 0)
			goto done;
	snprintf(num, sizeof num, "%lld", (long long)ep->seed);
	if (sim_store_set_meta(st, "seed", num, err) != 0 ||
	    sim_store_set_points(st, points, np, (const char *const *)names,
				 (const char *const *)paths, numbers,
				 (const char *const *)values, err) != 0)
		goto done;
	rc = 0;
done:
	if (rc != 0 && err->kind == SIM_ERROR_NONE)
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	for (size_t i = 0; names && i < points; i++)
		free(names[i]);
	for (size_t i = 0; values && i < points * np; i++)
		free(values[i]);
	free(names);
	free(paths);
	free(values);
	free(numbers);
	free(config);
	if (rc != 0) {
		sim_store_close(st);
		return NULL;
	}
	return st;
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

/* Runs every task of the execution, storing each result as it comes, and
   fills c->rep. Returns 0 when done, stopped by a signal, or (MPI) when
   this rank was a worker; -1 with err. */
static int execute(const execution *e, coordinator *c, sim_error *err)
{
	const sim_experiment_params *ep = sim_experiment_settings(e->x);
	sweep_worker w = { e->registry, e->opt, &ep->sweep, e->name, 0, NULL };
	sweep_worker *wp = &w;
	sim_progress *progress = NULL;
	struct sigaction old_int, old_term;
	bool handlers = false, fresh = false, dir_existed = true;
	int rc = -1;
	c->ep = ep;
	c->cfg = sim_experiment_config(e->x);
	c->npoints = e->sweep ? sim_sweep_point_count(&ep->sweep) : 1;
	c->rep.points = c->npoints;
	static const sim_sweep_params no_parameters = { 0 };
	if (!e->sweep) /* a run: no parameters to set at its point */
		w.sweep = &no_parameters;
	c->points = calloc(c->npoints, sizeof *c->points);
	if (!c->points)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	/* Workers first: an MPI rank above 0 serves until rank 0 says stop,
	   and forked workers must not inherit the database connection. */
	if (e->how->mpi) {
		if (sim_pool_mpi_rank() > 0) {
			sim_pool_mpi_serve(run_task, wp);
			c->rep.worker_rank = true;
			rc = 0;
			goto done;
		}
		c->pool = sim_pool_mpi(err);
	} else {
		c->pool = sim_pool_local(e->how->jobs, run_task, wp, err);
	}
	dir_existed = access(e->dir, F_OK) == 0;
	if (!c->pool || sim_results_make_dirs(e->dir, err) != 0)
		goto done;
	c->rep.workers = sim_pool_size(c->pool);
	c->resume = e->how->resume;
	c->store = open_store(e->x, e->dir, e->name, e->sweep, e->how, err);
	if (!c->store)
		goto done;
	fresh = !e->how->resume;
	/* Every point starts at its fixed count (or adaptive minimum). */
	for (size_t i = 0; i < c->npoints; i++) {
		c->points[i].planned = (size_t)ep->replications.min;
		c->planned += c->points[i].planned;
	}
	char label[300];
	snprintf(label, sizeof label, "%s%s", e->sweep ? "sweep " : "", e->name);
	/* A run of one replication reports itself when done. */
	progress = sim_progress_new(stderr, e->opt->quiet ||
				    (!e->sweep && sim_replications_limit(&ep->replications) < 2),
				    label, "replications", c->planned);
	stop_signal = 0;
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	handlers = true;
	double wall0 = wall_now();
	if (coordinate(c, progress, err) != 0)
		goto done;
	c->rep.wall_seconds = wall_now() - wall0;
	c->rep.events = c->events;
	sim_progress_finish(progress);
	progress = NULL;
	if (stop_signal) {
		c->rep.interrupted = stop_signal;
		fprintf(stderr, "marketsim: %s %s stopped by %s: %zu of %zu replications are "
			"stored in %s/results.sqlite.\nResume with: marketsim %s --resume -o %s "
			"%s\n", e->sweep ? "sweep" : "run", e->name,
			stop_signal == SIGINT ? "SIGINT" : "SIGTERM", c->stored, c->planned,
			e->dir, e->sweep ? "sweep" : "run", e->dir, e->opt->config_path);
	}
	rc = 0;
done:
	if (handlers) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	sim_progress_finish(progress);
	/* The workers are done: freed before the outputs are written. */
	sim_pool_close(c->pool);
	c->pool = NULL;
	sim_store_close(c->store);
	c->store = NULL;
	/* Bad input found only once a replication ran (a stopping rule's
	   metric that does not exist) leaves nothing behind, as any other. */
	if (rc != 0 && fresh && err->kind == SIM_ERROR_CONFIG) {
		sim_store_remove(e->dir);
		if (!dir_existed)
			rmdir(e->dir); /* fails, harmlessly, when not empty */
	}
	sim_experiment_free(w.x);
	free(c->points);
	c->points = NULL;
	return rc;
}

/* Writes the sweep's outputs, charts and report from the database. */
static int finish_outputs(const execution *e, const sim_exec_report *rep, sim_error *err)
{
	const sim_run_options *opt = e->opt;
	const sim_experiment_params *ep = sim_experiment_settings(e->x);
	char extra[8192], finished[32];
	time_t now = time(NULL);
	strftime(finished, sizeof finished, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	snprintf(extra, sizeof extra,
		 "marketsim_version = \"%s\"\ngit_revision = \"%s\"\ncommand = %s\n"
		 "config_file = \"%s\"\nseed = %lld\nreplications_run = %zu\n"
		 "replications_kept = %zu\nreplications_failed = %zu\nworkers = %zu\n"
		 "finished_utc = \"%s\"\nwall_seconds = %.3f\nevents_executed = %llu\n"
		 "events_per_second = %.0f\n",
		 SIM_VERSION, SIM_GIT_REV, opt->command ? opt->command : "", opt->config_path,
		 (long long)ep->seed, rep->done, rep->skipped, rep->failed, rep->workers,
		 finished, rep->wall_seconds, (unsigned long long)rep->events,
		 rep->wall_seconds > 0 ? rep->events / rep->wall_seconds : 0.0);
	if (sim_sweep_write_outputs(e->registry, e->dir, extra, NULL, err) != 0)
		return -1;
	return sim_results_draw(e->dir, opt->config_path, ep->sweep.plot[0] ? "sweep" : NULL,
				opt->plots_dir, opt->no_plots, opt->quiet, err);
}

/* The experiment's output directory: --out, else out/<name>; heap. */
static char *output_dir(const sim_run_options *opt, const char *name)
{
	if (opt->out_dir)
		return strdup(opt->out_dir);
	char *dir = malloc(strlen(name) + 5);
	if (dir)
		sprintf(dir, "out/%s", name);
	return dir;
}

int sim_sweep_experiment(const sim_model_type *const *registry, const sim_run_options *opt,
			 const sim_exec_options *how, sim_exec_report *report, sim_error *err)
{
	sim_experiment *x = sim_experiment_load(registry, opt, err);
	if (!x)
		return -1;
	const sim_sweep_params *s = &sim_experiment_settings(x)->sweep;
	coordinator c = { 0 };
	char *name = NULL, *dir = NULL;
	int rc = -1;
	if (sim_sweep_point_count(s) == 0) {
		sim_config_error_at(sim_experiment_config(x), "sweep", err,
				    "expected a `sweep` group with at least one parameter");
		goto done;
	}
	if (!sim_experiment_model(x)->record) {
		sim_config_error_at(sim_experiment_config(x), "model", err,
				    "model %s cannot be swept: it does not record "
				    "replications", sim_experiment_model(x)->name);
		goto done;
	}
	if (check_paths(x, err) != 0 || check_points(registry, opt, s, err) != 0)
		goto done;
	name = sim_experiment_name(x, opt->config_path);
	dir = name ? output_dir(opt, name) : NULL;
	if (!name || !dir) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		goto done;
	}
	execution e = { registry, opt, how, x, name, dir, true };
	if (execute(&e, &c, err) != 0)
		goto done;
	if (!c.rep.interrupted && !c.rep.worker_rank) {
		if (finish_outputs(&e, &c.rep, err) != 0)
			goto done;
		if (!opt->quiet)
			printf("%s: %zu points, %zu replications (%zu run, %zu kept from before, "
			       "%zu failed); results in %s/ (summary: sweep_summary.csv, database: "
			       "results.sqlite)\n", name, c.npoints, c.stored + c.rep.failed,
			       c.rep.done, c.rep.skipped, c.rep.failed, dir);
	}
	if (report)
		*report = c.rep;
	rc = 0;
done:
	free(dir);
	free(name);
	sim_experiment_free(x);
	return rc;
}

/* Keeps the first failure's text: "replication R: error". */
static void first_failure(void *ctx, size_t point, uint64_t replication, uint64_t seed,
			  const char *message)
{
	char *first = ctx;
	(void)point;
	(void)seed;
	if (!first[0])
		snprintf(first, 1024, "replication %llu: %s", (unsigned long long)replication,
			 message);
}

int sim_run_tasks(const sim_model_type *const *registry, const sim_run_options *opt,
		  const sim_exec_options *how, const char *name, const char *dir,
		  sim_table_set **tables, char **notes, sim_exec_report *report,
		  sim_error *err)
{
	*tables = NULL;
	*notes = NULL;
	sim_experiment *x = sim_experiment_load(registry, opt, err);
	if (!x)
		return -1;
	coordinator c = { 0 };
	execution e = { registry, opt, how, x, name, dir, false };
	int rc = execute(&e, &c, err);
	sim_experiment_free(x);
	if (rc != 0)
		return -1;
	*report = c.rep;
	if (c.rep.interrupted || c.rep.worker_rank)
		return 0;
	if (c.rep.failed) {
		/* A run needs all its replications: say the first failure. */
		char first[1024] = "";
		sim_error ignored;
		sim_error_clear(&ignored);
		sim_store *s = sim_store_open_existing(dir, &ignored);
		if (s)
			sim_store_each_failure(s, first_failure, first, &ignored);
		sim_store_close(s);
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "%s%s%zu replication%s failed; those that ran are kept in "
				     "%s/" SIM_STORE_FILE " (rerun with --resume)", first,
				     first[0] ? "; " : "", c.rep.failed,
				     c.rep.failed == 1 ? "" : "s", dir);
	}
	return sim_run_load(dir, tables, notes, &report->replications, report->rule,
			    sizeof report->rule, err);
}
