/* run.c - `marketsim run`, `validate` and `check`: one experiment end to
   end (see run.h). */
#include "run.h"
#include "tasks.h"
#include "guard.h"
#include "sweep_check.h"
#include "experiment_store.h"
#include "output/draw.h"
#include "output/store.h"
#include "output/validation.h"
#include "version.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* Wall and CPU time since a run started, its workers' included. */
typedef struct run_clock {
	char started[32]; /* UTC, ISO 8601 */
	double wall0, cpu0, children0;
} run_clock;

static double seconds(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double rusage_seconds(const struct rusage *ru)
{
	return ru->ru_utime.tv_sec + ru->ru_utime.tv_usec * 1e-6 + ru->ru_stime.tv_sec +
	       ru->ru_stime.tv_usec * 1e-6;
}

static void clock_start(run_clock *c)
{
	time_t now = time(NULL);
	strftime(c->started, sizeof c->started, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	c->wall0 = seconds(CLOCK_MONOTONIC);
	c->cpu0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
	struct rusage before;
	c->children0 = getrusage(RUSAGE_CHILDREN, &before) == 0 ? rusage_seconds(&before) : 0;
}

/* Workers are children: their time and memory count too. */
static void clock_stop(const run_clock *c, sim_run_report *rep)
{
	rep->wall_seconds = seconds(CLOCK_MONOTONIC) - c->wall0;
	rep->cpu_seconds = seconds(CLOCK_PROCESS_CPUTIME_ID) - c->cpu0;
	struct rusage ru;
	if (getrusage(RUSAGE_CHILDREN, &ru) == 0) {
		rep->cpu_seconds += rusage_seconds(&ru) - c->children0;
		rep->peak_rss_kb = ru.ru_maxrss;
	}
	if (getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_maxrss > rep->peak_rss_kb)
		rep->peak_rss_kb = ru.ru_maxrss;
}

/* One run in progress: what it loaded and what its replications left. */
typedef struct run {
	const sim_model_type *const *registry;
	const sim_run_options *opt;
	sim_experiment *x;
	char *name, *dir, *targets;
	sim_table_set *tables; /* every replication's rows (recording models) */
	char *notes;           /* the model's lines on the last replication */
	sim_validation validation; /* validate: the result against the targets */
	sim_engine *eng;       /* a single-replication model's engine and state */
	void *state;
	sim_folder folder;     /* r->dir, claimed while the run writes it */
	run_clock clock;
	sim_run_report rep;
} run;

/* How the replications run: opt->exec, else in this process. */
static const sim_exec_options *exec_of(const sim_run_options *opt)
{
	static const sim_exec_options in_process = { false, 1, false };
	return opt->exec ? opt->exec : &in_process;
}

static void run_free(run *r)
{
	sim_folder_release(&r->folder);
	if (r->state)
		sim_experiment_model(r->x)->destroy(r->state);
	sim_engine_free(r->eng);
	sim_table_set_free(r->tables);
	free(r->notes);
	sim_validation_free(&r->validation);
	free(r->targets);
	free(r->dir);
	free(r->name);
	sim_experiment_free(r->x);
}

/* "replication R: error" of the first failure, into ctx (1024 bytes). */
static void first_failure(void *ctx, size_t point, uint64_t replication, uint64_t seed,
			  const char *message)
{
	char *first = ctx;
	(void)point;
	(void)seed;
	if (!first[0])
		snprintf(first, 1024, "replication %llu: %s", (unsigned long long)replication,
			 message);
}

static int failed_replications(const char *dir, size_t failed, sim_error *err)
{
	char first[1024] = "";
	sim_error ignored;
	sim_error_clear(&ignored);
	sim_store *s = sim_store_open_existing(dir, &ignored);
	if (s)
		sim_store_each_failure(s, first_failure, first, &ignored);
	sim_store_close(s);
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
			     "%s%s%zu replication%s failed; those that ran are kept in "
			     "%s/" SIM_STORE_FILE " (rerun with --resume)", first,
			     first[0] ? "; " : "", failed, failed == 1 ? "" : "s", dir);
}

/* Replications as tasks: stored in results.sqlite one by one, in workers
   when asked (-j), resumable; the tables come back from the database. A
   model that does not record runs its one replication here (under MPI on
   rank 0 alone). */
static int run_replications(run *r, sim_error *err)
{
	const sim_model_type *model = sim_experiment_model(r->x);
	const sim_exec_options *how = exec_of(r->opt);
	if (!model->record) {
		if (!sim_tasks_coordinator(how))
			return 0;
		r->rep.replications = 1;
		return sim_experiment_run_single(r->x, r->name, &r->eng, &r->state,
						 &r->rep.events, err);
	}
	sim_exec_report er = { 0 };
	if (sim_tasks_run(r->registry, r->opt, how, r->x, r->name, r->dir, false, &er, err) != 0)
		return -1;
	r->rep.interrupted = er.interrupted;
	if (er.worker_rank || er.interrupted)
		return 0;
	if (er.failed)
		return failed_replications(r->dir, er.failed, err);
	r->rep.events = er.events;
	return sim_store_load_run(r->dir, &r->tables, &r->notes, &r->rep.replications,
				  r->rep.rule, sizeof r->rep.rule, err);
}

/* Runs the validation against the tables into r->validation, saves it as
   validation.txt and validation.csv in the results and prints the table
   to stdout. */
static int report_validation(run *r, sim_results *out, sim_error *err)
{
	const sim_model_type *model = sim_experiment_model(r->x);
	r->rep.targets_missed = model->validate(sim_experiment_model_params(r->x), r->tables,
						r->targets, &r->validation, err);
	if (r->rep.targets_missed < 0 || sim_validation_write_files(&r->validation, out, err) != 0)
		return -1;
	sim_validation_print(&r->validation, stdout);
	return 0;
}

/* The model's "key = value" lines on the finished run: those it recorded
   with its last replication, else what summarize says of its state. */
static int gather_notes(run *r, sim_error *err)
{
	const sim_model_type *model = sim_experiment_model(r->x);
	if (r->notes || !model->summarize || !r->state)
		return 0;
	size_t len = 0;
	FILE *f = open_memstream(&r->notes, &len);
	if (!f)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	model->summarize(r->state, r->eng, f);
	return fclose(f) == 0 ? 0 : sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
						  "out of memory");
}

