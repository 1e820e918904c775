/* cli.c - the marketsim command line (see README.md, "Command line").
   The only place that prints errors and picks exit statuses. */
#include "sim_model.h"
#include "run/compare.h"
#include "run/guard.h"
#include "run/pool.h"
#include "run/redraw.h"
#include "run/run.h"
#include "run/sweep.h"
#include "analysis/commands.h"
#include "run/verify.h"
#include "version.h"

#include <getopt.h>
#include <signal.h>
#include <gsl/gsl_errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SIM_DEFAULT_EXPERIMENT
#define SIM_DEFAULT_EXPERIMENT "experiments/openrouter_2026.cfg"
#endif

static const char main_usage[] =
	"usage: marketsim COMMAND [OPTIONS] [ARGS]\n"
	"\n"
	"Discrete-event simulation of the market for AI-model APIs.\n"
	"\n"
	"commands:\n"
	"  run [FILE]          run an experiment (default: " SIM_DEFAULT_EXPERIMENT ")\n"
	"  validate FILE       run an experiment and check it against its targets\n"
	"  sweep FILE          run an experiment at every point of its `sweep`\n"
	"  compare A B         run two experiments, paired differences of B - A\n"
	"  optimize FILE       the settings that maximise (or minimise) a metric\n"
	"  calibrate FILE      fit settings to the targets file, with standard errors\n"
	"  sensitivity FILE    Morris and Sobol sensitivity of metrics to settings\n"
	"  equilibrium FILE    price equilibrium by iterated best response\n"
	"  check FILE          validate an experiment file; run nothing, write nothing\n"
	"  plot DIR            redraw a results directory's CSVs, charts and report\n"
	"  verify DIR          check a results directory against its database, and the\n"
	"                      database against a rerun of some replications\n"
	"  config-doc [MODEL]  list every setting of MODEL (or list the models)\n"
	"  help [COMMAND]      show help for a command\n"
	"\n"
	"options:\n"
	"  -h, --help          show help (after a command: that command's help)\n"
	"  -V, --version       print the version and exit\n"
	"\n"
	"exit status: 0 ok, 1 runtime failure, 2 bad usage or bad config.\n";

static const char run_usage[] =
	"usage: marketsim run [OPTIONS] [FILE]\n"
	"       mpirun -n K marketsim run [OPTIONS] [FILE]   (a `make MPI=1` build)\n"
	"\n"
	"Runs the experiment FILE (default " SIM_DEFAULT_EXPERIMENT ") and writes\n"
	"its results to out/<experiment name>/ (or --out DIR): tidy CSV files,\n"
	"manifest.txt, the charts and report.html, each written under a temporary\n"
	"name and renamed into place. Each replication is stored in DIR/results.sqlite\n"
	"as it finishes (one transaction each), and the CSVs are derived from it; the\n"
	"results do not depend on the number of workers.\n"
	"\n"
	"options:\n"
	"  -s, --seed N        master seed (overrides the file's `seed`)\n"
	"      --set PATH=VAL  override one setting, e.g. --set phold.lps=64\n"
	"                      (repeatable; validated like the file)\n"
	"  -o, --out DIR       output directory (default out/<experiment name>)\n"
	"      --force         write into DIR even if it is a non-empty folder that\n"
	"                      marketsim did not make (it has no .marketsim marker)\n"
	"  -j, --jobs N        worker processes for the replications (default: the\n"
	"                      number of cores)\n"
	"      --resume        keep the replications DIR/results.sqlite holds (after a\n"
	"                      kill or Ctrl-C) and run only the rest\n"
	"      --max-memory SIZE  refuse a run estimated to need more (e.g. 4G, 500M;\n"
	"                      K, M, G, T are powers of 1024); default: 80% of this\n"
	"                      machine's memory\n"
	"      --no-plots      do not draw the model's gnuplot charts\n"
	"      --check         verify the model's invariants (the market: its accounting,\n"
	"                      every week); a violation fails the replication (exit 1),\n"
	"                      naming the week, the model, the quantity and the numbers\n"
	"  -q, --quiet         print nothing on success\n"
	"  -h, --help          show this help\n"
	"\n"
	"DIR is marketsim's: one it made, an empty one, or one with its .marketsim\n"
	"marker; another folder with files in it is refused (exit 2) unless --force.\n"
	"Only the files marketsim writes there are replaced. One marketsim at a time\n"
	"writes a folder: a second is refused at once (exit 1, naming the first's pid).\n"
	"Before anything runs, the model estimates a replication's memory and events\n"
	"from the settings: a run beyond the memory limit (times the workers at once)\n"
	"or beyond 10^13 events is refused with exit status 2.\n";

