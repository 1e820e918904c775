/* plot.c - drawing a run's charts with gnuplot (see include/sim_plot.h). */
#include "plot.h"
#include "sim_results.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define GNUPLOT "gnuplot"
#define TMP_NAME "plots.tmp"
#define FINAL_NAME "plots"
/* In plots/ (and plots.tmp/): the charts that drawing wrote, one name a
   line; the next drawing deletes exactly those, and never anything else. */
#define LIST_NAME ".marketsim-plots"
/* gnuplot's output kept for the error message; it stops at the first
   error, so its diagnostics come early and this is plenty. */
#define CAPTURE_MAX 8192

const char *sim_plot_default_dir(void)
{
	const char *dir = getenv("MARKETSIM_PLOTS");
	return dir && dir[0] ? dir : SIM_PLOTS_DIR;
}

/* True when name is "<model>_<something>.gp". */
static bool is_script_of(const char *name, const void *ctx)
{
	const char *model = ctx;
	size_t m = strlen(model), n = strlen(name);
	return n > m + 1 + 3 && strncmp(name, model, m) == 0 && name[m] == '_' &&
	       strcmp(name + n - 3, ".gp") == 0;
}

/* The file names (not paths) of model's scripts in dir, sorted so that
   every run draws in the same order. *count may be 0. */
static int list_scripts(const char *dir, const char *model, char ***names,
			size_t *count, sim_error *err)
{
	if (sim_results_list(dir, is_script_of, model, names, count) == 0)
		return 0;
	if (errno == ENOMEM)
		return sim_error_set(err, SIM_ERROR_RUNTIME, dir, 0, NULL, "out of memory");
	return sim_error_set(err, SIM_ERROR_RUNTIME, dir, 0, NULL,
			     "cannot read the plot scripts directory: %s "
			     "(set MARKETSIM_PLOTS to where the .gp files are)", strerror(errno));
}

/* fsync every file in dir, then dir itself: the images must be on disk
   before their directory takes its final name. */
static int sync_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fsync(fd) != 0)
			rc = -1;
		if (fd >= 0)
			close(fd);
	}
	if (rc == 0 && fsync(dirfd(d)) != 0)
		rc = -1;
	closedir(d);
	return rc;
}

