/* metrics.c - each day's usage drawn from the agents' loads, congestion,
   money, and the weekly rows; after a replication, the tables. */
#include "market_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "mkt_platform.h"
#include "mkt_supply.h"

/* Below this many tasks a day's total is drawn task by task; above, the
   sum is normal with the exact mean and the sampled variance (CLT). */
#define EXACT_TASKS 24

typedef struct day_draw {
	double in, out, requests, tasks;
} day_draw;

/* Above this mean a day's task count is drawn from the normal limit of
   the Poisson law (skewness 1/sqrt(mean) < 0.02: far below the model's
   own uncertainty); below it, exactly. */
#define NORMAL_TASKS 2500.0

/* A Poisson(mean) count by inversion of one uniform: the same uniform
   gives a count that never falls as the mean rises (a monotone coupling),
   so two experiments whose demand for a model differs a little draw
   nearly the same count, and a price's effect is not buried under a fresh
   draw of the noise (common random numbers). */
static double poisson_by_inversion(double mean, const sim_rng *rng)
{
	double u = sim_rng_uniform(rng);
	if (!(mean > 0))
		return 0; /* no demand (GSL's Poisson law needs a positive mean) */
	if (mean > NORMAL_TASKS)
		return fmax(0.0, round(mean + sqrt(mean) * gsl_cdf_ugaussian_Pinv(
					     fmin(fmax(u, 1e-300), 1 - 1e-16))));
	/* From the mode, where GSL gives the mass and the CDF without
	   underflow, down or up one count at a time: about sqrt(mean) steps. */
	double k = floor(mean);
	double pmf = gsl_ran_poisson_pdf((unsigned)k, mean);
	double cdf = gsl_cdf_poisson_P((unsigned)k, mean);
	if (u <= cdf) {
		while (k > 0 && u <= cdf - pmf) {
			cdf -= pmf;
			pmf *= k / mean;
			k -= 1;
		}
		return k;
	}
	while (u > cdf && pmf > 0) {
		k += 1;
		pmf *= mean / k;
		cdf += pmf;
	}
	return k;
}

static void draw_tasks(const mkt_state *s, double tasks, bool agentic, size_t model,
		       day_draw *d)
{
	const mkt_model_state *m = &s->models[model];
	const mkt_task_moments *mo = agentic ? &m->agentic : &m->chat;
	double n = poisson_by_inversion(tasks, s->usage_rng);
	d->tasks += n;
	if (n <= EXACT_TASKS) {
		for (int i = 0; i < (int)n; i++) {
			mkt_task_tokens t;
			if (agentic)
				mkt_agentic_task(&s->p->workload, m->p->competency, s->usage_rng, &t);
			else
				mkt_chat_task(&s->p->workload, s->usage_rng, &t);
			d->in += t.in;
			d->out += t.out;
			d->requests += t.requests;
		}
		return;
	}
	d->in += fmax(0.0, n * mo->in + sqrt(n * mo->var_in) * sim_rng_gaussian(s->usage_rng));
	d->out += fmax(0.0, n * mo->out + sqrt(n * mo->var_out) * sim_rng_gaussian(s->usage_rng));
	d->requests += fmax(0.0, n * mo->requests +
			    sqrt(n * mo->var_requests) * sim_rng_gaussian(s->usage_rng));
}

/* Expected tokens of one task of segment k on model i at time t. */
static double tokens_per_task(const mkt_state *s, size_t k, size_t i, double t)
{
	const mkt_model_state *m = &s->models[i];
	double share = mkt_agentic_share(&s->segments[k], t);
	return (1 - share) * (m->chat.in + m->chat.out) + share * (m->agentic.in + m->agentic.out);
}

/* Token demand of day `day` per segment and model, into s->demand, at
   the tasks each model's price leaves (the segment's intensity); the
   demand refused by the free quota, per model, into s->refused (its
   expectation: it is never served, so its noise would only blur the
   accounting); and each model's share of demand from its provider's free
   starters into s->converted_share. */
