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
#include "queue.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef SIM_QUEUE_ARITY
#define SIM_QUEUE_ARITY 4
#endif
#define ARITY SIM_QUEUE_ARITY

/* Mean number of events per bucket the width aims at. Fewer means a
   shallower heap per bucket but more bucket headers, each a likely cache
   miss per push: 64 was fastest of 4, 16, 64 and 256 in the hold benchmark
   at 262,144 and 10^6 pending events, and no slower at 1,024. */
#ifndef SIM_QUEUE_PER_BUCKET
#define SIM_QUEUE_PER_BUCKET 64
#endif
/* Below this many pending events the calendar is not worth it: all in the
   heap. */
enum { CALENDAR_MIN = 256 };

typedef unsigned __int128 order_bits;

enum { CACHE_LINE = 64 };
/* Entries kept before heap[0] so that heap[1], the first sibling group, and
   hence every group heap[ARITY*i+1 ...], starts on a cache line. */
#define PAD_ENTRIES (CACHE_LINE / sizeof(node) - 1)

/* The stored form of an entry: the time's bit pattern instead of the
   double, so (tbits, key) compare as one 128-bit integer. */
typedef struct node {
	uint64_t tbits;
	uint64_t key;
	uint64_t data;
	uint32_t tag;
	uint32_t aux;
} node;

static const node SENTINEL = { UINT64_MAX, UINT64_MAX, 0, 0, 0 };

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

static inline order_bits ord(const node *n)
{
	return ((order_bits)n->tbits << 64) | n->key;
}

static inline node *heap_nodes(const sim_queue *q)
{
	return (node *)q->heap;
}

/* ---- the heap ---------------------------------------------------------- */

/* Room for `count` nodes, aligned to a cache line so that the padding
   above keeps every sibling group on whole lines; NULL when out of memory. */
