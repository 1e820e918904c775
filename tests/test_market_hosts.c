/*
 * test_market_hosts.c - who serves a model (models/market/hosts.c,
 * hosts_tables.c; docs/MODEL.md, "Who serves a model").
 *
 * A model's hosts are where its money and its capacity are: the router
 * weights them by 1/price^2 (the free ones alone when some are free) and
 * re-sends a full host's overflow to the others; export controls hit
 * hosts by country, phased in; providers earn what their hosts serve.
 * This suite checks:
 *
 * - the routing rule and the overflow water-filling on known answers;
 * - an export control phased in over ramp_days: capacity, cost and
 *   prices at the ramp's start, middle and end against the closed form
 *   integrated here independently, installed capacity not cut
 *   overnight, the host in another country untouched;
 * - pass-through: each price rises by the rate times the cost rise;
 * - the model's price is the routing-weighted mean of its hosts';
 * - a model given explicitly the one host it has implicitly runs to the
 *   same bits (agents, weekly rows) as without `hosts`;
 * - providers_weekly.csv and the summary sum by host provider, and every
 *   table's invariants hold (hosts_weekly.csv's included);
 * - the settings' cross-checks (a provider hosting a model twice, an
 *   export control on a country where no host is).
 *
 * Must run from the repository root (make test does).
 */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "market_internal.h"
#include "sim_table.h"
#include "test_market.h"

static long day_of(const market *m, const char *date)
{
	long d;
	assert_int_equal(mkt_days_between(m->p->start_date, date, &d), 0);
	return d;
}

/* ---- the router's rules ---- */

/* Ensure the weights are 1/price^2 normalised over the eligible hosts,
   and equal over the free ones when some are free. */
static void test_route_weights(void **unused)
{
	(void)unused;
	const double price[4] = { 1, 2, 3, 0.5 };
	const bool all[4] = { true, true, true, false };
	double w[4];
	assert_int_equal(mkt_route_weights(price, all, 4, w), 3);
	double sum = 1 + 0.25 + 1.0 / 9;
	assert_double_near(w[0], 1 / sum, 1e-15);
	assert_double_near(w[1], 0.25 / sum, 1e-15);
	assert_double_near(w[2], 1 / 9.0 / sum, 1e-15);
	assert_double_near(w[3], 0, 0); /* cheapest, but not eligible */
	assert_double_near(w[0] / w[2], 9, 1e-12); /* OpenRouter's example: 9x */

	const double with_free[3] = { 0, 1, 0 };
	const bool three[3] = { true, true, true };
	assert_int_equal(mkt_route_weights(with_free, three, 3, w), 3);
	assert_double_near(w[0], 0.5, 0);
	assert_double_near(w[1], 0, 0);
	assert_double_near(w[2], 0.5, 0);

	const bool none[3] = { false, false, false };
	assert_int_equal(mkt_route_weights(with_free, none, 3, w), 0);
}

/* Ensure overflow from full hosts is split over the others with room by
   their weights until all is served or all are full. */
static void test_route_fill(void **unused)
{
	(void)unused;
	double served[3];
	/* Weights 2/3, 1/6, 1/6: shares 80, 20, 20 of 120; hosts 0 and 2 are
	   full (40, 10), their 70 over goes to host 1, alone with room. */
	const double price[3] = { 1, 2, 2 }, cap[3] = { 40, 100, 10 };
	mkt_route_fill(price, cap, 3, 120, served);
	assert_double_near(served[0], 40, 0);
	assert_double_near(served[1], 70, 1e-12);
	assert_double_near(served[2], 10, 0);
	/* Room everywhere: the routing split. */
	mkt_route_fill(price, cap, 3, 30, served);
	assert_double_near(served[0], 20, 1e-12);
	assert_double_near(served[1], 5, 1e-12);
	assert_double_near(served[2], 5, 1e-12);
	/* More than all can serve: every host full. */
	mkt_route_fill(price, cap, 3, 500, served);
	for (int h = 0; h < 3; h++)
		assert_double_near(served[h], cap[h], 0);
	/* A full free host falls back to the paid ones, by 1/price^2. */
	const double free_first[3] = { 0, 1, 2 }, room[3] = { 10, 100, 100 };
	mkt_route_fill(free_first, room, 3, 60, served);
	assert_double_near(served[0], 10, 0);
	assert_double_near(served[1], 40, 1e-12);
	assert_double_near(served[2], 10, 1e-12);
	/* A host without capacity gets nothing, whatever its price. */
	const double cheap_dead[2] = { 0.1, 1 }, dead[2] = { 0, 50 };
	mkt_route_fill(cheap_dead, dead, 2, 30, served);
	assert_double_near(served[0], 0, 0);
	assert_double_near(served[1], 30, 0);
}

