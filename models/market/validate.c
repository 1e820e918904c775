/* validate.c - `marketsim validate`: the experiment's results against
   observed figures (experiments/targets/<name>.csv).
 *
 * A targets file is CSV with the header
 *     target,kind,subject,n,week_start,value,tolerance,mode,source
 * and one row per observed figure ('#' lines are comments). Each kind is a
 * statistic of one replication's week (the week starting at week_start;
 * "ranked": rank >= 1 that week, i.e. on the leaderboard):
 *     router_tokens            tokens of every model
 *     top_tokens        n      tokens of the n most-used ranked models
 *     top_all_origin    S n    1 if the n most-used ranked models are all of origin S
 *     origin_top_tokens S n    tokens of origin S's models among the n most-used
 *                              ranked models (a sum over a list of length n,
 *                              as the media sum the public leaderboard)
 *     origin_leaders    S n    tokens of origin S's n most-used ranked models
 *     origin_tokens     S      tokens of every model of origin S, ranked or not
 *     lead_streak A:a>B:b n    1 if origin A's a most-used ranked models
 *                              out-process origin B's b most-used in each of
 *                              the n weeks ending that week (":a" omitted:
 *                              all of the origin's ranked models)
 *     top_lead_streak A>B@k n  1 if origin A's models among the k most-used
 *                              ranked models out-process B's among them in
 *                              each of the n weeks ending that week
 *     model_tokens      S      tokens of model S
 *     model_rank        S      leaderboard rank of model S (0: unranked)
 * Every replication's statistic is compared with value by the mode
 * (sim_validation_meets): rel passes when |x - value| <= tolerance x
 * |value|, abs when |x - value| <= tolerance, min when x >= value, max
 * when x <= value; info never judges (its value may be left empty: a
 * figure shown beside the judged ones, with nothing observed to compare).
 * The target passes when the replications' mean does; the row also
 * gives the share of replications that pass alone and their 95% band
 * (sim_validation_summarise). The result is a sim_validation
 * (include/sim_validation.h), one row per target; the engine prints and
 * stores it.
 */
#include "market_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim_table.h"

typedef enum target_kind {
	ROUTER_TOKENS, TOP_TOKENS, TOP_ALL_ORIGIN, ORIGIN_TOP_TOKENS, ORIGIN_LEADERS,
	ORIGIN_TOKENS, LEAD_STREAK, TOP_LEAD_STREAK,
	MODEL_TOKENS, MODEL_RANK, KINDS
} target_kind;

/* What a kind's subject column holds. */
typedef enum subject_type {
	NO_SUBJECT, ORIGIN_SUBJECT, MODEL_SUBJECT, LEAD_SUBJECT, TOP_LEAD_SUBJECT
} subject_type;

/* Each kind's name in the targets file, its subject and whether it needs
   n; indexed by the constants so that reordering the enum cannot pair a
   kind with another's row. */
static const struct kind_info {
	const char *name;
	subject_type subject;
	bool needs_n;
} kinds[] = {
	[ROUTER_TOKENS] = { "router_tokens", NO_SUBJECT, false },
	[TOP_TOKENS] = { "top_tokens", NO_SUBJECT, true },
	[TOP_ALL_ORIGIN] = { "top_all_origin", ORIGIN_SUBJECT, true },
	[ORIGIN_TOP_TOKENS] = { "origin_top_tokens", ORIGIN_SUBJECT, true },
	[ORIGIN_LEADERS] = { "origin_leaders", ORIGIN_SUBJECT, true },
	[ORIGIN_TOKENS] = { "origin_tokens", ORIGIN_SUBJECT, false },
	[LEAD_STREAK] = { "lead_streak", LEAD_SUBJECT, true },
	[TOP_LEAD_STREAK] = { "top_lead_streak", TOP_LEAD_SUBJECT, true },
	[MODEL_TOKENS] = { "model_tokens", MODEL_SUBJECT, false },
	[MODEL_RANK] = { "model_rank", MODEL_SUBJECT, false },
};
_Static_assert(sizeof kinds / sizeof kinds[0] == KINDS, "kinds: one row per target_kind");

