/*
 * A service's output, from the pipe to what tend writes and keeps: the
 * line framer (logline), each line in every log-format (logfmt), and the
 * recent-output ring (logring).
 *
 * The input is a 10-byte header, then the bytes the service wrote:
 *   [0]    bits 0-2: the ring's limit, 3: timestamps, 4-5: the service's
 *          name, 6: tend's own lines, 7: a new limit halfway through
 *   [1]    how the bytes are cut into reads (and bit 7: onto both streams)
 *   [2..9] the clock (milliseconds, little-endian, any int64)
 *
 * What must hold: the pieces do not depend on how the bytes were cut into
 * reads; joined back (log-format file) they are the bytes written; the
 * json of each is valid and says what the line said; the ring stays within
 * its limit and keeps, in order, what it was given.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ctlproto.h"
#include "fuzz.h"
#include "logfmt.h"
#include "logline.h"
#include "logring.h"

#define HEADER 10

static const size_t limits[8] = { 0, 1, 17, 100, 1024, 5000, 65536, 1 << 20 };
static const char *const names[4] = { "web", "", "a | b", "s\xc3\xa9rvice" };

struct piece {
	char *msg;
	size_t len;
	int flags, stream;
};

struct pieces {
	struct piece *v;
	size_t n, cap;
};

static void pieces_add(struct pieces *ps, int stream, const char *msg,
		       size_t len, int flags)
{
	struct piece *p;

	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? 2 * ps->cap : 64;
		ps->v = realloc(ps->v, ps->cap * sizeof(*ps->v));
		if (ps->v == NULL)
			abort();
	}
	p = &ps->v[ps->n++];
	p->msg = malloc(len ? len : 1);
	if (p->msg == NULL)
		abort();
	if (len > 0)
		memcpy(p->msg, msg, len);
	p->len = len;
	p->flags = flags;
	p->stream = stream;
}

static void pieces_free(struct pieces *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		free(ps->v[i].msg);
	free(ps->v);
}

struct run {
	int stream;	 /* of the framer feeding now */
	int only_record; /* the reference run: the pieces, nothing more */
	struct pieces got;
	struct logring ring;
	struct jbuf file[2]; /* log-format file, by stream: the bytes back */
	const char *service;
	int own, timestamps;
	int64_t ts;
};

/* The json of one piece says what the piece is. */
static void check_json(const struct jbuf *b, size_t from,
		       const struct logfmt_line *l)
{
	json_error_t jerr;
	json_t *o, *msg, *cont;
	size_t n = b->len - from;

	FUZZ_CHECK(n >= 2 && b->s[b->len - 1] == '\n');
	FUZZ_CHECK(memchr(b->s + from, '\n', n - 1) == NULL);
	o = json_loadb(b->s + from, n - 1, JSON_ALLOW_NUL, &jerr);
	FUZZ_CHECK(o != NULL && json_is_object(o));
	FUZZ_CHECK(json_is_string(json_object_get(o, "ts")));
	FUZZ_CHECK(json_is_string(json_object_get(o, "service")));
	FUZZ_CHECK(json_is_string(json_object_get(o, "stream")));
	msg = json_object_get(o, "msg");
	FUZZ_CHECK(json_is_string(msg));
	/* Valid UTF-8 comes back as it was (invalid bytes become U+FFFD). */
	if (fuzz_utf8_valid(l->msg, l->len))
		FUZZ_CHECK(json_string_length(msg) == l->len &&
			   (l->len == 0 || memcmp(json_string_value(msg),
						  l->msg, l->len) == 0));
	cont = json_object_get(o, "cont");
	FUZZ_CHECK((cont != NULL) == ((l->flags & LOGLINE_CONT) != 0));
	FUZZ_CHECK(cont == NULL || json_is_true(cont));
	json_decref(o);
}

