/* hosts.c - who serves a model (see mkt_hosts.h): each host's capacity,
   cost and prices on a day, the router's weights and fallback over a
   model's hosts, and export controls by host country. */
#include "market_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mkt_platform.h"
#include "mkt_supply.h"

/* ---- the router's rules ---- */

size_t mkt_route_weights(const double *price, const bool *eligible, size_t n, double *w)
{
	size_t count = 0, free_count = 0;
	double sum = 0;
	for (size_t h = 0; h < n; h++)
		if (eligible[h]) {
			count++;
			free_count += !(price[h] > 0);
			sum += price[h] > 0 ? 1 / (price[h] * price[h]) : 0;
		}
	/* A free host's 1/price^2 is infinite: the free ones take all, equally. */
	for (size_t h = 0; h < n; h++) {
		if (!eligible[h])
			w[h] = 0;
		else if (free_count > 0)
			w[h] = price[h] > 0 ? 0 : 1.0 / (double)free_count;
		else
			w[h] = 1 / (price[h] * price[h]) / sum;
	}
	return count;
}

void mkt_route_fill(const double *price, const double *capacity, size_t n, double demand,
		    double *served)
{
	bool room[MKT_MAX_HOSTS];
	double w[MKT_MAX_HOSTS], rest = demand;
	for (size_t h = 0; h < n; h++) {
		served[h] = 0;
		room[h] = capacity[h] > 0;
	}
	/* Each round, the hosts whose share of what is left fills them are
	   filled and drop out; the rest is split again among the others.
	   Shares only grow from round to round, so at most n rounds. */
	while (rest > 0 && mkt_route_weights(price, room, n, w) > 0) {
		bool full = false;
		for (size_t h = 0; h < n; h++)
			full |= room[h] && rest * w[h] >= capacity[h];
		if (!full) {
			for (size_t h = 0; h < n; h++)
				served[h] += room[h] ? rest * w[h] : 0;
			return;
		}
		double used = 0;
		for (size_t h = 0; h < n; h++)
			if (room[h] && rest * w[h] >= capacity[h]) {
				served[h] = capacity[h];
				used += capacity[h];
				room[h] = false;
			}
		rest -= used;
	}
}

/* ---- a host on a day ---- */

/* Progress of ramp r at `day`: 0 before it, 1 from its end. */
static double progress(const mkt_ramp *r, double day)
{
	if (day < r->day)
		return 0;
	return r->days > 0 && day < r->day + r->days ? (day - r->day) / r->days : 1;
}

/* The integral of progress from the ramp's start to `day`. */
static double progress_area(const mkt_ramp *r, double day)
{
	double x = day - r->day;
	if (x <= 0)
		return 0;
	return x < r->days ? x * x / (2 * r->days) : x - r->days / 2;
}

/* Continuous growth rate per day of a compound annual `growth` (a host
   losing all its capacity in a year is held just above -1). */
static double log_rate(double growth)
{
	return log(fmax(1 + growth, 1e-300)) / 365.0;
}

double mkt_host_capacity_on(const mkt_host *h, const mkt_model_state *m, double day)
{
	if (day < m->launch_day)
		return 0;
	double x = day - m->launch_day, c;
	if (h->ramp_count == 0) {
		c = mkt_grown_capacity(h->capacity, h->growth, x);
	} else {
		/* ln C = ln C0 + the integral of the growth rate, which each ramp
		   moves linearly by dk; each ramp also removes its share of the
		   installed capacity as it progresses. */
		double lg = x > 0 ? x * log_rate(h->growth) : 0, level = 1;
		for (size_t k = 0; k < h->ramp_count; k++) {
			const mkt_ramp *r = &h->ramps[k];
			lg += r->dk * (progress_area(r, day) - progress_area(r, m->launch_day));
			level *= 1 - r->cut * progress(r, day);
		}
		c = h->capacity * exp(lg) * level;
	}
	return day < m->outage_until ? c * m->outage_left : c;
}

double mkt_host_cost_on(const mkt_host *h, double day)
{
	double c = h->cost;
	for (size_t k = 0; k < h->ramp_count; k++)
		c += h->ramps[k].dcost * progress(&h->ramps[k], day);
	return c;
}

void mkt_host_prices_on(const mkt_host *h, double day, double *in, double *out)
{
	double up = 0;
	for (size_t k = 0; k < h->ramp_count; k++) {
		const mkt_ramp *r = &h->ramps[k];
		up += r->pass * r->dcost * (progress(r, day) - r->passed_from);
	}
	*in = h->price_in + up;
	*out = h->price_out + up;
}

/* ---- the model over its hosts ---- */

double mkt_capacity_on(const mkt_model_state *m, double day)
{
	double c = 0;
	for (size_t h = 0; h < m->host_count; h++)
		c += mkt_host_capacity_on(&m->hosts[h], m, day);
	return c;
}

