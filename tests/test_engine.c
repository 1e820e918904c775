/*
 * test_engine.c - the event core: ordering, ties, cancellation, the run
 * horizon, stop/fail, counters, and the compaction that keeps memory
 * bounded under mass cancellation.
 *
 * Handlers here append what they see to a log so each test can compare the
 * executed order with the order the contract promises.
 */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "sim_engine.h"
#include "core/engine_internal.h"

typedef struct log {
	double time[4096];
	uint64_t target[4096];
	size_t n;
} log_t;

static void record(sim_engine *eng, void *ctx, const sim_event *ev)
{
	log_t *log = ctx;
	assert_double_near(sim_now(eng), ev->time, 0);
	log->time[log->n] = ev->time;
	log->target[log->n] = ev->target;
	log->n++;
}

static sim_engine *new_engine(void)
{
	sim_error err;
	sim_engine *eng = sim_engine_new(&err);
	assert_non_null(eng);
	return eng;
}

/* Ensure events run in time order and ties run in scheduling order. */
static void test_time_order_and_ties(void **unused)
{
	(void)unused;
	sim_engine *eng = new_engine();
	log_t *log = calloc(1, sizeof *log);
	sim_handler h = sim_engine_add_handler(eng, "record", record, log);
	/* 100 events at day 5 scheduled 0..99, interleaved with other days. */
	for (uint64_t i = 0; i < 100; i++) {
		sim_schedule(eng, 5.0, h, i);
		sim_schedule(eng, (double)(i % 10), h, 1000 + i);
	}
	assert_int_equal(sim_engine_run(eng, INFINITY, NULL), 0);
	assert_int_equal(log->n, 200);
	uint64_t next_tie = 0;
	for (size_t i = 0; i < log->n; i++) {
		if (i)
			assert_true(log->time[i - 1] <= log->time[i]);
		if (log->target[i] < 1000)
			assert_int_equal(log->target[i], next_tie++);
	}
	assert_int_equal(next_tie, 100);
	free(log);
	sim_engine_free(eng);
}

/* Ensure cancelled events never run and cancel reports what it did. */
static void test_cancel(void **unused)
{
	(void)unused;
	sim_engine *eng = new_engine();
	log_t *log = calloc(1, sizeof *log);
	sim_handler h = sim_engine_add_handler(eng, "record", record, log);
	sim_event_id ids[10];
	for (uint64_t i = 0; i < 10; i++)
		ids[i] = sim_schedule_cancellable(eng, 1.0, h, i);
	assert_true(sim_cancel(eng, ids[3]));
	assert_true(sim_cancel(eng, ids[7]));
	assert_false(sim_cancel(eng, ids[3])); /* already cancelled */
	assert_int_equal(sim_engine_get_stats(eng).pending, 8);
	assert_int_equal(sim_engine_run(eng, INFINITY, NULL), 0);
	assert_int_equal(log->n, 8);
	for (size_t i = 0; i < log->n; i++)
		assert_true(log->target[i] != 3 && log->target[i] != 7);
	assert_false(sim_cancel(eng, ids[0])); /* already ran */
	/* A recycled slot does not make an old id valid again. */
	sim_event_id fresh = sim_schedule_cancellable(eng, 2.0, h, 42);
	assert_false(sim_cancel(eng, ids[3]));
	assert_true(sim_cancel(eng, fresh));
	sim_engine_stats st = sim_engine_get_stats(eng);
	assert_int_equal(st.scheduled, 11);
	assert_int_equal(st.executed, 8);
	assert_int_equal(st.cancelled, 3);
	assert_int_equal(st.pending, 0);
	free(log);
	sim_engine_free(eng);
}

typedef struct chain {
	sim_handler self;
	sim_event_id victim;
	int runs;
	bool cancelled_victim;
} chain;