static const char sweep_usage[] =
	"usage: marketsim sweep [OPTIONS] FILE\n"
	"       mpirun -n K marketsim sweep [OPTIONS] FILE   (a `make MPI=1` build)\n"
	"\n"
	"Runs the experiment FILE, all its replications, at every point of its\n"
	"`sweep` group (settings by path, with a list of values or a range;\n"
	"`marketsim config-doc MODEL` lists the sweep's settings). Replication r\n"
	"uses the same random streams at every point (common random numbers).\n"
	"Each (point, replication) is stored in DIR/results.sqlite as it finishes,\n"
	"in its own transaction; the CSVs are derived from it: DIR/points/pNNNN/\n"
	"(each point's tables, aggregated), DIR/sweep_summary.csv (one row per\n"
	"point: parameters, every summary metric's mean and 95% CI),\n"
	"DIR/sweep_vs_reference.csv (every point against sweep.reference, paired by\n"
	"replication) and DIR/sweep_replications.csv (every replication's summary,\n"
	"each row naming its experiment, point, parameters, replication and seed).\n"
	"A replication that fails is listed in DIR/sweep_failures.csv and the sweep\n"
	"goes on. Under mpirun, rank 0 hands out tasks to the other ranks.\n"
	"SIGINT or SIGTERM stop the sweep cleanly, keeping what is stored.\n"
	"\n"
	"Exit status 0 when every replication ran, 1 when some failed, 2 on bad\n"
	"input, 130/143 when stopped by SIGINT/SIGTERM (rerun with --resume).\n"
	"\n"
	"options:\n"
	"  -s, --seed N        master seed\n"
	"      --set PATH=VAL  override one setting (repeatable)\n"
	"  -o, --out DIR       output directory (default out/<experiment name>)\n"
	"      --force         write into DIR even if it is a non-empty folder that\n"
	"                      marketsim did not make (see `marketsim help run`)\n"
	"  -j, --jobs N        worker processes (default: the number of cores); the\n"
	"                      results do not depend on N\n"
	"      --resume        keep the replications DIR/results.sqlite holds (after a\n"
	"                      kill, a crash or Ctrl-C) and run only the rest\n"
	"      --max-memory SIZE  refuse a sweep estimated to need more (e.g. 4G); as\n"
	"                      for run\n"
	"      --no-plots      do not draw the charts\n"
	"      --check         verify the model's invariants (as for run); a violation\n"
	"                      fails that replication\n"
	"  -q, --quiet         print nothing on success\n"
	"  -h, --help          show this help\n";

static const char analysis_usage[] =
	"usage: marketsim optimize|calibrate|sensitivity|equilibrium [OPTIONS] FILE\n"
	"       mpirun -n K marketsim COMMAND [OPTIONS] FILE   (a `make MPI=1` build)\n"
	"\n"
	"Analyses of the experiment FILE, each set up by its group of the same name\n"
	"(`marketsim config-doc MODEL` lists their settings; docs/ANALYSIS.md gives\n"
	"each method's algorithm, stopping rule and what its intervals mean):\n"
	"  optimize     the settings that maximise or minimise one summary metric's\n"
	"               mean (Brent in one setting, Nelder-Mead in several), then\n"
	"               its value there on fresh replications with a 95% CI\n"
	"  calibrate    the settings that bring the targets file's figures closest\n"
	"               (simulated method of moments), with standard errors,\n"
	"               correlations, residuals and held-out targets\n"
	"  sensitivity  Morris elementary effects and Sobol indices of metrics to\n"
	"               settings drawn within their ranges, with bootstrap CIs\n"
	"  equilibrium  iterated best responses of players each choosing its own\n"
	"               settings (prices) to maximise its own metric\n"
	"Every point runs the experiment's replications with the same random\n"
	"streams (common random numbers). Each (point, replication) is a task, run\n"
	"by -j workers or MPI ranks and stored in DIR/results.sqlite as it\n"
	"finishes; a stopped analysis resumes with --resume and ends as it would\n"
	"have. Results: DIR/*.csv, DIR/plots/, DIR/report.html.\n"
	"\n"
	"Exit status 0 when done, 1 on a runtime failure (a replication failed),\n"
	"2 on bad input, 130/143 when stopped by SIGINT/SIGTERM.\n"
	"\n"
	"options:\n"
	"  -s, --seed N        master seed\n"
	"      --set PATH=VAL  override one setting (repeatable)\n"
	"  -o, --out DIR       output directory (default out/<experiment name>)\n"
	"      --force         write into DIR even if it is a non-empty folder that\n"
	"                      marketsim did not make\n"
	"  -j, --jobs N        worker processes (default: the number of cores); the\n"
	"                      results do not depend on N\n"
	"      --resume        keep what DIR/results.sqlite holds and go on\n"
	"      --max-memory SIZE  refuse an analysis estimated to need more\n"
	"      --no-plots      do not draw the charts\n"
	"      --check         verify the model's invariants in every replication\n"
	"  -q, --quiet         print nothing on success\n"
	"  -h, --help          show this help\n";

