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

/* How the simulated mean is compared with the observed value. */
typedef enum sim_validation_mode {
	SIM_VALIDATION_REL, /* |mean - value| <= tolerance x |value| ("+-10%") */
	SIM_VALIDATION_ABS, /* |mean - value| <= tolerance ("+-0.5") */
	SIM_VALIDATION_MIN, /* mean >= value ("at least"; tolerance unused) */
	SIM_VALIDATION_MAX, /* mean <= value ("at most"; tolerance unused) */
	SIM_VALIDATION_MODES
} sim_validation_mode;

/* One target: the statistic the model computed for it and the verdict. */
typedef struct sim_validation_row {
	char target[64];     /* its name in the targets file */
	long week;           /* the week it is about, counted from 0 at the start */
	char week_start[16]; /* that week's first day, YYYY-MM-DD */
	double mean, lo, hi; /* over the replications: mean and 95% CI (NaN: none) */
	double value;        /* the observed figure */
	sim_validation_mode mode;
	double tolerance;    /* REL: a fraction of value; ABS: in value's unit */
	bool pass;
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

/* The rows whose pass is false. */
size_t sim_validation_missed(const sim_validation *v);

/* "rel", "abs", "min", "max"; and back (-1: none of them). */
const char *sim_validation_mode_name(sim_validation_mode mode);
int sim_validation_mode_parse(const char *name);

/* A figure as the table shows it: token counts in T or B ("3.70T",
   "1.04B"), others to 3 significant digits ("0.8", "1"). */
void sim_validation_format_value(char *buf, size_t size, double x);
/* A row's tolerance as the table shows it: "+-15%", "+-0.5", "at least",
   "at most". */
void sim_validation_format_tolerance(char *buf, size_t size, const sim_validation_row *r);

/* A row's cells as every table of it shows them (text, report): the
   observed "mean [lo, hi]", the target value and the tolerance. */
typedef struct sim_validation_cells {
	char observed[80], value[24], tolerance[24];
} sim_validation_cells;
void sim_validation_format_cells(const sim_validation_row *r, sim_validation_cells *out);

/* The fixed-width table: a caption naming the targets file and the
   replications, a header, one line per target (pass or FAIL), a tally. */
void sim_validation_print(const sim_validation *v, FILE *f);

/* The tidy CSV: header target,week,week_start,mean,lo,hi,value,mode,
   tolerance,pass and one line per row (numbers to 10 significant
   digits, nan for a mean that could not be computed; pass 1 or 0). */
void sim_validation_write_csv(const sim_validation *v, FILE *f);

#endif
