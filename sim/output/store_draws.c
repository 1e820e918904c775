/* store_draws.c - what a run with `uncertainty` drew, in results.sqlite:
   `fitted` (position, path, value, se, list) the settings, their
   estimates or assumed values, and the list each came from ("fitted" or
   "assumed"; a store written before `assumed` existed lacks the column),
   `parameter_draws` (replication, path, value) each replication's draw,
   the counts of redrawn vectors and clamped values in `experiment`. Read
   by the report and written out as parameter_draws.csv (see store.h). */
#include "store.h"
#include "store_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char draws_sql[] =
	"CREATE TABLE IF NOT EXISTS fitted(position INTEGER PRIMARY KEY, path TEXT,"
	" value REAL, se REAL, list TEXT NOT NULL DEFAULT 'fitted');"
	"CREATE TABLE IF NOT EXISTS parameter_draws(replication INTEGER, path TEXT,"
	" value REAL, PRIMARY KEY(replication, path)) WITHOUT ROWID;";

static int oom(sim_error *err)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
}

void sim_store_draws_free(sim_store_draws *d)
{
	for (size_t j = 0; d->paths && j < d->k; j++)
		free(d->paths[j]);
	free(d->paths);
	free(d->value);
	free(d->se);
	free(d->assumed);
	free(d->replication);
	free(d->draws);
	memset(d, 0, sizeof *d);
}

/* 1 when the store's `fitted` table has the column `list`, 0 when it
   was written before `assumed` existed, -1 with err. */
static int has_list_column(sim_store *s, sim_error *err)
{
	long long n = sim__store_query_count(s, "SELECT count(*) FROM pragma_table_info('fitted')"
					     " WHERE name = 'list' AND ?1 = ?1", 0, err);
	return n < 0 ? -1 : n > 0;
}

/* Inserts the fitted and assumed settings, then every row's draws. */
static int insert_draws(sim_store *s, const sim_store_draws *d, sim_error *err)
{
	sqlite3_stmt *fit = NULL, *draw = NULL;
	int rc = sim__store_prepare(s, "INSERT INTO fitted(position, path, value, se, list) "
				    "VALUES (?, ?, ?, ?, ?)", &fit, err) == 0 &&
			 sim__store_prepare(s, "INSERT INTO parameter_draws VALUES (?, ?, ?)",
					    &draw, err) == 0 ? 0 : -1;
	for (size_t j = 0; rc == 0 && j < d->k; j++) {
		sqlite3_reset(fit);
		sqlite3_bind_int64(fit, 1, (sqlite3_int64)j);
		sqlite3_bind_text(fit, 2, d->paths[j], -1, SQLITE_STATIC);
		sim__store_bind_number(fit, 3, d->value[j]);
		sim__store_bind_number(fit, 4, d->se[j]);
		sqlite3_bind_text(fit, 5, d->assumed && d->assumed[j] ? "assumed" : "fitted", -1,
				  SQLITE_STATIC);
		if (sqlite3_step(fit) != SQLITE_DONE)
			rc = sim__store_db_error(s, "cannot record the fitted settings", err);
	}
	for (size_t i = 0; rc == 0 && i < d->rows * d->k; i++) {
		sqlite3_reset(draw);
		sqlite3_bind_int64(draw, 1, (sqlite3_int64)d->replication[i / d->k]);
		sqlite3_bind_text(draw, 2, d->paths[i % d->k], -1, SQLITE_STATIC);
		sim__store_bind_number(draw, 3, d->draws[i]);
		if (sqlite3_step(draw) != SQLITE_DONE)
			rc = sim__store_db_error(s, "cannot record the parameter draws", err);
	}
	sqlite3_finalize(fit);
	sqlite3_finalize(draw);
	return rc;
}

int sim_store_set_draws(sim_store *s, const sim_store_draws *d, sim_error *err)
{
	char redrawn[32], clamped[32];
	snprintf(redrawn, sizeof redrawn, "%" PRIu64, d->redrawn);
	snprintf(clamped, sizeof clamped, "%" PRIu64, d->clamped);
	if (sim__store_exec(s, draws_sql, err) != 0)
		return -1;
	/* A store begun before `assumed` existed (a --resume) gains the
	   column; its entries were all fitted. */
	int has = has_list_column(s, err);
	if (has < 0 || (has == 0 && sim__store_exec(s, "ALTER TABLE fitted ADD COLUMN list TEXT "
						    "NOT NULL DEFAULT 'fitted'", err) != 0) ||
	    sim__store_exec(s, "BEGIN IMMEDIATE", err) != 0)
		return -1;
	int rc = sim__store_exec(s, "DELETE FROM fitted; DELETE FROM parameter_draws", err) == 0 &&
			 insert_draws(s, d, err) == 0 &&
			 sim_store_set_meta(s, "draws_redrawn", redrawn, err) == 0 &&
			 sim_store_set_meta(s, "draws_clamped", clamped, err) == 0 &&
			 sim_store_set_meta(s, "uncertainty", d->uncertainty ? "true" : "false",
					    err) == 0 ? 0 : -1;
	if (sim__store_exec(s, rc == 0 ? "COMMIT" : "ROLLBACK", rc == 0 ? err : NULL) != 0)
		rc = -1;
	return rc;
}

/* The fitted and assumed settings into d (k of them); a store without
   the column `list` has fitted ones only. */