static const char plot_usage[] =
	"usage: marketsim plot [OPTIONS] DIR\n"
	"\n"
	"Writes a results directory's outputs again from what it holds: for a sweep,\n"
	"its CSVs from DIR/results.sqlite, then its charts; for a run, its charts\n"
	"from its CSVs. Use it after editing a plots/*.gp script, or to see an\n"
	"interrupted sweep's results so far.\n"
	"\n"
	"options:\n"
	"  -q, --quiet         print nothing on success\n"
	"  -h, --help          show this help\n";

static const char verify_usage[] =
	"usage: marketsim verify [OPTIONS] DIR\n"
	"\n"
	"Checks that the results in DIR are what they say they are, a line per check:\n"
	"  - checksums: every replication stored in DIR/results.sqlite reads back as\n"
	"    committed (its rows against the CRC-64 stored with them);\n"
	"  - outputs: the CSVs derived again from the database alone (into a temporary\n"
	"    folder) are byte for byte DIR's (a run's *.csv, a sweep's sweep_*.csv and\n"
	"    points/*/*.csv); a file missing, or one the database does not give, differs;\n"
	"  - reruns: a sample of replications, spread over the stored ones (and a\n"
	"    sweep's points), run again from the configuration, model, parameters and\n"
	"    seed the database stores, give the same rows (the same checksum).\n"
	"Nothing in DIR is written.\n"
	"\n"
	"Exit status 0 when every check passes, 1 when one fails, 2 when DIR is not a\n"
	"results folder (or holds no replications: a PHOLD run).\n"
	"\n"
	"options:\n"
	"      --sample N      replications to rerun (default 2; 0: none)\n"
	"  -q, --quiet         print only the checks that fail\n"
	"  -h, --help          show this help\n";

static const char compare_usage[] =
	"usage: marketsim compare [OPTIONS] A.cfg B.cfg\n"
	"\n"
	"Runs experiments A and B (into DIR/a and DIR/b) and compares their summary\n"
	"metrics replication by replication: per metric the means of A and B, the\n"
	"difference B - A with its 95% confidence interval from the paired\n"
	"differences, and the variance reduction that pairing gives against\n"
	"independent runs, (var A + var B) / var(B - A). With the same seed,\n"
	"replication r of A and of B share their random streams (common random\n"
	"numbers), so the difference is the change's, not noise's. Writes\n"
	"DIR/compare.csv (default DIR: out/compare-A-B) and prints the table.\n"
	"\n"
	"options:\n"
	"  -s, --seed N        master seed, for both\n"
	"      --set PATH=VAL  override one setting in both (repeatable)\n"
	"  -o, --out DIR       output directory\n"
	"      --check         verify the models' invariants (as for run)\n"
	"      --force         write into DIR (and DIR/a, DIR/b) even if it is a\n"
	"                      non-empty folder marketsim did not make\n"
	"      --max-memory SIZE  as for run\n"
	"  -q, --quiet         print nothing on success\n"
	"  -h, --help          show this help\n";

static const char validate_usage[] =
	"usage: marketsim validate [OPTIONS] FILE\n"
	"\n"
	"Runs the experiment FILE like `run`, then compares its results with the\n"
	"observed figures of its `targets` file: per target the observed mean and\n"
	"95% confidence interval over the replications, the target, the tolerance,\n"
	"pass or FAIL (judged on the mean), the replications' 95% band (2.5-97.5\n"
	"percentiles) and whether the target lies in it, and the share of\n"
	"replications that pass alone; rows of mode `info` are shown, never judged\n"
	"(also saved as validation.txt and validation.csv with the results, and in\n"
	"results.sqlite). The targets file's kinds and modes: docs/MODEL.md,\n"
	"\"Validation\".\n"
	"Exit status 0 when every target passes, 1 when any fails, 2 on bad input.\n"
	"\n"
	"options: as for run (-s, --set, -o, --force, -j, --resume, --max-memory, --no-plots,\n"
	"--check, -q, -h)\n";

