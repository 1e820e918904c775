/* engine.c - scheduling, cancellation handles and the run loop
   (see include/sim_engine.h). */
#include "sim_engine.h"
#include "engine_internal.h"
#include "queue.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_HANDLE UINT32_MAX

/* The state of one cancellation handle. A handle's id is
   (generation << 32) | (index + 1); the generation changes each time the
   handle is recycled, so a stale id never cancels a newer event. */
typedef struct cancel_handle {
	uint32_t gen;
	uint32_t next_free; /* free list link while free */
	bool pending;       /* its event is in the queue, not yet run */
	bool cancelled;     /* its event is in the queue but must not run */
} cancel_handle;

typedef struct handler_entry {
	sim_handler_fn fn;
	void *ctx;
	const char *name;
} handler_entry;

/* How often the run loop looks at the stop flag (sim_engine_watch). */
enum { STOP_CHECK_EVENTS = 65536 };

struct sim_engine {
	double now;
	sim_queue queue;
	uint64_t next_seq;
	uint64_t live;        /* pending, not cancelled */
	uint64_t dead_queued; /* cancelled, still in the queue */
	cancel_handle *handles;
	uint32_t handle_count, handle_capacity, free_handle;
	handler_entry *handlers;
	uint32_t handler_count, handler_capacity;
	const volatile sig_atomic_t *stop; /* a signal asks the run to end */
	bool halt;            /* leave the run loop after this handler */
	bool failed;
	sim_error failure;
	sim_engine_stats stats;
	uint64_t compactions;
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
	eng->free_handle = NO_HANDLE;
	eng->next_seq = 1;
	return eng;
}

void sim_engine_free(sim_engine *eng)
{
	if (!eng)
		return;
	sim_queue_close(&eng->queue);
	free(eng->handles);
	free(eng->handlers);
	free(eng);
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
			   the failure and let the run report it. */
			sim_engine_fail(eng, "out of memory registering handler %s", name);
			return 0;
		}
		eng->handlers = h;
		eng->handler_capacity = cap;
	}
	eng->handlers[eng->handler_count] = (handler_entry){ fn, ctx, name };
	return eng->handler_count++;
}

static void out_of_memory(sim_engine *eng)
{
	sim_engine_fail(eng, "out of memory with %llu events pending",
			(unsigned long long)eng->live);
}

/* Queues an event carrying `handle` (NO_HANDLE: not cancellable). */
static int enqueue(sim_engine *eng, double time, sim_handler handler,
		   uint64_t target, uint32_t handle)
{
	assert(time >= eng->now && "event scheduled in the past or at NaN");
	assert(time < INFINITY && "event scheduled at infinity");
	assert(handler < eng->handler_count);
	sim_queue_entry e = { time, eng->next_seq, target, handler,
			      handle == NO_HANDLE ? 0 : handle + 1 };
	if (sim_queue_push(&eng->queue, &e) != 0) {
		out_of_memory(eng);
		return -1;
	}
	eng->next_seq++;
	eng->stats.scheduled++;
	if (++eng->live > eng->stats.peak_pending)
		eng->stats.peak_pending = eng->live;
	return 0;
}

void sim_schedule(sim_engine *eng, double time, sim_handler handler,
		  uint64_t target)
{
	enqueue(eng, time, handler, target, NO_HANDLE);
}

static uint32_t take_handle(sim_engine *eng)
{
	if (eng->free_handle == NO_HANDLE) {
		if (eng->handle_count == eng->handle_capacity) {
			/* 64-bit so doubling past 2^31 cannot wrap to 0. */
			uint64_t cap = eng->handle_capacity ? 2 * (uint64_t)eng->handle_capacity : 64;
			if (cap >= NO_HANDLE)
				return NO_HANDLE;
			cancel_handle *h = realloc(eng->handles, cap * sizeof *h);
			if (!h)
				return NO_HANDLE;
			eng->handles = h;
			eng->handle_capacity = (uint32_t)cap;
		}
		eng->handles[eng->handle_count] = (cancel_handle){ .gen = 1, .next_free = NO_HANDLE };
		eng->free_handle = eng->handle_count++;
	}
	uint32_t index = eng->free_handle;
	cancel_handle *h = &eng->handles[index];
	eng->free_handle = h->next_free;
	h->pending = true;
	h->cancelled = false;
	return index;
}

