/*
 * fuzz_common.h - what the libFuzzer harnesses (tests/fuzz/fuzz_*.c)
 * share: the program's model registry, a private temporary folder per
 * process, and the guard that keeps the harness from handing libconfig
 * an @include it cannot survive.
 *
 * Each harness defines `int fuzz_<name>_one(const uint8_t *, size_t)`.
 * Built by `make fuzz` (with -DFUZZ_LIBFUZZER), it also defines
 * LLVMFuzzerTestOneInput calling it; tests/test_fuzz_regressions.c
 * includes the three harness files without that macro and feeds every
 * file of tests/fuzz/regressions/ through the same functions, so the
 * regressions run in the ordinary test build without libFuzzer.
 *
 * The folder holds copies of the pieces experiments @include
 * (the .inc files of experiments/openrouter_2026/) and of the targets files, so that
 * a seed such as promo_end.cfg loads whole and reaches the market
 * model's checks. It is made under $TMPDIR (else /tmp) on first use and
 * removed at exit.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* memmem */
#endif
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "market/mkt_market.h"
#include "phold/phold.h"
#include "run/experiment.h"

/* Where the harness finds experiments/ and tests/data/ (make fuzz passes
   the source tree; the regression test runs from it). */
#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

#define FUZZ_UNUSED __attribute__((unused))

int fuzz_config_one(const uint8_t *data, size_t size);
int fuzz_set_one(const uint8_t *data, size_t size);
int fuzz_sweep_one(const uint8_t *data, size_t size);
#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#define FUZZ_ENTRY(fn)                                               \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) \
	{                                                            \
		return fn(data, size);                               \
	}
#else
#define FUZZ_ENTRY(fn)
#endif

/* The registry of models/marketsim.c. */
static const sim_model_type *const fuzz_registry[] = {
	&mkt_market_model,
	&phold_model,
	NULL,
};

static char fuzz_tmp[1024]; /* short, so that paths under it fit in PATH_MAX */

static int fuzz_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void fuzz_cleanup(void)
{
	if (fuzz_tmp[0])
		nftw(fuzz_tmp, fuzz_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes the n pieces (pointer, length pairs) to path; 0 or -1. */
static FUZZ_UNUSED int fuzz_write(const char *path, size_t n, const void *const *parts,
				  const size_t *lens)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n; i++)
		if (lens[i] && fwrite(parts[i], 1, lens[i], f) != lens[i])
			rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

/* The whole of a file, NUL-terminated, in a heap buffer; NULL if unreadable. */
static char *fuzz_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 12, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - 1 - n, f);
		if (n < cap - 1)
			break;
		char *bigger = realloc(buf, cap * 2);
		if (!bigger) {
			free(buf);
			buf = NULL;
		}
		buf = bigger;
		cap *= 2;
	}
	if (buf && ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		if (len)
			*len = n;
	}
	return buf;
}

/* Copies every file of src whose name ends in one of the suffixes into
   dst (created). Missing folders are skipped. */