typedef struct target {
	char name[64];
	target_kind kind;
	char subject[64], other[64]; /* the streaks: subject > other */
	long n;
	long subject_n, other_n;     /* lead_streak: leaders compared, 0 all;
					top_lead_streak: the list's length (subject_n) */
	long week;
	char week_start[11]; /* a date of the file, checked: 10 characters */
	double value, tolerance;
	sim_validation_mode mode;
	char source[256];
} target;

static int find_kind(const char *s)
{
	for (int i = 0; i < KINDS; i++)
		if (strcmp(kinds[i].name, s) == 0)
			return i;
	return -1;
}

/* Splits line at commas into at most max fields; the last takes the rest. */
static int split(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;
	while (n < max - 1) {
		fields[n++] = p;
		char *comma = strchr(p, ',');
		if (!comma)
			return n;
		*comma = '\0';
		p = comma + 1;
	}
	fields[n++] = p;
	return n;
}

static bool has_origin(const mkt_market_params *p, const char *origin)
{
	const mkt_model_params *mp = p->models.items;
	for (size_t i = 0; i < p->models.count; i++)
		if (strcmp(mp[i].origin, origin) == 0)
			return true;
	return false;
}

static int bad(sim_error *err, const char *path, int line, const char *field,
	       const char *fmt, const char *found)
{
	char msg[512];
	snprintf(msg, sizeof msg, fmt, found);
	return sim_error_set(err, SIM_ERROR_CONFIG, path, line, field, "%s", msg);
}

/* The unknown kind's message: every kind's name, in the enum's order. */
static int bad_kind(sim_error *err, const char *path, int line, const char *found)
{
	char names[400] = "expected ";
	for (int i = 0; i < KINDS; i++)
		snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
			 kinds[i].name, i == KINDS - 2 ? " or " : i < KINDS - 1 ? ", " : "");
	return sim_error_set(err, SIM_ERROR_CONFIG, path, line, "kind", "%s; found \"%s\"",
			     names, found);
}

/* "CN:6" -> "CN" and 6 (also "CN@6" with sep '@'); "CN" -> "CN" and 0. */
static int split_count(char *origin, int sep, long *count)
{
	char *mark = strchr(origin, sep);
	*count = 0;
	if (!mark)
		return 0;
	*mark = '\0';
	char *end;
	*count = strtol(mark + 1, &end, 10);
	return *end || *count < 1 ? -1 : 0;
}

/* The two origins of a streak's subject, "A:a>B:b" or "A>B@k", into t. */
static int parse_streak(const mkt_market_params *p, target *t)
{
	char *gt = strchr(t->subject, '>');
	if (!gt)
		return -1;
	*gt = '\0';
	snprintf(t->other, sizeof t->other, "%s", gt + 1);
	int rc;
	if (kinds[t->kind].subject == TOP_LEAD_SUBJECT)
		rc = strchr(t->subject, '@') || split_count(t->other, '@', &t->subject_n) != 0 ||
		     t->subject_n == 0 ? -1 : 0;
	else
		rc = split_count(t->subject, ':', &t->subject_n) != 0 ||
		     split_count(t->other, ':', &t->other_n) != 0 ? -1 : 0;
	return rc == 0 && has_origin(p, t->subject) && has_origin(p, t->other) ? 0 : -1;
}

/* Checks t's subject (copied from field f) against the experiment. */
static int parse_subject(const mkt_market_params *p, const char *f, const char *path,
			 int lineno, target *t, sim_error *err)
{
	snprintf(t->subject, sizeof t->subject, "%s", f);
	switch (kinds[t->kind].subject) {
	case MODEL_SUBJECT:
		if (sim_map_find(&p->models, t->subject) < 0)
			return bad(err, path, lineno, "subject",
				   "expected a model id of market.models, found \"%s\"", f);
		break;
	case ORIGIN_SUBJECT:
		if (!has_origin(p, t->subject))
			return bad(err, path, lineno, "subject",
				   "expected an origin of the experiment's models, found \"%s\"", f);
		break;
	case LEAD_SUBJECT:
	case TOP_LEAD_SUBJECT:
		if (parse_streak(p, t) != 0)
			return bad(err, path, lineno, "subject",
				   kinds[t->kind].subject == LEAD_SUBJECT ?
				   "expected A>B or A:a>B:b with A, B origins of the "
				   "experiment's models, found \"%s\"" :
				   "expected A>B@k with A, B origins of the experiment's "
				   "models and k >= 1 the list's length, found \"%s\"", f);
		break;
	case NO_SUBJECT:
		break;
	}
	return 0;
}

