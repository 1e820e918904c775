/*
 * config.c - experiment files: libconfig parsing, schema checks, --set
 * overrides and the resolved config (see include/sim_config.h).
 *
 * The libconfig tree is the single record of what runs: --set writes into
 * it and resolve adds every defaulted setting to it, so the config written
 * next to the results is exactly the one that was used.
 *
 * Errors report the first problem in file order. A group's members are
 * checked in the order libconfig keeps them (file order, with @include
 * inlined), recursing into nested groups; the group's missing settings come
 * after its members, because a misspelt key ("lsp") is the usual cause of a
 * missing one and its "did you mean 'lps'?" is the more useful message.
 *
 * libconfig 1.5 quirks dealt with here:
 *  - the config_lookup_* helpers return false both for a missing key and a
 *    wrong type, so we read settings with config_setting_get_member and
 *    config_setting_type;
 *  - a decimal or hex integer literal that does not fit in 32 bits is stored
 *    modulo 2^32 without a word (seed = 3000000000 reads as -1294967296); we
 *    re-read the literal from its source line to catch that;
 *  - a setting from an @included file names that file as written in the
 *    directive, relative to the include dir; we join the two for messages;
 *  - every @include, nested ones too, is resolved against the one include
 *    dir (the main file's folder), and absolute @include paths fail;
 *  - config_setting_set_int64 on an int setting truncates silently and
 *    config_setting_remove takes a path, so a value of another type always
 *    replaces the setting, by its plain (undotted) name.
 */
#include "sim_config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* A source file's text, kept so integer literals can be re-read. */
typedef struct source {
	struct source *next;
	char *name; /* as shown in messages */
	char *text; /* NULL when the file could not be read */
} source;

struct sim_config {
	config_t lc;
	char *name;       /* the path given to parse, or the stand-in name */
	char *dir;        /* @include dir (the file's folder); NULL: cwd */
	source *sources;  /* read on demand, freed with the config */
};

/* A value converted to the C type of its setting. */
typedef struct value {
	int64_t i;
	double d;
	bool b;
	const char *s; /* STRING text, or the matched CHOICE name */
	int choice;
	double *nums;  /* NUMBERS: heap array of n, freed by value_release */
	size_t n;
	long bad;      /* NUMBERS: index of the element at fault, or -1 */
} value;

static void value_release(value *v)
{
	free(v->nums);
	v->nums = NULL;
	v->n = 0;
}

/* A message assembled from pieces; long messages are cut, not overrun. */
typedef struct msgbuf {
	char text[1024];
	size_t len;
} msgbuf;

static void mb_add(msgbuf *mb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void mb_add(msgbuf *mb, const char *fmt, ...)
{
	if (mb->len >= sizeof mb->text - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(mb->text + mb->len, sizeof mb->text - mb->len, fmt,
			  ap);
	va_end(ap);
	if (n > 0)
		mb->len += (size_t)n;
	if (mb->len > sizeof mb->text - 1)
		mb->len = sizeof mb->text - 1;
}

static int oom(sim_error *err, const char *path)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, path,
			     "out of memory");
}

/* libconfig refuses to add a setting when memory runs out, and also when
   a schema name is not a valid libconfig name (a bug in the schema). */
static int tree_failed(sim_error *err, const char *path)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, path,
			     "cannot add the setting to the config (out of "
			     "memory, or not a valid libconfig name)");
}

/* ---- formatting values for messages ----------------------------------- */

/* Writes x with the fewest digits, from %g's six up, that read back as x,
   so a message never shows "found 1" for 1.0000001. */
static void fmt_double(double x, char *buf, size_t n)
{
	if (isnan(x)) {
		snprintf(buf, n, "nan");
		return;
	}
	if (isinf(x)) {
		snprintf(buf, n, "%s", x > 0 ? "inf" : "-inf");
		return;
	}
	if (x == floor(x) && fabs(x) < 1e15) {
		snprintf(buf, n, "%.0f", x); /* 1000000, not 1e+06 */
		return;
	}
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			return;
	}
}

/* Like fmt_double but always looks like a float ("2.0"), for
   "found a float (2.0)" where a bare "2" would read as an integer. */
static void fmt_float_literal(double x, char *buf, size_t n)
{
	fmt_double(x, buf, n);
	size_t len = strlen(buf);
	if (isfinite(x) && !strpbrk(buf, ".eE") && len + 3 <= n)
		memcpy(buf + len, ".0", 3);
}

/* Appends s in double quotes, escaping quotes, backslashes and control
   characters, cut at 60 characters so one huge value cannot drown the
   message. */
static void mb_quote(msgbuf *mb, const char *s)
{
	enum { SHOW = 60 };
	size_t i;
	mb_add(mb, "\"");
	for (i = 0; s[i] && i < SHOW; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			mb_add(mb, "\\%c", c);
		else if (c == '\n')
			mb_add(mb, "\\n");
		else if (c == '\t')
			mb_add(mb, "\\t");
		else if (c < 0x20 || c == 0x7f)
			mb_add(mb, "\\x%02x", c);
		else
			mb_add(mb, "%c", c);
	}
	mb_add(mb, "%s\"", s[i] ? "..." : "");
}

/* The range of an INT or FLOAT row as "[0, 1]" / "(0, 10)" when both
   bounds are finite, ">= 1" / "< 5" when one is, "" when none is (a NaN
   bound counts as none). Returns true for the bracketed form. */
static bool range_text(const sim_setting *row, char *buf, size_t n)
{
	bool lo = isfinite(row->min), hi = isfinite(row->max);
	char a[32], b[32];
	fmt_double(row->min, a, sizeof a);
	fmt_double(row->max, b, sizeof b);
	buf[0] = '\0';
	if (lo && hi) {
		snprintf(buf, n, "%c%s, %s%c", row->min_open ? '(' : '[', a, b,
			 row->max_open ? ')' : ']');
		return true;
	}
	if (lo)
		snprintf(buf, n, "%s %s", row->min_open ? ">" : ">=", a);
	else if (hi)
		snprintf(buf, n, "%s %s", row->max_open ? "<" : "<=", b);
	return false;
}

static void mb_choices(msgbuf *mb, const sim_setting *row)
{
	for (size_t k = 0; row->choices && row->choices[k]; k++) {
		if (k)
			mb_add(mb, ", ");
		mb_quote(mb, row->choices[k]);
	}
}

static bool is_collection(const sim_setting *row)
{
	return row->kind == SIM_SETTING_MAP || row->kind == SIM_SETTING_LIST ||
	       row->kind == SIM_SETTING_NUMBERS ||
	       row->kind == SIM_SETTING_VARIANT_LIST;
}

/* Appends a collection's count bounds: "at most 3 elements", "1 to 5
   entries", "exactly 2 elements"; nothing when unbounded. */
static void mb_count(msgbuf *mb, const sim_setting *row)
{
	const char *unit = row->kind == SIM_SETTING_MAP ? "entr" : "element";
	size_t lo = row->min_items, hi = row->max_items;
	size_t last = hi ? hi : lo;
	const char *plural = row->kind == SIM_SETTING_MAP
				     ? (last == 1 ? "y" : "ies")
				     : (last == 1 ? "" : "s");
	if (lo == 0 && hi == 0)
		return;
	if (lo == hi)
		mb_add(mb, "exactly %zu", lo);
	else if (hi == 0)
		mb_add(mb, "at least %zu", lo);
	else if (lo == 0)
		mb_add(mb, "at most %zu", hi);
	else
		mb_add(mb, "%zu to %zu", lo, hi);
	mb_add(mb, " %s%s", unit, plural);
}

/* Appends the range of an INT or FLOAT row (or a NUMBERS row's elements):
   " in [0, 1]", " >= 1", or nothing. */
static void mb_range(msgbuf *mb, const sim_setting *row)
{
	char range[96];
	if (range_text(row, range, sizeof range))
		mb_add(mb, " in %s", range);
	else if (range[0])
		mb_add(mb, " %s", range);
}

/* Appends what a collection row accepts, e.g. "a list of groups ( { ...
   }, ... ) with at most 3 elements". */
static void mb_expected_collection(msgbuf *mb, const sim_setting *row)
{
	switch (row->kind) {
	case SIM_SETTING_MAP:
		mb_add(mb, "a map { <id> = { ... }; ... }");
		break;
	case SIM_SETTING_LIST:
		mb_add(mb, "a list of groups ( { ... }, ... )");
		break;
	case SIM_SETTING_VARIANT_LIST:
		mb_add(mb, "a list of groups ( { %s = \"...\"; ... }, ... )",
		       row->discriminator);
		break;
	default:
		mb_add(mb, "an array of numbers");
		mb_range(mb, row);
		break;
	}
	if (row->min_items || row->max_items) {
		mb_add(mb, " with ");
		mb_count(mb, row);
	}
}

/* Appends what row accepts: "an integer >= 1", "a number in [0, 1]". */
static void mb_expected(msgbuf *mb, const sim_setting *row)
{
	switch (row->kind) {
	case SIM_SETTING_INT:
	case SIM_SETTING_FLOAT:
		mb_add(mb, "%s", row->kind == SIM_SETTING_INT ? "an integer"
							      : "a number");
		mb_range(mb, row);
		break;
	case SIM_SETTING_BOOL:
		mb_add(mb, "a boolean (true or false)");
		break;
	case SIM_SETTING_STRING:
		mb_add(mb, "a string");
		break;
	case SIM_SETTING_CHOICE:
		mb_add(mb, "one of ");
		mb_choices(mb, row);
		break;
	case SIM_SETTING_GROUP:
		mb_add(mb, "a group { ... }");
		break;
	case SIM_SETTING_MAP:
	case SIM_SETTING_LIST:
	case SIM_SETTING_NUMBERS:
	case SIM_SETTING_VARIANT_LIST:
		mb_expected_collection(mb, row);
		break;
	}
}

