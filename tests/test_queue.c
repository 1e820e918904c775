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

#include "core/queue.h"

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

/* ---- adversarial cases, each checked against a reference model ---------

   A model pairs the queue with a reference: every entry pushed, kept sorted
   in descending order (the minimum last). Keys are unique, so the expected
   pop order is exact; every pop, peek and size is compared with it. */

typedef struct model {
	sim_queue q;
	sim_queue_kind kind;
	sim_queue_entry *ref;
	size_t n, cap;
	uint64_t seq;
	double now; /* time of the last pop */
} model;

static void m_init(model *m, sim_queue_kind kind, size_t cap)
{
	memset(m, 0, sizeof *m);
	m->kind = kind;
	m->cap = cap;
	m->ref = malloc(cap * sizeof *m->ref);
	assert_non_null(m->ref);
	assert_int_equal(sim_queue_init(&m->q, 0, kind), 0);
}

static void m_close(model *m)
{
	sim_queue_close(&m->q);
	free(m->ref);
}

static bool is_calendar(const model *m)
{
	return m->kind == SIM_QUEUE_CALENDAR;
}

static void m_push(model *m, double time)
{
	assert_true(m->n < m->cap);
	sim_queue_entry x = { .time = time, .key = m->seq++ };
	assert_int_equal(push(&m->q, x.time, x.key), 0);
	ref_insert(m->ref, &m->n, x);
	assert_int_equal(sim_queue_size(&m->q), m->n);
}

/* The smallest pending reference entry (n > 0). */
static const sim_queue_entry *m_min(const model *m)
{
	return &m->ref[m->n - 1];
}

static void check_entry(const sim_queue_entry *got, const sim_queue_entry *want,
			const char *what)
{
	if (got->time != want->time || got->key != want->key)
		fail_msg("%s: got (%.17g,%llu), expected (%.17g,%llu)", what, got->time,
			 (unsigned long long)got->key, want->time,
			 (unsigned long long)want->key);
	assert_payload(got);
}

static sim_queue_entry m_pop(model *m)
{
	sim_queue_entry got;
	assert_true(m->n > 0);
	assert_true(sim_queue_pop(&m->q, &got));
	check_entry(&got, &m->ref[--m->n], "pop");
	assert_int_equal(sim_queue_size(&m->q), m->n);
	assert_false(m->q.oom);
	m->now = got.time;
	return got;
}

static void m_peek(model *m)
{
	const sim_queue_entry *p = sim_queue_peek(&m->q);
	if (m->n == 0) {
		assert_null(p);
		return;
	}
	assert_non_null(p);
	check_entry(p, m_min(m), "peek");
}

static void m_drain(model *m)
{
	while (m->n > 0)
		m_pop(m);
	sim_queue_entry e;
	assert_false(sim_queue_pop(&m->q, &e));
	assert_null(sim_queue_peek(&m->q));
	assert_int_equal(sim_queue_size(&m->q), 0);
}

static void m_filter(model *m, bool (*keep)(const sim_queue_entry *, void *), void *ctx)
{
	sim_queue_filter(&m->q, keep, ctx);
	size_t kept = 0;
	for (size_t i = 0; i < m->n; i++)
		if (keep(&m->ref[i], ctx))
			m->ref[kept++] = m->ref[i];
	m->n = kept;
	assert_int_equal(sim_queue_size(&m->q), m->n);
}

/* True while the calendar's current bucket is sorted and partly consumed. */
static bool run_partly_consumed(const sim_queue *q)
{
	return q->run_pos > 0 && q->run_pos < q->run_len;
}

/* The calendar's bucket width (1 for the heap, which has none). */
static double width_of(const sim_queue *q)
{
	return q->inv_width > 0 ? 1.0 / q->inv_width : 1.0;
}

static size_t largest_bucket(const sim_queue *q)
{
	size_t most = 0;
	for (size_t b = 0; b < q->bucket_count; b++)
		most = q->buckets[b].count > most ? q->buckets[b].count : most;
	return most;
}

/* Ensure entries pushed into the current bucket while its sorted run is
   partly consumed (before, between, tied with and after the remaining run
   entries) interleave exactly with the rest of the run. */
