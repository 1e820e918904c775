/*
 * test_queue.c - the pending-event heap.
 *
 * The queue must return entries in (time, key) order whatever the order of
 * insertion, including ties on time (which the key, an insertion sequence,
 * breaks), across the root "hole" left by pop, and after bulk filtering and
 * sorting. The central check drives 10^6 random push/pop operations and
 * compares every pop against a reference kept by sorted insertion.
 */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "sim_queue.h"

/* Pushes (time, key) carrying data derived from the key, so tests can
   check the payload travels with its entry. */
static int push(sim_queue *q, double time, uint64_t key)
{
	sim_queue_entry e = { .time = time, .key = key, .data = key * 3 + 1,
			      .tag = (uint32_t)key ^ 0x5a5a, .aux = 7 };
	return sim_queue_push(q, &e);
}

static void assert_payload(const sim_queue_entry *e)
{
	assert_int_equal(e->data, e->key * 3 + 1);
	assert_int_equal(e->tag, (uint32_t)e->key ^ 0x5a5a);
	assert_int_equal(e->aux, 7);
}

/* Ensure equal times pop in key order, whatever the insertion order. */
static void test_ties_pop_in_key_order(void **state)
{
	sim_queue_kind kind = **(sim_queue_kind **)state;
	sim_queue q;
	assert_int_equal(sim_queue_init(&q, 0, kind), 0);
	uint64_t keys[] = { 7, 3, 9, 1, 5, 8, 2, 6, 4, 0 };
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(push(&q, 2.0, keys[i]), 0);
	assert_int_equal(push(&q, 1.0, 99), 0);
	sim_queue_entry e;
	assert_true(sim_queue_pop(&q, &e));
	assert_int_equal(e.key, 99);
	for (uint64_t k = 0; k < 10; k++) {
		assert_true(sim_queue_pop(&q, &e));
		assert_double_near(e.time, 2.0, 0);
		assert_int_equal(e.key, k);
	}
	assert_false(sim_queue_pop(&q, &e));
	assert_int_equal(sim_queue_size(&q), 0);
	sim_queue_close(&q);
}

/* Ensure the hole left by pop is refilled correctly by push, peek and pop. */
static void test_hole_after_pop(void **state)
{
	sim_queue_kind kind = **(sim_queue_kind **)state;
	sim_queue q;
	assert_int_equal(sim_queue_init(&q, 0, kind), 0);
	for (int i = 0; i < 5; i++)
		push(&q, i, (uint64_t)i);
	sim_queue_entry e;
	assert_true(sim_queue_pop(&q, &e));
	assert_int_equal(sim_queue_size(&q), 4);
	/* A push into the hole that is later than others must not jump ahead. */
	push(&q, 10, 10);
	assert_int_equal(sim_queue_size(&q), 5);
	assert_double_near(sim_queue_peek(&q)->time, 1, 0);
	assert_true(sim_queue_pop(&q, &e));
	/* A peek after pop settles the hole. */
	assert_double_near(sim_queue_peek(&q)->time, 2, 0);
	push(&q, 0.5, 11); /* earlier than all: goes to the root */
	double want[] = { 0.5, 2, 3, 4, 10 };
	for (size_t i = 0; i < 5; i++) {
		assert_true(sim_queue_pop(&q, &e));
		assert_double_near(e.time, want[i], 0);
	}
	assert_false(sim_queue_pop(&q, &e));
	sim_queue_close(&q);
}

static int cmp_desc(const void *a, const void *b)
{
	const sim_queue_entry *x = a, *y = b;
	if (x->time != y->time)
		return x->time > y->time ? -1 : 1;
	return x->key > y->key ? -1 : x->key < y->key;
}

/* Reference: an array sorted in descending order; the minimum is last. */
static void ref_insert(sim_queue_entry *ref, size_t *n, sim_queue_entry x)
{
	size_t lo = 0, hi = *n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cmp_desc(&ref[mid], &x) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(&ref[lo + 1], &ref[lo], (*n - lo) * sizeof *ref);
	ref[lo] = x;
	(*n)++;
}

/* Ensure 10^6 random pushes and pops match a reference sort exactly,
   with many tied times. */
static void test_random_against_reference(void **state)
{
	sim_queue_kind kind = **(sim_queue_kind **)state;
	enum { OPS = 1000000, MAX_PENDING = 4096 };
	gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
	gsl_rng_set(r, 12345);
	sim_queue q;
	assert_int_equal(sim_queue_init(&q, 0, kind), 0);
	sim_queue_entry *ref = malloc(MAX_PENDING * sizeof *ref);
	size_t n = 0;
	uint64_t seq = 0;
	double now = 0;
	for (long op = 0; op < OPS; op++) {
		/* Push more than pop while small so the size wanders widely. */
		double p_push = n < 16 ? 0.9 : n >= MAX_PENDING - 1 ? 0.0
			      : 0.5 + 0.1 * sin(op / 50000.0);
		if (gsl_rng_uniform(r) < p_push) {
			/* Half the times are whole days: ties are common. */
			double dt = gsl_rng_uniform(r) < 0.5
					    ? (double)gsl_rng_uniform_int(r, 4)
					    : gsl_rng_uniform(r) * 10;
			sim_queue_entry x = { .time = now + dt, .key = seq++ };
			assert_int_equal(push(&q, x.time, x.key), 0);
			ref_insert(ref, &n, x);
		} else {
			sim_queue_entry got;
			assert_true(sim_queue_pop(&q, &got));
			sim_queue_entry want = ref[--n];
			assert_payload(&got);
			if (got.time != want.time || got.key != want.key)
				fail_msg("op %ld: popped (%g,%llu), expected (%g,%llu)", op,
					 got.time, (unsigned long long)got.key, want.time,
					 (unsigned long long)want.key);
			now = got.time;
		}
		assert_int_equal(sim_queue_size(&q), n);
	}
	while (n > 0) {
		sim_queue_entry got;
		assert_true(sim_queue_pop(&q, &got));
		assert_int_equal(got.key, ref[--n].key);
	}
	free(ref);
	sim_queue_close(&q);
	gsl_rng_free(r);
}