static void chain_step(sim_engine *eng, void *ctx, const sim_event *ev)
{
	chain *c = ctx;
	c->runs++;
	/* An event cannot cancel itself: it is no longer pending. */
	assert_true(ev->id != 0);
	assert_false(sim_cancel(eng, ev->id));
	if (ev->target == 1 && c->victim) {
		c->cancelled_victim = sim_cancel(eng, c->victim);
		c->victim = 0;
	}
	if (c->runs < 5)
		sim_schedule_cancellable(eng, sim_now(eng) + 1.0, c->self, ev->target);
}

/* Ensure handlers can schedule successors and cancel other events. */
static void test_handlers_schedule_and_cancel(void **unused)
{
	(void)unused;
	sim_engine *eng = new_engine();
	chain c = { 0 };
	c.self = sim_engine_add_handler(eng, "chain", chain_step, &c);
	sim_schedule_cancellable(eng, 0.0, c.self, 1);
	c.victim = sim_schedule_cancellable(eng, 0.5, c.self, 2);
	assert_int_equal(sim_engine_run(eng, INFINITY, NULL), 0);
	assert_true(c.cancelled_victim);
	assert_int_equal(c.runs, 5);
	assert_double_near(sim_now(eng), 4.0, 0);
	sim_engine_free(eng);
}

/* Ensure run stops before end_time, leaves later events pending, puts the
   clock at end_time, and a second run resumes where it stopped. */
static void test_horizon(void **unused)
{
	(void)unused;
	sim_engine *eng = new_engine();
	log_t *log = calloc(1, sizeof *log);
	sim_handler h = sim_engine_add_handler(eng, "record", record, log);
	for (int i = 0; i < 10; i++)
		sim_schedule(eng, i, h, (uint64_t)i);
	assert_int_equal(sim_engine_run(eng, 5.0, NULL), 0);
	assert_int_equal(log->n, 5); /* days 0..4; day 5 is at the horizon */
	assert_double_near(sim_now(eng), 5.0, 0);
	assert_int_equal(sim_engine_get_stats(eng).pending, 5);
	assert_int_equal(sim_engine_run(eng, 100.0, NULL), 0);
	assert_int_equal(log->n, 10);
	assert_int_equal(log->target[5], 5);
	assert_double_near(sim_now(eng), 100.0, 0);
	free(log);
	sim_engine_free(eng);
}

static void stopper(sim_engine *eng, void *ctx, const sim_event *ev)
{
	int *count = ctx;
	(*count)++;
	if (ev->target == 1)
		sim_engine_stop(eng);
	if (ev->target == 2)
		sim_engine_fail(eng, "invariant broken at target %d", 2);
}

/* Ensure stop returns early with success and fail returns the error. */
static void test_stop_and_fail(void **unused)
{
	(void)unused;
	sim_engine *eng = new_engine();
	int count = 0;
	sim_handler h = sim_engine_add_handler(eng, "stopper", stopper, &count);
	sim_schedule(eng, 1, h, 0);
	sim_schedule(eng, 2, h, 1);
	sim_schedule(eng, 3, h, 2);
	sim_schedule(eng, 4, h, 3);
	assert_int_equal(sim_engine_run(eng, INFINITY, NULL), 0);
	assert_int_equal(count, 2);
	sim_error err;
	sim_error_clear(&err);
	assert_int_equal(sim_engine_run(eng, INFINITY, &err), -1);
	assert_int_equal(count, 3);
	assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	assert_non_null(strstr(err.message, "invariant broken at target 2"));
	assert_non_null(strstr(err.message, "day 3"));
	sim_engine_free(eng);
}

/* Ensure mass cancellation compacts the queue and keeps the survivors. */
static void test_compaction(void **unused)
{
	(void)unused;
	sim_engine *eng = new_engine();
	log_t *log = calloc(1, sizeof *log);
	sim_handler h = sim_engine_add_handler(eng, "record", record, log);
	enum { N = 4000 };
	sim_event_id *ids = malloc(N * sizeof *ids);
	for (uint64_t i = 0; i < N; i++)
		ids[i] = sim_schedule_cancellable(eng, (double)(N - i), h, i);
	for (uint64_t i = 0; i < N; i++)
		if (i % 1000 != 0)
			assert_true(sim_cancel(eng, ids[i]));
	assert_true(sim__engine_compactions(eng) >= 1);
	assert_int_equal(sim_engine_get_stats(eng).pending, 4);
	assert_int_equal(sim_engine_run(eng, INFINITY, NULL), 0);
	assert_int_equal(log->n, 4);
	uint64_t want[] = { 3000, 2000, 1000, 0 };
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(log->target[i], want[i]);
	free(ids);
	free(log);
	sim_engine_free(eng);
}

