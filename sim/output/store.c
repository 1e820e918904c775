/* store.c - a sweep's results in SQLite (see store.h). */
#include "store.h"
#include "sim_results.h"
#include "sim_validation.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

/* A table this handle has stored rows of: its SQL name, its columns
   (newline-joined, as `tables` records them) and the insert statement,
   prepared once. The handle's cache of what the database holds: every
   commit checks its tables' columns against it, and a rolled-back commit
   empties it (the rollback may have removed a table it created). */
typedef struct stored_table {
	char *file, *sql;
	char *keys, *vals;
	size_t key_count, value_count;
	sqlite3_stmt *insert;
} stored_table;

struct sim_store {
	sqlite3 *db;
	char *path;
	size_t count, capacity;
	stored_table *tables;
};

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS experiment(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS tables(position INTEGER PRIMARY KEY, file TEXT UNIQUE,"
	" sql_name TEXT UNIQUE, key_columns TEXT, value_columns TEXT);"
	"CREATE TABLE IF NOT EXISTS runs(point INTEGER, replication INTEGER, seed INTEGER,"
	" stream_key TEXT, events INTEGER, notes TEXT, PRIMARY KEY(point, replication))"
	" WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS failures(point INTEGER, replication INTEGER,"
	" seed INTEGER, error TEXT, PRIMARY KEY(point, replication)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS completed(point INTEGER PRIMARY KEY, replications INTEGER,"
	" rule TEXT);"
	"CREATE TABLE IF NOT EXISTS validation(position INTEGER PRIMARY KEY, target TEXT,"
	" week INTEGER, week_start TEXT, mean REAL, lo REAL, hi REAL, value REAL, mode TEXT,"
	" tolerance REAL, pass INTEGER);"
	"CREATE TABLE IF NOT EXISTS provenance(position INTEGER PRIMARY KEY, key TEXT UNIQUE,"
	" value TEXT);";

static int db_error(sim_store *s, const char *what, sim_error *err)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, s->path, 0, NULL, "%s: %s", what,
			     sqlite3_errmsg(s->db));
}

static int exec(sim_store *s, const char *sql, sim_error *err)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	sim_error_set(err, SIM_ERROR_RUNTIME, s->path, 0, NULL, "%s", msg ? msg : "error");
	sqlite3_free(msg);
	return -1;
}

static int prepare(sim_store *s, const char *sql, sqlite3_stmt **st, sim_error *err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) == SQLITE_OK)
		return 0;
	*st = NULL;
	return db_error(s, "cannot prepare a query", err);
}

/* The SQL table of a result file: "models_weekly.csv" -> models_weekly. */
static char *sql_name(const char *file)
{
	size_t n = strlen(file);
	if (n > 4 && strcmp(file + n - 4, ".csv") == 0)
		n -= 4;
	char *s = malloc(n + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		s[i] = (file[i] >= 'a' && file[i] <= 'z') || (file[i] >= 'A' && file[i] <= 'Z') ||
		       (file[i] >= '0' && file[i] <= '9') ? file[i] : '_';
	s[n] = '\0';
	return s;
}

static void free_table(stored_table *t)
{
	sqlite3_finalize(t->insert);
	free(t->file);
	free(t->sql);
	free(t->keys);
	free(t->vals);
}

/* Empties the handle's cache of tables: the next commit learns them
   again from the database. */
static void forget_tables(sim_store *s)
{
	for (size_t i = 0; i < s->count; i++)
		free_table(&s->tables[i]);
	s->count = 0;
}

void sim_store_close(sim_store *s)
{
	if (!s)
		return;
	forget_tables(s);
	free(s->tables);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

/* The database's file and SQLite's companions, removed together. */
static const char *const store_files[] = { SIM_STORE_FILE, SIM_STORE_FILE "-wal",
					   SIM_STORE_FILE "-shm", SIM_STORE_FILE "-journal" };

bool sim_store_exists(const char *dir)
{
	char *path = sim_results_path(dir, SIM_STORE_FILE);
	bool there = path && access(path, F_OK) == 0;
	free(path);
	return there;
}

void sim_store_remove(const char *dir)
{
	for (size_t i = 0; i < sizeof store_files / sizeof store_files[0]; i++) {
		char *path = sim_results_path(dir, store_files[i]);
		if (path)
			unlink(path);
		free(path);
	}
}

/* Whether the database holds the tables marketsim writes (a file that
   SQLite takes for an empty database, such as a 0-byte one, does not):
   1 yes, 0 no, -1 with err when it cannot be read. Reads only. */
static int holds_results(sim_store *s, sim_error *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
			       " AND name IN ('experiment', 'tables', 'runs')", -1, &st,
			       NULL) != SQLITE_OK)
		return db_error(s, "cannot open the results database", err);
	int rc = sqlite3_step(st);
	int n = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (n < 0)
		return db_error(s, "cannot open the results database", err);
	return n == 3;
}

