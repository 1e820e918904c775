/*
 * validation.h - a validation result's files (the result itself:
 * include/sim_validation.h).
 */
#ifndef SIM_OUTPUT_VALIDATION_H
#define SIM_OUTPUT_VALIDATION_H

#include "sim_results.h"
#include "sim_validation.h"

/* The file names in a results directory. */
#define SIM_VALIDATION_TEXT "validation.txt"
#define SIM_VALIDATION_CSV "validation.csv"

/* Writes validation.txt (sim_validation_print) and validation.csv
   (sim_validation_write_csv) into out. 0, or -1 with err. */
int sim_validation_write_files(const sim_validation *v, sim_results *out, sim_error *err);

#endif