typedef struct stress {
	sim_handler h;
	gsl_rng *r;
	sim_event_id live[256];
	double last_time;
	uint64_t last_seq_at_time;
	uint64_t executed;
} stress;

static void stress_step(sim_engine *eng, void *ctx, const sim_event *ev)
{
	stress *s = ctx;
	/* Time never goes back; at equal times, scheduling order holds. */
	assert_true(ev->time >= s->last_time);
	if (ev->time == s->last_time)
		assert_true(ev->target > s->last_seq_at_time);
	s->last_time = ev->time;
	s->last_seq_at_time = ev->target;
	s->executed++;
	static uint64_t seq = 1u << 20;
	for (int k = 0; k < 2; k++) {
		size_t slot = gsl_rng_uniform_int(s->r, 256);
		if (gsl_rng_uniform(s->r) < 0.3 && s->live[slot])
			sim_cancel(eng, s->live[slot]);
		double dt = gsl_rng_uniform(s->r) < 0.5 ? 0.0 : gsl_rng_uniform(s->r);
		s->live[slot] = sim_schedule_cancellable(eng, sim_now(eng) + dt, s->h, seq++);
	}
	if (s->executed > 100000)
		sim_engine_stop(eng);
}

/* Ensure counters are conserved under random schedule/cancel from inside
   handlers: scheduled = executed + cancelled + pending. */
static void test_conservation_under_stress(void **unused)
{
	(void)unused;
	sim_engine *eng = new_engine();
	stress s = { 0 };
	s.r = gsl_rng_alloc(gsl_rng_taus2);
	s.h = sim_engine_add_handler(eng, "stress", stress_step, &s);
	s.last_time = -1;
	for (uint64_t i = 0; i < 100; i++)
		sim_schedule(eng, 0.0, s.h, i);
	assert_int_equal(sim_engine_run(eng, INFINITY, NULL), 0);
	sim_engine_stats st = sim_engine_get_stats(eng);
	assert_int_equal(st.scheduled, st.executed + st.cancelled + st.pending);
	assert_true(st.executed > 100000);
	gsl_rng_free(s.r);
	sim_engine_free(eng);
}

/* ---- adversarial cases, each checked against a reference model ---------

   The model records every event scheduled (target = its index, which is
   also its scheduling order) and which are pending. The handler checks
   that the event it receives is the reference's earliest pending one by
   (time, scheduling order), removes it, then runs the test's script, which
   may schedule and cancel through the model. After each run the horizon,
   the clock and the counters are checked against the model. */

enum { PENDING = 0, RAN, CANCELLED };

typedef struct emodel emodel;
typedef void (*script_fn)(emodel *m, uint64_t target);

struct emodel {
	sim_engine *eng;
	sim_handler h;
	size_t cap;
	double *time;
	sim_event_id *id;     /* 0: not cancellable */
	unsigned char *state;
	size_t *pending, *pos; /* the pending targets, unordered; pos[target] */
	size_t npending;
	uint64_t n;            /* events scheduled */
	uint64_t executed, cancelled;
	script_fn script;
	gsl_rng *r;
	uint64_t fail_at;      /* target whose handler fails; UINT64_MAX: none */
	uint64_t scratch;      /* for scripts */
};

static void em_handler(sim_engine *eng, void *ctx, const sim_event *ev);

