/*
 * mkt_market.h - the market model: developers choosing among AI-model APIs
 * on a router (docs/MODEL.md states every equation; `marketsim config-doc
 * market` every setting).
 *
 * The parameter structs below are filled by the config loader from the
 * `market` group of an experiment file. Dates are "YYYY-MM-DD" strings,
 * turned into days since `start_date` when the model starts.
 */
#ifndef MKT_MARKET_H
#define MKT_MARKET_H

#include <stdbool.h>
#include <stdint.h>

#include "mkt_workload.h"
#include "sim_config.h"
#include "sim_date.h"
#include "sim_model.h"

/* At most this many hosts per model. */
#define MKT_MAX_HOSTS 64

/* One provider serving a model (an element of a model's `hosts`). A
   setting left out (NaN, or "" for the country) takes the model's. */
typedef struct mkt_host_params {
	char *provider;        /* who serves it and earns its revenue */
	char *country;         /* where it serves from; "": the model's origin */
	double capacity;       /* tokens per day at the model's launch */
	double capacity_growth;/* per year, compound */
	double cost;           /* $ per million tokens to serve */
	double price_in, price_out; /* $ per million tokens */
} mkt_host_params;

/* One AI model on offer (an entry of `market.models`). */
typedef struct mkt_model_params {
	char *name;            /* display name */
	char *provider;
	char *origin;          /* "CN", "US", "EU", ... */
	char *launch;          /* date it becomes available; "" = from the start */
	double quality;        /* quality index, utility units per beta_quality */
	double quality_drift;  /* change of quality per year since launch (< 0: obsolescence) */
	double competency;     /* chance an agent task succeeds first time */
	double price_in, price_out; /* $ per million tokens; 0 = free */
	int64_t free_limit;    /* requests per developer-day on a free model; 0 none */
	double cost;           /* $ per million tokens to serve */
	double capacity;       /* tokens per day at launch */
	double capacity_growth;/* per year, compound */
	double latency;        /* seconds per request at zero load */
	bool ranked;           /* listed on the public leaderboard */
	sim_list hosts;        /* mkt_host_params; empty: one host, the model's own
				  provider, origin, capacity, growth, cost and prices */
} mkt_model_params;

/* A quality shift common to every model of one origin
   (market.origin_quality) or of one provider (market.provider_quality). */
typedef struct mkt_quality_shift {
	char *subject;         /* the origin or the provider */
	double shift;          /* added to those models' quality, for every segment */
} mkt_quality_shift;

/* How a segment treats one origin. */
typedef struct mkt_origin_rule {
	char *origin;
	double penalty;        /* utility subtracted from that origin's models */
	bool banned;           /* may not use them at all (compliance) */
} mkt_origin_rule;

/* A developer segment (an element of `market.segments`). */
typedef struct mkt_segment_params {
	char *name;
	double share;          /* of arrivals; the shares sum to 1 */
	double tasks_mean, tasks_sd; /* tasks per developer-day at arrival */
	double app_growth;     /* growth of each developer's tasks, per year */
	double free_usage_boost; /* extra tasks run on a free model (zero-price effect) */
	double price_elasticity; /* of tasks per day to the cost of a task (>= 0) */
	double task_price_ref;   /* $ per task where that response is halfway */
	double fallback_share;   /* share of developers who configured fallback models */
	double credit_barrier;   /* utility cost of buying the first credits */
	double agentic_start, agentic_end; /* agentic share of tasks */
	char *agentic_midpoint;/* date of the S-curve's midpoint */
	double agentic_width;  /* days: the logistic's scale */
	double beta_quality, beta_agentic, beta_price, zero_price_bonus;
	double beta_latency, beta_errors, beta_visibility, inertia;
	double review_days;    /* mean days between reviews; 0: never */
	double churn;          /* leaving rate per year */
	sim_list origins;      /* mkt_origin_rule */
} mkt_segment_params;

/* The `type` of an event. The loader stores the index of the type's entry
   in config.c's event_variants, which is indexed by these constants. */
typedef enum mkt_event_type {
	MKT_PRICE_CHANGE,
	MKT_FREE_LIMIT,
	MKT_EXPORT_CONTROL,
	MKT_COMPLIANCE_BAN,
	MKT_MODEL_LAUNCH,
	MKT_OUTAGE,
	MKT_AGENTIC_SHIFT,
	MKT_EVENT_TYPES /* how many; keep last */
} mkt_event_type;

/* A dated shock (an element of `market.events`). */
typedef struct mkt_event {
	int type;              /* mkt_event_type, set by the loader */
	char *date;
	char *model;           /* price_change, free_limit, model_launch, outage */
	char *origin;          /* compliance_ban: the models' origin; export_control:
				  the hosts' country (or `country`) */
	char *country;         /* export_control: the hosts' country ("": origin) */
	char *host;            /* price_change: one host's provider; "": every host */
	char *segment;         /* compliance_ban, agentic_shift ("" = all) */
	double price_in, price_out;
	double price_in_per_out; /* price_change: input price added per $ of price_out */
	int64_t limit;
	double capacity_cut, growth_cut, cost_multiplier;
	double days, capacity_left;
	double share, ramp_days;  /* agentic_shift; export_control: its phase-in */
	double pass_through;   /* export_control: share of the cost rise added to prices */
} mkt_event;

typedef struct mkt_arrival_params {
	double p, q;           /* Bass innovation and imitation, per year */
	double potential;      /* developers who may ever join */
	double initial;        /* developers on the platform at start */
} mkt_arrival_params;

/* The weeks the summary's window_* rows add up (`market.summary_window`):
   those whose first day lies in [from, to). */
typedef struct mkt_window_params {
	char *from;            /* date; "" = start_date */
	char *to;              /* date, excluded; "" = the horizon's end (start_date + days) */
} mkt_window_params;

typedef struct mkt_market_params {
	char *start_date;
	int64_t days;
	double scale;          /* real developers per agent */
	double mu;             /* logit scale */
	double fee;            /* platform fee on spend */
	int64_t leaderboard_size; /* ranks shown, for visibility */
	double latency_slope, latency_power; /* latency = base (1 + slope rho^power) */
	double free_quota, free_quota_credited; /* free requests per account-day */
	double perception_days; /* developers' memory of errors and latency */
	double visibility_weeks; /* the leaderboard's memory */
	double novelty, novelty_days; /* a launch's pull in utility, its decay */
	double origin_nesting; /* nested logit by origin: 1 = one nest */
	double multihoming;    /* share of tasks kept on the previous paid model */
	sim_list origin_quality; /* mkt_quality_shift, by origin */
	sim_list provider_quality; /* mkt_quality_shift, by provider */
	mkt_arrival_params arrivals;
	mkt_task_shape workload;
	sim_map models;        /* mkt_model_params */
	sim_list segments;     /* mkt_segment_params */
	sim_list events;       /* mkt_event */
	mkt_window_params summary_window;
} mkt_market_params;

/* Days from the date `from` to `to` ("YYYY-MM-DD" both). Returns 0, or -1
   when either is not a valid date. */
int mkt_days_between(const char *from, const char *to, long *days);
/* The date `days` after `from`, into buf of size bytes (SIM_DATE_BUF
   holds any). */
void mkt_date_after(const char *from, long days, char *buf, size_t size);

/* The weeks [*first, *end) whose start lies in p's summary window. Returns
   0, or -1 when a date of the window is not a valid date (the config's
   check refuses such a file, and a window holding no week's start). */
int mkt_window_weeks(const mkt_market_params *p, size_t *first, size_t *end);

extern const sim_schema mkt_market_schema;
extern const sim_model_type mkt_market_model;

#endif
