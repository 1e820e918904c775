/* checksum.c - CRC-64/XZ (see checksum.h). */
#include "checksum.h"

#include <stdbool.h>

/* The reflected ECMA-182 polynomial. */
#define POLY 0xC96C5795D7870F42ULL

/* The byte-at-a-time table, built at the first use (the program runs
   one thread per process). */
static uint64_t table[256];
static bool table_built;

static void build_table(void)
{
	if (table_built)
		return;
	for (unsigned i = 0; i < 256; i++) {
		uint64_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
		table[i] = c;
	}
	table_built = true;
}

uint64_t sim_crc64_begin(void)
{
	build_table();
	return ~0ULL;
}

uint64_t sim_crc64_update(uint64_t crc, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		crc = table[(crc ^ b[i]) & 0xff] ^ (crc >> 8);
	return crc;
}

uint64_t sim_crc64_end(uint64_t crc)
{
	return ~crc;
}

uint64_t sim_crc64(const void *p, size_t n)
{
	return sim_crc64_end(sim_crc64_update(sim_crc64_begin(), p, n));
}

int sim_crc64_stream(FILE *f, uint64_t *crc)
{
	unsigned char buf[65536];
	uint64_t c = sim_crc64_begin();
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		c = sim_crc64_update(c, buf, n);
	if (ferror(f))
		return -1;
	*crc = sim_crc64_end(c);
	return 0;
}

void sim_crc64_text(uint64_t crc, char buf[17])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 15; i >= 0; i--) {
		buf[i] = hex[crc & 0xf];
		crc >>= 4;
	}
	buf[16] = '\0';
}
