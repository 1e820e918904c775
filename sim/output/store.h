/*
 * store.h - a sweep's (or a run's) results in one SQLite database (results.sqlite).
 *
 * The database holds everything needed to derive the sweep's CSVs and
 * plots again: the experiment (name, model, seed, its resolved
 * configuration and sweep settings, in the table `experiment`), one row
 * per point with its parameter values as columns (`points`), and every
 * replication's rows: each table a model records (models_weekly.csv, ...)
 * becomes an SQL table of the same name with the columns point,
 * replication, row, then the table's own columns. `runs` lists the
 * (point, replication) pairs stored, with the master seed, the
 * replication's stream key and the checksum of its rows (see
 * sim_store_checksum), which every read of the replication checks;
 * `failures` those that failed and why.
 * For each table a view NAME_rows joins them so that every row carries
 * the experiment, point, parameter values, replication and seed.
 *
 * Every column has its SQL type. A table's value columns are REAL (NaN
 * stored as NULL). Its key columns are INTEGER or TEXT: the sim_table API
 * holds keys as strings (a model declares its columns by name only), so
 * the store decides each key column's type from the values of the first
 * replication it commits of the table: INTEGER when every one is an
 * integer exactly as SQLite writes one back ("%lld": "12", "-3"; not
 * "07", "+1", "1e3"), TEXT otherwise (ids, ISO dates, a table committed
 * without rows). The decision is recorded in `tables` (key_types,
 * newline-joined like the column names) so that later commits, other
 * handles and resumed runs use the same type; a later value that is not
 * an integer in an INTEGER column fails its commit (it would not come
 * back as written). Inferred rather than declared, because the models'
 * tables keep one API (no type to get wrong in every model) and because
 * the rule guarantees what matters: reading back (sim_store_load, the
 * export, the NAME_rows views) gives exactly the strings committed, so
 * every CSV derived from the store is the same, while `ORDER BY week`
 * and `WHERE week < 5` are numeric. The points' parameter columns are
 * REAL for numbers, TEXT for dates.
 * `validation` holds a validate run's result (include/sim_validation.h),
 * one row per target with typed columns (week INTEGER; mean, lo, hi,
 * value, tolerance, pass_share, band_lo, band_hi REAL; pass, in_band
 * INTEGER 1/0, pass NULL for an `info` row, which is not judged), its
 * targets file and replication count in `experiment` (validation_targets,
 * validation_replications).
 *
 * `provenance` (position, key, value) says how the results were made
 * this time: the program's version and git revision, the command, when
 * it started or finished, how long it took, how many replications this
 * session ran or kept. Unlike every other table it depends on when and
 * how the experiment ran (and a resumed run replaces it), so tests that
 * compare two databases for identical rows leave it out
 * (tests/test_db.h); nothing is derived from it but the report's facts.
 *
 * Each replication is committed in one transaction (WAL journal,
 * synchronous FULL), so a sweep killed at any moment, even by power loss,
 * keeps exactly the replications that were committed; nothing in the
 * database but `provenance` depends on when or how fast it was written,
 * so a sweep run with any number of workers stores the same rows.
 */
#ifndef SIM_OUTPUT_STORE_H
#define SIM_OUTPUT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim_error.h"
#include "sim_table.h"
#include "sim_validation.h"
#include "result_table.h"

typedef struct sim_store sim_store;

/* The database's file name in a results directory. */
#define SIM_STORE_FILE "results.sqlite"

/* Opens dir's database, creating it and its tables when missing; with
   `fresh`, an existing one is removed first. NULL with err. */
sim_store *sim_store_open(const char *dir, bool fresh, sim_error *err);
/* Opens dir's existing database (for `marketsim plot`); NULL with err:
   kind CONFIG when there is none, RUNTIME when the file is not a results
   database (damaged, empty, or another program's), which is then left
   untouched. */
sim_store *sim_store_open_existing(const char *dir, sim_error *err);
void sim_store_close(sim_store *s);
/* Whether dir holds a database; removes it (and SQLite's journal files). */
bool sim_store_exists(const char *dir);
void sim_store_remove(const char *dir);
/* The database file's path, for messages. */
const char *sim_store_path(const sim_store *s);

/* The experiment's setting `key` ("config", "model", ...): a heap string,
   or NULL when unset (err untouched) or on error (err filled). */
char *sim_store_meta(sim_store *s, const char *key, sim_error *err);
int sim_store_set_meta(sim_store *s, const char *key, const char *value, sim_error *err);

/* ---- parameter draws (store_draws.c) ---- */

/* The file the draws are written to, in the output folder. */
#define SIM_STORE_DRAWS_FILE "parameter_draws.csv"

/* A run's k fitted and assumed settings (path, the estimate or assumed
   value, its se or prior sd; assumed[j] for an entry of `assumed`) and,
   when it drew them (uncertainty), for `rows` replications
   (replication[i]), their values draws[i * k + j]; vectors redrawn and
   values clamped (out of a setting's range). All heap
   (sim_store_draws_free). */
