/*
 * sim_table.h - tidy result tables gathered over replications.
 *
 * A model records what one replication produced as rows of key columns
 * (strings: week, model id, ...) and value columns (doubles). Every
 * replication records the same rows in the same order, so row i means the
 * same thing in each; the table keeps every replication's values and,
 * once all have run, writes one CSV row per key with, for each value
 * column x, the columns x_mean, x_sd, x_lo, x_hi: the mean over
 * replications, the sample sd and the 95% Student-t confidence interval
 * of the mean (t quantile from GSL). Non-finite values (a quantity that
 * never happened in a replication, e.g. "the week CN first passes 50%")
 * are left out of that key's statistics; with no finite value, or a single
 * replication, the columns that cannot be estimated are written as they
 * can be: one value gives sd 0 and lo = hi = mean.
 *
 * A sim_table_set holds the tables of a run by file name, in creation
 * order, so a model can fetch-or-create its tables after each replication.
 */
#ifndef SIM_TABLE_H
#define SIM_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "sim_error.h"
#include "sim_results.h"

typedef struct sim_table sim_table;
typedef struct sim_table_set sim_table_set;

/* An empty set; NULL on out of memory. */
sim_table_set *sim_table_set_new(void);
void sim_table_set_free(sim_table_set *set);

/* The table written to `file` (e.g. "models_weekly.csv"), created with the
   given columns on first use; a later call must name the same columns.
   Starts the current replication's rows: the next sim_table_add is row 0.
   Returns NULL with err filled on out of memory or a column mismatch. */
sim_table *sim_table_begin(sim_table_set *set, const char *file,
			   const char *const *keys, size_t key_count,
			   const char *const *values, size_t value_count,
			   sim_error *err);

/* Appends the current replication's next row. In the first replication
   the keys are stored; later ones must repeat them row for row (a model
   whose rows differ between replications is a bug, reported in err). */
int sim_table_add(sim_table *t, const char *const *keys, const double *values,
		  sim_error *err);

/* The table of that file name, or NULL. */
sim_table *sim_table_find(const sim_table_set *set, const char *file);

size_t sim_table_rows(const sim_table *t);
size_t sim_table_replications(const sim_table *t);
/* Index of the named key or value column, or -1. */
long sim_table_key_index(const sim_table *t, const char *name);
long sim_table_value_index(const sim_table *t, const char *name);
/* Key k of row r, and value column c of row r in replication rep. */
const char *sim_table_key(const sim_table *t, size_t row, size_t k);
double sim_table_value(const sim_table *t, size_t rep, size_t row, size_t c);

/* Mean, sample sd and 95% t-interval of n values, ignoring non-finite
   ones (all four NaN when none is finite). */
void sim_table_stats(const double *x, size_t n, double *mean, double *sd,
		     double *lo, double *hi);

/* The set's tables in creation order, and each table's layout. */
size_t sim_table_set_count(const sim_table_set *set);
sim_table *sim_table_set_at(const sim_table_set *set, size_t i);
const char *sim_table_file(const sim_table *t);
size_t sim_table_key_count(const sim_table *t);
size_t sim_table_value_count(const sim_table *t);
const char *sim_table_key_name(const sim_table *t, size_t k);
const char *sim_table_value_name(const sim_table *t, size_t c);

/* One replication's rows as bytes, to move them between processes (a
   worker to the sweep's coordinator, over a pipe or MPI) and to checksum
   them (results.sqlite): `set` must hold exactly one replication. *buf
   is heap, the caller frees it. Numbers are copied in the host's byte
   order, so both ends must share it. The encoding is canonical: the same
   rows give the same bytes, every NaN being written as the one quiet NaN
   and -0 as +0 (a store keeps no more of them). Returns 0, or -1 with
   err. */
int sim_table_set_encode(const sim_table_set *set, char **buf, size_t *len,
			 sim_error *err);
/* The same of some of the set's tables only, in the order given: the
   tables at indices which[0], ..., which[n-1]. */
int sim_table_set_encode_some(const sim_table_set *set, const size_t *which, size_t n,
			      char **buf, size_t *len, sim_error *err);
/* Appends the replication encoded in buf[0, len) to `set`, as if its model
   had recorded it there. Returns 0, or -1 with err on a malformed buffer
   or rows that differ from the set's earlier replications. */
int sim_table_set_decode(sim_table_set *set, const char *buf, size_t len,
			 sim_error *err);

/* Mean, sample sd and 95% t-interval of the paired differences b - a, and
   what pairing gained: var(a) + var(b) over var(b - a). */
typedef struct sim_paired_stats {
	double mean_a, mean_b;
	double diff_mean, diff_sd, diff_lo, diff_hi;
	double sd_independent;    /* sqrt(var a + var b) */
	double variance_reduction;/* inf when the differences do not vary */
} sim_paired_stats;
/* Over n pairs (a[i], b[i]); work holds n doubles of scratch. */
void sim_table_paired_stats(const double *a, const double *b, size_t n, double *work,
			    sim_paired_stats *out);

/* The row whose first two keys are k0 and k1 (a summary table's metric
   and subject), or -1. */
long sim_table_find_row(const sim_table *t, const char *k0, const char *k1);

/* Writes ",v" to a CSV: 10 significant digits, or nan, inf, -inf. */
void sim_table_put_number(FILE *f, double v);
/* Writes the paired statistics' eight columns, each as ",v": mean_a,
   mean_b, diff_mean, diff_lo, diff_hi, diff_sd, sd_independent,
   variance_reduction. */
void sim_table_put_paired(FILE *f, const sim_paired_stats *ps);

/* The 2.5th and 97.5th percentiles of the finite ones of n values (GSL's
   quantile: linear interpolation between order statistics), NaN when none
   is finite: the 95% band across replications. Reorders x. */
void sim_table_band(double *x, size_t n, double *p025, double *p975);

/* With bands on, every value column of the CSVs also gets <name>_p025 and
   <name>_p975 after <name>_hi: the 95% band across replications (a run
   with parameter uncertainty, whose charts draw it). Off by default, and
   then the CSVs are as they were. */
void sim_table_set_bands(sim_table_set *set, bool on);

/* Writes every table of the set into out, aggregated as described above. */
int sim_table_set_write(const sim_table_set *set, sim_results *out,
			sim_error *err);
/* The same with n leading columns names[i] holding values[i] on every
   row (a sweep point's experiment, point and parameter values), so that
   a row read alone says where it comes from. */
int sim_table_set_write_labelled(const sim_table_set *set, sim_results *out,
				 const char *const *names, const char *const *values,
				 size_t n, sim_error *err);

#endif