static void test_push_into_partly_consumed_run(void **state)
{
	sim_queue_kind kind = **(sim_queue_kind **)state;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
	gsl_rng_set(r, 11);
	model m;
	m_init(&m, kind, 4096);
	for (int i = 0; i < 1000; i++)
		m_push(&m, gsl_rng_uniform(r) * 100);
	for (int round = 0; round < 20; round++) {
		/* Pop into the middle of a run (the heap: a few pops). */
		int guard = 0;
		do {
			m_pop(&m);
		} while (is_calendar(&m) && !(run_partly_consumed(&m.q) &&
					      m.q.run_len - m.q.run_pos >= 4) && ++guard < 200);
		if (is_calendar(&m))
			assert_true(run_partly_consumed(&m.q));
		size_t heap_before = m.q.count;
		uint64_t resizes = m.q.resizes;
		/* Exact copies of the next pending times (ties: later keys),
		   times between them, and the current time itself. */
		double next[4];
		for (int k = 0; k < 4; k++)
			next[k] = m.ref[m.n - 1 - (size_t)k].time;
		m_push(&m, m.now);
		for (int k = 0; k < 4; k++) {
			m_push(&m, next[k]);
			if (k < 3)
				m_push(&m, next[k] + (next[k + 1] - next[k]) / 2);
		}
		double end = is_calendar(&m) ? (double)(m.q.current + 1) * width_of(&m.q) : m.now + 1;
		for (int k = 0; k < 5; k++)
			m_push(&m, m.now + (end - m.now) * gsl_rng_uniform(r));
		if (is_calendar(&m) && m.q.resizes == resizes)
			assert_true(m.q.count > heap_before); /* the heap took them */
		m_peek(&m);
		for (int k = 0; k < 6; k++)
			m_pop(&m);
		m_push(&m, m.now + gsl_rng_uniform(r) * 100); /* keep the size up */
	}
	m_drain(&m);
	m_close(&m);
	gsl_rng_free(r);
}

/* Ensure a push at exactly the time of the last pop comes after every
   pending entry at that time (its key is larger) and before later times,
   in a small queue (all in the heap) and a large one (the calendar). */
static void test_push_at_current_time_after_pops(void **state)
{
	sim_queue_kind kind = **(sim_queue_kind **)state;
	size_t sizes[] = { 40, 3000 };
	for (size_t s = 0; s < 2; s++) {
		model m;
		m_init(&m, kind, 8192);
		for (size_t i = 0; i < sizes[s]; i++)
			m_push(&m, (double)(i % 10)); /* heavy ties on whole days */
		for (int round = 0; round < 200 && m.n > 0; round++) {
			m_pop(&m);
			if (round % 3 == 0) {
				m_push(&m, m.now);
				m_push(&m, m.now);
				m_peek(&m);
			}
			if (round % 7 == 0)
				m_push(&m, m.now + 1.0);
		}
		m_drain(&m);
		m_close(&m);
	}
}

/* Ensure entries far beyond the window (the overflow) interleave exactly
   with near ones: under a hold workload, after the window empties and the
   queue jumps to the overflow, and with near pushes right after a jump. */
static void test_overflow_interleaved(void **state)
{
	sim_queue_kind kind = **(sim_queue_kind **)state;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
	gsl_rng_set(r, 21);
	model m;
	m_init(&m, kind, 8192);
	for (int i = 0; i < 600; i++)
		m_push(&m, gsl_rng_uniform(r) * 10);
	for (int i = 0; i < 60; i++)
		m_push(&m, 1e4 * pow(10, gsl_rng_uniform(r) * 3));
	if (is_calendar(&m))
		assert_true(m.q.overflow.count > 0);
	bool jumped = false;
	for (int op = 0; op < 6000 && m.n > 0; op++) {
		bool window_empty = is_calendar(&m) && m.q.in_buckets == 0 &&
				    m.q.count == 0 && m.q.run_pos == m.q.run_len &&
				    m.q.overflow.count > 0;
		m_pop(&m);
		if (window_empty) {
			jumped = true;
			/* Right after the jump: near entries, at the same time and
			   just after it, must come before the rest of the overflow. */
			m_push(&m, m.now);
			m_push(&m, m.now + 1e-3);
			m_peek(&m);
		}
		if (op < 3000) {
			/* Hold: mostly near successors, some far. */
			double u = gsl_rng_uniform(r);
			m_push(&m, m.now + (u < 0.05 ? 1e4 * (1 + gsl_rng_uniform(r)) : u));
		}
	}
	if (is_calendar(&m))
		assert_true(jumped);
	m_drain(&m);
	m_close(&m);
	gsl_rng_free(r);
}

