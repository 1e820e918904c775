/* calibrate.c - `marketsim calibrate` (see calibrate.h): the `calibrate`
   group's settings fitted to the experiment's targets file by simulated
   method of moments (calibrator.h). A target's simulated value in one
   replication is what the model's validate makes of that replication
   alone; targets compared by a relative or absolute tolerance are
   moments, the "at least"/"at most" ones are not (they are reported by
   `validate`). */
#include "calibrate.h"
#include "analysis.h"
#include "calibrator.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int oom(sim_error *err)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
}

/* What the fit reads: the targets file, and which of its rows are
   moments (index into the model's validation rows). */
typedef struct fit {
	sim_analysis *a;
	char *targets;          /* the targets file's path */
	size_t nrows;           /* rows the model's validation has */
	size_t n;               /* moments */
	size_t *row;            /* n: each moment's row */
	sim_calib_target *t;    /* n */
	char **names;           /* n, heap */
} fit;

/* The model's validation of (point, replication) alone into v. */
static int validate_one(fit *f, sim_store *st, size_t point, uint64_t r, sim_validation *v,
			sim_error *err)
{
	const sim_model_type *model = sim_experiment_model(f->a->x);
	sim_table_set *tables = sim_table_set_new();
	sim_validation_init(v);
	int rc = tables ? sim_store_load_one(st, point, r, tables, err) : oom(err);
	if (rc == 0 && model->validate(sim_experiment_model_params(f->a->x), tables, f->targets, v,
				       err) < 0)
		rc = -1;
	sim_table_set_free(tables);
	return rc;
}

/* The evaluator: runs the points, then each moment of each replication
   from the model's validation of that replication. */
static int evaluate_targets(void *ctx, size_t n, const double *x, uint64_t first, size_t count,
			    double *y, sim_error *err)
{
	fit *f = ctx;
	size_t *ids = malloc((n ? n : 1) * sizeof *ids);
	if (!ids)
		return oom(err);
	int rc = sim_tasks_session_run(f->a->session, n, x, first, count, ids, err);
	sim_store *st = rc == 0 ? sim_tasks_session_store(f->a->session) : NULL;
	for (size_t i = 0; rc == 0 && i < n; i++)
		for (size_t r = 0; rc == 0 && r < count; r++) {
			sim_validation v;
			rc = validate_one(f, st, ids[i], first + r, &v, err);
			for (size_t k = 0; rc == 0 && k < f->n; k++)
				y[(i * f->n + k) * count + r] =
					f->row[k] < v.count ? v.rows[f->row[k]].mean : NAN;
			sim_validation_free(&v);
		}
	free(ids);
	return rc == SIM_TASKS_STOPPED ? SIM_EVAL_STOPPED : rc;
}

/* Whether the comma-separated globs of `holdout` match name. */
static bool held_out(const char *holdout, const char *name)
{
	char *copy = strdup(holdout), *save = NULL;
	bool hit = false;
	for (char *g = copy ? strtok_r(copy, ",", &save) : NULL; g && !hit;
	     g = strtok_r(NULL, ",", &save)) {
		while (*g == ' ')
			g++;
		hit = fnmatch(g, name, 0) == 0;
	}
	free(copy);
	return hit;
}

/* Adds validation row k as a moment. */
static int add_moment(fit *f, const sim_validation_row *w, size_t k, const char *holdout,
		      sim_error *err)
{
	double scale = w->mode == SIM_VALIDATION_REL ? w->tolerance * fabs(w->value) : w->tolerance;
	if (!(scale > 0))
		return 0; /* a zero tolerance weighs nothing: not a moment */
	size_t *row = realloc(f->row, (f->n + 1) * sizeof *row);
	if (row)
		f->row = row;
	sim_calib_target *t = row ? realloc(f->t, (f->n + 1) * sizeof *t) : NULL;
	if (t)
		f->t = t;
	char **names = t ? realloc(f->names, (f->n + 1) * sizeof *names) : NULL;
	if (!names)
		return oom(err);
	f->names = names;
	if (!(f->names[f->n] = strdup(w->target)))
		return oom(err);
	f->row[f->n] = k;
	f->t[f->n] = (sim_calib_target){ f->names[f->n], w->value, scale,
					 !held_out(holdout, w->target) };
	f->n++;
	return 0;
}

