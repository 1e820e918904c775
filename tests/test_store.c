/*
 * test_store.c - a sweep's results database, results.sqlite (sim/store.c),
 * through its C API.
 *
 * Every CSV a run or a sweep writes is derived from this database, and a
 * resumed sweep trusts it to hold exactly the replications that were
 * committed, so the tests pin down: what is committed comes back exactly,
 * every double bit for bit (NaN and the infinities too), every key and
 * column name as it was; the bookkeeping (has, replications, completed,
 * notes, failures) says what was stored; a second handle (a resume, or
 * `marketsim plot`) sees the same, including after a process that
 * committed was killed without closing; a missing, corrupt or empty file
 * is an error, not a crash; a commit that fails leaves nothing behind; the
 * export that becomes sweep_replications.csv is the expected text; and
 * every column has its SQL type (integer keys INTEGER, so that ORDER BY
 * and ranges are numeric). Each test works in its own temporary
 * directory, removed afterwards. The CLI-level behaviour (kills, resumes,
 * worker counts) is in test_sweep_store.c.
 */
#include "test_util.h"

#include <dirent.h>
#include <float.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "output/checksum.h"
#include "output/store.h"
#include "sim_table.h"

/* ---- temporary directories ---------------------------------------------- */

/* Each test's state: its temporary directory. */
static int make_dir(void **state)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = malloc(512);
	if (!dir)
		return -1;
	snprintf(dir, 512, "%s/test_store.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

/* Removes the directory and every file a test left in it. */
static int remove_dir(void **state)
{
	char *dir = *state;
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char path[1024];
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	int rc = rmdir(dir);
	free(dir);
	return rc;
}

/* dir/results.sqlite, for direct SQL and for writing bad files. */
static void db_path(const char *dir, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", dir, SIM_STORE_FILE);
}

/* ---- replications built in the test ---------------------------------------- */

/* Doubles that a careless store would change: thirds, the extremes, a
   subnormal, integers (SQLite keeps integral REALs as integers on disk),
   an integer beyond 2^53, the infinities and NaN (stored as NULL). */
static const double specials[] = {
	0.1, 1.0 / 3.0, -2.5, 3.0, 1e-300, 4.9406564584124654e-324, DBL_MAX, -DBL_MAX,
	INFINITY, -INFINITY, NAN, 0.30000000000000004, 123456789.12345679,
	18014398509481988.0, 1e18, -7.0, 2.2250738585072014e-308,
};
#define NSPECIAL (sizeof specials / sizeof specials[0])

static const char *const weekly_keys[] = { "week", "model" };
static const char *const weekly_values[] = { "tokens", "revenue" };
/* Keys as a model may write them: a date, a number-like string, an
   empty string, text with spaces and non-ASCII. */
static const char *const weekly_rows[][2] = {
	{ "2026-01-05", "qwen3_6_plus" },
	{ "2026-01-05", "glm" },
	{ "7", "kimi k2" },
	{ "", "caf\xc3\xa9" },
};
#define WEEKLY_ROWS 4

static const char *const summary_keys[] = { "metric", "subject" };
static const char *const summary_values[] = { "value" };
static const char *const summary_rows[][2] = {
	{ "cum_revenue", "Alibaba" },
	{ "share", "CN" },
};

/* Value c of row r of table `table` (0 weekly, 1 summary) in replication
   rep at point: every (point, rep, row, column) gets its own special. */
static double expected(size_t point, size_t rep, int table, size_t r, size_t c)
{
	return specials[(point * 5 + rep * 3 + (size_t)table * 7 + r * 2 + c) % NSPECIAL];
}

/* One replication's rows, as a model records them: the weekly table,
   then the summary. */
static sim_table_set *make_rep(size_t point, size_t rep)
{
	sim_error err;
	sim_error_clear(&err);
	sim_table_set *set = sim_table_set_new();
	assert_non_null(set);
	sim_table *t = sim_table_begin(set, "models_weekly.csv", weekly_keys, 2, weekly_values,
				       2, &err);
	assert_non_null(t);
	for (size_t r = 0; r < WEEKLY_ROWS; r++) {
		double v[2] = { expected(point, rep, 0, r, 0), expected(point, rep, 0, r, 1) };
		assert_int_equal(sim_table_add(t, weekly_rows[r], v, &err), 0);
	}
	t = sim_table_begin(set, "summary.csv", summary_keys, 2, summary_values, 1, &err);
	assert_non_null(t);
	for (size_t r = 0; r < 2; r++) {
		double v = expected(point, rep, 1, r, 0);
		assert_int_equal(sim_table_add(t, summary_rows[r], &v, &err), 0);
	}
	return set;
}

/* Bit for bit, or both NaN. -0.0 is not among the specials: see
   test_value_types. */
static void assert_same_double(double got, double want, const char *what)
{
	if (isnan(want) ? !isnan(got) : memcmp(&got, &want, sizeof got) != 0)
		fail_msg("%s: got %.17g, expected %.17g", what, got, want);
}

/* Fails unless `set` holds replications 0 .. n-1 of point exactly as
   make_rep built them. */
static void assert_loaded(const sim_table_set *set, size_t point, size_t n)
{
	assert_int_equal(sim_table_set_count(set), 2);
	const sim_table *w = sim_table_set_at(set, 0), *s = sim_table_set_at(set, 1);
	assert_string_equal(sim_table_file(w), "models_weekly.csv");
	assert_string_equal(sim_table_file(s), "summary.csv");
	assert_int_equal(sim_table_key_count(w), 2);
	assert_int_equal(sim_table_value_count(w), 2);
	assert_string_equal(sim_table_key_name(w, 0), "week");
	assert_string_equal(sim_table_key_name(w, 1), "model");
	assert_string_equal(sim_table_value_name(w, 0), "tokens");
	assert_string_equal(sim_table_value_name(w, 1), "revenue");
	assert_string_equal(sim_table_key_name(s, 1), "subject");
	assert_string_equal(sim_table_value_name(s, 0), "value");
	assert_int_equal(sim_table_replications(w), n);
	assert_int_equal(sim_table_replications(s), n);
	assert_int_equal(sim_table_rows(w), WEEKLY_ROWS);
	assert_int_equal(sim_table_rows(s), 2);
	for (size_t r = 0; r < WEEKLY_ROWS; r++) {
		assert_string_equal(sim_table_key(w, r, 0), weekly_rows[r][0]);
		assert_string_equal(sim_table_key(w, r, 1), weekly_rows[r][1]);
	}
	char what[128];
	for (size_t rep = 0; rep < n; rep++) {
		for (size_t r = 0; r < WEEKLY_ROWS; r++)
			for (size_t c = 0; c < 2; c++) {
				snprintf(what, sizeof what, "point %zu rep %zu weekly %zu/%zu",
					 point, rep, r, c);
				assert_same_double(sim_table_value(w, rep, r, c),
						   expected(point, rep, 0, r, c), what);
			}
		for (size_t r = 0; r < 2; r++) {
			snprintf(what, sizeof what, "point %zu rep %zu summary %zu", point, rep,
				 r);
			assert_same_double(sim_table_value(s, rep, r, 0),
					   expected(point, rep, 1, r, 0), what);
		}
	}
}

static void commit_rep(sim_store *s, size_t point, size_t rep, const char *notes)
{
	sim_error err;
	sim_error_clear(&err);
	sim_table_set *set = make_rep(point, rep);
	if (sim_store_commit(s, point, rep, 2026, 0x9e3779b97f4a7c15ULL + rep, 1000 + rep, notes,
			     set, &err) != 0)
		fail_msg("commit of point %zu rep %zu: %s", point, rep, err.message);
	sim_table_set_free(set);
}

/* Loads replications 0 .. n-1 of point and checks them. */
static void check_load(sim_store *s, size_t point, size_t n)
{
	sim_error err;
	sim_error_clear(&err);
	sim_table_set *into = sim_table_set_new();
	assert_non_null(into);
	if (sim_store_load(s, point, n, into, &err) != 0)
		fail_msg("load of point %zu: %s", point, err.message);
	assert_loaded(into, point, n);
	sim_table_set_free(into);
}

/* Two points over a number and a date parameter. */
static const char *const point_names[] = { "p0000", "p0001" };
static const char *const point_paths[] = { "market.fee", "market.events.[0].date" };
static const bool point_numbers[] = { true, false };
static const char *const point_values[] = { "0.050000000000000003", "2026-03-16",
					    "0.30000000000000004", "2026-03-30" };

static sim_store *open_new(const char *dir)
{
	sim_error err;
	sim_error_clear(&err);
	sim_store *s = sim_store_open(dir, true, &err);
	if (!s)
		fail_msg("open %s: %s", dir, err.message);
	return s;
}

static void set_points(sim_store *s)
{
	sim_error err;
	sim_error_clear(&err);
	if (sim_store_set_points(s, 2, 2, point_names, point_paths, point_numbers, point_values,
				 &err) != 0)
		fail_msg("set_points: %s", err.message);
}

/* ---- SQL on the file, beside the store -------------------------------------- */

/* Every row `sql` returns from the database at path, columns joined by
   '|' and rows by ';' (NULL as "NULL"): heap text. */
static char *db_text(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		fail_msg("cannot open %s", path);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	for (int row = 0; sqlite3_step(st) == SQLITE_ROW; row++) {
		if (row)
			fputc(';', f);
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			const unsigned char *t = sqlite3_column_text(st, c);
			fprintf(f, "%s%s", c ? "|" : "", t ? (const char *)t : "NULL");
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	fclose(f);
	return text;
}

static void expect_sql(const char *path, const char *sql, const char *want)
{
	char *got = db_text(path, sql);
	if (strcmp(got, want) != 0)
		fail_msg("%s\n got: %s\nwant: %s", sql, got, want);
	free(got);
}

/* ---- the tests ----------------------------------------------------------------- */

/* Ensure committed replications, meta and points come back exactly, bit for bit. */
static void test_round_trip(void **state)
{
	/* The experiment's settings, the points, and three replications of two
	   tables: every double bit for bit, every key as written, with the notes
	   and the bookkeeping (has, replications, load). */
	const char *dir = *state;
	sim_error err;
	sim_error_clear(&err);
	assert_false(sim_store_exists(dir));
	sim_store *s = open_new(dir);
	assert_true(sim_store_exists(dir));
	char want_path[600];
	db_path(dir, want_path, sizeof want_path);
	assert_string_equal(sim_store_path(s), want_path);

	/* The experiment: text with newlines, quotes and UTF-8 comes back
	   as it went in; a later value replaces an earlier one; an unset
	   key is NULL with err untouched. */
	const char *config =
		"model = \"market\";\nname = \"it's \\\"quoted\\\"\";\n# caf\xc3\xa9\n";
	assert_int_equal(sim_store_set_meta(s, "config", config, &err), 0);
	assert_int_equal(sim_store_set_meta(s, "name", "first", &err), 0);
	assert_int_equal(sim_store_set_meta(s, "name", "exp", &err), 0);
	assert_int_equal(sim_store_set_meta(s, "empty", "", &err), 0);
	char *v = sim_store_meta(s, "config", &err);
	assert_string_equal(v, config);
	free(v);
	v = sim_store_meta(s, "name", &err);
	assert_string_equal(v, "exp");
	free(v);
	v = sim_store_meta(s, "empty", &err);
	assert_string_equal(v, "");
	free(v);
	assert_null(sim_store_meta(s, "never set", &err));
	assert_int_equal(err.kind, SIM_ERROR_NONE);

	/* The points: a number is shown as the CSVs show it (%.10g), a date
	   as text. */
	set_points(s);
	assert_int_equal(sim_store_point_count(s, &err), 2);
	char *name, **paths, **values;
	size_t np;
	assert_int_equal(sim_store_point(s, 1, &name, &paths, &values, &np, &err), 0);
	assert_string_equal(name, "p0001");
	assert_int_equal(np, 2);
	assert_string_equal(paths[0], "market.fee");
	assert_string_equal(paths[1], "market.events.[0].date");
	assert_string_equal(values[0], "0.3");
	assert_string_equal(values[1], "2026-03-30");
	free(name);
	sim_store_free_strings(paths, np);
	sim_store_free_strings(values, np);
	/* A point that is not there is an error. */
	assert_int_equal(sim_store_point(s, 2, &name, &paths, &values, &np, &err), -1);
	assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	assert_non_null(strstr(err.message, "point 2 is not in the database"));
	assert_null(name);
	assert_int_equal(np, 0);
	sim_error_clear(&err);
	/* Points are recorded once. */
	assert_int_equal(sim_store_set_points(s, 2, 2, point_names, point_paths, point_numbers,
					      point_values, &err), -1);
	assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	sim_error_clear(&err);
	assert_int_equal(sim_store_point_count(s, &err), 2);

	/* Three replications of point 1, committed out of order. */
	assert_int_equal(sim_store_replications(s, 1, &err), 0);
	commit_rep(s, 1, 2, NULL);
	assert_int_equal(sim_store_replications(s, 1, &err), 0); /* 0 is missing */
	commit_rep(s, 1, 0, "kept = 3\nrule = \"x, y\"");
	assert_int_equal(sim_store_replications(s, 1, &err), 1); /* 1 is missing */
	commit_rep(s, 1, 1, "");
	assert_int_equal(sim_store_replications(s, 1, &err), 3);
	assert_int_equal(sim_store_replications(s, 0, &err), 0);
	for (uint64_t r = 0; r < 3; r++)
		assert_int_equal(sim_store_has(s, 1, r, &err), 1);
	assert_int_equal(sim_store_has(s, 1, 3, &err), 0);
	assert_int_equal(sim_store_has(s, 0, 0, &err), 0);
	assert_int_equal(err.kind, SIM_ERROR_NONE);

	v = sim_store_notes(s, 1, 0, &err);
	assert_string_equal(v, "kept = 3\nrule = \"x, y\"");
	free(v);
	v = sim_store_notes(s, 1, 2, &err); /* NULL notes: "" */
	assert_string_equal(v, "");
	free(v);
	v = sim_store_notes(s, 0, 9, &err); /* not stored: "" */
	assert_string_equal(v, "");
	free(v);

	check_load(s, 1, 3);
	check_load(s, 1, 2); /* a prefix */
	/* More than stored: an error naming the missing one. */
	sim_table_set *into = sim_table_set_new();
	assert_int_equal(sim_store_load(s, 1, 4, into, &err), -1);
	assert_non_null(strstr(err.message, "replication 3 of point 1 is not stored"));
	sim_table_set_free(into);
	sim_store_close(s);
}

/* A weekly table whose week is an integer key, beside a date and an id. */
static const char *const typed_keys[] = { "week", "week_start", "model" };
static const char *const typed_rows[][3] = {
	{ "10", "2026-03-09", "glm" },
	{ "2", "2026-01-12", "kimi k2" },
	{ "-3", "2025-12-08", "caf\xc3\xa9" },
	{ "0", "2025-12-29", "7" },
};

/* One replication of the typed table, its weeks as given. */
static sim_table_set *typed_rep(const char *const weeks[4])
{
	sim_error err;
	sim_error_clear(&err);
	sim_table_set *set = sim_table_set_new();
	sim_table *t = sim_table_begin(set, "models_weekly.csv", typed_keys, 3, weekly_values, 2,
				       &err);
	assert_non_null(t);
	for (size_t r = 0; r < 4; r++) {
		const char *keys[3] = { weeks[r], typed_rows[r][1], typed_rows[r][2] };
		const double v[2] = { r == 0 ? 3.0 : 0.25 * (double)r, r == 0 ? NAN : 1e300 };
		assert_int_equal(sim_table_add(t, keys, v, &err), 0);
	}
	return set;
}

/* Ensure every column has its real SQL type: integer keys INTEGER, ids and dates TEXT, values REAL. */
static void test_value_types(void **state)
{
	/* As `sqlite3 results.sqlite` shows them to an analyst. A key column
	   is INTEGER when every value of the first replication stored is an
	   integer as SQLite writes one ("10", "-3", not "07" or "+1"), so
	   that ORDER BY and ranges are numeric; the decision is recorded in
	   `tables` and holds for every later commit, on any handle. */
	const char *dir = *state;
	sim_store *s = open_new(dir);
	sim_error err;
	sim_error_clear(&err);
	assert_int_equal(sim_store_set_meta(s, "name", "exp", &err), 0);
	set_points(s);
	static const char *const weeks[4] = { "10", "2", "-3", "0" };
	sim_table_set *set = typed_rep(weeks);
	sim_table *t = sim_table_begin(set, "summary.csv", summary_keys, 2, summary_values, 1,
				       &err);
	const double minus_zero = -0.0;
	assert_int_equal(sim_table_add(t, summary_rows[0], &minus_zero, &err), 0);
	assert_int_equal(sim_store_commit(s, 0, 0, 11, 0xabcULL, 42, "n", set, &err), 0);
	sim_table_set_free(set);
	char path[600];
	db_path(dir, path, sizeof path);

	expect_sql(path,
		   "SELECT typeof(point), typeof(replication), typeof(row), typeof(week),"
		   " typeof(week_start), typeof(model), typeof(tokens), typeof(revenue), week"
		   " FROM models_weekly ORDER BY row",
		   "integer|integer|integer|integer|text|text|real|null|10;"
		   "integer|integer|integer|integer|text|text|real|real|2;"
		   "integer|integer|integer|integer|text|text|real|real|-3;"
		   "integer|integer|integer|integer|text|text|real|real|0");
	/* Numeric order and ranges (as TEXT, '10' < '2' and '-3' < '0'). */
	expect_sql(path, "SELECT week FROM models_weekly ORDER BY week", "-3;0;2;10");
	expect_sql(path, "SELECT count(*) FROM models_weekly WHERE week < 5", "3");
	expect_sql(path, "SELECT count(*) FROM models_weekly WHERE week = '10'", "1");
	/* A model id that reads as a number stays text: its column is TEXT. */
	expect_sql(path, "SELECT typeof(model), model FROM models_weekly WHERE week = 0",
		   "text|7");
	/* The declared types, as the schema says them. */
	expect_sql(path, "SELECT name, type FROM pragma_table_info('models_weekly') ORDER BY cid",
		   "point|INTEGER;replication|INTEGER;row|INTEGER;week|INTEGER;week_start|TEXT;"
		   "model|TEXT;tokens|REAL;revenue|REAL");
	expect_sql(path, "SELECT name, type FROM pragma_table_info('summary') ORDER BY cid",
		   "point|INTEGER;replication|INTEGER;row|INTEGER;metric|TEXT;subject|TEXT;"
		   "value|REAL");
	/* The view keeps them. */
	expect_sql(path, "SELECT typeof(week), typeof(week_start) FROM models_weekly_rows LIMIT 1",
		   "integer|text");
	/* The tables the store knows, with their columns and key types
	   newline-joined. */
	expect_sql(path, "SELECT position, file, sql_name, key_columns, value_columns, key_types"
		   " FROM tables ORDER BY position",
		   "1|models_weekly.csv|models_weekly|week\nweek_start\nmodel|tokens\nrevenue|"
		   "INTEGER\nTEXT\nTEXT;"
		   "2|summary.csv|summary|metric\nsubject|value|TEXT\nTEXT");
	/* The points: a number parameter REAL, a date TEXT, as declared. */
	expect_sql(path,
		   "SELECT typeof(point), typeof(point_name), typeof(\"market.fee\"),"
		   " typeof(\"market.events.[0].date\"), \"market.events.[0].date\""
		   " FROM points ORDER BY point",
		   "integer|text|real|text|2026-03-16;integer|text|real|text|2026-03-30");
	expect_sql(path, "SELECT name, type FROM pragma_table_info('points') ORDER BY cid",
		   "point|INTEGER;point_name|TEXT;market.fee|REAL;market.events.[0].date|TEXT");
	/* The 17 digits given reach the file: the stored double is the one
	   they name (0.30000000000000004, not 0.3). */
	expect_sql(path, "SELECT \"market.fee\" = 0.30000000000000004, \"market.fee\" = 0.3"
		   " FROM points WHERE point = 1", "1|0");
	/* runs: seed and events as integers, the stream key as 16 hex
	   digits of text. */
	expect_sql(path,
		   "SELECT typeof(seed), seed, typeof(stream_key), stream_key, typeof(events),"
		   " events, notes FROM runs",
		   "integer|11|text|0000000000000abc|integer|42|n");

	/* Read back, every key is the string that went in. -0.0 loses its
	   sign (SQLite writes an integral REAL as an integer; every
	   aggregate is the same); NaN comes back as NaN, 3.0 as 3.0. */
	sim_table_set *into = sim_table_set_new();
	assert_int_equal(sim_store_load(s, 0, 1, into, &err), 0);
	double back = sim_table_value(sim_table_find(into, "summary.csv"), 0, 0, 0);
	assert_true(back == 0.0);
	assert_false(signbit(back));
	const sim_table *w = sim_table_find(into, "models_weekly.csv");
	for (size_t r = 0; r < 4; r++) {
		assert_string_equal(sim_table_key(w, r, 0), weeks[r]);
		assert_string_equal(sim_table_key(w, r, 1), typed_rows[r][1]);
		assert_string_equal(sim_table_key(w, r, 2), typed_rows[r][2]);
	}
	assert_true(isnan(sim_table_value(w, 0, 0, 1)));
	assert_true(sim_table_value(w, 0, 0, 0) == 3.0);
	sim_table_set_free(into);

	/* A later replication whose week is not an integer is refused, on
	   this handle and on a new one (which reads the types recorded),
	   and stores nothing. */
	static const char *const bad_weeks[2][4] = {
		{ "10", "2", "07", "0" },  /* a leading zero would come back "7" */
		{ "10", "2", "w3", "0" },
	};
	for (int h = 0; h < 2; h++) {
		if (h == 1) {
			sim_store_close(s);
			s = sim_store_open_existing(dir, &err);
			assert_non_null(s);
		}
		set = typed_rep(bad_weeks[h]);
		assert_int_equal(sim_store_commit(s, 0, 1, 11, 1, 1, NULL, set, &err), -1);
		assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
		char want[128];
		snprintf(want, sizeof want, "key column week is INTEGER (every value of the "
			 "replication first stored was an integer), but row 2 holds \"%s\"",
			 bad_weeks[h][2]);
		if (!strstr(err.message, want))
			fail_msg("expected \"%s\" in: %s", want, err.message);
		sim_table_set_free(set);
		sim_error_clear(&err);
		assert_int_equal(sim_store_has(s, 0, 1, &err), 0);
	}
	expect_sql(path, "SELECT count(*) FROM models_weekly WHERE replication = 1", "0");
	sim_store_close(s);

	/* A column whose first values are not all canonical integers is
	   TEXT, and then takes integers too, as text. */
	sim_store_remove(dir);
	s = open_new(dir);
	set_points(s);
	set = typed_rep(bad_weeks[0]);
	assert_int_equal(sim_store_commit(s, 0, 0, 11, 0, 1, NULL, set, &err), 0);
	sim_table_set_free(set);
	set = typed_rep(weeks);
	assert_int_equal(sim_store_commit(s, 0, 1, 11, 1, 1, NULL, set, &err), 0);
	sim_table_set_free(set);
	expect_sql(path, "SELECT DISTINCT typeof(week) FROM models_weekly", "text");
	expect_sql(path, "SELECT week FROM models_weekly WHERE replication = 0 ORDER BY row",
		   "10;2;07;0");
	sim_store_close(s);
}

/* The failures each_failure reports, as text. */
typedef struct failure_log {
	size_t n;
	char text[1024];
} failure_log;

static void log_failure(void *ctx, size_t point, uint64_t replication, uint64_t seed,
			const char *message)
{
	failure_log *log = ctx;
	size_t used = strlen(log->text);
	snprintf(log->text + used, sizeof log->text - used, "%zu/%llu/%llu/%s;", point,
		 (unsigned long long)replication, (unsigned long long)seed, message);
	log->n++;
}

/* Ensure completed points and failures are recorded, replaced, ordered and cleared. */
static void test_completed_and_failures(void **state)
{
	const char *dir = *state;
	sim_store *s = open_new(dir);
	sim_error err;
	sim_error_clear(&err);
	char *rule = (char *)"untouched";

	/* Not finished: -1 and "". */
	assert_int_equal(sim_store_completed(s, 3, &rule, &err), -1);
	assert_string_equal(rule, "");
	free(rule);
	assert_int_equal(sim_store_complete(s, 3, 20, "targets met: sd < 0.1", &err), 0);
	assert_int_equal(sim_store_completed(s, 3, &rule, &err), 20);
	assert_string_equal(rule, "targets met: sd < 0.1");
	free(rule);
	/* Completing again replaces; a NULL rule is "". */
	assert_int_equal(sim_store_complete(s, 3, 25, NULL, &err), 0);
	assert_int_equal(sim_store_completed(s, 3, &rule, &err), 25);
	assert_string_equal(rule, "");
	free(rule);
	assert_int_equal(sim_store_completed(s, 2, &rule, &err), -1);
	free(rule);

	/* Failures, recorded out of order, come back ordered; a second
	   failure of the same (point, replication) replaces the first. The
	   seed travels as SQLite's signed 64 bits and comes back whole. */
	const uint64_t big = 0x8000000000000005ULL;
	assert_int_equal(sim_store_fail(s, 2, 1, 7, "first, try", &err), 0);
	assert_int_equal(sim_store_fail(s, 0, 3, big, "worker died: signal 9", &err), 0);
	assert_int_equal(sim_store_fail(s, 2, 0, 7, "model error: \"x\"\nline 2", &err), 0);
	assert_int_equal(sim_store_fail(s, 2, 1, 8, "second", &err), 0);
	commit_rep(s, 0, 0, NULL);
	failure_log log = { 0, "" };
	assert_int_equal(sim_store_each_failure(s, log_failure, &log, &err), 0);
	assert_int_equal(log.n, 3);
	assert_string_equal(log.text, "0/3/9223372036854775813/worker died: signal 9;"
				      "2/0/7/model error: \"x\"\nline 2;2/1/8/second;");
	/* A failure is not a stored replication. */
	assert_int_equal(sim_store_has(s, 2, 1, &err), 0);
	assert_int_equal(sim_store_has(s, 0, 0, &err), 1);

	assert_int_equal(sim_store_clear_failures(s, &err), 0);
	failure_log none = { 0, "" };
	assert_int_equal(sim_store_each_failure(s, log_failure, &none, &err), 0);
	assert_int_equal(none.n, 0);
	/* What else was stored stays. */
	assert_int_equal(sim_store_has(s, 0, 0, &err), 1);
	assert_int_equal(sim_store_completed(s, 3, &rule, &err), 25);
	free(rule);
	assert_int_equal(err.kind, SIM_ERROR_NONE);
	sim_store_close(s);
}

/* Ensure a second handle sees everything committed, and `fresh` starts over. */
static void test_reopen(void **state)
{
	/* As a resume or `marketsim plot` opens the file. */
	const char *dir = *state;
	sim_error err;
	sim_error_clear(&err);
	sim_store *s = open_new(dir);
	assert_int_equal(sim_store_set_meta(s, "name", "exp", &err), 0);
	set_points(s);
	commit_rep(s, 0, 0, "a = 1");
	commit_rep(s, 0, 1, NULL);
	commit_rep(s, 1, 0, NULL);
	assert_int_equal(sim_store_complete(s, 0, 2, "", &err), 0);
	assert_int_equal(sim_store_fail(s, 1, 1, 5, "boom", &err), 0);
	sim_store_close(s);

	s = sim_store_open_existing(dir, &err);
	if (!s)
		fail_msg("open_existing: %s", err.message);
	char *v = sim_store_meta(s, "name", &err);
	assert_string_equal(v, "exp");
	free(v);
	assert_int_equal(sim_store_point_count(s, &err), 2);
	assert_int_equal(sim_store_replications(s, 0, &err), 2);
	assert_int_equal(sim_store_replications(s, 1, &err), 1);
	char *rule;
	assert_int_equal(sim_store_completed(s, 0, &rule, &err), 2);
	free(rule);
	failure_log log = { 0, "" };
	assert_int_equal(sim_store_each_failure(s, log_failure, &log, &err), 0);
	assert_string_equal(log.text, "1/1/5/boom;");
	v = sim_store_notes(s, 0, 0, &err);
	assert_string_equal(v, "a = 1");
	free(v);
	/* A fresh handle learns the tables from the file: loads work, and
	   a further commit appends to them. */
	check_load(s, 0, 2);
	commit_rep(s, 1, 1, NULL);
	check_load(s, 1, 2);
	sim_store_close(s);

	/* Opened again without `fresh`: still there. */
	s = sim_store_open(dir, false, &err);
	assert_non_null(s);
	assert_int_equal(sim_store_replications(s, 1, &err), 2);
	sim_store_close(s);

	/* With `fresh`: an empty database, points and all gone. */
	s = sim_store_open(dir, true, &err);
	assert_non_null(s);
	assert_int_equal(sim_store_has(s, 0, 0, &err), 0);
	assert_null(sim_store_meta(s, "name", &err));
	assert_int_equal(err.kind, SIM_ERROR_NONE);
	assert_int_equal(sim_store_point_count(s, &err), -1); /* no points table yet */
	assert_non_null(strstr(err.message, "no such table: points"));
	sim_store_close(s);

	/* Removed: gone, with SQLite's companion files. */
	sim_store_remove(dir);
	assert_false(sim_store_exists(dir));
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			fail_msg("%s left in %s", e->d_name, dir);
	closedir(d);
}

/* Ensure a missing database or directory is an error that creates nothing. */
static void test_missing_store(void **state)
{
	/* Kind CONFIG for a directory without one (`marketsim plot DIR`). */
	const char *dir = *state;
	sim_error err;
	sim_error_clear(&err);
	assert_false(sim_store_exists(dir));
	assert_null(sim_store_open_existing(dir, &err));
	assert_int_equal(err.kind, SIM_ERROR_CONFIG);
	assert_string_equal(err.file, dir);
	assert_non_null(strstr(err.message, "no results database here"));
	assert_false(sim_store_exists(dir));

	char gone[600];
	snprintf(gone, sizeof gone, "%s/no/such/dir", dir);
	sim_error_clear(&err);
	assert_null(sim_store_open_existing(gone, &err));
	assert_int_equal(err.kind, SIM_ERROR_CONFIG);
	sim_error_clear(&err);
	assert_null(sim_store_open(gone, false, &err));
	assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	assert_non_null(strstr(err.message, "cannot open the results database"));
	assert_false(sim_store_exists(dir));
}

/* Writes `len` bytes of `bytes` as dir's results.sqlite. */
static void write_db_file(const char *dir, const void *bytes, size_t len)
{
	char path[600];
	db_path(dir, path, sizeof path);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Ensure a corrupt or empty results.sqlite is an error, not a crash. */
static void test_corrupt_store(void **state)
{
	/* Text, a header followed by zeros, a real database cut short, an
	   empty (0-byte) file, another program's database. */
	const char *dir = *state;
	sim_error err;
	char junk[8192];

	/* Text. */
	memset(junk, 'x', sizeof junk);
	write_db_file(dir, junk, sizeof junk);
	sim_error_clear(&err);
	assert_null(sim_store_open_existing(dir, &err));
	assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	assert_non_null(strstr(err.message, "file is not a database"));
	/* sim_store_open without `fresh` refuses it the same way. */
	sim_error_clear(&err);
	assert_null(sim_store_open(dir, false, &err));
	assert_non_null(strstr(err.message, "file is not a database"));

	/* SQLite's magic string, then zeros: a header that makes no sense. */
	memset(junk, 0, sizeof junk);
	memcpy(junk, "SQLite format 3", 16);
	write_db_file(dir, junk, sizeof junk);
	sim_error_clear(&err);
	assert_null(sim_store_open_existing(dir, &err));
	assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	assert_non_null(strstr(err.message, "file is not a database"));

	/* A real database cut to its first 100 bytes (the header alone):
	   the header names pages that are gone, and the open says so. */
	sim_store *s = open_new(dir);
	sim_error_clear(&err);
	assert_int_equal(sim_store_set_meta(s, "name", "exp", &err), 0);
	set_points(s);
	commit_rep(s, 0, 0, NULL);
	sim_store_close(s); /* checkpoints the WAL into the file */
	char path[600];
	db_path(dir, path, sizeof path);
	assert_int_equal(truncate(path, 100), 0);
	sim_error_clear(&err);
	assert_null(sim_store_open_existing(dir, &err));
	assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	assert_non_null(strstr(err.message, "database disk image is malformed"));

	/* A 0-byte results.sqlite (SQLite would take it for an empty
	   database) is refused at open, and left as it was: nothing is
	   written into it. */
	sim_store_remove(dir);
	write_db_file(dir, "", 0);
	sim_error_clear(&err);
	assert_null(sim_store_open_existing(dir, &err));
	assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	assert_non_null(strstr(err.message, "not a results database"));
	assert_string_equal(err.file, path);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);

	/* So is a real SQLite database that some other program wrote. */
	sim_store_remove(dir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(db);
	sim_error_clear(&err);
	assert_null(sim_store_open_existing(dir, &err));
	assert_non_null(strstr(err.message, "not a results database"));
	expect_sql(path, "SELECT group_concat(name) FROM sqlite_master", "t");
}

/* Ensure each commit is its own durable transaction, all or nothing. */
static void test_commit_transactions(void **state)
{
	/* Replications committed by a process that is then killed (no close, no
	   complete) are all there for the next handle, and a commit that fails
	   half-way leaves none of its rows. */
	const char *dir = *state;
	sim_error err;
	sim_error_clear(&err);
	sim_store *s = open_new(dir);
	assert_int_equal(sim_store_set_meta(s, "name", "exp", &err), 0);
	set_points(s);
	sim_store_close(s);

	/* A child process commits two replications, says so, and is killed
	   (from outside, as SIGKILL or a power loss would stop it) before it
	   closes the store or completes the point. */
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		sim_error e;
		sim_error_clear(&e);
		sim_store *c = sim_store_open(dir, false, &e);
		if (!c)
			_exit(3);
		for (size_t rep = 0; rep < 2; rep++) {
			sim_table_set *set = make_rep(0, rep);
			if (sim_store_commit(c, 0, rep, 2026, rep, 1, NULL, set, &e) != 0)
				_exit(2);
			sim_table_set_free(set);
		}
		if (write(ready[1], "c", 1) != 1)
			_exit(4);
		for (;;)
			pause();
	}
	close(ready[1]);
	char byte;
	ssize_t got = read(ready[0], &byte, 1);
	close(ready[0]);
	kill(pid, SIGKILL);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (got != 1 || !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		fail_msg("the committing child failed before its kill (status %d)", status);

	s = sim_store_open_existing(dir, &err);
	assert_non_null(s);
	assert_int_equal(sim_store_has(s, 0, 0, &err), 1);
	assert_int_equal(sim_store_has(s, 0, 1, &err), 1);
	assert_int_equal(sim_store_replications(s, 0, &err), 2);
	char *rule;
	assert_int_equal(sim_store_completed(s, 0, &rule, &err), -1);
	free(rule);
	check_load(s, 0, 2);

	/* The same replication again: refused, and nothing changes. */
	sim_table_set *again = make_rep(0, 1);
	assert_int_equal(sim_store_commit(s, 0, 1, 2026, 1, 1, NULL, again, &err), -1);
	assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	sim_table_set_free(again);
	sim_error_clear(&err);
	check_load(s, 0, 2);
	sim_store_close(s);

	/* A fresh handle (a resumed sweep) and a replication whose second
	   table has other columns than the stored one: the commit fails
	   after its first table's rows went in, and rolls them back. */
	s = sim_store_open_existing(dir, &err);
	assert_non_null(s);
	sim_table_set *bad = sim_table_set_new();
	sim_table *t = sim_table_begin(bad, "models_weekly.csv", weekly_keys, 2, weekly_values, 2,
				       &err);
	const double two[2] = { 1, 2 };
	assert_int_equal(sim_table_add(t, weekly_rows[0], two, &err), 0);
	t = sim_table_begin(bad, "summary.csv", summary_keys, 1, summary_values, 1, &err);
	assert_int_equal(sim_table_add(t, summary_rows[0], two, &err), 0);
	assert_int_equal(sim_store_commit(s, 1, 0, 2026, 0, 1, NULL, bad, &err), -1);
	assert_non_null(strstr(err.message, "table summary.csv has other columns than the "
					    "stored one"));
	sim_table_set_free(bad);
	sim_error_clear(&err);
	assert_int_equal(sim_store_has(s, 1, 0, &err), 0);
	char path[600];
	db_path(dir, path, sizeof path);
	expect_sql(path, "SELECT count(*) FROM models_weekly WHERE point = 1", "0");
	/* No transaction is left open: a good commit on the same handle
	   goes in. */
	commit_rep(s, 1, 0, NULL);
	check_load(s, 1, 1);
	sim_store_close(s);
}

/* Ensure a table whose columns changed is refused, on the same handle as on a new one. */
static void test_table_layout_checks(void **state)
{
	/* Every commit compares each table's columns with the ones stored,
	   whether the handle has met the table before or not; a commit that
	   fails after creating a table leaves the handle able to store it. */
	const char *dir = *state;
	sim_error err;
	sim_error_clear(&err);
	sim_store *s = open_new(dir);
	set_points(s);
	commit_rep(s, 0, 0, NULL);

	/* A wider summary table (one more key and value). */
	static const char *const wide_keys[] = { "metric", "subject", "extra" };
	static const char *const wide_values[] = { "value", "more" };
	static const char *const wide_row[] = { "cum_revenue", "Alibaba", "x" };
	const double wide_vals[] = { 5.0, 6.0 };
	sim_table_set *wide = sim_table_set_new();
	sim_table *t = sim_table_begin(wide, "summary.csv", wide_keys, 3, wide_values, 2, &err);
	assert_int_equal(sim_table_add(t, wide_row, wide_vals, &err), 0);
	/* A narrower one (no value column at all). */
	sim_table_set *narrow = sim_table_set_new();
	t = sim_table_begin(narrow, "summary.csv", summary_keys, 2, NULL, 0, &err);
	assert_int_equal(sim_table_add(t, summary_rows[0], NULL, &err), 0);

	/* The handle that stored summary.csv refuses both, and stores
	   nothing of them. */
	char path[600];
	db_path(dir, path, sizeof path);
	assert_int_equal(sim_store_commit(s, 0, 1, 2026, 1, 1, NULL, wide, &err), -1);
	assert_non_null(strstr(err.message, "table summary.csv has other columns"));
	sim_error_clear(&err);
	assert_int_equal(sim_store_commit(s, 0, 1, 2026, 1, 1, NULL, narrow, &err), -1);
	assert_non_null(strstr(err.message, "table summary.csv has other columns"));
	sim_error_clear(&err);
	assert_int_equal(sim_store_has(s, 0, 1, &err), 0);
	expect_sql(path, "SELECT count(*) FROM summary WHERE replication = 1", "0");
	/* A good one still goes in. */
	commit_rep(s, 0, 1, NULL);
	sim_store_close(s);

	/* A new handle refuses it too. */
	s = sim_store_open_existing(dir, &err);
	assert_non_null(s);
	assert_int_equal(sim_store_commit(s, 0, 2, 2026, 2, 1, NULL, wide, &err), -1);
	assert_non_null(strstr(err.message, "table summary.csv has other columns"));
	sim_error_clear(&err);
	sim_table_set_free(wide);
	sim_table_set_free(narrow);

	/* A commit that fails after creating a new table (extra.csv, new,
	   then summary.csv with other columns) rolls the CREATE TABLE back,
	   and the handle forgets the table with it: the same handle then
	   stores a replication with extra.csv. */
	sim_table_set *bad = sim_table_set_new();
	static const char *const one_key[] = { "k" }, *const one_value[] = { "v" };
	static const char *const k_row[] = { "a" };
	const double one = 1.0;
	t = sim_table_begin(bad, "extra.csv", one_key, 1, one_value, 1, &err);
	assert_int_equal(sim_table_add(t, k_row, &one, &err), 0);
	t = sim_table_begin(bad, "summary.csv", one_key, 1, one_value, 1, &err);
	assert_int_equal(sim_table_add(t, k_row, &one, &err), 0);
	assert_int_equal(sim_store_commit(s, 0, 2, 2026, 2, 1, NULL, bad, &err), -1);
	sim_table_set_free(bad);
	sim_error_clear(&err);
	expect_sql(path, "SELECT count(*) FROM sqlite_master WHERE name = 'extra'", "0");
	sim_table_set *good = make_rep(0, 2);
	t = sim_table_begin(good, "extra.csv", one_key, 1, one_value, 1, &err);
	assert_int_equal(sim_table_add(t, k_row, &one, &err), 0);
	if (sim_store_commit(s, 0, 2, 2026, 2, 1, NULL, good, &err) != 0)
		fail_msg("commit after a rolled-back one: %s", err.message);
	assert_int_equal(sim_store_has(s, 0, 2, &err), 1);
	expect_sql(path, "SELECT k, v FROM extra WHERE replication = 2", "a|1.0");
	sim_table_set_free(good);
	sim_store_close(s);
}

/* Ensure the export of a table (sweep_replications.csv) is the expected text. */
static void test_export(void **state)
{
	/* The experiment, point, parameters, replication, seed and stream key
	   lead each row; rows are ordered by point, replication and row whatever
	   order they were committed in; numbers as %.10g, NaN and the infinities
	   spelled as the CSVs spell them. */
	const char *dir = *state;
	sim_error err;
	sim_error_clear(&err);
	sim_store *s = open_new(dir);
	assert_int_equal(sim_store_set_meta(s, "name", "exp", &err), 0);
	set_points(s);
	const double values[3][2] = {
		{ 1.0 / 3.0, NAN },
		{ 12345678901.5, -INFINITY },
		{ 1e-300, -2.5 },
	};
	const struct {
		size_t point, rep;
		uint64_t seed, key;
	} runs[3] = {
		{ 1, 1, 11, 0xfedcba9876543210ULL },
		{ 0, 0, 11, 0x1234abcdULL },
		{ 1, 0, 11, 0x0ULL },
	};
	for (size_t i = 0; i < 3; i++) {
		sim_table_set *set = sim_table_set_new();
		sim_table *t = sim_table_begin(set, "summary.csv", summary_keys, 2, summary_values,
					       1, &err);
		for (size_t r = 0; r < 2; r++)
			assert_int_equal(sim_table_add(t, summary_rows[r], &values[i][r], &err),
					 0);
		assert_int_equal(sim_store_commit(s, runs[i].point, runs[i].rep, runs[i].seed,
						  runs[i].key, 1, NULL, set, &err), 0);
		sim_table_set_free(set);
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(sim_store_export(s, "summary.csv", f, &err), 0);
	fclose(f);
	assert_string_equal(text,
		"experiment,point,point_name,market.fee,market.events.[0].date,replication,seed,"
		"stream_key,metric,subject,value\n"
		"exp,0,p0000,0.05,2026-03-16,0,11,000000001234abcd,cum_revenue,Alibaba,"
		"1.23456789e+10\n"
		"exp,0,p0000,0.05,2026-03-16,0,11,000000001234abcd,share,CN,-inf\n"
		"exp,1,p0001,0.3,2026-03-30,0,11,0000000000000000,cum_revenue,Alibaba,1e-300\n"
		"exp,1,p0001,0.3,2026-03-30,0,11,0000000000000000,share,CN,-2.5\n"
		"exp,1,p0001,0.3,2026-03-30,1,11,fedcba9876543210,cum_revenue,Alibaba,"
		"0.3333333333\n"
		"exp,1,p0001,0.3,2026-03-30,1,11,fedcba9876543210,share,CN,nan\n");
	free(text);

	/* The file name may be given without .csv. Text is written as it is,
	   unquoted: the models keep commas and quotes out of names
	   (models/market/config.c), so no field needs quoting. */
	text = NULL;
	f = open_memstream(&text, &len);
	assert_int_equal(sim_store_export(s, "summary", f, &err), 0);
	fclose(f);
	assert_non_null(strstr(text, "exp,1,p0001,0.3,2026-03-30,1,11,fedcba9876543210,"
				     "share,CN,nan\n"));
	free(text);

	/* A table never stored: an error, and only the error. */
	text = NULL;
	f = open_memstream(&text, &len);
	assert_int_equal(sim_store_export(s, "models_weekly.csv", f, &err), -1);
	fclose(f);
	assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	assert_non_null(strstr(err.message, "no such table: models_weekly_rows"));
	assert_string_equal(text, "");
	free(text);
	sim_error_clear(&err);

	/* Without an experiment name the experiment column is NULL, which
	   the export spells "nan", as it does a missing number. */
	assert_int_equal(sim_store_set_meta(s, "other", "x", &err), 0);
	sim_store_close(s);
	char path[600];
	db_path(dir, path, sizeof path);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM experiment WHERE key = 'name'", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(db);
	s = sim_store_open_existing(dir, &err);
	assert_non_null(s);
	text = NULL;
	f = open_memstream(&text, &len);
	assert_int_equal(sim_store_export(s, "summary.csv", f, &err), 0);
	fclose(f);
	assert_non_null(strstr(text, "\nnan,0,p0000,0.05,"));
	free(text);
	sim_store_close(s);
}

/* Runs sql on the database at path (beside the store), as an analyst
   or a damaged disk might change it. */
static void db_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* Flips one byte (a mantissa byte, so the number stays finite) of a
   finite REAL `column` of table at (point, rep); returns its row. */
static long flip_real_byte(const char *path, const char *table, const char *column,
			   size_t point, size_t rep)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	/* (SQLite's printf has no %zu.) */
	char *sql = sqlite3_mprintf("SELECT row, \"%w\" FROM \"%w\" WHERE point = %lld AND"
				    " replication = %lld AND typeof(\"%w\") = 'real' AND"
				    " abs(\"%w\") BETWEEN 1e-300 AND 1e300 ORDER BY row LIMIT 1",
				    column, table, (long long)point, (long long)rep, column, column);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long row = (long)sqlite3_column_int64(st, 0);
	double x = sqlite3_column_double(st, 1);
	sqlite3_finalize(st);
	sqlite3_free(sql);
	unsigned char b[sizeof x];
	memcpy(b, &x, sizeof x);
	b[2] ^= 0x10;
	double y;
	memcpy(&y, b, sizeof y);
	assert_true(isfinite(y) && y != x);
	sql = sqlite3_mprintf("UPDATE \"%w\" SET \"%w\" = ? WHERE point = %lld AND replication"
			      " = %lld AND row = %ld", table, column, (long long)point,
			      (long long)rep, row);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_double(st, 1, y);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_finalize(st);
	sqlite3_free(sql);
	sqlite3_close(db);
	return row;
}

/* Fails unless err says that (point, rep) of the database at path does
   not match its checksum. */
static void expect_damaged(const sim_error *err, const char *path, size_t point, size_t rep)
{
	char want[160];
	snprintf(want, sizeof want, "point %zu, replication %zu: its rows do not match their "
		 "checksum (the file was changed or damaged)", point, rep);
	assert_int_equal(err->kind, SIM_ERROR_RUNTIME);
	assert_string_equal(err->file, path);
	if (!strstr(err->message, want))
		fail_msg("expected \"%s\" in: %s", want, err->message);
}

/* Ensure each replication's checksum is its canonical encoding's CRC-64, stored in runs. */
static void test_checksum_stored(void **state)
{
	/* The checksum is CRC-64/XZ of sim_table_set_encode of the rows
	   (here the tables are in the store's order and none is empty), so
	   anyone can recompute it; NaN payloads and -0 do not change it
	   (the encoding is canonical), and it is what a read computes. */
	const char *dir = *state;
	sim_error err;
	sim_error_clear(&err);
	sim_store *s = open_new(dir);
	set_points(s);
	commit_rep(s, 1, 0, NULL);
	sim_table_set *set = make_rep(1, 0);
	char *buf;
	size_t len;
	assert_int_equal(sim_table_set_encode(set, &buf, &len, &err), 0);
	uint64_t crc = 0, seed = 0, mine = 0;
	assert_int_equal(sim_store_run_checksum(s, 1, 0, &crc, &seed, &err), 1);
	assert_true(crc == sim_crc64(buf, len));
	assert_true(seed == 2026);
	assert_int_equal(sim_store_checksum(s, set, &mine, &err), 0);
	assert_true(mine == crc);
	free(buf);
	sim_table_set_free(set);
	assert_int_equal(sim_store_run_checksum(s, 1, 1, &crc, &seed, &err), 0);
	char path[600], want[64], hex[17];
	db_path(dir, path, sizeof path);
	sim_crc64_text(mine, hex);
	snprintf(want, sizeof want, "text|%s", hex);
	expect_sql(path, "SELECT typeof(checksum), checksum FROM runs", want);

	/* Another NaN, -0 for +0: the same checksum. */
	static const char *const k[] = { "k" }, *const v[] = { "v" };
	static const char *const rows[2][1] = { { "a" }, { "b" } };
	double neg_nan = -NAN, minus_zero = -0.0, plus_zero = 0.0, nan = NAN;
	uint64_t c[2];
	for (int i = 0; i < 2; i++) {
		set = sim_table_set_new();
		sim_table *t = sim_table_begin(set, "extra.csv", k, 1, v, 1, &err);
		assert_int_equal(sim_table_add(t, rows[0], i ? &neg_nan : &nan, &err), 0);
		assert_int_equal(sim_table_add(t, rows[1], i ? &minus_zero : &plus_zero, &err), 0);
		assert_int_equal(sim_store_checksum(s, set, &c[i], &err), 0);
		sim_table_set_free(set);
	}
	assert_true(c[0] == c[1]);
	sim_store_close(s);
}

/* Ensure a replication changed in the file is refused by every read, naming it. */
static void test_checksum_detects_changes(void **state)
{
	/* A byte of a REAL flipped, a key edited, a row deleted, a checksum
	   edited: sim_store_load, _check, _export and _values fail naming the
	   point, the replication and the database, and the other
	   replications still read. Deleting the replication from `runs`
	   lets it be committed again (what --resume then does). */
	const char *dir = *state;
	sim_error err;
	sim_error_clear(&err);
	sim_store *s = open_new(dir);
	assert_int_equal(sim_store_set_meta(s, "name", "exp", &err), 0);
	set_points(s);
	for (size_t p = 0; p < 2; p++)
		for (size_t r = 0; r < 3; r++)
			commit_rep(s, p, r, NULL);
	assert_int_equal(sim_store_check_all(s, &err), 0);
	sim_store_close(s);
	char path[600];
	db_path(dir, path, sizeof path);
	static const char *const damage[] = {
		NULL, /* a flipped byte */
		"UPDATE summary SET subject = 'CN ' WHERE point = 1 AND replication = 1 AND row = 1",
		"DELETE FROM models_weekly WHERE point = 1 AND replication = 1 AND row = 3",
		"UPDATE models_weekly SET week = '2026-01-12' WHERE point = 1 AND replication = 1"
		" AND row = 0",
		"UPDATE runs SET checksum = '0123456789abcdef' WHERE point = 1 AND replication = 1",
		"UPDATE runs SET checksum = NULL WHERE point = 1 AND replication = 1",
	};
	for (size_t d = 0; d < sizeof damage / sizeof damage[0]; d++) {
		if (damage[d])
			db_exec(path, damage[d]);
		else
			flip_real_byte(path, "models_weekly", "revenue", 1, 1);
		s = sim_store_open_existing(dir, &err);
		assert_non_null(s);
		sim_table_set *into = sim_table_set_new();
		assert_int_equal(sim_store_load(s, 1, 3, into, &err), -1);
		expect_damaged(&err, path, 1, 1);
		sim_table_set_free(into);
		sim_error_clear(&err);
		assert_int_equal(sim_store_check(s, 1, 1, &err), -1);
		expect_damaged(&err, path, 1, 1);
		sim_error_clear(&err);
		assert_int_equal(sim_store_check_all(s, &err), -1);
		expect_damaged(&err, path, 1, 1);
		sim_error_clear(&err);
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		assert_int_equal(sim_store_export(s, "summary.csv", f, &err), -1);
		fclose(f);
		assert_string_equal(text, "");
		free(text);
		expect_damaged(&err, path, 1, 1);
		sim_error_clear(&err);
		double x[3];
		assert_int_equal(sim_store_values(s, "summary.csv", 1, 0, 3, "cum_revenue", "Alibaba",
						  x, &err), -1);
		expect_damaged(&err, path, 1, 1);
		sim_error_clear(&err);
		/* The others read: point 0, and point 1's first replication. */
		check_load(s, 0, 3);
		check_load(s, 1, 1);
		/* Deleted from runs, it can be stored again, and reads as new. */
		assert_int_equal(sim_store_has(s, 1, 1, &err), 1);
		sim_store_close(s);
		db_exec(path, "DELETE FROM runs WHERE point = 1 AND replication = 1");
		s = sim_store_open_existing(dir, &err);
		commit_rep(s, 1, 1, NULL);
		check_load(s, 1, 3);
		assert_int_equal(sim_store_check_all(s, &err), 0);
		sim_store_close(s);
	}
}

/* Ensure a database an older marketsim wrote (untyped keys, no checksums) is refused. */
static void test_older_format(void **state)
{
	const char *dir = *state;
	char path[600];
	db_path(dir, path, sizeof path);
	db_exec(path, "CREATE TABLE experiment(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
		"CREATE TABLE tables(position INTEGER PRIMARY KEY, file TEXT UNIQUE,"
		" sql_name TEXT UNIQUE, key_columns TEXT, value_columns TEXT);"
		"CREATE TABLE runs(point INTEGER, replication INTEGER, seed INTEGER,"
		" stream_key TEXT, events INTEGER, notes TEXT, PRIMARY KEY(point, replication))"
		" WITHOUT ROWID;");
	sim_error err;
	sim_error_clear(&err);
	assert_null(sim_store_open_existing(dir, &err));
	assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	assert_non_null(strstr(err.message, "was written by an older marketsim"));
	/* A resume opens it the same way. */
	sim_error_clear(&err);
	assert_null(sim_store_open(dir, false, &err));
	assert_non_null(strstr(err.message, "run the experiment afresh, without --resume"));
}

/* Ensure a database whose validation table predates the bands (no
   pass_share, band_lo, band_hi, in_band) is refused like any older one:
   a resumed validate could not store its rows. */
static void test_older_validation(void **state)
{
	const char *dir = *state;
	char path[600];
	db_path(dir, path, sizeof path);
	db_exec(path, "CREATE TABLE experiment(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
		"CREATE TABLE tables(position INTEGER PRIMARY KEY, file TEXT UNIQUE,"
		" sql_name TEXT UNIQUE, key_columns TEXT, value_columns TEXT, key_types TEXT);"
		"CREATE TABLE runs(point INTEGER, replication INTEGER, seed INTEGER,"
		" stream_key TEXT, events INTEGER, notes TEXT, checksum TEXT,"
		" PRIMARY KEY(point, replication)) WITHOUT ROWID;"
		"CREATE TABLE validation(position INTEGER PRIMARY KEY, target TEXT,"
		" week INTEGER, week_start TEXT, mean REAL, lo REAL, hi REAL, value REAL,"
		" mode TEXT, tolerance REAL, pass INTEGER);");
	sim_error err;
	sim_error_clear(&err);
	assert_null(sim_store_open_existing(dir, &err));
	assert_non_null(strstr(err.message, "its validation no bands"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_value_types, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_completed_and_failures, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_reopen, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_missing_store, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_corrupt_store, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_commit_transactions, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_table_layout_checks, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_export, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_checksum_stored, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_checksum_detects_changes, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_older_format, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_older_validation, make_dir, remove_dir),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
