#include "logring.h"

#include <stdlib.h>
#include <string.h>

#include "logline.h"

/*
 * Records follow each other in a circular byte buffer, oldest at head: a
 * header, then len bytes. Either part may be cut by the end of the buffer
 * and go on at its start. Both streams of a service share the ring, so
 * the pieces of a long line may have the other stream's lines between
 * them: a piece that continues a line belongs to the last line of its own
 * stream. Evicting a line whose pieces are not all at head marks the
 * later ones dead; their space comes back when they reach head.
 */
struct rec {
	int64_t ts_ms;
	uint32_t len;
	uint8_t stream; /* 0 or 1 */
	uint8_t flags;	/* LOGLINE_CONT, LOGLINE_MORE, REC_FIRST, REC_DEAD */
};

#define HDR	  sizeof(struct rec)
#define REC_FLAGS (LOGLINE_CONT | LOGLINE_MORE)
#define REC_FIRST 0x40 /* starts a line */
#define REC_DEAD  0x80 /* evicted, its space not yet reclaimed */
#define CAP_MIN	  1024

void logring_init(struct logring *r, size_t limit)
{
	memset(r, 0, sizeof(*r));
	r->limit = limit;
}

void logring_free(struct logring *r)
{
	free(r->buf);
	logring_init(r, r->limit);
}

/* What a record adds to bytes: its newline if it ends its line. */
static size_t line_bytes(int flags, size_t len)
{
	return len + !(flags & LOGLINE_MORE);
}

/* The most storage the records may take (one record may go past it). */
static size_t storage_max(const struct logring *r)
{
	return r->limit > SIZE_MAX / 2 ? SIZE_MAX : 2 * r->limit;
}

/* have + add <= max, without overflow. */
static int fits(size_t have, size_t add, size_t max)
{
	return have <= max && add <= max - have;
}

/* The offset n bytes after off (n <= cap). */
static size_t fwd(const struct logring *r, size_t off, size_t n)
{
	off += n;
	return off >= r->cap ? off - r->cap : off;
}

static void put(struct logring *r, size_t off, const void *src, size_t n)
{
	size_t k = r->cap - off;

	if (n == 0)
		return;
	if (k >= n) {
		memcpy(r->buf + off, src, n);
		return;
	}
	memcpy(r->buf + off, src, k);
	memcpy(r->buf, (const unsigned char *)src + k, n - k);
}

static void get(const struct logring *r, size_t off, void *dst, size_t n)
{
	size_t k = r->cap - off;

	if (n == 0)
		return;
	if (k >= n) {
		memcpy(dst, r->buf + off, n);
		return;
	}
	memcpy(dst, r->buf + off, k);
	memcpy((unsigned char *)dst + k, r->buf, n - k);
}

static void set_flags(struct logring *r, size_t off, uint8_t flags)
{
	put(r, fwd(r, off, offsetof(struct rec, flags)), &flags, 1);
}

/* The bytes of records from off to the end of the ring. */
static size_t to_end(const struct logring *r, size_t off)
{
	size_t pos = off >= r->head ? off - r->head : off + r->cap - r->head;

	return r->used - pos;
}

/* An empty ring holds no memory. */
static void settle(struct logring *r)
{
	if (r->used > 0)
		return;
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
	r->head = 0;
}

/* Moves the records to the start of a new buffer of cap bytes. */
static int relocate(struct logring *r, size_t cap)
{
	unsigned char *buf = malloc(cap);
	int i;

	if (buf == NULL)
		return -1;
	get(r, r->head, buf, r->used);
	for (i = 0; i < 2; i++) {
		if (!r->cur[i].more || r->cur[i].drop)
			continue; /* its offsets mean nothing */
		r->cur[i].first = r->used - to_end(r, r->cur[i].first);
		r->cur[i].last = r->used - to_end(r, r->cur[i].last);
	}
	free(r->buf);
	r->buf = buf;
	r->cap = cap;
	r->head = 0;
	return 0;
}

/* Doubling from `from` up to want, but no more than the storage needs. */
static size_t cap_for(const struct logring *r, size_t from, size_t want)
{
	size_t cap = from, max = storage_max(r);

	while (cap < want)
		cap = cap <= SIZE_MAX / 2 ? cap * 2 : want;
	if (max < want)
		max = want;
	return cap < max ? cap : max;
}