static void draw_demand(mkt_state *s, double day)
{
	double t = day + 0.5;
	size_t n = s->model_count;
	double load[256] = { 0 }, converted[256] = { 0 };
	for (size_t i = 0; i < n; i++)
		s->refused[i] = (mkt_demand){ 0 };
	for (size_t k = 0; k < s->segment_count; k++) {
		const mkt_segment_state *seg = &s->segments[k];
		double share = mkt_agentic_share(seg, t);
		double growth = exp(seg->growth_per_day * t) * s->p->scale;
		for (size_t i = 0; i < n; i++) {
			mkt_demand *d = &s->demand[k * n + i];
			*d = (mkt_demand){ 0 };
			double per = growth * seg->intensity[i];
			const mkt_model_state *m = &s->models[i];
			double refused = seg->refused_load[i] * per;
			if (refused > 1e-12) {
				s->refused[i].in += refused * ((1 - share) * m->chat.in +
							       share * m->agentic.in);
				s->refused[i].out += refused * ((1 - share) * m->chat.out +
								share * m->agentic.out);
				s->refused[i].requests += refused * ((1 - share) * m->chat.requests +
								     share * m->agentic.requests);
			}
			double rate = seg->load[i] * per;
			load[i] += rate;
			converted[i] += seg->converted_load[i] * per;
			if (!(rate > 1e-12))
				continue;
			day_draw chat = { 0 }, agent = { 0 };
			/* Each (day, segment, model) draws from its own sub-stream:
			   a model's demand changing does not shift the draws of
			   the others (common random numbers, pair by pair). */
			sim_rng_restart(s->usage_rng, (uint64_t)day, k * n + i);
			draw_tasks(s, rate * (1 - share), false, i, &chat);
			draw_tasks(s, rate * share, true, i, &agent);
			d->in = chat.in + agent.in;
			d->out = chat.out + agent.out;
			d->requests = chat.requests + agent.requests;
			s->chat_tasks += chat.tasks;
			s->chat_tokens += chat.in + chat.out;
			s->agentic_tasks += agent.tasks;
			s->agentic_tokens += agent.in + agent.out;
		}
	}
	/* The loads are running sums of agents' parts added and taken back:
	   rounding can leave a model that has no starters' load a residue of
	   either sign, which must not become a negative share. */
	for (size_t i = 0; i < n; i++)
		s->converted_share[i] = load[i] > 0 ?
					fmax(0.0, fmin(1.0, converted[i] / load[i])) : 0;
}

/* Fraction of model i's demand `demand` its capacity serves today. */
static double served_fraction(double demand, double capacity)
{
	return demand > capacity ? (capacity > 0 ? capacity / demand : 0) : 1.0;
}

/* Where a segment's developers whose requests to model i failed send
   them: their second choice among the paid models with room (weights
   w[j] > 0), as the choice's nested logit by origin gives it (docs/MODEL.md,
   "Congestion and fallback"): share[j] is proportional to what j gains
   when i leaves the choice set, P_j(R) - P_j(R + i), which favours i's own
   nest; with one nest (lambda = 1) it is w[j] / sum w. Returns 0, or -1
   when no paid model has room. */
int mkt_second_choice(const mkt_state *s, const double *w, double w_i, size_t i,
		      double *share)
{
	size_t n = s->model_count;
	double lambda = s->p->origin_nesting, nest[256] = { 0 }, total = 0;
	for (size_t j = 0; j < n; j++)
		total += w[j];
	if (!(total > 0))
		return -1;
	if (!(lambda < 1)) {
		for (size_t j = 0; j < n; j++)
			share[j] = w[j] / total;
		return 0;
	}
	for (size_t j = 0; j < n; j++)
		nest[s->models[j].origin] += w[j];
	int g_i = s->models[i].origin;
	double own = nest[g_i], sum_without = 0, sum_with = 0;
	for (size_t g = 0; g < s->origin_count; g++) {
		double with = nest[g] + ((int)g == g_i ? w_i : 0);
		sum_without += nest[g] > 0 ? pow(nest[g], lambda) : 0;
		sum_with += with > 0 ? pow(with, lambda) : 0;
	}
	/* A developer whose model looks far worse than the rest (its pull
	   below 1e-9 of theirs, as a model failing most requests does) moves
	   i's weight too little for the difference to survive rounding: then
	   its first-order limit in w_i, which the difference approaches. */
	bool limit = w_i < 1e-9 * total;
	double gained = 0;
	for (size_t j = 0; j < n; j++) {
		share[j] = 0;
		if (!(w[j] > 0))
			continue;
		int g = s->models[j].origin;
		if (!limit) {
			double with = nest[g] + (g == g_i ? w_i : 0);
			share[j] = w[j] * (pow(nest[g], lambda - 1) / sum_without -
					   pow(with, lambda - 1) / sum_with);
		} else if (!(own > 0)) {
			/* No paid model with room in i's nest: P_j(R + i) is
			   P_j(R) scaled, whatever w_i. */
			share[j] = w[j] * pow(nest[g], lambda - 1);
		} else if (g == g_i) {
			share[j] = w[j] * ((1 - lambda) * pow(own, lambda - 2) / sum_without +
					   lambda * pow(own, 2 * lambda - 2) /
					   (sum_without * sum_without));
		} else {
			share[j] = w[j] * pow(nest[g], lambda - 1) * lambda * pow(own, lambda - 1) /
				   (sum_without * sum_without);
		}
		gained += share[j];
	}
	if (!(gained > 0))
		return -1;
	for (size_t j = 0; j < n; j++)
		share[j] /= gained;
	return 0;
}

/* Requests a congested model fails get an error (HTTP 429 or 5xx). Only
   developers who configured fallback models have them re-sent, as the
   router's `models` fallback does: the fallback part of each segment's
   failed demand on model i goes to the paid models that still have room,
   as the segment's second choice after i (mkt_second_choice; a paid model's
   pull taken at the segment's mean usage); the rest is lost. So is what
   the fallbacks cannot serve either. */
