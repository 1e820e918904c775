/* compare.c - `marketsim compare A B`: paired differences of two
   experiments' summary metrics (include/sim_runner.h). */
#include "compare.h"
#include "run.h"
#include "output/folder.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One experiment of the pair, run into out_dir/side with its tables kept. */
static int run_side(const sim_model_type *const *registry, const sim_run_options *opt,
		    const char *out_dir, const char *side, sim_table_set **tables,
		    sim_error *err)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/%s", out_dir, side);
	sim_run_options o = *opt;
	o.out_dir = dir;
	o.quiet = true;
	o.no_plots = true;
	o.keep_tables = true;
	sim_run_report rep = { 0 };
	int rc = sim_run_experiment(registry, &o, &rep, err);
	*tables = rep.tables;
	return rc;
}

/* Writes compare.csv from the two summary tables. */
static int write_comparison(const sim_table *a, const sim_table *b, sim_results *out,
			    FILE *report, sim_error *err)
{
	size_t reps = sim_table_replications(a);
	double *xa = calloc(reps, sizeof *xa), *xb = calloc(reps, sizeof *xb);
	double *d = calloc(reps, sizeof *d);
	FILE *f = xa && xb && d ? sim_results_create(out, "compare.csv", err) : NULL;
	if (!f) {
		free(xa);
		free(xb);
		free(d);
		return err->kind ? -1 : sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
						      "out of memory");
	}
	fputs("metric,subject,a_mean,b_mean,diff_mean,diff_lo,diff_hi,sd_paired,"
	      "sd_independent,variance_reduction\n", f);
	if (report)
		fprintf(report, "%-26s %-12s %14s %14s %30s %9s\n", "metric", "subject",
			"A mean", "B mean", "B - A [95% CI]", "var. red.");
	for (size_t r = 0; r < sim_table_rows(a); r++) {
		const char *metric = sim_table_key(a, r, 0), *subject = sim_table_key(a, r, 1);
		long rb = sim_table_find_row(b, metric, subject);
		if (rb < 0)
			continue; /* e.g. a provider only A has */
		for (size_t k = 0; k < reps; k++) {
			xa[k] = sim_table_value(a, k, r, 0);
			xb[k] = sim_table_value(b, k, (size_t)rb, 0);
		}
		sim_paired_stats ps;
		sim_table_paired_stats(xa, xb, reps, d, &ps);
		fprintf(f, "%s,%s", metric, subject);
		sim_table_put_paired(f, &ps);
		fputc('\n', f);
		if (report) {
			char diff[64];
			snprintf(diff, sizeof diff, "%.4g [%.4g, %.4g]", ps.diff_mean,
				 ps.diff_lo, ps.diff_hi);
			fprintf(report, "%-26s %-12s %14.4g %14.4g %30s %9.3g\n", metric, subject,
				ps.mean_a, ps.mean_b, diff, ps.variance_reduction);
		}
	}
	free(xa);
	free(xb);
	free(d);
	return sim_results_close_file(out, f, err);
}

/* The folder, then both files and the folders they run into (DIR/a,
   DIR/b), checked before either runs. 0, or -1 with err. */
static int check_pair(const sim_model_type *const *registry, const sim_run_options *opt_a,
		      const sim_run_options *opt_b, const char *out_dir, sim_error *err)
{
	char dir_a[4096], dir_b[4096];
	snprintf(dir_a, sizeof dir_a, "%s/a", out_dir);
	snprintf(dir_b, sizeof dir_b, "%s/b", out_dir);
	sim_run_options ca = *opt_a, cb = *opt_b;
	ca.check_only = cb.check_only = true;
	ca.out_dir = dir_a;
	cb.out_dir = dir_b;
	if (sim_folder_check(out_dir, opt_a->force, err) != 0 ||
	    sim_run_experiment(registry, &ca, NULL, err) != 0 ||
	    sim_run_experiment(registry, &cb, NULL, err) != 0)
		return -1;
	return 0;
}

int sim_compare_experiments(const sim_model_type *const *registry,
			    const sim_run_options *opt_a, const sim_run_options *opt_b,
			    const char *out_dir, FILE *report, sim_error *err)
{
	sim_table_set *ta = NULL, *tb = NULL;
	sim_results *out = NULL;
	sim_folder folder = { .lock_fd = -1 };
	int rc = -1;
	if (check_pair(registry, opt_a, opt_b, out_dir, err) != 0)
		return -1;
	sim_experiment *xa = sim_experiment_load(registry, opt_a, NULL, 0, err);
	sim_experiment *xb = xa ? sim_experiment_load(registry, opt_b, NULL, 0, err) : NULL;
	if (!xb) {
		sim_experiment_free(xa);
		return -1;
	}
	long long seed_a = sim_experiment_settings(xa)->seed;
	long long seed_b = sim_experiment_settings(xb)->seed;
	sim_experiment_free(xa);
	sim_experiment_free(xb);
	if (seed_a != seed_b && report)
		fprintf(report, "note: the seeds differ (%lld, %lld): replications are paired "
			"by index but do not share random numbers, so expect no variance "
			"reduction\n", seed_a, seed_b);
	/* The comparison's folder is claimed as a whole, each side's too. */
	if (sim_folder_claim(out_dir, "compare", opt_a->force, &folder, err) != 0)
		goto done;
	if (run_side(registry, opt_a, out_dir, "a", &ta, err) != 0) {
		/* Bad input found once A ran left nothing: nor does the claim. */
		if (err->kind == SIM_ERROR_CONFIG)
			sim_folder_abandon(&folder);
		goto done;
	}
	if (run_side(registry, opt_b, out_dir, "b", &tb, err) != 0)
		goto done;
	const sim_table *sa = sim_table_find(ta, "summary.csv");
	const sim_table *sb = sim_table_find(tb, "summary.csv");
	if (!sa || !sb) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
			      "compare needs a model that writes summary.csv tables");
		goto done;
	}
	if (sim_table_replications(sa) != sim_table_replications(sb)) {
		sim_error_set(err, SIM_ERROR_CONFIG, opt_b->config_path, 0, "replications",
			      "expected as many replications as %s (%zu), found %zu "
			      "(adaptive replications stop at their own count: give "
			      "both a fixed one, e.g. --set replications=20)",
			      opt_a->config_path, sim_table_replications(sa),
			      sim_table_replications(sb));
		goto done;
	}
	out = sim_results_open(out_dir, err);
	if (!out || write_comparison(sa, sb, out, report, err) != 0)
		goto done;
	rc = sim_results_finish(out, err);
	out = NULL;
done:
	sim_results_abort(out);
	sim_folder_release(&folder);
	sim_table_set_free(ta);
	sim_table_set_free(tb);
	return rc;
}