/* The one price the router compares hosts by: input and output blended
   in the proportions of the model's mean tasks (a chat task and an agent
   task), fixed, so that weights move only with prices. */
static double blended(const mkt_model_state *m, double in, double out)
{
	double a = m->chat.in + m->agentic.in, b = m->chat.out + m->agentic.out;
	return a + b > 0 ? (a * in + b * out) / (a + b) : (in + out) / 2;
}

/* Model m's hosts on `day`: capacities, prices and blended prices. */
typedef struct host_day {
	double capacity[MKT_MAX_HOSTS], in[MKT_MAX_HOSTS], out[MKT_MAX_HOSTS];
	double price[MKT_MAX_HOSTS];
} host_day;

static void hosts_on(const mkt_model_state *m, double day, host_day *d)
{
	for (size_t h = 0; h < m->host_count; h++) {
		d->capacity[h] = mkt_host_capacity_on(&m->hosts[h], m, day);
		mkt_host_prices_on(&m->hosts[h], day, &d->in[h], &d->out[h]);
		d->price[h] = blended(m, d->in[h], d->out[h]);
	}
}

/* The routing weights on `day` over the hosts with capacity, or over all
   of them when none has (before launch, in a full outage). */
static void weights_on(const mkt_model_state *m, const host_day *d, double *w)
{
	bool eligible[MKT_MAX_HOSTS] = { false };
	for (size_t h = 0; h < m->host_count; h++)
		eligible[h] = d->capacity[h] > 0;
	if (mkt_route_weights(d->price, eligible, m->host_count, w) > 0)
		return;
	for (size_t h = 0; h < m->host_count; h++)
		eligible[h] = true;
	mkt_route_weights(d->price, eligible, m->host_count, w);
}

void mkt_hosts_reprice(mkt_state *s, double day)
{
	for (size_t i = 0; i < s->model_count; i++) {
		mkt_model_state *m = &s->models[i];
		host_day d;
		double w[MKT_MAX_HOSTS], in = 0, out = 0, cost = 0;
		hosts_on(m, day, &d);
		weights_on(m, &d, w);
		for (size_t h = 0; h < m->host_count; h++) {
			in += w[h] * d.in[h];
			out += w[h] * d.out[h];
			cost += w[h] * mkt_host_cost_on(&m->hosts[h], day);
		}
		m->price_in = in;
		m->price_out = out;
		m->cost = cost;
	}
}

void mkt_hosts_serve(mkt_state *s, size_t i, double day, const mkt_demand *demand,
		     mkt_served *out)
{
	const mkt_model_state *m = &s->models[i];
	size_t n = m->host_count, first = (size_t)(m->hosts - s->hosts);
	size_t week = (size_t)(day / 7);
	host_day d;
	double served[MKT_MAX_HOSTS], w[MKT_MAX_HOSTS], total = 0;
	double all = demand->in + demand->out;
	hosts_on(m, day, &d);
	mkt_route_fill(d.price, d.capacity, n, all, served);
	for (size_t h = 0; h < n; h++)
		total += served[h];
	total = fmin(total, all); /* the split's shares may sum a rounding above 1 */
	/* As one model-wide fraction, so that one host serves exactly what
	   the model did before hosts existed. */
	double f = all > 0 ? total / all : 1.0;
	*out = (mkt_served){ demand->in * f, demand->out * f, demand->requests * f, 0, 0, 0 };
	weights_on(m, &d, w);
	for (size_t h = 0; h < n; h++) {
		/* Its share of what the model served (of the demand and the
		   failures too); with nothing served, its routing weight. */
		double share = total > 0 ? served[h] / total : w[h];
		mkt_host_row *r = &s->host_rows[week * s->host_count + first + h];
		double in = out->in * share, out_tokens = out->out * share;
		double spend = mkt_spend(in, out_tokens, d.in[h], d.out[h]);
		double cost = (in + out_tokens) * mkt_host_cost_on(&m->hosts[h], day) / 1e6;
		r->tokens_in += in;
		r->tokens_out += out_tokens;
		r->demanded += all * share;
		r->failed += (all - total) * share;
		r->requests += out->requests * share;
		r->spend += spend;
		r->fee += s->p->fee * spend;
		r->cost += cost;
		r->capacity += d.capacity[h];
		r->price_in = d.in[h];
		r->price_out = d.out[h];
		out->spend += spend;
		out->fee += s->p->fee * spend;
		out->cost += cost;
	}
}

/* ---- events ---- */

/* Adds to host h an export control's ramp from `day`: the growth it
   would have once its earlier ramps are done is cut by growth_cut, its
   cost then multiplied by cost_multiplier. */
