#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logline.h"
#include "logring.h"
#include "unit.h"
#include "unit_util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MORE LOGLINE_MORE
#define CONT LOGLINE_CONT

/* ---- what logring_last gave ---- */

struct got_rec {
	int64_t ts;
	int stream, flags;
	char *msg;
	size_t len;
};

struct got {
	struct got_rec *r;
	size_t n, cap;
	const struct logring *ring;
	size_t copies; /* records passed from outside the ring's buffer */
};

static void collect(void *ctx, const struct logring_rec *rec)
{
	struct got *g = ctx;
	const unsigned char *m = (const unsigned char *)rec->msg;

	CK(rec->msg != NULL);
	if (g->ring != NULL &&
	    (m < g->ring->buf || m + rec->len > g->ring->buf + g->ring->cap))
		g->copies++;
	if (g->n == g->cap) {
		g->cap = g->cap > 0 ? g->cap * 2 : 16;
		g->r = realloc(g->r, g->cap * sizeof(*g->r));
		CK(g->r != NULL);
	}
	g->r[g->n].ts = rec->ts_ms;
	g->r[g->n].stream = rec->stream;
	g->r[g->n].flags = rec->flags;
	g->r[g->n].len = rec->len;
	g->r[g->n].msg = malloc(rec->len + 1);
	CK(g->r[g->n].msg != NULL);
	memcpy(g->r[g->n].msg, rec->msg, rec->len);
	g->r[g->n].msg[rec->len] = '\0';
	g->n++;
}

static void got_free(struct got *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->r[i].msg);
	free(g->r);
	memset(g, 0, sizeof(*g));
}

static void last(const struct logring *r, size_t n, struct got *g)
{
	memset(g, 0, sizeof(*g));
	g->ring = r;
	logring_last(r, n, collect, g);
}

/*
 * Lines of W bytes (a tag and dots) make the byte limit the one that
 * counts: their headers take less room than their bytes.
 */
#define W 100

/* The msgs of the last n lines joined with '|', each with its flags. */
static const char *last_str(const struct logring *r, size_t n)
{
	static char out[4096];
	struct got g;
	size_t i, at = 0;
	int k;

	last(r, n, &g);
	out[0] = '\0';
	for (i = 0; i < g.n; i++) {
		k = (int)strcspn(g.r[i].msg, ".");
		at += (size_t)snprintf(out + at, sizeof(out) - at,
				       "%s%s%s%.*s%s", i > 0 ? "|" : "",
				       g.r[i].stream ? "E:" : "",
				       g.r[i].flags & CONT ? "+" : "", k,
				       g.r[i].msg,
				       g.r[i].flags & MORE ? ">" : "");
		ck_assert_uint_lt(at, sizeof(out));
	}
	got_free(&g);
	return out;
}

/* The bytes of what the ring holds, counted from its records. */
static size_t held_bytes(const struct logring *r)
{
	struct got g;
	size_t i, n = 0;

	last(r, SIZE_MAX, &g);
	for (i = 0; i < g.n; i++)
		n += g.r[i].len + !(g.r[i].flags & MORE);
	CK(g.n == r->nrec);
	got_free(&g);
	return n;
}

/* Pushes tag, then dots up to width bytes. */
static void push_w(struct logring *r, int stream, int flags, const char *tag,
		   size_t width)
{
	char *msg = malloc(width + 1);
	size_t k = strlen(tag);

	CK(msg != NULL);
	CK(k <= width);
	memcpy(msg, tag, k);
	memset(msg + k, '.', width - k);
	CK(logring_push(r, 1000, stream, flags, msg, width) == 0);
	free(msg);
	if (r->nrec < 200) /* a walk of them all: not for the long runs */
		CK(r->bytes == held_bytes(r));
	CK(r->bytes <= r->limit);
}

static void push(struct logring *r, int stream, int flags, const char *tag)
{
	push_w(r, stream, flags, tag, W);
}

/* A short line: its header weighs more than its bytes. */
static void push_s(struct logring *r, int stream, int flags, const char *msg)
{
	push_w(r, stream, flags, msg, strlen(msg));
}

/* The bytes of a record header, measured. */
static size_t hdr_size(void)
{
	struct logring r;
	size_t n;

	logring_init(&r, 1000);
	push_s(&r, 0, 0, "");
	n = r.used;
	logring_free(&r);
	ck_assert_uint_ge(n, 8);
	ck_assert_uint_le(n, 32);
	return n;
}

/* ---- logring_init / logring_free ---- */

