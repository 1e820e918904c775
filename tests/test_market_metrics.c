/*
 * test_market_metrics.c - the daily draw's accounting, congestion, money,
 * the leaderboard and the tables (models/market/metrics.c).
 *
 * metrics.c turns each day's drawn demand into served and failed tokens,
 * money and weekly rows, and the rows into the result tables; every
 * figure the experiments report passes through it. tests/test_market_model.c
 * checks identities between the written CSVs; this suite checks metrics.c
 * against what it was given, day by day, in a small market built in this
 * process from a tests/data fixture (the experiment loaded with --set
 * overrides holding the prices, costs and capacities the test computes
 * with, the model's init on a fresh engine) and stepped tick by tick:
 *
 * - weekly bins: a model's week row is the sum of the demand drawn on the
 *   week's days (days 7w to 7w + 6, a last partial week its own), served
 *   in full when there is room, and of its daily capacities;
 * - congestion: above capacity a model serves exactly its capacity, in
 *   and out and requests in proportion, fails the rest (and, counted as
 *   demanded and failed besides, the tokens the free quota refused: the
 *   refused load's expected tokens), loses what no fallback re-sends, and
 *   its developers' impression of its error rate and latency moves
 *   towards that day's by 1 - exp(-1/perception_days);
 * - fallback: what a congested model's developers re-send goes to the
 *   paid models with room as their nested-logit second choice;
 * - money: each day's spend is its tokens times that day's prices (a
 *   price change mid-week included), revenue = spend, fee = rate x spend,
 *   cost = tokens x cost to serve; the table's profit = revenue - cost,
 *   its prices the week's last, each provider's cumulative revenue the sum
 *   of its models';
 * - leaderboard: ranked models by tokens, visibility an exponential
 *   memory (visibility_weeks) of the shares of the ranked tokens the top
 *   leaderboard_size show, an unranked model off it however much it
 *   serves, active developers the members;
 *   token shares, long tail included, sum to 1.
 *
 * Must run from the repository root (make test does).
 */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "market_internal.h"
#include "test_market.h"
#include "sim_table.h"

static long day_of(const market *m, const char *date)
{
	long d;
	assert_int_equal(mkt_days_between(m->p->start_date, date, &d), 0);
	return d;
}

/* The day's demand on model i, summed over segments, as metrics.c drew it
   (s->demand holds the last tick's draw). */
static mkt_demand own_demand(const mkt_state *s, size_t i)
{
	mkt_demand d = { 0 };
	for (size_t k = 0; k < s->segment_count; k++) {
		const mkt_demand *x = &s->demand[k * s->model_count + i];
		d.in += x->in;
		d.out += x->out;
		d.requests += x->requests;
	}
	return d;
}

/* |a - b| <= tol x max(|a|, |b|), with the values in the message. */
#define assert_rel(a, b, tol)                                                            \
	do {                                                                             \
		double ra_ = (a), rb_ = (b);                                             \
		if (!(fabs(ra_ - rb_) <= (tol) * fmax(fabs(ra_), fabs(rb_))))            \
			fail_msg("%s = %.17g, expected %.17g (relative %g)", #a, ra_, rb_, \
				 (double)(tol));                                         \
	} while (0)

/* Runs the model's `record` into a fresh table set; the caller frees it. */
static sim_table_set *record(const market *m)
{
	sim_error err;
	sim_table_set *set = sim_table_set_new();
	assert_non_null(set);
	if (mkt_market_model.record(m->state, m->eng, set, &err) != 0)
		fail_msg("record: %s", err.message);
	return set;
}

static double value(const sim_table *t, size_t row, const char *column)
{
	long c = sim_table_value_index(t, column);
	if (c < 0)
		fail_msg("%s: no column %s", sim_table_file(t), column);
	return sim_table_value(t, 0, row, (size_t)c);
}

/* ---- tests ---- */

/* Ensure each week's row of a model holds the sum of the tokens and
   requests drawn on its days (days 7w to 7w + 6; a last partial week its
   own days), all served without congestion, and its daily capacities. */