/* Ensure that when the window slides over the earliest overflow entry
   while later buckets already hold entries, that entry (and entries pushed
   into its bucket meanwhile, before and after it) come out in order. */
static void test_window_reaches_overflow_with_buckets_pending(void **state)
{
	sim_queue_kind kind = **(sim_queue_kind **)state;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
	gsl_rng_set(r, 31);
	model m;
	m_init(&m, kind, 4096);
	for (int i = 0; i < 300; i++)
		m_push(&m, gsl_rng_uniform(r) * 100);
	/* The width is set; fill the whole window so that it never empties
	   (which would make the queue jump to the overflow instead). */
	double w = width_of(&m.q);
	uint64_t end0 = is_calendar(&m) ? m.q.window_end : 100;
	for (int i = 0; i < 200; i++)
		m_push(&m, 100 + gsl_rng_uniform(r) * ((double)(end0 - 1) * w - 100));
	assert_int_equal(m.q.overflow.count, 0);
	/* X: two buckets beyond the window. */
	double x = ((double)end0 + 2.5) * w;
	m_push(&m, x);
	if (is_calendar(&m))
		assert_int_equal(m.q.overflow.count, 1);
	/* Slide the window until X's bucket lies inside it. */
	while (is_calendar(&m) && m.q.current + m.q.bucket_count <= end0 + 4)
		m_pop(&m);
	if (!is_calendar(&m))
		for (int i = 0; i < 100; i++)
			m_pop(&m);
	size_t in_buckets = m.q.in_buckets;
	m_push(&m, ((double)end0 + 3.5) * w); /* a later bucket: filed in the window */
	m_push(&m, x);                         /* tie with X, later key */
	m_push(&m, x - w / 4);                 /* X's bucket, earlier than X */
	m_push(&m, x + w / 4);                 /* X's bucket, later than X */
	if (is_calendar(&m)) {
		assert_int_equal(m.q.overflow.count, 1); /* X still waits there */
		assert_int_equal(m.q.in_buckets, in_buckets + 4);
	}
	m_drain(&m);
	m_close(&m);
	gsl_rng_free(r);
}

/* Ensure extreme times keep exact order: 0 (and -0.0), subnormals, 1e15
   and its neighbours one ulp apart, 1e300, the largest double, with ties
   at each, mixed with ordinary times, and in queues made only of them. */
static void test_extreme_times(void **state)
{
	sim_queue_kind kind = **(sim_queue_kind **)state;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
	gsl_rng_set(r, 41);
	double special[] = { 0.0, 5e-324, 1e-310, 1e-300, 1.0, 1e15,
			     nextafter(1e15, 0), nextafter(1e15, INFINITY),
			     1e15 + 0.125, 1e300, nextafter(1e300, 0), 1.7976931348623157e308 };
	enum { NS = sizeof special / sizeof special[0] };
	for (int mix = 0; mix < 4; mix++) {
		model m;
		m_init(&m, kind, 8192);
		for (int i = 0; i < 1500; i++) {
			double t;
			double u = gsl_rng_uniform(r);
			switch (mix) {
			case 0: /* ordinary times with extremes sprinkled in */
				t = u < 0.3 ? special[gsl_rng_uniform_int(r, NS)] : u * 50;
				break;
			case 1: /* only around 1e15, steps of an ulp or a few */
				t = 1e15 + 0.125 * (double)gsl_rng_uniform_int(r, 600);
				break;
			case 2: /* only subnormals and zero */
				t = 5e-324 * (double)gsl_rng_uniform_int(r, 900);
				break;
			default: /* only huge times */
				t = 1e300 * (1 + (double)gsl_rng_uniform_int(r, 500) / 64);
				break;
			}
			m_push(&m, t);
		}
		m_push(&m, -0.0); /* stored as +0.0: ties with 0 by key */
		m.ref[m.n - 1].time = 0.0;
		/* Hold at the current time and one ulp-ish step later. */
		for (int i = 0; i < 1000; i++) {
			m_pop(&m);
			if (i % 2 == 0)
				m_push(&m, m.now);
			else if (m.now < 1e308)
				m_push(&m, nextafter(m.now, INFINITY));
		}
		m_drain(&m);
		m_close(&m);
	}
	gsl_rng_free(r);
}

