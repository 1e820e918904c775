/*
 * test_rng.c - random streams (sim/rng.c, include/sim_rng.h).
 *
 * Results are only reproducible if a stream's sequence is a fixed function
 * of its (master, replication, stream) triple, so the suite first pins that
 * function: a known-answer test stores the key, the taus2 starting state
 * and the first draws of (42, 0, 0), so any change to the derivation - or
 * to GSL's taus2 - fails loudly instead of silently changing every golden
 * output. It then checks the properties the runner relies on: the same
 * triple replays exactly, changing any component changes the sequence,
 * creation order does not matter, and neighbouring streams look
 * independent (no shared keys or states, uncorrelated pairs, uniform first
 * draws). Last, each distribution helper is checked against its
 * theoretical mean (and variance where the fourth moment is finite and
 * cheap) within 4 standard errors, and bad categorical weights must give a
 * CONFIG error naming the weight.
 *
 * Every statistical check uses fixed seeds, so it is deterministic: it
 * either always passes or always fails for a given GSL.
 */
#include "test_util.h"

#include <float.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

#include "sim_rng.h"

#define TWO32 4294967296.0
#define EULER_GAMMA 0.57721566490153286

static void open_stream(sim_rng *rng, uint64_t master, uint64_t rep,
			uint64_t stream)
{
	sim_error err;
	sim_error_clear(&err);
	int rc = sim_rng_init(rng, master, rep, stream, &err);
	if (rc != 0)
		fail_msg("sim_rng_init(%" PRIu64 ", %" PRIu64 ", %" PRIu64
			 ") failed: %s",
			 master, rep, stream, err.message);
	assert_non_null(rng->gen);
}

/* Sample mean, unbiased variance and central fourth moment. */
typedef struct moments {
	double mean, var, m4;
} moments;

static moments moments_of(const double *x, size_t n)
{
	moments m = {0, 0, 0};
	for (size_t i = 0; i < n; i++)
		m.mean += x[i];
	m.mean /= (double)n;
	double m2 = 0;
	for (size_t i = 0; i < n; i++) {
		double d = x[i] - m.mean;
		m2 += d * d;
		m.m4 += d * d * d * d;
	}
	m.var = m2 / (double)(n - 1);
	m.m4 /= (double)n;
	return m;
}

/* The sample mean within 4 standard errors of mean (known variance var);
   when check_var, the sample variance within 4 of its standard errors,
   estimated as sqrt((m4 - var^2) / n) from the sample's fourth moment. */
static void check_moments(const char *what, const double *x, size_t n,
			  double mean, double var, int check_var)
{
	moments m = moments_of(x, n);
	double se_mean = sqrt(var / (double)n);
	if (!(fabs(m.mean - mean) <= 4 * se_mean))
		fail_msg("%s: sample mean %.10g, expected %.10g +- %.3g", what,
			 m.mean, mean, 4 * se_mean);
	if (!check_var)
		return;
	double se_var = sqrt((m.m4 - m.var * m.var) / (double)n);
	if (!(fabs(m.var - var) <= 4 * se_var))
		fail_msg("%s: sample variance %.10g, expected %.10g +- %.3g",
			 what, m.var, var, 4 * se_var);
}

/* Pearson chi-square of counts against equal expected counts. */
static double chi_square_flat(const unsigned *counts, size_t bins,
			      size_t total)
{
	double expected = (double)total / (double)bins;
	double chi2 = 0;
	for (size_t b = 0; b < bins; b++) {
		double d = counts[b] - expected;
		chi2 += d * d / expected;
	}
	return chi2;
}

/* ---- the derivation ---------------------------------------------------- */

/* Ensure the key, taus2 starting state and first five draws of (42, 0, 0)
   are the stored constants, so the derivation and GSL's taus2 are pinned. */
