/*
 * test_market_demand.c - developer agents (models/market/demand.c):
 * joining, drawing their models from their segment's pulls, the overflow
 * beyond a free limit, re-choosing when an event hits them, leaving.
 *
 * demand.c keeps no record of its decisions besides the agents and their
 * segments' loads and member counts, which metrics.c turns into each day's
 * tasks; a slip there shifts demand between models silently. So each
 * suite here builds a small market in this process from a tests/data
 * fixture (as sim/runner.c builds a replication: the experiment loaded
 * with --set overrides holding the numbers the test computes with, the
 * model's init on a fresh engine), drives it through the model's own
 * functions and engine, and reads the agents back:
 *
 * - the loads and member counts are the sums over the live agents, through
 *   arrivals, reviews, overflows and departures;
 * - a joining agent draws its segment by share and its tasks per day with
 *   the configured mean;
 * - an agent's draw weighs a paid model by its own usage, rate^(-beta_price
 *   / mu), so heavy users and higher prices both push developers off a
 *   paid model, by the amount the logit says;
 * - an agent whose free model is over its limit sends exactly the limit
 *   there and the rest to a paid fallback model, or loses it without one;
 * - when a model's price rises, the agents using it (and only they) choose
 *   again, as many stay as the new probabilities say, and the week's
 *   new_devs and conversions count the moves;
 * - agents leave at the churn rate, whatever their review rate.
 *
 * Statistical checks compare a count with its expectation within z
 * standard deviations of that count, z the normal quantile for a false
 * alarm rate of FALSE_ALARM over the checks of the test (Bonferroni). The
 * draws are fixed by the fixtures' seeds, so a check fails only if the
 * code changes. Must run from the repository root (make test does).
 */
#include "test_util.h"

#include <gsl/gsl_cdf.h>
#include <stdlib.h>
#include <string.h>

#include "market_internal.h"
#include "test_market.h"

/* ---- what demand.c's rules say, computed here ---- */

/* The agent's tasks per day at time t (docs/MODEL.md: weight e^{g t}). */
static double rate_of(const mkt_state *s, const mkt_agent *a, double t)
{
	return a->weight * exp(s->segments[a->segment].growth_per_day * t);
}

/* The probability that agent a, drawing at time t, picks model i: its
   segment's pull, times rate^(-beta_price/mu) for a paid model, times
   exp(inertia/mu) for its current primary, over the sum of the same for
   every model. */
static double choice_probability(const mkt_state *s, const mkt_agent *a, double t, size_t i)
{
	const mkt_segment_state *seg = &s->segments[a->segment];
	double paid = pow(rate_of(s, a, t), -seg->p->beta_price / s->p->mu), total = 0, mine = 0;
	for (size_t j = 0; j < s->model_count; j++) {
		double w = seg->pull[j] * (seg->paid[j] ? paid : 1.0) *
			   (j == a->primary ? seg->stay : 1.0);
		total += w;
		if (j == i)
			mine = w;
	}
	return mine / total;
}

/* Fails unless every segment's load and member count on every model is
   the sum over its live agents (primary: weight x primary_frac; fallback:
   weight x the rest), and the live count is right. */
