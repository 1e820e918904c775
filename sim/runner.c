/* runner.c - one experiment end to end (see include/sim_runner.h). */
#include "sim_runner.h"
#include "sim_version.h"

#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>


static const sim_setting experiment_settings[] = {
	SIM_STRING("model", sim_experiment_params, model, NULL,
		   "Which model runs this experiment (see `marketsim config-doc`)"),
	SIM_STRING("name", sim_experiment_params, name, "",
		   "Experiment name, used for the default output folder out/<name>; "
		   "empty: the file's base name"),
	SIM_INT("seed", sim_experiment_params, seed, "1", 0, 9007199254740991.0,
		"Master seed; every random stream derives from (seed, replication, stream)"),
	SIM_GROUP_OR_INT("replications", sim_experiment_params, replications,
			 &sim_replications_schema, "min",
			 "Independent replications; results give mean, sd and 95% "
			 "t-interval over them. A count, or { min; max; target } to add "
			 "replications until each target's interval is narrow enough"),
	SIM_STRING("targets", sim_experiment_params, targets, "",
		   "Observed figures for `marketsim validate` (CSV), relative to this "
		   "file's folder; empty: none"),
	SIM_GROUP("sweep", sim_experiment_params, sweep, &sim_sweep_schema,
		  "Points for `marketsim sweep`: settings by path and their values"),
};

const sim_schema sim_experiment_schema =
	SIM_SCHEMA("experiment", experiment_settings, sim_experiment_params, NULL);

const sim_model_type *sim_model_find(const sim_model_type *const *registry,
				     const char *name)
{
	for (; *registry; registry++)
		if (strcmp((*registry)->name, name) == 0)
			return *registry;
	return NULL;
}

/* The model name the run will use: the last --set model=..., else the
   file's `model` setting. NULL when neither gives one. */
static const char *requested_model(const sim_config *cfg, const sim_run_options *opt)
{
	const char *name = sim_config_get_string(cfg, "model");
	for (size_t i = 0; i < opt->override_count; i++)
		if (strncmp(opt->overrides[i], "model=", 6) == 0)
			name = opt->overrides[i] + 6;
	return name;
}

static int unknown_model(const sim_config *cfg, const sim_model_type *const *registry,
			 const char *name, sim_error *err)
{
	char known[512] = "";
	const char *closest = NULL;
	int best = 1 << 30;
	for (const sim_model_type *const *m = registry; *m; m++) {
		size_t used = strlen(known);
		snprintf(known + used, sizeof known - used, "%s\"%s\"",
			 used ? ", " : "", (*m)->name);
		int d = sim_edit_distance(name, (*m)->name);
		if (d < best) {
			best = d;
			closest = (*m)->name;
		}
	}
	if (closest && best <= 2)
		return sim_config_error_at(cfg, "model",
					   err, "unknown model \"%s\"; did you mean \"%s\"?",
					   name, closest);
	return sim_config_error_at(cfg, "model", err,
				   "unknown model \"%s\"; expected one of: %s", name, known);
}

/* Where the model's parameters start inside the run's params block. */
static size_t model_offset(void)
{
	size_t align = 16;
	return (sizeof(sim_experiment_params) + align - 1) / align * align;
}

typedef struct loaded_experiment {
	sim_config *cfg;
	const sim_model_type *model;
	sim_setting rows[7];
	sim_schema root;
	void *params; /* experiment params, then the model's at model_offset() */
} loaded_experiment;

static void unload(loaded_experiment *x)
{
	if (x->params)
		sim_params_free(&x->root, x->params);
	free(x->params);
	sim_config_free(x->cfg);
	memset(x, 0, sizeof *x);
}

