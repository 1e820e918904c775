/*
 * test_market_choice.c - multinomial logit choice.
 *
 * With fixed utilities (no inertia, no visibility feedback) the shares of
 * 10^5 independent choices must match the logit softmax within 1
 * percentage point (issue 3's analytic check); banned options (utility
 * -INFINITY) must never be chosen.
 */
#include "test_util.h"

#include "mkt_choice.h"

/* Ensure shares are the softmax, stable for huge utilities. */
static void test_shares(void **unused)
{
	(void)unused;
	double v[3] = { 1.0, 2.0, 3.0 }, s[3];
	assert_int_equal(mkt_logit_shares(v, 3, 1.0, s), 3);
	double z = exp(1) + exp(2) + exp(3);
	assert_double_near(s[0], exp(1) / z, 1e-12);
	assert_double_near(s[2], exp(3) / z, 1e-12);
	double big[2] = { 1000.0, 1000.0 + log(3.0) };
	mkt_logit_shares(big, 2, 1.0, s);
	assert_double_near(s[1], 0.75, 1e-12);
	/* A larger mu flattens the shares. */
	mkt_logit_shares(v, 3, 100.0, s);
	assert_double_near(s[0], 1.0 / 3, 0.01);
}

/* Ensure -INFINITY means forbidden, and nothing allowed returns n. */
static void test_forbidden(void **unused)
{
	(void)unused;
	double v[3] = { 5.0, -INFINITY, 4.0 }, s[3];
	assert_int_equal(mkt_logit_shares(v, 3, 1.0, s), 2);
	assert_double_near(s[1], 0, 0);
	sim_rng rng;
	assert_int_equal(sim_rng_init(&rng, 3, 0, 0, NULL), 0);
	for (int i = 0; i < 10000; i++)
		assert_int_not_equal(mkt_logit_choose(v, 3, 1.0, &rng), 1);
	double none[2] = { -INFINITY, -INFINITY };
	assert_int_equal(mkt_logit_choose(none, 2, 1.0, &rng), 2);
	assert_int_equal(mkt_logit_shares(none, 2, 1.0, s), 0);
	sim_rng_close(&rng);
}

/* Ensure 10^5 choices reproduce the softmax within 1 percentage point. */
static void test_choices_match_softmax(void **unused)
{
	(void)unused;
	enum { N = 100000, K = 6 };
	double v[K] = { 0.3, -1.2, 2.0, 1.1, -INFINITY, 0.0 }, share[K];
	double mu = 0.8;
	mkt_logit_shares(v, K, mu, share);
	sim_rng rng;
	assert_int_equal(sim_rng_init(&rng, 11, 0, 0, NULL), 0);
	double count[K] = { 0 };
	for (int i = 0; i < N; i++)
		count[mkt_logit_choose(v, K, mu, &rng)]++;
	for (int k = 0; k < K; k++)
		assert_double_near(count[k] / N, share[k], 0.01);
	sim_rng_close(&rng);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shares),
		cmocka_unit_test(test_forbidden),
		cmocka_unit_test(test_choices_match_softmax),
	};
	return cmocka_run_group_tests_name("market choice", tests, NULL, NULL);
}
