/* config.c - the market model's settings: schema rows and the cross-checks
   that need more than one setting (dates against the horizon, events
   against the models they name, segment shares). */
#include "mkt_market.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sim_date.h"

/* ---- dates ---- */

int mkt_days_between(const char *from, const char *to, long *days)
{
	long a, b;
	if (sim_date_parse(from, &a) != 0 || sim_date_parse(to, &b) != 0)
		return -1;
	*days = b - a;
	return 0;
}

void mkt_date_after(const char *from, long days, char *buf, size_t size)
{
	long a = 0;
	sim_date_parse(from, &a);
	sim_date_format(a + days, buf, size);
}

/* The day (from start_date) of a window's bound: `date`, or `fallback`
   when it is empty. */
static int window_day(const mkt_market_params *p, const char *date, long fallback, long *day)
{
	if (date[0] == '\0') {
		*day = fallback;
		return 0;
	}
	return mkt_days_between(p->start_date, date, day);
}

int mkt_window_weeks(const mkt_market_params *p, size_t *first, size_t *end)
{
	long from, to;
	if (window_day(p, p->summary_window.from, 0, &from) != 0 ||
	    window_day(p, p->summary_window.to, (long)p->days, &to) != 0)
		return -1;
	/* Week w starts on day 7w: the first week starting on or after `from`,
	   to the first starting on or after `to`, never past the last week. */
	long weeks = ((long)p->days + 6) / 7;
	long a = from > 0 ? (from + 6) / 7 : 0, b = to > 0 ? (to + 6) / 7 : 0;
	*first = (size_t)(a < weeks ? a : weeks);
	*end = (size_t)(b < weeks ? b : weeks);
	if (*end < *first)
		*end = *first;
	return 0;
}

/* ---- schema ---- */

static const sim_setting host_rows[] = {
	SIM_STRING("provider", mkt_host_params, provider, NULL,
		   "Company serving the model there (earns its revenue, pays its cost)"),
	SIM_STRING("country", mkt_host_params, country, "",
		   "Country it serves from (export controls hit hosts by it); empty: "
		   "the model's origin"),
	SIM_FLOAT_OPTIONAL("capacity", mkt_host_params, capacity, 0, 1e18,
			   "Its serving capacity at the model's launch, tokens per day; "
			   "left out: the model's"),
	SIM_FLOAT_OPTIONAL("capacity_growth", mkt_host_params, capacity_growth, -1, 1000,
			   "Compound growth of its capacity per year; left out: the model's"),
	SIM_FLOAT_OPTIONAL("cost", mkt_host_params, cost, 0, 1e6,
			   "Its cost to serve, $ per million tokens; left out: the model's"),
	SIM_FLOAT_OPTIONAL("price_in", mkt_host_params, price_in, 0, 1e6,
			   "Its input price, $ per million tokens; left out: the model's"),
	SIM_FLOAT_OPTIONAL("price_out", mkt_host_params, price_out, 0, 1e6,
			   "Its output price, $ per million tokens; left out: the model's"),
};
static const sim_schema host_schema = SIM_SCHEMA("host", host_rows, mkt_host_params, NULL);

static const sim_setting model_rows[] = {
	SIM_STRING("name", mkt_model_params, name, "", "Display name; empty: the id"),
	SIM_STRING("provider", mkt_model_params, provider, NULL, "Company serving the model"),
	SIM_STRING("origin", mkt_model_params, origin, NULL,
		   "Country of origin, e.g. \"CN\", \"US\", \"EU\""),
	SIM_STRING("launch", mkt_model_params, launch, "",
		   "Date it becomes available (YYYY-MM-DD); empty: from the start"),
	SIM_FLOAT("quality", mkt_model_params, quality, "0", -100, 100,
		  "Quality index (utility units, times the segment's beta_quality)"),
	SIM_FLOAT("quality_drift", mkt_model_params, quality_drift, "0", -100, 100,
		  "Change of quality per year of age since launch (or start_date): "
		  "< 0 as newer models make an incumbent look worse"),
	SIM_FLOAT_ABOVE("competency", mkt_model_params, competency, "0.8", 0, 1,
			"Probability an agent task succeeds without a retry, in (0, 1]"),
	SIM_FLOAT("price_in", mkt_model_params, price_in, "0", 0, 1e6,
		  "Price of input tokens, $ per million; 0 with price_out 0: free"),
	SIM_FLOAT("price_out", mkt_model_params, price_out, "0", 0, 1e6,
		  "Price of output tokens, $ per million"),
	SIM_INT("free_limit", mkt_model_params, free_limit, "0", 0, 1e9,
		"Requests per developer per day on this model while it is free, "
		"when lower than the platform's free quota (market.free_quota); 0: "
		"the platform's quota only"),
	SIM_FLOAT("cost", mkt_model_params, cost, "0.2", 0, 1e6,
		  "Cost to serve, $ per million tokens"),
	SIM_FLOAT("capacity", mkt_model_params, capacity, "1e12", 0, 1e18,
		  "Serving capacity at launch, tokens per day"),
	SIM_FLOAT("capacity_growth", mkt_model_params, capacity_growth, "1.0", -1, 1000,
		  "Compound growth of capacity per year (1.0: doubles in a year)"),
	SIM_FLOAT_ABOVE("latency", mkt_model_params, latency, "2.0", 0, 3600,
			"Seconds per request at zero load"),
	SIM_BOOL("ranked", mkt_model_params, ranked, "true",
		 "Listed on the public leaderboard (false for an aggregate such as "
		 "the long tail of small models)"),
	SIM_LIST("hosts", mkt_model_params, hosts, &host_schema, 0, MKT_MAX_HOSTS,
		 "Providers serving the model, each with its own capacity, cost and "
		 "prices; the router weights them by 1/price^2 and falls back to the "
		 "others when one is full. Empty: one host, the model's own provider, "
		 "origin, capacity, capacity_growth, cost and prices (with hosts, the "
		 "model's capacity, capacity_growth and cost are only their defaults)"),
};
static const sim_schema model_schema =
	SIM_SCHEMA("model", model_rows, mkt_model_params, NULL);