static void check_books(const market *m, const char *when)
{
	const mkt_state *s = m->s;
	size_t n = s->model_count, alive = 0;
	double *load = calloc(s->segment_count * n, sizeof *load);
	double *scale = calloc(s->segment_count, sizeof *scale);
	uint64_t *members = calloc(s->segment_count * n, sizeof *members);
	assert_true(load && scale && members);
	for (size_t j = 0; j < s->agent_count; j++) {
		const mkt_agent *a = &s->agents[j];
		if (!a->alive)
			continue;
		alive++;
		assert_int_not_equal(a->primary, MKT_NONE);
		load[a->segment * n + a->primary] += a->weight * a->primary_frac;
		members[a->segment * n + a->primary]++;
		if (a->secondary != MKT_NONE)
			load[a->segment * n + a->secondary] += a->weight * (1.0 - a->primary_frac);
		scale[a->segment] += a->weight;
	}
	if (alive != s->alive)
		fail_msg("%s: %zu live agents, the model counts %zu", when, alive, s->alive);
	for (size_t k = 0; k < s->segment_count; k++)
		for (size_t i = 0; i < n; i++) {
			const mkt_segment_state *seg = &s->segments[k];
			if (seg->members[i] != members[k * n + i])
				fail_msg("%s: segment %zu, model %zu: %llu members, %llu agents", when,
					 k, i, (unsigned long long)seg->members[i],
					 (unsigned long long)members[k * n + i]);
			/* Loads are running sums of additions and removals:
			   rounding of order 1e-16 per change. */
			if (!(fabs(seg->load[i] - load[k * n + i]) <= 1e-9 * (scale[k] + 1)))
				fail_msg("%s: segment %zu, model %zu: load %.17g, agents' sum %.17g",
					 when, k, i, seg->load[i], load[k * n + i]);
		}
	free(load);
	free(scale);
	free(members);
}

/* Conversions booked in every week and model. */
static double total_conversions(const mkt_state *s)
{
	double sum = 0;
	for (size_t j = 0; j < s->weeks * s->model_count; j++)
		sum += s->rows[j].conversions;
	return sum;
}

/* ---- tests ---- */

/* Ensure loads and member counts stay the sums over the live agents
   through arrivals, reviews, free-limit overflows, a price change, an
   outage and churn. */
static void test_books_balance(void **unused)
{
	(void)unused;
	static const char *const set[] = { "market.models.free_a.free_limit=20",
					   "market.segments.[0].fallback_share=1",
					   "market.segments.[1].fallback_share=1", NULL };
	market m;
	market_open(&m, "market_analytic_congested.cfg", set, 0);
	size_t overflowing = 0;
	for (size_t j = 0; j < m.s->agent_count; j++)
		overflowing += m.s->agents[j].secondary != MKT_NONE;
	assert_true(overflowing > 0); /* the overflow rule is exercised */
	check_books(&m, "after the warm start");
	double times[] = { 14.5, 31.5, 63.5 };
	for (size_t i = 0; i < 3; i++) {
		char when[32];
		market_run(&m, times[i]);
		snprintf(when, sizeof when, "day %.1f", times[i]);
		check_books(&m, when);
	}
	/* Arrivals, departures and re-choices all happened. */
	assert_true(m.s->agent_count > 5000);
	assert_true(m.s->alive < m.s->agent_count);
	market_close(&m);
}

/* Ensure joining agents draw their segment by share and their tasks per
   day with the configured mean. */
static void test_join_segment_and_tasks(void **unused)
{
	(void)unused;
	static const double SHARE0 = 0.6, TASKS[2] = { 4.0, 8.0 }, SD[2] = { 4.0, 8.0 };
	static const char *const set[] = {
		"market.segments.[0].share=0.6", "market.segments.[1].share=0.4",
		"market.segments.[0].tasks_mean=4.0", "market.segments.[0].tasks_sd=4.0",
		"market.segments.[1].tasks_mean=8.0", "market.segments.[1].tasks_sd=8.0",
		"market.scale=5.0", NULL
	};
	market m;
	market_open(&m, "market_analytic_congested.cfg", set, 0);
	const mkt_state *s = m.s;
	size_t n = s->agent_count, count[2] = { 0 };
	double sum[2] = { 0 };
	assert_int_equal(n, 10000); /* initial 5e4 developers / scale 5 */
	/* The initial agents join at t = 0, where the weight is the tasks. */
	for (size_t j = 0; j < n; j++) {
		count[s->agents[j].segment]++;
		sum[s->agents[j].segment] += s->agents[j].weight;
	}
	double z = z_for(3);
	double sd_count = sqrt(n * SHARE0 * (1 - SHARE0));
	if (!(fabs(count[0] - n * SHARE0) <= z * sd_count))
		fail_msg("%zu of %zu agents in segment 0, expected %.0f +- %.1f", count[0], n,
			 n * SHARE0, z * sd_count);
	for (int k = 0; k < 2; k++) {
		double mean = sum[k] / count[k], se = SD[k] / sqrt((double)count[k]);
		if (!(fabs(mean - TASKS[k]) <= z * se))
			fail_msg("segment %d: mean tasks %.4f, configured %.1f (+- %.4f)", k, mean,
				 TASKS[k], z * se);
	}
	market_close(&m);
}