/* The week_start field f into t (a week of the run) and, for a streak, n
   (the weeks must lie within the run). */
static int parse_week(const mkt_market_params *p, const char *f, const char *n_field,
		      const char *path, int lineno, target *t, sim_error *err)
{
	if (mkt_days_between(p->start_date, f, &t->week) != 0 || t->week < 0 ||
	    t->week % 7 != 0 || t->week >= p->days)
		return bad(err, path, lineno, "week_start",
			   "expected the first day of a week of the run (start_date plus a "
			   "multiple of 7 days, within the horizon), found \"%s\"", f);
	snprintf(t->week_start, sizeof t->week_start, "%s", f);
	t->week /= 7;
	bool streak = t->kind == LEAD_STREAK || t->kind == TOP_LEAD_STREAK;
	if (streak && t->n > t->week + 1)
		return bad(err, path, lineno, "n", "expected a streak that starts within the "
			   "run, found %s weeks", n_field);
	return 0;
}

/* The value, tolerance and mode fields (f[0..2]) into t. An info row may
   leave its value empty: NaN, nothing observed. */
static int parse_comparison(char **f, const char *path, int lineno, target *t, sim_error *err)
{
	int mode = sim_validation_mode_parse(f[2]);
	if (mode < 0)
		return bad(err, path, lineno, "mode",
			   "expected rel, abs, min, max or info, found \"%s\"", f[2]);
	t->mode = (sim_validation_mode)mode;
	char *end;
	t->value = strtod(f[0], &end);
	if (t->mode == SIM_VALIDATION_INFO && f[0][0] == '\0')
		t->value = NAN;
	else if (*end || f[0][0] == '\0' || !isfinite(t->value))
		return bad(err, path, lineno, "value",
			   t->mode == SIM_VALIDATION_INFO ? "expected a number or nothing, "
			   "found \"%s\"" : "expected a number, found \"%s\"", f[0]);
	t->tolerance = strtod(f[1], &end);
	if (*end || !(t->tolerance >= 0) || !isfinite(t->tolerance))
		return bad(err, path, lineno, "tolerance",
			   "expected a number >= 0, found \"%s\"", f[1]);
	return 0;
}

/* Parses one row into *t, checking it against the experiment. */
static int parse_row(const mkt_market_params *p, char *line, const char *path,
		     int lineno, target *t, sim_error *err)
{
	char *f[9];
	if (split(line, f, 9) != 9)
		return sim_error_set(err, SIM_ERROR_CONFIG, path, lineno, NULL,
				     "expected 9 fields: target,kind,subject,n,week_start,"
				     "value,tolerance,mode,source");
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", f[0]);
	int kind = find_kind(f[1]);
	if (kind < 0)
		return bad_kind(err, path, lineno, f[1]);
	t->kind = (target_kind)kind;
	char *end;
	t->n = strtol(f[3], &end, 10);
	if (kinds[kind].needs_n && (*end || f[3][0] == '\0' || t->n < 1))
		return bad(err, path, lineno, "n", "expected a whole number >= 1, found \"%s\"", f[3]);
	if (parse_subject(p, f[2], path, lineno, t, err) != 0 ||
	    parse_week(p, f[4], f[3], path, lineno, t, err) != 0 ||
	    parse_comparison(f + 5, path, lineno, t, err) != 0)
		return -1;
	snprintf(t->source, sizeof t->source, "%s", f[8]);
	return 0;
}