static const sim_setting origin_rows[] = {
	SIM_STRING("origin", mkt_origin_rule, origin, NULL, "Origin the rule is about"),
	SIM_FLOAT("penalty", mkt_origin_rule, penalty, "0", -100, 100,
		  "Utility subtracted from that origin's models"),
	SIM_BOOL("banned", mkt_origin_rule, banned, "false",
		 "The segment may not use that origin's models at all"),
};
static const sim_schema origin_schema =
	SIM_SCHEMA("origin rule", origin_rows, mkt_origin_rule, NULL);

static const sim_setting origin_quality_rows[] = {
	SIM_STRING("origin", mkt_quality_shift, subject, NULL, "Origin of the models it shifts"),
	SIM_FLOAT("shift", mkt_quality_shift, shift, NULL, -100, 100,
		  "Quality added to every model of that origin, for every segment"),
};
static const sim_schema origin_quality_schema =
	SIM_SCHEMA("origin quality", origin_quality_rows, mkt_quality_shift, NULL);

static const sim_setting provider_quality_rows[] = {
	SIM_STRING("provider", mkt_quality_shift, subject, NULL,
		   "Provider (developer) of the models it shifts"),
	SIM_FLOAT("shift", mkt_quality_shift, shift, NULL, -100, 100,
		  "Quality added to every model of that provider, for every segment"),
};
static const sim_schema provider_quality_schema =
	SIM_SCHEMA("provider quality", provider_quality_rows, mkt_quality_shift, NULL);

static const sim_setting segment_rows[] = {
	SIM_STRING("name", mkt_segment_params, name, NULL, "Segment name"),
	SIM_FLOAT("share", mkt_segment_params, share, NULL, 0, 1,
		  "Share of arriving developers; the segments' shares sum to 1"),
	SIM_FLOAT_ABOVE("tasks_mean", mkt_segment_params, tasks_mean, "5", 0, 1e6,
			"Mean zero-price tasks per developer-day at arrival (lognormal across "
			"developers); a model runs these times its intensity"),
	SIM_FLOAT("tasks_sd", mkt_segment_params, tasks_sd, "5", 0, 1e6,
		  "Sd of tasks per developer-day across developers"),
	SIM_FLOAT("app_growth", mkt_segment_params, app_growth, "0", -10, 10,
		  "Growth rate of each developer's tasks, per year (continuous)"),
	SIM_FLOAT("free_usage_boost", mkt_segment_params, free_usage_boost, "0", 0, 100,
		  "A developer runs (1 + this) times its zero-price tasks on a free "
		  "model (the zero-price effect: agent loops left running when tokens "
		  "cost nothing)"),
	SIM_FLOAT("price_elasticity", mkt_segment_params, price_elasticity, "0", 0, 10,
		  "Intensive margin: tasks per day scale as (1 + cost of a task / "
		  "task_price_ref)^-price_elasticity on a paid model"),
	SIM_FLOAT_ABOVE("task_price_ref", mkt_segment_params, task_price_ref, "0.01", 0, 1e6,
			"Dollars per task at which tasks respond to their cost with "
			"half the price_elasticity (well above it, with all of it)"),
	SIM_FLOAT("fallback_share", mkt_segment_params, fallback_share, "0", 0, 1,
		  "Share of developers who configured fallback models: once they hold "
		  "credits, their requests refused for capacity or beyond the free "
		  "quota go to a paid model; the others' are lost (HTTP 429)"),
	SIM_FLOAT("credit_barrier", mkt_segment_params, credit_barrier, "0", 0, 100,
		  "Utility cost of buying the first credits (market.free_quota_credited "
		  "lifts the free quota; paid models need them)"),
	SIM_FLOAT("agentic_start", mkt_segment_params, agentic_start, "0", 0, 1,
		  "Agentic share of tasks long before the midpoint"),
	SIM_FLOAT("agentic_end", mkt_segment_params, agentic_end, "0", 0, 1,
		  "Agentic share of tasks long after the midpoint"),
	SIM_STRING("agentic_midpoint", mkt_segment_params, agentic_midpoint, "2026-07-01",
		   "Date the agentic share is halfway (YYYY-MM-DD)"),
	SIM_FLOAT_ABOVE("agentic_width", mkt_segment_params, agentic_width, "60", 0, 1e5,
			"Days: scale of the logistic S-curve"),
	SIM_FLOAT("beta_quality", mkt_segment_params, beta_quality, "1", -100, 100,
		  "Utility per unit of quality"),
	SIM_FLOAT("beta_agentic", mkt_segment_params, beta_agentic, "0", -100, 100,
		  "Utility per unit of agentic share x competency"),
	SIM_FLOAT("beta_price", mkt_segment_params, beta_price, "1", 0, 100,
		  "Utility lost per unit of log expected monthly spend ($)"),
	SIM_FLOAT("zero_price_bonus", mkt_segment_params, zero_price_bonus, "0", -100, 100,
		  "Utility of a free model (its spend term), against spending $1 a month"),
	SIM_FLOAT("beta_latency", mkt_segment_params, beta_latency, "0", 0, 100,
		  "Utility lost per second of latency"),
	SIM_FLOAT("beta_errors", mkt_segment_params, beta_errors, "0", 0, 1000,
		  "Utility lost per unit of remembered error rate, and per unit share of "
		  "the developer's requests the free quota refuses"),
	SIM_FLOAT("beta_visibility", mkt_segment_params, beta_visibility, "0", 0, 1000,
		  "Utility per unit of remembered leaderboard token share "
		  "(market.visibility_weeks)"),
	SIM_FLOAT("inertia", mkt_segment_params, inertia, "0", 0, 100,
		  "Switching cost: utility bonus of the current model"),
	SIM_FLOAT("review_days", mkt_segment_params, review_days, "30", 0, 1e5,
		  "Mean days between reviews of the choice (exponential); 0: never"),
	SIM_FLOAT("churn", mkt_segment_params, churn, "0", 0, 1000,
		  "Rate at which developers leave the platform, per year"),
	SIM_LIST("origins", mkt_segment_params, origins, &origin_schema, 0, 0,
		 "Penalties and bans by origin"),
};
static const sim_schema segment_schema =
	SIM_SCHEMA("segment", segment_rows, mkt_segment_params, NULL);

