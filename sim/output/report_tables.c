/* report_tables.c - the report's tables, from data read from the store:
   the validation, a sweep's points and the run's facts (see
   report_internal.h). */
#include "report_internal.h"

#include <math.h>
#include <stdlib.h>

/* ---- validation ---- */

/* One table cell holding text, escaped; cls NULL: no class. */
static void text_cell(FILE *f, const char *cls, const char *text)
{
	if (cls)
		fprintf(f, "<td class=\"%s\">", cls);
	else
		fputs("<td>", f);
	sim__html(f, text);
	fputs("</td>", f);
}

static void validation_row(FILE *f, const sim_validation_row *r)
{
	sim_validation_cells c;
	sim_validation_format_cells(r, &c);
	fputs(r->pass || r->mode == SIM_VALIDATION_INFO ? "<tr>" : "<tr class=\"missed\">", f);
	text_cell(f, "name", r->target);
	text_cell(f, "date", r->week_start);
	text_cell(f, "num", c.observed);
	text_cell(f, "num", c.value);
	text_cell(f, NULL, c.tolerance);
	fprintf(f, "<td><span class=\"badge %s\">%s</span></td>",
		r->mode == SIM_VALIDATION_INFO ? "info" : r->pass ? "pass" : "fail", c.verdict);
	text_cell(f, "num", c.band);
	text_cell(f, NULL, c.in_band);
	text_cell(f, "num", c.pass_share);
	fputs("</tr>\n", f);
}

void sim__report_tables_validation(FILE *f, const sim_validation *v)
{
	size_t reps = v->replications;
	fputs("<section id=\"validation\">\n<h2>Validation</h2>\n<p class=\"caption\">"
	      "validation against ", f);
	sim__html(f, v->targets ? v->targets : "");
	fprintf(f, " (%zu replication%s; mean and 95%% CI). Result: the mean against the "
		"target. Band: the replications' 2.5-97.5 percentiles; in: the target inside "
		"it; passing: the share of replications that meet the target alone.</p>\n",
		reps, reps == 1 ? "" : "s");
	fputs("<table class=\"validation\">\n<thead><tr><th>Target</th><th>Week</th>"
	      "<th class=\"num\">Observed mean [95% CI]</th><th class=\"num\">Target value</th>"
	      "<th>Tolerance</th><th>Result</th><th class=\"num\">Band of replications</th>"
	      "<th>In</th><th class=\"num\">Passing</th></tr></thead>\n<tbody>\n", f);
	for (size_t i = 0; i < v->count; i++)
		validation_row(f, &v->rows[i]);
	fputs("</tbody>\n</table>\n", f);
	char tally[96];
	sim_validation_format_tally(tally, sizeof tally, v);
	fputs("<p class=\"tally\">", f);
	sim__html(f, tally);
	fputs("</p>\n</section>\n", f);
}

/* ---- an analysis's results ---- */

void sim__report_tables_results(FILE *f, const sim_result_table *t, size_t n)
{
	fputs("<section id=\"results\">\n<h2>Results</h2>\n", f);
	for (size_t k = 0; k < n; k++) {
		fputs("<h3>", f);
		sim__html(f, t[k].title);
		fputs("</h3>\n<p class=\"caption\">", f);
		sim__html(f, t[k].name);
		fputs("</p>\n<table>\n<thead><tr>", f);
		for (size_t j = 0; j < t[k].ncols; j++) {
			fputs("<th>", f);
			sim__html(f, t[k].headers[j]);
			fputs("</th>", f);
		}
		fputs("</tr></thead>\n<tbody>\n", f);
		for (size_t i = 0; i < t[k].nrows; i++) {
			fputs("<tr>", f);
			for (size_t j = 0; j < t[k].ncols; j++) {
				const char *c = t[k].cells[i * t[k].ncols + j];
				char *end;
				strtod(c, &end);
				/* Numbers right-aligned, words (a setting, a note) left. */
				fputs(c[0] && !*end ? "<td class=\"num\">" : "<td>", f);
				sim__html(f, c);
				fputs("</td>", f);
			}
			fputs("</tr>\n", f);
		}
		fputs("</tbody>\n</table>\n", f);
	}
	fputs("</section>\n", f);
}

/* ---- a sweep's points ---- */

/* Compact numbers for the table: 4 significant digits, T/B/M/k for
   large ones (revenue in dollars, tokens). */