/* Parse, pick the model, apply overrides, validate. Writes nothing. */
static int load(loaded_experiment *x, const sim_model_type *const *registry,
		const sim_run_options *opt, sim_error *err)
{
	memset(x, 0, sizeof *x);
	x->cfg = sim_config_parse(opt->config_path, err);
	if (!x->cfg)
		return -1;

	size_t n = sizeof experiment_settings / sizeof experiment_settings[0];
	memcpy(x->rows, experiment_settings, sizeof experiment_settings);
	x->root = (sim_schema){ "", x->rows, n, sizeof(sim_experiment_params), NULL };

	const char *name = requested_model(x->cfg, opt);
	if (!name) {
		/* Said first: without it every model group looks unknown. */
		char known[256] = "";
		for (const sim_model_type *const *m = registry; *m; m++) {
			size_t used = strlen(known);
			snprintf(known + used, sizeof known - used, "%s\"%s\"",
				 used ? ", " : "", (*m)->name);
		}
		return sim_error_set(err, SIM_ERROR_CONFIG, opt->config_path, 1, "model",
				     "required setting is missing (expected the name of "
				     "a model: %s)", known);
	}
	{
		x->model = sim_model_find(registry, name);
		if (!x->model)
			return unknown_model(x->cfg, registry, name, err);
		x->rows[n] = (sim_setting){
			.name = x->model->name, .kind = SIM_SETTING_GROUP,
			.offset = model_offset(), .group = x->model->schema,
			.doc = x->model->summary,
		};
		x->root.count = n + 1;
		x->root.size = model_offset() + x->model->schema->size;
	}
	x->params = calloc(1, x->root.size);
	if (!x->params)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	for (size_t i = 0; i < opt->override_count; i++)
		if (sim_config_set(x->cfg, &x->root, opt->overrides[i], err) != 0)
			return -1;
	return sim_config_resolve(x->cfg, &x->root, x->params, err);
}

static double seconds(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The experiment's name: its `name` setting, else the file's base name
   without ".cfg". Returns a heap string. */
static char *experiment_name(const sim_experiment_params *p, const char *path)
{
	if (p->name && p->name[0])
		return strdup(p->name);
	char *copy = strdup(path);
	if (!copy)
		return NULL;
	char *base = strdup(basename(copy));
	free(copy);
	if (base) {
		size_t len = strlen(base);
		if (len > 4 && strcmp(base + len - 4, ".cfg") == 0)
			base[len - 4] = '\0';
	}
	return base;
}

static int write_manifest(sim_results *out, const loaded_experiment *x,
			  const sim_run_options *opt, const char *name,
			  const sim_experiment_params *ep, const void *state,
			  const sim_engine *eng, const char *notes,
			  const sim_run_report *rep, const char *started, sim_error *err)
{
	FILE *f = sim_results_create(out, "manifest.txt", err);
	if (!f)
		return -1;
	fprintf(f, "# marketsim run manifest: what ran, how, and what it cost.\n");
	fprintf(f, "marketsim_version = \"%s\"\n", SIM_VERSION);
	fprintf(f, "git_revision = \"%s\"\n", SIM_GIT_REV);
	fprintf(f, "command = %s\n", opt->command ? opt->command : "");
	fprintf(f, "config_file = \"%s\"\n", opt->config_path);
	fprintf(f, "experiment = \"%s\"\n", name);
	fprintf(f, "model = \"%s\"\n", x->model->name);
	fprintf(f, "seed = %lld\n", (long long)ep->seed);
	fprintf(f, "replications = %zu\n", rep->replications);
	if (ep->replications.target.count)
		fprintf(f, "replications_rule = \"%s\"\n", rep->rule);
	fprintf(f, "started_utc = \"%s\"\n", started);
	fprintf(f, "wall_seconds = %.3f\n", rep->wall_seconds);
	fprintf(f, "cpu_seconds = %.3f\n", rep->cpu_seconds);
	fprintf(f, "peak_rss_kb = %ld\n", rep->peak_rss_kb);
	fprintf(f, "events_executed = %llu\n", (unsigned long long)rep->events);
	fprintf(f, "events_per_second = %.0f\n",
		rep->wall_seconds > 0 ? rep->events / rep->wall_seconds : 0.0);
	if (notes)
		fputs(notes, f);
	else if (x->model->summarize && state)
		x->model->summarize(state, eng, f);
	fprintf(f, "\n# Fully resolved configuration (after @include, --set and defaults):\n");
	if (sim_config_write(x->cfg, f) != 0) {
		sim_error_set(err, SIM_ERROR_RUNTIME, "manifest.txt", 0, NULL,
			      "cannot write the resolved configuration");
		sim_results_close_file(out, f, NULL);
		return -1;
	}
	return sim_results_close_file(out, f, err);
}

struct sim_experiment {
	loaded_experiment x;
};

sim_experiment *sim_experiment_load(const sim_model_type *const *registry,
				    const sim_run_options *opt, sim_error *err)
{
	sim_experiment *e = calloc(1, sizeof *e);
	if (!e) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		return NULL;
	}
	if (load(&e->x, registry, opt, err) != 0) {
		sim_experiment_free(e);
		return NULL;
	}
	return e;
}

