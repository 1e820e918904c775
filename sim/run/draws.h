/*
 * draws.h - parameter uncertainty: the settings `marketsim calibrate`
 * fitted (the experiment's `fitted` list and `fitted_correlation`), drawn
 * for each replication from their estimated sampling distribution
 * N(value, D C D), D = diag(se), C the correlation.
 *
 * A replication's draw is a pure function of (the experiment's seed, the
 * replication's index) and the plan: its own random stream
 * (SIM_DRAWS_STREAM, which no model uses), so it is the same in every
 * process, for any -j or MPI rank count, and after --resume. A vector with
 * a value outside its setting's range (the schema's min/max) is drawn
 * again, whole, up to SIM_DRAWS_TRIES times (a truncated normal); the
 * last is then clamped. An entry whose se is 0 is not drawn: it keeps its
 * value (experiment.c gives se 0 to an entry a --set or a point names).
 */
#ifndef SIM_RUN_DRAWS_H
#define SIM_RUN_DRAWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_config.h"

/* The draws' stream id under (seed, replication): "pdraws" in ASCII,
   far above the small ids the models number their streams with. */
#define SIM_DRAWS_STREAM UINT64_C(0x706472617773)
/* How many whole vectors are drawn before the last is clamped. */
#define SIM_DRAWS_TRIES 100

/* One entry of the `fitted` list. */
typedef struct sim_fitted {
	char *path;   /* the setting, as --set names it */
	double value; /* the estimate */
	double se;    /* its standard error (0: not drawn) */
} sim_fitted;

/* What drawing needs, checked against the schema once. */
typedef struct sim_draws {
	size_t k;             /* fitted settings */
	const sim_fitted *fitted; /* k, borrowed from the experiment's params */
	double *lo, *hi;      /* k: each setting's allowed range, inclusive */
	bool *integer;        /* k: an INT setting (its draw is rounded) */
	double *chol;         /* k * k: C's lower Cholesky factor, row-major */
} sim_draws;

/* How often a replication's draw left the settings' ranges. */
typedef struct sim_draws_count {
	size_t redrawn; /* vectors drawn again */
	size_t clamped; /* values clamped after SIM_DRAWS_TRIES vectors */
} sim_draws_count;

/* Builds d from the resolved `fitted` list and correlation (n numbers:
   0 means independent, else k * k, row-major): each path an INT or FLOAT
   setting under `group.` (the model's), C symmetric with unit diagonal and
   positive definite. A config error at the entry, or at
   fitted_correlation, when not; 0 otherwise. Free with sim_draws_free. */
int sim_draws_plan(sim_draws *d, const sim_schema *root, void *params, const char *group,
		   const sim_list *fitted, const sim_numbers *corr, const sim_config *cfg,
		   sim_error *err);
void sim_draws_free(sim_draws *d);

/* Replication r's values (k) into v, counting into *count (may be NULL).
   -1 with err only when the stream cannot be made. */
int sim_draws_draw(const sim_draws *d, uint64_t seed, uint64_t replication, double *v,
		   sim_draws_count *count, sim_error *err);

/* Writes v into the settings of params (laid out by root), keeping what
   they held in saved (k); sim_draws_restore puts it back. */
void sim_draws_apply(const sim_draws *d, const sim_schema *root, void *params, const double *v,
		     double *saved);
void sim_draws_restore(const sim_draws *d, const sim_schema *root, void *params,
		       const double *saved);

#endif
