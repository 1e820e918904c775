/*
 * test_market_shocks.c - dated events (models/market/shocks.c).
 *
 * An event is an engine event at the start of its day: the tick closing
 * the day before runs first, so that day is accounted under the old
 * state and the event's own day under the new one. Each event changes a
 * model, an origin or a segment and makes the developers it hits, and
 * only those, choose again (docs/MODEL.md, "Events"). The what-if tests
 * check the direction of whole experiments; this suite checks each event
 * where it acts, in a small market built in this process from a
 * tests/data fixture (the experiment loaded with --set overrides holding
 * the dates, prices and cuts the test computes with, the model's init on
 * a fresh engine), run with the engine up to the instant before the event
 * and just after it:
 *
 * - the loader maps every event type's name to its mkt_event_type (the
 *   variant table is indexed by the enum);
 * - price_change: new prices from its day (the day before charged at the
 *   old, its day at the new), its users and nobody else choose again, and
 *   free users who now pay are counted;
 * - export_control: the origin's capacity is cut and grows at the cut rate
 *   from its day, its cost to serve multiplied, other origins untouched,
 *   nobody chooses again;
 * - compliance_ban: the segment's users of the origin move at once and
 *   none takes it later, while other segments keep it;
 * - outage with no capacity left: no capacity, tokens or users during its
 *   days, its users moved at once, chosen again after it;
 * - the events of one day compose: all apply, then the developers they
 *   hit choose once, so a day that makes a model free and paid again is
 *   the day that only re-prices it.
 *
 * Must run from the repository root (make test does).
 */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "market_internal.h"
#include "test_market.h"

/* The agents using model i (as primary or overflow). */
static size_t users_of(const mkt_state *s, size_t i)
{
	size_t n = 0;
	for (size_t j = 0; j < s->agent_count; j++) {
		const mkt_agent *a = &s->agents[j];
		n += a->alive && (a->primary == i || a->secondary == i);
	}
	return n;
}

/* A copy of the agents, to see who an event changed. */
static mkt_agent *agents_copy(const mkt_state *s)
{
	mkt_agent *c = malloc(s->agent_count * sizeof *c);
	assert_non_null(c);
	memcpy(c, s->agents, s->agent_count * sizeof *c);
	return c;
}

/* Fails unless the agents that hit(before, arg) says the event hit no
   longer use what it took away (or, with moved false, chose again: their
   free flag is gone, all models being paid), and every other agent is
   exactly as in `before`. Returns the number hit. */
typedef bool hit_fn(const mkt_state *s, const mkt_agent *a, size_t arg);

static size_t check_hit(const mkt_state *s, const mkt_agent *before, hit_fn *hit, size_t arg,
			bool moved)
{
	size_t count = 0;
	for (size_t j = 0; j < s->agent_count; j++) {
		const mkt_agent *a = &s->agents[j], *b = &before[j];
		if (!hit(s, b, arg)) {
			if (memcmp(a, b, sizeof *a) != 0)
				fail_msg("agent %zu was not hit by the event, yet changed", j);
			continue;
		}
		count++;
		if (moved && hit(s, a, arg))
			fail_msg("agent %zu still uses what the event took away", j);
		if (!moved && !s->segments[a->segment].paid[a->primary])
			fail_msg("agent %zu did not choose again", j);
	}
	return count;
}

/* Conversions booked in every week and model. */
static double total_conversions(const mkt_state *s)
{
	double sum = 0;
	for (size_t j = 0; j < s->weeks * s->model_count; j++)
		sum += s->rows[j].conversions;
	return sum;
}

/* Agents converted since `before` (a copy of the agents then). */
static size_t newly_converted(const mkt_state *s, const mkt_agent *before)
{
	size_t count = 0;
	for (size_t j = 0; j < s->agent_count; j++)
		count += s->agents[j].converted && !before[j].converted;
	return count;
}

static bool uses_model(const mkt_state *s, const mkt_agent *a, size_t model)
{
	(void)s;
	return a->alive && (a->primary == model || a->secondary == model);
}

/* arg: segment x 256 + origin. */
static bool segment_uses_origin(const mkt_state *s, const mkt_agent *a, size_t arg)
{
	size_t segment = arg / 256, origin = arg % 256;
	if (!a->alive || a->segment != segment)
		return false;
	return (a->primary != MKT_NONE && (size_t)s->models[a->primary].origin == origin) ||
	       (a->secondary != MKT_NONE && (size_t)s->models[a->secondary].origin == origin);
}