void sim_experiment_free(sim_experiment *e)
{
	if (!e)
		return;
	unload(&e->x);
	free(e);
}

const sim_experiment_params *sim_experiment_settings(const sim_experiment *e)
{
	return e->x.params;
}

sim_config *sim_experiment_config(sim_experiment *e)
{
	return e->x.cfg;
}

const sim_schema *sim_experiment_root(const sim_experiment *e)
{
	return &e->x.root;
}

char *sim_experiment_name(const sim_experiment *e, const char *config_path)
{
	return experiment_name(e->x.params, config_path);
}

/* The targets file named by the experiment, relative to its folder; heap. */
static char *targets_path(const char *config_path, const char *targets)
{
	if (targets[0] == '/')
		return strdup(targets);
	char *copy = strdup(config_path);
	if (!copy)
		return NULL;
	const char *dir = dirname(copy);
	char *path = malloc(strlen(dir) + strlen(targets) + 2);
	if (path)
		sprintf(path, "%s/%s", dir, targets);
	free(copy);
	return path;
}

/* Checks what only makes sense once the model is known: replications of a
   model that cannot record them, and validate's targets (parsed now, so
   a bad file fails before anything runs). */
static int check_run_settings(const loaded_experiment *x, const sim_run_options *opt,
			      const void *model_params, char **targets, sim_error *err)
{
	const sim_experiment_params *ep = x->params;
	*targets = NULL;
	if (sim_replications_limit(&ep->replications) > 1 && !x->model->record)
		return sim_config_error_at(x->cfg, "replications", err,
					   "expected 1: model %s runs one replication",
					   x->model->name);
	if (!opt->validate)
		return 0;
	if (!x->model->validate || !ep->targets[0])
		return sim_config_error_at(x->cfg, "targets", err,
					   "`validate` needs a targets file (the setting "
					   "`targets`) and a model that has targets");
	*targets = targets_path(opt->config_path, ep->targets);
	if (!*targets)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	return x->model->validate(model_params, NULL, *targets, NULL, err) < 0 ? -1 : 0;
}

/* One replication on a fresh engine; *state_out keeps the state of the
   last replication for write_results and summarize. */
static int run_replication(const loaded_experiment *x, const void *model_params,
			   const sim_run_context *ctx, sim_table_set *tables,
			   sim_engine **eng_out, void **state_out, uint64_t *events,
			   sim_error *err)
{
	sim_engine *eng = sim_engine_new(err);
	if (!eng)
		return -1;
	void *state = NULL;
	if (x->model->init(&state, eng, model_params, ctx, err) != 0) {
		sim_engine_free(eng);
		return -1;
	}
	int rc = sim_engine_run(eng, x->model->horizon(model_params), err);
	*events += sim_engine_get_stats(eng).executed;
	if (rc == 0 && x->model->record)
		rc = x->model->record(state, eng, tables, err);
	*eng_out = eng;
	*state_out = state;
	return rc;
}

