/* pool_impl.h - the pool's inside, shared by pool.c (in-process and
   forked workers) and pool_mpi.c (MPI ranks); private to sim/run/. */
#ifndef SIM_RUN_POOL_IMPL_H
#define SIM_RUN_POOL_IMPL_H

#include "pool.h"

#include <sys/types.h>

typedef struct sim__pool_worker {
	pid_t pid;        /* forked kind */
	int task_fd, result_fd;
	bool busy;
	sim_task task;
} sim__pool_worker;

/* A kind of pool that pool.c does not know by name (MPI): pool.c's
   sim_pool_idle, _submit, _wait and _close hand over to these. */
typedef struct sim__pool_ops {
	size_t (*idle)(const sim_pool *p);
	int (*submit)(sim_pool *p, const sim_task *task, sim_error *err);
	int (*wait)(sim_pool *p, sim_task_result *out, sim_error *err);
	void (*close)(sim_pool *p); /* frees what the kind holds, not p */
} sim__pool_ops;

struct sim_pool {
	enum { POOL_INLINE, POOL_FORK, POOL_MPI } kind;
	const sim__pool_ops *ops; /* MPI; NULL for the kinds of pool.c */
	sim_task_fn fn;
	void *ctx;
	size_t size;
	sim__pool_worker *workers; /* FORK and MPI (index i is rank i + 1) */
	bool have_result;     /* INLINE: the task that ran at submit */
	sim_task_result result;
};

#endif