/* ---- export controls by host country ---- */

/* The fixture's export control (market_hosts.cfg). */
#define C0 4e10
#define G0 1.0
#define CUT 0.4
#define G1 (G0 * (1 - 0.5))
#define RAMP 20.0
#define COST 0.2
#define COST_X 2.0
#define PASS 0.5

/* Progress of the fixture's ramp from day t0 at day t. */
static double ramp_at(double t0, double t)
{
	return t <= t0 ? 0 : t >= t0 + RAMP ? 1 : (t - t0) / RAMP;
}

/* OpenCo's capacity on day t, the growth rate's integral taken by the
   midpoint rule (exact for the linear pieces, to the steps that straddle
   a corner). */
static double expected_capacity(double t0, double t)
{
	enum { STEPS = 200000 };
	double k0 = log(1 + G0) / 365, k1 = log(1 + G1) / 365, h = t / STEPS, lg = 0;
	for (int j = 0; j < STEPS; j++)
		lg += h * (k0 + (k1 - k0) * ramp_at(t0, (j + 0.5) * h));
	return C0 * exp(lg) * (1 - CUT * ramp_at(t0, t));
}

/* Ensure an export control on China's hosts phases in over ramp_days:
   from full capacity and the old cost at its start, half the cut and the
   cost rise in the middle, all of them at the end; the installed
   capacity is not cut overnight; the US host of the same model is
   untouched; each price rises by pass_through x the cost rise. */
static void test_export_phase_in(void **unused)
{
	(void)unused;
	market m;
	market_open(&m, "market_hosts.cfg", NULL, 0);
	mkt_state *s = m.s;
	size_t i = model_index(&m, "open_cn");
	const mkt_model_state *mo = &s->models[i];
	assert_int_equal(mo->host_count, 2);
	const mkt_host *cn = &mo->hosts[0], *us = &mo->hosts[1];
	assert_string_equal(cn->country, "CN");
	assert_string_equal(us->country, "US");
	double t0 = (double)day_of(&m, "2026-04-13");

	market_run(&m, t0); /* before the event */
	assert_int_equal(cn->ramp_count, 0);
	double before = mkt_host_capacity_on(cn, mo, t0);
	assert_double_near(before, C0 * pow(1 + G0, t0 / 365), 1e-12 * before);

	market_run(&m, t0 + 1e-9); /* the event */
	assert_int_equal(cn->ramp_count, 1);
	assert_int_equal(us->ramp_count, 0);
	const double days[] = { t0, t0 + 1, t0 + RAMP / 2, t0 + RAMP, t0 + 2 * RAMP };
	for (size_t k = 0; k < sizeof days / sizeof days[0]; k++) {
		double t = days[k], r = ramp_at(t0, t), c = expected_capacity(t0, t);
		assert_double_near(mkt_host_capacity_on(cn, mo, t), c, 1e-9 * c);
		double cost = mkt_host_cost_on(cn, t), in, out;
		assert_double_near(cost, COST * (1 + (COST_X - 1) * r), 1e-15);
		mkt_host_prices_on(cn, t, &in, &out);
		/* Pass-through: price rise = rate x cost rise, on both prices. */
		assert_double_near(in - 0.3, PASS * (cost - COST), 1e-15);
		assert_double_near(out - 1.2, PASS * (cost - COST), 1e-15);
		/* The other country's host is untouched. */
		double cu = 2e10 * pow(1.5, t / 365);
		assert_double_near(mkt_host_capacity_on(us, mo, t), cu, 1e-12 * cu);
		assert_double_near(mkt_host_cost_on(us, t), 0.3, 0);
	}
	/* Start: nothing lost yet; overnight, 1/20 of the cut, not all. */
	assert_double_near(mkt_host_capacity_on(cn, mo, t0), before, 1e-12 * before);
	double next = mkt_host_capacity_on(cn, mo, t0 + 1);
	assert_true(next > before * (1 - CUT / RAMP) && next < before * 1.01);
	/* Middle and end: cost x1.5 and x2, prices +0.05 and +0.1. */
	assert_double_near(mkt_host_cost_on(cn, t0 + RAMP / 2), 0.3, 1e-15);
	assert_double_near(mkt_host_cost_on(cn, t0 + RAMP), 0.4, 1e-15);
	market_close(&m);
}

/* Ensure the model's prices and cost are the routing-weighted means of
   its hosts' on the day, kept up to date as pass-through moves them. */
