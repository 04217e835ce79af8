#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logline.h"
#include "unit.h"
#include "unit_util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MAX  LOGLINE_MAX

/*
 * Linked with --wrap=realloc: the framer's realloc, failing on demand
 * (the test itself grows its arrays with malloc).
 */
void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);

static int realloc_fails; /* 1: every call fails; n > 1: one in n */
static uint32_t fail_state = 1;

void *__wrap_realloc(void *p, size_t n)
{
	if (realloc_fails == 1)
		return NULL;
	if (realloc_fails > 1) {
		fail_state = fail_state * 1103515245 + 12345;
		if ((fail_state >> 16) % (uint32_t)realloc_fails == 0)
			return NULL;
	}
	return __real_realloc(p, n);
}

/* ---- what the callback saw ---- */

struct piece {
	char *msg;
	size_t len;
	int flags;
};

struct seen {
	struct piece *p;
	size_t n, cap;
	/* the data last fed, to tell copies from pointers into it */
	const char *data;
	size_t data_len;
	size_t inside; /* pieces that pointed into data */
};

static void seen_add(struct seen *s, const char *msg, size_t len, int flags)
{
	struct piece *p;

	if (s->n == s->cap) {
		s->cap = s->cap > 0 ? s->cap * 2 : 16;
		p = malloc(s->cap * sizeof(*s->p));
		CK(p != NULL);
		if (s->n > 0)
			memcpy(p, s->p, s->n * sizeof(*s->p));
		free(s->p);
		s->p = p;
	}
	s->p[s->n].msg = malloc(len > 0 ? len : 1);
	CK(s->p[s->n].msg != NULL);
	memcpy(s->p[s->n].msg, msg, len);
	s->p[s->n].len = len;
	s->p[s->n].flags = flags;
	s->n++;
}

static void seen_free(struct seen *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->p[i].msg);
	free(s->p);
	memset(s, 0, sizeof(*s));
}

static void cb(void *ctx, const char *msg, size_t len, int flags)
{
	struct seen *s = ctx;

	CK(msg != NULL);
	CK(len <= MAX);
	CK((flags & ~(LOGLINE_CONT | LOGLINE_MORE)) == 0);
	if (s->data != NULL && msg >= s->data &&
	    msg + len <= s->data + s->data_len)
		s->inside++;
	seen_add(s, msg, len, flags);
}

/* Feeds data through an exact heap copy (the sanitizer sees overreads). */
static void feed(struct logline *f, struct seen *s, const char *data, size_t n)
{
	char *p = malloc(n > 0 ? n : 1);

	CK(p != NULL);
	memcpy(p, data, n);
	s->data = p;
	s->data_len = n;
	logline_feed(f, p, n, cb, s);
	s->data = NULL;
	free(p);
}

static void expect_same(const struct seen *got, const struct seen *want,
			const char *what)
{
	size_t i;

	if (got->n != want->n)
		ck_abort_msg("%s: %zu pieces, want %zu", what, got->n, want->n);
	for (i = 0; i < got->n; i++) {
		if (got->p[i].len != want->p[i].len ||
		    got->p[i].flags != want->p[i].flags ||
		    memcmp(got->p[i].msg, want->p[i].msg, got->p[i].len) != 0)
			ck_abort_msg("%s: piece %zu: len %zu flags %d, "
				     "want len %zu flags %d (or other bytes)",
				     what, i, got->p[i].len, got->p[i].flags,
				     want->p[i].len, want->p[i].flags);
	}
}

/* Expects one piece of len bytes, all c, with flags. */
static void expect_piece(const struct seen *s, size_t i, char c, size_t len,
			 int flags)
{
	size_t k = 0;

	ck_assert_uint_lt(i, s->n);
	ck_assert_uint_eq(s->p[i].len, len);
	ck_assert_int_eq(s->p[i].flags, flags);
	while (k < len && s->p[i].msg[k] == c)
		k++;
	ck_assert_uint_eq(k, len);
}