static void fall_back(mkt_state *s, const double *first_served)
{
	size_t n = s->model_count;
	double w[256], share[256];
	for (size_t i = 0; i < n; i++) {
		s->fallback[i] = (mkt_demand){ 0 };
		s->rerouted[i] = 0;
	}
	for (size_t k = 0; k < s->segment_count; k++) {
		const mkt_segment_state *seg = &s->segments[k];
		double paid = pow(seg->p->tasks_mean, -seg->p->beta_price / s->p->mu);
		for (size_t j = 0; j < n; j++)
			w[j] = first_served[j] >= 1.0 && seg->paid[j] ? seg->pull[j] * paid : 0;
		for (size_t i = 0; i < n; i++) {
			const mkt_demand *d = &s->demand[k * n + i];
			double configured = seg->load[i] > 0 ?
					    fmin(1.0, seg->fallback_load[i] / seg->load[i]) : 0;
			double failed = (1.0 - first_served[i]) * configured;
			if (!(failed > 0) || !(d->in + d->out > 0))
				continue;
			double w_i = seg->pull[i] * (seg->paid[i] ? paid : 1.0);
			if (mkt_second_choice(s, w, w_i, i, share) != 0)
				break; /* no paid model has room for this segment */
			s->rerouted[i] += failed * (d->in + d->out);
			for (size_t j = 0; j < n; j++) {
				if (!(share[j] > 0))
					continue;
				double x = failed * share[j];
				s->fallback[j].in += x * d->in;
				s->fallback[j].out += x * d->out;
				s->fallback[j].requests += x * d->requests;
			}
		}
	}
}

/* Leaderboard of the week just closed: ranks the ranked models that
   processed tokens, by tokens; the top `leaderboard_size` show their token
   share, which developers remember as visibility for their next choices. */
static void close_week(mkt_state *s, size_t week)
{
	size_t n = s->model_count;
	mkt_week_row *rows = s->rows + week * n;
	double tokens[256] = { 0 }, share[256];
	int rank[256];
	size_t scratch[256], listed[256], count = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < s->segment_count; k++)
			rows[i].active_devs += (double)s->segments[k].members[i] * s->p->scale;
		const mkt_model_state *m = &s->models[i];
		if (!(m->price_in > 0 || m->price_out > 0))
			rows[i].free_users = rows[i].active_devs;
		if (s->models[i].p->ranked && rows[i].tokens_in + rows[i].tokens_out > 0) {
			listed[count] = i;
			tokens[count++] = rows[i].tokens_in + rows[i].tokens_out;
		}
	}
	mkt_leaderboard(tokens, count, rank, share, scratch);
	/* The shares developers remember: last week's weighs most, earlier
	   ones fade over visibility_weeks, so one week's swing of a model
	   near a rival moves its visibility a little, not all at once. */
	double keep = exp(-1.0 / s->p->visibility_weeks), shown[256] = { 0 };
	for (size_t j = 0; j < count; j++) {
		rows[listed[j]].rank = rank[j];
		if (rank[j] <= s->p->leaderboard_size)
			shown[listed[j]] = share[j];
	}
	for (size_t i = 0; i < n; i++)
		s->models[i].visibility = keep * s->models[i].visibility + (1 - keep) * shown[i];
}

#ifdef SIM_TEST_HOOKS
/* Test-only fault, compiled into bin/tests/marketsim-hooks alone:
   MARKETSIM_DROP_TOKENS="WEEK:MODEL" loses 1% of the tokens model MODEL
   (an id) serves in week WEEK from its row's tokens_in and tokens_out,
   while its demand, failures and money still count them, so its accounting
   no longer balances and the invariant check must say so. */
static void drop_tokens(const mkt_state *s, size_t week, size_t model, double *in,
			double *out)
{
	const char *f = getenv("MARKETSIM_DROP_TOKENS");
	unsigned long w;
	int at = 0;
	if (f && sscanf(f, "%lu:%n", &w, &at) == 1 && at > 0 && w == week &&
	    strcmp(f + at, s->p->models.ids[model]) == 0) {
		*in *= 0.99;
		*out *= 0.99;
	}
}
#endif

/* Developers remember what they saw over about perception_days: today's
   error rate and latency move their impression by this much. A memory
   damps the cycle a crowded model would otherwise run (full one day,
   deserted the next), so a price rise cannot raise its demand by
   relieving congestion more than it loses. */
static double perceive(const mkt_state *s, double seen, double today)
{
	double keep = exp(-1.0 / s->p->perception_days);
	return keep * seen + (1 - keep) * today;
}

/* Books model i's day: served tokens and money into its week row. `first`
   is the share of its own demand its capacity served before fallback. */