/* Opens the database file; `existing`: it must already be a results
   database, which is then not written to before that is known. */
static sim_store *open_store(const char *dir, bool fresh, bool existing, sim_error *err)
{
	sim_store *s = calloc(1, sizeof *s);
	if (!s || !(s->path = sim_results_path(dir, SIM_STORE_FILE))) {
		free(s);
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		return NULL;
	}
	if (fresh)
		sim_store_remove(dir);
	int flags = SQLITE_OPEN_READWRITE | (existing ? 0 : SQLITE_OPEN_CREATE);
	if (sqlite3_open_v2(s->path, &s->db, flags, NULL) != SQLITE_OK) {
		db_error(s, "cannot open the results database", err);
		sim_store_close(s);
		return NULL;
	}
	/* The busy timeout covers a reader such as `plot`. */
	sqlite3_busy_timeout(s->db, 10000);
	int holds = existing ? holds_results(s, err) : 1;
	if (holds == 0)
		sim_error_set(err, SIM_ERROR_RUNTIME, s->path, 0, NULL,
			      "not a results database (it holds none of the tables a run or "
			      "sweep writes)");
	/* WAL with FULL sync: a commit is on disk when it returns, so a
	   replication is either wholly stored or not at all, even after a
	   power loss. */
	if (holds != 1 || exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", err) != 0 ||
	    exec(s, schema_sql, err) != 0) {
		sim_store_close(s);
		return NULL;
	}
	return s;
}

sim_store *sim_store_open(const char *dir, bool fresh, sim_error *err)
{
	return open_store(dir, fresh, false, err);
}

sim_store *sim_store_open_existing(const char *dir, sim_error *err)
{
	if (!sim_store_exists(dir)) {
		sim_error_set(err, SIM_ERROR_CONFIG, dir, 0, NULL,
			      "no results database here (a run or sweep writes "
			      SIM_STORE_FILE ")");
		return NULL;
	}
	return open_store(dir, false, true, err);
}

const char *sim_store_path(const sim_store *s)
{
	return s->path;
}

int sim_store_complete(sim_store *s, size_t point, size_t replications, const char *rule,
		       sim_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, "INSERT OR REPLACE INTO completed VALUES (?, ?, ?)", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)point);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)replications);
	sqlite3_bind_text(st, 3, rule ? rule : "", -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_error(s, "cannot write", err);
	sqlite3_finalize(st);
	return rc;
}

long sim_store_completed(sim_store *s, size_t point, char **rule, sim_error *err)
{
	sqlite3_stmt *st;
	*rule = NULL;
	if (prepare(s, "SELECT replications, rule FROM completed WHERE point = ?", &st, err) != 0)
		return -2;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)point);
	long n = -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		n = (long)sqlite3_column_int64(st, 0);
		const char *r = (const char *)sqlite3_column_text(st, 1);
		*rule = strdup(r ? r : "");
	} else if (rc != SQLITE_DONE) {
		n = -2;
		db_error(s, "cannot read", err);
	}
	if (n >= -1 && !*rule && !(*rule = strdup(""))) {
		n = -2;
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	}
	sqlite3_finalize(st);
	return n;
}

char *sim_store_meta(sim_store *s, const char *key, sim_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, "SELECT value FROM experiment WHERE key = ?", &st, err) != 0)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	char *value = NULL;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		value = strdup(v ? v : "");
		if (!value)
			sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	} else if (rc != SQLITE_DONE) {
		db_error(s, "cannot read the experiment", err);
	}
	sqlite3_finalize(st);
	return value;
}

int sim_store_set_meta(sim_store *s, const char *key, const char *value, sim_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, "INSERT OR REPLACE INTO experiment(key, value) VALUES (?, ?)", &st,
		    err) != 0)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_error(s, "cannot write", err);
	sqlite3_finalize(st);
	return rc;
}