START_TEST(test_init_free)
{
	struct logring r;

	memset(&r, 0x5a, sizeof(r));
	logring_init(&r, 1000);
	ck_assert_ptr_null(r.buf);
	ck_assert_uint_eq(r.cap, 0);
	ck_assert_uint_eq(r.used, 0);
	ck_assert_uint_eq(r.bytes, 0);
	ck_assert_uint_eq(r.nrec, 0);
	ck_assert_uint_eq(r.nlines, 0);
	ck_assert_uint_eq(r.limit, 1000);
	ck_assert_str_eq(last_str(&r, 10), "");
	push(&r, 0, 0, "a");
	push(&r, 0, MORE, "b");
	ck_assert_ptr_nonnull(r.buf);
	logring_free(&r);
	ck_assert_ptr_null(r.buf);
	ck_assert_uint_eq(r.nrec, 0);
	ck_assert_uint_eq(r.limit, 1000);
	/* nothing left of the open line either */
	push(&r, 0, CONT, "c");
	ck_assert_str_eq(last_str(&r, 10), "+c");
	logring_free(&r);
	logring_free(&r);
}
END_TEST

/* ---- logring_push ---- */

START_TEST(test_push_lines)
{
	struct logring r;
	struct got g;

	logring_init(&r, 1000);
	ck_assert_int_eq(logring_push(&r, 5, 0, 0, "out", 3), 0);
	ck_assert_int_eq(logring_push(&r, 6, 1, 0, "err", 3), 0);
	ck_assert_int_eq(logring_push(&r, 7, 0, 0, NULL, 0), 0);
	ck_assert_int_eq(logring_push(&r, -8, 0, 0, "a\0b", 3), 0);
	ck_assert_uint_eq(r.nrec, 4);
	ck_assert_uint_eq(r.nlines, 4);
	ck_assert_uint_eq(r.bytes, 4 + 4 + 1 + 4);
	last(&r, 100, &g);
	ck_assert_uint_eq(g.n, 4);
	ck_assert_int_eq(g.r[0].ts, 5);
	ck_assert_int_eq(g.r[0].stream, 0);
	ck_assert_str_eq(g.r[0].msg, "out");
	ck_assert_int_eq(g.r[1].ts, 6);
	ck_assert_int_eq(g.r[1].stream, 1);
	ck_assert_str_eq(g.r[1].msg, "err");
	ck_assert_uint_eq(g.r[2].len, 0);
	ck_assert_int_eq(g.r[2].flags, 0);
	ck_assert_int_eq(g.r[3].ts, -8);
	ck_assert_uint_eq(g.r[3].len, 3);
	ck_assert(memcmp(g.r[3].msg, "a\0b", 3) == 0);
	got_free(&g);
	logring_free(&r);
}
END_TEST

START_TEST(test_evict_whole_lines)
{
	struct logring r;

	logring_init(&r, 4 * (W + 1));
	push(&r, 0, 0, "a");
	push(&r, 0, 0, "b");
	push(&r, 0, 0, "c");
	push(&r, 0, 0, "d");
	ck_assert_uint_eq(r.bytes, 4 * (W + 1));
	ck_assert_str_eq(last_str(&r, 10), "a|b|c|d");
	push(&r, 0, 0, "e");
	ck_assert_uint_eq(r.bytes, 4 * (W + 1));
	ck_assert_uint_eq(r.nlines, 4);
	ck_assert_str_eq(last_str(&r, 10), "b|c|d|e");
	/* a line of pieces comes and goes as a whole */
	logring_set_limit(&r, 5 * (W + 1));
	push(&r, 0, MORE, "p1");
	ck_assert_str_eq(last_str(&r, 10), "b|c|d|e|p1>");
	push(&r, 0, CONT, "p2");
	ck_assert_str_eq(last_str(&r, 10), "c|d|e|p1>|+p2");
	push(&r, 0, 0, "x");
	push(&r, 0, 0, "y");
	push(&r, 0, 0, "z");
	ck_assert_str_eq(last_str(&r, 10), "p1>|+p2|x|y|z");
	ck_assert_uint_eq(r.nlines, 4);
	ck_assert_uint_eq(r.nrec, 5);
	push(&r, 0, 0, "w");
	ck_assert_str_eq(last_str(&r, 10), "x|y|z|w");
	ck_assert_uint_eq(r.bytes, 4 * (W + 1));
	ck_assert_uint_eq(r.nrec, 4);
	ck_assert_uint_eq(r.nlines, 4);
	/* exactly the limit fits */
	push(&r, 0, 0, "v");
	ck_assert_uint_eq(r.bytes, 5 * (W + 1));
	ck_assert_str_eq(last_str(&r, 10), "x|y|z|w|v");
	logring_free(&r);
}
END_TEST

