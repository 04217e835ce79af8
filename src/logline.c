#include "logline.h"

#include <stdlib.h>
#include <string.h>

/*
 * A held start of a line lives in a buffer of at least BUF_MIN bytes,
 * doubled as the line grows, up to LOGLINE_MAX. A buffer past BUF_MIN is
 * given back as soon as it is empty: a long partial line is rare, and
 * every stream of every service would otherwise keep its largest one.
 */
#define BUF_MIN 256

void logline_init(struct logline *f)
{
	memset(f, 0, sizeof(*f));
}

void logline_free(struct logline *f)
{
	free(f->buf);
	logline_init(f);
}

size_t logline_pending(const struct logline *f)
{
	return f->len;
}

/* Nothing held any more: a large buffer goes. */
static void emptied(struct logline *f)
{
	f->len = 0;
	if (f->cap > BUF_MIN) {
		free(f->buf);
		f->buf = NULL;
		f->cap = 0;
	}
}

/* The held bytes (and n more) go out as a piece that more bytes follow. */
static void out_more(struct logline *f, logline_cb cb, void *ctx)
{
	cb(ctx, f->buf, f->len, (f->cont ? LOGLINE_CONT : 0) | LOGLINE_MORE);
	f->cont = 1;
	emptied(f);
}

/* The held bytes end their line. */
static void out_line(struct logline *f, logline_cb cb, void *ctx)
{
	cb(ctx, f->buf, f->len, f->cont ? LOGLINE_CONT : 0);
	f->cont = 0;
	emptied(f);
}

/* Appends n bytes (len + n <= LOGLINE_MAX); 0, or -1 when out of memory. */
static int hold(struct logline *f, const char *p, size_t n)
{
	size_t cap;
	char *buf;

	if (n == 0)
		return 0;
	if (f->buf == NULL || f->len + n > f->cap) {
		cap = f->cap > 0 ? f->cap : BUF_MIN;
		while (cap < f->len + n)
			cap *= 2;
		if (cap > LOGLINE_MAX)
			cap = LOGLINE_MAX;
		buf = realloc(f->buf, cap);
		if (buf == NULL)
			return -1;
		f->buf = buf;
		f->cap = cap;
	}
	memcpy(f->buf + f->len, p, n);
	f->len += n;
	return 0;
}

/*
 * Bytes held: p goes on with them. Returns where the next bytes start.
 */
static const char *go_on(struct logline *f, const char *p, const char *end,
			 logline_cb cb, void *ctx)
{
	size_t room, k;
	const char *nl;

	if (f->len == LOGLINE_MAX) {
		/* A full piece: a line of its own only if the newline is next. */
		if (*p == '\n') {
			out_line(f, cb, ctx);
			return p + 1;
		}
		out_more(f, cb, ctx);
		return p;
	}
	room = LOGLINE_MAX - f->len;
	k = (size_t)(end - p) < room ? (size_t)(end - p) : room;
	nl = memchr(p, '\n', k);
	if (nl != NULL)
		k = (size_t)(nl - p);
	if (hold(f, p, k) < 0) {
		/* No room to join them: the held part goes out first. */
		out_more(f, cb, ctx);
		if (nl == NULL)
			return p; /* held from data again, or sent from it */
		cb(ctx, p, k, LOGLINE_CONT);
		f->cont = 0;
		return nl + 1;
	}
	if (nl == NULL)
		return p + k;
	out_line(f, cb, ctx);
	return nl + 1;
}

void logline_feed(struct logline *f, const char *data, size_t n, logline_cb cb,
		  void *ctx)
{
	const char *p = data, *end = data + n, *nl;
	size_t left;

	while (p < end) {
		if (f->len > 0) {
			p = go_on(f, p, end, cb, ctx);
			continue;
		}
		/* Nothing held: lines go out straight from data. */
		left = (size_t)(end - p);
		nl = memchr(p, '\n',
			    left <= LOGLINE_MAX ? left : LOGLINE_MAX + 1);
		if (nl != NULL) {
			cb(ctx, p, (size_t)(nl - p),
			   f->cont ? LOGLINE_CONT : 0);
			f->cont = 0;
			p = nl + 1;
		} else if (left > LOGLINE_MAX) {
			/* A full piece, and a byte that is not a newline after it. */
			cb(ctx, p, LOGLINE_MAX,
			   (f->cont ? LOGLINE_CONT : 0) | LOGLINE_MORE);
			f->cont = 1;
			p += LOGLINE_MAX;
		} else {
			if (hold(f, p, left) < 0) {
				cb(ctx, p, left,
				   (f->cont ? LOGLINE_CONT : 0) | LOGLINE_MORE);
				f->cont = 1;
			}
			p = end;
		}
	}
}

void logline_flush(struct logline *f, logline_cb cb, void *ctx)
{
	/* cont without bytes: a piece sent for want of memory ends here. */
	if (f->len > 0 || f->cont)
		cb(ctx, f->buf != NULL ? f->buf : "", f->len,
		   f->cont ? LOGLINE_CONT : 0);
	logline_free(f);
}
