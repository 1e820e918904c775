/*
 * fuzz_set.c - libFuzzer harness: the input is a list of `--set`
 * overrides, one per line (a NUL also ends one: argv cannot hold it),
 * applied to a fixed valid experiment, tests/data/sweep_adaptive.cfg
 * (market_ok.cfg's three models, two segments and two events, with a
 * sweep and adaptive replications), then loaded and checked as
 * `marketsim check sweep_adaptive.cfg --set ... --set ...` does. An override
 * may name any setting, switch the model (`model=phold`) or replace a
 * collection's member, so the whole of sim_config_set and the schema
 * checks behind it are in reach.
 */
#include "fuzz_common.h"

/* The base experiment, written once into the folder. */
static const char *fuzz_set_base(void)
{
	static char path[PATH_MAX];
	if (!path[0]) {
		size_t n;
		char *text = fuzz_read(FUZZ_SRCDIR "/tests/data/sweep_adaptive.cfg", &n);
		char tmp[PATH_MAX];
		fuzz_path(tmp, sizeof tmp, "set_base.cfg");
		const void *parts[] = { text };
		if (!text || fuzz_write(tmp, 1, parts, &n) != 0)
			abort();
		free(text);
		snprintf(path, sizeof path, "%s", tmp);
	}
	return path;
}

int fuzz_set_one(const uint8_t *data, size_t size)
{
	const char *base = fuzz_set_base();
	/* One heap copy cut into lines: every '\n' and NUL ends one. */
	char *text = malloc(size + 1);
	const char **lines = malloc((size + 1) * sizeof *lines);
	if (!text || !lines)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	size_t n = 0;
	for (size_t i = 0, start = 0; i <= size; i++)
		if (i == size || text[i] == '\n' || text[i] == '\0') {
			text[i] = '\0';
			if (i > start || i < size)
				lines[n++] = text + start;
			start = i + 1;
		}
	fuzz_load_check(base, lines, n);
	free(lines);
	free(text);
	return 0;
}

FUZZ_ENTRY(fuzz_set_one)
