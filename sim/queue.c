/* queue.c - the pending-event set: a 4-ary heap, optionally behind a
   calendar of time buckets (see include/sim_queue.h).

   What makes the heap fast, each measured with bench/bench_hold.c:
   - Order is one 128-bit unsigned comparison of (bits of time, key). Times
     are never negative, and the bit patterns of non-negative doubles sort
     like the doubles, so picking the smallest child compiles to branch-free
     compare-and-select instead of mispredicted branches.
   - The array is padded after the last entry with "infinitely late"
     sentinels, so a node always has ARITY children to compare.
   - A hole is filled Floyd's way: it sinks along smallest children to a
     leaf, then the new entry rises from there; new events are usually
     later than most pending ones, so they rise 0 or 1 steps.

   What makes the calendar correct: an entry's bucket is
   floor(time * inv_width), monotone in time, and the heap holds exactly the
   entries whose bucket is <= `current` while every other entry has a
   larger bucket, hence a later time. So the heap's minimum is the queue's
   minimum, and the pop order is the heap's total order whatever the width. */
#include "sim_queue.h"
#include "sim_memory.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef SIM_QUEUE_ARITY
#define SIM_QUEUE_ARITY 4
#endif
#define ARITY SIM_QUEUE_ARITY

/* Mean number of events per bucket the width aims at: the heap of a
   bucket stays tiny, and few buckets are passed empty. */
#ifndef SIM_QUEUE_PER_BUCKET
#define SIM_QUEUE_PER_BUCKET 4
#endif
/* Below this many pending events the calendar is not worth it: all in the
   heap. */
enum { CALENDAR_MIN = 256 };

typedef unsigned __int128 order_t;

enum { CACHE_LINE = 64 };
/* Entries kept before heap[0] so that heap[1], the first sibling group, and
   hence every group heap[ARITY*i+1 ...], starts on a cache line. */
#define PAD_ENTRIES (CACHE_LINE / sizeof(node) - 1)

/* The stored form of an entry: the time's bit pattern instead of the
   double. */
typedef struct node {
	uint64_t tbits;
	uint64_t key;
} node;

static const node SENTINEL = { UINT64_MAX, UINT64_MAX };

static inline uint64_t time_bits(double t)
{
	t += 0.0; /* -0.0 becomes +0.0 */
	uint64_t b;
	memcpy(&b, &t, sizeof b);
	return b;
}

static inline double bits_time(uint64_t b)
{
	double t;
	memcpy(&t, &b, sizeof t);
	return t;
}

static inline order_t ord(node n)
{
	return ((order_t)n.tbits << 64) | n.key;
}

static inline node *heap_nodes(const sim_queue *q)
{
	return (node *)q->heap;
}

/* ---- the heap ---------------------------------------------------------- */

int sim_queue_reserve(sim_queue *q, size_t capacity)
{
	if (capacity <= q->capacity)
		return 0;
	if (capacity < 2 * q->capacity)
		capacity = 2 * q->capacity;
	/* ARITY sentinels may follow the last entry. */
	size_t slots = PAD_ENTRIES + capacity + ARITY;
	void *block = sim__alloc_hot(slots * sizeof(node));
	if (!block)
		return -1;
	node *heap = (node *)block + PAD_ENTRIES;
	if (q->count)
		memcpy(heap, q->heap, q->count * sizeof *heap);
	for (size_t i = q->count; i < capacity + ARITY; i++)
		heap[i] = SENTINEL;
	free(q->block);
	q->block = block;
	q->heap = heap;
	q->capacity = capacity;
	return 0;
}

/* Index of the smallest of the ARITY children starting at `first`. */
static inline size_t min_child(const node *h, size_t first)
{
#if ARITY == 4
	size_t a = first + (ord(h[first + 1]) < ord(h[first]));
	size_t b = first + 2 + (ord(h[first + 3]) < ord(h[first + 2]));
	return ord(h[b]) < ord(h[a]) ? b : a;
#else
	size_t best = first;
	for (size_t c = first + 1; c < first + ARITY; c++)
		best = ord(h[c]) < ord(h[best]) ? c : best;
	return best;
#endif
}

static inline void sift_up(node *h, size_t i, node x)
{
	order_t ox = ord(x);
	while (i > 0) {
		size_t parent = (i - 1) / ARITY;
		if (ox >= ord(h[parent]))
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i] = x;
}