static void expect_str(const struct seen *s, size_t i, const char *str,
		       int flags)
{
	ck_assert_uint_lt(i, s->n);
	ck_assert_uint_eq(s->p[i].len, strlen(str));
	ck_assert(memcmp(s->p[i].msg, str, s->p[i].len) == 0);
	ck_assert_int_eq(s->p[i].flags, flags);
}

/*
 * The framer by definition, a byte at a time: a newline ends the line; a
 * byte that finds LOGLINE_MAX bytes held sends them as a piece first.
 */
static void reference(const char *data, size_t n, struct seen *out)
{
	char *line = malloc(MAX);
	size_t len = 0, i;
	int cont = 0;

	CK(line != NULL);
	for (i = 0; i < n; i++) {
		if (data[i] == '\n') {
			seen_add(out, line, len, cont ? LOGLINE_CONT : 0);
			len = 0;
			cont = 0;
			continue;
		}
		if (len == MAX) {
			seen_add(out, line, len,
				 (cont ? LOGLINE_CONT : 0) | LOGLINE_MORE);
			len = 0;
			cont = 1;
		}
		line[len++] = data[i];
	}
	if (len > 0 || cont)
		seen_add(out, line, len, cont ? LOGLINE_CONT : 0);
	free(line);
}

/*
 * Feeds data in chunks cut at cuts[0..ncuts) (ascending), flushes, checks
 * the result.
 */
static void check_cut(const char *data, size_t n, const size_t *cuts,
		      size_t ncuts, const struct seen *want)
{
	struct logline f;
	struct seen got = { 0 };
	size_t at = 0, i;
	char what[64];

	logline_init(&f);
	for (i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : n;

		feed(&f, &got, data + at, to - at);
		at = to;
		CK(logline_pending(&f) <= MAX);
	}
	logline_flush(&f, cb, &got);
	CK(f.buf == NULL);
	CK(logline_pending(&f) == 0);
	snprintf(what, sizeof(what), "cuts %zu %zu", ncuts > 0 ? cuts[0] : 0,
		 ncuts > 1 ? cuts[1] : 0);
	expect_same(&got, want, what);
	seen_free(&got);
}

/* ---- logline_init / logline_free ---- */

START_TEST(test_init)
{
	struct logline f;

	memset(&f, 0x5a, sizeof(f));
	logline_init(&f);
	ck_assert_ptr_null(f.buf);
	ck_assert_uint_eq(f.len, 0);
	ck_assert_uint_eq(f.cap, 0);
	ck_assert_int_eq(f.cont, 0);
	ck_assert_uint_eq(logline_pending(&f), 0);
}
END_TEST

START_TEST(test_free)
{
	struct logline f;
	struct seen s = { 0 };

	logline_init(&f);
	feed(&f, &s, "partial", 7);
	ck_assert_ptr_nonnull(f.buf);
	logline_free(&f);
	ck_assert_ptr_null(f.buf);
	ck_assert_uint_eq(logline_pending(&f), 0);
	logline_free(&f); /* twice is fine */
	ck_assert_uint_eq(s.n, 0);
	seen_free(&s);
}
END_TEST

/* ---- logline_feed ---- */

START_TEST(test_lines)
{
	static const char text[] = "one\ntwo\r\n\n\nthree \t\n";
	struct logline f;
	struct seen s = { 0 };

	logline_init(&f);
	feed(&f, &s, text, sizeof(text) - 1);
	ck_assert_uint_eq(s.n, 5);
	expect_str(&s, 0, "one", 0);
	expect_str(&s, 1, "two\r", 0); /* \r is a byte like any other */
	expect_str(&s, 2, "", 0);
	expect_str(&s, 3, "", 0);
	expect_str(&s, 4, "three \t", 0);
	/* whole lines: no copy, and no buffer */
	ck_assert_uint_eq(s.inside, 5);
	ck_assert_ptr_null(f.buf);
	ck_assert_uint_eq(logline_pending(&f), 0);
	logline_flush(&f, cb, &s);
	ck_assert_uint_eq(s.n, 5);
	seen_free(&s);
}
END_TEST

