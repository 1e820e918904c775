/*
 * test_market_workload.c - token demand of chat and agentic tasks.
 *
 * The mean tokens of sampled agentic tasks must match the closed form
 * E[S](c0 + o) + growth * E[S(S+1)/2], times the mean number of attempts,
 * within 1% (issue 3's analytic check); weaker models must burn more.
 */
#include "test_util.h"

#include "mkt_workload.h"

static const mkt_task_shape shape = {
	.chat_in_mean = 1500, .chat_in_sd = 900,
	.chat_out_mean = 400, .chat_out_sd = 300,
	.steps_mean = 8,
	.context_mean = 6000, .context_sd = 3000,
	.step_growth = 1200,
	.step_out_mean = 500, .step_out_sd = 400,
	.max_retries = 2,
};

/* Ensure the mean number of attempts has the truncated geometric form. */
static void test_attempts(void **unused)
{
	(void)unused;
	assert_double_near(mkt_mean_attempts(1.0, 5), 1.0, 1e-12);
	assert_double_near(mkt_mean_attempts(0.5, 0), 1.0, 1e-12);
	assert_double_near(mkt_mean_attempts(0.5, 2), 1 + 0.5 + 0.25, 1e-12);
}

/* Ensure 4 x 10^5 sampled agentic tasks average to the closed form within
   1%, at two competencies, and the weaker model burns more tokens. */
static void test_agentic_mean(void **unused)
{
	(void)unused;
	enum { N = 400000 };
	double competency[2] = { 0.9, 0.6 }, mean[2];
	for (int c = 0; c < 2; c++) {
		sim_rng rng;
		assert_int_equal(sim_rng_init(&rng, 5, 0, (uint64_t)c, NULL), 0);
		double sum = 0, attempts = 0;
		for (int i = 0; i < N; i++) {
			mkt_task_tokens t;
			mkt_agentic_task(&shape, competency[c], &rng, &t);
			sum += t.in + t.out;
			attempts += t.attempts;
			assert_true(t.attempts >= 1 && t.attempts <= shape.max_retries + 1);
		}
		mean[c] = sum / N;
		double want = mkt_agentic_mean_tokens(&shape, competency[c]);
		if (fabs(mean[c] - want) > 0.01 * want)
			fail_msg("competency %.1f: mean %.0f tokens, closed form %.0f",
				 competency[c], mean[c], want);
		assert_double_near(attempts / N, mkt_mean_attempts(competency[c], shape.max_retries),
				   0.01);
		sim_rng_close(&rng);
	}
	assert_true(mean[1] > mean[0] * 1.2);
}

/* Ensure chat tasks are one request with the configured mean tokens, and
   the multiplier is agentic over chat. */
static void test_chat_and_multiplier(void **unused)
{
	(void)unused;
	enum { N = 200000 };
	sim_rng rng;
	assert_int_equal(sim_rng_init(&rng, 6, 0, 0, NULL), 0);
	double sum = 0;
	for (int i = 0; i < N; i++) {
		mkt_task_tokens t;
		mkt_chat_task(&shape, &rng, &t);
		assert_double_near(t.requests, 1, 0);
		sum += t.in + t.out;
	}
	assert_double_near(sum / N, 1900, 0.01 * 1900);
	assert_double_near(mkt_token_multiplier(&shape, 0.9),
			   mkt_agentic_mean_tokens(&shape, 0.9) / 1900, 1e-9);
	assert_true(mkt_token_multiplier(&shape, 0.9) > 20);
	sim_rng_close(&rng);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attempts),
		cmocka_unit_test(test_agentic_mean),
		cmocka_unit_test(test_chat_and_multiplier),
	};
	return cmocka_run_group_tests_name("market workload", tests, NULL, NULL);
}
