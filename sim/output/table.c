/* table.c - tidy result tables gathered over replications (include/sim_table.h). */
#include "sim_table.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

struct sim_table {
	char *file;
	size_t key_count, value_count;
	char **key_names, **value_names;
	size_t rows;          /* rows per replication, fixed by the first */
	size_t row_capacity;
	char **keys;          /* rows x key_count strings, from replication 0 */
	size_t reps;          /* replications begun */
	size_t cursor;        /* next row of the current replication */
	double *values;       /* reps x rows x value_count */
	size_t value_capacity;/* doubles allocated in values */
};

struct sim_table_set {
	size_t count, capacity;
	sim_table **tables;
	bool bands; /* the CSVs add each value's 95% band (sim_table_set_bands) */
};

sim_table_set *sim_table_set_new(void)
{
	return calloc(1, sizeof(sim_table_set));
}

static void free_strings(char **s, size_t n)
{
	if (!s)
		return;
	for (size_t i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

static void table_free(sim_table *t)
{
	free(t->file);
	free_strings(t->key_names, t->key_count);
	free_strings(t->value_names, t->value_count);
	free_strings(t->keys, t->rows * t->key_count);
	free(t->values);
	free(t);
}

void sim_table_set_free(sim_table_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->count; i++)
		table_free(set->tables[i]);
	free(set->tables);
	free(set);
}

sim_table *sim_table_find(const sim_table_set *set, const char *file)
{
	for (size_t i = 0; i < set->count; i++)
		if (strcmp(set->tables[i]->file, file) == 0)
			return set->tables[i];
	return NULL;
}

static char **copy_strings(const char *const *s, size_t n)
{
	char **c = calloc(n ? n : 1, sizeof *c);
	for (size_t i = 0; c && i < n; i++)
		if (!(c[i] = strdup(s[i]))) {
			free_strings(c, n);
			return NULL;
		}
	return c;
}

static bool same_names(char **have, const char *const *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(have[i], want[i]) != 0)
			return false;
	return true;
}

static int oom(sim_error *err)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
}

static sim_table *table_new(sim_table_set *set, const char *file,
			    const char *const *keys, size_t key_count,
			    const char *const *values, size_t value_count)
{
	if (set->count == set->capacity) {
		size_t cap = set->capacity ? 2 * set->capacity : 8;
		sim_table **grown = realloc(set->tables, cap * sizeof *grown);
		if (!grown)
			return NULL;
		set->tables = grown;
		set->capacity = cap;
	}
	sim_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->key_count = key_count;
	t->value_count = value_count;
	t->file = strdup(file);
	t->key_names = copy_strings(keys, key_count);
	t->value_names = copy_strings(values, value_count);
	if (!t->file || !t->key_names || !t->value_names) {
		table_free(t);
		return NULL;
	}
	set->tables[set->count++] = t;
	return t;
}

sim_table *sim_table_begin(sim_table_set *set, const char *file,
			   const char *const *keys, size_t key_count,
			   const char *const *values, size_t value_count,
			   sim_error *err)
{
	sim_table *t = sim_table_find(set, file);
	if (!t) {
		t = table_new(set, file, keys, key_count, values, value_count);
		if (!t) {
			oom(err);
			return NULL;
		}
	} else if (t->key_count != key_count || t->value_count != value_count ||
		   !same_names(t->key_names, keys, key_count) ||
		   !same_names(t->value_names, values, value_count)) {
		sim_error_set(err, SIM_ERROR_RUNTIME, file, 0, NULL,
			      "the columns changed between replications");
		return NULL;
	} else if (t->cursor != t->rows) {
		sim_error_set(err, SIM_ERROR_RUNTIME, file, 0, NULL,
			      "replication %zu recorded %zu rows, the first %zu",
			      t->reps, t->cursor, t->rows);
		return NULL;
	}
	t->reps++;
	t->cursor = 0;
	return t;
}