static void fuzz_copy_dir(const char *src, const char *dst, const char *const *suffixes)
{
	DIR *d = opendir(src);
	if (!d)
		return;
	mkdir(dst, 0700);
	for (struct dirent *e; (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		bool want = false;
		for (const char *const *s = suffixes; *s; s++) {
			size_t sl = strlen(*s);
			want |= len > sl && strcmp(e->d_name + len - sl, *s) == 0;
		}
		if (!want)
			continue;
		char from[PATH_MAX], to[PATH_MAX];
		snprintf(from, sizeof from, "%s/%s", src, e->d_name);
		snprintf(to, sizeof to, "%s/%s", dst, e->d_name);
		size_t n;
		char *text = fuzz_read(from, &n);
		if (text) {
			const void *parts[] = { text };
			fuzz_write(to, 1, parts, &n);
			free(text);
		}
	}
	closedir(d);
}

/* The process's folder, made on first use: the includable pieces, the
   targets files and the test fixtures copied in. */
static const char *fuzz_dir(void)
{
	if (fuzz_tmp[0])
		return fuzz_tmp;
	/* As sim_cli_main does: GSL's default handler aborts. */
	gsl_set_error_handler_off();
	const char *tmp = getenv("TMPDIR");
	int len = snprintf(fuzz_tmp, sizeof fuzz_tmp, "%s/marketsim-fuzz-XXXXXX",
			   tmp && tmp[0] ? tmp : "/tmp");
	if (len < 0 || (size_t)len >= sizeof fuzz_tmp || !mkdtemp(fuzz_tmp)) {
		perror("fuzz: mkdtemp");
		abort();
	}
	atexit(fuzz_cleanup);
	static const char *const inc[] = { ".inc", NULL };
	static const char *const csv[] = { ".csv", NULL };
	static const char *const data[] = { ".cfg", ".csv", NULL };
	char to[PATH_MAX];
	snprintf(to, sizeof to, "%s/openrouter_2026", fuzz_tmp);
	fuzz_copy_dir(FUZZ_SRCDIR "/experiments/openrouter_2026", to, inc);
	snprintf(to, sizeof to, "%s/targets", fuzz_tmp);
	fuzz_copy_dir(FUZZ_SRCDIR "/experiments/targets", to, csv);
	fuzz_copy_dir(FUZZ_SRCDIR "/tests/data", fuzz_tmp, data);
	return fuzz_tmp;
}

/* A path in the process's folder. */
static void fuzz_path(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", fuzz_dir(), name);
}

/* ---- the @include guard ------------------------------------------------ */

/*
 * libconfig 1.5 opens an @include with fopen() and hands the stream to
 * its flex scanner. fopen() succeeds on a folder ("", ".", "..", "/", a
 * name cut short by a NUL), the scanner's read then fails, and flex
 * calls exit(2) ("input in flex scanner failed"): the whole process
 * ends, which libFuzzer cannot catch. That is known
 * (tests/fuzz/regressions/config-include-*.cfg, now refused before libconfig sees them): the
 * harness does not hand such an input over.
 *
 * fuzz_path_ok says whether path may be handed to the code under test
 * (as an @include, or as the targets file with `folder` true): absent
 * (the code reports it), a regular file, a folder when `folder`, or a
 * device that never blocks (/dev/null, /dev/zero, /dev/full,
 * /dev/random, /dev/urandom: a file of NULs or noise that never ends).
 * Not a FIFO or a socket (opening one waits for a writer), nor another
 * device or anything under /proc and /sys (/dev/kmsg and /proc/kmsg wait
 * for the kernel's next message): those would hang the harness, not the
 * code under test.
 */
static bool fuzz_path_ok(const char *path, bool folder)
{
	static const char *const endless[] = { "/dev/null", "/dev/zero", "/dev/full",
					       "/dev/random", "/dev/urandom", NULL };
	struct stat st;
	char real[PATH_MAX];
	if (stat(path, &st) != 0)
		return true;
	if (!realpath(path, real))
		return false;
	if (S_ISCHR(st.st_mode)) {
		for (const char *const *d = endless; *d; d++)
			if (strcmp(real, *d) == 0)
				return true;
		return false;
	}
	if (!(S_ISREG(st.st_mode) || (folder && S_ISDIR(st.st_mode))))
		return false;
	return strncmp(real, "/proc/", 6) != 0 && strncmp(real, "/sys/", 5) != 0 &&
	       strncmp(real, "/dev/", 5) != 0;
}

/* Files already scanned by fuzz_includes_ok (their real paths): each is
   scanned once, however often it is included. */
typedef struct fuzz_seen {
	size_t n;
	char paths[16][PATH_MAX];
} fuzz_seen;

/*
 * Whether every @include of text (and of what it includes) names a path
 * fuzz_path_ok accepts. The name is read as libconfig's scanner reads it:
 * up to the next unescaped '"', with \\ for '\' and \" for '"' and any
 * other backslash dropped, cut at a NUL; it is opened as dir/name, one
 * leading '/' dropped. Any "@include", blanks, '"' counts, at the start
 * of a line or not: skipping too much is safe.
 */
static bool fuzz_includes_ok(const char *dir, const char *text, size_t len, fuzz_seen *seen)
{
	static const char kw[] = "@include";
	const char *end = text + len;
	for (const char *p = memmem(text, len, kw, sizeof kw - 1); p;
	     p = memmem(p + 1, (size_t)(end - p - 1), kw, sizeof kw - 1)) {
		const char *q = p + sizeof kw - 1;
		if (q >= end || (*q != ' ' && *q != '\t'))
			continue;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q >= end || *q != '"')
			continue;
		char name[PATH_MAX];
		size_t n = 0;
		for (q++; q < end && *q != '"'; q++) {
			char c = *q;
			if (c == '\\') {
				if (q + 1 < end && (q[1] == '\\' || q[1] == '"'))
					c = *++q;
				else
					continue;
			}
			if (n + 1 < sizeof name)
				name[n++] = c;
		}
		name[n] = '\0'; /* a NUL inside ends it here, as in C */
		char full[2 * PATH_MAX], real[PATH_MAX];
		snprintf(full, sizeof full, "%s/%s", dir, name[0] == '/' ? name + 1 : name);
		if (!fuzz_path_ok(full, false))
			return false;
		if (!realpath(full, real))
			continue; /* absent: libconfig says so */
		bool known = false;
		for (size_t i = 0; i < seen->n && !known; i++)
			known = strcmp(seen->paths[i], real) == 0;
		if (known)
			continue;
		if (seen->n == sizeof seen->paths / sizeof seen->paths[0])
			return false; /* more files than a harness should reach */
		snprintf(seen->paths[seen->n++], PATH_MAX, "%s", real);
		size_t flen;
		char *inner = fuzz_read(full, &flen);
		bool ok = !inner || fuzz_includes_ok(dir, inner, flen, seen);
		free(inner);
		if (!ok)
			return false;
	}
	return true;
}

