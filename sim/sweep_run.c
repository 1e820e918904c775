/* sweep_run.c - `marketsim sweep`: every point of an experiment's sweep,
   each a complete result directory, then one summary row per point
   (include/sim_sweep.h, include/sim_runner.h). */
#include "sim_runner.h"
#include "sim_plot.h"
#include "sim_progress.h"
#include "sim_report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The assignments of point `point`: "path=value" for each parameter, in
   heap strings owned by the caller (free with free_assignments). */
static char **point_assignments(const sim_sweep_params *s, size_t point)
{
	const sim_sweep_param *p = s->parameters.items;
	char **a = calloc(s->parameters.count, sizeof *a);
	for (size_t j = 0; a && j < s->parameters.count; j++) {
		char v[64];
		/* 17 digits: the value the point ran with, exactly. */
		sim_sweep_value_text(&p[j], sim_sweep_value_index(s, point, j), 17, true, v,
				     sizeof v);
		size_t len = strlen(p[j].path) + strlen(v) + 2;
		if (!(a[j] = malloc(len)))
			return a; /* the caller sees the NULL */
		snprintf(a[j], len, "%s=%s", p[j].path, v);
	}
	return a;
}

static void free_assignments(char **a, size_t n)
{
	for (size_t j = 0; a && j < n; j++)
		free(a[j]);
	free(a);
}

/* opt's overrides followed by `extra`: the point's own. */
static const char **with_overrides(const sim_run_options *opt, char **extra, size_t n)
{
	const char **all = calloc(opt->override_count + n + 1, sizeof *all);
	if (!all)
		return NULL;
	for (size_t i = 0; i < opt->override_count; i++)
		all[i] = opt->overrides[i];
	for (size_t j = 0; j < n; j++)
		all[opt->override_count + j] = extra[j];
	return all;
}

/* Every value of every parameter must be a valid value of the setting its
   path names; reported at the parameter, as the file has it. */
static int check_paths(sim_experiment *x, sim_error *err)
{
	const sim_sweep_params *s = &sim_experiment_settings(x)->sweep;
	const sim_sweep_param *p = s->parameters.items;
	for (size_t j = 0; j < s->parameters.count; j++)
		for (size_t k = 0; k < sim_sweep_value_count(&p[j]); k++) {
			char assignment[1024], at[64], v[64];
			sim_sweep_value_text(&p[j], k, 17, true, v, sizeof v);
			snprintf(assignment, sizeof assignment, "%s=%s", p[j].path, v);
			sim_error e;
			sim_error_clear(&e);
			if (sim_config_set(sim_experiment_config(x), sim_experiment_root(x),
					   assignment, &e) == 0)
				continue;
			snprintf(at, sizeof at, "sweep.parameters.[%zu].path", j);
			return sim_config_error_at(sim_experiment_config(x), at, err,
						   "%s%s%s (value %s)", e.path, e.path[0] ? ": " : "",
						   e.message, v);
		}
	return 0;
}

/* Each point must also pass the checks that involve several settings
   (an event date within the horizon, ...) before anything runs. */
