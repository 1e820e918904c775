/*
 * mkt_diffusion.h - Bass diffusion of developers onto the platform.
 *
 * New developers join with hazard (p + q A/N)(N - A): p is innovation (the
 * pull of advertising and word of the platform), q imitation (the pull of
 * those already on it), N the market potential and A the number adopted,
 * all in agent units (an agent may stand for `scale` real developers).
 * Between two adoptions the hazard is constant, so the process is a pure
 * jump Markov chain: the gap to the next adoption is exponential with that
 * rate. Its mean follows Bass's closed form
 *     F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})
 * up to an O(1/N) term, which tests/test_market_diffusion.c checks.
 */
#ifndef MKT_DIFFUSION_H
#define MKT_DIFFUSION_H

#include <stdint.h>

#include "sim_rng.h"

/* Bass's closed form: the fraction of the potential adopted by time t >= 0
   (p > 0, q >= 0, in the same time unit as t). */
double mkt_bass_fraction(double t, double p, double q);

/* The Bass process in agent units. */
typedef struct mkt_bass {
	double p, q;        /* per day */
	uint64_t potential; /* N */
	uint64_t adopted;   /* A */
} mkt_bass;

/* The adoption hazard (p + q A/N)(N - A), per day. */
double mkt_bass_rate(const mkt_bass *b);

/* Days until the next adoption, drawn from rng; INFINITY when everyone has
   adopted. Does not change b: the caller counts the adoption. */
double mkt_bass_next_gap(const mkt_bass *b, const sim_rng *rng);

#endif
