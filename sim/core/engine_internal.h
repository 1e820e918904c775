/*
 * sim_engine_internal.h - engine internals exposed to the engine's own
 * tests only; not part of the public surface in include/.
 */
#ifndef SIM_ENGINE_INTERNAL_H
#define SIM_ENGINE_INTERNAL_H

#include "sim_engine.h"

/* Number of times cancelled entries were purged from the queue. */
uint64_t sim__engine_compactions(const sim_engine *eng);

#endif
