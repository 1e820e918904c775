/*
 * mkt_hosts.h - who serves a model (docs/MODEL.md, "Who serves a model").
 * Private to models/market/: market_internal.h includes it.
 *
 * A model has an origin (its developer's country) and one or more hosts:
 * providers serving it, each with its own country, capacity, growth, cost
 * and prices. A model without `hosts` has one, built from its own
 * provider, origin, capacity, growth, cost and prices, so it behaves
 * exactly as a model did before hosts existed.
 *
 * The router (OpenRouter's default provider routing) sends each request
 * to a host drawn with weight 1 / price^2 among the hosts with capacity
 * (the free ones alone, equally, when some are free); a host over its
 * capacity passes its overflow to the others with room (fallback), in
 * the same proportions. The price developers see for the model is the
 * routing-weighted mean of its hosts' prices.
 *
 * Export controls hit hosts by country: growth cut, installed capacity
 * lost and cost raised, each reaching its full size linearly over the
 * event's ramp_days (0: at once); a share pass_through of the cost rise
 * is added to both of the host's prices. Every quantity of a host is a
 * function of the day, computed from its settings and the ramps it has.
 */
#ifndef MKT_HOSTS_H
#define MKT_HOSTS_H

#include <stdbool.h>
#include <stddef.h>

#include "mkt_market.h"
#include "sim_error.h"
#include "sim_table.h"

struct mkt_state;
struct mkt_model_state;
struct mkt_demand;

/* One export control's hold on a host: from the start of `day`, its
   progress r rises linearly from 0 to 1 over `days` (0: 1 at once). */
typedef struct mkt_ramp {
	double day, days;
	double cut;         /* share of installed capacity lost at r = 1 */
	double dk;          /* change of the log growth rate per day at r = 1 */
	double dcost;       /* rise of the cost to serve at r = 1, $ per M tokens */
	double pass;        /* share of the cost rise added to both prices */
	double passed_from; /* r when the prices were last set: passed on from there */
} mkt_ramp;

/* One host of one model. */
typedef struct mkt_host {
	size_t model;             /* index of the model served */
	int provider;             /* index into the state's provider_names */
	const char *country;
	double capacity, growth;  /* tokens/day at launch; compound growth a year */
	double cost;              /* $ per M tokens, before export controls */
	double price_in, price_out; /* as last set, before pass-through */
	mkt_ramp *ramps;          /* the export controls that hit it, by date */
	size_t ramp_count;
} mkt_host;

/* What one host did in one week (hosts_weekly.csv). A host's demanded
   and failed tokens are its model's, in proportion to its share of what
   the model served (so served + failed = demanded holds per host). */
typedef struct mkt_host_row {
	double tokens_in, tokens_out, demanded, failed, requests;
	double spend, fee, cost, capacity, price_in, price_out;
} mkt_host_row;

/* hosts_weekly.csv's value columns, in the order written (columns.c
   names them in mkt_host_columns). */
enum { MKT_H_IN, MKT_H_OUT, MKT_H_TOKENS, MKT_H_DEMANDED, MKT_H_FAILED, MKT_H_REQUESTS,
       MKT_H_SPEND, MKT_H_FEE, MKT_H_REVENUE, MKT_H_COST, MKT_H_PROFIT, MKT_H_CAPACITY,
       MKT_H_UTILISATION, MKT_H_PRICE_IN, MKT_H_PRICE_OUT, MKT_HOST_VALUES };
extern const char *const mkt_host_columns[];

/* A model-day served over its hosts. */
typedef struct mkt_served {
	double in, out, requests; /* served */
	double spend, fee, cost;  /* at each host's price and cost */
} mkt_served;

/* ---- the pure rules (known-answer tests) ---- */

/* The router's weights over n hosts at prices `price` ($ per M tokens, a
   blend of input and output), only those with `eligible` set: 1/price^2
   normalised, or, when some eligible host is free, 1/z for each of the z
   free ones. Fills w (0 for the others); returns how many are eligible. */
size_t mkt_route_weights(const double *price, const bool *eligible, size_t n, double *w);

/* Serves `demand` tokens over n hosts of capacities `capacity`: split by
   the routing weights of those with capacity; a host over its capacity
   sends the excess to the others with room, split by their weights
   again, until all is served or every host is full (water-filling).
   served[h] <= capacity[h]; sum(served) = min(demand, sum(capacity)). */
void mkt_route_fill(const double *price, const double *capacity, size_t n, double demand,
		    double *served);

/* ---- a host on a day ---- */

/* Tokens per day host h of model m can serve on `day` (0 before the
   model's launch; an outage of the model applies to every host). */
double mkt_host_capacity_on(const mkt_host *h, const struct mkt_model_state *m, double day);
/* Its cost to serve, $ per M tokens, on `day`. */
double mkt_host_cost_on(const mkt_host *h, double day);
/* Its prices on `day` (the last set, plus pass-through of cost rises). */
void mkt_host_prices_on(const mkt_host *h, double day, double *in, double *out);

/* ---- the model over its hosts ---- */

/* A model's capacity on `day`: the sum of its hosts'. */
double mkt_capacity_on(const struct mkt_model_state *m, double day);

/* Sets every model's price_in, price_out and cost to the routing-weighted
   means over its hosts on `day` (those with capacity; all of them when
   none has). The demand side reads a model's prices from there: call
   after anything that moves a host's price or capacity (init, events,
   each day's tick). */
void mkt_hosts_reprice(struct mkt_state *s, double day);

/* Serves model i's `demand` of `day` (own plus fallback) over its hosts
   (mkt_route_fill), books each host's week row, and fills *out with the
   served tokens and requests, the spend (each host's tokens at its
   prices), fee and cost. Served in + out = min(demand, capacity). */
void mkt_hosts_serve(struct mkt_state *s, size_t model, double day,
		     const struct mkt_demand *demand, mkt_served *out);

/* An export control `e` at `day`: every host whose country is the
   event's (`country`, else `origin`) gets its ramp. */
void mkt_hosts_export_control(struct mkt_state *s, const mkt_event *e, double day);

/* Sets the prices of model i's hosts (only the one whose provider is
   `host`, unless it is NULL or ""), from `day`. */
void mkt_hosts_set_prices(struct mkt_state *s, size_t model, const char *host, double in,
			  double out, double day);

/* ---- set-up ---- */

/* The hosts of every model, their ramps' room and their weekly rows;
   interns host providers into s->provider_names (room for
   mkt_hosts_count more). Returns 0, or -1 out of memory. */
int mkt_hosts_init(struct mkt_state *s);
void mkt_hosts_free(struct mkt_state *s);
/* How many hosts p's models have in all (an implicit one counts one). */
size_t mkt_hosts_count(const mkt_market_params *p);

/* ---- tables (hosts_tables.c) ---- */

/* The providers_weekly.csv sums of week w for provider g, over the hosts
   it runs: host rows' tokens, money and capacity; its share of each
   model's demand, failures, requests and developers. Adds into v. */
void mkt_hosts_provider_week(const struct mkt_state *s, size_t week, size_t g, double *v);
/* Tokens, revenue and profit (revenue - cost, row by row) of provider g's
   hosts over weeks [first, end). */
void mkt_hosts_provider_span(const struct mkt_state *s, size_t g, size_t first, size_t end,
			     double *tokens, double *revenue, double *profit);
/* hosts_weekly.csv; with s->check, each row checked, and each model-week's
   hosts against its model row. */
int mkt_hosts_record(const struct mkt_state *s, sim_table_set *tables, sim_error *err);

#endif