static int grow_first(sim_table *t, const char *const *keys)
{
	if (t->rows == t->row_capacity) {
		size_t cap = t->row_capacity ? 2 * t->row_capacity : 64;
		char **k = realloc(t->keys, cap * t->key_count * sizeof *k);
		if (!k)
			return -1;
		t->keys = k;
		t->row_capacity = cap;
	}
	char **row = t->keys + t->rows * t->key_count;
	for (size_t i = 0; i < t->key_count; i++)
		if (!(row[i] = strdup(keys[i]))) {
			while (i--)
				free(row[i]);
			return -1;
		}
	t->rows++;
	return 0;
}

int sim_table_add(sim_table *t, const char *const *keys, const double *values,
		  sim_error *err)
{
	if (t->reps == 1) {
		if (grow_first(t, keys) != 0)
			return oom(err);
	} else {
		const char *const *want = (const char *const *)t->keys +
					  t->cursor * t->key_count;
		if (t->cursor >= t->rows || !same_names((char **)want, keys, t->key_count))
			return sim_error_set(err, SIM_ERROR_RUNTIME, t->file, 0, NULL,
					     "replication %zu recorded row %zu differently "
					     "from the first", t->reps - 1, t->cursor);
	}
	size_t at = ((t->reps - 1) * t->rows + t->cursor) * t->value_count;
	size_t need = at + t->value_count;
	if (need > t->value_capacity) {
		size_t cap = t->value_capacity ? t->value_capacity : 1024;
		while (cap < need)
			cap *= 2;
		double *v = realloc(t->values, cap * sizeof *v);
		if (!v)
			return oom(err);
		t->values = v;
		t->value_capacity = cap;
	}
	if (t->value_count) /* a table of keys only has no values to copy */
		memcpy(t->values + at, values, t->value_count * sizeof *values);
	t->cursor++;
	return 0;
}

size_t sim_table_rows(const sim_table *t) { return t->rows; }
size_t sim_table_replications(const sim_table *t) { return t->reps; }

static long index_of(char **names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (long)i;
	return -1;
}

long sim_table_key_index(const sim_table *t, const char *name)
{
	return index_of(t->key_names, t->key_count, name);
}

long sim_table_value_index(const sim_table *t, const char *name)
{
	return index_of(t->value_names, t->value_count, name);
}

const char *sim_table_key(const sim_table *t, size_t row, size_t k)
{
	return t->keys[row * t->key_count + k];
}

double sim_table_value(const sim_table *t, size_t rep, size_t row, size_t c)
{
	return t->values[(rep * t->rows + row) * t->value_count + c];
}

/* The 97.5% quantile of Student's t with df degrees of freedom. Writing a
   sweep asks for it once per cell with a handful of distinct df, and GSL's
   inversion is iterative: the common ones are kept. */
static double t_quantile(size_t df)
{
	static double known[256];
	if (df >= sizeof known / sizeof known[0])
		return gsl_cdf_tdist_Pinv(0.975, (double)df);
	if (known[df] == 0)
		known[df] = gsl_cdf_tdist_Pinv(0.975, (double)df);
	return known[df];
}

void sim_table_stats(const double *x, size_t n, double *mean, double *sd,
		     double *lo, double *hi)
{
	size_t k = 0;
	double m = 0, m2 = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(x[i]))
			continue;
		/* Welford: the weekly values span 1e9..1e13, so the naive sum of
		   squares would cancel badly. */
		k++;
		double d = x[i] - m;
		m += d / k;
		m2 += d * (x[i] - m);
	}
	if (k == 0) {
		*mean = *sd = *lo = *hi = NAN;
		return;
	}
	*mean = m;
	*sd = k > 1 ? sqrt(m2 / (k - 1)) : 0.0;
	double half = k > 1 ? t_quantile(k - 1) * *sd / sqrt((double)k) : 0.0;
	*lo = m - half;
	*hi = m + half;
}

/* %.17g would make the CSVs unreadable; 10 significant digits keep a
   trillion-token week exact to the thousand. */
static void put_number(FILE *f, double v)
{
	if (isnan(v))
		fputs("nan", f);
	else if (isinf(v))
		fputs(v > 0 ? "inf" : "-inf", f);
	else
		fprintf(f, "%.10g", v);
}

void sim_table_put_number(FILE *f, double v)
{
	fputc(',', f);
	put_number(f, v);
}