/* Appends what the tree holds: "a string (\"abc\")", "a float (2.5)". */
static void mb_found(msgbuf *mb, const config_setting_t *s)
{
	char num[40];
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		mb_add(mb, "an integer (%lld)", config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		fmt_float_literal(config_setting_get_float(s), num, sizeof num);
		mb_add(mb, "a float (%s)", num);
		break;
	case CONFIG_TYPE_BOOL:
		mb_add(mb, "a boolean (%s)",
		       config_setting_get_bool(s) ? "true" : "false");
		break;
	case CONFIG_TYPE_STRING:
		mb_add(mb, "a string (");
		mb_quote(mb, config_setting_get_string(s));
		mb_add(mb, ")");
		break;
	case CONFIG_TYPE_GROUP:
		mb_add(mb, "a group");
		break;
	case CONFIG_TYPE_ARRAY:
		mb_add(mb, "an array");
		break;
	case CONFIG_TYPE_LIST:
		mb_add(mb, "a list");
		break;
	default:
		mb_add(mb, "an empty setting");
		break;
	}
}

/* ---- names and suggestions -------------------------------------------- */

int sim_edit_distance(const char *a, const char *b)
{
	enum { CAP = 255 };
	size_t la = strlen(a), lb = strlen(b);
	if (la < lb) { /* keep the row over the shorter string */
		const char *t = a;
		a = b;
		b = t;
		size_t tl = la;
		la = lb;
		lb = tl;
	}
	if (la - lb >= CAP)
		return CAP;
	unsigned small[64];
	unsigned *row = lb < 64 ? small : malloc((lb + 1) * sizeof *row);
	if (!row)
		return CAP; /* only ever a hint: "far apart" is a safe answer */
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	unsigned result = 0;
	bool capped = false;
	for (size_t i = 1; i <= la && !capped; i++) {
		unsigned diag = row[0], least;
		row[0] = (unsigned)i;
		least = row[0];
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
			if (best < least)
				least = best;
		}
		/* A row's minimum never decreases: past the cap, stop. */
		capped = least >= CAP;
	}
	result = capped ? CAP : row[lb];
	if (row != small)
		free(row);
	return result > CAP ? CAP : (int)result;
}

/* Keeps cand in *best when it is the closest to name so far and close
   enough to be a likely typo: within max(2, len(name)/3) edits, or equal
   but for case. */
static void consider(const char *name, const char *cand, const char **best,
		     int *best_d)
{
	int limit = (int)(strlen(name) / 3);
	if (limit < 2)
		limit = 2;
	/* "LIFO" for "lifo" is a typo too, however many letters differ. */
	int d = strcasecmp(name, cand) == 0 ? 1 : sim_edit_distance(name, cand);
	if (d <= limit && d < *best_d) {
		*best = cand;
		*best_d = d;
	}
}

static const sim_setting *find_row(const sim_schema *schema, const char *name)
{
	for (size_t k = 0; k < schema->count; k++)
		if (strcmp(schema->settings[k].name, name) == 0)
			return &schema->settings[k];
	return NULL;
}

/* "unknown setting; did you mean 'lps'?" or the list of valid names. */
static void mb_unknown(msgbuf *mb, const sim_schema *schema, const char *name)
{
	const char *best = NULL;
	int best_d = INT_MAX;
	for (size_t k = 0; k < schema->count; k++)
		consider(name, schema->settings[k].name, &best, &best_d);
	if (best) {
		mb_add(mb, "unknown setting; did you mean '%s'?", best);
		return;
	}
	if (schema->count == 0) {
		mb_add(mb, "unknown setting; this group takes no settings");
		return;
	}
	mb_add(mb, "unknown setting; expected one of: ");
	for (size_t k = 0; k < schema->count; k++)
		mb_add(mb, "%s%s", k ? ", " : "", schema->settings[k].name);
}

/* buf = prefix.name, or name when prefix is empty, cut to fit. buf may be
   prefix itself, to append a component in place. */
static void join_path(char *buf, size_t n, const char *prefix,
		      const char *name)
{
	size_t lp = prefix ? strnlen(prefix, n - 1) : 0;
	if (buf != prefix && lp)
		memmove(buf, prefix, lp);
	if (lp && lp < n - 1)
		buf[lp++] = '.';
	size_t ln = strnlen(name, n - 1 - lp);
	memmove(buf + lp, name, ln);
	buf[lp + ln] = '\0';
}

/* ---- where a setting came from ---------------------------------------- */

/* The name to show for a file libconfig recorded: the parsed path for the
   main file, an @included name joined to the include dir. */
static void display_name(const sim_config *cfg, const char *file, char *buf,
			 size_t n)
{
	if (!file || strcmp(file, cfg->name) == 0 || !cfg->dir ||
	    file[0] == '/') {
		snprintf(buf, n, "%s", file ? file : cfg->name);
		return;
	}
	size_t dl = strlen(cfg->dir);
	bool slash = dl > 0 && cfg->dir[dl - 1] == '/';
	snprintf(buf, n, "%s%s%s", cfg->dir, slash ? "" : "/", file);
}

/* Fills file with where setting s came from and returns its line: "--set"
   and 0 for an override, else its own file:line, else (for a setting added
   as a default) those of the nearest enclosing group that has a line, the
   root counting as line 1 of the file. */
static int origin(const sim_config *cfg, const config_setting_t *s,
		  char *file, size_t n)
{
	for (; s; s = config_setting_parent(s)) {
		/* sim_config_set tags what it writes with the config itself. */
		if (config_setting_get_hook(s) == (const void *)cfg) {
			snprintf(file, n, "--set");
			return 0;
		}
		if (config_setting_source_line(s) > 0) {
			display_name(cfg, config_setting_source_file(s), file,
				     n);
			return (int)config_setting_source_line(s);
		}
	}
	snprintf(file, n, "%s", cfg->name);
	return 1;
}

static int error_at_setting(const sim_config *cfg, const config_setting_t *s,
			    const char *path, const msgbuf *mb, sim_error *err)
{
	char file[sizeof err->file];
	int line = origin(cfg, s, file, sizeof file);
	return sim_error_set(err, SIM_ERROR_CONFIG, file, line, path, "%s",
			     mb->text);
}

/* ---- source text, for the integer literal check ----------------------- */

static char *read_whole(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		len += fread(buf + len, 1, cap - 1 - len, f);
		if (ferror(f) || feof(f))
			break;
		char *bigger = realloc(buf, cap * 2);
		if (!bigger) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = bigger;
		cap *= 2;
	}
	if (buf && ferror(f)) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[len] = '\0';
	fclose(f);
	return buf;
}

/* The text of the file shown as name, read once; NULL if unreadable. */
static const char *source_text(sim_config *cfg, const char *name)
{
	for (source *src = cfg->sources; src; src = src->next)
		if (strcmp(src->name, name) == 0)
			return src->text;
	source *src = calloc(1, sizeof *src);
	if (!src)
		return NULL;
	src->name = strdup(name);
	if (!src->name) {
		free(src);
		return NULL;
	}
	src->text = read_whole(name);
	src->next = cfg->sources;
	cfg->sources = src;
	return src->text;
}

/* A heap copy of line `line` (from 1) of text, or NULL. */
static char *copy_line(const char *text, int line)
{
	if (!text || line < 1)
		return NULL;
	for (int k = 1; k < line; k++) {
		text = strchr(text, '\n');
		if (!text)
			return NULL;
		text++;
	}
	return strndup(text, strcspn(text, "\n"));
}

static bool is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '*';
}

/* True when the source line of int setting s holds `name = <literal>` with
   an integer literal that libconfig 1.5 reduced modulo 2^32 to the stored
   value; copies the literal's text into lit and its value into *lit_value.
   The match must reproduce the stored value exactly, so a stray number
   elsewhere on the line cannot set it off. */
static bool int_literal_wrapped(sim_config *cfg, const config_setting_t *s,
				char *lit, size_t n, long long *lit_value)
{
	const char *name = config_setting_name(s);
	int stored = config_setting_get_int(s);
	char file[512];
	if (!name || config_setting_source_line(s) == 0)
		return false;
	display_name(cfg, config_setting_source_file(s), file, sizeof file);
	char *line = copy_line(source_text(cfg, file),
			       (int)config_setting_source_line(s));
	if (!line)
		return false;
	bool found = false;
	size_t nl = strlen(name);
	for (const char *p = strstr(line, name); p && !found;
	     p = strstr(p + 1, name)) {
		if (p > line && is_name_char(p[-1]))
			continue;
		const char *q = p + nl;
		q += strspn(q, " \t");
		if (*q != '=' && *q != ':')
			continue;
		q++;
		q += strspn(q, " \t");
		const char *start = q;
		bool neg = *q == '-';
		if (*q == '-' || *q == '+')
			q++;
		unsigned long long mag;
		char *end;
		errno = 0;
		if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
			mag = strtoull(q + 2, &end, 16);
		else
			mag = strtoull(q, &end, 10);
		if (end == q || !isdigit((unsigned char)*q) ||
		    is_name_char(*end) || *end == '.')
			continue;
		/* libconfig reads the literal as a long (clamped when huge)
		   and keeps its low 32 bits; do the same. */
		long long v;
		if (errno == ERANGE || mag > (unsigned long long)LLONG_MAX)
			v = neg ? LLONG_MIN : LLONG_MAX;
		else
			v = neg ? -(long long)mag : (long long)mag;
		uint32_t low = (uint32_t)(unsigned long long)v;
		long long wrapped = low >= 0x80000000u
					    ? (long long)low - 0x100000000LL
					    : (long long)low;
		if (wrapped == stored && v != stored) {
			snprintf(lit, n, "%.*s", (int)(end - start), start);
			*lit_value = v;
			found = true;
		}
	}
	free(line);
	return found;
}

