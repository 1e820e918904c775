/*
 * bench_hold.c - the classic "hold model" benchmark of a pending-event set.
 *
 * Fill the queue with n entries, then repeat "hold": pop the earliest entry
 * and push it back Exp(1) later, drawing from the same GSL generator PHOLD
 * uses. At steady state the queue holds n entries, so the cost per hold is
 * the cost of the queue at that size plus one exponential draw: the floor
 * under any engine's event rate at n pending events.
 *
 * usage: bench_hold [-r REPEATS] [-t] N...   prints, per N, the median
 * ns/hold of REPEATS timed runs (default 5), each of max(10^7, 10 N) holds
 * after a warm-up of 2 N holds. With -t it measures instead a textbook
 * 4-ary heap of 16-byte (time, sequence) entries with the classic
 * sift-down, written here in a few lines: the yardstick "a 4-ary-heap hold
 * loop" against which PHOLD's event rate is judged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/queue.h"
#include "sim_rng.h"

#ifndef SIM_QUEUE_ARITY
#define SIM_QUEUE_ARITY 4
#endif
/* BENCH_HEAP_ONLY=1 measures the bare d-ary heap, else the calendar. */
#if BENCH_HEAP_ONLY
#define KIND SIM_QUEUE_HEAP
#define KIND_NAME "heap"
#else
#define KIND SIM_QUEUE_CALENDAR
#define KIND_NAME "calendar"
#endif

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The textbook 4-ary min-heap: (time, seq) entries, root at 0. */
typedef struct ref_entry {
	double time;
	uint64_t seq;
} ref_entry;

static int ref_less(const ref_entry *a, const ref_entry *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static void ref_push(ref_entry *h, size_t *n, ref_entry x)
{
	size_t i = (*n)++;
	while (i > 0 && ref_less(&x, &h[(i - 1) / 4])) {
		h[i] = h[(i - 1) / 4];
		i = (i - 1) / 4;
	}
	h[i] = x;
}

static ref_entry ref_pop(ref_entry *h, size_t *n)
{
	ref_entry top = h[0], x = h[--(*n)];
	size_t i = 0;
	for (;;) {
		size_t c = 4 * i + 1, best = c;
		if (c >= *n)
			break;
		for (size_t k = c + 1; k < c + 4 && k < *n; k++)
			if (ref_less(&h[k], &h[best]))
				best = k;
		if (!ref_less(&h[best], &x))
			break;
		h[i] = h[best];
		i = best;
	}
	h[i] = x;
	return top;
}

static double textbook_run(size_t n, long holds, uint64_t seed)
{
	sim_rng rng;
	sim_error err;
	if (sim_rng_init(&rng, seed, 0, 0, &err) != 0) {
		sim_error_print(&err, stderr);
		exit(1);
	}
	ref_entry *h = malloc((n + 1) * sizeof *h);
	size_t count = 0;
	uint64_t seq = 0;
	for (size_t i = 0; i < n; i++)
		ref_push(h, &count, (ref_entry){ sim_rng_exponential(&rng, 1.0), seq++ });
	for (long i = 0; i < (long)(2 * n); i++) {
		ref_entry e = ref_pop(h, &count);
		ref_push(h, &count, (ref_entry){ e.time + sim_rng_exponential(&rng, 1.0), seq++ });
	}
	double t0 = now_seconds();
	for (long i = 0; i < holds; i++) {
		ref_entry e = ref_pop(h, &count);
		ref_push(h, &count, (ref_entry){ e.time + sim_rng_exponential(&rng, 1.0), seq++ });
	}
	double ns = (now_seconds() - t0) * 1e9 / (double)holds;
	free(h);
	sim_rng_close(&rng);
	return ns;
}

/* One timed run of the engine's queue; returns ns per hold. */
static double hold_run(size_t n, long holds, uint64_t seed)
{
	sim_rng rng;
	sim_error err;
	if (sim_rng_init(&rng, seed, 0, 0, &err) != 0) {
		sim_error_print(&err, stderr);
		exit(1);
	}
	sim_queue q;
	if (sim_queue_init(&q, n + 1, KIND) != 0) {
		fprintf(stderr, "bench_hold: out of memory\n");
		exit(1);
	}
	uint64_t seq = 0;
	sim_queue_entry e = { 0 };
	for (size_t i = 0; i < n; i++) {
		e.time = sim_rng_exponential(&rng, 1.0);
		e.key = seq++;
		sim_queue_push(&q, &e);
	}
	for (long i = 0; i < (long)(2 * n); i++) {
		sim_queue_pop(&q, &e);
		e.time += sim_rng_exponential(&rng, 1.0);
		e.key = seq++;
		sim_queue_push(&q, &e);
	}
	double t0 = now_seconds();
	for (long i = 0; i < holds; i++) {
		sim_queue_pop(&q, &e);
		e.time += sim_rng_exponential(&rng, 1.0);
		e.key = seq++;
		sim_queue_push(&q, &e);
	}
	double ns = (now_seconds() - t0) * 1e9 / (double)holds;
	sim_queue_close(&q);
	sim_rng_close(&rng);
	return ns;
}

int main(int argc, char **argv)
{
	int repeats = 5;
	int first = 1;
	int textbook = 0;
	for (;;) {
		if (first + 1 < argc && strcmp(argv[first], "-r") == 0) {
			repeats = atoi(argv[first + 1]);
			first += 2;
		} else if (first < argc && strcmp(argv[first], "-t") == 0) {
			textbook = 1;
			first++;
		} else {
			break;
		}
	}
	if (first >= argc || repeats < 1) {
		fprintf(stderr, "usage: bench_hold [-r REPEATS] [-t] N...\n");
		return 2;
	}
	for (int a = first; a < argc; a++) {
		size_t n = strtoull(argv[a], NULL, 10);
		long holds = n * 10 > 10000000 ? (long)n * 10 : 10000000;
		double *ns = malloc(repeats * sizeof *ns);
		for (int r = 0; r < repeats; r++)
			ns[r] = textbook ? textbook_run(n, holds, (uint64_t)r + 1)
					 : hold_run(n, holds, (uint64_t)r + 1);
		qsort(ns, repeats, sizeof *ns, cmp_double);
		printf("hold %-8s %d-ary  pending %8zu  %7.1f ns/hold  (median of %d; min %.1f, max %.1f)\n",
		       textbook ? "textbook" : KIND_NAME, textbook ? 4 : SIM_QUEUE_ARITY, n, ns[repeats / 2], repeats, ns[0], ns[repeats - 1]);
		fflush(stdout);
		free(ns);
	}
	return 0;
}
