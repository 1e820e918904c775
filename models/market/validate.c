/* validate.c - `marketsim validate`: the experiment's results against
   observed figures (experiments/targets/<name>.csv).
 *
 * A targets file is CSV with the header
 *     target,kind,subject,n,week_start,value,tolerance,mode,source
 * and one row per observed figure ('#' lines are comments). Each kind is a
 * statistic of one replication's week (the week starting at week_start):
 *     router_tokens            tokens of every model
 *     top_tokens        n      tokens of the n most-used ranked models
 *     top_all_origin    S n    1 if the n most-used ranked models are all of origin S
 *     origin_top_tokens S n    tokens of origin S's models among the n most-used
 *     origin_leaders    S n    tokens of origin S's n most-used ranked models
 *     lead_streak A:a>B:b n    1 if origin A's a most-used ranked models
 *                              out-process origin B's b most-used in each of
 *                              the n weeks ending that week (":a" omitted:
 *                              all of the origin's ranked models)
 *     model_tokens      S      tokens of model S
 *     model_rank        S      leaderboard rank of model S (0: unranked)
 * The replications' mean is compared with value: mode rel passes when
 * |mean - value| <= tolerance x value, abs when |mean - value| <= tolerance,
 * min when mean >= value, max when mean <= value. The result is a
 * sim_validation (include/sim_validation.h), one row per target; the
 * engine prints and stores it.
 */
#include "market_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim_table.h"

typedef enum target_kind {
	ROUTER_TOKENS, TOP_TOKENS, TOP_ALL_ORIGIN, ORIGIN_TOP_TOKENS, ORIGIN_LEADERS,
	LEAD_STREAK,
	MODEL_TOKENS, MODEL_RANK, KINDS
} target_kind;

/* Each kind's name in the targets file, indexed by the constants so that
   reordering the enum cannot pair a kind with another's name. */
static const char *const kind_names[] = {
	[ROUTER_TOKENS] = "router_tokens",
	[TOP_TOKENS] = "top_tokens",
	[TOP_ALL_ORIGIN] = "top_all_origin",
	[ORIGIN_TOP_TOKENS] = "origin_top_tokens",
	[ORIGIN_LEADERS] = "origin_leaders",
	[LEAD_STREAK] = "lead_streak",
	[MODEL_TOKENS] = "model_tokens",
	[MODEL_RANK] = "model_rank",
};
_Static_assert(sizeof kind_names / sizeof kind_names[0] == KINDS,
	       "kind_names: one name per target_kind");


typedef struct target {
	char name[64];
	target_kind kind;
	char subject[64], other[64]; /* lead_streak: subject > other */
	long n;
	long subject_n, other_n;     /* lead_streak: leaders compared; 0 all */
	long week;
	char week_start[11]; /* a date of the file, checked: 10 characters */
	double value, tolerance;
	sim_validation_mode mode;
	char source[256];
} target;

