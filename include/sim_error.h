/*
 * sim_error.h - how every layer of marketsim reports a failure.
 *
 * Library code never prints and never exits: a function that can fail
 * returns 0 on success or -1 on failure and fills a caller-owned sim_error
 * with where it happened (file, line, setting path) and why. Only the CLI
 * prints it, as "marketsim: file:line: path: message", and chooses the exit
 * status from its kind.
 */
#ifndef SIM_ERROR_H
#define SIM_ERROR_H

#include <stdio.h>

/* What kind of failure; the CLI maps it to an exit status. */
typedef enum sim_error_kind {
	SIM_ERROR_NONE = 0,
	SIM_ERROR_CONFIG,  /* bad config or bad usage: exit 2 */
	SIM_ERROR_RUNTIME, /* I/O or numeric failure while running: exit 1 */
} sim_error_kind;

/* Exit statuses of the marketsim program (documented in README.md). */
enum {
	SIM_EXIT_OK = 0,
	SIM_EXIT_RUNTIME = 1,
	SIM_EXIT_USAGE = 2,
};

typedef struct sim_error {
	sim_error_kind kind;
	char file[512];     /* "" when not about a file */
	int line;           /* 0 when unknown */
	char path[256];     /* setting path such as "phold.lps"; "" when none */
	char message[1024]; /* what was expected, what was found */
} sim_error;

/* Clears *err to "no error". */
void sim_error_clear(sim_error *err);

/* Fills *err (which may be NULL: then nothing happens) and returns -1, so
 * callers can write `return sim_error_set(err, ...);`. file and path may
 * be NULL. */
int sim_error_set(sim_error *err, sim_error_kind kind, const char *file,
		  int line, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Writes "file:line: path: message" (omitting empty parts) into buf. */
void sim_error_format(const sim_error *err, char *buf, size_t size);

/* Prints "marketsim: <formatted error>\n" to f. */
void sim_error_print(const sim_error *err, FILE *f);

/* The process exit status for err's kind (2 for config/usage, 1 else). */
int sim_error_exit_status(const sim_error *err);

#endif