/* Learns the targets from the model's validation of the start point's
   first replication (the fit evaluates that point first anyway). */
static int read_targets(fit *f, sim_error *err)
{
	sim_analysis *a = f->a;
	const sim_calibrate_params *cp = &sim_experiment_settings(a->x)->calibrate;
	double *x0 = malloc(a->dim * sizeof *x0);
	size_t id;
	if (!x0)
		return oom(err);
	for (size_t j = 0; j < a->dim; j++)
		x0[j] = a->bounds[j].start;
	int rc = sim_tasks_session_run(a->session, 1, x0, 0, a->replications, &id, err);
	free(x0);
	if (rc != 0)
		return rc == SIM_TASKS_STOPPED ? SIM_EVAL_STOPPED : -1;
	sim_validation v;
	rc = validate_one(f, sim_tasks_session_store(a->session), id, 0, &v, err);
	for (size_t k = 0; rc == 0 && k < v.count; k++)
		if (v.rows[k].mode == SIM_VALIDATION_REL || v.rows[k].mode == SIM_VALIDATION_ABS)
			rc = add_moment(f, &v.rows[k], k, cp->holdout, err);
	f->nrows = v.count;
	sim_validation_free(&v);
	if (rc == 0 && f->n == 0)
		rc = sim_error_set(err, SIM_ERROR_CONFIG, f->targets, 0, NULL,
				   "no target with a relative or absolute tolerance to fit");
	return rc;
}

/* calibration.csv: each fitted setting, its standard error and 95%
   interval (estimate +- 1.96 SE). */
static int estimate_table(const fit *f, const sim_calib_result *r, sim_result_table *t,
			  sim_error *err)
{
	static const char *const cols[] = { "setting", "estimate", "se", "lo95", "hi95", "min",
					    "max" };
	const sim_analysis *a = f->a;
	if (sim_result_table_init(t, "calibration.csv", "Fitted settings (standard errors: SMM "
				  "sandwich, docs/ANALYSIS.md)", 7, cols, err) != 0)
		return -1;
	for (size_t j = 0; j < a->dim; j++) {
		char b[6][32];
		const char *row[] = { a->paths[j], sim_result_table_number(b[0], r->x[j]),
				      sim_result_table_number(b[1], r->se[j]),
				      sim_result_table_number(b[2], r->x[j] - 1.96 * r->se[j]),
				      sim_result_table_number(b[3], r->x[j] + 1.96 * r->se[j]),
				      sim_result_table_number(b[4], a->bounds[j].lo),
				      sim_result_table_number(b[5], a->bounds[j].hi) };
		if (sim_result_table_add(t, row, err) != 0)
			return -1;
	}
	return 0;
}

/* calibration_targets.csv: each target's observed figure, simulated
   mean at the estimate, residual in tolerances, and its use. */
static int targets_table(const fit *f, const sim_calib_result *r, sim_result_table *t,
			 sim_error *err)
{
	static const char *const cols[] = { "target", "use", "observed", "simulated", "sd",
					    "tolerance", "residual" };
	if (sim_result_table_init(t, "calibration_targets.csv",
				  "Targets at the estimate (residual = (simulated - observed) / "
				  "tolerance)", 7, cols, err) != 0)
		return -1;
	for (size_t k = 0; k < f->n; k++) {
		char b[5][32];
		const char *row[] = { f->names[k], f->t[k].fit ? "fit" : "holdout",
				      sim_result_table_number(b[0], f->t[k].observed),
				      sim_result_table_number(b[1], r->mean[k]),
				      sim_result_table_number(b[2], r->sd[k]),
				      sim_result_table_number(b[3], f->t[k].scale),
				      sim_result_table_number(b[4], r->residual[k]) };
		if (sim_result_table_add(t, row, err) != 0)
			return -1;
	}
	char b[2][32];
	const char *fit_row[] = { "loss (fit targets)", "", "", "", "", "",
				  sim_result_table_number(b[0], r->loss) };
	const char *hold_row[] = { "loss (holdout targets)", "", "", "", "", "",
				   sim_result_table_number(b[1], r->holdout_loss) };
	return sim_result_table_add(t, fit_row, err) == 0 &&
			       sim_result_table_add(t, hold_row, err) == 0 ? 0 : -1;
}

