/*
 * test_checksum.c - CRC-64/XZ (sim/output/checksum.c), the checksum of
 * results.sqlite's replications and of the manifest's fingerprints.
 *
 * Known answers: the catalogue's check value (reveng.sourceforge.io,
 * CRC-64/XZ: check = 0x995dc9bbdf1939fa for "123456789"), Go's
 * hash/crc64 golden values for its ECMA table (the same CRC), and what
 * `xz --check=crc64 | xz -lvv` reports for the same bytes.
 */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "output/checksum.h"

static const struct {
	const char *text;
	uint64_t crc;
} known[] = {
	{ "", 0x0000000000000000ULL },
	{ "123456789", 0x995dc9bbdf1939faULL },
	{ "a", 0x330284772e652b05ULL },
	{ "ab", 0xbc6573200e84b046ULL },
	{ "abc", 0x2cd8094a1a277627ULL },
	{ "The quick brown fox jumps over the lazy dog", 0x5b5eb8c2e54aa1c4ULL },
};

/* Ensure the published check values come out. */
static void test_known_answers(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		uint64_t got = sim_crc64(known[i].text, strlen(known[i].text));
		if (got != known[i].crc)
			fail_msg("crc64(\"%s\") = %016llx, expected %016llx", known[i].text,
				 (unsigned long long)got, (unsigned long long)known[i].crc);
	}
	char text[17];
	sim_crc64_text(0x995dc9bbdf1939faULL, text);
	assert_string_equal(text, "995dc9bbdf1939fa");
	sim_crc64_text(0x5ULL, text);
	assert_string_equal(text, "0000000000000005");
}

/* Ensure pieces give the CRC of the whole, and a stream the same. */
static void test_incremental_and_stream(void **unused)
{
	(void)unused;
	const char *s = known[5].text;
	size_t n = strlen(s);
	for (size_t cut = 0; cut <= n; cut++) {
		uint64_t c = sim_crc64_begin();
		c = sim_crc64_update(c, s, cut);
		c = sim_crc64_update(c, s + cut, n - cut);
		assert_true(sim_crc64_end(c) == known[5].crc);
	}
	FILE *f = tmpfile();
	assert_non_null(f);
	/* More than one read's worth (64 KiB), so the loop is exercised. */
	size_t big = 200000;
	unsigned char *buf = malloc(big);
	assert_non_null(buf);
	for (size_t i = 0; i < big; i++)
		buf[i] = (unsigned char)(i * 131 + (i >> 9));
	assert_int_equal(fwrite(buf, 1, big, f), big);
	rewind(f);
	uint64_t crc = 0;
	assert_int_equal(sim_crc64_stream(f, &crc), 0);
	assert_true(crc == sim_crc64(buf, big));
	fclose(f);
	free(buf);
}

/* Ensure every single flipped bit of a buffer changes the CRC (a CRC
   finds every burst of up to 64 bits). */
static void test_every_bit_flip_detected(void **unused)
{
	(void)unused;
	unsigned char buf[512];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	uint64_t base = sim_crc64(buf, sizeof buf);
	for (size_t bit = 0; bit < 8 * sizeof buf; bit++) {
		buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		if (sim_crc64(buf, sizeof buf) == base)
			fail_msg("flipping bit %zu went unnoticed", bit);
		buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	assert_true(sim_crc64(buf, sizeof buf) == base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_incremental_and_stream),
		cmocka_unit_test(test_every_bit_flip_detected),
	};
	return cmocka_run_group_tests_name("checksum", tests, NULL, NULL);
}
