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
#include "../sim/sim_engine_internal.h"

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
	};
	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