static void em_init(emodel *m, size_t cap, script_fn script, unsigned long seed)
{
	memset(m, 0, sizeof *m);
	m->eng = new_engine();
	m->h = sim_engine_add_handler(m->eng, "model", em_handler, m);
	m->cap = cap;
	m->time = malloc(cap * sizeof *m->time);
	m->id = malloc(cap * sizeof *m->id);
	m->state = malloc(cap);
	m->pending = malloc(cap * sizeof *m->pending);
	m->pos = malloc(cap * sizeof *m->pos);
	assert_true(m->time && m->id && m->state && m->pending && m->pos);
	m->script = script;
	m->r = gsl_rng_alloc(gsl_rng_taus2);
	gsl_rng_set(m->r, seed);
	m->fail_at = UINT64_MAX;
	m->scratch = UINT64_MAX;
}

static void em_free(emodel *m)
{
	sim_engine_free(m->eng);
	free(m->time);
	free(m->id);
	free(m->state);
	free(m->pending);
	free(m->pos);
	gsl_rng_free(m->r);
}

static uint64_t em_schedule(emodel *m, double time, bool cancellable)
{
	assert_true(m->n < m->cap);
	uint64_t t = m->n++;
	m->time[t] = time;
	m->state[t] = PENDING;
	m->id[t] = 0;
	if (cancellable) {
		m->id[t] = sim_schedule_cancellable(m->eng, time, m->h, t);
		assert_true(m->id[t] != 0);
	} else {
		sim_schedule(m->eng, time, m->h, t);
	}
	m->pos[t] = m->npending;
	m->pending[m->npending++] = t;
	return t;
}

static void em_remove(emodel *m, uint64_t t, unsigned char state)
{
	size_t i = m->pos[t];
	uint64_t last = m->pending[--m->npending];
	m->pending[i] = last;
	m->pos[last] = i;
	m->state[t] = state;
}

/* Cancels target t (cancellable); checks what sim_cancel reports. */
static void em_cancel(emodel *m, uint64_t t)
{
	assert_true(m->id[t] != 0);
	bool expect = m->state[t] == PENDING;
	assert_int_equal(sim_cancel(m->eng, m->id[t]), expect);
	if (expect) {
		em_remove(m, t, CANCELLED);
		m->cancelled++;
	}
}

/* A random pending cancellable target, or UINT64_MAX. */
static uint64_t em_random_cancellable(emodel *m)
{
	for (int tries = 0; tries < 8 && m->npending; tries++) {
		uint64_t t = m->pending[gsl_rng_uniform_int(m->r, m->npending)];
		if (m->id[t])
			return t;
	}
	return UINT64_MAX;
}

/* The earliest pending target by (time, scheduling order). */
static uint64_t em_first(const emodel *m)
{
	assert_true(m->npending > 0);
	uint64_t best = m->pending[0];
	for (size_t i = 1; i < m->npending; i++) {
		uint64_t t = m->pending[i];
		if (m->time[t] < m->time[best] || (m->time[t] == m->time[best] && t < best))
			best = t;
	}
	return best;
}

static void em_handler(sim_engine *eng, void *ctx, const sim_event *ev)
{
	emodel *m = ctx;
	uint64_t want = em_first(m);
	if (ev->target != want)
		fail_msg("ran target %llu at %.17g, expected %llu at %.17g",
			 (unsigned long long)ev->target, ev->time,
			 (unsigned long long)want, m->time[want]);
	assert_true(ev->time == m->time[want]);
	assert_true(sim_now(eng) == ev->time);
	assert_int_equal(ev->id, m->id[want]);
	em_remove(m, want, RAN);
	m->executed++;
	if (ev->id)
		assert_false(sim_cancel(eng, ev->id)); /* no longer pending */
	if (ev->target == m->fail_at) {
		sim_engine_fail(eng, "failing at target %llu", (unsigned long long)ev->target);
		return;
	}
	if (m->script)
		m->script(m, ev->target);
}

static void em_check_counters(const emodel *m)
{
	sim_engine_stats st = sim_engine_get_stats(m->eng);
	assert_int_equal(st.scheduled, m->n);
	assert_int_equal(st.executed, m->executed);
	assert_int_equal(st.cancelled, m->cancelled);
	assert_int_equal(st.pending, m->npending);
	assert_int_equal(st.scheduled, st.executed + st.cancelled + st.pending);
}

