/*
 * analysis.h - what the four analysis commands (optimize, calibrate,
 * sensitivity, equilibrium) share: the experiment loaded and checked, its
 * output folder claimed, a task-engine session (run/tasks.h) that
 * evaluates points as tasks (-j, MPI, results.sqlite, --resume, progress),
 * the evaluator the numerics see (evaluator.h) reading summary metrics
 * back from the store, and the outputs at the end: result tables (CSV,
 * store, report.html) and charts from plots/<kind>_*.gp.
 *
 * Every evaluation goes through the store, also when the values are in
 * memory: what an analysis computes is then the same whether it ran
 * straight through or was killed and resumed.
 */
#ifndef SIM_ANALYSIS_ANALYSIS_H
#define SIM_ANALYSIS_ANALYSIS_H

#include "evaluator.h"
#include "output/result_table.h"
#include "run/tasks.h"

typedef struct sim_analysis {
	const sim_model_type *const *registry;
	const sim_run_options *opt;
	const sim_exec_options *how;
	const char *kind;         /* "optimize", ... (the store's mode) */
	sim_experiment *x;
	char *name, *dir;
	sim_folder folder;
	sim_tasks_session *session; /* NULL on an MPI rank above 0 */
	size_t dim;
	char **paths;             /* dim settings varied */
	sim_bounds *bounds;       /* dim */
	size_t replications;      /* the experiment's fixed count */
	size_t nmetrics;
	char **metrics;           /* "metric:subject" each */
	char **metric_keys;       /* 2 per metric: metric, subject */
	sim_evaluator ev;         /* reads the metrics; dim and metrics set */
	sim_exec_report rep;
} sim_analysis;

/* Loads opt's experiment for `kind` and checks it (a model that records,
   a fixed replication count, each parameter of `params` a setting that
   takes both its bounds; `group` names the list in errors, e.g.
   "optimize.parameters"); writes nothing. 0, or -1 with err. */
int sim_analysis_open(sim_analysis *a, const sim_model_type *const *registry,
		      const sim_run_options *opt, const sim_exec_options *how,
		      const char *kind, const char *group, sim_error *err);
/* Once every input is checked: claims the output folder and opens the
   session (which creates results.sqlite). 0, or -1 with err. */
int sim_analysis_start(sim_analysis *a, sim_error *err);
/* The parameter list of the analysis's group, as sim_analysis_open read it. */
const sim_list *sim_analysis_parameters(const sim_experiment *x, const char *kind);
/* Sets the metrics read at each point: "metric:subject" items of the
   comma-separated list, which `at` names in errors. 0, or -1 with err. */
int sim_analysis_set_metrics(sim_analysis *a, const char *list, const char *at,
			     sim_error *err);
/* Whether this process runs the analysis (false: an MPI worker rank,
   which served tasks and has nothing more to do). */
bool sim_analysis_leads(const sim_analysis *a);
/* Writes the result tables (CSV files, the store, for the report), then
   the charts plots/<kind>_*.gp and report.html, and the session's
   provenance. 0, or -1 with err. */
int sim_analysis_finish(sim_analysis *a, const sim_result_table *tables, size_t n,
			sim_error *err);
/* After bad input found once the session ran (a metric the model does
   not have): closes the session and removes what this analysis wrote
   (its database, the folder's marker, the folder when it made it),
   unless it resumed an earlier one. */
void sim_analysis_abandon(sim_analysis *a);
/* Closes the session and the folder's claim and frees a; report (may be
   NULL) says what ran. */
void sim_analysis_close(sim_analysis *a, sim_exec_report *report);

/* What a command does between sim_analysis_open and _close. */
typedef struct sim_analysis_steps {
	/* Reads and checks what the command needs beyond the settings (its
	   metrics, its targets) before anything is written; may be NULL. */
	int (*prepare)(sim_analysis *a, void *ctx, sim_error *err);
	/* Runs the analysis and writes its outputs (only in the process that
	   leads). 0 also when a signal stopped it, or -1 with err. */
	int (*run)(sim_analysis *a, void *ctx, sim_error *err);
} sim_analysis_steps;

/* A whole command: open, prepare, start, run, then close (abandoning
   what it wrote on bad input). 0 or -1 with err; report may be NULL. */
int sim_analysis_main(const sim_model_type *const *registry, const sim_run_options *opt,
		      const sim_exec_options *how, const char *kind, const char *group,
		      const sim_analysis_steps *steps, void *ctx, sim_exec_report *report,
		      sim_error *err);

/* Mean and 95% t interval of x[0, n) (NaN where n < 2). */
void sim_analysis_mean_ci(const double *x, size_t n, double *mean, double *lo, double *hi);

#endif
