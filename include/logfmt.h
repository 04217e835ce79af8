/*
 * How a line of output is written: to tend's stdout/stderr in the
 * log-format, or to a log file. Pure: formatting into a buffer only.
 */
#ifndef TEND_LOGFMT_H
#define TEND_LOGFMT_H

#include <stddef.h>
#include <stdint.h>

#include "ctlproto.h"

enum log_format {
	LOGFMT_PREFIX, /* "NAME | line", pieces after the first "NAME + piece" */
	LOGFMT_PLAIN,  /* the line alone */
	LOGFMT_JSON,   /* {"ts", "service", "stream", "msg"[, "cont": true]} */
	LOGFMT_FILE,   /* a log file: the bytes as written, pieces joined */
};

enum log_stream {
	LOG_STDOUT,
	LOG_STDERR
};

struct logfmt_line {
	const char *service; /* its name; "tend" for tend's own lines */
	int own; /* tend's own line: "tend: msg" in prefix, plain and
				file; msg is the message alone */
	enum log_stream stream;
	const char *msg; /* the line or piece, no newline */
	size_t len;
	int flags;     /* LOGLINE_CONT, LOGLINE_MORE */
	int64_t ts_ms; /* wall clock, milliseconds since the epoch */
};

/*
 * Appends l to out as fmt writes it, its newline included (LOGFMT_FILE:
 * no newline after a piece that another follows, no timestamp before a
 * piece that continues a line). timestamps: an RFC 3339 UTC time with
 * milliseconds and a space first (prefix, plain, file; json always has
 * "ts"). On ENOMEM out->oom is set, as jbuf does.
 *
 *   prefix:  [TS ]web | line        [TS ]web + piece        [TS ]tend: msg
 *   plain:   [TS ]line                                      [TS ]tend: msg
 *   json:    {"ts": "TS", "service": "web", "stream": "stdout", "msg": "line"}
 *            pieces after the first add "cont": true; tend's own lines have
 *            service "tend", stream "stderr"
 */
void logfmt_append(struct jbuf *out, enum log_format fmt, int timestamps,
		   const struct logfmt_line *l);

/* "2026-11-29T07:00:00.123Z" from milliseconds since the epoch. */
void logfmt_ts(int64_t ms, char out[32]);

/*
 * The json object of l alone (no newline): what log-format json writes,
 * and what `tendctl log` receives, where with_more adds "more": true to a
 * piece that another follows (so the client can join the pieces). A
 * value as jb_str writes one: after a comma unless it comes first.
 */
void logfmt_json_obj(struct jbuf *out, const struct logfmt_line *l,
		     int with_more);

/* "prefix", "plain", "json" (and "file" for LOGFMT_FILE). */
const char *logfmt_name(enum log_format f);

#endif
