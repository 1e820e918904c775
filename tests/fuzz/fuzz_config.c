/*
 * fuzz_config.c - libFuzzer harness: the input is an experiment file.
 *
 * It is written to the process's temporary folder (libconfig reads files;
 * @include is resolved against that folder, which holds the baseline's
 * pieces) and goes where `marketsim check FILE` sends it: loaded with
 * sim_experiment_load (libconfig, the schema of the engine and of the
 * model it names, every cross-check) and checked with
 * sim_experiment_check; when it names a targets file, that is checked as
 * `marketsim validate` does before running. Nothing runs, nothing is
 * written but the input.
 */
#include "fuzz_common.h"

int fuzz_config_one(const uint8_t *data, size_t size)
{
	char path[PATH_MAX];
	fuzz_path(path, sizeof path, "input.cfg");
	const void *parts[] = { data };
	if (fuzz_write(path, 1, parts, &size) != 0)
		abort();
	if (!fuzz_file_includes_ok(path)) {
		return -1; /* libFuzzer: not worth keeping */
	}
	fuzz_load_check(path, NULL, 0);
	return 0;
}

FUZZ_ENTRY(fuzz_config_one)