static const char check_usage[] =
	"usage: marketsim check [OPTIONS] FILE\n"
	"\n"
	"Validates FILE (after @include and --set) against the schema of the model\n"
	"it names, and reports the first problem as file:line: setting: message.\n"
	"It checks everything run, validate and sweep check before they start: the\n"
	"targets file when the file names one, every point of its sweep, and the\n"
	"estimated memory and events against the limits (with -j workers at once).\n"
	"Then it checks that `run` could write its output folder (out/<experiment\n"
	"name> or --out DIR). Exit status 0 when valid, 2 when not (1 when the\n"
	"folder cannot be written). Writes nothing, creates nothing.\n"
	"\n"
	"options:\n"
	"  -s, --seed N        as for run\n"
	"      --set PATH=VAL  as for run\n"
	"  -o, --out DIR       the output folder to check, as for run\n"
	"      --force         as for run\n"
	"  -j, --jobs N        check the memory as for N workers (default: the number\n"
	"                      of cores, as run)\n"
	"      --max-memory SIZE  as for run\n"
	"  -q, --quiet         print nothing when valid\n"
	"  -h, --help          show this help\n";

static const char doc_usage[] =
	"usage: marketsim config-doc [MODEL]\n"
	"\n"
	"Prints every setting of MODEL's experiment files with its type, default,\n"
	"range and meaning, generated from the schema the loader checks against.\n"
	"Without MODEL, lists the models.\n";

static int usage_error(const char *usage, const char *fmt, const char *arg)
{
	fprintf(stderr, "marketsim: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage);
	return SIM_EXIT_USAGE;
}

typedef struct cli_options {
	const char **overrides;
	size_t override_count;
	char *seed_override;
	const char *out_dir;
	bool quiet;
	bool no_plots;
	bool resume;
	bool check;    /* --check: the model verifies its invariants */
	bool force;    /* --force: write into a folder marketsim did not make */
	long jobs;     /* sweep -j N; 0: not given */
	double max_memory; /* --max-memory, bytes; 0: not given */
	bool help;
} cli_options;

static void cli_options_free(cli_options *o)
{
	free(o->overrides);
	free(o->seed_override);
}

/* --seed N: kept as the override seed=N, applied last. */
static int parse_seed(const char *arg, const char *usage, cli_options *o)
{
	char *end;
	strtoll(arg, &end, 10);
	if (!arg[0] || *end || arg[0] == '-') {
		usage_error(usage, "--seed: expected a non-negative integer, found \"%s\"", arg);
		return -1;
	}
	free(o->seed_override);
	o->seed_override = malloc(strlen(arg) + 6);
	if (!o->seed_override)
		return -1;
	sprintf(o->seed_override, "seed=%s", arg);
	return 0;
}

static int parse_jobs(const char *arg, const char *usage, cli_options *o)
{
	char *end;
	o->jobs = strtol(arg, &end, 10);
	if (!arg[0] || *end || o->jobs < 1 || o->jobs > 4096) {
		usage_error(usage, "-j: expected a number of workers in [1, 4096], found \"%s\"",
			    arg);
		return -1;
	}
	return 0;
}

/* --out DIR (arg) or --force (arg NULL): only for a command that writes,
   and DIR never "" (the folder is checked before anything runs). */
static int parse_out(const char *arg, const char *usage, bool allow_out, cli_options *o)
{
	if (!allow_out) {
		usage_error(usage, "%s: this command writes no output", arg ? "--out" : "--force");
		return -1;
	}
	if (arg && !arg[0]) {
		usage_error(usage, "%s: expected a folder, found an empty path", "--out");
		return -1;
	}
	if (arg)
		o->out_dir = arg;
	else
		o->force = true;
	return 0;
}

static int parse_max_memory(const char *arg, const char *usage, cli_options *o)
{
	if (sim_guard_parse_size(arg, &o->max_memory) == 0)
		return 0;
	usage_error(usage, "--max-memory: expected a size such as 4G or 500M (K, M, G, T: "
		    "powers of 1024), found \"%s\"", arg);
	return -1;
}

/* Parses the options of run/check into *o; returns -1 on bad usage (after
   printing it), else the index of the first operand. */
static int parse_options(int argc, char **argv, const char *usage, bool allow_out,
			 cli_options *o)
{
	enum { OPT_SET = 1000, OPT_NO_PLOTS, OPT_RESUME, OPT_CHECK, OPT_FORCE, OPT_MAX_MEMORY };
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "set", required_argument, NULL, OPT_SET },
		{ "out", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-plots", no_argument, NULL, OPT_NO_PLOTS },
		{ "resume", no_argument, NULL, OPT_RESUME },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "jobs", required_argument, NULL, 'j' },
		{ "max-memory", required_argument, NULL, OPT_MAX_MEMORY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof *o);
	o->overrides = calloc((size_t)argc + 1, sizeof *o->overrides);
	if (!o->overrides)
		return -1;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":s:o:qhj:", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_seed(optarg, usage, o) != 0)
				return -1;
			break;
		case OPT_SET:
			o->overrides[o->override_count++] = optarg;
			break;
		case 'o':
		case OPT_FORCE:
			if (parse_out(c == 'o' ? optarg : NULL, usage, allow_out, o) != 0)
				return -1;
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_NO_PLOTS:
			o->no_plots = true;
			break;
		case OPT_RESUME:
			o->resume = true;
			break;
		case OPT_CHECK:
			o->check = true;
			break;
		case 'j':
			if (parse_jobs(optarg, usage, o) != 0)
				return -1;
			break;
		case OPT_MAX_MEMORY:
			if (parse_max_memory(optarg, usage, o) != 0)
				return -1;
			break;
		case 'h':
			o->help = true;
			break;
		case ':':
			usage_error(usage, "%s: missing argument", argv[optind - 1]);
			return -1;
		default:
			usage_error(usage, "unknown option %s", argv[optind - 1]);
			return -1;
		}
	}
	/* --seed wins over any --set seed=..., whatever their order. */
	if (o->seed_override)
		o->overrides[o->override_count++] = o->seed_override;
	return optind;
}