static void test_weekly_bins(void **unused)
{
	(void)unused;
	enum { DAYS = 24, WEEKS = 4, MODELS = 4 };
	/* m3 is picked by a few agents only (5 to 15 tasks a day): its days
	   are drawn task by task, the others' as normal totals. */
	static const char *const set[] = {
		"market.days=24", "market.arrivals.initial=2000", "market.arrivals.potential=2000",
		"market.segments.[0].tasks_mean=2.0", "market.models.m0.quality=0.0",
		"market.models.m1.quality=0.0", "market.models.m2.quality=0.0",
		"market.models.m3.quality=-3.2", NULL
	};
	market m;
	market_open(&m, "market_analytic_logit.cfg", set, 0);
	mkt_state *s = m.s;
	assert_int_equal(s->weeks, WEEKS);
	assert_int_equal(s->model_count, MODELS);
	double in[WEEKS][MODELS] = { { 0 } }, out[WEEKS][MODELS] = { { 0 } };
	double req[WEEKS][MODELS] = { { 0 } }, cap[WEEKS][MODELS] = { { 0 } };
	size_t exact_days = 0; /* model-days of 1 to 24 tasks (one request each) */
	for (int d = 1; d <= DAYS; d++) {
		market_run(&m, d + 0.5); /* the tick at d draws day d - 1 */
		int day = d - 1, w = day / 7;
		for (size_t i = 0; i < MODELS; i++) {
			mkt_demand x = own_demand(s, i);
			in[w][i] += x.in;
			out[w][i] += x.out;
			req[w][i] += x.requests;
			cap[w][i] += mkt_capacity_on(&s->models[i], day);
			exact_days += x.requests >= 1 && x.requests <= 24;
		}
	}
	assert_true(exact_days > 0); /* some days were drawn task by task */
	for (size_t w = 0; w < WEEKS; w++)
		for (size_t i = 0; i < MODELS; i++) {
			const mkt_week_row *r = &s->rows[w * MODELS + i];
			assert_true(in[w][i] > 0);
			assert_rel(r->tokens_in, in[w][i], 1e-12);
			assert_rel(r->tokens_out, out[w][i], 1e-12);
			assert_rel(r->requests, req[w][i], 1e-12);
			assert_rel(r->demanded, in[w][i] + out[w][i], 1e-12);
			assert_double_near(r->failed, 0, 0);
			assert_double_near(r->fallback, 0, 0);
			assert_rel(r->capacity, cap[w][i], 1e-12);
		}
	market_close(&m);
}

/* The tokens the free quota refuses on model i on day `day`, from the
   segments' refused loads as docs and metrics.c define them: refused
   load x e^{g t} x scale x intensity x the tokens of the segment's task
   mix at t = day + 1/2 (an expectation, not a draw). */
static double quota_tokens(const mkt_state *s, size_t i, long day)
{
	const mkt_model_state *mo = &s->models[i];
	double t = (double)day + 0.5, tokens = 0;
	for (size_t k = 0; k < s->segment_count; k++) {
		const mkt_segment_state *seg = &s->segments[k];
		double share = mkt_agentic_share(seg, t);
		double per_task = (1 - share) * (mo->chat.in + mo->chat.out) +
				  share * (mo->agentic.in + mo->agentic.out);
		tokens += seg->refused_load[i] * exp(seg->growth_per_day * t) * s->p->scale *
			  seg->intensity[i] * per_task;
	}
	return tokens;
}

/* Ensure a model whose demand D exceeds its capacity C serves exactly C a
   day, in, out and requests in proportion, fails D - C, counts the Q
   tokens the free quota refused as demanded and failed too (D + Q, D - C
   + Q), loses all it fails (no developer configured fallback), and moves
   its developers' impression of its error rate and latency towards the
   day's, 1 - C/D and the latency of utilisation D/C, by 1 - k with k =
   exp(-1/perception_days). */