static void test_known_answer(void **state)
{
	(void)state;
	/* Computed once with this implementation and checked against an
	   independent Python transcription of the formula in sim_rng.h. */
	static const uint64_t key = UINT64_C(0xec4795752bfe3e23);
	static const unsigned long start[3] = {0x1df2d31eUL, 0xf3dd538fUL,
					       0x464d18b5UL};
	static const uint32_t first[5] = {0x218a54d7, 0xcaabe8b4, 0xa1b098a6,
					  0xe52a072b, 0x9bc8fe7e};

	assert_true(sim_rng_key(42, 0, 0) == key);
	/* Extremes pin the modulo-2^64 arithmetic of every stage. */
	assert_true(sim_rng_key(0, 0, 0) == UINT64_C(0x0f5b41a85da98a23));
	assert_true(sim_rng_key(UINT64_MAX, UINT64_MAX, UINT64_MAX) ==
		    UINT64_C(0x2c52bb91d11ca0d2));

	sim_rng r;
	open_stream(&r, 42, 0, 0);
	assert_true(r.key == key);
	assert_string_equal(gsl_rng_name(r.gen), "taus2");
	assert_int_equal(gsl_rng_size(r.gen), sizeof start);
	assert_memory_equal(gsl_rng_state(r.gen), start, sizeof start);
	for (int i = 0; i < 5; i++) {
		double u = sim_rng_uniform(&r);
		if (u != first[i] / TWO32)
			fail_msg("draw %d: %.17g, expected %#" PRIx32 "/2^32 "
				 "= %.17g",
				 i, u, first[i], first[i] / TWO32);
	}
	sim_rng_close(&r);
}

/* Ensure the same triple replays the same 1000 draws and the same key. */
static void test_same_triple_same_sequence(void **state)
{
	(void)state;
	sim_rng a, b;
	open_stream(&a, 7, 3, 11);
	open_stream(&b, 7, 3, 11);
	assert_true(a.key == b.key);
	assert_true(a.key == sim_rng_key(7, 3, 11));
	for (int i = 0; i < 1000; i++)
		assert_true(sim_rng_uniform(&a) == sim_rng_uniform(&b));
	sim_rng_close(&a);
	sim_rng_close(&b);
}

/* Positions at which the first 1000 draws of two triples coincide. */
static int coinciding_draws(uint64_t m1, uint64_t r1, uint64_t s1,
			    uint64_t m2, uint64_t r2, uint64_t s2)
{
	sim_rng a, b;
	open_stream(&a, m1, r1, s1);
	open_stream(&b, m2, r2, s2);
	assert_true(a.key != b.key);
	int same = 0;
	for (int i = 0; i < 1000; i++)
		same += sim_rng_uniform(&a) == sim_rng_uniform(&b);
	sim_rng_close(&a);
	sim_rng_close(&b);
	return same;
}

/* Ensure another replication index gives another sequence. */
static void test_replication_changes_sequence(void **state)
{
	(void)state;
	assert_int_equal(coinciding_draws(42, 0, 0, 42, 1, 0), 0);
	assert_int_equal(coinciding_draws(42, 1, 5, 42, 2, 5), 0);
}

/* Ensure another stream id gives another sequence. */
static void test_stream_changes_sequence(void **state)
{
	(void)state;
	assert_int_equal(coinciding_draws(42, 0, 0, 42, 0, 1), 0);
	assert_int_equal(coinciding_draws(42, 3, 1, 42, 3, 2), 0);
}

/* Ensure another master seed gives another sequence, including the
   all-zero triple against its neighbours. */
static void test_master_changes_sequence(void **state)
{
	(void)state;
	assert_int_equal(coinciding_draws(42, 0, 0, 43, 0, 0), 0);
	assert_int_equal(coinciding_draws(0, 0, 0, 1, 0, 0), 0);
	/* Swapping components must not alias. */
	assert_int_equal(coinciding_draws(1, 0, 0, 0, 1, 0), 0);
	assert_int_equal(coinciding_draws(0, 1, 0, 0, 0, 1), 0);
}

/* Ensure a stream's draws do not depend on which streams were created
   before it, in what order, or how draws from them were interleaved. */
