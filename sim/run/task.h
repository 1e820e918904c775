/*
 * task.h - a task of the task engine, one (point, replication), and what
 * it produced; the wire format in which a result crosses a pipe or an MPI
 * message (a fixed header, then the data, the error and the notes).
 */
#ifndef SIM_RUN_TASK_H
#define SIM_RUN_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* settings: the point's assignments as --set strings joined by '\n'
   ("path=value"), for points that exist only while an analysis runs; NULL
   when the worker derives them from the point index (a sweep's grid).
   Borrowed: the submitter keeps it alive until the pool has sent it. */
typedef struct sim_task {
	uint64_t point, replication;
	const char *settings;
} sim_task;

/* What a task produced: its encoded rows, or the error that stopped it. */
typedef struct sim_task_result {
	sim_task task;
	bool ok;
	uint64_t events;
	char *data;   /* ok: heap bytes (sim_table_set_encode) */
	size_t len;
	char *error;  /* !ok: heap message */
	char *notes;  /* ok: the model's own lines about the replication
			 (manifest key = value lines), heap, or NULL */
} sim_task_result;

/* Runs one task in a worker; fills out (task already set, ok false). */
typedef void (*sim_task_fn)(void *ctx, const sim_task *task, sim_task_result *out);

/* Frees what r holds and zeroes it. */
void sim_task_result_clear(sim_task_result *r);

/* Makes r a failure of task with the printf-style message. */
void sim_task_failed(sim_task_result *r, const sim_task *task, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A packed result's fixed part; the data, the error message and the
   notes follow it. */
typedef struct sim_task_header {
	uint64_t point, replication, ok, events, len, error_len, notes_len;
} sim_task_header;

/* The whole message's size, header included, from its header. */
size_t sim_task_message_size(const sim_task_header *h);
/* r packed as one message: heap bytes, *len long; NULL when out of
   memory. */
char *sim_task_pack(const sim_task_result *r, size_t *len);
/* Fills r from a message of len bytes; -1 when malformed or out of
   memory (r then holds nothing). */
int sim_task_unpack(const char *msg, size_t len, sim_task_result *r);

/* A task's wire form: its point, replication and the settings' length,
   then the settings (no terminating NUL). */
typedef struct sim_task_wire {
	uint64_t point, replication, settings_len;
} sim_task_wire;

/* task packed as one message: heap bytes, *len long; NULL when out of
   memory. */
char *sim_task_pack_task(const sim_task *task, size_t *len);
/* Fills *task from its wire header and the settings bytes that followed
   it (settings_len of them, may be NULL when 0): *owned (heap, NUL-
   terminated, or NULL) holds the settings task points to; the caller
   frees it. -1 when out of memory. */
int sim_task_unpack_task(const sim_task_wire *h, const char *settings, sim_task *task,
			 char **owned);

#endif