static void test_congestion_serves_capacity(void **unused)
{
	(void)unused;
	enum { DAYS = 14 };
	static const double CAPACITY = 1e9, GROWTH = 1.0, LATENCY = 2.0, SLOPE = 0.5, POWER = 2.0;
	static const double PERCEPTION = 3.0;
	/* One model: nowhere to fall back to. Its 50 tasks a day, half
	   agentic, are more requests than the free quota of an account
	   without credits. */
	static const char *const set[] = {
		"market.days=14", "market.arrivals.initial=2000", "market.arrivals.potential=2000",
		"market.models.agent.capacity=1e9", "market.models.agent.capacity_growth=1.0",
		"market.models.agent.latency=2.0", "market.latency_slope=0.5",
		"market.latency_power=2.0", "market.perception_days=3.0", NULL
	};
	market m;
	market_open(&m, "market_analytic_tokens.cfg", set, 0);
	mkt_state *s = m.s;
	assert_int_equal(s->model_count, 1);
	const mkt_model_state *mo = &s->models[0];
	const mkt_week_row *rows = s->rows;
	double keep = exp(-1.0 / PERCEPTION), refused_days = 0;
	for (int d = 1; d <= DAYS; d++) {
		const mkt_week_row *r = &rows[(d - 1) / 7];
		mkt_week_row was = *r;
		double seen_errors = mo->error_rate, seen_latency = mo->latency;
		/* No agent moves (no reviews, churn or arrivals): the refused
		   load the day is drawn with is the one read after it. */
		market_run(&m, d + 0.5);
		double capacity = CAPACITY * pow(1 + GROWTH, (d - 1) / 365.0);
		mkt_demand x = own_demand(s, 0);
		double demand = x.in + x.out, served = capacity / demand;
		double quota = quota_tokens(s, 0, d - 1);
		assert_true(demand > 2 * capacity); /* congested */
		refused_days += quota > 0;
		assert_rel(r->tokens_in - was.tokens_in, x.in * served, 1e-9);
		assert_rel(r->tokens_out - was.tokens_out, x.out * served, 1e-9);
		assert_rel(r->tokens_in + r->tokens_out - was.tokens_in - was.tokens_out, capacity,
			   1e-9);
		assert_rel(r->requests - was.requests, x.requests * served, 1e-9);
		assert_rel(r->refused_quota - was.refused_quota, quota, 1e-9);
		assert_rel(r->failed - was.failed, demand - capacity + quota, 1e-9);
		assert_rel(r->demanded - was.demanded, demand + quota, 1e-9);
		assert_rel(r->lost - was.lost, demand - capacity + quota, 1e-9);
		assert_double_near(r->fallback - was.fallback, 0, 0);
		double errors = 1 - capacity / demand;
		double latency = LATENCY * (1 + SLOPE * pow(demand / capacity, POWER));
		assert_rel(mo->error_rate, keep * seen_errors + (1 - keep) * errors, 1e-12);
		assert_rel(mo->latency, keep * seen_latency + (1 - keep) * latency, 1e-12);
	}
	assert_true(refused_days == DAYS); /* the quota refused some tokens every day */
	market_close(&m);
}

/* Nested logit shares (lambda; one nest per origin) of the options with
   weight w[j] > 0, computed from the definition, apart from metrics.c. */
static void nested_shares(const double *w, const int *origin, size_t n, double lambda,
			  double *p)
{
	double total = 0;
	for (size_t j = 0; j < n; j++) {
		double nest = 0;
		for (size_t h = 0; h < n; h++)
			nest += origin[h] == origin[j] ? w[h] : 0;
		p[j] = w[j] > 0 ? w[j] * pow(nest, lambda - 1) : 0;
	}
	for (size_t j = 0; j < n; j++) {
		bool first = true; /* each nest's S^lambda once */
		for (size_t h = 0; h < j; h++)
			first &= origin[h] != origin[j] || !(w[h] > 0);
		if (!first || !(w[j] > 0))
			continue;
		double nest = 0;
		for (size_t h = 0; h < n; h++)
			nest += origin[h] == origin[j] ? w[h] : 0;
		total += pow(nest, lambda);
	}
	for (size_t j = 0; j < n; j++)
		p[j] /= total;
}

