/* experiment_store.c - an experiment's results database, new or resumed
   (see experiment_store.h). */
#include "experiment_store.h"

#include <stdlib.h>
#include <string.h>

static int oom(sim_error *err)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
}

/* Whether the database st, left by an earlier run, holds this experiment:
   the same resolved configuration and the same kind (run or sweep). */
static int check_same_experiment(sim_store *st, const char *config, bool sweep,
				 const char *analysis, sim_error *err)
{
	char *stored = sim_store_meta(st, "config", err);
	char *stored_mode = stored ? sim_store_meta(st, "mode", err) : NULL;
	bool same = stored && stored_mode && strcmp(stored, config) == 0 &&
		    (analysis ? strcmp(stored_mode, analysis) == 0
			      : (strcmp(stored_mode, "run") == 0) == !sweep);
	free(stored);
	free(stored_mode);
	if (err->kind != SIM_ERROR_NONE)
		return -1;
	if (!same)
		return sim_error_set(err, SIM_ERROR_CONFIG, sim_store_path(st), 0, NULL,
				     "was written by another experiment (its resolved "
				     "configuration differs): resume with the same file and "
				     "--set options, or run without --resume to start again");
	return 0;
}

/* What the experiment is, as the store's metadata. */
static int record_experiment(sim_store *st, const sim_experiment *x, const char *name,
			     bool sweep, const char *analysis, const char *config,
			     const char *config_path, sim_error *err)
{
	const sim_experiment_params *ep = sim_experiment_settings(x);
	const sim_sweep_params *s = &ep->sweep;
	char reference[32], seed[32];
	snprintf(reference, sizeof reference, "%lld", (long long)s->reference);
	snprintf(seed, sizeof seed, "%lld", (long long)ep->seed);
	const char *meta[][2] = {
		{ "name", name }, { "model", sim_experiment_model(x)->name },
		{ "mode", analysis ? analysis : !sweep ? "run" : s->mode == 0 ? "grid" : "zip" },
		{ "plot", sweep ? s->plot : "" }, { "reference", reference },
		{ "config", config }, { "seed", seed }, { "config_file", config_path },
	};
	for (size_t k = 0; k < sizeof meta / sizeof meta[0]; k++)
		if (sim_store_set_meta(st, meta[k][0], meta[k][1], err) != 0)
			return -1;
	return 0;
}

/* The points: "pNNNN" names, the swept settings' paths and each point's
   values as text (17 digits: exactly the values run). */
static int record_points(sim_store *st, const sim_sweep_params *s, bool sweep,
			 sim_error *err)
{
	size_t points = sweep ? sim_sweep_point_count(s) : 1;
	size_t np = sweep ? s->parameters.count : 0;
	const sim_sweep_param *par = s->parameters.items;
	char **names = calloc(points, sizeof *names);
	const char **paths = calloc(np + 1, sizeof *paths);
	char **values = calloc(points * np + 1, sizeof *values);
	bool *numbers = calloc(np + 1, sizeof *numbers);
	int rc = -1;
	if (!names || !paths || !values || !numbers)
		goto done;
	for (size_t j = 0; j < np; j++) {
		paths[j] = par[j].path;
		numbers[j] = !par[j].from_date[0];
	}
	for (size_t i = 0; i < points; i++) {
		char label[32], v[64];
		snprintf(label, sizeof label, "p%04zu", i);
		if (!(names[i] = strdup(label)))
			goto done;
		for (size_t j = 0; j < np; j++) {
			sim_sweep_value_text(&par[j], sim_sweep_value_index(s, i, j), 17, false, v,
					     sizeof v);
			if (!(values[i * np + j] = strdup(v)))
				goto done;
		}
	}
	rc = sim_store_set_points(st, points, np, (const char *const *)names, paths, numbers,
				  (const char *const *)values, err);
done:
	if (rc != 0 && err->kind == SIM_ERROR_NONE)
		oom(err);
	for (size_t i = 0; names && i < points; i++)
		free(names[i]);
	for (size_t i = 0; values && i < points * np; i++)
		free(values[i]);
	free(names);
	free(paths);
	free(values);
	free(numbers);
	return rc;
}

/* The draws' arrays for reps replications of d, filled; -1 when out of
   memory. */
