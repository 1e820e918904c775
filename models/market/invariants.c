/* invariants.c - the accounting identities of the market's weekly tables
   (docs/MODEL.md, "Accounting invariants"), checked on the values
   mkt_record is about to write when the run asks for it (--check, or a
   build with -DSIM_CHECK_INVARIANTS). */
#include "market_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Relative tolerance of an identity between sums of doubles. A model's
   weekly column is a sum of at most 7 daily values, a provider's or
   origin's of at most 7 per model, all of one sign, and each daily
   identity holds to a few units in the last place (served = demand x
   (served / demand) rounds twice, fee = rate x spend once). A sum of n
   same-signed terms is off by at most about n x 2^-53 = 1.1e-16 n of its
   size: 2e-13 even for the 256 models x 7 days a week can hold. 1e-9 is
   thousands of times that, so rounding never trips it, and far below any
   real slip: a day lost from a week is 1/7 of it, the test fault drops
   1e-2 of one model's tokens. The gap is taken against the larger side
   (for served + failed = demanded, against demanded), never against a
   difference that may cancel: profit is checked as profit + cost =
   revenue, so a profit near zero is held to 1e-9 of revenue. */
#define REL_TOL 1e-9

/* Whether a and b agree to REL_TOL of the larger; *gap gets |a - b| over
   it (0 when both are 0). */
static bool agree(double a, double b, double *gap)
{
	double scale = fmax(fabs(a), fabs(b));
	double diff = fabs(a - b);
	*gap = scale > 0 ? diff / scale : 0;
	return diff <= REL_TOL * scale;
}

/* Fills err with "invariant violated: week W, SUBJECT: " and the rest as
   printf; returns -1. */
static int violated(sim_error *err, size_t week, const char *subject, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int violated(sim_error *err, size_t week, const char *subject, const char *fmt, ...)
{
	char what[640];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
			     "invariant violated: week %zu, %s: %s", week, subject, what);
}

/* Every value finite and within its range: [0, inf) for all but those
   `signed_cols` marks, at most 1 (to REL_TOL) for those `fractions`
   marks. */
static int check_ranges(size_t week, const char *subject, const double *v, size_t n,
			const char *const *names, const bool *signed_cols,
			const bool *fractions, sim_error *err)
{
	for (size_t c = 0; c < n; c++) {
		if (!isfinite(v[c]))
			return violated(err, week, subject, "%s is %g, expected a finite "
					"number", names[c], v[c]);
		if ((!signed_cols[c] && v[c] < 0) || (fractions[c] && v[c] > 1 + REL_TOL))
			return violated(err, week, subject, "%s is %.6g, expected %s", names[c],
					v[c], fractions[c] ? "a fraction in [0, 1]" :
					"a non-negative number");
	}
	return 0;
}

/* The identities a model row and a group row share, given the columns'
   places in v: tokens = in + out, served + failed = demanded, revenue =
   spend, fee = rate x spend, profit = revenue - cost; and the bounds of
   what is part of another: tokens refused by the free quota and tokens
   lost are failed tokens (0 <= lost), conversions away are conversions,
   converted revenue is revenue, the cost of free tokens is cost. */
typedef struct money_cols {
	int in, out, tokens, demanded, failed, spend, fee, revenue, cost, profit;
	int fallback; /* -1: the table has no such column */
	int refused, lost, conversions, away, converted, free_cost;
} money_cols;

/* part <= whole, to REL_TOL of the whole (each side a sum of the same
   days' values, the part rounded from them once more). */
static int check_part(size_t week, const char *subject, const char *const *names,
		      const double *v, int part, int whole, sim_error *err)
{
	double excess = v[part] - v[whole];
	if (excess > REL_TOL * fabs(v[whole]))
		return violated(err, week, subject, "%s %.6g > %s %.6g, which includes it "
				"(excess %.6g, relative %.2g)", names[part], v[part], names[whole],
				v[whole], excess, excess / v[part]);
	return 0;
}

/* The bounds above (names: the table's column names). Lost tokens are
   failed ones less those re-sent, a difference that rounds: 0 <= lost to
   REL_TOL of the tokens demanded, the volume both are taken from. */
static int check_parts(size_t week, const char *subject, const double *v,
		       const money_cols *k, const char *const *names, sim_error *err)
{
	if (!isfinite(v[k->lost]) || v[k->lost] < -REL_TOL * fabs(v[k->demanded]))
		return violated(err, week, subject, "%s is %.6g, expected a non-negative "
				"number (tokens demanded %.6g)", names[k->lost], v[k->lost],
				v[k->demanded]);
	if (check_part(week, subject, names, v, k->refused, k->failed, err) != 0 ||
	    check_part(week, subject, names, v, k->lost, k->failed, err) != 0 ||
	    check_part(week, subject, names, v, k->away, k->conversions, err) != 0 ||
	    check_part(week, subject, names, v, k->converted, k->revenue, err) != 0 ||
	    check_part(week, subject, names, v, k->free_cost, k->cost, err) != 0)
		return -1;
	return 0;
}