static void release_handle(sim_engine *eng, uint32_t index)
{
	cancel_handle *h = &eng->handles[index];
	h->gen = h->gen + 1 ? h->gen + 1 : 1;
	h->pending = h->cancelled = false;
	h->next_free = eng->free_handle;
	eng->free_handle = index;
}

sim_event_id sim_schedule_cancellable(sim_engine *eng, double time,
				      sim_handler handler, uint64_t target)
{
	uint32_t index = take_handle(eng);
	if (index == NO_HANDLE) {
		out_of_memory(eng);
		return 0;
	}
	sim_event_id id = ((uint64_t)eng->handles[index].gen << 32) | (index + 1);
	if (enqueue(eng, time, handler, target, index) != 0) {
		release_handle(eng, index);
		return 0;
	}
	return id;
}

/* Keeps queue entries whose event was not cancelled; recycles the rest. */
static bool keep_live(const sim_queue_entry *entry, void *ctx)
{
	sim_engine *eng = ctx;
	if (entry->aux == 0 || !eng->handles[entry->aux - 1].cancelled)
		return true;
	release_handle(eng, entry->aux - 1);
	return false;
}

bool sim_cancel(sim_engine *eng, sim_event_id id)
{
	uint32_t index = (uint32_t)id - 1;
	uint32_t gen = (uint32_t)(id >> 32);
	assert(id != 0 && index < eng->handle_count && "cancel of an id never issued");
	cancel_handle *h = &eng->handles[index];
	if (h->gen != gen || !h->pending || h->cancelled)
		return false;
	h->cancelled = true;
	eng->live--;
	eng->dead_queued++;
	eng->stats.cancelled++;
	/* Purge once dead entries outnumber live ones: amortised O(1) per
	   cancel, and the queue never holds more than twice what is pending. */
	if (eng->dead_queued > 1024 && eng->dead_queued > eng->live) {
		sim_queue_filter(&eng->queue, keep_live, eng);
		eng->dead_queued = 0;
		eng->compactions++;
	}
	return true;
}

void sim_engine_watch(sim_engine *eng, const volatile sig_atomic_t *stop)
{
	eng->stop = stop;
}

double sim_now(const sim_engine *eng)
{
	return eng->now;
}

int sim_engine_run(sim_engine *eng, double end_time, sim_error *err)
{
	assert(!isnan(end_time));
	eng->halt = eng->failed;
	uint32_t until_stop_check = STOP_CHECK_EVENTS;
	sim_queue_entry top;
	while (!eng->halt && sim_queue_pop(&eng->queue, &top)) {
		if (sim_queue_failed(&eng->queue)) {
			out_of_memory(eng);
			break;
		}
		if (top.time >= end_time) {
			/* Same key, so the entry goes back exactly where it was.
			   A pop from the heap leaves a hole the push refills, but
			   an entry popped from the calendar's sorted run goes back
			   into the heap, which may have to grow: if that fails the
			   event is gone, so the run must report it, not return 0
			   with the counters claiming the event is still pending. */
			if (sim_queue_push(&eng->queue, &top) != 0)
				out_of_memory(eng);
			break;
		}
		sim_event ev = { top.time, top.data, 0 };
		if (top.aux) {
			cancel_handle *h = &eng->handles[top.aux - 1];
			bool cancelled = h->cancelled;
			ev.id = ((uint64_t)h->gen << 32) | top.aux;
			release_handle(eng, top.aux - 1);
			if (cancelled) {
				eng->dead_queued--;
				continue;
			}
		}
		eng->live--;
		eng->now = top.time;
		const handler_entry *h = &eng->handlers[top.tag];
		h->fn(eng, h->ctx, &ev);
		eng->stats.executed++;
		/* A countdown in a register costs one decrement per event; the
		   flag itself is read once per STOP_CHECK_EVENTS. */
		if (--until_stop_check == 0) {
			until_stop_check = STOP_CHECK_EVENTS;
			if (eng->stop && *eng->stop) {
				sim_engine_fail(eng, "stopped by signal %d", (int)*eng->stop);
				break;
			}
		}
	}
	/* Stopped by the horizon (not by a handler): the clock reaches it. */
	if (!eng->halt && isfinite(end_time) && end_time > eng->now)
		eng->now = end_time;
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

uint64_t sim__engine_compactions(const sim_engine *eng)
{
	return eng->compactions;
}
