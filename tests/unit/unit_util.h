/*
 * Helpers shared by unit tests: a fresh directory per test, files in it; a
 * quiet check and a repeatable random sequence for the many-input tests.
 */
#ifndef TEND_UNIT_UTIL_H
#define TEND_UNIT_UTIL_H

#include <check.h>
#include <stdint.h>

/* A new TCase, already added to s. */
TCase *unit_tcase(Suite *s, const char *name);

/* The same, each of its tests run in a fresh directory (removed after). */
TCase *unit_tcase_tmpdir(Suite *s, const char *name);

/* The test's directory; tmp_path("a/b") is "DIR/a/b" (a ring of buffers). */
const char *tmp_dir(void);
const char *tmp_path(const char *name);

/* Writes text to DIR/name (creating or truncating it); returns its path. */
const char *tmp_put(const char *name, const char *text);

/* Creates the directory DIR/name; returns its path. */
const char *tmp_mkdir(const char *name);

/* got (a NULL-terminated vector) holds exactly the strings of want. */
void expect_strv(char *const *got, const char *const *want);

/*
 * For the checks run many thousand times: ck_assert writes to a file each
 * time it passes, this only when it fails.
 */
#define CK(c)                                           \
	do {                                            \
		if (!(c))                               \
			ck_abort_msg("failed: %s", #c); \
	} while (0)

/*
 * A pseudo-random sequence (xorshift32), the same for the same seed: a
 * failing run can be run again. The seed must not be 0.
 */
void rnd_seed(uint32_t seed);
uint32_t rnd(void);

#endif