/* Takes a live record out of the counts; its space stays until head. */
static void forget(struct logring *r, size_t off, const struct rec *h)
{
	r->bytes -= line_bytes(h->flags, h->len);
	r->nrec--;
	if (h->flags & REC_FIRST)
		r->nlines--;
	set_flags(r, off, h->flags | REC_DEAD);
	r->ndead++;
}

/* Gives back the space of the dead records at head. */
static void reap(struct logring *r)
{
	struct rec h;

	while (r->ndead > 0 && r->used > 0) {
		get(r, r->head, &h, HDR);
		if (!(h.flags & REC_DEAD))
			break;
		r->head = fwd(r, r->head, HDR + h.len);
		r->used -= HDR + h.len;
		r->ndead--;
	}
}

/*
 * Evicts the oldest line: the record at head and the pieces of its stream
 * that follow it, up to the one that ends the line. A line still open (its
 * last piece pushed had LOGLINE_MORE) is its stream's current line: the
 * pieces yet to come are dropped too.
 */
static void evict_oldest(struct logring *r)
{
	size_t off = r->head, left = r->used, size;
	struct rec h;
	int s, more;

	get(r, off, &h, HDR);
	if ((h.flags & (REC_FIRST | LOGLINE_MORE | REC_DEAD)) == REC_FIRST) {
		/* The usual case, a whole line at head: it simply goes. */
		r->bytes -= line_bytes(h.flags, h.len);
		r->nrec--;
		r->nlines--;
		r->head = fwd(r, r->head, HDR + h.len);
		r->used -= HDR + h.len;
		reap(r);
		return;
	}
	s = h.stream;
	more = h.flags & LOGLINE_MORE;
	forget(r, off, &h);
	for (;;) {
		size = HDR + h.len;
		off = fwd(r, off, size);
		left -= size;
		if (!more || left == 0)
			break;
		get(r, off, &h, HDR);
		if (h.flags & REC_DEAD || h.stream != s)
			continue;
		if (h.flags & REC_FIRST)
			break; /* not a piece of it: cannot happen */
		more = h.flags & LOGLINE_MORE;
		forget(r, off, &h);
	}
	if (more && left == 0)
		r->cur[s].drop = 1;
	reap(r);
}

/* Drops the line stream s is in the middle of (kept so far). */
static void drop_current(struct logring *r, int s)
{
	size_t off = r->cur[s].first, left = to_end(r, off), size;
	struct rec h;

	while (left > 0) {
		get(r, off, &h, HDR);
		if (!(h.flags & REC_DEAD) && h.stream == s)
			forget(r, off, &h);
		size = HDR + h.len;
		off = fwd(r, off, size);
		left -= size;
	}
	r->cur[s].drop = 1;
	reap(r);
}

/*
 * A new line on stream s while its current one waits for pieces (two
 * writers on one stream, or a caller's line between pieces): the current
 * one ends where it is, its next pieces become a line of their own. Its
 * newline counts now, and may be one byte too many.
 */
static void end_current(struct logring *r, int s)
{
	struct rec h;

	get(r, r->cur[s].last, &h, HDR);
	set_flags(r, r->cur[s].last, h.flags & ~LOGLINE_MORE);
	r->bytes++;
	r->cur[s].more = 0;
	while (r->nrec > 0 && r->bytes > r->limit)
		evict_oldest(r);
}

/* Not kept: and neither are the pieces of its line that follow. */
static int skip(struct logring *r, struct logring_cur *c, int more, int rc)
{
	c->more = more;
	c->drop = more;
	settle(r);
	return rc;
}