/* calibration_correlation.csv: the estimates' correlation matrix. */
static int correlation_table(const sim_analysis *a, const sim_calib_result *r,
			     sim_result_table *t, sim_error *err)
{
	const char **cells = calloc(a->dim + 1, sizeof *cells);
	char (*b)[32] = calloc(a->dim + 1, sizeof *b);
	int rc = cells && b ? 0 : oom(err);
	if (rc == 0) {
		cells[0] = "setting";
		for (size_t j = 0; j < a->dim; j++)
			cells[1 + j] = a->paths[j];
		rc = sim_result_table_init(t, "calibration_correlation.csv",
					   "Correlation of the estimates", a->dim + 1, cells, err);
	}
	for (size_t i = 0; rc == 0 && i < a->dim; i++) {
		cells[0] = a->paths[i];
		for (size_t j = 0; j < a->dim; j++)
			cells[1 + j] = sim_result_table_number(b[j], r->corr[i * a->dim + j]);
		rc = sim_result_table_add(t, cells, err);
	}
	free(cells);
	free(b);
	return rc;
}

/* v as a libconfig float: with a '.' or exponent always (an array's
   elements must all be floats, and "1" would be an int). In 15 significant
   digits, as libconfig writes the resolved configuration a run stores: a
   run from these values then reruns from the store with the same bits,
   and `marketsim verify` can check it (a 17-digit value would come back
   rounded). */
static void put_float(FILE *fp, const char *before, double v)
{
	char b[40];
	snprintf(b, sizeof b, "%.15g", v);
	fprintf(fp, "%s%s%s", before, b, strpbrk(b, ".eEni") ? "" : ".0");
}

/* The fitted settings as `fitted` (value, se) and `fitted_correlation`,
   what `uncertainty = true` draws from; NaN (not identified) becomes se 0
   and an independent correlation, so the file still loads. */
static void put_fitted(FILE *fp, const sim_analysis *a, const sim_calib_result *r)
{
	bool known = true;
	for (size_t j = 0; j < a->dim * a->dim; j++)
		known = known && isfinite(r->corr[j]);
	fputs("fitted = (\n", fp);
	for (size_t j = 0; j < a->dim; j++) {
		fprintf(fp, "  { path = \"%s\";", a->paths[j]);
		put_float(fp, " value = ", r->x[j]);
		put_float(fp, "; se = ", isfinite(r->se[j]) ? r->se[j] : 0.0);
		fprintf(fp, "; }%s\n", j + 1 < a->dim ? "," : "");
	}
	/* Symmetric with a unit diagonal exactly, as the loader checks (the
	   estimate's differ in the last digits). */
	fputs(");\nfitted_correlation = [", fp);
	for (size_t i = 0; i < a->dim; i++)
		for (size_t j = 0; j < a->dim; j++) {
			double c = i == j || !known ? (double)(i == j) :
				   0.5 * (r->corr[i * a->dim + j] + r->corr[j * a->dim + i]);
			put_float(fp, j ? ", " : i ? ",\n  " : " ", c);
		}
	fputs(" ];\n", fp);
}

/* The fitted settings (DIR/<fragment>), to @include at the top level of
   an experiment file: the `fitted` list with its correlation
   (docs/ANALYSIS.md), applied as fixed settings, or drawn from with
   `uncertainty = true`. Once: a `set` list beside it would apply the same
   values twice and leave the including file no `set` list of its own. */
