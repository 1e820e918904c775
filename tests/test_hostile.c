/*
 * test_hostile.c - the hostile-input corpus: every case of
 * tests/hostile/cases.txt run against the program, as a hostile or
 * careless user would: broken files, wrong types, NaN and inf, huge and
 * negative numbers, megabyte strings, bytes that are not UTF-8, binary and
 * empty files, include cycles, duplicate ids, impossible dates, sweep edge
 * cases, foreign folders, bad command lines.
 *
 * Each case names the command line, the exit status and the exact first
 * line the program must print, so a message that gets vaguer fails as
 * surely as a crash. Around every case it also checks that nothing was
 * written, changed or deleted outside the case's own folder
 * (build/test-hostile/NAME), and that a case refused as bad input (exit 2)
 * wrote nothing at all, even inside it. Under `make sanitize` the same
 * cases run the sanitized program, so a case that reads out of bounds
 * fails too. The format is described at the top of cases.txt.
 *
 * Must run from the repository root (make test does).
 */
#define _GNU_SOURCE /* asprintf */
#include "test_util.h"
#include "test_run.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CASES "tests/hostile/cases.txt"
#define DATA "tests/hostile/data"
#define ROOT "build/test-hostile"

typedef struct hostile_case {
	char name[64];
	char setup[8][4096]; /* shell commands run first (@T@ substituted) */
	int nsetup;
	char run[8192];      /* the program's arguments */
	int exit_status;
	char says[4096];     /* the exact first line of its output */
	int line;            /* where the case starts in cases.txt */
} hostile_case;

/* s with every @T@ replaced by the case's folder and @H@ by DATA. */
static void substitute(const char *s, const char *folder, char *out, size_t size)
{
	size_t n = 0;
	while (*s && n + 1 < size) {
		const char *with = NULL;
		if (strncmp(s, "@T@", 3) == 0)
			with = folder;
		else if (strncmp(s, "@H@", 3) == 0)
			with = DATA;
		if (with) {
			n += (size_t)snprintf(out + n, size - n, "%s", with);
			s += 3;
		} else {
			out[n++] = *s++;
		}
	}
	out[n < size ? n : size - 1] = '\0';
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends "path size mtime" for every file and "path/" for every folder
   under dir (not following links, skipping the paths named in skip) to
   f, in name order. */
static void list_tree(FILE *f, const char *dir, const char *const *skip)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	char **names = NULL;
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		names = realloc(names, (n + 1) * sizeof *names);
		assert_non_null(names);
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, compare_names);
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		bool skipped = false;
		for (const char *const *s = skip; s && *s; s++)
			skipped |= strcmp(path, *s) == 0;
		struct stat st;
		if (!skipped && lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			/* A folder by its name only: its time changes when a file
			   is made and removed again, which leaves nothing. */
			fprintf(f, "%s/\n", path);
			list_tree(f, path, skip);
		} else if (!skipped && lstat(path, &st) == 0) {
			fprintf(f, "%s %lld %lld.%09ld\n", path, (long long)st.st_size,
				(long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		}
		free(names[i]);
	}
	free(names);
}

/* The listing of dir as one heap string. */
static char *snapshot(const char *dir, const char *const *skip)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	list_tree(f, dir, skip);
	fclose(f);
	return text;
}

/* Copies src into dst[size]; a value too long for it fails the test. */
static void copy_field(char *dst, size_t size, const char *src, int lineno)
{
	size_t n = strlen(src);
	if (n >= size)
		fail_msg(CASES ":%d: line too long (%zu bytes, at most %zu)", lineno, n, size - 1);
	memcpy(dst, src, n + 1);
}

/* The first line where listings a and b differ (the entry that was
   written, changed or deleted), as a heap string. */
static char *first_difference(const char *a, const char *b)
{
	while (*a && *a == *b) {
		const char *na = strchr(a, '\n'), *nb = strchr(b, '\n');
		size_t la = na ? (size_t)(na - a) : strlen(a), lb = nb ? (size_t)(nb - b) : strlen(b);
		if (la != lb || strncmp(a, b, la) != 0)
			break;
		a += la + (na != NULL);
		b += lb + (nb != NULL);
	}
	const char *line = *a ? a : b;
	char *out = strndup(line, strcspn(line, "\n"));
	assert_non_null(out);
	return out;
}

