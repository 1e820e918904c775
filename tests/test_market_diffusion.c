/*
 * test_market_diffusion.c - the Bass process against Bass's closed form.
 *
 * With choice, churn and growth switched off, the number of developers on
 * the platform is the Bass jump process alone, and its mean over
 * replications must follow F(t) within 2% at every week (issue 3's
 * analytic check). The rates here make adoption run its course in a year.
 */
#include "test_util.h"

#include "mkt_diffusion.h"

/* Ensure the closed form has Bass's shape: 0 at t = 0, -> 1, and the
   inflection at t* = ln(q/p)/(p+q) where F = (1 - p/q)/2. */
static void test_closed_form(void **unused)
{
	(void)unused;
	double p = 0.002, q = 0.03;
	assert_double_near(mkt_bass_fraction(0, p, q), 0, 1e-15);
	assert_double_near(mkt_bass_fraction(1e4, p, q), 1, 1e-12);
	double t_star = log(q / p) / (p + q);
	assert_double_near(mkt_bass_fraction(t_star, p, q), (1 - p / q) / 2, 1e-12);
	/* Pure innovation (q = 0) is the exponential CDF. */
	assert_double_near(mkt_bass_fraction(100, p, 0), 1 - exp(-0.2), 1e-12);
}

/* Ensure the hazard is (p + q A/N)(N - A) and vanishes when all adopted. */
static void test_rate(void **unused)
{
	(void)unused;
	mkt_bass b = { 0.01, 0.4, 1000, 250 };
	assert_double_near(mkt_bass_rate(&b), (0.01 + 0.4 * 0.25) * 750, 1e-9);
	b.adopted = 1000;
	assert_double_near(mkt_bass_rate(&b), 0, 0);
	sim_rng rng;
	assert_int_equal(sim_rng_init(&rng, 1, 0, 0, NULL), 0);
	assert_true(isinf(mkt_bass_next_gap(&b, &rng)));
	sim_rng_close(&rng);
}

/* Ensure mean adopters over 20 replications of 10^5 agents match the
   closed form within 2% at every one of 52 weeks. */
static void test_mean_matches_closed_form(void **unused)
{
	(void)unused;
	enum { REPS = 20, WEEKS = 52 };
	const uint64_t n = 100000;
	double p = 0.002, q = 0.03; /* per day */
	double mean[WEEKS + 1] = { 0 };
	for (uint64_t r = 0; r < REPS; r++) {
		sim_rng rng;
		assert_int_equal(sim_rng_init(&rng, 2026, r, 7, NULL), 0);
		mkt_bass b = { p, q, n, 0 };
		double t = 0;
		int week = 1;
		for (;;) {
			double next = t + mkt_bass_next_gap(&b, &rng);
			/* Record weeks that end before the next adoption. */
			while (week <= WEEKS && 7.0 * week <= next) {
				mean[week] += (double)b.adopted / REPS;
				week++;
			}
			if (week > WEEKS)
				break;
			t = next;
			b.adopted++;
		}
		sim_rng_close(&rng);
	}
	for (int w = 1; w <= WEEKS; w++) {
		double want = n * mkt_bass_fraction(7.0 * w, p, q);
		if (fabs(mean[w] - want) > 0.02 * want)
			fail_msg("week %d: mean %.1f adopters, closed form %.1f", w, mean[w], want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closed_form),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_mean_matches_closed_form),
	};
	return cmocka_run_group_tests_name("market diffusion", tests, NULL, NULL);
}
