/*
 * sim_engine.h - the discrete-event core: clock, events, handlers, run loop.
 *
 * Time is a double in days. An event is (time, sequence number, handler,
 * target); events pop in time order and, at equal times, in the order they
 * were scheduled, so a run is bit-for-bit reproducible.
 *
 * Models register handlers once (sim_engine_add_handler) and then schedule
 * events addressed to a handler and a target (an index the model chooses:
 * a logical process, an agent, a scheduled shock). Handlers may schedule and
 * cancel events. The whole event lives in its 32-byte queue entry, so
 * running one touches no other memory, and scheduling allocates nothing once
 * the queue has grown to the run's peak.
 *
 * Only events scheduled with sim_schedule_cancellable can be cancelled; they
 * carry a handle into a small table the engine recycles. Cancelling is O(1):
 * the handle is marked and the entry discarded when it reaches the front;
 * when cancelled entries outnumber live ones the queue is compacted in one
 * O(n) pass, so memory stays bounded.
 *
 * Programmer errors (scheduling in the past or at NaN, cancelling an id
 * that was never issued) are assertions. Running out of memory while
 * scheduling stops the run, and sim_engine_run reports it.
 */
#ifndef SIM_ENGINE_H
#define SIM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>

#include "sim_error.h"

/* Identifies a scheduled event for sim_cancel; 0 is never a valid id. */
typedef uint64_t sim_event_id;

/* Index of a registered handler. */
typedef uint32_t sim_handler;

/* What a handler receives. */
typedef struct sim_event {
	double time;     /* == sim_now() while the handler runs */
	uint64_t target; /* as given to sim_schedule */
	sim_event_id id; /* as returned by sim_schedule_cancellable, else 0 */
} sim_event;

typedef struct sim_engine sim_engine;

/* A handler; ctx is the pointer given at registration. */
typedef void (*sim_handler_fn)(sim_engine *eng, void *ctx, const sim_event *ev);

/* Creates an engine with the clock at 0. Returns NULL (err filled) when out
   of memory. */
sim_engine *sim_engine_new(sim_error *err);

/* Frees the engine and every pending event; NULL is allowed. */
void sim_engine_free(sim_engine *eng);

/* Registers fn (called with ctx) and returns its handle. `name` (kept by
   pointer, so a string literal) labels it in diagnostics. */
sim_handler sim_engine_add_handler(sim_engine *eng, const char *name,
				   sim_handler_fn fn, void *ctx);

/* Schedules an event at absolute time `time` (finite, >= sim_now()). When
   memory runs out the run stops with an error. */
void sim_schedule(sim_engine *eng, double time, sim_handler handler,
		  uint64_t target);

/* Schedules an event `delay` >= 0 days from now. */
static inline void sim_schedule_in(sim_engine *eng, double delay,
				   sim_handler handler, uint64_t target);

/* Like sim_schedule, and returns an id for sim_cancel (0 when memory ran
   out; the run then stops with an error). */
sim_event_id sim_schedule_cancellable(sim_engine *eng, double time,
				      sim_handler handler, uint64_t target);

/* Cancels a pending event scheduled with sim_schedule_cancellable. Returns
   true if it was pending, false if it had already run or been cancelled. */
bool sim_cancel(sim_engine *eng, sim_event_id id);

/* The simulation clock, in days. */
double sim_now(const sim_engine *eng);

/* Runs events in order while the next one is earlier than end_time (which
   may be INFINITY: run until no event is pending). Events at or after
   end_time stay pending, and the clock is left at end_time. A handler may
   end the run early with sim_engine_stop or sim_engine_fail. Returns 0, or
   -1 with err filled when a handler failed or memory ran out. */
int sim_engine_run(sim_engine *eng, double end_time, sim_error *err);

/* Makes the run loop watch *stop (a flag a signal handler sets; NULL:
   none): once it is non-zero the run ends within 65,536 events, with the
   error "stopped by signal N". Checked that rarely so that it costs
   nothing per event, yet a run stops within a fraction of a second. */
void sim_engine_watch(sim_engine *eng, const volatile sig_atomic_t *stop);

/* Asks the run loop to return after the current handler. */
void sim_engine_stop(sim_engine *eng);

/* Records a runtime failure from inside a handler (message as printf) and
   stops the run; sim_engine_run returns -1 with this error. */
void sim_engine_fail(sim_engine *eng, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Counters, for reports and conservation checks. */
typedef struct sim_engine_stats {
	uint64_t scheduled;  /* events ever scheduled */
	uint64_t executed;   /* handler calls */
	uint64_t cancelled;  /* successful sim_cancel calls */
	uint64_t pending;    /* scheduled - executed - cancelled */
	size_t peak_pending; /* most events pending at once */
} sim_engine_stats;

sim_engine_stats sim_engine_get_stats(const sim_engine *eng);

static inline void sim_schedule_in(sim_engine *eng, double delay,
				   sim_handler handler, uint64_t target)
{
	sim_schedule(eng, sim_now(eng) + delay, handler, target);
}

#endif
