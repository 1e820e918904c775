/* sweep_points.c - the `sweep` group: schema, checks and point expansion
   (sweep_points.h). The command is in sweep.c. */
#include "sweep_points.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_date.h"

static const char *const sweep_modes[] = { "grid", "zip", NULL };
static const char *const sweep_scales[] = { "linear", "log", NULL };

static const sim_setting param_rows[] = {
	SIM_STRING("path", sim_sweep_param, path, NULL,
		   "The setting swept, as for --set (e.g. market.models.qwen3_6_plus.price_out)"),
	SIM_NUMBERS("values", sim_sweep_param, values, "[]", -INFINITY, INFINITY, 0, 0,
		    "The values it takes; or give from, to and steps"),
	SIM_FLOAT("from", sim_sweep_param, from, "0", -INFINITY, INFINITY,
		  "First value of a range"),
	SIM_FLOAT("to", sim_sweep_param, to, "0", -INFINITY, INFINITY, "Last value of a range"),
	SIM_INT("steps", sim_sweep_param, steps, "0", 0, 1000000,
		"Values in the range, ends included (at least 2); 0: use `values`"),
	SIM_CHOICE("scale", sim_sweep_param, scale, "linear", sweep_scales,
		   "Spacing of a range: linear, or log (equal ratios; from and to of one sign)"),
	SIM_STRING("from_date", sim_sweep_param, from_date, "",
		   "For a date setting: the first date (YYYY-MM-DD) of `steps` dates"),
	SIM_INT("step_days", sim_sweep_param, step_days, "7", 1, 36500,
		"Days between the dates of a from_date range"),
};

/* A date range starts at a date, has no values besides and ends within
   the supported dates (sim_date.h). */
static int check_dates(const sim_sweep_param *p, const sim_config *cfg, const char *path,
		       sim_error *err)
{
	char at[512];
	long day;
	snprintf(at, sizeof at, "%s.from_date", path);
	if (sim_date_parse(p->from_date, &day) != 0)
		return sim_config_error_at(cfg, at, err, "expected " SIM_DATE_EXPECTED ", found \"%s\"",
					   p->from_date);
	if (p->values.count > 0)
		return sim_config_error_at(cfg, at, err,
					   "expected either values or a date range, found both");
	/* steps <= 10^6 and step_days <= 36500 (the schema's ranges): no
	   overflow. */
	long last = day + (long)(p->steps > 1 ? p->steps - 1 : 0) * (long)p->step_days;
	if (last > SIM_DATE_MAX_DAY) {
		char text[SIM_DATE_BUF];
		sim_date_format(last, text, sizeof text);
		snprintf(at, sizeof at, "%s.steps", path);
		return sim_config_error_at(cfg, at, err,
					   "expected the last date, from_date + (steps - 1) x "
					   "step_days, by " SIM_DATE_MAX "; found %s", text);
	}
	return 0;
}

/* A parameter has a list or a range, not both; a range has two steps or
   more, and a log range stays on one side of zero. */
static int check_param(const void *params, const sim_config *cfg, const char *path,
		       sim_error *err)
{
	const sim_sweep_param *p = params;
	char at[512];
	if (p->from_date[0] && check_dates(p, cfg, path, err) != 0)
		return -1;
	if (p->values.count > 0 && p->steps > 0) {
		snprintf(at, sizeof at, "%s.steps", path);
		return sim_config_error_at(cfg, at, err,
					   "expected either values or a range (from, to, steps), "
					   "found both");
	}
	if (p->values.count == 0 && p->steps == 0) {
		snprintf(at, sizeof at, "%s.values", path);
		return sim_config_error_at(cfg, at, err,
					   "expected values, or a range with from, to and steps");
	}
	if (p->values.count == 0 && p->steps < 2) {
		snprintf(at, sizeof at, "%s.steps", path);
		return sim_config_error_at(cfg, at, err,
					   "expected at least 2 steps (both ends), found %lld",
					   (long long)p->steps);
	}
	if (p->values.count == 0 && !p->from_date[0] && p->scale == 1 &&
	    !(p->from * p->to > 0)) {
		snprintf(at, sizeof at, "%s.scale", path);
		return sim_config_error_at(cfg, at, err,
					   "expected a log range with from and to of one sign, "
					   "found %g to %g (through 0)", p->from, p->to);
	}
	return 0;
}

