/*
 * draws.h - parameter uncertainty: the settings `marketsim calibrate`
 * fitted (the experiment's `fitted` list and `fitted_correlation`) and
 * those the modeller assumed (its `assumed` list, each with a prior sd),
 * drawn for each replication from N(value, D C D), D = diag(se): C is
 * block-diagonal, fitted_correlation for the fitted block and the
 * identity for the assumed one (an assumption is independent of every
 * other setting).
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

/* One entry of the `fitted` list, or of the `assumed` one (the same
   schema: the assumed value and its prior sd). */
typedef struct sim_fitted {
	char *path;   /* the setting, as --set names it */
	double value; /* the estimate */
	double se;    /* its standard error (0: not drawn) */
} sim_fitted;

/* What drawing needs, checked against the schema once. */
typedef struct sim_draws {
	size_t k;             /* settings: the fitted, then the assumed */
	size_t fitted_k;      /* entries [0, fitted_k) are `fitted`, the rest
				 `assumed` */
	sim_fitted *entries;  /* k, copies of the lists' entries; the paths
				 are borrowed from the experiment's params */
	double *lo, *hi;      /* k: each setting's allowed range, inclusive */
	bool *integer;        /* k: an INT setting (its draw is rounded) */
	double *chol;         /* k * k: C's lower Cholesky factor, row-major */
} sim_draws;

/* How often a replication's draw left the settings' ranges. */
typedef struct sim_draws_count {
	size_t redrawn; /* vectors drawn again */
	size_t clamped; /* values clamped after SIM_DRAWS_TRIES vectors */
} sim_draws_count;

/* Builds d from the resolved `fitted` list and its correlation (n
   numbers: 0 means independent, else n_fitted^2, row-major) and the
   `assumed` list (independent of everything): each path an INT or FLOAT
   setting under `group.` (the model's), the correlation symmetric with
   unit diagonal and positive definite. A config error at the entry
   (fitted.[i] or assumed.[i]), or at fitted_correlation, when not; 0
   otherwise. Free with sim_draws_free. */
int sim_draws_plan(sim_draws *d, const sim_schema *root, void *params, const char *group,
		   const sim_list *fitted, const sim_numbers *corr, const sim_list *assumed,
		   const sim_config *cfg, sim_error *err);
/* The list entry i came from: "fitted" or "assumed". */
const char *sim_draws_list(const sim_draws *d, size_t i);
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
