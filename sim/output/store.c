/* store.c - a sweep's results in SQLite (see store.h): the handle, the experiment,
   points, runs, failures, validation and provenance; the result tables'
   rows are in store_rows.c. */
#include "store.h"
#include "store_internal.h"
#include "sim_results.h"
#include "sim_validation.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS experiment(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS tables(position INTEGER PRIMARY KEY, file TEXT UNIQUE,"
	" sql_name TEXT UNIQUE, key_columns TEXT, value_columns TEXT, key_types TEXT);"
	"CREATE TABLE IF NOT EXISTS runs(point INTEGER, replication INTEGER, seed INTEGER,"
	" stream_key TEXT, events INTEGER, notes TEXT, checksum TEXT,"
	" PRIMARY KEY(point, replication))"
	" WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS failures(point INTEGER, replication INTEGER,"
	" seed INTEGER, error TEXT, PRIMARY KEY(point, replication)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS completed(point INTEGER PRIMARY KEY, replications INTEGER,"
	" rule TEXT);"
	"CREATE TABLE IF NOT EXISTS validation(position INTEGER PRIMARY KEY, target TEXT,"
	" week INTEGER, week_start TEXT, mean REAL, lo REAL, hi REAL, value REAL, mode TEXT,"
	" tolerance REAL, pass INTEGER, pass_share REAL, band_lo REAL, band_hi REAL,"
	" in_band INTEGER);"
	"CREATE TABLE IF NOT EXISTS provenance(position INTEGER PRIMARY KEY, key TEXT UNIQUE,"
	" value TEXT);";

int sim__store_db_error(sim_store *s, const char *what, sim_error *err)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, s->path, 0, NULL, "%s: %s", what,
			     sqlite3_errmsg(s->db));
}

int sim__store_exec(sim_store *s, const char *sql, sim_error *err)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	sim_error_set(err, SIM_ERROR_RUNTIME, s->path, 0, NULL, "%s", msg ? msg : "error");
	sqlite3_free(msg);
	return -1;
}

int sim__store_prepare(sim_store *s, const char *sql, sqlite3_stmt **st, sim_error *err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) == SQLITE_OK)
		return 0;
	*st = NULL;
	return sim__store_db_error(s, "cannot prepare a query", err);
}

/* The SQL table of a result file: "models_weekly.csv" -> models_weekly. */
char *sim__store_sql_name(const char *file)
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

void sim__store_free_table(sim__stored_table *t)
{
	sqlite3_finalize(t->insert);
	free(t->integer);
	free(t->file);
	free(t->sql);
	free(t->keys);
	free(t->vals);
}

/* Empties the handle's cache of tables: the next commit learns them
   again from the database. */
void sim__store_forget_tables(sim_store *s)
{
	for (size_t i = 0; i < s->count; i++)
		sim__store_free_table(&s->tables[i]);
	s->count = 0;
}

void sim_store_close(sim_store *s)
{
	if (!s)
		return;
	sim__store_forget_tables(s);
	free(s->tables);
	for (size_t i = 0; i < s->checked_points; i++)
		free(s->checked[i]);
	free(s->checked);
	free(s->checked_len);
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
		return sim__store_db_error(s, "cannot open the results database", err);
	int rc = sqlite3_step(st);
	int n = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (n < 0)
		return sim__store_db_error(s, "cannot open the results database", err);
	return n == 3;
}

/* Whether the database has this program's layout: a database an older
   marketsim wrote (key columns all TEXT, no checksums) cannot be resumed
   or read, its key types and checksums being unknown. */