static int pipe_cloexec(int fds[2])
{
	if (pipe(fds) != 0)
		return -1;
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

/* In the forked child: gnuplot's stdin is /dev/null, its stdout and
   stderr go to out_fd; if exec fails, errno goes down exec_fd. Only
   async-signal-safe calls here. */
static void exec_gnuplot(char *const argv[], int out_fd, int exec_fd)
{
	int null = open("/dev/null", O_RDONLY);
	if (null >= 0)
		dup2(null, STDIN_FILENO);
	dup2(out_fd, STDOUT_FILENO);
	dup2(out_fd, STDERR_FILENO);
	execvp(argv[0], argv);
	int e = errno;
	ssize_t w = write(exec_fd, &e, sizeof e);
	(void)w; /* nothing more a failed child can report */
	_exit(127);
}

/* Reads fd to its end, keeping the first size-1 bytes in buf (a string). */
static void read_all(int fd, char *buf, size_t size)
{
	size_t used = 0;
	char sink[512];
	for (;;) {
		char *to = used + 1 < size ? buf + used : sink;
		size_t room = used + 1 < size ? size - 1 - used : sizeof sink;
		ssize_t n = read(fd, to, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (to == buf + used)
			used += (size_t)n;
	}
	buf[used] = '\0';
}

static bool is_blank(const char *s)
{
	return s[strspn(s, " \t\r")] == '\0';
}

/* gnuplot echoes a failing command and a line with a caret under the
   fault before its diagnostic; those are noise in a one-line message. */
static bool is_caret(const char *s)
{
	return s && s[strspn(s, " \t")] == '^';
}

/* Condenses gnuplot's output into out: its non-blank lines other than
   echoed commands and carets, joined by "; ". */
static void summarize(char *text, char *out, size_t size)
{
	char *lines[64];
	size_t n = 0;
	for (char *save, *l = strtok_r(text, "\n", &save); l && n < 64;
	     l = strtok_r(NULL, "\n", &save))
		if (!is_blank(l))
			lines[n++] = l;
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && used + 1 < size; i++) {
		if (is_caret(lines[i]) || (i + 1 < n && is_caret(lines[i + 1])))
			continue;
		int w = snprintf(out + used, size - used, "%s%s", used ? "; " : "",
				 lines[i] + strspn(lines[i], " \t"));
		used += w > 0 ? (size_t)w : 0;
	}
	if (!out[0])
		snprintf(out, size, "no message");
}

/* Describes how the child ended when it did not exit with 0. */
static int child_failed(const char *script, int status, char *output,
			sim_error *err)
{
	char why[900];
	summarize(output, why, sizeof why);
	if (WIFSIGNALED(status))
		return sim_error_set(err, SIM_ERROR_RUNTIME, script, 0, NULL,
				     "gnuplot killed by signal %d: %s",
				     WTERMSIG(status), why);
	return sim_error_set(err, SIM_ERROR_RUNTIME, script, 0, NULL,
			     "gnuplot exited with status %d: %s",
			     WEXITSTATUS(status), why);
}

/* Runs argv (gnuplot on script) and waits for it; its output is kept for
   the error message. Returns 0 when it exits with 0. */
static int spawn_and_wait(char *const argv[], const char *script, sim_error *err)
{
	int out[2], exec_status[2];
	if (pipe_cloexec(out) != 0)
		goto sys_fail;
	if (pipe_cloexec(exec_status) != 0) {
		close(out[0]);
		close(out[1]);
		goto sys_fail;
	}
	pid_t pid = fork();
	if (pid == 0)
		exec_gnuplot(argv, out[1], exec_status[1]);
	int fork_errno = errno;
	close(out[1]);
	close(exec_status[1]);
	if (pid < 0) {
		close(out[0]);
		close(exec_status[0]);
		errno = fork_errno;
		goto sys_fail;
	}
	char *output = malloc(CAPTURE_MAX);
	if (output)
		read_all(out[0], output, CAPTURE_MAX);
	close(out[0]);
	int exec_errno = 0;
	ssize_t got;
	while ((got = read(exec_status[0], &exec_errno, sizeof exec_errno)) < 0 &&
	       errno == EINTR)
		;
	close(exec_status[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	int rc = 0;
	if (got == (ssize_t)sizeof exec_errno)
		rc = exec_errno == ENOENT
			? sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
					"gnuplot not found; install gnuplot-nox "
					"or run with --no-plots")
			: sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
					"cannot run gnuplot: %s", strerror(exec_errno));
	else if (!output)
		rc = sim_error_set(err, SIM_ERROR_RUNTIME, script, 0, NULL,
				   "out of memory");
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		rc = child_failed(script, status, output, err);
	free(output);
	return rc;
sys_fail:
	return sim_error_set(err, SIM_ERROR_RUNTIME, script, 0, NULL,
			     "cannot start gnuplot: %s", strerror(errno));
}

/* Runs one script with gnuplot, datadir = results_dir, outdir = out_dir.
   Returns 0 when gnuplot exits with 0. */
static int run_script(const char *script, const char *results_dir,
		      const char *out_dir, sim_error *err)
{
	size_t size = strlen(results_dir) + strlen(out_dir) + 32;
	char *setup = malloc(size);
	if (!setup)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "out of memory");
	snprintf(setup, size, "datadir='%s'; outdir='%s'", results_dir, out_dir);
	char *argv[] = {GNUPLOT, "-e", setup, (char *)script, NULL};
	int rc = spawn_and_wait(argv, script, err);
	free(setup);
	return rc;
}

/* A file gnuplot drew: a plain, visible name (not the list, not "." or ".."). */
static bool is_chart(const char *name, const void *ctx)
{
	(void)ctx;
	return name[0] && name[0] != '.' && !strchr(name, '/');
}

/* A chart a script of `prefix` draws: "<prefix>_<something>.png" or ".svg". */
static bool is_chart_of(const char *name, const void *ctx)
{
	const char *prefix = ctx;
	size_t m = strlen(prefix), n = strlen(name);
	return is_chart(name, NULL) && n > m + 1 + 4 && strncmp(name, prefix, m) == 0 &&
	       name[m] == '_' && (!strcmp(name + n - 4, ".png") || !strcmp(name + n - 4, ".svg"));
}

/* Unlinks dir/name for each name (plain names only); those already gone
   are fine. Never recursive. */
static void remove_names(const char *dir, char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		char *path = is_chart(names[i], NULL) ? sim_results_path(dir, names[i]) : NULL;
		if (path)
			unlink(path);
		free(path);
	}
}

/* The charts dir/LIST_NAME names, one a line (none when it is missing);
   only plain visible names are kept, so the list cannot reach outside dir.
   *names: heap (sim_results_free_names). 0, or -1 with errno. */
