/* validation.c - a validation result and the files derived from it
   (include/sim_validation.h). */
#include "sim_validation.h"
#include "validation.h"
#include "result_table.h"
#include "sim_table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const mode_names[SIM_VALIDATION_MODES] = { "rel", "abs", "min", "max" };

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
		missed += !v->rows[i].pass;
	return missed;
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
	case SIM_VALIDATION_ABS: snprintf(buf, size, "+-%g", r->tolerance); break;
	case SIM_VALIDATION_MIN: snprintf(buf, size, "at least"); break;
	default: snprintf(buf, size, "at most"); break;
	}
}

void sim_validation_format_cells(const sim_validation_row *r, sim_validation_cells *out)
{
	char mean[24], lo[24], hi[24];
	sim_validation_format_value(mean, sizeof mean, r->mean);
	sim_validation_format_value(lo, sizeof lo, r->lo);
	sim_validation_format_value(hi, sizeof hi, r->hi);
	sim_validation_format_value(out->value, sizeof out->value, r->value);
	sim_validation_format_tolerance(out->tolerance, sizeof out->tolerance, r);
	snprintf(out->observed, sizeof out->observed, "%s [%s, %s]", mean, lo, hi);
}

/* The columns' widths are those the market's validate always printed:
   validation.txt keeps its layout. */
#define ROW_FORMAT "%-28s %-11s %-28s %-9s %-9s %s\n"

void sim_validation_print(const sim_validation *v, FILE *f)
{
	size_t reps = v->replications;
	fprintf(f, "validation against %s (%zu replication%s; mean and 95%% CI)\n",
		v->targets ? v->targets : "", reps, reps == 1 ? "" : "s");
	fprintf(f, ROW_FORMAT, "target", "week", "observed mean [95% CI]", "target",
		"tolerance", "result");
	for (size_t i = 0; i < v->count; i++) {
		const sim_validation_row *r = &v->rows[i];
		sim_validation_cells c;
		sim_validation_format_cells(r, &c);
		fprintf(f, ROW_FORMAT, r->target, r->week_start, c.observed, c.value, c.tolerance,
			r->pass ? "pass" : "FAIL");
	}
	fprintf(f, "%zu target%s, %zu missed\n", v->count, v->count == 1 ? "" : "s",
		sim_validation_missed(v));
}


void sim_validation_write_csv(const sim_validation *v, FILE *f)
{
	fputs("target,week,week_start,mean,lo,hi,value,mode,tolerance,pass\n", f);
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
		fprintf(f, ",%d\n", r->pass ? 1 : 0);
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
