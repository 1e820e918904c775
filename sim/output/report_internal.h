/*
 * report_internal.h - private to the report's files (see report.h):
 * report.c on top writes the page from the sections of report_sections.c
 * (text and files of the directory) and report_tables.c (the tables),
 * fed by report_store.c (what results.sqlite holds); all of them write
 * through html.c. No file calls one above it.
 */
#ifndef SIM_OUTPUT_REPORT_INTERNAL_H
#define SIM_OUTPUT_REPORT_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>

#include "html.h"
#include "sim_validation.h"
#include "result_table.h"
#include "store.h"

/* A sweep's points with the metrics its `plot` setting names: each
   point's mean and 95% CI over its replications. */
typedef struct sim__report_sweep {
	size_t points, nparams, metrics;
	char **paths;        /* nparams: the swept settings */
	char **names;        /* points: "p0007" */
	char **values;       /* points x nparams, as stored (text) */
	long *replications;  /* points: its complete replications; -1 incomplete */
	char **metric;       /* metrics: "metric:subject" */
	double *mean, *lo, *hi; /* points x metrics (NaN: incomplete) */
} sim__report_sweep;

/* What the report shows of results.sqlite. */
typedef struct sim__report_data {
	bool stored;            /* the directory has a database */
	bool sweep;             /* it holds a sweep, not a run */
	bool analysis;          /* it holds an analysis (optimize, ...) */
	char **key, **value;    /* the facts: what the experiment is (experiment, */
	size_t count;           /* model, seed, ...), then how it ran (provenance) */
	char *config;           /* the resolved configuration; NULL: none */
	char *notes;            /* the model's notes on the last replication */
	bool validated;         /* validation holds a stored validation */
	sim_validation validation;
	sim__report_sweep table;
	sim_result_table *results; /* an analysis's derived tables */
	size_t nresults;
	sim_store_draws draws;  /* the fitted and assumed settings (k 0: none),
				   drawn or not */
} sim__report_data;

/* report_store.c: reads DIR/results.sqlite into *d (all empty when there
   is none). 0, or -1 with err. */
int sim__report_store_load(const char *dir, sim__report_data *d, sim_error *err);
void sim__report_store_free(sim__report_data *d);
/* The fact called key, or NULL. */
const char *sim__report_store_fact(const sim__report_data *d, const char *key);

/* report_tables.c: the Validation section (pass / FAIL marked). */
void sim__report_tables_validation(FILE *f, const sim_validation *v);
/* The Sweep section: the points, each metric as mean [lo, hi], the best
   mean marked. */
void sim__report_tables_sweep(FILE *f, const sim__report_sweep *w);
/* The Results section: an analysis's derived tables, each with its
   title and CSV file name. */
void sim__report_tables_results(FILE *f, const sim_result_table *t, size_t n);
/* The Resolved configuration section: the facts, the model's notes and
   the settings. */
void sim__report_tables_configuration(FILE *f, const sim__report_data *d);
/* The fitted and assumed settings (list, value, se; the draws' mean and
   sd) and which band
   the charts draw: across replications with parameter uncertainty, else
   the CI of the mean. */
void sim__report_tables_uncertainty(FILE *f, const sim_store_draws *d);

/* report_sections.c: the Question section from the experiment file's
   text (its header comment; modifies config). */
void sim__report_sections_question(FILE *f, char *config);
/* The Notes section, one item a line of notes (modifies notes). */
void sim__report_sections_notes(FILE *f, char *notes);
/* The Charts section: the PNGs names[0, n) of the folder plots, inline.
   0, or -1 with err when one cannot be read. */
int sim__report_sections_charts(FILE *f, const char *plots, char **names, size_t n,
				sim_error *err);
/* The Files section: links to names[0, n) of dir, with their sizes. */
void sim__report_sections_files(FILE *f, const char *dir, char **names, size_t n);

#endif
