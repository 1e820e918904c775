/*
 * tasks.h - the task engine: every (point, replication) of an experiment
 * handed to workers (pool.h: this process, forked processes or MPI
 * ranks) as they come free, each result stored in DIR/results.sqlite
 * (output/store.h) in its own transaction as it arrives.
 *
 * A run is one point without parameters; a sweep has one point per
 * combination of its parameters' values. Replication r uses the same
 * random streams at every point, and the adaptive stopping rule of each
 * point looks only at its first replications in order, so what is stored
 * does not depend on the workers. SIGINT and SIGTERM stop it cleanly: in-
 * flight tasks are dropped, what is stored is kept for --resume.
 */
#ifndef SIM_RUN_TASKS_H
#define SIM_RUN_TASKS_H

#include "experiment.h"
#include "output/folder.h"

/* What running an experiment's (point, replication) tasks did. */
typedef struct sim_exec_report {
	size_t points;       /* points: a sweep's, or 1 for a run */
	size_t done;         /* replications run now */
	size_t skipped;      /* replications kept from an earlier run (--resume) */
	size_t failed;       /* replications that failed */
	size_t stored;       /* replications stored in all, old and new */
	int interrupted;     /* the signal (SIGINT, SIGTERM) that stopped it, or 0 */
	bool worker_rank;    /* MPI: this process was a worker, not rank 0 */
	size_t workers;      /* worker processes or ranks */
	uint64_t events;     /* engine events of the replications run now */
	double wall_seconds;
} sim_exec_report;

/* Whether this process coordinates the work and writes the results:
   always, but for an MPI rank above 0 (how NULL: in this process). */
bool sim_tasks_coordinator(const sim_exec_options *how);

/* Claims dir for the experiment `name` (output/folder.h) in the process
   that coordinates; under MPI every rank calls it, rank 0 alone claims and
   the others learn whether it could (they hold nothing and fail with the
   same kind when it could not). 0, or -1 with err. */
int sim_tasks_claim(const sim_exec_options *how, const char *dir, const char *name,
		    bool force, sim_folder *claim, sim_error *err);

/* Runs every task of x (loaded from opt with no extra overrides) into
   dir/results.sqlite, dir claimed by the caller (sim_tasks_claim): the
   points of its sweep when `sweep`, else one point. A config error found
   once replications ran removes the database this call created. Returns 0 when done, stopped by a signal or (MPI) when this rank
   was a worker (report says which); -1 with err. */
int sim_tasks_run(const sim_model_type *const *registry, const sim_run_options *opt,
		  const sim_exec_options *how, sim_experiment *x, const char *name,
		  const char *dir, bool sweep, sim_exec_report *report, sim_error *err);

#endif