/* ---- converting and checking values ----------------------------------- */

/* Appends "; did you mean \"x\"?" when a choice is close to name. */
static void mb_choice_hint(msgbuf *mb, const sim_setting *row,
			   const char *name)
{
	const char *best = NULL;
	int best_d = INT_MAX;
	for (size_t k = 0; row->choices && row->choices[k]; k++)
		consider(name, row->choices[k], &best, &best_d);
	if (best) {
		mb_add(mb, "; did you mean ");
		mb_quote(mb, best);
		mb_add(mb, "?");
	}
}

static int match_choice(const sim_setting *row, const char *text, value *v,
			msgbuf *mb)
{
	for (size_t k = 0; row->choices && row->choices[k]; k++) {
		if (strcmp(row->choices[k], text) == 0) {
			v->choice = (int)k;
			v->s = row->choices[k];
			return 0;
		}
	}
	mb_add(mb, "expected ");
	mb_expected(mb, row);
	mb_add(mb, ", found ");
	mb_quote(mb, text);
	mb_choice_hint(mb, row, text);
	return -1;
}

/* Range check for an INT or FLOAT value already of the right type. */
static int check_range(const sim_setting *row, const value *v, msgbuf *mb)
{
	double x = row->kind == SIM_SETTING_INT ? (double)v->i : v->d;
	bool low = !isnan(row->min) &&
		   (row->min_open ? !(x > row->min) : !(x >= row->min));
	bool high = !isnan(row->max) &&
		    (row->max_open ? !(x < row->max) : !(x <= row->max));
	if (!low && !high)
		return 0;
	mb_add(mb, "expected ");
	mb_expected(mb, row);
	if (row->kind == SIM_SETTING_INT) {
		mb_add(mb, ", found %" PRId64, v->i);
	} else {
		char num[40];
		fmt_double(v->d, num, sizeof num);
		mb_add(mb, ", found %s", num);
	}
	return -1;
}

static int check_finite(const sim_setting *row, const value *v, msgbuf *mb,
			const char *shown)
{
	if (isfinite(v->d))
		return check_range(row, v, mb);
	mb_add(mb, "expected a finite number, found %s", shown);
	return -1;
}

/* Parses text as a whole integer, decimal or 0x hex like libconfig's
   (not octal: "010" is ten); no spaces, no fraction. */
static bool parse_int(const char *text, int64_t *out)
{
	char *end;
	if (!text[0] || isspace((unsigned char)text[0]))
		return false;
	bool hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
	errno = 0;
	long long v = strtoll(text, &end, hex ? 16 : 10);
	if (*end || errno == ERANGE)
		return false;
	*out = (int64_t)v;
	return true;
}

static bool parse_double(const char *text, double *out)
{
	char *end;
	if (!text[0] || isspace((unsigned char)text[0]))
		return false;
	*out = strtod(text, &end);
	return *end == '\0';
}

/* Strips one pair of surrounding double quotes, in place. */
static char *unquote(char *text)
{
	size_t len = strlen(text);
	if (len >= 2 && text[0] == '"' && text[len - 1] == '"') {
		text[len - 1] = '\0';
		return text + 1;
	}
	return text;
}

/* Checks a collection's size against the row's min_items/max_items. */
static int check_count(const sim_setting *row, size_t n, msgbuf *mb)
{
	if (n >= row->min_items && (row->max_items == 0 || n <= row->max_items))
		return 0;
	mb_add(mb, "expected ");
	mb_expected(mb, row);
	mb_add(mb, ", found %zu", n);
	return -1;
}

/* The row a NUMBERS row's elements are checked against: a FLOAT with the
   same range. */
static sim_setting element_row(const sim_setting *row)
{
	return (sim_setting){ .name = row->name, .kind = SIM_SETTING_FLOAT,
			      .min = row->min, .max = row->max,
			      .min_open = row->min_open,
			      .max_open = row->max_open, .required = true };
}

/* Strips leading and trailing blanks, in place. */
static char *trim(char *text)
{
	size_t len;
	while (isspace((unsigned char)*text))
		text++;
	len = strlen(text);
	while (len && isspace((unsigned char)text[len - 1]))
		text[--len] = '\0';
	return text;
}

/* Converts one element of a NUMBERS text; on failure sets v->bad. */
static int number_from_text(const sim_setting *elem, char *tok, size_t k,
			    value *v, msgbuf *mb)
{
	value e = { .d = 0 };
	msgbuf shown = { .len = 0 };
	mb_quote(&shown, tok);
	v->bad = (long)k;
	if (!parse_double(tok, &e.d)) {
		mb_add(mb, "expected ");
		mb_expected(mb, elem);
		mb_add(mb, ", found %s", shown.text);
		return -1;
	}
	if (check_finite(elem, &e, mb, shown.text))
		return -1;
	v->nums[k] = e.d;
	v->bad = -1;
	return 0;
}

/* Converts "[1, 2.5]" or "1,2.5" (a --set value or a default; "[]" is
   empty) to a NUMBERS value, checking every element and the count. */
static int numbers_from_text(const sim_setting *row, char *text, value *v,
			     msgbuf *mb)
{
	sim_setting elem = element_row(row);
	char *p = trim(text);
	size_t len = strlen(p), n = 0;
	v->bad = -1;
	if (len >= 2 && p[0] == '[' && p[len - 1] == ']') {
		p[len - 1] = '\0';
		p = trim(p + 1);
	} else if (!len || strchr(p, '[') || strchr(p, ']')) {
		mb_add(mb, "expected ");
		mb_expected(mb, row);
		mb_add(mb, ", found ");
		mb_quote(mb, p);
		return -1;
	}
	if (*p)
		for (const char *c = p; c; c = strchr(c + 1, ','))
			n++;
	v->nums = calloc(n ? n : 1, sizeof *v->nums);
	if (!v->nums) {
		mb_add(mb, "out of memory");
		return -1;
	}
	for (size_t k = 0; k < n; k++) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (number_from_text(&elem, trim(p), k, v, mb))
			return -1;
		if (comma)
			p = comma + 1;
	}
	v->n = n;
	return check_count(row, n, mb);
}

/* Converts command-line text (a --set value or a schema default) to row's
   type and checks it as if it were in the file. May modify text; v->s
   points into it; a NUMBERS value allocates (value_release). On failure
   describes the problem in mb. */
static int value_from_text(const sim_setting *row, char *text, value *v,
			   msgbuf *mb)
{
	switch (row->kind) {
	case SIM_SETTING_INT:
		if (parse_int(text, &v->i))
			return check_range(row, v, mb);
		break;
	case SIM_SETTING_FLOAT:
		if (parse_double(text, &v->d)) {
			msgbuf shown = { .len = 0 };
			mb_quote(&shown, text);
			return check_finite(row, v, mb, shown.text);
		}
		break;
	case SIM_SETTING_BOOL:
		if (strcasecmp(text, "true") == 0 ||
		    strcasecmp(text, "false") == 0) {
			v->b = strcasecmp(text, "true") == 0;
			return 0;
		}
		break;
	case SIM_SETTING_STRING:
		v->s = unquote(text);
		return 0;
	case SIM_SETTING_CHOICE:
		return match_choice(row, unquote(text), v, mb);
	case SIM_SETTING_NUMBERS:
		return numbers_from_text(row, text, v, mb);
	case SIM_SETTING_GROUP:
	case SIM_SETTING_MAP:
	case SIM_SETTING_LIST:
	case SIM_SETTING_VARIANT_LIST:
		break;
	}
	mb_add(mb, "expected ");
	mb_expected(mb, row);
	mb_add(mb, ", found ");
	mb_quote(mb, text);
	return -1;
}

/* Converts setting s of the tree to row's type (a scalar kind) and checks
   it; on failure describes expected and found in mb. */
static int value_from_tree(sim_config *cfg, const sim_setting *row,
			   const config_setting_t *s, value *v, msgbuf *mb)
{
	int type = config_setting_type(s);
	bool integer = type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64;
	bool number = row->kind == SIM_SETTING_INT ||
		      row->kind == SIM_SETTING_FLOAT;
	char lit[64], num[40];
	long long lit_value;

	if (number && type == CONFIG_TYPE_INT &&
	    int_literal_wrapped(cfg, s, lit, sizeof lit, &lit_value)) {
		mb_add(mb, "expected ");
		mb_expected(mb, row);
		mb_add(mb, ", found %s, which libconfig reads as the 32-bit "
			   "integer %d; write ",
		       lit, config_setting_get_int(s));
		if (row->kind == SIM_SETTING_INT)
			mb_add(mb, "%sL", lit);
		else
			mb_add(mb, "%lld.0", lit_value);
		return -1;
	}
	switch (row->kind) {
	case SIM_SETTING_INT:
		if (integer) {
			v->i = config_setting_get_int64(s);
			return check_range(row, v, mb);
		}
		break;
	case SIM_SETTING_FLOAT:
		if (integer || type == CONFIG_TYPE_FLOAT) {
			v->d = integer ? (double)config_setting_get_int64(s)
				       : config_setting_get_float(s);
			fmt_double(v->d, num, sizeof num);
			return check_finite(row, v, mb, num);
		}
		break;
	case SIM_SETTING_BOOL:
		if (type == CONFIG_TYPE_BOOL) {
			v->b = config_setting_get_bool(s);
			return 0;
		}
		break;
	case SIM_SETTING_STRING:
		if (type == CONFIG_TYPE_STRING) {
			v->s = config_setting_get_string(s);
			return 0;
		}
		break;
	case SIM_SETTING_CHOICE:
		if (type == CONFIG_TYPE_STRING)
			return match_choice(row, config_setting_get_string(s),
					    v, mb);
		break;
	case SIM_SETTING_GROUP:
	case SIM_SETTING_MAP:
	case SIM_SETTING_LIST:
	case SIM_SETTING_NUMBERS:
	case SIM_SETTING_VARIANT_LIST:
		break;
	}
	mb_add(mb, "expected ");
	mb_expected(mb, row);
	mb_add(mb, ", found ");
	mb_found(mb, s);
	/* Hints for the two usual slips: quoting a number, or not quoting a
	   string. */
	if (type == CONFIG_TYPE_STRING &&
	    (number || row->kind == SIM_SETTING_BOOL)) {
		value probe;
		msgbuf ignored = { .len = 0 };
		char *copy = strdup(config_setting_get_string(s));
		if (copy && value_from_text(row, copy, &probe, &ignored) == 0)
			mb_add(mb, "; write it without quotes");
		free(copy);
	} else if (row->kind == SIM_SETTING_STRING &&
		   config_setting_is_scalar(s)) {
		mb_add(mb, "; write it in double quotes");
	}
	return -1;
}

