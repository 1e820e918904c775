/* pool_mpi.c - a sweep's workers as MPI ranks (pool.h).
   Rank 0 sends each idle rank a task and receives whole results; the
   other ranks serve. Only built into the program with SIM_MPI (make MPI=1);
   without it the functions say MPI is missing. */
#include "pool_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef SIM_MPI
#include <mpi.h>
#endif

enum { TAG_TASK = 1, TAG_STOP = 2, TAG_RESULT = 3 };

bool sim_pool_under_mpi(void)
{
	/* Open MPI's and PMIx's launchers say how many ranks they started. */
	const char *n = getenv("OMPI_COMM_WORLD_SIZE");
	if (!n)
		n = getenv("PMI_SIZE");
	return n && atoi(n) > 1;
}

#ifdef SIM_MPI

int sim_pool_mpi_rank(void)
{
	int rank = 0;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	return rank;
}

static size_t mpi_idle(const sim_pool *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->size; i++)
		n += !p->workers[i].busy;
	return n;
}

static int mpi_submit(sim_pool *p, const sim_task *task, sim_error *err)
{
	for (size_t i = 0; i < p->size; i++) {
		if (p->workers[i].busy)
			continue;
		size_t len;
		char *msg = sim_task_pack_task(task, &len);
		if (!msg)
			return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		int rc = MPI_Send(msg, (int)len, MPI_BYTE, (int)i + 1, TAG_TASK, MPI_COMM_WORLD);
		free(msg);
		if (rc != MPI_SUCCESS)
			return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
					     "cannot send a task to rank %zu", i + 1);
		p->workers[i].busy = true;
		p->workers[i].task = *task;
		p->workers[i].task.settings = NULL; /* the submitter's */
		return 0;
	}
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "no idle rank");
}

static int mpi_wait(sim_pool *p, sim_task_result *out, sim_error *err)
{
	if (mpi_idle(p) == p->size)
		return 1;
	MPI_Status st;
	int len = 0, ready = 0;
	/* Polled, not MPI_Probe: a blocking probe spins on a core that the
	   ranks computing on this machine need, and a signal must be able to
	   interrupt the wait. */
	while (!ready) {
		if (MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &ready, &st) !=
		    MPI_SUCCESS)
			return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
					     "cannot receive a result");
		struct timespec pause = { 0, 1000000 };
		if (!ready && nanosleep(&pause, NULL) != 0 && errno == EINTR)
			return 2;
	}
	if (MPI_Get_count(&st, MPI_BYTE, &len) != MPI_SUCCESS)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "cannot receive a result");
	char *msg = malloc(len > 0 ? (size_t)len : 1);
	if (!msg)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	MPI_Recv(msg, len, MPI_BYTE, st.MPI_SOURCE, TAG_RESULT, MPI_COMM_WORLD,
		 MPI_STATUS_IGNORE);
	sim__pool_worker *w = &p->workers[st.MPI_SOURCE - 1];
	w->busy = false;
	if (sim_task_unpack(msg, (size_t)len, out) != 0)
		sim_task_failed(out, &w->task, "rank %d sent a malformed result", st.MPI_SOURCE);
	free(msg);
	return 0;
}

static void mpi_close(sim_pool *p)
{
	/* A busy rank's result is still received, then dropped: every rank
	   must read its stop before MPI_Finalize. */
	while (mpi_idle(p) < p->size) {
		sim_task_result r = { 0 };
		sim_error e;
		sim_error_clear(&e);
		int rc = mpi_wait(p, &r, &e);
		sim_task_result_clear(&r);
		if (rc < 0)
			MPI_Abort(MPI_COMM_WORLD, 1);
		/* rc 2, a signal: keep waiting, the ranks must be told to stop. */
	}
	for (size_t i = 0; i < p->size; i++)
		MPI_Send(NULL, 0, MPI_BYTE, (int)i + 1, TAG_STOP, MPI_COMM_WORLD);
}

static const sim__pool_ops mpi_ops = { mpi_idle, mpi_submit, mpi_wait, mpi_close };

sim_pool *sim_pool_mpi(sim_error *err)
{
	int ranks = 1;
	MPI_Comm_size(MPI_COMM_WORLD, &ranks);
	if (ranks < 2) {
		sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
			      "an MPI sweep needs at least 2 ranks (rank 0 only hands out tasks)");
		return NULL;
	}
	sim_pool *p = calloc(1, sizeof *p);
	if (p)
		p->workers = calloc((size_t)ranks - 1, sizeof *p->workers);
	if (!p || !p->workers) {
		free(p);
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		return NULL;
	}
	p->kind = POOL_MPI;
	p->ops = &mpi_ops;
	p->size = (size_t)ranks - 1;
	return p;
}

/* Receives rank 0's next message: a task (1; *settings, heap or NULL,
   holds what task->settings points to) or the stop (0). A malformed
   message aborts the job: the ranks no longer agree on the protocol. */
static int receive_task(sim_task *task, char **settings)
{
	MPI_Status st;
	int len = 0;
	MPI_Probe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
	MPI_Get_count(&st, MPI_BYTE, &len);
	char *msg = malloc(len > 0 ? (size_t)len : 1);
	if (!msg)
		MPI_Abort(MPI_COMM_WORLD, 1);
	MPI_Recv(msg, len, MPI_BYTE, 0, st.MPI_TAG, MPI_COMM_WORLD, &st);
	if (st.MPI_TAG != TAG_TASK) {
		free(msg);
		return 0;
	}
	sim_task_wire h;
	if ((size_t)len < sizeof h)
		MPI_Abort(MPI_COMM_WORLD, 1);
	memcpy(&h, msg, sizeof h);
	if (h.settings_len != (size_t)len - sizeof h ||
	    sim_task_unpack_task(&h, msg + sizeof h, task, settings) != 0)
		MPI_Abort(MPI_COMM_WORLD, 1);
	free(msg);
	return 1;
}

void sim_pool_mpi_serve(sim_task_fn fn, void *ctx)
{
	sim_task task;
	char *settings;
	while (receive_task(&task, &settings)) {
		sim_task_result r = { .task = task };
		fn(ctx, &task, &r);
		free(settings);
		r.task.settings = NULL;
		size_t len;
		char *packed = sim_task_pack(&r, &len);
		sim_task_result_clear(&r);
		if (!packed)
			MPI_Abort(MPI_COMM_WORLD, 1);
		MPI_Send(packed, (int)len, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
		free(packed);
	}
}

int sim_pool_mpi_init(int *argc, char ***argv)
{
	return MPI_Init(argc, argv) == MPI_SUCCESS ? 0 : -1;
}

void sim_pool_mpi_finalize(void)
{
	MPI_Barrier(MPI_COMM_WORLD);
	MPI_Finalize();
}

int sim_pool_mpi_share(int value)
{
	MPI_Bcast(&value, 1, MPI_INT, 0, MPI_COMM_WORLD);
	return value;
}

#else /* no SIM_MPI */

int sim_pool_mpi_rank(void)
{
	return 0;
}

sim_pool *sim_pool_mpi(sim_error *err)
{
	sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
		      "this marketsim was built without MPI; build it with `make MPI=1`");
	return NULL;
}

void sim_pool_mpi_serve(sim_task_fn fn, void *ctx)
{
	(void)fn;
	(void)ctx;
}

int sim_pool_mpi_init(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return -1;
}

void sim_pool_mpi_finalize(void)
{
}

int sim_pool_mpi_share(int value)
{
	return value;
}

#endif
