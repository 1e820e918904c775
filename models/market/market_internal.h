/*
 * market_internal.h - the market model's state, shared by the files of
 * models/market/ (one concern each) and by the market's test suites,
 * which build a market in their own process and read it back (the state
 * an init hands back is an mkt_state). Nothing else includes it.
 */
#ifndef MARKET_INTERNAL_H
#define MARKET_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "mkt_diffusion.h"
#include "mkt_hosts.h"
#include "mkt_market.h"
#include "sim_engine.h"
#include "sim_rng.h"

#define MKT_NONE 0xFF /* no model (an agent without an overflow model) */

/* One developer agent. 16 bytes: ten million fit in 160 MB. */
typedef struct mkt_agent {
	float weight;        /* tasks/day at zero price, at arrival x
				e^{-g t_arrival}: the rate at time t is weight e^{g t} */
	float primary_frac;  /* share of its tasks the primary serves; on a free
				model beyond the daily quota the rest is refused
				(429) or, with fallback, sent to `secondary` */
	uint8_t segment;
	uint8_t primary;     /* MKT_NONE once churned */
	uint8_t secondary;   /* where the overflow beyond a free quota goes */
	uint8_t alive : 1;
	uint8_t credited : 1;  /* has bought credits (>= credit_step $): the larger
				  free quota, and paid models open to it */
	uint8_t fallback : 1;  /* configured fallback models (a segment share) */
	uint8_t converted : 1; /* started on a free variant and has since paid */
	uint8_t kept : 1;      /* `secondary` is its previous paid model, kept
				  for market.multihoming of its tasks */
	uint32_t draws : 24;   /* sub-streams of the choice stream it has used:
				  its k-th event draws from sub-stream (index, k) */
	uint32_t first_free : 8; /* the free model it started on; MKT_NONE if none */
} mkt_agent;

/* Per-task token demand of one model (means exact; variances sampled). */
typedef struct mkt_task_moments {
	double in, out, requests;           /* means */
	double var_in, var_out, var_requests;
} mkt_task_moments;

/* Token demand of one day. */
typedef struct mkt_demand {
	double in, out, requests;
} mkt_demand;

/* What one model did in one week. */
typedef struct mkt_week_row {
	double tokens_in, tokens_out, demanded, failed, requests;
	double fallback;   /* tokens re-sent here after failing elsewhere */
	double refused_quota; /* tokens refused (429) beyond developers' free quota */
	double lost;       /* tokens failed here and not re-sent: refused for good */
	double active_devs, new_devs, spend, fee, revenue, cost;
	double free_users; /* developers whose primary it is, while it is free */
	double credit_buyers; /* developers who bought credits while on it */
	double conversions;   /* developers who started on it free and first paid */
	double conversions_away; /* of those, to another provider's model */
	double converted_revenue; /* revenue from developers who started on a free
				     model of the same provider */
	double free_cost;  /* cost of the tokens it served at zero price */
	double price_in, price_out, capacity;
	int rank;
} mkt_week_row;

/* The value columns of models_weekly.csv (MKT_M_*) and of
   providers_weekly.csv and origins_weekly.csv (MKT_G_*), in the order
   written; columns.c names them (mkt_model_columns, mkt_group_columns),
   metrics.c fills them and invariants.c checks a row of them. */
enum { MKT_M_IN, MKT_M_OUT, MKT_M_TOKENS, MKT_M_DEMANDED, MKT_M_FAILED, MKT_M_FALLBACK,
       MKT_M_REQUESTS, MKT_M_ACTIVE, MKT_M_NEW, MKT_M_SHARE, MKT_M_RANK, MKT_M_SPEND,
       MKT_M_FEE, MKT_M_REVENUE, MKT_M_COST, MKT_M_PROFIT, MKT_M_PRICE_IN, MKT_M_PRICE_OUT,
       MKT_M_CAPACITY, MKT_M_UTILISATION, MKT_M_ERRORS, MKT_M_REFUSED_QUOTA, MKT_M_LOST,
       MKT_M_FREE_USERS, MKT_M_CREDIT_BUYERS, MKT_M_CONVERSIONS, MKT_M_CONVERSIONS_AWAY,
       MKT_M_CONVERTED_REVENUE, MKT_M_FREE_COST, MKT_MODEL_VALUES };
enum { MKT_G_TOKENS, MKT_G_SHARE, MKT_G_ACTIVE, MKT_G_SPEND, MKT_G_FEE, MKT_G_REVENUE,
       MKT_G_COST, MKT_G_PROFIT, MKT_G_CUM_REVENUE, MKT_G_CUM_PROFIT, MKT_G_IN, MKT_G_OUT,
       MKT_G_DEMANDED, MKT_G_FAILED, MKT_G_REQUESTS, MKT_G_NEW, MKT_G_CAPACITY,
       MKT_G_UTILISATION, MKT_G_ERRORS, MKT_G_REFUSED_QUOTA, MKT_G_LOST, MKT_G_FREE_USERS,
       MKT_G_CREDIT_BUYERS, MKT_G_CONVERSIONS, MKT_G_CONVERSIONS_AWAY,
       MKT_G_CONVERTED_REVENUE, MKT_G_FREE_COST, MKT_G_CUM_CONVERTED_REVENUE,
       MKT_G_CUM_FREE_COST, MKT_GROUP_VALUES };