START_TEST(test_too_long)
{
	struct logring r;

	logring_init(&r, 3 * (W + 1));
	push(&r, 0, 0, "keep");
	/* one byte too many with its newline */
	push_w(&r, 0, 0, "long", 3 * (W + 1));
	ck_assert_str_eq(last_str(&r, 10), "keep");
	/* a first piece too long: the rest of its line goes too */
	push_w(&r, 0, MORE, "long", 3 * (W + 1) + 1);
	push(&r, 0, CONT | MORE, "a");
	push(&r, 0, CONT, "b");
	ck_assert_str_eq(last_str(&r, 10), "keep");
	push(&r, 0, 0, "next");
	ck_assert_str_eq(last_str(&r, 10), "keep|next");
	/* pieces that fit, a line that does not: none of it stays */
	push(&r, 0, MORE, "p");
	ck_assert_str_eq(last_str(&r, 10), "keep|next|p>");
	push(&r, 0, CONT | MORE, "q");
	ck_assert_str_eq(last_str(&r, 10), "next|p>|+q>");
	push(&r, 0, CONT | MORE, "r");
	ck_assert_str_eq(last_str(&r, 10), "p>|+q>|+r>");
	push(&r, 0, CONT | MORE, "s");
	ck_assert_str_eq(last_str(&r, 10), "");
	ck_assert_uint_eq(r.bytes, 0);
	ck_assert_uint_eq(r.nrec, 0);
	ck_assert_uint_eq(r.nlines, 0);
	ck_assert_ptr_null(r.buf); /* empty: no memory */
	push(&r, 0, CONT, "t");
	ck_assert_str_eq(last_str(&r, 10), "");
	push(&r, 0, 0, "after");
	ck_assert_str_eq(last_str(&r, 10), "after");
	logring_free(&r);

	/* a line too long on one stream leaves the other's alone */
	logring_init(&r, 3 * (W + 1));
	push(&r, 1, 0, "e1");
	push(&r, 0, MORE, "o1");
	push(&r, 1, 0, "e2");
	push_w(&r, 0, CONT, "o2", 2 * W + 3);
	ck_assert_str_eq(last_str(&r, 10), "E:e1|E:e2");
	ck_assert_uint_eq(r.bytes, 2 * (W + 1));
	ck_assert_uint_eq(r.nrec, 2);
	ck_assert_uint_eq(r.nlines, 2);
	push(&r, 0, CONT, "o3");
	ck_assert_str_eq(last_str(&r, 10), "E:e1|E:e2|+o3");
	logring_free(&r);
}
END_TEST

/* Both streams in one ring: pieces belong to their own stream's line. */
START_TEST(test_streams)
{
	struct logring r;

	logring_init(&r, 10000);
	push(&r, 0, MORE, "o1");
	push(&r, 1, 0, "e1");
	push(&r, 1, MORE, "e2");
	push(&r, 0, CONT | MORE, "o2");
	push(&r, 1, CONT, "e3");
	push(&r, 0, CONT, "o3");
	push(&r, 1, 0, "e4");
	ck_assert_uint_eq(r.nlines, 4);
	ck_assert_uint_eq(r.nrec, 7);
	ck_assert_uint_eq(r.bytes, 7 * W + 4);
	ck_assert_str_eq(last_str(&r, 10),
			 "o1>|E:e1|E:e2>|+o2>|E:+e3|+o3|E:e4");
	/* the last lines by their first pieces, each with all its pieces */
	ck_assert_str_eq(last_str(&r, 1), "E:e4");
	ck_assert_str_eq(last_str(&r, 2), "E:e2>|E:+e3|E:e4");
	ck_assert_str_eq(last_str(&r, 3), "E:e1|E:e2>|E:+e3|E:e4");
	ck_assert_str_eq(last_str(&r, 4), "o1>|E:e1|E:e2>|+o2>|E:+e3|+o3|E:e4");
	/* evicting the first line takes its later pieces from between */
	logring_set_limit(&r, 4 * W + 3);
	ck_assert_str_eq(last_str(&r, 10), "E:e1|E:e2>|E:+e3|E:e4");
	ck_assert_uint_eq(r.bytes, 4 * W + 3);
	ck_assert_uint_eq(r.nrec, 4);
	ck_assert_uint_eq(r.nlines, 3);
	push(&r, 0, 0, "o4");
	ck_assert_str_eq(last_str(&r, 10), "E:e2>|E:+e3|E:e4|o4");
	push(&r, 0, 0, "o5");
	push(&r, 1, 0, "e5");
	ck_assert_str_eq(last_str(&r, 10), "o4|o5|E:e5");
	ck_assert_uint_eq(r.nrec, 3);
	logring_free(&r);
}
END_TEST

/*
 * A ring of four lines, holding the start of a line "o" on stdout, then
 * the whole lines e1 to en on stderr.
 */
static void open_then_errs(struct logring *r, int n)
{
	char tag[16];
	int i;

	logring_init(r, 4 * (W + 1));
	push(r, 0, MORE, "o");
	for (i = 1; i <= n; i++) {
		snprintf(tag, sizeof(tag), "e%d", i);
		push(r, 1, 0, tag);
	}
}

