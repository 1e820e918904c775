/*
 * guard.h - resource guards: what a run would take, estimated from its
 * parameters by the model (sim_model_type.estimate), against the limits,
 * before anything runs.
 *
 * Memory: one replication's estimate times the replications that run at
 * once (the workers, at most one per task), plus a sweep's bookkeeping per
 * point, must stay within the memory limit: --max-memory, else
 * SIM_MEMORY_FRACTION of this machine's physical memory. Work: one
 * replication may execute at most SIM_MAX_EVENTS events (sim_model.h).
 * A run beyond either is refused as bad configuration (exit status 2) at
 * the setting the estimate names, with the estimate and the limit.
 */
#ifndef SIM_RUN_GUARD_H
#define SIM_RUN_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "experiment.h"

/* The default memory limit, as a fraction of physical memory. */
#define SIM_MEMORY_FRACTION 0.8

/* Bytes the coordinator keeps per point of a sweep (its progress, the
   points table's row), for the estimate. */
#define SIM_POINT_BYTES 256

/* The memory limit in bytes: opt->max_memory when set, else
   SIM_MEMORY_FRACTION of sysconf's physical memory. *why (may be NULL)
   says which, for messages. */
double sim_guard_memory_limit(const sim_run_options *opt, const char **why);

/* Replications that run at once for `tasks` (point, replication) tasks:
   the workers (-j, capped at the tasks; 1 in this process, and per rank
   under MPI). */
size_t sim_guard_workers(const sim_run_options *opt, size_t tasks);

/* The tasks of x at `points` points: each point's most replications (one
   for a model that does not record them). */
size_t sim_guard_tasks(const sim_experiment *x, size_t points);

/* Checks x's parameters (as they are now: a sweep point's, when the
   sweep's checks set them) against the limits, with `workers` running
   at once and `points` points to keep. 0, or -1 with err (a config
   error at the model's setting). */
int sim_guard_check(const sim_experiment *x, const sim_run_options *opt, size_t workers,
		    size_t points, sim_error *err);

/* Parses a --max-memory SIZE: a positive number with an optional suffix
   K, M, G or T (powers of 1024; "B" or "iB" may follow, any case), e.g.
   "4G", "500M", "1.5GiB", "1048576". 0 with *bytes, or -1. */
int sim_guard_parse_size(const char *text, double *bytes);

/* "19.2 GB" (powers of 1024, as --max-memory reads them), into buf. */
void sim_guard_format_size(double bytes, char *buf, size_t size);

#endif