int sim_store_set_points(sim_store *s, size_t npoints, size_t nparams,
			 const char *const *names, const char *const *paths,
			 const bool *numbers, const char *const *values, sim_error *err)
{
	char *sql = sqlite3_mprintf("CREATE TABLE points(point INTEGER PRIMARY KEY, point_name TEXT");
	for (size_t j = 0; sql && j < nparams; j++) {
		char *next = sqlite3_mprintf("%s, \"%w\"", sql, paths[j]);
		sqlite3_free(sql);
		sql = next;
	}
	char *ins = sqlite3_mprintf("INSERT INTO points VALUES (?, ?");
	for (size_t j = 0; ins && j < nparams; j++) {
		char *next = sqlite3_mprintf("%s, ?", ins);
		sqlite3_free(ins);
		ins = next;
	}
	char *create = sql ? sqlite3_mprintf("%s);", sql) : NULL;
	char *insert = ins ? sqlite3_mprintf("%s)", ins) : NULL;
	sqlite3_free(sql);
	sqlite3_free(ins);
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (!create || !insert) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		goto done;
	}
	if (exec(s, "BEGIN", err) != 0)
		goto done;
	if (exec(s, create, err) != 0 || prepare(s, insert, &st, err) != 0)
		goto rollback;
	for (size_t i = 0; i < npoints; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
		sqlite3_bind_text(st, 2, names[i], -1, SQLITE_STATIC);
		for (size_t j = 0; j < nparams; j++) {
			const char *v = values[i * nparams + j];
			if (numbers[j])
				sqlite3_bind_double(st, (int)j + 3, strtod(v, NULL));
			else
				sqlite3_bind_text(st, (int)j + 3, v, -1, SQLITE_STATIC);
		}
		if (sqlite3_step(st) != SQLITE_DONE) {
			db_error(s, "cannot record the points", err);
			goto rollback;
		}
	}
	rc = exec(s, "COMMIT", err);
	goto done;
rollback:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
done:
	sqlite3_finalize(st);
	sqlite3_free(create);
	sqlite3_free(insert);
	return rc;
}

/* The single integer a query returns, or -1 with err. */
static long long query_count(sim_store *s, const char *sql, long long a, sim_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, sql, &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, a);
	long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0)
						    : db_error(s, "cannot count", err);
	sqlite3_finalize(st);
	return n;
}

long sim_store_point_count(sim_store *s, sim_error *err)
{
	return (long)query_count(s, "SELECT count(*) FROM points WHERE ?1 = ?1", 0, err);
}

void sim_store_free_strings(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* The text of column c: a number in %.10g (as the CSVs show it). */
static char *column_text(sqlite3_stmt *st, int c)
{
	if (sqlite3_column_type(st, c) == SQLITE_FLOAT) {
		char buf[64];
		snprintf(buf, sizeof buf, "%.10g", sqlite3_column_double(st, c));
		return strdup(buf);
	}
	const char *t = (const char *)sqlite3_column_text(st, c);
	return strdup(t ? t : "");
}

int sim_store_point(sim_store *s, size_t point, char **name, char ***paths,
		    char ***values, size_t *nparams, sim_error *err)
{
	sqlite3_stmt *st;
	*name = NULL;
	*paths = *values = NULL;
	*nparams = 0;
	if (prepare(s, "SELECT * FROM points WHERE point = ?", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)point);
	int rc = -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sim_error_set(err, SIM_ERROR_RUNTIME, s->path, 0, NULL,
			      "point %zu is not in the database", point);
		goto done;
	}
	size_t n = (size_t)sqlite3_column_count(st) - 2;
	*name = column_text(st, 1);
	*paths = calloc(n + 1, sizeof **paths);
	*values = calloc(n + 1, sizeof **values);
	if (!*name || !*paths || !*values)
		goto oom;
	*nparams = n;
	for (size_t j = 0; j < n; j++) {
		(*paths)[j] = strdup(sqlite3_column_name(st, (int)j + 2));
		(*values)[j] = column_text(st, (int)j + 2);
		if (!(*paths)[j] || !(*values)[j])
			goto oom;
	}
	rc = 0;
	goto done;
oom:
	sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
done:
	sqlite3_finalize(st);
	return rc;
}

char *sim_store_notes(sim_store *s, size_t point, uint64_t replication, sim_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, "SELECT notes FROM runs WHERE point = ? AND replication = ?", &st, err) != 0)
		return NULL;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)point);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)replication);
	char *notes = NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		notes = strdup(t ? t : "");
	} else {
		notes = strdup("");
	}
	if (!notes)
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	sqlite3_finalize(st);
	return notes;
}

int sim_store_has(sim_store *s, size_t point, uint64_t replication, sim_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, "SELECT 1 FROM runs WHERE point = ? AND replication = ?", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)point);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)replication);
	int rc = sqlite3_step(st);
	int has = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : db_error(s, "cannot read", err);
	sqlite3_finalize(st);
	return has;
}