/* The command line as typed, before getopt permutes argv. */
static char *join_command(int argc, char **argv)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		fputs(i ? " " : "", f);
		/* Quoted for a POSIX shell when it needs it, so that the line can
		   be run again as printed (the resume hint does). */
		if (a[0] && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789_-+=.,/:@%") == strlen(a)) {
			fputs(a, f);
			continue;
		}
		fputc('\'', f);
		for (; *a; a++)
			fputs(*a == '\'' ? "'\\''" : (char[]){ *a, 0 }, f);
		fputc('\'', f);
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

typedef enum run_mode { MODE_RUN, MODE_CHECK, MODE_VALIDATE, MODE_SWEEP, MODE_ANALYSIS } run_mode;

/* The analysis command being run (MODE_ANALYSIS), e.g. "optimize". */
static const char *analysis_kind;

/* How replications run: -j N workers (default: the number of cores). */
static sim_exec_options exec_options(bool resume, long jobs)
{
	sim_exec_options how = { resume, (size_t)jobs, sim_pool_under_mpi() };
	if (jobs == 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		how.jobs = cores > 0 ? (size_t)cores : 1;
	}
	return how;
}

/* run, validate and sweep: replications as tasks, in this process, in
   -j worker processes or (under mpirun) on MPI ranks, where every rank
   runs this and rank 0 alone speaks. The status is 1 when a replication
   failed (or, for validate, a target was missed), 128 plus the signal
   when one stopped the work. */
static int run_tasks(const sim_model_type *const *registry, const sim_run_options *opt,
		     run_mode mode, bool resume, long jobs)
{
	sim_error err;
	sim_error_clear(&err);
	sim_exec_options how = exec_options(resume, jobs);
	if (how.mpi && sim_pool_mpi_init(NULL, NULL) != 0) {
		const char *rank = getenv("OMPI_COMM_WORLD_RANK");
		if (!rank || !strcmp(rank, "0"))
			fprintf(stderr, "marketsim: started by mpirun, but this marketsim was "
				"built without MPI; build it with `make MPI=1`\n");
		return SIM_EXIT_USAGE;
	}
	sim_run_options o = *opt;
	o.exec = &how;
	if (how.mpi && sim_pool_mpi_rank() > 0)
		o.quiet = true;
	sim_exec_report sweep = { 0 };
	sim_run_report run = { 0 };
	int rc = mode == MODE_SWEEP ? sim_sweep_experiment(registry, &o, &how, &sweep, &err)
		 : mode == MODE_ANALYSIS ? sim_analysis_command(analysis_kind, registry, &o, &how,
								&sweep, &err)
					 : sim_run_experiment(registry, &o, &run, &err);
	bool speaks = !how.mpi || sim_pool_mpi_rank() == 0;
	if (rc != 0 && speaks)
		sim_error_print(&err, stderr);
	fflush(stdout);
	fflush(stderr);
	/* Every rank waits for rank 0 to have spoken: mpirun ends the job as
	   soon as one rank exits with an error. */
	if (how.mpi)
		sim_pool_mpi_finalize();
	if (rc != 0)
		return sim_error_exit_status(&err);
	int interrupted = mode == MODE_SWEEP || mode == MODE_ANALYSIS ? sweep.interrupted
								      : run.interrupted;
	if (interrupted)
		return 128 + interrupted;
	if (sweep.failed) {
		fprintf(stderr, "marketsim: %s: %zu replication%s failed (see "
			"sweep_failures.csv)\n", opt->config_path, sweep.failed,
			sweep.failed == 1 ? "" : "s");
		return SIM_EXIT_RUNTIME;
	}
	if (mode == MODE_VALIDATE && run.targets_missed > 0 && speaks) {
		fprintf(stderr, "marketsim: %s: %d target%s missed\n", opt->config_path,
			run.targets_missed, run.targets_missed == 1 ? "" : "s");
		return SIM_EXIT_RUNTIME;
	}
	return SIM_EXIT_OK;
}