static void format_number(char *buf, size_t size, double x)
{
	double a = fabs(x);
	if (isnan(x))
		snprintf(buf, size, "n/a");
	else if (a >= 1e12)
		snprintf(buf, size, "%.4gT", x / 1e12);
	else if (a >= 1e9)
		snprintf(buf, size, "%.4gB", x / 1e9);
	else if (a >= 1e6)
		snprintf(buf, size, "%.4gM", x / 1e6);
	else if (a >= 1e4)
		snprintf(buf, size, "%.4gk", x / 1e3);
	else
		snprintf(buf, size, "%.4g", x);
}

/* A stored value as the table shows it: a number with 6 digits
   (0.6666666667 -> 0.666667), anything else (a date) as it is. */
static void put_value(FILE *f, const char *text)
{
	char *end, v[64];
	double x = strtod(text, &end);
	if (end != text && !*end) {
		snprintf(v, sizeof v, "%.6g", x);
		text = v;
	}
	sim__html(f, text);
}

/* The point with the highest mean of metric k; -1 none. */
static long best_point(const sim__report_sweep *w, size_t k)
{
	long best = -1;
	for (size_t i = 0; i < w->points; i++) {
		double x = w->mean[i * w->metrics + k];
		if (!isnan(x) && (best < 0 || x > w->mean[(size_t)best * w->metrics + k]))
			best = (long)i;
	}
	return best;
}