void sim_table_put_paired(FILE *f, const sim_paired_stats *ps)
{
	const double v[8] = { ps->mean_a, ps->mean_b, ps->diff_mean, ps->diff_lo,
			      ps->diff_hi, ps->diff_sd, ps->sd_independent,
			      ps->variance_reduction };
	for (int i = 0; i < 8; i++)
		sim_table_put_number(f, v[i]);
}

long sim_table_find_row(const sim_table *t, const char *k0, const char *k1)
{
	for (size_t r = 0; r < t->rows; r++)
		if (strcmp(sim_table_key(t, r, 0), k0) == 0 &&
		    (t->key_count < 2 || strcmp(sim_table_key(t, r, 1), k1) == 0))
			return (long)r;
	return -1;
}

void sim_table_band(double *x, size_t n, double *p025, double *p975)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i]))
			x[k++] = x[i];
	if (k == 0) {
		*p025 = *p975 = NAN;
		return;
	}
	gsl_sort(x, 1, k);
	*p025 = gsl_stats_quantile_from_sorted_data(x, 1, k, 0.025);
	*p975 = gsl_stats_quantile_from_sorted_data(x, 1, k, 0.975);
}

/* The header: labels, keys, then each value's mean, sd, lo, hi (and its
   band's p025, p975). */
static void put_header(FILE *f, const sim_table *t, const char *const *labels, size_t nlabels,
		       bool bands)
{
	for (size_t i = 0; i < nlabels; i++)
		fprintf(f, "%s,", labels[i]);
	for (size_t k = 0; k < t->key_count; k++)
		fprintf(f, "%s%s", k ? "," : "", t->key_names[k]);
	for (size_t c = 0; c < t->value_count; c++) {
		const char *n = t->value_names[c];
		fprintf(f, "%s%s_mean,%s_sd,%s_lo,%s_hi", t->key_count || c ? "," : "",
			n, n, n, n);
		if (bands)
			fprintf(f, ",%s_p025,%s_p975", n, n);
	}
	fputc('\n', f);
}

/* Row r's aggregates of value column c over the replications (column:
   scratch for t->reps values). */
static void put_stats(FILE *f, const sim_table *t, size_t r, size_t c, double *column,
		      bool bands)
{
	for (size_t rep = 0; rep < t->reps; rep++)
		column[rep] = sim_table_value(t, rep, r, c);
	double s[6];
	sim_table_stats(column, t->reps, &s[0], &s[1], &s[2], &s[3]);
	if (bands)
		sim_table_band(column, t->reps, &s[4], &s[5]);
	for (int i = 0; i < (bands ? 6 : 4); i++) {
		if (t->key_count || c || i)
			fputc(',', f);
		put_number(f, s[i]);
	}
}

static int write_table(const sim_table *t, sim_results *out, const char *const *labels,
		       const char *const *label_values, size_t nlabels, bool bands,
		       sim_error *err)
{
	FILE *f = sim_results_create(out, t->file, err);
	if (!f)
		return -1;
	double *column = malloc((t->reps ? t->reps : 1) * sizeof *column);
	if (!column) {
		sim_results_close_file(out, f, NULL);
		return oom(err);
	}
	put_header(f, t, labels, nlabels, bands);
	for (size_t r = 0; r < t->rows; r++) {
		for (size_t i = 0; i < nlabels; i++)
			fprintf(f, "%s,", label_values[i]);
		for (size_t k = 0; k < t->key_count; k++)
			fprintf(f, "%s%s", k ? "," : "", sim_table_key(t, r, k));
		for (size_t c = 0; c < t->value_count; c++)
			put_stats(f, t, r, c, column, bands);
		fputc('\n', f);
	}
	free(column);
	return sim_results_close_file(out, f, err);
}

void sim_table_set_bands(sim_table_set *set, bool on)
{
	set->bands = on;
}

int sim_table_set_write_labelled(const sim_table_set *set, sim_results *out,
				 const char *const *names, const char *const *values,
				 size_t n, sim_error *err)
{
	for (size_t i = 0; i < set->count; i++)
		if (write_table(set->tables[i], out, names, values, n, set->bands, err) != 0)
			return -1;
	return 0;
}