long sim_store_replications(sim_store *s, size_t point, sim_error *err)
{
	/* The first missing index: replications are used from 0 up. */
	return (long)query_count(s,
		"SELECT coalesce(min(r.replication + 1), 0) FROM runs r WHERE r.point = ?1 AND"
		" NOT EXISTS (SELECT 1 FROM runs q WHERE q.point = ?1 AND"
		" q.replication = r.replication + 1) AND EXISTS (SELECT 1 FROM runs z WHERE"
		" z.point = ?1 AND z.replication = 0)", (long long)point, err);
}

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

/* Whether the database already describes table `file` (a resumed
   sweep): *known, and then its columns must be keys and vals. */
static int check_known_columns(sim_store *s, const char *file, const char *keys,
			       const char *vals, bool *known, sim_error *err)
{
	sqlite3_stmt *st = NULL;
	if (prepare(s, "SELECT key_columns, value_columns FROM tables WHERE file = ?", &st,
		    err) != 0)
		return -1;
	sqlite3_bind_text(st, 1, file, -1, SQLITE_STATIC);
	*known = sqlite3_step(st) == SQLITE_ROW;
	int rc = 0;
	if (*known && (strcmp((const char *)sqlite3_column_text(st, 0), keys) != 0 ||
		       strcmp((const char *)sqlite3_column_text(st, 1), vals) != 0))
		rc = sim_error_set(err, SIM_ERROR_RUNTIME, s->path, 0, NULL,
				   "table %s has other columns than the stored one", file);
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

static int table_sql_build(table_sql *q, const stored_table *e, const sim_table *t)
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
		append(&q->create, key ? "%s, \"%w\" TEXT" : "%s, \"%w\" REAL", c);
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
static int record_table(sim_store *s, const stored_table *e, const char *keys,
			const char *vals, sim_error *err)
{
	sqlite3_stmt *st = NULL;
	if (prepare(s, "INSERT INTO tables(file, sql_name, key_columns, value_columns)"
		       " VALUES (?, ?, ?, ?)", &st, err) != 0)
		return -1;
	sqlite3_bind_text(st, 1, e->file, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, e->sql, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, keys, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, vals, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_error(s, "cannot record a table", err);
	sqlite3_finalize(st);
	return rc;
}

/* Creates table e in the database (when new) and prepares its insert. */
static int open_table(sim_store *s, stored_table *e, const sim_table *t, sim_error *err)
{
	table_sql q = { 0 };
	bool known = false;
	int rc = -1;
	if (table_sql_build(&q, e, t) != 0)
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	else if (check_known_columns(s, e->file, e->keys, e->vals, &known, err) == 0 &&
		 exec(s, q.create, err) == 0 && exec(s, q.view, err) == 0 &&
		 prepare(s, q.insert, &e->insert, err) == 0)
		rc = known ? 0 : record_table(s, e, e->keys, e->vals, err);
	table_sql_free(&q);
	return rc;
}

/* Whether t has the columns of the cached table e. */
static int check_cached_columns(sim_store *s, const stored_table *e, const sim_table *t,
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
static stored_table *table_for(sim_store *s, const sim_table *t, sim_error *err)
{
	const char *file = sim_table_file(t);
	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->tables[i].file, file) == 0)
			return check_cached_columns(s, &s->tables[i], t, err) == 0 ? &s->tables[i]
										: NULL;
	if (s->count == s->capacity) {
		size_t cap = s->capacity ? 2 * s->capacity : 8;
		stored_table *grown = realloc(s->tables, cap * sizeof *grown);
		if (!grown) {
			sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
			return NULL;
		}
		s->tables = grown;
		s->capacity = cap;
	}
	stored_table *e = &s->tables[s->count];
	memset(e, 0, sizeof *e);
	e->file = strdup(file);
	e->sql = sql_name(file);
	e->keys = joined(t, true);
	e->vals = joined(t, false);
	e->key_count = sim_table_key_count(t);
	e->value_count = sim_table_value_count(t);
	if (!e->file || !e->sql || !e->keys || !e->vals) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		free_table(e);
		return NULL;
	}
	if (open_table(s, e, t, err) != 0) {
		free_table(e);
		return NULL;
	}
	s->count++;
	return e;
}

static int insert_rows(sim_store *s, const sim_table *t, size_t point, uint64_t rep,
		       sim_error *err)
{
	stored_table *e = table_for(s, t, err);
	if (!e)
		return -1;
	for (size_t r = 0; r < sim_table_rows(t); r++) {
		sqlite3_reset(e->insert);
		sqlite3_bind_int64(e->insert, 1, (sqlite3_int64)point);
		sqlite3_bind_int64(e->insert, 2, (sqlite3_int64)rep);
		sqlite3_bind_int64(e->insert, 3, (sqlite3_int64)r);
		int c = 4;
		for (size_t k = 0; k < e->key_count; k++)
			sqlite3_bind_text(e->insert, c++, sim_table_key(t, r, k), -1,
					  SQLITE_STATIC);
		for (size_t v = 0; v < e->value_count; v++) {
			/* SQLite stores NaN as NULL; read back, NULL is NaN. */
			double x = sim_table_value(t, 0, r, v);
			if (isnan(x))
				sqlite3_bind_null(e->insert, c++);
			else
				sqlite3_bind_double(e->insert, c++, x);
		}
		if (sqlite3_step(e->insert) != SQLITE_DONE)
			return db_error(s, "cannot store a row", err);
	}
	sqlite3_reset(e->insert);
	return 0;
}

