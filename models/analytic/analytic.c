/* analytic.c - the model with known answers (see analytic.h). */
#include "analytic.h"

#include <math.h>
#include <stdlib.h>

#include "sim_rng.h"

static const char *const analytic_functions[] = {
	"logit_monopoly", "logit_duopoly", "ishigami", NULL,
};

static const sim_setting analytic_settings[] = {
	SIM_CHOICE("function", analytic_params, function, "logit_monopoly",
		   analytic_functions,
		   "The problem: logit_monopoly (firm_a alone), logit_duopoly "
		   "(firm_a and firm_b) or ishigami"),
	SIM_FLOAT("price_a", analytic_params, price_a, "1.0", 0, 1000,
		  "firm_a's price, per unit"),
	SIM_FLOAT("price_b", analytic_params, price_b, "1.0", 0, 1000,
		  "firm_b's price, per unit (logit_duopoly only)"),
	SIM_FLOAT("quality", analytic_params, quality, "2.0", -50, 50,
		  "a: each firm's mean utility at price 0 (the outside good's is 0)"),
	SIM_FLOAT_ABOVE("alpha", analytic_params, alpha, "1.0", 0, 100,
			"Price sensitivity: utility lost per unit of price"),
	SIM_FLOAT("cost", analytic_params, cost, "0.0", 0, 1000,
		  "c: marginal cost per unit, both firms (profit = (p - c) x demand)"),
	SIM_FLOAT_ABOVE("customers", analytic_params, customers, "10000", 0, 1e12,
			"Mean number of customers arriving over the horizon (Poisson)"),
	SIM_FLOAT("weight_sd", analytic_params, weight_sd, "0.5", 0, 10,
		  "sd of a customer's market-size weight (lognormal, mean 1); it "
		  "scales demand and so never moves an optimum"),
	SIM_FLOAT_ABOVE("horizon_days", analytic_params, horizon_days, "30.0", 0, 1e6,
			"Days over which the customers arrive"),
	SIM_FLOAT("x1", analytic_params, x1, "0.0", -M_PI, M_PI, "Ishigami input x1"),
	SIM_FLOAT("x2", analytic_params, x2, "0.0", -M_PI, M_PI, "Ishigami input x2"),
	SIM_FLOAT("x3", analytic_params, x3, "0.0", -M_PI, M_PI, "Ishigami input x3"),
	SIM_FLOAT("ishigami_a", analytic_params, ishigami_a, "7.0", -100, 100,
		  "Ishigami's A (the weight of sin^2 x2)"),
	SIM_FLOAT("ishigami_b", analytic_params, ishigami_b, "0.1", -100, 100,
		  "Ishigami's B (the weight of x3^4 sin x1)"),
};

static const sim_schema analytic_schema =
	SIM_SCHEMA("analytic", analytic_settings, analytic_params, NULL);

#define ANALYTIC_MAX_FIRMS 2

static const char *const analytic_firm_names[ANALYTIC_MAX_FIRMS] = { "firm_a", "firm_b" };

typedef struct analytic_state {
	analytic_params p;
	bool check;
	size_t firms;                          /* 1 or 2; 0 for ishigami */
	double price[ANALYTIC_MAX_FIRMS];
	double prob[ANALYTIC_MAX_FIRMS];       /* logit purchase probabilities */
	double mean_gap;                       /* mean days between arrivals */
	sim_handler arrive;
	sim_rng rng;
	/* What the replication accumulated. */
	uint64_t arrivals;
	double market_size;                    /* sum of the weights */
	double demand[ANALYTIC_MAX_FIRMS];     /* sum of weight x probability */
	double y;                              /* Ishigami */
} analytic_state;

/* One customer: its weight and the next arrival are drawn in the same
   order whatever the prices, so replication r sees the same customers at
   every price (common random numbers). */
static void on_customer(sim_engine *eng, void *ctx, const sim_event *ev)
{
	analytic_state *s = ctx;
	(void)ev;
	double w = sim_rng_lognormal(&s->rng, 1.0, s->p.weight_sd);
	s->arrivals++;
	s->market_size += w;
	for (size_t i = 0; i < s->firms; i++)
		s->demand[i] += w * s->prob[i];
	double next = sim_now(eng) + sim_rng_exponential(&s->rng, s->mean_gap);
	if (next < s->p.horizon_days)
		sim_schedule(eng, next, s->arrive, 0);
}

static void on_ishigami(sim_engine *eng, void *ctx, const sim_event *ev)
{
	analytic_state *s = ctx;
	(void)eng;
	(void)ev;
	s->y = analytic_ishigami(s->p.x1, s->p.x2, s->p.x3, s->p.ishigami_a,
				 s->p.ishigami_b);
}

static void analytic_destroy(void *state)
{
	analytic_state *s = state;
	if (!s)
		return;
	sim_rng_close(&s->rng);
	free(s);
}

/* Sets the firms' prices and purchase probabilities, and schedules the
   first arrival. */
