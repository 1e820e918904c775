/*
 * sim_engine_internal.h - engine internals exposed to the engine's own
 * tests only; not part of the public surface in include/.
 */
#ifndef SIM_ENGINE_INTERNAL_H
#define SIM_ENGINE_INTERNAL_H

#include "sim_engine.h"

/* Lowers the sequence-number limit at which pending events are renumbered
   (normally 2^36), so tests can exercise renumbering. */
void sim__engine_set_seq_limit(sim_engine *eng, uint64_t limit);

/* Number of times the pending set was renumbered / compacted. */
uint64_t sim__engine_renumbers(const sim_engine *eng);
uint64_t sim__engine_compactions(const sim_engine *eng);

#endif