int sim_store_commit(sim_store *s, size_t point, uint64_t replication, uint64_t seed,
		     uint64_t stream_key, uint64_t events, const char *notes,
		     const sim_table_set *rows, sim_error *err)
{
	if (exec(s, "BEGIN IMMEDIATE", err) != 0)
		return -1;
	for (size_t i = 0; i < sim_table_set_count(rows); i++)
		if (insert_rows(s, sim_table_set_at(rows, i), point, replication, err) != 0)
			goto rollback;
	sqlite3_stmt *st;
	if (prepare(s, "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)", &st, err) != 0)
		goto rollback;
	char key[32];
	snprintf(key, sizeof key, "%016llx", (unsigned long long)stream_key);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)point);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)replication);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seed);
	sqlite3_bind_text(st, 4, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)events);
	sqlite3_bind_text(st, 6, notes ? notes : "", -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_error(s, "cannot record a replication", err);
		goto rollback;
	}
	return exec(s, "COMMIT", err);
rollback:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	/* The rollback may have removed a table this commit created. */
	forget_tables(s);
	return -1;
}

int sim_store_fail(sim_store *s, size_t point, uint64_t replication, uint64_t seed,
		   const char *message, sim_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, "INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?)", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)point);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)replication);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seed);
	sqlite3_bind_text(st, 4, message, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_error(s, "cannot record a failure", err);
	sqlite3_finalize(st);
	return rc;
}

int sim_store_clear_failures(sim_store *s, sim_error *err)
{
	return exec(s, "DELETE FROM failures", err);
}

int sim_store_each_failure(sim_store *s,
			   void (*fn)(void *ctx, size_t point, uint64_t replication,
				      uint64_t seed, const char *message),
			   void *ctx, sim_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, "SELECT point, replication, seed, error FROM failures"
		       " ORDER BY point, replication", &st, err) != 0)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(ctx, (size_t)sqlite3_column_int64(st, 0), (uint64_t)sqlite3_column_int64(st, 1),
		   (uint64_t)sqlite3_column_int64(st, 2), (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_error(s, "cannot read the failures", err);
}

/* The tables recorded so far (a fresh handle learns them from `tables`). */
typedef struct table_row {
	char *file, *sql;
	char **keys, **vals;
	size_t nk, nv;
} table_row;

/* Splits a newline-joined list into a heap array of heap strings. */
static char **split_lines(const char *text, size_t *n)
{
	*n = 0;
	if (!text[0])
		return calloc(1, sizeof(char *));
	size_t count = 1;
	for (const char *c = text; *c; c++)
		count += *c == '\n';
	char **v = calloc(count, sizeof *v);
	for (size_t i = 0; v && i < count; i++) {
		size_t len = strcspn(text, "\n");
		if (!(v[i] = strndup(text, len))) {
			sim_store_free_strings(v, i);
			return NULL;
		}
		text += len + (text[len] == '\n');
	}
	*n = v ? count : 0;
	return v;
}

static void free_table_rows(table_row *t, size_t n)
{
	for (size_t i = 0; t && i < n; i++) {
		free(t[i].file);
		free(t[i].sql);
		sim_store_free_strings(t[i].keys, t[i].nk);
		sim_store_free_strings(t[i].vals, t[i].nv);
	}
	free(t);
}

static table_row *recorded_tables(sim_store *s, size_t *n, sim_error *err)
{
	sqlite3_stmt *st;
	*n = 0;
	if (prepare(s, "SELECT file, sql_name, key_columns, value_columns FROM tables"
		       " ORDER BY position", &st, err) != 0)
		return NULL;
	table_row *t = NULL;
	size_t count = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		table_row *grown = realloc(t, (count + 1) * sizeof *t);
		if (!grown)
			break;
		t = grown;
		table_row *r = &t[count++];
		memset(r, 0, sizeof *r);
		r->file = strdup((const char *)sqlite3_column_text(st, 0));
		r->sql = strdup((const char *)sqlite3_column_text(st, 1));
		r->keys = split_lines((const char *)sqlite3_column_text(st, 2), &r->nk);
		r->vals = split_lines((const char *)sqlite3_column_text(st, 3), &r->nv);
		if (!r->file || !r->sql || !r->keys || !r->vals)
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free_table_rows(t, count);
		if (rc == SQLITE_ROW)
			sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		else
			db_error(s, "cannot read the tables", err);
		return NULL;
	}
	*n = count;
	return t ? t : calloc(1, sizeof *t);
}