/* Runs to end_time and checks the horizon: everything before it ran,
   everything at or after it is pending, the clock is at end_time. */
static void em_run(emodel *m, double end_time)
{
	double before = sim_now(m->eng);
	assert_int_equal(sim_engine_run(m->eng, end_time, NULL), 0);
	for (size_t i = 0; i < m->npending; i++)
		assert_true(m->time[m->pending[i]] >= end_time);
	if (isfinite(end_time))
		assert_true(sim_now(m->eng) == (end_time > before ? end_time : before));
	em_check_counters(m);
}

/* Ensure cancels interleaved with runs stopped at horizons, including
   horizons exactly at pending events' times and cancels of the events
   sitting exactly at the horizon or far in the future, and resumed runs,
   execute exactly the reference's events in order. */
static void test_cancel_across_horizons(void **unused)
{
	(void)unused;
	emodel m;
	em_init(&m, 20000, NULL, 3);
	for (int i = 0; i < 3000; i++) {
		double u = gsl_rng_uniform(m.r);
		/* Whole days (ties), spread times, and far ones (overflow). */
		double t = i % 4 == 0 ? (double)gsl_rng_uniform_int(m.r, 40)
			 : u < 0.05 ? 1e5 + 1e6 * u : u * 40;
		em_schedule(&m, t, i % 3 != 0);
	}
	for (int round = 0; round < 60 && m.npending > 0; round++) {
		/* Horizon: exactly at a pending event (often a tie), or between. */
		uint64_t at = m.pending[gsl_rng_uniform_int(m.r, m.npending)];
		double end = round % 2 ? m.time[at]
				       : sim_now(m.eng) + gsl_rng_uniform(m.r) * 2;
		if (m.time[at] > 1e4 && round % 2)
			end = sim_now(m.eng) + 1; /* not yet to the far ones */
		em_run(&m, end);
		/* Cancel events exactly at the horizon, random ones, far ones. */
		for (size_t i = 0; i < m.npending && i < 40; i++) {
			uint64_t t = m.pending[i];
			if (m.id[t] && (m.time[t] == end || m.time[t] > 1e4))
				em_cancel(&m, t);
		}
		for (int k = 0; k < 20; k++) {
			uint64_t t = em_random_cancellable(&m);
			if (t != UINT64_MAX)
				em_cancel(&m, t);
		}
		/* Cancelling twice, or an event that ran, reports false. */
		for (uint64_t t = 0; t < m.n && t < 50; t++)
			if (m.id[t] && m.state[t] != PENDING)
				assert_false(sim_cancel(m.eng, m.id[t]));
		/* New events at the clock (== the horizon) and later. */
		em_schedule(&m, sim_now(m.eng), true);
		em_schedule(&m, sim_now(m.eng), false);
		em_schedule(&m, sim_now(m.eng) + gsl_rng_uniform(m.r) * 5, true);
		em_schedule(&m, sim_now(m.eng) + 2e5, true);
	}
	em_run(&m, INFINITY);
	assert_int_equal(m.npending, 0);
	em_free(&m);
}

/* Script: the first event cancels events in its own bucket (same time and
   slightly later, so in the sorted run being consumed) and far ones in the
   overflow; the others do nothing. */
static void cancel_near_and_far(emodel *m, uint64_t target)
{
	if (target != m->scratch)
		return;
	for (size_t i = 0; i < m->npending;) {
		uint64_t t = m->pending[i];
		bool near = m->time[t] - sim_now(m->eng) < 0.05;
		bool far = m->time[t] > 1e5;
		if (m->id[t] && (near || far) && t % 2 == 0)
			em_cancel(m, t); /* moves another target into slot i */
		else
			i++;
	}
}

/* Ensure events cancelled while they sit in the sorted run being consumed
   (same time as the running event and the same bucket) or in the overflow
   never run, and the rest run in order. */