static int check_points(const sim_model_type *const *registry, const sim_run_options *opt,
			const sim_sweep_params *s, sim_error *err)
{
	size_t n = s->parameters.count;
	for (size_t i = 0; i < sim_sweep_point_count(s); i++) {
		char **a = point_assignments(s, i);
		const char **all = a ? with_overrides(opt, a, n) : NULL;
		if (!all) {
			free_assignments(a, n);
			return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		}
		sim_run_options o = *opt;
		o.overrides = all;
		o.override_count = opt->override_count + n;
		o.check_only = true;
		int rc = sim_run_experiment(registry, &o, NULL, err);
		if (rc != 0) {
			size_t len = strlen(err->message);
			snprintf(err->message + len, sizeof err->message - len,
				 " (at sweep point %zu)", i);
		}
		free(all);
		free_assignments(a, n);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* A point's summary.csv: rows metric,subject,value_mean,value_sd,value_lo,
   value_hi. Reads up to `max` rows into names ("metric:subject") and
   stats (mean, lo, hi); returns the count, or -1 when unreadable. */
static long read_summary(const char *dir, char (*names)[128], double (*stats)[3], size_t max)
{
	char path[4096], line[1024];
	snprintf(path, sizeof path, "%s/summary.csv", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long n = 0;
	bool header = true;
	while (fgets(line, sizeof line, f) && (size_t)n < max) {
		if (header) {
			header = false;
			continue;
		}
		char *field[6], *p = line;
		int k = 0;
		while (k < 6 && p) {
			field[k++] = p;
			p = strchr(p, ',');
			if (p)
				*p++ = '\0';
		}
		if (k < 6)
			continue;
		snprintf(names[n], 128, "%s:%s", field[0], field[1]);
		stats[n][0] = strtod(field[2], NULL);
		stats[n][1] = strtod(field[4], NULL);
		stats[n][2] = strtod(field[5], NULL);
		n++;
	}
	fclose(f);
	return n;
}

enum { MAX_METRICS = 4096 };

/* sweep_summary.csv: point, each parameter, then each summary metric's
   mean and 95% interval at that point (nan for a failed point). */
static int write_summary(const char *dir, const sim_sweep_params *s, const bool *failed,
			 sim_results *out, sim_error *err)
{
	size_t points = sim_sweep_point_count(s), np = s->parameters.count;
	const sim_sweep_param *p = s->parameters.items;
	char (*names)[128] = calloc(MAX_METRICS, sizeof *names);
	double (*stats)[3] = calloc(MAX_METRICS, sizeof *stats);
	char (*first)[128] = calloc(MAX_METRICS, sizeof *first);
	FILE *f = names && stats && first ? sim_results_create(out, "sweep_summary.csv", err) : NULL;
	int rc = -1;
	if (!f)
		goto done;
	long metrics = -1;
	char pd[4096];
	for (size_t i = 0; i < points && metrics < 0; i++) {
		snprintf(pd, sizeof pd, "%s/points/p%04zu", dir, i);
		if (!failed[i])
			metrics = read_summary(pd, first, stats, MAX_METRICS);
	}
	fputs("point", f);
	for (size_t j = 0; j < np; j++)
		fprintf(f, ",%s", p[j].path);
	for (long m = 0; m < metrics; m++)
		fprintf(f, ",%s_mean,%s_lo,%s_hi", first[m], first[m], first[m]);
	fputc('\n', f);
	for (size_t i = 0; i < points; i++) {
		fprintf(f, "p%04zu", i);
		for (size_t j = 0; j < np; j++) {
			char v[64];
			sim_sweep_value_text(&p[j], sim_sweep_value_index(s, i, j), 10, false, v,
					     sizeof v);
			fprintf(f, ",%s", v);
		}
		snprintf(pd, sizeof pd, "%s/points/p%04zu", dir, i);
		long got = failed[i] ? -1 : read_summary(pd, names, stats, MAX_METRICS);
		for (long m = 0; m < metrics; m++) {
			bool ok = got > m && strcmp(names[m], first[m]) == 0;
			for (int k = 0; k < 3; k++) {
				if (ok && !isnan(stats[m][k]))
					fprintf(f, ",%.10g", stats[m][k]);
				else
					fputs(",nan", f);
			}
		}
		fputc('\n', f);
	}
	rc = sim_results_close_file(out, f, err);
	f = NULL;
done:
	if (f)
		sim_results_close_file(out, f, NULL);
	if (rc != 0 && err->kind == SIM_ERROR_NONE)
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	free(names);
	free(stats);
	free(first);
	return rc;
}

/* sweep_plots.txt: one chart per line for plots/sweep_*.gp, the metric's
   column stem, the first parameter's column and, for a grid of two or
   more, the second's. */
static int write_plot_list(const sim_sweep_params *s, sim_results *out, sim_error *err)
{
	const sim_sweep_param *p = s->parameters.items;
	FILE *f = sim_results_create(out, "sweep_plots.txt", err);
	if (!f)
		return -1;
	const char *c = s->plot;
	while (*c) {
		size_t n = strcspn(c, ",");
		/* A grid over two or more parameters also gets a heat map
		   over the first two. */
		if (n > 0 && s->mode == 0 && s->parameters.count >= 2)
			fprintf(f, "%.*s %s %s\n", (int)n, c, p[0].path, p[1].path);
		else if (n > 0)
			fprintf(f, "%.*s %s\n", (int)n, c, p[0].path);
		c += n + (c[n] == ',');
	}
	return sim_results_close_file(out, f, err);
}

/* Runs point i into dir/points/pNNNN; fills fail (a line for
   sweep_failures.csv) when it fails. */
static int run_point(const sim_model_type *const *registry, const sim_run_options *opt,
		     const sim_sweep_params *s, size_t i, const char *dir, char *fail,
		     size_t fail_size)
{
	size_t n = s->parameters.count;
	char pd[4096];
	snprintf(pd, sizeof pd, "%s/points/p%04zu", dir, i);
	char **a = point_assignments(s, i);
	const char **all = a ? with_overrides(opt, a, n) : NULL;
	sim_error e;
	sim_error_clear(&e);
	int rc = -1;
	if (!all) {
		sim_error_set(&e, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	} else {
		sim_run_options o = *opt;
		o.overrides = all;
		o.override_count = opt->override_count + n;
		o.out_dir = pd;
		o.quiet = true;
		o.no_plots = true;
		rc = sim_run_experiment(registry, &o, NULL, &e);
	}
	if (rc != 0) {
		char msg[1400];
		sim_error_format(&e, msg, sizeof msg);
		for (char *c = msg; *c; c++)
			if (*c == ',' || *c == '\n')
				*c = ';'; /* one CSV field */
		snprintf(fail, fail_size, "p%04zu,%s", i, msg);
	}
	free(all);
	free_assignments(a, n);
	return rc;
}

/* A worker process's point: its failure line goes to pNNNN.failed for
   the parent to read. Returns the exit status. */
static int run_point_in_worker(const sim_model_type *const *registry,
			       const sim_run_options *opt, const sim_sweep_params *s, size_t i,
			       const char *dir)
{
	char fail[1600], path[4200];
	if (run_point(registry, opt, s, i, dir, fail, sizeof fail) == 0)
		return 0;
	snprintf(path, sizeof path, "%s/points/p%04zu.failed", dir, i);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(fail, f);
		fclose(f);
	}
	return 1;
}

/* The failure line of point i's worker: what it wrote, or how it died. */
static char *worker_failure(const char *dir, size_t i, int status)
{
	char path[4200], line[1600] = "";
	snprintf(path, sizeof path, "%s/points/p%04zu.failed", dir, i);
	FILE *f = fopen(path, "r");
	if (f) {
		if (!fgets(line, sizeof line, f))
			line[0] = '\0';
		fclose(f);
		remove(path);
	}
	if (!line[0]) {
		if (WIFSIGNALED(status))
			snprintf(line, sizeof line, "p%04zu,the worker was killed by signal %d", i,
				 WTERMSIG(status));
		else
			snprintf(line, sizeof line, "p%04zu,the worker exited with status %d", i,
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	return strdup(line);
}

static void point_done(sim_sweep_report *rep, bool failed, sim_progress *progress)
{
	if (failed)
		rep->failed++;
	else
		rep->done++;
	sim_progress_update(progress, rep->done + rep->failed + rep->skipped, 0);
}

int sim_sweep_experiment(const sim_model_type *const *registry, const sim_run_options *opt,
			 bool resume, size_t jobs, sim_sweep_report *report, sim_error *err)
{
	sim_sweep_report rep = { 0 };
	sim_experiment *x = sim_experiment_load(registry, opt, err);
	if (!x)
		return -1;
	const sim_sweep_params *s = &sim_experiment_settings(x)->sweep;
	rep.points = sim_sweep_point_count(s);
	char *name = NULL, *dir = NULL, **failures = NULL;
	bool *failed = NULL;
	sim_results *out = NULL;
	int rc = -1;
	if (rep.points == 0) {
		sim_config_error_at(sim_experiment_config(x), "sweep", err,
				    "expected a `sweep` group with at least one parameter");
		goto done;
	}
	if (check_paths(x, err) != 0 || check_points(registry, opt, s, err) != 0)
		goto done;
	name = sim_experiment_name(x, opt->config_path);
	dir = opt->out_dir ? strdup(opt->out_dir) : NULL;
	if (!opt->out_dir && name && (dir = malloc(strlen(name) + 5)))
		sprintf(dir, "out/%s", name);
	failed = calloc(rep.points, sizeof *failed);
	failures = calloc(rep.points, sizeof *failures);
	if (!name || !dir || !failed || !failures) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		goto done;
	}
	/* Opening the output first makes the sweep's folder (and fails early
	   when it cannot be written). */
	out = sim_results_open(dir, err);
	if (!out)
		goto done;
	char label[300];
	snprintf(label, sizeof label, "sweep %s", name);
	sim_progress *progress = sim_progress_new(stderr, opt->quiet, label, "points", rep.points);
	pid_t *worker = calloc(rep.points, sizeof *worker);
	if (!worker) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		goto done;
	}
	size_t running = 0, next = 0, finished = 0;
	while (finished + rep.skipped < rep.points) {
		/* Start points while a worker slot is free. */
		while (next < rep.points && (running < jobs || jobs <= 1) &&
		       err->kind == SIM_ERROR_NONE) {
			size_t i = next++;
			char manifest[4200];
			snprintf(manifest, sizeof manifest, "%s/points/p%04zu/manifest.txt", dir, i);
			if (resume && file_exists(manifest)) {
				rep.skipped++;
				continue;
			}
			if (jobs <= 1) {
				char fail[1600];
				if (run_point(registry, opt, s, i, dir, fail, sizeof fail) != 0) {
					failed[i] = true;
					failures[i] = strdup(fail);
				}
				point_done(&rep, failed[i], progress);
				finished++;
				continue;
			}
			fflush(stdout);
			fflush(stderr);
			pid_t pid = fork();
			if (pid == 0)
				_exit(run_point_in_worker(registry, opt, s, i, dir));
			if (pid < 0) {
				sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
					      "cannot start a worker: %s", strerror(errno));
				next--;
				break;
			}
			worker[i] = pid;
			running++;
		}
		if (running == 0) {
			if (err->kind != SIM_ERROR_NONE) {
				free(worker);
				sim_progress_finish(progress);
				goto done;
			}
			continue;
		}
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		size_t i = 0;
		while (i < rep.points && worker[i] != pid)
			i++;
		if (i == rep.points)
			continue;
		running--;
		finished++;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			failed[i] = true;
			failures[i] = worker_failure(dir, i, status);
		}
		point_done(&rep, failed[i], progress);
	}
	free(worker);
	sim_progress_finish(progress);
	if (write_summary(dir, s, failed, out, err) != 0)
		goto done;
	if (rep.failed) {
		FILE *f = sim_results_create(out, "sweep_failures.csv", err);
		if (!f)
			goto done;
		fputs("point,error\n", f);
		for (size_t i = 0; i < rep.points; i++)
			if (failures[i])
				fprintf(f, "%s\n", failures[i]);
		if (sim_results_close_file(out, f, err) != 0)
			goto done;
	}
	if (s->plot[0] && write_plot_list(s, out, err) != 0)
		goto done;
	rc = sim_results_finish(out, err);
	out = NULL;
	bool summarized = rc == 0, charts = false;
	if (summarized && s->plot[0] && !opt->no_plots) {
		/* The results are safe; a chart that fails is reported after. */
		const char *scripts = opt->plots_dir ? opt->plots_dir : sim_plot_default_dir();
		rc = sim_plot_draw(scripts, "sweep", dir, err);
		charts = rc == 0;
		if (rc == 0 && !opt->quiet)
			printf("plots in %s/plots/\n", dir);
	}
	if (summarized) {
		/* As for a run (sim/runner.c): reported, but the summary stays;
		   a chart's failure stays the error reported. */
		sim_error report_err;
		sim_error_clear(&report_err);
		sim_error *e = rc == 0 ? err : &report_err;
		int report_rc = charts ? sim_report_write(dir, opt->config_path, e)
				       : sim_report_write_no_charts(dir, opt->config_path, e);
		if (report_rc == 0 && !opt->quiet)
			printf("report in %s/report.html\n", dir);
		if (report_rc != 0)
			rc = -1;
	}
	if (rc == 0 && report)
		*report = rep;
	if (rc == 0 && !opt->quiet)
		printf("%s: %zu points (%zu run, %zu kept from before, %zu failed); "
		       "summary in %s/sweep_summary.csv\n", name, rep.points, rep.done,
		       rep.skipped, rep.failed, dir);
done:
	sim_results_abort(out);
	for (size_t i = 0; failures && i < rep.points; i++)
		free(failures[i]);
	free(failures);
	free(failed);
	free(dir);
	free(name);
	sim_experiment_free(x);
	return rc;
}