/* One line in every log-format. */
static void formats(struct run *r, const struct logfmt_line *l)
{
	struct jbuf b;
	size_t from;
	int f;

	for (f = LOGFMT_PREFIX; f <= LOGFMT_JSON; f++) {
		jb_init(&b);
		jb_raw(&b, "x", 1); /* after something already written */
		from = b.len;
		logfmt_append(&b, (enum log_format)f, r->timestamps, l);
		FUZZ_CHECK(!b.oom && b.len > from && b.s[b.len - 1] == '\n');
		if (f == LOGFMT_JSON)
			check_json(&b, from, l);
		else
			FUZZ_CHECK(memchr(b.s + from, '\n', b.len - from - 1) ==
				   NULL);
		jb_free(&b);
	}
	/* with a clock and tend's own prefix: for the coverage only */
	jb_init(&b);
	logfmt_append(&b, LOGFMT_FILE, r->timestamps, l);
	jb_free(&b);
}

static void on_piece(void *ctx, const char *msg, size_t len, int flags)
{
	struct run *r = ctx;
	struct logfmt_line l = {
		.service = r->service,
		.own = r->own,
		.stream = r->stream ? LOG_STDERR : LOG_STDOUT,
		.msg = msg,
		.len = len,
		.flags = flags,
		.ts_ms = r->ts,
	};

	FUZZ_CHECK(len <= LOGLINE_MAX);
	FUZZ_CHECK(memchr(msg, '\n', len) == NULL);
	FUZZ_CHECK(!(flags & LOGLINE_MORE) || len == LOGLINE_MAX);
	pieces_add(&r->got, r->stream, msg, len, flags);
	if (r->only_record)
		return;
	formats(r, &l);
	l.own = 0;
	logfmt_append(&r->file[r->stream], LOGFMT_FILE, 0, &l);

	FUZZ_CHECK(logring_push(&r->ring, r->ts, r->stream, flags, msg, len) ==
		   0);
	FUZZ_CHECK(r->ring.bytes <= r->ring.limit);
	FUZZ_CHECK(r->ring.nlines <= r->ring.nrec);
	FUZZ_CHECK(r->ring.used <= r->ring.cap);
	FUZZ_CHECK(r->ring.cap <= 2 * r->ring.limit + 64);
	/* the clock ticks, and may wrap: no UB in the harness itself */
	r->ts = (int64_t)((uint64_t)r->ts + 1);
}

/* What logring_last gives: records, each matched to a piece pushed. */
struct walk {
	const struct pieces *pushed;
	size_t at;	    /* the next pushed piece it may match */
	size_t nrec, bytes; /* as the ring counts them */
};

static void on_rec(void *ctx, const struct logring_rec *rec)
{
	struct walk *w = ctx;
	const struct pieces *ps = w->pushed;

	/* In order: a record is a piece pushed after the last one matched. */
	while (w->at < ps->n &&
	       (ps->v[w->at].stream != rec->stream ||
		ps->v[w->at].len != rec->len ||
		(rec->len > 0 && memcmp(ps->v[w->at].msg, rec->msg, rec->len))))
		w->at++;
	FUZZ_CHECK(w->at < ps->n);
	w->at++;
	w->nrec++;
	w->bytes += rec->len + !(rec->flags & LOGLINE_MORE);
}

static void check_ring(const struct run *r)
{
	struct walk all = { &r->got, 0, 0, 0 }, some = { &r->got, 0, 0, 0 };

	logring_last(&r->ring, SIZE_MAX, on_rec, &all);
	FUZZ_CHECK(all.nrec == r->ring.nrec && all.bytes == r->ring.bytes);
	logring_last(&r->ring, r->ring.nlines / 2, on_rec, &some);
	FUZZ_CHECK(some.nrec <= all.nrec);
}