static int read_fitted(sim_store *s, sim_store_draws *d, sim_error *err)
{
	long long k = sim__store_query_count(s, "SELECT count(*) FROM fitted WHERE ?1 = ?1", 0, err);
	int has = k < 0 ? -1 : has_list_column(s, err);
	sqlite3_stmt *st = NULL;
	if (has < 0 || sim__store_prepare(s, has ? "SELECT path, value, se, list = 'assumed' FROM "
					  "fitted ORDER BY position" : "SELECT path, value, se, 0 "
					  "FROM fitted ORDER BY position", &st, err) != 0)
		return -1;
	d->paths = calloc((size_t)k + 1, sizeof *d->paths);
	d->value = malloc(((size_t)k + 1) * sizeof *d->value);
	d->se = malloc(((size_t)k + 1) * sizeof *d->se);
	d->assumed = malloc(((size_t)k + 1) * sizeof *d->assumed);
	int rc = d->paths && d->value && d->se && d->assumed ? 0 : oom(err);
	while (rc == 0 && d->k < (size_t)k && sqlite3_step(st) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);
		d->value[d->k] = sim__store_column_number(st, 1);
		d->se[d->k] = sim__store_column_number(st, 2);
		d->assumed[d->k] = sqlite3_column_int(st, 3) != 0;
		if (!(d->paths[d->k++] = strdup(p ? p : "")))
			rc = oom(err);
	}
	sqlite3_finalize(st);
	return rc;
}

/* The draws of the replications stored (at any point), in order. */
static int read_rows(sim_store *s, sim_store_draws *d, sim_error *err)
{
	static const char sql[] =
		"SELECT d.replication, d.value FROM parameter_draws d JOIN fitted f ON"
		" f.path = d.path WHERE d.replication IN (SELECT replication FROM runs)"
		" ORDER BY d.replication, f.position";
	long long n = sim__store_query_count(s, "SELECT count(*) FROM parameter_draws WHERE "
					     "replication IN (SELECT replication FROM runs) AND "
					     "?1 = ?1", 0, err);
	sqlite3_stmt *st = NULL;
	if (n < 0 || sim__store_prepare(s, sql, &st, err) != 0)
		return -1;
	d->replication = malloc(((size_t)n / d->k + 1) * sizeof *d->replication);
	d->draws = malloc(((size_t)n + 1) * sizeof *d->draws);
	int rc = d->replication && d->draws ? 0 : oom(err);
	size_t i = 0;
	for (; rc == 0 && i < (size_t)n && sqlite3_step(st) == SQLITE_ROW; i++) {
		d->replication[i / d->k] = (uint64_t)sqlite3_column_int64(st, 0);
		d->draws[i] = sim__store_column_number(st, 1);
	}
	d->rows = i / d->k;
	sqlite3_finalize(st);
	return rc;
}

/* The count the experiment table keeps under key, 0 when none. */
static uint64_t meta_count(sim_store *s, const char *key, sim_error *err)
{
	char *v = sim_store_meta(s, key, err);
	uint64_t n = v ? strtoull(v, NULL, 10) : 0;
	free(v);
	return n;
}

int sim_store_drew(sim_store *s, sim_error *err)
{
	sim_error e;
	sim_error_clear(&e);
	char *v = sim_store_meta(s, "uncertainty", &e);
	int drew = v && strcmp(v, "true") == 0;
	free(v);
	if (e.kind != SIM_ERROR_NONE) {
		*err = e;
		return -1;
	}
	return drew;
}

int sim_store_get_draws(sim_store *s, sim_store_draws *d, sim_error *err)
{
	memset(d, 0, sizeof *d);
	long long has = sim__store_query_count(s, "SELECT count(*) FROM sqlite_master WHERE "
					       "name = 'fitted' AND ?1 = ?1", 0, err);
	if (has <= 0)
		return has < 0 ? -1 : 0;
	int drew = sim_store_drew(s, err);
	if (drew < 0)
		return -1;
	d->uncertainty = drew == 1;
	int rc = read_fitted(s, d, err);
	if (rc == 0 && d->k)
		rc = read_rows(s, d, err);
	if (rc == 0) {
		d->redrawn = meta_count(s, "draws_redrawn", err);
		d->clamped = meta_count(s, "draws_clamped", err);
	}
	if (rc != 0)
		sim_store_draws_free(d);
	return rc;
}

int sim_store_draws_write_csv(const sim_store_draws *d, sim_results *out, sim_error *err)
{
	FILE *f = sim_results_create(out, SIM_STORE_DRAWS_FILE, err);
	if (!f)
		return -1;
	fputs("replication,path,value\n", f);
	for (size_t i = 0; i < d->rows * d->k; i++)
		fprintf(f, "%" PRIu64 ",%s,%.17g\n", d->replication[i / d->k], d->paths[i % d->k],
			d->draws[i]);
	return sim_results_close_file(out, f, err);
}

int sim_store_export_draws(sim_store *s, sim_results *out, sim_error *err)
{
	sim_store_draws d;
	if (sim_store_get_draws(s, &d, err) != 0)
		return -1;
	int rc = d.uncertainty ? sim_store_draws_write_csv(&d, out, err) : 0;
	sim_store_draws_free(&d);
	return rc;
}

int sim_store_draws_outputs(const char *dir, sim_table_set *tables, sim_results *out,
			    sim_error *err)
{
	sim_store *s = sim_store_open_existing(dir, err);
	int drew = s ? sim_store_drew(s, err) : -1;
	if (drew == 1 && tables)
		sim_table_set_bands(tables, true);
	int rc = drew == 1 ? sim_store_export_draws(s, out, err) : drew;
	sim_store_close(s);
	return rc;
}
