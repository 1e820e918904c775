/*
 * fuzz_sweep.c - libFuzzer harness: the input is the body of a `sweep`
 * group, appended as `sweep = { INPUT };` to a fixed valid experiment
 * (tests/data/market_ok.cfg). The file is loaded as `marketsim sweep`
 * loads it; then its points are expanded: the count
 * (sim_sweep_point_count), every value's text, and the assignments of
 * the first and last FUZZ_SWEEP_EDGE points (sim_sweep_point_assignments),
 * and at the first and last FUZZ_SWEEP_LOADS of those points the
 * experiment is loaded again with the assignments as overrides and
 * checked, as the sweep's own check of every point does before it runs
 * anything.
 *
 * A grid may have up to 10^6 values per parameter and as many parameters
 * as the input holds: the harness looks at a bounded number of points
 * and values (what it allocates stays small whatever the grid); anything
 * the code under test allocates for a valid huge grid is a finding.
 */
#include "fuzz_common.h"

#define FUZZ_SWEEP_EDGE 16  /* points expanded at each end */
#define FUZZ_SWEEP_LOADS 1  /* of those, points loaded at each end */
#define FUZZ_SWEEP_VALUES 8 /* values written at each end of a parameter */

/* market_ok.cfg, read once. */
static const char *fuzz_sweep_base(size_t *len)
{
	static char *text;
	static size_t n;
	if (!text && !(text = fuzz_read(FUZZ_SRCDIR "/tests/data/market_ok.cfg", &n)))
		abort();
	*len = n;
	return text;
}

/* Whether index k of n is among the first or last `edge`. */
static bool fuzz_sweep_edge(size_t k, size_t n, size_t edge)
{
	return k < edge || k >= n - (n < edge ? n : edge);
}

int fuzz_sweep_one(const uint8_t *data, size_t size)
{
	char path[PATH_MAX];
	size_t base_len;
	const char *base = fuzz_sweep_base(&base_len);
	static const char open[] = "\nsweep = {\n", close[] = "\n};\n";
	const void *parts[] = { base, open, data, close };
	size_t lens[] = { base_len, sizeof open - 1, size, sizeof close - 1 };
	fuzz_path(path, sizeof path, "sweep.cfg");
	if (fuzz_write(path, 4, parts, lens) != 0)
		abort();
	if (!fuzz_file_includes_ok(path)) {
		return -1;
	}
	sim_run_options opt = { .config_path = path, .check_only = true, .quiet = true,
				.no_plots = true };
	sim_error err;
	sim_error_clear(&err);
	sim_experiment *x = sim_experiment_load(fuzz_registry, &opt, NULL, 0, &err);
	if (!x)
		return 0;
	const sim_sweep_params *s = &sim_experiment_settings(x)->sweep;
	const sim_sweep_param *p = s->parameters.items;
	size_t count = sim_sweep_point_count(s);

	/* Every parameter's values, at both ends, as tables and --set write them. */
	for (size_t j = 0; j < s->parameters.count; j++) {
		size_t nv = sim_sweep_value_count(&p[j]);
		for (size_t k = 0; k < nv; k++) {
			if (!fuzz_sweep_edge(k, nv, FUZZ_SWEEP_VALUES)) {
				k = nv - FUZZ_SWEEP_VALUES - 1;
				continue;
			}
			char v[64];
			sim_sweep_value_text(&p[j], k, 10, false, v, sizeof v);
			sim_sweep_value_text(&p[j], k, 17, true, v, sizeof v);
		}
	}

	size_t n = s->parameters.count;
	for (size_t i = 0; i < count; i++) {
		if (!fuzz_sweep_edge(i, count, FUZZ_SWEEP_EDGE)) {
			i = count - FUZZ_SWEEP_EDGE - 1;
			continue;
		}
		for (size_t j = 0; j < n; j++)
			if (sim_sweep_value_index(s, i, j) >= sim_sweep_value_count(&p[j]))
				abort(); /* a point outside its parameter's values */
		char **a = sim_sweep_point_assignments(s, i);
		if (!a)
			abort();
		if (fuzz_sweep_edge(i, count, FUZZ_SWEEP_LOADS)) {
			sim_error_clear(&err);
			sim_experiment *xp = sim_experiment_load(fuzz_registry, &opt,
								 (const char *const *)a, n, &err);
			if (xp)
				sim_experiment_check(xp, SIM_TARGETS_IGNORE, NULL, &err);
			sim_experiment_free(xp);
		}
		sim_sweep_assignments_free(a, n);
	}
	sim_experiment_free(x);
	return 0;
}

FUZZ_ENTRY(fuzz_sweep_one)