static int load_table(sim_store *s, const table_row *tr, size_t point, size_t rep,
		      sim_table_set *into, sim_error *err)
{
	sim_table *t = sim_table_begin(into, tr->file, (const char *const *)tr->keys, tr->nk,
				       (const char *const *)tr->vals, tr->nv, err);
	if (!t)
		return -1;
	char *sql = sqlite3_mprintf("SELECT * FROM \"%w\" WHERE point = ? AND replication = ?"
				    " ORDER BY row", tr->sql);
	sqlite3_stmt *st = NULL;
	const char **keys = calloc(tr->nk + 1, sizeof *keys);
	double *vals = calloc(tr->nv + 1, sizeof *vals);
	int rc = -1;
	if (!sql || !keys || !vals) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		goto done;
	}
	if (prepare(s, sql, &st, err) != 0)
		goto done;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)point);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)rep);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		for (size_t k = 0; k < tr->nk; k++)
			keys[k] = (const char *)sqlite3_column_text(st, 3 + (int)k);
		for (size_t v = 0; v < tr->nv; v++) {
			int c = 3 + (int)(tr->nk + v);
			vals[v] = sqlite3_column_type(st, c) == SQLITE_NULL ? NAN
									    : sqlite3_column_double(st, c);
		}
		if (sim_table_add(t, keys, vals, err) != 0)
			goto done;
	}
	rc = step == SQLITE_DONE ? 0 : db_error(s, "cannot read rows", err);
done:
	sqlite3_finalize(st);
	sqlite3_free(sql);
	free(keys);
	free(vals);
	return rc;
}

int sim_store_load(sim_store *s, size_t point, size_t n, sim_table_set *into, sim_error *err)
{
	size_t count;
	table_row *tables = recorded_tables(s, &count, err);
	if (!tables)
		return -1;
	int rc = 0;
	for (size_t rep = 0; rep < n && rc == 0; rep++) {
		int has = sim_store_has(s, point, rep, err);
		if (has != 1) {
			if (has == 0)
				sim_error_set(err, SIM_ERROR_RUNTIME, s->path, 0, NULL,
					      "replication %zu of point %zu is not stored", rep,
					      point);
			rc = -1;
		}
		for (size_t i = 0; i < count && rc == 0; i++)
			rc = load_table(s, &tables[i], point, rep, into, err);
	}
	free_table_rows(tables, count);
	return rc;
}

static void csv_field(FILE *f, sqlite3_stmt *st, int c)
{
	switch (sqlite3_column_type(st, c)) {
	case SQLITE_NULL:
		fputs("nan", f);
		break;
	case SQLITE_INTEGER:
		fprintf(f, "%lld", (long long)sqlite3_column_int64(st, c));
		break;
	case SQLITE_FLOAT:
		fprintf(f, "%.10g", sqlite3_column_double(st, c));
		break;
	default:
		fputs((const char *)sqlite3_column_text(st, c), f);
	}
}

int sim_store_export(sim_store *s, const char *file, FILE *f, sim_error *err)
{
	char *name = sql_name(file);
	char *sql = name ? sqlite3_mprintf("SELECT * FROM \"%w_rows\" ORDER BY point,"
					   " replication, row", name) : NULL;
	free(name);
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (!sql) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		goto done;
	}
	if (prepare(s, sql, &st, err) != 0)
		goto done;
	int n = sqlite3_column_count(st);
	for (int c = 0; c < n; c++) {
		const char *col = sqlite3_column_name(st, c);
		if (strcmp(col, "row") != 0)
			fprintf(f, "%s%s", c ? "," : "", col);
	}
	fputc('\n', f);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < n; c++) {
			if (strcmp(sqlite3_column_name(st, c), "row") == 0)
				continue;
			if (c)
				fputc(',', f);
			csv_field(f, st, c);
		}
		fputc('\n', f);
	}
	rc = step == SQLITE_DONE ? 0 : db_error(s, "cannot export", err);
done:
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return rc;
}