/* ---- writing values --------------------------------------------------- */

/* Writes v into params at row's offset; strings are copied. */
static int store_param(const sim_setting *row, char *base, const value *v,
		       const char *path, sim_error *err)
{
	char *at = base + row->offset;
	switch (row->kind) {
	case SIM_SETTING_INT:
		memcpy(at, &v->i, sizeof v->i);
		break;
	case SIM_SETTING_FLOAT:
		memcpy(at, &v->d, sizeof v->d);
		break;
	case SIM_SETTING_BOOL:
		memcpy(at, &v->b, sizeof v->b);
		break;
	case SIM_SETTING_STRING: {
		char *copy = strdup(v->s), *old;
		if (!copy)
			return oom(err, path);
		memcpy(&old, at, sizeof old);
		free(old);
		memcpy(at, &copy, sizeof copy);
		break;
	}
	case SIM_SETTING_CHOICE:
		memcpy(at, &v->choice, sizeof v->choice);
		break;
	case SIM_SETTING_NUMBERS: {
		sim_numbers *num = (sim_numbers *)(void *)at;
		double *copy = malloc((v->n ? v->n : 1) * sizeof *copy);
		if (!copy)
			return oom(err, path);
		if (v->n)
			memcpy(copy, v->nums, v->n * sizeof *copy);
		free(num->values);
		num->values = copy;
		num->count = v->n;
		break;
	}
	case SIM_SETTING_GROUP:
	case SIM_SETTING_MAP:
	case SIM_SETTING_LIST:
	case SIM_SETTING_VARIANT_LIST:
		break;
	}
	return 0;
}

/* Returns group's member `name` of libconfig type `type`, creating it, or
   replacing a member of another type (whose value is being overridden).
   NULL when out of memory. */
static config_setting_t *member_of_type(config_setting_t *group,
					const char *name, int type)
{
	config_setting_t *s = config_setting_get_member(group, name);
	if (s && config_setting_type(s) == type)
		return s;
	if (s)
		config_setting_remove(group, name);
	return config_setting_add(group, name, type);
}

/* Replaces the elements of array s by v's numbers, as floats (so the
   written config reads back as numbers whatever they are). */
static bool store_numbers(config_setting_t *s, const value *v)
{
	while (config_setting_length(s) > 0)
		if (!config_setting_remove_elem(s, 0))
			return false;
	for (size_t k = 0; k < v->n; k++)
		if (!config_setting_set_float_elem(s, -1, v->nums[k]))
			return false;
	return true;
}

/* Writes v into the tree as group's member row->name; returns the setting,
   or NULL when out of memory. */
static config_setting_t *store_tree(config_setting_t *group,
				    const sim_setting *row, const value *v)
{
	config_setting_t *s = NULL;
	bool ok = false;
	switch (row->kind) {
	case SIM_SETTING_INT: {
		/* An int64 setting can hold anything; an int one only 32 bits
		   (and set_int64 on it would truncate without a word). */
		config_setting_t *old =
			config_setting_get_member(group, row->name);
		bool small = v->i >= INT32_MIN && v->i <= INT32_MAX;
		if (old && config_setting_type(old) == CONFIG_TYPE_INT64)
			small = false;
		s = member_of_type(group, row->name,
				   small ? CONFIG_TYPE_INT : CONFIG_TYPE_INT64);
		ok = s && (small ? config_setting_set_int(s, (int)v->i)
				 : config_setting_set_int64(s, v->i));
		if (ok) /* an override written in hex would print as hex */
			config_setting_set_format(s, CONFIG_FORMAT_DEFAULT);
		break;
	}
	case SIM_SETTING_FLOAT:
		s = member_of_type(group, row->name, CONFIG_TYPE_FLOAT);
		ok = s && config_setting_set_float(s, v->d);
		break;
	case SIM_SETTING_BOOL:
		s = member_of_type(group, row->name, CONFIG_TYPE_BOOL);
		ok = s && config_setting_set_bool(s, v->b);
		break;
	case SIM_SETTING_STRING:
	case SIM_SETTING_CHOICE:
		s = member_of_type(group, row->name, CONFIG_TYPE_STRING);
		ok = s && config_setting_set_string(s, v->s);
		break;
	case SIM_SETTING_NUMBERS:
		s = member_of_type(group, row->name, CONFIG_TYPE_ARRAY);
		ok = s && store_numbers(s, v);
		break;
	case SIM_SETTING_GROUP:
	case SIM_SETTING_MAP:
	case SIM_SETTING_LIST:
	case SIM_SETTING_VARIANT_LIST:
		break;
	}
	return ok ? s : NULL;
}

/* ---- parsing ---------------------------------------------------------- */

static sim_config *config_new(const char *name, const char *dir,
			      size_t dir_len)
{
	sim_config *cfg = calloc(1, sizeof *cfg);
	if (!cfg)
		return NULL;
	cfg->name = strdup(name);
	if (dir)
		cfg->dir = strndup(dir, dir_len);
	if (!cfg->name || (dir && !cfg->dir)) {
		free(cfg->name);
		free(cfg->dir);
		free(cfg);
		return NULL;
	}
	config_init(&cfg->lc);
	/* Written configs read "engine = {" rather than "engine :\n{". */
	config_set_options(&cfg->lc, CONFIG_OPTION_SEMICOLON_SEPARATORS);
	if (cfg->dir)
		config_set_include_dir(&cfg->lc, cfg->dir);
	return cfg;
}

void sim_config_free(sim_config *cfg)
{
	if (!cfg)
		return;
	config_destroy(&cfg->lc);
	for (source *src = cfg->sources, *next; src; src = next) {
		next = src->next;
		free(src->name);
		free(src->text);
		free(src);
	}
	free(cfg->name);
	free(cfg->dir);
	free(cfg);
}

/* libconfig says only "cannot open include file": name the file and why,
   from the @include directive on the reported line. */
static void mb_include_failure(msgbuf *mb, sim_config *cfg, const char *file,
			       int line)
{
	char *text = copy_line(source_text(cfg, file), line);
	const char *open = text ? strstr(text, "@include") : NULL;
	open = open ? strchr(open, '"') : NULL;
	const char *close = open ? strchr(open + 1, '"') : NULL;
	mb_add(mb, "cannot open include file");
	if (close) {
		char inc[512], full[1024];
		snprintf(inc, sizeof inc, "%.*s", (int)(close - open - 1),
			 open + 1);
		display_name(cfg, inc, full, sizeof full);
		mb_add(mb, " ");
		mb_quote(mb, inc);
		if (inc[0] == '/' && cfg->dir) {
			mb_add(mb, ": @include paths are relative to %s",
			       cfg->dir);
		} else {
			FILE *f = fopen(full, "r");
			mb_add(mb, " (%s: %s)", full,
			       f ? "unreadable" : strerror(errno));
			if (f)
				fclose(f);
		}
	}
	free(text);
}

/* Turns a failed config_read_* into err and frees cfg. */
static sim_config *parse_failed(sim_config *cfg, sim_error *err)
{
	msgbuf mb = { .len = 0 };
	char file[sizeof err->file];
	const char *text = config_error_text(&cfg->lc);
	int line = config_error_line(&cfg->lc);
	display_name(cfg, config_error_file(&cfg->lc), file, sizeof file);
	if (config_error_type(&cfg->lc) == CONFIG_ERR_FILE_IO)
		mb_add(&mb, "cannot read: %s",
		       text ? text : "I/O error");
	else if (text && strcmp(text, "cannot open include file") == 0)
		mb_include_failure(&mb, cfg, file, line);
	else if (text && strncmp(text, "syntax error", 12) == 0)
		mb_add(&mb, "%s", text);
	else if (text && strcmp(text, "duplicate setting name") == 0)
		mb_add(&mb, "duplicate setting name: a name, or an id in a "
			    "map, may appear only once in its group");
	else if (text && strcmp(text, "mismatched element type in array") == 0)
		mb_add(&mb, "mismatched element type in array: write 1.0, not "
			    "1, among floats (or use a list ( ... ))");
	else
		mb_add(&mb, "syntax error: %s", text ? text : "unknown");
	sim_error_set(err, SIM_ERROR_CONFIG, file, line, NULL, "%s", mb.text);
	sim_config_free(cfg);
	return NULL;
}

sim_config *sim_config_parse(const char *path, sim_error *err)
{
	/* libconfig reports an unreadable file with no name and no reason:
	   open it ourselves first to say which and why. */
	FILE *f = fopen(path, "r");
	int why = f ? 0 : errno;
	struct stat st;
	if (f && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode))
		why = EISDIR; /* fopen "succeeds" on a directory */
	if (f)
		fclose(f);
	if (why) {
		sim_error_set(err, SIM_ERROR_CONFIG, path, 0, NULL,
			      "cannot read: %s", strerror(why));
		return NULL;
	}

	const char *slash = strrchr(path, '/');
	/* The folder is what precedes the last '/' ("/" itself for /x.cfg). */
	sim_config *cfg = config_new(path, slash ? path : NULL,
				     slash ? (size_t)(slash - path) +
						     (slash == path)
					   : 0);
	if (!cfg) {
		oom(err, NULL);
		return NULL;
	}
	if (!config_read_file(&cfg->lc, path))
		return parse_failed(cfg, err);
	return cfg;
}