/* Ensure the failed requests of a congested free model that its
   developers' fallback re-sends go to the paid models with room as their
   second choice under the nested logit: in proportion to what each gains
   when the free model leaves the choice set. In the fixture the free
   model and paid_b are Chinese, paid_c American: with lambda 0.5 paid_b
   gets more of the fallback than its plain-logit part. */
static void test_fallback_second_choice(void **unused)
{
	(void)unused;
	static const double LAMBDA = 0.5;
	static const char *const set[] = {
		"market.origin_nesting=0.5", "market.segments.[0].share=1.0",
		"market.segments.[1].share=0.0", "market.segments.[0].fallback_share=1.0",
		"market.segments.[0].credit_barrier=0.0", NULL
	};
	market m;
	market_open(&m, "market_analytic_congested.cfg", set, 0);
	mkt_state *s = m.s;
	size_t n = s->model_count, free_a = model_index(&m, "free_a");
	assert_int_equal(n, 3);
	const mkt_segment_state *seg = &s->segments[0];
	double checked = 0, worst = 0, plain_gap = 0;
	for (int d = 8; d <= 20; d++) {
		market_run(&m, d);
		/* The pulls and loads the tick at time d works with (it
		   refreshes the pulls only after its fallback). */
		double w[3], pull[3], configured = seg->load[free_a] > 0 ?
			fmin(1.0, seg->fallback_load[free_a] / seg->load[free_a]) : 0;
		memcpy(pull, seg->pull, sizeof pull);
		market_run(&m, d + 1e-6);
		double served[3];
		int origin[3];
		for (size_t j = 0; j < n; j++) {
			mkt_demand x = own_demand(s, j);
			double capacity = mkt_capacity_on(&s->models[j], d - 1);
			served[j] = x.in + x.out > capacity ? capacity / (x.in + x.out) : 1.0;
			origin[j] = s->models[j].origin;
		}
		assert_true(served[free_a] < 1.0); /* congested */
		mkt_demand x = own_demand(s, free_a);
		double failed = (1 - served[free_a]) * configured * (x.in + x.out);
		/* Second choice: the paid models with room, at the segment's
		   mean tasks, with and without the free model. */
		double paid = pow(seg->p->tasks_mean, -seg->p->beta_price / s->p->mu);
		double with[3], without[3], p_with[3], p_without[3], gain[3], gained = 0;
		for (size_t j = 0; j < n; j++) {
			w[j] = j != free_a && served[j] >= 1.0 ? pull[j] * paid : 0;
			without[j] = w[j];
			with[j] = j == free_a ? pull[j] : w[j];
		}
		nested_shares(without, origin, n, LAMBDA, p_without);
		nested_shares(with, origin, n, LAMBDA, p_with);
		for (size_t j = 0; j < n; j++)
			gained += gain[j] = j == free_a ? 0 : p_without[j] - p_with[j];
		double room = 0;
		for (size_t j = 0; j < n; j++)
			room += w[j];
		for (size_t j = 0; j < n; j++) {
			if (j == free_a || !(w[j] > 0))
				continue;
			double got = s->fallback[j].in + s->fallback[j].out;
			double expected = failed * gain[j] / gained;
			assert_rel(got, expected, 1e-9);
			worst = fmax(worst, fabs(got / expected - 1));
			double plain = failed * w[j] / room;
			plain_gap = fmax(plain_gap, fabs(expected / plain - 1));
			/* The free model's own nest gains more than its plain part. */
			if (origin[j] == origin[free_a])
				assert_true(expected > plain);
			checked++;
		}
	}
	assert_true(checked >= 13);
	/* The nested second choice is not the plain logit's split. */
	assert_true(plain_gap > 0.05);
	print_message("fallback: %g model-days match the nested second choice (worst %.1e "
		      "relative); it differs from the plain split by up to %.0f%%\n",
		      checked, worst, 100 * plain_gap);
	market_close(&m);
}