extern const char *const mkt_model_columns[]; /* MKT_MODEL_VALUES names */
extern const char *const mkt_group_columns[]; /* MKT_GROUP_VALUES names */

typedef struct mkt_model_state {
	const mkt_model_params *p;
	/* Routing-weighted over its hosts (mkt_hosts_reprice keeps them). */
	double price_in, price_out, cost;
	int64_t free_limit;
	double launch_day;
	bool launched;     /* it has a launch date: it was new once (novelty) */
	mkt_host *hosts;   /* its hosts, inside mkt_state.hosts (hosts.c) */
	size_t host_count;
	double outage_until, outage_left; /* of every host */
	mkt_task_moments chat, agentic;
	double quality_shift; /* its provider's (market.provider_quality) */
	double error_rate, latency, visibility; /* as developers last saw them */
	int origin, provider;                   /* indices into the name lists */
} mkt_model_state;

/* A shift of a segment's agentic share: from `day`, over `ramp` days, the
   share moves linearly from the curve it was on to `share`. */
typedef struct mkt_shift {
	double day, ramp, share;
} mkt_shift;

typedef struct mkt_segment_state {
	const mkt_segment_params *p;
	double growth_per_day;
	double midpoint_day;
	double stay;         /* exp(inertia / mu): the pull of the current model */
	mkt_shift *shifts;
	size_t shift_count;
	bool *banned;        /* per origin */
	double *penalty;     /* per origin */
	double *pull;        /* per model: exp((V - Vmax)/mu), spend term at $1/month */
	bool *paid;          /* per model */
	double *spend_unit;  /* per model: $ a month per task-per-day, at the
				tasks its price leaves (intensity) */
	double *intensity;   /* per model: tasks run per zero-price task, at its
				price (the intensive margin) */
	double *load;        /* per model: sum of agents' weight x share on it */
	double *fallback_load; /* per model: the part of load whose developers
				  configured fallback (and can pay for it) */
	double *refused_load;  /* per model: weight beyond the free quota that
				  no fallback takes: refused (429) */
	double *converted_load; /* per model: the part of load of developers who
				   started on a free model of its provider (not
				   whether it is paid: a price change would leave
				   the sum behind) */
	uint64_t *members;   /* per model: agents whose primary it is */
} mkt_segment_state;

typedef struct mkt_state {
	const mkt_market_params *p;
	sim_engine *eng;
	sim_handler on_day, on_agent, on_arrival, on_shock;
	sim_rng *arrival_rng, *usage_rng, *choice_rng;
	size_t model_count, segment_count, origin_count, provider_count;
	const char **origin_names, **provider_names;
	mkt_model_state *models;
	mkt_segment_state *segments;
	sim_categorical *segment_pick; /* by share of arrivals */
	mkt_bass bass;

	mkt_agent *agents;
	size_t agent_count, agent_capacity;
	size_t alive;            /* agents not yet churned */
	double agent_days;       /* agent-days simulated */
	double *choice_weights; /* scratch, per model */

	/* results */
	bool check;              /* check the tables' invariants (ctx->check_invariants) */
	size_t weeks;
	mkt_week_row *rows;      /* weeks x models */
	double chat_tasks, chat_tokens, agentic_tasks, agentic_tokens;
	mkt_demand *demand;      /* today's, segments x models */
	mkt_demand *fallback;    /* today's re-sent demand, per model */
	mkt_demand *refused;     /* today's demand refused by the free quota, per model */
	double *rerouted;        /* today's failed tokens re-sent elsewhere, per model */
	double *converted_share; /* today's share of each model's demand from its
				    provider's free starters */

	/* hosts.c: every model's hosts, model by model; their weekly rows
	   (weeks x host_count) */
	mkt_host *hosts;
	size_t host_count;
	mkt_ramp *ramps;         /* room for every host's ramps */
	mkt_host_row *host_rows;

	/* shocks.c: the events by day, and what a day's events hit */
	size_t *shock_order;     /* event indices, by day, list order within one */
	bool *shock_hit;         /* per model */
	bool *ban_hit;           /* segments x origins */
} mkt_state;

/* choice.c: the utilities, as each segment's pull towards each model, and
   the agentic share they depend on. Below demand.c: it calls nothing there. */
void mkt_refresh_pulls(mkt_state *s, double t);
double mkt_agentic_share(const mkt_segment_state *seg, double t);
/* Tasks a developer of segment sp runs per zero-price task when a task
   costs `cost` dollars: (1 + free_usage_boost) at zero price, else
   (1 + cost / task_price_ref)^(-price_elasticity). */