sim_config *sim_config_parse_string(const char *text, const char *name,
				    sim_error *err)
{
	if (!name)
		name = "<string>";
	sim_config *cfg = config_new(name, NULL, 0);
	source *src = cfg ? calloc(1, sizeof *src) : NULL;
	if (src) {
		/* Settings of the text carry no file name: file them under
		   `name` so their literals can be re-read like a file's. */
		src->name = strdup(name);
		src->text = strdup(text);
		cfg->sources = src;
	}
	if (!src || !src->name || !src->text) {
		sim_config_free(cfg);
		oom(err, NULL);
		return NULL;
	}
	if (!config_read_string(&cfg->lc, text))
		return parse_failed(cfg, err);
	return cfg;
}

const char *sim_config_file(const sim_config *cfg)
{
	return cfg->name;
}

const char *sim_config_get_string(const sim_config *cfg, const char *path)
{
	const config_setting_t *s = config_lookup(&cfg->lc, path);
	return s && config_setting_type(s) == CONFIG_TYPE_STRING
		       ? config_setting_get_string(s)
		       : NULL;
}

int sim_config_write(const sim_config *cfg, FILE *f)
{
	config_write(&cfg->lc, f);
	return ferror(f) || fflush(f) != 0 ? -1 : 0;
}

/* ---- collections ------------------------------------------------------ */

/* The number of variants of a VARIANT_LIST row. */
static size_t variant_count(const sim_setting *row)
{
	size_t n = 0;
	while (row->variants && row->variants[n].name)
		n++;
	return n;
}

/* Bytes per entry or element of a MAP, LIST or VARIANT_LIST: for a variant
   list the largest variant, and at least room for the tag. */
static size_t item_size(const sim_setting *row)
{
	size_t size;
	if (row->kind != SIM_SETTING_VARIANT_LIST)
		return row->group->size;
	size = row->tag_offset + sizeof(int);
	for (size_t k = 0; k < variant_count(row); k++)
		if (row->variants[k].schema->size > size)
			size = row->variants[k].schema->size;
	return size;
}

/* The schema laying out item, an entry or element of row: for a variant
   list the one its tag names (NULL for a tag out of range). */
static const sim_schema *item_schema(const sim_setting *row, const char *item)
{
	int tag;
	if (row->kind != SIM_SETTING_VARIANT_LIST)
		return row->group;
	memcpy(&tag, item + row->tag_offset, sizeof tag);
	return tag >= 0 && (size_t)tag < variant_count(row)
		       ? row->variants[tag].schema
		       : NULL;
}

/* A NULL-terminated heap array of the variant names of row, or NULL when
   out of memory. */
static const char **variant_names(const sim_setting *row)
{
	size_t n = variant_count(row);
	const char **names = calloc(n + 1, sizeof *names);
	for (size_t k = 0; names && k < n; k++)
		names[k] = row->variants[k].name;
	return names;
}

/* The CHOICE row a VARIANT_LIST's discriminator is checked against;
   borrows names (from variant_names). */
static sim_setting discriminator_row(const sim_setting *row,
				     const char *const *names)
{
	return (sim_setting){ .name = row->discriminator,
			      .kind = SIM_SETTING_CHOICE, .required = true,
			      .choices = names };
}

/* The variant schema element e of a VARIANT_LIST names, or NULL when its
   discriminator is missing or unknown. */
static const sim_schema *element_variant(const sim_setting *row,
					 const config_setting_t *e)
{
	const config_setting_t *d =
		config_setting_get_member(e, row->discriminator);
	const char *name = d && config_setting_type(d) == CONFIG_TYPE_STRING
				   ? config_setting_get_string(d)
				   : NULL;
	for (size_t k = 0; name && k < variant_count(row); k++)
		if (strcmp(row->variants[k].name, name) == 0)
			return row->variants[k].schema;
	return NULL;
}

/* True when row must be in the file: a scalar or NUMBERS without default,
   a collection with min_items > 0, anything marked required. */
static bool is_required(const sim_setting *row)
{
	switch (row->kind) {
	case SIM_SETTING_GROUP:
		return row->required;
	case SIM_SETTING_MAP:
	case SIM_SETTING_LIST:
	case SIM_SETTING_VARIANT_LIST:
		return row->required || row->min_items > 0;
	default:
		return row->required || !row->default_text;
	}
}

/* "[3]": the path component of element k. */
static void index_component(char *buf, size_t n, size_t k)
{
	snprintf(buf, n, "[%zu]", k);
}

/* Copies path to buf in canonical form: "events[2]" becomes "events.[2]",
   libconfig's own syntax. */
static void canonical_path(char *buf, size_t n, const char *path)
{
	size_t j = 0;
	for (size_t i = 0; path[i] && j + 2 < n; i++) {
		if (path[i] == '[' && i > 0 && path[i - 1] != '.')
			buf[j++] = '.';
		buf[j++] = path[i];
	}
	buf[j] = '\0';
}

static void free_row(const sim_setting *row, char *at);

/* Frees count items of row (entries or elements) and the array. */
static void free_items(const sim_setting *row, char *items, size_t count)
{
	size_t size = items ? item_size(row) : 0;
	for (size_t k = 0; items && k < count; k++) {
		const sim_schema *schema = item_schema(row, items + k * size);
		if (schema)
			sim_params_free(schema, items + k * size);
	}
	free(items);
}

/* Frees what the value of row at `at` (params + row->offset) owns and
   zeroes it. */
static void free_row(const sim_setting *row, char *at)
{
	switch (row->kind) {
	case SIM_SETTING_GROUP:
		sim_params_free(row->group, at);
		break;
	case SIM_SETTING_STRING: {
		char *s, *null = NULL;
		memcpy(&s, at, sizeof s);
		free(s);
		memcpy(at, &null, sizeof null);
		break;
	}
	case SIM_SETTING_MAP: {
		sim_map *map = (sim_map *)(void *)at;
		free_items(row, map->items, map->count);
		for (size_t k = 0; map->ids && k < map->count; k++)
			free(map->ids[k]);
		free(map->ids);
		memset(map, 0, sizeof *map);
		break;
	}
	case SIM_SETTING_LIST:
	case SIM_SETTING_VARIANT_LIST: {
		sim_list *list = (sim_list *)(void *)at;
		free_items(row, list->items, list->count);
		memset(list, 0, sizeof *list);
		break;
	}
	case SIM_SETTING_NUMBERS: {
		sim_numbers *num = (sim_numbers *)(void *)at;
		free(num->values);
		memset(num, 0, sizeof *num);
		break;
	}
	default:
		break;
	}
}

/* ---- overrides -------------------------------------------------------- */

enum { MAX_STEPS = 32 };

/* One setting on the way to an overridden one, for the write phase to
   walk (and create where it is a group the file lacks). */
typedef struct set_step {
	const char *name; /* member name; NULL for a list element */
	unsigned index;   /* the element's index, when name is NULL */
	int type;         /* libconfig type of the member */
} set_step;

/* What a checked --set writes, and where. */
typedef struct set_target {
	set_step steps[MAX_STEPS];
	size_t n;
	sim_setting row;    /* the setting (a copy: a discriminator's is made
			       up) */
	const char **names; /* variant names row.choices may borrow */
	value v;
} set_target;

/* Where the check walk is: in the schema and, read-only, in the tree. */
typedef struct set_walk {
	const char *full;              /* the whole path, canonical */
	const sim_schema *schema;      /* the group walked; NULL for a variant
					  element of unknown variant */
	const sim_setting *coll;       /* a MAP or LIST whose id or index
					  comes next, else NULL */
	const sim_setting *variant_of; /* the VARIANT_LIST whose element is
					  walked, else NULL */
	const config_setting_t *tree;  /* the tree's setting, or NULL */
	char *at;                      /* path so far, for errors */
	size_t at_size;
} set_walk;

static int push_step(set_target *tg, const char *name, unsigned index,
		     int type, msgbuf *mb)
{
	if (tg->n == MAX_STEPS) {
		mb_add(mb, "path too deep");
		return -1;
	}
	tg->steps[tg->n++] = (set_step){ name, index, type };
	return 0;
}

/* The last component names row: converts text to its value. Groups and
   collections cannot be set whole (except NUMBERS). */
static int set_final(set_walk *w, const sim_setting *row, char *text,
		     set_target *tg, msgbuf *mb)
{
	const sim_schema *inner = row->group;
	char idx[32];
	switch (row->kind) {
	case SIM_SETTING_GROUP:
		mb_add(mb, "is a group; set one of its settings");
		if (inner->count)
			mb_add(mb, ", e.g. %s.%s=...", w->at,
			       inner->settings[0].name);
		return -1;
	case SIM_SETTING_MAP:
		mb_add(mb, "is a map; set a setting of one of its entries");
		if (inner->count)
			mb_add(mb, ", e.g. %s.<id>.%s=...", w->at,
			       inner->settings[0].name);
		return -1;
	case SIM_SETTING_LIST:
	case SIM_SETTING_VARIANT_LIST:
		mb_add(mb, "is a list; set a setting of one of its elements, "
			   "e.g. %s.[0].%s=...",
		       w->at,
		       row->kind == SIM_SETTING_LIST
			       ? (inner->count ? inner->settings[0].name : "x")
			       : row->discriminator);
		return -1;
	default:
		break;
	}
	if (row != &tg->row)
		tg->row = *row;
	if (value_from_text(&tg->row, text, &tg->v, mb) == 0)
		return 0;
	if (tg->v.bad >= 0) { /* a NUMBERS element: name it */
		index_component(idx, sizeof idx, (size_t)tg->v.bad);
		join_path(w->at, w->at_size, w->at, idx);
	}
	return -1;
}