int sim_store_load_run(const char *dir, sim_table_set **tables, char **notes,
		       size_t *replications, char *rule, size_t rule_size, sim_error *err)
{
	*tables = NULL;
	*notes = NULL;
	sim_store *s = sim_store_open_existing(dir, err);
	if (!s)
		return -1;
	char *why = NULL;
	long n = sim_store_completed(s, 0, &why, err);
	int rc = -1;
	if (n < -1)
		goto done;
	if (n < 1) {
		sim_error_set(err, SIM_ERROR_RUNTIME, sim_store_path(s), 0, NULL,
			      "the run is not complete (rerun it with --resume)");
		goto done;
	}
	snprintf(rule, rule_size, "%s", why);
	*replications = (size_t)n;
	if (!(*tables = sim_table_set_new())) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		goto done;
	}
	if (sim_store_load(s, 0, (size_t)n, *tables, err) != 0 ||
	    !(*notes = sim_store_notes(s, 0, (uint64_t)n - 1, err)))
		goto done;
	rc = 0;
done:
	if (rc != 0) {
		sim_table_set_free(*tables);
		*tables = NULL;
	}
	free(why);
	sim_store_close(s);
	return rc;
}

/* ---- single values ---- */

static void bind_number(sqlite3_stmt *st, int c, double x)
{
	/* SQLite stores NaN as NULL; read back, NULL is NaN. */
	if (isnan(x))
		sqlite3_bind_null(st, c);
	else
		sqlite3_bind_double(st, c, x);
}

static double column_number(sqlite3_stmt *st, int c)
{
	return sqlite3_column_type(st, c) == SQLITE_NULL ? NAN : sqlite3_column_double(st, c);
}

/* The table recorded for `file` among tables[0, n), or NULL. */
static const table_row *find_recorded(const table_row *tables, size_t n, const char *file)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(tables[i].file, file) == 0)
			return &tables[i];
	return NULL;
}

long sim_store_values(sim_store *s, const char *file, size_t point, size_t n,
		      const char *k0, const char *k1, double *x, sim_error *err)
{
	for (size_t i = 0; i < n; i++)
		x[i] = NAN;
	size_t count;
	table_row *tables = recorded_tables(s, &count, err);
	if (!tables)
		return -1;
	const table_row *t = find_recorded(tables, count, file);
	long found = 0;
	if (!t || t->nk < 2 || t->nv < 1) {
		free_table_rows(tables, count);
		return 0;
	}
	char *sql = sqlite3_mprintf("SELECT replication, \"%w\" FROM \"%w\" WHERE point = ?"
				    " AND replication < ? AND \"%w\" = ? AND \"%w\" = ?",
				    t->vals[0], t->sql, t->keys[0], t->keys[1]);
	sqlite3_stmt *st = NULL;
	if (!sql)
		found = sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	else if (prepare(s, sql, &st, err) != 0)
		found = -1;
	if (st) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)point);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)n);
		sqlite3_bind_text(st, 3, k0, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, k1, -1, SQLITE_STATIC);
		int step;
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			sqlite3_int64 rep = sqlite3_column_int64(st, 0);
			if (rep >= 0 && (size_t)rep < n) {
				x[rep] = column_number(st, 1);
				found++;
			}
		}
		if (step != SQLITE_DONE)
			found = db_error(s, "cannot read rows", err);
	}
	sqlite3_finalize(st);
	sqlite3_free(sql);
	free_table_rows(tables, count);
	return found;
}

/* ---- the validation ---- */

static int insert_validation(sim_store *s, const sim_validation *v, sim_error *err)
{
	char reps[32];
	snprintf(reps, sizeof reps, "%zu", v->replications);
	if (sim_store_set_meta(s, "validation_targets", v->targets ? v->targets : "", err) != 0 ||
	    sim_store_set_meta(s, "validation_replications", reps, err) != 0)
		return -1;
	sqlite3_stmt *st;
	if (prepare(s, "INSERT INTO validation VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st,
		    err) != 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < v->count && rc == 0; i++) {
		const sim_validation_row *r = &v->rows[i];
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
		sqlite3_bind_text(st, 2, r->target, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, r->week);
		sqlite3_bind_text(st, 4, r->week_start, -1, SQLITE_STATIC);
		bind_number(st, 5, r->mean);
		bind_number(st, 6, r->lo);
		bind_number(st, 7, r->hi);
		bind_number(st, 8, r->value);
		sqlite3_bind_text(st, 9, sim_validation_mode_name(r->mode), -1, SQLITE_STATIC);
		bind_number(st, 10, r->tolerance);
		sqlite3_bind_int(st, 11, r->pass ? 1 : 0);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = db_error(s, "cannot store the validation", err);
	}
	sqlite3_finalize(st);
	return rc;
}