static int fill_draws(const sim_draws *d, uint64_t seed, size_t reps, sim_store_draws *sd,
		      sim_error *err)
{
	*sd = (sim_store_draws){ .k = d->k, .rows = reps };
	sd->paths = malloc(d->k * sizeof *sd->paths);
	sd->value = malloc(d->k * sizeof *sd->value);
	sd->se = malloc(d->k * sizeof *sd->se);
	sd->assumed = malloc(d->k * sizeof *sd->assumed);
	sd->replication = malloc((reps + 1) * sizeof *sd->replication);
	sd->draws = malloc((reps + 1) * d->k * sizeof *sd->draws);
	if (!sd->paths || !sd->value || !sd->se || !sd->assumed || !sd->replication || !sd->draws)
		return oom(err);
	for (size_t j = 0; j < d->k; j++) {
		sd->paths[j] = d->entries[j].path; /* borrowed: see record_draws */
		sd->value[j] = d->entries[j].value;
		sd->se[j] = d->entries[j].se;
		sd->assumed[j] = j >= d->fitted_k;
	}
	sim_draws_count count = { 0, 0 };
	for (size_t r = 0; r < reps; r++) {
		sd->replication[r] = r;
		if (sim_draws_draw(d, seed, r, sd->draws + r * d->k, &count, err) != 0)
			return -1;
	}
	sd->redrawn = count.redrawn;
	sd->clamped = count.clamped;
	return 0;
}

/* The fitted and assumed settings and, with `uncertainty`, the draws of every
   replication a point may run: a function of the seed alone, so recorded
   here, whoever runs them. */
static int record_draws(sim_store *st, const sim_experiment *x, sim_error *err)
{
	const sim_draws *d = sim_experiment_fitted(x);
	const sim_experiment_params *ep = sim_experiment_settings(x);
	if (!d)
		return 0;
	bool drawing = sim_experiment_draws(x) != NULL;
	sim_store_draws sd;
	int rc = fill_draws(d, (uint64_t)ep->seed,
			    drawing ? sim_replications_limit(&ep->replications) : 0, &sd, err);
	sd.uncertainty = drawing;
	if (rc == 0)
		rc = sim_store_set_draws(st, &sd, err);
	free(sd.paths); /* the strings are the experiment's */
	sd.paths = NULL;
	sim_store_draws_free(&sd);
	return rc;
}

sim_store *sim_experiment_store_open(const sim_experiment *x, const char *dir,
				     const char *name, bool sweep, bool resume,
				     const char *config_path, sim_error *err)
{
	char *config = sim_experiment_resolved_config(x);
	if (!config) {
		oom(err);
		return NULL;
	}
	bool exists = sim_store_exists(dir);
	sim_store *st = sim_store_open(dir, !resume, err);
	int rc = -1;
	if (!st)
		goto done;
	if (resume && exists) {
		/* What it keeps must be what was committed: a damaged
		   replication fails the resume, naming it. */
		rc = check_same_experiment(st, config, sweep, NULL, err) == 0 &&
				     sim_store_check_all(st, err) == 0 &&
				     sim_store_clear_failures(st, err) == 0 &&
				     record_draws(st, x, err) == 0 ? 0 : -1;
		goto done;
	}
	rc = record_experiment(st, x, name, sweep, NULL, config, config_path, err) == 0 &&
			     record_points(st, &sim_experiment_settings(x)->sweep, sweep, err) == 0 &&
			     record_draws(st, x, err) == 0
		     ? 0 : -1;
done:
	free(config);
	if (rc != 0) {
		sim_store_close(st);
		return NULL;
	}
	return st;
}

sim_store *sim_experiment_store_open_analysis(const sim_experiment *x, const char *dir,
					      const char *name, const char *analysis,
					      size_t nparams, const char *const *paths,
					      bool resume, const char *config_path,
					      sim_error *err)
{
	char *config = sim_experiment_resolved_config(x);
	bool *numbers = calloc(nparams + 1, sizeof *numbers);
	sim_store *st = NULL;
	int rc = -1;
	if (!config || !numbers) {
		oom(err);
		goto done;
	}
	for (size_t j = 0; j < nparams; j++)
		numbers[j] = true;
	bool exists = sim_store_exists(dir);
	if (!(st = sim_store_open(dir, !resume, err)))
		goto done;
	if (resume && exists)
		rc = check_same_experiment(st, config, false, analysis, err) == 0 &&
				     sim_store_check_all(st, err) == 0 &&
				     sim_store_clear_failures(st, err) == 0 ? 0 : -1;
	else
		rc = record_experiment(st, x, name, false, analysis, config, config_path, err) == 0 &&
				     sim_store_set_points(st, 0, nparams, NULL, paths, numbers, NULL,
							  err) == 0 ? 0 : -1;
done:
	free(config);
	free(numbers);
	if (rc != 0) {
		sim_store_close(st);
		return NULL;
	}
	return st;
}
