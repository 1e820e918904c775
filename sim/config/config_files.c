/*
 * config_files.c - the files an experiment reads, checked before anyone
 * opens them: the main file, every file it @includes (libconfig 1.5 has no
 * include hook, so the directives are found here by scanning the text as
 * its scanner does), and a file a setting names (`targets`).
 *
 * The rules (README, "Limits"): a name is relative to the main file's
 * folder, without control characters or backslashes, and no ".." may climb
 * above that folder (the check is on the name as written: a symbolic link
 * inside the folder is followed); the file is a regular file, not a
 * directory, FIFO or device, whose reading could fail midway ("input in
 * flex scanner failed", which exits the process) or never end; and the
 * main file with everything it includes holds at most SIM_CONFIG_MAX_BYTES
 * (each inclusion counted), nested at most SIM_INCLUDE_MAX_DEPTH deep. A
 * file that does not exist is left to the opener, whose message says so.
 */
#include "config_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* What st is, when not a regular file. */
static const char *file_kind(const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		return "a directory";
	if (S_ISFIFO(st->st_mode))
		return "a FIFO";
	if (S_ISCHR(st->st_mode))
		return "a character device";
	if (S_ISBLK(st->st_mode))
		return "a block device";
	if (S_ISSOCK(st->st_mode))
		return "a socket";
	return "not a regular file";
}

int sim__check_regular(const char *path, size_t max, size_t *size, msgbuf *mb)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 1;
	if (!S_ISREG(st.st_mode)) {
		sim__mb_add(mb, "expected a regular file, found %s", file_kind(&st));
		return -1;
	}
	*size = (size_t)st.st_size;
	return (uintmax_t)st.st_size > max ? 2 : 0;
}

char *sim__read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *text = malloc(max + 2);
	size_t n = text ? fread(text, 1, max + 1, f) : 0;
	int failed = !text || ferror(f) || n > max;
	int why = !text ? ENOMEM : n > max ? EFBIG : EIO;
	fclose(f);
	if (failed) {
		free(text);
		errno = why;
		return NULL;
	}
	text[n] = '\0';
	*len = n;
	return text;
}

int sim__check_relative(const char *name, size_t len, const char *dir, msgbuf *mb)
{
	const char *folder = dir ? dir : ".";
	int depth = 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f || name[i] == '\\') {
			sim__mb_add(mb, "expected a file name without control characters or "
					"backslashes");
			return -1;
		}
	if (len > 0 && name[0] == '/') {
		sim__mb_add(mb, "expected a path relative to %s (the experiment file's folder), "
				"found an absolute one", folder);
		return -1;
	}
	for (size_t i = 0; i < len;) {
		size_t n = strcspn(name + i, "/");
		n = n < len - i ? n : len - i;
		if (n == 2 && name[i] == '.' && name[i + 1] == '.')
			depth--;
		else if (n > 0 && !(n == 1 && name[i] == '.'))
			depth++;
		if (depth < 0) {
			sim__mb_add(mb, "expected a path inside %s (the experiment file's folder), "
					"found one whose \"..\" climbs above it", folder);
			return -1;
		}
		i += n + 1;
	}
	return 0;
}

char *sim__join_file(const char *dir, const char *name, size_t len)
{
	size_t dl = dir ? strlen(dir) : 0;
	bool slash = dl > 0 && dir[dl - 1] != '/';
	char *path = malloc(dl + slash + len + 1);
	if (!path)
		return NULL;
	memcpy(path, dir ? dir : "", dl);
	if (slash)
		path[dl] = '/';
	memcpy(path + dl + slash, name, len);
	path[dl + slash + len] = '\0';
	return path;
}

/* ---- @include, found as libconfig 1.5's scanner finds it -------------- */

/* The scanner's start conditions: code, a block comment, a string. They
   belong to the scanner, not to a file: a file that ends inside a comment
   leaves its includer inside it, and so here. */
enum { SCAN_CODE, SCAN_COMMENT, SCAN_STRING };

typedef struct scan {
	const char *dir;  /* where every @include is resolved (the main file's
			     folder; NULL: the current directory) */
	size_t budget;    /* bytes the experiment's files may still hold */
	int state;
	sim_error *err;
} scan;

static int scan_text(scan *sc, const char *file, const char *t, size_t len, int depth);

/* The length of `^[ \t]*@include[ \t]+"` at t, libconfig's include_open,
   or 0. */
static size_t include_open(const char *t, size_t len)
{
	size_t i = 0;
	while (i < len && (t[i] == ' ' || t[i] == '\t'))
		i++;
	if (len - i < 8 || memcmp(t + i, "@include", 8) != 0)
		return 0;
	size_t blanks = i += 8;
	while (i < len && (t[i] == ' ' || t[i] == '\t'))
		i++;
	return i > blanks && i < len && t[i] == '"' ? i + 1 : 0;
}