static long day_of(const market *m, const char *date)
{
	long d;
	assert_int_equal(mkt_days_between(m->p->start_date, date, &d), 0);
	return d;
}

/* ---- tests ---- */

/* Ensure the loader's variant k is the event type k for every type, and
   the variant list ends right after the last type. */
static void test_event_types(void **unused)
{
	(void)unused;
	static const struct { int type; const char *name; } types[] = {
		{ MKT_PRICE_CHANGE, "price_change" },     { MKT_FREE_LIMIT, "free_limit" },
		{ MKT_EXPORT_CONTROL, "export_control" }, { MKT_COMPLIANCE_BAN, "compliance_ban" },
		{ MKT_MODEL_LAUNCH, "model_launch" },     { MKT_OUTAGE, "outage" },
		{ MKT_AGENTIC_SHIFT, "agentic_shift" },
	};
	const sim_setting *events = NULL;
	for (size_t i = 0; i < mkt_market_schema.count; i++)
		if (strcmp(mkt_market_schema.settings[i].name, "events") == 0)
			events = &mkt_market_schema.settings[i];
	assert_non_null(events);
	assert_int_equal(sizeof types / sizeof types[0], MKT_EVENT_TYPES);
	for (size_t k = 0; k < MKT_EVENT_TYPES; k++) {
		const char *name = events->variants[types[k].type].name;
		if (!name || strcmp(name, types[k].name) != 0)
			fail_msg("event type %d is \"%s\" to the loader, expected \"%s\"",
				 types[k].type, name ? name : "(end of list)", types[k].name);
	}
	assert_null(events->variants[MKT_EVENT_TYPES].name);

	/* And an experiment's events load as their types. */
	market m;
	market_open(&m, "market_ok.cfg", NULL, 0);
	const mkt_event *e = m.p->events.items;
	assert_int_equal(m.p->events.count, 2);
	assert_int_equal(e[0].type, MKT_PRICE_CHANGE);
	assert_int_equal(e[1].type, MKT_COMPLIANCE_BAN);
	market_close(&m);
}

/* Ensure a price_change sets the model's prices at the start of its day:
   the day before is charged at the old price, its day at the new one,
   and the model's users (only they) choose again at once. */
static void test_price_change(void **unused)
{
	(void)unused;
	static const double PRICE_IN = 0.3, PRICE_OUT = 1.8;
	static const char *const set[] = {
		"market.scale=1", "market.events.[0].model=\"free_cn\"",
		"market.events.[0].date=\"2026-04-08\"", "market.events.[0].price_in=0.3",
		"market.events.[0].price_out=1.8", NULL
	};
	market m;
	market_open(&m, "market_ok.cfg", set, 0);
	mkt_state *s = m.s;
	size_t n = s->model_count, i = model_index(&m, "free_cn");
	long day = day_of(&m, "2026-04-08"), week = day / 7;
	assert_int_equal(day, 37); /* mid-week: week 5 is days 35 to 41 */
	const mkt_week_row *row = &s->rows[week * n + i];

	market_run(&m, (double)day);
	assert_double_near(s->models[i].price_in, 0, 0);
	assert_false(s->segments[0].paid[i]);
	size_t users = users_of(s, i);
	assert_true(users > 100);
	mkt_agent *before = agents_copy(s);
	double conversions = total_conversions(s);

	/* The tick closing day - 1, then the event. */
	market_run(&m, day + 1e-9);
	assert_true(row->tokens_in + row->tokens_out > 0);
	assert_double_near(row->revenue, 0, 0); /* days 35, 36: still free */
	assert_double_near(s->models[i].price_in, PRICE_IN, 0);
	assert_double_near(s->models[i].price_out, PRICE_OUT, 0);
	for (size_t k = 0; k < s->segment_count; k++)
		assert_true(s->segments[k].paid[i]);
	size_t hit = check_hit(s, before, uses_model, i, false);
	assert_int_equal(hit, users);
	/* Every other model is paid: each free starter not yet converted
	   converts now. */
	assert_double_near(total_conversions(s) - conversions,
			   newly_converted(s, before) * m.p->scale, 0);
	assert_true(newly_converted(s, before) > 0);
	size_t after = users_of(s, i);
	assert_true(after < users);

	/* Its day is charged at the new price. */
	double in = row->tokens_in, out = row->tokens_out;
	market_run(&m, day + 1 + 1e-9);
	double d_in = row->tokens_in - in, d_out = row->tokens_out - out;
	assert_true(d_in > 0 && d_out > 0);
	assert_double_near(row->revenue, (d_in * PRICE_IN + d_out * PRICE_OUT) / 1e6,
			   1e-12 * row->revenue);
	assert_double_near(s->rows[(week - 1) * n + i].price_out, 0, 0);
	print_message("price_change: %zu users chose again, %zu stayed\n", hit, after);
	free(before);
	market_close(&m);
}

