/*
 * config.c - experiment files: parsing files and strings (libconfig,
 * @include, syntax errors), the sim_config object and writing it, paths,
 * and where a setting came from for error messages (see
 * include/sim_config.h; config_internal.h lists the rest of the layer).
 *
 * libconfig 1.5 quirks dealt with here:
 *  - a decimal or hex integer literal that does not fit in 32 bits is stored
 *    modulo 2^32 without a word (seed = 3000000000 reads as -1294967296); we
 *    re-read the literal from its source line to catch that;
 *  - a setting from an @included file names that file as written in the
 *    directive, relative to the include dir; we join the two for messages;
 *  - every @include, nested ones too, is resolved against the one include
 *    dir (the main file's folder), and absolute @include paths fail.
 */
#include "sim_config.h"
#include "config_internal.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
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

config_setting_t *sim__config_root(const sim_config *cfg)
{
	return config_root_setting(&cfg->lc);
}

/* ---- errors and paths ------------------------------------------------- */

int sim__oom(sim_error *err, const char *path)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, path,
			     "out of memory");
}

int sim__tree_failed(sim_error *err, const char *path)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, path,
			     "cannot add the setting to the config (out of "
			     "memory, or not a valid libconfig name)");
}

void sim__join_path(char *buf, size_t n, const char *prefix,
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

void sim__index_component(char *buf, size_t n, size_t k)
{
	snprintf(buf, n, "[%zu]", k);
}

void sim__canonical_path(char *buf, size_t n, const char *path)
{
	size_t j = 0;
	for (size_t i = 0; path[i] && j + 2 < n; i++) {
		if (path[i] == '[' && i > 0 && path[i - 1] != '.')
			buf[j++] = '.';
		buf[j++] = path[i];
	}
	buf[j] = '\0';
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

int sim__error_at_setting(const sim_config *cfg, const config_setting_t *s,
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

bool sim__int_literal_wrapped(sim_config *cfg, const config_setting_t *s,
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
	sim__mb_add(mb, "cannot open include file");
	if (close) {
		char inc[512], full[1024];
		snprintf(inc, sizeof inc, "%.*s", (int)(close - open - 1),
			 open + 1);
		display_name(cfg, inc, full, sizeof full);
		sim__mb_add(mb, " ");
		sim__mb_quote(mb, inc);
		if (inc[0] == '/' && cfg->dir) {
			sim__mb_add(mb, ": @include paths are relative to %s",
				    cfg->dir);
		} else {
			FILE *f = fopen(full, "r");
			sim__mb_add(mb, " (%s: %s)", full,
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
		sim__mb_add(&mb, "cannot read: %s",
			    text ? text : "I/O error");
	else if (text && strcmp(text, "cannot open include file") == 0)
		mb_include_failure(&mb, cfg, file, line);
	else if (text && strncmp(text, "syntax error", 12) == 0)
		sim__mb_add(&mb, "%s", text);
	else if (text && strcmp(text, "duplicate setting name") == 0)
		sim__mb_add(&mb, "duplicate setting name: a name, or an id "
				 "in a map, may appear only once in its group");
	else if (text && strcmp(text, "mismatched element type in array") == 0)
		sim__mb_add(&mb, "mismatched element type in array: write "
				 "1.0, not 1, among floats (or use a list "
				 "( ... ))");
	else
		sim__mb_add(&mb, "syntax error: %s", text ? text : "unknown");
	sim_error_set(err, SIM_ERROR_CONFIG, file, line, NULL, "%s", mb.text);
	sim_config_free(cfg);
	return NULL;
}

/* Reads the main file at path whole, after checking it is a regular file
   of at most SIM_CONFIG_MAX_BYTES (libconfig reports an unreadable file
   with no name and no reason, and a directory or a FIFO makes its scanner
   exit the process or wait forever). NULL with err. */
static char *read_main_file(const char *path, size_t *len, sim_error *err)
{
	msgbuf mb = { .len = 0 };
	size_t size = 0;
	struct stat st;
	char *text = NULL;
	int rc = sim__check_regular(path, SIM_CONFIG_MAX_BYTES, &size, &mb);
	if (rc == 1) {
		sim__mb_add(&mb, "%s", strerror(errno));
	} else if (rc < 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		mb.len = 0;
		sim__mb_add(&mb, "%s", strerror(EISDIR));
	} else if (rc == 2) {
		sim__mb_add(&mb, "expected at most %d MiB, found %.1f MiB",
			    SIM_CONFIG_MAX_BYTES >> 20, (double)size / (1 << 20));
	} else if (rc == 0 && !(text = sim__read_file(path, size, len))) {
		sim__mb_add(&mb, "%s", strerror(errno));
	}
	if (!text)
		sim_error_set(err, SIM_ERROR_CONFIG, path, 0, NULL, "cannot read: %s", mb.text);
	return text;
}

sim_config *sim_config_parse(const char *path, sim_error *err)
{
	size_t len = 0;
	char *text = read_main_file(path, &len, err);
	if (!text)
		return NULL;
	const char *slash = strrchr(path, '/');
	/* The folder is what precedes the last '/' ("/" itself for /x.cfg). */
	sim_config *cfg = config_new(path, slash ? path : NULL,
				     slash ? (size_t)(slash - path) +
						     (slash == path)
					   : 0);
	if (!cfg) {
		free(text);
		sim__oom(err, NULL);
		return NULL;
	}
	/* Kept as the main file's source text, for the literal check. */
	source *src = calloc(1, sizeof *src);
	if (src && (src->name = strdup(path))) {
		src->text = text;
		cfg->sources = src;
	} else {
		free(src);
		free(text);
		sim_config_free(cfg);
		sim__oom(err, NULL);
		return NULL;
	}
	if (sim__check_includes(cfg->dir, path, src->text, len, err) != 0) {
		sim_config_free(cfg);
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
		sim__oom(err, NULL);
		return NULL;
	}
	if (sim__check_includes(NULL, name, text, strlen(text), err) != 0) {
		sim_config_free(cfg);
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

char *sim_config_file_path(const sim_config *cfg, const char *setting, const char *name,
			   sim_error *err)
{
	msgbuf why = { .len = 0 };
	size_t size = 0;
	/* Relative to the folder as "dir/name", "./name" for the current
	   one, as the targets file has always been shown. */
	const char *dir = cfg->dir ? cfg->dir : ".";
	if (sim__check_relative(name, strlen(name), dir, &why) != 0) {
		sim_config_error_at(cfg, setting, err, "%s (\"%s\")", why.text, name);
		return NULL;
	}
	char *path = sim__join_file(dir, name, strlen(name));
	if (!path) {
		sim__oom(err, setting);
		return NULL;
	}
	int rc = sim__check_regular(path, SIM_CONFIG_MAX_BYTES, &size, &why);
	if (rc == 2)
		sim__mb_add(&why, "expected at most %d MiB, found %.1f MiB",
			    SIM_CONFIG_MAX_BYTES >> 20, (double)size / (1 << 20));
	if (rc < 0 || rc == 2) {
		sim_config_error_at(cfg, setting, err, "%s (%s)", why.text, path);
		free(path);
		return NULL;
	}
	return path;
}

const char *sim_config_get_string(const sim_config *cfg, const char *path)
{
	const config_setting_t *s = config_lookup(&cfg->lc, path);
	return s && config_setting_type(s) == CONFIG_TYPE_STRING
		       ? config_setting_get_string(s)
		       : NULL;
}

bool sim_config_get_number(const sim_config *cfg, const char *path, double *out)
{
	const config_setting_t *s = config_lookup(&cfg->lc, path);
	int type = s ? config_setting_type(s) : CONFIG_TYPE_NONE;
	if (type == CONFIG_TYPE_FLOAT)
		*out = config_setting_get_float(s);
	else if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64)
		*out = (double)config_setting_get_int64(s);
	else
		return false;
	return true;
}

bool sim_config_has(const sim_config *cfg, const char *path)
{
	return config_lookup(&cfg->lc, path) != NULL;
}

int sim_config_write(const sim_config *cfg, FILE *f)
{
	config_write(&cfg->lc, f);
	return ferror(f) || fflush(f) != 0 ? -1 : 0;
}

int sim_config_error_at(const sim_config *cfg, const char *path,
			sim_error *err, const char *fmt, ...)
{
	char full[sizeof err->path], at[sizeof err->path];
	const config_setting_t *s = NULL;
	sim__canonical_path(full, sizeof full, path ? path : "");
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
	return sim__error_at_setting(cfg, s, full, &mb, err);
}
