/* replications.c - the `replications` setting and the rule that decides
   how many to run (include/sim_replications.h). */
#include "replications.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The table and columns a target names a row of. */
#define SUMMARY_TABLE "summary.csv"

/* A target's "metric:subject" must have both parts. */
static int target_check(const void *params, const sim_config *cfg, const char *path,
			sim_error *err)
{
	const sim_replication_target *t = params;
	const char *colon = strchr(t->metric, ':');
	char at[300];
	if (colon && colon > t->metric && colon[1])
		return 0;
	snprintf(at, sizeof at, "%s.metric", path);
	return sim_config_error_at(cfg, at, err,
				   "expected \"metric:subject\", a row of %s such as "
				   "\"cum_revenue:Alibaba\", found \"%s\"",
				   SUMMARY_TABLE, t->metric);
}

static const sim_setting target_rows[] = {
	SIM_STRING("metric", sim_replication_target, metric, NULL,
		   "Summary metric as metric:subject, a row of summary.csv "
		   "(e.g. \"cum_revenue:Alibaba\")"),
	SIM_FLOAT_ABOVE("rel_half_width", sim_replication_target, rel_half_width, NULL, 0, 1,
			"Largest 95% CI half-width relative to |mean| (0.02: +-2%)"),
};

static const sim_schema target_schema =
	SIM_SCHEMA("target", target_rows, sim_replication_target, target_check);

/* min, max and the targets must describe either a fixed count or a
   range to search, each error at the setting to change. */
static int replications_check(const void *params, const sim_config *cfg, const char *path,
			      sim_error *err)
{
	const sim_replications_params *p = params;
	char at[300];
	long long min = (long long)p->min, max = (long long)p->max;
	snprintf(at, sizeof at, "%s.max", path);
	if (max != 0 && max < min)
		return sim_config_error_at(cfg, at, err,
					   "expected max >= min (%lld), or 0 for a fixed "
					   "count, found %lld", min, max);
	if (p->target.count && max <= min)
		return sim_config_error_at(cfg, at, err,
					   "expected max > min (%lld) with targets: "
					   "replications are added from min up to max "
					   "until every target is met; found %lld", min, max);
	if (!p->target.count && max > min)
		return sim_config_error_at(cfg, at, err,
					   "expected 0 or %lld (a fixed count) without "
					   "targets, found %lld; to add replications until "
					   "results are precise enough, give target = ( { "
					   "metric = \"metric:subject\"; rel_half_width = "
					   "0.05; } )", min, max);
	return 0;
}

static const sim_setting replications_rows[] = {
	SIM_INT("min", sim_replications_params, min, "1", 1, 1000000,
		"Replications run first; with no targets, all of them"),
	SIM_INT("max", sim_replications_params, max, "0", 0, 1000000,
		"With targets: most replications to run; 0: same as min"),
	SIM_LIST("target", sim_replications_params, target, &target_schema, 0, 0,
		 "Metrics whose 95% CI must be narrow enough: replications are added "
		 "until all are, or max is reached"),
};

const sim_schema sim_replications_schema =
	SIM_SCHEMA("replications", replications_rows, sim_replications_params,
		   replications_check);

size_t sim_replications_limit(const sim_replications_params *p)
{
	return (size_t)(p->max > p->min ? p->max : p->min);
}

/* ---- finding a target's row ------------------------------------------- */

/* The row of t whose keys are "metric:subject" = name, or -1. */
static long find_row(const sim_table *t, long km, long ks, const char *name)
{
	const char *colon = strchr(name, ':');
	size_t len = colon ? (size_t)(colon - name) : strlen(name);
	for (size_t r = 0; colon && r < sim_table_rows(t); r++) {
		const char *m = sim_table_key(t, r, (size_t)km);
		if (strlen(m) == len && strncmp(m, name, len) == 0 &&
		    strcmp(sim_table_key(t, r, (size_t)ks), colon + 1) == 0)
			return (long)r;
	}
	return -1;
}

