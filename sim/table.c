/* table.c - tidy result tables gathered over replications (include/sim_table.h). */
#include "sim_table.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

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
	double half = k > 1 ? gsl_cdf_tdist_Pinv(0.975, (double)(k - 1)) * *sd / sqrt((double)k)
			    : 0.0;
	*lo = m - half;
	*hi = m + half;
}

/* %.17g would make the CSVs unreadable; 10 significant digits keep a
   trillion-token week exact to the thousand. */
static void put_number(FILE *f, double v)
{
	if (isnan(v))
		fputs("nan", f);
	else
		fprintf(f, "%.10g", v);
}

static int write_table(const sim_table *t, sim_results *out, sim_error *err)
{
	FILE *f = sim_results_create(out, t->file, err);
	if (!f)
		return -1;
	double *column = malloc((t->reps ? t->reps : 1) * sizeof *column);
	if (!column) {
		sim_results_close_file(out, f, NULL);
		return oom(err);
	}
	for (size_t k = 0; k < t->key_count; k++)
		fprintf(f, "%s%s", k ? "," : "", t->key_names[k]);
	for (size_t c = 0; c < t->value_count; c++) {
		const char *n = t->value_names[c];
		fprintf(f, "%s%s_mean,%s_sd,%s_lo,%s_hi", t->key_count || c ? "," : "",
			n, n, n, n);
	}
	fputc('\n', f);
	for (size_t r = 0; r < t->rows; r++) {
		for (size_t k = 0; k < t->key_count; k++)
			fprintf(f, "%s%s", k ? "," : "", sim_table_key(t, r, k));
		for (size_t c = 0; c < t->value_count; c++) {
			for (size_t rep = 0; rep < t->reps; rep++)
				column[rep] = sim_table_value(t, rep, r, c);
			double s[4];
			sim_table_stats(column, t->reps, &s[0], &s[1], &s[2], &s[3]);
			for (int i = 0; i < 4; i++) {
				if (t->key_count || c || i)
					fputc(',', f);
				put_number(f, s[i]);
			}
		}
		fputc('\n', f);
	}
	free(column);
	return sim_results_close_file(out, f, err);
}

int sim_table_set_write(const sim_table_set *set, sim_results *out, sim_error *err)
{
	for (size_t i = 0; i < set->count; i++)
		if (write_table(set->tables[i], out, err) != 0)
			return -1;
	return 0;
}
