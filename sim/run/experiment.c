/* experiment.c - an experiment file loaded, validated, and one replication
   of it run on a fresh engine (see experiment.h). */
#include "experiment.h"

#include <libgen.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A build with -DSIM_CHECK_INVARIANTS (make sanitize, the test program
   bin/tests/marketsim-hooks) has every model check its invariants, with or
   without --check. */
#ifdef SIM_CHECK_INVARIANTS
#define CHECK_ALWAYS true
#else
#define CHECK_ALWAYS false
#endif
/* The longest experiment name. */
#define SIM_NAME_MAX 100

static const sim_setting assignment_rows[] = {
	SIM_STRING("path", sim_assignment, path, NULL, "The setting, as --set names it"),
	SIM_STRING("value", sim_assignment, value, NULL,
		   "Its value as --set takes it (a number, a \"quoted\" date or word)"),
};

static const sim_schema assignment_schema =
	SIM_SCHEMA("assignment", assignment_rows, sim_assignment, NULL);

/* One entry of the `fitted` or the `assumed` list: the same fields, an
   estimate with its standard error or an assumption with its prior sd. */
static const sim_setting fitted_rows[] = {
	SIM_STRING("path", sim_fitted, path, NULL,
		   "The setting, as --set names it (a number setting of the model)"),
	SIM_FLOAT("value", sim_fitted, value, NULL, -1e300, 1e300,
		  "The value it takes, or the mean of its draws (uncertainty): the "
		  "estimate (fitted) or the value assumed (assumed)"),
	SIM_FLOAT("se", sim_fitted, se, "0", 0, 1e300,
		  "The sd of its draws (0: not drawn): the estimate's standard error "
		  "(fitted) or the assumption's prior standard deviation (assumed)"),
};

static const sim_schema fitted_schema =
	SIM_SCHEMA("fitted setting", fitted_rows, sim_fitted, NULL);

static const sim_schema assumed_schema =
	SIM_SCHEMA("assumed setting", fitted_rows, sim_fitted, NULL);

