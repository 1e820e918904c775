/* guard.c - resource guards (see guard.h): the model's estimate of a
   replication, times the replications at once, against the limits. */
#include "guard.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

double sim_guard_memory_limit(const sim_run_options *opt, const char **why)
{
	if (opt->max_memory > 0) {
		if (why)
			*why = "set by --max-memory";
		return opt->max_memory;
	}
	/* Asked once: a sweep's check asks at every point. */
	static double physical;
	if (physical == 0) {
		long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
		/* Unknown: no limit but --max-memory's. */
		physical = pages > 0 && page > 0 ? (double)pages * (double)page : INFINITY;
	}
	if (why)
		*why = "80% of this machine's memory; --max-memory to change";
	return SIM_MEMORY_FRACTION * physical;
}

size_t sim_guard_workers(const sim_run_options *opt, size_t tasks)
{
	const sim_exec_options *how = opt->exec;
	if (!how || how->mpi || how->jobs < 1)
		return 1;
	size_t workers = how->jobs < tasks ? how->jobs : tasks;
	return workers > 0 ? workers : 1;
}

size_t sim_guard_tasks(const sim_experiment *x, size_t points)
{
	if (!sim_experiment_model(x)->record)
		return 1;
	size_t limit = sim_replications_limit(&sim_experiment_settings(x)->replications), n;
	return __builtin_mul_overflow(points, limit, &n) ? SIZE_MAX : n;
}

void sim_guard_format_size(double bytes, char *buf, size_t size)
{
	static const char *const units[] = { "bytes", "KB", "MB", "GB", "TB", "PB", "EB" };
	int u = 0;
	while (bytes >= 1024 && u < 6) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

/* The full path of a setting of the model's group, for the error's line. */
static void model_setting(const sim_experiment *x, const char *setting, char *buf, size_t size)
{
	snprintf(buf, size, "%s.%s", sim_experiment_model(x)->name, setting);
}

/* A replication may execute at most SIM_MAX_EVENTS events. */
static int check_events(const sim_experiment *x, const sim_resource_estimate *est,
			sim_error *err)
{
	char at[128];
	if (!(est->events > SIM_MAX_EVENTS))
		return 0;
	model_setting(x, est->events_setting, at, sizeof at);
	return sim_config_error_at(sim_experiment_config_const(x), at, err,
				   "a replication would execute %s, beyond the limit of %.0e "
				   "events a run may take", est->work, SIM_MAX_EVENTS);
}

int sim_guard_check(const sim_experiment *x, const sim_run_options *opt, size_t workers,
		    size_t points, sim_error *err)
{
	const sim_model_type *model = sim_experiment_model(x);
	sim_resource_estimate est;
	char at[128], limit_text[32], total_text[200] = "";
	if (!model->estimate)
		return 0;
	model->estimate(sim_experiment_model_params(x), &est);
	const char *why;
	double limit = sim_guard_memory_limit(opt, &why);
	double total = est.bytes * (double)workers + (points > 1 ? (double)points * SIM_POINT_BYTES : 0);
	if (!(total > limit))
		return check_events(x, &est, err);
	if (workers > 1 || points > 1)
		snprintf(total_text, sizeof total_text,
			 " per replication, %.1e bytes with %zu replication%s at once%s", total,
			 workers, workers == 1 ? "" : "s", points > 1 ? " and the sweep's points" : "");
	sim_guard_format_size(limit, limit_text, sizeof limit_text);
	model_setting(x, est.memory_setting, at, sizeof at);
	return sim_config_error_at(sim_experiment_config_const(x), at, err,
				   "%s%s, beyond the memory limit of %s (%s)", est.memory, total_text,
				   limit_text, why);
}

int sim_guard_parse_size(const char *text, double *bytes)
{
	char *end;
	if (!text || !isdigit((unsigned char)text[0]))
		return -1;
	double v = strtod(text, &end);
	static const char units[] = "KMGT";
	const char *u = *end ? strchr(units, toupper((unsigned char)*end)) : NULL;
	if (*end && !u)
		return -1;
	if (u) {
		v *= pow(1024, (double)(u - units + 1));
		end++;
		if (*end == 'i' || *end == 'I')
			end++;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || !(v >= 1) || !isfinite(v))
		return -1;
	*bytes = v;
	return 0;
}
