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
#include "sim_replications.h"
#include "sim_sweep.h"

/* The settings every experiment file has besides the model's group. */
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
} sim_experiment_params;

/* The engine's own schema (model, name, seed, replications, targets,
   sweep), for config-doc. */
extern const sim_schema sim_experiment_schema;

typedef struct sim_run_options {
	const char *config_path;
	const char *const *overrides; /* "path=value" strings */
	size_t override_count;
	const char *out_dir;          /* NULL: out/<experiment name> */
	bool quiet;                   /* no summary on stdout */
	bool check_only;              /* validate, run nothing, write nothing */
	bool validate;                /* run, then check against the targets */
	bool no_plots;                /* do not draw plots/<model>_*.gp */
	const char *plots_dir;        /* NULL: sim_plot_default_dir() */
	bool keep_tables;             /* hand the result tables to the caller
					 (report->tables) */
	const char *command;          /* the command line, for the manifest */
	const struct sim_exec_options *exec; /* how replications run (workers,
					 --resume, MPI); NULL: in this process */
} sim_run_options;

/* What a finished run measured. */
typedef struct sim_run_report {
	uint64_t events;
	size_t replications; /* replications run */
	char rule[256];      /* why the count stopped (adaptive replications;
				"" for a fixed count) */
	int targets_missed;  /* validate: targets not met */
	int interrupted;     /* the signal that stopped it (what was stored
				is kept for --resume), or 0 */
	sim_table_set *tables; /* with opt->keep_tables: every replication's
				  rows; the caller frees it */
	double wall_seconds, cpu_seconds;
	long peak_rss_kb;
} sim_run_report;

/* Runs (or with check_only, validates) one experiment, all its
   replications. Returns 0, or -1 with err filled; kind CONFIG means nothing
   was written. With opt->validate, report->targets_missed counts the
   targets missed. report may be NULL. */
int sim_run_experiment(const sim_model_type *const *registry,
		       const sim_run_options *opt, sim_run_report *report,
		       sim_error *err);

/* A loaded, validated experiment (file, --set overrides, schema), for
   callers that need its settings before running it (the sweep). */
typedef struct sim_experiment sim_experiment;
/* Loads opt->config_path with opt's overrides; NULL with err on failure. */
sim_experiment *sim_experiment_load(const sim_model_type *const *registry,
				    const sim_run_options *opt, sim_error *err);
void sim_experiment_free(sim_experiment *x);
const sim_experiment_params *sim_experiment_settings(const sim_experiment *x);
/* The parsed tree (for error lines) and the root schema it was checked
   against (for sim_config_set). */
sim_config *sim_experiment_config(sim_experiment *x);
const sim_schema *sim_experiment_root(const sim_experiment *x);
/* The experiment's name: its `name`, else the file's base name; heap. */
char *sim_experiment_name(const sim_experiment *x, const char *config_path);
/* The model the experiment names. */
const sim_model_type *sim_experiment_model(const sim_experiment *x);
/* Runs replication `replication` of x on a fresh engine and records its
   rows into tables (the model must have `record`); *events grows by the
   events it executed. `name` is the experiment's name, for the model's
   context. With notes non-NULL, *notes (heap) gets the model's manifest
   lines on the replication (its `summarize`), or NULL. Returns 0 or -1
   with err. */
int sim_experiment_run_replication(const sim_experiment *x, const char *name,
				   uint64_t replication, sim_table_set *tables,
				   uint64_t *events, char **notes, sim_error *err);

/* Runs experiments A and B (opt_a, opt_b: their files and overrides)
   into out_dir/a and out_dir/b, pairs their replications (replication r
   of each uses the same random streams when their seeds agree: common
   random numbers) and writes out_dir/compare.csv: per summary metric the
   means of A and B, the difference B - A with its 95% t interval from the
   paired differences, and the variance reduction against independent
   runs, var(A) + var(B) over var(B - A). Prints the same table to report
   (may be NULL). Returns 0 or -1 with err. */
