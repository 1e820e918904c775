/* pool_impl.h - what pool.c and pool_mpi.c share (not public). */
#ifndef SIM_POOL_IMPL_H
#define SIM_POOL_IMPL_H

#include "pool.h"

#include <sys/types.h>

/* A result's fixed part; the data, the error message and the notes
   follow it. */
typedef struct pool_header {
	uint64_t point, replication, ok, events, len, error_len, notes_len;
} pool_header;

typedef struct pool_worker {
	pid_t pid;        /* forked kind */
	int task_fd, result_fd;
	bool busy;
	sim_task task;
} pool_worker;

struct sim_pool {
	enum { POOL_INLINE, POOL_FORK, POOL_MPI } kind;
	sim_task_fn fn;
	void *ctx;
	size_t size;
	pool_worker *workers; /* FORK and MPI (index i is rank i + 1) */
	bool have_result;     /* INLINE: the task that ran at submit */
	sim_task_result result;
};

/* The header and the whole message for r: heap bytes. */
char *pool_pack(const sim_task_result *r, size_t *len);
/* Fills r from a message of len bytes; -1 when malformed. */
int pool_unpack(const char *msg, size_t len, sim_task_result *r);
/* A failure result for task with the printf-style message. */
void pool_failed(sim_task_result *r, const sim_task *task, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The MPI kind (pool_mpi.c). */
size_t pool_mpi_idle(const sim_pool *p);
int pool_mpi_submit(sim_pool *p, const sim_task *task, sim_error *err);
int pool_mpi_wait(sim_pool *p, sim_task_result *out, sim_error *err);
void pool_mpi_close(sim_pool *p);

#endif
