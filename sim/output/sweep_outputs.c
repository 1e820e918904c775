/* sweep_outputs.c - a sweep's CSVs, derived from its results database
   (see sweep_outputs.h). Everything here reads only results.sqlite, so
   `marketsim plot DIR` can write it all again. */
#include "sweep_outputs.h"
#include "store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What the database says about the sweep's points. */
typedef struct sweep_points {
	size_t count, nparams;
	char **names;        /* "p0007" */
	char **paths;        /* parameter j's setting path */
	char **values;       /* count x nparams, as text */
	long *replications;  /* complete replications; -1: point incomplete */
	char **notes;        /* how its replications were decided ("" none) */
	sim_table_set **tables; /* its replications, or NULL when incomplete */
} sweep_points;

static int oom(sim_error *err)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
}

static void free_points(sweep_points *p)
{
	for (size_t i = 0; i < p->count; i++) {
		if (p->names)
			free(p->names[i]);
		if (p->notes)
			free(p->notes[i]);
		if (p->tables)
			sim_table_set_free(p->tables[i]);
	}
	free(p->names);
	free(p->notes);
	free(p->tables);
	free(p->replications);
	sim_store_free_strings(p->values, p->count * p->nparams);
	sim_store_free_strings(p->paths, p->nparams);
	memset(p, 0, sizeof *p);
}

static int load_points(sim_store *s, sweep_points *p, sim_error *err)
{
	memset(p, 0, sizeof *p);
	long n = sim_store_point_count(s, err);
	if (n < 0)
		return -1;
	p->count = (size_t)n;
	p->names = calloc(p->count + 1, sizeof *p->names);
	p->notes = calloc(p->count + 1, sizeof *p->notes);
	p->tables = calloc(p->count + 1, sizeof *p->tables);
	p->replications = calloc(p->count + 1, sizeof *p->replications);
	if (!p->names || !p->notes || !p->tables || !p->replications)
		return oom(err);
	for (size_t i = 0; i < p->count; i++) {
		char **paths, **values;
		size_t np;
		if (sim_store_point(s, i, &p->names[i], &paths, &values, &np, err) != 0)
			return -1;
		if (i == 0) {
			p->nparams = np;
			p->paths = paths;
			p->values = calloc(p->count * np + 1, sizeof *p->values);
			if (!p->values) {
				sim_store_free_strings(values, np);
				return oom(err);
			}
		} else {
			sim_store_free_strings(paths, np);
		}
		for (size_t j = 0; j < np && j < p->nparams; j++) {
			p->values[i * p->nparams + j] = values[j];
			values[j] = NULL;
		}
		sim_store_free_strings(values, np);
		p->replications[i] = sim_store_completed(s, i, &p->notes[i], err);
		if (p->replications[i] < -1)
			return -1;
		if (p->replications[i] < 0)
			continue;
		if (!(p->tables[i] = sim_table_set_new()))
			return oom(err);
		if (sim_store_load(s, i, (size_t)p->replications[i], p->tables[i], err) != 0)
			return -1;
	}
	return 0;
}

static const sim_table *summary_of(const sweep_points *p, size_t i)
{
	const sim_table *t = p->tables[i] ? sim_table_find(p->tables[i], "summary.csv") : NULL;
	return t && sim_table_key_count(t) == 2 && sim_table_value_count(t) >= 1 ? t : NULL;
}

/* The summary table that names the metrics: the first complete point's. */
static const sim_table *first_summary(const sweep_points *p)
{
	for (size_t i = 0; i < p->count; i++)
		if (summary_of(p, i))
			return summary_of(p, i);
	return NULL;
}

/* Values of summary row r over replications [0, n), into x. */
static void column(const sim_table *t, size_t r, size_t n, double *x)
{
	for (size_t k = 0; k < n; k++)
		x[k] = sim_table_value(t, k, r, 0);
}

static void put_point(FILE *f, const sweep_points *p, size_t i)
{
	fputs(p->names[i], f);
	for (size_t j = 0; j < p->nparams; j++)
		fprintf(f, ",%s", p->values[i * p->nparams + j]);
}

/* sweep_summary.csv: point, parameters, replications, then each summary
   metric's mean and 95% interval (nan where the point is incomplete). */
