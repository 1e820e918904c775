/*
 * sim_validation.h - a model's validation result as data: one row per
 * observed target (`marketsim validate`).
 *
 * A model's validate callback (sim_model.h) fills a sim_validation; the
 * engine then derives everything from it: the fixed-width table printed
 * to stdout and saved as validation.txt (sim_validation_print), the tidy
 * validation.csv (sim_validation_write_csv), the table `validation` of
 * results.sqlite (output/store.h) and the report's Validation section,
 * which reads that table back. No one reads the printed text again.
 *
 * Why a struct of its own rather than a sim_table (sim_table.h): a
 * sim_table holds text keys and double values per replication and is
 * written as mean, sd and confidence interval of each value; a validation
 * is one row per target of already-aggregated figures with typed columns
 * (the week an integer, the comparison an enum, the verdict a boolean),
 * plus two facts about the whole table (the targets file and the number
 * of replications) that a sim_table has no place for.
 */
#ifndef SIM_VALIDATION_H
#define SIM_VALIDATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sim_error.h"

/* How a simulated figure x (the replications' mean, or one
   replication's value) is compared with the observed value. */
typedef enum sim_validation_mode {
	SIM_VALIDATION_REL,  /* |x - value| <= tolerance x |value| ("+-10%") */
	SIM_VALIDATION_ABS,  /* |x - value| <= tolerance ("+-0.5") */
	SIM_VALIDATION_MIN,  /* x >= value ("at least"; tolerance unused) */
	SIM_VALIDATION_MAX,  /* x <= value ("at most"; tolerance unused) */
	SIM_VALIDATION_INFO, /* never judged: shown beside the judged figures
				(value may be NaN: nothing observed to compare) */
	SIM_VALIDATION_MODES
} sim_validation_mode;

/* One target: the statistic the model computed for it and the verdicts.
   The verdict is on the mean (a forecast of the expected figure); the
   pass share and the band say how single replications, i.e. single
   possible histories, fare against the one history observed. */
typedef struct sim_validation_row {
	char target[64];     /* its name in the targets file */
	long week;           /* the week it is about, counted from 0 at the start */
	char week_start[16]; /* that week's first day, YYYY-MM-DD */
	double mean, lo, hi; /* over the replications: mean and 95% CI (NaN: none) */
	double value;        /* the observed figure (NaN: none, INFO only) */
	sim_validation_mode mode;
	double tolerance;    /* REL: a fraction of value; ABS: in value's unit */
	bool pass;           /* the mean meets the target; INFO: true (not missed) */
	double pass_share;   /* share of replications whose own value meets it
				(NaN for INFO) */
	double band_lo, band_hi; /* 2.5 and 97.5 percentiles of the replications'
				    finite values (NaN: none) */
	bool in_band;        /* band_lo <= value <= band_hi */
} sim_validation_row;

/* A whole validation: its rows in the targets file's order. */
typedef struct sim_validation {
	char *targets;        /* the targets file, as the experiment names it (heap) */
	size_t replications;  /* the replications the means are over */
	size_t count, capacity;
	sim_validation_row *rows;
} sim_validation;

/* An empty validation (no rows, no targets file). */
void sim_validation_init(sim_validation *v);
void sim_validation_free(sim_validation *v);

/* Sets the targets file and the replication count. 0, or -1 with err. */
int sim_validation_set_source(sim_validation *v, const char *targets,
			      size_t replications, sim_error *err);
/* Appends a copy of row. 0, or -1 with err (out of memory). */
int sim_validation_add(sim_validation *v, const sim_validation_row *row, sim_error *err);

/* The rows whose pass is false (never an INFO row). */
size_t sim_validation_missed(const sim_validation *v);

/* Whether the figure x meets row r's target by r's mode (false for NaN
   and for INFO rows: they judge nothing). */
bool sim_validation_meets(const sim_validation_row *r, double x);
/* Fills r's mean, lo, hi, pass, pass_share, band_lo, band_hi and in_band
   from the statistic's value in each of n replications, x (reordered in
   place); r's value, mode and tolerance must be set. Percentiles
   interpolate linearly between order statistics (GSL's quantile, R's
   type 7): with 20 replications the band runs from about halfway between
   the smallest two values to halfway between the largest two; with one
   it is that value. A replication whose value is NaN counts in the pass
   share's denominator as a miss and is left out of the band. */
void sim_validation_summarise(sim_validation_row *r, double *x, size_t n);

/* "pass", "FAIL" or, for INFO rows, "info". */
const char *sim_validation_verdict(const sim_validation_row *r);

/* "rel", "abs", "min", "max", "info"; and back (-1: none of them). */
const char *sim_validation_mode_name(sim_validation_mode mode);
int sim_validation_mode_parse(const char *name);

/* A figure as the table shows it: token counts in T or B ("3.70T",
   "1.04B"), others to 3 significant digits ("0.8", "1"). */
void sim_validation_format_value(char *buf, size_t size, double x);
/* A row's tolerance as the table shows it: "+-15%", "+-0.5" ("exactly"
   for abs 0), "at least", "at most", "info". */
void sim_validation_format_tolerance(char *buf, size_t size, const sim_validation_row *r);

/* A row's cells as every table of it shows them (text, report): the
   observed "mean [lo, hi]", the replications' band "[lo, hi]", whether
   the value is in it ("yes", "no"; "-" without a value or when it is a
   min or max threshold rather than an observation), the target
   value ("-" without one), the tolerance, the pass share ("85%"; "-" for
   INFO) and the verdict. */
typedef struct sim_validation_cells {
	char observed[80], band[56], in_band[4], value[24], tolerance[24], pass_share[8];
	const char *verdict;
} sim_validation_cells;
void sim_validation_format_cells(const sim_validation_row *r, sim_validation_cells *out);

/* "12 targets, 3 missed", with " (and 2 info rows, not judged)" when
   there are info rows: the tally under every table of v. */
void sim_validation_format_tally(char *buf, size_t size, const sim_validation *v);

/* The fixed-width table: a caption naming the targets file and the
   replications, a header, one line per target (pass, FAIL or info), a
   tally. */
void sim_validation_print(const sim_validation *v, FILE *f);

/* The tidy CSV: header target,week,week_start,mean,lo,hi,value,mode,
   tolerance,pass,pass_share,band_lo,band_hi,in_band and one line per
   row (numbers to 10 significant digits, nan for one that could not be
   computed; pass and in_band 1 or 0, pass empty for an INFO row). */
void sim_validation_write_csv(const sim_validation *v, FILE *f);

#endif