static void test_cancel_in_current_run_and_overflow(void **unused)
{
	(void)unused;
	emodel m;
	em_init(&m, 4096, cancel_near_and_far, 5);
	for (int i = 0; i < 1500; i++)
		em_schedule(&m, (double)(i % 500) * 0.01, true); /* 3 ties per time */
	for (int i = 0; i < 100; i++)
		em_schedule(&m, 1e6 + (double)i, true);
	/* Run into the middle of the data, then let event `scratch` (the
	   earliest pending at 1.0) cancel around itself. */
	em_run(&m, 1.0);
	m.scratch = em_first(&m);
	em_run(&m, INFINITY);
	assert_true(m.cancelled > 40);
	em_free(&m);
}

/* Script: event `scratch` cancels two thirds of what is pending (enough to
   trigger a compaction), then schedules events at the current time. */
static void mass_cancel(emodel *m, uint64_t target)
{
	if (target != m->scratch)
		return;
	uint64_t before = sim__engine_compactions(m->eng);
	for (size_t i = 0; i < m->npending;) {
		uint64_t t = m->pending[i];
		if (t % 3 != 0)
			em_cancel(m, t);
		else
			i++;
	}
	assert_true(sim__engine_compactions(m->eng) > before);
	em_schedule(m, sim_now(m->eng), true);
	em_schedule(m, sim_now(m->eng), false);
}

/* Ensure a compaction triggered by a handler while the current bucket's
   run is partly consumed keeps exactly the live events, in order, with
   ties at the current time still in scheduling order. */
static void test_compaction_mid_run(void **unused)
{
	(void)unused;
	emodel m;
	em_init(&m, 8192, mass_cancel, 7);
	for (int i = 0; i < 4000; i++)
		em_schedule(&m, (double)(i % 400) * 0.05, true); /* 10 ties per time */
	em_run(&m, 5.0);
	m.scratch = em_first(&m); /* at 5.0, ties after it pending */
	em_run(&m, INFINITY);
	assert_int_equal(m.npending, 0);
	em_free(&m);
}

/* Script: every fifth event schedules one at exactly the current time
   (which may do so again: chains at one time), and every third of those
   one a day later; up to 3,000 events in all. */
static void schedule_at_now(emodel *m, uint64_t target)
{
	if (target % 5 == 0 && m->n < 3000) {
		em_schedule(m, sim_now(m->eng), target % 2 == 0);
		if (target % 3 == 0)
			em_schedule(m, sim_now(m->eng) + 1.0, false);
	}
}

/* Ensure events a handler schedules at exactly the current time run after
   every event already pending at that time and before any later one, in
   small and large queues. */
static void test_handler_schedules_at_now(void **unused)
{
	(void)unused;
	int sizes[] = { 20, 1000 };
	for (int s = 0; s < 2; s++) {
		emodel m;
		em_init(&m, 16384, schedule_at_now, 9);
		for (int i = 0; i < sizes[s]; i++)
			em_schedule(&m, (double)(i % 20), i % 2 == 0);
		em_run(&m, INFINITY);
		assert_true(m.executed > (uint64_t)sizes[s]);
		em_free(&m);
	}
}

/* Ensure run(end) leaves events exactly at end pending (and the clock at
   end), that events then scheduled at the clock run after them, and that a
   run to the same end again executes nothing. */
static void test_events_exactly_at_end(void **unused)
{
	(void)unused;
	emodel m;
	em_init(&m, 4096, NULL, 11);
	for (int i = 0; i < 1200; i++)
		em_schedule(&m, (double)(i % 12), i % 2 == 0);
	for (int day = 1; day <= 12; day++) {
		em_run(&m, (double)day);
		size_t at_end = 0;
		for (size_t i = 0; i < m.npending; i++)
			at_end += m.time[m.pending[i]] == (double)day;
		assert_int_equal(at_end, day < 12 ? 100 : 0);
		em_run(&m, (double)day); /* again: nothing runs */
		em_schedule(&m, (double)day, true); /* at the clock: after those */
		em_schedule(&m, (double)day, false);
	}
	em_run(&m, INFINITY);
	assert_int_equal(m.npending, 0);
	em_free(&m);
}

/* Ensure sim_engine_fail from the very first event stops the run at once
   with the error, leaves the counters conserved, and keeps later runs
   failing without running anything. */
