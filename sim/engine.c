/* engine.c - event pool, scheduling, cancellation and the run loop
   (see include/sim_engine.h). */
#include "sim_engine.h"
#include "sim_engine_internal.h"
#include "sim_queue.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A queue key is (sequence number << SLOT_BITS) | pool slot: ordering by
   key is ordering by insertion, and the slot needs no second lookup. 28 bits
   allow 268 million pending events; 36 bits of sequence allow 6.9e10
   schedules before the pending events are renumbered (see renumber()). */
enum { SLOT_BITS = 28 };
#define SLOT_MASK ((UINT64_C(1) << SLOT_BITS) - 1)
#define DEFAULT_SEQ_LIMIT (UINT64_C(1) << (64 - SLOT_BITS))
#define CANCELLED UINT32_MAX
#define NO_SLOT UINT32_MAX

/* One scheduled event; 32 bytes. A free record keeps the next free slot in
   `target`. */
typedef struct event_record {
	uint32_t handler; /* CANCELLED once cancelled */
	uint32_t gen;     /* bumped each time the slot is freed */
	uint64_t target;
	sim_payload payload;
} event_record;

typedef struct handler_entry {
	sim_handler_fn fn;
	void *ctx;
	const char *name;
} handler_entry;

struct sim_engine {
	double now;
	sim_queue queue;
	event_record *pool;
	uint32_t pool_size;   /* records allocated */
	uint32_t free_head;   /* first free record, or NO_SLOT */
	uint64_t next_seq;
	uint64_t seq_limit;
	uint64_t live;        /* pending, not cancelled */
	uint64_t dead_queued; /* cancelled, still in the queue */
	handler_entry *handlers;
	uint32_t handler_count, handler_capacity;
	bool halt;            /* leave the run loop after this handler */
	bool failed;
	sim_error failure;
	sim_engine_stats stats;
	uint64_t renumbers, compactions;
};

sim_engine *sim_engine_new(sim_error *err)
{
	sim_engine *eng = calloc(1, sizeof *eng);
	if (!eng || sim_queue_init(&eng->queue, 0, SIM_QUEUE_CALENDAR) != 0) {
		free(eng);
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
			      "out of memory creating the engine");
		return NULL;
	}
	eng->free_head = NO_SLOT;
	eng->seq_limit = DEFAULT_SEQ_LIMIT;
	return eng;
}

void sim_engine_free(sim_engine *eng)
{
	if (!eng)
		return;
	sim_queue_close(&eng->queue);
	free(eng->pool);
	free(eng->handlers);
	free(eng);
}

/* Grows the record pool to at least `want` records, chaining the new ones
   onto the free list in ascending order. */
static int grow_pool(sim_engine *eng, uint64_t want)
{
	if (want <= eng->pool_size)
		return 0;
	if (want > SLOT_MASK + 1)
		return -1;
	uint64_t size = eng->pool_size ? eng->pool_size : 1024;
	while (size < want)
		size *= 2;
	if (size > SLOT_MASK + 1)
		size = SLOT_MASK + 1;
	event_record *pool = realloc(eng->pool, size * sizeof *pool);
	if (!pool)
		return -1;
	for (uint64_t i = size; i-- > eng->pool_size;) {
		pool[i].gen = 1;
		pool[i].handler = CANCELLED;
		pool[i].target = eng->free_head;
		eng->free_head = (uint32_t)i;
	}
	eng->pool = pool;
	eng->pool_size = (uint32_t)size;
	return 0;
}

int sim_engine_reserve(sim_engine *eng, size_t pending, sim_error *err)
{
	if (grow_pool(eng, pending) != 0 ||
	    sim_queue_reserve(&eng->queue, pending) != 0)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "out of memory reserving %zu events", pending);
	return 0;
}

sim_handler sim_engine_add_handler(sim_engine *eng, const char *name,
				   sim_handler_fn fn, void *ctx)
{
	assert(fn);
	if (eng->handler_count == eng->handler_capacity) {
		uint32_t cap = eng->handler_capacity ? eng->handler_capacity * 2 : 8;
		handler_entry *h = realloc(eng->handlers, cap * sizeof *h);
		if (!h) {
			/* Registration happens at init, before any event: record
			   the failure and let the first run report it. */
			sim_engine_fail(eng, "out of memory registering handler %s", name);
			return 0;
		}
		eng->handlers = h;
		eng->handler_capacity = cap;
	}
	eng->handlers[eng->handler_count] = (handler_entry){ fn, ctx, name };
	return eng->handler_count++;
}

static inline void free_slot(sim_engine *eng, uint32_t slot)
{
	event_record *rec = &eng->pool[slot];
	rec->gen = rec->gen + 1 ? rec->gen + 1 : 1;
	rec->handler = CANCELLED;
	rec->target = eng->free_head;
	eng->free_head = slot;
}

/* Gives every pending entry a new sequence number 0..n-1 in queue order,
   so the counter can go on without wrapping; order is unchanged. */
static uint64_t sequence_by_rank(uint64_t key, size_t rank, void *ctx)
{
	(void)ctx;
	return ((uint64_t)rank << SLOT_BITS) | (key & SLOT_MASK);
}

