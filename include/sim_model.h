/*
 * sim_model.h - what a model is to the engine: a const type table.
 *
 * A model (PHOLD, the market) is described by one static const
 * sim_model_type, in the manner of ROSS's tw_lptype and GSL's gsl_rng_type:
 * its name (which is also the name of its settings group in an experiment
 * file), its settings schema, and the callbacks the runner calls in order:
 *
 *     init -> sim_engine_run(horizon) -> write_results -> summarize -> destroy
 *
 * A model that can be replicated gives `record` instead of (or besides)
 * write_results: after each replication it records its results into the
 * run's tables (include/sim_table.h), a fresh engine and state serve the
 * next replication, and once all have run the runner writes the tables
 * with mean, sd and 95% confidence interval per value.
 *
 * The runner owns the engine, the parameters and the output directory; the
 * model owns its state. The program registers its models by passing a
 * NULL-terminated array of them to sim_cli_main (see models/marketsim.c).
 */
#ifndef SIM_MODEL_H
#define SIM_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim_config.h"
#include "sim_engine.h"
#include "sim_error.h"
#include "sim_results.h"
#include "sim_table.h"
#include "sim_validation.h"

/* The most events one replication may be set to execute: a run estimated
   beyond it is refused before it starts (at 10^7 events a second it would
   take a fortnight; past 2^53 a double clock cannot even count them). */
#define SIM_MAX_EVENTS 1e13

/* Bytes a pending event takes in the engine's queue (its 32-byte entry),
   for models' estimates. */
#define SIM_EVENT_BYTES 32

/* What one replication of a model would take, estimated from its
   validated parameters before anything is allocated (see `estimate`
   below). Amounts are doubles: an estimate may exceed every integer type
   (10^21 agents of 12 bytes) and is only compared with a limit. */
typedef struct sim_resource_estimate {
	double bytes;          /* peak memory of one replication */
	char memory[256];      /* what makes it up, for the message, e.g.
				  "the market would hold about 1.0e+15
				  developer agents (...): 4.4e+16 bytes" */
	char memory_setting[64]; /* the setting that drives it, in the
				    model's group ("scale") */
	double events;         /* events one replication executes; 0: not
				  estimated */
	char work[256];        /* what they are, e.g. "about 1.0e+300 events
				  (lps x start_events x end_time / mean)" */
	char events_setting[64]; /* the setting that drives them
				    ("end_time") */
} sim_resource_estimate;

/* What a replication knows about itself. */
typedef struct sim_run_context {
	uint64_t seed;          /* master seed (config `seed`, or --seed) */
	uint64_t replication;   /* replication index, from 0 */
	const char *experiment; /* experiment name */
	/* Verify the model's own invariants (its accounting identities, no
	   NaN in a result) as it goes: set by `--check`, and always in a build
	   with -DSIM_CHECK_INVARIANTS (make sanitize, the test program
	   bin/tests/marketsim-hooks). A model with none ignores it; a violation
	   is a runtime error from the callback that found it (init, a handler
	   through sim_engine_fail, record), which fails the replication. It
	   must not change any result. */
	bool check_invariants;
} sim_run_context;

typedef struct sim_model_type {
	const char *name;    /* registry key and settings group name */
	const char *summary; /* one line for `config-doc` and --help */
	const sim_schema *schema; /* settings under the group `name` */

	/* Builds the model's state from validated params, registers handlers
	   and schedules the initial events. Returns 0, or -1 with err. */
	int (*init)(void **state, sim_engine *eng, const void *params,
		    const sim_run_context *ctx, sim_error *err);

	/* The time at which the run ends (days; INFINITY: when no event is
	   pending). */
	double (*horizon)(const void *params);

	/* Estimates what one replication would take (memory: its agents,
	   pending events and tables; work: the events it executes) from
	   validated params, before anything runs. The runner multiplies the
	   memory by the replications that run at once and refuses a run
	   beyond the memory limit (--max-memory) or SIM_MAX_EVENTS, naming
	   the estimate's setting; `check` does the same. May be NULL: no
	   estimate, no limit. */
	void (*estimate)(const void *params, sim_resource_estimate *out);

	/* Writes the model's result files (tidy CSV) into out; NULL for a model
	   that records tables. Called for the last replication only. */
	int (*write_results)(const void *state, const sim_engine *eng,
			     sim_results *out, sim_error *err);
	/* Records one finished replication into the run's tables. NULL: the
	   model runs one replication only. */
	int (*record)(const void *state, const sim_engine *eng,
		      sim_table_set *tables, sim_error *err);
	/* Writes files derived from all replications' tables (e.g. a wide
	   copy for spreadsheets). May be NULL. */
	int (*write_tables)(const sim_table_set *tables, sim_results *out,
			    sim_error *err);
	/* Checks an experiment against observed targets (`marketsim
	   validate`). With tables NULL (and result NULL): only parses the
	   targets file at path, for errors before anything runs. Else fills
	   result (empty, from sim_validation_init) with the targets file and
	   replication count (sim_validation_set_source) and one row per
	   target (sim_validation_add: its week, the mean and 95% CI over the
	   replications, the observed value, the tolerance and the verdict),
	   and returns the number of targets missed (>= 0), or -1 with err.
	   The model prints nothing: the engine derives validation.txt, the
	   CLI's table, validation.csv, the database's table and the report
	   from result (include/sim_validation.h says why it is a struct of
	   its own, not a sim_table). May be NULL: the model has no targets. */
	int (*validate)(const void *params, const sim_table_set *tables,
			const char *path, sim_validation *result, sim_error *err);

	/* Writes "key = value" lines describing the finished run (used in the
	   manifest). May be NULL. */
	void (*summarize)(const void *state, const sim_engine *eng, FILE *f);

	/* Frees the state; called whenever init succeeded. */
	void (*destroy)(void *state);
} sim_model_type;

/* The command-line program: parses argv, runs the command, returns the exit
   status (0 ok, 1 runtime failure, 2 bad usage or config). */
int sim_cli_main(int argc, char **argv, const sim_model_type *const *registry);

#endif