static int check_format(sim_store *s, sim_error *err)
{
	long long n = sim__store_query_count(s, "SELECT (SELECT count(*) FROM"
					     " pragma_table_info('tables') WHERE name = 'key_types')"
					     " + (SELECT count(*) FROM pragma_table_info('runs')"
					     " WHERE name = 'checksum')"
					     " + (SELECT count(*) FROM pragma_table_info('validation')"
					     " WHERE name = 'in_band') + 0 * ?1", 0, err);
	if (n < 0)
		return -1;
	if (n < 3)
		return sim_error_set(err, SIM_ERROR_RUNTIME, s->path, 0, NULL,
				     "was written by an older marketsim (its key columns are "
				     "untyped, its replications carry no checksums or its "
				     "validation no bands): run the experiment afresh, without "
				     "--resume");
	return 0;
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
		sim__store_db_error(s, "cannot open the results database", err);
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
	if (holds != 1 || sim__store_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", err) != 0 ||
	    sim__store_exec(s, schema_sql, err) != 0 || check_format(s, err) != 0) {
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
	if (sim__store_prepare(s, "INSERT OR REPLACE INTO completed VALUES (?, ?, ?)", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)point);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)replications);
	sqlite3_bind_text(st, 3, rule ? rule : "", -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : sim__store_db_error(s, "cannot write", err);
	sqlite3_finalize(st);
	return rc;
}

long sim_store_completed(sim_store *s, size_t point, char **rule, sim_error *err)
{
	sqlite3_stmt *st;
	*rule = NULL;
	if (sim__store_prepare(s, "SELECT replications, rule FROM completed WHERE point = ?", &st, err) != 0)
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
		sim__store_db_error(s, "cannot read", err);
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
	if (sim__store_prepare(s, "SELECT value FROM experiment WHERE key = ?", &st, err) != 0)
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
		sim__store_db_error(s, "cannot read the experiment", err);
	}
	sqlite3_finalize(st);
	return value;
}

int sim_store_set_meta(sim_store *s, const char *key, const char *value, sim_error *err)
{
	sqlite3_stmt *st;
	if (sim__store_prepare(s, "INSERT OR REPLACE INTO experiment(key, value) VALUES (?, ?)", &st,
		    err) != 0)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : sim__store_db_error(s, "cannot write", err);
	sqlite3_finalize(st);
	return rc;
}

/* "CREATE TABLE points(...)" for the parameters and the matching INSERT
   with one placeholder per column; sqlite3 strings (NULL: out of memory). */
static void points_sql(size_t nparams, const char *const *paths, const bool *numbers,
		       char **create, char **insert)
{
	char *sql = sqlite3_mprintf("CREATE TABLE points(point INTEGER PRIMARY KEY, point_name TEXT");
	/* A number parameter's column is REAL, a date's (or other text's) TEXT. */
	for (size_t j = 0; sql && paths && j < nparams; j++) {
		char *next = sqlite3_mprintf(numbers[j] ? "%s, \"%w\" REAL" : "%s, \"%w\" TEXT",
					     sql, paths[j]);
		sqlite3_free(sql);
		sql = next;
	}
	char *ins = sqlite3_mprintf("INSERT INTO points VALUES (?, ?");
	for (size_t j = 0; ins && j < nparams; j++) {
		char *next = sqlite3_mprintf("%s, ?", ins);
		sqlite3_free(ins);
		ins = next;
	}
	*create = sql ? sqlite3_mprintf("%s);", sql) : NULL;
	*insert = ins ? sqlite3_mprintf("%s)", ins) : NULL;
	sqlite3_free(sql);
	sqlite3_free(ins);
}

/* Inserts points first .. first + npoints - 1 with the prepared INSERT st,
   inside the caller's transaction. */
static int insert_points(sim_store *s, sqlite3_stmt *st, size_t first, size_t npoints,
			 size_t nparams, const char *const *names, const bool *numbers,
			 const char *const *values, sim_error *err)
{
	for (size_t i = 0; i < npoints; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)(first + i));
		sqlite3_bind_text(st, 2, names[i], -1, SQLITE_STATIC);
		for (size_t j = 0; j < nparams; j++) {
			const char *v = values[i * nparams + j];
			if (numbers[j])
				sqlite3_bind_double(st, (int)j + 3, strtod(v, NULL));
			else
				sqlite3_bind_text(st, (int)j + 3, v, -1, SQLITE_STATIC);
		}
		if (sqlite3_step(st) != SQLITE_DONE)
			return sim__store_db_error(s, "cannot record the points", err);
	}
	return 0;
}

/* Creates the points table (with `create`, unless NULL) and inserts the
   points from `first`, in one transaction. */