START_TEST(test_nul_bytes)
{
	struct logline f;
	struct seen s = { 0 };

	logline_init(&f);
	feed(&f, &s, "a\0b\n\0\n", 6);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_uint_eq(s.p[0].len, 3);
	ck_assert(memcmp(s.p[0].msg, "a\0b", 3) == 0);
	ck_assert_uint_eq(s.p[1].len, 1);
	ck_assert_int_eq(s.p[1].msg[0], '\0');
	logline_free(&f);
	seen_free(&s);
}
END_TEST

START_TEST(test_empty_feed)
{
	struct logline f;
	struct seen s = { 0 };

	logline_init(&f);
	logline_feed(&f, NULL, 0, cb, &s);
	feed(&f, &s, "ab", 2);
	feed(&f, &s, "", 0);
	ck_assert_uint_eq(logline_pending(&f), 2);
	feed(&f, &s, "\n", 1);
	ck_assert_uint_eq(s.n, 1);
	expect_str(&s, 0, "ab", 0);
	ck_assert_uint_eq(logline_pending(&f), 0);
	logline_free(&f);
	seen_free(&s);
}
END_TEST

START_TEST(test_partial)
{
	struct logline f;
	struct seen s = { 0 };

	logline_init(&f);
	feed(&f, &s, "ab", 2);
	feed(&f, &s, "c", 1);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_uint_eq(logline_pending(&f), 3);
	feed(&f, &s, "d\nef", 4);
	ck_assert_uint_eq(s.n, 1);
	expect_str(&s, 0, "abcd", 0);
	ck_assert_uint_eq(logline_pending(&f), 2);
	feed(&f, &s, "\ng\n", 3);
	ck_assert_uint_eq(s.n, 3);
	expect_str(&s, 1, "ef", 0);
	expect_str(&s, 2, "g", 0);
	ck_assert_uint_eq(s.inside, 1); /* "g": the others were held */
	logline_free(&f);
	seen_free(&s);
}
END_TEST

/* A string of n bytes of c, and then tail. */
static char *run_of(char c, size_t n, const char *tail, size_t *len)
{
	size_t k = strlen(tail);
	char *p = malloc(n + k + 1);

	ck_assert_ptr_nonnull(p);
	memset(p, c, n);
	memcpy(p + n, tail, k + 1);
	*len = n + k;
	return p;
}

START_TEST(test_exactly_max)
{
	struct logline f;
	struct seen s = { 0 };
	size_t len;
	char *p = run_of('x', MAX, "\n", &len);

	logline_init(&f);
	feed(&f, &s, p, len);
	ck_assert_uint_eq(s.n, 1);
	expect_piece(&s, 0, 'x', MAX, 0);
	seen_free(&s);

	/* the same with the newline in the next read */
	feed(&f, &s, p, MAX);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_uint_eq(logline_pending(&f), MAX);
	feed(&f, &s, "\n", 1);
	ck_assert_uint_eq(s.n, 1);
	expect_piece(&s, 0, 'x', MAX, 0);
	ck_assert_uint_eq(logline_pending(&f), 0);
	ck_assert_ptr_null(f.buf);
	seen_free(&s);

	/* and without a newline at all: a line at the end */
	feed(&f, &s, p, MAX);
	logline_flush(&f, cb, &s);
	ck_assert_uint_eq(s.n, 1);
	expect_piece(&s, 0, 'x', MAX, 0);
	seen_free(&s);
	free(p);
}
END_TEST

