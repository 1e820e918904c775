/* analysis.c - what the analysis commands share (see analysis.h). */
#include "analysis.h"
#include "run/guard.h"
#include "output/draw.h"
#include "version.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int oom(sim_error *err)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
}

const sim_list *sim_analysis_parameters(const sim_experiment *x, const char *kind)
{
	const sim_experiment_params *ep = sim_experiment_settings(x);
	if (!strcmp(kind, "optimize"))
		return &ep->optimize.parameters;
	if (!strcmp(kind, "calibrate"))
		return &ep->calibrate.parameters;
	if (!strcmp(kind, "sensitivity"))
		return &ep->sensitivity.parameters;
	return NULL; /* equilibrium: the players' lists */
}

/* Checks that `path` is a setting taking the value v: the experiment
   loaded again with path=v (the model's own checks included). */
static int check_value(const sim_analysis *a, const char *path, double v, const char *at,
		       sim_error *err)
{
	char set[600];
	snprintf(set, sizeof set, "%s=%.17g", path, v);
	const char *extra[] = { set };
	sim_error e;
	sim_error_clear(&e);
	sim_experiment *y = sim_experiment_load(a->registry, a->opt, extra, 1, &e);
	if (y) {
		sim_experiment_free(y);
		return 0;
	}
	char msg[1400];
	sim_error_format(&e, msg, sizeof msg);
	return sim_config_error_at(sim_experiment_config(a->x), at, err,
				   "expected a setting that takes the value %g, but %s", v, msg);
}

/* Adds the setting at path with bounds (lo, hi) and start. */
static int add_setting(sim_analysis *a, const char *path, double lo, double hi, double start,
		       sim_error *err)
{
	char **paths = realloc(a->paths, (a->dim + 1) * sizeof *paths);
	if (!paths)
		return oom(err);
	a->paths = paths;
	sim_bounds *b = realloc(a->bounds, (a->dim + 1) * sizeof *b);
	if (!b)
		return oom(err);
	a->bounds = b;
	if (!(a->paths[a->dim] = strdup(path)))
		return oom(err);
	a->bounds[a->dim++] = (sim_bounds){ lo, hi, start };
	return 0;
}

/* The settings an analysis varies: its group's parameters, or every
   player's in turn (equilibrium). */
static int read_settings(sim_analysis *a, const char *group, sim_error *err)
{
	const sim_experiment_params *ep = sim_experiment_settings(a->x);
	const sim_config *cfg = sim_experiment_config_const(a->x);
	const sim_list *one = sim_analysis_parameters(a->x, a->kind);
	size_t lists = one ? 1 : ep->equilibrium.players.count;
	for (size_t k = 0; k < lists; k++) {
		const sim_player_params *pl = one ? NULL : &((const sim_player_params *)
							     ep->equilibrium.players.items)[k];
		const sim_list *l = one ? one : &pl->parameters;
		for (size_t i = 0; i < l->count; i++) {
			const sim_analysis_param *p = &((const sim_analysis_param *)l->items)[i];
			char at[300];
			if (one)
				snprintf(at, sizeof at, "%s.[%zu]", group, i);
			else
				snprintf(at, sizeof at, "%s.[%zu].parameters.[%zu]", group, k, i);
			if (check_value(a, p->path, p->min, at, err) != 0 ||
			    check_value(a, p->path, p->max, at, err) != 0 ||
			    add_setting(a, p->path, p->min, p->max,
					sim_analysis_param_start(p), err) != 0)
				return -1;
		}
	}
	if (a->dim == 0)
		return sim_config_error_at(cfg, group, err,
					   "expected at least one setting to vary, found none");
	return 0;
}

/* What the analysis needs of the experiment: a model that records
   replications into tables, and a fixed count of them. */
static int check_experiment(sim_analysis *a, sim_error *err)
{
	const sim_experiment_params *ep = sim_experiment_settings(a->x);
	sim_config *cfg = sim_experiment_config(a->x);
	if (!sim_experiment_model(a->x)->record)
		return sim_config_error_at(cfg, "model", err, "model %s cannot be analysed: it "
					   "does not record replications",
					   sim_experiment_model(a->x)->name);
	if (ep->replications.target.count > 0 ||
	    (ep->replications.max > 0 && ep->replications.max != ep->replications.min))
		return sim_config_error_at(cfg, "replications", err,
					   "expected a fixed count for %s (every point runs the "
					   "same replications: common random numbers), found an "
					   "adaptive rule", a->kind);
	a->replications = (size_t)ep->replications.min;
	return 0;
}

static int evaluate(void *ctx, size_t n, const double *x, uint64_t first, size_t count,
		    double *y, sim_error *err);

