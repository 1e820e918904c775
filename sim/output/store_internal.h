/*
 * store_internal.h - what the two halves of the store share: the handle
 * and the SQL helpers of store.c (opening, the experiment, points, runs,
 * failures, validation, provenance), used by store_rows.c (the result
 * tables: their layout and commits) and store_read.c (replications read
 * back and checked, the export, single values). store_rows.c calls
 * store_read.c and store.c, store_read.c calls store.c, never the
 * reverse.
 */
#ifndef SIM_OUTPUT_STORE_INTERNAL_H
#define SIM_OUTPUT_STORE_INTERNAL_H

#include <math.h>
#include <stdbool.h>

#include <sqlite3.h>

#include "store.h"

/* A table this handle has stored rows of: its SQL name, its columns
   (newline-joined, as `tables` records them), whether each key column is
   INTEGER (else TEXT), and the insert statement, prepared once. The
   handle's cache of what the database holds: every commit checks its
   tables' columns against it, and a rolled-back commit empties it (the
   rollback may have removed a table it created). */
typedef struct sim__stored_table {
	char *file, *sql;
	char *keys, *vals;
	size_t key_count, value_count;
	bool *integer;
	sqlite3_stmt *insert;
} sim__stored_table;

struct sim_store {
	sqlite3 *db;
	char *path;
	size_t count, capacity;
	sim__stored_table *tables;
	/* Which replications this handle has read and found to match their
	   checksums: checked[point][replication], checked_len[point] long. */
	bool **checked;
	size_t *checked_len;
	size_t checked_points;
};

/* A table as `tables` records it (store_read.c): file, SQL name, column
   names, position (the order of the tables in a replication). */
typedef struct sim__table_row {
	char *file, *sql;
	char **keys, **vals;
	size_t nk, nv;
	long long position;
} sim__table_row;

/* The tables recorded, in position order: a heap array (free with
   sim__store_free_recorded), *n long; NULL with err. */
sim__table_row *sim__store_recorded(sim_store *s, size_t *n, sim_error *err);
void sim__store_free_recorded(sim__table_row *t, size_t n);
/* The checksum of one replication's rows (see sim_store_checksum), with
   the store's tables rec[0, nrec) given. */
int sim__store_checksum_of(const sim__table_row *rec, size_t nrec, const sim_table_set *rows,
			   uint64_t *crc, sim_error *err);

/* Fills err with what SQLite said about the last call; returns -1. */
int sim__store_db_error(sim_store *s, const char *what, sim_error *err);
/* Runs sql (several statements allowed); 0, or -1 with err. */
int sim__store_exec(sim_store *s, const char *sql, sim_error *err);
/* Prepares sql into *st; 0, or -1 with err (*st NULL). */
int sim__store_prepare(sim_store *s, const char *sql, sqlite3_stmt **st, sim_error *err);
/* The single integer sql returns with ?1 bound to a, or -1 with err. */
long long sim__store_query_count(sim_store *s, const char *sql, long long a, sim_error *err);
/* The SQL table of a result file: "models_weekly.csv" -> models_weekly (heap). */
char *sim__store_sql_name(const char *file);
void sim__store_free_table(sim__stored_table *t);
/* Empties the handle's cache of tables: the next commit learns them
   again from the database. */
void sim__store_forget_tables(sim_store *s);

/* SQLite stores NaN as NULL; read back, NULL is NaN. */
static inline void sim__store_bind_number(sqlite3_stmt *st, int c, double x)
{
	if (isnan(x))
		sqlite3_bind_null(st, c);
	else
		sqlite3_bind_double(st, c, x);
}

static inline double sim__store_column_number(sqlite3_stmt *st, int c)
{
	return sqlite3_column_type(st, c) == SQLITE_NULL ? NAN : sqlite3_column_double(st, c);
}

#endif