static int cmd_plot(int argc, char **argv, const sim_model_type *const *registry)
{
	cli_options o;
	int first = parse_options(argc, argv, plot_usage, false, &o);
	int status = SIM_EXIT_USAGE;
	if (first < 0)
		goto done;
	if (o.help) {
		fputs(plot_usage, stdout);
		status = SIM_EXIT_OK;
		goto done;
	}
	if (argc - first != 1 || o.override_count || o.resume || o.jobs || o.check) {
		usage_error(plot_usage, "%s", argc - first != 1 ? "plot: expected one directory"
								 : "plot: takes only -q");
		goto done;
	}
	sim_error err;
	sim_error_clear(&err);
	if (sim_redraw_results(registry, argv[first], NULL, o.quiet, &err) != 0) {
		sim_error_print(&err, stderr);
		status = sim_error_exit_status(&err);
		goto done;
	}
	status = SIM_EXIT_OK;
done:
	cli_options_free(&o);
	return status;
}

/* verify's options: --sample N, -q, -h; the index of DIR, or -1 after
   printing the usage error. */
static int parse_verify(int argc, char **argv, long *sample, bool *quiet, bool *help)
{
	enum { OPT_SAMPLE = 1000 };
	static const struct option longopts[] = {
		{ "sample", required_argument, NULL, OPT_SAMPLE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	optind = 1;
	opterr = 0;
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
		if (c == OPT_SAMPLE) {
			*sample = strtol(optarg, &end, 10);
			if (!optarg[0] || *end || *sample < 0 || *sample > 100000) {
				usage_error(verify_usage, "--sample: expected a number of "
					    "replications in [0, 100000], found \"%s\"", optarg);
				return -1;
			}
		} else if (c == 'q' || c == 'h') {
			*(c == 'q' ? quiet : help) = true;
		} else {
			usage_error(verify_usage, c == ':' ? "%s: missing argument" : "unknown option %s",
				    argv[optind - 1]);
			return -1;
		}
	}
	if (!*help && argc - optind != 1) {
		usage_error(verify_usage, "%s", "verify: expected one directory");
		return -1;
	}
	return optind;
}

static int cmd_verify(int argc, char **argv, const sim_model_type *const *registry)
{
	long sample = 2;
	bool quiet = false, help_wanted = false;
	int first = parse_verify(argc, argv, &sample, &quiet, &help_wanted);
	if (first < 0)
		return SIM_EXIT_USAGE;
	if (help_wanted) {
		fputs(verify_usage, stdout);
		return SIM_EXIT_OK;
	}
	sim_error err;
	sim_error_clear(&err);
	sim_verify_report rep = { 0 };
	int rc = sim_verify_results(registry, argv[first], (size_t)sample, quiet, stdout, &rep,
				    &err);
	fflush(stdout);
	if (rc != 0) {
		sim_error_print(&err, stderr);
		return sim_error_exit_status(&err);
	}
	return rep.failed ? SIM_EXIT_RUNTIME : SIM_EXIT_OK;
}

static int cmd_run(int argc, char **argv, const sim_model_type *const *registry,
		   run_mode mode, const char *command)
{
	bool check_only = mode == MODE_CHECK;
	const char *usage = mode == MODE_CHECK ? check_usage :
			    mode == MODE_VALIDATE ? validate_usage :
			    mode == MODE_SWEEP ? sweep_usage :
			    mode == MODE_ANALYSIS ? analysis_usage : run_usage;
	cli_options o;
	int first = parse_options(argc, argv, usage, true, &o);
	int status = SIM_EXIT_USAGE;
	if (first < 0)
		goto done;
	if (o.help) {
		fputs(usage, stdout);
		status = SIM_EXIT_OK;
		goto done;
	}
	if (argc - first > 1) {
		usage_error(usage, "too many arguments (starting at \"%s\")", argv[first + 1]);
		goto done;
	}
	if ((o.resume || o.check) && check_only) {
		usage_error(usage, "%s: check runs nothing", o.resume ? "--resume" : "--check");
		goto done;
	}
	if (mode != MODE_RUN && argc - first < 1) {
		usage_error(usage, "%s: missing experiment FILE", argv[0]);
		goto done;
	}
	sim_run_options opt = {
		.config_path = argc - first == 1 ? argv[first] : SIM_DEFAULT_EXPERIMENT,
		.overrides = o.overrides,
		.override_count = o.override_count,
		.out_dir = o.out_dir,
		.force = o.force,
		.quiet = o.quiet,
		.check_only = check_only,
		.validate = mode == MODE_VALIDATE,
		.no_plots = o.no_plots || check_only,
		.check = o.check,
		.command = command,
		.max_memory = o.max_memory,
	};
	if (!check_only) {
		status = run_tasks(registry, &opt, mode, o.resume, o.jobs);
		goto done;
	}
	/* The workers a run would start, for the memory check. */
	sim_exec_options how = exec_options(false, o.jobs);
	how.mpi = false;
	opt.exec = &how;
	sim_error err;
	sim_error_clear(&err);
	if (sim_run_experiment(registry, &opt, NULL, &err) != 0) {
		sim_error_print(&err, stderr);
		status = sim_error_exit_status(&err);
		goto done;
	}
	if (!o.quiet)
		printf("%s: ok\n", opt.config_path);
	status = SIM_EXIT_OK;
done:
	cli_options_free(&o);
	return status;
}

static int cmd_config_doc(int argc, char **argv, const sim_model_type *const *registry)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(doc_usage, stdout);
		return SIM_EXIT_OK;
	}
	if (argc > 2)
		return usage_error(doc_usage, "too many arguments (starting at \"%s\")", argv[2]);
	if (argc < 2) {
		printf("models:\n");
		for (const sim_model_type *const *m = registry; *m; m++)
			printf("  %-10s %s\n", (*m)->name, (*m)->summary);
		printf("\n`marketsim config-doc MODEL` lists MODEL's settings.\n");
		return SIM_EXIT_OK;
	}
	const sim_model_type *model = sim_model_find(registry, argv[1]);
	if (!model)
		return usage_error(doc_usage, "unknown model \"%s\" (run `marketsim config-doc` for the list)",
				   argv[1]);
	printf("# Settings of a `%s` experiment file: %s\n", model->name, model->summary);
	printf("# Every setting can also be given as --set PATH=VALUE.\n\n");
	printf("## Experiment settings (top level)\n");
	sim_schema_print_doc(&sim_experiment_schema, "", stdout);
	printf("\n## Model settings (group `%s`)\n", model->name);
	sim_schema_print_doc(model->schema, model->name, stdout);
	return SIM_EXIT_OK;
}

