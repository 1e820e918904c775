/*
 * phold.h - PHOLD, the standard benchmark of discrete-event engines.
 *
 * `lps` logical processes each start with `start_events` events at times
 * lookahead + Exp(mean - lookahead). Handling an event at an LP schedules
 * exactly one successor, lookahead + Exp(mean - lookahead) later, at a
 * destination drawn uniformly over all LPs with probability `remote` and at
 * the LP itself otherwise; so the population of pending events is constant
 * and the mean increment is `mean`. This is the workload of ROSS's
 * models/phold run sequentially (--synch=1 --nlp --start-events --remote
 * --lookahead --mean --end), so the two engines can be compared side by
 * side. Each LP draws from its own random stream (stream id = LP index).
 */
#ifndef PHOLD_H
#define PHOLD_H

#include <stdbool.h>
#include <stdint.h>

#include "sim_model.h"

typedef struct phold_params {
	int64_t lps;
	int64_t start_events;
	double remote;
	double lookahead;
	double mean;
	double end_time;
	bool lp_table;
} phold_params;

extern const sim_model_type phold_model;

#endif
