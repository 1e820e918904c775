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
#include "mkt_market.h"
#include "sim_engine.h"
#include "sim_rng.h"

#define MKT_NONE 0xFF /* no model (an agent without an overflow model) */

/* One developer agent. 12 bytes: ten million fit in 120 MB. */
typedef struct mkt_agent {
	float weight;        /* tasks/day at arrival x e^{-g t_arrival}: the rate
				at time t is weight e^{g t} */
	float primary_frac;  /* share of its tasks on the primary model */
	uint8_t segment;
	uint8_t primary;     /* MKT_NONE once churned */
	uint8_t secondary;   /* where the overflow beyond a free limit goes */
	uint8_t alive : 1;
	uint8_t boosted : 1; /* its primary was free when chosen: more tasks */
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
	double active_devs, new_devs, spend, fee, revenue, cost;
	double price_in, price_out, capacity;
	int rank;
} mkt_week_row;

typedef struct mkt_model_state {
	const mkt_model_params *p;
	double price_in, price_out, cost;
	int64_t free_limit;
	double launch_day;
	double capacity_base, capacity_day0, growth; /* capacity(t) = base (1+growth)^((t-day0)/365) */
	double outage_until, outage_left;
	mkt_task_moments chat, agentic;
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
	double *spend_unit;  /* per model: $ a month per task-per-day */
	double *load;        /* per model: sum of agents' weight x share on it */
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
	size_t weeks;
	mkt_week_row *rows;      /* weeks x models */
	double free_to_paid;     /* developers (scaled) */
	double chat_tasks, chat_tokens, agentic_tasks, agentic_tokens;
	mkt_demand *demand;      /* today's, segments x models */
	mkt_demand *fallback;    /* today's re-sent demand, per model */
} mkt_state;

/* choice.c: the utilities, as each segment's pull towards each model, and
   the agentic share they depend on. Below demand.c: it calls nothing there. */
void mkt_refresh_pulls(mkt_state *s, double t);
double mkt_agentic_share(const mkt_segment_state *seg, double t);

/* demand.c: agents joining, drawing their models from the pulls, leaving. */
int mkt_agent_add(mkt_state *s, double t, sim_error *err);
void mkt_agent_rechoose(mkt_state *s, size_t index, double t);
void mkt_rechoose_where(mkt_state *s, double t, size_t model, size_t segment,
			size_t origin);
void mkt_on_agent(sim_engine *eng, void *ctx, const sim_event *ev);

/* arrivals.c */
void mkt_on_arrival(sim_engine *eng, void *ctx, const sim_event *ev);
void mkt_schedule_arrival(mkt_state *s, double now);

/* supply.c */
double mkt_capacity_on(const mkt_model_state *m, double day);
bool mkt_available(const mkt_model_state *m, double t);
void mkt_task_moments_of(const mkt_task_shape *shape, double competency,
			 const sim_rng *rng, mkt_task_moments *chat,
			 mkt_task_moments *agentic);

/* shocks.c */
void mkt_on_shock(sim_engine *eng, void *ctx, const sim_event *ev);
void mkt_schedule_shocks(mkt_state *s);

/* metrics.c: the day's usage, the weekly rows and the tables. */
void mkt_on_day(sim_engine *eng, void *ctx, const sim_event *ev);
/* Lets the agents present at the start choose again `rounds` times, each
   time seeing the errors, latency and leaderboard their previous choices
   would cause, so the run starts near a steady state rather than with
   everyone piling onto the model that looks best on an empty router. */
void mkt_warm_start(mkt_state *s, int rounds);
int mkt_record(const void *state, const sim_engine *eng, sim_table_set *tables,
	       sim_error *err);
int mkt_write_tables(const sim_table_set *tables, sim_results *out, sim_error *err);

/* estimate.c: one replication's memory and events, from the params
   (sim_model_type.estimate). */
void mkt_estimate(const void *params, sim_resource_estimate *out);

/* validate.c */
int mkt_validate(const void *params, const sim_table_set *tables, const char *path,
		 sim_validation *result, sim_error *err);

#endif
