/* hosts_tables.c - the hosts' weekly rows as tables: hosts_weekly.csv,
   and the sums by host provider that providers_weekly.csv and the
   summary's provider rows are made of (who earns the money is who
   serves; origins stay by the model's developer). */
#include "market_internal.h"

#include <stdio.h>
#include <string.h>

/* Host h's share of its model's week: of the tokens the model served, or
   an equal part when it served none. One host: exactly 1. */
static double week_share(const mkt_state *s, size_t week, size_t h)
{
	const mkt_host *x = &s->hosts[h];
	const mkt_host_row *r = &s->host_rows[week * s->host_count + h];
	double mine = 0, all = 0;
	const mkt_model_state *m = &s->models[x->model];
	size_t first = (size_t)(m->hosts - s->hosts);
	for (size_t k = 0; k < m->host_count; k++) {
		const mkt_host_row *o = &s->host_rows[week * s->host_count + first + k];
		all += o->tokens_in + o->tokens_out;
	}
	mine = r->tokens_in + r->tokens_out;
	return all > 0 ? mine / all : 1.0 / (double)m->host_count;
}

/* Host h's part of its model's lost tokens: of what the model failed to
   serve, the host's own failures plus its share of the quota's refusals
   (lost tokens are failed ones, less those re-routed), or its share
   when the model failed nothing. So no host is given more lost tokens
   than it failed, as a share of the tokens served could. */
static double lost_share(const mkt_state *s, size_t week, size_t h, double share)
{
	const mkt_host *x = &s->hosts[h];
	const mkt_model_state *m = &s->models[x->model];
	const mkt_week_row *mr = &s->rows[week * s->model_count + x->model];
	size_t first = (size_t)(m->hosts - s->hosts);
	double all = mr->refused_quota;
	for (size_t k = 0; k < m->host_count; k++)
		all += s->host_rows[week * s->host_count + first + k].failed;
	double mine = s->host_rows[week * s->host_count + h].failed + mr->refused_quota * share;
	return all > 0 ? mine / all : share;
}

void mkt_hosts_provider_week(const mkt_state *s, size_t week, size_t g, double *v)
{
	for (size_t h = 0; h < s->host_count; h++) {
		const mkt_host *x = &s->hosts[h];
		if ((size_t)x->provider != g)
			continue;
		const mkt_host_row *r = &s->host_rows[week * s->host_count + h];
		const mkt_week_row *mr = &s->rows[week * s->model_count + x->model];
		double share = week_share(s, week, h);
		v[MKT_G_TOKENS] += r->tokens_in + r->tokens_out;
		v[MKT_G_ACTIVE] += mr->active_devs * share;
		v[MKT_G_SPEND] += r->spend;
		v[MKT_G_FEE] += r->fee;
		v[MKT_G_REVENUE] += r->spend; /* prices pass through */
		v[MKT_G_COST] += r->cost;
		v[MKT_G_IN] += r->tokens_in;
		v[MKT_G_OUT] += r->tokens_out;
		/* The platform's refusals beyond the free quota, and the
		   funnel's counts, belong to the model: each host takes its
		   share of them, as of its developers. */
		v[MKT_G_DEMANDED] += r->demanded + mr->refused_quota * share;
		v[MKT_G_FAILED] += r->failed + mr->refused_quota * share;
		v[MKT_G_REQUESTS] += r->requests;
		v[MKT_G_NEW] += mr->new_devs * share;
		v[MKT_G_CAPACITY] += r->capacity;
		v[MKT_G_REFUSED_QUOTA] += mr->refused_quota * share;
		v[MKT_G_LOST] += mr->lost * lost_share(s, week, h, share);
		v[MKT_G_FREE_USERS] += mr->free_users * share;
		v[MKT_G_CREDIT_BUYERS] += mr->credit_buyers * share;
		v[MKT_G_CONVERSIONS] += mr->conversions * share;
		v[MKT_G_CONVERSIONS_AWAY] += mr->conversions_away * share;
		/* Revenue from free starters by the host's part of the spend;
		   the cost of free tokens by its part of the tokens. */
		v[MKT_G_CONVERTED_REVENUE] += mr->revenue > 0 ?
					      mr->converted_revenue * r->spend / mr->revenue : 0;
		v[MKT_G_FREE_COST] += mr->free_cost * share;
	}
}

