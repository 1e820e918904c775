/*
 * equilibrium.h - a pure-strategy price equilibrium by iterated best
 * response.
 *
 * Each player controls some of the settings (its prices) and maximises
 * its own objective (one metric) given the others' settings. Rounds go
 * through the players in order (Gauss-Seidel): each player's best
 * response is found with the optimiser (optimizer.h) over its own
 * settings, the others' held at their current values, under the same
 * replications (common random numbers). The iteration stops when, in a
 * whole round, no setting moved more than `tolerance` x its range
 * (converged: no player can gain by moving alone, up to the optimiser's
 * precision), or when the settings after a round come within that
 * tolerance of those after an earlier round other than the last (a
 * cycle: best responses revisit a profile; reported with its period), or
 * after max_rounds.
 */
#ifndef SIM_ANALYSIS_EQUILIBRIUM_H
#define SIM_ANALYSIS_EQUILIBRIUM_H

#include <stdbool.h>

#include "evaluator.h"

typedef struct sim_eq_player {
	const char *name;
	size_t first, count; /* its settings: x[first .. first + count) */
	size_t metric;       /* its objective, maximised */
} sim_eq_player;

typedef struct sim_eq_problem {
	const sim_evaluator *ev;
	const sim_bounds *bounds;  /* ev->dim; start is the first profile */
	const sim_eq_player *players;
	size_t nplayers;           /* >= 1; players' settings do not overlap */
	size_t replications;
	size_t max_rounds;
	double tolerance;          /* fraction of each setting's range */
	/* each best response: */
	size_t grid, max_evaluations;
	double search_tolerance;
} sim_eq_problem;

typedef struct sim_eq_result {
	size_t dim, metrics, rounds;
	double *x;          /* the last profile (dim) */
	double *values;     /* every metric's mean there (metrics) */
	bool converged;
	size_t cycle;       /* period of a detected cycle in rounds, 0 none */
	/* after round t (t = 0: the start): history[t * dim + j],
	   history_values[t * metrics + m]; rounds + 1 rows */
	double *history, *history_values;
	double max_move;    /* the last round's largest move, fraction of range */
	size_t evaluations; /* points evaluated: every best response's (grid and
			       search) and each history row's profile */
} sim_eq_result;

/* Runs the rounds from the start profile. Each best response is
   sim_optimize (maximising the player's metric, replications 0 ..
   replications-1, no confirming runs, grid, max_evaluations and
   search_tolerance as given) on an evaluator of the player's settings
   alone, which puts them into the current profile and asks the real
   evaluator; the player's settings change only once its search is done.
   Each history row costs one more call (the profile, every metric).
   Returns 0 (res filled; free with sim_eq_result_free), SIM_EVAL_STOPPED,
   or -1 with err; a problem that makes no sense (bounds, players' settings
   missing or shared, metric indices, zero replications or rounds,
   tolerances outside (0, 1), max_evaluations below a player's count + 2)
   is a SIM_ERROR_CONFIG error, refused before anything runs. On failure
   res holds nothing to free. */
int sim_equilibrium(const sim_eq_problem *p, sim_eq_result *res, sim_error *err);
void sim_eq_result_free(sim_eq_result *res);

#endif
