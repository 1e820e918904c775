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
#include "output/store.h"

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

/* A session of the task engine for an analysis (optimize, calibrate,
   sensitivity, equilibrium): the workers and the store stay open while
   the analysis asks for batches of points, each point a vector of values
   for the same `dim` settings. A point met before (the same values,
   exactly) keeps its number, and a replication stored before, in this
   session or one that a signal stopped (--resume), is not run again: an
   analysis resumed runs its deterministic algorithm again from the start
   and finds every evaluation done so far. */
typedef struct sim_tasks_session sim_tasks_session;

/* What sim_tasks_session_run returns when a signal asked the work to
   stop (what is stored is kept). */
#define SIM_TASKS_STOPPED 1

/* Opens a session writing dir/results.sqlite (dir claimed by the caller)
   with store mode `analysis` ("optimize", ...) and the settings `paths`;
   with how->resume, an existing database of the same experiment is
   continued. Under MPI, ranks above 0 serve tasks until rank 0 closes its
   session and return 0 with *out NULL. 0, or -1 with err. */
int sim_tasks_session_open(const sim_model_type *const *registry, const sim_run_options *opt,
			   const sim_exec_options *how, sim_experiment *x, const char *name,
			   const char *dir, const char *analysis, size_t dim,
			   const char *const *paths, sim_tasks_session **out, sim_error *err);
/* Runs replications first .. first + count - 1 at each of n points
   (x[i * dim + j]), in parallel, storing each; ids[i] gets point i's
   number in the store. 0, SIM_TASKS_STOPPED, or -1 with err (also when a
   replication failed: an analysis cannot do without it). */
int sim_tasks_session_run(sim_tasks_session *s, size_t n, const double *x, uint64_t first,
			  size_t count, size_t *ids, sim_error *err);
/* The session's database, to read results from. */
sim_store *sim_tasks_session_store(sim_tasks_session *s);
size_t sim_tasks_session_workers(const sim_tasks_session *s);
/* Stops the workers, closes the store, puts the signal handlers back and,
   when a signal stopped the session, says how to resume; fills report
   (may be NULL). s NULL (an MPI worker rank): report says so. */
void sim_tasks_session_close(sim_tasks_session *s, sim_exec_report *report);

#endif