/* Ensure many exact ties sitting on bucket boundaries (k * width, and one
   ulp either side), including at the window's end and beyond it, pop in
   key order, interleaved with pops. */
static void test_ties_on_bucket_boundaries(void **state)
{
	sim_queue_kind kind = **(sim_queue_kind **)state;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
	gsl_rng_set(r, 51);
	model m;
	m_init(&m, kind, 8192);
	for (int i = 0; i < 300; i++)
		m_push(&m, gsl_rng_uniform(r) * 64);
	double w = width_of(&m.q);
	uint64_t first = is_calendar(&m) ? m.q.current : 0;
	uint64_t last = is_calendar(&m) ? m.q.window_end + 3 : 20;
	for (int copy = 0; copy < 6; copy++) {
		for (uint64_t b = first; b <= last; b++) {
			double t = (double)b * w;
			m_push(&m, t);
			m_push(&m, nextafter(t, 0));
			m_push(&m, nextafter(t, INFINITY));
		}
		for (int i = 0; i < 40; i++)
			m_pop(&m);
	}
	m_drain(&m);
	m_close(&m);
	gsl_rng_free(r);
}

/* Ensure a bucket of more than 4,096 entries (sorted by merge sort) and
   buckets whose entries crowd into few sub-buckets (exact ties and a
   narrow cluster) pop in exact order. */
static void test_big_and_crowded_buckets(void **state)
{
	sim_queue_kind kind = **(sim_queue_kind **)state;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
	gsl_rng_set(r, 61);
	model m;
	m_init(&m, kind, 16384);
	/* Half spread over [0, 1000), half in a cluster 0.01 wide at 500,
	   a fifth of those exactly tied. */
	for (int i = 0; i < 12000; i++) {
		double u = gsl_rng_uniform(r);
		if (i % 2 == 0)
			m_push(&m, u * 1000);
		else
			m_push(&m, i % 10 == 1 ? 500.0 : 500.0 + u * 0.01);
	}
	if (is_calendar(&m))
		assert_true(largest_bucket(&m.q) > 4096);
	for (int i = 0; i < 300; i++) /* a run partly consumed, then pushes */
		m_pop(&m);
	for (int i = 0; i < 200; i++)
		m_push(&m, m.now + (i % 2 ? 0.0 : gsl_rng_uniform(r)));
	m_drain(&m);

	/* Mid-sized buckets (16 to 4,096 entries) with over 16 entries in one
	   sub-bucket: 40 exact ties among a spread. */
	for (int i = 0; i < 2000; i++)
		m_push(&m, i % 25 == 0 ? 7.0 : gsl_rng_uniform(r) * 32);
	m_drain(&m);
	m_close(&m);
	gsl_rng_free(r);
}

/* Ensure a resize triggered by pushes while a run is partly consumed, and
   a shrink triggered by pops, keep the exact order. */
static void test_resize_mid_run_and_shrink(void **state)
{
	sim_queue_kind kind = **(sim_queue_kind **)state;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
	gsl_rng_set(r, 71);
	model m;
	m_init(&m, kind, 16384);
	for (int i = 0; i < 600; i++)
		m_push(&m, gsl_rng_uniform(r) * 100);
	for (int round = 0; round < 4; round++) {
		int guard = 0;
		do {
			m_pop(&m);
		} while (is_calendar(&m) && !run_partly_consumed(&m.q) && ++guard < 2000);
		uint64_t resizes = m.q.resizes;
		if (is_calendar(&m))
			assert_true(run_partly_consumed(&m.q));
		/* Double the size: near the current time (ties, the current
		   bucket) and later. */
		size_t target = 2 * m.q.size_at_resize + 1;
		for (size_t i = 0; m.n < target; i++)
			m_push(&m, i < 8 ? m.now : m.now + gsl_rng_uniform(r) * (i % 3 == 1 ? 1 : 200));
		if (is_calendar(&m))
			assert_true(m.q.resizes > resizes);
		for (int i = 0; i < 50; i++)
			m_pop(&m);
	}
	/* Shrink: pop down, checking each pop, until the queue resized. */
	uint64_t resizes = m.q.resizes;
	while (m.n > 10)
		m_pop(&m);
	if (is_calendar(&m))
		assert_true(m.q.resizes > resizes);
	m_drain(&m);
	m_close(&m);
	gsl_rng_free(r);
}