/* Ensure the second choice stays right when the failing model's weight
   is far below the others' (a model failing most requests): the shares
   there, from the first-order limit, agree with the exact diversion at a
   weight just above the switch (1e-9 of the total) to within that
   weight's relative size, sum to 1, favour the failing model's nest, and
   with no model of its nest left are the nested shares of the rest. */
static void test_fallback_second_choice_limit(void **unused)
{
	(void)unused;
	enum { N = 5 };
	mkt_market_params p = { .origin_nesting = 0.5 };
	mkt_model_state models[N] = { { .origin = 0 }, { .origin = 0 }, { .origin = 1 },
				      { .origin = 1 }, { .origin = 0 } };
	mkt_state s = { .p = &p, .models = models, .model_count = N, .origin_count = 2 };
	/* Model 4 (origin 0) fails; models 0-3 are paid with room. */
	double w[N] = { 0.3, 1.0, 2.0, 0.5, 0 }, total = 3.8;
	double exact[N], tiny[N], sum = 0;
	assert_int_equal(mkt_second_choice(&s, w, 1e-8 * total, 4, exact), 0);
	assert_int_equal(mkt_second_choice(&s, w, 1e-30 * total, 4, tiny), 0);
	for (size_t j = 0; j < N; j++) {
		assert_true(isfinite(tiny[j]));
		assert_double_near(tiny[j], exact[j], 1e-6);
		sum += tiny[j];
	}
	assert_double_near(sum, 1.0, 1e-12);
	/* Its own nest (models 0, 1: 1.3 of the 3.8) gets more than its
	   plain share. */
	assert_true(tiny[0] + tiny[1] > 1.3 / total);
	/* No model of its nest with room: the nested shares of the others. */
	double others[N] = { 0, 0, 2.0, 0.5, 0 }, nested[N];
	assert_int_equal(mkt_second_choice(&s, others, 1e-30, 4, nested), 0);
	assert_double_near(nested[2], 0.8, 1e-12);
	assert_double_near(nested[3], 0.2, 1e-12);
	/* No room anywhere. */
	double none[N] = { 0 };
	assert_int_equal(mkt_second_choice(&s, none, 1.0, 4, nested), -1);
}

enum { MONEY_MODELS = 3 };
static const char *const money_ids[MONEY_MODELS] = { "free_a", "paid_b", "paid_c" };
static const double MONEY_PRICE[MONEY_MODELS][2] = { { 0, 0 }, { 0.3, 1.2 }, { 1.25, 10.0 } };
static const double MONEY_COST[MONEY_MODELS] = { 0.25, 0.15, 1.0 };
static const double MONEY_FEE = 0.055, NEW_PRICE[2] = { 0.4, 1.6 };
#define MONEY_DATE "2026-02-04"

/* The price of model i on `day`: free_a's changes on MONEY_DATE. */
static const double *money_price(size_t i, long day, long change)
{
	return i == 0 && day >= change ? NEW_PRICE : MONEY_PRICE[i];
}

/* Ensure every day's spend is its served tokens times that day's prices,
   revenue the spend, the fee its rate times the spend and cost the tokens
   times the cost to serve, also in the week a price changes; that the
   weekly table's profit is revenue - cost, its prices the week's last,
   and each provider's cumulative revenue the sum of its models'. */