const sim_model_type *sim_experiment_model(const sim_experiment *x)
{
	return x->x.model;
}

int sim_experiment_run_replication(const sim_experiment *x, const char *name,
				   uint64_t replication, sim_table_set *tables,
				   uint64_t *events, char **notes, sim_error *err)
{
	const sim_experiment_params *ep = x->x.params;
	const void *model_params = (const char *)x->x.params + model_offset();
	if (!x->x.model->record)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "model %s does not record replications",
				     x->x.model->name);
	sim_run_context ctx = { (uint64_t)ep->seed, replication, name };
	sim_engine *eng = NULL;
	void *state = NULL;
	int rc = run_replication(&x->x, model_params, &ctx, tables, &eng, &state, events, err);
	if (notes)
		*notes = NULL;
	if (rc == 0 && notes && x->x.model->summarize) {
		size_t len = 0;
		FILE *f = open_memstream(notes, &len);
		if (f) {
			x->x.model->summarize(state, eng, f);
			fclose(f);
		}
	}
	if (state)
		x->x.model->destroy(state);
	sim_engine_free(eng);
	return rc;
}

/* Runs the validation against the tables, printing to stdout and saving
   the same text as validation.txt in the results. */
static int report_validation(const loaded_experiment *x, const void *model_params,
			     const sim_table_set *tables, const char *targets,
			     sim_results *out, int *missed, sim_error *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (!mem)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	*missed = x->model->validate(model_params, tables, targets, mem, err);
	fclose(mem);
	int rc = *missed < 0 ? -1 : 0;
	if (rc == 0) {
		FILE *f = sim_results_create(out, "validation.txt", err);
		if (!f || fwrite(text, 1, len, f) != len)
			rc = -1;
		if (f && sim_results_close_file(out, f, err) != 0)
			rc = -1;
		if (rc == 0)
			fwrite(text, 1, len, stdout);
	}
	free(text);
	return rc;
}

/* A model that does not record its replications (PHOLD) runs its one
   replication here; its state stays for write_results and summarize. */
static int run_in_process(const loaded_experiment *x, const void *model_params,
			  const char *name, sim_table_set *tables, sim_engine **eng,
			  void **state, sim_run_report *rep, sim_error *err)
{
	const sim_experiment_params *ep = x->params;
	sim_run_context ctx = { (uint64_t)ep->seed, 0, name };
	if (run_replication(x, model_params, &ctx, tables, eng, state, &rep->events, err) != 0)
		return -1;
	rep->replications = 1;
	return 0;
}

