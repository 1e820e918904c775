/*
 * test_market_supply.c - congestion, capacity growth, fees, leaderboard.
 *
 * Tokens are conserved (served + failed = demanded) at every load; above
 * capacity the served fraction is 1/rho; latency rises with load; money
 * passes through (spend is what providers earn, the fee is rate x spend);
 * leaderboard ranks are a reproducible permutation.
 */
#include "test_util.h"

#include "mkt_platform.h"
#include "mkt_supply.h"

static const mkt_latency_curve curve = { 1.5, 0.5, 2.0 };

/* Ensure tokens are conserved and the served fraction is min(1, 1/rho). */
static void test_congestion(void **unused)
{
	(void)unused;
	double capacity = 1e12;
	double loads[] = { 0, 0.3e12, 1e12, 1.7e12, 9e12 };
	double last_latency = 0;
	for (size_t i = 0; i < 5; i++) {
		mkt_congestion c = mkt_congest(loads[i], capacity, &curve);
		assert_double_near(c.served + c.failed, loads[i], 1e-3);
		double rho = loads[i] / capacity;
		assert_double_near(c.utilisation, rho, 1e-12);
		if (rho > 1) {
			assert_double_near(c.served / loads[i], 1 / rho, 1e-12);
			assert_double_near(c.error_rate, 1 - 1 / rho, 1e-12);
		} else {
			assert_double_near(c.failed, 0, 0);
		}
		assert_true(c.latency_seconds >= last_latency);
		last_latency = c.latency_seconds;
	}
	assert_double_near(mkt_congest(0, capacity, &curve).latency_seconds, 1.5, 0);
	/* No capacity at all (an outage): everything fails. */
	mkt_congestion out = mkt_congest(5e9, 0, &curve);
	assert_double_near(out.failed, 5e9, 0);
	assert_double_near(out.error_rate, 1, 0);
}

/* Ensure capacity compounds at the annual rate. */
static void test_growth(void **unused)
{
	(void)unused;
	assert_double_near(mkt_grown_capacity(100, 1.0, 365), 200, 1e-9);
	assert_double_near(mkt_grown_capacity(100, 0.0, 100), 100, 0);
	assert_double_near(mkt_grown_capacity(100, 3.0, 182.5), 200, 1e-9);
}

/* Ensure spend is tokens x price per million. */
static void test_spend(void **unused)
{
	(void)unused;
	/* 2 M input at $3, 0.5 M output at $15: $6 + $7.5. */
	assert_double_near(mkt_spend(2e6, 0.5e6, 3, 15), 13.5, 1e-12);
	assert_double_near(mkt_spend(4.6e12, 1e12, 0, 0), 0, 0); /* free */
}

/* Ensure ranks follow tokens, ties go to the lower index, shares add up. */
static void test_leaderboard(void **unused)
{
	(void)unused;
	double tokens[5] = { 1.0, 4.6, 3.08, 4.6, 0 };
	int rank[5];
	double share[5];
	size_t scratch[5];
	mkt_leaderboard(tokens, 5, rank, share, scratch);
	int want[5] = { 4, 1, 3, 2, 5 };
	double sum = 0;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(rank[i], want[i]);
		sum += share[i];
	}
	assert_double_near(sum, 1, 1e-12);
	assert_double_near(share[1], 4.6 / 13.28, 1e-12);
	double none[2] = { 0, 0 };
	mkt_leaderboard(none, 2, rank, share, scratch);
	assert_int_equal(rank[0], 1);
	assert_int_equal(rank[1], 2);
	assert_double_near(share[0], 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_congestion),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_spend),
		cmocka_unit_test(test_leaderboard),
	};
	return cmocka_run_group_tests_name("market supply and platform", tests, NULL, NULL);
}
