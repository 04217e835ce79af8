/*
 * The control protocol, version 1 (docs/protocol.md): requests, reply
 * headers and JSON text. Pure: no syscalls, no libev; shared by tend's
 * server and tendctl.
 */
#ifndef TEND_CTLPROTO_H
#define TEND_CTLPROTO_H

#include <stddef.h>
#include <stdint.h>

#define CTL_VERSION	  "tend/1"
#define CTL_REQUEST_MAX	  65536 /* bytes, the final newline included */
#define CTL_WORD_MAX	  255
#define CTL_ARGS_MAX	  1024
#define CTL_BODY_MAX	  (16u << 20)
#define CTL_LOG_LINES_MAX 1000000 /* the N of "log NAME N" */

enum ctl_cmd {
	CTL_STATUS,
	CTL_CHECK,
	CTL_EVENTS,
	CTL_METRICS,
	CTL_START,
	CTL_STOP,
	CTL_RESTART,
	CTL_SIGNAL,
	CTL_RELOAD,
	CTL_SHUTDOWN,
	CTL_LOG,
	CTL_CMD_COUNT
};

enum ctl_status {
	CTL_OK,
	CTL_FAILED,
	CTL_BAD_REQUEST,
	CTL_UNKNOWN_COMMAND,
	CTL_UNKNOWN_SERVICE,
	CTL_BAD_VERSION,
	CTL_TOO_LARGE,
	CTL_TIMEOUT,
	CTL_BUSY,
	CTL_DENIED,
	CTL_SHUTTING_DOWN,
	CTL_STATUS_COUNT
};

struct ctl_request {
	enum ctl_cmd cmd;
	size_t nargs;
	char **args; /* pointers into a copy owned by the request */
	char *buf;
};

enum ctl_decode {
	CTL_DECODE_OK,	 /* a whole request; *used bytes were consumed */
	CTL_DECODE_MORE, /* no newline yet: read more */
	CTL_DECODE_ERROR /* *status and err say why */
};

/*
 * Decode the request at the start of buf (len bytes read so far). Checks
 * the length before anything else: no newline within CTL_REQUEST_MAX bytes
 * is CTL_TOO_LARGE. On CTL_DECODE_OK, req holds the command and its
 * arguments (free with ctl_request_free); argument counts are checked per
 * command, names and signals are the server's to check.
 */
enum ctl_decode ctl_decode_request(const char *buf, size_t len,
				   struct ctl_request *req, size_t *used,
				   enum ctl_status *status, char *err,
				   size_t errlen);
void ctl_request_free(struct ctl_request *req);

/* The arguments of a decoded log request: "NAME N [follow]". */
struct ctl_log_args {
	const char *name; /* points into the request */
	unsigned long lines;
	int follow;
};

/*
 * The arguments of req, a log request that ctl_decode_request accepted.
 * Returns 0, or -1 when req is not such a request.
 */
int ctl_log_args(const struct ctl_request *req, struct ctl_log_args *out);

/*
 * The N of a log request: decimal digits only (no sign, no space), at
 * most CTL_LOG_LINES_MAX. Returns 0, or -1 (*out untouched).
 */
int ctl_log_lines_parse(const char *s, unsigned long *out);

/* 1 for the commands a monitor-group member may run. */
int ctl_cmd_read_only(enum ctl_cmd cmd);
const char *ctl_cmd_name(enum ctl_cmd cmd);
const char *ctl_status_name(enum ctl_status st);
/* The status named s, or -1. */
int ctl_status_parse(const char *s);

/*
 * Encode a request line from words (command first) into out; returns its
 * length, or -1 when a word is empty, too long or holds a byte outside
 * 0x21-0x7e, or the line would not fit in outlen or CTL_REQUEST_MAX.
 */
int ctl_encode_request(char *const *words, size_t nwords, char *out,
		       size_t outlen);

/* "tend/1 STATUS LENGTH\n" into out (>= 64 bytes); returns its length. */
int ctl_encode_header(enum ctl_status st, size_t body_len, char *out,
		      size_t outlen);
/* "tend/1 ok stream\n" */
int ctl_encode_stream_header(char *out, size_t outlen);

/*
 * Decode a reply header at the start of buf. Returns CTL_DECODE_MORE
 * without a full line (up to 64 bytes), CTL_DECODE_ERROR when malformed,
 * else CTL_DECODE_OK with *st, *body_len (SIZE_MAX for a stream) and
 * *used (the header's bytes).
 */
enum ctl_decode ctl_decode_header(const char *buf, size_t len,
				  enum ctl_status *st, size_t *body_len,
				  size_t *used);

/* ---- JSON text ---- */

/* A growable buffer of JSON; on ENOMEM it remembers and stays valid. */
struct jbuf {
	char *s;
	size_t len, cap;
	int oom;
	int first; /* no comma before the next value */
};

void jb_init(struct jbuf *b);
void jb_free(struct jbuf *b);
void jb_obj_begin(struct jbuf *b);
void jb_obj_end(struct jbuf *b);
void jb_arr_begin(struct jbuf *b);
void jb_arr_end(struct jbuf *b);
void jb_key(struct jbuf *b, const char *key); /* then exactly one value */
void jb_str(struct jbuf *b, const char *s);   /* NULL writes null */
void jb_int(struct jbuf *b, long long v);
void jb_num(struct jbuf *b, double v, int decimals); /* non-finite: null */
void jb_bool(struct jbuf *b, int v);
void jb_null(struct jbuf *b);
/* Append raw text (a newline between streamed objects). */
void jb_raw(struct jbuf *b, const char *s, size_t n);

/*
 * Escape s as the inside of a JSON string into b: ", \, control characters
 * (\n \t \r \b \f or \u00XX), invalid UTF-8 as \uFFFD.
 */
void jb_escape(struct jbuf *b, const char *s, size_t n);

/* RFC 3339 UTC with milliseconds: "2026-11-29T07:00:00.123Z" (25 bytes). */
void ctl_rfc3339(double epoch, char out[32]);

#endif
