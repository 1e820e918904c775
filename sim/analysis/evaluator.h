/*
 * evaluator.h - the simulation as the analyses (optimize, calibrate,
 * sensitivity, equilibrium) see it: a batch of points in, each point's
 * metrics per replication out.
 *
 * A point is a vector of `dim` setting values (in the settings' own
 * units, inside their bounds); what it evaluates is `metrics` numbers per
 * replication. Replication r uses the same random streams at every point
 * (common random numbers), so for a fixed replication range every metric
 * is a deterministic function of the point: the numerics below may treat
 * it as one (Brent, Nelder-Mead, finite differences). A point evaluated
 * twice gives the same values (the driver's store keeps them), which is
 * also how a killed analysis resumes: the algorithm, deterministic, is run
 * again from the start and asks for the same points.
 *
 * The numerics (optimizer.h, calibrator.h, morris.h, sobol.h,
 * equilibrium.h) see only this interface, so their tests use plain C
 * functions in place of the simulation.
 */
#ifndef SIM_ANALYSIS_EVALUATOR_H
#define SIM_ANALYSIS_EVALUATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_error.h"

/* What evaluate returns when a signal asked the work to stop: what was
   done is kept (for --resume), y is not filled, the caller unwinds. */
#define SIM_EVAL_STOPPED 1

typedef struct sim_evaluator {
	size_t dim;     /* values per point */
	size_t metrics; /* values read per point and replication */
	void *ctx;
	/* Runs replications [first, first + count) at each of the n points
	   x[i * dim + j] and fills y[(i * metrics + m) * count + r] with
	   metric m in replication first + r (NaN when the model did not
	   produce it). Returns 0, SIM_EVAL_STOPPED, or -1 with err (a failed
	   replication is an error: the analysis cannot go on without it). */
	int (*evaluate)(void *ctx, size_t n, const double *x, uint64_t first, size_t count,
			double *y, sim_error *err);
} sim_evaluator;

/* One varied setting: its bounds and where a search starts. */
typedef struct sim_bounds {
	double lo, hi;  /* lo < hi, both finite */
	double start;   /* in [lo, hi] */
} sim_bounds;

/* Each of the dim settings has finite bounds lo < hi (and, with_start, a
   start between them); else -1 with a SIM_ERROR_CONFIG err whose message
   starts with `method` and names the setting's index. */
int sim_bounds_check(const char *method, const sim_bounds *b, size_t dim, bool with_start,
		     sim_error *err);

#endif