/* The oldest line may be one still open: then its next pieces go too. */
START_TEST(test_evict_open_line)
{
	struct logring r;

	open_then_errs(&r, 4);
	ck_assert_str_eq(last_str(&r, 10), "E:e1|E:e2|E:e3|E:e4");
	push(&r, 0, CONT | MORE, "x");
	push(&r, 0, CONT, "y");
	ck_assert_str_eq(last_str(&r, 10), "E:e1|E:e2|E:e3|E:e4");
	push(&r, 0, 0, "z");
	ck_assert_str_eq(last_str(&r, 10), "E:e2|E:e3|E:e4|z");
	logring_free(&r);

	/* a piece of the oldest line that fits */
	open_then_errs(&r, 2);
	push(&r, 0, CONT, "p");
	ck_assert_str_eq(last_str(&r, 10), "o>|E:e1|E:e2|+p");
	logring_free(&r);
	/* and one that does not: oldest first, and it is the oldest */
	open_then_errs(&r, 3);
	push(&r, 0, CONT, "p");
	ck_assert_str_eq(last_str(&r, 10), "E:e1|E:e2|E:e3");
	logring_free(&r);
}
END_TEST

/* Pieces out of order: nothing lost, lines ended where they break. */
START_TEST(test_odd_pieces)
{
	struct logring r;

	logring_init(&r, 1000);
	/* a piece that continues nothing is a line of its own */
	push_s(&r, 0, CONT, "orphan");
	ck_assert_uint_eq(r.nlines, 1);
	/* a new line while one waits for pieces ends that one */
	push_s(&r, 0, MORE, "start");
	ck_assert_uint_eq(r.bytes, 7 + 5);
	push_s(&r, 0, 0, "line");
	ck_assert_uint_eq(r.bytes, 7 + 6 + 5);
	push_s(&r, 0, CONT, "rest");
	ck_assert_str_eq(last_str(&r, 10), "+orphan|start|line|+rest");
	ck_assert_uint_eq(r.nlines, 4);
	ck_assert_str_eq(last_str(&r, 1), "+rest");
	/* flags other than CONT and MORE are not kept */
	push_s(&r, 1, 0x70, "f");
	ck_assert_str_eq(last_str(&r, 1), "E:f");
	/* any stream other than 0 is 1 */
	push_s(&r, 7, MORE, "s7");
	push_s(&r, 1, CONT, "s1");
	ck_assert_str_eq(last_str(&r, 1), "E:s7>|E:+s1");
	logring_free(&r);

	/* the newline of a line ended early may push out the oldest */
	logring_init(&r, 2 * W + 1);
	push(&r, 0, 0, "a");
	push(&r, 1, MORE, "b");
	ck_assert_uint_eq(r.bytes, 2 * W + 1);
	push_s(&r, 1, 0, "");
	ck_assert_str_eq(last_str(&r, 10), "E:b|E:");
	logring_free(&r);
	/* even when the new line is not kept */
	logring_init(&r, 2 * W + 1);
	push(&r, 0, 0, "a");
	push(&r, 1, MORE, "b");
	push_w(&r, 1, 0, "c", 2 * W + 1);
	ck_assert_str_eq(last_str(&r, 10), "E:b");
	ck_assert_uint_eq(r.bytes, W + 1);
	logring_free(&r);
}
END_TEST

START_TEST(test_limit_zero)
{
	struct logring r;

	logring_init(&r, 0);
	push_s(&r, 0, 0, "a");
	push_s(&r, 0, MORE, "");
	push_s(&r, 0, CONT, "");
	push_s(&r, 1, MORE, "");
	ck_assert_ptr_null(r.buf);
	ck_assert_uint_eq(r.nrec, 0);
	ck_assert_str_eq(last_str(&r, 10), "");
	logring_set_limit(&r, 10);
	push_s(&r, 1, CONT, "x"); /* the rest of a line not kept */
	push_s(&r, 0, 0, "b");
	ck_assert_str_eq(last_str(&r, 10), "b");
	logring_free(&r);
}
END_TEST

/* Headers count too: many empty lines cannot take more than twice limit. */
START_TEST(test_storage_bound)
{
	size_t hdr = hdr_size(), i;
	struct logring r;

	logring_init(&r, 1000);
	for (i = 0; i < 5000; i++) {
		push_s(&r, (int)(i % 2), 0, "");
		ck_assert_uint_le(r.used, 2000);
		ck_assert_uint_le(r.cap, 2000);
		ck_assert_uint_le(r.bytes, 1000);
	}
	ck_assert_uint_eq(r.nlines, 2000 / hdr);
	ck_assert_uint_eq(r.used, r.nrec * hdr);
	logring_free(&r);

	/* a limit under a header still keeps one short line */
	logring_init(&r, 3);
	push_s(&r, 0, 0, "ab");
	ck_assert_str_eq(last_str(&r, 10), "ab");
	push_s(&r, 0, 0, "c");
	ck_assert_str_eq(last_str(&r, 10), "c");
	ck_assert_uint_eq(r.used, hdr + 1);
	logring_free(&r);
}
END_TEST