/* The logit fixture: 4000 agents choosing once among four models with
   only quality and price in the utility, m0 paid at (price_in, price_out),
   every agent running `tasks` tasks a day. Returns the share choosing m0
   and fills the share the logit predicts from the model's pulls and the
   agents' rate, and the sd of the observed share. */
static double paid_share(double price_in, double price_out, double tasks, double *expected,
			 double *sd)
{
	char pin[64], pout[64], mean[64];
	snprintf(pin, sizeof pin, "market.models.m0.price_in=%g", price_in);
	snprintf(pout, sizeof pout, "market.models.m0.price_out=%g", price_out);
	snprintf(mean, sizeof mean, "market.segments.[0].tasks_mean=%g", tasks);
	const char *const set[] = {
		pin, pout, mean, "market.arrivals.initial=4000", "market.arrivals.potential=4000",
		"market.models.m0.quality=1.5", "market.models.m1.quality=1.0",
		"market.models.m2.quality=0.5", "market.models.m3.quality=0.0", NULL
	};
	market m;
	market_open(&m, "market_analytic_logit.cfg", set, 0);
	const mkt_state *s = m.s;
	size_t m0 = model_index(&m, "m0"), on = 0, n = s->agent_count;
	assert_true(s->segments[0].paid[m0]);
	for (size_t j = 0; j < n; j++)
		on += s->agents[j].primary == m0;
	/* Every agent has the same rate (tasks_sd = 0) and no inertia, so one
	   probability holds for all. */
	assert_double_near(rate_of(s, &s->agents[0], 0), tasks, 1e-6 * tasks);
	double p = choice_probability(s, &s->agents[0], 0, m0);
	*expected = p;
	*sd = sqrt(p * (1 - p) / (double)n);
	market_close(&m);
	return (double)on / (double)n;
}

/* Ensure an agent's draw weighs a paid model by rate^(-beta_price/mu):
   a higher price and heavier usage each lower the share choosing it, by
   what the logit predicts. */
static void test_choice_responds_to_price_and_usage(void **unused)
{
	(void)unused;
	double z = z_for(3), want[3], sd[3], got[3];
	/* At $1 / $4.5 and 2 tasks a day, m0's spend term about balances
	   the free models' zero-price bonus: half the agents take it. */
	got[0] = paid_share(1.0, 4.5, 2.0, &want[0], &sd[0]);
	got[1] = paid_share(10.0, 45.0, 2.0, &want[1], &sd[1]); /* 10x the price */
	got[2] = paid_share(1.0, 4.5, 20.0, &want[2], &sd[2]);  /* 10x the usage */
	for (int c = 0; c < 3; c++)
		if (!(fabs(got[c] - want[c]) <= z * sd[c]))
			fail_msg("case %d: %.4f of the agents chose the paid model, the logit "
				 "gives %.4f +- %.4f", c, got[c], want[c], z * sd[c]);
	/* beta_price / mu = 1.25: ten times the spend divides the paid
	   model's weight by 10^1.25 = 17.8. */
	assert_true(want[0] > 0.3 && want[1] < 0.1 && want[2] < 0.1);
	assert_true(got[1] < got[0] / 3 && got[2] < got[0] / 3);
	print_message("paid share: %.3f cheap, %.3f at 10x the price, %.3f at 10x the usage\n",
		      got[0], got[1], got[2]);
}

