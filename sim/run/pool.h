/*
 * pool.h - workers that run a sweep's tasks, one (point, replication)
 * at a time, for a coordinator that hands them out as workers come free.
 *
 * Three kinds, one interface: in-process (jobs 1: each task runs when
 * submitted), forked worker processes on this machine (jobs > 1: tasks and
 * results travel over pipes), and MPI ranks (built with SIM_MPI: rank 0
 * coordinates, every other rank works; tasks and results travel as MPI
 * messages). A worker that dies mid-task is reported as that task's
 * failure, and a forked one is replaced.
 */
#ifndef SIM_RUN_POOL_H
#define SIM_RUN_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_error.h"
#include "task.h"

typedef struct sim_pool sim_pool;

/* `jobs` workers on this machine: 1 runs tasks in this process, more fork
   worker processes, each calling fn(ctx, ...). NULL with err. */
sim_pool *sim_pool_local(size_t jobs, sim_task_fn fn, void *ctx, sim_error *err);
/* `jobs` forked worker processes, one too (a task that crashes its
   worker is then that task's failure, not the coordinator's); 0 runs
   tasks in this process. NULL with err. */
sim_pool *sim_pool_forked(size_t jobs, sim_task_fn fn, void *ctx, sim_error *err);

/* True when this process was started by mpirun with more than one rank
   (in a build without SIM_MPI too, so the program can refuse). */
bool sim_pool_under_mpi(void);
/* Under mpirun: this process's rank (MPI must be initialised). */
int sim_pool_mpi_rank(void);
/* Rank 0's pool: the other ranks are its workers. NULL with err, or when
   built without SIM_MPI. */
sim_pool *sim_pool_mpi(sim_error *err);
/* Ranks above 0: run the tasks rank 0 sends until it says stop. */
void sim_pool_mpi_serve(sim_task_fn fn, void *ctx);
/* MPI_Init, and MPI_Finalize after a barrier (so no rank exits before
   the others are done); init fails (-1) in a build without SIM_MPI. */
int sim_pool_mpi_init(int *argc, char ***argv);
void sim_pool_mpi_finalize(void);
/* Under mpirun, every rank must call it: rank 0's value, returned on every
   rank (MPI_Bcast). Without MPI, value itself. */
int sim_pool_mpi_share(int value);

/* Workers idle now, and workers in all. */
size_t sim_pool_idle(const sim_pool *p);
size_t sim_pool_size(const sim_pool *p);

/* Hands `task` to an idle worker (there must be one). */
int sim_pool_submit(sim_pool *p, const sim_task *task, sim_error *err);

/* Waits for a result: returns 0 with *out filled (the caller clears it;
   what *out held before is ignored, not freed),
   1 when no task is running, 2 when a signal interrupted the wait, -1
   with err. */
int sim_pool_wait(sim_pool *p, sim_task_result *out, sim_error *err);

/* Stops every worker (a busy one is killed: its task is lost, not half
   stored) and frees p; NULL is allowed. */
void sim_pool_close(sim_pool *p);

#endif