/* Ensure an export_control cuts the origin's capacity and its growth and
   multiplies its cost from its day, for its models only, and makes nobody
   choose again. */
static void test_export_control(void **unused)
{
	(void)unused;
	static const double CAPACITY = 5e10, GROWTH = 1.0, COST = 0.2;
	static const double CUT = 0.4, GROWTH_CUT = 0.5, COST_X = 2.5;
	static const char *const set[] = {
		"market.models.free_cn.capacity=5e10", "market.models.free_cn.capacity_growth=1.0",
		"market.models.free_cn.cost=0.2", "market.models.paid_us.capacity=1e11",
		"market.models.paid_us.capacity_growth=1.0", "market.models.paid_us.cost=0.2",
		"market.events.[1].date=\"2026-04-15\"", "market.events.[1].origin=\"CN\"",
		"market.events.[1].capacity_cut=0.4", "market.events.[1].growth_cut=0.5",
		"market.events.[1].cost_multiplier=2.5", NULL
	};
	market m;
	market_open(&m, "market_capacity_cut.cfg", set, 0);
	mkt_state *s = m.s;
	assert_int_equal(((const mkt_event *)m.p->events.items)[1].type, MKT_EXPORT_CONTROL);
	size_t n = s->model_count, cn = model_index(&m, "free_cn"), us = model_index(&m, "paid_us");
	long day = day_of(&m, "2026-04-15"), week = day / 7;
	assert_int_equal(day, 44); /* mid-week: week 6 is days 42 to 48 */
	const mkt_model_state *mc = &s->models[cn], *mu = &s->models[us];
	const mkt_week_row *row = &s->rows[week * n + cn];
#define UNCUT(d) (CAPACITY * pow(1 + GROWTH, (d) / 365.0))
#define CUT_ON(d) (UNCUT((double)day) * (1 - CUT) * \
		   pow(1 + GROWTH * (1 - GROWTH_CUT), ((d) - day) / 365.0))

	market_run(&m, (double)day);
	/* Nothing applied before its day. */
	assert_double_near(mkt_capacity_on(mc, 60), UNCUT(60.0), 1e-12 * UNCUT(60.0));
	assert_double_near(mc->cost, COST, 0);
	mkt_agent *before = agents_copy(s);
	double cost = row->cost, tokens = row->tokens_in + row->tokens_out;
	double capacity = row->capacity;

	market_run(&m, day + 1e-9); /* day 43 accounted, then the event */
	double d_tokens = row->tokens_in + row->tokens_out - tokens;
	assert_true(d_tokens > 0);
	assert_double_near(row->cost - cost, d_tokens * COST / 1e6, 1e-12 * row->cost);
	assert_double_near(row->capacity - capacity, UNCUT(day - 1.0), 1e-12 * capacity);
	assert_double_near(mc->cost, COST * COST_X, 1e-15);
	for (double d = day; d <= day + 365; d += 73)
		assert_double_near(mkt_capacity_on(mc, d), CUT_ON(d), 1e-12 * CUT_ON(d));
	/* The other origin's model is untouched. */
	assert_double_near(mu->cost, COST, 0);
	assert_double_near(mkt_capacity_on(mu, 60), 1e11 * pow(2, 60 / 365.0), 1e-3);
	/* Nobody chose again: developers feel it through errors and latency. */
	if (memcmp(before, s->agents, s->agent_count * sizeof *before) != 0)
		fail_msg("an export control made developers choose again");

	cost = row->cost;
	tokens = row->tokens_in + row->tokens_out;
	capacity = row->capacity;
	market_run(&m, day + 1 + 1e-9); /* its day */
	d_tokens = row->tokens_in + row->tokens_out - tokens;
	assert_true(d_tokens > 0);
	assert_double_near(row->cost - cost, d_tokens * COST * COST_X / 1e6, 1e-12 * row->cost);
	assert_double_near(row->capacity - capacity, CUT_ON((double)day), 1e-12 * capacity);
#undef UNCUT
#undef CUT_ON
	free(before);
	market_close(&m);
}

/* Ensure a compliance_ban takes the origin's models from the segment's
   options: its agents on them choose again at once, none of them takes
   one later, and other segments keep them. */