static const sim_schema param_schema =
	SIM_SCHEMA("sweep parameter", param_rows, sim_sweep_param, check_param);

/* A sweep has at most SIM_SWEEP_MAX_POINTS points: reported with the
   grid's product, "17 x 65536 x ... = N" or "... (more than 2^64)". */
static int check_point_count(const sim_sweep_params *s, const sim_config *cfg,
			     const char *path, sim_error *err)
{
	const sim_sweep_param *p = s->parameters.items;
	size_t n;
	int overflow = sim_sweep_point_count_checked(s, &n);
	if (overflow == 0 && n <= SIM_SWEEP_MAX_POINTS)
		return 0;
	char product[400] = "", at[512];
	size_t len = 0;
	for (size_t j = 0; s->mode == 0 && j < s->parameters.count && len < sizeof product; j++)
		len += (size_t)snprintf(product + len, sizeof product - len, "%s%zu",
					j ? " x " : "", sim_sweep_value_count(&p[j]));
	snprintf(at, sizeof at, "%s.parameters", path);
	char count[64];
	snprintf(count, sizeof count, overflow ? " (more than 2^64)" : "%s%zu",
		 product[0] ? " = " : "", n);
	return sim_config_error_at(cfg, at, err, "expected at most %d points, found %s%s; "
				   "split the sweep, or zip parameters (mode = \"zip\")",
				   SIM_SWEEP_MAX_POINTS, product, count);
}

/* At most SIM_SWEEP_MAX_POINTS points; zipped parameters must have as many
   values each. */
static int check_sweep(const void *params, const sim_config *cfg, const char *path,
		       sim_error *err)
{
	const sim_sweep_params *s = params;
	const sim_sweep_param *p = s->parameters.items;
	char at[512];
	for (const char *c = s->plot; *c; c++)
		if (*c == ' ' || *c == '\'' || *c == '"' || (unsigned char)*c < 0x20) {
			snprintf(at, sizeof at, "%s.plot", path);
			return sim_config_error_at(cfg, at, err,
						   "expected metric:subject names separated by "
						   "commas, without spaces or quotes; found \"%s\"",
						   s->plot);
		}
	if (check_point_count(s, cfg, path, err) != 0)
		return -1;
	if (s->parameters.count > 0 && (size_t)s->reference >= sim_sweep_point_count(s)) {
		snprintf(at, sizeof at, "%s.reference", path);
		return sim_config_error_at(cfg, at, err,
					   "expected a point index below %zu, the number of "
					   "points; found %lld", sim_sweep_point_count(s),
					   (long long)s->reference);
	}
	for (size_t j = 1; s->mode == 1 && j < s->parameters.count; j++)
		if (sim_sweep_value_count(&p[j]) != sim_sweep_value_count(&p[0])) {
			snprintf(at, sizeof at, "%s.parameters.[%zu]", path, j);
			return sim_config_error_at(cfg, at, err,
						   "expected %zu values to zip with parameters.[0], "
						   "found %zu", sim_sweep_value_count(&p[0]),
						   sim_sweep_value_count(&p[j]));
		}
	return 0;
}

