/*
 * folder.h - the output folders marketsim owns, and one writer per folder.
 *
 * marketsim writes only into a folder it created or one that carries its
 * marker, the file `.marketsim` (holding the experiment's name), written
 * when marketsim creates the folder or first adopts it. An empty folder is
 * adopted; any other folder without the marker is refused (a config error:
 * exit 2) unless the caller forces it (`--force`). Nothing is written into
 * a refused folder, not even the lock file.
 *
 * While a run, sweep, validate, compare or plot writes a folder it holds
 * an exclusive lock on `.marketsim.lock` in it (flock, never waiting),
 * which holds the holder's process id: a second writer is refused at once
 * (a runtime error: exit 1), naming the folder and that pid. The lock's
 * descriptor is close-on-exec, and a process forked while a claim is held
 * closes its copy at once (pthread_atfork), so neither a forked worker nor
 * gnuplot can keep a folder locked after its claimant has gone.
 */
#ifndef SIM_OUTPUT_FOLDER_H
#define SIM_OUTPUT_FOLDER_H

#include <stdbool.h>

#include "sim_error.h"

/* The marker and the lock file, in the folder. */
#define SIM_FOLDER_MARKER ".marketsim"
#define SIM_FOLDER_LOCK ".marketsim.lock"

/* A claimed folder; zero-initialised (or released) it holds nothing. */
typedef struct sim_folder {
	char *dir;          /* heap copy of the path; NULL when nothing is held */
	int lock_fd;        /* the locked .marketsim.lock; -1 when none */
	bool created_dir;   /* this claim made the folder itself */
	bool created_lock;  /* this claim created .marketsim.lock */
	bool wrote_marker;  /* this claim wrote .marketsim */
} sim_folder;

/* Whether dir could be claimed, touching nothing: not "", a folder (or
   creatable under its nearest existing parent), writable, and empty or
   marked unless force. 0, or -1 with err (CONFIG for "" and a foreign
   folder, RUNTIME for the file system's refusals). */
int sim_folder_check(const char *dir, bool force, sim_error *err);

/* Claims dir for the experiment `name`: the checks above, then creates it
   (with its parents) when missing, locks it, writes the marker when it has
   none and the pid into the lock file. Held until released. 0, or -1 with
   err (RUNTIME "in use by another marketsim (pid N)" when locked). */
int sim_folder_claim(const char *dir, const char *name, bool force,
		     sim_folder *claim, sim_error *err);

/* Unlocks and forgets the claim; the marker and lock file stay. A claim
   that holds nothing is allowed. */
void sim_folder_release(sim_folder *claim);

/* Releases a claim whose run left nothing behind, first removing what the
   claim itself wrote: the marker, the lock file, the folder (only when
   this claim created it and it is empty again). */
void sim_folder_abandon(sim_folder *claim);

#endif