/* Steps into the member comp of the group being walked. Returns 1 to go
   on, 0 when comp was the setting, -1 on error. */
static int set_member(set_walk *w, const char *comp, bool last, char *text,
		      set_target *tg, msgbuf *mb)
{
	const sim_setting *row = NULL;
	const config_setting_t *child = NULL;
	if (w->variant_of && strcmp(comp, w->variant_of->discriminator) == 0) {
		tg->names = variant_names(w->variant_of);
		if (!tg->names) {
			mb_add(mb, "out of memory");
			return -1;
		}
		tg->row = discriminator_row(w->variant_of, tg->names);
		row = &tg->row;
	} else if (!w->schema) {
		mb_add(mb, "unknown setting: the element's '%s' is missing "
			   "or names no variant, so its settings are unknown",
		       w->variant_of->discriminator);
		return -1;
	} else if (!(row = find_row(w->schema, comp))) {
		mb_unknown(mb, w->schema, comp);
		return -1;
	}
	if (last)
		return set_final(w, row, text, tg, mb);
	if (w->tree && config_setting_is_group(w->tree))
		child = config_setting_get_member(w->tree, comp);
	w->tree = child;
	w->variant_of = NULL;
	switch (row->kind) {
	case SIM_SETTING_GROUP:
		w->schema = row->group;
		return push_step(tg, comp, 0, CONFIG_TYPE_GROUP, mb) ? -1 : 1;
	case SIM_SETTING_MAP:
		w->coll = row;
		return push_step(tg, comp, 0, CONFIG_TYPE_GROUP, mb) ? -1 : 1;
	case SIM_SETTING_LIST:
	case SIM_SETTING_VARIANT_LIST:
		w->coll = row;
		return push_step(tg, comp, 0, CONFIG_TYPE_LIST, mb) ? -1 : 1;
	case SIM_SETTING_NUMBERS:
		mb_add(mb, "'%s' is an array; set it whole, e.g. %s=[1, 2]",
		       w->at, w->at);
		break;
	default:
		mb_add(mb, "unknown setting; '%s' is a setting, not a group",
		       w->at);
		break;
	}
	snprintf(w->at, w->at_size, "%s", w->full);
	return -1;
}

/* "no such entry; did you mean 'qwen'?" or the ids the map has. */
static void mb_unknown_id(msgbuf *mb, const config_setting_t *map,
			  const char *id)
{
	const char *best = NULL;
	int best_d = INT_MAX, n = map && config_setting_is_group(map)
					  ? config_setting_length(map)
					  : 0;
	for (int k = 0; k < n; k++)
		consider(id, config_setting_name(config_setting_get_elem(
				     map, (unsigned)k)),
			 &best, &best_d);
	mb_add(mb, "no such entry in the file");
	if (best) {
		mb_add(mb, "; did you mean '%s'?", best);
		return;
	}
	if (n == 0) {
		mb_add(mb, " (it has none; --set changes entries, it does "
			   "not add them)");
		return;
	}
	mb_add(mb, "; it has: ");
	for (int k = 0; k < n; k++)
		mb_add(mb, "%s%s", k ? ", " : "",
		       config_setting_name(
			       config_setting_get_elem(map, (unsigned)k)));
}

/* Steps into the map entry named comp; see set_member. */
static int set_entry(set_walk *w, const sim_setting *map, const char *comp,
		     bool last, set_target *tg, msgbuf *mb)
{
	const config_setting_t *e =
		w->tree && config_setting_is_group(w->tree)
			? config_setting_get_member(w->tree, comp)
			: NULL;
	if (!e) {
		mb_unknown_id(mb, w->tree, comp);
		return -1;
	}
	if (last) {
		mb_add(mb, "is an entry; set one of its settings");
		if (map->group->count)
			mb_add(mb, ", e.g. %s.%s=...", w->at,
			       map->group->settings[0].name);
		return -1;
	}
	w->schema = map->group;
	w->tree = e;
	return push_step(tg, comp, 0, CONFIG_TYPE_GROUP, mb) ? -1 : 1;
}

/* Parses "[12]" into *index. */
static bool parse_index(const char *comp, unsigned *index)
{
	char *end;
	unsigned long k;
	if (comp[0] != '[' || !isdigit((unsigned char)comp[1]))
		return false;
	errno = 0;
	k = strtoul(comp + 1, &end, 10);
	if (errno || end[0] != ']' || end[1] || k > UINT_MAX)
		return false;
	*index = (unsigned)k;
	return true;
}

/* Steps into the list element comp ("[2]"); see set_member. */
static int set_element(set_walk *w, const sim_setting *list,
		       const char *comp, bool last, set_target *tg,
		       msgbuf *mb)
{
	unsigned k;
	const config_setting_t *e;
	int n = w->tree && config_setting_is_list(w->tree)
			? config_setting_length(w->tree)
			: 0;
	if (!parse_index(comp, &k)) {
		mb_add(mb, "expected an element index such as [0], found ");
		mb_quote(mb, comp);
		return -1;
	}
	if (k >= (unsigned)n) {
		mb_add(mb, "no such element in the file (the list has %d; "
			   "--set changes elements, it does not add them)",
		       n);
		return -1;
	}
	e = config_setting_get_elem(w->tree, k);
	if (!config_setting_is_group(e)) {
		mb_add(mb, "expected a group { ... }, found ");
		mb_found(mb, e);
		return -1;
	}
	if (last) {
		mb_add(mb, "is an element; set one of its settings, e.g. "
			   "%s.%s=...",
		       w->at,
		       list->kind == SIM_SETTING_LIST
			       ? (list->group->count
					  ? list->group->settings[0].name
					  : "x")
			       : list->discriminator);
		return -1;
	}
	w->tree = e;
	if (list->kind == SIM_SETTING_VARIANT_LIST) {
		w->variant_of = list;
		w->schema = element_variant(list, e);
	} else {
		w->schema = list->group;
	}
	return push_step(tg, NULL, k, CONFIG_TYPE_GROUP, mb) ? -1 : 1;
}

/* Checks one --set against the schema and the tree and converts its value
   into tg; on failure names the offending path in at and describes the
   problem in mb. path is canonical and is cut up in place (the steps point
   into it). Touches no tree, so a rejected override leaves no trace. */
static int check_override(const sim_config *cfg, const sim_schema *root,
			  const char *full, char *path, char *text,
			  set_target *tg, char *at, size_t at_size, msgbuf *mb)
{
	set_walk w = { .full = full, .schema = root,
		       .tree = config_root_setting(&cfg->lc), .at = at,
		       .at_size = at_size };
	int rc = 1;
	at[0] = '\0';
	for (char *comp = path; rc == 1;) {
		size_t len = strcspn(comp, ".");
		bool last = comp[len] == '\0';
		const sim_setting *coll = w.coll;
		comp[len] = '\0';
		join_path(at, at_size, at, comp);
		w.coll = NULL;
		if (!coll)
			rc = set_member(&w, comp, last, text, tg, mb);
		else if (coll->kind == SIM_SETTING_MAP)
			rc = set_entry(&w, coll, comp, last, tg, mb);
		else
			rc = set_element(&w, coll, comp, last, tg, mb);
		comp += len + 1;
	}
	return rc;
}

/* Writes a checked override into the tree: walks its steps, creating the
   groups the file lacks, and stores the value. Every setting written is
   tagged with the config itself, so that later errors point at --set
   rather than at the file line of the value it replaced. */
static int apply_override(sim_config *cfg, const set_target *tg,
			  const char *at, sim_error *err)
{
	config_setting_t *s = config_root_setting(&cfg->lc);
	for (size_t k = 0; s && k < tg->n; k++) {
		const set_step *st = &tg->steps[k];
		if (!st->name) {
			s = config_setting_get_elem(s, st->index);
			continue;
		}
		/* A value of another type in the way (even a scalar where a
		   group belongs) is replaced: later overrides win. */
		s = member_of_type(s, st->name, st->type);
		if (s && config_setting_source_line(s) == 0)
			config_setting_set_hook(s, cfg);
	}
	if (s)
		s = store_tree(s, &tg->row, &tg->v);
	if (!s)
		return tree_failed(err, at);
	config_setting_set_hook(s, cfg);
	return 0;
}

int sim_config_set(sim_config *cfg, const sim_schema *root,
		   const char *assignment, sim_error *err)
{
	const char *eq = strchr(assignment, '=');
	char full[sizeof err->path], at[sizeof err->path];
	if (!eq)
		return sim_error_set(err, SIM_ERROR_CONFIG, "--set", 0,
				     assignment, "expected path=value");
	if (eq == assignment)
		return sim_error_set(err, SIM_ERROR_CONFIG, "--set", 0, NULL,
				     "expected path=value, found \"%s\"",
				     assignment);
	char *path = strdup(assignment), *text;
	set_target *tg = calloc(1, sizeof *tg);
	if (!path || !tg) {
		free(path);
		free(tg);
		return oom(err, NULL);
	}
	path[eq - assignment] = '\0';
	text = path + (eq - assignment) + 1;
	canonical_path(full, sizeof full, path);
	tg->v.bad = -1;
	msgbuf mb = { .len = 0 };
	int rc;
	char *walked = strdup(full);
	if (!walked)
		rc = oom(err, NULL);
	else if (check_override(cfg, root, full, walked, text, tg, at,
				sizeof at, &mb))
		rc = sim_error_set(err, SIM_ERROR_CONFIG, "--set", 0, at,
				   "%s", mb.text);
	else
		rc = apply_override(cfg, tg, full, err);
	value_release(&tg->v);
	free(tg->names);
	free(tg);
	free(walked);
	free(path);
	return rc;
}