/* What the manifest says of the run, key by key; `how` marks the facts of
   this session (timings, revision), which the store keeps apart from
   what the experiment is. */
enum { FACTS = 16 };
typedef struct run_facts {
	const char *key[FACTS], *value[FACTS];
	bool quoted[FACTS], how[FACTS];
	size_t n;
	char seed[32], replications[32], wall[32], cpu[32], rss[32], events[32], rate[32];
} run_facts;

static void fact(run_facts *f, const char *key, const char *value, bool quoted, bool how)
{
	f->key[f->n] = key;
	f->value[f->n] = value;
	f->quoted[f->n] = quoted;
	f->how[f->n++] = how;
}

static void gather_facts(const run *r, run_facts *f)
{
	const sim_experiment_params *ep = sim_experiment_settings(r->x);
	const sim_run_report *rep = &r->rep;
	f->n = 0;
	snprintf(f->seed, sizeof f->seed, "%lld", (long long)ep->seed);
	snprintf(f->replications, sizeof f->replications, "%zu", rep->replications);
	snprintf(f->wall, sizeof f->wall, "%.3f", rep->wall_seconds);
	snprintf(f->cpu, sizeof f->cpu, "%.3f", rep->cpu_seconds);
	snprintf(f->rss, sizeof f->rss, "%ld", rep->peak_rss_kb);
	snprintf(f->events, sizeof f->events, "%llu", (unsigned long long)rep->events);
	snprintf(f->rate, sizeof f->rate, "%.0f",
		 rep->wall_seconds > 0 ? rep->events / rep->wall_seconds : 0.0);
	fact(f, "marketsim_version", SIM_VERSION, true, true);
	fact(f, "git_revision", SIM_GIT_REV, true, true);
	fact(f, "command", r->opt->command ? r->opt->command : "", false, true);
	fact(f, "config_file", r->opt->config_path, true, false);
	fact(f, "experiment", r->name, true, false);
	fact(f, "model", sim_experiment_model(r->x)->name, true, false);
	fact(f, "seed", f->seed, false, false);
	fact(f, "replications", f->replications, false, false);
	if (ep->replications.target.count)
		fact(f, "replications_rule", rep->rule, true, true);
	fact(f, "started_utc", r->clock.started, true, true);
	fact(f, "wall_seconds", f->wall, false, true);
	fact(f, "cpu_seconds", f->cpu, false, true);
	fact(f, "peak_rss_kb", f->rss, false, true);
	fact(f, "events_executed", f->events, false, true);
	fact(f, "events_per_second", f->rate, false, true);
}

