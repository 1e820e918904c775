/*
 * sim_queue.h - the pending-event set: (time, key) entries popped in order.
 *
 * Entries are 16 bytes and ordered by time, then by key; the engine makes
 * keys unique and increasing in insertion order, so equal times pop first
 * in, first out and a run is bit-for-bit reproducible. Times are >= 0.
 *
 * Two kinds, chosen by measurement (`make bench`, figures in README.md):
 *
 * SIM_QUEUE_HEAP - a 4-ary min-heap: O(log n) per operation, no tuning.
 *   Each sibling group is one 64-byte cache line; the order test is one
 *   branch-free 128-bit comparison; a pop leaves a hole at the root that the
 *   next push fills (the usual hold: pop an event, schedule its successor).
 *
 * SIM_QUEUE_CALENDAR (the engine's choice) - a calendar queue in front of
 *   that heap. Time is cut into buckets of an adaptive width; only the
 *   current bucket's events are in the heap, later ones are appended,
 *   unsorted, to their bucket's array (or to an overflow array beyond the
 *   calendar's year) and heapified when the clock reaches them. Pushes are
 *   O(1) sequential appends, the heap stays small and cache-resident, and
 *   the pop order is exactly the heap's: buckets partition time, they never
 *   reorder it. The width is re-estimated from the pending events whenever
 *   their number has doubled or halved, or a year leaves most events in the
 *   overflow.
 */
#ifndef SIM_QUEUE_H
#define SIM_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sim_queue_entry {
	double time;
	uint64_t key;
} sim_queue_entry;

typedef enum sim_queue_kind {
	SIM_QUEUE_CALENDAR = 0,
	SIM_QUEUE_HEAP,
} sim_queue_kind;

/* A growable array of stored entries (queue.c's node type). */
typedef struct sim_queue_array {
	void *items;
	size_t count, capacity;
} sim_queue_array;

typedef struct sim_queue {
	sim_queue_kind kind;
	/* The heap of the current bucket (all events, for SIM_QUEUE_HEAP). */
	void *heap;              /* heap[0] is the root */
	void *block;             /* the aligned allocation heap points into */
	size_t count;            /* entries in heap[], including a root hole */
	size_t capacity;
	bool hole;               /* heap[0] is vacant (popped, not refilled) */
	/* The calendar. */
	sim_queue_array *buckets;
	size_t bucket_count;     /* a power of two; 0 until first used */
	uint64_t current;        /* absolute index of the heap's bucket */
	uint64_t year_end;       /* absolute index where the overflow begins */
	double inv_width;        /* buckets per unit of time */
	size_t in_buckets;       /* entries in buckets[] */
	sim_queue_array overflow;
	size_t size_at_resize;   /* total size when the width was last set */
	uint64_t resizes;
	sim_queue_entry peeked;  /* what sim_queue_peek returned */
} sim_queue;

/* Initialises an empty queue of the given kind with room for `capacity`
   entries (0 allowed). Returns 0, or -1 when memory runs out. */
int sim_queue_init(sim_queue *q, size_t capacity, sim_queue_kind kind);

/* Releases the queue's memory; the queue may be initialised again. */
void sim_queue_close(sim_queue *q);

/* Number of entries held. */
static inline size_t sim_queue_size(const sim_queue *q)
{
	return q->count - (q->hole ? 1 : 0) + q->in_buckets + q->overflow.count;
}

/* Makes room for at least `capacity` entries in the heap. Returns 0 or -1. */
int sim_queue_reserve(sim_queue *q, size_t capacity);

/* Inserts (time, key); time must be >= 0 (not NaN). Returns 0 or -1 (no
   memory). */
int sim_queue_push(sim_queue *q, double time, uint64_t key);

/* Removes the smallest entry into *out. Returns false when empty. Never
   allocates: room to heapify a bucket is reserved when the bucket grows. */
bool sim_queue_pop(sim_queue *q, sim_queue_entry *out);

/* The smallest entry, or NULL when empty; valid until the next change. */
const sim_queue_entry *sim_queue_peek(sim_queue *q);

/* Keeps only the entries for which keep() is true. O(n). Used by the
   engine to drop cancelled events in bulk. */
void sim_queue_filter(sim_queue *q,
		      bool (*keep)(const sim_queue_entry *entry, void *ctx),
		      void *ctx);

/* Visits the entries in ascending order and replaces each key with
   rekey(old key, rank, ctx), rank counting from 0. The new keys must keep
   the order (rekey increasing in rank among equal times). Used by the
   engine to renumber insertion sequences. Returns 0 or -1 (no memory; the
   queue is unchanged). */
int sim_queue_rekey_in_order(sim_queue *q,
			     uint64_t (*rekey)(uint64_t key, size_t rank, void *ctx),
			     void *ctx);

#endif
