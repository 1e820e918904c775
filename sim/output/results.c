/* results.c - atomic output directories (see include/sim_results.h). */
#include "sim_results.h"
#include "checksum.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define MANIFEST "manifest.txt"

typedef struct staged_file {
	char *name;     /* final name */
	char *tmp_path; /* dir/.name.tmp */
	FILE *stream;   /* open until closed */
	bool closed;    /* written, synced and closed: ready to rename */
} staged_file;

struct sim_results {
	char *dir;
	bool created_dir;
	staged_file *files;
	size_t count, capacity;
};

/* mkdir -p; sets *created when the last component did not exist. */
static int make_dirs(const char *dir, bool *created)
{
	char *path = strdup(dir);
	if (!path)
		return -1;
	*created = false;
	for (char *p = path + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;
			*p = '\0';
			if (mkdir(path, 0777) == 0) {
				if (saved == '\0')
					*created = true;
			} else if (errno != EEXIST) {
				free(path);
				return -1;
			}
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
	free(path);
	struct stat st;
	if (stat(dir, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void sim_results_free_names(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

int sim_results_list(const char *dir, bool (*keep)(const char *name, const void *ctx),
		     const void *ctx, char ***names, size_t *count)
{
	*names = NULL;
	*count = 0;
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	char **list = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!keep(e->d_name, ctx))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			char **grown = realloc(list, cap * sizeof *grown);
			if (!grown)
				goto oom;
			list = grown;
		}
		if (!(list[n] = strdup(e->d_name)))
			goto oom;
		n++;
	}
	closedir(d);
	if (n)
		qsort(list, n, sizeof *list, compare_names);
	*names = list;
	*count = n;
	return 0;
oom:
	closedir(d);
	sim_results_free_names(list, n);
	errno = ENOMEM;
	return -1;
}

int sim_results_make_dirs(const char *dir, sim_error *err)
{
	bool created;
	if (make_dirs(dir, &created) == 0)
		return 0;
	return sim_error_set(err, SIM_ERROR_RUNTIME, dir, 0, NULL,
			     "cannot create the directory: %s", strerror(errno));
}

sim_results *sim_results_open(const char *dir, sim_error *err)
{
	sim_results *res = calloc(1, sizeof *res);
	if (!res || !(res->dir = strdup(dir))) {
		free(res);
		sim_error_set(err, SIM_ERROR_RUNTIME, dir, 0, NULL, "out of memory");
		return NULL;
	}
	if (make_dirs(dir, &res->created_dir) != 0 || access(dir, W_OK) != 0) {
		sim_error_set(err, SIM_ERROR_RUNTIME, dir, 0, NULL,
			      "cannot create output directory: %s", strerror(errno));
		free(res->dir);
		free(res);
		return NULL;
	}
	return res;
}

const char *sim_results_dir(const sim_results *res)
{
	return res->dir;
}

char *sim_results_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static char *join_path(const char *dir, const char *prefix, const char *name,
		       const char *suffix)
{
	size_t n = strlen(dir) + strlen(prefix) + strlen(name) + strlen(suffix) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s%s%s", dir, prefix, name, suffix);
	return p;
}

FILE *sim_results_create(sim_results *res, const char *name, sim_error *err)
{
	if (strchr(name, '/') || !name[0]) {
		sim_error_set(err, SIM_ERROR_RUNTIME, name, 0, NULL,
			      "result file names may not contain '/'");
		return NULL;
	}
	if (res->count == res->capacity) {
		size_t cap = res->capacity ? res->capacity * 2 : 8;
		staged_file *f = realloc(res->files, cap * sizeof *f);
		if (!f)
			goto oom;
		res->files = f;
		res->capacity = cap;
	}
	staged_file *sf = &res->files[res->count];
	memset(sf, 0, sizeof *sf);
	sf->name = strdup(name);
	sf->tmp_path = join_path(res->dir, ".", name, ".tmp");
	if (!sf->name || !sf->tmp_path) {
		free(sf->name);
		free(sf->tmp_path);
		goto oom;
	}
	sf->stream = fopen(sf->tmp_path, "w");
	if (!sf->stream) {
		sim_error_set(err, SIM_ERROR_RUNTIME, sf->tmp_path, 0, NULL,
			      "cannot create: %s", strerror(errno));
		free(sf->name);
		free(sf->tmp_path);
		return NULL;
	}
	res->count++;
	return sf->stream;
oom:
	sim_error_set(err, SIM_ERROR_RUNTIME, name, 0, NULL, "out of memory");
	return NULL;
}

static staged_file *find_stream(sim_results *res, FILE *f)
{
	for (size_t i = 0; i < res->count; i++)
		if (res->files[i].stream == f)
			return &res->files[i];
	return NULL;
}

/* Why an earlier write to f failed, its errno being long gone: asked
   again by flushing what is left, else read off the file system (a full
   one is ENOSPC, the message analysts need: "No space left on device"). */
static int write_error(FILE *f)
{
	clearerr(f);
	if (fflush(f) != 0)
		return errno;
	struct statvfs fs;
	if (fstatvfs(fileno(f), &fs) == 0 && fs.f_bavail == 0)
		return ENOSPC;
	return EIO;
}

int sim_results_close_file(sim_results *res, FILE *f, sim_error *err)
{
	staged_file *sf = find_stream(res, f);
	if (!sf)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "internal: closing a stream not from sim_results_create");
	sf->stream = NULL;
	bool bad = ferror(f) != 0;
	int saved = bad ? write_error(f) : 0;
	if (!bad && (fflush(f) != 0 || fsync(fileno(f)) != 0)) {
		bad = true;
		saved = errno;
	}
	if (fclose(f) != 0 && !bad) {
		bad = true;
		saved = errno;
	}
	if (bad)
		return sim_error_set(err, SIM_ERROR_RUNTIME, sf->tmp_path, 0, NULL,
				     "write failed: %s", strerror(saved));
	sf->closed = true;
	return 0;
}

static bool is_table(const staged_file *sf)
{
	size_t n = strlen(sf->name);
	return sf->closed && sf->tmp_path && n > 4 && strcmp(sf->name + n - 4, ".csv") == 0;
}

int sim_results_write_fingerprints(sim_results *res, FILE *f, sim_error *err)
{
	size_t tables = 0;
	for (size_t i = 0; i < res->count; i++)
		tables += is_table(&res->files[i]);
	if (tables == 0)
		return 0;
	fprintf(f, "\n# Fingerprints: the CRC-64/XZ of each output table's bytes as written\n"
		"# (`marketsim verify DIR` derives the tables again from results.sqlite and\n"
		"# compares them byte for byte).\nfingerprints = (\n");
	for (size_t i = 0, done = 0; i < res->count; i++) {
		staged_file *sf = &res->files[i];
		if (!is_table(sf))
			continue;
		FILE *in = fopen(sf->tmp_path, "rb");
		uint64_t crc = 0;
		int rc = in ? sim_crc64_stream(in, &crc) : -1;
		int saved = errno;
		if (in)
			fclose(in);
		if (rc != 0)
			return sim_error_set(err, SIM_ERROR_RUNTIME, sf->tmp_path, 0, NULL,
					     "cannot read back: %s", strerror(saved));
		char hex[17];
		sim_crc64_text(crc, hex);
		fprintf(f, "  ( \"%s\", \"%s\" )%s\n", sf->name, hex, ++done < tables ? "," : "");
	}
	fputs(");\n", f);
	return 0;
}

static void free_all(sim_results *res)
{
	for (size_t i = 0; i < res->count; i++) {
		staged_file *sf = &res->files[i];
		if (sf->stream)
			fclose(sf->stream);
		if (sf->tmp_path)
			unlink(sf->tmp_path);
		free(sf->name);
		free(sf->tmp_path);
	}
	free(res->files);
	free(res->dir);
	free(res);
}

static int rename_staged(sim_results *res, staged_file *sf, sim_error *err)
{
	char *final = join_path(res->dir, "", sf->name, "");
	if (!final)
		return sim_error_set(err, SIM_ERROR_RUNTIME, sf->name, 0, NULL, "out of memory");
	int rc = rename(sf->tmp_path, final);
	if (rc != 0)
		sim_error_set(err, SIM_ERROR_RUNTIME, final, 0, NULL,
			      "cannot rename into place: %s", strerror(errno));
	free(final);
	if (rc == 0) {
		free(sf->tmp_path);
		sf->tmp_path = NULL;
	}
	return rc == 0 ? 0 : -1;
}

int sim_results_finish(sim_results *res, sim_error *err)
{
	int rc = 0;
	staged_file *manifest = NULL;
	for (size_t i = 0; i < res->count && rc == 0; i++) {
		staged_file *sf = &res->files[i];
		if (!sf->closed) {
			rc = sim_error_set(err, SIM_ERROR_RUNTIME, sf->name, 0, NULL,
					   "internal: result file never closed");
		} else if (strcmp(sf->name, MANIFEST) == 0) {
			manifest = sf;
		} else {
			rc = rename_staged(res, sf, err);
		}
	}
	if (rc == 0 && manifest)
		rc = rename_staged(res, manifest, err);
	if (rc == 0) {
		/* Make the renames themselves durable. */
		int fd = open(res->dir, O_RDONLY | O_DIRECTORY);
		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
	}
	free_all(res);
	return rc;
}

void sim_results_abort(sim_results *res)
{
	if (!res)
		return;
	bool created = res->created_dir;
	char *dir = strdup(res->dir);
	free_all(res);
	if (created && dir)
		rmdir(dir); /* fails, harmlessly, unless empty */
	free(dir);
}