/* The check for a whole file on disk (the experiment a harness wrote).
   Built with -DFUZZ_NO_INCLUDE_GUARD it lets everything through, to see
   libconfig end the process. */
static FUZZ_UNUSED bool fuzz_file_includes_ok(const char *path)
{
#ifdef FUZZ_NO_INCLUDE_GUARD
	(void)path;
	return true;
#endif
	static fuzz_seen seen; /* static: 64 KiB */
	size_t len;
	char *text = fuzz_read(path, &len);
	seen.n = 0;
	if (text && realpath(path, seen.paths[0]))
		seen.n = 1;
	bool ok = !text || fuzz_includes_ok(fuzz_dir(), text, len, &seen);
	free(text);
	return ok;
}

/* Loads and checks the experiment at path with the overrides, as
   `marketsim check` does (sim_run_experiment with check_only): nothing
   runs, nothing is written. When it names a targets file, checks it as
   `marketsim validate` does before running (the file is parsed). */
static FUZZ_UNUSED void fuzz_load_check(const char *path, const char *const *overrides,
					size_t n)
{
	sim_run_options opt = {
		.config_path = path,
		.overrides = overrides,
		.override_count = n,
		.check_only = true,
		.no_plots = true,
		.quiet = true,
	};
	sim_error err;
	sim_error_clear(&err);
	sim_experiment *x = sim_experiment_load(fuzz_registry, &opt, NULL, 0, &err);
	if (!x)
		return;
	/* As `check` does: the targets file too when the experiment names one
	   (held to the rules of an @include, so never a device or a folder). */
	sim_experiment_check(x, SIM_TARGETS_IF_ANY, NULL, &err);
	sim_experiment_free(x);
}

#endif