static void test_money(void **unused)
{
	(void)unused;
	char args[MONEY_MODELS * 3 + 1][96];
	const char *set[MONEY_MODELS * 3 + 6];
	size_t n = 0;
	for (size_t i = 0; i < MONEY_MODELS; i++) {
		snprintf(args[3 * i], 96, "market.models.%s.price_in=%g", money_ids[i],
			 MONEY_PRICE[i][0]);
		snprintf(args[3 * i + 1], 96, "market.models.%s.price_out=%g", money_ids[i],
			 MONEY_PRICE[i][1]);
		snprintf(args[3 * i + 2], 96, "market.models.%s.cost=%g", money_ids[i], MONEY_COST[i]);
		for (int j = 0; j < 3; j++)
			set[n++] = args[3 * i + j];
	}
	snprintf(args[MONEY_MODELS * 3], 96, "market.fee=%g", MONEY_FEE);
	set[n++] = args[MONEY_MODELS * 3];
	set[n++] = "market.events.[1].date=\"" MONEY_DATE "\"";
	set[n++] = "market.events.[1].model=\"free_a\"";
	set[n++] = "market.events.[1].price_in=0.4";
	set[n++] = "market.events.[1].price_out=1.6";
	set[n] = NULL;
	market m;
	market_open(&m, "market_analytic_congested.cfg", set, 0);
	mkt_state *s = m.s;
	for (size_t i = 0; i < MONEY_MODELS; i++)
		assert_int_equal(model_index(&m, money_ids[i]), i);
	long change = day_of(&m, MONEY_DATE), days = m.p->days;
	assert_true(change % 7 != 0); /* mid-week */
	double burned = 0;
	for (long d = 1; d <= days; d++) {
		long day = d - 1;
		mkt_week_row was[MONEY_MODELS];
		const mkt_week_row *r = &s->rows[(day / 7) * MONEY_MODELS];
		memcpy(was, r, sizeof was);
		market_run(&m, d + 0.5);
		for (size_t i = 0; i < MONEY_MODELS; i++) {
			const double *price = money_price(i, day, change);
			double in = r[i].tokens_in - was[i].tokens_in;
			double out = r[i].tokens_out - was[i].tokens_out;
			double spend = r[i].spend - was[i].spend;
			assert_rel(spend, (in * price[0] + out * price[1]) / 1e6, 1e-9);
			assert_rel(r[i].revenue - was[i].revenue, spend, 1e-9);
			assert_rel(r[i].fee - was[i].fee, MONEY_FEE * spend, 1e-9);
			assert_rel(r[i].cost - was[i].cost, (in + out) * MONEY_COST[i] / 1e6, 1e-9);
			if (price[0] == 0 && price[1] == 0)
				burned += r[i].cost - was[i].cost;
		}
	}
	assert_true(burned > 0); /* the free model served at a loss */

	sim_table_set *tables = record(&m);
	const sim_table *t = sim_table_find(tables, "models_weekly.csv");
	assert_non_null(t);
	assert_int_equal(sim_table_rows(t), s->weeks * MONEY_MODELS);
	for (size_t row = 0; row < sim_table_rows(t); row++) {
		size_t i = row % MONEY_MODELS, w = row / MONEY_MODELS;
		long last = (long)fmin((double)(7 * w + 6), (double)(days - 1));
		const double *price = money_price(i, last, change);
		assert_string_equal(sim_table_key(t, row, 2), money_ids[i]);
		assert_rel(value(t, row, "profit"), value(t, row, "revenue") - value(t, row, "cost"),
			   1e-12);
		assert_double_near(value(t, row, "price_in"), price[0], 0);
		assert_double_near(value(t, row, "price_out"), price[1], 0);
	}
	/* The week of the change: part free, part paid. */
	size_t w = (size_t)change / 7;
	const mkt_week_row *r = &s->rows[w * MONEY_MODELS];
	double at_end = (r->tokens_in * NEW_PRICE[0] + r->tokens_out * NEW_PRICE[1]) / 1e6;
	assert_true(r->revenue > 0 && r->revenue < at_end);

	const sim_table *sum = sim_table_find(tables, "summary.csv");
	assert_non_null(sum);
	for (size_t g = 0; g < s->provider_count; g++) {
		double revenue = 0;
		for (size_t j = 0; j < s->weeks * MONEY_MODELS; j++)
			if ((size_t)s->models[j % MONEY_MODELS].provider == g)
				revenue += s->rows[j].revenue;
		long row = sim_table_find_row(sum, "cum_revenue", s->provider_names[g]);
		assert_true(row >= 0);
		assert_rel(value(sum, (size_t)row, "value"), revenue, 1e-12);
	}
	sim_table_set_free(tables);
	market_close(&m);
}