static void sweep_header(FILE *f, const sim__report_sweep *w)
{
	fputs("<div class=\"scroll\"><table class=\"sweep\">\n<thead><tr><th>point</th>", f);
	for (size_t j = 0; j < w->nparams; j++) {
		fputs("<th class=\"num\">", f);
		sim__html(f, w->paths[j]);
		fputs("</th>", f);
	}
	fputs("<th class=\"num\">replications</th>", f);
	for (size_t k = 0; k < w->metrics; k++) {
		fputs("<th class=\"num\">", f);
		sim__html(f, w->metric[k]);
		fputs("<br><span class=\"sub\">mean [95% CI]</span></th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
}

static void sweep_row(FILE *f, const sim__report_sweep *w, size_t i, const long *best)
{
	fputs(w->metrics && best[0] == (long)i ? "<tr class=\"best\"><td>" : "<tr><td>", f);
	sim__html(f, w->names[i]);
	fputs("</td>", f);
	for (size_t j = 0; j < w->nparams; j++) {
		fputs("<td class=\"num\">", f);
		put_value(f, w->values[i * w->nparams + j] ? w->values[i * w->nparams + j] : "");
		fputs("</td>", f);
	}
	fprintf(f, "<td class=\"num\">%ld</td>", w->replications[i] < 0 ? 0 : w->replications[i]);
	for (size_t k = 0; k < w->metrics; k++) {
		size_t at = i * w->metrics + k;
		char mean[32], lo[32], hi[32];
		format_number(mean, sizeof mean, w->mean[at]);
		format_number(lo, sizeof lo, w->lo[at]);
		format_number(hi, sizeof hi, w->hi[at]);
		bool top = best[k] == (long)i;
		fputs(top ? "<td class=\"num top\">" : "<td class=\"num\">", f);
		if (isnan(w->mean[at]))
			fputs("<span class=\"muted\">failed</span>", f);
		else
			fprintf(f, "%s <span class=\"ci\">[%s, %s]</span>%s", mean, lo, hi,
				top ? " <span class=\"badge best\">best</span>" : "");
		fputs("</td>", f);
	}
	fputs("</tr>\n", f);
}

void sim__report_tables_sweep(FILE *f, const sim__report_sweep *w)
{
	long *best = calloc(w->metrics + 1, sizeof *best);
	for (size_t k = 0; best && k < w->metrics; k++)
		best[k] = best_point(w, k);
	fputs("<section id=\"sweep\">\n<h2>Sweep</h2>\n", f);
	fprintf(f, "<p class=\"caption\">%zu point%s (from results.sqlite; also in "
		"sweep_summary.csv). ", w->points, w->points == 1 ? "" : "s");
	if (w->metrics)
		fputs("Each metric: mean over the replications with its 95% confidence "
		      "interval; the highest mean is marked, and its row highlighted for the "
		      "first metric.</p>\n", f);
	else
		fputs("No metric chosen (the sweep's <code>plot</code> setting): every "
		      "metric's mean and interval are in sweep_summary.csv.</p>\n", f);
	sweep_header(f, w);
	static const long none = -1;
	for (size_t i = 0; i < w->points; i++)
		sweep_row(f, w, i, best ? best : &none);
	fputs("</tbody>\n</table></div>\n</section>\n", f);
	free(best);
}

/* ---- the facts and the configuration ---- */

void sim__report_tables_configuration(FILE *f, const sim__report_data *d)
{
	fputs("<section id=\"configuration\">\n<h2>Resolved configuration</h2>\n", f);
	if (d->sweep)
		fputs("<p class=\"caption\">The sweep's base configuration: each point sets "
		      "its parameters on top of it (table above).</p>\n", f);
	fputs("<h3>Run</h3>\n<table class=\"kv\">\n<tbody>\n", f);
	for (size_t i = 0; i < d->count; i++) {
		fputs("<tr><th>", f);
		sim__html(f, d->key[i]);
		fputs("</th><td>", f);
		sim__html(f, d->value[i]);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
	if (d->notes && d->notes[0]) {
		fputs("<h3>Model notes</h3>\n<p class=\"caption\">What the model said of its "
		      "last replication.</p>\n<pre>", f);
		sim__html(f, d->notes);
		fputs("</pre>\n", f);
	}
	if (d->config) {
		fputs("<h3>Settings</h3>\n<p class=\"caption\">After <code>@include</code>, "
		      "<code>--set</code> and defaults, as recorded in results.sqlite.</p>\n"
		      "<pre class=\"config\">", f);
		sim__html(f, d->config);
		fputs("</pre>\n", f);
	}
	fputs("</section>\n", f);
}

/* ---- parameter uncertainty ---- */

/* Setting j's row: its list, its estimate (or assumed value) and se (or
   prior sd), and the mean and sd of its draws. */
static void fitted_row(FILE *f, const sim_store_draws *d, size_t j, double *column)
{
	char b[4][32];
	double mean = NAN, sd = NAN, lo, hi;
	for (size_t r = 0; r < d->rows; r++)
		column[r] = d->draws[r * d->k + j];
	if (d->rows)
		sim_table_stats(column, d->rows, &mean, &sd, &lo, &hi);
	format_number(b[0], sizeof b[0], d->value[j]);
	format_number(b[1], sizeof b[1], d->se[j]);
	format_number(b[2], sizeof b[2], mean);
	format_number(b[3], sizeof b[3], sd);
	fputs("<tr><td><code>", f);
	sim__html(f, d->paths[j]);
	fprintf(f, "</code></td><td>%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
		"<td class=\"num\">%s</td><td class=\"num\">%s</td></tr>\n",
		d->assumed[j] ? "assumed" : "fitted", b[0], b[1],
		d->uncertainty ? b[2] : "", d->uncertainty ? b[3] : "");
}

void sim__report_tables_uncertainty(FILE *f, const sim_store_draws *d)
{
	bool assumed = false;
	for (size_t j = 0; j < d->k; j++)
		assumed = assumed || d->assumed[j];
	fputs("<section id=\"uncertainty\">\n<h2>Parameter uncertainty</h2>\n<p class=\"caption\">", f);
	if (d->uncertainty)
		fprintf(f, "Bands include parameter uncertainty%s: each replication drew the fitted "
			"settings below from N(value, D C D) (D = diag(se), C = "
			"<code>fitted_correlation</code>)%s; parameter_draws.csv. The charts draw the "
			"<b>95%% band across replications: Monte Carlo noise + parameter "
			"uncertainty</b> (2.5th to 97.5th percentile of the replications' values, "
			"the CSVs' <code>_p025</code>/<code>_p975</code>); the CSVs' "
			"<code>_lo</code>/<code>_hi</code> stay the 95%% CI of the mean. %llu "
			"vector%s drawn again (a value outside its setting's range), %llu value%s "
			"clamped.</p>\n", assumed ? " (fitted and assumed settings)" : "",
			assumed ? " and the assumed ones each from N(value, se&sup2;), independently "
			"(se: the assumption's prior sd)" : "",
			(unsigned long long)d->redrawn, d->redrawn == 1 ? "" : "s",
			(unsigned long long)d->clamped, d->clamped == 1 ? "" : "s");
	else
		fprintf(f, "Bands do not include parameter uncertainty (<code>uncertainty = "
			"false</code>): the %s settings below took their values; the charts "
			"draw the <b>95%% CI of the mean: Monte Carlo noise only</b>.</p>\n",
			assumed ? "fitted and assumed" : "fitted");
	fputs("<div class=\"scroll\"><table>\n<thead><tr><th>setting</th><th>list</th><th>value</th>"
	      "<th>se</th><th>draws: mean</th><th>draws: sd</th></tr></thead>\n<tbody>\n", f);
	double *column = malloc((d->rows + 1) * sizeof *column);
	for (size_t j = 0; column && j < d->k; j++)
		fitted_row(f, d, j, column);
	free(column);
	fputs("</tbody>\n</table></div>\n</section>\n", f);
}
