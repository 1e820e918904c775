/*
 * sim_runner.h - running an experiment file end to end.
 *
 * Loads and validates the experiment (file, then --set overrides, then the
 * schema of the model it names), and only then opens the output directory,
 * runs the model, writes its results and the manifest atomically. Nothing
 * is written when validation fails.
 */
#ifndef SIM_RUNNER_H
#define SIM_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_model.h"

/* The settings every experiment file has besides the model's group. */
typedef struct sim_experiment_params {
	char *model;  /* registry name of the model */
	char *name;   /* experiment name; "" means the file's base name */
	int64_t seed; /* master seed */
} sim_experiment_params;

/* The engine's own schema (model, name, seed), for config-doc. */
extern const sim_schema sim_experiment_schema;

typedef struct sim_run_options {
	const char *config_path;
	const char *const *overrides; /* "path=value" strings */
	size_t override_count;
	const char *out_dir;          /* NULL: out/<experiment name> */
	bool quiet;                   /* no summary on stdout */
	bool check_only;              /* validate, run nothing, write nothing */
	const char *command;          /* the command line, for the manifest */
} sim_run_options;

/* What a finished run measured. */
typedef struct sim_run_report {
	uint64_t events;
	double wall_seconds, cpu_seconds;
	long peak_rss_kb;
} sim_run_report;

/* Runs (or with check_only, validates) one experiment. Returns 0, or -1
   with err filled; kind CONFIG means nothing was written. report may be
   NULL. */
int sim_run_experiment(const sim_model_type *const *registry,
		       const sim_run_options *opt, sim_run_report *report,
		       sim_error *err);

#endif