static void test_creation_order_irrelevant(void **state)
{
	(void)state;
	enum { STREAMS = 3, DRAWS = 100 };
	double alone[STREAMS][DRAWS], mixed[STREAMS][DRAWS];

	for (int s = 0; s < STREAMS; s++) {
		sim_rng r;
		open_stream(&r, 9, 4, (uint64_t)s);
		for (int i = 0; i < DRAWS; i++)
			alone[s][i] = sim_rng_uniform(&r);
		sim_rng_close(&r);
	}

	/* Reverse order, an unrelated stream opened and closed in between,
	   and draws taken before the later streams exist. */
	sim_rng r[STREAMS], other;
	int next[STREAMS] = {0, 0, 0};
	open_stream(&r[2], 9, 4, 2);
	for (; next[2] < 10; next[2]++)
		mixed[2][next[2]] = sim_rng_uniform(&r[2]);
	open_stream(&other, 9, 4, 7);
	(void)sim_rng_uniform(&other);
	open_stream(&r[1], 9, 4, 1);
	sim_rng_close(&other);
	for (; next[1] < 3; next[1]++)
		mixed[1][next[1]] = sim_rng_uniform(&r[1]);
	open_stream(&r[0], 9, 4, 0);
	for (int round = 0; next[0] < DRAWS || next[1] < DRAWS ||
			    next[2] < DRAWS;
	     round++) {
		int s = (round * 2 + 1) % STREAMS; /* 1, 0, 2, 1, 0, 2 ... */
		if (next[s] < DRAWS)
			mixed[s][next[s]++] = sim_rng_uniform(&r[s]);
	}
	for (int s = 0; s < STREAMS; s++) {
		sim_rng_close(&r[s]);
		for (int i = 0; i < DRAWS; i++)
			if (mixed[s][i] != alone[s][i])
				fail_msg("stream %d draw %d: %.17g alone, "
					 "%.17g interleaved",
					 s, i, alone[s][i], mixed[s][i]);
	}
}

/* Inverses of the derivation's steps, to build triples that hit corners. */
static uint64_t unxorshift(uint64_t y, int k)
{
	uint64_t x = y;
	for (int s = k; s < 64; s += k)
		x = y ^ (x >> k);
	return x;
}

static uint64_t mul_inverse(uint64_t c) /* c odd; Newton modulo 2^64 */
{
	uint64_t inv = c; /* right to 3 bits; each step doubles that */
	for (int i = 0; i < 5; i++)
		inv *= 2 - c * inv;
	return inv;
}

static uint64_t unmix(uint64_t z)
{
	z = unxorshift(z, 31);
	z *= mul_inverse(UINT64_C(0x94d049bb133111eb));
	z = unxorshift(z, 27);
	z *= mul_inverse(UINT64_C(0xbf58476d1ce4e5b9));
	return unxorshift(z, 30);
}

/* Ensure a state word whose low 32 bits come out 0 is raised to taus2's
   minimum (2, 8, 16): triples are built by running the documented
   derivation backwards from a splitmix64 output of 0x...00000000. */
static void test_small_state_words_raised(void **state)
{
	(void)state;
	const uint64_t g = UINT64_C(0x9e3779b97f4a7c15);
	static const unsigned long minimum[3] = {2, 8, 16};
	/* h2 of (master 0, replication 0); key = mix((h2 ^ stream) + 5G). */
	uint64_t h2 = unmix(sim_rng_key(0, 0, 0)) - 5 * g;
	for (int w = 0; w < 3; w++) {
		/* Word w + 1 is mix(key + (w + 1) G): make it 0x00abcdef00000000. */
		uint64_t key = unmix(UINT64_C(0xabcdef00000000)) - (w + 1) * g;
		uint64_t stream = (unmix(key) - 5 * g) ^ h2;
		assert_true(sim_rng_key(0, 0, stream) == key);
		sim_rng r;
		open_stream(&r, 0, 0, stream);
		const unsigned long *words = gsl_rng_state(r.gen);
		assert_int_equal(words[w], minimum[w]);
		for (int v = 0; v < 3; v++)
			assert_true(words[v] <= 0xffffffffUL);
		sim_rng_close(&r);
	}
}

/* Ensure closing is safe on a zeroed stream, twice, and on a NULL table. */
static void test_close_is_idempotent(void **state)
{
	(void)state;
	sim_rng zeroed;
	memset(&zeroed, 0, sizeof zeroed);
	sim_rng_close(&zeroed);
	sim_rng r;
	open_stream(&r, 1, 2, 3);
	sim_rng_close(&r);
	assert_null(r.gen);
	sim_rng_close(&r);
	sim_rng_close(NULL);
	sim_categorical_free(NULL);
}