/* Records cut by the end of the buffer, header or bytes, read back whole. */
START_TEST(test_wrap)
{
	size_t hdr = hdr_size(), len, i, j, wrapped = 0;
	struct logring r;
	char msg[200];
	struct got g;
	int n;

	for (len = 1; len < 140; len += 7) {
		logring_init(&r, 600);
		for (i = 0; i < 200; i++) {
			n = snprintf(msg, sizeof(msg), "%zu:", i);
			memset(msg + n, 'a' + (int)(i % 26), len);
			msg[(size_t)n + len] = '\0';
			push_s(&r, 0, 0, msg);
			if (r.head + r.used > r.cap)
				wrapped++;
			ck_assert_uint_le(r.cap, 1200);
			/* all the kept lines, in order, whole */
			last(&r, SIZE_MAX, &g);
			ck_assert_uint_eq(g.n, r.nlines);
			for (j = 0; j < g.n; j++) {
				size_t k = i + 1 - g.n + j;

				n = snprintf(msg, sizeof(msg), "%zu:", k);
				memset(msg + n, 'a' + (int)(k % 26), len);
				msg[(size_t)n + len] = '\0';
				ck_assert_str_eq(g.r[j].msg, msg);
			}
			got_free(&g);
		}
		ck_assert_uint_ge(r.used, r.nrec * hdr);
		logring_free(&r);
	}
	ck_assert_uint_gt(wrapped, 1000);
}
END_TEST

/* Copies of records whose bytes the end of the buffer cuts. */
START_TEST(test_wrap_copy)
{
	struct logring r;
	size_t i, copies = 0;
	char msg[100];
	struct got g;

	logring_init(&r, 400);
	for (i = 0; i < 500; i++) {
		memset(msg, 'a' + (int)(i % 26), 37 + i % 13);
		msg[37 + i % 13] = '\0';
		push_s(&r, 0, 0, msg);
		last(&r, SIZE_MAX, &g);
		copies += g.copies;
		got_free(&g);
	}
	ck_assert_uint_gt(copies, 10);
	logring_free(&r);
}
END_TEST

START_TEST(test_growth)
{
	struct logring r;
	size_t i, caps = 0, cap = 0;
	char msg[64];
	struct got g;

	logring_init(&r, 1 << 20);
	for (i = 0; i < 3000; i++) {
		snprintf(msg, sizeof(msg), "line %zu", i);
		push_s(&r, (int)(i % 2), 0, msg);
		if (r.cap != cap) {
			caps++;
			cap = r.cap;
			ck_assert_uint_eq(r.head, 0); /* linear again */
		}
		if (i % 7 == 0)
			logring_set_limit(&r, r.limit); /* no change */
	}
	ck_assert_uint_ge(caps, 5);
	last(&r, SIZE_MAX, &g);
	ck_assert_uint_eq(g.n, 3000);
	for (i = 0; i < g.n; i++) {
		snprintf(msg, sizeof(msg), "line %zu", i);
		ck_assert_str_eq(g.r[i].msg, msg);
		ck_assert_int_eq(g.r[i].stream, (int)(i % 2));
	}
	got_free(&g);
	logring_free(&r);
}
END_TEST

/* Growth in the middle of a wrapped ring keeps order and open lines. */
START_TEST(test_growth_wrapped)
{
	struct logring r;
	struct got g;
	size_t i, cap;

	logring_init(&r, 300);
	for (i = 0; i < 40; i++)
		push_s(&r, 0, 0, "0123456789");
	ck_assert_uint_gt(r.head, 0);
	push_s(&r, 1, MORE, "open-");
	logring_set_limit(&r, 100000);
	cap = r.cap;
	for (i = 0; i < 100; i++)
		push(&r, 0, 0, "x");
	ck_assert_uint_gt(r.cap, cap);
	push_s(&r, 1, CONT | MORE, "piece-");
	push_s(&r, 1, CONT, "end");
	/* the open line started before the 100: its pieces come with it */
	last(&r, 101, &g);
	ck_assert_uint_eq(g.n, 103);
	ck_assert_str_eq(g.r[0].msg, "open-");
	ck_assert_int_eq(g.r[0].flags, MORE);
	ck_assert_int_eq(g.r[1].msg[0], 'x');
	ck_assert_str_eq(g.r[101].msg, "piece-");
	ck_assert_int_eq(g.r[101].flags, CONT | MORE);
	ck_assert_str_eq(g.r[102].msg, "end");
	ck_assert_int_eq(g.r[102].flags, CONT);
	got_free(&g);
	last(&r, 100, &g);
	ck_assert_uint_eq(g.n, 100);
	got_free(&g);
	/* and ending it early still finds its last piece */
	push_s(&r, 1, MORE, "a");
	cap = r.cap;
	for (i = 0; i < 300; i++)
		push(&r, 0, 0, "y");
	ck_assert_uint_gt(r.cap, cap);
	push_s(&r, 1, 0, "b");
	ck_assert_str_eq(last_str(&r, 1), "E:b");
	last(&r, 302, &g);
	ck_assert_uint_eq(g.n, 302);
	ck_assert_str_eq(g.r[0].msg, "a");
	ck_assert_int_eq(g.r[0].flags, 0);
	for (i = 1; i <= 300; i++)
		ck_assert_int_eq(g.r[i].msg[0], 'y');
	ck_assert_str_eq(g.r[301].msg, "b");
	got_free(&g);
	logring_free(&r);
}
END_TEST