static void serve_model(mkt_state *s, double day, size_t i, const mkt_demand *own,
			double capacity)
{
	mkt_model_state *m = &s->models[i];
	size_t week = (size_t)(day / 7);
	mkt_week_row *r = &s->rows[week * s->model_count + i];
	const mkt_demand *refused = &s->refused[i];
	double in_all = own->in + s->fallback[i].in;
	double out_all = own->out + s->fallback[i].out;
	double demand = in_all + out_all;
	mkt_latency_curve curve = { m->p->latency, s->p->latency_slope, s->p->latency_power };
	mkt_congestion c = mkt_congest(demand, capacity, &curve);
	double served = demand > 0 ? c.served / demand : 1.0;
	/* The served tokens split over the model's hosts, each paid its
	   price and paying its cost (hosts.c). */
	mkt_demand all = { in_all, out_all, own->requests + s->fallback[i].requests };
	mkt_served sv;
	mkt_hosts_serve(s, i, day, &all, &sv);
	double in = sv.in, out = sv.out, spend = sv.spend, cost = sv.cost;
	double quota = refused->in + refused->out;
	r->cost += cost;
	if (!(m->price_in > 0 || m->price_out > 0))
		r->free_cost += cost;
#ifdef SIM_TEST_HOOKS
	drop_tokens(s, week, i, &in, &out);
#endif
	r->tokens_in += in;
	r->tokens_out += out;
	r->demanded += demand + quota;
	r->failed += c.failed + quota;
	r->refused_quota += quota;
	r->lost += c.failed + quota - s->rerouted[i];
	r->fallback += s->fallback[i].in + s->fallback[i].out;
	r->requests += (own->requests + s->fallback[i].requests) * served;
	r->spend += spend;
	r->fee += s->p->fee * spend;
	r->revenue += spend;
	r->converted_revenue += spend * s->converted_share[i];
	r->price_in = m->price_in;
	r->price_out = m->price_out;
	r->capacity += capacity;
	/* What its developers see: the share of requests it failed, whether
	   its own demand or other models' fallback overloaded it (the quota's
	   refusals each developer weighs for itself, demand.c). */
	m->error_rate = perceive(s, m->error_rate, c.error_rate);
	m->latency = perceive(s, m->latency, c.latency_seconds);
}

void mkt_on_day(sim_engine *eng, void *ctx, const sim_event *ev)
{
	mkt_state *s = ctx;
	double day = ev->time - 1; /* the tick at time d accounts for day d-1 */
	size_t week = (size_t)(day / 7);
	size_t n = s->model_count;
	double first[256], capacity[256];
	mkt_demand own[256];
	(void)eng;
	s->agent_days += (double)s->alive;
	draw_demand(s, day);
	for (size_t i = 0; i < n; i++) {
		own[i] = (mkt_demand){ 0 };
		for (size_t k = 0; k < s->segment_count; k++) {
			own[i].in += s->demand[k * n + i].in;
			own[i].out += s->demand[k * n + i].out;
			own[i].requests += s->demand[k * n + i].requests;
		}
		capacity[i] = mkt_capacity_on(&s->models[i], day);
		first[i] = served_fraction(own[i].in + own[i].out, capacity[i]);
	}
	fall_back(s, first);
	for (size_t i = 0; i < n; i++)
		serve_model(s, day, i, &own[i], capacity[i]);
	bool week_ends = ((long)day + 1) % 7 == 0 || (long)day + 1 == s->p->days;
	if (week_ends)
		close_week(s, week);
	mkt_hosts_reprice(s, ev->time); /* hosts: today's prices (ramps, launches) */
	mkt_refresh_pulls(s, ev->time);
}

/* Expected token demand per model per day at time t, from the loads. */
static void expected_demand(const mkt_state *s, double t, double *demand)
{
	size_t n = s->model_count;
	for (size_t i = 0; i < n; i++)
		demand[i] = 0;
	for (size_t k = 0; k < s->segment_count; k++) {
		const mkt_segment_state *seg = &s->segments[k];
		double growth = exp(seg->growth_per_day * t) * s->p->scale;
		for (size_t i = 0; i < n; i++)
			demand[i] += seg->load[i] * growth * seg->intensity[i] *
				     tokens_per_task(s, k, i, t);
	}
}

void mkt_warm_start(mkt_state *s, int rounds)
{
	size_t n = s->model_count;
	double demand[256], tokens[256] = { 0 }, share[256];
	int rank[256];
	size_t scratch[256], listed[256];
	for (int r = 0; r < rounds; r++) {
		expected_demand(s, 0, demand);
		size_t count = 0;
		for (size_t i = 0; i < n; i++) {
			mkt_model_state *m = &s->models[i];
			double capacity = mkt_capacity_on(m, 0);
			m->error_rate = 1.0 - served_fraction(demand[i], capacity);
			mkt_latency_curve curve = { m->p->latency, s->p->latency_slope,
						    s->p->latency_power };
			m->latency = mkt_congest(demand[i], capacity, &curve).latency_seconds;
			if (m->p->ranked && demand[i] > 0) {
				listed[count] = i;
				tokens[count++] = fmin(demand[i], capacity);
			}
			m->visibility = 0;
		}
		mkt_leaderboard(tokens, count, rank, share, scratch);
		for (size_t j = 0; j < count; j++)
			if (rank[j] <= s->p->leaderboard_size)
				s->models[listed[j]].visibility = share[j];
		mkt_refresh_pulls(s, 0);
		for (size_t a = 0; a < s->agent_count; a++)
			mkt_agent_rechoose(s, a, 0);
	}
}