START_TEST(test_max_plus_one)
{
	struct logline f;
	struct seen s = { 0 };
	size_t len;
	char *p = run_of('y', MAX, "z\n", &len);

	logline_init(&f);
	feed(&f, &s, p, len);
	ck_assert_uint_eq(s.n, 2);
	expect_piece(&s, 0, 'y', MAX, LOGLINE_MORE);
	expect_piece(&s, 1, 'z', 1, LOGLINE_CONT);
	ck_assert_uint_eq(s.inside, 2);
	seen_free(&s);

	/* cut right after the full piece: it waits for the next byte */
	feed(&f, &s, p, MAX);
	ck_assert_uint_eq(s.n, 0);
	feed(&f, &s, "z", 1);
	ck_assert_uint_eq(s.n, 1);
	expect_piece(&s, 0, 'y', MAX, LOGLINE_MORE);
	ck_assert_uint_eq(logline_pending(&f), 1);
	feed(&f, &s, "\nnext\n", 6);
	ck_assert_uint_eq(s.n, 3);
	expect_piece(&s, 1, 'z', 1, LOGLINE_CONT);
	expect_str(&s, 2, "next", 0);
	seen_free(&s);

	/* no newline: flush ends the line */
	feed(&f, &s, p, MAX + 1);
	ck_assert_uint_eq(s.n, 1);
	expect_piece(&s, 0, 'y', MAX, LOGLINE_MORE);
	logline_flush(&f, cb, &s);
	ck_assert_uint_eq(s.n, 2);
	expect_piece(&s, 1, 'z', 1, LOGLINE_CONT);
	seen_free(&s);
	free(p);
}
END_TEST

START_TEST(test_three_and_a_half)
{
	struct logline f;
	struct seen s = { 0 };
	size_t len, at, step;
	char *p = run_of('w', 3 * MAX + MAX / 2, "\n", &len);

	for (step = 1; step <= len; step = step * 3 + 1) {
		logline_init(&f);
		for (at = 0; at < len; at += step)
			feed(&f, &s, p + at,
			     at + step <= len ? step : len - at);
		logline_flush(&f, cb, &s);
		ck_assert_uint_eq(s.n, 4);
		expect_piece(&s, 0, 'w', MAX, LOGLINE_MORE);
		expect_piece(&s, 1, 'w', MAX, LOGLINE_CONT | LOGLINE_MORE);
		expect_piece(&s, 2, 'w', MAX, LOGLINE_CONT | LOGLINE_MORE);
		expect_piece(&s, 3, 'w', MAX / 2, LOGLINE_CONT);
		ck_assert_ptr_null(f.buf);
		seen_free(&s);
	}
	free(p);

	/* three whole pieces: the last one ends the line */
	p = run_of('v', 3 * MAX, "\n", &len);
	logline_init(&f);
	feed(&f, &s, p, len);
	ck_assert_uint_eq(s.n, 3);
	expect_piece(&s, 0, 'v', MAX, LOGLINE_MORE);
	expect_piece(&s, 1, 'v', MAX, LOGLINE_CONT | LOGLINE_MORE);
	expect_piece(&s, 2, 'v', MAX, LOGLINE_CONT);
	ck_assert_uint_eq(s.inside, 3);
	logline_free(&f);
	seen_free(&s);
	free(p);
}
END_TEST

/* Cuts around the piece boundaries of a long line and its neighbours. */
START_TEST(test_piece_cuts)
{
	struct seen want = { 0 };
	size_t len, i, j, k, a, b;
	char *p = malloc(2 * MAX + 64);
	/* offsets around which to cut */
	size_t marks[] = { 0, 3, MAX + 3, 2 * MAX + 3, 2 * MAX + 4, 0 };

	ck_assert_ptr_nonnull(p);
	memcpy(p, "ab\n", 3);
	for (i = 0; i < 2 * MAX + 1; i++)
		p[3 + i] = (char)('a' + i % 26);
	len = 3 + 2 * MAX + 1;
	memcpy(p + len, "\nxy\n\nz", 6);
	len += 6;
	marks[N(marks) - 1] = len;
	reference(p, len, &want);
	ck_assert_uint_eq(want.n, 7);
	ck_assert_int_eq(want.p[1].flags, LOGLINE_MORE);
	ck_assert_int_eq(want.p[2].flags, LOGLINE_CONT | LOGLINE_MORE);
	ck_assert_int_eq(want.p[3].flags, LOGLINE_CONT);
	ck_assert_uint_eq(want.p[3].len, 1);

	for (i = 0; i < N(marks); i++) {
		for (j = 0; j < N(marks); j++) {
			for (k = 0; k < 25; k++) {
				size_t cuts[2];

				a = marks[i] + k % 5;
				b = marks[j] + k / 5;
				a = a >= 2 ? a - 2 : 0;
				b = b >= 2 ? b - 2 : 0;
				if (a > len)
					a = len;
				if (b > len)
					b = len;
				cuts[0] = a < b ? a : b;
				cuts[1] = a < b ? b : a;
				check_cut(p, len, cuts, 1, &want);
				check_cut(p, len, cuts, 2, &want);
			}
		}
	}
	seen_free(&want);
	free(p);
}
END_TEST

