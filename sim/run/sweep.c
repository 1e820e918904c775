/* sweep.c - `marketsim sweep` (see sweep.h): checks every point, runs
   them through the task engine, then derives the outputs from the
   database. */
#include "sweep.h"
#include "output/draw.h"
#include "output/sweep_outputs.h"
#include "version.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

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
		char **a = sim_sweep_point_assignments(s, i);
		if (!a)
			return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		sim_experiment *x = sim_experiment_load(registry, opt, (const char *const *)a, n,
							err);
		int rc = x ? sim_experiment_check(x, opt->config_path, false, NULL, err) : -1;
		sim_experiment_free(x);
		sim_sweep_assignments_free(a, n);
		if (rc != 0) {
			size_t len = strlen(err->message);
			snprintf(err->message + len, sizeof err->message - len,
				 " (at sweep point %zu)", i);
			return -1;
		}
	}
	return 0;
}

/* Writes the sweep's outputs, charts and report from the database. */
static int finish_outputs(const sim_model_type *model, const sim_run_options *opt,
			  sim_experiment *x, const char *dir, const sim_exec_report *rep, sim_error *err)
{
	const sim_experiment_params *ep = sim_experiment_settings(x);
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
	if (sim_sweep_outputs_write(dir, model, extra, NULL, err) != 0)
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
	if (check_sweepable(x, err) != 0 || check_paths(x, err) != 0 ||
	    check_points(registry, opt, s, err) != 0)
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