/* ---- tables ---- */

static const char *const model_keys[] = { "week", "week_start", "model", "name",
					   "provider", "origin" };

/* Tokens served by all models in one week's rows. */
static double week_tokens(const mkt_state *s, const mkt_week_row *rows)
{
	double total = 0;
	for (size_t i = 0; i < s->model_count; i++)
		total += rows[i].tokens_in + rows[i].tokens_out;
	return total;
}

/* The key columns of week w: its index and the date it starts. */
static void week_labels(const mkt_state *s, size_t w, char week[24],
			char start[SIM_DATE_BUF])
{
	snprintf(week, 24, "%zu", w);
	mkt_date_after(s->p->start_date, (long)w * 7, start, SIM_DATE_BUF);
}

static const char *display_name(const mkt_state *s, size_t i)
{
	const char *n = s->models[i].p->name;
	return n && n[0] ? n : s->p->models.ids[i];
}

/* Model row r's values in models_weekly.csv, with `total` the week's
   tokens served by all models. */
static void model_values(const mkt_week_row *r, double total, double v[MKT_MODEL_VALUES])
{
	double tokens = r->tokens_in + r->tokens_out;
	const double row[MKT_MODEL_VALUES] = {
		[MKT_M_IN] = r->tokens_in,
		[MKT_M_OUT] = r->tokens_out,
		[MKT_M_TOKENS] = tokens,
		[MKT_M_DEMANDED] = r->demanded,
		[MKT_M_FAILED] = r->failed,
		[MKT_M_FALLBACK] = r->fallback,
		[MKT_M_REQUESTS] = r->requests,
		[MKT_M_ACTIVE] = r->active_devs,
		[MKT_M_NEW] = r->new_devs,
		[MKT_M_SHARE] = total > 0 ? tokens / total : 0,
		[MKT_M_RANK] = r->rank,
		[MKT_M_SPEND] = r->spend,
		[MKT_M_FEE] = r->fee,
		[MKT_M_REVENUE] = r->revenue,
		[MKT_M_COST] = r->cost,
		[MKT_M_PROFIT] = r->revenue - r->cost,
		[MKT_M_PRICE_IN] = r->price_in,
		[MKT_M_PRICE_OUT] = r->price_out,
		[MKT_M_CAPACITY] = r->capacity,
		[MKT_M_UTILISATION] = r->capacity > 0 ? r->demanded / r->capacity : 0,
		[MKT_M_ERRORS] = r->demanded > 0 ? r->failed / r->demanded : 0,
		[MKT_M_REFUSED_QUOTA] = r->refused_quota,
		[MKT_M_LOST] = r->lost,
		[MKT_M_FREE_USERS] = r->free_users,
		[MKT_M_CREDIT_BUYERS] = r->credit_buyers,
		[MKT_M_CONVERSIONS] = r->conversions,
		[MKT_M_CONVERSIONS_AWAY] = r->conversions_away,
		[MKT_M_CONVERTED_REVENUE] = r->converted_revenue,
		[MKT_M_FREE_COST] = r->free_cost,
	};
	memcpy(v, row, sizeof row);
}

/* With s->check, each row is checked before it is written and each week
   once all its rows are (invariants.c). */
static int record_models(const mkt_state *s, sim_table_set *tables, sim_error *err)
{
	sim_table *t = sim_table_begin(tables, "models_weekly.csv", model_keys, 6,
				       mkt_model_columns, MKT_MODEL_VALUES, err);
	if (!t)
		return -1;
	for (size_t w = 0; w < s->weeks; w++) {
		const mkt_week_row *rows = s->rows + w * s->model_count;
		mkt_week_totals sum = { .tokens = week_tokens(s, rows) };
		char week[24], start[SIM_DATE_BUF];
		week_labels(s, w, week, start);
		for (size_t i = 0; i < s->model_count; i++) {
			const mkt_model_state *m = &s->models[i];
			const char *keys[6] = { week, start, s->p->models.ids[i],
						display_name(s, i),
						s->provider_names[m->provider],
						s->origin_names[m->origin] };
			double v[MKT_MODEL_VALUES];
			model_values(&rows[i], sum.tokens, v);
			sum.share += v[MKT_M_SHARE];
			sum.demanded += v[MKT_M_DEMANDED];
			sum.failed += v[MKT_M_FAILED];
			sum.fallback += v[MKT_M_FALLBACK];
			sum.lost += v[MKT_M_LOST];
			if ((s->check && mkt_check_model_row(w, s->p->models.ids[i], v, s->p->fee,
							     err) != 0) ||
			    sim_table_add(t, keys, v, err) != 0)
				return -1;
		}
		if (s->check && mkt_check_week(w, "models", &sum, err) != 0)
			return -1;
	}
	return 0;
}

/* The sums over origin g's models of one week's rows, into v (zeroed by
   the caller). A provider's are its hosts' (mkt_hosts_provider_week). */
