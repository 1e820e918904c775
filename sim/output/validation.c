/* validation.c - a validation result: its verdicts from the replications'
   values, and the files derived from it (include/sim_validation.h). */
#include "sim_validation.h"
#include "validation.h"
#include "result_table.h"
#include "sim_table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

static const char *const mode_names[SIM_VALIDATION_MODES] = {
	[SIM_VALIDATION_REL] = "rel", [SIM_VALIDATION_ABS] = "abs", [SIM_VALIDATION_MIN] = "min",
	[SIM_VALIDATION_MAX] = "max", [SIM_VALIDATION_INFO] = "info",
};

void sim_validation_init(sim_validation *v)
{
	memset(v, 0, sizeof *v);
}

void sim_validation_free(sim_validation *v)
{
	if (!v)
		return;
	free(v->targets);
	free(v->rows);
	sim_validation_init(v);
}

static int oom(sim_error *err)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
}

int sim_validation_set_source(sim_validation *v, const char *targets, size_t replications,
			      sim_error *err)
{
	char *copy = strdup(targets ? targets : "");
	if (!copy)
		return oom(err);
	free(v->targets);
	v->targets = copy;
	v->replications = replications;
	return 0;
}

int sim_validation_add(sim_validation *v, const sim_validation_row *row, sim_error *err)
{
	if (v->count == v->capacity) {
		size_t cap = v->capacity ? 2 * v->capacity : 16;
		sim_validation_row *grown = realloc(v->rows, cap * sizeof *grown);
		if (!grown)
			return oom(err);
		v->rows = grown;
		v->capacity = cap;
	}
	v->rows[v->count++] = *row;
	return 0;
}

size_t sim_validation_missed(const sim_validation *v)
{
	size_t missed = 0;
	for (size_t i = 0; i < v->count; i++)
		missed += !v->rows[i].pass && v->rows[i].mode != SIM_VALIDATION_INFO;
	return missed;
}

bool sim_validation_meets(const sim_validation_row *r, double x)
{
	switch (r->mode) {
	case SIM_VALIDATION_REL: return fabs(x - r->value) <= r->tolerance * fabs(r->value);
	case SIM_VALIDATION_ABS: return fabs(x - r->value) <= r->tolerance;
	case SIM_VALIDATION_MIN: return x >= r->value;
	case SIM_VALIDATION_MAX: return x <= r->value;
	case SIM_VALIDATION_INFO:
	case SIM_VALIDATION_MODES: break;
	}
	return false;
}

/* The 2.5 and 97.5 percentiles of x's finite values (moved to its front
   and sorted); NaN when none is finite. */
static void band(double *x, size_t n, double *lo, double *hi)
{
	size_t finite = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i]))
			x[finite++] = x[i];
	*lo = *hi = NAN;
	if (finite == 0)
		return;
	gsl_sort(x, 1, finite);
	*lo = gsl_stats_quantile_from_sorted_data(x, 1, finite, 0.025);
	*hi = gsl_stats_quantile_from_sorted_data(x, 1, finite, 0.975);
}

void sim_validation_summarise(sim_validation_row *r, double *x, size_t n)
{
	double sd;
	size_t met = 0;
	sim_table_stats(x, n, &r->mean, &sd, &r->lo, &r->hi);
	for (size_t i = 0; i < n; i++)
		met += sim_validation_meets(r, x[i]);
	bool info = r->mode == SIM_VALIDATION_INFO;
	r->pass = info || sim_validation_meets(r, r->mean);
	r->pass_share = info || n == 0 ? NAN : (double)met / (double)n;
	band(x, n, &r->band_lo, &r->band_hi);
	r->in_band = r->band_lo <= r->value && r->value <= r->band_hi;
}

const char *sim_validation_verdict(const sim_validation_row *r)
{
	return r->mode == SIM_VALIDATION_INFO ? "info" : r->pass ? "pass" : "FAIL";
}

const char *sim_validation_mode_name(sim_validation_mode mode)
{
	return (int)mode >= 0 && mode < SIM_VALIDATION_MODES ? mode_names[mode] : "?";
}

int sim_validation_mode_parse(const char *name)
{
	for (int i = 0; i < SIM_VALIDATION_MODES; i++)
		if (strcmp(mode_names[i], name) == 0)
			return i;
	return -1;
}

void sim_validation_format_value(char *buf, size_t size, double x)
{
	if (fabs(x) >= 1e11)
		snprintf(buf, size, "%.2fT", x / 1e12);
	else if (fabs(x) >= 1e8)
		snprintf(buf, size, "%.2fB", x / 1e9);
	else
		snprintf(buf, size, "%.3g", x);
}

void sim_validation_format_tolerance(char *buf, size_t size, const sim_validation_row *r)
{
	switch (r->mode) {
	case SIM_VALIDATION_REL: snprintf(buf, size, "+-%.0f%%", 100 * r->tolerance); break;
	case SIM_VALIDATION_ABS:
		if (r->tolerance == 0)
			snprintf(buf, size, "exactly");
		else
			snprintf(buf, size, "+-%g", r->tolerance);
		break;
	case SIM_VALIDATION_MIN: snprintf(buf, size, "at least"); break;
	case SIM_VALIDATION_MAX: snprintf(buf, size, "at most"); break;
	default: snprintf(buf, size, "info"); break;
	}
}

