/*
 * test_db.h - the contents of a results.sqlite, as text that compares
 * equal exactly when two databases hold the same rows: every table, by
 * name, each row in the order of all its columns; all but `provenance`,
 * which records when and how the results were made (sim/output/store.h)
 * and so differs between two runs of the same experiment.
 */
#ifndef TEST_DB_H
#define TEST_DB_H

#include "test_util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Replications stored so far in dir/results.sqlite, read while another
   process may be writing it; 0 while it does not exist yet. */
static inline long long test_db_stored(const char *dir)
{
	char db[512];
	snprintf(db, sizeof db, "%s/results.sqlite", dir);
	struct stat st_db;
	if (stat(db, &st_db) != 0)
		return 0;
	sqlite3 *h;
	sqlite3_stmt *st;
	long long n = 0;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, "SELECT count(*) FROM runs", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return n;
}

/* Appends table `name`'s rows, ordered by every column, to f. */
static inline void test_db_dump_table(sqlite3 *db, const char *name, FILE *f)
{
	char *probe = sqlite3_mprintf("SELECT * FROM \"%w\" LIMIT 0", name);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, probe, -1, &st, NULL), SQLITE_OK);
	int n = sqlite3_column_count(st);
	sqlite3_finalize(st);
	sqlite3_free(probe);
	char *sql = sqlite3_mprintf("SELECT * FROM \"%w\" ORDER BY 1", name);
	for (int c = 2; c <= n; c++) {
		char *next = sqlite3_mprintf("%s, %d", sql, c);
		sqlite3_free(sql);
		sql = next;
	}
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	fprintf(f, "== %s\n", name);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int c = 0; c < n; c++) {
			/* %.17g: equal text means equal doubles. */
			if (sqlite3_column_type(st, c) == SQLITE_FLOAT)
				fprintf(f, "%s%.17g", c ? "|" : "", sqlite3_column_double(st, c));
			else
				fprintf(f, "%s%s", c ? "|" : "",
					sqlite3_column_type(st, c) == SQLITE_NULL ? "NULL" :
					(const char *)sqlite3_column_text(st, c));
		}
		fputc('\n', f);
	}
	sqlite3_finalize(st);
	sqlite3_free(sql);
}

/* The whole database at path as text (heap); fails the test when it
   cannot be read. */
static inline char *test_db_dump(const char *path)
{
	sqlite3 *db;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		fail_msg("cannot open %s", path);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE "
					    "type = 'table' AND name <> 'provenance' ORDER BY name", -1, &st, NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		test_db_dump_table(db, (const char *)sqlite3_column_text(st, 0), f);
	sqlite3_finalize(st);
	sqlite3_close(db);
	fclose(f);
	return text;
}

/* Fails unless the two databases hold the same rows. */
static inline void test_same_db(const char *a, const char *b)
{
	char *x = test_db_dump(a), *y = test_db_dump(b);
	if (strcmp(x, y) != 0)
		fail_msg("%s and %s hold different rows", a, b);
	free(x);
	free(y);
}

/* The single integer `sql` returns on the database at path. */
static inline long long test_db_count(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		fail_msg("cannot open %s", path);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

#endif