static int renumber(sim_engine *eng)
{
	if (sim_queue_rekey_in_order(&eng->queue, sequence_by_rank, NULL) != 0)
		return -1;
	eng->next_seq = sim_queue_size(&eng->queue);
	eng->renumbers++;
	return 0;
}

sim_event_id sim_schedule(sim_engine *eng, double time, sim_handler handler,
			  uint64_t target, sim_payload payload)
{
	assert(time >= eng->now && "event scheduled in the past or at NaN");
	assert(time < INFINITY && "event scheduled at infinity");
	assert(handler < eng->handler_count);
	if (eng->free_head == NO_SLOT && grow_pool(eng, (uint64_t)eng->pool_size + 1) != 0)
		goto out_of_memory;
	if (eng->next_seq >= eng->seq_limit && renumber(eng) != 0)
		goto out_of_memory;
	uint32_t slot = eng->free_head;
	uint64_t key = (eng->next_seq << SLOT_BITS) | slot;
	if (sim_queue_push(&eng->queue, time, key) != 0)
		goto out_of_memory;
	event_record *rec = &eng->pool[slot];
	eng->free_head = (uint32_t)rec->target;
	rec->handler = handler;
	rec->target = target;
	rec->payload = payload;
	eng->next_seq++;
	eng->stats.scheduled++;
	if (++eng->live > eng->stats.peak_pending)
		eng->stats.peak_pending = eng->live;
	return ((uint64_t)rec->gen << 32) | slot;

out_of_memory:
	sim_engine_fail(eng, "out of memory with %llu events pending",
			(unsigned long long)eng->live);
	return 0;
}

static bool keep_live(const sim_queue_entry *entry, void *ctx)
{
	sim_engine *eng = ctx;
	uint32_t slot = (uint32_t)(entry->key & SLOT_MASK);
	if (eng->pool[slot].handler != CANCELLED)
		return true;
	free_slot(eng, slot);
	return false;
}

bool sim_cancel(sim_engine *eng, sim_event_id id)
{
	uint32_t slot = (uint32_t)id;
	uint32_t gen = (uint32_t)(id >> 32);
	assert(id != 0 && slot < eng->pool_size && "cancel of an id never issued");
	event_record *rec = &eng->pool[slot];
	if (rec->gen != gen || rec->handler == CANCELLED)
		return false;
	rec->handler = CANCELLED;
	eng->live--;
	eng->dead_queued++;
	eng->stats.cancelled++;
	/* Compact once dead entries outnumber live ones: amortised O(1) per
	   cancel, and the queue never holds more than twice what is pending. */
	if (eng->dead_queued > 1024 && eng->dead_queued > eng->live) {
		sim_queue_filter(&eng->queue, keep_live, eng);
		eng->dead_queued = 0;
		eng->compactions++;
	}
	return true;
}

double sim_now(const sim_engine *eng)
{
	return eng->now;
}

int sim_engine_run(sim_engine *eng, double end_time, sim_error *err)
{
	assert(!isnan(end_time));
	eng->halt = eng->failed;
	sim_queue_entry top;
	while (!eng->halt && sim_queue_pop(&eng->queue, &top)) {
		if (top.time >= end_time) {
			/* Same key, so the entry goes back exactly where it was. */
			sim_queue_push(&eng->queue, top.time, top.key);
			eng->now = end_time;
			break;
		}
		uint32_t slot = (uint32_t)(top.key & SLOT_MASK);
		event_record rec = eng->pool[slot];
		if (rec.handler == CANCELLED) {
			eng->dead_queued--;
			free_slot(eng, slot);
			continue;
		}
		/* Free the record before the handler runs so the successor
		   it schedules reuses the same, cache-hot slot. */
		free_slot(eng, slot);
		eng->live--;
		eng->now = top.time;
		sim_event ev = { top.time, rec.target, rec.payload,
				 ((uint64_t)rec.gen << 32) | slot };
		const handler_entry *h = &eng->handlers[rec.handler];
		h->fn(eng, h->ctx, &ev);
		eng->stats.executed++;
	}
	if (!eng->failed && sim_queue_size(&eng->queue) == 0 && isfinite(end_time) &&
	    !eng->halt)
		eng->now = end_time > eng->now ? end_time : eng->now;
	if (eng->failed) {
		if (err)
			*err = eng->failure;
		return -1;
	}
	return 0;
}

void sim_engine_stop(sim_engine *eng)
{
	eng->halt = true;
}

void sim_engine_fail(sim_engine *eng, const char *fmt, ...)
{
	if (!eng->failed) {
		char msg[sizeof eng->failure.message];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		sim_error_set(&eng->failure, SIM_ERROR_RUNTIME, NULL, 0, NULL,
			      "at day %g: %s", eng->now, msg);
	}
	eng->failed = true;
	eng->halt = true;
}

sim_engine_stats sim_engine_get_stats(const sim_engine *eng)
{
	sim_engine_stats s = eng->stats;
	s.pending = eng->live;
	return s;
}

void sim__engine_set_seq_limit(sim_engine *eng, uint64_t limit)
{
	eng->seq_limit = limit;
}

uint64_t sim__engine_renumbers(const sim_engine *eng)
{
	return eng->renumbers;
}

uint64_t sim__engine_compactions(const sim_engine *eng)
{
	return eng->compactions;
}
