/*
 * marketsim.h - everything a model author includes: the public surface of
 * the engine. A model (models/<name>/) is a const sim_model_type table
 * (sim_model.h) whose callbacks use the event engine (sim_engine.h), its
 * random streams (sim_rng.h), a settings schema (sim_config.h), the
 * result tables it records each replication into (sim_table.h), the
 * atomic results folder (sim_results.h), errors (sim_error.h), dates
 * (sim_date.h) and, for a model with observed targets, the validation
 * table it fills (sim_validation.h). Nothing else of sim/ is needed, or reachable: the
 * engine's inside (the queue, the task engine, the store, the report)
 * keeps its headers beside its code.
 *
 * The program registers its models by passing them to sim_cli_main (see
 * models/marketsim.c); adding a model changes nothing in sim/.
 */
#ifndef MARKETSIM_H
#define MARKETSIM_H

#include "sim_config.h"
#include "sim_date.h"
#include "sim_engine.h"
#include "sim_error.h"
#include "sim_model.h"
#include "sim_results.h"
#include "sim_rng.h"
#include "sim_table.h"
#include "sim_validation.h"

#endif
