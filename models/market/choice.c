/* choice.c - multinomial logit choice (see mkt_choice.h). */
#include "mkt_choice.h"
#include "market_internal.h"

#include <math.h>

/* The largest finite utility, or -INFINITY when none is finite. */
static double max_utility(const double *v, size_t n)
{
	double best = -INFINITY;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]) && v[i] > best)
			best = v[i];
	return best;
}

size_t mkt_logit_shares(const double *v, size_t n, double mu, double *share)
{
	double top = max_utility(v, n), sum = 0;
	size_t allowed = 0;
	for (size_t i = 0; i < n; i++) {
		/* Subtracting the maximum keeps exp() from overflowing. */
		share[i] = isfinite(v[i]) ? exp((v[i] - top) / mu) : 0;
		sum += share[i];
		allowed += isfinite(v[i]);
	}
	for (size_t i = 0; i < n; i++)
		share[i] = allowed ? share[i] / sum : 0;
	return allowed;
}

size_t mkt_logit_choose(const double *v, size_t n, double mu, const sim_rng *rng)
{
	double top = max_utility(v, n);
	if (!isfinite(top))
		return n;
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += isfinite(v[i]) ? exp((v[i] - top) / mu) : 0;
	/* Inverse CDF: walk the cumulative weights to u * total. */
	double target = sim_rng_uniform(rng) * sum, acc = 0;
	size_t last = n;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			continue;
		acc += exp((v[i] - top) / mu);
		last = i;
		if (target < acc)
			return i;
	}
	return last; /* rounding left target at the very top */
}

/* ---- The market's utilities (models/market/market_internal.h) ---- */

/* The logistic S-curve, then each agentic_shift in date order blending it
   towards its level over its ramp. */
double mkt_agentic_share(const mkt_segment_state *seg, double t)
{
	const mkt_segment_params *p = seg->p;
	double x = (t - seg->midpoint_day) / p->agentic_width;
	double share = p->agentic_start +
		       (p->agentic_end - p->agentic_start) / (1.0 + exp(-x));
	for (size_t i = 0; i < seg->shift_count; i++) {
		const mkt_shift *sh = &seg->shifts[i];
		if (t < sh->day)
			break;
		double w = sh->ramp > 0 ? fmin(1.0, (t - sh->day) / sh->ramp) : 1.0;
		share = (1 - w) * share + w * sh->share;
	}
	return share;
}

/* Dollars one task costs on model m: prices times the mean tokens of the
   segment's task mix on that model. */
static double task_cost(const mkt_model_state *m, double agentic)
{
	double chat = m->chat.in * m->price_in + m->chat.out * m->price_out;
	double agent = m->agentic.in * m->price_in + m->agentic.out * m->price_out;
	return ((1 - agentic) * chat + agentic * agent) / 1e6;
}

double mkt_intensity(const mkt_segment_params *sp, double cost)
{
	if (!(cost > 0))
		return 1.0 + sp->free_usage_boost;
	return pow(1.0 + cost / sp->task_price_ref, -sp->price_elasticity);
}

double mkt_free_quota(const mkt_state *s, const mkt_model_state *m, bool credited)
{
	double quota = credited ? s->p->free_quota_credited : s->p->free_quota;
	return m->free_limit > 0 && (double)m->free_limit < quota ? (double)m->free_limit : quota;
}

/* Recomputes every segment's pull towards every model at time t: the part
   of the utility all the segment's agents share. The agent's own terms
   (its usage in the spend, inertia) are applied when it draws its model
   (demand.c). */
void mkt_refresh_pulls(mkt_state *s, double t)
{
	double *v = s->choice_weights;
	for (size_t k = 0; k < s->segment_count; k++) {
		mkt_segment_state *seg = &s->segments[k];
		const mkt_segment_params *sp = seg->p;
		double a = mkt_agentic_share(seg, t);
		double vmax = -INFINITY;
		for (size_t i = 0; i < s->model_count; i++) {
			const mkt_model_state *m = &s->models[i];
			seg->paid[i] = m->price_in > 0 || m->price_out > 0;
			double cost = task_cost(m, a);
			seg->intensity[i] = mkt_intensity(sp, cost);
			/* A month of one zero-price task a day, at the tasks the
			   price leaves: what the developer expects to spend. */
			seg->spend_unit[i] = 30.0 * cost * seg->intensity[i];
			if (!mkt_available(m, t) || seg->banned[m->origin]) {
				v[i] = -INFINITY;
				continue;
			}
			double age = fmax(0.0, t - m->launch_day);
			double quality = m->p->quality + m->quality_shift +
					 m->p->quality_drift * age / 365.0;
			double u = sp->beta_quality * quality +
				   sp->beta_agentic * a * m->p->competency -
				   sp->beta_latency * m->latency -
				   sp->beta_errors * m->error_rate +
				   sp->beta_visibility * m->visibility -
				   seg->penalty[m->origin];
			if (m->launched)
				u += s->p->novelty * exp(-age / s->p->novelty_days);
			if (seg->paid[i])
				u -= sp->beta_price * log(seg->spend_unit[i]);
			else
				u += sp->zero_price_bonus;
			v[i] = u;
			vmax = fmax(vmax, u);
		}
		for (size_t i = 0; i < s->model_count; i++)
			seg->pull[i] = isfinite(v[i]) ? exp((v[i] - vmax) / s->p->mu) : 0.0;
	}
}