/* ---- independence ------------------------------------------------------ */

/* Correlation of 10^5 paired uniforms of two streams. */
static double paired_correlation(uint64_t m1, uint64_t r1, uint64_t s1,
				 uint64_t m2, uint64_t r2, uint64_t s2)
{
	enum { N = 100000 };
	double *x = test_malloc(N * sizeof *x);
	double *y = test_malloc(N * sizeof *y);
	sim_rng a, b;
	open_stream(&a, m1, r1, s1);
	open_stream(&b, m2, r2, s2);
	for (size_t i = 0; i < N; i++) {
		x[i] = sim_rng_uniform(&a);
		y[i] = sim_rng_uniform(&b);
	}
	double rho = gsl_stats_correlation(x, 1, y, 1, N);
	sim_rng_close(&a);
	sim_rng_close(&b);
	test_free(x);
	test_free(y);
	return rho;
}

/* Ensure paired draws of replications 0 and 1 (and of neighbouring
   streams) are uncorrelated: |r| < 0.02, about 6 standard errors. */
static void test_neighbours_uncorrelated(void **state)
{
	(void)state;
	double r_rep = paired_correlation(42, 0, 0, 42, 1, 0);
	double r_stream = paired_correlation(42, 0, 0, 42, 0, 1);
	double r_zero = paired_correlation(0, 0, 0, 0, 0, 1);
	if (!(fabs(r_rep) < 0.02 && fabs(r_stream) < 0.02 &&
	      fabs(r_zero) < 0.02))
		fail_msg("correlations: replications %g, streams %g, "
			 "zero-seed streams %g",
			 r_rep, r_stream, r_zero);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

typedef struct taus_start {
	unsigned long w[3];
} taus_start;

static int cmp_start(const void *a, const void *b)
{
	const taus_start *x = a, *y = b;
	for (int i = 0; i < 3; i++)
		if (x->w[i] != y->w[i])
			return (x->w[i] > y->w[i]) - (x->w[i] < y->w[i]);
	return 0;
}

/* Ensure the 10^5 small triples (master 0..9, replication 0..99, stream
   0..99) have distinct keys and distinct taus2 starting states. Seeding
   with gsl_rng_set (32 bits) would expect about one state collision here. */
static void test_no_key_or_state_collisions(void **state)
{
	(void)state;
	enum { MASTERS = 10, REPS = 100, STREAMS = 100 };
	const size_t n = (size_t)MASTERS * REPS * STREAMS;
	uint64_t *keys = test_malloc(n * sizeof *keys);
	taus_start *starts = test_malloc(n * sizeof *starts);
	size_t k = 0;
	for (uint64_t m = 0; m < MASTERS; m++)
		for (uint64_t r = 0; r < REPS; r++)
			for (uint64_t s = 0; s < STREAMS; s++, k++) {
				sim_rng rng;
				open_stream(&rng, m, r, s);
				keys[k] = rng.key;
				memcpy(starts[k].w, gsl_rng_state(rng.gen),
				       sizeof starts[k].w);
				sim_rng_close(&rng);
			}
	qsort(keys, n, sizeof *keys, cmp_u64);
	qsort(starts, n, sizeof *starts, cmp_start);
	for (size_t i = 1; i < n; i++) {
		if (keys[i] == keys[i - 1])
			fail_msg("two triples share key %#" PRIx64, keys[i]);
		if (cmp_start(&starts[i], &starts[i - 1]) == 0)
			fail_msg("two triples share taus2 state %#lx %#lx %#lx",
				 starts[i].w[0], starts[i].w[1],
				 starts[i].w[2]);
	}
	test_free(keys);
	test_free(starts);
}

/* Ensure the first draws of 10^4 streams whose triples differ in one
   component (stream id, replication, master) are uniform: chi-square over
   20 bins with upper-tail probability above 1e-4. */
static void test_first_draws_uniform(void **state)
{
	(void)state;
	enum { STREAMS = 10000, BINS = 20 };
	static const char *varying[3] = {"stream id", "replication",
					 "master seed"};
	for (int which = 0; which < 3; which++) {
		unsigned counts[BINS] = {0};
		for (uint64_t i = 0; i < STREAMS; i++) {
			sim_rng r;
			open_stream(&r, which == 2 ? i : 42,
				    which == 1 ? i : 0, which == 0 ? i : 0);
			counts[(int)(sim_rng_uniform(&r) * BINS)]++;
			sim_rng_close(&r);
		}
		double chi2 = chi_square_flat(counts, BINS, STREAMS);
		double q = gsl_cdf_chisq_Q(chi2, BINS - 1);
		if (!(q > 1e-4))
			fail_msg("first draws over %s 0..%d: chi-square %g, "
				 "Q = %g",
				 varying[which], STREAMS - 1, chi2, q);
	}
}

/* ---- distributions ----------------------------------------------------- */

enum { SAMPLES = 200000 };

/* Ensure exponential draws have mean theta and variance theta^2. */
static void test_exponential_moments(void **state)
{
	(void)state;
	double *x = test_malloc(SAMPLES * sizeof *x);
	sim_rng r;
	open_stream(&r, 42, 0, 100);
	for (size_t i = 0; i < SAMPLES; i++) {
		x[i] = sim_rng_exponential(&r, 3.0);
		assert_true(x[i] >= 0);
	}
	check_moments("exponential(3)", x, SAMPLES, 3.0, 9.0, 1);
	sim_rng_close(&r);
	test_free(x);
}

/* Ensure bernoulli(p) succeeds with frequency p. */
static void test_bernoulli_frequency(void **state)
{
	(void)state;
	double *x = test_malloc(SAMPLES * sizeof *x);
	sim_rng r;
	open_stream(&r, 42, 0, 101);
	for (size_t i = 0; i < SAMPLES; i++)
		x[i] = sim_rng_bernoulli(&r, 0.3);
	check_moments("bernoulli(0.3)", x, SAMPLES, 0.3, 0.3 * 0.7, 0);
	for (int i = 0; i < 1000; i++) {
		assert_false(sim_rng_bernoulli(&r, 0.0));
		assert_true(sim_rng_bernoulli(&r, 1.0));
	}
	sim_rng_close(&r);
	test_free(x);
}

/* Ensure lognormal(mean, sd) has that mean and sd (not those of the
   underlying normal), and sd == 0 returns mean without consuming a draw. */
static void test_lognormal_mean_sd(void **state)
{
	(void)state;
	static const double params[][2] = {{2.0, 1.0}, {10.0, 3.0}};
	double *x = test_malloc(SAMPLES * sizeof *x);
	sim_rng r;
	open_stream(&r, 42, 0, 102);
	for (size_t p = 0; p < 2; p++) {
		double mean = params[p][0], sd = params[p][1];
		for (size_t i = 0; i < SAMPLES; i++) {
			x[i] = sim_rng_lognormal(&r, mean, sd);
			assert_true(x[i] > 0);
		}
		char what[64];
		snprintf(what, sizeof what, "lognormal(%g, %g)", mean, sd);
		check_moments(what, x, SAMPLES, mean, sd * sd, 1);
	}
	sim_rng_close(&r);
	test_free(x);

	sim_rng a, b;
	open_stream(&a, 42, 0, 103);
	open_stream(&b, 42, 0, 103);
	assert_true(sim_rng_lognormal(&a, 2.5, 0.0) == 2.5);
	assert_true(sim_rng_uniform(&a) == sim_rng_uniform(&b));
	sim_rng_close(&a);
	sim_rng_close(&b);
}

/* Ensure gamma(k, theta) has mean k theta and variance k theta^2, on both
   sides of GSL's k < 1 branch. */
static void test_gamma_moments(void **state)
{
	(void)state;
	static const double params[][2] = {{2.5, 1.5}, {0.5, 2.0}};
	double *x = test_malloc(SAMPLES * sizeof *x);
	sim_rng r;
	open_stream(&r, 42, 0, 104);
	for (size_t p = 0; p < 2; p++) {
		double k = params[p][0], theta = params[p][1];
		for (size_t i = 0; i < SAMPLES; i++) {
			x[i] = sim_rng_gamma(&r, k, theta);
			assert_true(x[i] >= 0);
		}
		char what[64];
		snprintf(what, sizeof what, "gamma(%g, %g)", k, theta);
		check_moments(what, x, SAMPLES, k * theta, k * theta * theta,
			      1);
	}
	sim_rng_close(&r);
	test_free(x);
}

/* Ensure poisson(lambda) has mean and variance lambda for a small and a
   large lambda (GSL's two algorithms), and lambda = 0 gives 0. */
static void test_poisson_moments(void **state)
{
	(void)state;
	static const double lambdas[] = {4.0, 50.0};
	double *x = test_malloc(SAMPLES * sizeof *x);
	sim_rng r;
	open_stream(&r, 42, 0, 105);
	for (size_t p = 0; p < 2; p++) {
		double lambda = lambdas[p];
		for (size_t i = 0; i < SAMPLES; i++)
			x[i] = sim_rng_poisson(&r, lambda);
		char what[64];
		snprintf(what, sizeof what, "poisson(%g)", lambda);
		check_moments(what, x, SAMPLES, lambda, lambda, 1);
	}
	for (int i = 0; i < 100; i++)
		assert_int_equal(sim_rng_poisson(&r, 0.0), 0);
	sim_rng_close(&r);
	test_free(x);
}

/* Ensure geometric(p) lives on {1, 2, ...} with mean 1/p and variance
   (1-p)/p^2, and p = 1 always gives 1. */
static void test_geometric_moments(void **state)
{
	(void)state;
	const double p = 0.3;
	double *x = test_malloc(SAMPLES * sizeof *x);
	sim_rng r;
	open_stream(&r, 42, 0, 106);
	double ones = 0;
	for (size_t i = 0; i < SAMPLES; i++) {
		unsigned k = sim_rng_geometric(&r, p);
		assert_true(k >= 1);
		ones += k == 1;
		x[i] = k;
	}
	check_moments("geometric(0.3)", x, SAMPLES, 1 / p, (1 - p) / (p * p),
		      1);
	/* P(K = 1) = p: the support starts at 1, not 0. */
	assert_double_near(ones / SAMPLES, p,
			   4 * sqrt(p * (1 - p) / SAMPLES));
	for (int i = 0; i < 100; i++)
		assert_int_equal(sim_rng_geometric(&r, 1.0), 1);
	sim_rng_close(&r);
	test_free(x);
}

/* Ensure gumbel(mu, beta) has mean mu + 0.5772 beta and variance
   pi^2 beta^2 / 6, draws what GSL's gumbel1(a = 1/beta, b = exp(mu/beta))
   draws, and stays finite where exp(mu/beta) would overflow. */
static void test_gumbel_moments(void **state)
{
	(void)state;
	const double mu = 1.5, beta = 2.0;
	double *x = test_malloc(SAMPLES * sizeof *x);
	sim_rng r;
	open_stream(&r, 42, 0, 107);
	for (size_t i = 0; i < SAMPLES; i++)
		x[i] = sim_rng_gumbel(&r, mu, beta);
	check_moments("gumbel(1.5, 2)", x, SAMPLES, mu + EULER_GAMMA * beta,
		      M_PI * M_PI * beta * beta / 6, 1);
	sim_rng_close(&r);

	/* Same stream, GSL's own parameterisation: the same variates. */
	sim_rng a, b;
	open_stream(&a, 42, 0, 108);
	open_stream(&b, 42, 0, 108);
	for (int i = 0; i < 1000; i++) {
		double ours = sim_rng_gumbel(&a, mu, beta);
		double gsl = gsl_ran_gumbel1(b.gen, 1 / beta, exp(mu / beta));
		assert_double_near(ours, gsl, 1e-12 * (1 + fabs(gsl)));
	}
	sim_rng_close(&a);
	sim_rng_close(&b);

	/* |mu/beta| = 10^4: exp(mu/beta) is inf or 0 there. */
	enum { FEW = 10000 };
	open_stream(&r, 42, 0, 109);
	for (int sign = -1; sign <= 1; sign += 2) {
		double loc = sign * 1e4;
		for (size_t i = 0; i < FEW; i++) {
			x[i] = sim_rng_gumbel(&r, loc, 1.0);
			assert_true(isfinite(x[i]));
		}
		check_moments("gumbel(+-1e4, 1)", x, FEW, loc + EULER_GAMMA,
			      M_PI * M_PI / 6, 0);
	}
	sim_rng_close(&r);
	test_free(x);
}

/* Ensure uniform_int(n) stays in [0, n) with mean (n-1)/2 and variance
   (n^2-1)/12, for small n, both sides of 2^32 (where GSL's own
   gsl_rng_uniform_int stops), up to 2^64 - 1, and with its low bits
   uniform too. */
static void test_uniform_int(void **state)
{
	(void)state;
	static const uint64_t ns[] = {
		1,
		10,
		UINT64_C(0xffffffff),           /* largest GSL accepts */
		UINT64_C(0x100000000),          /* 2^32: two draws */
		(UINT64_C(1) << 40) + 3,
		(UINT64_C(1) << 63) + 1,        /* rejects about half */
		(UINT64_C(3) << 62) + 1,        /* biased if not rejecting */
		UINT64_MAX,
	};
	enum { N = 100000 };
	double *x = test_malloc(N * sizeof *x);
	double *low = test_malloc(N * sizeof *low);
	sim_rng r;
	open_stream(&r, 42, 0, 110);
	for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
		uint64_t n = ns[t];
		for (size_t i = 0; i < N; i++) {
			uint64_t k = sim_rng_uniform_int(&r, n);
			if (k >= n)
				fail_msg("uniform_int(%" PRIu64 ") gave %" PRIu64,
					 n, k);
			x[i] = (double)k;
			low[i] = (double)(k & 0xffff);
		}
		double dn = (double)n;
		char what[64];
		snprintf(what, sizeof what, "uniform_int(%" PRIu64 ")", n);
		check_moments(what, x, N, (dn - 1) / 2, (dn * dn - 1) / 12,
			      1);
		if (n >= (UINT64_C(1) << 32)) {
			snprintf(what, sizeof what,
				 "low 16 bits of uniform_int(%" PRIu64 ")", n);
			check_moments(what, low, N, 65535 / 2.0,
				      (65536.0 * 65536.0 - 1) / 12, 1);
		}
	}

	/* Every value of a small range equally often. */
	unsigned counts[10] = {0};
	for (size_t i = 0; i < N; i++)
		counts[sim_rng_uniform_int(&r, 10)]++;
	assert_true(gsl_cdf_chisq_Q(chi_square_flat(counts, 10, N), 9) > 1e-4);
	sim_rng_close(&r);
	test_free(x);
	test_free(low);
}