/* ---- logring_last ---- */

START_TEST(test_last_counts)
{
	struct logring r;

	logring_init(&r, 1000);
	ck_assert_str_eq(last_str(&r, 0), "");
	ck_assert_str_eq(last_str(&r, 3), "");
	push_s(&r, 0, 0, "a");
	push_s(&r, 0, MORE, "b1");
	push_s(&r, 0, CONT | MORE, "b2");
	push_s(&r, 0, CONT, "b3");
	push_s(&r, 1, 0, "c");
	push_s(&r, 0, 0, "d");
	ck_assert_uint_eq(r.nlines, 4);
	ck_assert_str_eq(last_str(&r, 0), "");
	ck_assert_str_eq(last_str(&r, 1), "d");
	ck_assert_str_eq(last_str(&r, 2), "E:c|d");
	ck_assert_str_eq(last_str(&r, 3), "b1>|+b2>|+b3|E:c|d");
	ck_assert_str_eq(last_str(&r, 4), "a|b1>|+b2>|+b3|E:c|d");
	ck_assert_str_eq(last_str(&r, 5), "a|b1>|+b2>|+b3|E:c|d");
	ck_assert_str_eq(last_str(&r, SIZE_MAX), "a|b1>|+b2>|+b3|E:c|d");
	/* a line still coming counts, with its pieces so far */
	push_s(&r, 1, MORE, "e1");
	ck_assert_str_eq(last_str(&r, 1), "E:e1>");
	ck_assert_str_eq(last_str(&r, 2), "d|E:e1>");
	logring_free(&r);
}
END_TEST

/* ---- logring_set_limit ---- */

START_TEST(test_set_limit)
{
	struct logring r;
	size_t i, cap;
	char msg[32];

	logring_init(&r, 200000);
	for (i = 0; i < 1000; i++) {
		snprintf(msg, sizeof(msg), "%04zu", i);
		push(&r, 0, 0, msg);
	}
	ck_assert_uint_eq(r.bytes, 1000 * (W + 1));
	cap = r.cap;
	/* grow: nothing changes */
	logring_set_limit(&r, 400000);
	ck_assert_uint_eq(r.bytes, 1000 * (W + 1));
	ck_assert_uint_eq(r.cap, cap);
	ck_assert_uint_eq(r.nlines, 1000);
	/* shrink: the oldest go, and the memory */
	logring_set_limit(&r, 10 * (W + 1));
	ck_assert_uint_eq(r.bytes, 10 * (W + 1));
	ck_assert_uint_eq(r.nlines, 10);
	ck_assert_uint_le(r.cap, 20 * (W + 1));
	ck_assert_str_eq(last_str(&r, 2), "0998|0999");
	ck_assert_str_eq(last_str(&r, 10),
			 "0990|0991|0992|0993|0994|0995|0996|0997|0998|0999");
	push(&r, 0, 0, "next");
	ck_assert_str_eq(last_str(&r, 2), "0999|next");
	ck_assert_uint_eq(r.nlines, 10);
	/* an odd limit: whole lines only */
	logring_set_limit(&r, 3 * (W + 1) - 1);
	ck_assert_uint_eq(r.bytes, 2 * (W + 1));
	ck_assert_str_eq(last_str(&r, 10), "0999|next");
	/* 0: nothing kept, no memory */
	push_s(&r, 1, MORE, "open");
	logring_set_limit(&r, 0);
	ck_assert_ptr_null(r.buf);
	ck_assert_uint_eq(r.cap, 0);
	ck_assert_uint_eq(r.used, 0);
	ck_assert_uint_eq(r.bytes, 0);
	ck_assert_uint_eq(r.nrec, 0);
	ck_assert_uint_eq(r.nlines, 0);
	push_s(&r, 0, 0, "gone");
	ck_assert_ptr_null(r.buf);
	/* and back */
	logring_set_limit(&r, 1000);
	push_s(&r, 1, CONT, "rest of open"); /* its line went */
	push_s(&r, 0, 0, "back");
	ck_assert_str_eq(last_str(&r, 10), "back");
	logring_free(&r);
}
END_TEST