/* Ensure a closed week ranks the ranked models by tokens, shows the top
   leaderboard_size's share of the ranked tokens and the others' as 0,
   and moves each model's visibility towards what it showed by 1 - k, k =
   exp(-1/visibility_weeks) (visibility = k x before + (1 - k) x shown),
   in the first two weeks; leaves an unranked model off (rank 0, never
   visible) however much it served, counts its active developers, and that
   token shares, long tail included, sum to 1 every week. */
static void test_shares_and_leaderboard(void **unused)
{
	(void)unused;
	enum { MODELS = 4, SHOWN = 2 };
	/* m3 is the most used but unranked (a long tail aggregate). */
	static const char *const set[] = {
		"market.days=20", "market.scale=2", "market.arrivals.initial=4000",
		"market.arrivals.potential=4000", "market.leaderboard_size=2",
		"market.models.m3.ranked=false",
		"market.models.m0.quality=1.0", "market.models.m1.quality=0.5",
		"market.models.m2.quality=0.0", "market.models.m3.quality=2.0",
		"market.visibility_weeks=2.0", NULL
	};
	static const double VISIBILITY_WEEKS = 2.0;
	market m;
	market_open(&m, "market_analytic_logit.cfg", set, 0);
	mkt_state *s = m.s;
	double keep = exp(-1.0 / VISIBILITY_WEEKS);
	for (size_t w = 0; w < 2; w++) {
		double before[MODELS];
		for (size_t i = 0; i < MODELS; i++)
			before[i] = s->models[i].visibility;
		/* The tick at 7 (w + 1) closes week w. */
		market_run(&m, 7.0 * (double)(w + 1) + 1e-9);
		const mkt_week_row *r = s->rows + w * MODELS;
		double tokens[MODELS], ranked = 0;
		for (size_t i = 0; i < MODELS; i++) {
			tokens[i] = r[i].tokens_in + r[i].tokens_out;
			if (i < 3)
				ranked += tokens[i];
			double members = 0;
			for (size_t k = 0; k < s->segment_count; k++)
				members += (double)s->segments[k].members[i];
			assert_double_near(r[i].active_devs, members * m.p->scale, 0);
		}
		assert_true(tokens[3] > tokens[0] && tokens[0] > tokens[1] && tokens[1] > tokens[2]);
		assert_int_equal(r[3].rank, 0);
		assert_double_near(s->models[3].visibility, 0, 0);
		for (size_t i = 0; i < 3; i++) {
			assert_int_equal(r[i].rank, (int)i + 1);
			double shown = (size_t)r[i].rank <= SHOWN ? tokens[i] / ranked : 0;
			assert_rel(s->models[i].visibility, keep * before[i] + (1 - keep) * shown,
				   1e-12);
		}
	}

	market_run(&m, (double)m.p->days + 0.5);
	sim_table_set *tables = record(&m);
	const sim_table *t = sim_table_find(tables, "models_weekly.csv");
	assert_non_null(t);
	for (size_t w = 0; w < s->weeks; w++) {
		double share = 0, all = 0;
		for (size_t i = 0; i < MODELS; i++)
			all += s->rows[w * MODELS + i].tokens_in + s->rows[w * MODELS + i].tokens_out;
		for (size_t i = 0; i < MODELS; i++) {
			const mkt_week_row *x = &s->rows[w * MODELS + i];
			double mine = value(t, w * MODELS + i, "token_share");
			assert_rel(mine, (x->tokens_in + x->tokens_out) / all, 1e-12);
			assert_double_near(value(t, w * MODELS + i, "rank"), x->rank, 0);
			share += mine;
		}
		assert_double_near(share, 1, 1e-12);
	}
	sim_table_set_free(tables);
	market_close(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weekly_bins),
		cmocka_unit_test(test_congestion_serves_capacity),
		cmocka_unit_test(test_fallback_second_choice),
		cmocka_unit_test(test_fallback_second_choice_limit),
		cmocka_unit_test(test_money),
		cmocka_unit_test(test_shares_and_leaderboard),
	};
	return cmocka_run_group_tests_name("market metrics", tests, NULL, NULL);
}
