/*
 * checksum.h - CRC-64/XZ, the checksum of results.sqlite's replications
 * and of the output tables a manifest lists (their fingerprints).
 *
 * CRC-64/XZ (also called CRC-64/GO-ECMA): the ECMA-182 polynomial
 * 0x42F0E1EBA9EA3693, reflected (0xC96C5795D7870F42), initial value and
 * final XOR all ones; "123456789" gives 0x995DC9BBDF1939FA. It is the
 * check `xz` stores in its files. A CRC finds every change of up to 64
 * consecutive bits and all but 2^-64 of the others: meant for damage and
 * edits, not for an adversary (who can recompute it).
 */
#ifndef SIM_OUTPUT_CHECKSUM_H
#define SIM_OUTPUT_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The CRC of n bytes at p. */
uint64_t sim_crc64(const void *p, size_t n);

/* Incremental: crc = sim_crc64_begin(); crc = sim_crc64_update(crc, ...)
   for each piece; sim_crc64_end(crc) is the CRC of the pieces joined. */
uint64_t sim_crc64_begin(void);
uint64_t sim_crc64_update(uint64_t crc, const void *p, size_t n);
uint64_t sim_crc64_end(uint64_t crc);

/* The CRC of the rest of stream f (read to its end): 0, or -1 on a read
   error (errno set). */
int sim_crc64_stream(FILE *f, uint64_t *crc);

/* The CRC as text: 16 lower-case hex digits, NUL-terminated. */
void sim_crc64_text(uint64_t crc, char buf[17]);

#endif