int logring_push(struct logring *r, int64_t ts_ms, int stream, int flags,
		 const char *msg, size_t len)
{
	int s = stream != 0, more = flags & LOGLINE_MORE, first;
	struct logring_cur *c = &r->cur[s];
	size_t cost, need, off;
	struct rec h;

	flags &= REC_FLAGS;
	if ((flags & LOGLINE_CONT) && c->more) {
		if (c->drop)
			return skip(r, c, more, 0);
		first = 0;
	} else {
		/* A piece whose line start is not here starts its own line. */
		if (c->more && !c->drop)
			end_current(r, s);
		first = 1;
	}
	cost = line_bytes(flags, len);
	need = HDR + len;
	if (r->limit == 0 || len > UINT32_MAX ||
	    !fits(first ? 0 : c->bytes, cost, r->limit)) {
		if (!first)
			drop_current(r, s);
		return skip(r, c, more, 0);
	}
	while (r->nrec > 0 && (!fits(r->bytes, cost, r->limit) ||
			       !fits(r->used, need, storage_max(r)))) {
		evict_oldest(r);
		if (!first && c->drop)
			return skip(r, c, more,
				    0); /* its own line was oldest */
	}
	if (need > r->cap - r->used &&
	    relocate(r, cap_for(r, r->cap > 0 ? r->cap * 2 : CAP_MIN,
				r->used + need)) < 0) {
		if (!first)
			drop_current(r, s);
		return skip(r, c, more, -1);
	}

	memset(&h, 0, sizeof(h));
	h.ts_ms = ts_ms;
	h.len = (uint32_t)len;
	h.stream = (uint8_t)s;
	h.flags = (uint8_t)(flags | (first ? REC_FIRST : 0));
	off = fwd(r, r->head, r->used);
	put(r, off, &h, HDR);
	put(r, fwd(r, off, HDR), msg, len);
	r->used += need;
	r->nrec++;
	r->bytes += cost;
	if (first) {
		r->nlines++;
		c->first = off;
		c->bytes = 0;
	}
	c->last = off;
	c->bytes += cost;
	c->more = more;
	c->drop = 0;
	return 0;
}

void logring_set_limit(struct logring *r, size_t limit)
{
	r->limit = limit;
	while (r->nrec > 0 && (r->bytes > limit || r->used > storage_max(r)))
		evict_oldest(r);
	settle(r);
	/* Storage beyond what the new limit needs goes too. */
	if (r->cap > storage_max(r))
		(void)relocate(r, cap_for(r, CAP_MIN, r->used));
}

/* Calls cb for the record at off, its bytes in one piece. */
static void emit(const struct logring *r, size_t off, const struct rec *h,
		 void (*cb)(void *ctx, const struct logring_rec *rec),
		 void *ctx)
{
	struct logring_rec rec;
	size_t m = fwd(r, off, HDR), k = r->cap - m;
	char *tmp;

	rec.ts_ms = h->ts_ms;
	rec.stream = h->stream;
	rec.flags = h->flags & REC_FLAGS;
	rec.len = h->len;
	if (h->len <= k) {
		rec.msg = (const char *)r->buf + m;
		cb(ctx, &rec);
		return;
	}
	/* The one record cut by the end of the buffer: a copy. */
	tmp = malloc(h->len);
	if (tmp != NULL) {
		get(r, m, tmp, h->len);
		rec.msg = tmp;
		cb(ctx, &rec);
		free(tmp);
		return;
	}
	/* Out of memory: two pieces that the reader joins. */
	rec.msg = (const char *)r->buf + m;
	rec.len = k;
	rec.flags = (h->flags & LOGLINE_CONT) | LOGLINE_MORE;
	cb(ctx, &rec);
	rec.msg = (const char *)r->buf;
	rec.len = h->len - k;
	rec.flags = LOGLINE_CONT | (h->flags & LOGLINE_MORE);
	cb(ctx, &rec);
}

void logring_last(const struct logring *r, size_t n,
		  void (*cb)(void *ctx, const struct logring_rec *rec),
		  void *ctx)
{
	size_t skip_lines, off = r->head, left = r->used, size;
	int in[2] = { 0, 0 }; /* the stream's current line is one of the n */
	struct rec h;

	if (n == 0)
		return;
	skip_lines = r->nlines > n ? r->nlines - n : 0;
	while (left > 0) {
		get(r, off, &h, HDR);
		if (!(h.flags & REC_DEAD)) {
			if (h.flags & REC_FIRST) {
				in[h.stream] = skip_lines == 0;
				if (skip_lines > 0)
					skip_lines--;
			}
			if (in[h.stream])
				emit(r, off, &h, cb, ctx);
		}
		size = HDR + h.len;
		off = fwd(r, off, size);
		left -= size;
	}
}
