/* sweep.c - `marketsim sweep` (see sweep.h): checks every point, runs
   them through the task engine, then derives the outputs from the
   database. */
#include "sweep.h"
#include "guard.h"
#include "sweep_check.h"
#include "output/draw.h"
#include "output/store.h"
#include "output/sweep_outputs.h"
#include "version.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How the sweep ran, as the manifest's "key = value" lines (into extra)
   and as the store's provenance, which the report reads. */
static int record_how(const sim_run_options *opt, const sim_experiment_params *ep,
		      const char *dir, const sim_exec_report *rep, char *extra, size_t size,
		      sim_error *err)
{
	char seed[32], run[32], kept[32], failed[32], workers[32], finished[32], wall[32],
		events[32], rate[32];
	time_t now = time(NULL);
	strftime(finished, sizeof finished, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	snprintf(seed, sizeof seed, "%lld", (long long)ep->seed);
	snprintf(run, sizeof run, "%zu", rep->done);
	snprintf(kept, sizeof kept, "%zu", rep->skipped);
	snprintf(failed, sizeof failed, "%zu", rep->failed);
	snprintf(workers, sizeof workers, "%zu", rep->workers);
	snprintf(wall, sizeof wall, "%.3f", rep->wall_seconds);
	snprintf(events, sizeof events, "%llu", (unsigned long long)rep->events);
	snprintf(rate, sizeof rate, "%.0f",
		 rep->wall_seconds > 0 ? rep->events / rep->wall_seconds : 0.0);
	/* key, value, quoted in the manifest, kept as provenance */
	const struct { const char *key, *value; bool quoted, how; } facts[] = {
		{ "marketsim_version", SIM_VERSION, true, true },
		{ "git_revision", SIM_GIT_REV, true, true },
		{ "command", opt->command ? opt->command : "", false, true },
		{ "config_file", opt->config_path, true, false },
		{ "seed", seed, false, false },
		{ "replications_run", run, false, true },
		{ "replications_kept", kept, false, true },
		{ "replications_failed", failed, false, true },
		{ "workers", workers, false, true },
		{ "finished_utc", finished, true, true },
		{ "wall_seconds", wall, false, true },
		{ "events_executed", events, false, true },
		{ "events_per_second", rate, false, true },
	};
	enum { N = sizeof facts / sizeof facts[0] };
	const char *keys[N], *values[N];
	size_t n = 0, len = 0;
	extra[0] = '\0';
	for (size_t i = 0; i < N; i++) {
		len += (size_t)snprintf(extra + len, len < size ? size - len : 0,
					facts[i].quoted ? "%s = \"%s\"\n" : "%s = %s\n",
					facts[i].key, facts[i].value);
		if (facts[i].how) {
			keys[n] = facts[i].key;
			values[n++] = facts[i].value;
		}
	}
	sim_store *st = sim_store_open_existing(dir, err);
	int rc = st && sim_store_set_provenance(st, keys, values, n, err) == 0 ? 0 : -1;
	sim_store_close(st);
	return rc;
}

/* Writes the sweep's outputs, charts and report from the database. */
static int finish_outputs(const sim_model_type *model, const sim_run_options *opt,
			  sim_experiment *x, const char *dir, const sim_exec_report *rep, sim_error *err)
{
	const sim_experiment_params *ep = sim_experiment_settings(x);
	char extra[8192];
	if (record_how(opt, ep, dir, rep, extra, sizeof extra, err) != 0 ||
	    sim_sweep_outputs_write(dir, NULL, model, extra, NULL, err) != 0)
		return -1;
	return sim_draw_outputs(dir, opt->config_path, ep->sweep.plot[0] ? "sweep" : NULL,
				opt->plots_dir, opt->no_plots, opt->quiet, err);
}

/* What the experiment must be to be swept. */
static int check_sweepable(sim_experiment *x, sim_error *err)
{
	const sim_model_type *model = sim_experiment_model(x);
	if (sim_sweep_point_count(&sim_experiment_settings(x)->sweep) == 0)
		return sim_config_error_at(sim_experiment_config(x), "sweep", err,
					   "expected a `sweep` group with at least one "
					   "parameter");
	if (!model->record)
		return sim_config_error_at(sim_experiment_config(x), "model", err,
					   "model %s cannot be swept: it does not record "
					   "replications", model->name);
	return 0;
}

int sim_sweep_experiment(const sim_model_type *const *registry, const sim_run_options *opt,
			 const sim_exec_options *how, sim_exec_report *report, sim_error *err)
{
	sim_experiment *x = sim_experiment_load(registry, opt, NULL, 0, err);
	if (!x)
		return -1;
	const sim_sweep_params *s = &sim_experiment_settings(x)->sweep;
	sim_exec_report rep = { 0 };
	sim_folder folder = { .lock_fd = -1 };
	char *name = NULL, *dir = NULL;
	int rc = -1;
	if (check_sweepable(x, err) != 0 ||
	    sim_sweep_check(x, registry, opt,
			    sim_guard_workers(opt, sim_guard_tasks(x, sim_sweep_point_count(s))),
			    err) != 0)
		goto done;
	name = sim_experiment_name(x, opt->config_path);
	dir = name ? sim_experiment_output_dir(opt, name) : NULL;
	if (!dir) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		goto done;
	}
	/* Claimed (marker and lock) before any replication runs, held until
	   the charts and report are written. */
	if (sim_tasks_claim(how, dir, name, opt->force, &folder, err) != 0)
		goto done;
	if (sim_tasks_run(registry, opt, how, x, name, dir, true, &rep, err) != 0) {
		if (err->kind == SIM_ERROR_CONFIG && !how->resume)
			sim_folder_abandon(&folder);
		goto done;
	}
	if (!rep.interrupted && !rep.worker_rank) {
		if (finish_outputs(sim_experiment_model(x), opt, x, dir, &rep, err) != 0)
			goto done;
		if (!opt->quiet)
			printf("%s: %zu points, %zu replications (%zu run, %zu kept from before, "
			       "%zu failed); results in %s/ (summary: sweep_summary.csv, database: "
			       "results.sqlite)\n", name, rep.points, rep.stored + rep.failed,
			       rep.done, rep.skipped, rep.failed, dir);
	}
	if (report)
		*report = rep;
	rc = 0;
done:
	sim_folder_release(&folder);
	free(dir);
	free(name);
	sim_experiment_free(x);
	return rc;
}