/* Fills the hole at i with x, where [0, n) minus i is a valid heap. */
static inline void fill_hole(node *h, size_t n, size_t i, node x)
{
	for (size_t first; (first = ARITY * i + 1) < n;) {
		size_t best = min_child(h, first);
		h[i] = h[best];
		i = best;
	}
	sift_up(h, i, x);
}

/* Restores the heap property over heap[0, count) in O(n). */
static void heapify(sim_queue *q)
{
	node *h = heap_nodes(q);
	if (q->count < 2)
		return;
	for (size_t i = (q->count - 2) / ARITY + 1; i-- > 0;) {
		node x = h[i];
		size_t j = i;
		for (size_t first; (first = ARITY * j + 1) < q->count;) {
			size_t best = min_child(h, first);
			if (ord(h[best]) >= ord(x))
				break;
			h[j] = h[best];
			j = best;
		}
		h[j] = x;
	}
}

/* Refills a root hole with the last entry. */
static void settle(sim_queue *q)
{
	if (!q->hole)
		return;
	node *h = heap_nodes(q);
	q->hole = false;
	node last = h[--q->count];
	h[q->count] = SENTINEL;
	if (q->count > 0)
		fill_hole(h, q->count, 0, last);
}

static int heap_push(sim_queue *q, node x)
{
	if (q->hole) {
		q->hole = false;
		fill_hole(heap_nodes(q), q->count, 0, x);
		return 0;
	}
	if (q->count == q->capacity && sim_queue_reserve(q, q->capacity * 2) != 0)
		return -1;
	sift_up(heap_nodes(q), q->count++, x);
	return 0;
}

/* ---- the calendar ------------------------------------------------------ */

static inline uint64_t bucket_of(const sim_queue *q, uint64_t tbits)
{
	double x = bits_time(tbits) * q->inv_width;
	/* Far beyond any year: the overflow; keeps the cast defined. */
	return x < 4.0e18 ? (uint64_t)x : (uint64_t)4e18;
}

static int array_append(sim_queue_array *a, node x)
{
	if (a->count == a->capacity) {
		size_t cap = a->capacity ? 2 * a->capacity : 4;
		node *items = realloc(a->items, cap * sizeof *items);
		if (!items)
			return -1;
		a->items = items;
		a->capacity = cap;
	}
	((node *)a->items)[a->count++] = x;
	return 0;
}

/* Files x under its bucket: the heap, a bucket of this year, or the
   overflow. The heap is only appended to (the caller heapifies). */
static int file_node(sim_queue *q, node x, bool heap_append)
{
	uint64_t b = bucket_of(q, x.tbits);
	if (b <= q->current) {
		if (!heap_append)
			return heap_push(q, x);
		heap_nodes(q)[q->count++] = x;
		return 0;
	}
	if (b >= q->year_end)
		return array_append(&q->overflow, x);
	sim_queue_array *a = &q->buckets[b & (q->bucket_count - 1)];
	/* The bucket will be heapified in place of the heap: keep room. */
	if (a->count + 1 > q->capacity && sim_queue_reserve(q, a->count + 1) != 0)
		return -1;
	if (array_append(a, x) != 0)
		return -1;
	q->in_buckets++;
	return 0;
}

static int compare_nodes(const void *a, const void *b)
{
	order_t x = ord(*(const node *)a), y = ord(*(const node *)b);
	return (x > y) - (x < y);
}

/* Moves every entry into one new array (heap first); NULL when out of
   memory (then nothing moved). */
static node *gather_all(sim_queue *q, size_t *n_out)
{
	settle(q);
	size_t n = sim_queue_size(q);
	node *all = malloc((n ? n : 1) * sizeof *all);
	if (!all)
		return NULL;
	size_t k = 0;
	memcpy(all, q->heap, q->count * sizeof *all);
	k = q->count;
	for (size_t i = q->count; i < q->count + ARITY; i++)
		heap_nodes(q)[i] = SENTINEL;
	for (size_t i = 0; i < q->count; i++)
		heap_nodes(q)[i] = SENTINEL;
	q->count = 0;
	for (size_t b = 0; b < q->bucket_count; b++) {
		sim_queue_array *a = &q->buckets[b];
		memcpy(all + k, a->items, a->count * sizeof *all);
		k += a->count;
		a->count = 0;
	}
	q->in_buckets = 0;
	memcpy(all + k, q->overflow.items, q->overflow.count * sizeof *all);
	k += q->overflow.count;
	q->overflow.count = 0;
	assert(k == n);
	*n_out = n;
	return all;
}