typedef struct sim_store_draws {
	bool uncertainty;
	size_t k, rows;
	char **paths;
	double *value, *se;
	bool *assumed;
	uint64_t *replication;
	double *draws;
	uint64_t redrawn, clamped;
} sim_store_draws;

/* Replaces the stored fitted and assumed settings and draws with d's. */
int sim_store_set_draws(sim_store *s, const sim_store_draws *d, sim_error *err);
/* Reads them back, the draws of replications stored only; d->k is 0 for
   a run that drew nothing. */
int sim_store_get_draws(sim_store *s, sim_store_draws *d, sim_error *err);
void sim_store_draws_free(sim_store_draws *d);
/* SIM_STORE_DRAWS_FILE (replication,path,value; 17 digits) into out. */
int sim_store_draws_write_csv(const sim_store_draws *d, sim_results *out, sim_error *err);
/* 1 when the run drew its fitted and assumed settings (its bands include
   their uncertainty), 0 when not, -1 with err. */
int sim_store_drew(sim_store *s, sim_error *err);
/* SIM_STORE_DRAWS_FILE from the store into out, when the run drew. */
int sim_store_export_draws(sim_store *s, sim_results *out, sim_error *err);
/* A run's part, before it writes `tables` from DIR's store: when the run
   drew, the tables get their bands and SIM_STORE_DRAWS_FILE is written. */
int sim_store_draws_outputs(const char *dir, sim_table_set *tables, sim_results *out,
			    sim_error *err);

/* Records the points: point i is named names[i] ("p0007") and parameter j
   (column paths[j]) has the value values[i * nparams + j], a number when
   numbers[j], else text. Done once, when the store is new. */
int sim_store_set_points(sim_store *s, size_t npoints, size_t nparams,
			 const char *const *names, const char *const *paths,
			 const bool *numbers, const char *const *values, sim_error *err);
/* Appends npoints more points, numbered from `first` (the count already
   recorded), to a points table sim_store_set_points made with nparams
   parameters (an analysis adds the points it evaluates as it goes). One
   transaction; 0, or -1 with err. */
int sim_store_append_points(sim_store *s, size_t first, size_t npoints, size_t nparams,
			    const char *const *names, const bool *numbers,
			    const char *const *values, sim_error *err);
/* The number of points recorded, or -1 with err. */
long sim_store_point_count(sim_store *s, sim_error *err);
/* Point i's name and its parameters' paths and values as text (heap
   strings in heap arrays; free with sim_store_free_strings). */
int sim_store_point(sim_store *s, size_t point, char **name, char ***paths,
		    char ***values, size_t *nparams, sim_error *err);
void sim_store_free_strings(char **s, size_t n);
/* Point i's parameters as numbers, exactly as recorded (binary doubles,
   no text in between): x[j] for its n parameters (NaN for a text value).
   0, or -1 with err (also when it has not n parameters). */
int sim_store_point_numbers(sim_store *s, size_t point, double *x, size_t n, sim_error *err);
/* Point i's parameters as the settings that make it, "path=value" (a
   number in 17 significant digits: exactly the value run; text quoted),
   for sim_experiment_load: heap strings in a heap array, *n of them (free
   with sim_store_free_strings). 0, or -1 with err. */
int sim_store_point_settings(sim_store *s, size_t point, char ***settings, size_t *n,
			     sim_error *err);

/* Whether (point, replication) is stored: 1 yes, 0 no, -1 error. */
int sim_store_has(sim_store *s, size_t point, uint64_t replication, sim_error *err);
/* Stores one replication's rows (`rows` holds exactly that replication)
   with its seed, stream key, event count and the model's notes on it
   (may be NULL), in one transaction. A table must have the columns it
   was first stored with (checked at every commit); a commit that fails
   stores nothing. */
int sim_store_commit(sim_store *s, size_t point, uint64_t replication, uint64_t seed,
		     uint64_t stream_key, uint64_t events, const char *notes,
		     const sim_table_set *rows, sim_error *err);
/* The notes stored with (point, replication): heap, "" when none; NULL
   with err on error. */
char *sim_store_notes(sim_store *s, size_t point, uint64_t replication, sim_error *err);
/* Records that (point, replication) failed with `message`. */
int sim_store_fail(sim_store *s, size_t point, uint64_t replication, uint64_t seed,
		   const char *message, sim_error *err);
/* Forgets every recorded failure (a resumed sweep retries them). */
int sim_store_clear_failures(sim_store *s, sim_error *err);

/* Records that `point` is finished with its first `replications`, and
   the rule that decided it (e.g. "targets met: ..."; "" for a fixed count). */
int sim_store_complete(sim_store *s, size_t point, size_t replications, const char *rule,
		       sim_error *err);
/* A finished point's replication count (and *rule, heap), -1 when it is
   not finished (*rule ""), -2 with err on error. */
long sim_store_completed(sim_store *s, size_t point, char **rule, sim_error *err);

/* Appends replications 0 .. n-1 of `point` to `into`, in order, as their
   model recorded them. Fails when one is missing, and when one's rows do
   not match its checksum (the error names the point, replication and
   database). */
int sim_store_load(sim_store *s, size_t point, size_t n, sim_table_set *into,
		   sim_error *err);
