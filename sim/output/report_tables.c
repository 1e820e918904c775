/* report_tables.c - the report's sections read from tabular result files:
   validation.txt and sweep_summary.csv (see sim/report_internal.h). */
#include "report_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

void sim__html_put(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(s[i], f); break;
		}
	}
}

char *sim__report_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *text = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 8192;
			char *grown = realloc(text, cap);
			if (!grown) {
				free(text);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			text = grown;
		}
		size_t got = fread(text + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	/* fread stops at the end and at an error alike: tell them apart. */
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(text);
		errno = EIO;
		return NULL;
	}
	text[len] = '\0';
	return text;
}

char *sim__report_next_line(char **cursor)
{
	char *line = *cursor;
	if (!line || !*line)
		return NULL;
	char *nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*cursor = nl + 1;
	} else {
		*cursor = line + strlen(line);
	}
	size_t n = strlen(line);
	if (n && line[n - 1] == '\r')
		line[n - 1] = '\0';
	return line;
}

/* ---- validation.txt ---- */

enum { MAX_WORDS = 64, MAX_LINE = 2048 };

/* One row of the table as validate.c prints it, in words:
   NAME... WEEK MEAN [LO, HI] VALUE TOLERANCE... RESULT. The name and the
   tolerance ("at least") may hold spaces and any column may overflow its
   width, so the row is read around the bracketed interval, not by column
   positions. Indexes into the words. */
typedef struct validation_row {
	char *word[MAX_WORDS];
	int words;
	int week, interval_end, value, result; /* name is [0, week) */
} validation_row;

/* Splits a copy of line (in buf) into words and finds the columns.
   Returns false when the line is not a row of that layout. */
static bool parse_row(const char *line, char *buf, validation_row *r)
{
	if (strlen(line) >= MAX_LINE)
		return false;
	strcpy(buf, line);
	r->words = 0;
	char *save = NULL;
	for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (r->words == MAX_WORDS)
			return false;
		r->word[r->words++] = w;
	}
	int open = 0;
	while (open < r->words && r->word[open][0] != '[')
		open++;
	int close = open;
	while (close < r->words && r->word[close][strlen(r->word[close]) - 1] != ']')
		close++;
	/* name, week, mean before the interval; value, tolerance, result after. */
	if (open < 3 || close >= r->words || r->words - close < 4)
		return false;
	r->week = open - 2;
	r->interval_end = close;
	r->value = close + 1;
	r->result = r->words - 1;
	const char *res = r->word[r->result];
	return strcmp(res, "pass") == 0 || strcmp(res, "FAIL") == 0;
}