static const sim_setting experiment_settings[] = {
	SIM_STRING("model", sim_experiment_params, model, NULL,
		   "Which model runs this experiment (see `marketsim config-doc`)"),
	SIM_STRING("name", sim_experiment_params, name, "",
		   "Experiment name, used for the default output folder out/<name>: "
		   "letters, digits, '_', '-' and '.', at most 100 characters, not "
		   "starting with '.'; empty: the file's base name without .cfg"),
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
	SIM_LIST("set", sim_experiment_params, set, &assignment_schema, 0, 10000,
		 "Settings changed by path, applied before --set: ( { path = \"market.fee\"; "
		 "value = \"0.05\"; } ); what `marketsim calibrate` writes to @include"),
	SIM_LIST("fitted", sim_experiment_params, fitted, &fitted_schema, 0, 1000,
		 "Settings fitted by `marketsim calibrate`, each taking its value after `set` "
		 "and `assumed`, before --set: ( { path = \"m.a\"; value = 1.5; se = 0.1; } ); a "
		 "--set of the same path wins (its se becomes 0)"),
	SIM_NUMBERS("fitted_correlation", sim_experiment_params, fitted_correlation, "[]", -1, 1,
		    0, 0, "Correlation of the `fitted` estimates, k x k row by row, positive "
		    "definite; empty: independent"),
	SIM_LIST("assumed", sim_experiment_params, assumed, &assumed_schema, 0, 1000,
		 "Settings no target identifies, assumed by the modeller with a prior sd, "
		 "each taking its value after `set` and before `fitted`: ( { path = \"m.b\"; "
		 "value = 0.3; se = 0.05; } ); drawn independently (uncertainty); not a "
		 "path of `fitted`; a --set of the same path wins (its se becomes 0)"),
	SIM_BOOL("uncertainty", sim_experiment_params, uncertainty, "false",
		 "Replication r draws the `fitted` settings from N(value, D C D), D = diag(se), "
		 "C = fitted_correlation, and the `assumed` ones from N(value, se^2), "
		 "independently, from its own stream of (seed, r): the charts then show the "
		 "95% band across replications, the uncertainty of both included"),
	SIM_GROUP("optimize", sim_experiment_params, optimize, &sim_optimize_schema,
		  "`marketsim optimize`: the metric to maximise or minimise and the settings to vary"),
	SIM_GROUP("calibrate", sim_experiment_params, calibrate, &sim_calibrate_schema,
		  "`marketsim calibrate`: the settings fitted to the targets file"),
	SIM_GROUP("sensitivity", sim_experiment_params, sensitivity, &sim_sensitivity_schema,
		  "`marketsim sensitivity`: metrics and the settings' ranges"),
	SIM_GROUP("equilibrium", sim_experiment_params, equilibrium, &sim_equilibrium_schema,
		  "`marketsim equilibrium`: players, their prices and objectives"),
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

/* Where the model's parameters start inside the run's params block. */
static size_t model_offset(void)
{
	size_t align = 16;
	return (sizeof(sim_experiment_params) + align - 1) / align * align;
}

struct sim_experiment {
	sim_config *cfg;
	const sim_model_type *model;
	sim_setting rows[sizeof experiment_settings / sizeof experiment_settings[0] + 1];
	sim_schema root;
	void *params; /* experiment params, then the model's at model_offset() */
	const volatile sig_atomic_t *stop; /* watched by every replication */
	bool check; /* the models check their invariants (--check) */
	sim_draws draws; /* the `fitted` and `assumed` lists checked (k 0 when
			    both are empty) */
	bool drawing;    /* `uncertainty`: each replication draws them */
};

void sim_experiment_free(sim_experiment *x)
{
	if (!x)
		return;
	sim_draws_free(&x->draws);
	if (x->params)
		sim_params_free(&x->root, x->params);
	free(x->params);
	sim_config_free(x->cfg);
	free(x);
}

/* The registry's names, quoted and comma-separated, into buf. */
static void model_names(const sim_model_type *const *registry, char *buf, size_t size)
{
	buf[0] = '\0';
	for (const sim_model_type *const *m = registry; *m; m++) {
		size_t used = strlen(buf);
		snprintf(buf + used, size - used, "%s\"%s\"", used ? ", " : "", (*m)->name);
	}
}

static int unknown_model(const sim_config *cfg, const sim_model_type *const *registry,
			 const char *name, sim_error *err)
{
	char known[512];
	const char *closest = NULL;
	int best = 1 << 30;
	model_names(registry, known, sizeof known);
	for (const sim_model_type *const *m = registry; *m; m++) {
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

/* Picks the model the file (or a --set) names and adds its group to the
   root schema. */
static int pick_model(sim_experiment *x, const sim_model_type *const *registry,
		      const sim_run_options *opt, sim_error *err)
{
	size_t n = sizeof experiment_settings / sizeof experiment_settings[0];
	memcpy(x->rows, experiment_settings, sizeof experiment_settings);
	x->root = (sim_schema){ "", x->rows, n, sizeof(sim_experiment_params), NULL };
	const char *name = requested_model(x->cfg, opt);
	if (!name) {
		/* Said first: without it every model group looks unknown. */
		char known[256];
		model_names(registry, known, sizeof known);
		if (sim_config_has(x->cfg, "model"))
			return sim_config_error_at(x->cfg, "model", err,
						   "expected the name of a model in double "
						   "quotes: %s", known);
		return sim_error_set(err, SIM_ERROR_CONFIG, opt->config_path, 1, "model",
				     "required setting is missing (expected the name of "
				     "a model: %s)", known);
	}
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
	return 0;
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

/* What makes `name` unfit to name the folder out/<name>, into why; false
   when it is fit: letters, digits, '_', '-' and '.', 1 to SIM_NAME_MAX
   characters, not starting with '.', no "..". */
static bool bad_name(const char *name, char *why, size_t size)
{
	size_t len = strlen(name), ok = strspn(name, "abcdefghijklmnopqrstuvwxyz"
					       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.");
	if (len == 0)
		snprintf(why, size, "it is empty");
	else if (len > SIM_NAME_MAX)
		snprintf(why, size, "it has %zu characters", len);
	else if (ok < len && (unsigned char)name[ok] >= ' ' && (unsigned char)name[ok] < 127)
		snprintf(why, size, "'%c' is not allowed", name[ok]);
	else if (ok < len)
		snprintf(why, size, "the byte 0x%02x is not allowed", (unsigned char)name[ok]);
	else if (name[0] == '.')
		snprintf(why, size, "it starts with '.'");
	else if (strstr(name, ".."))
		snprintf(why, size, "it contains \"..\"");
	else
		return false;
	return true;
}

/* The name (given, or the file's base name) must be fit to name a folder
   under out/: a config error at `name` (or at the file) when not. */
static int check_name(const sim_experiment *x, const char *config_path, sim_error *err)
{
	const sim_experiment_params *ep = x->params;
	char *raw = experiment_name(ep, config_path), why[64], name[128];
	if (!raw)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	int rc = 0;
	/* Shown escaped and cut: a message is text, whatever bytes the name
	   holds. */
	size_t n = 0;
	for (const unsigned char *c = (const unsigned char *)raw; *c && n + 5 < sizeof name; c++)
		n += (size_t)snprintf(name + n, sizeof name - n, *c < 0x20 || *c >= 0x7f ? "\\x%02x"
								: "%c", *c);
	if (bad_name(raw, why, sizeof why))
		rc = ep->name && ep->name[0]
		? sim_config_error_at(x->cfg, "name", err,
				      "expected letters, digits, '_', '-' and '.' only (at most %d "
				      "characters, not starting with '.', no \"..\"), as it names "
				      "the folder out/<name>; found \"%.120s\" (%s)", SIM_NAME_MAX,
				      name, why)
		: sim_error_set(err, SIM_ERROR_CONFIG, config_path, 0, "name",
				"the file's base name \"%.120s\" cannot name the experiment "
				"(%s); set `name` to letters, digits, '_', '-' and '.'",
				name, why);
	free(raw);
	return rc;
}

/* Sets `path` to `value` (text, as --set takes it) for entry `at` of a
   list (set.[i], assumed.[i], fitted.[i]); an error is reported at that entry. */
static int assign_entry(sim_experiment *x, const char *at, const char *path, const char *value,
			sim_error *err)
{
	char assignment[1200];
	int n = snprintf(assignment, sizeof assignment, "%s=%s", path, value);
	if (n < 0 || (size_t)n >= sizeof assignment)
		return sim_config_error_at(x->cfg, at, err, "expected an assignment of at most "
					   "%zu characters", sizeof assignment - 1);
	sim_error e;
	sim_error_clear(&e);
	if (sim_config_set(x->cfg, &x->root, assignment, &e) == 0)
		return 0;
	return sim_config_error_at(x->cfg, at, err, "%s%s%s", e.path, e.path[0] ? ": " : "",
				   e.message);
}

/* Applies the file's `set` list, in order, as --set would (before the
   command line's, which win). Read from the tree before it is resolved:
   the settings it names must be set before they are checked. */
static int apply_set_list(sim_experiment *x, sim_error *err)
{
	for (size_t i = 0;; i++) {
		char at[64], entry[64];
		snprintf(entry, sizeof entry, "set.[%zu]", i);
		if (!sim_config_has(x->cfg, entry))
			return 0;
		snprintf(at, sizeof at, "set.[%zu].path", i);
		const char *path = sim_config_get_string(x->cfg, at);
		snprintf(at, sizeof at, "set.[%zu].value", i);
		const char *value = sim_config_get_string(x->cfg, at);
		if (!path || !value)
			return sim_config_error_at(x->cfg, entry, err, "expected { path = \"...\"; "
						   "value = \"...\"; } (both strings)");
		if (assign_entry(x, entry, path, value, err) != 0)
			return -1;
	}
}

/* Applies the values of `list` ("assumed" or "fitted"; after `set`, before
   --set), as --set would. Entries the tree lacks parts of are left to the
   schema check, which names what is missing. */
static int apply_number_list(sim_experiment *x, const char *list, sim_error *err)
{
	for (size_t i = 0;; i++) {
		char at[64], entry[64], value[40];
		snprintf(entry, sizeof entry, "%s.[%zu]", list, i);
		if (!sim_config_has(x->cfg, entry))
			return 0;
		snprintf(at, sizeof at, "%s.[%zu].path", list, i);
		const char *path = sim_config_get_string(x->cfg, at);
		double v;
		snprintf(at, sizeof at, "%s.[%zu].value", list, i);
		if (!path || !sim_config_get_number(x->cfg, at, &v))
			continue;
		snprintf(value, sizeof value, "%.17g", v);
		if (assign_entry(x, entry, path, value, err) != 0)
			return -1;
	}
}

/* No path is both in `assumed` and in `fitted` (paths compared as
   written): a config error at the assumed entry's path when one is. */
static int check_assumed_apart(const sim_experiment *x, sim_error *err)
{
	for (size_t i = 0;; i++) {
		char at[64], other[64];
		snprintf(at, sizeof at, "assumed.[%zu].path", i);
		if (!sim_config_has(x->cfg, at)) {
			snprintf(other, sizeof other, "assumed.[%zu]", i);
			if (!sim_config_has(x->cfg, other))
				return 0;
			continue;
		}
		const char *path = sim_config_get_string(x->cfg, at);
		for (size_t j = 0; path; j++) {
			snprintf(other, sizeof other, "fitted.[%zu]", j);
			if (!sim_config_has(x->cfg, other))
				break;
			snprintf(other, sizeof other, "fitted.[%zu].path", j);
			const char *fitted = sim_config_get_string(x->cfg, other);
			if (fitted && strcmp(fitted, path) == 0)
				return sim_config_error_at(x->cfg, at, err, "\"%s\" is also in "
							   "`fitted` (fitted.[%zu]); a setting is "
							   "either estimated or assumed", path, j);
		}
	}
}

/* Whether one of the n assignments ("path=value") sets `path`. */
static bool assigns(const char *const *a, size_t n, const char *path)
{
	size_t len = strlen(path);
	for (size_t i = 0; i < n; i++)
		if (strncmp(a[i], path, len) == 0 && a[i][len] == '=')
			return true;
	return false;
}

/* An entry of `list` ("fitted" or "assumed") whose path a --set or the
   point's own assignments name takes the value they gave, with se 0: it
   is not drawn, and the resolved configuration says so (a rerun from it
   draws the same). */
static int pin_assigned(sim_experiment *x, const char *list, const sim_run_options *opt,
			const char *const *extra, size_t n, sim_error *err)
{
	for (size_t i = 0;; i++) {
		char at[64], assignment[128];
		snprintf(at, sizeof at, "%s.[%zu].path", list, i);
		const char *path = sim_config_get_string(x->cfg, at);
		double value;
		if (!sim_config_has(x->cfg, at))
			return 0;
		if (!path || !(assigns(opt->overrides, opt->override_count, path) ||
			       assigns(extra, n, path)) || !sim_config_get_number(x->cfg, path, &value))
			continue;
		snprintf(assignment, sizeof assignment, "%s.[%zu].value=%.17g", list, i, value);
		if (sim_config_set(x->cfg, &x->root, assignment, err) != 0)
			return -1;
		snprintf(assignment, sizeof assignment, "%s.[%zu].se=0", list, i);
		if (sim_config_set(x->cfg, &x->root, assignment, err) != 0)
			return -1;
	}
}

/* Checks the `fitted` and `assumed` lists against the schema, once
   resolved: the draws' plan (fitted, then assumed), kept when
   `uncertainty` asks for draws. */
static int plan_draws(sim_experiment *x, sim_error *err)
{
	const sim_experiment_params *ep = x->params;
	if (ep->fitted.count == 0 && ep->fitted_correlation.count == 0 && ep->assumed.count == 0)
		return 0;
	if (sim_draws_plan(&x->draws, &x->root, x->params, x->model->name, &ep->fitted,
			   &ep->fitted_correlation, &ep->assumed, x->cfg, err) != 0)
		return -1;
	x->drawing = ep->uncertainty && x->draws.k > 0;
	return 0;
}

sim_experiment *sim_experiment_load(const sim_model_type *const *registry,
				    const sim_run_options *opt, const char *const *extra,
				    size_t n, sim_error *err)
{
	sim_experiment *x = calloc(1, sizeof *x);
	if (!x) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		return NULL;
	}
	int rc = -1;
	if (!(x->cfg = sim_config_parse(opt->config_path, err)) ||
	    pick_model(x, registry, opt, err) != 0)
		goto done;
	if (!(x->params = calloc(1, x->root.size))) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		goto done;
	}
	/* In order: `set`, `assumed`, `fitted`, then --set and the point's. */
	if (check_assumed_apart(x, err) != 0 || apply_set_list(x, err) != 0 ||
	    apply_number_list(x, "assumed", err) != 0 || apply_number_list(x, "fitted", err) != 0)
		goto done;
	for (size_t i = 0; i < opt->override_count; i++)
		if (sim_config_set(x->cfg, &x->root, opt->overrides[i], err) != 0)
			goto done;
	for (size_t i = 0; i < n; i++)
		if (sim_config_set(x->cfg, &x->root, extra[i], err) != 0)
			goto done;
	if (pin_assigned(x, "fitted", opt, extra, n, err) != 0 ||
	    pin_assigned(x, "assumed", opt, extra, n, err) != 0)
		goto done;
	rc = sim_config_resolve(x->cfg, &x->root, x->params, err);
	x->check = opt->check || CHECK_ALWAYS;
	if (rc == 0)
		rc = plan_draws(x, err);
	if (rc == 0)
		rc = check_name(x, opt->config_path, err);
done:
	if (rc != 0) {
		sim_experiment_free(x);
		return NULL;
	}
	return x;
}

void sim_experiment_watch(sim_experiment *x, const volatile sig_atomic_t *stop)
{
	x->stop = stop;
}

const sim_draws *sim_experiment_draws(const sim_experiment *x)
{
	return x->drawing ? &x->draws : NULL;
}

const sim_draws *sim_experiment_fitted(const sim_experiment *x)
{
	return x->draws.k ? &x->draws : NULL;
}

const sim_experiment_params *sim_experiment_settings(const sim_experiment *x)
{
	return x->params;
}

void *sim_experiment_params_block(sim_experiment *x)
{
	return x->params;
}

void *sim_experiment_swap_params(sim_experiment *x, void *params)
{
	void *old = x->params;
	x->params = params;
	return old;
}

const void *sim_experiment_model_params(const sim_experiment *x)
{
	return (const char *)x->params + model_offset();
}

sim_config *sim_experiment_config(sim_experiment *x)
{
	return x->cfg;
}

const sim_config *sim_experiment_config_const(const sim_experiment *x)
{
	return x->cfg;
}

const sim_schema *sim_experiment_root(const sim_experiment *x)
{
	return &x->root;
}

const sim_model_type *sim_experiment_model(const sim_experiment *x)
{
	return x->model;
}

char *sim_experiment_name(const sim_experiment *x, const char *config_path)
{
	return experiment_name(x->params, config_path);
}

char *sim_experiment_output_dir(const sim_run_options *opt, const char *name)
{
	if (opt->out_dir)
		return strdup(opt->out_dir);
	char *dir = malloc(strlen(name) + 5);
	if (dir)
		sprintf(dir, "out/%s", name);
	return dir;
}

char *sim_experiment_resolved_config(const sim_experiment *x)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	int rc = sim_config_write(x->cfg, f);
	if (fclose(f) != 0 || rc != 0) {
		free(text);
		return NULL;
	}
	return text;
}

int sim_experiment_check(const sim_experiment *x, sim_targets_use use, char **targets,
			 sim_error *err)
{
	const sim_experiment_params *ep = x->params;
	if (targets)
		*targets = NULL;
	if (sim_replications_limit(&ep->replications) > 1 && !x->model->record)
		return sim_config_error_at(x->cfg, "replications", err,
					   "expected 1: model %s runs one replication",
					   x->model->name);
	if (use == SIM_TARGETS_IGNORE ||
	    (use == SIM_TARGETS_IF_ANY && (!x->model->validate || !ep->targets[0])))
		return 0;
	if (!x->model->validate || !ep->targets[0])
		return sim_config_error_at(x->cfg, "targets", err,
					   "`validate` needs a targets file (the setting "
					   "`targets`) and a model that has targets");
	/* Relative to the file's folder, and held to the rules of an
	   @include: a regular file inside that folder's tree. */
	char *path = sim_config_file_path(x->cfg, "targets", ep->targets, err);
	if (!path)
		return -1;
	int rc = x->model->validate(sim_experiment_model_params(x), NULL, path, NULL, err) < 0
			 ? -1 : 0;
	if (targets)
		*targets = path;
	else
		free(path);
	return rc;
}

/* One replication on a fresh engine; the engine and the model's state
   go to the caller. */
static int run_on_fresh_engine(const sim_experiment *x, uint64_t replication,
			       const char *name, sim_table_set *tables, sim_engine **eng_out,
			       void **state_out, uint64_t *events, sim_error *err)
{
	const sim_experiment_params *ep = x->params;
	const void *model_params = sim_experiment_model_params(x);
	sim_run_context ctx = { (uint64_t)ep->seed, replication, name, x->check };
	*state_out = NULL;
	*eng_out = sim_engine_new(err);
	if (!*eng_out)
		return -1;
	sim_engine_watch(*eng_out, x->stop);
	if (x->model->init(state_out, *eng_out, model_params, &ctx, err) != 0) {
		*state_out = NULL;
		return -1;
	}
	int rc = sim_engine_run(*eng_out, x->model->horizon(model_params), err);
	*events += sim_engine_get_stats(*eng_out).executed;
	if (rc == 0 && tables && x->model->record)
		rc = x->model->record(*state_out, *eng_out, tables, err);
	return rc;
}

/* The replication with its draw of the fitted and assumed settings written into x's
   params (their cross-setting checks run again), then put back. */
static int run_drawn(sim_experiment *x, uint64_t replication, const char *name,
		     sim_table_set *tables, sim_engine **eng, void **state, uint64_t *events,
		     sim_error *err)
{
	const sim_experiment_params *ep = x->params;
	size_t k = x->draws.k;
	double *v = malloc(2 * k * sizeof *v);
	if (!v)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	int rc = sim_draws_draw(&x->draws, (uint64_t)ep->seed, replication, v, NULL, err);
	if (rc == 0) {
		sim_draws_apply(&x->draws, &x->root, x->params, v, v + k);
		rc = sim_params_check(&x->root, x->params, x->cfg, err);
		if (rc == 0)
			rc = run_on_fresh_engine(x, replication, name, tables, eng, state, events,
						 err);
		sim_draws_restore(&x->draws, &x->root, x->params, v + k);
	}
	free(v);
	return rc;
}

int sim_experiment_run_replication(sim_experiment *x, const char *name,
				   uint64_t replication, sim_table_set *tables,
				   uint64_t *events, char **notes, sim_error *err)
{
	if (notes)
		*notes = NULL;
	if (!x->model->record)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "model %s does not record replications",
				     x->model->name);
	sim_engine *eng = NULL;
	void *state = NULL;
	int rc = x->drawing ? run_drawn(x, replication, name, tables, &eng, &state, events, err)
			    : run_on_fresh_engine(x, replication, name, tables, &eng, &state, events,
						  err);
	if (rc == 0 && notes && x->model->summarize) {
		size_t len = 0;
		FILE *f = open_memstream(notes, &len);
		if (f) {
			x->model->summarize(state, eng, f);
			fclose(f);
		}
	}
	if (state)
		x->model->destroy(state);
	sim_engine_free(eng);
	return rc;
}

int sim_experiment_run_single(const sim_experiment *x, const char *name,
			      sim_engine **eng, void **state, uint64_t *events,
			      sim_error *err)
{
	return run_on_fresh_engine(x, 0, name, NULL, eng, state, events, err);
}