#define DATE_ROW SIM_STRING("date", mkt_event, date, NULL, \
			    "Date it takes effect (YYYY-MM-DD), within the horizon")
#define MODEL_ROW SIM_STRING("model", mkt_event, model, NULL, "Id in market.models")

static const sim_setting price_rows[] = {
	DATE_ROW, MODEL_ROW,
	SIM_FLOAT("price_in", mkt_event, price_in, NULL, 0, 1e6,
		  "New input price, $ per million tokens"),
	SIM_FLOAT("price_out", mkt_event, price_out, NULL, 0, 1e6,
		  "New output price, $ per million tokens"),
	SIM_FLOAT("price_in_per_out", mkt_event, price_in_per_out, "0", 0, 1e6,
		  "Input price added per $ of output price: the new input price is "
		  "price_in + price_in_per_out x price_out (ties it to price_out)"),
	SIM_STRING("host", mkt_event, host, "",
		   "Provider of the one host whose prices change; empty: every host"),
};
static const sim_setting limit_rows[] = {
	DATE_ROW, MODEL_ROW,
	SIM_INT("limit", mkt_event, limit, NULL, 0, 1e9,
		"New free-use limit, requests per developer-day, when lower than the "
		"platform's free quota; 0: the platform's quota only"),
};
static const sim_setting export_rows[] = {
	DATE_ROW,
	SIM_STRING("origin", mkt_event, origin, "",
		   "Country whose hosts are hit (a host's country: by default its "
		   "model's origin); the same as `country`, kept for older files"),
	SIM_STRING("country", mkt_event, country, "",
		   "Country whose hosts are hit; give this or `origin`"),
	SIM_FLOAT("capacity_cut", mkt_event, capacity_cut, "0", 0, 1,
		  "Share of installed serving capacity lost (over ramp_days)"),
	SIM_FLOAT("growth_cut", mkt_event, growth_cut, "0", 0, 1,
		  "Share of capacity growth lost (reached over ramp_days)"),
	SIM_FLOAT_ABOVE("cost_multiplier", mkt_event, cost_multiplier, "1", 0, 1000,
			"Cost to serve is multiplied by this (reached over ramp_days)"),
	SIM_FLOAT("ramp_days", mkt_event, ramp_days, "0", 0, 1e5,
		  "Days over which the cuts and the cost rise reach their full size, "
		  "linearly; 0: all at once"),
	SIM_FLOAT("pass_through", mkt_event, pass_through, "0", 0, 1,
		  "Share of each host's cost rise ($ per M tokens) added to both of "
		  "its prices, as the cost rises"),
};
static const sim_setting ban_rows[] = {
	DATE_ROW,
	SIM_STRING("segment", mkt_event, segment, NULL, "Segment name"),
	SIM_STRING("origin", mkt_event, origin, NULL, "Origin it may no longer use"),
};
static const sim_setting launch_rows[] = {
	DATE_ROW, MODEL_ROW,
};
static const sim_setting outage_rows[] = {
	DATE_ROW, MODEL_ROW,
	SIM_FLOAT_ABOVE("days", mkt_event, days, "1", 0, 1e5, "How long it lasts"),
	SIM_FLOAT("capacity_left", mkt_event, capacity_left, "0", 0, 1,
		  "Share of capacity still serving meanwhile"),
};
static const sim_setting shift_rows[] = {
	DATE_ROW,
	SIM_STRING("segment", mkt_event, segment, "", "Segment name; empty: every segment"),
	SIM_FLOAT("share", mkt_event, share, NULL, 0, 1, "Agentic share to move to"),
	SIM_FLOAT("ramp_days", mkt_event, ramp_days, "30", 0, 1e5,
		  "Days over which the share moves there"),
};

static const sim_schema price_schema = SIM_SCHEMA("price_change", price_rows, mkt_event, NULL);
static const sim_schema limit_schema = SIM_SCHEMA("free_limit", limit_rows, mkt_event, NULL);
static const sim_schema export_schema = SIM_SCHEMA("export_control", export_rows, mkt_event, NULL);
static const sim_schema ban_schema = SIM_SCHEMA("compliance_ban", ban_rows, mkt_event, NULL);
static const sim_schema launch_schema = SIM_SCHEMA("model_launch", launch_rows, mkt_event, NULL);
static const sim_schema outage_schema = SIM_SCHEMA("outage", outage_rows, mkt_event, NULL);
static const sim_schema shift_schema = SIM_SCHEMA("agentic_shift", shift_rows, mkt_event, NULL);