static void test_compliance_ban(void **unused)
{
	(void)unused;
	static const char *const set[] = {
		"market.scale=1", "market.segments.[1].origins.[0].penalty=0.0",
		"market.events.[0].date=\"2026-04-27\"", "market.events.[1].date=\"2026-04-15\"",
		"market.events.[1].segment=\"enterprise\"", "market.events.[1].origin=\"CN\"", NULL
	};
	market m;
	market_open(&m, "market_ok.cfg", set, 0);
	mkt_state *s = m.s;
	size_t n = s->model_count, cn = model_index(&m, "free_cn"), ent = 1, hob = 0;
	size_t origin = (size_t)s->models[cn].origin;
	assert_string_equal(s->segments[ent].p->name, "enterprise");
	assert_string_equal(s->segments[hob].p->name, "hobbyist");
	long day = day_of(&m, "2026-04-15"), later = day_of(&m, "2026-04-27");

	market_run(&m, (double)day);
	assert_false(s->segments[ent].banned[origin]);
	mkt_agent *before = agents_copy(s);
	double conversions = total_conversions(s);

	market_run(&m, day + 1e-9);
	assert_true(s->segments[ent].banned[origin]);
	assert_false(s->segments[hob].banned[origin]);
	assert_double_near(s->segments[ent].pull[cn], 0, 0);
	assert_true(s->segments[hob].pull[cn] > 0);
	size_t hit = check_hit(s, before, segment_uses_origin, ent * 256 + origin, true);
	assert_true(hit > 20); /* enterprise developers did use the free CN model */
	/* It was free and every model left to them is paid. */
	assert_double_near(total_conversions(s) - conversions,
			   newly_converted(s, before) * m.p->scale, 0);

	/* Until the price change: reviews and arrivals never pick it. */
	market_run(&m, (double)later);
	for (size_t j = 0; j < s->agent_count; j++)
		if (segment_uses_origin(s, &s->agents[j], ent * 256 + origin))
			fail_msg("enterprise agent %zu uses a banned model on day %ld", j, later);
	assert_int_equal(s->segments[ent].members[cn], 0);
	assert_double_near(s->segments[ent].load[cn], 0, 1e-6);
	assert_double_near(s->demand[ent * n + cn].in + s->demand[ent * n + cn].out, 0, 0);
	assert_true(s->segments[hob].members[cn] > 0);
	print_message("compliance_ban: %zu enterprise developers moved off CN\n", hit);
	free(before);
	market_close(&m);
}

/* Ensure an outage with no capacity left makes the model unavailable for
   its days (no capacity, no tokens, nobody on it) and sends its users
   elsewhere at once; afterwards it can be chosen again. */
static void test_full_outage(void **unused)
{
	(void)unused;
	static const double DAYS = 3;
	static const char *const set[] = {
		"market.events.[0].model=\"paid_b\"", "market.events.[0].date=\"2026-01-21\"",
		"market.events.[0].days=3.0", "market.events.[0].capacity_left=0.0", NULL
	};
	market m;
	market_open(&m, "market_analytic_congested.cfg", set, 0);
	mkt_state *s = m.s;
	assert_int_equal(((const mkt_event *)m.p->events.items)[0].type, MKT_OUTAGE);
	size_t n = s->model_count, b = model_index(&m, "paid_b");
	long day = day_of(&m, "2026-01-21"), week = day / 7;
	const mkt_week_row *row = &s->rows[week * n + b];
	assert_int_equal(week, (long)((day + DAYS - 1) / 7)); /* the outage is within one week */

	market_run(&m, (double)day);
	assert_true(users_of(s, b) > 20);
	mkt_agent *before = agents_copy(s);

	market_run(&m, day + 1e-9);
	size_t hit = check_hit(s, before, uses_model, b, true);
	assert_true(hit > 20);
	for (size_t k = 0; k < s->segment_count; k++)
		assert_double_near(s->segments[k].pull[b], 0, 0);
	for (double d = day; d < day + DAYS; d++) {
		assert_false(mkt_available(&s->models[b], d + 0.5));
		assert_double_near(mkt_capacity_on(&s->models[b], d), 0, 0);
	}
	assert_true(mkt_capacity_on(&s->models[b], day + DAYS) > 0);
	double tokens = row->tokens_in + row->tokens_out, capacity = row->capacity;
	double demanded = row->demanded;

	market_run(&m, day + DAYS + 1e-9); /* its days accounted */
	assert_double_near(row->tokens_in + row->tokens_out, tokens, 0);
	assert_double_near(row->demanded, demanded, 0); /* no fallback sent there either */
	assert_double_near(row->capacity, capacity, 0);

	market_run(&m, (double)m.p->days + 0.5);
	assert_true(users_of(s, b) > 0); /* chosen again after it */
	print_message("outage: %zu users moved, %zu on it at the end\n", hit, users_of(s, b));
	free(before);
	market_close(&m);
}