static int find_name(const char *const *names, int count, const char *s)
{
	for (int i = 0; i < count; i++)
		if (strcmp(names[i], s) == 0)
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

/* "CN:6" -> "CN" and 6; "CN" -> "CN" and 0 (every model). */
static int split_count(char *origin, long *count)
{
	char *colon = strchr(origin, ':');
	*count = 0;
	if (!colon)
		return 0;
	*colon = '\0';
	char *end;
	*count = strtol(colon + 1, &end, 10);
	return *end || *count < 1 ? -1 : 0;
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
	int kind = find_name(kind_names, KINDS, f[1]);
	if (kind < 0)
		return bad(err, path, lineno, "kind", "expected router_tokens, top_tokens, "
			   "top_all_origin, origin_top_tokens, origin_leaders, lead_streak, "
			   "model_tokens or model_rank; found \"%s\"", f[1]);
	t->kind = (target_kind)kind;
	snprintf(t->subject, sizeof t->subject, "%s", f[2]);
	char *end;
	t->n = strtol(f[3], &end, 10);
	bool needs_n = kind == TOP_TOKENS || kind == TOP_ALL_ORIGIN ||
		       kind == ORIGIN_TOP_TOKENS || kind == ORIGIN_LEADERS ||
		       kind == LEAD_STREAK;
	if (needs_n && (*end || t->n < 1))
		return bad(err, path, lineno, "n", "expected a whole number >= 1, found \"%s\"", f[3]);
	if (kind == MODEL_TOKENS || kind == MODEL_RANK) {
		if (sim_map_find(&p->models, t->subject) < 0)
			return bad(err, path, lineno, "subject",
				   "expected a model id of market.models, found \"%s\"", f[2]);
	} else if (kind == LEAD_STREAK) {
		char *gt = strchr(t->subject, '>');
		if (!gt)
			return bad(err, path, lineno, "subject",
				   "expected two origins as A>B, found \"%s\"", f[2]);
		*gt = '\0';
		snprintf(t->other, sizeof t->other, "%s", gt + 1);
		if (split_count(t->subject, &t->subject_n) != 0 ||
		    split_count(t->other, &t->other_n) != 0 ||
		    !has_origin(p, t->subject) || !has_origin(p, t->other))
			return bad(err, path, lineno, "subject",
				   "expected A>B or A:a>B:b with A, B origins of the "
				   "experiment's models, found \"%s\"", f[2]);
	} else if (kind == TOP_ALL_ORIGIN || kind == ORIGIN_TOP_TOKENS ||
		   kind == ORIGIN_LEADERS) {
		if (!has_origin(p, t->subject))
			return bad(err, path, lineno, "subject",
				   "expected an origin of the experiment's models, found \"%s\"", f[2]);
	}
	if (mkt_days_between(p->start_date, f[4], &t->week) != 0 || t->week < 0 ||
	    t->week % 7 != 0 || t->week >= p->days)
		return bad(err, path, lineno, "week_start",
			   "expected the first day of a week of the run (start_date plus a "
			   "multiple of 7 days, within the horizon), found \"%s\"", f[4]);
	snprintf(t->week_start, sizeof t->week_start, "%s", f[4]);
	t->week /= 7;
	if (kind == LEAD_STREAK && t->n > t->week + 1)
		return bad(err, path, lineno, "n", "expected a streak that starts within the "
			   "run, found %s weeks", f[3]);
	t->value = strtod(f[5], &end);
	if (*end || !isfinite(t->value))
		return bad(err, path, lineno, "value", "expected a number, found \"%s\"", f[5]);
	t->tolerance = strtod(f[6], &end);
	if (*end || !(t->tolerance >= 0) || !isfinite(t->tolerance))
		return bad(err, path, lineno, "tolerance",
			   "expected a number >= 0, found \"%s\"", f[6]);
	int mode = sim_validation_mode_parse(f[7]);
	if (mode < 0)
		return bad(err, path, lineno, "mode", "expected rel, abs, min or max, found \"%s\"",
			   f[7]);
	t->mode = (sim_validation_mode)mode;
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

static double evaluate(const week_view *v, size_t rep, const target *t)
{
	bool all;
	switch (t->kind) {
	case ROUTER_TOKENS: {
		double sum = 0;
		for (size_t i = 0; i < v->models; i++)
			sum += sim_table_value(v->t, rep, (size_t)t->week * v->models + i,
					       (size_t)v->tokens);
		return sum;
	}
	case TOP_TOKENS:
		return top_tokens(v, rep, t->week, t->n, NULL, &all);
	case TOP_ALL_ORIGIN:
		top_tokens(v, rep, t->week, t->n, t->subject, &all);
		return all ? 1 : 0;
	case ORIGIN_TOP_TOKENS:
		return top_tokens(v, rep, t->week, t->n, t->subject, &all);
	case ORIGIN_LEADERS:
		return leaders(v, rep, t->week, t->subject, t->n);
	case LEAD_STREAK:
		for (long w = t->week - t->n + 1; w <= t->week; w++)
			if (!(leaders(v, rep, w, t->subject, t->subject_n) >
			      leaders(v, rep, w, t->other, t->other_n)))
				return 0;
		return 1;
	case MODEL_TOKENS:
	case MODEL_RANK:
		for (size_t i = 0; i < v->models; i++) {
			size_t row = (size_t)t->week * v->models + i;
			if (strcmp(sim_table_key(v->t, row, (size_t)v->model), t->subject) == 0)
				return sim_table_value(v->t, rep, row, (size_t)(t->kind == MODEL_RANK ?
									      v->rank : v->tokens));
		}
		return NAN;
	case KINDS:
		break;
	}
	return NAN;
}

static bool passes(const target *t, double mean)
{
	switch (t->mode) {
	case SIM_VALIDATION_REL: return fabs(mean - t->value) <= t->tolerance * fabs(t->value);
	case SIM_VALIDATION_ABS: return fabs(mean - t->value) <= t->tolerance;
	case SIM_VALIDATION_MIN: return mean >= t->value;
	case SIM_VALIDATION_MAX: return mean <= t->value;
	case SIM_VALIDATION_MODES: break;
	}
	return false;
}

/* Target t's row: its statistic in each of the reps replications (x:
   scratch for them), their mean and 95% CI, and the verdict. */
static sim_validation_row judge(const week_view *v, size_t reps, const target *t, double *x)
{
	sim_validation_row row = { .week = t->week, .value = t->value, .mode = t->mode,
				   .tolerance = t->tolerance };
	snprintf(row.target, sizeof row.target, "%s", t->name);
	snprintf(row.week_start, sizeof row.week_start, "%s", t->week_start);
	for (size_t r = 0; r < reps; r++)
		x[r] = evaluate(v, r, t);
	double sd;
	sim_table_stats(x, reps, &row.mean, &sd, &row.lo, &row.hi);
	row.pass = passes(t, row.mean);
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
			missed += !row.pass;
	}
	free(x);
	free(targets);
	return missed;
}