/* Ensure uniform_int is gsl_rng_uniform_int up to 2^32 - 1 and
   (hi << 32 | lo) mod n of two raw draws beyond (when nothing is rejected),
   so the construction, and with it every recorded sequence, is pinned. */
static void test_uniform_int_construction(void **state)
{
	(void)state;
	const uint64_t wide = (UINT64_C(1) << 40) + 3; /* rejects ~2^-24 */
	sim_rng a, b;
	open_stream(&a, 42, 0, 112);
	open_stream(&b, 42, 0, 112);
	for (int i = 0; i < 1000; i++) {
		assert_true(sim_rng_uniform_int(&a, 1000) ==
			    gsl_rng_uniform_int(b.gen, 1000));
		assert_true(sim_rng_uniform_int(&a, 0xffffffff) ==
			    gsl_rng_uniform_int(b.gen, 0xffffffff));
		uint64_t hi = gsl_rng_get(b.gen);
		uint64_t lo = gsl_rng_get(b.gen);
		assert_true(sim_rng_uniform_int(&a, wide) ==
			    ((hi << 32) | lo) % wide);
	}
	sim_rng_close(&a);
	sim_rng_close(&b);
}

/* Ensure categorical draws hit each category with frequency weight/sum
   (never a zero-weight one), and one category is always drawn. */
