/*
 * test_market_funnel.c - the conversion funnel (models/market/demand.c)
 * against its closed form, and refusals (metrics.c) against the platform's
 * rule that free overflow without fallback is lost.
 *
 * Funnel (tests/data/market_funnel.cfg): one free model F and one paid
 * model P, utilities fixed, mu = 1. A developer without credits draws from
 * three options with weights
 *     F as it is:              e^{V_F}
 *     F with credits bought:   e^{V_F - b}
 *     P (credits needed):      e^{V_P - b}
 * (V_F = quality_F + zero_price_bonus, V_P = quality_P, b the credit
 * barrier; no quota binds), so it buys credits with the fixed probability
 * p = (e^{V_F-b} + e^{V_P-b}) / (e^{V_F} + e^{V_F-b} + e^{V_P-b}); one
 * with credits picks P with probability q = e^{V_P} / (e^{V_F} + e^{V_P}).
 * Each developer chooses 1 + 5 times at the start (joining, then the warm
 * start's rounds: the tables do not count them) and then at its reviews,
 * a Poisson number with mean T / review_days by time T. A Markov chain over
 * (credited, on P, started on F, converted) summed over that Poisson law
 * gives the expected credit buyers and conversions of the run exactly;
 * the simulation must match within 2%.
 */
#include "test_util.h"

#include <gsl/gsl_randist.h>
#include <stdlib.h>
#include <string.h>

#include "market_internal.h"
#include "test_market.h"

/* Choices each developer makes at the start: joining, then the warm
   start's rounds (models/market/market.c, WARM_START_ROUNDS). */
#define START_CHOICES 6

/* A developer's state between choices: credited, on the paid model,
   started on the free one (first_free set), converted. 16 states. */
enum { CREDITED = 1, ON_PAID = 2, STARTED_FREE = 4, CONVERTED = 8, STATES = 16 };

/* What one more choice does to the distribution `pr` over states, adding
   to *bought and *converted the probability of buying credits and of
   converting in it. p: chance to buy credits without them; q: chance to
   pick the paid model with them; without credits, P is picked with
   probability p_paid (the rest of p buys credits and stays on F). */
static void step(double *pr, double p, double p_paid, double q, double *bought,
		 double *converted)
{
	double next[STATES] = { 0 };
	for (int s = 0; s < STATES; s++) {
		if (pr[s] == 0)
			continue;
		double to_paid = s & CREDITED ? q : p_paid;
		double buy = s & CREDITED ? 0 : p;
		/* Outcomes: paid (buys if it lacks credits), free with credits
		   bought (only without them), free as it is. */
		double outcome[3] = { to_paid, buy - (s & CREDITED ? 0 : p_paid),
				      1 - to_paid - (buy - (s & CREDITED ? 0 : p_paid)) };
		for (int o = 0; o < 3; o++) {
			if (outcome[o] <= 0)
				continue;
			double w = pr[s] * outcome[o];
			int t = s | (o < 2 ? CREDITED : 0);
			if (o == 0) {
				t |= ON_PAID;
				if ((s & STARTED_FREE) && !(s & CONVERTED)) {
					t |= CONVERTED;
					*converted += w;
				}
			} else {
				t = (t & ~ON_PAID) | STARTED_FREE;
			}
			if (!(s & CREDITED) && o < 2)
				*bought += w;
			next[t] += w;
		}
	}
	memcpy(pr, next, sizeof next);
}

/* Ensure credit buyers and conversions over the run match the closed form
   within 2%. */