static void add_ramp(mkt_host *h, const mkt_event *e, double day)
{
	double k = log_rate(h->growth), cost = h->cost;
	for (size_t j = 0; j < h->ramp_count; j++) {
		k += h->ramps[j].dk;
		cost += h->ramps[j].dcost;
	}
	double growth = expm1(365.0 * k) * (1 - e->growth_cut);
	h->ramps[h->ramp_count++] = (mkt_ramp){
		.day = day,
		.days = e->ramp_days,
		.cut = e->capacity_cut,
		.dk = log_rate(growth) - k,
		.dcost = cost * (e->cost_multiplier - 1),
		.pass = e->pass_through,
		.passed_from = 0,
	};
}

void mkt_hosts_export_control(mkt_state *s, const mkt_event *e, double day)
{
	const char *country = e->country && e->country[0] ? e->country : e->origin;
	for (size_t h = 0; h < s->host_count; h++)
		if (strcmp(s->hosts[h].country, country) == 0)
			add_ramp(&s->hosts[h], e, day);
}

void mkt_hosts_set_prices(mkt_state *s, size_t model, const char *host, double in,
			  double out, double day)
{
	mkt_model_state *m = &s->models[model];
	for (size_t h = 0; h < m->host_count; h++) {
		mkt_host *x = &m->hosts[h];
		if (host && host[0] && strcmp(s->provider_names[x->provider], host) != 0)
			continue;
		x->price_in = in;
		x->price_out = out;
		/* Cost rises already passed on are in the new prices: only
		   what comes after passes on. */
		for (size_t k = 0; k < x->ramp_count; k++)
			x->ramps[k].passed_from = progress(&x->ramps[k], day);
	}
}

/* ---- set-up ---- */

size_t mkt_hosts_count(const mkt_market_params *p)
{
	const mkt_model_params *mp = p->models.items;
	size_t n = 0;
	for (size_t i = 0; i < p->models.count; i++)
		n += mp[i].hosts.count > 0 ? mp[i].hosts.count : 1;
	return n;
}

/* Index of `name` in the provider names, appended when new. */
static int provider_of(mkt_state *s, const char *name)
{
	for (size_t i = 0; i < s->provider_count; i++)
		if (strcmp(s->provider_names[i], name) == 0)
			return (int)i;
	s->provider_names[s->provider_count] = name;
	return (int)s->provider_count++;
}

/* `value`, or `fallback` when the file left it out (NaN). */
static double or_else(double value, double fallback)
{
	return isnan(value) ? fallback : value;
}

/* Model i's hosts from its `hosts` list, or its one implicit host. */
static void init_model_hosts(mkt_state *s, size_t i, mkt_host *at)
{
	mkt_model_state *m = &s->models[i];
	const mkt_model_params *mp = m->p;
	const mkt_host_params *hp = mp->hosts.items;
	m->hosts = at;
	m->host_count = mp->hosts.count > 0 ? mp->hosts.count : 1;
	for (size_t h = 0; h < m->host_count; h++) {
		mkt_host *x = &at[h];
		const mkt_host_params *q = mp->hosts.count > 0 ? &hp[h] : NULL;
		*x = (mkt_host){
			.model = i,
			.provider = provider_of(s, q ? q->provider : mp->provider),
			.country = q && q->country[0] ? q->country : mp->origin,
			.capacity = q ? or_else(q->capacity, mp->capacity) : mp->capacity,
			.growth = q ? or_else(q->capacity_growth, mp->capacity_growth) :
				      mp->capacity_growth,
			.cost = q ? or_else(q->cost, mp->cost) : mp->cost,
			.price_in = q ? or_else(q->price_in, mp->price_in) : mp->price_in,
			.price_out = q ? or_else(q->price_out, mp->price_out) : mp->price_out,
		};
	}
}

int mkt_hosts_init(mkt_state *s)
{
	const mkt_event *ev = s->p->events.items;
	size_t controls = 0;
	for (size_t k = 0; k < s->p->events.count; k++)
		controls += ev[k].type == MKT_EXPORT_CONTROL;
	s->host_count = mkt_hosts_count(s->p);
	s->hosts = calloc(s->host_count, sizeof *s->hosts);
	s->ramps = calloc(s->host_count * controls + 1, sizeof *s->ramps);
	s->host_rows = calloc(s->weeks * s->host_count + 1, sizeof *s->host_rows);
	if (!s->hosts || !s->ramps || !s->host_rows)
		return -1;
	size_t at = 0;
	for (size_t i = 0; i < s->model_count; i++) {
		init_model_hosts(s, i, s->hosts + at);
		at += s->models[i].host_count;
	}
	/* Each host has room for every export control the file holds. */
	for (size_t h = 0; h < s->host_count; h++)
		s->hosts[h].ramps = s->ramps + h * controls;
	return 0;
}

void mkt_hosts_free(mkt_state *s)
{
	free(s->hosts);
	free(s->ramps);
	free(s->host_rows);
	s->hosts = NULL;
	s->ramps = NULL;
	s->host_rows = NULL;
}
