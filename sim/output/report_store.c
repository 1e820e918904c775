/* report_store.c - what the report shows of results.sqlite: the facts
   of the title and of the Run table, the resolved configuration, the
   model's notes, the validation and a sweep's table of points (see
   report_internal.h). */
#include "report_internal.h"
#include "store.h"
#include "sim_table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int oom(sim_error *err)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
}

static int add_fact(sim__report_data *d, const char *key, const char *value, sim_error *err)
{
	char **k = realloc(d->key, (d->count + 1) * sizeof *k);
	if (k)
		d->key = k;
	char **v = k ? realloc(d->value, (d->count + 1) * sizeof *v) : NULL;
	if (v)
		d->value = v;
	char *kc = v ? strdup(key) : NULL, *vc = kc ? strdup(value) : NULL;
	if (!vc) {
		free(kc);
		return oom(err);
	}
	d->key[d->count] = kc;
	d->value[d->count++] = vc;
	return 0;
}

const char *sim__report_store_fact(const sim__report_data *d, const char *key)
{
	for (size_t i = 0; i < d->count; i++)
		if (strcmp(d->key[i], key) == 0)
			return d->value[i];
	return NULL;
}

/* What the experiment is: meta keys as the facts they show. */
static int load_experiment(sim_store *s, sim__report_data *d, sim_error *err)
{
	static const char *const meta[][2] = {
		{ "name", "experiment" }, { "model", "model" }, { "seed", "seed" },
		{ "replications", "replications" }, { "config_file", "config_file" },
	};
	char *mode = sim_store_meta(s, "mode", err);
	/* An analysis (optimize, ...) has points too, but its results are its
	   own tables (the Results section), not a sweep's grid. */
	d->sweep = mode && (strcmp(mode, "grid") == 0 || strcmp(mode, "zip") == 0);
	d->analysis = mode && !d->sweep && strcmp(mode, "run") != 0;
	free(mode);
	for (size_t i = 0; i < sizeof meta / sizeof meta[0] && err->kind == SIM_ERROR_NONE; i++) {
		char *v = sim_store_meta(s, meta[i][0], err);
		if (v && add_fact(d, meta[i][1], v, err) != 0) {
			free(v);
			return -1;
		}
		free(v);
		if (i == 2 && (d->sweep || d->analysis)) {
			char points[32];
			long n = sim_store_point_count(s, err);
			snprintf(points, sizeof points, "%ld", n);
			if (n < 0 || add_fact(d, "points", points, err) != 0)
				return -1;
		}
	}
	if (err->kind != SIM_ERROR_NONE)
		return -1;
	d->config = sim_store_meta(s, "config", err);
	d->notes = d->config ? sim_store_meta(s, "notes", err) : NULL;
	return err->kind == SIM_ERROR_NONE ? 0 : -1;
}

