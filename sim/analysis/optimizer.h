/*
 * optimizer.h - maximise or minimise one metric's mean over a fixed set
 * of replications (common random numbers make it a deterministic function
 * of the settings) within box bounds.
 *
 * One setting: GSL's Brent minimiser (gsl_min_fminimizer_brent) on a
 * bracket found from the start point or the coarse grid; when no interior
 * bracket exists the best end of the grid/bound is taken and flagged.
 * Several settings: GSL's Nelder-Mead (gsl_multimin_fminimizer_nmsimplex2)
 * on unbounded variables z mapped into the box by
 * x = lo + (hi - lo) (1 + sin z) / 2, so every point it tries is feasible.
 * Optionally started from the best point of a coarse grid (all points of
 * the grid evaluated in one batch, so they run in parallel). Without a
 * grid, the 1-D bracket starts from lo, start, hi (one batch) and shrinks
 * golden-section fashion toward the better end until its middle is below
 * both ends; when it narrows to the tolerance first, the optimum is that
 * end (flagged on_bound when it is a bound, converged). In N-D a start
 * at a bound is moved 1% of the range inside (sin's derivative is 0
 * there); the first simplex steps 0.5 rad along each z. The optimum is
 * the best point evaluated. Every point goes through ev->evaluate once:
 * the search keeps the values it has (exact match of x). Then the
 * optimum is re-estimated on `confirm` fresh replications (indices
 * replications .. replications + confirm - 1), mean with a 95% t interval.
 */
#ifndef SIM_ANALYSIS_OPTIMIZER_H
#define SIM_ANALYSIS_OPTIMIZER_H

#include <stdbool.h>

#include "evaluator.h"

typedef struct sim_opt_problem {
	const sim_evaluator *ev;
	const sim_bounds *bounds;  /* ev->dim of them */
	size_t metric;          /* which of ev->metrics is the objective */
	bool maximize;
	size_t replications;    /* the search's replications: 0 .. replications-1 */
	size_t confirm;         /* fresh replications for the final estimate (0: none) */
	size_t grid;            /* coarse grid: values per setting (0 or 1: none) */
	size_t max_evaluations; /* points evaluated by the search, grid excluded
				   (a point already evaluated is not counted
				   again); at least dim + 2, the first bracket
				   or simplex */
	double tolerance;       /* in (0, 1), relative to each setting's range:
				   stop when the bracket (1-D) is narrower than
				   tolerance x range, or the simplex (N-D) has
				   GSL's size (mean distance of the vertices
				   from their centre, in radians of z) below
				   2 x tolerance, which keeps every setting
				   within tolerance x range since
				   |dx/dz| <= range / 2; also what on_bound
				   means */
} sim_opt_problem;

/* One point the optimiser evaluated, in order. */
typedef struct sim_opt_step {
	double *x;          /* dim values (heap) */
	double value;       /* the objective's mean over the search replications */
	int phase;          /* 0 grid, 1 search, 2 confirm */
} sim_opt_step;

typedef struct sim_opt_result {
	size_t dim;
	double *x;              /* the optimum (heap, dim values) */
	double value;           /* the objective there, search replications */
	double confirm_mean, confirm_lo, confirm_hi; /* fresh replications, 95% CI
							 (NaN when confirm 0) */
	double confirm_sd;
	bool *on_bound;         /* per setting: within tolerance of lo or hi */
	bool converged;         /* stopped by the tolerance, not the budget */
	size_t evaluations;     /* points evaluated (grid, search) */
	size_t nsteps;
	sim_opt_step *steps;    /* the search path, heap */
} sim_opt_result;

/* Runs the search. Returns 0 (res filled; free with sim_opt_result_free),
   SIM_EVAL_STOPPED, or -1 with err (a NaN mean of the objective at a
   point is an error; a problem that makes no sense - bounds, metric
   index, zero replications, tolerance, budget, a grid over 10^6 points -
   is a SIM_ERROR_CONFIG one). On failure res holds nothing to free. */
int sim_optimize(const sim_opt_problem *p, sim_opt_result *res, sim_error *err);
void sim_opt_result_free(sim_opt_result *res);

#endif