/* The loader stores the index of an event's variant as its type, so entry
   k must be the variant of mkt_event_type k: each entry is placed by its
   constant, whatever the enum's order. The NULL name that ends the list
   follows the entry written last, so they are written in the enum's order
   (written otherwise, the end lands on an entry: a compile error,
   "initialized field overwritten"). A type added last to the enum without
   an entry fails the assertion below; one added elsewhere would end the
   list early, which tests/test_market_shocks.c catches (every type has a
   named entry, and one event of each loads as its type). */
static const sim_variant event_variants[] = {
	[MKT_PRICE_CHANGE] = { "price_change", &price_schema,
			       "A model's prices change (e.g. a free promotion ends)" },
	[MKT_FREE_LIMIT] = { "free_limit", &limit_schema, "A model's free-use limit changes" },
	[MKT_EXPORT_CONTROL] = { "export_control", &export_schema,
				 "A country's hosts lose capacity and capacity growth and "
				 "their cost to serve rises, phased in over ramp_days" },
	[MKT_COMPLIANCE_BAN] = { "compliance_ban", &ban_schema,
				 "A segment may no longer use an origin's models" },
	[MKT_MODEL_LAUNCH] = { "model_launch", &launch_schema,
			       "A model becomes available on that date" },
	[MKT_OUTAGE] = { "outage", &outage_schema, "A model loses capacity for some days" },
	[MKT_AGENTIC_SHIFT] = { "agentic_shift", &shift_schema,
				"A segment's agentic share moves to a new level" },
	{ NULL, NULL, NULL },
};
_Static_assert(sizeof event_variants / sizeof event_variants[0] == MKT_EVENT_TYPES + 1,
	       "event_variants: one entry per mkt_event_type, then the NULL end");

static const sim_setting arrival_rows[] = {
	SIM_FLOAT_ABOVE("p", mkt_arrival_params, p, "0.02", 0, 1000,
			"Bass innovation rate, per year"),
	SIM_FLOAT("q", mkt_arrival_params, q, "0.38", 0, 1000, "Bass imitation rate, per year"),
	SIM_FLOAT_ABOVE("potential", mkt_arrival_params, potential, "1e6", 0, 1e12,
			"Developers who may ever join"),
	SIM_FLOAT("initial", mkt_arrival_params, initial, "0", 0, 1e12,
		  "Developers already on the platform at the start"),
};
static const sim_schema arrival_schema =
	SIM_SCHEMA("arrivals", arrival_rows, mkt_arrival_params, NULL);

static const sim_setting workload_rows[] = {
	SIM_FLOAT_ABOVE("chat_in_mean", mkt_task_shape, chat_in_mean, "3000", 0, 1e9,
			"Input tokens of a chat request, mean"),
	SIM_FLOAT("chat_in_sd", mkt_task_shape, chat_in_sd, "3000", 0, 1e9, "... sd"),
	SIM_FLOAT_ABOVE("chat_out_mean", mkt_task_shape, chat_out_mean, "500", 0, 1e9,
			"Output tokens of a chat request, mean"),
	SIM_FLOAT("chat_out_sd", mkt_task_shape, chat_out_sd, "500", 0, 1e9, "... sd"),
	SIM_FLOAT("steps_mean", mkt_task_shape, steps_mean, "10", 1, 1e6,
		  "Mean steps (requests) of an agent task (geometric on 1, 2, ...)"),
	SIM_FLOAT_ABOVE("context_mean", mkt_task_shape, context_mean, "15000", 0, 1e9,
			"Starting context of an agent task, tokens, mean"),
	SIM_FLOAT("context_sd", mkt_task_shape, context_sd, "10000", 0, 1e9, "... sd"),
	SIM_FLOAT("step_growth", mkt_task_shape, step_growth, "2000", 0, 1e9,
		  "Tokens the context grows by per step (outputs, tool results)"),
	SIM_FLOAT_ABOVE("step_out_mean", mkt_task_shape, step_out_mean, "800", 0, 1e9,
			"Output tokens per agent step, mean"),
	SIM_FLOAT("step_out_sd", mkt_task_shape, step_out_sd, "800", 0, 1e9, "... sd"),
	SIM_INT("max_retries", mkt_task_shape, max_retries, "2", 0, 100,
		"Retries of a failed agent task"),
};
static const sim_schema workload_schema =
	SIM_SCHEMA("workload", workload_rows, mkt_task_shape, NULL);

static const sim_setting window_rows[] = {
	SIM_STRING("from", mkt_window_params, from, "",
		   "First date of the window (YYYY-MM-DD); empty: start_date"),
	SIM_STRING("to", mkt_window_params, to, "",
		   "Date the window ends, excluded (YYYY-MM-DD); empty: the horizon's end"),
};
static const sim_schema window_schema =
	SIM_SCHEMA("summary_window", window_rows, mkt_window_params, NULL);

/* ---- cross-checks ---- */

/* "..." after the 40 characters of a date a message shows, when it is
   longer: a megabyte of text would fill the message and hide the rest. */
static const char *ellipsis(const char *text)
{
	return strlen(text) > 40 ? "..." : "";
}

/* The day of `date` (at the setting `at`) from the start, which must lie
   in [0, days); an empty date is allowed where `allow_empty`. */
static int check_date(const mkt_market_params *m, const sim_config *cfg,
		      const char *at, const char *date, bool allow_empty,
		      sim_error *err)
{
	long d;
	if (allow_empty && date[0] == '\0')
		return 0;
	if (mkt_days_between(m->start_date, date, &d) != 0)
		return sim_config_error_at(cfg, at, err,
					   "expected " SIM_DATE_EXPECTED ", found \"%.40s%s\"", date,
					   ellipsis(date));
	if (d < 0 || d >= m->days) {
		char last[SIM_DATE_BUF];
		mkt_date_after(m->start_date, m->days - 1, last, sizeof last);
		return sim_config_error_at(cfg, at, err,
					   "expected a date within the horizon, %s to %s; "
					   "found \"%.40s%s\"", m->start_date, last, date,
					   ellipsis(date));
	}
	return 0;
}

