/* store_rows.c - the result tables of results.sqlite: their layout and
   each replication's rows committed with its checksum (see store.h). */
#include "store.h"
#include "store_internal.h"
#include "checksum.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

/* Column names joined by newlines (names never hold one). */
static char *joined(const sim_table *t, bool keys)
{
	size_t n = keys ? sim_table_key_count(t) : sim_table_value_count(t), len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(keys ? sim_table_key_name(t, i) : sim_table_value_name(t, i)) + 1;
	char *s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(s, "\n");
		strcat(s, keys ? sim_table_key_name(t, i) : sim_table_value_name(t, i));
	}
	return s;
}

/* Whether text is an integer as SQLite writes one back ("%lld": no
   sign but '-', no leading zero, within 64 bits), so that an INTEGER
   column gives back exactly the key that went in; *v its value. */
static bool canonical_integer(const char *text, sqlite3_int64 *v)
{
	char *end, back[32];
	errno = 0;
	long long x = strtoll(text, &end, 10);
	if (!text[0] || *end || errno == ERANGE)
		return false;
	snprintf(back, sizeof back, "%lld", x);
	*v = (sqlite3_int64)x;
	return strcmp(back, text) == 0;
}

/* The key types of a table stored for the first time: INTEGER for a key
   column whose every value in these rows is a canonical integer (at
   least one row), TEXT otherwise. */
static void infer_key_types(sim__stored_table *e, const sim_table *t)
{
	size_t rows = sim_table_rows(t);
	for (size_t k = 0; k < e->key_count; k++) {
		bool integer = rows > 0;
		sqlite3_int64 unused;
		for (size_t r = 0; r < rows && integer; r++)
			integer = canonical_integer(sim_table_key(t, r, k), &unused);
		e->integer[k] = integer;
	}
}

/* The key types as `tables` records them: "INTEGER" or "TEXT" per key
   column, newline-joined (heap). */
static char *key_types_text(const sim__stored_table *e)
{
	char *text = malloc(8 * e->key_count + 1);
	if (!text)
		return NULL;
	text[0] = '\0';
	for (size_t k = 0; k < e->key_count; k++) {
		if (k)
			strcat(text, "\n");
		strcat(text, e->integer[k] ? "INTEGER" : "TEXT");
	}
	return text;
}

/* Sets e's key types from their record in `tables` (types, as
   key_types_text writes them). */
static int parse_key_types(sim_store *s, sim__stored_table *e, const char *types,
			   sim_error *err)
{
	for (size_t k = 0; k < e->key_count; k++) {
		size_t n = strcspn(types, "\n");
		if (n == 7 && strncmp(types, "INTEGER", 7) == 0)
			e->integer[k] = true;
		else if (n == 4 && strncmp(types, "TEXT", 4) == 0)
			e->integer[k] = false;
		else
			return sim_error_set(err, SIM_ERROR_RUNTIME, s->path, 0, NULL,
					     "table %s: its key types are not recorded as "
					     "expected (the file was changed or damaged)", e->file);
		types += n + (types[n] == '\n');
	}
	return types[0] ? sim_error_set(err, SIM_ERROR_RUNTIME, s->path, 0, NULL,
					"table %s: more key types than key columns (the file "
					"was changed or damaged)", e->file) : 0;
}

/* Whether the database already describes table e (a resumed sweep):
   *known, and then its columns must be e's, whose key types it sets. */
static int check_known_columns(sim_store *s, sim__stored_table *e, bool *known,
			       sim_error *err)
{
	sqlite3_stmt *st = NULL;
	if (sim__store_prepare(s, "SELECT key_columns, value_columns, key_types FROM tables"
			       " WHERE file = ?", &st, err) != 0)
		return -1;
	sqlite3_bind_text(st, 1, e->file, -1, SQLITE_STATIC);
	*known = sqlite3_step(st) == SQLITE_ROW;
	int rc = 0;
	const char *keys = *known ? (const char *)sqlite3_column_text(st, 0) : NULL;
	const char *vals = *known ? (const char *)sqlite3_column_text(st, 1) : NULL;
	const char *types = *known ? (const char *)sqlite3_column_text(st, 2) : NULL;
	if (*known && (strcmp(keys ? keys : "", e->keys) != 0 ||
		       strcmp(vals ? vals : "", e->vals) != 0))
		rc = sim_error_set(err, SIM_ERROR_RUNTIME, s->path, 0, NULL,
				   "table %s has other columns than the stored one", e->file);
	else if (*known)
		rc = parse_key_types(s, e, types ? types : "", err);
	sqlite3_finalize(st);
	return rc;
}

/* The SQL of table e (columns as t's): its CREATE TABLE, its INSERT and
   the view NAME_rows that joins every row with its experiment, point,
   parameters, replication and seed. sqlite3_malloc'ed; NULL when out of
   memory. */
typedef struct table_sql {
	char *create, *insert, *view;
} table_sql;