static void *alloc_nodes(size_t count)
{
	size_t bytes = (count * sizeof(node) + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
	return aligned_alloc(CACHE_LINE, bytes);
}

int sim_queue_reserve(sim_queue *q, size_t capacity)
{
	if (capacity <= q->capacity)
		return 0;
	if (capacity < 2 * q->capacity)
		capacity = 2 * q->capacity;
	/* ARITY sentinels may follow the last entry. */
	size_t slots = PAD_ENTRIES + capacity + ARITY;
	void *block = alloc_nodes(slots);
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
	size_t a = first + (ord(&h[first + 1]) < ord(&h[first]));
	size_t b = first + 2 + (ord(&h[first + 3]) < ord(&h[first + 2]));
	return ord(&h[b]) < ord(&h[a]) ? b : a;
#else
	size_t best = first;
	for (size_t c = first + 1; c < first + ARITY; c++)
		best = ord(&h[c]) < ord(&h[best]) ? c : best;
	return best;
#endif
}

static inline void sift_up(node *h, size_t i, node x)
{
	order_bits ox = ord(&x);
	while (i > 0) {
		size_t parent = (i - 1) / ARITY;
		if (ox >= ord(&h[parent]))
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
			if (ord(&h[best]) >= ord(&x))
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
	/* Far beyond any window: the overflow. The signed conversion is one
	   instruction where the unsigned one is a branchy sequence. */
	return x < 4.0e18 ? (uint64_t)(int64_t)x : (uint64_t)4e18;
}

static int array_append(sim_queue_array *a, node x)
{
	if (a->count == a->capacity) {
		size_t cap = a->capacity ? 2 * a->capacity : 16;
		node *items = realloc(a->items, cap * sizeof *items);
		if (!items)
			return -1;
		a->items = items;
		a->capacity = cap;
	}
	((node *)a->items)[a->count++] = x;
	return 0;
}

/* Appends x to bucket a. When the bucket grows, the merge-sort scratch
   grows with it, so sorting a bucket never allocates. */
static int bucket_append(sim_queue *q, sim_queue_array *a, node x)
{
	if (a->count == a->capacity) {
		if (array_append(a, x) != 0)
			return -1;
		if (a->capacity > q->scratch_capacity) {
			void *scratch = realloc(q->scratch, a->capacity * sizeof(node));
			if (!scratch) {
				a->count--;
				return -1;
			}
			q->scratch = scratch;
			q->scratch_capacity = a->capacity;
		}
	} else {
		((node *)a->items)[a->count++] = x;
	}
	q->in_buckets++;
	return 0;
}

/* Sorts a[0, n) ascending: insertion sort of runs of 8, then bottom-up
   merges through tmp (n entries). Stable, O(n log n), no allocation. */
static void sort_nodes(node *a, node *tmp, size_t n)
{
	enum { RUN = 8 };
	for (size_t lo = 0; lo < n; lo += RUN) {
		size_t hi = lo + RUN < n ? lo + RUN : n;
		for (size_t i = lo + 1; i < hi; i++) {
			node x = a[i];
			order_bits ox = ord(&x);
			size_t j = i;
			while (j > lo && ord(&a[j - 1]) > ox) {
				a[j] = a[j - 1];
				j--;
			}
			a[j] = x;
		}
	}
	node *src = a, *dst = tmp;
	for (size_t width = RUN; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi) {
				/* Branch-free: select a pointer, copy once. */
				bool right = ord(&src[j]) < ord(&src[i]);
				dst[k++] = *(right ? &src[j] : &src[i]);
				j += right;
				i += !right;
			}
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		node *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof *a);
}

/* Files x under its bucket: the heap, a bucket of the window, or the
   overflow. */
static int file_node(sim_queue *q, node x)
{
	uint64_t b = bucket_of(q, x.tbits);
	if (b <= q->current)
		return heap_push(q, x);
	if (b >= q->window_end) {
		if (array_append(&q->overflow, x) != 0)
			return -1;
		q->overflow_min = b < q->overflow_min ? b : q->overflow_min;
		return 0;
	}
	return bucket_append(q, &q->buckets[b & (q->bucket_count - 1)], x);
}

/* Every entry, moved out of the queue into one heap-shaped block (so that
   the block can become the heap if nothing else can be allocated). */
typedef struct gathered {
	void *block;
	node *items;
	size_t n;
} gathered;

/* Moves every entry into a new block; returns -1 (queue unchanged) when
   there is no memory for it. */
static int gather_all(sim_queue *q, gathered *g)
{
	settle(q);
	size_t n = q->total;
	g->block = alloc_nodes(PAD_ENTRIES + n + ARITY);
	if (!g->block)
		return -1;
	g->items = (node *)g->block + PAD_ENTRIES;
	g->n = n;
	node *all = g->items;
	memcpy(all, q->heap, q->count * sizeof *all);
	size_t k = q->count;
	for (size_t i = 0; i < q->count; i++)
		heap_nodes(q)[i] = SENTINEL;
	q->count = 0;
	/* Bucket arrays are freed, not kept: their sizes fit the old width,
	   and holding them while the new ones fill would double the peak. */
	for (size_t b = 0; b < q->bucket_count; b++) {
		sim_queue_array *a = &q->buckets[b];
		if (a->count) /* items may be NULL when empty */
			memcpy(all + k, a->items, a->count * sizeof *all);
		k += a->count;
		free(a->items);
		*a = (sim_queue_array){ NULL, 0, 0 };
	}
	q->in_buckets = 0;
	if (q->overflow.count)
		memcpy(all + k, q->overflow.items, q->overflow.count * sizeof *all);
	k += q->overflow.count;
	q->overflow.count = 0;
	size_t left = q->run_len - q->run_pos;
	if (left)
		memcpy(all + k, (node *)q->run + q->run_pos, left * sizeof *all);
	k += left;
	free(q->run);
	q->run = NULL;
	q->run_pos = q->run_len = 0;
	assert(k == n);
	for (size_t i = n; i < n + ARITY; i++)
		all[i] = SENTINEL;
	return 0;
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

static size_t capacity_for(size_t count)
{
	size_t cap = 4;
	while (cap < count)
		cap *= 2;
	return cap;
}

/* Last resort when memory runs out while refiling: an infinite width, and
   the gathered block itself becomes the heap. Allocates nothing, loses
   nothing; only slower. */
static void refile_as_heap(sim_queue *q, gathered *g)
{
	for (size_t b = 0; b < q->bucket_count; b++) {
		free(q->buckets[b].items);
		q->buckets[b] = (sim_queue_array){ NULL, 0, 0 };
	}
	q->in_buckets = 0;
	q->overflow.count = 0;
	q->inv_width = 0;
	q->current = 0;
	q->window_end = 1;
	q->overflow_min = UINT64_MAX;
	free(q->block);
	q->block = g->block;
	q->heap = g->items;
	q->capacity = g->n;
	q->count = g->n;
	q->hole = false;
	heapify(q);
}

/* The calendar's geometry for the n entries at all: *inv_width (0: no
   calendar, everything in the heap) from the spread of the nearer 90% of
   a sample of up to 512 entries, so that far outliers go to the overflow
   and not into the width; *buckets, a window of about twice that spread;
   *tmin, the earliest time. */
static void choose_width(const sim_queue *q, const node *all, size_t n, double *inv_width,
			 size_t *buckets, double *tmin)
{
	*tmin = INFINITY;
	for (size_t i = 0; i < n; i++)
		*tmin = fmin(*tmin, bits_time(all[i].tbits));
	*inv_width = 0;
	*buckets = 0;
	if (q->kind != SIM_QUEUE_CALENDAR || n < CALENDAR_MIN)
		return;
	enum { SAMPLE = 512 };
	double sample[SAMPLE];
	size_t m = n < SAMPLE ? n : SAMPLE;
	for (size_t i = 0; i < m; i++)
		sample[i] = bits_time(all[i * n / m].tbits);
	qsort(sample, m, sizeof sample[0], compare_doubles);
	double span = sample[m * 9 / 10] - *tmin;
	if (span > 0 && isfinite(span)) {
		double near = 0.9 * (double)n;
		*inv_width = near / (span * SIM_QUEUE_PER_BUCKET);
		*buckets = next_pow2((size_t)(2 * near / SIM_QUEUE_PER_BUCKET));
	}
}

/* Gives every bucket, the overflow, the scratch array and the heap their
   final size for the n entries at all (counted first, so filing them
   cannot fail). False when out of memory. */
static bool size_arrays(sim_queue *q, const node *all, size_t n)
{
	size_t to_heap = 0, to_overflow = 0, largest = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t b = bucket_of(q, all[i].tbits);
		if (b <= q->current)
			to_heap++;
		else if (b >= q->window_end)
			to_overflow++;
		else
			q->buckets[b & (q->bucket_count - 1)].count++;
	}
	bool ok = true;
	for (size_t b = 0; b < q->bucket_count && ok; b++) {
		sim_queue_array *a = &q->buckets[b];
		if (a->count) {
			a->capacity = capacity_for(a->count);
			ok = (a->items = malloc(a->capacity * sizeof(node))) != NULL;
			largest = a->capacity > largest ? a->capacity : largest;
			a->count = 0;
		}
	}
	if (ok && to_overflow > q->overflow.capacity) {
		node *items = realloc(q->overflow.items, to_overflow * sizeof(node));
		ok = items != NULL;
		if (ok) {
			q->overflow.items = items;
			q->overflow.capacity = to_overflow;
		}
	}
	if (ok && largest > q->scratch_capacity) {
		void *scratch = realloc(q->scratch, largest * sizeof(node));
		ok = scratch != NULL;
		if (ok) {
			q->scratch = scratch;
			q->scratch_capacity = largest;
		}
	}
	return ok && sim_queue_reserve(q, to_heap) == 0;
}

/* Files the n entries at all into the heap, the buckets and the
   overflow, as sized by size_arrays. */
static void file_entries(sim_queue *q, const node *all, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t b = bucket_of(q, all[i].tbits);
		if (b <= q->current) {
			heap_nodes(q)[q->count++] = all[i];
		} else if (b >= q->window_end) {
			((node *)q->overflow.items)[q->overflow.count++] = all[i];
			q->overflow_min = b < q->overflow_min ? b : q->overflow_min;
		} else {
			sim_queue_array *a = &q->buckets[b & (q->bucket_count - 1)];
			((node *)a->items)[a->count++] = all[i];
			q->in_buckets++;
		}
	}
}

