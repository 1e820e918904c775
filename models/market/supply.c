/* supply.c - capacity and daily congestion (see mkt_supply.h). */
#include "mkt_supply.h"
#include "market_internal.h"

#include <math.h>

mkt_congestion mkt_congest(double demand, double capacity,
			   const mkt_latency_curve *latency)
{
	mkt_congestion c = { 0 };
	if (demand <= 0) {
		c.utilisation = 0;
		c.latency_seconds = latency->base_seconds;
		return c;
	}
	c.utilisation = capacity > 0 ? demand / capacity : INFINITY;
	/* served + failed == demand exactly: failed is computed as the rest. */
	c.served = c.utilisation > 1 ? (capacity > 0 ? capacity : 0) : demand;
	c.failed = demand - c.served;
	c.error_rate = c.failed / demand;
	double rho = isfinite(c.utilisation) ? c.utilisation : 1e6;
	c.latency_seconds = latency->base_seconds *
			    (1 + latency->slope * pow(rho, latency->power));
	return c;
}

double mkt_grown_capacity(double capacity, double annual_growth, double days)
{
	return capacity * pow(1 + annual_growth, days / 365.0);
}

/* ---- The market's models (models/market/market_internal.h) ---- */

bool mkt_available(const mkt_model_state *m, double t)
{
	return t >= m->launch_day && !(t < m->outage_until && m->outage_left <= 0);
}

/* Sample moments from `samples` draws of task(): the variances feed the
   daily totals' normal approximation; means come from the closed forms. */
static void sample_variances(const mkt_task_shape *shape, double competency,
			     bool agentic, const sim_rng *rng, mkt_task_moments *mo)
{
	enum { SAMPLES = 2000 };
	double s[3] = { 0 }, s2[3] = { 0 };
	for (int i = 0; i < SAMPLES; i++) {
		mkt_task_tokens t;
		if (agentic)
			mkt_agentic_task(shape, competency, rng, &t);
		else
			mkt_chat_task(shape, rng, &t);
		double x[3] = { t.in, t.out, t.requests };
		for (int j = 0; j < 3; j++) {
			s[j] += x[j];
			s2[j] += x[j] * x[j];
		}
	}
	double *var[3] = { &mo->var_in, &mo->var_out, &mo->var_requests };
	for (int j = 0; j < 3; j++) {
		double mean = s[j] / SAMPLES;
		*var[j] = fmax(0.0, (s2[j] - SAMPLES * mean * mean) / (SAMPLES - 1));
	}
}

void mkt_task_moments_of(const mkt_task_shape *shape, double competency,
			 const sim_rng *rng, mkt_task_moments *chat,
			 mkt_task_moments *agentic)
{
	chat->in = shape->chat_in_mean;
	chat->out = shape->chat_out_mean;
	chat->requests = 1;
	sample_variances(shape, competency, false, rng, chat);

	double attempts = mkt_mean_attempts(competency, shape->max_retries);
	double p = 1.0 / shape->steps_mean;
	double es = 1.0 / p, es2 = (2.0 - p) / (p * p);
	agentic->in = attempts * (es * shape->context_mean +
				  shape->step_growth * (es2 + es) / 2.0);
	agentic->out = attempts * es * shape->step_out_mean;
	agentic->requests = attempts * es;
	sample_variances(shape, competency, true, rng, agentic);
}
