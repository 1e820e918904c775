/*
 * test_market_elasticity.c - price moves quantity, and never the wrong
 * way: the own-price elasticity of a paid model's tokens in the baseline
 * (experiments/openrouter_2026.cfg), measured under common random numbers
 * for +-5% and +-10% on both its prices, lies in [-1.5, -0.8] for two
 * demand-bound models and two loaded ones (the literature's figure
 * between close substitutes is -1.11: calibration.md). Near capacity a
 * dearer model is less congested, which developers like; that relief must
 * never outweigh the price (docs/MODEL.md, "Intensive margin").
 *
 * Tokens are those of the last 8 weeks, summed over REPLICATIONS
 * replications; the arc elasticity is ln(Q+/Q-) / ln(p+/p-). The market
 * runs in this process at a coarse scale (SCALE developers per agent), one
 * replication at a time, the same replications for every price (common
 * random numbers). Must run from the repository root (make test does).
 */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "market_internal.h"
#include "test_market.h"

#define BASELINE "../../experiments/openrouter_2026.cfg"
#define SCALE "market.scale=50"
/* Under valgrind (make memcheck) the suite checks memory, not numbers: a
   run of the baseline is 30 times slower there, so one model, one step,
   at a coarse scale, and no assertion on a figure that scale cannot give. */
#define SCALE_UNDER_VALGRIND "market.scale=2000"
#define REPLICATIONS 2
#define WEEKS 8

/* The models, and for the two loaded models a capacity (tokens a day at
   launch) that puts their utilisation over the last weeks at about
   0.5-0.75 (printed): in the baseline every paid model but Qwen3.6 Plus
   has room to spare, and Qwen3.6 Plus sits at its capacity, where a price
   cannot move what it serves. Nearer capacity, the relief of congestion
   a dearer model brings offsets more of its price. Measured on the
   baseline estimated with multi-homing (1 December 2026): Claude Sonnet
   4.5 -1.20 and -1.19, DeepSeek V3.2 -1.14 and -1.28, GPT-5.4 -0.94 and
   -0.92 at utilisation 0.56-0.67 (capacity 6.5e10), MiMo-V2-Pro -0.92
   and -0.90 at 0.62-0.74 (7.0e10). NULL: the baseline's capacity. */
static const struct {
	const char *id, *capacity;
} models[] = {
	{ "claude_sonnet_4_5", NULL },
	{ "deepseek_v3_2", NULL },
	{ "gpt_5_4", "6.5e10" },
	{ "mimo_v2_pro", "7.0e10" },
};

/* Tokens of `model` over the last WEEKS weeks of replication rep with both
   its prices times `factor`; *utilisation gets its mean utilisation. */
static double tokens_at(const char *model, const char *capacity, double factor, uint64_t rep,
			double *utilisation)
{
	market m;
	const char *scale = getenv("MARKETSIM_UNDER_VALGRIND") ? SCALE_UNDER_VALGRIND : SCALE;
	const char *const base[] = { scale, NULL };
	market_open(&m, BASELINE, base, 0);
	const mkt_model_params *mp = m.p->models.items;
	size_t i = model_index(&m, model);
	char in[128], out[128];
	snprintf(in, sizeof in, "market.models.%s.price_in=%.17g", model, mp[i].price_in * factor);
	snprintf(out, sizeof out, "market.models.%s.price_out=%.17g", model,
		 mp[i].price_out * factor);
	market_close(&m);
	char cap[128];
	snprintf(cap, sizeof cap, "market.models.%s.capacity=%s", model, capacity ? capacity : "");
	const char *const set[] = { scale, in, out, capacity ? cap : NULL, NULL };
	market_open(&m, BASELINE, set, rep);
	market_run(&m, (double)m.p->days + 0.5);
	const mkt_state *s = m.s;
	double tokens = 0, used = 0;
	for (size_t w = s->weeks - WEEKS; w < s->weeks; w++) {
		const mkt_week_row *r = &s->rows[w * s->model_count + i];
		tokens += r->tokens_in + r->tokens_out;
		used += r->capacity > 0 ? r->demanded / r->capacity : 0;
	}
	*utilisation = used / WEEKS;
	market_close(&m);
	return tokens;
}

/* Ensure each model's arc elasticity for +-5% and +-10% lies in
   [-1.5, -0.8]. */
static void test_own_price_elasticity(void **unused)
{
	(void)unused;
	static const double steps[] = { 0.05, 0.10 };
	bool valgrind = getenv("MARKETSIM_UNDER_VALGRIND") != NULL;
	size_t model_count = valgrind ? 1 : sizeof models / sizeof models[0];
	for (size_t k = 0; k < model_count; k++)
		for (size_t j = valgrind ? 1 : 0; j < 2; j++) {
			double lo = 0, hi = 0, u_lo = 0, u_hi = 0, u;
			for (uint64_t rep = 0; rep < REPLICATIONS; rep++) {
				lo += tokens_at(models[k].id, models[k].capacity, 1 - steps[j],
						rep, &u);
				u_lo += u / REPLICATIONS;
				hi += tokens_at(models[k].id, models[k].capacity, 1 + steps[j],
						rep, &u);
				u_hi += u / REPLICATIONS;
			}
			double e = log(hi / lo) / log((1 + steps[j]) / (1 - steps[j]));
			print_message("%-18s +-%2.0f%%: elasticity %.3f (tokens %.4g -> %.4g; "
				      "utilisation %.2f -> %.2f)\n", models[k].id, 100 * steps[j], e,
				      lo, hi, u_lo, u_hi);
			if (!valgrind && !(e >= -1.5 && e <= -0.8))
				fail_msg("%s: elasticity %.3f for +-%.0f%%, expected -1.5 to -0.8",
					 models[k].id, e, 100 * steps[j]);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_price_elasticity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
