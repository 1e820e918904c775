/* folder.c - output folders marketsim owns, one writer each (see folder.h). */
#include "folder.h"
#include "sim_results.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The lock descriptors this process holds, closed in a forked child (a
   child shares the parent's open file description, hence its flock). */
#define MAX_HELD 16
static int held[MAX_HELD];
static size_t held_count;

static void close_held_in_child(void)
{
	for (size_t i = 0; i < held_count; i++)
		close(held[i]);
	held_count = 0;
}

/* Remembers fd as held; installs the fork handler the first time. */
static void hold(int fd)
{
	static bool installed;
	if (!installed)
		installed = pthread_atfork(NULL, NULL, close_held_in_child) == 0;
	if (held_count < MAX_HELD)
		held[held_count++] = fd;
}

static void unhold(int fd)
{
	for (size_t i = 0; i < held_count; i++)
		if (held[i] == fd) {
			held[i] = held[--held_count];
			return;
		}
}

static int oom(sim_error *err)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
}

/* Reads dir's entries: *marked when it has the marker (a plain file),
   *foreign when it has anything else but the lock file. 0, or -1 with err. */
static int scan(const char *dir, bool *marked, bool *foreign, sim_error *err)
{
	*marked = *foreign = false;
	DIR *d = opendir(dir);
	if (!d)
		return sim_error_set(err, SIM_ERROR_RUNTIME, dir, 0, NULL,
				     "cannot read the output directory: %s", strerror(errno));
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *n = e->d_name;
		if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, SIM_FOLDER_LOCK))
			continue;
		struct stat st;
		if (!strcmp(n, SIM_FOLDER_MARKER) && fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			*marked = true;
		else
			*foreign = true;
	}
	closedir(d);
	return 0;
}

/* A missing dir must be creatable: its nearest existing ancestor is a
   folder this process may write into. 0, or -1 with err. */
static int check_creatable(const char *dir, sim_error *err)
{
	char *path = strdup(dir);
	if (!path)
		return oom(err);
	int e = 0;
	for (;;) {
		size_t len = strlen(path);
		while (len > 1 && path[len - 1] == '/')
			path[--len] = '\0';
		char *slash = strrchr(path, '/');
		const char *parent = !slash ? "." : slash == path ? "/" : path;
		if (slash && slash != path)
			*slash = '\0';
		struct stat st;
		if (stat(parent, &st) == 0) {
			e = !S_ISDIR(st.st_mode) ? ENOTDIR : access(parent, W_OK | X_OK) ? errno : 0;
			break;
		}
		if (errno != ENOENT || !slash || slash == path) {
			e = errno;
			break;
		}
	}
	free(path);
	if (e)
		return sim_error_set(err, SIM_ERROR_RUNTIME, dir, 0, NULL,
				     "cannot create output directory: %s", strerror(e));
	return 0;
}

static int refuse_foreign(const char *dir, sim_error *err)
{
	return sim_error_set(err, SIM_ERROR_CONFIG, dir, 0, NULL,
			     "not a marketsim results folder (it has files and no "
			     SIM_FOLDER_MARKER " marker); choose another --out, or add "
			     "--force to write into it");
}

int sim_folder_check(const char *dir, bool force, sim_error *err)
{
	if (!dir || !dir[0])
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "the output directory is an empty path; give --out a folder");
	struct stat st;
	if (stat(dir, &st) != 0) {
		if (errno == ENOENT)
			return check_creatable(dir, err);
		return sim_error_set(err, SIM_ERROR_RUNTIME, dir, 0, NULL,
				     "cannot create output directory: %s", strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return sim_error_set(err, SIM_ERROR_RUNTIME, dir, 0, NULL,
				     "cannot use as output directory: it is a file, not a folder");
	if (access(dir, W_OK | X_OK) != 0)
		return sim_error_set(err, SIM_ERROR_RUNTIME, dir, 0, NULL,
				     "cannot write into the output directory: %s", strerror(errno));
	bool marked, foreign;
	if (scan(dir, &marked, &foreign, err) != 0)
		return -1;
	return marked || !foreign || force ? 0 : refuse_foreign(dir, err);
}

/* Makes claim->dir when missing (its parents first), noting whether this
   call made it. 0, or -1 with err. */
static int make_folder(sim_folder *claim, sim_error *err)
{
	struct stat st;
	if (stat(claim->dir, &st) == 0)
		return 0;
	char *parent = strdup(claim->dir);
	if (!parent)
		return oom(err);
	size_t len = strlen(parent);
	while (len > 1 && parent[len - 1] == '/')
		parent[--len] = '\0';
	char *slash = strrchr(parent, '/');
	int rc = 0;
	if (slash && slash != parent) {
		*slash = '\0';
		rc = sim_results_make_dirs(parent, err);
	}
	free(parent);
	if (rc != 0)
		return -1;
	if (mkdir(claim->dir, 0777) == 0)
		claim->created_dir = true;
	else if (errno != EEXIST)
		return sim_error_set(err, SIM_ERROR_RUNTIME, claim->dir, 0, NULL,
				     "cannot create output directory: %s", strerror(errno));
	return 0;
}

/* The pid the holder wrote into the lock file; 0 when unknown (it may be
   about to write it: a few tries over 0.2 s). */
static long holder_pid(int fd)
{
	for (int tries = 0; tries < 20; tries++) {
		char buf[32];
		ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			long pid = strtol(buf, NULL, 10);
			if (pid > 0)
				return pid;
		}
		struct timespec pause = { 0, 10000000 };
		nanosleep(&pause, NULL);
	}
	return 0;
}