/* Every way to cut a text in two and in three reads. */
START_TEST(test_every_cut)
{
	static const char text[] =
		"first line\n\nsecond\r\n\n\rthird, with no end";
	size_t n = sizeof(text) - 1, i, j;
	struct seen want = { 0 }, once = { 0 };
	struct logline f;

	reference(text, n, &want);
	ck_assert_uint_eq(want.n, 5);
	/* at once */
	logline_init(&f);
	feed(&f, &once, text, n);
	logline_flush(&f, cb, &once);
	expect_same(&once, &want, "at once");
	for (i = 0; i <= n; i++) {
		size_t cuts[2] = { i, 0 };

		check_cut(text, n, cuts, 1, &once);
		for (j = i; j <= n; j++) {
			cuts[1] = j;
			check_cut(text, n, cuts, 2, &once);
		}
	}
	seen_free(&want);
	seen_free(&once);
}
END_TEST

START_TEST(test_buffer_given_back)
{
	struct logline f;
	struct seen s = { 0 };
	size_t len;
	char *p = run_of('q', 5000, "", &len);

	logline_init(&f);
	/* complete lines never need a buffer */
	feed(&f, &s, "a\nb\n", 4);
	ck_assert_ptr_null(f.buf);
	/* a long start of a line does, until the line is complete */
	feed(&f, &s, p, len);
	ck_assert_ptr_nonnull(f.buf);
	ck_assert_uint_ge(f.cap, 5000);
	ck_assert_uint_le(f.cap, MAX);
	feed(&f, &s, p, 100);
	feed(&f, &s, "end\n", 4);
	ck_assert_ptr_null(f.buf);
	ck_assert_uint_eq(f.cap, 0);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_uint_eq(s.p[2].len, 5103);
	/* a short start gets a small buffer */
	feed(&f, &s, "abc", 3);
	ck_assert_uint_le(f.cap, 256);
	feed(&f, &s, "\n", 1);
	ck_assert_uint_le(f.cap, 256);
	/* and a long line's pieces leave none behind either */
	free(p);
	p = run_of('r', 2 * MAX + 10, "", &len);
	feed(&f, &s, p, len);
	ck_assert_uint_eq(logline_pending(&f), 10);
	feed(&f, &s, "\n", 1);
	ck_assert_uint_le(f.cap, 256);
	/* flush leaves nothing */
	feed(&f, &s, "x", 1);
	logline_flush(&f, cb, &s);
	ck_assert_ptr_null(f.buf);
	ck_assert_uint_eq(f.cap, 0);
	seen_free(&s);
	free(p);
}
END_TEST

/* ---- logline_flush ---- */

START_TEST(test_flush)
{
	struct logline f;
	struct seen s = { 0 };

	logline_init(&f);
	logline_flush(&f, cb, &s); /* nothing held: nothing sent */
	ck_assert_uint_eq(s.n, 0);
	feed(&f, &s, "a\nno end", 8);
	logline_flush(&f, cb, &s);
	ck_assert_uint_eq(s.n, 2);
	expect_str(&s, 1, "no end", 0);
	logline_flush(&f, cb, &s); /* once only */
	ck_assert_uint_eq(s.n, 2);
	/* usable again after a flush */
	feed(&f, &s, "x\n", 2);
	ck_assert_uint_eq(s.n, 3);
	expect_str(&s, 2, "x", 0);
	ck_assert_int_eq(f.cont, 0);
	logline_free(&f);
	seen_free(&s);
}
END_TEST