/* The summary window: `from` a date in the horizon, `to` a date after the
   start and at most the horizon's end (the window excludes it), from
   before to, and at least one week starting inside, so that no window_*
   row of summary.csv is an empty sum. */
static int check_window(const mkt_market_params *m, const sim_config *cfg,
			const char *path, sim_error *err)
{
	const mkt_window_params *w = &m->summary_window;
	char at[256], end[SIM_DATE_BUF];
	long from = 0, to = 0;
	size_t first, stop;
	snprintf(at, sizeof at, "%s.summary_window.from", path);
	if (check_date(m, cfg, at, w->from, true, err) != 0)
		return -1;
	snprintf(at, sizeof at, "%s.summary_window.to", path);
	mkt_date_after(m->start_date, m->days, end, sizeof end);
	if (window_day(m, w->to, (long)m->days, &to) != 0)
		return sim_config_error_at(cfg, at, err,
					   "expected " SIM_DATE_EXPECTED ", found \"%.40s%s\"", w->to,
					   ellipsis(w->to));
	if (to <= 0 || to > m->days)
		return sim_config_error_at(cfg, at, err,
					   "expected a date after start_date %s and at most the "
					   "horizon's end, %s; found \"%s\"", m->start_date, end, w->to);
	const char *from_text = w->from[0] ? w->from : m->start_date;
	const char *to_text = w->to[0] ? w->to : end;
	window_day(m, w->from, 0, &from);
	if (from >= to)
		return sim_config_error_at(cfg, at, err,
					   "expected a date after summary_window.from (%s), found "
					   "\"%s\"", from_text, to_text);
	mkt_window_weeks(m, &first, &stop);
	if (first == stop) {
		snprintf(at, sizeof at, "%s.summary_window", path);
		return sim_config_error_at(cfg, at, err,
					   "expected a window holding the start of a week (weeks "
					   "start on %s and every 7 days after), found none in "
					   "[%s, %s)", m->start_date, from_text, to_text);
	}
	return 0;
}

/* A name that must be one of `count` known names (ids of models, names of
   segments, origins of models): reported with a did-you-mean hint. */
static int check_known(const sim_config *cfg, const char *at, const char *what,
		       const char *name, const char *const *known, size_t count,
		       sim_error *err)
{
	const char *closest = NULL;
	int best = 1 << 30;
	for (size_t i = 0; i < count; i++)
		if (strcmp(known[i], name) == 0)
			return 0;
	for (size_t i = 0; i < count; i++) {
		/* A name that differs only in case is the likeliest meant. */
		int d = strcasecmp(name, known[i]) == 0 ? 0 : sim_edit_distance(name, known[i]);
		if (d < best) {
			best = d;
			closest = known[i];
		}
	}
	if (closest && best <= 3)
		return sim_config_error_at(cfg, at, err, "unknown %s \"%s\"; did you mean \"%s\"?",
					   what, name, closest);
	return sim_config_error_at(cfg, at, err, "unknown %s \"%s\"%s", what, name,
				   strcmp(what, "origin") == 0 ? " (no model has it)" :
				   strcmp(what, "country") == 0 ? " (no host is there)" : "");
}

/* The distinct values, in order of first appearance, of the string field
   at `field` (an offsetof) of the `count` models: their origins or
   providers. Returns how many there are. */
static size_t distinct_names(const mkt_model_params *mp, size_t count, size_t field,
			     const char **names)
{
	size_t n = 0;
	for (size_t i = 0; i < count; i++) {
		const char *name = *(char *const *)((const char *)&mp[i] + field);
		size_t j = 0;
		while (j < n && strcmp(names[j], name) != 0)
			j++;
		if (j == n)
			names[n++] = name;
	}
	return n;
}

/* A list of quality shifts (market.<what>_quality): each names a known
   origin or provider (one of the `count` in `known`), at most once. */
static int check_shifts(const sim_config *cfg, const char *path, const sim_list *list,
			const char *what, const char *const *known, size_t count, sim_error *err)
{
	const mkt_quality_shift *q = list->items;
	char at[256];
	for (size_t r = 0; r < list->count; r++) {
		snprintf(at, sizeof at, "%s.%s_quality.[%zu].%s", path, what, r, what);
		if (check_known(cfg, at, what, q[r].subject, known, count, err) != 0)
			return -1;
		for (size_t j = 0; j < r; j++)
			if (strcmp(q[j].subject, q[r].subject) == 0)
				return sim_config_error_at(cfg, at, err, "%s \"%s\" already has "
							   "a shift (%s_quality.[%zu])", what,
							   q[r].subject, what, j);
	}
	return 0;
}

/* Names are written unquoted into CSV key columns and plot legends. */
static int check_label(const sim_config *cfg, const char *at, const char *label,
		       sim_error *err)
{
	for (const char *c = label; *c; c++)
		if (*c == ',' || *c == '"' || (unsigned char)*c < 0x20)
			return sim_config_error_at(cfg, at, err,
						   "expected a name without commas, quotes or "
						   "control characters, found \"%s\"", label);
	return 0;
}

/* An origin is a subject of summary rows beside providers
   (window_token_share) and model ids (token_share_end): sharing a name
   with one would give two rows the same key. */
/* Host h of model mp (the implicit one when it lists none): its provider
   and its country. */