/* How it ran: the provenance, after what it is. */
static int load_provenance(sim_store *s, sim__report_data *d, sim_error *err)
{
	char **keys, **values;
	size_t n;
	if (sim_store_provenance(s, &keys, &values, &n, err) != 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = add_fact(d, keys[i], values[i], err);
	sim_store_free_strings(keys, n);
	sim_store_free_strings(values, n);
	return rc;
}

/* ---- a sweep's points ---- */

static void free_sweep(sim__report_sweep *w)
{
	sim_store_free_strings(w->paths, w->nparams);
	sim_store_free_strings(w->names, w->points);
	sim_store_free_strings(w->values, w->points * w->nparams);
	sim_store_free_strings(w->metric, w->metrics);
	free(w->replications);
	free(w->mean);
	free(w->lo);
	free(w->hi);
	memset(w, 0, sizeof *w);
}

/* Point i's name, parameter values and complete replications. */
static int load_point(sim_store *s, sim__report_sweep *w, size_t i, sim_error *err)
{
	char **paths, **values, *rule;
	size_t np;
	if (sim_store_point(s, i, &w->names[i], &paths, &values, &np, err) != 0)
		return -1;
	if (i == 0) {
		w->nparams = np;
		w->paths = paths;
		paths = NULL;
		w->values = calloc(w->points * np + 1, sizeof *w->values);
	}
	for (size_t j = 0; w->values && j < np && j < w->nparams; j++) {
		w->values[i * w->nparams + j] = values[j];
		values[j] = NULL;
	}
	sim_store_free_strings(paths, np);
	sim_store_free_strings(values, np);
	if (!w->values)
		return oom(err);
	w->replications[i] = sim_store_completed(s, i, &rule, err);
	free(rule);
	return w->replications[i] < -1 ? -1 : 0;
}

/* The metric "metric:subject" (split at its first colon) at every
   point: its mean and 95% CI over the point's replications, as
   sweep_summary.csv has them. 1 when some point has it, 0 when none
   does, -1 with err. */
static int load_metric(sim_store *s, sim__report_sweep *w, const char *stem, size_t k,
		       double *x, sim_error *err)
{
	char *metric = strdup(stem);
	if (!metric)
		return oom(err);
	char *colon = strchr(metric, ':');
	const char *subject = colon ? colon + 1 : "";
	if (colon)
		*colon = '\0';
	int any = 0;
	for (size_t i = 0; i < w->points && any >= 0; i++) {
		size_t at = i * w->metrics + k, n = w->replications[i] > 0
			? (size_t)w->replications[i] : 0;
		w->mean[at] = w->lo[at] = w->hi[at] = NAN;
		long found = n ? sim_store_values(s, "summary.csv", i, 0, n, metric, subject, x, err) : 0;
		if (found < 0)
			any = -1;
		else if (found > 0) {
			double sd;
			sim_table_stats(x, n, &w->mean[at], &sd, &w->lo[at], &w->hi[at]);
			any = 1;
		}
	}
	free(metric);
	return any;
}

/* The metrics of `plot` (comma-separated, each once), those some point has. */
static int load_metrics(sim_store *s, sim__report_sweep *w, const char *plot, sim_error *err)
{
	size_t most = 1, max = 1;
	for (size_t i = 0; i < w->points; i++)
		if (w->replications[i] > (long)most)
			most = (size_t)w->replications[i];
	for (const char *c = plot; *c; c++)
		max += *c == ',';
	w->metric = calloc(max, sizeof *w->metric);
	w->mean = calloc(max * w->points + 1, sizeof *w->mean);
	w->lo = calloc(max * w->points + 1, sizeof *w->lo);
	w->hi = calloc(max * w->points + 1, sizeof *w->hi);
	double *x = calloc(most, sizeof *x);
	int rc = w->metric && w->mean && w->lo && w->hi && x ? 0 : oom(err);
	w->metrics = max; /* the stride while loading; the count after */
	size_t kept = 0;
	for (const char *c = plot; *c && rc == 0;) {
		size_t n = strcspn(c, ",");
		char *stem = strndup(c, n);
		bool seen = !stem || n == 0;
		for (size_t k = 0; stem && k < kept && !seen; k++)
			seen = strcmp(w->metric[k], stem) == 0;
		int has = !stem ? oom(err) : seen ? 0 : load_metric(s, w, stem, kept, x, err);
		if (has > 0)
			w->metric[kept++] = stem;
		else
			free(stem);
		rc = has < 0 ? -1 : 0;
		c += n + (c[n] == ',');
	}
	free(x);
	/* Pack the kept metrics' columns. */
	for (size_t i = 0; rc == 0 && i < w->points; i++)
		for (size_t k = 0; k < kept; k++) {
			w->mean[i * kept + k] = w->mean[i * max + k];
			w->lo[i * kept + k] = w->lo[i * max + k];
			w->hi[i * kept + k] = w->hi[i * max + k];
		}
	w->metrics = kept;
	return rc;
}

static int load_sweep(sim_store *s, sim__report_sweep *w, sim_error *err)
{
	long n = sim_store_point_count(s, err);
	if (n < 0)
		return -1;
	w->points = (size_t)n;
	w->names = calloc(w->points + 1, sizeof *w->names);
	w->replications = calloc(w->points + 1, sizeof *w->replications);
	if (!w->names || !w->replications)
		return oom(err);
	for (size_t i = 0; i < w->points; i++)
		if (load_point(s, w, i, err) != 0)
			return -1;
	char *plot = sim_store_meta(s, "plot", err);
	int rc = load_metrics(s, w, plot ? plot : "", err);
	free(plot);
	return rc;
}

int sim__report_store_load(const char *dir, sim__report_data *d, sim_error *err)
{
	memset(d, 0, sizeof *d);
	sim_validation_init(&d->validation);
	if (!sim_store_exists(dir))
		return 0;
	/* The readers below tell "not stored" from a failure by the error
	   they fill: start them on a clear one. */
	sim_error e;
	sim_error_clear(&e);
	sim_store *s = sim_store_open_existing(dir, &e);
	int validated = -1, rc = -1;
	if (!s)
		goto done;
	d->stored = true;
	if (load_experiment(s, d, &e) != 0 || load_provenance(s, d, &e) != 0 ||
	    (validated = sim_store_load_validation(s, &d->validation, &e)) < 0 ||
	    (d->sweep && load_sweep(s, &d->table, &e) != 0) ||
	    sim_store_result_tables(s, &d->results, &d->nresults, &e) != 0 ||
	    sim_store_get_draws(s, &d->draws, &e) != 0)
		goto done;
	d->validated = validated == 1;
	rc = 0;
done:
	sim_store_close(s);
	if (rc != 0 && err)
		*err = e;
	return rc;
}

void sim__report_store_free(sim__report_data *d)
{
	sim_store_free_strings(d->key, d->count);
	sim_store_free_strings(d->value, d->count);
	free(d->config);
	free(d->notes);
	sim_validation_free(&d->validation);
	free_sweep(&d->table);
	sim_store_free_result_tables(d->results, d->nresults);
	sim_store_draws_free(&d->draws);
	memset(d, 0, sizeof *d);
}