/* Locks the folder (creating its lock file when missing) and writes this
   process's id into the lock file. 0, or -1 with err. */
static int lock_folder(sim_folder *claim, sim_error *err)
{
	char *path = sim_results_path(claim->dir, SIM_FOLDER_LOCK);
	if (!path)
		return oom(err);
	int flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW;
	int fd = open(path, flags | O_CREAT | O_EXCL, 0666);
	if (fd >= 0)
		claim->created_lock = true;
	else if (errno == EEXIST)
		fd = open(path, flags);
	free(path);
	if (fd < 0)
		return sim_error_set(err, SIM_ERROR_RUNTIME, claim->dir, 0, NULL,
				     "cannot open its lock file " SIM_FOLDER_LOCK ": %s",
				     strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		long pid = e == EWOULDBLOCK ? holder_pid(fd) : 0;
		close(fd);
		if (e != EWOULDBLOCK)
			return sim_error_set(err, SIM_ERROR_RUNTIME, claim->dir, 0, NULL,
					     "cannot lock " SIM_FOLDER_LOCK ": %s", strerror(e));
		char who[32] = "pid unknown";
		if (pid > 0)
			snprintf(who, sizeof who, "pid %ld", pid);
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
				     "%s is in use by another marketsim (%s); wait for it or "
				     "choose another --out", claim->dir, who);
	}
	claim->lock_fd = fd;
	hold(fd);
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n)
		return sim_error_set(err, SIM_ERROR_RUNTIME, claim->dir, 0, NULL,
				     "cannot write its lock file " SIM_FOLDER_LOCK ": %s",
				     strerror(errno));
	return 0;
}

/* Writes the marker, holding `name`, unless the folder has one; a folder
   that gained files since it was checked is still refused unless force. */
static int mark_folder(sim_folder *claim, const char *name, bool force,
		       sim_error *err)
{
	bool marked, foreign;
	if (scan(claim->dir, &marked, &foreign, err) != 0)
		return -1;
	if (marked)
		return 0;
	if (foreign && !force && !claim->created_dir)
		return refuse_foreign(claim->dir, err);
	char *path = sim_results_path(claim->dir, SIM_FOLDER_MARKER);
	if (!path)
		return oom(err);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0666);
	free(path);
	if (fd >= 0)
		claim->wrote_marker = true;
	size_t len = strlen(name);
	int rc = fd < 0 || write(fd, name, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ? -1 : 0;
	int e = errno;
	if (fd >= 0 && close(fd) != 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	if (rc != 0)
		return sim_error_set(err, SIM_ERROR_RUNTIME, claim->dir, 0, NULL,
				     "cannot write its marker " SIM_FOLDER_MARKER ": %s",
				     strerror(e));
	return 0;
}

int sim_folder_claim(const char *dir, const char *name, bool force,
		     sim_folder *claim, sim_error *err)
{
	*claim = (sim_folder){ .lock_fd = -1 };
	if (sim_folder_check(dir, force, err) != 0)
		return -1;
	if (!(claim->dir = strdup(dir)))
		return oom(err);
	if (make_folder(claim, err) != 0 || lock_folder(claim, err) != 0 ||
	    mark_folder(claim, name, force, err) != 0) {
		sim_folder_abandon(claim);
		return -1;
	}
	return 0;
}

void sim_folder_release(sim_folder *claim)
{
	if (!claim)
		return;
	if (claim->lock_fd >= 0) {
		unhold(claim->lock_fd);
		close(claim->lock_fd);
	}
	free(claim->dir);
	*claim = (sim_folder){ .lock_fd = -1 };
}

/* Removes dir/name; a name already gone is removed. */
static void remove_in(const char *dir, const char *name)
{
	char *path = sim_results_path(dir, name);
	if (path)
		unlink(path);
	free(path);
}

void sim_folder_abandon(sim_folder *claim)
{
	if (!claim || !claim->dir) {
		sim_folder_release(claim);
		return;
	}
	if (claim->wrote_marker)
		remove_in(claim->dir, SIM_FOLDER_MARKER);
	/* Unlinked while still locked: no one else can hold it meanwhile. */
	if (claim->created_lock)
		remove_in(claim->dir, SIM_FOLDER_LOCK);
	char *dir = claim->created_dir ? strdup(claim->dir) : NULL;
	sim_folder_release(claim);
	if (dir)
		rmdir(dir); /* fails, harmlessly, when something else is in it */
	free(dir);
}