static int check_identities(size_t week, const char *subject, const double *v,
			    const money_cols *k, double fee_rate, sim_error *err)
{
	double in = v[k->in], out = v[k->out], gap;
	if (!agree(v[k->tokens], in + out, &gap))
		return violated(err, week, subject, "tokens %.6g != tokens_in %.6g + tokens_out "
				"%.6g (relative gap %.2g)", v[k->tokens], in, out, gap);
	if (!agree(in + out + v[k->failed], v[k->demanded], &gap)) {
		char routed[64] = "";
		if (k->fallback >= 0)
			snprintf(routed, sizeof routed, "of which re-routed here %.6g; ",
				 v[k->fallback]);
		return violated(err, week, subject, "tokens served %.6g + failed %.6g != "
				"demanded %.6g (%srelative gap %.2g)", in + out, v[k->failed],
				v[k->demanded], routed, gap);
	}
	if (!agree(v[k->revenue], v[k->spend], &gap))
		return violated(err, week, subject, "revenue %.6g != spend %.6g (fee %.6g on "
				"top; relative gap %.2g)", v[k->revenue], v[k->spend],
				v[k->fee], gap);
	if (!agree(v[k->fee], fee_rate * v[k->spend], &gap))
		return violated(err, week, subject, "fee %.6g != fee rate %.6g x spend %.6g "
				"(relative gap %.2g)", v[k->fee], fee_rate, v[k->spend], gap);
	/* As profit + cost = revenue: the gap against revenue, not against a
	   profit that may be near zero. */
	if (!agree(v[k->profit] + v[k->cost], v[k->revenue], &gap))
		return violated(err, week, subject, "profit %.6g != revenue %.6g - cost %.6g "
				"(relative gap %.2g)", v[k->profit], v[k->revenue], v[k->cost],
				gap);
	return 0;
}

int mkt_check_model_row(size_t week, const char *model, const double *v, double fee_rate,
			sim_error *err)
{
	/* tokens_lost: its own check, with its rounding (check_parts). */
	static const bool signed_cols[MKT_MODEL_VALUES] = { [MKT_M_PROFIT] = true,
							     [MKT_M_LOST] = true };
	static const bool fractions[MKT_MODEL_VALUES] = { [MKT_M_SHARE] = true,
							   [MKT_M_ERRORS] = true };
	static const money_cols k = { MKT_M_IN, MKT_M_OUT, MKT_M_TOKENS, MKT_M_DEMANDED,
				      MKT_M_FAILED, MKT_M_SPEND, MKT_M_FEE, MKT_M_REVENUE,
				      MKT_M_COST, MKT_M_PROFIT, MKT_M_FALLBACK,
				      MKT_M_REFUSED_QUOTA, MKT_M_LOST, MKT_M_CONVERSIONS,
				      MKT_M_CONVERSIONS_AWAY, MKT_M_CONVERTED_REVENUE,
				      MKT_M_FREE_COST };
	if (check_ranges(week, model, v, MKT_MODEL_VALUES, mkt_model_columns, signed_cols,
			 fractions, err) != 0 ||
	    check_identities(week, model, v, &k, fee_rate, err) != 0 ||
	    check_parts(week, model, v, &k, mkt_model_columns, err) != 0)
		return -1;
	/* Re-routed tokens are part of this model's demand (docs/MODEL.md):
	   never more than all of it. */
	if (v[MKT_M_FALLBACK] > v[MKT_M_DEMANDED] * (1 + REL_TOL))
		return violated(err, week, model, "tokens re-routed here %.6g > demanded "
				"%.6g, which includes them (excess %.6g, relative %.2g)",
				v[MKT_M_FALLBACK], v[MKT_M_DEMANDED],
				v[MKT_M_FALLBACK] - v[MKT_M_DEMANDED],
				(v[MKT_M_FALLBACK] - v[MKT_M_DEMANDED]) / v[MKT_M_FALLBACK]);
	return 0;
}

int mkt_check_group_row(size_t week, const char *group, const double *v, double fee_rate,
			sim_error *err)
{
	static const bool signed_cols[MKT_GROUP_VALUES] = { [MKT_G_PROFIT] = true,
							     [MKT_G_CUM_PROFIT] = true,
							     [MKT_G_LOST] = true };
	static const bool fractions[MKT_GROUP_VALUES] = { [MKT_G_SHARE] = true,
							   [MKT_G_ERRORS] = true };
	static const money_cols k = { MKT_G_IN, MKT_G_OUT, MKT_G_TOKENS, MKT_G_DEMANDED,
				      MKT_G_FAILED, MKT_G_SPEND, MKT_G_FEE, MKT_G_REVENUE,
				      MKT_G_COST, MKT_G_PROFIT, -1,
				      MKT_G_REFUSED_QUOTA, MKT_G_LOST, MKT_G_CONVERSIONS,
				      MKT_G_CONVERSIONS_AWAY, MKT_G_CONVERTED_REVENUE,
				      MKT_G_FREE_COST };
	if (check_ranges(week, group, v, MKT_GROUP_VALUES, mkt_group_columns, signed_cols,
			 fractions, err) != 0 ||
	    check_identities(week, group, v, &k, fee_rate, err) != 0)
		return -1;
	return check_parts(week, group, v, &k, mkt_group_columns, err);
}