/* Ensure a model with a launch date pulls with novelty e^(-age / days)
   more utility than its twin that has none, from its launch date or from
   a model_launch event's day, and that the twin (no launch date: there at
   the start, established) gets none. */
static void test_novelty(void **unused)
{
	(void)unused;
	static const double NOVELTY = 2.0, DAYS = 5.0, MU = 0.8;
	market m;
	market_open(&m, "market_novelty.cfg", NULL, 0); /* m1 on day 2, m3 on day 4 */
	mkt_state *s = m.s;
	size_t m0 = model_index(&m, "m0"), m1 = model_index(&m, "m1"), m3 = model_index(&m, "m3");
	const mkt_segment_state *seg = &s->segments[0];
	market_run(&m, 1.0); /* past day 0: the launch events are scheduled */
	mkt_refresh_pulls(s, 1.5);
	assert_double_near(seg->pull[m1], 0, 0); /* not yet on offer */
	assert_double_near(seg->pull[m3], 0, 0);
	const double at[] = { 2.0, 3.5, 9.0, 30.0 };
	for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
		double t = at[k];
		mkt_refresh_pulls(s, t);
		double want1 = exp(NOVELTY * exp(-(t - 2.0) / DAYS) / MU);
		assert_double_near(seg->pull[m1] / seg->pull[m0], want1, 1e-12 * want1);
		if (t >= 4.0) {
			double want3 = exp(NOVELTY * exp(-(t - 4.0) / DAYS) / MU);
			assert_double_near(seg->pull[m3] / seg->pull[m0], want3, 1e-12 * want3);
		}
	}
	market_close(&m);

	/* Without novelty the launched model is its twin again. */
	static const char *const none[] = { "market.novelty=0", NULL };
	market_open(&m, "market_novelty.cfg", none, 0);
	mkt_refresh_pulls(m.s, 3.0);
	assert_double_near(m.s->segments[0].pull[model_index(&m, "m1")],
			   m.s->segments[0].pull[model_index(&m, "m0")], 1e-15);
	market_close(&m);
}

/* Ensure the events of one day act as their end state: paid, free and
   paid again on one day leaves every developer and every weekly row as
   three paid prices do, although developers keeping the model beside
   another (market.multihoming) would drop it at a free instant. */
static void test_same_day_events(void **unused)
{
	(void)unused;
	static const char *const all_paid[] = { "market.events.[1].price_in=2.0",
						"market.events.[1].price_out=10.0", NULL };
	market round_trip, paid;
	market_open(&round_trip, "market_same_day.cfg", NULL, 0);
	market_open(&paid, "market_same_day.cfg", all_paid, 0);
	size_t i = model_index(&paid, "paid_us");
	long day = day_of(&paid, "2026-04-08");
	market_run(&paid, (double)day);
	size_t kept = 0;
	for (size_t j = 0; j < paid.s->agent_count; j++) {
		const mkt_agent *a = &paid.s->agents[j];
		kept += a->alive && a->kept && a->secondary == i;
	}
	assert_true(kept > 0); /* someone would drop it at a free instant */

	double end = (double)paid.p->days + 1;
	market_run(&round_trip, end);
	market_run(&paid, end);
	const mkt_state *a = round_trip.s, *b = paid.s;
	assert_int_equal(a->agent_count, b->agent_count);
	if (memcmp(a->agents, b->agents, a->agent_count * sizeof *a->agents) != 0)
		fail_msg("a developer differs after the day that was free for an instant");
	if (memcmp(a->rows, b->rows, a->weeks * a->model_count * sizeof *a->rows) != 0)
		fail_msg("a weekly row differs after the day that was free for an instant");
	print_message("same-day events: %zu developers kept paid_us beside another\n", kept);
	market_close(&round_trip);
	market_close(&paid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_types),
		cmocka_unit_test(test_price_change),
		cmocka_unit_test(test_export_control),
		cmocka_unit_test(test_compliance_ban),
		cmocka_unit_test(test_full_outage),
		cmocka_unit_test(test_novelty),
		cmocka_unit_test(test_same_day_events),
	};
	return cmocka_run_group_tests_name("market shocks", tests, NULL, NULL);
}