static int help(const char *command)
{
	if (!command) {
		fputs(main_usage, stdout);
	} else if (!strcmp(command, "run")) {
		fputs(run_usage, stdout);
	} else if (!strcmp(command, "compare")) {
		fputs(compare_usage, stdout);
	} else if (!strcmp(command, "sweep")) {
		fputs(sweep_usage, stdout);
	} else if (sim_analysis_known(command)) {
		fputs(analysis_usage, stdout);
	} else if (!strcmp(command, "validate")) {
		fputs(validate_usage, stdout);
	} else if (!strcmp(command, "check")) {
		fputs(check_usage, stdout);
	} else if (!strcmp(command, "plot")) {
		fputs(plot_usage, stdout);
	} else if (!strcmp(command, "verify")) {
		fputs(verify_usage, stdout);
	} else if (!strcmp(command, "config-doc")) {
		fputs(doc_usage, stdout);
	} else {
		return usage_error(main_usage, "unknown command \"%s\"", command);
	}
	return SIM_EXIT_OK;
}

/* The base name of a file without ".cfg", into buf. */
static void short_name(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	snprintf(buf, size, "%s", slash ? slash + 1 : path);
	size_t len = strlen(buf);
	if (len > 4 && strcmp(buf + len - 4, ".cfg") == 0)
		buf[len - 4] = '\0';
}