/* A small generator for the sizes of the reads: the input decides. */
static unsigned next_rand(unsigned *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* The clock: logfmt's calendar and gmtime's must agree. */
static void check_ts(int64_t ms)
{
	char a[32], b[32];

	logfmt_ts(ms, a);
	FUZZ_CHECK(strlen(a) == 24 && a[4] == '-' && a[10] == 'T' &&
		   a[23] == 'Z');
	if (ms > -3000000000000LL && ms < 3000000000000LL) {
		ctl_rfc3339((double)ms / 1000.0, b);
		FUZZ_CHECK(strcmp(a, b) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct logline f[2], ref[2];
	struct run r, whole;
	const uint8_t *d = data + HEADER;
	size_t n = size - HEADER, off = 0, i, k, len[2] = { 0, 0 };
	char *bytes[2];
	unsigned seed;
	uint64_t ts = 0;
	int s;

	if (size < HEADER)
		return 0;
	for (i = 0; i < 8; i++)
		ts |= (uint64_t)data[2 + i] << (8 * i);
	check_ts((int64_t)ts);

	memset(&r, 0, sizeof(r));
	logring_init(&r.ring, limits[data[0] & 7]);
	r.timestamps = (data[0] >> 3) & 1;
	r.service = names[(data[0] >> 4) & 3];
	r.own = (data[0] >> 6) & 1;
	r.ts = (int64_t)ts;
	jb_init(&r.file[0]);
	jb_init(&r.file[1]);
	whole = r;
	whole.only_record = 1;
	seed = data[1] * 2654435761u + 1;

	/* The reads, as they come: each to its stream's framer. */
	bytes[0] = malloc(n + 1);
	bytes[1] = malloc(n + 1);
	if (bytes[0] == NULL || bytes[1] == NULL)
		abort();
	logline_init(&f[0]);
	logline_init(&f[1]);
	while (off < n) {
		k = next_rand(&seed) % 8 == 0 ? next_rand(&seed) % 40000
					      : next_rand(&seed) % 300;
		k = k == 0 ? 1 : k > n - off ? n - off : k;
		s = (data[1] & 0x80) ? (int)(next_rand(&seed) & 1) : 0;
		memcpy(bytes[s] + len[s], d + off, k);
		len[s] += k;
		r.stream = s;
		logline_feed(&f[s], (const char *)d + off, k, on_piece, &r);
		off += k;
		if ((data[0] & 0x80) && off >= n / 2 && off - k < n / 2)
			logring_set_limit(&r.ring, limits[(data[1] >> 2) & 7]);
	}
	for (s = 0; s < 2; s++) {
		r.stream = s;
		logline_flush(&f[s], on_piece, &r);
	}
	check_ring(&r);

	/* Each stream in one read: the same pieces. */
	for (s = 0; s < 2; s++) {
		logline_init(&ref[s]);
		whole.stream = s;
		logline_feed(&ref[s], bytes[s], len[s], on_piece, &whole);
		logline_flush(&ref[s], on_piece, &whole);
	}
	for (s = 0, i = 0; s < 2; s++) {
		size_t j;

		for (j = 0; j < r.got.n; j++) {
			const struct piece *a = &r.got.v[j], *b;

			if (a->stream != s)
				continue;
			FUZZ_CHECK(i < whole.got.n);
			b = &whole.got.v[i++];
			FUZZ_CHECK(b->stream == s && a->len == b->len &&
				   a->flags == b->flags);
			FUZZ_CHECK(a->len == 0 ||
				   memcmp(a->msg, b->msg, a->len) == 0);
		}
	}
	FUZZ_CHECK(i == whole.got.n);

	/* Joined back, the pieces are the bytes, a last newline added. */
	for (s = 0; s < 2; s++) {
		int nl = len[s] > 0 && bytes[s][len[s] - 1] != '\n';

		FUZZ_CHECK(!r.file[s].oom);
		FUZZ_CHECK(r.file[s].len == len[s] + nl);
		FUZZ_CHECK(len[s] == 0 ||
			   memcmp(r.file[s].s, bytes[s], len[s]) == 0);
	}

	for (s = 0; s < 2; s++) {
		jb_free(&r.file[s]);
		jb_free(&whole.file[s]);
		free(bytes[s]);
	}
	logring_free(&r.ring);
	logring_free(&whole.ring);
	pieces_free(&r.got);
	pieces_free(&whole.got);
	return 0;
}