/* "[lo, hi]" of two figures as the table shows them. */
static void format_interval(char *buf, size_t size, double lo, double hi)
{
	char a[24], b[24];
	sim_validation_format_value(a, sizeof a, lo);
	sim_validation_format_value(b, sizeof b, hi);
	snprintf(buf, size, "[%s, %s]", a, b);
}

void sim_validation_format_cells(const sim_validation_row *r, sim_validation_cells *out)
{
	char mean[24], ci[52];
	sim_validation_format_value(mean, sizeof mean, r->mean);
	format_interval(ci, sizeof ci, r->lo, r->hi);
	snprintf(out->observed, sizeof out->observed, "%s %s", mean, ci);
	format_interval(out->band, sizeof out->band, r->band_lo, r->band_hi);
	/* A min or max target's value is a threshold, not an observation:
	   whether it lies in the band says nothing. */
	bool threshold = r->mode == SIM_VALIDATION_MIN || r->mode == SIM_VALIDATION_MAX;
	snprintf(out->in_band, sizeof out->in_band, "%s",
		 isnan(r->value) || threshold ? "-" : r->in_band ? "yes" : "no");
	if (isnan(r->value))
		snprintf(out->value, sizeof out->value, "-"); /* an info row's: none */
	else
		sim_validation_format_value(out->value, sizeof out->value, r->value);
	sim_validation_format_tolerance(out->tolerance, sizeof out->tolerance, r);
	if (isnan(r->pass_share))
		snprintf(out->pass_share, sizeof out->pass_share, "-");
	else
		snprintf(out->pass_share, sizeof out->pass_share, "%.0f%%", 100 * r->pass_share);
	out->verdict = sim_validation_verdict(r);
}

void sim_validation_format_tally(char *buf, size_t size, const sim_validation *v)
{
	size_t info = 0;
	for (size_t i = 0; i < v->count; i++)
		info += v->rows[i].mode == SIM_VALIDATION_INFO;
	size_t judged = v->count - info;
	int n = snprintf(buf, size, "%zu target%s, %zu missed", judged, judged == 1 ? "" : "s",
			 sim_validation_missed(v));
	if (info && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " (and %zu info row%s, not judged)", info,
			 info == 1 ? "" : "s");
}

/* The first six columns keep the widths the market's validate always
   printed; the band, its flag and the pass share follow the tolerance so
   that the verdict on the mean stays beside its target. */
#define ROW_FORMAT "%-28s %-11s %-28s %-9s %-9s %-6s %-20s %-4s %s\n"

void sim_validation_print(const sim_validation *v, FILE *f)
{
	size_t reps = v->replications;
	fprintf(f, "validation against %s (%zu replication%s; mean and 95%% CI)\n",
		v->targets ? v->targets : "", reps, reps == 1 ? "" : "s");
	fputs("band: the replications' 2.5-97.5 percentiles; in: the target inside it; "
	      "passing: the share of replications that meet the target alone\n", f);
	fprintf(f, ROW_FORMAT, "target", "week", "observed mean [95% CI]", "target", "tolerance",
		"result", "band of replications", "in", "passing");
	for (size_t i = 0; i < v->count; i++) {
		const sim_validation_row *r = &v->rows[i];
		sim_validation_cells c;
		sim_validation_format_cells(r, &c);
		fprintf(f, ROW_FORMAT, r->target, r->week_start, c.observed, c.value, c.tolerance,
			c.verdict, c.band, c.in_band, c.pass_share);
	}
	char tally[96];
	sim_validation_format_tally(tally, sizeof tally, v);
	fprintf(f, "%s\n", tally);
}


void sim_validation_write_csv(const sim_validation *v, FILE *f)
{
	fputs("target,week,week_start,mean,lo,hi,value,mode,tolerance,pass,pass_share,band_lo,"
	      "band_hi,in_band\n", f);
	for (size_t i = 0; i < v->count; i++) {
		const sim_validation_row *r = &v->rows[i];
		sim_result_table_put_field(f, r->target);
		fprintf(f, ",%ld,", r->week);
		sim_result_table_put_field(f, r->week_start);
		sim_table_put_number(f, r->mean);
		sim_table_put_number(f, r->lo);
		sim_table_put_number(f, r->hi);
		sim_table_put_number(f, r->value);
		fprintf(f, ",%s", sim_validation_mode_name(r->mode));
		sim_table_put_number(f, r->tolerance);
		if (r->mode == SIM_VALIDATION_INFO)
			fputc(',', f);
		else
			fprintf(f, ",%d", r->pass ? 1 : 0);
		sim_table_put_number(f, r->pass_share);
		sim_table_put_number(f, r->band_lo);
		sim_table_put_number(f, r->band_hi);
		fprintf(f, ",%d\n", r->in_band ? 1 : 0);
	}
}

int sim_validation_write_files(const sim_validation *v, sim_results *out, sim_error *err)
{
	FILE *f = sim_results_create(out, SIM_VALIDATION_TEXT, err);
	if (!f)
		return -1;
	sim_validation_print(v, f);
	if (sim_results_close_file(out, f, err) != 0 ||
	    !(f = sim_results_create(out, SIM_VALIDATION_CSV, err)))
		return -1;
	sim_validation_write_csv(v, f);
	return sim_results_close_file(out, f, err);
}