/* Reads every target of the file; *targets is heap, owned by the caller. */
static int load_targets(const mkt_market_params *p, const char *path, target **targets,
			size_t *count, sim_error *err)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	*targets = NULL;
	*count = 0;
	if (!f)
		return sim_error_set(err, SIM_ERROR_CONFIG, path, 0, NULL,
				     "cannot read the targets file");
	/* fgets would read /dev/zero for ever (every line empty) and a
	   folder as an empty file. */
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return sim_error_set(err, SIM_ERROR_CONFIG, path, 0, NULL,
				     "cannot read the targets file: not a regular file");
	}
	char line[2048];
	int lineno = 0, rc = 0;
	bool header = false;
	size_t capacity = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (!header) {
			header = true;
			if (strncmp(line, "target,kind,subject,n,week_start,value,tolerance,mode",
				    53) != 0)
				rc = sim_error_set(err, SIM_ERROR_CONFIG, path, lineno, NULL,
						   "expected the header target,kind,subject,n,"
						   "week_start,value,tolerance,mode,source");
			continue;
		}
		if (*count == capacity) {
			capacity = capacity ? 2 * capacity : 16;
			target *grown = realloc(*targets, capacity * sizeof *grown);
			if (!grown) {
				rc = sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
				break;
			}
			*targets = grown;
		}
		rc = parse_row(p, line, path, lineno, &(*targets)[*count], err);
		if (rc == 0)
			(*count)++;
	}
	fclose(f);
	if (rc == 0 && *count == 0)
		rc = sim_error_set(err, SIM_ERROR_CONFIG, path, lineno, NULL, "no targets in the file");
	if (rc != 0) {
		free(*targets);
		*targets = NULL;
	}
	return rc;
}

/* Columns of models_weekly.csv a target reads. */
typedef struct week_view {
	const sim_table *t;
	size_t models;
	long tokens, rank, origin, model;
} week_view;

/* Tokens of origin's models ranked within the top n of week w (origin NULL:
   any), and whether all of the top n are of that origin. */
static double top_tokens(const week_view *v, size_t rep, long w, long n, const char *origin,
			 bool *all_of_origin)
{
	double sum = 0;
	*all_of_origin = true;
	for (size_t i = 0; i < v->models; i++) {
		size_t row = (size_t)w * v->models + i;
		double rank = sim_table_value(v->t, rep, row, (size_t)v->rank);
		if (rank < 1 || rank > n)
			continue;
		bool mine = !origin || strcmp(sim_table_key(v->t, row, (size_t)v->origin), origin) == 0;
		*all_of_origin &= mine;
		if (mine)
			sum += sim_table_value(v->t, rep, row, (size_t)v->tokens);
	}
	return sum;
}

/* Tokens of origin's `count` most-used ranked models in week w (0: all). */
static double leaders(const week_view *v, size_t rep, long w, const char *origin, long count)
{
	double best[256];
	size_t n = 0;
	for (size_t i = 0; i < v->models && n < 256; i++) {
		size_t row = (size_t)w * v->models + i;
		if (sim_table_value(v->t, rep, row, (size_t)v->rank) < 1 ||
		    strcmp(sim_table_key(v->t, row, (size_t)v->origin), origin) != 0)
			continue;
		double x = sim_table_value(v->t, rep, row, (size_t)v->tokens);
		size_t at = n++;
		while (at > 0 && best[at - 1] < x) {
			best[at] = best[at - 1];
			at--;
		}
		best[at] = x;
	}
	double sum = 0;
	for (size_t i = 0; i < n && (count == 0 || (long)i < count); i++)
		sum += best[i];
	return sum;
}

/* Tokens of every model of origin in week w, ranked or not. */
static double origin_tokens(const week_view *v, size_t rep, long w, const char *origin)
{
	double sum = 0;
	for (size_t i = 0; i < v->models; i++) {
		size_t row = (size_t)w * v->models + i;
		if (!origin || strcmp(sim_table_key(v->t, row, (size_t)v->origin), origin) == 0)
			sum += sim_table_value(v->t, rep, row, (size_t)v->tokens);
	}
	return sum;
}

/* 1 if subject's side beats other's in each of the t->n weeks to t->week:
   over each origin's leaders (lead_streak) or over the top list. */