static int include_error(scan *sc, const char *file, int line, const char *name, size_t n,
			 const msgbuf *why)
{
	msgbuf mb = { .len = 0 };
	sim__mb_add(&mb, "@include ");
	sim__mb_quote_n(&mb, name, n);
	sim__mb_add(&mb, ": %s", why->text);
	return sim_error_set(sc->err, SIM_ERROR_CONFIG, file, line, NULL, "%s", mb.text);
}

/* Why the file at path, size bytes, is refused (rc from
   sim__check_regular), into why. */
static void mb_refused(msgbuf *why, int rc, const char *path, size_t size)
{
	if (rc == 2)
		sim__mb_add(why, "expected the experiment's files to hold at most %d MiB in "
				 "all (each inclusion counted), found %.1f MiB more", 
			    SIM_CONFIG_MAX_BYTES >> 20, (double)size / (1 << 20));
	sim__mb_add(why, " (%s)", path);
}

/* Checks the file an @include on line `line` of file names (the n bytes
   at name), then scans it in turn. */
static int scan_include(scan *sc, const char *file, int line, const char *name, size_t n,
			int depth)
{
	msgbuf why = { .len = 0 };
	size_t size = 0, len = 0;
	if (sim__check_relative(name, n, sc->dir, &why) != 0)
		return include_error(sc, file, line, name, n, &why);
	char *path = sim__join_file(sc->dir, name, n), *text = NULL;
	if (!path)
		return sim_error_set(sc->err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	int rc = sim__check_regular(path, sc->budget, &size, &why);
	if (rc == 1) {
		rc = 0; /* missing: libconfig's open says so */
	} else if (rc != 0) {
		mb_refused(&why, rc, path, size);
		rc = include_error(sc, file, line, name, n, &why);
	} else if (depth >= SIM_INCLUDE_MAX_DEPTH) {
		sim__mb_add(&why, "expected @include nested at most %d deep",
			    SIM_INCLUDE_MAX_DEPTH);
		rc = include_error(sc, file, line, name, n, &why);
	} else if (!(text = sim__read_file(path, size, &len))) {
		sim__mb_add(&why, "cannot read %s: %s", path, strerror(errno));
		rc = include_error(sc, file, line, name, n, &why);
	} else {
		sc->budget -= len;
		rc = scan_text(sc, path, text, len, depth + 1);
	}
	free(text);
	free(path);
	return rc;
}

/* An @include's name runs to the closing quote (*used: its length and the
   quote's); a line without one is refused. */
static int take_include(scan *sc, const char *file, int line, const char *t, size_t len,
			int depth, size_t *used)
{
	size_t n = 0;
	while (n < len && t[n] != '"' && t[n] != '\n')
		n++;
	if (n == len || t[n] != '"') {
		msgbuf why = { .len = 0 };
		sim__mb_add(&why, "expected the file name's closing quote on the same line");
		return include_error(sc, file, line, t, n, &why);
	}
	*used = n + 1;
	return scan_include(sc, file, line, t, n, depth);
}

/* Walks t (the file shown as file, its includes nested depth deep) as
   libconfig's scanner would, checking each @include it would open. */
static int scan_text(scan *sc, const char *file, const char *t, size_t len, int depth)
{
	int line = 1;
	bool bol = true; /* at the beginning of a line (flex's ^) */
	for (size_t i = 0; i < len;) {
		char c = t[i], next = i + 1 < len ? t[i + 1] : '\0';
		size_t skip = 1, open = 0, used = 0;
		if (sc->state == SCAN_COMMENT) {
			if (c == '*' && next == '/')
				sc->state = SCAN_CODE, skip = 2;
		} else if (sc->state == SCAN_STRING) {
			if (c == '\\' && (next == '\\' || next == '"'))
				skip = 2;
			else if (c == '"')
				sc->state = SCAN_CODE;
		} else if (bol && (open = include_open(t + i, len - i)) > 0) {
			if (take_include(sc, file, line, t + i + open, len - i - open, depth,
					 &used) != 0)
				return -1;
			skip = open + used;
		} else if (c == '/' && next == '*') {
			sc->state = SCAN_COMMENT, skip = 2;
		} else if (c == '"') {
			sc->state = SCAN_STRING;
		} else if (c == '#' || (c == '/' && next == '/')) {
			const char *nl = memchr(t + i, '\n', len - i);
			skip = nl ? (size_t)(nl - (t + i)) : len - i;
		}
		if (skip == 1 && c == '\n')
			line++;
		bol = skip == 1 && c == '\n';
		i += skip;
	}
	return 0;
}

int sim__check_includes(const char *dir, const char *file, const char *text, size_t len,
			sim_error *err)
{
	scan sc = { dir, len < SIM_CONFIG_MAX_BYTES ? SIM_CONFIG_MAX_BYTES - len : 0,
		    SCAN_CODE, err };
	return scan_text(&sc, file, text, len, 0);
}