/* Ensure an agent on a free model whose wanted requests R exceed its limit
   L keeps L/R of its tasks there and, when it configured fallback and
   bought credits, sends the rest to a paid model (else the rest is
   refused), and one under the limit has no overflow. */
static void test_free_limit_overflow(void **unused)
{
	(void)unused;
	static const int64_t LIMIT = 8;
	static const char *const set[] = { "market.models.free_cn.free_limit=8", "market.scale=2",
					   "market.segments.[0].fallback_share=0.5",
					   "market.segments.[1].fallback_share=0.5", NULL };
	market m;
	market_open(&m, "market_ok.cfg", set, 0);
	const mkt_state *s = m.s;
	size_t free_cn = model_index(&m, "free_cn"), over = 0, under = 0, routed = 0;
	const mkt_model_state *mo = &s->models[free_cn];
	assert_int_equal(mo->free_limit, LIMIT);
	for (size_t j = 0; j < s->agent_count; j++) {
		const mkt_agent *a = &s->agents[j];
		if (a->primary != free_cn)
			continue;
		const mkt_segment_state *seg = &s->segments[a->segment];
		/* Everyone chose at t = 0 (the warm start's last round). */
		double share = mkt_agentic_share(seg, 0);
		double per_task = (1 - share) * mo->chat.requests + share * mo->agentic.requests;
		double wanted = rate_of(s, a, 0) * per_task * seg->intensity[free_cn];
		assert_false(seg->paid[free_cn]);
		if (wanted > (double)LIMIT) {
			over++;
			if (a->fallback && a->credited) {
				routed++;
				assert_int_not_equal(a->secondary, MKT_NONE);
				assert_int_not_equal(a->secondary, free_cn);
				assert_true(seg->paid[a->secondary]);
			} else {
				assert_int_equal(a->secondary, MKT_NONE);
			}
			assert_double_near(a->primary_frac, LIMIT / wanted, 1e-6 * LIMIT / wanted);
		} else {
			under++;
			assert_int_equal(a->secondary, MKT_NONE);
			assert_double_near(a->primary_frac, 1.0, 0);
		}
	}
	assert_true(over > routed && routed > 0 && under > 0); /* every branch was seen */
	print_message("free limit: %zu agents over it (%zu re-routed), %zu under\n", over, routed,
		      under);
	market_close(&m);
}

/* Ensure raising a model's price makes exactly its users choose again:
   as many stay as the new probabilities (inertia included) say, the movers
   are counted as new developers of their new models, and each free
   starter's first paid model as a conversion; nobody else changes. */