static int write_points(sim_store *s, const char *create, const char *insert, size_t first,
			size_t npoints, size_t nparams, const char *const *names,
			const bool *numbers, const char *const *values, sim_error *err)
{
	sqlite3_stmt *st = NULL;
	if (!insert)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	if (sim__store_exec(s, "BEGIN", err) != 0)
		return -1;
	int rc = (create && sim__store_exec(s, create, err) != 0) ||
				 sim__store_prepare(s, insert, &st, err) != 0 ||
				 insert_points(s, st, first, npoints, nparams, names, numbers, values,
					       err) != 0
			 ? -1 : sim__store_exec(s, "COMMIT", err);
	if (rc != 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(st);
	return rc;
}

int sim_store_set_points(sim_store *s, size_t npoints, size_t nparams,
			 const char *const *names, const char *const *paths,
			 const bool *numbers, const char *const *values, sim_error *err)
{
	char *create, *insert;
	points_sql(nparams, paths, numbers, &create, &insert);
	int rc = create ? write_points(s, create, insert, 0, npoints, nparams, names, numbers,
				       values, err)
			: sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	sqlite3_free(create);
	sqlite3_free(insert);
	return rc;
}

int sim_store_append_points(sim_store *s, size_t first, size_t npoints, size_t nparams,
			    const char *const *names, const bool *numbers,
			    const char *const *values, sim_error *err)
{
	char *create, *insert;
	points_sql(nparams, NULL, numbers, &create, &insert);
	sqlite3_free(create);
	int rc = write_points(s, NULL, insert, first, npoints, nparams, names, numbers, values,
			      err);
	sqlite3_free(insert);
	return rc;
}

/* The single integer a query returns, or -1 with err. */
long long sim__store_query_count(sim_store *s, const char *sql, long long a, sim_error *err)
{
	sqlite3_stmt *st;
	if (sim__store_prepare(s, sql, &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, a);
	long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0)
						    : sim__store_db_error(s, "cannot count", err);
	sqlite3_finalize(st);
	return n;
}

long sim_store_point_count(sim_store *s, sim_error *err)
{
	return (long)sim__store_query_count(s, "SELECT count(*) FROM points WHERE ?1 = ?1", 0, err);
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
	if (sim__store_prepare(s, "SELECT * FROM points WHERE point = ?", &st, err) != 0)
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

int sim_store_point_numbers(sim_store *s, size_t point, double *x, size_t n, sim_error *err)
{
	sqlite3_stmt *st;
	if (sim__store_prepare(s, "SELECT * FROM points WHERE point = ?", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)point);
	int rc = 0;
	if (sqlite3_step(st) != SQLITE_ROW)
		rc = sim_error_set(err, SIM_ERROR_RUNTIME, s->path, 0, NULL,
				   "point %zu is not in the database", point);
	else if ((size_t)sqlite3_column_count(st) != n + 2)
		rc = sim_error_set(err, SIM_ERROR_RUNTIME, s->path, 0, NULL,
				   "point %zu has %d parameters, expected %zu", point,
				   sqlite3_column_count(st) - 2, n);
	for (size_t j = 0; rc == 0 && j < n; j++)
		x[j] = sqlite3_column_type(st, (int)j + 2) == SQLITE_NULL
			       ? NAN : sqlite3_column_double(st, (int)j + 2);
	sqlite3_finalize(st);
	return rc;
}

/* "path=value" for column c of the points row st: a number in 17
   significant digits (the double stored, exactly), text quoted. */
static char *setting_text(sqlite3_stmt *st, int c)
{
	const char *path = sqlite3_column_name(st, c);
	if (sqlite3_column_type(st, c) == SQLITE_FLOAT ||
	    sqlite3_column_type(st, c) == SQLITE_INTEGER)
		return sqlite3_mprintf("%s=%.17g", path, sqlite3_column_double(st, c));
	const char *t = (const char *)sqlite3_column_text(st, c);
	return sqlite3_mprintf("%s=\"%s\"", path, t ? t : "");
}

int sim_store_point_settings(sim_store *s, size_t point, char ***settings, size_t *n,
			     sim_error *err)
{
	sqlite3_stmt *st;
	*settings = NULL;
	*n = 0;
	if (sim__store_prepare(s, "SELECT * FROM points WHERE point = ?", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)point);
	int rc = 0;
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = sim_error_set(err, SIM_ERROR_RUNTIME, s->path, 0, NULL,
				   "point %zu is not in the database", point);
	} else {
		size_t np = (size_t)sqlite3_column_count(st) - 2;
		*settings = calloc(np + 1, sizeof **settings);
		for (size_t j = 0; *settings && j < np && rc == 0; j++) {
			char *text = setting_text(st, (int)j + 2);
			(*settings)[j] = text ? strdup(text) : NULL;
			sqlite3_free(text);
			rc = (*settings)[j] ? 0 : -1;
			*n = j + 1;
		}
		if (!*settings || rc != 0)
			rc = sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	}
	sqlite3_finalize(st);
	if (rc != 0) {
		sim_store_free_strings(*settings, *n);
		*settings = NULL;
		*n = 0;
	}
	return rc;
}

char *sim_store_notes(sim_store *s, size_t point, uint64_t replication, sim_error *err)
{
	sqlite3_stmt *st;
	if (sim__store_prepare(s, "SELECT notes FROM runs WHERE point = ? AND replication = ?", &st, err) != 0)
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
	if (sim__store_prepare(s, "SELECT 1 FROM runs WHERE point = ? AND replication = ?", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)point);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)replication);
	int rc = sqlite3_step(st);
	int has = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : sim__store_db_error(s, "cannot read", err);
	sqlite3_finalize(st);
	return has;
}