static const sim_setting sweep_rows[] = {
	SIM_CHOICE("mode", sim_sweep_params, mode, "grid", sweep_modes,
		   "grid: every combination of the parameters' values; zip: their i-th "
		   "values together"),
	SIM_LIST("parameters", sim_sweep_params, parameters, &param_schema, 0, 0,
		 "The swept settings"),
	SIM_INT("reference", sim_sweep_params, reference, "0", 0, 1000000000,
		"Point (its index: 3 is p0003) every point is compared with, replication "
		"by replication, in sweep_vs_reference.csv"),
	SIM_STRING("plot", sim_sweep_params, plot, "",
		   "Summary metrics to chart against the first parameter, comma-separated "
		   "as metric:subject (e.g. \"cum_revenue:Alibaba,cum_profit:Alibaba\")"),
};

const sim_schema sim_sweep_schema =
	SIM_SCHEMA("sweep", sweep_rows, sim_sweep_params, check_sweep);

size_t sim_sweep_value_count(const sim_sweep_param *p)
{
	return p->values.count ? p->values.count : (size_t)p->steps;
}

void sim_sweep_value_text(const sim_sweep_param *p, size_t k, int digits, bool quoted,
			  char *buf, size_t size)
{
	long day;
	if (p->from_date[0] && sim_date_parse(p->from_date, &day) == 0) {
		char date[SIM_DATE_BUF];
		sim_date_format(day + (long)k * p->step_days, date, sizeof date);
		snprintf(buf, size, quoted ? "\"%s\"" : "%s", date);
		return;
	}
	snprintf(buf, size, "%.*g", digits, sim_sweep_value(p, k));
}

double sim_sweep_value(const sim_sweep_param *p, size_t k)
{
	if (p->from_date[0])
		return NAN;
	if (p->values.count)
		return p->values.values[k];
	double f = (double)k / (double)(p->steps - 1);
	if (k + 1 == (size_t)p->steps)
		return p->to; /* exactly, not through rounding */
	if (p->scale == 1)
		return p->from * pow(p->to / p->from, f);
	return p->from + (p->to - p->from) * f;
}

int sim_sweep_point_count_checked(const sim_sweep_params *s, size_t *n)
{
	const sim_sweep_param *p = s->parameters.items;
	*n = 0;
	if (s->parameters.count == 0)
		return 0;
	if (s->mode == 1) {
		*n = sim_sweep_value_count(&p[0]);
		return 0;
	}
	*n = 1;
	for (size_t j = 0; j < s->parameters.count; j++)
		if (__builtin_mul_overflow(*n, sim_sweep_value_count(&p[j]), n)) {
			*n = SIZE_MAX;
			return -1;
		}
	return 0;
}

size_t sim_sweep_point_count(const sim_sweep_params *s)
{
	size_t n;
	sim_sweep_point_count_checked(s, &n);
	return n;
}

size_t sim_sweep_value_index(const sim_sweep_params *s, size_t point, size_t j)
{
	const sim_sweep_param *p = s->parameters.items;
	if (s->mode == 1)
		return point;
	for (size_t k = s->parameters.count; k-- > j + 1;)
		point /= sim_sweep_value_count(&p[k]);
	return point % sim_sweep_value_count(&p[j]);
}

char **sim_sweep_point_assignments(const sim_sweep_params *s, size_t point)
{
	const sim_sweep_param *p = s->parameters.items;
	char **a = calloc(s->parameters.count + 1, sizeof *a);
	for (size_t j = 0; a && j < s->parameters.count; j++) {
		char v[64];
		/* 17 digits: the value the point ran with, exactly. */
		sim_sweep_value_text(&p[j], sim_sweep_value_index(s, point, j), 17, true, v,
				     sizeof v);
		size_t len = strlen(p[j].path) + strlen(v) + 2;
		if (!(a[j] = malloc(len))) {
			sim_sweep_assignments_free(a, j);
			return NULL;
		}
		snprintf(a[j], len, "%s=%s", p[j].path, v);
	}
	return a;
}

void sim_sweep_assignments_free(char **a, size_t n)
{
	for (size_t j = 0; a && j < n; j++)
		free(a[j]);
	free(a);
}