typedef struct drop {
	uint64_t mod, rem;
} drop;

static bool keep_unless(const sim_queue_entry *e, void *ctx)
{
	const drop *d = ctx;
	return e->key % d->mod != d->rem;
}

/* Ensure filter keeps exactly the wanted entries, in order, in every
   state: a hole at the heap's root, a run partly consumed, entries in
   later buckets, entries in the overflow, and an empty queue. */
static void test_filter_in_every_state(void **state)
{
	sim_queue_kind kind = **(sim_queue_kind **)state;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
	gsl_rng_set(r, 81);
	model m;
	m_init(&m, kind, 8192);
	drop none = { 1, 1 }; /* drops nothing */
	m_filter(&m, keep_unless, &none); /* empty */
	for (int i = 0; i < 1500; i++)
		m_push(&m, gsl_rng_uniform(r) < 0.05 ? 1e5 * (1 + gsl_rng_uniform(r))
						      : gsl_rng_uniform(r) * 20);
	bool hole = false, run = false, overflow = false, buckets = false;
	for (int op = 0; op < 4000 && m.n > 0; op++) {
		m_pop(&m);
		double u = gsl_rng_uniform(r);
		if (op % 2 == 0)
			m_push(&m, m.now + (u < 0.3 ? 0.0 : u < 0.95 ? u : 1e5 * u));
		bool now_hole = m.q.hole, now_run = run_partly_consumed(&m.q),
		     now_overflow = m.q.overflow.count > 0, now_buckets = m.q.in_buckets > 0;
		if ((now_hole && !hole) || (now_run && !run) || (now_overflow && !overflow) ||
		    (now_buckets && !buckets) || op % 500 == 0) {
			drop d = { 3 + (uint64_t)op % 4, (uint64_t)op % 3 };
			m_filter(&m, keep_unless, &d);
			m_peek(&m);
			hole |= now_hole;
			run |= now_run;
			overflow |= now_overflow;
			buckets |= now_buckets;
		}
	}
	assert_true(hole);
	if (is_calendar(&m))
		assert_true(run && overflow && buckets);
	drop all = { 1, 0 }; /* drops everything */
	m_filter(&m, keep_unless, &all);
	m_drain(&m);
	m_push(&m, 3.0); /* usable after being emptied by filter */
	m_push(&m, 1.0);
	m_drain(&m);
	m_close(&m);
	gsl_rng_free(r);
}

/* Ensure peek reflects a push into the current bucket that is earlier than
   the rest of the run, and that the following pop returns what peek did. */
static void test_peek_after_push_into_current_bucket(void **state)
{
	sim_queue_kind kind = **(sim_queue_kind **)state;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
	gsl_rng_set(r, 91);
	model m;
	m_init(&m, kind, 4096);
	for (int i = 0; i < 800; i++)
		m_push(&m, gsl_rng_uniform(r) * 40);
	for (int round = 0; round < 300 && m.n > 1; round++) {
		m_pop(&m);
		m_peek(&m);
		double next = m_min(&m)->time;
		/* Between the last pop and the next pending entry: the front. */
		m_push(&m, m.now + (next - m.now) * gsl_rng_uniform(r));
		m_peek(&m);
		m_push(&m, m.now); /* a tie with the last pop: the front now */
		m_peek(&m);
		sim_queue_entry want = *m_min(&m);
		sim_queue_entry got = m_pop(&m);
		assert_int_equal(got.key, want.key);
		m_peek(&m);
	}
	m_drain(&m);
	m_close(&m);
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
		BOTH(test_push_into_partly_consumed_run),
		BOTH(test_push_at_current_time_after_pops),
		BOTH(test_overflow_interleaved),
		BOTH(test_window_reaches_overflow_with_buckets_pending),
		BOTH(test_extreme_times),
		BOTH(test_ties_on_bucket_boundaries),
		BOTH(test_big_and_crowded_buckets),
		BOTH(test_resize_mid_run_and_shrink),
		BOTH(test_filter_in_every_state),
		BOTH(test_peek_after_push_into_current_bucket),
	};
	return cmocka_run_group_tests_name("queue (each test: calendar, then heap)", tests, NULL, NULL);
}