long sim_store_replications(sim_store *s, size_t point, sim_error *err)
{
	/* The first missing index: replications are used from 0 up. */
	return (long)sim__store_query_count(s,
		"SELECT coalesce(min(r.replication + 1), 0) FROM runs r WHERE r.point = ?1 AND"
		" NOT EXISTS (SELECT 1 FROM runs q WHERE q.point = ?1 AND"
		" q.replication = r.replication + 1) AND EXISTS (SELECT 1 FROM runs z WHERE"
		" z.point = ?1 AND z.replication = 0)", (long long)point, err);
}

int sim_store_fail(sim_store *s, size_t point, uint64_t replication, uint64_t seed,
		   const char *message, sim_error *err)
{
	sqlite3_stmt *st;
	if (sim__store_prepare(s, "INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?)", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)point);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)replication);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seed);
	sqlite3_bind_text(st, 4, message, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : sim__store_db_error(s, "cannot record a failure", err);
	sqlite3_finalize(st);
	return rc;
}

int sim_store_clear_failures(sim_store *s, sim_error *err)
{
	return sim__store_exec(s, "DELETE FROM failures", err);
}

int sim_store_each_failure(sim_store *s,
			   void (*fn)(void *ctx, size_t point, uint64_t replication,
				      uint64_t seed, const char *message),
			   void *ctx, sim_error *err)
{
	sqlite3_stmt *st;
	if (sim__store_prepare(s, "SELECT point, replication, seed, error FROM failures"
		       " ORDER BY point, replication", &st, err) != 0)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(ctx, (size_t)sqlite3_column_int64(st, 0), (uint64_t)sqlite3_column_int64(st, 1),
		   (uint64_t)sqlite3_column_int64(st, 2), (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sim__store_db_error(s, "cannot read the failures", err);
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
	if (sim__store_prepare(s, "INSERT INTO validation VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
			       " ?, ?, ?, ?)", &st, err) != 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < v->count && rc == 0; i++) {
		const sim_validation_row *r = &v->rows[i];
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
		sqlite3_bind_text(st, 2, r->target, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, r->week);
		sqlite3_bind_text(st, 4, r->week_start, -1, SQLITE_STATIC);
		sim__store_bind_number(st, 5, r->mean);
		sim__store_bind_number(st, 6, r->lo);
		sim__store_bind_number(st, 7, r->hi);
		sim__store_bind_number(st, 8, r->value);
		sqlite3_bind_text(st, 9, sim_validation_mode_name(r->mode), -1, SQLITE_STATIC);
		sim__store_bind_number(st, 10, r->tolerance);
		if (r->mode == SIM_VALIDATION_INFO)
			sqlite3_bind_null(st, 11); /* not judged */
		else
			sqlite3_bind_int(st, 11, r->pass ? 1 : 0);
		sim__store_bind_number(st, 12, r->pass_share);
		sim__store_bind_number(st, 13, r->band_lo);
		sim__store_bind_number(st, 14, r->band_hi);
		sqlite3_bind_int(st, 15, r->in_band ? 1 : 0);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = sim__store_db_error(s, "cannot store the validation", err);
	}
	sqlite3_finalize(st);
	return rc;
}

int sim_store_set_validation(sim_store *s, const sim_validation *v, sim_error *err)
{
	if (sim__store_exec(s, "BEGIN IMMEDIATE", err) != 0)
		return -1;
	if (sim__store_exec(s, "DELETE FROM validation; DELETE FROM experiment WHERE key IN"
		    " ('validation_targets', 'validation_replications')", err) != 0 ||
	    (v && insert_validation(s, v, err) != 0)) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return sim__store_exec(s, "COMMIT", err);
}

/* The stored rows, in order, appended to v. */
static int load_validation_rows(sim_store *s, sim_validation *v, sim_error *err)
{
	sqlite3_stmt *st;
	if (sim__store_prepare(s, "SELECT target, week, week_start, mean, lo, hi, value, mode, tolerance,"
		       " pass, pass_share, band_lo, band_hi, in_band FROM validation"
		       " ORDER BY position", &st, err) != 0)
		return -1;
	int step, rc = 0;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		sim_validation_row r = { .week = (long)sqlite3_column_int64(st, 1) };
		const char *target = (const char *)sqlite3_column_text(st, 0);
		const char *week_start = (const char *)sqlite3_column_text(st, 2);
		const char *mode = (const char *)sqlite3_column_text(st, 7);
		snprintf(r.target, sizeof r.target, "%s", target ? target : "");
		snprintf(r.week_start, sizeof r.week_start, "%s", week_start ? week_start : "");
		r.mean = sim__store_column_number(st, 3);
		r.lo = sim__store_column_number(st, 4);
		r.hi = sim__store_column_number(st, 5);
		r.value = sim__store_column_number(st, 6);
		int m = sim_validation_mode_parse(mode ? mode : "");
		r.mode = m < 0 ? SIM_VALIDATION_REL : (sim_validation_mode)m;
		r.tolerance = sim__store_column_number(st, 8);
		/* An INFO row's pass is NULL: not judged, so not missed. */
		r.pass = sqlite3_column_type(st, 9) == SQLITE_NULL || sqlite3_column_int(st, 9) != 0;
		r.pass_share = sim__store_column_number(st, 10);
		r.band_lo = sim__store_column_number(st, 11);
		r.band_hi = sim__store_column_number(st, 12);
		r.in_band = sqlite3_column_int(st, 13) != 0;
		rc = sim_validation_add(v, &r, err);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = sim__store_db_error(s, "cannot read the validation", err);
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
	if (sim__store_exec(s, "BEGIN IMMEDIATE", err) != 0)
		return -1;
	sqlite3_stmt *st = NULL;
	int rc = sim__store_exec(s, "DELETE FROM provenance", err) == 0 &&
		 sim__store_prepare(s, "INSERT INTO provenance VALUES (?, ?, ?)", &st, err) == 0 ? 0 : -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
		sqlite3_bind_text(st, 2, keys[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, values[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = sim__store_db_error(s, "cannot record how the experiment ran", err);
	}
	sqlite3_finalize(st);
	if (rc != 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return sim__store_exec(s, "COMMIT", err);
}

int sim_store_provenance(sim_store *s, char ***keys, char ***values, size_t *n,
			 sim_error *err)
{
	*keys = *values = NULL;
	*n = 0;
	long long count = sim__store_query_count(s, "SELECT count(*) FROM provenance WHERE ?1 = ?1", 0, err);
	sqlite3_stmt *st;
	if (count < 0 || sim__store_prepare(s, "SELECT key, value FROM provenance ORDER BY position", &st,
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
		rc = sim__store_db_error(s, "cannot read how the experiment ran", err);
	sqlite3_finalize(st);
	if (rc != 0) {
		sim_store_free_strings(*keys, *n);
		sim_store_free_strings(*values, *n);
		*keys = *values = NULL;
		*n = 0;
	}
	return rc;
}