/* Sets up the calendar for the gathered entries, whose spread sets the
   width, and files them. With few entries, or all at one time, the width
   is infinite and everything is in the heap; out of memory, too.
   Deterministic: depends only on the entries. Consumes g. */
static void refile(sim_queue *q, gathered *g)
{
	double inv_width, tmin;
	size_t buckets;
	choose_width(q, g->items, g->n, &inv_width, &buckets, &tmin);
	q->size_at_resize = g->n > CALENDAR_MIN / 2 ? g->n : CALENDAR_MIN / 2;
	q->resizes++;
	if (buckets != q->bucket_count) {
		free(q->buckets);
		q->buckets = NULL;
		q->bucket_count = 0;
		if (buckets) {
			q->buckets = calloc(buckets, sizeof *q->buckets);
			if (!q->buckets) {
				refile_as_heap(q, g);
				return;
			}
			q->bucket_count = buckets;
		}
	}
	q->inv_width = inv_width;
	q->current = inv_width > 0 ? bucket_of(q, time_bits(tmin)) : 0;
	q->window_end = inv_width > 0 ? q->current + buckets : 1;
	q->overflow_min = UINT64_MAX;
	if (!size_arrays(q, g->items, g->n)) {
		refile_as_heap(q, g);
		return;
	}
	file_entries(q, g->items, g->n);
	heapify(q);
	free(g->block);
}

