/* store_read.c - results.sqlite's replications read back: the tables
   recorded, each replication's rows checked against its checksum, the
   export and single values (see store.h). */
#include "store.h"
#include "store_internal.h"
#include "checksum.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

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

/* Column c's text, "" for NULL (a `tables` row edited by hand). */
static const char *text_or_empty(sqlite3_stmt *st, int c)
{
	const char *t = (const char *)sqlite3_column_text(st, c);
	return t ? t : "";
}

void sim__store_free_recorded(sim__table_row *t, size_t n)
{
	for (size_t i = 0; t && i < n; i++) {
		free(t[i].file);
		free(t[i].sql);
		sim_store_free_strings(t[i].keys, t[i].nk);
		sim_store_free_strings(t[i].vals, t[i].nv);
	}
	free(t);
}

sim__table_row *sim__store_recorded(sim_store *s, size_t *n, sim_error *err)
{
	sqlite3_stmt *st;
	*n = 0;
	if (sim__store_prepare(s, "SELECT file, sql_name, key_columns, value_columns, position"
			       " FROM tables ORDER BY position", &st, err) != 0)
		return NULL;
	sim__table_row *t = NULL;
	size_t count = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sim__table_row *grown = realloc(t, (count + 1) * sizeof *t);
		if (!grown)
			break;
		t = grown;
		sim__table_row *r = &t[count++];
		memset(r, 0, sizeof *r);
		r->file = strdup(text_or_empty(st, 0));
		r->sql = strdup(text_or_empty(st, 1));
		r->keys = split_lines(text_or_empty(st, 2), &r->nk);
		r->vals = split_lines(text_or_empty(st, 3), &r->nv);
		r->position = sqlite3_column_int64(st, 4);
		if (!r->file || !r->sql || !r->keys || !r->vals)
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sim__store_free_recorded(t, count);
		if (rc == SQLITE_ROW)
			sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		else
			sim__store_db_error(s, "cannot read the tables", err);
		return NULL;
	}
	*n = count;
	return t ? t : calloc(1, sizeof *t);
}

static int load_table(sim_store *s, const sim__table_row *tr, size_t point, size_t rep,
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
	if (sim__store_prepare(s, sql, &st, err) != 0)
		goto done;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)point);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)rep);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		for (size_t k = 0; k < tr->nk; k++) {
			const char *key = (const char *)sqlite3_column_text(st, 3 + (int)k);
			keys[k] = key ? key : "";
		}
		for (size_t v = 0; v < tr->nv; v++)
			vals[v] = sim__store_column_number(st, 3 + (int)(tr->nk + v));
		if (sim_table_add(t, keys, vals, err) != 0)
			goto done;
	}
	rc = step == SQLITE_DONE ? 0 : sim__store_db_error(s, "cannot read rows", err);
done:
	sqlite3_finalize(st);
	sqlite3_free(sql);
	free(keys);
	free(vals);
	return rc;
}

/* ---- checksums ---- */

/* Sorts the indices idx[0, n) of rows' tables by key[] (insertion sort:
   a replication has a handful of tables). */
static void sort_by_key(size_t *idx, long long *key, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && key[j - 1] > key[j]; j--) {
			long long k = key[j];
			size_t x = idx[j];
			key[j] = key[j - 1];
			idx[j] = idx[j - 1];
			key[j - 1] = k;
			idx[j - 1] = x;
		}
}

int sim__store_checksum_of(const sim__table_row *rec, size_t nrec, const sim_table_set *rows,
			   uint64_t *crc, sim_error *err)
{
	size_t n = sim_table_set_count(rows), kept = 0;
	size_t *idx = calloc(n + 1, sizeof *idx);
	long long *key = calloc(n + 1, sizeof *key);
	char *buf = NULL;
	size_t len = 0;
	int rc = -1;
	if (!idx || !key) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const sim_table *t = sim_table_set_at(rows, i);
		if (sim_table_rows(t) == 0)
			continue;
		/* A table the store does not know goes after those it does. */
		long long at = (long long)(nrec + i) + 1;
		for (size_t r = 0; r < nrec; r++)
			if (strcmp(rec[r].file, sim_table_file(t)) == 0)
				at = rec[r].position;
		idx[kept] = i;
		key[kept++] = at;
	}
	sort_by_key(idx, key, kept);
	if (sim_table_set_encode_some(rows, idx, kept, &buf, &len, err) == 0) {
		*crc = sim_crc64(buf, len);
		rc = 0;
	}