static size_t next_pow2(size_t x)
{
	size_t p = 16;
	while (p < x)
		p *= 2;
	return p;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sets up an empty calendar sized for n entries spread like all[], then
   files them. Few entries, or a spread of zero: an infinite width, so all
   are in the heap. Deterministic: depends only on the entries. Frees all. */
static int refile(sim_queue *q, node *all, size_t n)
{
	double tmin = INFINITY;
	for (size_t i = 0; i < n; i++)
		tmin = fmin(tmin, bits_time(all[i].tbits));
	double inv_width = 0;
	size_t buckets = 0;
	if (q->kind == SIM_QUEUE_CALENDAR && n >= CALENDAR_MIN) {
		/* Width from the spread of the nearer 90% of a sample of up to
		   512 entries: far outliers go to the overflow, not into the
		   width. */
		enum { SAMPLE = 512 };
		double sample[SAMPLE];
		size_t m = n < SAMPLE ? n : SAMPLE;
		for (size_t i = 0; i < m; i++)
			sample[i] = bits_time(all[i * n / m].tbits);
		qsort(sample, m, sizeof sample[0], compare_doubles);
		double span = sample[m * 9 / 10] - tmin;
		if (span > 0 && isfinite(span)) {
			double near = 0.9 * (double)n;
			inv_width = near / (span * SIM_QUEUE_PER_BUCKET);
			/* A year of about twice that spread. */
			buckets = next_pow2((size_t)(2 * near / SIM_QUEUE_PER_BUCKET));
		}
	}
	if (buckets != q->bucket_count) {
		for (size_t b = 0; b < q->bucket_count; b++)
			free(q->buckets[b].items);
		free(q->buckets);
		q->buckets = NULL;
		q->bucket_count = 0;
		if (buckets) {
			q->buckets = calloc(buckets, sizeof *q->buckets);
			if (!q->buckets) {
				buckets = 0;
				inv_width = 0; /* degrade to a plain heap */
			}
		}
		q->bucket_count = buckets;
	}
	q->inv_width = inv_width;
	q->current = inv_width > 0 ? bucket_of(q, time_bits(tmin)) : 0;
	q->year_end = inv_width > 0 ? q->current + buckets : 1;
	q->size_at_resize = n > CALENDAR_MIN / 2 ? n : CALENDAR_MIN / 2;
	q->resizes++;
	int rc = 0;
	if (sim_queue_reserve(q, n) != 0)
		rc = -1;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = file_node(q, all[i], true);
	heapify(q);
	free(all);
	return rc;
}

/* Re-estimates the width from the pending entries. */
static int resize(sim_queue *q)
{
	size_t n;
	node *all = gather_all(q, &n);
	return all ? refile(q, all, n) : -1;
}

/* Starts a new year at the earliest overflow entry: refiles the overflow.
   If most entries still lie beyond the year, the width was too small for
   the present spread and is re-estimated instead. */
static void next_year(sim_queue *q)
{
	node *items = q->overflow.items;
	size_t n = q->overflow.count;
	uint64_t first = UINT64_MAX;
	for (size_t i = 0; i < n; i++) {
		uint64_t b = bucket_of(q, items[i].tbits);
		first = b < first ? b : first;
	}
	q->current = first;
	q->year_end = first + q->bucket_count;
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t b = bucket_of(q, items[i].tbits);
		if (b >= q->year_end) {
			items[kept++] = items[i];
		} else if (b == first) {
			/* Room was reserved when entries went to the overflow? No:
			   reserve now; failure leaves the entry where it was. */
			if (q->count + 1 > q->capacity && sim_queue_reserve(q, q->count + 1) != 0) {
				items[kept++] = items[i];
				continue;
			}
			heap_nodes(q)[q->count++] = items[i];
		} else {
			sim_queue_array *a = &q->buckets[b & (q->bucket_count - 1)];
			if (array_append(a, items[i]) != 0 ||
			    (a->count > q->capacity && sim_queue_reserve(q, a->count) != 0)) {
				items[kept++] = items[i];
				continue;
			}
			q->in_buckets++;
		}
	}
	q->overflow.count = kept;
	heapify(q);
	if (kept > n / 2 && kept > CALENDAR_MIN)
		resize(q); /* on failure the queue stays valid, just slower */
}