/* ---- against a model: a list of records with their line ---- */

struct mrec {
	int64_t ts;
	int stream, flags, line, dead;
	char *msg;
	size_t len;
};

struct model {
	struct mrec *r;
	size_t n, cap, start; /* records before start are reclaimed */
	size_t limit, hdr;
	size_t bytes, nrec, nlines, used;
	int next_line;
	struct {
		int more, drop, line;
		size_t bytes;
	} cur[2];
};

static size_t mcost(const struct mrec *m)
{
	return m->len + !(m->flags & MORE);
}

static void m_reclaim(struct model *m)
{
	while (m->start < m->n && m->r[m->start].dead) {
		m->used -= m->hdr + m->r[m->start].len;
		free(m->r[m->start].msg);
		m->r[m->start].msg = NULL;
		m->start++;
	}
}

/* Removes line id; returns 1 if its last piece said more follow. */
static int m_kill_line(struct model *m, int line)
{
	size_t i;
	int more = 0, first = 1;

	for (i = m->start; i < m->n; i++) {
		struct mrec *x = &m->r[i];

		if (x->dead || x->line != line)
			continue;
		x->dead = 1;
		m->bytes -= mcost(x);
		m->nrec--;
		if (first)
			m->nlines--;
		first = 0;
		more = (x->flags & MORE) != 0;
	}
	m_reclaim(m);
	return more;
}

static void m_evict_oldest(struct model *m)
{
	size_t i = m->start;
	int s;

	while (m->r[i].dead)
		i++;
	s = m->r[i].stream;
	if (m_kill_line(m, m->r[i].line))
		m->cur[s].drop = 1;
}

static void m_skip(struct model *m, int s, int more)
{
	m->cur[s].more = more;
	m->cur[s].drop = more;
}

static void m_push(struct model *m, int64_t ts, int stream, int flags,
		   const char *msg, size_t len)
{
	int s = stream != 0, more, first;
	size_t cost, need, i;
	struct mrec *x;

	flags &= CONT | MORE;
	more = (flags & MORE) != 0;
	if ((flags & CONT) && m->cur[s].more) {
		if (m->cur[s].drop) {
			m_skip(m, s, more);
			return;
		}
		first = 0;
	} else {
		if (m->cur[s].more && !m->cur[s].drop) {
			for (i = m->n; i-- > m->start;) {
				x = &m->r[i];
				if (!x->dead && x->line == m->cur[s].line)
					break;
			}
			CK(i >= m->start && i < m->n);
			m->r[i].flags &= ~MORE;
			m->bytes++;
			m->cur[s].more = 0;
			while (m->nrec > 0 && m->bytes > m->limit)
				m_evict_oldest(m);
		}
		first = 1;
	}
	cost = len + !more;
	need = m->hdr + len;
	if (m->limit == 0 || cost + (first ? 0 : m->cur[s].bytes) > m->limit) {
		if (!first)
			m_kill_line(m, m->cur[s].line);
		m_skip(m, s, more);
		return;
	}
	while (m->nrec > 0 &&
	       (m->bytes + cost > m->limit || m->used + need > 2 * m->limit)) {
		m_evict_oldest(m);
		if (!first && m->cur[s].drop) {
			m_skip(m, s, more);
			return;
		}
	}
	if (m->n == m->cap) {
		m->cap = m->cap > 0 ? m->cap * 2 : 64;
		m->r = realloc(m->r, m->cap * sizeof(*m->r));
		CK(m->r != NULL);
	}
	x = &m->r[m->n++];
	x->ts = ts;
	x->stream = s;
	x->flags = flags;
	x->dead = 0;
	x->len = len;
	x->msg = malloc(len + 1);
	CK(x->msg != NULL);
	memcpy(x->msg, msg, len);
	x->msg[len] = '\0';
	if (first) {
		x->line = m->next_line++;
		m->nlines++;
		m->cur[s].line = x->line;
		m->cur[s].bytes = 0;
	} else {
		x->line = m->cur[s].line;
	}
	m->cur[s].bytes += cost;
	m->cur[s].more = more;
	m->cur[s].drop = 0;
	m->bytes += cost;
	m->nrec++;
	m->used += need;
}

static void m_set_limit(struct model *m, size_t limit)
{
	m->limit = limit;
	while (m->nrec > 0 && (m->bytes > limit || m->used > 2 * limit))
		m_evict_oldest(m);
}