/* Words [from, to] of r, escaped, one space apart. */
static void put_words(FILE *f, const validation_row *r, int from, int to)
{
	for (int i = from; i <= to; i++) {
		if (i > from)
			fputc(' ', f);
		sim__html(f, r->word[i]);
	}
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The line above the rows: "target  week ... result". */
static bool is_header(const char *line)
{
	return starts_with(line, "target ") && strstr(line, "result");
}

/* The closing line: "N target(s), M missed". */
static bool is_tally(const char *line)
{
	const char *p = line + strspn(line, "0123456789");
	return p > line && (starts_with(p, " targets, ") || starts_with(p, " target, ")) &&
	       strstr(p, " missed");
}

static bool is_blank(const char *s)
{
	return s[strspn(s, " \t\r")] == '\0';
}

/* True when every line is the caption, the header, a row, the tally or
   blank: only then is the table a faithful rendering of the file. */
static bool is_columnar(char **lines, size_t n, char *buf)
{
	size_t rows = 0;
	for (size_t i = 0; i < n; i++) {
		validation_row r;
		if (is_blank(lines[i]) || (i == 0 && starts_with(lines[i], "validation against ")) ||
		    is_header(lines[i]) || is_tally(lines[i]))
			continue;
		if (!parse_row(lines[i], buf, &r))
			return false;
		rows++;
	}
	return rows > 0;
}

static void validation_table(FILE *f, char **lines, size_t n, char *buf)
{
	for (size_t i = 0; i < n; i++)
		if (i == 0 && starts_with(lines[i], "validation against ")) {
			fputs("<p class=\"caption\">", f);
			sim__html(f, lines[i]);
			fputs("</p>\n", f);
		}
	fputs("<table class=\"validation\">\n<thead><tr><th>Target</th><th>Week</th>"
	      "<th class=\"num\">Observed mean [95% CI]</th><th class=\"num\">Target value</th>"
	      "<th>Tolerance</th><th>Result</th></tr></thead>\n<tbody>\n", f);
	for (size_t i = 0; i < n; i++) {
		validation_row r;
		if (is_blank(lines[i]) || (i == 0 && starts_with(lines[i], "validation against ")) ||
		    is_header(lines[i]) || is_tally(lines[i]) || !parse_row(lines[i], buf, &r))
			continue;
		bool pass = strcmp(r.word[r.result], "pass") == 0;
		fputs(pass ? "<tr>" : "<tr class=\"missed\">", f);
		fputs("<td class=\"name\">", f);
		put_words(f, &r, 0, r.week - 1);
		fputs("</td><td class=\"date\">", f);
		put_words(f, &r, r.week, r.week);
		fputs("</td><td class=\"num\">", f);
		put_words(f, &r, r.week + 1, r.interval_end);
		fputs("</td><td class=\"num\">", f);
		put_words(f, &r, r.value, r.value);
		fputs("</td><td>", f);
		put_words(f, &r, r.value + 1, r.result - 1);
		fprintf(f, "</td><td><span class=\"badge %s\">%s</span></td></tr>\n",
			pass ? "pass" : "fail", pass ? "pass" : "FAIL");
	}
	fputs("</tbody>\n</table>\n", f);
	for (size_t i = 0; i < n; i++)
		if (is_tally(lines[i])) {
			fputs("<p class=\"tally\">", f);
			sim__html(f, lines[i]);
			fputs("</p>\n", f);
		}
}

int sim__report_validation(FILE *f, char *text)
{
	size_t cap = 1;
	for (const char *c = text; *c; c++)
		cap += *c == '\n';
	char **lines = malloc(cap * sizeof *lines);
	char *buf = malloc(MAX_LINE);
	char *copy = strdup(text);
	if (!lines || !buf || !copy) {
		free(lines);
		free(buf);
		free(copy);
		return -1;
	}
	size_t n = 0;
	char *cursor = text;
	for (char *l; (l = sim__report_next_line(&cursor));)
		lines[n++] = l;
	fputs("<section id=\"validation\">\n<h2>Validation</h2>\n", f);
	if (is_columnar(lines, n, buf)) {
		validation_table(f, lines, n, buf);
	} else {
		fputs("<pre>", f);
		sim__html(f, copy);
		fputs("</pre>\n", f);
	}
	fputs("</section>\n", f);
	free(lines);
	free(buf);
	free(copy);
	return 0;
}

/* ---- sweep_summary.csv ---- */

/* Splits a CSV line in place into at most max fields (RFC 4180 quoting:
   "a,b" and "" inside quotes); returns the count. */
static size_t csv_split(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *in = line;
	while (n < max) {
		char *out = in;
		fields[n++] = out;
		if (*in == '"') {
			for (in++; *in; ) {
				if (in[0] == '"' && in[1] == '"') {
					*out++ = '"';
					in += 2;
				} else if (*in == '"') {
					in++;
					break;
				} else {
					*out++ = *in++;
				}
			}
		}
		while (*in && *in != ',')
			*out++ = *in++;
		bool more = *in == ',';
		*out = '\0';
		if (!more)
			break;
		in++;
	}
	return n;
}

static size_t count_fields(const char *line)
{
	size_t n = 1;
	for (; *line; line++)
		n += *line == ',';
	return n;
}

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

static double number_of(const char *field)
{
	char *end;
	double x = strtod(field, &end);
	return end == field || *end ? NAN : x;
}

/* A metric of sweep_plots.txt and its three columns (-1: not found). */
typedef struct sweep_metric {
	const char *stem;
	long mean, lo, hi;
	long best; /* row with the highest mean; -1 none */
} sweep_metric;

static long column_of(char **header, size_t n, const char *stem, const char *suffix)
{
	size_t s = strlen(stem);
	for (size_t i = 0; i < n; i++)
		if (strncmp(header[i], stem, s) == 0 && strcmp(header[i] + s, suffix) == 0)
			return (long)i;
	return -1;
}

/* The metrics named by the first word of each line of plots, each once,
   with their columns in header. Returns the count. */
static size_t find_metrics(char *plots, char **header, size_t ncols, sweep_metric *m,
			   size_t max)
{
	size_t n = 0;
	char *cursor = plots;
	for (char *l; plots && n < max && (l = sim__report_next_line(&cursor));) {
		l[strcspn(l, " \t")] = '\0';
		bool seen = !l[0];
		for (size_t i = 0; i < n && !seen; i++)
			seen = strcmp(m[i].stem, l) == 0;
		if (seen)
			continue;
		m[n] = (sweep_metric){ l, column_of(header, ncols, l, "_mean"),
				       column_of(header, ncols, l, "_lo"),
				       column_of(header, ncols, l, "_hi"), -1 };
		n += m[n].mean >= 0;
	}
	return n;
}

static void sweep_table(FILE *f, char **cells, size_t rows, size_t ncols, size_t params,
			sweep_metric *m, size_t metrics)
{
	for (size_t k = 0; k < metrics; k++) {
		double best = -INFINITY;
		for (size_t r = 1; r < rows; r++) {
			double x = number_of(cells[r * ncols + (size_t)m[k].mean]);
			if (!isnan(x) && x > best) {
				best = x;
				m[k].best = (long)r;
			}
		}
	}
	fputs("<div class=\"scroll\"><table class=\"sweep\">\n<thead><tr>", f);
	for (size_t c = 0; c < params; c++) {
		fputs(c ? "<th class=\"num\">" : "<th>", f);
		sim__html(f, cells[c]);
		fputs("</th>", f);
	}
	for (size_t k = 0; k < metrics; k++) {
		fputs("<th class=\"num\">", f);
		sim__html(f, m[k].stem);
		fputs("<br><span class=\"sub\">mean [95% CI]</span></th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
	for (size_t r = 1; r < rows; r++) {
		char **row = cells + r * ncols;
		fputs(metrics && m[0].best == (long)r ? "<tr class=\"best\">" : "<tr>", f);
		for (size_t c = 0; c < params; c++) {
			double x = number_of(row[c]);
			char v[64];
			/* Values print as the sweep wrote them unless they are
			   numbers, which get 6 digits (0.6666666667 -> 0.666667). */
			if (c > 0 && !isnan(x))
				snprintf(v, sizeof v, "%.6g", x);
			fputs(c ? "<td class=\"num\">" : "<td>", f);
			sim__html(f, c > 0 && !isnan(x) ? v : row[c]);
			fputs("</td>", f);
		}
		for (size_t k = 0; k < metrics; k++) {
			char mean[32], lo[32], hi[32];
			double x = number_of(row[m[k].mean]);
			format_number(mean, sizeof mean, x);
			format_number(lo, sizeof lo, m[k].lo >= 0 ? number_of(row[m[k].lo]) : NAN);
			format_number(hi, sizeof hi, m[k].hi >= 0 ? number_of(row[m[k].hi]) : NAN);
			bool best = m[k].best == (long)r;
			fputs(best ? "<td class=\"num top\">" : "<td class=\"num\">", f);
			if (isnan(x))
				fputs("<span class=\"muted\">failed</span>", f);
			else
				fprintf(f, "%s <span class=\"ci\">[%s, %s]</span>%s", mean, lo, hi,
					best ? " <span class=\"badge best\">best</span>" : "");
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table></div>\n", f);
}

int sim__report_sweep(FILE *f, char *summary, char *plots)
{
	size_t lines = 0;
	for (const char *c = summary; *c; c++)
		lines += *c == '\n';
	char *cursor = summary, *first = sim__report_next_line(&cursor);
	if (!first)
		return 0;
	size_t ncols = count_fields(first);
	char **cells = calloc((lines + 1) * ncols, sizeof *cells);
	sweep_metric *m = calloc(ncols, sizeof *m);
	if (!cells || !m) {
		free(cells);
		free(m);
		return -1;
	}
	csv_split(first, cells, ncols);
	/* A missing cell reads as "" (a short row, a truncated file). */
	static char empty[1];
	for (size_t i = 0; i < (lines + 1) * ncols; i++)
		if (!cells[i])
			cells[i] = empty;
	size_t rows = 1;
	for (char *l; (l = sim__report_next_line(&cursor));)
		if (!is_blank(l))
			csv_split(l, cells + rows++ * ncols, ncols);
	/* point, then the parameters: the columns before the first metric. */
	size_t params = 1;
	while (params < ncols && !ends_with(cells[params], "_mean"))
		params++;
	size_t metrics = find_metrics(plots, cells, ncols, m, ncols);

	fputs("<section id=\"sweep\">\n<h2>Sweep</h2>\n", f);
	fprintf(f, "<p class=\"caption\">%zu point%s (sweep_summary.csv). ", rows - 1,
		rows == 2 ? "" : "s");
	if (metrics)
		fputs("Each metric: mean over the replications with its 95% confidence "
		      "interval; the highest mean is marked, and its row highlighted for the "
		      "first metric.</p>\n", f);
	else
		fputs("No metric chosen (the sweep's <code>plot</code> setting): every "
		      "metric's mean and interval are in sweep_summary.csv.</p>\n", f);
	sweep_table(f, cells, rows, ncols, params, m, metrics);
	fputs("</section>\n", f);
	free(cells);
	free(m);
	return 0;
}