static bool keep_even(const sim_queue_entry *e, void *ctx)
{
	(void)ctx;
	return e->key % 2 == 0;
}

/* Ensure filter drops exactly the rejected entries and keeps heap order. */
static void test_filter(void **state)
{
	sim_queue_kind kind = **(sim_queue_kind **)state;
	sim_queue q;
	assert_int_equal(sim_queue_init(&q, 0, kind), 0);
	for (uint64_t k = 0; k < 1000; k++)
		push(&q, (double)((k * 7919) % 1000), k);
	sim_queue_entry e;
	sim_queue_pop(&q, &e); /* leave a hole, which filter must settle */
	sim_queue_filter(&q, keep_even, NULL);
	double last = -1;
	size_t count = 0;
	while (sim_queue_pop(&q, &e)) {
		assert_int_equal(e.key % 2, 0);
		assert_true(e.time >= last);
		last = e.time;
		count++;
	}
	assert_int_equal(count, 499); /* 500 even keys, key 0 popped first */
	sim_queue_close(&q);
}

/* Draws an increment from one of several shapes of future. */
static double increment(gsl_rng *r, int shape)
{
	switch (shape) {
	case 0: /* exponential: PHOLD */
		return -log1p(-gsl_rng_uniform(r));
	case 1: /* whole days: heavy ties, like daily market events */
		return (double)gsl_rng_uniform_int(r, 30);
	case 2: /* mostly near, 1% very far: exercises the overflow */
		return gsl_rng_uniform(r) < 0.01 ? 1000 + gsl_rng_uniform(r) * 5000
						 : -log1p(-gsl_rng_uniform(r));
	case 3: /* everything at the current time: pure FIFO */
		return 0.0;
	default: /* spread growing over many orders of magnitude */
		return pow(10, gsl_rng_uniform(r) * 8 - 4);
	}
}

/* Ensure a hold workload pops in exact (time, key) order for futures of
   very different shapes, while the queue grows to 60,000 entries and
   shrinks to empty (so the calendar resizes both ways), and every entry
   comes out exactly once. */
static void test_hold_shapes(void **state)
{
	sim_queue_kind kind = **(sim_queue_kind **)state;
	enum { GROW = 60000, HOLDS = 200000 };
	gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
	for (int shape = 0; shape < 5; shape++) {
		gsl_rng_set(r, (unsigned long)shape + 1);
		sim_queue q;
		assert_int_equal(sim_queue_init(&q, 0, kind), 0);
		uint64_t seq = 0, popped = 0;
		unsigned char *seen = calloc(GROW + HOLDS, 1);
		sim_queue_entry last = { .time = 0 }, e;
		bool first = true;
		for (long op = 0; op < GROW + HOLDS + GROW; op++) {
			bool do_push = op < GROW ? true : op < GROW + HOLDS ? (op % 2 == 0) : false;
			if (op >= GROW && op < GROW + HOLDS) {
				/* hold: pop then push a successor */
				assert_true(sim_queue_pop(&q, &e));
				do_push = true;
			} else if (!do_push) {
				assert_true(sim_queue_pop(&q, &e));
			}
			if (op >= GROW) {
				if (!first && (e.time < last.time ||
					       (e.time == last.time && e.key <= last.key)))
					fail_msg("shape %d op %ld: (%.17g,%llu) after (%.17g,%llu)",
						 shape, op, e.time, (unsigned long long)e.key,
						 last.time, (unsigned long long)last.key);
				assert_payload(&e);
				assert_false(seen[e.key]);
				seen[e.key] = 1;
				popped++;
				last = e;
				first = false;
			}
			if (do_push && op < GROW + HOLDS) {
				double base = op < GROW ? 0.0 : e.time;
				assert_int_equal(push(&q, base + increment(r, shape), seq++), 0);
			}
		}
		assert_int_equal(sim_queue_size(&q), 0);
		assert_false(sim_queue_pop(&q, &e));
		assert_int_equal(popped, seq);
		if (kind == SIM_QUEUE_CALENDAR && shape != 3)
			assert_true(q.resizes >= 2); /* grew and shrank */
		free(seen);
		sim_queue_close(&q);
	}
	gsl_rng_free(r);
}

static sim_queue_kind calendar = SIM_QUEUE_CALENDAR, heap = SIM_QUEUE_HEAP;

#define BOTH(test)                                                  \
	cmocka_unit_test_prestate(test, &calendar),                \
	cmocka_unit_test_prestate(test, &heap)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_ties_pop_in_key_order),
		BOTH(test_hole_after_pop),
		BOTH(test_random_against_reference),
		BOTH(test_filter),
		BOTH(test_hold_shapes),
	};
	return cmocka_run_group_tests_name("queue (each test: calendar, then heap)", tests, NULL, NULL);
}