/* The model's last n lines against the ring's. */
static void m_check_last(const struct model *m, const struct logring *r,
			 size_t n)
{
	size_t i, k = 0, skip = m->nlines > n ? m->nlines - n : 0;
	int from = -1;
	struct got g;

	/* the first line shown: lines are numbered in the order they start */
	for (i = m->start; i < m->n && n > 0; i++) {
		if (m->r[i].dead || m->r[i].line <= from)
			continue;
		if (skip == 0) {
			from = m->r[i].line;
			break;
		}
		skip--;
		from = m->r[i].line;
	}
	last(r, n, &g);
	for (i = m->start; i < m->n && n > 0; i++) {
		const struct mrec *x = &m->r[i];

		if (x->dead || x->line < from)
			continue;
		CK(k < g.n);
		CK(g.r[k].ts == x->ts);
		CK(g.r[k].stream == x->stream);
		CK(g.r[k].flags == x->flags);
		CK(g.r[k].len == x->len);
		CK(memcmp(g.r[k].msg, x->msg, x->len) == 0);
		k++;
	}
	CK(k == g.n);
	got_free(&g);
}

static void m_free(struct model *m)
{
	size_t i;

	for (i = m->start; i < m->n; i++)
		free(m->r[i].msg);
	free(m->r);
}

START_TEST(test_model)
{
	static const size_t limits[] = { 0, 1, 7, 40, 200, 1000, 5000 };
	char msg[700];
	size_t hdr = hdr_size(), maxlen = 0, wraps = 0, opens = 0;
	int round, step;

	rnd_seed(0xdeadbeef);
	for (round = 0; round < 60; round++) {
		struct logring r;
		struct model m;
		int open[2] = { 0, 0 };

		memset(&m, 0, sizeof(m));
		m.hdr = hdr;
		m.limit = limits[rnd() % N(limits)];
		logring_init(&r, m.limit);
		for (step = 0; step < 1500; step++) {
			uint32_t x = rnd();
			int s = (int)(x % 2), flags;
			size_t len, i;
			int64_t ts = (int64_t)round * 100000 + step;

			if (x % 97 == 0) {
				size_t lim = limits[rnd() % N(limits)];

				logring_set_limit(&r, lim);
				m_set_limit(&m, lim);
			}
			/* mostly well formed pieces, now and then not */
			if (x % 23 == 0)
				flags = (int)(rnd() % 4);
			else if (open[s])
				flags = CONT | (rnd() % 3 == 0 ? 0 : MORE);
			else
				flags = rnd() % 4 == 0 ? MORE : 0;
			open[s] = (flags & MORE) != 0;
			len = rnd() % 8 == 0 ? rnd() % 700 : rnd() % 60;
			for (i = 0; i < len; i++)
				msg[i] = (char)('a' + (step + (int)i) % 26);
			if (len > maxlen)
				maxlen = len;
			CK(logring_push(&r, ts, s, flags, msg, len) == 0);
			m_push(&m, ts, s, flags, msg, len);
			opens += m.cur[0].more && !m.cur[0].drop;

			if (r.bytes != m.bytes || r.nrec != m.nrec ||
			    r.nlines != m.nlines || r.used != m.used)
				ck_abort_msg("round %d step %d: bytes %zu/%zu "
					     "nrec %zu/%zu nlines %zu/%zu "
					     "used %zu/%zu",
					     round, step, r.bytes, m.bytes,
					     r.nrec, m.nrec, r.nlines, m.nlines,
					     r.used, m.used);
			CK(r.bytes <= r.limit);
			CK(r.cap >= r.used);
			CK(r.used > 0 || r.buf == NULL);
			CK(r.cap <= (2 * r.limit > hdr + maxlen
					     ? 2 * r.limit
					     : hdr + maxlen));
			if (r.head + r.used > r.cap)
				wraps++;
			m_check_last(&m, &r, SIZE_MAX);
			if (step % 5 == 0) {
				m_check_last(&m, &r, 0);
				m_check_last(&m, &r, 1);
				m_check_last(&m, &r, rnd() % 20);
			}
		}
		logring_free(&r);
		m_free(&m);
	}
	ck_assert_uint_gt(wraps, 1000);
	ck_assert_uint_gt(opens, 1000);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("logring");
	TCase *tc;

	tcase_add_test(unit_tcase(s, "logring_init/free"), test_init_free);
	tc = unit_tcase(s, "logring_push");
	tcase_add_test(tc, test_push_lines);
	tcase_add_test(tc, test_evict_whole_lines);
	tcase_add_test(tc, test_too_long);
	tcase_add_test(tc, test_streams);
	tcase_add_test(tc, test_evict_open_line);
	tcase_add_test(tc, test_odd_pieces);
	tcase_add_test(tc, test_limit_zero);
	tcase_add_test(tc, test_storage_bound);
	tcase_add_test(tc, test_wrap);
	tcase_add_test(tc, test_wrap_copy);
	tcase_add_test(tc, test_growth);
	tcase_add_test(tc, test_growth_wrapped);
	tcase_add_test(unit_tcase(s, "logring_last"), test_last_counts);
	tc = unit_tcase(s, "logring_set_limit");
	tcase_add_test(tc, test_set_limit);
	tcase_add_test(tc, test_model);
	return s;
}