static size_t host_count(const mkt_model_params *mp)
{
	return mp->hosts.count > 0 ? mp->hosts.count : 1;
}

static const char *host_provider(const mkt_model_params *mp, size_t h)
{
	return mp->hosts.count > 0 ? ((const mkt_host_params *)mp->hosts.items)[h].provider :
				     mp->provider;
}

static const char *host_country(const mkt_model_params *mp, size_t h)
{
	const char *c = mp->hosts.count > 0 ?
			((const mkt_host_params *)mp->hosts.items)[h].country : "";
	return c[0] ? c : mp->origin;
}

/* Whether a host of model mp is run by `provider`. */
static bool hosted_by(const mkt_model_params *mp, const char *provider)
{
	for (size_t h = 0; h < host_count(mp); h++)
		if (strcmp(host_provider(mp, h), provider) == 0)
			return true;
	return false;
}

static int check_origin_unique(const mkt_market_params *m, const sim_config *cfg,
			       const char *at, const char *origin, sim_error *err)
{
	const mkt_model_params *mp = m->models.items;
	for (size_t j = 0; j < m->models.count; j++) {
		/* Host providers are summary subjects too (by who earns). */
		const char *clash = strcmp(mp[j].provider, origin) == 0 ? "provider" :
				    hosted_by(&mp[j], origin) ? "host provider" :
				    strcmp(m->models.ids[j], origin) == 0 ? "model id" : NULL;
		if (clash)
			return sim_config_error_at(cfg, at, err,
						   "origin \"%s\" is also a %s (models.%s): "
						   "summary rows such as token_share_end:%s would "
						   "name both", origin, clash, m->models.ids[j], origin);
	}
	return 0;
}

/* Model i's hosts: providers and countries written as CSV keys, each
   provider once (a host row is keyed by model and provider). */
static int check_hosts(const mkt_market_params *m, const sim_config *cfg,
		       const char *path, size_t i, sim_error *err)
{
	const mkt_model_params *mp = (const mkt_model_params *)m->models.items + i;
	const mkt_host_params *hp = mp->hosts.items;
	char at[256];
	for (size_t h = 0; h < mp->hosts.count; h++) {
		snprintf(at, sizeof at, "%s.models.%s.hosts.[%zu].provider", path,
			 m->models.ids[i], h);
		if (check_label(cfg, at, hp[h].provider, err) != 0)
			return -1;
		for (size_t j = 0; j < h; j++)
			if (strcmp(hp[j].provider, hp[h].provider) == 0)
				return sim_config_error_at(cfg, at, err, "provider \"%s\" "
							   "already hosts this model (hosts.[%zu])",
							   hp[h].provider, j);
		snprintf(at, sizeof at, "%s.models.%s.hosts.[%zu].country", path,
			 m->models.ids[i], h);
		if (check_label(cfg, at, hp[h].country, err) != 0)
			return -1;
	}
	return 0;
}

static int check_models(const mkt_market_params *m, const sim_config *cfg,
			const char *path, sim_error *err)
{
	const mkt_model_params *mp = m->models.items;
	char at[256];
	if (m->models.count > 250)
		return sim_config_error_at(cfg, path, err, "expected at most 250 models, found %zu",
					   m->models.count);
	for (size_t i = 0; i < m->models.count; i++) {
		const char *id = m->models.ids[i];
		snprintf(at, sizeof at, "%s.models.%s.launch", path, id);
		if (check_date(m, cfg, at, mp[i].launch, true, err) != 0)
			return -1;
		snprintf(at, sizeof at, "%s.models.%s.origin", path, id);
		if (check_origin_unique(m, cfg, at, mp[i].origin, err) != 0)
			return -1;
		if (check_hosts(m, cfg, path, i, err) != 0)
			return -1;
		const char *labels[3] = { mp[i].name, mp[i].provider, mp[i].origin };
		const char *fields[3] = { "name", "provider", "origin" };
		for (int f = 0; f < 3; f++) {
			snprintf(at, sizeof at, "%s.models.%s.%s", path, id, fields[f]);
			if (check_label(cfg, at, labels[f], err) != 0)
				return -1;
		}
	}
	return 0;
}

static int check_segments(const mkt_market_params *m, const sim_config *cfg,
			  const char *path, sim_error *err)
{
	const mkt_segment_params *sp = m->segments.items;
	char at[256];
	double total = 0;
	for (size_t i = 0; i < m->segments.count; i++) {
		total += sp[i].share;
		long d;
		snprintf(at, sizeof at, "%s.segments.[%zu].agentic_midpoint", path, i);
		if (mkt_days_between(m->start_date, sp[i].agentic_midpoint, &d) != 0)
			return sim_config_error_at(cfg, at, err,
						   "expected " SIM_DATE_EXPECTED ", found \"%.40s%s\"",
						   sp[i].agentic_midpoint, ellipsis(sp[i].agentic_midpoint));
		for (size_t j = 0; j < i; j++)
			if (strcmp(sp[i].name, sp[j].name) == 0) {
				snprintf(at, sizeof at, "%s.segments.[%zu].name", path, i);
				return sim_config_error_at(cfg, at, err,
							   "segment \"%s\" is named twice", sp[i].name);
			}
	}
	snprintf(at, sizeof at, "%s.segments", path);
	if (fabs(total - 1.0) > 1e-6)
		return sim_config_error_at(cfg, at, err,
					   "expected the segments' shares to sum to 1, found %.6g",
					   total);
	if (m->segments.count > 250)
		return sim_config_error_at(cfg, at, err, "expected at most 250 segments");
	return 0;
}

/* An export control names the country of some host, by `country` or
   by `origin` (the older name), not two different ones. */