int mkt_check_week(size_t week, const char *what, const mkt_week_totals *t, sim_error *err)
{
	char subject[64];
	double gap;
	snprintf(subject, sizeof subject, "all %s", what);
	double expect = t->tokens > 0 ? 1 : 0;
	if (!isfinite(t->share) || !agree(t->share, expect, &gap))
		return violated(err, week, subject, "token shares sum to %.17g, expected %.0f "
				"(tokens served %.6g; gap %.2g)", t->share, expect, t->tokens,
				fabs(t->share - expect));
	/* Every re-routed token failed first at the model it left, and some
	   failures find no model with room: re-routed <= failed, summed over
	   the models. Each side rounds (the re-routed share is 1 - C/D, which
	   cancels when demand D barely exceeds capacity C), so the slack is
	   REL_TOL of the tokens demanded, the volume both are taken from. */
	if (t->fallback - t->failed > REL_TOL * t->demanded)
		return violated(err, week, subject, "tokens re-routed %.6g > tokens failed "
				"%.6g (demanded %.6g; excess %.2g of demanded)", t->fallback,
				t->failed, t->demanded, (t->fallback - t->failed) / t->demanded);
	/* Every token a developer asked for is served or refused (lost) once:
	   a re-routed token is demanded twice, where it failed and where it
	   was re-sent, so over the models served + lost = demanded -
	   re-routed. Against demanded, the volume all four are taken from. */
	double unbalanced = fabs(t->tokens + t->lost - (t->demanded - t->fallback));
	if (strcmp(what, "models") == 0 && unbalanced > REL_TOL * t->demanded)
		return violated(err, week, subject, "tokens served %.6g + lost %.6g != demanded "
				"%.6g - re-routed %.6g (relative gap %.2g of demanded)", t->tokens,
				t->lost, t->demanded, t->fallback, unbalanced / t->demanded);
	return 0;
}

int mkt_check_host_row(size_t week, const char *host, const double *v, double fee_rate,
		       sim_error *err)
{
	static const bool signed_cols[MKT_HOST_VALUES] = { [MKT_H_PROFIT] = true };
	static const bool fractions[MKT_HOST_VALUES] = { 0 };
	static const money_cols k = { MKT_H_IN, MKT_H_OUT, MKT_H_TOKENS, MKT_H_DEMANDED,
				      MKT_H_FAILED, MKT_H_SPEND, MKT_H_FEE, MKT_H_REVENUE,
				      MKT_H_COST, MKT_H_PROFIT, -1,
				      /* no funnel columns: check_parts is not for hosts */
				      -1, -1, -1, -1, -1, -1 };
	if (check_ranges(week, host, v, MKT_HOST_VALUES, mkt_host_columns, signed_cols,
			 fractions, err) != 0 ||
	    check_identities(week, host, v, &k, fee_rate, err) != 0)
		return -1;
	/* The router never sends a host more than it can serve. */
	if (v[MKT_H_TOKENS] > v[MKT_H_CAPACITY] * (1 + REL_TOL))
		return violated(err, week, host, "tokens served %.6g > capacity %.6g",
				v[MKT_H_TOKENS], v[MKT_H_CAPACITY]);
	return 0;
}

int mkt_check_hosts_sum(size_t week, const char *model, const double *sum,
			const mkt_week_row *r, sim_error *err)
{
	/* The free quota's refusals are the platform's, before any host: the
	   hosts see the rest. */
	double demanded = r->demanded - r->refused_quota, failed = r->failed - r->refused_quota;
	const struct { int col; const char *name; double model; } pairs[] = {
		{ MKT_H_TOKENS, "tokens", r->tokens_in + r->tokens_out },
		{ MKT_H_DEMANDED, "tokens_demanded", demanded },
		{ MKT_H_FAILED, "tokens_failed", failed },
		{ MKT_H_REVENUE, "revenue", r->revenue },
		{ MKT_H_COST, "cost", r->cost },
		{ MKT_H_CAPACITY, "capacity", r->capacity },
	};
	double gap;
	for (size_t j = 0; j < sizeof pairs / sizeof pairs[0]; j++)
		/* failed is a difference (demanded - served): held to demanded */
		if (!agree(sum[pairs[j].col], pairs[j].model, &gap) &&
		    !(pairs[j].col == MKT_H_FAILED &&
		      fabs(sum[MKT_H_FAILED] - failed) <= REL_TOL * r->demanded))
			return violated(err, week, model, "its hosts' %s sum to %.17g, the "
					"model's is %.17g (relative gap %.2g)", pairs[j].name,
					sum[pairs[j].col], pairs[j].model, gap);
	return 0;
}