static void test_fail_from_first_event(void **unused)
{
	(void)unused;
	emodel m;
	em_init(&m, 4096, NULL, 13);
	for (int i = 0; i < 600; i++)
		em_schedule(&m, 1.0 + (double)(i % 60), i % 2 == 0);
	em_schedule(&m, 0.5, true);
	m.fail_at = em_first(&m);
	sim_error err;
	sim_error_clear(&err);
	assert_int_equal(sim_engine_run(m.eng, INFINITY, &err), -1);
	assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	assert_non_null(strstr(err.message, "failing at target 600"));
	assert_non_null(strstr(err.message, "day 0.5"));
	assert_int_equal(m.executed, 1);
	assert_true(sim_now(m.eng) == 0.5);
	em_check_counters(&m);
	/* Cancelling still works; runs keep failing without running. */
	em_cancel(&m, 0);
	sim_error_clear(&err);
	assert_int_equal(sim_engine_run(m.eng, 10.0, &err), -1);
	assert_non_null(strstr(err.message, "failing at target 600"));
	assert_int_equal(m.executed, 1);
	assert_true(sim_now(m.eng) == 0.5);
	em_check_counters(&m);
	em_free(&m);
}

/* Script: random schedules (at the clock, near, far) and cancels. */
static void random_script(emodel *m, uint64_t target)
{
	(void)target;
	if (m->n + 4 >= m->cap)
		return;
	int k = (int)gsl_rng_uniform_int(m->r, 3);
	for (int i = 0; i < k; i++) {
		double u = gsl_rng_uniform(m->r);
		double t = sim_now(m->eng) + (u < 0.25 ? 0.0 : u < 0.97 ? u * 3 : 1e4 * u);
		em_schedule(m, t, gsl_rng_uniform(m->r) < 0.7);
	}
	if (gsl_rng_uniform(m->r) < 0.4) {
		uint64_t t = em_random_cancellable(m);
		if (t != UINT64_MAX)
			em_cancel(m, t);
	}
}

/* Ensure random scheduling and cancelling from handlers, across random
   horizons and with bursts of outside cancels (compactions), match the
   reference event for event, with the counters conserved after each run. */
static void test_random_against_model(void **unused)
{
	(void)unused;
	emodel m;
	em_init(&m, 40000, random_script, 17);
	for (int i = 0; i < 1500; i++)
		em_schedule(&m, gsl_rng_uniform(m.r) * 20, i % 4 != 0);
	for (int round = 0; round < 30; round++) {
		em_run(&m, sim_now(m.eng) + gsl_rng_uniform(m.r) * 3);
		if (round % 5 == 4) /* a burst: most cancellable events go */
			for (size_t i = 0; i < m.npending;) {
				uint64_t t = m.pending[i];
				if (m.id[t] && gsl_rng_uniform(m.r) < 0.8)
					em_cancel(&m, t);
				else
					i++;
			}
		for (int k = 0; k < 300 && m.n + 1 < m.cap; k++)
			em_schedule(&m, sim_now(m.eng) + gsl_rng_uniform(m.r) * 20, k % 2 == 0);
	}
	assert_true(sim__engine_compactions(m.eng) >= 1);
	m.script = NULL;
	em_run(&m, INFINITY);
	assert_int_equal(m.npending, 0);
	em_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_order_and_ties),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_handlers_schedule_and_cancel),
		cmocka_unit_test(test_horizon),
		cmocka_unit_test(test_stop_and_fail),
		cmocka_unit_test(test_compaction),
		cmocka_unit_test(test_conservation_under_stress),
		cmocka_unit_test(test_cancel_across_horizons),
		cmocka_unit_test(test_cancel_in_current_run_and_overflow),
		cmocka_unit_test(test_compaction_mid_run),
		cmocka_unit_test(test_handler_schedules_at_now),
		cmocka_unit_test(test_events_exactly_at_end),
		cmocka_unit_test(test_fail_from_first_event),
		cmocka_unit_test(test_random_against_model),
	};
	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