static int check_export_country(const mkt_market_params *m, const sim_config *cfg,
				const char *path, size_t k, sim_error *err)
{
	const mkt_event *e = (const mkt_event *)m->events.items + k;
	const mkt_model_params *mp = m->models.items;
	const char *countries[256];
	size_t count = 0;
	char at[256];
	bool by_country = e->country[0] != '\0';
	snprintf(at, sizeof at, "%s.events.[%zu].%s", path, k, by_country ? "country" : "origin");
	if (by_country && e->origin[0] && strcmp(e->origin, e->country) != 0)
		return sim_config_error_at(cfg, at, err, "expected the same country as origin "
					   "(\"%s\"), found \"%s\"", e->origin, e->country);
	if (!by_country && !e->origin[0])
		return sim_config_error_at(cfg, at, err, "expected the country whose hosts "
					   "are hit (`country` or `origin`), found none");
	for (size_t i = 0; i < m->models.count; i++)
		for (size_t h = 0; h < host_count(&mp[i]); h++) {
			const char *c = host_country(&mp[i], h);
			size_t j = 0;
			while (j < count && strcmp(countries[j], c) != 0)
				j++;
			if (j == count && count < 256)
				countries[count++] = c;
		}
	return check_known(cfg, at, "country", by_country ? e->country : e->origin, countries,
			   count, err);
}

static int check_event(const mkt_market_params *m, const sim_config *cfg,
		       const char *path, size_t k, const char *const *segment_names,
		       const char *const *origins, size_t origin_count, sim_error *err)
{
	const mkt_event *e = (const mkt_event *)m->events.items + k;
	char at[256];
	snprintf(at, sizeof at, "%s.events.[%zu].date", path, k);
	if (check_date(m, cfg, at, e->date, false, err) != 0)
		return -1;
	if (e->model) {
		snprintf(at, sizeof at, "%s.events.[%zu].model", path, k);
		if (check_known(cfg, at, "model", e->model, (const char *const *)m->models.ids,
				m->models.count, err) != 0)
			return -1;
	}
	if (e->segment && e->segment[0]) {
		snprintf(at, sizeof at, "%s.events.[%zu].segment", path, k);
		if (check_known(cfg, at, "segment", e->segment, segment_names,
				m->segments.count, err) != 0)
			return -1;
	}
	if (e->type == MKT_EXPORT_CONTROL)
		return check_export_country(m, cfg, path, k, err);
	if (e->type == MKT_PRICE_CHANGE && e->host[0]) {
		const mkt_model_params *mp = m->models.items;
		long i = sim_map_find(&m->models, e->model);
		snprintf(at, sizeof at, "%s.events.[%zu].host", path, k);
		if (!hosted_by(&mp[i], e->host))
			return sim_config_error_at(cfg, at, err, "provider \"%s\" does not host "
						   "model \"%s\"", e->host, e->model);
	}
	if (e->origin) {
		snprintf(at, sizeof at, "%s.events.[%zu].origin", path, k);
		if (check_known(cfg, at, "origin", e->origin, origins, origin_count, err) != 0)
			return -1;
	}
	return 0;
}

static int check_market(const void *params, const sim_config *cfg, const char *path,
			sim_error *err)
{
	const mkt_market_params *m = params;
	char at[256];
	long d;
	snprintf(at, sizeof at, "%s.start_date", path);
	if (sim_date_parse(m->start_date, &d) != 0)
		return sim_config_error_at(cfg, at, err,
					   "expected " SIM_DATE_EXPECTED ", found \"%.40s%s\"",
					   m->start_date, ellipsis(m->start_date));
	if (d + m->days > SIM_DATE_MAX_DAY) {
		char end[SIM_DATE_BUF];
		mkt_date_after(m->start_date, m->days, end, sizeof end);
		snprintf(at, sizeof at, "%s.days", path);
		return sim_config_error_at(cfg, at, err,
					   "expected a horizon that ends by " SIM_DATE_MAX
					   " (start_date + days), found %lld days from %s, to %s",
					   (long long)m->days, m->start_date, end);
	}
	if (m->arrivals.initial > m->arrivals.potential) {
		snprintf(at, sizeof at, "%s.arrivals.initial", path);
		return sim_config_error_at(cfg, at, err,
					   "expected at most the potential (%g), found %g",
					   m->arrivals.potential, m->arrivals.initial);
	}
	if (check_models(m, cfg, path, err) != 0 || check_segments(m, cfg, path, err) != 0 ||
	    check_window(m, cfg, path, err) != 0)
		return -1;
	const mkt_model_params *mp = m->models.items;
	const mkt_segment_params *sp = m->segments.items;
	const char *segment_names[256], *origins[256];
	for (size_t i = 0; i < m->segments.count; i++)
		segment_names[i] = sp[i].name;
	size_t origin_count = distinct_names(mp, m->models.count,
					     offsetof(mkt_model_params, origin), origins);
	char at2[256];
	for (size_t i = 0; i < m->segments.count; i++) {
		const mkt_origin_rule *rules = sp[i].origins.items;
		for (size_t r = 0; r < sp[i].origins.count; r++) {
			snprintf(at2, sizeof at2, "%s.segments.[%zu].origins.[%zu].origin", path, i, r);
			if (check_known(cfg, at2, "origin", rules[r].origin, origins, origin_count,
					err) != 0)
				return -1;
		}
		snprintf(at2, sizeof at2, "%s.segments.[%zu].name", path, i);
		if (check_label(cfg, at2, sp[i].name, err) != 0)
			return -1;
	}
	const char *providers[256];
	size_t provider_count = distinct_names(mp, m->models.count,
					       offsetof(mkt_model_params, provider), providers);
	if (check_shifts(cfg, path, &m->origin_quality, "origin", origins, origin_count, err) != 0 ||
	    check_shifts(cfg, path, &m->provider_quality, "provider", providers, provider_count,
			 err) != 0)
		return -1;
	const mkt_event *ev = m->events.items;
	for (size_t k = 0; k < m->events.count; k++) {
		if (check_event(m, cfg, path, k, segment_names, origins, origin_count, err) != 0)
			return -1;
		for (size_t j = 0; j < k && ev[k].type == MKT_MODEL_LAUNCH; j++)
			if (ev[j].type == MKT_MODEL_LAUNCH && strcmp(ev[j].model, ev[k].model) == 0) {
				snprintf(at2, sizeof at2, "%s.events.[%zu].model", path, k);
				return sim_config_error_at(cfg, at2, err,
							   "model \"%s\" already has a model_launch "
							   "event (events.[%zu])", ev[k].model, j);
			}
	}
	return 0;
}

