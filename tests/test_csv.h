/*
 * test_csv.h - reading the result CSVs in end-to-end suites: columns are
 * found by their header name, so a test does not depend on column order.
 */
#ifndef TEST_CSV_H
#define TEST_CSV_H

#include "test_util.h"

#include <stdlib.h>
#include <string.h>

typedef struct csv {
	size_t cols, rows;
	char **header;   /* header[cols] is the line the fields point into */
	char ***cell;    /* cell[row][col]; cell[row][cols] the line */
	const char *path;
} csv;

/* Splits one line in place at commas; a field may be double-quoted (""
   inside quotes is a quote). Returns the number of fields. */
static inline size_t csv_split(char *line, char **field, size_t max)
{
	size_t n = 0;
	char *p = line;
	for (;;) {
		char *start = p, *w = p;
		if (*p == '"') {
			start = w = ++p;
			while (*p && !(*p == '"' && p[1] != '"')) {
				if (*p == '"')
					p++;
				*w++ = *p++;
			}
			if (*p == '"')
				p++;
		} else {
			while (*p && *p != ',')
				w = ++p;
		}
		if (n < max)
			field[n] = start;
		n++;
		if (*p != ',') {
			*w = '\0';
			return n;
		}
		*w = '\0';
		p++;
	}
}

static inline void csv_free(csv *t)
{
	if (!t)
		return;
	for (size_t r = 0; r < t->rows; r++) {
		free(t->cell[r][t->cols]);
		free(t->cell[r]);
	}
	free(t->cell);
	if (t->header)
		free(t->header[t->cols]);
	free(t->header);
	free((char *)t->path);
	free(t);
}

/* Reads dir/name; fails the test if it is missing, empty or ragged. */
static inline csv *csv_load(const char *dir, const char *name)
{
	enum { MAX_FIELDS = 1024 };
	char path[512], buf[65536];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	csv *t = calloc(1, sizeof *t);
	assert_non_null(t);
	t->path = strdup(path);
	size_t cap = 0;
	char *field[MAX_FIELDS];
	while (fgets(buf, sizeof buf, f)) {
		size_t len = strcspn(buf, "\r\n");
		buf[len] = '\0';
		if (len == 0)
			continue;
		char *line = strdup(buf);
		size_t n = csv_split(line, field, MAX_FIELDS);
		if (n > MAX_FIELDS)
			fail_msg("%s: more than %d columns", path, MAX_FIELDS);
		char **row = malloc((n + 1) * sizeof *row);
		assert_non_null(row);
		memcpy(row, field, n * sizeof *row);
		row[n] = line;
		if (!t->header) {
			t->header = row;
			t->cols = n;
			continue;
		}
		if (n != t->cols)
			fail_msg("%s: row %zu has %zu fields, the header %zu", path, t->rows + 1, n,
				 t->cols);
		if (t->rows == cap) {
			cap = cap ? 2 * cap : 256;
			t->cell = realloc(t->cell, cap * sizeof *t->cell);
			assert_non_null(t->cell);
		}
		t->cell[t->rows++] = row;
	}
	fclose(f);
	if (!t->header || t->rows == 0)
		fail_msg("%s: no rows", path);
	return t;
}

static inline size_t csv_col(const csv *t, const char *name)
{
	for (size_t c = 0; c < t->cols; c++)
		if (strcmp(t->header[c], name) == 0)
			return c;
	fail_msg("%s: no column \"%s\"", t->path, name);
	return 0;
}

#endif