done:
	free(buf);
	free(idx);
	free(key);
	return rc;
}

int sim_store_checksum(sim_store *s, const sim_table_set *rows, uint64_t *crc, sim_error *err)
{
	size_t n;
	sim__table_row *rec = sim__store_recorded(s, &n, err);
	if (!rec)
		return -1;
	int rc = sim__store_checksum_of(rec, n, rows, crc, err);
	sim__store_free_recorded(rec, n);
	return rc;
}

/* The error of a replication whose rows do not match their checksum. */
static int damaged(sim_store *s, size_t point, uint64_t rep, sim_error *err)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, s->path, 0, NULL,
			     "point %zu, replication %llu: its rows do not match their checksum "
			     "(the file was changed or damaged); rerun that replication with "
			     "--resume after deleting it (DELETE FROM runs WHERE point = %zu AND "
			     "replication = %llu), or run afresh", point, (unsigned long long)rep,
			     point, (unsigned long long)rep);
}

int sim_store_run_checksum(sim_store *s, size_t point, uint64_t rep, uint64_t *crc,
			   uint64_t *seed, sim_error *err)
{
	sqlite3_stmt *st;
	if (sim__store_prepare(s, "SELECT checksum, seed FROM runs WHERE point = ? AND"
			       " replication = ?", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)point);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)rep);
	int step = sqlite3_step(st), rc = 0;
	if (step == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(st, 0);
		char *end = NULL;
		*crc = text ? strtoull(text, &end, 16) : 0;
		*seed = (uint64_t)sqlite3_column_int64(st, 1);
		/* A checksum that is not 16 hex digits was changed too. */
		rc = text && strlen(text) == 16 && !*end ? 1 : damaged(s, point, rep, err);
	} else if (step != SQLITE_DONE) {
		rc = sim__store_db_error(s, "cannot read the replications", err);
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---- replications read back, checked ---- */

static bool is_checked(const sim_store *s, size_t point, uint64_t rep)
{
	return point < s->checked_points && rep < s->checked_len[point] &&
	       s->checked[point][rep];
}

/* Remembers that (point, rep) matched its checksum (forgets nothing when
   out of memory: it is then checked again). */
static void mark_checked(sim_store *s, size_t point, uint64_t rep)
{
	if (point >= s->checked_points) {
		size_t n = 2 * point + 8;
		bool **c = realloc(s->checked, n * sizeof *c);
		size_t *len = c ? realloc(s->checked_len, n * sizeof *len) : NULL;
		if (c)
			s->checked = c;
		if (!len)
			return;
		s->checked_len = len;
		for (size_t i = s->checked_points; i < n; i++) {
			s->checked[i] = NULL;
			s->checked_len[i] = 0;
		}
		s->checked_points = n;
	}
	if (rep >= s->checked_len[point]) {
		size_t n = 2 * (size_t)rep + 8;
		bool *r = realloc(s->checked[point], n * sizeof *r);
		if (!r)
			return;
		memset(r + s->checked_len[point], 0, (n - s->checked_len[point]) * sizeof *r);
		s->checked[point] = r;
		s->checked_len[point] = n;
	}
	s->checked[point][rep] = true;
}

/* Replication rep of point read into a new set (every recorded table,
   in their order) and checked against its checksum; NULL with err when
   it is not stored, cannot be read or does not match. */
static sim_table_set *load_checked(sim_store *s, const sim__table_row *rec, size_t n,
				   size_t point, uint64_t rep, sim_error *err)
{
	uint64_t want = 0, got = 0, seed;
	int has = sim_store_run_checksum(s, point, rep, &want, &seed, err);
	if (has == 0)
		sim_error_set(err, SIM_ERROR_RUNTIME, s->path, 0, NULL,
			      "replication %llu of point %zu is not stored",
			      (unsigned long long)rep, point);
	if (has != 1)
		return NULL;
	sim_table_set *set = sim_table_set_new();
	int rc = set ? 0 : sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = load_table(s, &rec[i], point, rep, set, err);
	if (rc == 0)
		rc = sim__store_checksum_of(rec, n, set, &got, err);
	if (rc == 0 && got != want)
		rc = damaged(s, point, rep, err);
	if (rc != 0) {
		sim_table_set_free(set);
		return NULL;
	}
	mark_checked(s, point, rep);
	return set;
}

/* Appends the one replication `one` holds to `into`. */
static int append_replication(sim_table_set *into, const sim_table_set *one, sim_error *err)
{
	char *buf;
	size_t len;
	if (sim_table_set_encode(one, &buf, &len, err) != 0)
		return -1;
	int rc = sim_table_set_decode(into, buf, len, err);
	free(buf);
	return rc;
}

/* Appends replications first .. first + n - 1 of point to into. */
static int load_range(sim_store *s, size_t point, uint64_t first, size_t n,
		      sim_table_set *into, sim_error *err)
{
	size_t count;
	sim__table_row *rec = sim__store_recorded(s, &count, err);
	if (!rec)
		return -1;
	int rc = 0;
	for (uint64_t rep = first; rep < first + n && rc == 0; rep++) {
		sim_table_set *one = load_checked(s, rec, count, point, rep, err);
		rc = one ? append_replication(into, one, err) : -1;
		sim_table_set_free(one);
	}
	sim__store_free_recorded(rec, count);
	return rc;
}

int sim_store_load(sim_store *s, size_t point, size_t n, sim_table_set *into, sim_error *err)
{
	return load_range(s, point, 0, n, into, err);
}

int sim_store_load_one(sim_store *s, size_t point, uint64_t replication, sim_table_set *into,
		       sim_error *err)
{
	return load_range(s, point, replication, 1, into, err);
}

/* Checks (point, rep) against its checksum, unless this handle has. */
static int check_one(sim_store *s, const sim__table_row *rec, size_t n, size_t point,
		     uint64_t rep, sim_error *err)
{
	if (is_checked(s, point, rep))
		return 0;
	sim_table_set *one = load_checked(s, rec, n, point, rep, err);
	sim_table_set_free(one);
	return one ? 0 : -1;
}

int sim_store_check(sim_store *s, size_t point, uint64_t replication, sim_error *err)
{
	size_t n;
	sim__table_row *rec = sim__store_recorded(s, &n, err);
	if (!rec)
		return -1;
	int rc = check_one(s, rec, n, point, replication, err);
	sim__store_free_recorded(rec, n);
	return rc;
}

int sim_store_stored_runs(sim_store *s, size_t **points, uint64_t **reps, size_t *n,
			  sim_error *err)
{
	*points = NULL;
	*reps = NULL;
	*n = 0;
	long long count = sim__store_query_count(s, "SELECT count(*) FROM runs WHERE ?1 = ?1", 0,
						 err);
	sqlite3_stmt *st;
	if (count < 0 || sim__store_prepare(s, "SELECT point, replication FROM runs"
					    " ORDER BY point, replication", &st, err) != 0)
		return -1;
	*points = calloc((size_t)count + 1, sizeof **points);
	*reps = calloc((size_t)count + 1, sizeof **reps);
	int step = SQLITE_DONE, rc = *points && *reps ? 0 : -1;
	while (rc == 0 && *n < (size_t)count && (step = sqlite3_step(st)) == SQLITE_ROW) {
		(*points)[*n] = (size_t)sqlite3_column_int64(st, 0);
		(*reps)[(*n)++] = (uint64_t)sqlite3_column_int64(st, 1);
	}
	if (rc != 0)
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	else if (step != SQLITE_DONE && step != SQLITE_ROW)
		rc = sim__store_db_error(s, "cannot read the replications", err);
	sqlite3_finalize(st);
	if (rc != 0) {
		free(*points);
		free(*reps);
		*points = NULL;
		*reps = NULL;
		*n = 0;
	}
	return rc;
}

int sim_store_check_all(sim_store *s, sim_error *err)
{
	size_t *points, n, count;
	uint64_t *reps;
	if (sim_store_stored_runs(s, &points, &reps, &n, err) != 0)
		return -1;
	sim__table_row *rec = sim__store_recorded(s, &count, err);
	int rc = rec ? 0 : -1;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = check_one(s, rec, count, points[i], reps[i], err);
	sim__store_free_recorded(rec, count);
	free(points);
	free(reps);
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
	/* Every replication it shows must match its checksum. */
	if (sim_store_check_all(s, err) != 0)
		return -1;
	char *name = sim__store_sql_name(file);
	char *sql = name ? sqlite3_mprintf("SELECT * FROM \"%w_rows\" ORDER BY point,"
					   " replication, row", name) : NULL;
	free(name);
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (!sql) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		goto done;
	}
	if (sim__store_prepare(s, sql, &st, err) != 0)
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
	rc = step == SQLITE_DONE ? 0 : sim__store_db_error(s, "cannot export", err);
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

/* The table recorded for `file` among tables[0, n), or NULL. */
static const sim__table_row *find_recorded(const sim__table_row *tables, size_t n, const char *file)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(tables[i].file, file) == 0)
			return &tables[i];
	return NULL;
}