static void origin_sums(const mkt_state *s, const mkt_week_row *rows, size_t g,
			double v[MKT_GROUP_VALUES])
{
	for (size_t i = 0; i < s->model_count; i++) {
		const mkt_model_state *m = &s->models[i];
		if ((size_t)m->origin != g)
			continue;
		const mkt_week_row *r = &rows[i];
		v[MKT_G_TOKENS] += r->tokens_in + r->tokens_out;
		v[MKT_G_ACTIVE] += r->active_devs;
		v[MKT_G_SPEND] += r->spend;
		v[MKT_G_FEE] += r->fee;
		v[MKT_G_REVENUE] += r->revenue;
		v[MKT_G_COST] += r->cost;
		v[MKT_G_IN] += r->tokens_in;
		v[MKT_G_OUT] += r->tokens_out;
		v[MKT_G_DEMANDED] += r->demanded;
		v[MKT_G_FAILED] += r->failed;
		v[MKT_G_REQUESTS] += r->requests;
		v[MKT_G_NEW] += r->new_devs;
		v[MKT_G_CAPACITY] += r->capacity;
		v[MKT_G_REFUSED_QUOTA] += r->refused_quota;
		v[MKT_G_LOST] += r->lost;
		v[MKT_G_FREE_USERS] += r->free_users;
		v[MKT_G_CREDIT_BUYERS] += r->credit_buyers;
		v[MKT_G_CONVERSIONS] += r->conversions;
		v[MKT_G_CONVERSIONS_AWAY] += r->conversions_away;
		v[MKT_G_CONVERTED_REVENUE] += r->converted_revenue;
		v[MKT_G_FREE_COST] += r->free_cost;
	}
}

/* Weekly sums over providers (by = 0) or origins (by = 1); with
   s->check, each row and each week checked as for the models. */
static int record_groups(const mkt_state *s, sim_table_set *tables, int by,
			 sim_error *err)
{
	const char *key = by ? "origin" : "provider";
	const char *const keys_names[] = { "week", "week_start", key };
	size_t groups = by ? s->origin_count : s->provider_count;
	const char **names = by ? s->origin_names : s->provider_names;
	sim_table *t = sim_table_begin(tables, by ? "origins_weekly.csv" : "providers_weekly.csv",
				       keys_names, 3, mkt_group_columns, MKT_GROUP_VALUES, err);
	double *cum = calloc(4 * groups, sizeof *cum);
	if (!t || !cum) {
		free(cum);
		return t ? sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory") : -1;
	}
	int rc = 0;
	for (size_t w = 0; w < s->weeks && rc == 0; w++) {
		const mkt_week_row *rows = s->rows + w * s->model_count;
		mkt_week_totals sum = { .tokens = week_tokens(s, rows) };
		double total = sum.tokens;
		char week[24], start[SIM_DATE_BUF];
		week_labels(s, w, week, start);
		for (size_t g = 0; g < groups && rc == 0; g++) {
			double v[MKT_GROUP_VALUES] = { 0 };
			if (by)
				origin_sums(s, rows, g, v);
			else /* a provider sums what its hosts serve (hosts_tables.c) */
				mkt_hosts_provider_week(s, w, g, v);
			v[MKT_G_SHARE] = total > 0 ? v[MKT_G_TOKENS] / total : 0;
			v[MKT_G_PROFIT] = v[MKT_G_REVENUE] - v[MKT_G_COST];
			double *c = cum + 4 * g;
			c[0] += v[MKT_G_REVENUE];
			c[1] += v[MKT_G_PROFIT];
			c[2] += v[MKT_G_CONVERTED_REVENUE];
			c[3] += v[MKT_G_FREE_COST];
			v[MKT_G_CUM_REVENUE] = c[0];
			v[MKT_G_CUM_PROFIT] = c[1];
			v[MKT_G_CUM_CONVERTED_REVENUE] = c[2];
			v[MKT_G_CUM_FREE_COST] = c[3];
			double demanded = v[MKT_G_DEMANDED], capacity = v[MKT_G_CAPACITY];
			v[MKT_G_UTILISATION] = capacity > 0 ? demanded / capacity : 0;
			v[MKT_G_ERRORS] = demanded > 0 ? v[MKT_G_FAILED] / demanded : 0;
			sum.share += v[MKT_G_SHARE];
			const char *keys[3] = { week, start, names[g] };
			if (s->check)
				rc = mkt_check_group_row(w, names[g], v, s->p->fee, err);
			if (rc == 0)
				rc = sim_table_add(t, keys, v, err);
		}
		if (rc == 0 && s->check)
			rc = mkt_check_week(w, by ? "origins" : "providers", &sum, err);
	}
	free(cum);
	return rc;
}

static int summary_row(sim_table *t, const char *metric, const char *subject,
		       double value, sim_error *err)
{
	const char *keys[2] = { metric, subject };
	return sim_table_add(t, keys, &value, err);
}

/* What group g's models (of providers by = 0, of origins by = 1) served
   and earned over weeks [first, end). */