int sim_analysis_open(sim_analysis *a, const sim_model_type *const *registry,
		      const sim_run_options *opt, const sim_exec_options *how,
		      const char *kind, const char *group, sim_error *err)
{
	memset(a, 0, sizeof *a);
	a->folder = (sim_folder){ .lock_fd = -1 };
	a->registry = registry;
	a->opt = opt;
	a->how = how;
	a->kind = kind;
	if (!(a->x = sim_experiment_load(registry, opt, NULL, 0, err)) ||
	    check_experiment(a, err) != 0 || read_settings(a, group, err) != 0)
		return -1;
	a->ev = (sim_evaluator){ a->dim, 0, a, evaluate };
	return 0;
}

int sim_analysis_start(sim_analysis *a, sim_error *err)
{
	a->name = sim_experiment_name(a->x, a->opt->config_path);
	a->dir = a->name ? sim_experiment_output_dir(a->opt, a->name) : NULL;
	if (!a->dir)
		return oom(err);
	if (sim_guard_check(a->x, a->opt, sim_guard_workers(a->opt, a->replications), 1, err) != 0 ||
	    sim_tasks_claim(a->how, a->dir, a->name, a->opt->force, &a->folder, err) != 0)
		return -1;
	return sim_tasks_session_open(a->registry, a->opt, a->how, a->x, a->name, a->dir, a->kind,
				      a->dim, (const char *const *)a->paths, &a->session, err);
}

int sim_analysis_set_metrics(sim_analysis *a, const char *list, const char *at,
			     sim_error *err)
{
	const sim_config *cfg = sim_experiment_config_const(a->x);
	char *copy = strdup(list), *save = NULL;
	if (!copy)
		return oom(err);
	int rc = 0;
	for (char *item = strtok_r(copy, ",", &save); item && rc == 0;
	     item = strtok_r(NULL, ",", &save)) {
		while (*item == ' ')
			item++;
		char *colon = strchr(item, ':');
		if (!colon || colon == item || !colon[1]) {
			rc = sim_config_error_at(cfg, at, err, "expected \"metric:subject\" (a row "
						 "of the model's summary.csv), found \"%s\"", item);
			break;
		}
		char **m = realloc(a->metrics, (a->nmetrics + 1) * sizeof *m);
		char **k = m ? realloc(a->metric_keys, (a->nmetrics + 1) * 2 * sizeof *k) : NULL;
		if (m)
			a->metrics = m;
		if (k)
			a->metric_keys = k;
		if (!m || !k || !(a->metrics[a->nmetrics] = strdup(item))) {
			rc = oom(err);
			break;
		}
		a->metric_keys[2 * a->nmetrics] = strndup(item, (size_t)(colon - item));
		a->metric_keys[2 * a->nmetrics + 1] = strdup(colon + 1);
		a->nmetrics++;
		if (!a->metric_keys[2 * a->nmetrics - 2] || !a->metric_keys[2 * a->nmetrics - 1])
			rc = oom(err);
	}
	free(copy);
	if (rc == 0 && a->nmetrics == 0)
		rc = sim_config_error_at(cfg, at, err, "expected at least one \"metric:subject\"");
	a->ev.metrics = a->nmetrics;
	return rc;
}

bool sim_analysis_leads(const sim_analysis *a)
{
	return a->session != NULL;
}

/* The session's evaluator: runs the points, then reads each metric of
   each replication back from the store. */
static int evaluate(void *ctx, size_t n, const double *x, uint64_t first, size_t count,
		    double *y, sim_error *err)
{
	sim_analysis *a = ctx;
	size_t *ids = malloc((n ? n : 1) * sizeof *ids);
	if (!ids)
		return oom(err);
	int rc = sim_tasks_session_run(a->session, n, x, first, count, ids, err);
	sim_store *st = sim_tasks_session_store(a->session);
	for (size_t i = 0; rc == 0 && i < n; i++)
		for (size_t m = 0; rc == 0 && m < a->nmetrics; m++) {
			long found = sim_store_values(st, "summary.csv", ids[i], first, count,
						      a->metric_keys[2 * m], a->metric_keys[2 * m + 1],
						      y + (i * a->nmetrics + m) * count, err);
			if (found < 0)
				rc = -1;
			else if (found == 0)
				rc = sim_error_set(err, SIM_ERROR_CONFIG, a->opt->config_path, 0, NULL,
						   "the model's summary has no metric \"%s\" (see the "
						   "metric and subject columns of a run's summary.csv)",
						   a->metrics[m]);
		}
	free(ids);
	return rc == SIM_TASKS_STOPPED ? SIM_EVAL_STOPPED : rc;
}

/* How the analysis ran, as the store's provenance (the report's facts):
   replications run by this session, and kept (stored by an earlier one,
   or earlier in this one and read back). */