int sim_table_set_write(const sim_table_set *set, sim_results *out, sim_error *err)
{
	return sim_table_set_write_labelled(set, out, NULL, NULL, 0, err);
}

size_t sim_table_set_count(const sim_table_set *set) { return set->count; }
sim_table *sim_table_set_at(const sim_table_set *set, size_t i) { return set->tables[i]; }
const char *sim_table_file(const sim_table *t) { return t->file; }
size_t sim_table_key_count(const sim_table *t) { return t->key_count; }
size_t sim_table_value_count(const sim_table *t) { return t->value_count; }
const char *sim_table_key_name(const sim_table *t, size_t k) { return t->key_names[k]; }
const char *sim_table_value_name(const sim_table *t, size_t c) { return t->value_names[c]; }

/* The encoding: "SIMT1", the table count, then per table its file, key
   and value column names, row count, and each row's keys and values.
   Counts are uint64, strings a uint32 length then the bytes, values
   doubles (put_value). */
static const char encode_magic[5] = { 'S', 'I', 'M', 'T', '1' };

static void put_bytes(FILE *f, const void *p, size_t n)
{
	fwrite(p, 1, n, f);
}

static void put_count(FILE *f, uint64_t n)
{
	put_bytes(f, &n, sizeof n);
}

static void put_string(FILE *f, const char *s)
{
	uint32_t n = (uint32_t)strlen(s);
	put_bytes(f, &n, sizeof n);
	put_bytes(f, s, n);
}

/* A value as encoded: every NaN as the one quiet NaN, -0 as +0 (what a
   store keeps of them), so that the same rows give the same bytes. */
static void put_value(FILE *f, double v)
{
	double c = isnan(v) ? NAN : v == 0 ? 0.0 : v;
	put_bytes(f, &c, sizeof c);
}

static void encode_table(FILE *f, const sim_table *t)
{
	put_string(f, t->file);
	put_count(f, t->key_count);
	put_count(f, t->value_count);
	for (size_t k = 0; k < t->key_count; k++)
		put_string(f, t->key_names[k]);
	for (size_t c = 0; c < t->value_count; c++)
		put_string(f, t->value_names[c]);
	put_count(f, t->rows);
	for (size_t r = 0; r < t->rows; r++) {
		for (size_t k = 0; k < t->key_count; k++)
			put_string(f, sim_table_key(t, r, k));
		for (size_t c = 0; c < t->value_count; c++)
			put_value(f, t->values[r * t->value_count + c]);
	}
}

int sim_table_set_encode_some(const sim_table_set *set, const size_t *which, size_t n,
			      char **buf, size_t *len, sim_error *err)
{
	*buf = NULL;
	*len = 0;
	for (size_t i = 0; i < n; i++)
		if (which[i] >= set->count || set->tables[which[i]]->reps != 1)
			return sim_error_set(err, SIM_ERROR_RUNTIME,
					     which[i] < set->count ? set->tables[which[i]]->file
								   : NULL, 0, NULL,
					     "expected one replication to encode, found %zu",
					     which[i] < set->count ? set->tables[which[i]]->reps : 0);
	FILE *f = open_memstream(buf, len);
	if (!f)
		return oom(err);
	put_bytes(f, encode_magic, sizeof encode_magic);
	put_count(f, n);
	for (size_t i = 0; i < n; i++)
		encode_table(f, set->tables[which[i]]);
	if (ferror(f) | fclose(f)) {
		free(*buf);
		*buf = NULL;
		*len = 0;
		return oom(err);
	}
	return 0;
}

int sim_table_set_encode(const sim_table_set *set, char **buf, size_t *len,
			 sim_error *err)
{
	size_t *all = malloc((set->count + 1) * sizeof *all);
	if (!all) {
		*buf = NULL;
		*len = 0;
		return oom(err);
	}
	for (size_t i = 0; i < set->count; i++)
		all[i] = i;
	int rc = sim_table_set_encode_some(set, all, set->count, buf, len, err);
	free(all);
	return rc;
}

