/* store_results.c - an analysis's derived tables in results.sqlite
   (output/result_table.h): `result_tables` lists them in order (name,
   title, column count) and `result_cells` holds their cells, the header
   as row -1. Written by the analysis that derived them, read by the
   report. */
#include "store.h"
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

static const char results_sql[] =
	"CREATE TABLE IF NOT EXISTS result_tables(position INTEGER PRIMARY KEY,"
	" name TEXT UNIQUE, title TEXT, columns INTEGER);"
	"CREATE TABLE IF NOT EXISTS result_cells(position INTEGER, row INTEGER,"
	" col INTEGER, value TEXT, PRIMARY KEY(position, row, col)) WITHOUT ROWID;";

/* Inserts table number pos's rows (header as row -1) with st. */
static int insert_cells(sim_store *s, sqlite3_stmt *st, long pos, const sim_result_table *t,
			sim_error *err)
{
	for (long i = -1; i < (long)t->nrows; i++)
		for (size_t j = 0; j < t->ncols; j++) {
			const char *v = i < 0 ? t->headers[j] : t->cells[(size_t)i * t->ncols + j];
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, pos);
			sqlite3_bind_int64(st, 2, i);
			sqlite3_bind_int64(st, 3, (sqlite3_int64)j);
			sqlite3_bind_text(st, 4, v, -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE)
				return sim__store_db_error(s, "cannot record a result table", err);
		}
	return 0;
}

int sim_store_set_result_tables(sim_store *s, const sim_result_table *tables, size_t n,
				sim_error *err)
{
	if (sim__store_exec(s, results_sql, err) != 0 ||
	    sim__store_exec(s, "BEGIN IMMEDIATE", err) != 0)
		return -1;
	sqlite3_stmt *table = NULL, *cell = NULL;
	int rc = sim__store_exec(s, "DELETE FROM result_cells; DELETE FROM result_tables", err) == 0 &&
				 sim__store_prepare(s, "INSERT INTO result_tables VALUES (?, ?, ?, ?)",
						    &table, err) == 0 &&
				 sim__store_prepare(s, "INSERT INTO result_cells VALUES (?, ?, ?, ?)",
						    &cell, err) == 0 ? 0 : -1;
	for (size_t k = 0; k < n && rc == 0; k++) {
		sqlite3_reset(table);
		sqlite3_bind_int64(table, 1, (sqlite3_int64)k);
		sqlite3_bind_text(table, 2, tables[k].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(table, 3, tables[k].title, -1, SQLITE_STATIC);
		sqlite3_bind_int64(table, 4, (sqlite3_int64)tables[k].ncols);
		rc = sqlite3_step(table) == SQLITE_DONE
			     ? insert_cells(s, cell, (long)k, &tables[k], err)
			     : sim__store_db_error(s, "cannot record a result table", err);
	}
	sqlite3_finalize(table);
	sqlite3_finalize(cell);
	if (rc != 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return sim__store_exec(s, "COMMIT", err);
}

/* Reads table number pos's cells into t (initialised with its headers). */
static int read_cells(sim_store *s, long pos, sim_result_table *t, sim_error *err)
{
	sqlite3_stmt *st;
	if (sim__store_prepare(s, "SELECT row, col, value FROM result_cells WHERE position = ?"
			       " ORDER BY row, col", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, pos);
	char **row = calloc(t->ncols + 1, sizeof *row);
	long current = -2;
	int step, rc = row ? 0 : sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		long r = (long)sqlite3_column_int64(st, 0);
		size_t c = (size_t)sqlite3_column_int64(st, 1);
		const char *v = (const char *)sqlite3_column_text(st, 2);
		if (r != current && current >= 0)
			rc = sim_result_table_add(t, (const char *const *)row, err);
		current = r;
		if (c < t->ncols) {
			char **slot = r < 0 ? &t->headers[c] : &row[c];
			free(*slot);
			*slot = strdup(v ? v : "");
		}
	}
	if (rc == 0 && current >= 0)
		rc = sim_result_table_add(t, (const char *const *)row, err);
	for (size_t j = 0; row && j < t->ncols; j++)
		free(row[j]);
	free(row);
	sqlite3_finalize(st);
	return rc;
}

int sim_store_result_tables(sim_store *s, sim_result_table **tables, size_t *n,
			    sim_error *err)
{
	*tables = NULL;
	*n = 0;
	if (sim__store_exec(s, results_sql, err) != 0)
		return -1;
	long long count = sim__store_query_count(s, "SELECT count(*) FROM result_tables WHERE ?1 = ?1",
						 0, err);
	sqlite3_stmt *st;
	if (count < 0 || sim__store_prepare(s, "SELECT position, name, title, columns FROM "
					    "result_tables ORDER BY position", &st, err) != 0)
		return -1;
	*tables = calloc((size_t)count + 1, sizeof **tables);
	int rc = *tables ? 0 : sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	while (rc == 0 && *n < (size_t)count && sqlite3_step(st) == SQLITE_ROW) {
		size_t ncols = (size_t)sqlite3_column_int64(st, 3);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		const char *title = (const char *)sqlite3_column_text(st, 2);
		const char **empty = calloc(ncols + 1, sizeof *empty);
		for (size_t j = 0; empty && j < ncols; j++)
			empty[j] = "";
		sim_result_table *t = &(*tables)[(*n)++];
		rc = empty ? sim_result_table_init(t, name ? name : "", title ? title : "", ncols,
						   empty, err)
			   : sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		free(empty);
		if (rc == 0)
			rc = read_cells(s, (long)sqlite3_column_int64(st, 0), t, err);
	}
	sqlite3_finalize(st);
	if (rc != 0) {
		sim_store_free_result_tables(*tables, *n);
		*tables = NULL;
		*n = 0;
	}
	return rc;
}

void sim_store_free_result_tables(sim_result_table *tables, size_t n)
{
	for (size_t k = 0; tables && k < n; k++)
		sim_result_table_free(&tables[k]);
	free(tables);
}

int sim_store_export_result_tables(const char *dir, const char *out_dir, sim_error *err)
{
	sim_store *s = sim_store_open_existing(dir, err);
	sim_result_table *t = NULL;
	size_t n = 0;
	int rc = s ? sim_store_result_tables(s, &t, &n, err) : -1;
	sim_store_close(s);
	sim_results *out = rc == 0 ? sim_results_open(out_dir ? out_dir : dir, err) : NULL;
	if (rc == 0 && !out)
		rc = -1;
	for (size_t k = 0; rc == 0 && k < n; k++)
		rc = sim_result_table_write_csv(&t[k], out, err);
	if (out && rc == 0)
		rc = sim_results_finish(out, err);
	else if (out)
		sim_results_abort(out);
	sim_store_free_result_tables(t, n);
	return rc;
}