/* Re-estimates the width from the pending entries. Without memory to do
   so the queue is left as it is: still correct, only slower. */
static void resize(sim_queue *q)
{
	gathered g;
	if (gather_all(q, &g) == 0)
		refile(q, &g);
}

/* Moves every overflow entry that the window now covers into its bucket.
   Called when the window reaches the earliest overflow entry; what stays
   lies a whole window ahead, so this runs about once per window length. */
static void migrate(sim_queue *q)
{
	node *items = q->overflow.items;
	size_t n = q->overflow.count, kept = 0;
	q->overflow_min = UINT64_MAX;
	for (size_t i = 0; i < n; i++) {
		uint64_t b = bucket_of(q, items[i].tbits);
		if (b >= q->window_end) {
			items[kept++] = items[i];
			q->overflow_min = b < q->overflow_min ? b : q->overflow_min;
		} else if (b <= q->current) {
			/* Only when the window jumped to this very bucket. */
			if (heap_push(q, items[i]) != 0)
				goto out_of_memory;
		} else if (bucket_append(q, &q->buckets[b & (q->bucket_count - 1)], items[i]) != 0) {
			goto out_of_memory;
		}
		continue;
out_of_memory:
		/* Keep the entry (order is lost, but nothing is) and say so. */
		q->oom = true;
		items[kept++] = items[i];
	}
	q->overflow.count = kept;
}

/* Moves the window to bucket b (> current). */
static void move_window(sim_queue *q, uint64_t b)
{
	q->current = b;
	q->window_end = b + q->bucket_count;
}

/* Sorts the run, which holds bucket b. Entries spread over the bucket's
   width, so a counting sort on the position inside the bucket (one
   sub-bucket per entry or so) leaves them nearly sorted, and an insertion
   sort finishes in about one comparison each: O(n). Entries arrive in
   sequence order and the counting sort is stable, so equal times stay in
   key order for free. When the entries crowd into few sub-buckets (times
   far from uniform inside the bucket) the merge sort is used instead. */