typedef struct span_sums {
	double tokens, revenue, profit;
} span_sums;

static span_sums group_span(const mkt_state *s, int by, size_t g, size_t first, size_t end)
{
	span_sums sum = { 0 };
	size_t n = s->model_count;
	if (!by) { /* by the hosts' providers (hosts_tables.c) */
		mkt_hosts_provider_span(s, g, first, end, &sum.tokens, &sum.revenue, &sum.profit);
		return sum;
	}
	for (size_t w = first; w < end; w++)
		for (size_t i = 0; i < n; i++) {
			const mkt_week_row *r = &s->rows[w * n + i];
			if ((size_t)s->models[i].origin != g)
				continue;
			sum.tokens += r->tokens_in + r->tokens_out;
			sum.revenue += r->revenue;
			/* Row by row, as cum_profit: the same sum to the last bit. */
			sum.profit += r->revenue - r->cost;
		}
	return sum;
}

/* Tokens served by all models over weeks [first, end). */
static double span_tokens(const mkt_state *s, size_t first, size_t end)
{
	double total = 0;
	for (size_t w = first; w < end; w++)
		total += week_tokens(s, s->rows + w * s->model_count);
	return total;
}

/* The summary window's rows (market.summary_window: the weeks whose
   first day lies in it, so a week straddling an edge counts whole or not
   at all): per provider its revenue, profit, tokens and share of the
   router's tokens; then per origin its share. */
static int record_window(const mkt_state *s, sim_table *t, sim_error *err)
{
	size_t first = 0, end = 0;
	mkt_window_weeks(s->p, &first, &end);
	double all = span_tokens(s, first, end);
	for (size_t g = 0; g < s->provider_count; g++) {
		const char *name = s->provider_names[g];
		span_sums x = group_span(s, 0, g, first, end);
		if (summary_row(t, "window_revenue", name, x.revenue, err) != 0 ||
		    summary_row(t, "window_profit", name, x.profit, err) != 0 ||
		    summary_row(t, "window_tokens", name, x.tokens, err) != 0 ||
		    summary_row(t, "window_token_share", name, all > 0 ? x.tokens / all : 0,
				err) != 0)
			return -1;
	}
	for (size_t g = 0; g < s->origin_count; g++) {
		span_sums x = group_span(s, 1, g, first, end);
		if (summary_row(t, "window_token_share", s->origin_names[g],
				all > 0 ? x.tokens / all : 0, err) != 0)
			return -1;
	}
	return 0;
}

/* Each origin's share of the tokens over the last four weeks, as
   token_share_end is for each model. */
static int record_origins_end(const mkt_state *s, sim_table *t, sim_error *err)
{
	size_t from = s->weeks > 4 ? s->weeks - 4 : 0;
	double all = span_tokens(s, from, s->weeks);
	for (size_t g = 0; g < s->origin_count; g++) {
		span_sums x = group_span(s, 1, g, from, s->weeks);
		if (summary_row(t, "token_share_end", s->origin_names[g],
				all > 0 ? x.tokens / all : 0, err) != 0)
			return -1;
	}
	return 0;
}

/* The conversion funnel per provider over the run: developers who
   started on its free models and later paid (anyone), credits bought
   while on its models, the revenue it earned from its own free starters,
   the cost of the tokens it served free, and the payback: that revenue
   less that cost (a difference, not a ratio, so that a provider serving
   nothing free has a number, 0 - 0, that compares and averages). */
static int record_funnel(const mkt_state *s, sim_table *t, sim_error *err)
{
	for (size_t g = 0; g < s->provider_count; g++) {
		/* By the provider that serves, as providers_weekly.csv. */
		double sum[MKT_GROUP_VALUES] = { 0 };
		for (size_t w = 0; w < s->weeks; w++)
			mkt_hosts_provider_week(s, w, g, sum);
		const char *name = s->provider_names[g];
		double revenue = sum[MKT_G_CONVERTED_REVENUE], cost = sum[MKT_G_FREE_COST];
		if (summary_row(t, "conversions", name, sum[MKT_G_CONVERSIONS], err) != 0 ||
		    summary_row(t, "credit_buyers", name, sum[MKT_G_CREDIT_BUYERS], err) != 0 ||
		    summary_row(t, "converted_revenue", name, revenue, err) != 0 ||
		    summary_row(t, "free_cost", name, cost, err) != 0 ||
		    summary_row(t, "payback", name, revenue - cost, err) != 0)
			return -1;
	}
	return 0;
}