/* ---- out of memory ---- */

/*
 * The lines that pieces make, joined: a line is its pieces up to the one
 * without LOGLINE_MORE. Checks that a piece continues (LOGLINE_CONT) just
 * when the one before said more would follow. Returns the bytes, each
 * line ended by '\n', in a string of *len bytes.
 */
static char *joined(const struct seen *s, size_t *len)
{
	size_t i, n = 0;
	char *out;
	int more = 0;

	for (i = 0; i < s->n; i++)
		n += s->p[i].len + 1;
	out = malloc(n + 1);
	CK(out != NULL);
	n = 0;
	for (i = 0; i < s->n; i++) {
		if (((s->p[i].flags & LOGLINE_CONT) != 0) != more)
			ck_abort_msg("piece %zu: flags %d after more=%d", i,
				     s->p[i].flags, more);
		memcpy(out + n, s->p[i].msg, s->p[i].len);
		n += s->p[i].len;
		more = (s->p[i].flags & LOGLINE_MORE) != 0;
		if (!more)
			out[n++] = '\n';
	}
	CK(!more);
	*len = n;
	return out;
}

START_TEST(test_oom)
{
	struct logline f;
	struct seen s = { 0 };
	size_t len;
	char *p = run_of('y', 300, "", &len), *j;

	/* no buffer at all: the bytes go out as pieces */
	logline_init(&f);
	realloc_fails = 1;
	feed(&f, &s, "abc", 3);
	ck_assert_uint_eq(s.n, 1);
	expect_str(&s, 0, "abc", LOGLINE_MORE);
	ck_assert_uint_eq(logline_pending(&f), 0);
	feed(&f, &s, "def\nx", 5);
	ck_assert_uint_eq(s.n, 3);
	expect_str(&s, 1, "def", LOGLINE_CONT);
	expect_str(&s, 2, "x", LOGLINE_MORE);
	feed(&f, &s, "\n", 1); /* the line ends: an empty last piece */
	ck_assert_uint_eq(s.n, 4);
	expect_str(&s, 3, "", LOGLINE_CONT);
	feed(&f, &s, "y", 1);
	logline_flush(&f, cb, &s);
	ck_assert_uint_eq(s.n, 6);
	expect_str(&s, 4, "y", LOGLINE_MORE);
	expect_str(&s, 5, "", LOGLINE_CONT);
	seen_free(&s);

	/* a small buffer that cannot grow: what it holds goes first */
	realloc_fails = 0;
	feed(&f, &s, "abc", 3);
	ck_assert_uint_eq(f.cap, 256);
	realloc_fails = 1;
	feed(&f, &s, p, len);
	ck_assert_uint_eq(s.n, 2);
	expect_str(&s, 0, "abc", LOGLINE_MORE);
	expect_piece(&s, 1, 'y', 300, LOGLINE_CONT | LOGLINE_MORE);
	feed(&f, &s, "ab", 2); /* fits in the buffer */
	ck_assert_uint_eq(logline_pending(&f), 2);
	feed(&f, &s, p, len);
	feed(&f, &s, "z\n", 2);
	realloc_fails = 0;
	j = joined(&s, &len);
	ck_assert_uint_eq(len, 3 + 300 + 2 + 300 + 2);
	ck_assert(memcmp(j, "abc", 3) == 0);
	ck_assert(memcmp(j + 303, "ab", 2) == 0);
	ck_assert(memcmp(j + 605, "z\n", 2) == 0);
	free(j);
	logline_free(&f);
	seen_free(&s);
	free(p);
}
END_TEST

/* ---- random input ---- */

