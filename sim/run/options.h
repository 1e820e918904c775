/*
 * options.h - how an experiment is invoked: its file, --set overrides,
 * output folder and, for the drivers that run replications, how they run
 * (workers, --resume, MPI). Plain data shared by the run layer's drivers.
 */
#ifndef SIM_RUN_OPTIONS_H
#define SIM_RUN_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

/* How replications are run. */
typedef struct sim_exec_options {
	bool resume;         /* keep the replications results.sqlite holds */
	size_t jobs;         /* worker processes (1: in this process) */
	bool mpi;            /* hand tasks to MPI ranks (started by mpirun) */
} sim_exec_options;

typedef struct sim_run_options {
	const char *config_path;
	const char *const *overrides; /* "path=value" strings */
	size_t override_count;
	const char *out_dir;          /* NULL: out/<experiment name> */
	bool force;                   /* write into a non-empty folder that has
					 no .marketsim marker (output/folder.h) */
	bool quiet;                   /* no summary on stdout */
	bool check_only;              /* validate, run nothing, write nothing */
	bool validate;                /* run, then check against the targets */
	bool no_plots;                /* do not draw plots/<model>_*.gp */
	bool check;                   /* the model verifies its invariants
					 (--check; sim_run_context) */
	const char *plots_dir;        /* NULL: sim_plot_default_dir() */
	bool keep_tables;             /* hand the result tables to the caller
					 (report->tables) */
	const char *command;          /* the command line, for the manifest */
	const sim_exec_options *exec; /* how replications run (workers,
					 --resume, MPI); NULL: in this process */
	double max_memory;            /* bytes a run may take (--max-memory);
					 0: SIM_MEMORY_FRACTION of this
					 machine's memory (guard.h) */
} sim_run_options;

#endif
