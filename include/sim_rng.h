/*
 * sim_rng.h - reproducible random-number streams on top of GSL.
 *
 * A stream is a GSL generator (gsl_rng_taus2: 24 bytes of state, fast,
 * period ~2^88) whose starting state is a documented function of the
 * triple (master seed, replication index, stream id):
 *
 *     h1    = mix(master + G)
 *     h2    = mix((h1 ^ replication) + 3G)
 *     key   = mix((h2 ^ stream) + 5G)                          (64 bits)
 *     words = splitmix64 sequence started at key, three draws
 *             (state += G; word = mix(state))
 *     state = (w1, w2, w3) of taus2, each kept to its low 32 bits and
 *             raised to taus2's minimum (2, 8, 16) when below it
 *
 * where arithmetic is modulo 2^64, G = 0x9e3779b97f4a7c15 (the golden-ratio
 * increment) and mix is the splitmix64 finaliser
 *     z ^= z >> 30; z *= 0xbf58476d1ce4e5b9; z ^= z >> 27;
 *     z *= 0x94d049bb133111eb; z ^= z >> 31.
 * The per-stage constants keep the all-zero triple off mix's fixed point 0
 * and make the three stages different functions. The state is written
 * directly (not with gsl_rng_set, which keeps only 32 bits of seed for
 * taus2), so streams share a state only if their 64-bit keys collide.
 * tests/test_rng.c pins the key and first draws of (42, 0, 0).
 *
 * The same triple always gives the same sequence; creating streams in
 * another order, or in another process, changes nothing, which is what
 * makes common random numbers across sweep points and results independent
 * of the number of workers possible.
 *
 * Distribution helpers wrap GSL's samplers (gsl_ran_*); none is hand-written.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim_error.h"

/* A random stream. The gsl_rng is public so models can call any GSL
   sampler directly; sim_rng owns it. */
typedef struct sim_rng {
	gsl_rng *gen;
	uint64_t key; /* the 64-bit key derived from the triple */
} sim_rng;

/* The documented seed derivation: the 64-bit key of (master, replication,
   stream). Pure function. */
uint64_t sim_rng_key(uint64_t master_seed, uint64_t replication,
		     uint64_t stream_id);

/* Initialises *rng as the stream of the triple. Returns 0, or -1 with err
   filled (kind RUNTIME) when GSL cannot allocate or its taus2 state is not
   the expected three unsigned longs; rng->gen is then NULL. */
int sim_rng_init(sim_rng *rng, uint64_t master_seed, uint64_t replication,
		 uint64_t stream_id, sim_error *err);

/* Restarts the stream at the start of its sub-stream (a, b): a sequence
   that depends only on the stream's triple and (a, b), however many draws
   were made before. Why: common random numbers hold only as far as each
   random quantity keeps its draws when a setting changes; a model that
   draws agent a's k-th event from sub-stream (a, k) keeps every other
   agent's draws when one agent draws more or less. Costs three splitmix64
   steps; allocates nothing. */
void sim_rng_restart(sim_rng *rng, uint64_t a, uint64_t b);
/* Releases the generator; safe on a zeroed or already-closed sim_rng. */
void sim_rng_close(sim_rng *rng);

/* Uniform on [0, 1). */
static inline double sim_rng_uniform(const sim_rng *rng)
{
	return gsl_rng_uniform(rng->gen);
}

/* Uniform integer in [0, n), n >= 1 (n may exceed 2^32: then two 32-bit
   draws with rejection, still unbiased). */
uint64_t sim_rng_uniform_int(const sim_rng *rng, uint64_t n);

/* true with probability p (p in [0, 1]). */
static inline int sim_rng_bernoulli(const sim_rng *rng, double p)
{
	return gsl_rng_uniform(rng->gen) < p;
}

/* Exponential with the given mean (> 0). */
static inline double sim_rng_exponential(const sim_rng *rng, double mean)
{
	return gsl_ran_exponential(rng->gen, mean);
}

/* Lognormal parameterised by its own mean (> 0) and sd (>= 0), not by the
   mean and sd of the underlying normal. sd == 0 returns mean (and
   consumes no draw). */
double sim_rng_lognormal(const sim_rng *rng, double mean, double sd);

/* Gamma with shape k > 0 and scale theta > 0 (mean k*theta). */
double sim_rng_gamma(const sim_rng *rng, double shape, double scale);

/* Standard normal (GSL's ziggurat). */
static inline double sim_rng_gaussian(const sim_rng *rng)
{
	return gsl_ran_gaussian_ziggurat(rng->gen, 1.0);
}

/* Poisson with mean >= 0. */
unsigned int sim_rng_poisson(const sim_rng *rng, double mean);

/* Geometric on {1, 2, ...}: trials up to and including the first success,
   success probability p in (0, 1]. */
unsigned int sim_rng_geometric(const sim_rng *rng, double p);

/* Gumbel (type 1, maximum) with location mu and scale beta > 0: mode mu,
   mean mu + 0.5772 beta. Drawn as mu + beta * gsl_ran_gumbel1(r, 1, 1),
   i.e. GSL's a = 1/beta, b = exp(mu/beta) without overflowing exp. */
double sim_rng_gumbel(const sim_rng *rng, double location, double scale);

/* A categorical distribution over {0, ..., n-1}, preprocessed once
   (Walker's alias table, gsl_ran_discrete) and then sampled in O(1). */
typedef struct sim_categorical sim_categorical;

/* Builds the table from n >= 1 finite non-negative weights (not all zero;
   they need not sum to 1). Returns NULL with err filled: kind CONFIG on bad
   weights, e.g. "categorical weights: weight 2 is negative (-0.5)" (0-based
   index; err->path is left empty for the caller to fill), kind RUNTIME when
   out of memory. */
sim_categorical *sim_categorical_new(const double *weights, size_t n,
				     sim_error *err);
void sim_categorical_free(sim_categorical *cat); /* NULL: no-op */
size_t sim_categorical_draw(const sim_categorical *cat, const sim_rng *rng);

#endif