static void test_rechoice_when_price_rises(void **unused)
{
	(void)unused;
	/* Inertia on: the model they are leaving pulls them back. */
	static const char *const set[] = { "market.scale=1", "market.segments.[0].inertia=0.7",
					   "market.segments.[1].inertia=0.7", NULL };
	market m;
	market_open(&m, "market_ok.cfg", set, 0);
	mkt_state *s = m.s;
	size_t free_cn = model_index(&m, "free_cn"), n = s->agent_count, hit = 0, stay = 0;
	size_t converted = 0;
	size_t models = s->model_count;
	double t = 0;
	mkt_agent *before = malloc(n * sizeof *before);
	double *new_devs = calloc(models, sizeof *new_devs);
	assert_true(before && new_devs);
	memcpy(before, s->agents, n * sizeof *before);
	for (size_t i = 0; i < models; i++)
		new_devs[i] = s->rows[i].new_devs; /* week 0 */
	double conversions = total_conversions(s);

	/* What a price_change does to the model (shocks.c), then the re-choice
	   of those it hits (demand.c). */
	s->models[free_cn].price_in = 1.0;
	s->models[free_cn].price_out = 4.0;
	mkt_refresh_pulls(s, t);
	double expect_stay = 0, var_stay = 0;
	for (size_t j = 0; j < n; j++)
		if (before[j].alive && before[j].primary == free_cn) {
			double p = choice_probability(s, &before[j], t, free_cn);
			expect_stay += p;
			var_stay += p * (1 - p);
		}
	memset(s->shock_hit, 0, s->model_count * sizeof *s->shock_hit);
	memset(s->ban_hit, 0, s->segment_count * s->origin_count * sizeof *s->ban_hit);
	s->shock_hit[free_cn] = true;
	mkt_rechoose_hit(s, t);

	size_t moved_to[256] = { 0 };
	for (size_t j = 0; j < n; j++) {
		const mkt_agent *a = &s->agents[j], *b = &before[j];
		bool used = b->alive && (b->primary == free_cn || b->secondary == free_cn);
		if (!used) {
			if (memcmp(a, b, sizeof *a) != 0)
				fail_msg("agent %zu did not use the model, yet changed", j);
			continue;
		}
		hit++;
		assert_true(s->segments[a->segment].paid[a->primary]); /* every model is paid now */
		converted += a->converted && !b->converted;
		if (a->primary == free_cn)
			stay++;
		else
			moved_to[a->primary]++;
	}
	assert_true(hit > 100);
	double z = z_for(1), sd = sqrt(var_stay);
	if (!(fabs((double)stay - expect_stay) <= z * sd))
		fail_msg("%zu of %zu stayed after the price rise, expected %.1f +- %.1f", stay, hit,
			 expect_stay, z * sd);
	for (size_t i = 0; i < models; i++)
		assert_double_near(s->rows[i].new_devs - new_devs[i], moved_to[i] * m.p->scale, 0);
	/* Each free starter's first paid model is one conversion. */
	assert_true(converted > 0);
	assert_double_near(total_conversions(s) - conversions, converted * m.p->scale, 0);
	check_books(&m, "after the re-choice");
	print_message("price rise: %zu of %zu users stayed (expected %.1f)\n", stay, hit,
		      expect_stay);
	free(before);
	free(new_devs);
	market_close(&m);
}

/* Runs the Bass fixture with 4000 agents, no arrivals, `churn` per year
   and `review_days`, to day `days`; returns the agents still there. */
static size_t survivors(double churn, double review_days, double days)
{
	char c[64], r[64];
	snprintf(c, sizeof c, "market.segments.[0].churn=%g", churn);
	snprintf(r, sizeof r, "market.segments.[0].review_days=%g", review_days);
	const char *const set[] = { c, r, "market.arrivals.initial=4000",
				    "market.arrivals.potential=4000", NULL };
	market m;
	market_open(&m, "market_analytic_bass.cfg", set, 0);
	assert_int_equal(m.s->agent_count, 4000);
	market_run(&m, days);
	check_books(&m, "after churn");
	size_t alive = m.s->alive;
	market_close(&m);
	return alive;
}

/* Ensure agents leave at the churn rate, exp(-churn t) surviving, however
   often they review, and reviews alone make nobody leave. */
static void test_churn(void **unused)
{
	(void)unused;
	static const double CHURN = 1.5, DAYS = 91;
	double p = exp(-CHURN * DAYS / 365.0), n = 4000, z = z_for(2);
	double sd = sqrt(n * p * (1 - p));
	size_t slow = survivors(CHURN, 60, DAYS), fast = survivors(CHURN, 5, DAYS);
	if (!(fabs(slow - n * p) <= z * sd) || !(fabs(fast - n * p) <= z * sd))
		fail_msg("survivors after %.0f days: %zu (reviews every 60 days), %zu (every 5), "
			 "expected %.1f +- %.1f", DAYS, slow, fast, n * p, z * sd);
	assert_int_equal(survivors(0, 5, DAYS), 4000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_books_balance),
		cmocka_unit_test(test_join_segment_and_tasks),
		cmocka_unit_test(test_choice_responds_to_price_and_usage),
		cmocka_unit_test(test_free_limit_overflow),
		cmocka_unit_test(test_rechoice_when_price_rises),
		cmocka_unit_test(test_churn),
	};
	return cmocka_run_group_tests_name("market demand", tests, NULL, NULL);
}
