/* workload.c - token demand of chat and agentic tasks
   (see mkt_workload.h). */
#include "mkt_workload.h"

#include <math.h>

void mkt_chat_task(const mkt_task_shape *shape, const sim_rng *rng,
		   mkt_task_tokens *t)
{
	t->in = sim_rng_lognormal(rng, shape->chat_in_mean, shape->chat_in_sd);
	t->out = sim_rng_lognormal(rng, shape->chat_out_mean, shape->chat_out_sd);
	t->requests = 1;
	t->attempts = 1;
	t->succeeded = true;
}

/* One attempt: S steps over a growing context. */
static void attempt(const mkt_task_shape *shape, const sim_rng *rng,
		    mkt_task_tokens *t)
{
	unsigned steps = sim_rng_geometric(rng, 1 / shape->steps_mean);
	double c0 = sim_rng_lognormal(rng, shape->context_mean, shape->context_sd);
	double s = steps;
	t->in += s * c0 + shape->step_growth * s * (s + 1) / 2;
	for (unsigned k = 0; k < steps; k++)
		t->out += sim_rng_lognormal(rng, shape->step_out_mean, shape->step_out_sd);
	t->requests += s;
}

void mkt_agentic_task(const mkt_task_shape *shape, double competency,
		      const sim_rng *rng, mkt_task_tokens *t)
{
	*t = (mkt_task_tokens){ 0 };
	for (int a = 0; a <= shape->max_retries; a++) {
		attempt(shape, rng, t);
		t->attempts++;
		if (sim_rng_bernoulli(rng, competency)) {
			t->succeeded = true;
			return;
		}
	}
}

double mkt_mean_attempts(double competency, int64_t max_retries)
{
	return (1 - pow(1 - competency, max_retries + 1)) / competency;
}

double mkt_agentic_mean_tokens(const mkt_task_shape *shape, double competency)
{
	double p = 1 / shape->steps_mean;
	double es = 1 / p, es2 = (2 - p) / (p * p); /* geometric moments */
	double per_attempt = es * (shape->context_mean + shape->step_out_mean) +
			     shape->step_growth * (es2 + es) / 2;
	return per_attempt * mkt_mean_attempts(competency, shape->max_retries);
}

double mkt_token_multiplier(const mkt_task_shape *shape, double competency)
{
	return mkt_agentic_mean_tokens(shape, competency) /
	       (shape->chat_in_mean + shape->chat_out_mean);
}