/* A cursor over an encoded buffer; every read checks the bounds. */
typedef struct reader {
	const char *p, *end;
	bool bad;
} reader;

static void get_bytes(reader *r, void *out, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		memset(out, 0, n);
		return;
	}
	memcpy(out, r->p, n);
	r->p += n;
}

static uint64_t get_count(reader *r)
{
	uint64_t n;
	get_bytes(r, &n, sizeof n);
	/* No table has 2^32 of anything; a larger count is a corrupt buffer. */
	if (n > UINT32_MAX)
		r->bad = true;
	return r->bad ? 0 : n;
}

/* A heap copy of the next string, or NULL (r->bad set) past the end. */
static char *get_string(reader *r)
{
	uint32_t n;
	get_bytes(r, &n, sizeof n);
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	char *s = malloc((size_t)n + 1);
	if (!s) {
		r->bad = true;
		return NULL;
	}
	memcpy(s, r->p, n);
	s[n] = '\0';
	r->p += n;
	return s;
}

static int decode_table(sim_table_set *set, reader *r, sim_error *err)
{
	char *file = get_string(r);
	size_t nk = get_count(r), nv = get_count(r);
	char **names = calloc(nk + nv + 1, sizeof *names);
	double *values = calloc(nv + 1, sizeof *values);
	int rc = -1;
	if (!names || !values)
		goto done;
	for (size_t i = 0; i < nk + nv; i++)
		names[i] = get_string(r);
	if (r->bad)
		goto done;
	sim_table *t = sim_table_begin(set, file, (const char *const *)names, nk,
				       (const char *const *)names + nk, nv, err);
	if (!t)
		goto done;
	size_t rows = get_count(r);
	for (size_t row = 0; row < rows && !r->bad; row++) {
		for (size_t k = 0; k < nk; k++) {
			free(names[k]);
			names[k] = get_string(r);
		}
		get_bytes(r, values, nv * sizeof *values);
		if (!r->bad && sim_table_add(t, (const char *const *)names, values, err) != 0)
			goto done;
	}
	rc = r->bad ? -1 : 0;
done:
	for (size_t i = 0; names && i < nk + nv; i++)
		free(names[i]);
	free(names);
	free(values);
	free(file);
	if (rc != 0 && err->kind == SIM_ERROR_NONE)
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
			      "a worker's results are truncated or corrupt");
	return rc;
}

int sim_table_set_decode(sim_table_set *set, const char *buf, size_t len, sim_error *err)
{
	reader r = { buf, buf + len, false };
	char magic[sizeof encode_magic];
	get_bytes(&r, magic, sizeof magic);
	size_t count = get_count(&r);
	if (r.bad || memcmp(magic, encode_magic, sizeof magic) != 0)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "a worker's results are not in the expected format");
	for (size_t i = 0; i < count; i++)
		if (decode_table(set, &r, err) != 0)
			return -1;
	/* Every table must end its replication where the model's would. */
	for (size_t i = 0; i < set->count; i++) {
		sim_table *t = set->tables[i];
		if (t->cursor != t->rows)
			return sim_error_set(err, SIM_ERROR_RUNTIME, t->file, 0, NULL,
					     "replication %zu has %zu rows, the first %zu",
					     t->reps - 1, t->cursor, t->rows);
	}
	return 0;
}

void sim_table_paired_stats(const double *a, const double *b, size_t n, double *work,
			    sim_paired_stats *out)
{
	double sd_a, sd_b, unused;
	sim_table_stats(a, n, &out->mean_a, &sd_a, &unused, &unused);
	sim_table_stats(b, n, &out->mean_b, &sd_b, &unused, &unused);
	for (size_t i = 0; i < n; i++)
		work[i] = b[i] - a[i];
	sim_table_stats(work, n, &out->diff_mean, &out->diff_sd, &out->diff_lo,
			&out->diff_hi);
	double independent = n > 1 ? sd_a * sd_a + sd_b * sd_b : NAN;
	double paired = out->diff_sd * out->diff_sd;
	out->sd_independent = sqrt(independent);
	out->variance_reduction = n < 2 ? NAN : paired > 0 ? independent / paired :
				  independent > 0 ? INFINITY : NAN;
}