void mkt_hosts_provider_span(const mkt_state *s, size_t g, size_t first, size_t end,
			     double *tokens, double *revenue, double *profit)
{
	*tokens = *revenue = *profit = 0;
	for (size_t w = first; w < end; w++)
		for (size_t h = 0; h < s->host_count; h++) {
			const mkt_host_row *r = &s->host_rows[w * s->host_count + h];
			if ((size_t)s->hosts[h].provider != g)
				continue;
			*tokens += r->tokens_in + r->tokens_out;
			*revenue += r->spend;
			/* Row by row, as cum_profit: the same sum to the last bit. */
			*profit += r->spend - r->cost;
		}
}

/* Host row r's values in hosts_weekly.csv. */
static void host_values(const mkt_host_row *r, double v[MKT_HOST_VALUES])
{
	double tokens = r->tokens_in + r->tokens_out;
	const double row[MKT_HOST_VALUES] = {
		[MKT_H_IN] = r->tokens_in,
		[MKT_H_OUT] = r->tokens_out,
		[MKT_H_TOKENS] = tokens,
		[MKT_H_DEMANDED] = r->demanded,
		[MKT_H_FAILED] = r->failed,
		[MKT_H_REQUESTS] = r->requests,
		[MKT_H_SPEND] = r->spend,
		[MKT_H_FEE] = r->fee,
		[MKT_H_REVENUE] = r->spend,
		[MKT_H_COST] = r->cost,
		[MKT_H_PROFIT] = r->spend - r->cost,
		[MKT_H_CAPACITY] = r->capacity,
		[MKT_H_UTILISATION] = r->capacity > 0 ? r->demanded / r->capacity : 0,
		[MKT_H_PRICE_IN] = r->price_in,
		[MKT_H_PRICE_OUT] = r->price_out,
	};
	memcpy(v, row, sizeof row);
}

/* Model i's host rows of week w: written, and with s->check each row
   checked and their sums checked against the model's row. */
static int record_model_week(const mkt_state *s, sim_table *t, size_t w, size_t i,
			     const char *week, const char *start, sim_error *err)
{
	const mkt_model_state *m = &s->models[i];
	size_t first = (size_t)(m->hosts - s->hosts);
	double sum[MKT_HOST_VALUES] = { 0 };
	for (size_t k = 0; k < m->host_count; k++) {
		const mkt_host *x = &m->hosts[k];
		const char *provider = s->provider_names[x->provider];
		const char *keys[5] = { week, start, s->p->models.ids[i], provider, x->country };
		double v[MKT_HOST_VALUES];
		char subject[256];
		host_values(&s->host_rows[w * s->host_count + first + k], v);
		for (size_t c = 0; c < MKT_HOST_VALUES; c++)
			sum[c] += v[c];
		snprintf(subject, sizeof subject, "%s/%s", s->p->models.ids[i], provider);
		if ((s->check && mkt_check_host_row(w, subject, v, s->p->fee, err) != 0) ||
		    sim_table_add(t, keys, v, err) != 0)
			return -1;
	}
	if (s->check)
		return mkt_check_hosts_sum(w, s->p->models.ids[i], sum,
					   &s->rows[w * s->model_count + i], err);
	return 0;
}

int mkt_hosts_record(const mkt_state *s, sim_table_set *tables, sim_error *err)
{
	static const char *const keys[] = { "week", "week_start", "model", "host", "country" };
	sim_table *t = sim_table_begin(tables, "hosts_weekly.csv", keys, 5, mkt_host_columns,
				       MKT_HOST_VALUES, err);
	if (!t)
		return -1;
	for (size_t w = 0; w < s->weeks; w++) {
		char week[24], start[SIM_DATE_BUF];
		snprintf(week, sizeof week, "%zu", w);
		mkt_date_after(s->p->start_date, (long)w * 7, start, sizeof start);
		for (size_t i = 0; i < s->model_count; i++)
			if (record_model_week(s, t, w, i, week, start, err) != 0)
				return -1;
	}
	return 0;
}