static int write_manifest(const run *r, const run_facts *facts, sim_results *out,
			  sim_error *err)
{
	FILE *f = sim_results_create(out, "manifest.txt", err);
	if (!f)
		return -1;
	fprintf(f, "# marketsim run manifest: what ran, how, and what it cost.\n");
	for (size_t i = 0; i < facts->n; i++)
		fprintf(f, facts->quoted[i] ? "%s = \"%s\"\n" : "%s = %s\n", facts->key[i],
			facts->value[i]);
	if (r->notes)
		fputs(r->notes, f);
	fprintf(f, "\n# Fully resolved configuration (after @include, --set and defaults):\n");
	if (sim_config_write(sim_experiment_config_const(r->x), f) != 0) {
		sim_error_set(err, SIM_ERROR_RUNTIME, "manifest.txt", 0, NULL,
			      "cannot write the resolved configuration");
		sim_results_close_file(out, f, NULL);
		return -1;
	}
	/* Last: every table it fingerprints is written by now. */
	if (sim_results_write_fingerprints(out, f, err) != 0) {
		sim_results_close_file(out, f, NULL);
		return -1;
	}
	return sim_results_close_file(out, f, err);
}

/* What results.sqlite keeps besides the replications, for the report and
   `marketsim plot`: the replication count and the model's notes (what the
   results are), the validation (or none: a run after a validate in the
   same folder), and how this session ran. A model that does not record
   replications gets its database here, saying what the experiment was. */
static int record_results(const run *r, const run_facts *facts, sim_error *err)
{
	bool single = !sim_experiment_model(r->x)->record;
	sim_store *st = single ? sim_experiment_store_open(r->x, r->dir, r->name, false, false,
							  r->opt->config_path, err)
			       : sim_store_open_existing(r->dir, err);
	const char *keys[FACTS], *values[FACTS];
	size_t n = 0;
	for (size_t i = 0; i < facts->n; i++)
		if (facts->how[i]) {
			keys[n] = facts->key[i];
			values[n++] = facts->value[i];
		}
	int rc = st && sim_store_set_meta(st, "replications", facts->replications, err) == 0 &&
			 sim_store_set_meta(st, "notes", r->notes ? r->notes : "", err) == 0 &&
			 sim_store_set_validation(st, r->targets ? &r->validation : NULL, err) == 0 &&
			 sim_store_set_provenance(st, keys, values, n, err) == 0 ? 0 : -1;
	sim_store_close(st);
	return rc;
}

/* Every result file, atomically: written under temporary names and
   renamed into place together, the manifest last. */
static int write_outputs(run *r, sim_error *err)
{
	const sim_model_type *model = sim_experiment_model(r->x);
	run_facts facts;
	gather_facts(r, &facts);
	sim_results *out = sim_results_open(r->dir, err);
	if (!out)
		return -1;
	if ((model->write_results && model->write_results(r->state, r->eng, out, err) != 0) ||
	    (r->tables && sim_store_draws_outputs(r->dir, r->tables, out, err) != 0) ||
	    (r->tables && sim_table_set_write(r->tables, out, err) != 0) ||
	    (r->tables && model->write_tables && model->write_tables(r->tables, out, err) != 0) ||
	    (r->targets && report_validation(r, out, err) != 0) ||
	    gather_notes(r, err) != 0 || record_results(r, &facts, err) != 0 ||
	    write_manifest(r, &facts, out, err) != 0) {
		sim_results_abort(out);
		return -1;
	}
	return sim_results_finish(out, err);
}