static double streak(const week_view *v, size_t rep, const target *t)
{
	bool all;
	for (long w = t->week - t->n + 1; w <= t->week; w++) {
		double a, b;
		if (t->kind == TOP_LEAD_STREAK) {
			a = top_tokens(v, rep, w, t->subject_n, t->subject, &all);
			b = top_tokens(v, rep, w, t->subject_n, t->other, &all);
		} else {
			a = leaders(v, rep, w, t->subject, t->subject_n);
			b = leaders(v, rep, w, t->other, t->other_n);
		}
		if (!(a > b))
			return 0;
	}
	return 1;
}

/* Model t->subject's tokens or rank in its week; NaN if the table lacks it. */
static double model_value(const week_view *v, size_t rep, const target *t)
{
	for (size_t i = 0; i < v->models; i++) {
		size_t row = (size_t)t->week * v->models + i;
		if (strcmp(sim_table_key(v->t, row, (size_t)v->model), t->subject) == 0)
			return sim_table_value(v->t, rep, row,
					       (size_t)(t->kind == MODEL_RANK ? v->rank : v->tokens));
	}
	return NAN;
}

/* Target t's statistic in replication rep. */
static double evaluate(const week_view *v, size_t rep, const target *t)
{
	bool all;
	switch (t->kind) {
	case ROUTER_TOKENS:
		return origin_tokens(v, rep, t->week, NULL);
	case TOP_TOKENS:
		return top_tokens(v, rep, t->week, t->n, NULL, &all);
	case TOP_ALL_ORIGIN:
		top_tokens(v, rep, t->week, t->n, t->subject, &all);
		return all ? 1 : 0;
	case ORIGIN_TOP_TOKENS:
		return top_tokens(v, rep, t->week, t->n, t->subject, &all);
	case ORIGIN_LEADERS:
		return leaders(v, rep, t->week, t->subject, t->n);
	case ORIGIN_TOKENS:
		return origin_tokens(v, rep, t->week, t->subject);
	case LEAD_STREAK:
	case TOP_LEAD_STREAK:
		return streak(v, rep, t);
	case MODEL_TOKENS:
	case MODEL_RANK:
		return model_value(v, rep, t);
	case KINDS:
		break;
	}
	return NAN;
}

/* Target t's row: its statistic in each of the reps replications (x:
   scratch for them) summarised and judged (sim_validation_summarise). */
static sim_validation_row judge(const week_view *v, size_t reps, const target *t, double *x)
{
	sim_validation_row row = { .week = t->week, .value = t->value, .mode = t->mode,
				   .tolerance = t->tolerance };
	snprintf(row.target, sizeof row.target, "%s", t->name);
	snprintf(row.week_start, sizeof row.week_start, "%s", t->week_start);
	for (size_t r = 0; r < reps; r++)
		x[r] = evaluate(v, r, t);
	sim_validation_summarise(&row, x, reps);
	return row;
}

int mkt_validate(const void *params, const sim_table_set *tables, const char *path,
		 sim_validation *result, sim_error *err)
{
	const mkt_market_params *p = params;
	target *targets;
	size_t count;
	if (load_targets(p, path, &targets, &count, err) != 0)
		return -1;
	if (!tables) {
		free(targets);
		return 0;
	}
	week_view v = { .t = sim_table_find(tables, "models_weekly.csv"), .models = p->models.count };
	size_t reps = v.t ? sim_table_replications(v.t) : 0;
	double *x = malloc((reps ? reps : 1) * sizeof *x);
	if (!v.t || !x) {
		free(targets);
		free(x);
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "no weekly results");
	}
	v.tokens = sim_table_value_index(v.t, "tokens");
	v.rank = sim_table_value_index(v.t, "rank");
	v.origin = sim_table_key_index(v.t, "origin");
	v.model = sim_table_key_index(v.t, "model");
	int missed = sim_validation_set_source(result, path, reps, err) == 0 ? 0 : -1;
	for (size_t k = 0; k < count && missed >= 0; k++) {
		sim_validation_row row = judge(&v, reps, &targets[k], x);
		if (sim_validation_add(result, &row, err) != 0)
			missed = -1;
		else
			missed += !row.pass && row.mode != SIM_VALIDATION_INFO;
	}
	free(x);
	free(targets);
	return missed;
}