static void test_model_price_is_routed(void **unused)
{
	(void)unused;
	market m;
	market_open(&m, "market_hosts.cfg", NULL, 0);
	mkt_state *s = m.s;
	size_t i = model_index(&m, "open_cn");
	const mkt_model_state *mo = &s->models[i];
	double t = (double)day_of(&m, "2026-04-13") + RAMP / 2;
	market_run(&m, t + 1e-9); /* the tick at t reprices for day t */
	double a = mo->chat.in + mo->agentic.in, b = mo->chat.out + mo->agentic.out;
	double in[2], out[2], price[2], w[2];
	const bool both[2] = { true, true };
	for (int h = 0; h < 2; h++) {
		mkt_host_prices_on(&mo->hosts[h], t, &in[h], &out[h]);
		price[h] = (a * in[h] + b * out[h]) / (a + b);
	}
	assert_double_near(in[0], 0.35, 1e-15);
	mkt_route_weights(price, both, 2, w);
	assert_true(w[0] > 0.7); /* about four times cheaper: ~16x the weight */
	assert_double_near(mo->price_in, w[0] * in[0] + w[1] * in[1], 1e-15);
	assert_double_near(mo->price_out, w[0] * out[0] + w[1] * out[1], 1e-15);
	assert_double_near(mo->cost, w[0] * 0.3 + w[1] * 0.3, 1e-15);
	market_close(&m);
}

/* Ensure serving a model's day over its hosts fills the cheaper host
   first by weight, overflows to the other, books each host's row, and
   serves min(demand, capacity) in all. */
static void test_serve_over_hosts(void **unused)
{
	(void)unused;
	market m;
	market_open(&m, "market_hosts.cfg", NULL, 0);
	mkt_state *s = m.s;
	size_t i = model_index(&m, "open_cn"), first = (size_t)(s->models[i].hosts - s->hosts);
	const mkt_model_state *mo = &s->models[i];
	double day = 3, cap0 = mkt_host_capacity_on(&mo->hosts[0], mo, day);
	double cap1 = mkt_host_capacity_on(&mo->hosts[1], mo, day);
	mkt_demand d = { 0.75 * (cap0 + cap1), 0.25 * (cap0 + cap1), 100 };
	mkt_served sv;
	mkt_hosts_serve(s, i, day, &d, &sv); /* just full: both hosts at capacity */
	const mkt_host_row *r0 = &s->host_rows[first], *r1 = &s->host_rows[first + 1];
	assert_double_near(sv.in + sv.out, cap0 + cap1, 1e-12 * (cap0 + cap1));
	assert_double_near(r0->tokens_in + r0->tokens_out, cap0, 1e-9 * cap0);
	assert_double_near(r1->tokens_in + r1->tokens_out, cap1, 1e-9 * cap1);
	double spend = (r0->tokens_in * 0.3 + r0->tokens_out * 1.2 + r1->tokens_in * 0.6 +
			r1->tokens_out * 2.4) / 1e6;
	assert_double_near(sv.spend, spend, 1e-12 * spend);
	assert_double_near(sv.cost, (cap0 * 0.2 + cap1 * 0.3) / 1e6, 1e-9 * sv.cost);
	assert_double_near(r0->failed + r1->failed, 0, 1e-6 * cap0);
	mkt_demand more = { 2 * (cap0 + cap1), 0, 10 };
	mkt_hosts_serve(s, i, day, &more, &sv);
	assert_double_near(sv.in, cap0 + cap1, 1e-12 * cap0);
	assert_double_near(r0->failed + r1->failed, cap0 + cap1, 1e-9 * cap0);
	market_close(&m);
}

/* ---- the same market with and without hosts ---- */

/* Ensure listing the one host a model has implicitly changes nothing:
   the same agents and the same weekly rows, to the bit. */
static void test_one_host_same_bits(void **unused)
{
	(void)unused;
	market a, b;
	market_open(&a, "market_ok.cfg", NULL, 0);
	market_open(&b, "market_one_host.cfg", NULL, 0);
	market_run(&a, 63.5);
	market_run(&b, 63.5);
	mkt_state *x = a.s, *y = b.s;
	assert_int_equal(x->agent_count, y->agent_count);
	assert_int_equal(x->host_count, y->host_count);
	assert_memory_equal(x->agents, y->agents, x->agent_count * sizeof *x->agents);
	assert_memory_equal(x->rows, y->rows, x->weeks * x->model_count * sizeof *x->rows);
	assert_memory_equal(x->host_rows, y->host_rows,
			    x->weeks * x->host_count * sizeof *x->host_rows);
	market_close(&a);
	market_close(&b);
}

/* ---- tables ---- */

static double value(const sim_table *t, size_t row, const char *column)
{
	long c = sim_table_value_index(t, column);
	if (c < 0)
		fail_msg("%s: no column %s", sim_table_file(t), column);
	return sim_table_value(t, 0, row, (size_t)c);
}

