/*
 * The recent output of a service, for `tendctl log`: the last `limit`
 * bytes of whole lines (a line counts its bytes and its newline; a line
 * cut into pieces is kept or evicted as a whole). Both streams share a
 * ring: a piece that continues a line (LOGLINE_CONT) belongs to the last
 * line of its own stream, whatever the other stream pushed in between.
 * Pure.
 */
#ifndef TEND_LOGRING_H
#define TEND_LOGRING_H

#include <stddef.h>
#include <stdint.h>

struct logring_rec {
	int64_t ts_ms;
	int stream; /* enum log_stream: 0 stdout, 1 stderr */
	int flags;  /* LOGLINE_CONT, LOGLINE_MORE */
	const char *msg;
	size_t len;
};

/*
 * Records in a circular buffer grown on demand (an empty ring holds no
 * memory) up to what the limit needs; headers are bounded too, so the
 * storage never exceeds about twice the limit, whatever the line lengths.
 */
struct logring {
	unsigned char *buf;
	size_t cap;    /* bytes of buf */
	size_t head;   /* offset of the oldest record */
	size_t used;   /* bytes of records held, headers included */
	size_t limit;  /* bytes of lines to keep; 0 keeps nothing */
	size_t bytes;  /* bytes of lines held: the len of every record,
			     and 1 for each that ends its line (no MORE) */
	size_t nrec;   /* records (pieces) held */
	size_t nlines; /* whole lines held */
	size_t ndead;  /* private: evicted records not yet reclaimed */
	/* Private to logring.c: the line each stream is in the middle of. */
	struct logring_cur {
		size_t first,
			last; /* offsets of its first and newest records */
		size_t bytes; /* its bytes so far */
		int more;     /* the newest piece pushed had LOGLINE_MORE */
		int drop;     /* the line is not kept: nor are its pieces */
	} cur[2];	      /* by stream: stdout, stderr */
};

void logring_init(struct logring *r, size_t limit);
/* Empties r (its memory goes); the limit stays. */
void logring_free(struct logring *r);

/* A new limit (a reload): the oldest lines go until it holds. */
void logring_set_limit(struct logring *r, size_t limit);

/*
 * Keep one line or piece; stream is 0 or 1 (any other value counts as 1).
 * A piece that does not start a line (LOGLINE_CONT) belongs to the line
 * its stream is in the middle of; with none, it starts a line of its own.
 * A line that starts while its stream's last one waits for pieces ends
 * that one. The oldest lines go until the new one fits. When a whole line
 * cannot fit in limit it is not kept (and neither is the rest of its
 * pieces). Returns 0, or -1 on ENOMEM (the line of the piece is not kept,
 * the ring still valid).
 */
int logring_push(struct logring *r, int64_t ts_ms, int stream, int flags,
		 const char *msg, size_t len);

/*
 * Calls cb for every record of the last n whole lines, oldest first
 * (n == 0: none; n >= nlines: all): the order they were pushed in. A line
 * whose pieces are still coming counts as a line, with the pieces so far.
 * rec and its msg are valid during the call; cb must not change the ring.
 */
void logring_last(const struct logring *r, size_t n,
		  void (*cb)(void *ctx, const struct logring_rec *rec),
		  void *ctx);

#endif