/* ---- resolving -------------------------------------------------------- */

/* What every step of a resolve needs: the tree and where errors go. */
typedef struct resolver {
	sim_config *cfg;
	sim_error *err;
} resolver;

/* The row an entry or element is checked against before its members. */
static const sim_setting any_group = { .name = "", .kind = SIM_SETTING_GROUP };

static int resolve_group(const resolver *r, const sim_schema *schema,
			 config_setting_t *group, const char *path, char *base,
			 const char *skip);

/* "expected <what row takes>, found <what s is>", with a hint for a list
   written as a group or an array; returns -1. */
static int wrong_kind(const resolver *r, const sim_setting *row,
		      const config_setting_t *s, const char *path)
{
	msgbuf mb = { .len = 0 };
	int type = config_setting_type(s);
	mb_add(&mb, "expected ");
	mb_expected(&mb, row);
	mb_add(&mb, ", found ");
	mb_found(&mb, s);
	if ((row->kind == SIM_SETTING_LIST ||
	     row->kind == SIM_SETTING_VARIANT_LIST) &&
	    (type == CONFIG_TYPE_GROUP || type == CONFIG_TYPE_ARRAY))
		mb_add(&mb, "; write a list in parentheses: ( { ... }, "
			    "{ ... } )");
	return error_at_setting(r->cfg, s, path, &mb, r->err);
}

static void mb_missing(msgbuf *mb, const sim_setting *row)
{
	mb_add(mb, "required setting is missing (expected ");
	mb_expected(mb, row);
	mb_add(mb, ")");
}

/* Checks the size of collection s against row; -1 after filling err. */
static int check_size(const resolver *r, const sim_setting *row,
		      const config_setting_t *s, const char *path)
{
	msgbuf mb = { .len = 0 };
	if (check_count(row, (size_t)config_setting_length(s), &mb) == 0)
		return 0;
	return error_at_setting(r->cfg, s, path, &mb, r->err);
}

/* Fills the map at `at` from group m: each entry, in file order. */
static int resolve_map(const resolver *r, const sim_setting *row,
		       config_setting_t *m, const char *path, char *at)
{
	sim_map *map = (sim_map *)(void *)at;
	size_t n = (size_t)config_setting_length(m), size = item_size(row);
	char child[sizeof r->err->path];
	if (!config_setting_is_group(m))
		return wrong_kind(r, row, m, path);
	if (check_size(r, row, m, path))
		return -1;
	free_row(row, at);
	if (n) {
		map->ids = calloc(n, sizeof *map->ids);
		map->items = calloc(n, size);
		if (!map->ids || !map->items)
			return oom(r->err, path);
	}
	map->count = n;
	for (size_t k = 0; k < n; k++) {
		config_setting_t *e = config_setting_get_elem(m, (unsigned)k);
		join_path(child, sizeof child, path, config_setting_name(e));
		map->ids[k] = strdup(config_setting_name(e));
		if (!map->ids[k])
			return oom(r->err, child);
		if (!config_setting_is_group(e))
			return wrong_kind(r, &any_group, e, child);
		if (resolve_group(r, row->group, e, child,
				  (char *)map->items + k * size, NULL))
			return -1;
	}
	return 0;
}

/* Reads element e's discriminator, stores the variant's index in item's
   tag and returns the variant's schema; NULL after filling err. */
static const sim_schema *pick_variant(const resolver *r,
				      const sim_setting *row,
				      const char *const *names,
				      config_setting_t *e, const char *path,
				      char *item)
{
	sim_setting key = discriminator_row(row, names);
	config_setting_t *d = config_setting_get_member(e, key.name);
	char at[sizeof r->err->path];
	msgbuf mb = { .len = 0 };
	value v = { .i = 0 };
	join_path(at, sizeof at, path, key.name);
	if (!d) {
		mb_missing(&mb, &key);
		error_at_setting(r->cfg, e, at, &mb, r->err);
		return NULL;
	}
	if (value_from_tree(r->cfg, &key, d, &v, &mb)) {
		error_at_setting(r->cfg, d, at, &mb, r->err);
		return NULL;
	}
	memcpy(item + row->tag_offset, &v.choice, sizeof v.choice);
	return row->variants[v.choice].schema;
}

/* Fills item from element k of a list (path "events.[k]"). A variant
   element's discriminator is read first, whatever its place, since it
   says which settings the others may be. */
static int resolve_element(const resolver *r, const sim_setting *row,
			   const char *const *names, config_setting_t *e,
			   size_t k, const char *path, char *item)
{
	char child[sizeof r->err->path], index[32];
	const sim_schema *schema = row->group;
	index_component(index, sizeof index, k);
	join_path(child, sizeof child, path, index);
	if (!config_setting_is_group(e))
		return wrong_kind(r, &any_group, e, child);
	if (row->kind == SIM_SETTING_VARIANT_LIST &&
	    !(schema = pick_variant(r, row, names, e, child, item)))
		return -1;
	return resolve_group(r, schema, e, child, item, row->discriminator);
}

/* Fills the sim_list at `at` from list l (a LIST or a VARIANT_LIST). */
static int resolve_list(const resolver *r, const sim_setting *row,
			config_setting_t *l, const char *path, char *at)
{
	sim_list *list = (sim_list *)(void *)at;
	size_t n = (size_t)config_setting_length(l), size = item_size(row);
	const char **names = NULL;
	int rc = 0;
	if (!config_setting_is_list(l))
		return wrong_kind(r, row, l, path);
	if (check_size(r, row, l, path))
		return -1;
	free_row(row, at);
	if (n && !(list->items = calloc(n, size)))
		return oom(r->err, path);
	list->count = n;
	if (row->kind == SIM_SETTING_VARIANT_LIST &&
	    !(names = variant_names(row)))
		return oom(r->err, path);
	for (size_t k = 0; k < n && rc == 0; k++)
		rc = resolve_element(r, row, names,
				     config_setting_get_elem(l, (unsigned)k),
				     k, path, (char *)list->items + k * size);
	free(names);
	return rc;
}

/* Fills the sim_numbers at `at` from array (or list) a. */
static int resolve_numbers(const resolver *r, const sim_setting *row,
			   config_setting_t *a, const char *path, char *at)
{
	sim_numbers *num = (sim_numbers *)(void *)at;
	sim_setting elem = element_row(row);
	size_t n = (size_t)config_setting_length(a);
	char child[sizeof r->err->path], index[32];
	if (!config_setting_is_array(a) && !config_setting_is_list(a))
		return wrong_kind(r, row, a, path);
	if (check_size(r, row, a, path))
		return -1;
	free_row(row, at);
	if (n && !(num->values = calloc(n, sizeof *num->values)))
		return oom(r->err, path);
	for (size_t k = 0; k < n; k++) {
		config_setting_t *e = config_setting_get_elem(a, (unsigned)k);
		msgbuf mb = { .len = 0 };
		value v = { .i = 0 };
		index_component(index, sizeof index, k);
		join_path(child, sizeof child, path, index);
		if (value_from_tree(r->cfg, &elem, e, &v, &mb))
			return error_at_setting(r->cfg, e, child, &mb, r->err);
		num->values[k] = v.d;
		num->count = k + 1;
	}
	return 0;
}

/* Checks member m, the file's value for row, and fills params at base. */
static int resolve_member(const resolver *r, const sim_setting *row,
			  config_setting_t *m, const char *path, char *base)
{
	char *at = base + row->offset;
	msgbuf mb = { .len = 0 };
	value v = { .i = 0 };
	switch (row->kind) {
	case SIM_SETTING_GROUP:
		if (!config_setting_is_group(m))
			return wrong_kind(r, row, m, path);
		return resolve_group(r, row->group, m, path, at, NULL);
	case SIM_SETTING_MAP:
		return resolve_map(r, row, m, path, at);
	case SIM_SETTING_LIST:
	case SIM_SETTING_VARIANT_LIST:
		return resolve_list(r, row, m, path, at);
	case SIM_SETTING_NUMBERS:
		return resolve_numbers(r, row, m, path, at);
	default:
		break;
	}
	if (value_from_tree(r->cfg, row, m, &v, &mb))
		return error_at_setting(r->cfg, m, path, &mb, r->err);
	return store_param(row, base, &v, path, r->err);
}

/* Adds row's default to group (tree and params): a missing group is
   created and filled with its own defaults, a missing map or list is
   written as an empty one. */
static int apply_default(const resolver *r, const sim_setting *row,
			 config_setting_t *group, const char *path, char *base)
{
	int type = row->kind == SIM_SETTING_GROUP || row->kind == SIM_SETTING_MAP
			   ? CONFIG_TYPE_GROUP
			   : CONFIG_TYPE_LIST;
	if (row->kind == SIM_SETTING_GROUP || row->kind == SIM_SETTING_MAP ||
	    row->kind == SIM_SETTING_LIST ||
	    row->kind == SIM_SETTING_VARIANT_LIST) {
		config_setting_t *m = config_setting_add(group, row->name, type);
		if (!m)
			return tree_failed(r->err, path);
		return row->kind == SIM_SETTING_GROUP
			       ? resolve_group(r, row->group, m, path,
					       base + row->offset, NULL)
			       : 0;
	}
	char *text = strdup(row->default_text);
	if (!text)
		return oom(r->err, path);
	value v = { .i = 0 };
	msgbuf mb = { .len = 0 };
	int rc;
	if (value_from_text(row, text, &v, &mb))
		/* A bug in the model's table, not in the user's file. */
		rc = sim_error_set(r->err, SIM_ERROR_RUNTIME, NULL, 0, path,
				   "invalid schema default \"%s\": %s",
				   row->default_text, mb.text);
	else if (!store_tree(group, row, &v))
		rc = tree_failed(r->err, path);
	else
		rc = store_param(row, base, &v, path, r->err);
	value_release(&v);
	free(text);
	return rc;
}

