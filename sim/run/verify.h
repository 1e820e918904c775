/*
 * verify.h - `marketsim verify DIR`: is a results folder what its
 * database says, and is the database what the model gives?
 *
 * Three checks, each printed as a line ("ok" or "FAILED"), then a
 * verdict:
 *   - checksums: every stored replication's rows read back and compared
 *     with the checksum committed with them (output/store.h);
 *   - outputs: the CSVs derived again from results.sqlite alone (as
 *     `marketsim plot` would) into a temporary folder and compared byte
 *     for byte with DIR's: every CSV of a run, or a sweep's sweep_*.csv
 *     and points/ pNNNN/ *.csv; a file missing from DIR, or one there that
 *     the database does not give, is a difference too;
 *   - reruns: a sample of replications run again from what the database
 *     stores (its resolved configuration, written to a temporary file,
 *     the model it names, the point's parameter values and the
 *     replication's index, hence its seed and streams) and their rows'
 *     checksum compared with the stored one, the first differing value
 *     named when they differ: the determinism check OMNeT++ calls
 *     fingerprints. The sample is spread over the stored replications
 *     (and so over a sweep's points).
 */
#ifndef SIM_RUN_VERIFY_H
#define SIM_RUN_VERIFY_H

#include <stdbool.h>
#include <stdio.h>

#include "sim_model.h"

/* What the checks found. */
typedef struct sim_verify_report {
	size_t checks;  /* lines printed as ok or FAILED */
	size_t failed;  /* of which FAILED */
} sim_verify_report;

/* Verifies DIR, rerunning `sample` replications (fewer when fewer are
   stored), printing a line per check and the verdict to out (with quiet,
   only the failed checks and, if any, the verdict). Returns 0 when the
   checks ran (report says what they found), -1 with err when they could
   not: kind CONFIG when DIR is not a results folder (no results.sqlite,
   no experiment recorded, or a model that stores no replications). */
int sim_verify_results(const sim_model_type *const *registry, const char *dir, size_t sample,
		       bool quiet, FILE *out, sim_verify_report *report, sim_error *err);

#endif