static int start_logit(analytic_state *s, sim_engine *eng, const sim_run_context *ctx,
		       sim_error *err)
{
	s->firms = s->p.function == ANALYTIC_LOGIT_DUOPOLY ? 2 : 1;
	s->price[0] = s->p.price_a;
	s->price[1] = s->p.price_b;
	analytic_logit_shares(s->p.quality, s->p.alpha, s->price, s->firms, s->prob);
	s->mean_gap = s->p.horizon_days / s->p.customers;
	if (sim_rng_init(&s->rng, ctx->seed, ctx->replication, 0, err) != 0)
		return -1;
	s->arrive = sim_engine_add_handler(eng, "analytic.customer", on_customer, s);
	double first = sim_rng_exponential(&s->rng, s->mean_gap);
	if (first < s->p.horizon_days)
		sim_schedule(eng, first, s->arrive, 0);
	return 0;
}

static int analytic_init(void **state, sim_engine *eng, const void *params,
			 const sim_run_context *ctx, sim_error *err)
{
	analytic_state *s = calloc(1, sizeof *s);
	if (!s)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "out of memory allocating the analytic model");
	s->p = *(const analytic_params *)params;
	s->check = ctx->check_invariants;
	if (s->p.function == ANALYTIC_ISHIGAMI) {
		sim_handler h = sim_engine_add_handler(eng, "analytic.ishigami", on_ishigami, s);
		sim_schedule(eng, 0, h, 0);
	} else if (start_logit(s, eng, ctx, err) != 0) {
		analytic_destroy(s);
		return -1;
	}
	*state = s;
	return 0;
}

static double analytic_horizon(const void *params)
{
	return ((const analytic_params *)params)->horizon_days;
}

/* Memory does not grow with any setting: one pending event at a time. */
static void analytic_estimate(const void *params, sim_resource_estimate *out)
{
	const analytic_params *p = params;
	*out = (sim_resource_estimate){ 0 };
	out->bytes = sizeof(analytic_state) + 96 + SIM_EVENT_BYTES;
	snprintf(out->memory_setting, sizeof out->memory_setting, "function");
	snprintf(out->memory, sizeof out->memory,
		 "the analytic model holds one pending event and its state: %.0f bytes",
		 out->bytes);
	bool logit = p->function != ANALYTIC_ISHIGAMI;
	out->events = logit ? p->customers : 1;
	snprintf(out->events_setting, sizeof out->events_setting, "%s",
		 logit ? "customers" : "function");
	snprintf(out->work, sizeof out->work, "about %.1e events (%s)", out->events,
		 logit ? "one per customer" : "one Ishigami evaluation");
}

static int summary_row(sim_table *t, const char *metric, const char *subject,
		       double value, sim_error *err)
{
	const char *keys[2] = { metric, subject };
	return sim_table_add(t, keys, &value, err);
}

/* The firm's realised share of the weighted demand: its purchase
   probability, up to rounding (exactly it when no customer came). */
static double firm_share(const analytic_state *s, size_t i)
{
	return s->market_size > 0 ? s->demand[i] / s->market_size : s->prob[i];
}

/* --check: what the closed forms rely on, that shares are probabilities
   and every metric is a number. */
static int check_firm(const analytic_state *s, size_t i, const double v[3], sim_error *err)
{
	double share = firm_share(s, i);
	if (isfinite(v[0]) && isfinite(v[1]) && share >= 0 && share <= 1)
		return 0;
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
			     "analytic: %s has revenue %g, profit %g, share %g",
			     analytic_firm_names[i], v[0], v[1], share);
}

static int record_logit(const analytic_state *s, sim_table *t, sim_error *err)
{
	for (size_t i = 0; i < s->firms; i++) {
		const char *firm = analytic_firm_names[i];
		double v[3] = { s->price[i] * s->demand[i],
				(s->price[i] - s->p.cost) * s->demand[i], firm_share(s, i) };
		if ((s->check && check_firm(s, i, v, err) != 0) ||
		    summary_row(t, "revenue", firm, v[0], err) != 0 ||
		    summary_row(t, "profit", firm, v[1], err) != 0 ||
		    summary_row(t, "share", firm, v[2], err) != 0)
			return -1;
	}
	if (summary_row(t, "customers", "all", (double)s->arrivals, err) != 0 ||
	    summary_row(t, "market_size", "all", s->market_size, err) != 0)
		return -1;
	return 0;
}

static int analytic_record(const void *state, const sim_engine *eng,
			   sim_table_set *tables, sim_error *err)
{
	static const char *const keys[] = { "metric", "subject" };
	static const char *const values[] = { "value" };
	const analytic_state *s = state;
	(void)eng;
	sim_table *t = sim_table_begin(tables, "summary.csv", keys, 2, values, 1, err);
	if (!t)
		return -1;
	if (s->p.function == ANALYTIC_ISHIGAMI)
		return summary_row(t, "y", "ishigami", s->y, err);
	return record_logit(s, t, err);
}

static void analytic_summarize(const void *state, const sim_engine *eng, FILE *f)
{
	const analytic_state *s = state;
	(void)eng;
	if (s->p.function == ANALYTIC_ISHIGAMI) {
		fprintf(f, "analytic_y = %.17g\n", s->y);
		return;
	}
	fprintf(f, "analytic_customers = %llu\n", (unsigned long long)s->arrivals);
	fprintf(f, "analytic_market_size = %.17g\n", s->market_size);
}

const sim_model_type analytic_model = {
	.name = "analytic",
	.summary = "Logit pricing and the Ishigami function: known answers for the analyses",
	.schema = &analytic_schema,
	.init = analytic_init,
	.horizon = analytic_horizon,
	.estimate = analytic_estimate,
	.record = analytic_record,
	.summarize = analytic_summarize,
	.destroy = analytic_destroy,
};
