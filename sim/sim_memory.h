/*
 * sim_memory.h - engine-internal allocation of large, hot arrays.
 *
 * The event queue and the event pool are read at random positions once per
 * event; at hundreds of thousands of pending events every such read on 4 KiB
 * pages also misses the TLB. Blocks of 2 MiB and more are therefore aligned
 * to 2 MiB and offered to the kernel for transparent huge pages
 * (madvise(MADV_HUGEPAGE); a no-op where THP is off). Smaller blocks are
 * aligned to a cache line. Free with free().
 */
#ifndef SIM_MEMORY_H
#define SIM_MEMORY_H

#include <stddef.h>

/* Allocates `bytes` (> 0) aligned as above, or returns NULL. */
void *sim__alloc_hot(size_t bytes);

#endif
