/* memory.c - large hot arrays on huge pages (see sim/sim_memory.h). */
#include "sim_memory.h"

#include <stdlib.h>
#include <sys/mman.h>

enum { CACHE_LINE = 64 };
#define HUGE_PAGE ((size_t)2 << 20)

void *sim__alloc_hot(size_t bytes)
{
	size_t align = bytes >= HUGE_PAGE ? HUGE_PAGE : CACHE_LINE;
	size_t rounded = (bytes + align - 1) / align * align;
	void *p = aligned_alloc(align, rounded);
#ifdef MADV_HUGEPAGE
	if (p && align == HUGE_PAGE)
		madvise(p, rounded, MADV_HUGEPAGE); /* advisory: failure is fine */
#endif
	return p;
}
