/*
 * test_fuzz_regressions.c - every input that fuzzing found to break our
 * code, replayed in the ordinary test build (no libFuzzer needed).
 *
 * Each file of tests/fuzz/regressions/ is named after the harness that
 * found it: `config-*` goes through fuzz_config_one (the bytes as an
 * experiment file), `set-*` through fuzz_set_one (--set lines on
 * market_ok.cfg), `sweep-*` through fuzz_sweep_one (a `sweep` group's
 * body). Those are the harnesses' own bodies (tests/fuzz/fuzz_*.c,
 * included below without FUZZ_LIBFUZZER), so a regression replays
 * exactly what the fuzzer ran: loading, checking and expanding, nothing
 * run, nothing written. A memory error shows under `make sanitize` and
 * `make memcheck`, a hang as SIGALRM after 60 s. Each file's leading
 * comment says what it found.
 */
/* The harnesses keep libconfig from ever seeing an @include of a folder
   or a name cut short (it would end the fuzzing process); marketsim
   refuses those itself before libconfig opens them, so the replay lets
   everything through and the code under test must say no. */
#define FUZZ_NO_INCLUDE_GUARD
#include "fuzz/fuzz_config.c"
#include "fuzz/fuzz_set.c"
#include "fuzz/fuzz_sweep.c"

#include "test_util.h"

#define REGRESSIONS "tests/fuzz/regressions"

typedef int (*harness_fn)(const uint8_t *, size_t);

static harness_fn harness_for(const char *name)
{
	if (strncmp(name, "config-", 7) == 0)
		return fuzz_config_one;
	if (strncmp(name, "set-", 4) == 0)
		return fuzz_set_one;
	if (strncmp(name, "sweep-", 6) == 0)
		return fuzz_sweep_one;
	return NULL;
}

/* One file through its harness; state is its name. */
static void replay(void **state)
{
	const char *name = *state;
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", REGRESSIONS, name);
	size_t len;
	char *data = fuzz_read(path, &len);
	assert_non_null(data);
	harness_fn fn = harness_for(name);
	if (!fn)
		fail_msg("%s: name it config-*, set-* or sweep-* after its harness", path);
	/* A hang (one case read /dev/zero for ever) ends the suite. */
	alarm(60);
	/* 0: the input was handed to the code under test (-1 would mean the
	   harness skipped it as a known libconfig exit). */
	assert_int_equal(fn((const uint8_t *)data, len), 0);
	alarm(0);
	free(data);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	DIR *d = opendir(REGRESSIONS);
	if (!d) {
		perror(REGRESSIONS);
		return 1;
	}
	char **names = NULL;
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char **more = realloc(names, (n + 1) * sizeof *names);
		if (!more || !(more[n] = strdup(e->d_name)))
			abort();
		names = more;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	struct CMUnitTest *tests = calloc(n ? n : 1, sizeof *tests);
	if (!tests)
		abort();
	for (size_t i = 0; i < n; i++)
		tests[i] = (struct CMUnitTest){ .name = names[i], .test_func = replay,
						.initial_state = names[i] };
	int failed = _cmocka_run_group_tests("fuzz_regressions", tests, n, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(tests);
	return failed;
}
