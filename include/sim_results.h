/*
 * sim_results.h - a run's output directory, written atomically.
 *
 * Every file is written under a temporary name (".NAME.tmp") in the target
 * directory, flushed, fsync'ed and closed with each step checked. Nothing is
 * renamed into place until the whole run has succeeded: sim_results_finish
 * renames the data files and then the manifest, last, so a directory whose
 * manifest.txt is new holds only files from that run. On failure
 * sim_results_abort removes every temporary file (and the directory, if this
 * run created it and left it empty), so a failed run leaves nothing that
 * looks complete.
 */
#ifndef SIM_RESULTS_H
#define SIM_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sim_error.h"

typedef struct sim_results sim_results;

/* Opens (creating, with parents) the directory `dir`. Returns NULL with err
   filled (kind RUNTIME) when it cannot be created or written. */
sim_results *sim_results_open(const char *dir, sim_error *err);

/* Starts the file `name` (a plain file name, no slash) and returns a stream
   to write it; the caller writes, then calls sim_results_close_file. */
FILE *sim_results_create(sim_results *res, const char *name, sim_error *err);

/* Checks, flushes, syncs and closes a stream from sim_results_create; the
   file is staged for renaming by sim_results_finish. Returns 0 or -1. */
int sim_results_close_file(sim_results *res, FILE *f, sim_error *err);

/* Writes to f (the manifest's stream) a `fingerprints` section: for each
   .csv file staged and closed so far, in the order written, its name and
   the CRC-64/XZ of its bytes (16 hex digits), as a libconfig list of
   pairs. Nothing when there is none. Returns 0 or -1 with err. */
int sim_results_write_fingerprints(sim_results *res, FILE *f, sim_error *err);

/* Renames every staged file into place, `manifest.txt` last if staged, then
   syncs the directory and frees res. Returns 0, or -1 (err filled; every
   file not yet renamed is removed). res is freed either way. */
int sim_results_finish(sim_results *res, sim_error *err);

/* Removes every temporary file and frees res; NULL is allowed. */
void sim_results_abort(sim_results *res);

/* "dir/name" in a new heap string, or NULL when out of memory. */
char *sim_results_path(const char *dir, const char *name);

/* The names (not paths) in dir for which keep(name, ctx) is true, sorted,
   so that every caller sees them in the same order: *names is a heap
   array of heap strings (free with sim_results_free_names), *count may
   be 0. Returns 0, or -1 with errno set (ENOENT: no such dir, ENOMEM). */
int sim_results_list(const char *dir, bool (*keep)(const char *name, const void *ctx),
		     const void *ctx, char ***names, size_t *count);
void sim_results_free_names(char **names, size_t count);

/* mkdir -p dir; 0, or -1 with err. */
int sim_results_make_dirs(const char *dir, sim_error *err);

/* The directory path given to sim_results_open. */
const char *sim_results_dir(const sim_results *res);

#endif