/* Sum of `column` over the rows of t whose key `key` is `name`. */
static double sum_where(const sim_table *t, const char *key, const char *name,
			const char *column)
{
	long k = sim_table_key_index(t, key);
	double sum = 0;
	assert_true(k >= 0);
	for (size_t r = 0; r < sim_table_rows(t); r++)
		if (!name || strcmp(sim_table_key(t, r, (size_t)k), name) == 0)
			sum += value(t, r, column);
	return sum;
}

/* Ensure providers earn what their hosts serve: HostUS, which develops
   no model, has the revenue and tokens of its host rows; OpenCo only
   those of its own host; the providers' sums equal the models'; and the
   invariants (checked by record, the market being built with checks on)
   hold for every table. */
static void test_providers_by_host(void **unused)
{
	(void)unused;
	market m;
	market_open(&m, "market_hosts.cfg", NULL, 0);
	assert_true(m.s->check);
	market_run(&m, 63.5);
	sim_error err;
	sim_table_set *set = sim_table_set_new();
	assert_non_null(set);
	if (mkt_market_model.record(m.state, m.eng, set, &err) != 0)
		fail_msg("record: %s", err.message);
	const sim_table *prov = sim_table_find(set, "providers_weekly.csv");
	const sim_table *hosts = sim_table_find(set, "hosts_weekly.csv");
	const sim_table *models = sim_table_find(set, "models_weekly.csv");
	const sim_table *summary = sim_table_find(set, "summary.csv");
	assert_non_null(prov);
	assert_non_null(hosts);
	double us = sum_where(hosts, "host", "HostUS", "revenue");
	assert_true(us > 0);
	assert_double_near(sum_where(prov, "provider", "HostUS", "revenue"), us, 1e-9 * us);
	assert_double_near(sum_where(prov, "provider", "HostUS", "tokens"),
			   sum_where(hosts, "host", "HostUS", "tokens"), 1);
	double open = sum_where(models, "model", "open_cn", "revenue");
	double own = sum_where(hosts, "host", "OpenCo", "revenue");
	assert_double_near(own + us, open, 1e-9 * open);
	assert_double_near(sum_where(prov, "provider", "OpenCo", "revenue"), own, 1e-9 * own);
	double all = sum_where(models, "model", NULL, "revenue");
	assert_double_near(sum_where(prov, "provider", NULL, "revenue"), all, 1e-9 * all);
	long row = sim_table_find_row(summary, "cum_revenue", "HostUS");
	assert_true(row >= 0);
	assert_double_near(value(summary, (size_t)row, "value"), us, 1e-9 * us);
	sim_table_set_free(set);
	market_close(&m);
}

/* ---- settings ---- */

/* Loads market_hosts.cfg with one override and expects it refused at
   `path` with a message holding `what`. */
static void expect_refused(const char *set, const char *path, const char *what)
{
	static const sim_model_type *const registry[] = { &mkt_market_model, NULL };
	const char *sets[2] = { set, NULL };
	sim_run_options opt = { .config_path = "tests/data/market_hosts.cfg",
				.overrides = sets, .override_count = 1 };
	sim_error err;
	sim_experiment *x = sim_experiment_load(registry, &opt, NULL, 0, &err);
	if (x) {
		sim_experiment_free(x);
		fail_msg("%s: accepted", set);
	}
	if (!strstr(err.path, path) || !strstr(err.message, what))
		fail_msg("%s: refused at %s: %s; expected %s: ...%s...", set, err.path,
			 err.message, path, what);
}

/* Ensure a provider hosting a model twice, an export control on a
   country no host is in, and two different countries named are refused. */
static void test_settings_checked(void **unused)
{
	(void)unused;
	expect_refused("market.models.open_cn.hosts.[1].provider=\"OpenCo\"",
		       "open_cn.hosts.[1].provider", "already hosts");
	expect_refused("market.events.[0].country=\"JP\"", "events.[0].country",
		       "unknown country \"JP\"");
	expect_refused("market.events.[0].origin=\"US\"", "events.[0].country",
		       "expected the same country");
	expect_refused("market.models.open_cn.hosts.[1].provider=\"US\"",
		       "models.paid_us.origin", "host provider");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_weights),
		cmocka_unit_test(test_route_fill),
		cmocka_unit_test(test_export_phase_in),
		cmocka_unit_test(test_model_price_is_routed),
		cmocka_unit_test(test_serve_over_hosts),
		cmocka_unit_test(test_one_host_same_bits),
		cmocka_unit_test(test_providers_by_host),
		cmocka_unit_test(test_settings_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