/* The same for replication `replication` of `point` alone. */
int sim_store_load_one(sim_store *s, size_t point, uint64_t replication, sim_table_set *into,
		       sim_error *err);

/* The checksum of one replication's rows (`rows` holds exactly one), as
   sim_store_commit stores it in `runs` and every read checks it:
   CRC-64/XZ (output/checksum.h) of the canonical encoding
   (sim_table_set_encode_some) of its tables that have rows, in the order
   of the store's `tables` (a table the store does not know after those
   it does). Tables without rows are left out, since the SQL rows cannot
   tell an empty table from an absent one; what is read back is encoded
   the same way, so a stored replication matches its checksum exactly
   when it reads back as it was committed. 0, or -1 with err. */
int sim_store_checksum(sim_store *s, const sim_table_set *rows, uint64_t *crc,
		       sim_error *err);
/* The checksum and seed stored with (point, replication): 1, 0 when it
   is not stored, -1 with err (also when the stored checksum is not one). */
int sim_store_run_checksum(sim_store *s, size_t point, uint64_t replication, uint64_t *crc,
			   uint64_t *seed, sim_error *err);
/* Reads (point, replication) back and checks it against its checksum
   (unless this handle already has): 0, or -1 with err (missing,
   unreadable or damaged). */
int sim_store_check(sim_store *s, size_t point, uint64_t replication, sim_error *err);
/* The same for every stored replication; stops at the first failure. */
int sim_store_check_all(sim_store *s, sim_error *err);
/* The stored (point, replication) pairs in order: heap arrays (free
   both), *n long. 0, or -1 with err. */
int sim_store_stored_runs(sim_store *s, size_t **points, uint64_t **replications, size_t *n,
			  sim_error *err);

/* The stored replications of `point`, counted from 0 without a gap. */
long sim_store_replications(sim_store *s, size_t point, sim_error *err);

/* Calls fn for each failure in (point, replication) order. */
int sim_store_each_failure(sim_store *s,
			   void (*fn)(void *ctx, size_t point, uint64_t replication,
				      uint64_t seed, const char *message),
			   void *ctx, sim_error *err);

/* Writes the rows of the view of table `file` (e.g. "summary.csv") as CSV
   to f, ordered by point, replication and row; the experiment, point,
   parameters, replication, seed and stream key lead each row. Every
   stored replication is checked against its checksum first. */
int sim_store_export(sim_store *s, const char *file, FILE *f, sim_error *err);

/* A run's stored replications, from dir/results.sqlite: *tables (the
   caller frees it) every replication in order, *notes (heap) the model's
   lines on the last one, their count and the rule that stopped them.
   Returns 0, or -1 with err (also when the run is not complete). */
int sim_store_load_run(const char *dir, sim_table_set **tables, char **notes,
		       size_t *replications, char *rule, size_t rule_size, sim_error *err);

/* Value column 0 of the row of table `file` (e.g. "summary.csv") whose
   first two keys are k0 and k1 (a metric and its subject), in
   replications first .. first + n - 1 of `point`: x[r - first] (NaN
   where it is not stored).
   Returns how many were found (0 also when there is no such table), or
   -1 with err (also when a replication read does not match its
   checksum). */
long sim_store_values(sim_store *s, const char *file, size_t point, uint64_t first, size_t n,
		      const char *k0, const char *k1, double *x, sim_error *err);

/* Replaces the stored validation with v (NULL: removes it). One
   transaction; 0, or -1 with err. */
int sim_store_set_validation(sim_store *s, const sim_validation *v, sim_error *err);
/* Appends the stored validation's rows to v (initialised by the caller)
   and sets its targets file and replication count: 1, or 0 when no
   validation is stored (v untouched), -1 with err. */
int sim_store_load_validation(sim_store *s, sim_validation *v, sim_error *err);

/* Replaces the stored result tables (an analysis's optimum, indices,
   ...: output/result_table.h) with tables[0, n), in that order. One
   transaction; 0, or -1 with err. */
int sim_store_set_result_tables(sim_store *s, const sim_result_table *tables, size_t n,
				sim_error *err);
/* The stored result tables in order: a heap array of *n (0 when none);
   free with sim_store_free_result_tables. 0, or -1 with err. */
int sim_store_result_tables(sim_store *s, sim_result_table **tables, size_t *n,
			    sim_error *err);
void sim_store_free_result_tables(sim_result_table *tables, size_t n);
/* Writes dir's stored result tables as their CSV files into out_dir
   (NULL: dir), for `marketsim plot`. 0, or -1 with err. */
int sim_store_export_result_tables(const char *dir, const char *out_dir, sim_error *err);

/* Replaces the provenance with the n pairs keys[i] = values[i], in that
   order. One transaction; 0, or -1 with err. */
int sim_store_set_provenance(sim_store *s, const char *const *keys,
			     const char *const *values, size_t n, sim_error *err);
/* The provenance in order: heap arrays of heap strings (free each with
   sim_store_free_strings), *n of them (0 when none). 0, or -1 with err. */
int sim_store_provenance(sim_store *s, char ***keys, char ***values, size_t *n,
			 sim_error *err);

#endif