/* Makes the heap hold the earliest non-empty bucket. Heap must be empty. */
static bool advance(sim_queue *q)
{
	while (q->count == 0) {
		if (q->in_buckets > 0) {
			uint64_t b = q->current + 1;
			size_t mask = q->bucket_count - 1;
			while (q->buckets[b & mask].count == 0)
				b++;
			sim_queue_array *a = &q->buckets[b & mask];
			q->current = b;
			memcpy(q->heap, a->items, a->count * sizeof(node));
			q->count = a->count;
			q->in_buckets -= a->count;
			a->count = 0;
			heapify(q);
		} else if (q->overflow.count > 0) {
			next_year(q);
		} else {
			return false;
		}
	}
	return true;
}

/* ---- the public operations -------------------------------------------- */

int sim_queue_init(sim_queue *q, size_t capacity, sim_queue_kind kind)
{
	memset(q, 0, sizeof *q);
	q->kind = kind;
	q->year_end = 1;
	q->size_at_resize = CALENDAR_MIN / 2;
	return sim_queue_reserve(q, capacity < 16 ? 16 : capacity);
}

void sim_queue_close(sim_queue *q)
{
	for (size_t b = 0; b < q->bucket_count; b++)
		free(q->buckets[b].items);
	free(q->buckets);
	free(q->overflow.items);
	free(q->block);
	memset(q, 0, sizeof *q);
}

int sim_queue_push(sim_queue *q, double time, uint64_t key)
{
	assert(time >= 0 && "queue times are never negative or NaN");
	node x = { time_bits(time), key };
	if (q->kind == SIM_QUEUE_CALENDAR && sim_queue_size(q) >= 2 * q->size_at_resize)
		resize(q); /* on failure the queue stays valid, just slower */
	if (q->inv_width == 0)
		return heap_push(q, x);
	return file_node(q, x, false);
}

bool sim_queue_pop(sim_queue *q, sim_queue_entry *out)
{
	settle(q);
	if (q->count == 0) {
		if (q->kind == SIM_QUEUE_CALENDAR && q->size_at_resize > CALENDAR_MIN &&
		    sim_queue_size(q) < q->size_at_resize / 4)
			resize(q);
		if (!advance(q))
			return false;
	}
	node top = heap_nodes(q)[0];
	out->time = bits_time(top.tbits);
	out->key = top.key;
	q->hole = true;
	return true;
}

const sim_queue_entry *sim_queue_peek(sim_queue *q)
{
	settle(q);
	if (q->count == 0 && !advance(q))
		return NULL;
	node *h = heap_nodes(q);
	q->peeked.time = bits_time(h[0].tbits);
	q->peeked.key = h[0].key;
	return &q->peeked;
}

static size_t filter_array(node *items, size_t n,
			   bool (*keep)(const sim_queue_entry *, void *), void *ctx)
{
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		sim_queue_entry e = { bits_time(items[i].tbits), items[i].key };
		if (keep(&e, ctx))
			items[kept++] = items[i];
	}
	return kept;
}

void sim_queue_filter(sim_queue *q,
		      bool (*keep)(const sim_queue_entry *entry, void *ctx),
		      void *ctx)
{
	settle(q);
	size_t kept = filter_array(q->heap, q->count, keep, ctx);
	for (size_t i = kept; i < q->count; i++)
		heap_nodes(q)[i] = SENTINEL;
	q->count = kept;
	heapify(q);
	for (size_t b = 0; b < q->bucket_count; b++) {
		sim_queue_array *a = &q->buckets[b];
		size_t k = filter_array(a->items, a->count, keep, ctx);
		q->in_buckets -= a->count - k;
		a->count = k;
	}
	q->overflow.count = filter_array(q->overflow.items, q->overflow.count, keep, ctx);
}

int sim_queue_rekey_in_order(sim_queue *q,
			     uint64_t (*rekey)(uint64_t key, size_t rank, void *ctx),
			     void *ctx)
{
	size_t n;
	node *all = gather_all(q, &n);
	if (!all)
		return -1;
	qsort(all, n, sizeof *all, compare_nodes);
	for (size_t i = 0; i < n; i++)
		all[i].key = rekey(all[i].key, i, ctx);
	return refile(q, all, n);
}