/* Fills err for a target naming no row: the closest name when it is a
   likely typo, else the first few names the table has. */
static int unknown_metric(const sim_table *t, long km, long ks, const char *name,
			  const sim_config *cfg, const char *at, sim_error *err)
{
	enum { SHOWN = 6 };
	char list[600] = "", best[128] = "", row[128];
	/* A likely typo is within max(2, len/3) edits, as for setting names. */
	int limit = (int)(strlen(name) / 3) < 2 ? 2 : (int)(strlen(name) / 3);
	int best_d = limit + 1;
	for (size_t r = 0; r < sim_table_rows(t); r++) {
		snprintf(row, sizeof row, "%s:%s", sim_table_key(t, r, (size_t)km),
			 sim_table_key(t, r, (size_t)ks));
		int d = sim_edit_distance(name, row);
		if (d < best_d) {
			best_d = d;
			snprintf(best, sizeof best, "%s", row);
		}
		size_t used = strlen(list);
		if (r < SHOWN)
			snprintf(list + used, sizeof list - used, "%s%s", r ? ", " : "", row);
		else if (r == SHOWN)
			snprintf(list + used, sizeof list - used, ", ... (%zu rows)",
				 sim_table_rows(t));
	}
	char msg[900];
	if (best[0])
		snprintf(msg, sizeof msg, "no row \"%s\" in %s; did you mean \"%s\"?", name,
			 SUMMARY_TABLE, best);
	else
		snprintf(msg, sizeof msg, "no row \"%s\" in %s, which has: %s", name,
			 SUMMARY_TABLE, list[0] ? list : "no rows");
	if (cfg)
		return sim_config_error_at(cfg, at, err, "%s", msg);
	return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, at, "%s", msg);
}

/* Finds every target's row of summary.csv into rows[]; the table into
   *table. -1 with err when one is missing. */
static int find_targets(const sim_replications_params *p, const sim_table_set *tables,
			const sim_config *cfg, const char *path, const sim_table **table,
			long *rows, sim_error *err)
{
	const sim_replication_target *tg = p->target.items;
	const sim_table *t = tables ? sim_table_find(tables, SUMMARY_TABLE) : NULL;
	long km = t ? sim_table_key_index(t, "metric") : -1;
	long ks = t ? sim_table_key_index(t, "subject") : -1;
	char at[300];
	if (km < 0 || ks < 0) {
		snprintf(at, sizeof at, "%s.target", path);
		if (cfg)
			return sim_config_error_at(cfg, at, err,
						   "the model records no %s table (keys "
						   "metric, subject), so no target can be "
						   "measured", SUMMARY_TABLE);
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, at,
				     "the model records no %s table (keys metric, "
				     "subject), so no target can be measured", SUMMARY_TABLE);
	}
	for (size_t i = 0; i < p->target.count; i++) {
		rows[i] = find_row(t, km, ks, tg[i].metric);
		if (rows[i] < 0) {
			snprintf(at, sizeof at, "%s.target.[%zu].metric", path, i);
			return unknown_metric(t, km, ks, tg[i].metric, cfg, at, err);
		}
	}
	*table = t;
	return 0;
}

/* ---- the rule ----------------------------------------------------------- */

/* h of row `row` (value column 0) over replications 0..done-1: the 95%
   half-width over |mean| of its finite values; inf when undefined. x has
   room for done values. */
static double rel_half_width(const sim_table *t, size_t row, size_t done, double *x)
{
	size_t k = 0;
	double mean, sd, lo, hi;
	for (size_t r = 0; r < done; r++) {
		x[r] = sim_table_value(t, r, row, 0);
		k += isfinite(x[r]) != 0;
	}
	if (k < 2)
		return INFINITY;
	sim_table_stats(x, done, &mean, &sd, &lo, &hi);
	if (mean == 0 && sd == 0)
		return 0.0; /* a constant 0 is known exactly */
	/* A mean 0 to rounding (e.g. -1, 1, -1, 1 gives 1e-17) has no
	   relative precision: undefined rather than 1e17. */
	if (fabs(mean) <= 1e-12 * sd)
		return INFINITY;
	return (hi - lo) / 2 / fabs(mean);
}