int sim_store_set_validation(sim_store *s, const sim_validation *v, sim_error *err)
{
	if (exec(s, "BEGIN IMMEDIATE", err) != 0)
		return -1;
	if (exec(s, "DELETE FROM validation; DELETE FROM experiment WHERE key IN"
		    " ('validation_targets', 'validation_replications')", err) != 0 ||
	    (v && insert_validation(s, v, err) != 0)) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return exec(s, "COMMIT", err);
}

/* The stored rows, in order, appended to v. */
static int load_validation_rows(sim_store *s, sim_validation *v, sim_error *err)
{
	sqlite3_stmt *st;
	if (prepare(s, "SELECT target, week, week_start, mean, lo, hi, value, mode, tolerance,"
		       " pass FROM validation ORDER BY position", &st, err) != 0)
		return -1;
	int step, rc = 0;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		sim_validation_row r = { .week = (long)sqlite3_column_int64(st, 1) };
		const char *target = (const char *)sqlite3_column_text(st, 0);
		const char *week_start = (const char *)sqlite3_column_text(st, 2);
		const char *mode = (const char *)sqlite3_column_text(st, 7);
		snprintf(r.target, sizeof r.target, "%s", target ? target : "");
		snprintf(r.week_start, sizeof r.week_start, "%s", week_start ? week_start : "");
		r.mean = column_number(st, 3);
		r.lo = column_number(st, 4);
		r.hi = column_number(st, 5);
		r.value = column_number(st, 6);
		int m = sim_validation_mode_parse(mode ? mode : "");
		r.mode = m < 0 ? SIM_VALIDATION_REL : (sim_validation_mode)m;
		r.tolerance = column_number(st, 8);
		r.pass = sqlite3_column_int(st, 9) != 0;
		rc = sim_validation_add(v, &r, err);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = db_error(s, "cannot read the validation", err);
	sqlite3_finalize(st);
	return rc;
}

int sim_store_load_validation(sim_store *s, sim_validation *v, sim_error *err)
{
	sim_error e;
	sim_error_clear(&e);
	char *targets = sim_store_meta(s, "validation_targets", &e);
	char *reps = targets ? sim_store_meta(s, "validation_replications", &e) : NULL;
	int rc = e.kind == SIM_ERROR_NONE ? 0 : -1;
	if (rc != 0 && err)
		*err = e;
	else if (targets) {
		rc = sim_validation_set_source(v, targets, reps ? strtoul(reps, NULL, 10) : 0,
					       err) == 0 &&
		     load_validation_rows(s, v, err) == 0 ? 1 : -1;
	}
	free(targets);
	free(reps);
	return rc;
}

/* ---- provenance ---- */

int sim_store_set_provenance(sim_store *s, const char *const *keys,
			     const char *const *values, size_t n, sim_error *err)
{
	if (exec(s, "BEGIN IMMEDIATE", err) != 0)
		return -1;
	sqlite3_stmt *st = NULL;
	int rc = exec(s, "DELETE FROM provenance", err) == 0 &&
		 prepare(s, "INSERT INTO provenance VALUES (?, ?, ?)", &st, err) == 0 ? 0 : -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
		sqlite3_bind_text(st, 2, keys[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, values[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = db_error(s, "cannot record how the experiment ran", err);
	}
	sqlite3_finalize(st);
	if (rc != 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return exec(s, "COMMIT", err);
}

int sim_store_provenance(sim_store *s, char ***keys, char ***values, size_t *n,
			 sim_error *err)
{
	*keys = *values = NULL;
	*n = 0;
	long long count = query_count(s, "SELECT count(*) FROM provenance WHERE ?1 = ?1", 0, err);
	sqlite3_stmt *st;
	if (count < 0 || prepare(s, "SELECT key, value FROM provenance ORDER BY position", &st,
				 err) != 0)
		return -1;
	*keys = calloc((size_t)count + 1, sizeof **keys);
	*values = calloc((size_t)count + 1, sizeof **values);
	int step = SQLITE_DONE, rc = *keys && *values ? 0 : -1;
	while (rc == 0 && *n < (size_t)count && (step = sqlite3_step(st)) == SQLITE_ROW) {
		(*keys)[*n] = column_text(st, 0);
		(*values)[*n] = column_text(st, 1);
		rc = (*keys)[(*n)++] && (*values)[*n - 1] ? 0 : -1;
	}
	if (rc != 0)
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	else if (step != SQLITE_DONE && step != SQLITE_ROW)
		rc = db_error(s, "cannot read how the experiment ran", err);
	sqlite3_finalize(st);
	if (rc != 0) {
		sim_store_free_strings(*keys, *n);
		sim_store_free_strings(*values, *n);
		*keys = *values = NULL;
		*n = 0;
	}
	return rc;
}
