/*
 * experiment.h - an experiment file loaded and validated, and one
 * replication of it run on a fresh engine.
 *
 * Loading parses the file, applies the --set overrides, picks the model it
 * names from the registry and checks everything against the schema (the
 * engine's top level plus the model's group). Nothing here writes a file:
 * the drivers above (run.c, sweep.c) decide what is written and where.
 */
#ifndef SIM_RUN_EXPERIMENT_H
#define SIM_RUN_EXPERIMENT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_model.h"
#include "options.h"
#include "replications.h"
#include "sweep_points.h"
#include "analysis_params.h"
#include "draws.h"

/* The settings every experiment file has besides the model's group. */
/* One assignment of the experiment file's `set` list: the setting at
   `path` takes `value`, as `--set path=value` would (a fragment written by
   `marketsim calibrate` holds such a list, to @include). */
typedef struct sim_assignment {
	char *path;
	char *value;
} sim_assignment;

typedef struct sim_experiment_params {
	char *model;  /* registry name of the model */
	char *name;   /* experiment name; "" means the file's base name */
	int64_t seed; /* master seed */
	sim_replications_params replications; /* how many independent runs
						 (streams keyed by index):
						 a count, or until targets
						 are met */
	char *targets;        /* observed figures for `validate`, relative to
				 the experiment file's folder; "" none */
	sim_sweep_params sweep; /* points for `marketsim sweep`; ignored by run */
	sim_list set;           /* sim_assignment: applied before --set */
	sim_list fitted;        /* sim_fitted: what `marketsim calibrate`
				   fitted, applied after `set`, before --set */
	sim_numbers fitted_correlation; /* their correlation, k x k row by
					   row (empty: independent) */
	sim_list assumed;       /* sim_fitted: settings the modeller assumed
				   (se: a prior sd), applied after `set`,
				   before `fitted` */
	bool uncertainty;       /* each replication draws the fitted and
				   assumed settings (draws.h) */
	/* the analysis commands' settings; ignored by the others */
	sim_optimize_params optimize;
	sim_calibrate_params calibrate;
	sim_sensitivity_params sensitivity;
	sim_equilibrium_params equilibrium;
} sim_experiment_params;

/* The engine's own schema (model, name, seed, replications, targets,
   sweep), for config-doc. */
extern const sim_schema sim_experiment_schema;

/* Finds the model called name in a NULL-terminated registry, or NULL. */
const sim_model_type *sim_model_find(const sim_model_type *const *registry,
				     const char *name);

typedef struct sim_experiment sim_experiment;

/* Loads opt->config_path with opt's overrides, then the `extra` ones (a
   sweep point's assignments; may be NULL with n 0). NULL with err. */
sim_experiment *sim_experiment_load(const sim_model_type *const *registry,
				    const sim_run_options *opt, const char *const *extra,
				    size_t n, sim_error *err);
void sim_experiment_free(sim_experiment *x);

/* What is done with the experiment's targets file. */
typedef enum sim_targets_use {
	SIM_TARGETS_IGNORE,   /* run, sweep: not read */
	SIM_TARGETS_REQUIRED, /* validate: required, and parsed */
	SIM_TARGETS_IF_ANY,   /* check: parsed when the file names one */
} sim_targets_use;

/* Checks what only makes sense once the model is known: replications of
   a model that cannot record them and, as `use` says, the targets file
   (held to the rules of an @include, sim_config_file_path, and parsed
   now, so a bad one fails before anything runs). *targets (heap, may be
   NULL) gets the targets file's path when parsed. */
int sim_experiment_check(const sim_experiment *x, sim_targets_use use, char **targets,
			 sim_error *err);

const sim_experiment_params *sim_experiment_settings(const sim_experiment *x);
/* The whole params block the root schema lays out (the experiment's
   settings, then the model's), to change in place, and to swap for
   another block (returning the old one), for a sweep's checks
   (sweep_check.c); the caller puts the original back. */
void *sim_experiment_params_block(sim_experiment *x);
void *sim_experiment_swap_params(sim_experiment *x, void *params);
/* The model's own validated parameters. */
const void *sim_experiment_model_params(const sim_experiment *x);
/* The parsed tree (for error lines) and the root schema it was checked
   against (for sim_config_set). */
sim_config *sim_experiment_config(sim_experiment *x);
const sim_config *sim_experiment_config_const(const sim_experiment *x);
const sim_schema *sim_experiment_root(const sim_experiment *x);
/* The experiment's name: its `name`, else the file's base name; heap. */
char *sim_experiment_name(const sim_experiment *x, const char *config_path);
/* The output folder: opt->out_dir, else out/<name>; heap. */
char *sim_experiment_output_dir(const sim_run_options *opt, const char *name);
/* The model the experiment names. */
const sim_model_type *sim_experiment_model(const sim_experiment *x);
/* The resolved configuration as text (what the manifest and the store
   keep; resuming needs the same); heap, NULL when out of memory. */
char *sim_experiment_resolved_config(const sim_experiment *x);

/* Every later replication of x stops early, with an error, once *stop is
   non-zero (a flag a signal handler sets; see sim_engine_watch). */
void sim_experiment_watch(sim_experiment *x, const volatile sig_atomic_t *stop);

/* The draws of the fitted and assumed settings when x has `uncertainty`
   and a non-empty `fitted` or `assumed` list, else NULL. */
const sim_draws *sim_experiment_draws(const sim_experiment *x);
/* The `fitted` and `assumed` lists checked, drawn or not; NULL when both
   are empty. */
const sim_draws *sim_experiment_fitted(const sim_experiment *x);

/* Runs replication `replication` of x on a fresh engine and records its
   rows into tables (the model must have `record`); *events grows by the
   events it executed. With sim_experiment_draws, the replication runs
   with its own draw of the fitted and assumed settings (x's params are
   put back after). `name` is the experiment's name, for the model's
   context. With notes non-NULL, *notes (heap) gets the model's manifest
   lines on the replication (its `summarize`), or NULL. Returns 0 or -1
   with err. */
int sim_experiment_run_replication(sim_experiment *x, const char *name,
				   uint64_t replication, sim_table_set *tables,
				   uint64_t *events, char **notes, sim_error *err);

/* Runs the single replication of a model that does not record (PHOLD) on
   a fresh engine; *eng and *state (the caller frees them with
   sim_engine_free and the model's destroy, also on failure) stay for
   write_results and summarize. */
int sim_experiment_run_single(const sim_experiment *x, const char *name,
			      sim_engine **eng, void **state, uint64_t *events,
			      sim_error *err);

#endif