static void print_summary(const run *r)
{
	const sim_run_report *rep = &r->rep;
	char why[300] = "";
	if (sim_experiment_settings(r->x)->replications.target.count)
		snprintf(why, sizeof why, " (%s)", rep->rule);
	printf("%s (model %s): %zu replication%s%s, %llu events in %.2f s "
	       "(%.2f M events/s), peak memory %.1f MB\nresults in %s/\n",
	       r->name, sim_experiment_model(r->x)->name, rep->replications,
	       rep->replications == 1 ? "" : "s", why, (unsigned long long)rep->events,
	       rep->wall_seconds,
	       rep->wall_seconds > 0 ? rep->events / rep->wall_seconds / 1e6 : 0.0,
	       rep->peak_rss_kb / 1024.0, r->dir);
}

/* Everything a run checks before it starts, `check` too: what the model
   makes of the settings, the targets file (validate; check: when the file
   names one), the limits on memory and work; `check` also checks the
   points of the file's sweep, which `sweep` would run. */
static int check_experiment(run *r, sim_error *err)
{
	const sim_run_options *opt = r->opt;
	sim_targets_use use = opt->validate ? SIM_TARGETS_REQUIRED :
			      opt->check_only ? SIM_TARGETS_IF_ANY : SIM_TARGETS_IGNORE;
	if (sim_experiment_check(r->x, use, opt->check_only ? NULL : &r->targets, err) != 0 ||
	    sim_guard_check(r->x, opt, sim_guard_workers(opt, sim_guard_tasks(r->x, 1)), 1,
			    err) != 0)
		return -1;
	const sim_sweep_params *s = &sim_experiment_settings(r->x)->sweep;
	if (!opt->check_only || s->parameters.count == 0 || !sim_experiment_model(r->x)->record)
		return 0;
	size_t points = sim_sweep_point_count(s);
	return sim_sweep_check(r->x, r->registry, opt,
			       sim_guard_workers(opt, sim_guard_tasks(r->x, points)), err);
}

int sim_run_experiment(const sim_model_type *const *registry,
		       const sim_run_options *opt, sim_run_report *report,
		       sim_error *err)
{
	run r = { .registry = registry, .opt = opt, .folder = { .lock_fd = -1 } };
	const sim_exec_options *how = exec_of(opt);
	int rc = -1;
	if (!(r.x = sim_experiment_load(registry, opt, NULL, 0, err)) ||
	    check_experiment(&r, err) != 0)
		goto done;
	r.name = sim_experiment_name(r.x, opt->config_path);
	r.dir = r.name ? sim_experiment_output_dir(opt, r.name) : NULL;
	if (!r.dir) {
		sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		goto done;
	}
	/* The folder is checked (check) or claimed before anything runs. */
	if (opt->check_only) {
		rc = sim_folder_check(r.dir, opt->force, err);
		goto done;
	}
	if (sim_tasks_claim(how, r.dir, r.name, opt->force, &r.folder, err) != 0)
		goto done;
	clock_start(&r.clock);
	if (run_replications(&r, err) != 0) {
		/* Bad input found once replications ran left no database: the
		   claim's marker, lock file and new folder go too. */
		if (err->kind == SIM_ERROR_CONFIG && !how->resume)
			sim_folder_abandon(&r.folder);
		goto done;
	}
	if (!sim_tasks_coordinator(how) || r.rep.interrupted ||
	    (!r.tables && sim_experiment_model(r.x)->record)) {
		/* Stopped by a signal, or an MPI worker rank: nothing to write. */
		if (report)
			*report = r.rep;
		rc = 0;
		goto done;
	}
	clock_stop(&r.clock, &r.rep);
	if (write_outputs(&r, err) != 0)
		goto done;
	if (!opt->quiet)
		print_summary(&r);
	/* The results are complete and safe: a chart or report that fails is
	   reported but does not undo them. */
	rc = sim_draw_outputs(r.dir, opt->config_path, sim_experiment_model(r.x)->name,
			      opt->plots_dir, opt->no_plots, opt->quiet, err);
	if (opt->keep_tables) {
		r.rep.tables = r.tables;
		r.tables = NULL;
	}
	if (report)
		*report = r.rep;
	else
		sim_table_set_free(r.rep.tables);
done:
	run_free(&r);
	return rc;
}