/* After min: fills the worst target and whether all are met, and returns
   the total to have. */
static size_t next_total(const sim_replications_params *p, const sim_table *t,
			 const long *rows, size_t done, double *x,
			 sim_replications_status *st)
{
	const sim_replication_target *tg = p->target.items;
	double worst = -1;
	size_t limit = sim_replications_limit(p);
	st->met = true;
	for (size_t i = 0; i < p->target.count; i++) {
		double h = rel_half_width(t, (size_t)rows[i], done, x);
		double ratio = h / tg[i].rel_half_width;
		if (!(h <= tg[i].rel_half_width))
			st->met = false;
		if (ratio > worst) {
			worst = ratio;
			snprintf(st->worst_metric, sizeof st->worst_metric, "%s", tg[i].metric);
			st->worst_rel_half_width = h;
			st->worst_target = tg[i].rel_half_width;
		}
	}
	if (st->met || done >= limit) {
		st->max_reached = !st->met;
		return done;
	}
	/* h falls as 1/sqrt(n): n (h/target)^2 replications would meet the
	   worst target; 10% more for the estimate's own noise. */
	double want = ceil(1.1 * (double)done * worst * worst);
	double next = fmax((double)done + 1, want);
	next = fmin(next, 2.0 * (double)done);
	next = fmin(next, (double)limit);
	return (size_t)next;
}

size_t sim_replications_plan(const sim_replications_params *p, const sim_table_set *tables,
			     size_t done, const sim_config *cfg, const char *path,
			     sim_replications_status *status, sim_error *err)
{
	sim_replications_status st = { .met = p->target.count == 0,
				       .worst_rel_half_width = NAN, .worst_target = NAN };
	size_t n = p->target.count, planned = done;
	const sim_table *t = NULL;
	long *rows = NULL;
	double *x = NULL;
	if (n && done >= 1) {
		rows = calloc(n, sizeof *rows);
		x = calloc(done, sizeof *x);
		if (!rows || !x) {
			planned = (size_t)-1;
			sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
			goto done;
		}
		if (find_targets(p, tables, cfg, path, &t, rows, err) != 0) {
			planned = (size_t)-1;
			goto done;
		}
		if (sim_table_replications(t) < done) { /* the caller's bug */
			planned = (size_t)-1;
			sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, path,
				      "%s holds %zu replications, not %zu", SUMMARY_TABLE,
				      sim_table_replications(t), done);
			goto done;
		}
	}
	if (done < (size_t)p->min)
		planned = (size_t)p->min;
	else if (n)
		planned = next_total(p, t, rows, done, x, &st);
done:
	st.planned = planned;
	if (status)
		*status = st;
	free(rows);
	free(x);
	return planned;
}

/* "1.8%", or "undefined" for an h that cannot be estimated. */
static void percent(double h, char *buf, size_t size)
{
	if (isfinite(h))
		snprintf(buf, size, "%.3g%%", 100 * h);
	else
		snprintf(buf, size, "undefined");
}

void sim_replications_describe(const sim_replications_status *st, char *buf, size_t size)
{
	char h[32], target[32];
	if (!st->worst_metric[0]) {
		snprintf(buf, size, "%s", "");
		return;
	}
	percent(st->worst_rel_half_width, h, sizeof h);
	percent(st->worst_target, target, sizeof target);
	if (st->met)
		snprintf(buf, size, "targets met: %s half-width %s <= %s", st->worst_metric, h,
			 target);
	else if (st->max_reached)
		snprintf(buf, size, "max reached (%zu): %s half-width %s > %s", st->planned,
			 st->worst_metric, h, target);
	else
		snprintf(buf, size, "planned %zu: %s half-width %s > %s", st->planned,
			 st->worst_metric, h, target);
}
