/*
 * sim_progress.h - progress of a long run on stderr.
 *
 * On a terminal: one line redrawn in place, at most five times a second,
 * with a bar, units done of total, elapsed time, an estimate of the time
 * left and the event rate. Elsewhere (a log file, CI): a plain line every
 * ten seconds and one at the end. Quiet: nothing at all.
 */
#ifndef SIM_PROGRESS_H
#define SIM_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct sim_progress sim_progress;

/* Starts reporting `total` units (replications, points) named `unit`
   ("replications") of the task `label` to f. Returns NULL when quiet or
   out of memory; every function accepts NULL and does nothing. */
sim_progress *sim_progress_new(FILE *f, bool quiet, const char *label, const char *unit,
			       size_t total);
/* `done` units finished so far, `events` engine events so far. */
void sim_progress_update(sim_progress *p, size_t done, uint64_t events);
/* The total has changed (more replications planned); `detail` (may be
   NULL) is shown after the counts, e.g. "points 3/17". */
void sim_progress_retotal(sim_progress *p, size_t total, const char *detail);
/* Prints the final state and frees p. */
void sim_progress_finish(sim_progress *p);

#endif