static void test_categorical_frequencies(void **state)
{
	(void)state;
	static const double weights[] = {1.0, 0.0, 3.0, 6.0, 2.5};
	enum { K = sizeof weights / sizeof weights[0] };
	double sum = 0;
	for (size_t k = 0; k < K; k++)
		sum += weights[k];
	sim_error err;
	sim_error_clear(&err);
	sim_categorical *cat = sim_categorical_new(weights, K, &err);
	assert_non_null(cat);
	assert_int_equal(err.kind, SIM_ERROR_NONE);

	unsigned counts[K] = {0};
	sim_rng r;
	open_stream(&r, 42, 0, 111);
	for (size_t i = 0; i < SAMPLES; i++) {
		size_t k = sim_categorical_draw(cat, &r);
		assert_true(k < K);
		counts[k]++;
	}
	assert_int_equal(counts[1], 0);
	for (size_t k = 0; k < K; k++) {
		double p = weights[k] / sum;
		double freq = (double)counts[k] / SAMPLES;
		if (!(fabs(freq - p) <= 4 * sqrt(p * (1 - p) / SAMPLES)))
			fail_msg("category %zu: frequency %g, expected %g", k,
				 freq, p);
	}
	sim_categorical_free(cat);

	static const double single[] = {0.25};
	cat = sim_categorical_new(single, 1, &err);
	assert_non_null(cat);
	for (int i = 0; i < 100; i++)
		assert_int_equal(sim_categorical_draw(cat, &r), 0);
	sim_categorical_free(cat);
	sim_rng_close(&r);
}