static int record_how(sim_analysis *a, sim_error *err)
{
	sim_tasks_session_close(a->session, &a->rep);
	a->session = NULL;
	sim_store *st = sim_store_open_existing(a->dir, err);
	size_t *pts = NULL, stored = 0;
	uint64_t *reps = NULL;
	if (!st || sim_store_stored_runs(st, &pts, &reps, &stored, err) != 0) {
		sim_store_close(st);
		return -1;
	}
	free(pts);
	free(reps);
	char run[32], kept[32], workers[32], finished[32], wall[32], points[32];
	time_t now = time(NULL);
	strftime(finished, sizeof finished, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	snprintf(run, sizeof run, "%zu", a->rep.done);
	snprintf(kept, sizeof kept, "%zu", stored > a->rep.done ? stored - a->rep.done : 0);
	snprintf(workers, sizeof workers, "%zu", a->rep.workers);
	snprintf(wall, sizeof wall, "%.3f", a->rep.wall_seconds);
	snprintf(points, sizeof points, "%zu", a->rep.points);
	const char *keys[] = { "marketsim_version", "git_revision", "command", "analysis",
			       "points_evaluated", "replications_run", "replications_kept",
			       "workers", "finished_utc", "wall_seconds" };
	const char *values[] = { SIM_VERSION, SIM_GIT_REV, a->opt->command ? a->opt->command : "",
				 a->kind, points, run, kept, workers, finished, wall };
	int rc = sim_store_set_provenance(st, keys, values, 10, err);
	sim_store_close(st);
	return rc;
}

int sim_analysis_finish(sim_analysis *a, const sim_result_table *tables, size_t n,
			sim_error *err)
{
	if (record_how(a, err) != 0)
		return -1;
	sim_store *st = sim_store_open_existing(a->dir, err);
	int rc = st && sim_store_set_result_tables(st, tables, n, err) == 0 ? 0 : -1;
	sim_store_close(st);
	sim_results *out = rc == 0 ? sim_results_open(a->dir, err) : NULL;
	for (size_t k = 0; out && rc == 0 && k < n; k++)
		rc = sim_result_table_write_csv(&tables[k], out, err);
	if (!out)
		rc = -1;
	else if (rc == 0)
		rc = sim_results_finish(out, err);
	else
		sim_results_abort(out);
	if (rc != 0)
		return -1;
	return sim_draw_outputs(a->dir, a->opt->config_path, a->kind, a->opt->plots_dir,
				a->opt->no_plots, a->opt->quiet, err);
}

void sim_analysis_abandon(sim_analysis *a)
{
	if (a->how && a->how->resume)
		return; /* the database holds an earlier session's work */
	if (a->session) {
		sim_tasks_session_close(a->session, &a->rep);
		a->session = NULL;
	}
	if (a->dir && a->folder.lock_fd >= 0)
		sim_store_remove(a->dir);
	sim_folder_abandon(&a->folder);
}

void sim_analysis_close(sim_analysis *a, sim_exec_report *report)
{
	if (a->session)
		sim_tasks_session_close(a->session, &a->rep);
	else if (!a->rep.workers && a->how && a->how->mpi && !sim_tasks_coordinator(a->how))
		a->rep.worker_rank = true;
	if (report)
		*report = a->rep;
	sim_folder_release(&a->folder);
	sim_experiment_free(a->x);
	free(a->name);
	free(a->dir);
	for (size_t j = 0; j < a->dim; j++)
		free(a->paths[j]);
	free(a->paths);
	free(a->bounds);
	for (size_t m = 0; m < a->nmetrics; m++) {
		free(a->metrics[m]);
		free(a->metric_keys[2 * m]);
		free(a->metric_keys[2 * m + 1]);
	}
	free(a->metrics);
	free(a->metric_keys);
	memset(a, 0, sizeof *a);
}

int sim_analysis_main(const sim_model_type *const *registry, const sim_run_options *opt,
		      const sim_exec_options *how, const char *kind, const char *group,
		      const sim_analysis_steps *steps, void *ctx, sim_exec_report *report,
		      sim_error *err)
{
	sim_analysis a;
	int rc = sim_analysis_open(&a, registry, opt, how, kind, group, err);
	if (rc == 0 && steps->prepare)
		rc = steps->prepare(&a, ctx, err);
	if (rc == 0)
		rc = sim_analysis_start(&a, err);
	if (rc == 0 && sim_analysis_leads(&a))
		rc = steps->run(&a, ctx, err);
	if (rc != 0 && err->kind == SIM_ERROR_CONFIG)
		sim_analysis_abandon(&a);
	sim_analysis_close(&a, report);
	return rc;
}

void sim_analysis_mean_ci(const double *x, size_t n, double *mean, double *lo, double *hi)
{
	double s = 0, ss = 0;
	for (size_t i = 0; i < n; i++)
		s += x[i];
	*mean = n ? s / (double)n : NAN;
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - *mean) * (x[i] - *mean);
	if (n < 2) {
		*lo = *hi = NAN;
		return;
	}
	double half = gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * sqrt(ss / (double)(n - 1) /
									 (double)n);
	*lo = *mean - half;
	*hi = *mean + half;
}
