/*
 * calibrator.h - simulated method of moments: the settings that bring
 * the model's targets closest to what was observed, with standard errors.
 *
 * Loss(x) = sum over fit targets i of ((m_i(x) - o_i) / s_i)^2, where
 * m_i(x) is target i's mean over replications 0 .. R-1 at x (common
 * random numbers: deterministic in x), o_i the observed figure and s_i
 * its tolerance in the figure's unit (weights W = diag(1 / s_i^2)).
 * Minimised by GSL's Nelder-Mead (nmsimplex2) on z with
 * x = lo + (hi - lo) (1 + sin z) / 2 (always inside the bounds), from the
 * start point, then `restarts` more times from the best point so far
 * with a fresh simplex (Nelder-Mead can stall on a false minimum).
 *
 * Standard errors: J = dm/dx at the estimate by central differences
 * (step h x (hi - lo), evaluated in one batch), the sandwich
 *     V = (J'WJ)^-1 J'W Omega W J (J'WJ)^-1,
 * with Omega = S / R + S / observed_draws (+ diag(s_i^2) when
 * tolerance_as_sd), S the covariance over replications of the fit
 * targets at the estimate: the observed figures are read as the mean of
 * `observed_draws` draws of the model's own process (1: one realisation
 * of the world, the usual SMM case; Gourieroux & Monfort 1996, McFadden
 * 1989), the simulated ones as the mean of R. se_j = sqrt(V_jj), corr =
 * V_jk / (se_j se_k). Holdout targets are never in the loss, J or S:
 * they are reported (mean, residual) as an out-of-sample check.
 *
 * Each search's first simplex is evaluated in one batch, and every point
 * is evaluated once (a revisit is answered from the points kept). A
 * setting within h/2 of a bound is differenced one-sidedly, to second
 * order from x + h and x + 2h. With R = 1, S cannot be estimated: the
 * fit runs, se, cov, corr and sd are NaN. A setting no fit target moves,
 * collinear columns of J (J'WJ scaled to unit diagonal with reciprocal
 * condition below 1e-10) or a NaN at a difference point leave
 * identified false and se NaN.
 */
#ifndef SIM_ANALYSIS_CALIBRATOR_H
#define SIM_ANALYSIS_CALIBRATOR_H

#include <stdbool.h>

#include "evaluator.h"

typedef struct sim_calib_target {
	const char *name;
	double observed;
	double scale;   /* > 0: the residual is (mean - observed) / scale */
	bool fit;       /* false: held out of the fit */
} sim_calib_target;

typedef struct sim_calib_problem {
	const sim_evaluator *ev;          /* metric i is target i */
	const sim_calib_target *targets;  /* ev->metrics of them */
	const sim_bounds *bounds;         /* ev->dim of them */
	size_t replications;      /* R: replications 0 .. R-1 at every point */
	size_t restarts;          /* fresh simplexes after the first search */
	size_t max_evaluations;   /* per search */
	double tolerance;         /* simplex size (nmsimplex2's characteristic
				     size, in z) at which a search stops */
	double step;              /* finite-difference step, fraction of range,
				     in (0, 0.25] */
	double observed_draws;    /* > 0; INFINITY: the observed figures are exact */
	bool tolerance_as_sd;     /* add diag(s_i^2) to Omega */
} sim_calib_problem;

typedef struct sim_calib_result {
	size_t dim, ntargets;
	double *x;          /* the estimate (dim) */
	double *se;         /* standard errors (dim; NaN when not identified) */
	double *cov;        /* V, dim x dim row-major */
	double *corr;       /* dim x dim */
	double loss;        /* at the estimate, fit targets only */
	double holdout_loss;/* the same sum over holdout targets */
	double *mean;       /* each target's mean at the estimate (ntargets) */
	double *sd;         /* its sd over the replications */
	double *residual;   /* (mean - observed) / scale */
	double *jacobian;   /* ntargets x dim: d mean_i / d x_j */
	bool identified;    /* J'WJ was invertible (rank dim) */
	bool converged;     /* the last search stopped by the tolerance */
	size_t evaluations; /* points evaluated in all: the path's, then the
			       2 dim of the finite differences */
	size_t nsteps;
	double *path;       /* nsteps x (dim + 1): each point the searches
			       evaluated, in order, then its loss (+INFINITY
			       where a fit target was NaN) */
} sim_calib_result;

/* Runs the fit. Refuses (-1, err kind CONFIG) more settings than fit
   targets. Returns 0 (res filled; free with sim_calib_result_free),
   SIM_EVAL_STOPPED, or -1 with err. */
int sim_calibrate(const sim_calib_problem *p, sim_calib_result *res, sim_error *err);
void sim_calib_result_free(sim_calib_result *res);

#endif
