/*
 * result_table.h - a derived result as a small table of text cells: an
 * analysis's optimum, its fitted settings and their standard errors,
 * sensitivity indices, an equilibrium's rounds. One table is written
 * three ways from the same cells: a CSV file of the results directory,
 * rows of the store's table `result_tables` (output/store.h), and a
 * table of report.html, which reads them back from the store.
 *
 * Cells are text as the CSV shows them (numbers in %.10g by
 * sim_result_table_number), so the three agree exactly.
 */
#ifndef SIM_OUTPUT_RESULT_TABLE_H
#define SIM_OUTPUT_RESULT_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "sim_error.h"
#include "sim_results.h"

typedef struct sim_result_table {
	char *name;        /* the CSV's file name, "optimum.csv" */
	char *title;       /* what the report calls it */
	size_t ncols, nrows, capacity;
	char **headers;    /* ncols */
	char **cells;      /* nrows x ncols */
} sim_result_table;

/* A table with the columns headers[0, ncols) and no rows. 0, or -1 with
   err (out of memory); t is then empty (free is still safe). */
int sim_result_table_init(sim_result_table *t, const char *name, const char *title,
			  size_t ncols, const char *const *headers, sim_error *err);
void sim_result_table_free(sim_result_table *t);
/* Appends a row of ncols cells. 0, or -1 with err. */
int sim_result_table_add(sim_result_table *t, const char *const *cells, sim_error *err);
/* x as a cell: "%.10g", "nan" for NaN. buf holds at least 32 bytes. */
const char *sim_result_table_number(char *buf, double x);
/* One CSV field to f: as it is, or quoted (quotes doubled) when it holds
   a comma, a quote or a line break (RFC 4180). */
void sim_result_table_put_field(FILE *f, const char *s);
/* Writes t as out/t->name (CSV, cells quoted when they hold a comma or a
   quote). 0, or -1 with err. */
int sim_result_table_write_csv(const sim_result_table *t, sim_results *out, sim_error *err);

#endif
