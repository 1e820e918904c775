/* verify.c - `marketsim verify DIR` (see verify.h). */
#define _XOPEN_SOURCE 700
#include "verify.h"
#include "experiment.h"
#include "redraw.h"
#include "output/checksum.h"
#include "output/store.h"

#include <errno.h>
#include <math.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One verification in progress. */
typedef struct verifier {
	const sim_model_type *const *registry;
	const sim_model_type *model;
	const char *dir;
	char tmp[4096];       /* the temporary folder, "" until made */
	sim_store *store;
	FILE *out;
	bool quiet;
	char *mode, *name, *config, *model_name;
	sim_verify_report rep;
} verifier;

/* Prints one check's line: "ok      ..." or "FAILED  ...". */
static void check_line(verifier *v, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check_line(verifier *v, bool ok, const char *fmt, ...)
{
	v->rep.checks++;
	v->rep.failed += !ok;
	if (v->quiet && ok)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs(ok ? "ok      " : "FAILED  ", v->out);
	vfprintf(v->out, fmt, ap);
	fputc('\n', v->out);
	va_end(ap);
}

static int oom(sim_error *err)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
}

/* ---- the temporary folder ---- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void remove_tree(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int make_tmp(verifier *v, sim_error *err)
{
	const char *base = getenv("TMPDIR");
	snprintf(v->tmp, sizeof v->tmp, "%s/marketsim-verify.XXXXXX",
		 base && base[0] ? base : "/tmp");
	if (mkdtemp(v->tmp))
		return 0;
	int saved = errno;
	sim_error_set(err, SIM_ERROR_RUNTIME, v->tmp, 0, NULL,
		      "cannot make a temporary folder: %s", strerror(saved));
	v->tmp[0] = '\0';
	return -1;
}

/* ---- what the database is ---- */

static int read_experiment(verifier *v, sim_error *err)
{
	if (!sim_store_exists(v->dir))
		return sim_error_set(err, SIM_ERROR_CONFIG, v->dir, 0, NULL,
				     "not a results folder (no " SIM_STORE_FILE ")");
	if (!(v->store = sim_store_open_existing(v->dir, err)))
		return -1;
	v->mode = sim_store_meta(v->store, "mode", err);
	v->name = v->mode ? sim_store_meta(v->store, "name", err) : NULL;
	v->config = v->name ? sim_store_meta(v->store, "config", err) : NULL;
	v->model_name = v->config ? sim_store_meta(v->store, "model", err) : NULL;
	if (err->kind != SIM_ERROR_NONE)
		return -1;
	if (!v->model_name)
		return sim_error_set(err, SIM_ERROR_CONFIG, sim_store_path(v->store), 0, NULL,
				     "not a results database of marketsim (its experiment is "
				     "not recorded)");
	v->model = sim_model_find(v->registry, v->model_name);
	if (!v->model)
		return sim_error_set(err, SIM_ERROR_CONFIG, v->dir, 0, NULL,
				     "its results are of model \"%s\", which this marketsim "
				     "does not have", v->model_name);
	if (!v->model->record)
		return sim_error_set(err, SIM_ERROR_CONFIG, v->dir, 0, NULL,
				     "a run of model %s, which stores no replications: there is "
				     "nothing to verify", v->model->name);
	return 0;
}

/* ---- checksums ---- */

static int check_checksums(verifier *v, sim_error *err)
{
	size_t *points, n, bad = 0;
	uint64_t *reps;
	if (sim_store_stored_runs(v->store, &points, &reps, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		sim_error e;
		sim_error_clear(&e);
		if (sim_store_check(v->store, points[i], reps[i], &e) == 0)
			continue;
		char msg[1400];
		sim_error_format(&e, msg, sizeof msg);
		check_line(v, false, "checksum: %s", msg);
		bad++;
	}
	if (bad == 0)
		check_line(v, true, "checksums: all %zu stored replication%s match their rows", n,
			   n == 1 ? "" : "s");
	free(points);
	free(reps);
	return 0;
}

/* ---- the outputs ---- */

static bool is_csv(const char *name, const void *ctx)
{
	(void)ctx;
	size_t n = strlen(name);
	return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".csv") == 0;
}

