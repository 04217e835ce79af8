/*
 * Line framing of a service's output: bytes in, whole lines out. A line
 * longer than LOGLINE_MAX is cut into pieces of LOGLINE_MAX bytes; each
 * piece says whether it continues a line (LOGLINE_CONT) and whether
 * another piece of the same line follows (LOGLINE_MORE). Pure: no
 * syscalls.
 */
#ifndef TEND_LOGLINE_H
#define TEND_LOGLINE_H

#include <stddef.h>

#define LOGLINE_MAX 16384 /* bytes of a line or a piece, newline excluded */

#define LOGLINE_CONT 1 /* a piece after the first of its line */
#define LOGLINE_MORE 2 /* another piece of this line follows */

/* One line or piece, without its newline; msg is valid during the call. */
typedef void (*logline_cb)(void *ctx, const char *msg, size_t len, int flags);

/*
 * What a stream holds between reads: the start of a line whose newline has
 * not come yet. The buffer is allocated only when such a start is held (a
 * quiet service, or one that writes whole lines, costs no buffer); one
 * grown past 256 bytes is freed as soon as it is empty.
 */
struct logline {
	char *buf;
	size_t len, cap;
	int cont; /* the held bytes continue a line already emitted in part */
};

void logline_init(struct logline *f);
void logline_free(struct logline *f);

/*
 * Feed n bytes. cb is called once for every complete line and every
 * LOGLINE_MAX piece, in order. A line of exactly LOGLINE_MAX bytes and its
 * newline is one line, not a piece: a full piece is emitted with
 * LOGLINE_MORE only once a byte other than the newline follows it. Lines
 * wholly inside data are passed without a copy. Out of memory for the held
 * bytes, they are emitted as a piece (LOGLINE_MORE) rather than lost.
 */
void logline_feed(struct logline *f, const char *data, size_t n, logline_cb cb,
		  void *ctx);

/*
 * End of the stream: what is held goes out as a last line (no
 * LOGLINE_MORE), and the buffer is freed; f can be fed again.
 */
void logline_flush(struct logline *f, logline_cb cb, void *ctx);

/* Bytes held (a partial line). */
size_t logline_pending(const struct logline *f);

#endif