/* Random text: short lines, runs near LOGLINE_MAX, empty lines. */
static size_t random_text(char *p, size_t max)
{
	size_t n = 0, k;

	while (n < max && rnd() % 16 != 0) {
		uint32_t r = rnd();

		switch (r % 5) {
		case 0: /* a long run */
			k = MAX - 3 + rnd() % 7;
			k = rnd() % 4 == 0 ? k * (1 + rnd() % 3) : k;
			break;
		case 1:
			k = 0;
			break;
		default:
			k = rnd() % 80;
			break;
		}
		if (k > max - n)
			k = max - n;
		memset(p + n, 'a' + (char)(r % 26), k);
		if (k > 0 && r % 3 == 0)
			p[n + rnd() % k] = '\r';
		n += k;
		if (n < max && rnd() % 8 != 0)
			p[n++] = '\n';
	}
	return n;
}

START_TEST(test_random)
{
	size_t max = 4 * MAX + 100, n, i, ncuts, cuts[16];
	char *p = malloc(max);
	struct seen want = { 0 };
	int iter, long_lines = 0;

	ck_assert_ptr_nonnull(p);
	rnd_seed(0x9e3779b9);
	for (iter = 0; iter < 3000; iter++) {
		n = random_text(p, max);
		reference(p, n, &want);
		for (i = 0; i < want.n; i++)
			long_lines += (want.p[i].flags & LOGLINE_MORE) != 0;
		/* random reads, often small, sometimes across pieces */
		ncuts = rnd() % N(cuts);
		for (i = 0; i < ncuts; i++)
			cuts[i] = n > 0 ? rnd() % (n + 1) : 0;
		for (i = 1; i < ncuts; i++) {
			size_t j = i, c = cuts[i];

			while (j > 0 && cuts[j - 1] > c) {
				cuts[j] = cuts[j - 1];
				j--;
			}
			cuts[j] = c;
		}
		check_cut(p, n, cuts, ncuts, &want);
		seen_free(&want);
	}
	ck_assert_int_gt(long_lines, 100);
	free(p);
}
END_TEST

/* Memory that fails now and then: the same lines, never a byte lost. */
START_TEST(test_random_oom)
{
	size_t max = 3 * MAX, n, i, at, jn, wn;
	char *p = malloc(max), *j, *w;
	struct seen want = { 0 }, got = { 0 };
	struct logline f;
	int iter;

	ck_assert_ptr_nonnull(p);
	rnd_seed(0x51ed270b);
	for (iter = 0; iter < 2000; iter++) {
		n = random_text(p, max);
		reference(p, n, &want);
		logline_init(&f);
		realloc_fails = 2 + (int)(rnd() % 4);
		for (at = 0; at < n; at += i) {
			i = 1 + rnd() % (rnd() % 2 ? 50 : 3 * MAX);
			if (i > n - at)
				i = n - at;
			feed(&f, &got, p + at, i);
		}
		logline_flush(&f, cb, &got);
		realloc_fails = 0;
		j = joined(&got, &jn);
		w = joined(&want, &wn);
		ck_assert_uint_eq(jn, wn);
		CK(memcmp(j, w, jn) == 0);
		free(j);
		free(w);
		seen_free(&got);
		seen_free(&want);
	}
	free(p);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("logline");
	TCase *tc;

	tcase_add_test(unit_tcase(s, "logline_init"), test_init);
	tcase_add_test(unit_tcase(s, "logline_free"), test_free);
	tc = unit_tcase(s, "logline_feed");
	tcase_add_test(tc, test_lines);
	tcase_add_test(tc, test_nul_bytes);
	tcase_add_test(tc, test_empty_feed);
	tcase_add_test(tc, test_partial);
	tcase_add_test(tc, test_exactly_max);
	tcase_add_test(tc, test_max_plus_one);
	tcase_add_test(tc, test_three_and_a_half);
	tcase_add_test(tc, test_piece_cuts);
	tcase_add_test(tc, test_every_cut);
	tcase_add_test(tc, test_buffer_given_back);
	tcase_add_test(tc, test_random);
	tcase_add_test(tc, test_oom);
	tcase_add_test(tc, test_random_oom);
	tcase_add_test(unit_tcase(s, "logline_flush"), test_flush);
	return s;
}
