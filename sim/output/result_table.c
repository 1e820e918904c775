/* result_table.c - derived results as tables of text (see result_table.h). */
#include "result_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int oom(sim_error *err)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
}

int sim_result_table_init(sim_result_table *t, const char *name, const char *title,
			  size_t ncols, const char *const *headers, sim_error *err)
{
	memset(t, 0, sizeof *t);
	t->name = strdup(name);
	t->title = strdup(title);
	t->headers = calloc(ncols + 1, sizeof *t->headers);
	if (!t->name || !t->title || !t->headers)
		return oom(err);
	t->ncols = ncols;
	for (size_t j = 0; j < ncols; j++)
		if (!(t->headers[j] = strdup(headers[j])))
			return oom(err);
	return 0;
}

void sim_result_table_free(sim_result_table *t)
{
	for (size_t j = 0; t->headers && j < t->ncols; j++)
		free(t->headers[j]);
	for (size_t k = 0; k < t->nrows * t->ncols; k++)
		free(t->cells[k]);
	free(t->headers);
	free(t->cells);
	free(t->name);
	free(t->title);
	memset(t, 0, sizeof *t);
}

int sim_result_table_add(sim_result_table *t, const char *const *cells, sim_error *err)
{
	if (t->nrows == t->capacity) {
		size_t cap = t->capacity ? 2 * t->capacity : 16;
		char **c = realloc(t->cells, cap * (t->ncols ? t->ncols : 1) * sizeof *c);
		if (!c)
			return oom(err);
		t->cells = c;
		t->capacity = cap;
	}
	char **row = t->cells + t->nrows * t->ncols;
	for (size_t j = 0; j < t->ncols; j++) {
		if (!(row[j] = strdup(cells[j] ? cells[j] : ""))) {
			while (j-- > 0)
				free(row[j]);
			return oom(err);
		}
	}
	t->nrows++;
	return 0;
}

const char *sim_result_table_number(char *buf, double x)
{
	if (isnan(x))
		strcpy(buf, "nan");
	else
		snprintf(buf, 32, "%.10g", x);
	return buf;
}

void sim_result_table_put_field(FILE *f, const char *s)
{
	if (!s[strcspn(s, ",\"\r\n")]) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int sim_result_table_write_csv(const sim_result_table *t, sim_results *out, sim_error *err)
{
	FILE *f = sim_results_create(out, t->name, err);
	if (!f)
		return -1;
	for (size_t j = 0; j < t->ncols; j++) {
		fputs(j ? "," : "", f);
		sim_result_table_put_field(f, t->headers[j]);
	}
	fputc('\n', f);
	for (size_t i = 0; i < t->nrows; i++) {
		for (size_t j = 0; j < t->ncols; j++) {
			fputs(j ? "," : "", f);
			sim_result_table_put_field(f, t->cells[i * t->ncols + j]);
		}
		fputc('\n', f);
	}
	return sim_results_close_file(out, f, err);
}
