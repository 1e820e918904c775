/*
 * queue.h - the pending-event set: (time, key) entries popped in order.
 *
 * Entries are 32 bytes: ordered by time, then by key, and carrying 16
 * bytes of data (the engine's target, handler and cancellation handle), so
 * popping an event needs no second lookup. The engine makes keys unique and
 * increasing in insertion order, so equal times pop first in, first out and
 * a run is bit-for-bit reproducible. Times are >= 0.
 *
 * Two kinds, chosen by measurement (`make bench`, figures in README.md):
 *
 * SIM_QUEUE_HEAP - a 4-ary min-heap: O(log n) per operation, no tuning.
 *   Each sibling group is two whole 64-byte cache lines; the order test is
 *   one branch-free 128-bit comparison; a pop leaves a hole at the root
 *   that the next push fills (the usual hold: pop an event, schedule its
 *   successor).
 *
 * SIM_QUEUE_CALENDAR (the engine's choice) - a calendar queue in front of
 *   that heap. Time is cut into buckets of an adaptive width (about 64
 *   events each). Events are appended, unsorted, to their bucket's array;
 *   when the clock reaches a bucket it is sorted once (counting sort on the
 *   position inside the bucket, then an insertion pass) and consumed in
 *   order, and the heap takes only events scheduled into the current bucket
 *   after that. The buckets form a circular window sliding with the clock;
 *   entries beyond it wait in an overflow array, moved into the window in
 *   one pass when the window reaches the earliest of them (about once per
 *   window length). Pushes are O(1) appends, pops O(1) amortised, and the
 *   pop order is exactly (time, key): buckets partition time, they never
 *   reorder it. The width is re-estimated from the pending events whenever
 *   their number has doubled or halved.
 */
#ifndef SIM_QUEUE_H
#define SIM_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sim_queue_entry {
	double time;
	uint64_t key;  /* breaks ties in time; unique */
	uint64_t data; /* carried, not compared */
	uint32_t tag;  /* carried, not compared */
	uint32_t aux;  /* carried, not compared */
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
	uint64_t window_end;       /* current + bucket_count: the window's end */
	uint64_t overflow_min;   /* no overflow entry has a smaller bucket */
	double inv_width;        /* buckets per unit of time */
	size_t in_buckets;       /* entries in buckets[] */
	void *run;               /* the current bucket, sorted; consumed from */
	size_t run_pos, run_len; /* run[run_pos, run_len) are pending */
	void *scratch;           /* merge-sort buffer, as large as any bucket */
	size_t scratch_capacity;
	size_t total;            /* entries held, everywhere */
	sim_queue_array overflow;
	size_t size_at_resize;   /* total size when the width was last set */
	uint64_t resizes;
	bool oom;                /* an allocation failed where it could not be
				    reported; the queue may be out of order */
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
	return q->total;
}

/* Makes room for at least `capacity` entries in the heap. Returns 0 or -1. */
int sim_queue_reserve(sim_queue *q, size_t capacity);

/* Inserts e; e->time must be >= 0 (not NaN). Returns 0 or -1 (no memory). */
int sim_queue_push(sim_queue *q, const sim_queue_entry *e);

/* Removes the smallest entry into *out. Returns false when empty. If
   memory runs out while moving overflow entries into the window, sets
   q->oom (the caller must stop using the queue's order). */
bool sim_queue_pop(sim_queue *q, sim_queue_entry *out);

/* The smallest entry, or NULL when empty; valid until the next change. */
const sim_queue_entry *sim_queue_peek(sim_queue *q);

/* Keeps only the entries for which keep() is true. O(n). Used by the
   engine to drop cancelled events in bulk. */
void sim_queue_filter(sim_queue *q,
		      bool (*keep)(const sim_queue_entry *entry, void *ctx),
		      void *ctx);

/* Whether an allocation failed where it could not be reported (the
   queue's order can no longer be trusted). Inline: the engine asks once
   per event. */
static inline bool sim_queue_failed(const sim_queue *q)
{
	return q->oom;
}

#endif
