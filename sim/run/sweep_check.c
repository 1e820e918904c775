/* sweep_check.c - a sweep's points checked before anything runs, the file
   parsed once (see sweep_check.h). */
#include "sweep_check.h"
#include "guard.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_date.h"

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

/* A swept setting located in the experiment's params, and what it held. */
typedef struct bound {
	const sim_setting *row;
	void *at;
	union { double d; int64_t i; char *s; } saved;
	char date[SIM_DATE_BUF]; /* a date's text, which the member points at */
} bound;

/* Locates each parameter's setting in x's params: false when one is not
   a number or date setting (or lies in the sweep itself, which must not
   move while its points are walked). */
static bool bind_all(sim_experiment *x, const sim_sweep_params *s, bound *b)
{
	const sim_sweep_param *p = s->parameters.items;
	for (size_t j = 0; j < s->parameters.count; j++) {
		b[j].at = strncmp(p[j].path, "sweep", 5) == 0 ? NULL :
			  sim_params_locate(sim_experiment_root(x), sim_experiment_params_block(x),
					    p[j].path, &b[j].row);
		if (!b[j].at || (b[j].row->kind == SIM_SETTING_STRING) != (p[j].from_date[0] != 0))
			return false;
		memcpy(&b[j].saved, b[j].at, b[j].row->kind == SIM_SETTING_FLOAT ? sizeof(double) :
			 b[j].row->kind == SIM_SETTING_INT ? sizeof(int64_t) : sizeof(char *));
	}
	return true;
}

/* Writes point i's values into the bound members (each value passed its
   setting's own check in check_paths). */
static void set_point(const sim_sweep_params *s, size_t i, bound *b)
{
	const sim_sweep_param *p = s->parameters.items;
	for (size_t j = 0; j < s->parameters.count; j++) {
		size_t k = sim_sweep_value_index(s, i, j);
		if (b[j].row->kind == SIM_SETTING_STRING) {
			char *text = b[j].date;
			sim_sweep_value_text(&p[j], k, 17, false, b[j].date, sizeof b[j].date);
			memcpy(b[j].at, &text, sizeof text);
		} else if (b[j].row->kind == SIM_SETTING_INT) {
			int64_t v = (int64_t)sim_sweep_value(&p[j], k);
			memcpy(b[j].at, &v, sizeof v);
		} else {
			double v = sim_sweep_value(&p[j], k);
			memcpy(b[j].at, &v, sizeof v);
		}
	}
}

static void restore_all(bound *b, size_t n)
{
	for (size_t j = 0; j < n; j++)
		memcpy(b[j].at, &b[j].saved, b[j].row->kind == SIM_SETTING_FLOAT ? sizeof(double) :
			 b[j].row->kind == SIM_SETTING_INT ? sizeof(int64_t) : sizeof(char *));
}

/* What a sweep's run needs to know of its points. */
typedef struct sweep_run {
	const sim_model_type *const *registry;
	const sim_run_options *opt;
	const sim_sweep_params *s;
	size_t points, workers;
} sweep_run;

/* What x at a point must pass besides each value's own check: the
   cross-setting checks (when its params were changed in place), the
   model's, the limits. */
static int point_checks(sim_experiment *x, const sweep_run *r, bool schemas, sim_error *err)
{
	if (schemas && sim_params_check(sim_experiment_root(x), sim_experiment_params_block(x),
					 sim_experiment_config_const(x), err) != 0)
		return -1;
	if (sim_experiment_check(x, SIM_TARGETS_IGNORE, NULL, err) != 0)
		return -1;
	return sim_guard_check(x, r->opt, r->workers, r->points, err);
}

/* Point i for a parameter that cannot be set in place: its assignments
   applied to x's tree, resolved into params of its own. */
static int resolve_point(sim_experiment *x, const sweep_run *r, size_t i, sim_error *err)
{
	size_t n = r->s->parameters.count;
	const sim_schema *root = sim_experiment_root(x);
	char **a = sim_sweep_point_assignments(r->s, i);
	void *params = a ? calloc(1, root->size) : NULL;
	int rc = params ? 0 : sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	for (size_t j = 0; j < n && rc == 0; j++)
		rc = sim_config_set(sim_experiment_config(x), root, a[j], err);
	if (rc == 0)
		rc = sim_config_resolve(sim_experiment_config(x), root, params, err);
	if (rc == 0) {
		void *base = sim_experiment_swap_params(x, params);
		rc = point_checks(x, r, false, err);
		sim_experiment_swap_params(x, base);
	}
	if (params)
		sim_params_free(root, params);
	free(params);
	sim_sweep_assignments_free(a, n);
	return rc;
}

/* The error of failing point i as the point loaded from the file with its
   assignments says it (as every point was checked before, and as a
   worker loads it), so that it reads the same however it was found. */
static void explain_point(const sweep_run *r, size_t i, sim_error *err)
{
	size_t n = r->s->parameters.count;
	sim_error e;
	sim_error_clear(&e);
	char **a = sim_sweep_point_assignments(r->s, i);
	sim_experiment *x = a ? sim_experiment_load(r->registry, r->opt, (const char *const *)a,
						    n, &e) : NULL;
	if (x && sim_experiment_check(x, SIM_TARGETS_IGNORE, NULL, &e) == 0)
		sim_guard_check(x, r->opt, r->workers, r->points, &e);
	if (e.kind != SIM_ERROR_NONE)
		*err = e;
	sim_experiment_free(x);
	sim_sweep_assignments_free(a, n);
	size_t len = strlen(err->message);
	snprintf(err->message + len, sizeof err->message - len, " (at sweep point %zu)", i);
}

int sim_sweep_check(sim_experiment *x, const sim_model_type *const *registry,
		    const sim_run_options *opt, size_t workers, sim_error *err)
{
	const sim_sweep_params *s = &sim_experiment_settings(x)->sweep;
	sweep_run r = { registry, opt, s, sim_sweep_point_count(s), workers };
	size_t n = s->parameters.count;
	if (check_paths(x, err) != 0)
		return -1;
	bound *b = calloc(n ? n : 1, sizeof *b);
	if (!b)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	bool in_place = bind_all(x, s, b);
	int rc = 0;
	for (size_t i = 0; i < r.points && rc == 0; i++) {
		if (in_place) {
			set_point(s, i, b);
			rc = point_checks(x, &r, true, err);
		} else {
			rc = resolve_point(x, &r, i, err);
		}
		if (rc != 0 && err->kind == SIM_ERROR_CONFIG) {
			if (in_place)
				restore_all(b, n);
			in_place = false;
			explain_point(&r, i, err);
		}
	}
	if (in_place)
		restore_all(b, n);
	free(b);
	return rc;
}