int sim_compare_experiments(const sim_model_type *const *registry,
			    const sim_run_options *opt_a, const sim_run_options *opt_b,
			    const char *out_dir, FILE *report, sim_error *err);

/* What running an experiment's (point, replication) tasks did. */
typedef struct sim_exec_report {
	size_t points;       /* points: a sweep's, or 1 for a run */
	size_t done;         /* replications run now */
	size_t skipped;      /* replications kept from an earlier run (--resume) */
	size_t failed;       /* replications that failed */
	int interrupted;     /* the signal (SIGINT, SIGTERM) that stopped it, or 0 */
	bool worker_rank;    /* MPI: this process was a worker, not rank 0 */
	size_t workers;      /* worker processes or ranks */
	uint64_t events;     /* engine events of the replications run now */
	double wall_seconds;
	size_t replications; /* a run: its replications, stored in all */
	char rule[256];      /* a run: why its count stopped ("" for a fixed count) */
} sim_exec_report;

/* How replications are run. */
typedef struct sim_exec_options {
	bool resume;         /* keep the replications results.sqlite holds */
	size_t jobs;         /* worker processes (1: in this process) */
	bool mpi;            /* hand tasks to MPI ranks (started by mpirun) */
} sim_exec_options;

/* Runs the replications of a run (opt: its file and overrides) as tasks
   (see sim_pool.h) into dir/results.sqlite, then loads them: *tables
   (the caller frees it) holds every replication in order, *notes (heap)
   the model's lines on the last one. Returns 0, also when a signal
   stopped it or this MPI rank was a worker (report says so, *tables
   NULL); -1 with err, also when a replication failed. */
int sim_run_tasks(const sim_model_type *const *registry, const sim_run_options *opt,
		  const sim_exec_options *how, const char *name, const char *dir,
		  sim_table_set **tables, char **notes, sim_exec_report *report,
		  sim_error *err);

/* A run's stored replications, from dir/results.sqlite: tables, the
   notes on the last one, their count and the rule that stopped them. */
int sim_run_load(const char *dir, sim_table_set **tables, char **notes,
		 size_t *replications, char *rule, size_t rule_size, sim_error *err);

/* Writes a sweep's CSVs (points/pNNNN/, sweep_summary.csv,
   sweep_vs_reference.csv, sweep_failures.csv, sweep_replications.csv,
   sweep_plots.txt, report_notes.txt, manifest.txt) from DIR/results.sqlite
   alone. manifest_extra: lines added to the manifest (may be NULL).
   *failed (may be NULL) counts the failed replications. */
int sim_sweep_write_outputs(const sim_model_type *const *registry, const char *dir,
			    const char *manifest_extra, size_t *failed, sim_error *err);

/* Draws DIR's charts (plots/PREFIX_*.gp; none when prefix is NULL or
   no_plots), then writes DIR/report.html (without charts when there are
   none or they failed: a chart's failure stays the error reported), and
   says where unless quiet. */
int sim_results_draw(const char *dir, const char *config_path, const char *prefix,
		     const char *plots_dir, bool no_plots, bool quiet, sim_error *err);

/* Redraws DIR's charts and report from what it holds: for a sweep, first
   its CSVs from results.sqlite; for a run, from its CSVs. */
int sim_plot_results(const sim_model_type *const *registry, const char *dir,
		     const char *plots_dir, bool quiet, sim_error *err);

/* Runs every replication of every point of the experiment's sweep (see
   sim_sweep.h) into opt->out_dir (default out/<name>): each stored in
   results.sqlite as it finishes, then the CSVs, charts and report derived
   from it. The results do not depend on how many workers ran them.
   Returns 0 when the sweep ran (report->failed counts replications that
   failed; report->interrupted a signal that stopped it early, with what
   was done kept), -1 with err when it could not (bad input: kind CONFIG,
   nothing written). */
int sim_sweep_experiment(const sim_model_type *const *registry,
			 const sim_run_options *opt, const sim_exec_options *how,
			 sim_exec_report *report, sim_error *err);

#endif