static int cmd_compare(int argc, char **argv, const sim_model_type *const *registry,
		       const char *command)
{
	cli_options o;
	int first = parse_options(argc, argv, compare_usage, true, &o);
	int status = SIM_EXIT_USAGE;
	if (first < 0)
		goto done;
	if (o.help) {
		fputs(compare_usage, stdout);
		status = SIM_EXIT_OK;
		goto done;
	}
	if (argc - first != 2 || o.resume || o.jobs) {
		usage_error(compare_usage, "%s", argc - first != 2 ?
			    "compare: expected two experiment files, A and B" :
			    "compare: --resume and -j are for sweep");
		goto done;
	}
	char a_name[256], b_name[256], dir[600];
	short_name(argv[first], a_name, sizeof a_name);
	short_name(argv[first + 1], b_name, sizeof b_name);
	snprintf(dir, sizeof dir, "out/compare-%s-%s", a_name, b_name);
	sim_run_options a = {
		.config_path = argv[first],
		.overrides = o.overrides,
		.override_count = o.override_count,
		.force = o.force,
		.quiet = true,
		.no_plots = true,
		.check = o.check,
		.command = command,
		.max_memory = o.max_memory,
	};
	sim_run_options b = a;
	b.config_path = argv[first + 1];
	sim_error err;
	sim_error_clear(&err);
	if (sim_compare_experiments(registry, &a, &b, o.out_dir ? o.out_dir : dir,
				    o.quiet ? NULL : stdout, &err) != 0) {
		fflush(stdout);
		sim_error_print(&err, stderr);
		status = sim_error_exit_status(&err);
		goto done;
	}
	if (!o.quiet)
		printf("comparison in %s/compare.csv\n", o.out_dir ? o.out_dir : dir);
	status = SIM_EXIT_OK;
done:
	cli_options_free(&o);
	return status;
}

int sim_cli_main(int argc, char **argv, const sim_model_type *const *registry)
{
	/* GSL's default handler aborts the process; we check return codes. */
	gsl_set_error_handler_off();
	if (argc < 2)
		return usage_error(main_usage, "%s", "missing COMMAND");
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help"))
		return help(NULL);
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
		printf("marketsim %s (git %s)\n", SIM_VERSION, SIM_GIT_REV);
		return SIM_EXIT_OK;
	}
	if (!strcmp(cmd, "help"))
		return help(argc > 2 ? argv[2] : NULL);
	if (sim_pool_under_mpi() && strcmp(cmd, "sweep") != 0 && strcmp(cmd, "run") != 0 &&
	    strcmp(cmd, "validate") != 0 && !sim_analysis_known(cmd)) {
		const char *rank = getenv("OMPI_COMM_WORLD_RANK");
		if (!rank || !strcmp(rank, "0"))
			fprintf(stderr, "marketsim: only `run`, `validate`, `sweep` and the analyses "
				"run under mpirun\n");
		return SIM_EXIT_USAGE;
	}
	if (!strcmp(cmd, "run") || !strcmp(cmd, "check") || !strcmp(cmd, "validate") ||
	    !strcmp(cmd, "sweep")) {
		char *command = join_command(argc, argv);
		run_mode mode = !strcmp(cmd, "check") ? MODE_CHECK :
				!strcmp(cmd, "validate") ? MODE_VALIDATE :
				!strcmp(cmd, "sweep") ? MODE_SWEEP : MODE_RUN;
		int status = cmd_run(argc - 1, argv + 1, registry, mode, command);
		free(command);
		return status;
	}
	if (sim_analysis_known(cmd)) {
		char *command = join_command(argc, argv);
		analysis_kind = cmd;
		int status = cmd_run(argc - 1, argv + 1, registry, MODE_ANALYSIS, command);
		free(command);
		return status;
	}
	if (!strcmp(cmd, "config-doc"))
		return cmd_config_doc(argc - 1, argv + 1, registry);
	if (!strcmp(cmd, "plot"))
		return cmd_plot(argc - 1, argv + 1, registry);
	if (!strcmp(cmd, "verify"))
		return cmd_verify(argc - 1, argv + 1, registry);
	if (!strcmp(cmd, "compare")) {
		char *command = join_command(argc, argv);
		int status = cmd_compare(argc - 1, argv + 1, registry, command);
		free(command);
		return status;
	}
	return usage_error(main_usage, "unknown command \"%s\"", cmd);
}