/* Reads the next case of cases.txt into c; false at the end. */
static bool next_case(FILE *f, int *lineno, hostile_case *c)
{
	char line[16384];
	memset(c, 0, sizeof *c);
	c->exit_status = -1;
	while (fgets(line, sizeof line, f)) {
		(*lineno)++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || (!line[0] && !c->name[0]))
			continue;
		if (!line[0])
			break; /* a blank line ends a case */
		if (!strncmp(line, "case ", 5)) {
			copy_field(c->name, sizeof c->name, line + 5, *lineno);
			c->line = *lineno;
		} else if (!strncmp(line, "setup ", 6) && c->nsetup < 8) {
			copy_field(c->setup[c->nsetup++], sizeof c->setup[0], line + 6, *lineno);
		} else if (!strncmp(line, "run ", 4)) {
			copy_field(c->run, sizeof c->run, line + 4, *lineno);
		} else if (!strncmp(line, "exit ", 5)) {
			c->exit_status = atoi(line + 5);
		} else if (!strncmp(line, "says ", 5)) {
			copy_field(c->says, sizeof c->says, line + 5, *lineno);
		} else {
			fail_msg(CASES ":%d: unknown line \"%s\"", *lineno, line);
		}
	}
	if (!c->name[0])
		return false;
	if (!c->run[0] || c->exit_status < 0 || !c->says[0])
		fail_msg(CASES ":%d: case %s needs run, exit and says", c->line, c->name);
	return true;
}

/* Runs one case; returns a heap message saying how it failed, or NULL. */
static char *run_case(const hostile_case *c)
{
	char folder[256], cmd[20480], buf[16384], says[4096];
	snprintf(folder, sizeof folder, ROOT "/%s", c->name);
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", folder, folder);
	free(test_run_shell(cmd));
	for (int i = 0; i < c->nsetup; i++) {
		substitute(c->setup[i], folder, buf, sizeof buf);
		test_result *r = test_run_shell(buf);
		int st = r->status;
		free(r);
		if (st != 0)
			return strdup("its setup command failed");
	}
	static const char *const skip[] = { "./build", "./bin", "./.git", "./out", NULL };
	char *repo_before = snapshot(".", skip);
	char *case_before = snapshot(folder, NULL);
	substitute(c->run, folder, buf, sizeof buf);
	snprintf(cmd, sizeof cmd, "timeout 60 %s %s 2>&1 </dev/null", test_program(), buf);
	test_result *r = test_run_shell(cmd);
	char *repo_after = snapshot(".", skip);
	char *case_after = snapshot(folder, NULL);
	substitute(c->says, folder, says, sizeof says);
	char first[4096];
	size_t n = strcspn(r->out, "\n");
	snprintf(first, sizeof first, "%.*s", (int)(n < sizeof first ? n : sizeof first - 1),
		 r->out);
	char *why = NULL;
	if (r->status != c->exit_status || strcmp(first, says) != 0)
		asprintf(&why, "exit %d, said\n    %s\n  expected exit %d,\n    %s", r->status,
			 first, c->exit_status, says);
	else if (strcmp(repo_before, repo_after) != 0) {
		char *d = first_difference(repo_before, repo_after);
		asprintf(&why, "it wrote, changed or deleted outside its folder: %s", d);
		free(d);
	} else if (c->exit_status == 2 && strcmp(case_before, case_after) != 0) {
		char *d = first_difference(case_before, case_after);
		asprintf(&why, "refused as bad input, it still wrote into its folder: %s", d);
		free(d);
	}
	free(r);
	free(repo_before);
	free(repo_after);
	free(case_before);
	free(case_after);
	return why;
}

/* Ensure every case of the corpus behaves as it says. */
static void test_corpus(void **unused)
{
	(void)unused;
	FILE *f = fopen(CASES, "r");
	assert_non_null(f);
	hostile_case *c = malloc(sizeof *c);
	assert_non_null(c);
	int lineno = 0, total = 0, failed = 0;
	while (next_case(f, &lineno, c)) {
		total++;
		char *why = run_case(c);
		if (why) {
			failed++;
			print_error(CASES ":%d: %s: %s\n", c->line, c->name, why);
			free(why);
		}
	}
	fclose(f);
	free(c);
	print_message("hostile corpus: %d cases, %d failed\n", total, failed);
	assert_true(total >= 60);
	assert_int_equal(failed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