/* Ensure bad categorical weights give NULL and a CONFIG error naming the
   offending weight, and a NULL err is allowed. */
static void test_categorical_bad_weights(void **state)
{
	(void)state;
	static const double negative[] = {1.0, 2.0, -0.5};
	static const double not_a_number[] = {1.0, NAN};
	static const double infinite[] = {INFINITY, 1.0};
	static const double zeros[] = {0.0, 0.0, 0.0};
	static const double huge[] = {DBL_MAX, DBL_MAX};
	static const struct {
		const double *weights;
		size_t n;
		const char *message;
	} cases[] = {
		{negative, 3, "categorical weights: weight 2 is negative (-0.5)"},
		{not_a_number, 2,
		 "categorical weights: weight 1 is not finite (nan)"},
		{infinite, 2, "categorical weights: weight 0 is not finite (inf)"},
		{zeros, 3,
		 "categorical weights: all 3 weights are zero; at least one "
		 "must be positive"},
		{huge, 2,
		 "categorical weights: the 2 weights sum to more than the "
		 "largest double"},
		{NULL, 0,
		 "categorical weights: need at least one weight, got none"},
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		sim_error err;
		sim_error_clear(&err);
		assert_null(sim_categorical_new(cases[c].weights, cases[c].n,
						&err));
		assert_int_equal(err.kind, SIM_ERROR_CONFIG);
		assert_string_equal(err.file, "");
		assert_int_equal(err.line, 0);
		assert_string_equal(err.path, "");
		assert_string_equal(err.message, cases[c].message);
		assert_null(sim_categorical_new(cases[c].weights, cases[c].n,
						NULL));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_same_triple_same_sequence),
		cmocka_unit_test(test_replication_changes_sequence),
		cmocka_unit_test(test_stream_changes_sequence),
		cmocka_unit_test(test_master_changes_sequence),
		cmocka_unit_test(test_creation_order_irrelevant),
		cmocka_unit_test(test_small_state_words_raised),
		cmocka_unit_test(test_close_is_idempotent),
		cmocka_unit_test(test_neighbours_uncorrelated),
		cmocka_unit_test(test_no_key_or_state_collisions),
		cmocka_unit_test(test_first_draws_uniform),
		cmocka_unit_test(test_exponential_moments),
		cmocka_unit_test(test_bernoulli_frequency),
		cmocka_unit_test(test_lognormal_mean_sd),
		cmocka_unit_test(test_gamma_moments),
		cmocka_unit_test(test_poisson_moments),
		cmocka_unit_test(test_geometric_moments),
		cmocka_unit_test(test_gumbel_moments),
		cmocka_unit_test(test_uniform_int),
		cmocka_unit_test(test_uniform_int_construction),
		cmocka_unit_test(test_categorical_frequencies),
		cmocka_unit_test(test_categorical_bad_weights),
	};
	return cmocka_run_group_tests_name("rng", tests, NULL, NULL);
}
