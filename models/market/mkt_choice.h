/*
 * mkt_choice.h - multinomial logit choice among AI models.
 *
 * A developer picks model i with probability exp(V_i / mu) / sum_j
 * exp(V_j / mu) over the models it may use, V_i being the utility the
 * market model builds (quality, agentic fit, price, latency, errors,
 * origin penalty, visibility, inertia) and mu > 0 the scale of taste noise.
 * Forbidden models (a compliance ban, not yet launched) take V = -INFINITY
 * and are never chosen.
 */
#ifndef MKT_CHOICE_H
#define MKT_CHOICE_H

#include <stddef.h>

#include "sim_rng.h"

/* Fills share[0, n) with the logit probabilities of utilities v[0, n) at
   scale mu (computed stably: the largest utility is subtracted first).
   Returns the number of allowed (finite-utility) options; when it is 0
   the shares are all 0. */
size_t mkt_logit_shares(const double *v, size_t n, double mu, double *share);

/* Draws one option with the logit probabilities, or returns n when no
   option is allowed. One uniform draw; O(n). */
size_t mkt_logit_choose(const double *v, size_t n, double mu, const sim_rng *rng);

#endif
