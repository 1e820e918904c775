/*
 * rng.c - reproducible random streams on GSL's taus2 (see include/sim_rng.h).
 *
 * Everything here is a thin layer over GSL: the generator is gsl_rng_taus2
 * and every distribution is a gsl_ran_* sampler. What this file adds is the
 * documented derivation of a stream's starting state from the triple
 * (master seed, replication, stream id), the reparameterisations the model
 * wants (lognormal by its own mean and sd, Gumbel by location and scale),
 * integers wider than 32 bits, and validation of categorical weights.
 */
#include "sim_rng.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The golden-ratio increment of splitmix64 (Steele, Lea and Flood 2014). */
#define GOLDEN UINT64_C(0x9e3779b97f4a7c15)

/* taus2 keeps three 32-bit words; each needs enough significant bits for
   its Tausworthe component not to be stuck (L'Ecuyer 1996). */
#define TAUS_WORD_MASK UINT64_C(0xffffffff)
static const unsigned long taus_min_word[3] = {2, 8, 16};

/* The splitmix64 finaliser: a bijection on 64 bits with full avalanche. */
static uint64_t mix(uint64_t z)
{
	z ^= z >> 30;
	z *= UINT64_C(0xbf58476d1ce4e5b9);
	z ^= z >> 27;
	z *= UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	return z;
}

/* One step of splitmix64: advance the Weyl sequence, finalise. */
static uint64_t splitmix64_next(uint64_t *state)
{
	*state += GOLDEN;
	return mix(*state);
}

/*
 * Each stage adds its own odd multiple of the golden-ratio increment before
 * mixing. Without it, mix(0) == 0 would make the all-zero triple's key 0,
 * and the three stages would be the same function, so (master, rep) could
 * alias (rep, stream) patterns. Each stage is a bijection of its input, so
 * two triples that differ only in one component never share a key; triples
 * that differ in several collide only if two 64-bit mixes happen to differ
 * by exactly the XOR of the small components, probability ~2^-64 per pair.
 */
uint64_t sim_rng_key(uint64_t master_seed, uint64_t replication,
		     uint64_t stream_id)
{
	uint64_t h = mix(master_seed + GOLDEN);
	h = mix((h ^ replication) + 3 * GOLDEN);
	return mix((h ^ stream_id) + 5 * GOLDEN);
}

/* Writes the taus2 state derived from `key` (three splitmix64 words). */
static void write_state(gsl_rng *gen, uint64_t key)
{
	uint64_t sm = key;
	unsigned long words[3];
	for (int i = 0; i < 3; i++) {
		unsigned long w =
			(unsigned long)(splitmix64_next(&sm) & TAUS_WORD_MASK);
		words[i] = w < taus_min_word[i] ? taus_min_word[i] : w;
	}
	memcpy(gsl_rng_state(gen), words, sizeof words);
}

/*
 * Why the state is written directly rather than with gsl_rng_set: for taus2,
 * gsl_rng_set passes the seed through a 32-bit LCG, so only 2^32 starting
 * states are reachable. By the birthday bound, a sweep with tens of
 * thousands of streams would then give two streams the same sequence with
 * non-negligible probability (about 1 - exp(-n^2 / 2^33): 31% at 50,000
 * streams), silently correlating replications. Filling all three 32-bit
 * words from the 64-bit key makes two streams share a state only if their
 * keys collide (~n^2 / 2^65). The words come from splitmix64, so they are
 * already well mixed and need no warm-up draws.
 */
int sim_rng_init(sim_rng *rng, uint64_t master_seed, uint64_t replication,
		 uint64_t stream_id, sim_error *err)
{
	rng->gen = NULL;
	rng->key = sim_rng_key(master_seed, replication, stream_id);

	gsl_rng *gen = gsl_rng_alloc(gsl_rng_taus2);
	if (!gen)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "random stream: cannot allocate a GSL "
				     "taus2 generator");
	/* The state layout (struct { unsigned long s1, s2, s3; }) is GSL's
	   private business; refuse to write it if it is not what we expect. */
	if (gsl_rng_size(gen) != 3 * sizeof(unsigned long)) {
		size_t size = gsl_rng_size(gen);
		gsl_rng_free(gen);
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "random stream: GSL taus2 state is %zu "
				     "bytes, expected %zu; this GSL is not "
				     "supported",
				     size, 3 * sizeof(unsigned long));
	}

	write_state(gen, rng->key);
	rng->gen = gen;
	return 0;
}


/*
 * A sub-stream's key is two more stages of the same derivation, from the
 * stream's own key, with their own odd multiples of the increment, so
 * (a, b) pairs never alias the stream's key or each other's (each stage
 * is a bijection of its input). The stream's key is left as it was: every
 * restart derives from the stream, not from the last sub-stream.
 */
void sim_rng_restart(sim_rng *rng, uint64_t a, uint64_t b)
{
	uint64_t h = mix((rng->key ^ a) + 7 * GOLDEN);
	write_state(rng->gen, mix((h ^ b) + 11 * GOLDEN));
}

void sim_rng_close(sim_rng *rng)
{
	if (!rng)
		return;
	gsl_rng_free(rng->gen); /* GSL ignores NULL */
	rng->gen = NULL;
}