static void sort_bucket(sim_queue *q, uint64_t b)
{
	enum { MAX_SUB = 4096, CROWDED = 16 };
	node *a = q->run, *tmp = q->scratch;
	size_t n = q->run_len;
	if (n < 16 || n > MAX_SUB) {
		sort_nodes(a, tmp, n);
		return;
	}
	size_t subs = 16;
	while (subs < n)
		subs *= 2;
	uint32_t start[MAX_SUB + 1];
	uint16_t sub[MAX_SUB];
	memset(start, 0, (subs + 1) * sizeof start[0]);
	double scale = (double)subs, base = (double)b;
	for (size_t i = 0; i < n; i++) {
		double x = (bits_time(a[i].tbits) * q->inv_width - base) * scale;
		size_t k = x <= 0 ? 0 : x >= scale ? subs - 1 : (size_t)x;
		sub[i] = (uint16_t)k;
		start[k + 1]++;
	}
	uint32_t most = 0;
	for (size_t k = 1; k <= subs; k++) {
		most = start[k] > most ? start[k] : most;
		start[k] += start[k - 1];
	}
	if (most > CROWDED) {
		sort_nodes(a, tmp, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		tmp[start[sub[i]]++] = a[i];
	for (size_t i = 0; i < n; i++) {
		node x = tmp[i];
		order_bits ox = ord(&x);
		size_t j = i;
		while (j > 0 && ord(&a[j - 1]) > ox) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
}

/* Makes the earliest non-empty bucket the sorted run, when both the run
   and the heap are exhausted. Returns false when the queue is empty. */
static bool advance(sim_queue *q)
{
	size_t mask = q->bucket_count - 1;
	while (q->count == 0 && q->run_pos == q->run_len) {
		if (q->in_buckets == 0) {
			if (q->overflow.count == 0)
				return false;
			/* Nothing in the window: jump to the overflow's earliest
			   bucket and bring that part of the future in. */
			move_window(q, q->overflow_min);
			migrate(q);
			continue;
		}
		uint64_t b = q->current + 1;
		while (q->buckets[b & mask].count == 0 && b < q->overflow_min)
			b++;
		move_window(q, b);
		if (b >= q->overflow_min)
			migrate(q); /* entries of bucket b itself go to the heap */
		sim_queue_array *a = &q->buckets[b & mask];
		if (a->count) {
			/* The bucket's own array becomes the run: no copy. */
			free(q->run);
			q->run = a->items;
			q->run_pos = 0;
			q->run_len = a->count;
			q->in_buckets -= a->count;
			*a = (sim_queue_array){ NULL, 0, 0 };
			sort_bucket(q, b);
		}
	}
	return true;
}

/* ---- the public operations -------------------------------------------- */

int sim_queue_init(sim_queue *q, size_t capacity, sim_queue_kind kind)
{
	memset(q, 0, sizeof *q);
	q->kind = kind;
	q->window_end = 1;
	q->overflow_min = UINT64_MAX;
	q->size_at_resize = CALENDAR_MIN / 2;
	return sim_queue_reserve(q, capacity < 16 ? 16 : capacity);
}

void sim_queue_close(sim_queue *q)
{
	for (size_t b = 0; b < q->bucket_count; b++)
		free(q->buckets[b].items);
	free(q->buckets);
	free(q->overflow.items);
	free(q->run);
	free(q->scratch);
	free(q->block);
	memset(q, 0, sizeof *q);
}

static inline node to_node(const sim_queue_entry *e)
{
	return (node){ time_bits(e->time), e->key, e->data, e->tag, e->aux };
}

static inline void to_entry(const node *n, sim_queue_entry *e)
{
	*e = (sim_queue_entry){ bits_time(n->tbits), n->key, n->data, n->tag, n->aux };
}

/* Everything but the common case of sim_queue_push; kept out of line so
   the common case stays small. */
static __attribute__((noinline)) int push_slow(sim_queue *q, node x)
{
	if (q->total >= 2 * q->size_at_resize && q->kind == SIM_QUEUE_CALENDAR)
		resize(q);
	int rc = q->inv_width == 0 ? heap_push(q, x) : file_node(q, x);
	q->total += rc == 0;
	return rc;
}

int sim_queue_push(sim_queue *q, const sim_queue_entry *e)
{
	assert(e->time >= 0 && "queue times are never negative or NaN");
	node x = to_node(e);
	/* The common case: a later bucket of the window, with room. */
	if (q->inv_width != 0 && q->total < 2 * q->size_at_resize) {
		uint64_t b = bucket_of(q, x.tbits);
		sim_queue_array *a = &q->buckets[b & (q->bucket_count - 1)];
		if (b > q->current && b < q->window_end && a->count < a->capacity) {
			((node *)a->items)[a->count++] = x;
			q->in_buckets++;
			q->total++;
			return 0;
		}
	}
	return push_slow(q, x);
}

/* The smallest pending node, from the run or the heap (settled), or NULL
   when the queue is empty; *from_run says which. */
static node *front(sim_queue *q, bool *from_run)
{
	settle(q);
	if (q->count == 0 && q->run_pos == q->run_len) {
		if (q->kind == SIM_QUEUE_CALENDAR && q->size_at_resize > CALENDAR_MIN &&
		    q->total < q->size_at_resize / 4)
			resize(q);
		if (!advance(q))
			return NULL;
	}
	node *r = q->run_pos < q->run_len ? (node *)q->run + q->run_pos : NULL;
	node *h = q->count ? heap_nodes(q) : NULL;
	*from_run = r && (!h || ord(r) < ord(h));
	return *from_run ? r : h;
}

bool sim_queue_pop(sim_queue *q, sim_queue_entry *out)
{
	bool from_run;
	node *n = front(q, &from_run);
	if (!n)
		return false;
	to_entry(n, out);
	if (from_run)
		q->run_pos++;
	else
		q->hole = true;
	q->total--;
	return true;
}

const sim_queue_entry *sim_queue_peek(sim_queue *q)
{
	bool from_run;
	node *n = front(q, &from_run);
	if (!n)
		return NULL;
	to_entry(n, &q->peeked);
	return &q->peeked;
}

static size_t filter_array(node *items, size_t n,
			   bool (*keep)(const sim_queue_entry *, void *), void *ctx)
{
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		sim_queue_entry e;
		to_entry(&items[i], &e);
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
	if (q->run_len > q->run_pos) {
		node *rest = (node *)q->run + q->run_pos;
		q->run_len = q->run_pos + filter_array(rest, q->run_len - q->run_pos, keep, ctx);
	}
	q->total = q->count + q->in_buckets + q->overflow.count + q->run_len - q->run_pos;
}