/* Checks group against schema and fills base: members in file order (but
   `skip`, a variant element's discriminator), then the missing ones,
   then the schema's check(). */
static int resolve_group(const resolver *r, const sim_schema *schema,
			 config_setting_t *group, const char *path, char *base,
			 const char *skip)
{
	char child[sizeof r->err->path];
	for (int k = 0; k < config_setting_length(group); k++) {
		config_setting_t *m =
			config_setting_get_elem(group, (unsigned)k);
		const char *name = config_setting_name(m);
		const sim_setting *row = find_row(schema, name);
		if (skip && strcmp(name, skip) == 0)
			continue;
		join_path(child, sizeof child, path, name);
		if (!row) {
			msgbuf mb = { .len = 0 };
			mb_unknown(&mb, schema, name);
			return error_at_setting(r->cfg, m, child, &mb, r->err);
		}
		if (resolve_member(r, row, m, child, base))
			return -1;
	}
	for (size_t k = 0; k < schema->count; k++) {
		const sim_setting *row = &schema->settings[k];
		if (config_setting_get_member(group, row->name))
			continue;
		join_path(child, sizeof child, path, row->name);
		if (is_required(row)) {
			msgbuf mb = { .len = 0 };
			mb_missing(&mb, row);
			return error_at_setting(r->cfg, group, child, &mb,
						r->err);
		}
		if (apply_default(r, row, group, child, base))
			return -1;
	}
	if (schema->check && schema->check(base, r->cfg, path, r->err) != 0) {
		if (r->err->kind == SIM_ERROR_NONE) { /* a check that forgot err */
			msgbuf mb = { .len = 0 };
			mb_add(&mb, "settings are inconsistent");
			return error_at_setting(r->cfg, group, path, &mb,
						r->err);
		}
		return -1;
	}
	return 0;
}

int sim_config_resolve(sim_config *cfg, const sim_schema *root, void *params,
		       sim_error *err)
{
	sim_error scratch;
	resolver r = { cfg, err ? err : &scratch };
	sim_error_clear(r.err);
	return resolve_group(&r, root, config_root_setting(&cfg->lc), "",
			     params, NULL);
}

int sim_config_error_at(const sim_config *cfg, const char *path,
			sim_error *err, const char *fmt, ...)
{
	char full[sizeof err->path], at[sizeof err->path];
	const config_setting_t *s = NULL;
	canonical_path(full, sizeof full, path ? path : "");
	snprintf(at, sizeof at, "%s", full);
	/* A setting the tree lacks is reported at its nearest ancestor. */
	while (at[0] && !(s = config_lookup(&cfg->lc, at))) {
		char *dot = strrchr(at, '.');
		if (dot)
			*dot = '\0';
		else
			at[0] = '\0';
	}
	if (!at[0])
		s = config_root_setting(&cfg->lc);
	msgbuf mb = { .len = 0 };
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(mb.text, sizeof mb.text, fmt, ap);
	va_end(ap);
	mb.len = n > 0 ? (size_t)n : 0;
	return error_at_setting(cfg, s, full, &mb, err);
}

void sim_params_free(const sim_schema *schema, void *params)
{
	if (!params)
		return;
	for (size_t k = 0; k < schema->count; k++)
		free_row(&schema->settings[k],
			 (char *)params + schema->settings[k].offset);
}

long sim_map_find(const sim_map *map, const char *id)
{
	for (size_t k = 0; k < map->count; k++)
		if (strcmp(map->ids[k], id) == 0)
			return (long)k;
	return -1;
}

/* ---- documentation ---------------------------------------------------- */

static const char *kind_name(sim_setting_kind kind)
{
	switch (kind) {
	case SIM_SETTING_INT: return "integer";
	case SIM_SETTING_FLOAT: return "number";
	case SIM_SETTING_BOOL: return "boolean";
	case SIM_SETTING_STRING: return "string";
	case SIM_SETTING_CHOICE: return "choice";
	case SIM_SETTING_GROUP: return "group";
	case SIM_SETTING_MAP: return "map";
	case SIM_SETTING_LIST: return "list";
	case SIM_SETTING_NUMBERS: return "numbers";
	case SIM_SETTING_VARIANT_LIST: return "variant list";
	}
	return "?";
}

/* The default and range/choices columns of row's doc line. */
static void doc_columns(const sim_setting *row, msgbuf *def, msgbuf *range)
{
	char text[96];
	if (row->kind == SIM_SETTING_GROUP)
		return;
	if (row->kind != SIM_SETTING_NUMBERS && is_collection(row)) {
		mb_add(def, "%s", is_required(row) ? "required"
						   : "default empty");
		mb_count(range, row);
		return;
	}
	if (row->required || !row->default_text) {
		mb_add(def, "required");
	} else if (row->kind == SIM_SETTING_STRING) {
		char *copy = strdup(row->default_text);
		mb_add(def, "default ");
		mb_quote(def, copy ? unquote(copy) : row->default_text);
		free(copy);
	} else {
		mb_add(def, "default %s", row->default_text);
	}
	if (row->kind == SIM_SETTING_INT || row->kind == SIM_SETTING_FLOAT ||
	    row->kind == SIM_SETTING_NUMBERS) {
		range_text(row, text, sizeof text);
		if (text[0])
			mb_add(range, "range %s", text);
	} else if (row->kind == SIM_SETTING_CHOICE) {
		mb_add(range, "one of ");
		for (size_t k = 0; row->choices && row->choices[k]; k++)
			mb_add(range, "%s%s", k ? ", " : "", row->choices[k]);
	}
	if (row->kind == SIM_SETTING_NUMBERS &&
	    (row->min_items || row->max_items)) {
		mb_add(range, "%s", range->len ? "; " : "");
		mb_count(range, row);
	}
}

typedef struct doc_widths {
	int path, type, def, range;
} doc_widths;

/* Where doc lines go: f NULL only measures the column widths. */
typedef struct doc_out {
	FILE *f;
	doc_widths w;
} doc_out;

static void widen(int *w, size_t len)
{
	if ((int)len > *w)
		*w = (int)len;
}

/* Prints (or measures) one line of aligned columns. */
static void doc_line(doc_out *o, const char *path, const char *type,
		     const char *def, const char *range, const char *doc)
{
	const char *cols[] = { path, type, def, range, doc };
	const int widths[] = { o->w.path, o->w.type, o->w.def, o->w.range, 0 };
	int last = 4;
	if (!o->f) {
		widen(&o->w.path, strlen(path));
		widen(&o->w.type, strlen(type));
		widen(&o->w.def, strlen(def));
		widen(&o->w.range, strlen(range));
		return;
	}
	/* Pad only up to the last non-empty column: no trailing blanks. */
	while (last > 0 && !cols[last][0])
		last--;
	for (int c = 0; c < last; c++)
		fprintf(o->f, "%-*s  ", widths[c], cols[c]);
	fprintf(o->f, "%s\n", cols[last]);
}

static void doc_schema(doc_out *o, const sim_schema *schema,
		       const char *prefix);

/* A variant list's elements (prefix "events.[i]"): the discriminator,
   then each variant's header line and settings. */
static void doc_variants(doc_out *o, const sim_setting *row,
			 const char *prefix)
{
	char path[256];
	msgbuf choices = { .len = 0 };
	join_path(path, sizeof path, prefix, row->discriminator);
	mb_add(&choices, "one of ");
	for (size_t k = 0; k < variant_count(row); k++)
		mb_add(&choices, "%s%s", k ? ", " : "", row->variants[k].name);
	doc_line(o, path, "choice", "required", choices.text,
		 "Kind of element: selects its settings, listed below");
	for (size_t k = 0; k < variant_count(row); k++) {
		const sim_variant *var = &row->variants[k];
		msgbuf head = { .len = 0 };
		mb_add(&head, "%s = \"%s\"", row->discriminator, var->name);
		doc_line(o, prefix, "variant", head.text, "",
			 var->doc ? var->doc : "");
		doc_schema(o, var->schema, prefix);
	}
}

static void doc_row(doc_out *o, const sim_setting *row, const char *prefix)
{
	char path[256], inner[256];
	msgbuf def = { .len = 0 }, range = { .len = 0 };
	join_path(path, sizeof path, prefix, row->name);
	doc_columns(row, &def, &range);
	doc_line(o, path, kind_name(row->kind), def.text, range.text,
		 row->doc ? row->doc : "");
	switch (row->kind) {
	case SIM_SETTING_GROUP:
		doc_schema(o, row->group, path);
		break;
	case SIM_SETTING_MAP:
		join_path(inner, sizeof inner, path, "<id>");
		doc_schema(o, row->group, inner);
		break;
	case SIM_SETTING_LIST:
		join_path(inner, sizeof inner, path, "[i]");
		doc_schema(o, row->group, inner);
		break;
	case SIM_SETTING_VARIANT_LIST:
		join_path(inner, sizeof inner, path, "[i]");
		doc_variants(o, row, inner);
		break;
	default:
		break;
	}
}

static void doc_schema(doc_out *o, const sim_schema *schema,
		       const char *prefix)
{
	for (size_t k = 0; k < schema->count; k++)
		doc_row(o, &schema->settings[k], prefix);
}

void sim_schema_print_doc(const sim_schema *schema, const char *prefix,
			  FILE *f)
{
	doc_out o = { NULL, { 0, 0, 0, 0 } };
	if (!prefix)
		prefix = "";
	doc_schema(&o, schema, prefix); /* measure */
	o.f = f;
	doc_schema(&o, schema, prefix);
}