static void table_sql_free(table_sql *q)
{
	sqlite3_free(q->create);
	sqlite3_free(q->insert);
	sqlite3_free(q->view);
}

/* Appends to *text (sqlite3 printf format with one %s for the old text);
   *text NULL stays NULL. */
static void append(char **text, const char *fmt, const char *arg)
{
	char *grown = *text ? sqlite3_mprintf(fmt, *text, arg) : NULL;
	sqlite3_free(*text);
	*text = grown;
}

static int table_sql_build(table_sql *q, const sim__stored_table *e, const sim_table *t)
{
	q->create = sqlite3_mprintf("CREATE TABLE IF NOT EXISTS \"%w\"(point INTEGER,"
				    " replication INTEGER, row INTEGER", e->sql);
	q->insert = sqlite3_mprintf("INSERT INTO \"%w\" VALUES (?, ?, ?", e->sql);
	q->view = sqlite3_mprintf("CREATE VIEW IF NOT EXISTS \"%w_rows\" AS SELECT"
				  " (SELECT value FROM experiment WHERE key = 'name') AS"
				  " experiment, p.*, r.replication, r.seed, r.stream_key, t.row",
				  e->sql);
	for (size_t i = 0; i < e->key_count + e->value_count; i++) {
		bool key = i < e->key_count;
		const char *c = key ? sim_table_key_name(t, i) : sim_table_value_name(t, i - e->key_count);
		append(&q->create, !key ? "%s, \"%w\" REAL" : e->integer[i] ? "%s, \"%w\" INTEGER"
								      : "%s, \"%w\" TEXT", c);
		append(&q->insert, "%s, ?%s", "");
		append(&q->view, "%s, t.\"%w\"", c);
	}
	append(&q->create, "%s, PRIMARY KEY(point, replication, row)) WITHOUT ROWID;%s", "");
	append(&q->insert, "%s)%s", "");
	append(&q->view, "%s FROM \"%w\" t JOIN runs r USING (point, replication)"
			 " JOIN points p USING (point);", e->sql);
	return q->create && q->insert && q->view ? 0 : -1;
}

/* Notes table e in the database's list of tables. */
static int record_table(sim_store *s, const sim__stored_table *e, sim_error *err)
{
	sqlite3_stmt *st = NULL;
	char *types = key_types_text(e);
	if (!types)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	int rc = sim__store_prepare(s, "INSERT INTO tables(file, sql_name, key_columns,"
				    " value_columns, key_types) VALUES (?, ?, ?, ?, ?)", &st, err);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, e->file, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, e->sql, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, e->keys, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, e->vals, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, types, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = sim__store_db_error(s, "cannot record a table", err);
	}
	sqlite3_finalize(st);
	free(types);
	return rc;
}

/* Creates table e in the database (when new, its key types from t's
   rows) and prepares its insert. */
static int open_table(sim_store *s, sim__stored_table *e, const sim_table *t, sim_error *err)
{
	table_sql q = { 0 };
	bool known = false;
	if (check_known_columns(s, e, &known, err) != 0)
		return -1;
	if (!known)
		infer_key_types(e, t);
	int rc = -1;
	if (table_sql_build(&q, e, t) != 0)
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	else if (sim__store_exec(s, q.create, err) == 0 && sim__store_exec(s, q.view, err) == 0 &&
		 sim__store_prepare(s, q.insert, &e->insert, err) == 0)
		rc = known ? 0 : record_table(s, e, err);
	table_sql_free(&q);
	return rc;
}

/* Whether t has the columns of the cached table e. */
static int check_cached_columns(sim_store *s, const sim__stored_table *e, const sim_table *t,
				sim_error *err)
{
	char *keys = joined(t, true), *vals = joined(t, false);
	int rc = 0;
	if (!keys || !vals)
		rc = sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	else if (strcmp(keys, e->keys) != 0 || strcmp(vals, e->vals) != 0)
		rc = sim_error_set(err, SIM_ERROR_RUNTIME, s->path, 0, NULL,
				   "table %s has other columns than the stored one", e->file);
	free(keys);
	free(vals);
	return rc;
}

/* The stored table for t's file: known already, or created now. */
static sim__stored_table *table_for(sim_store *s, const sim_table *t, sim_error *err)
{
	const char *file = sim_table_file(t);
	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->tables[i].file, file) == 0)
			return check_cached_columns(s, &s->tables[i], t, err) == 0 ? &s->tables[i]
										: NULL;
	if (s->count == s->capacity) {
		size_t cap = s->capacity ? 2 * s->capacity : 8;
		sim__stored_table *grown = realloc(s->tables, cap * sizeof *grown);
		if (!grown) {
			sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
			return NULL;
		}
		s->tables = grown;
		s->capacity = cap;
	}
	sim__stored_table *e = &s->tables[s->count];
	memset(e, 0, sizeof *e);
	e->file = strdup(file);
	e->sql = sim__store_sql_name(file);
	e->keys = joined(t, true);
	e->vals = joined(t, false);
	e->key_count = sim_table_key_count(t);
	e->value_count = sim_table_value_count(t);
	e->integer = calloc(e->key_count + 1, sizeof *e->integer);
	if (!e->file || !e->sql || !e->keys || !e->vals || !e->integer) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		sim__store_free_table(e);
		return NULL;
	}
	if (open_table(s, e, t, err) != 0) {
		sim__store_free_table(e);
		return NULL;
	}
	s->count++;
	return e;
}