/* 32 uniform bits. taus2 returns every value of [0, 2^32 - 1]. */
static uint64_t draw32(const gsl_rng *gen)
{
	assert(gsl_rng_min(gen) == 0 && gsl_rng_max(gen) == TAUS_WORD_MASK);
	return (uint64_t)gsl_rng_get(gen);
}

/*
 * gsl_rng_uniform_int refuses n > max - min (2^32 - 1 for taus2, so even
 * n == 2^32 is out). Beyond that, two draws make a uniform 64-bit x, and
 * x mod n is unbiased once the 2^64 mod n smallest values of x are rejected
 * (they are the incomplete last block of n); at most half are rejected.
 */
uint64_t sim_rng_uniform_int(const sim_rng *rng, uint64_t n)
{
	assert(n >= 1);
	unsigned long range = gsl_rng_max(rng->gen) - gsl_rng_min(rng->gen);
	if (n <= range)
		return gsl_rng_uniform_int(rng->gen, (unsigned long)n);

	uint64_t reject_below = (0 - n) % n; /* 2^64 mod n */
	uint64_t x;
	do {
		x = draw32(rng->gen) << 32;
		x |= draw32(rng->gen);
	} while (x < reject_below);
	return x % n;
}

/*
 * If log X ~ N(mu, sigma^2) then E[X] = exp(mu + sigma^2/2) and
 * Var[X] = E[X]^2 (exp(sigma^2) - 1); solved for mu and sigma:
 *     sigma^2 = log(1 + sd^2/mean^2),  mu = log(mean) - sigma^2/2.
 * sd == 0 is the degenerate case and consumes no draw.
 */
double sim_rng_lognormal(const sim_rng *rng, double mean, double sd)
{
	assert(mean > 0 && sd >= 0);
	if (sd == 0)
		return mean;
	double cv = sd / mean;
	double sigma2 = log1p(cv * cv);
	double mu = log(mean) - sigma2 / 2;
	return gsl_ran_lognormal(rng->gen, mu, sqrt(sigma2));
}

double sim_rng_gamma(const sim_rng *rng, double shape, double scale)
{
	assert(shape > 0 && scale > 0);
	return gsl_ran_gamma(rng->gen, shape, scale);
}

unsigned int sim_rng_poisson(const sim_rng *rng, double mean)
{
	assert(mean >= 0);
	return gsl_ran_poisson(rng->gen, mean);
}

unsigned int sim_rng_geometric(const sim_rng *rng, double p)
{
	assert(p > 0 && p <= 1);
	return gsl_ran_geometric(rng->gen, p);
}

/*
 * GSL's type-1 Gumbel has density a b exp(-(b e^{-ax} + ax)) and samples
 * (log b - log(-log U)) / a. With a = 1/beta and b = exp(mu/beta) that is
 * mu - beta log(-log U), the Gumbel of location mu and scale beta. Written
 * as mu + beta * gumbel1(1, 1) - the same variate - because exp(mu/beta)
 * overflows (or underflows to 0) once |mu/beta| exceeds ~709.
 */
double sim_rng_gumbel(const sim_rng *rng, double location, double scale)
{
	assert(scale > 0);
	return location + scale * gsl_ran_gumbel1(rng->gen, 1.0, 1.0);
}

struct sim_categorical {
	gsl_ran_discrete_t *table;
	size_t n;
};

/* Weights come from a config, so a bad one is a CONFIG error; the caller
   fills err->path with the setting it read them from. */
static int check_weights(const double *weights, size_t n, sim_error *err)
{
	if (n == 0)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "categorical weights: need at least one "
				     "weight, got none");
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		double w = weights[i];
		if (!isfinite(w))
			return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0,
					     NULL,
					     "categorical weights: weight %zu "
					     "is not finite (%g)",
					     i, w);
		if (w < 0)
			return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0,
					     NULL,
					     "categorical weights: weight %zu "
					     "is negative (%g)",
					     i, w);
		sum += w;
	}
	if (!isfinite(sum))
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "categorical weights: the %zu weights "
				     "sum to more than the largest double",
				     n);
	if (!(sum > 0))
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "categorical weights: all %zu weights "
				     "are zero; at least one must be "
				     "positive",
				     n);
	return 0;
}

sim_categorical *sim_categorical_new(const double *weights, size_t n,
				     sim_error *err)
{
	if (check_weights(weights, n, err) != 0)
		return NULL;
	sim_categorical *cat = malloc(sizeof *cat);
	if (!cat) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
			      "categorical weights: out of memory");
		return NULL;
	}
	/* The weights are valid, so NULL can only mean out of memory. */
	cat->table = gsl_ran_discrete_preproc(n, weights);
	if (!cat->table) {
		free(cat);
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
			      "categorical weights: cannot allocate the "
			      "alias table for %zu weights",
			      n);
		return NULL;
	}
	cat->n = n;
	return cat;
}

void sim_categorical_free(sim_categorical *cat)
{
	if (!cat)
		return;
	gsl_ran_discrete_free(cat->table);
	free(cat);
}

size_t sim_categorical_draw(const sim_categorical *cat, const sim_rng *rng)
{
	size_t k = gsl_ran_discrete(rng->gen, cat->table);
	assert(k < cat->n);
	return k;
}