static bool is_subdir(const char *name, const void *ctx)
{
	char path[8192];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", (const char *)ctx, name);
	return name[0] != '.' && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A growing list of relative paths. */
typedef struct path_list {
	char **names;
	size_t count, capacity;
} path_list;

static int add_path(path_list *l, const char *prefix, const char *name)
{
	if (l->count == l->capacity) {
		size_t cap = l->capacity ? 2 * l->capacity : 32;
		char **grown = realloc(l->names, cap * sizeof *grown);
		if (!grown)
			return -1;
		l->names = grown;
		l->capacity = cap;
	}
	size_t len = strlen(prefix) + strlen(name) + 1;
	if (!(l->names[l->count] = malloc(len)))
		return -1;
	snprintf(l->names[l->count++], len, "%s%s", prefix, name);
	return 0;
}

/* Adds folder `path`'s CSVs to l, each as prefix + name. */
static int add_csvs(path_list *l, const char *path, const char *prefix)
{
	char **names;
	size_t n;
	if (sim_results_list(path, is_csv, NULL, &names, &n) != 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = add_path(l, prefix, names[i]);
	sim_results_free_names(names, n);
	return rc;
}

/* The CSVs of folder `root`: its own, and those of points/<each>/, as
   paths relative to root. */
static int list_csvs(const char *root, path_list *l)
{
	char **subs, path[8192];
	size_t nsub = 0;
	if (add_csvs(l, root, "") != 0)
		return -1;
	snprintf(path, sizeof path, "%s/points", root);
	if (sim_results_list(path, is_subdir, path, &subs, &nsub) != 0)
		return errno == ENOENT ? 0 : -1;
	int rc = 0;
	for (size_t j = 0; rc == 0 && j < nsub; j++) {
		char sub[8192 + 512], prefix[600];
		snprintf(sub, sizeof sub, "%s/%s", path, subs[j]);
		snprintf(prefix, sizeof prefix, "points/%s/", subs[j]);
		rc = add_csvs(l, sub, prefix);
	}
	sim_results_free_names(subs, nsub);
	return rc;
}

/* The whole file (heap, *len bytes), or NULL. */
static char *slurp(const char *path, size_t *len)
{
	char *text = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	FILE *m = f ? open_memstream(&text, len) : NULL;
	char buf[65536];
	size_t n;
	while (m && (n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, m);
	bool bad = !f || !m || ferror(f);
	if (m && fclose(m) != 0)
		bad = true;
	if (f)
		fclose(f);
	if (bad) {
		free(text);
		return NULL;
	}
	return text;
}

/* Compares DIR's copy of `name` with the one derived into tmp. */
static void compare_file(verifier *v, const char *name)
{
	char a[8192], b[8192];
	snprintf(a, sizeof a, "%s/%s", v->dir, name);
	snprintf(b, sizeof b, "%s/%s", v->tmp, name);
	size_t na, nb;
	char *x = slurp(a, &na), *y = slurp(b, &nb);
	if (!x || !y) {
		check_line(v, false, "%s: cannot be read", name);
	} else if (na == nb && memcmp(x, y, na) == 0) {
		check_line(v, true, "%s: as derived from " SIM_STORE_FILE, name);
	} else {
		size_t at = 0, line = 1;
		while (at < na && at < nb && x[at] == y[at])
			line += x[at++] == '\n';
		check_line(v, false, "%s: differs from what " SIM_STORE_FILE " gives, first at "
			   "line %zu", name, line);
	}
	free(x);
	free(y);
}

static void free_list(path_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->names[i]);
	free(l->names);
}

/* Walks the two sorted lists together: each name in both is compared,
   one in either alone is a difference. */
static void compare_lists(verifier *v, const path_list *have, const path_list *derived)
{
	size_t i = 0, j = 0;
	while (i < have->count || j < derived->count) {
		int c = i == have->count ? 1 : j == derived->count ? -1
			: strcmp(have->names[i], derived->names[j]);
		if (c == 0) {
			compare_file(v, have->names[i]);
			i++;
			j++;
		} else if (c < 0) {
			check_line(v, false, "%s: not derived from " SIM_STORE_FILE " (a file the "
				   "results do not give)", have->names[i++]);
		} else {
			check_line(v, false, "%s: missing (" SIM_STORE_FILE " gives it)",
				   derived->names[j++]);
		}
	}
}

static int compare_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int check_outputs(verifier *v, sim_error *err)
{
	sim_error e;
	sim_error_clear(&e);
	if (sim_redraw_tables(v->registry, v->dir, v->tmp, &e) != 0) {
		char msg[1400];
		sim_error_format(&e, msg, sizeof msg);
		check_line(v, false, "outputs: cannot be derived from " SIM_STORE_FILE ": %s", msg);
		return 0;
	}
	path_list have = { 0 }, derived = { 0 };
	int rc = list_csvs(v->dir, &have) == 0 && list_csvs(v->tmp, &derived) == 0 ? 0 : -1;
	if (rc != 0) {
		sim_error_set(err, SIM_ERROR_RUNTIME, v->dir, 0, NULL, "cannot list the outputs: %s",
			      strerror(errno));
	} else {
		/* Both in strcmp order, for compare_lists' walk. */
		qsort(have.names, have.count, sizeof *have.names, compare_name);
		qsort(derived.names, derived.count, sizeof *derived.names, compare_name);
		compare_lists(v, &have, &derived);
	}
	free_list(&have);
	free_list(&derived);
	return rc;
}

/* ---- reruns ---- */

/* The stored experiment, loaded at `point` from the configuration in the
   database (written to tmp/experiment.cfg) with the model it names. */
static sim_experiment *load_stored(verifier *v, size_t point, sim_error *err)
{
	char cfg[4200], model[300];
	snprintf(cfg, sizeof cfg, "%s/experiment.cfg", v->tmp);
	FILE *f = fopen(cfg, "w");
	if (!f || fputs(v->config, f) < 0 || fclose(f) != 0) {
		sim_error_set(err, SIM_ERROR_RUNTIME, cfg, 0, NULL, "cannot write: %s",
			      strerror(errno));
		return NULL;
	}
	snprintf(model, sizeof model, "model=%s", v->model_name);
	const char *overrides[1] = { model };
	sim_run_options opt = { .config_path = cfg, .overrides = overrides, .override_count = 1,
				.quiet = true, .no_plots = true };
	char **settings;
	size_t n;
	if (sim_store_point_settings(v->store, point, &settings, &n, err) != 0)
		return NULL;
	sim_experiment *x = sim_experiment_load(v->registry, &opt, (const char *const *)settings,
						n, err);
	sim_store_free_strings(settings, n);
	return x;
}

static bool same_value(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

/* Row r's keys of t, comma-separated, into buf. */
static void row_keys(const sim_table *t, size_t r, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t k = 0; k < sim_table_key_count(t) && used < size; k++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s=%s", k ? ", " : "",
					 sim_table_key_name(t, k), sim_table_key(t, r, k));
}

/* The first difference between table a (rerun) and b (stored) of the same
   columns, into buf; false when there is none. */
static bool table_difference(const sim_table *a, const sim_table *b, char *buf, size_t size)
{
	const char *file = sim_table_file(a);
	char keys[512];
	if (sim_table_rows(a) != sim_table_rows(b)) {
		snprintf(buf, size, "%s has %zu rows, %zu stored", file, sim_table_rows(a),
			 sim_table_rows(b));
		return true;
	}
	for (size_t r = 0; r < sim_table_rows(a); r++) {
		row_keys(b, r, keys, sizeof keys);
		for (size_t k = 0; k < sim_table_key_count(a); k++)
			if (strcmp(sim_table_key(a, r, k), sim_table_key(b, r, k)) != 0) {
				snprintf(buf, size, "%s row %zu (stored %s): %s is \"%s\"", file, r,
					 keys, sim_table_key_name(a, k), sim_table_key(a, r, k));
				return true;
			}
		for (size_t c = 0; c < sim_table_value_count(a); c++) {
			double x = sim_table_value(a, 0, r, c), y = sim_table_value(b, 0, r, c);
			if (!same_value(x, y)) {
				snprintf(buf, size, "%s row %zu (%s), %s: %.17g, stored %.17g", file, r,
					 keys, sim_table_value_name(a, c), x, y);
				return true;
			}
		}
	}
	return false;
}

/* The first difference between the rerun's rows and the stored ones. */
static void describe_difference(const sim_table_set *rerun, const sim_table_set *stored,
				char *buf, size_t size)
{
	snprintf(buf, size, "its checksum differs");
	for (size_t i = 0; i < sim_table_set_count(rerun); i++) {
		const sim_table *a = sim_table_set_at(rerun, i);
		const sim_table *b = sim_table_find(stored, sim_table_file(a));
		if (!b || sim_table_key_count(a) != sim_table_key_count(b) ||
		    sim_table_value_count(a) != sim_table_value_count(b)) {
			if (sim_table_rows(a) > 0) {
				snprintf(buf, size, "%s is not stored as the rerun records it",
					 sim_table_file(a));
				return;
			}
		} else if (table_difference(a, b, buf, size)) {
			return;
		}
	}
	for (size_t i = 0; i < sim_table_set_count(stored); i++) {
		const sim_table *b = sim_table_set_at(stored, i);
		if (sim_table_rows(b) > 0 && !sim_table_find(rerun, sim_table_file(b))) {
			snprintf(buf, size, "%s is stored but the rerun records no such table",
				 sim_table_file(b));
			return;
		}
	}
}

/* "point P, replication R" for a sweep, "replication R" for a run. */
static void which(const verifier *v, size_t point, uint64_t rep, char *buf, size_t size)
{
	if (strcmp(v->mode, "run") == 0)
		snprintf(buf, size, "replication %llu", (unsigned long long)rep);
	else
		snprintf(buf, size, "point %zu, replication %llu", point, (unsigned long long)rep);
}

/* Compares rerun rows with the stored ones and says so. */
static void judge_rerun(verifier *v, const char *what, size_t point, uint64_t rep,
			const sim_table_set *rows)
{
	sim_error e;
	sim_error_clear(&e);
	uint64_t got = 0, want = 0, seed = 0;
	char hex[17], msg[1400];
	if (sim_store_checksum(v->store, rows, &got, &e) != 0 ||
	    sim_store_run_checksum(v->store, point, rep, &want, &seed, &e) != 1) {
		if (e.kind == SIM_ERROR_NONE)
			sim_error_set(&e, SIM_ERROR_RUNTIME, NULL, 0, NULL, "it is not stored");
		sim_error_format(&e, msg, sizeof msg);
		check_line(v, false, "rerun of %s: %s", what, msg);
		return;
	}
	sim_crc64_text(got, hex);
	if (got == want) {
		check_line(v, true, "rerun of %s (seed %llu): the same rows as stored (checksum %s)",
			   what, (unsigned long long)seed, hex);
		return;
	}
	sim_table_set *stored = sim_table_set_new();
	if (stored && sim_store_load_one(v->store, point, rep, stored, &e) == 0)
		describe_difference(rows, stored, msg, sizeof msg);
	else
		sim_error_format(&e, msg, sizeof msg);
	sim_table_set_free(stored);
	check_line(v, false, "rerun of %s (seed %llu): other rows than stored: %s", what,
		   (unsigned long long)seed, msg);
}

/* Reruns (point, rep); *x caches the experiment loaded at *at. */
static void rerun_one(verifier *v, sim_experiment **x, size_t *at, size_t point, uint64_t rep)
{
	char what[96], msg[1400];
	which(v, point, rep, what, sizeof what);
	sim_error e;
	sim_error_clear(&e);
	if (!*x || *at != point) {
		sim_experiment_free(*x);
		*at = point;
		if (!(*x = load_stored(v, point, &e))) {
			sim_error_format(&e, msg, sizeof msg);
			check_line(v, false, "rerun of %s: cannot load the stored experiment: %s",
				   what, msg);
			return;
		}
	}
	sim_table_set *rows = sim_table_set_new();
	uint64_t events = 0;
	if (!rows || sim_experiment_run_replication(*x, v->name, rep, rows, &events, NULL,
						    &e) != 0) {
		if (!rows)
			oom(&e);
		sim_error_format(&e, msg, sizeof msg);
		check_line(v, false, "rerun of %s: %s", what, msg);
	} else {
		judge_rerun(v, what, point, rep, rows);
	}
	sim_table_set_free(rows);
}

/* Reruns `sample` of the stored replications, spread evenly over them
   in (point, replication) order, so over a sweep's points too. */
static int check_reruns(verifier *v, size_t sample, sim_error *err)
{
	size_t *points, n;
	uint64_t *reps;
	if (sample == 0)
		return 0;
	if (sim_store_stored_runs(v->store, &points, &reps, &n, err) != 0)
		return -1;
	if (n == 0)
		check_line(v, false, "reruns: no replication is stored");
	size_t m = sample < n ? sample : n, at = 0;
	sim_experiment *x = NULL;
	for (size_t k = 0; k < m; k++) {
		size_t i = k * n / m;
		rerun_one(v, &x, &at, points[i], reps[i]);
	}
	sim_experiment_free(x);
	free(points);
	free(reps);
	return 0;
}

/* ---- the whole ---- */

static void say_what(verifier *v)
{
	size_t *points, n;
	uint64_t *reps;
	sim_error e;
	sim_error_clear(&e);
	if (v->quiet || sim_store_stored_runs(v->store, &points, &reps, &n, &e) != 0)
		return;
	long np = sim_store_point_count(v->store, &e);
	if (strcmp(v->mode, "run") == 0)
		fprintf(v->out, "verify %s: run %s (model %s, %zu replication%s stored)\n", v->dir,
			v->name, v->model->name, n, n == 1 ? "" : "s");
	else
		fprintf(v->out, "verify %s: sweep %s (model %s, %ld points, %zu replications "
			"stored)\n", v->dir, v->name, v->model->name, np, n);
	free(points);
	free(reps);
}

int sim_verify_results(const sim_model_type *const *registry, const char *dir, size_t sample,
		       bool quiet, FILE *out, sim_verify_report *report, sim_error *err)
{
	verifier v = { .registry = registry, .dir = dir, .out = out, .quiet = quiet };
	int rc = -1;
	if (read_experiment(&v, err) != 0 || make_tmp(&v, err) != 0)
		goto done;
	say_what(&v);
	if (check_checksums(&v, err) != 0 || check_outputs(&v, err) != 0 ||
	    check_reruns(&v, sample, err) != 0)
		goto done;
	if (v.rep.failed)
		fprintf(out, "verify: %zu of %zu checks FAILED\n", v.rep.failed, v.rep.checks);
	else if (!quiet)
		fprintf(out, "verify: all %zu checks passed\n", v.rep.checks);
	rc = 0;
done:
	if (v.tmp[0])
		remove_tree(v.tmp);
	sim_store_close(v.store);
	free(v.mode);
	free(v.name);
	free(v.config);
	free(v.model_name);
	if (report)
		*report = v.rep;
	return rc;
}