static int write_summary(const sweep_points *p, sim_results *out, double *x,
			 sim_error *err)
{
	const sim_table *first = first_summary(p);
	FILE *f = sim_results_create(out, "sweep_summary.csv", err);
	if (!f)
		return -1;
	fputs("point", f);
	for (size_t j = 0; j < p->nparams; j++)
		fprintf(f, ",%s", p->paths[j]);
	fputs(",replications", f);
	for (size_t r = 0; first && r < sim_table_rows(first); r++) {
		const char *m = sim_table_key(first, r, 0), *sub = sim_table_key(first, r, 1);
		fprintf(f, ",%s:%s_mean,%s:%s_lo,%s:%s_hi", m, sub, m, sub, m, sub);
	}
	fputc('\n', f);
	for (size_t i = 0; i < p->count; i++) {
		put_point(f, p, i);
		fprintf(f, ",%ld", p->replications[i] < 0 ? 0 : p->replications[i]);
		const sim_table *t = summary_of(p, i);
		for (size_t r = 0; first && r < sim_table_rows(first); r++) {
			long row = t ? sim_table_find_row(t, sim_table_key(first, r, 0),
						   sim_table_key(first, r, 1)) : -1;
			double mean = NAN, sd, lo = NAN, hi = NAN;
			if (row >= 0) {
				column(t, (size_t)row, sim_table_replications(t), x);
				sim_table_stats(x, sim_table_replications(t), &mean, &sd, &lo, &hi);
			}
			sim_table_put_number(f, mean);
			sim_table_put_number(f, lo);
			sim_table_put_number(f, hi);
		}
		fputc('\n', f);
	}
	return sim_results_close_file(out, f, err);
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* sweep_vs_reference.csv: every point against the reference point,
   metric by metric, paired by replication (common random numbers); and
   the median variance reduction that pairing gave, for the notes. */
static int write_reference(const sweep_points *p, size_t ref, sim_results *out, double *x,
			   double *y, double *work, FILE *notes, sim_error *err)
{
	const sim_table *base = ref < p->count ? summary_of(p, ref) : NULL;
	if (!base)
		return 0;
	FILE *f = sim_results_create(out, "sweep_vs_reference.csv", err);
	if (!f)
		return -1;
	fputs("point", f);
	for (size_t j = 0; j < p->nparams; j++)
		fprintf(f, ",%s", p->paths[j]);
	fputs(",metric,subject,replications,reference_mean,point_mean,diff_mean,diff_lo,"
	      "diff_hi,sd_paired,sd_independent,variance_reduction\n", f);
	size_t nred = 0, cap = 0;
	double *reductions = NULL;
	for (size_t i = 0; i < p->count; i++) {
		const sim_table *t = summary_of(p, i);
		if (!t)
			continue;
		size_t n = sim_table_replications(t) < sim_table_replications(base)
				   ? sim_table_replications(t) : sim_table_replications(base);
		for (size_t r = 0; r < sim_table_rows(base); r++) {
			const char *m = sim_table_key(base, r, 0), *sub = sim_table_key(base, r, 1);
			long row = sim_table_find_row(t, m, sub);
			if (row < 0)
				continue;
			column(base, r, n, x);
			column(t, (size_t)row, n, y);
			sim_paired_stats ps;
			sim_table_paired_stats(x, y, n, work, &ps);
			put_point(f, p, i);
			fprintf(f, ",%s,%s,%zu", m, sub, n);
			sim_table_put_paired(f, &ps);
			fputc('\n', f);
			if (i == ref || !isfinite(ps.variance_reduction))
				continue;
			if (nred == cap) {
				cap = cap ? 2 * cap : 256;
				double *grown = realloc(reductions, cap * sizeof *grown);
				if (!grown) {
					free(reductions);
					sim_results_close_file(out, f, NULL);
					return oom(err);
				}
				reductions = grown;
			}
			reductions[nred++] = ps.variance_reduction;
		}
	}
	if (nred > 0) {
		qsort(reductions, nred, sizeof *reductions, compare_doubles);
		fprintf(notes, "Common random numbers: against the reference point %s, the "
			"paired differences of %zu (point, metric) pairs have a median variance "
			"reduction of %.3g (quartiles %.3g and %.3g) over independent "
			"replications: a difference is that many times more precise for the same "
			"runs (sweep_vs_reference.csv).\n", p->names[ref], nred,
			reductions[nred / 2], reductions[nred / 4], reductions[3 * nred / 4]);
	}
	free(reductions);
	return sim_results_close_file(out, f, err);
}

/* Point i's own directory: its tables aggregated over its replications,
   and a manifest naming the point. */
static int write_point(const sweep_points *p, size_t i, const sim_model_type *model,
		       const char *dir, const char *experiment, sim_error *err)
{
	char pd[4200];
	snprintf(pd, sizeof pd, "%s/points/%s", dir, p->names[i]);
	sim_results *out = sim_results_open(pd, err);
	if (!out)
		return -1;
	/* Every row names its experiment, point, parameter values and
	   replication count. */
	size_t nl = p->nparams + 3;
	const char **names = calloc(nl, sizeof *names), **values = calloc(nl, sizeof *values);
	char reps[32];
	snprintf(reps, sizeof reps, "%ld", p->replications[i]);
	if (!names || !values) {
		free(names);
		free(values);
		sim_results_abort(out);
		return oom(err);
	}
	names[0] = "experiment";
	values[0] = experiment;
	names[1] = "point";
	values[1] = p->names[i];
	for (size_t j = 0; j < p->nparams; j++) {
		names[2 + j] = p->paths[j];
		values[2 + j] = p->values[i * p->nparams + j];
	}
	names[nl - 1] = "replications";
	values[nl - 1] = reps;
	int rc = sim_table_set_write_labelled(p->tables[i], out, names, values, nl, err);
	free(names);
	free(values);
	if (rc != 0 ||
	    (model && model->write_tables && model->write_tables(p->tables[i], out, err) != 0))
		goto fail;
	FILE *f = sim_results_create(out, "manifest.txt", err);
	if (!f)
		goto fail;
	fprintf(f, "# marketsim sweep point: one point of a sweep, aggregated over its "
		"replications (from results.sqlite).\nexperiment = \"%s\"\npoint = \"%s\"\n",
		experiment, p->names[i]);
	for (size_t j = 0; j < p->nparams; j++)
		fprintf(f, "# %s = %s\n", p->paths[j], p->values[i * p->nparams + j]);
	fprintf(f, "replications = %ld\n", p->replications[i]);
	if (p->notes[i][0])
		fprintf(f, "replications_rule = \"%s\"\n", p->notes[i]);
	if (sim_results_write_fingerprints(out, f, err) != 0) {
		sim_results_close_file(out, f, NULL);
		goto fail;
	}
	if (sim_results_close_file(out, f, err) != 0)
		goto fail;
	return sim_results_finish(out, err);
fail:
	sim_results_abort(out);
	return -1;
}

typedef struct failure_list {
	FILE *f;
	const sweep_points *p;
	size_t count;
} failure_list;

static void list_failure(void *ctx, size_t point, uint64_t replication, uint64_t seed,
			 const char *message)
{
	failure_list *l = ctx;
	l->count++;
	if (!l->f)
		return;
	fprintf(l->f, "%s,%llu,%llu,", point < l->p->count ? l->p->names[point] : "?",
		(unsigned long long)replication, (unsigned long long)seed);
	for (const char *c = message; *c; c++)
		fputc(*c == ',' || *c == '\n' ? ';' : *c, l->f);
	fputc('\n', l->f);
}

/* sweep_plots.txt: one chart per line for plots/sweep_*.gp: the metric's
   column stem, the first parameter's column and, for a grid of two or
   more, the second's. */
static int write_plot_list(const char *plot, bool grid, const sweep_points *p,
			   sim_results *out, sim_error *err)
{
	FILE *f = sim_results_create(out, "sweep_plots.txt", err);
	if (!f)
		return -1;
	for (const char *c = plot; *c;) {
		size_t n = strcspn(c, ",");
		if (n > 0 && grid && p->nparams >= 2)
			fprintf(f, "%.*s %s %s\n", (int)n, c, p->paths[0], p->paths[1]);
		else if (n > 0 && p->nparams >= 1)
			fprintf(f, "%.*s %s\n", (int)n, c, p->paths[0]);
		c += n + (c[n] == ',');
	}
	return sim_results_close_file(out, f, err);
}

/* What the store says about the sweep: heap strings. */
typedef struct sweep_meta {
	char *name, *model, *plot, *mode, *reference, *config;
} sweep_meta;

static void meta_free(sweep_meta *m)
{
	free(m->name);
	free(m->model);
	free(m->plot);
	free(m->mode);
	free(m->reference);
	free(m->config);
}

static int read_meta(sim_store *s, sweep_meta *m, sim_error *err)
{
	m->name = sim_store_meta(s, "name", err);
	m->model = sim_store_meta(s, "model", err);
	m->plot = sim_store_meta(s, "plot", err);
	m->mode = sim_store_meta(s, "mode", err);
	m->reference = sim_store_meta(s, "reference", err);
	m->config = sim_store_meta(s, "config", err);
	if (m->name && m->model && m->plot && m->mode && m->reference && m->config)
		return 0;
	if (err->kind == SIM_ERROR_NONE)
		sim_error_set(err, SIM_ERROR_RUNTIME, sim_store_path(s), 0, NULL,
			      "not a sweep's results database (its experiment is not "
			      "recorded)");
	return -1;
}

/* Scratch columns for the statistics: as long as the longest point. */
typedef struct scratch {
	double *x, *y, *work;
} scratch;

static int scratch_alloc(scratch *w, const sweep_points *p, sim_error *err)
{
	size_t most = 1;
	for (size_t i = 0; i < p->count; i++) {
		const sim_table *t = p->tables[i] ? summary_of(p, i) : NULL;
		if (t && sim_table_replications(t) > most)
			most = sim_table_replications(t);
	}
	w->x = calloc(most, sizeof *w->x);
	w->y = calloc(most, sizeof *w->y);
	w->work = calloc(most, sizeof *w->work);
	return w->x && w->y && w->work ? 0 : oom(err);
}

static void scratch_free(scratch *w)
{
	free(w->x);
	free(w->y);
	free(w->work);
}

/* sweep_failures.csv, when any replication failed; *count of them. */
static int write_failures(sim_store *s, const sweep_points *p, sim_results *out,
			  FILE *notes, size_t *count, sim_error *err)
{
	failure_list fl = { NULL, p, 0 };
	if (sim_store_each_failure(s, list_failure, &fl, err) != 0)
		return -1;
	*count = fl.count;
	if (fl.count == 0)
		return 0;
	if (!(fl.f = sim_results_create(out, "sweep_failures.csv", err)))
		return -1;
	fputs("point,replication,seed,error\n", fl.f);
	fl.count = 0;
	if (sim_store_each_failure(s, list_failure, &fl, err) != 0) {
		sim_results_close_file(out, fl.f, NULL);
		return -1;
	}
	fprintf(notes, "%zu replication%s failed; see sweep_failures.csv.\n", fl.count,
		fl.count == 1 ? "" : "s");
	return sim_results_close_file(out, fl.f, err);
}

/* sweep_replications.csv: every replication's summary rows. */
static int write_replications(sim_store *s, sim_results *out, sim_error *err)
{
	FILE *rows = sim_results_create(out, "sweep_replications.csv", err);
	if (!rows)
		return -1;
	if (sim_store_export(s, "summary.csv", rows, err) != 0) {
		sim_results_close_file(out, rows, NULL);
		return -1;
	}
	return sim_results_close_file(out, rows, err);
}

/* report_notes.txt: the notes gathered while writing, then each point's
   stopping rule and the incomplete points. */
static int write_notes(const sweep_points *p, char *gathered, sim_results *out,
		       sim_error *err)
{
	FILE *f = sim_results_create(out, "report_notes.txt", err);
	if (!f)
		return -1;
	fputs(gathered, f);
	size_t incomplete = 0;
	for (size_t i = 0; i < p->count; i++) {
		incomplete += p->replications[i] < 0;
		if (p->notes[i][0])
			fprintf(f, "%s: %s.\n", p->names[i], p->notes[i]);
	}
	if (incomplete)
		fprintf(f, "%zu of %zu points are incomplete (failed or not yet run); their "
			"rows in sweep_summary.csv are nan.\n", incomplete, p->count);
	return sim_results_close_file(out, f, err);
}

static int write_manifest(const sweep_meta *m, size_t points, const char *manifest_extra,
			  sim_results *out, sim_error *err)
{
	FILE *f = sim_results_create(out, "manifest.txt", err);
	if (!f)
		return -1;
	fprintf(f, "# marketsim sweep manifest: what ran, how, and where its results are.\n"
		"experiment = \"%s\"\nmodel = \"%s\"\npoints = %zu\n", m->name, m->model,
		points);
	fprintf(f, "results_database = \"results.sqlite\"\n");
	if (manifest_extra)
		fputs(manifest_extra, f);
	fprintf(f, "\n# Fully resolved configuration (after @include, --set and defaults):\n%s",
		m->config);
	if (sim_results_write_fingerprints(out, f, err) != 0) {
		sim_results_close_file(out, f, NULL);
		return -1;
	}
	return sim_results_close_file(out, f, err);
}

/* The files of the sweep's own folder, from the loaded points. */
static int write_sweep_files(sim_store *s, const sweep_meta *m, const sweep_points *p,
			     const char *dir, const char *manifest_extra, size_t *failed,
			     sim_error *err)
{
	char *gathered = NULL;
	size_t gathered_len = 0;
	FILE *notes = open_memstream(&gathered, &gathered_len);
	scratch w = { 0 };
	sim_results *out = NULL;
	char manifest[4200];
	snprintf(manifest, sizeof manifest, "%s/manifest.txt", dir);
	/* `marketsim plot` keeps the manifest the sweep wrote. */
	bool keep_manifest = !manifest_extra && access(manifest, F_OK) == 0;
	int rc = -1;
	if (!notes) {
		oom(err);
		goto done;
	}
	if (scratch_alloc(&w, p, err) != 0 || !(out = sim_results_open(dir, err)) ||
	    write_summary(p, out, w.x, err) != 0 ||
	    write_reference(p, (size_t)atol(m->reference), out, w.x, w.y, w.work, notes,
			    err) != 0 ||
	    write_failures(s, p, out, notes, failed, err) != 0 ||
	    write_replications(s, out, err) != 0 || sim_store_export_draws(s, out, err) != 0 ||
	    (m->plot[0] &&
	     write_plot_list(m->plot, strcmp(m->mode, "grid") == 0, p, out, err) != 0))
		goto done;
	fclose(notes);
	notes = NULL;
	if (write_notes(p, gathered, out, err) != 0 ||
	    (!keep_manifest && write_manifest(m, p->count, manifest_extra, out, err) != 0))
		goto done;
	rc = sim_results_finish(out, err);
	out = NULL;
done:
	sim_results_abort(out);
	if (notes)
		fclose(notes);
	free(gathered);
	scratch_free(&w);
	return rc;
}

int sim_sweep_outputs_write(const char *dir, const char *out_dir, const sim_model_type *model,
			    const char *manifest_extra, size_t *failed, sim_error *err)
{
	sim_store *s = sim_store_open_existing(dir, err);
	if (!out_dir)
		out_dir = dir;
	if (!s)
		return -1;
	sweep_meta m = { 0 };
	sweep_points p = { 0 };
	size_t nfailed = 0;
	int rc = -1;
	int drew = -1;
	if (read_meta(s, &m, err) != 0 || load_points(s, &p, err) != 0 ||
	    (drew = sim_store_drew(s, err)) < 0)
		goto done;
	/* Parameter uncertainty: the CSVs add the band the charts draw. */
	for (size_t i = 0; i < p.count; i++)
		if (p.tables[i])
			sim_table_set_bands(p.tables[i], drew == 1);
	for (size_t i = 0; i < p.count; i++)
		if (p.tables[i] && write_point(&p, i, model, out_dir, m.name, err) != 0)
			goto done;
	rc = write_sweep_files(s, &m, &p, out_dir, manifest_extra, &nfailed, err);
	if (rc == 0 && failed)
		*failed = nfailed;
done:
	meta_free(&m);
	free_points(&p);
	sim_store_close(s);
	return rc;
}