int sim_run_experiment(const sim_model_type *const *registry,
		       const sim_run_options *opt, sim_run_report *report,
		       sim_error *err)
{
	loaded_experiment x;
	char *targets = NULL;
	if (load(&x, registry, opt, err) != 0 ||
	    check_run_settings(&x, opt, (const char *)x.params + model_offset(),
			       &targets, err) != 0) {
		free(targets);
		unload(&x);
		return -1;
	}
	if (opt->check_only) {
		free(targets);
		unload(&x);
		return 0;
	}

	const sim_experiment_params *ep = x.params;
	const void *model_params = (const char *)x.params + model_offset();
	char *name = experiment_name(ep, opt->config_path);
	char *default_dir = NULL;
	const char *dir = opt->out_dir;
	if (name && !dir && (default_dir = malloc(strlen(name) + 5)))
		dir = strcat(strcpy(default_dir, "out/"), name);
	sim_engine *eng = NULL;
	sim_results *out = NULL;
	sim_table_set *tables = sim_table_set_new();
	void *state = NULL;
	char *notes = NULL;
	int rc = -1;
	if (!name || !dir || !tables) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		goto done;
	}

	char started[32];
	time_t now = time(NULL);
	strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	double wall0 = seconds(CLOCK_MONOTONIC);
	double cpu0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
	double children0 = 0;
	struct rusage before;
	if (getrusage(RUSAGE_CHILDREN, &before) == 0)
		children0 = before.ru_utime.tv_sec + before.ru_utime.tv_usec * 1e-6 +
			    before.ru_stime.tv_sec + before.ru_stime.tv_usec * 1e-6;

	sim_run_report rep = { 0 };
	if (x.model->record) {
		/* Replications as tasks: stored in results.sqlite one by one,
		   in workers when asked (-j), resumable; the tables come back
		   from the database. */
		static const sim_exec_options in_process = { false, 1, false };
		sim_exec_report er;
		sim_table_set_free(tables);
		tables = NULL;
		if (sim_run_tasks(registry, opt, opt->exec ? opt->exec : &in_process, name, dir,
				  &tables, &notes, &er, err) != 0)
			goto done;
		if (er.worker_rank || er.interrupted) {
			rep.interrupted = er.interrupted;
			if (report)
				*report = rep;
			rc = 0;
			goto done;
		}
		rep.events = er.events;
		rep.replications = er.replications;
		snprintf(rep.rule, sizeof rep.rule, "%s", er.rule);
	} else if (run_in_process(&x, model_params, name, tables, &eng, &state, &rep,
				  err) != 0) {
		goto done;
	}
	rep.wall_seconds = seconds(CLOCK_MONOTONIC) - wall0;
	rep.cpu_seconds = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
	/* Workers are children: their time and memory count too. */
	struct rusage ru;
	if (getrusage(RUSAGE_CHILDREN, &ru) == 0) {
		rep.cpu_seconds += ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
				   ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6 - children0;
		rep.peak_rss_kb = ru.ru_maxrss;
	}
	if (getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_maxrss > rep.peak_rss_kb)
		rep.peak_rss_kb = ru.ru_maxrss;

	out = sim_results_open(dir, err);
	if (!out)
		goto done;
	if (x.model->write_results && x.model->write_results(state, eng, out, err) != 0)
		goto done;
	if (sim_table_set_write(tables, out, err) != 0 ||
	    (x.model->write_tables && x.model->write_tables(tables, out, err) != 0))
		goto done;
	if (targets && report_validation(&x, model_params, tables, targets, out,
					 &rep.targets_missed, err) != 0)
		goto done;
	if (write_manifest(out, &x, opt, name, ep, state, eng, notes, &rep, started, err) != 0)
		goto done;
	rc = sim_results_finish(out, err);
	out = NULL;
	if (rc != 0)
		goto done;
	if (opt->keep_tables) {
		rep.tables = tables;
		tables = NULL;
	}
	if (report)
		*report = rep;
	else
		sim_table_set_free(rep.tables);
	char why[300] = "";
	if (ep->replications.target.count)
		snprintf(why, sizeof why, " (%s)", rep.rule);
	if (!opt->quiet)
		printf("%s (model %s): %zu replication%s%s, %llu events in %.2f s "
		       "(%.2f M events/s), peak memory %.1f MB\nresults in %s/\n",
		       name, x.model->name, rep.replications,
		       rep.replications == 1 ? "" : "s", why, (unsigned long long)rep.events,
		       rep.wall_seconds,
		       rep.wall_seconds > 0 ? rep.events / rep.wall_seconds / 1e6 : 0.0,
		       rep.peak_rss_kb / 1024.0, dir);
	/* The results are complete and safe: a chart or report that fails is
	   reported but does not undo them. */
	rc = sim_results_draw(dir, opt->config_path, x.model->name, opt->plots_dir,
			      opt->no_plots, opt->quiet, err);
done:
	sim_results_abort(out);
	free(notes);
	if (state)
		x.model->destroy(state);
	sim_engine_free(eng);
	sim_table_set_free(tables);
	free(default_dir);
	free(name);
	free(targets);
	unload(&x);
	return rc;
}