static int read_list(const char *dir, char ***names, size_t *count)
{
	*names = NULL;
	*count = 0;
	char *path = sim_results_path(dir, LIST_NAME);
	FILE *f = path ? fopen(path, "r") : NULL;
	free(path);
	if (!f)
		return errno == ENOENT ? 0 : -1;
	char line[512];
	size_t cap = 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!is_chart(line, NULL))
			continue;
		char **grown = *count == cap ? realloc(*names, (cap = 2 * cap + 8) * sizeof *grown)
					     : *names;
		if (!grown || !(grown[*count] = strdup(line))) {
			*names = grown ? grown : *names;
			fclose(f);
			errno = ENOMEM;
			return -1;
		}
		*names = grown;
		(*count)++;
	}
	fclose(f);
	return 0;
}

/* Writes the names into dir/LIST_NAME, synced. 0, or -1 with errno. */
static int write_list(const char *dir, char *const *names, size_t count)
{
	char *path = sim_results_path(dir, LIST_NAME);
	FILE *f = path ? fopen(path, "w") : NULL;
	free(path);
	if (!f)
		return -1;
	for (size_t i = 0; i < count; i++)
		fprintf(f, "%s\n", names[i]);
	int rc = fflush(f) == 0 && fsync(fileno(f)) == 0 && !ferror(f) ? 0 : -1;
	int e = errno;
	if (fclose(f) != 0)
		rc = -1;
	errno = rc ? e : 0;
	return rc;
}

/* Removes this drawing's own plots.tmp (made by it, so what is inside is
   what its scripts wrote), entry by entry, then the folder. */
static void discard_tmp(const char *tmp_dir)
{
	char **names;
	size_t count;
	if (sim_results_list(tmp_dir, is_chart, NULL, &names, &count) == 0) {
		remove_names(tmp_dir, names, count);
		sim_results_free_names(names, count);
	}
	char *list = sim_results_path(tmp_dir, LIST_NAME);
	if (list)
		unlink(list);
	free(list);
	rmdir(tmp_dir);
}

/* Clears a plots.tmp an interrupted drawing left: the charts its list and
   `prefix` name, the list, then the folder. Anything else in it is not
   marketsim's: then it stays, and drawing fails saying so. */