double mkt_intensity(const mkt_segment_params *sp, double cost);
/* Requests a day of the free quota an account has (market.free_quota or
   free_quota_credited), capped by the model's own free_limit when set. */
double mkt_free_quota(const mkt_state *s, const mkt_model_state *m, bool credited);

/* demand.c: agents joining, drawing their models from the pulls, leaving. */
int mkt_agent_add(mkt_state *s, double t, sim_error *err);
void mkt_agent_rechoose(mkt_state *s, size_t index, double t);
/* Re-chooses every agent using a model marked in s->shock_hit, or a model
   of an origin its segment was banned from (s->ban_hit) */
void mkt_rechoose_hit(mkt_state *s, double t);
void mkt_on_agent(sim_engine *eng, void *ctx, const sim_event *ev);

/* arrivals.c */
void mkt_on_arrival(sim_engine *eng, void *ctx, const sim_event *ev);
void mkt_schedule_arrival(mkt_state *s, double now);

/* supply.c (a model's capacity: mkt_capacity_on, hosts.c) */
bool mkt_available(const mkt_model_state *m, double t);
void mkt_task_moments_of(const mkt_task_shape *shape, double competency,
			 const sim_rng *rng, mkt_task_moments *chat,
			 mkt_task_moments *agentic);

/* shocks.c */
void mkt_on_shock(sim_engine *eng, void *ctx, const sim_event *ev);
int mkt_schedule_shocks(mkt_state *s);

/* metrics.c: the day's usage, the weekly rows and the tables. */
void mkt_on_day(sim_engine *eng, void *ctx, const sim_event *ev);
/* Lets the agents present at the start choose again `rounds` times, each
   time seeing the errors, latency and leaderboard their previous choices
   would cause, so the run starts near a steady state rather than with
   everyone piling onto the model that looks best on an empty router. */
void mkt_warm_start(mkt_state *s, int rounds);
/* The shares of model i's re-sent failed requests each paid model with
   room (weight w[j] > 0; w_i model i's own) gets: the developers' nested
   second choice. Returns 0, or -1 when no model has room. */
int mkt_second_choice(const mkt_state *s, const double *w, double w_i, size_t i,
		      double *share);
int mkt_record(const void *state, const sim_engine *eng, sim_table_set *tables,
	       sim_error *err);
int mkt_write_tables(const sim_table_set *tables, sim_results *out, sim_error *err);

/* invariants.c (names from columns.c): the accounting identities of the weekly tables
   (docs/MODEL.md, "Accounting invariants"), checked on the values
   mkt_record writes when s->check. Each returns 0, or -1 with err (a
   runtime error) naming the week, the subject (a model id, a provider or
   origin, or "all models"), the quantity and the numbers. */
/* One models_weekly.csv row: every value finite; counts, money, prices
   and capacity >= 0; token_share and error_rate in [0, 1]; tokens = in +
   out; served + failed = demanded; re-routed (fallback) <= demanded;
   revenue = spend; fee = fee_rate x spend; profit = revenue - cost. */
int mkt_check_model_row(size_t week, const char *model, const double *v, double fee_rate,
			sim_error *err);
/* One providers_weekly.csv or origins_weekly.csv row: the same, for the
   group's sums (cum_profit and profit may be negative). */
int mkt_check_group_row(size_t week, const char *group, const double *v, double fee_rate,
			sim_error *err);
/* One hosts_weekly.csv row (host = "model/provider"): every value
   finite and >= 0 (profit aside), tokens = in + out, served + failed =
   demanded, revenue = spend, fee = fee_rate x spend, profit = revenue -
   cost, tokens served <= capacity. */
int mkt_check_host_row(size_t week, const char *host, const double *v, double fee_rate,
		       sim_error *err);
/* A model-week's hosts against its row: the hosts' sums `sum` (MKT_H_*)
   of tokens, demanded, failed, revenue, cost and capacity equal the
   model's row r. */
int mkt_check_hosts_sum(size_t week, const char *model, const double *sum,
			const mkt_week_row *r, sim_error *err);
/* A week's totals over the rows of one table. */
typedef struct mkt_week_totals {
	double tokens;   /* served */
	double share;    /* sum of token_share */
	double demanded, failed, fallback, lost; /* models only; else 0 */
} mkt_week_totals;
/* The shares of a week's rows (`what`: "models", "providers", "origins")
   sum to 1 when any token was served, else to 0; and over the models,
   tokens re-routed <= tokens failed (a re-routed token failed first) and
   served + lost = demanded - re-routed (each token a developer asked for
   is served or refused once). */
int mkt_check_week(size_t week, const char *what, const mkt_week_totals *t, sim_error *err);
/* estimate.c: one replication's memory and events, from the params
   (sim_model_type.estimate). */
void mkt_estimate(const void *params, sim_resource_estimate *out);

/* validate.c */
int mkt_validate(const void *params, const sim_table_set *tables, const char *path,
		 sim_validation *result, sim_error *err);

#endif
