/*
 * mkt_workload.h - token demand of chat and agentic tasks.
 *
 * A chat task is one request: input and output tokens drawn from
 * lognormals. An agentic task runs S steps, S geometric on {1, 2, ...}
 * with mean steps_mean. It starts from a context of c0 tokens (lognormal,
 * drawn once) and each step re-sends the context, which has grown by
 * `step_growth` tokens per step (earlier outputs, tool results): step k
 * sends c0 + step_growth * k input tokens and returns o_k output tokens
 * (lognormal, drawn per step). So one attempt costs
 *     S (c0 + o) + step_growth * S (S + 1) / 2          tokens, with mean
 *     E[S] (E[c0] + E[o]) + step_growth * E[S (S + 1) / 2].
 * An attempt fails with probability 1 - competency (the model's agentic
 * competency) and is retried whole, at most max_retries times, so the mean
 * number of attempts is (1 - (1 - c)^(r + 1)) / c: weaker models burn more
 * tokens. tests/test_market_workload.c checks the sampler against this.
 */
#ifndef MKT_WORKLOAD_H
#define MKT_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "sim_rng.h"

typedef struct mkt_task_shape {
	double chat_in_mean, chat_in_sd;   /* tokens per chat request */
	double chat_out_mean, chat_out_sd;
	double steps_mean;                 /* >= 1 */
	double context_mean, context_sd;   /* c0 */
	double step_growth;                /* tokens added to the context per step */
	double step_out_mean, step_out_sd; /* o per step */
	int64_t max_retries;               /* >= 0 */
} mkt_task_shape;

/* What one task cost: tokens in and out, requests sent, attempts made. */
typedef struct mkt_task_tokens {
	double in, out;
	double requests;
	int attempts;
	bool succeeded;
} mkt_task_tokens;

/* Draws one chat task. */
void mkt_chat_task(const mkt_task_shape *shape, const sim_rng *rng,
		   mkt_task_tokens *t);

/* Draws one agentic task, retries included, on a model of the given
   agentic competency in (0, 1]. */
void mkt_agentic_task(const mkt_task_shape *shape, double competency,
		      const sim_rng *rng, mkt_task_tokens *t);

/* The closed-form mean of mkt_agentic_task's in + out tokens. */
double mkt_agentic_mean_tokens(const mkt_task_shape *shape, double competency);

/* Mean attempts per agentic task: (1 - (1 - c)^(r + 1)) / c. */
double mkt_mean_attempts(double competency, int64_t max_retries);

/* The token multiplier: mean agentic tokens over mean chat tokens. */
double mkt_token_multiplier(const mkt_task_shape *shape, double competency);

#endif