static void test_funnel_closed_form(void **unused)
{
	(void)unused;
	market m;
	market_open(&m, "market_funnel.cfg", NULL, 0);
	const mkt_market_params *mp = m.p;
	const mkt_model_params *models = mp->models.items;
	const mkt_segment_params *seg = mp->segments.items;
	double vf = models[0].quality * seg->beta_quality + seg->zero_price_bonus;
	double vp = models[1].quality * seg->beta_quality, b = seg->credit_barrier;
	double wf = exp(vf), wfc = exp(vf - b), wp = exp(vp - b);
	double p = (wfc + wp) / (wf + wfc + wp), p_paid = wp / (wf + wfc + wp);
	double q = exp(vp) / (exp(vf) + exp(vp));

	double pr[STATES] = { [0] = 1 }, ignored = 0;
	for (int k = 0; k < START_CHOICES; k++)
		step(pr, p, p_paid, q, &ignored, &ignored);
	/* Reviews by the end of the run, which goes on to days + 0.5 (the
	   model's horizon: the last day's tick, then what is left of the
	   half day): Poisson with mean (days + 0.5) / review_days; sum the
	   chain over the count, each term weighted by its probability. */
	double horizon = (double)mp->days + 0.5;
	double mean = horizon / seg->review_days, bought = 0, converted = 0;
	double cum_bought = 0, cum_converted = 0;
	for (unsigned k = 0; k < 200; k++) {
		double w = gsl_ran_poisson_pdf(k, mean);
		bought += w * cum_bought;
		converted += w * cum_converted;
		step(pr, p, p_paid, q, &cum_bought, &cum_converted);
	}

	market_run(&m, horizon);
	const mkt_state *s = m.s;
	double got_bought = 0, got_converted = 0;
	for (size_t j = 0; j < s->weeks * s->model_count; j++) {
		got_bought += s->rows[j].credit_buyers;
		got_converted += s->rows[j].conversions;
	}
	double n = mp->arrivals.initial;
	print_message("p = %.4f, q = %.4f: credit buyers %.0f (expected %.1f), conversions "
		      "%.0f (expected %.1f)\n", p, q, got_bought, n * bought, got_converted,
		      n * converted);
	assert_true(n * bought > 1000 && n * converted > 500); /* both steps happen */
	if (!(fabs(got_bought / (n * bought) - 1) <= 0.02))
		fail_msg("credit buyers %.0f, closed form %.1f", got_bought, n * bought);
	if (!(fabs(got_converted / (n * converted) - 1) <= 0.02))
		fail_msg("conversions %.0f, closed form %.1f", got_converted, n * converted);
	market_close(&m);
}

/* Ensure that with fallback configured by nobody the overflow of free
   models (beyond the quota and beyond capacity) is all refused: nothing is
   re-routed, and every week tokens served + refused = demanded, per model
   and over the market (tests/data/market_analytic_congested.cfg, whose
   free model is over its capacity, with a quota that binds). */
static void test_refused_without_fallback(void **unused)
{
	(void)unused;
	static const char *const set[] = { "market.free_quota=20", "market.free_quota_credited=40",
					   NULL };
	market m;
	market_open(&m, "market_analytic_congested.cfg", set, 0);
	market_run(&m, (double)m.p->days + 0.5);
	const mkt_state *s = m.s;
	double quota = 0, failed = 0;
	for (size_t w = 0; w < s->weeks; w++) {
		double served = 0, lost = 0, demanded = 0;
		for (size_t i = 0; i < s->model_count; i++) {
			const mkt_week_row *r = &s->rows[w * s->model_count + i];
			assert_double_near(r->fallback, 0, 0);
			served += r->tokens_in + r->tokens_out;
			lost += r->lost;
			demanded += r->demanded;
			quota += r->refused_quota;
			failed += r->failed;
			assert_double_near(r->lost, r->failed, 1e-9 * (r->failed + 1));
		}
		if (!(fabs(served + lost - demanded) <= 1e-9 * demanded))
			fail_msg("week %zu: served %.6g + refused %.6g != demanded %.6g", w, served,
				 lost, demanded);
	}
	/* Both kinds of refusal happened. */
	assert_true(quota > 0 && failed > quota);
	print_message("refused: %.3g tokens beyond the quota, %.3g in all\n", quota, failed);
	market_close(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_funnel_closed_form),
		cmocka_unit_test(test_refused_without_fallback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