/* Binds row r's keys of t to e's insert from column *c on: an INTEGER
   column's as integers (an error when one is not), a TEXT column's as
   text. */
static int bind_keys(sim_store *s, const sim__stored_table *e, const sim_table *t, size_t r,
		     int *c, sim_error *err)
{
	for (size_t k = 0; k < e->key_count; k++, (*c)++) {
		const char *key = sim_table_key(t, r, k);
		sqlite3_int64 v;
		if (!e->integer[k])
			sqlite3_bind_text(e->insert, *c, key, -1, SQLITE_STATIC);
		else if (canonical_integer(key, &v))
			sqlite3_bind_int64(e->insert, *c, v);
		else
			return sim_error_set(err, SIM_ERROR_RUNTIME, s->path, 0, NULL,
					     "table %s: key column %s is INTEGER (every value of "
					     "the replication first stored was an integer), but row "
					     "%zu holds \"%s\"", e->file, sim_table_key_name(t, k), r,
					     key);
	}
	return 0;
}

static int insert_rows(sim_store *s, const sim_table *t, size_t point, uint64_t rep,
		       sim_error *err)
{
	sim__stored_table *e = table_for(s, t, err);
	if (!e)
		return -1;
	for (size_t r = 0; r < sim_table_rows(t); r++) {
		sqlite3_reset(e->insert);
		sqlite3_bind_int64(e->insert, 1, (sqlite3_int64)point);
		sqlite3_bind_int64(e->insert, 2, (sqlite3_int64)rep);
		sqlite3_bind_int64(e->insert, 3, (sqlite3_int64)r);
		int c = 4;
		if (bind_keys(s, e, t, r, &c, err) != 0)
			return -1;
		for (size_t v = 0; v < e->value_count; v++)
			sim__store_bind_number(e->insert, c++, sim_table_value(t, 0, r, v));
		if (sqlite3_step(e->insert) != SQLITE_DONE)
			return sim__store_db_error(s, "cannot store a row", err);
	}
	sqlite3_reset(e->insert);
	return 0;
}

/* Removes the rows a (point, replication) left in the result tables
   without its entry in `runs`: a replication someone deleted from `runs`
   to have --resume run it again. */
static int clear_orphans(sim_store *s, size_t point, uint64_t rep, sim_error *err)
{
	size_t n;
	sim__table_row *rec = sim__store_recorded(s, &n, err);
	int rc = rec ? 0 : -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *sql = sqlite3_mprintf("DELETE FROM \"%w\" WHERE point = ? AND replication = ?",
					    rec[i].sql);
		sqlite3_stmt *st = NULL;
		if (!sql)
			rc = sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		else if ((rc = sim__store_prepare(s, sql, &st, err)) == 0) {
			sqlite3_bind_int64(st, 1, (sqlite3_int64)point);
			sqlite3_bind_int64(st, 2, (sqlite3_int64)rep);
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = sim__store_db_error(s, "cannot store a replication", err);
		}
		sqlite3_finalize(st);
		sqlite3_free(sql);
	}
	sim__store_free_recorded(rec, n);
	return rc;
}

int sim_store_commit(sim_store *s, size_t point, uint64_t replication, uint64_t seed,
		     uint64_t stream_key, uint64_t events, const char *notes,
		     const sim_table_set *rows, sim_error *err)
{
	if (sim__store_exec(s, "BEGIN IMMEDIATE", err) != 0)
		return -1;
	uint64_t crc;
	if (clear_orphans(s, point, replication, err) != 0)
		goto rollback;
	for (size_t i = 0; i < sim_table_set_count(rows); i++)
		if (insert_rows(s, sim_table_set_at(rows, i), point, replication, err) != 0)
			goto rollback;
	sqlite3_stmt *st;
	if (sim_store_checksum(s, rows, &crc, err) != 0 ||
	    sim__store_prepare(s, "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)", &st, err) != 0)
		goto rollback;
	char key[32], sum[17];
	snprintf(key, sizeof key, "%016llx", (unsigned long long)stream_key);
	sim_crc64_text(crc, sum);
	sqlite3_bind_text(st, 7, sum, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)point);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)replication);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seed);
	sqlite3_bind_text(st, 4, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)events);
	sqlite3_bind_text(st, 6, notes ? notes : "", -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sim__store_db_error(s, "cannot record a replication", err);
		goto rollback;
	}
	return sim__store_exec(s, "COMMIT", err);
rollback:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	/* The rollback may have removed a table this commit created. */
	sim__store_forget_tables(s);
	return -1;
}