static const sim_setting market_rows[] = {
	SIM_STRING("start_date", mkt_market_params, start_date, "2026-01-01",
		   "Date of day 0 (YYYY-MM-DD); weeks are counted from it"),
	SIM_INT("days", mkt_market_params, days, "365", 1, 36500, "Horizon, days"),
	SIM_FLOAT_ABOVE("scale", mkt_market_params, scale, "1", 0, 1e9,
			"Real developers each agent stands for"),
	SIM_FLOAT_ABOVE("mu", mkt_market_params, mu, "1", 0, 1000,
			"Logit scale: the spread of tastes around the utilities"),
	SIM_FLOAT("fee", mkt_market_params, fee, "0.055", 0, 1,
		  "Platform fee on developer spend (OpenRouter: 5.5%)"),
	SIM_INT("leaderboard_size", mkt_market_params, leaderboard_size, "20", 1, 1000,
		"Models shown on the public leaderboard; only they get visibility"),
	SIM_FLOAT("latency_slope", mkt_market_params, latency_slope, "0.5", 0, 1000,
		  "Latency = base x (1 + latency_slope x utilisation^latency_power)"),
	SIM_FLOAT("latency_power", mkt_market_params, latency_power, "2", 1, 100,
		  "See latency_slope"),
	SIM_FLOAT("free_quota", mkt_market_params, free_quota, "50", 0, 1e9,
		  "Free-variant requests per account-day, across free models, for an "
		  "account that bought less than $10 of credits (OpenRouter: 50)"),
	SIM_FLOAT("free_quota_credited", mkt_market_params, free_quota_credited, "1000", 0, 1e9,
		  "The same once the account bought $10 of credits (OpenRouter: 1,000)"),
	SIM_FLOAT_ABOVE("perception_days", mkt_market_params, perception_days, "7", 0, 1e5,
			"Days over which developers average the errors and latency "
			"they see (exponential memory)"),
	SIM_FLOAT_ABOVE("visibility_weeks", mkt_market_params, visibility_weeks, "1", 0, 1e5,
			"Weeks over which the leaderboard's shares are remembered as "
			"visibility (exponential memory)"),
	SIM_FLOAT("novelty", mkt_market_params, novelty, "0", -100, 100,
		  "Utility a model launched in the run (one with a `launch` date) "
		  "adds on its launch day, for every segment: developers try what is "
		  "new. It decays as exp(-age / novelty_days)"),
	SIM_FLOAT_ABOVE("novelty_days", mkt_market_params, novelty_days, "14", 0, 1e5,
			"Days over which a launch's novelty decays (e-folding time)"),
	SIM_FLOAT("multihoming", mkt_market_params, multihoming, "0", 0, 0.95,
		  "Share of its tasks a developer keeps on its previous paid model "
		  "when it switches to another model (apps use several models at "
		  "once); the kept model also takes the new free model's overflow "
		  "for developers with fallback. 0: one model at a time"),
	SIM_FLOAT_ABOVE("origin_nesting", mkt_market_params, origin_nesting, "1", 0, 1,
			"Nested logit by origin, in (0, 1]: a nest's weight is its models' "
			"summed logit weights to this power. 1: one nest, plain logit; below "
			"1, models of one origin are closer substitutes for each other than "
			"for other origins' models"),
	SIM_LIST("origin_quality", mkt_market_params, origin_quality, &origin_quality_schema, 0, 0,
		 "Quality shifts common to all models of one origin: one setting that "
		 "moves an origin's level and keeps the order of its models' qualities"),
	SIM_LIST("provider_quality", mkt_market_params, provider_quality,
		 &provider_quality_schema, 0, 0,
		 "Quality shifts common to all models of one provider: one setting that "
		 "moves a provider's level and keeps its models' differences"),
	SIM_GROUP("arrivals", mkt_market_params, arrivals, &arrival_schema,
		  "Bass diffusion of developers onto the platform"),
	SIM_GROUP("workload", mkt_market_params, workload, &workload_schema,
		  "Token demand of chat and agentic tasks"),
	SIM_MAP("models", mkt_market_params, models, &model_schema, 1, 0,
		"The AI models on offer, by id"),
	SIM_LIST("segments", mkt_market_params, segments, &segment_schema, 1, 0,
		 "Developer segments"),
	SIM_VARIANT_LIST("events", mkt_market_params, events, mkt_event, type, "type",
			 event_variants, 0, 0, "Dated shocks, each with its `type`"),
	SIM_GROUP("summary_window", mkt_market_params, summary_window, &window_schema,
		  "Weeks the window_* rows of summary.csv add up: those whose first day "
		  "lies in [from, to)"),
};

const sim_schema mkt_market_schema =
	SIM_SCHEMA("market", market_rows, mkt_market_params, check_market);