static int record_summary(const mkt_state *s, sim_table_set *tables, sim_error *err)
{
	static const char *const keys[] = { "metric", "subject" };
	static const char *const values[] = { "value" };
	sim_table *t = sim_table_begin(tables, "summary.csv", keys, 2, values, 1, err);
	if (!t)
		return -1;
	size_t n = s->model_count;
	for (size_t g = 0; g < s->provider_count; g++) {
		double revenue = 0, profit = 0, tokens = 0; /* hosts: by host provider */
		mkt_hosts_provider_span(s, g, 0, s->weeks, &tokens, &revenue, &profit);
		if (summary_row(t, "cum_revenue", s->provider_names[g], revenue, err) != 0 ||
		    summary_row(t, "cum_profit", s->provider_names[g], profit, err) != 0)
			return -1;
	}
	for (size_t g = 0; g < s->origin_count; g++) {
		double first = NAN;
		for (size_t w = 0; w < s->weeks && isnan(first); w++) {
			double mine = 0, all = 0;
			for (size_t i = 0; i < n; i++) {
				const mkt_week_row *r = &s->rows[w * n + i];
				all += r->tokens_in + r->tokens_out;
				if ((size_t)s->models[i].origin == g)
					mine += r->tokens_in + r->tokens_out;
			}
			if (all > 0 && mine > 0.5 * all)
				first = (double)w;
		}
		if (summary_row(t, "first_week_over_half", s->origin_names[g], first, err) != 0)
			return -1;
	}
	/* Each model's share of the tokens over the last four weeks: where
	   the market ends up (a sweep's "how much share does it give up"). */
	size_t from = s->weeks > 4 ? s->weeks - 4 : 0;
	double end_total = 0;
	for (size_t w = from; w < s->weeks; w++)
		end_total += week_tokens(s, s->rows + w * n);
	for (size_t i = 0; i < n; i++) {
		double mine = 0;
		for (size_t w = from; w < s->weeks; w++)
			mine += s->rows[w * n + i].tokens_in + s->rows[w * n + i].tokens_out;
		if (summary_row(t, "token_share_end", s->p->models.ids[i],
				end_total > 0 ? mine / end_total : 0, err) != 0)
			return -1;
	}
	double chat = s->chat_tasks > 0 ? s->chat_tokens / s->chat_tasks : NAN;
	double agent = s->agentic_tasks > 0 ? s->agentic_tokens / s->agentic_tasks : NAN;
	double tokens = 0;
	for (size_t j = 0; j < s->weeks * n; j++)
		tokens += s->rows[j].tokens_in + s->rows[j].tokens_out;
	double active = 0;
	for (size_t i = 0; i < n; i++)
		active += s->rows[(s->weeks - 1) * n + i].active_devs;
	double conversions = 0, buyers = 0;
	for (size_t j = 0; j < s->weeks * n; j++) {
		conversions += s->rows[j].conversions;
		buyers += s->rows[j].credit_buyers;
	}
	if (summary_row(t, "conversions", "all", conversions, err) != 0 ||
	    summary_row(t, "credit_buyers", "all", buyers, err) != 0 ||
	    summary_row(t, "agentic_token_multiplier", "all", agent / chat, err) != 0 ||
	    summary_row(t, "tokens_total", "all", tokens, err) != 0 ||
	    summary_row(t, "active_devs_end", "all", active, err) != 0 ||
	    summary_row(t, "developers_joined", "all",
			(double)s->agent_count * s->p->scale, err) != 0)
		return -1;
	/* Added after the rows above, which keep their order. */
	if (record_window(s, t, err) != 0 || record_origins_end(s, t, err) != 0)
		return -1;
	return record_funnel(s, t, err);
}

int mkt_record(const void *state, const sim_engine *eng, sim_table_set *tables,
	       sim_error *err)
{
	const mkt_state *s = state;
	(void)eng;
	if (record_models(s, tables, err) != 0 || record_groups(s, tables, 0, err) != 0 ||
	    record_groups(s, tables, 1, err) != 0 || record_summary(s, tables, err) != 0 ||
	    mkt_hosts_record(s, tables, err) != 0) /* hosts: hosts_weekly.csv */
		return -1;
	return 0;
}

/* models_tokens_wide.csv: mean weekly tokens, one column per model, for
   the stacked chart and for spreadsheets. */
int mkt_write_tables(const sim_table_set *tables, sim_results *out, sim_error *err)
{
	const sim_table *t = sim_table_find(tables, "models_weekly.csv");
	if (!t)
		return 0;
	long tokens = sim_table_value_index(t, "tokens");
	size_t rows = sim_table_rows(t), reps = sim_table_replications(t);
	size_t models = 0;
	while (models < rows && strcmp(sim_table_key(t, models, 0), "0") == 0)
		models++;
	FILE *f = sim_results_create(out, "models_tokens_wide.csv", err);
	if (!f)
		return -1;
	fputs("week,week_start", f);
	for (size_t i = 0; i < models; i++)
		fprintf(f, ",%s", sim_table_key(t, i, 3));
	for (size_t r = 0; r < rows; r++) {
		if (r % models == 0)
			fprintf(f, "\n%s,%s", sim_table_key(t, r, 0), sim_table_key(t, r, 1));
		double sum = 0;
		for (size_t k = 0; k < reps; k++)
			sum += sim_table_value(t, k, r, (size_t)tokens);
		fprintf(f, ",%.10g", sum / (double)reps);
	}
	fputc('\n', f);
	return sim_results_close_file(out, f, err);
}