long sim_store_values(sim_store *s, const char *file, size_t point, uint64_t first, size_t n,
		      const char *k0, const char *k1, double *x, sim_error *err)
{
	for (size_t i = 0; i < n; i++)
		x[i] = NAN;
	size_t count;
	sim__table_row *tables = sim__store_recorded(s, &count, err);
	if (!tables)
		return -1;
	const sim__table_row *t = find_recorded(tables, count, file);
	long found = 0;
	if (!t || t->nk < 2 || t->nv < 1) {
		sim__store_free_recorded(tables, count);
		return 0;
	}
	/* Every replication read must match its checksum. */
	for (uint64_t rep = first; rep < first + n && found == 0; rep++) {
		int has = sim_store_has(s, point, rep, err);
		if (has < 0 || (has == 1 && check_one(s, tables, count, point, rep, err) != 0))
			found = -1;
	}
	if (found < 0) {
		sim__store_free_recorded(tables, count);
		return -1;
	}
	char *sql = sqlite3_mprintf("SELECT replication, \"%w\" FROM \"%w\" WHERE point = ?"
				    " AND replication >= ? AND replication < ? AND \"%w\" = ?"
				    " AND \"%w\" = ?",
				    t->vals[0], t->sql, t->keys[0], t->keys[1]);
	sqlite3_stmt *st = NULL;
	if (!sql)
		found = sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	else if (sim__store_prepare(s, sql, &st, err) != 0)
		found = -1;
	if (st) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)point);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)first);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)(first + n));
		sqlite3_bind_text(st, 4, k0, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, k1, -1, SQLITE_STATIC);
		int step;
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			sqlite3_int64 rep = sqlite3_column_int64(st, 0);
			if (rep >= (sqlite3_int64)first && (uint64_t)rep < first + n) {
				x[rep - (sqlite3_int64)first] = sim__store_column_number(st, 1);
				found++;
			}
		}
		if (step != SQLITE_DONE)
			found = sim__store_db_error(s, "cannot read rows", err);
	}
	sqlite3_finalize(st);
	sqlite3_free(sql);
	sim__store_free_recorded(tables, count);
	return found;
}

