/*
 * What every fuzz harness shares. Each fuzz_*.c defines
 * LLVMFuzzerTestOneInput: libFuzzer calls it in a clang build (meson
 * -Dfuzz=true, see scripts/fuzz); replay.c calls it for each file of a
 * corpus in every other build, so the seeds and the regression inputs run
 * with the unit tests too. check_logfmt.c (a unit test) takes its UTF-8
 * oracle from here as well.
 */
#ifndef TEND_FUZZ_H
#define TEND_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A property the code under test promised does not hold: abort, which
 * libFuzzer keeps as a crash with its input. Kept in release builds (no
 * NDEBUG games): the replay is a test.
 */
#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
			abort();                                               \
		}                                                              \
	} while (0)

/*
 * The next part of an input cut at NUL bytes: [*p, NUL or end) as a fresh
 * NUL-terminated copy (free it), *p moved past the NUL. At the end: "".
 */
static inline char *fuzz_part(const uint8_t **p, const uint8_t *end,
			      size_t *len)
{
	const uint8_t *s = *p, *nul = s;
	char *out;
	size_t n;

	while (nul < end && *nul != '\0')
		nul++;
	n = (size_t)(nul - s);
	out = malloc(n + 1);
	if (out == NULL)
		abort();
	if (n > 0)
		memcpy(out, s, n);
	out[n] = '\0';
	*p = nul < end ? nul + 1 : end;
	if (len != NULL)
		*len = n;
	return out;
}

/*
 * Bytes of the UTF-8 character at s (n >= 1 left), 0 when it is not one
 * (RFC 3629: no overlong form, no surrogate, nothing past U+10FFFF).
 */
static inline size_t fuzz_utf8_char(const unsigned char *s, size_t n)
{
	unsigned cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc0 && s[0] < 0xe0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] < 0xf0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] < 0xf8) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* 1 when the n bytes at s are valid UTF-8. */
static inline int fuzz_utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, k;

	for (i = 0; i < n; i += k)
		if ((k = fuzz_utf8_char(u + i, n - i)) == 0)
			return 0;
	return 1;
}

#endif