static int clear_tmp(const char *tmp_dir, const char *prefix, sim_error *err)
{
	struct stat st;
	if (lstat(tmp_dir, &st) != 0)
		return errno == ENOENT ? 0 : sim_error_set(err, SIM_ERROR_RUNTIME, tmp_dir, 0, NULL,
							   "cannot read: %s", strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return sim_error_set(err, SIM_ERROR_RUNTIME, tmp_dir, 0, NULL,
				     "in the way of the charts (not a folder marketsim made); "
				     "move it away");
	char **listed = NULL, **drawn = NULL;
	size_t nl = 0, nd = 0;
	if (read_list(tmp_dir, &listed, &nl) == 0)
		remove_names(tmp_dir, listed, nl);
	if (sim_results_list(tmp_dir, is_chart_of, prefix, &drawn, &nd) == 0)
		remove_names(tmp_dir, drawn, nd);
	sim_results_free_names(listed, nl);
	sim_results_free_names(drawn, nd);
	char *list = sim_results_path(tmp_dir, LIST_NAME);
	if (list)
		unlink(list);
	free(list);
	if (rmdir(tmp_dir) != 0)
		return sim_error_set(err, SIM_ERROR_RUNTIME, tmp_dir, 0, NULL,
				     "holds files marketsim did not draw; move them away, then "
				     "draw again with `marketsim plot`");
	return 0;
}

/* Renames tmp_dir/name to final_dir/name. 0, or -1 with errno. */
static int move_into(const char *tmp_dir, const char *final_dir, const char *name)
{
	char *from = sim_results_path(tmp_dir, name), *to = sim_results_path(final_dir, name);
	int rc = from && to ? rename(from, to) : (errno = ENOMEM, -1);
	free(from);
	free(to);
	return rc;
}

/* Files someone else put in plots/ stay: the new charts join them one by
   one, their list last, and plots.tmp goes. 0, or -1 with errno. */
static int move_each(const char *tmp_dir, const char *final_dir, char *const *names,
		     size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (move_into(tmp_dir, final_dir, names[i]) != 0)
			return -1;
	if (move_into(tmp_dir, final_dir, LIST_NAME) != 0 || rmdir(tmp_dir) != 0)
		return -1;
	int fd = open(final_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

/* Puts the new charts (`names`, in tmp_dir with their list) in place of
   final_dir, deleting there only what marketsim drew: the charts of the
   old list and those of the same names as the new. When final_dir is then
   empty it is replaced whole, else the charts move in one by one. */
static int install(const char *tmp_dir, const char *final_dir, char *const *names,
		   size_t count, sim_error *err)
{
	struct stat st;
	int rc;
	if (lstat(final_dir, &st) != 0) {
		rc = errno == ENOENT ? rename(tmp_dir, final_dir) : -1;
	} else if (!S_ISDIR(st.st_mode)) {
		return sim_error_set(err, SIM_ERROR_RUNTIME, final_dir, 0, NULL,
				     "in the way of the charts (not a folder); move it away");
	} else {
		char **old = NULL;
		size_t nold = 0;
		if (read_list(final_dir, &old, &nold) == 0)
			remove_names(final_dir, old, nold);
		sim_results_free_names(old, nold);
		remove_names(final_dir, names, count);
		char *list = sim_results_path(final_dir, LIST_NAME);
		if (list)
			unlink(list);
		free(list);
		rc = rmdir(final_dir) == 0 ? rename(tmp_dir, final_dir)
		     : errno == ENOTEMPTY || errno == EEXIST ? move_each(tmp_dir, final_dir, names, count)
		     : -1;
	}
	if (rc != 0)
		return sim_error_set(err, SIM_ERROR_RUNTIME, final_dir, 0, NULL,
				     "cannot put the plots in place: %s", strerror(errno));
	return 0;
}

/* Runs every script into a fresh tmp_dir, lists what they drew there, then
   installs it as final_dir. On failure tmp_dir is removed and final_dir
   left as it was (unless installing itself failed midway). */
static int draw_all(const char *scripts_dir, char **names, size_t count,
		    const char *results_dir, const char *prefix, const char *tmp_dir,
		    const char *final_dir, sim_error *err)
{
	if (clear_tmp(tmp_dir, prefix, err) != 0)
		return -1;
	if (mkdir(tmp_dir, 0777) != 0)
		return sim_error_set(err, SIM_ERROR_RUNTIME, tmp_dir, 0, NULL,
				     "cannot create: %s", strerror(errno));
	for (size_t i = 0; i < count; i++) {
		char *script = sim_results_path(scripts_dir, names[i]);
		int rc = script ? run_script(script, results_dir, tmp_dir, err)
				: sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0,
						NULL, "out of memory");
		free(script);
		if (rc != 0) {
			discard_tmp(tmp_dir);
			return -1;
		}
	}
	char **charts = NULL;
	size_t n = 0;
	int rc = sim_results_list(tmp_dir, is_chart, NULL, &charts, &n) == 0 &&
			 write_list(tmp_dir, charts, n) == 0 && sync_dir(tmp_dir) == 0
		 ? install(tmp_dir, final_dir, charts, n, err)
		 : sim_error_set(err, SIM_ERROR_RUNTIME, tmp_dir, 0, NULL,
				 "cannot list or sync the charts: %s", strerror(errno));
	if (rc != 0)
		discard_tmp(tmp_dir);
	sim_results_free_names(charts, n);
	return rc;
}

int sim_plot_draw(const char *scripts_dir, const char *model,
		  const char *results_dir, sim_error *err)
{
	/* The paths travel inside gnuplot's single-quoted strings (and the
	   scripts' shell commands), where a quote cannot be escaped. */
	if (strchr(results_dir, '\''))
		return sim_error_set(err, SIM_ERROR_RUNTIME, results_dir, 0, NULL,
				     "cannot plot into a path containing a "
				     "single quote (');"
				     " choose another output directory");
	char **names = NULL;
	size_t count = 0;
	if (list_scripts(scripts_dir, model, &names, &count, err) != 0)
		return -1;
	if (count == 0) {
		free(names);
		return 0;
	}
	char *tmp_dir = sim_results_path(results_dir, TMP_NAME);
	char *final_dir = sim_results_path(results_dir, FINAL_NAME);
	int rc = tmp_dir && final_dir
		? draw_all(scripts_dir, names, count, results_dir, model, tmp_dir,
			   final_dir, err)
		: sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				"out of memory");
	free(tmp_dir);
	free(final_dir);
	sim_results_free_names(names, count);
	return rc;
}