static int write_fragment(const fit *f, const sim_calib_result *r, sim_error *err)
{
	const sim_analysis *a = f->a;
	const char *name = sim_experiment_settings(a->x)->calibrate.fragment;
	sim_results *out = sim_results_open(a->dir, err);
	FILE *fp = out ? sim_results_create(out, name, err) : NULL;
	if (!fp) {
		sim_results_abort(out);
		return -1;
	}
	fprintf(fp, "# Settings fitted by `marketsim calibrate %s` (loss %.6g over the fit\n"
		"# targets). @include this file at the top level of an experiment file\n"
		"# (one that has no `fitted` list of its own): each setting below then\n"
		"# takes the fitted value, after the file's `set` list and before any\n"
		"# --set; with `uncertainty = true` each replication draws them from\n"
		"# N(value, D C D), D = diag(se), C = fitted_correlation (docs/ANALYSIS.md).\n",
		a->opt->config_path, r->loss);
	put_fitted(fp, a, r);
	if (sim_results_close_file(out, fp, err) != 0) {
		sim_results_abort(out);
		return -1;
	}
	return sim_results_finish(out, err);
}

static void say_result(const fit *f, const sim_calib_result *r)
{
	const sim_analysis *a = f->a;
	if (a->opt->quiet)
		return;
	printf("%s: fitted %zu settings to %zu targets (loss %.4g%s):", a->name, a->dim, f->n,
	       r->loss, r->converged ? "" : ", budget spent");
	for (size_t j = 0; j < a->dim; j++)
		printf("%s %s = %.6g (se %.3g)", j ? "," : "", a->paths[j], r->x[j], r->se[j]);
	printf("; results in %s/ (calibration.csv, report.html)\n", a->dir);
	if (!r->identified)
		fprintf(stderr, "marketsim: warning: %s: the settings are not identified by the "
			"fit targets (standard errors NaN): fix some, or add targets\n", a->name);
}

static int run_fit(fit *f, sim_error *err)
{
	sim_analysis *a = f->a;
	const sim_calibrate_params *cp = &sim_experiment_settings(a->x)->calibrate;
	int rc = read_targets(f, err);
	sim_evaluator ev = { a->dim, f->n, f, evaluate_targets };
	sim_calib_problem p = { &ev, f->t, a->bounds, a->replications, (size_t)cp->restarts,
				(size_t)cp->max_evaluations, cp->tolerance, cp->step,
				cp->observed_draws, cp->tolerance_as_sd };
	sim_calib_result r = { 0 };
	sim_result_table t[3] = { 0 };
	if (rc == 0)
		rc = sim_calibrate(&p, &r, err);
	if (rc == 0)
		rc = estimate_table(f, &r, &t[0], err) == 0 && targets_table(f, &r, &t[1], err) == 0 &&
				     correlation_table(a, &r, &t[2], err) == 0 ? 0 : -1;
	/* The fitted settings first: a chart that fails must not lose them. */
	if (rc == 0)
		rc = write_fragment(f, &r, err);
	if (rc == 0)
		rc = sim_analysis_finish(a, t, 3, err);
	if (rc == 0)
		say_result(f, &r);
	for (size_t k = 0; k < 3; k++)
		sim_result_table_free(&t[k]);
	sim_calib_result_free(&r);
	return rc == SIM_EVAL_STOPPED ? 0 : rc;
}

/* A model with targets, and its targets file parsed. */
static int prepare(sim_analysis *a, void *ctx, sim_error *err)
{
	fit *f = ctx;
	f->a = a;
	if (!sim_experiment_model(a->x)->validate)
		return sim_config_error_at(sim_experiment_config(a->x), "model", err, "model %s has "
					   "no targets to calibrate to",
					   sim_experiment_model(a->x)->name);
	return sim_experiment_check(a->x, SIM_TARGETS_REQUIRED, &f->targets, err);
}

static int run(sim_analysis *a, void *ctx, sim_error *err)
{
	(void)a;
	return run_fit(ctx, err);
}

int sim_calibrate_experiment(const sim_model_type *const *registry, const sim_run_options *opt,
			     const sim_exec_options *how, sim_exec_report *report, sim_error *err)
{
	static const sim_analysis_steps steps = { prepare, run };
	fit f = { 0 };
	int rc = sim_analysis_main(registry, opt, how, "calibrate", "calibrate.parameters", &steps,
				   &f, report, err);
	for (size_t k = 0; k < f.n; k++)
		free(f.names[k]);
	free(f.names);
	free(f.row);
	free(f.t);
	free(f.targets);
	return rc;
}
