#include "ctlproto.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HEADER_MAX 64 /* a reply header line, its newline included */
#define ERR_WORD   40 /* bytes of a quoted word in an error message */

static const char *const cmd_names[CTL_CMD_COUNT] = {
	[CTL_STATUS] = "status",   [CTL_CHECK] = "check",
	[CTL_EVENTS] = "events",   [CTL_METRICS] = "metrics",
	[CTL_START] = "start",	   [CTL_STOP] = "stop",
	[CTL_RESTART] = "restart", [CTL_SIGNAL] = "signal",
	[CTL_RELOAD] = "reload",   [CTL_SHUTDOWN] = "shutdown",
	[CTL_LOG] = "log",
};

static const char *const status_names[CTL_STATUS_COUNT] = {
	[CTL_OK] = "ok",
	[CTL_FAILED] = "failed",
	[CTL_BAD_REQUEST] = "bad-request",
	[CTL_UNKNOWN_COMMAND] = "unknown-command",
	[CTL_UNKNOWN_SERVICE] = "unknown-service",
	[CTL_BAD_VERSION] = "bad-version",
	[CTL_TOO_LARGE] = "too-large",
	[CTL_TIMEOUT] = "timeout",
	[CTL_BUSY] = "busy",
	[CTL_DENIED] = "denied",
	[CTL_SHUTTING_DOWN] = "shutting-down",
};

int ctl_cmd_read_only(enum ctl_cmd cmd)
{
	return cmd == CTL_STATUS || cmd == CTL_CHECK || cmd == CTL_EVENTS ||
	       cmd == CTL_METRICS || cmd == CTL_LOG;
}

const char *ctl_cmd_name(enum ctl_cmd cmd)
{
	return (unsigned)cmd < CTL_CMD_COUNT ? cmd_names[cmd] : NULL;
}

const char *ctl_status_name(enum ctl_status st)
{
	return (unsigned)st < CTL_STATUS_COUNT ? status_names[st] : NULL;
}

int ctl_status_parse(const char *s)
{
	int i;

	if (s == NULL)
		return -1;
	for (i = 0; i < CTL_STATUS_COUNT; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
	return -1;
}

/* The command named by the n bytes at s, or -1. */
static int cmd_lookup(const char *s, size_t n)
{
	int i;

	for (i = 0; i < CTL_CMD_COUNT; i++)
		if (strlen(cmd_names[i]) == n &&
		    memcmp(s, cmd_names[i], n) == 0)
			return i;
	return -1;
}

static int word_byte(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e;
}

/* ---- requests ---- */

struct decode_err {
	enum ctl_status *status;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4))) static enum ctl_decode
fail(const struct decode_err *e, enum ctl_status st, const char *fmt, ...)
{
	va_list ap;

	if (e->status != NULL)
		*e->status = st;
	if (e->err != NULL && e->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(e->err, e->errlen, fmt, ap);
		va_end(ap);
	}
	return CTL_DECODE_ERROR;
}

static enum ctl_decode bad_byte(const struct decode_err *e, unsigned char c)
{
	if (c == '\r')
		return fail(e, CTL_BAD_REQUEST,
			    "carriage return before the newline");
	return fail(e, CTL_BAD_REQUEST, "byte 0x%02x is not allowed", c);
}

/* The words after the version are checked before any is looked at. */
static enum ctl_decode check_words(const char *s, size_t n, size_t *nwords,
				   const struct decode_err *e)
{
	size_t i, wlen = 0;

	*nwords = 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ') {
			if (i + 1 == n)
				return fail(e, CTL_BAD_REQUEST,
					    "trailing space");
			if (wlen == 0)
				return fail(e, CTL_BAD_REQUEST, "double space");
			wlen = 0;
			continue;
		}
		if (!word_byte(c))
			return bad_byte(e, c);
		if (wlen++ == 0 && ++*nwords > CTL_ARGS_MAX)
			return fail(e, CTL_BAD_REQUEST, "more than %d words",
				    CTL_ARGS_MAX);
		if (wlen > CTL_WORD_MAX)
			return fail(e, CTL_BAD_REQUEST,
				    "a word is longer than %d bytes",
				    CTL_WORD_MAX);
	}
	return CTL_DECODE_OK;
}

int ctl_log_lines_parse(const char *s, unsigned long *out)
{
	unsigned long v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > CTL_LOG_LINES_MAX)
			return -1; /* checked at each digit: no wrap */
	}
	*out = v;
	return 0;
}

static enum ctl_decode check_log(char *const *args, size_t nargs,
				 const struct decode_err *e)
{
	unsigned long n;
	size_t len;

	if (nargs != 2 && nargs != 3)
		return fail(e, CTL_BAD_REQUEST,
			    "'log' needs a service name and a line count, "
			    "then optionally 'follow'");
	if (ctl_log_lines_parse(args[1], &n) < 0) {
		len = strlen(args[1]);
		return fail(e, CTL_BAD_REQUEST,
			    "'log': bad line count '%.*s' (a decimal number "
			    "from 0 to %d)",
			    len > ERR_WORD ? ERR_WORD : (int)len, args[1],
			    CTL_LOG_LINES_MAX);
	}
	if (nargs == 3 && strcmp(args[2], "follow") != 0) {
		len = strlen(args[2]);
		return fail(e, CTL_BAD_REQUEST,
			    "'log': the third argument can only be 'follow', "
			    "not '%.*s'",
			    len > ERR_WORD ? ERR_WORD : (int)len, args[2]);
	}
	return CTL_DECODE_OK;
}

static enum ctl_decode check_nargs(enum ctl_cmd cmd, char *const *args,
				   size_t nargs, const struct decode_err *e)
{
	const char *name = cmd_names[cmd];

	switch (cmd) {
	case CTL_STATUS:
	case CTL_CHECK:
		return CTL_DECODE_OK;
	case CTL_EVENTS:
	case CTL_METRICS:
	case CTL_SHUTDOWN:
		if (nargs == 0)
			return CTL_DECODE_OK;
		return fail(e, CTL_BAD_REQUEST, "'%s' takes no arguments",
			    name);
	case CTL_START:
	case CTL_STOP:
	case CTL_RESTART:
		if (nargs >= 1)
			return CTL_DECODE_OK;
		return fail(e, CTL_BAD_REQUEST,
			    "'%s' needs at least one service name", name);
	case CTL_SIGNAL:
		if (nargs >= 2)
			return CTL_DECODE_OK;
		return fail(e, CTL_BAD_REQUEST,
			    "'%s' needs a signal and at least one service name",
			    name);
	case CTL_RELOAD:
		if (nargs == 0 ||
		    (nargs == 1 && strcmp(args[0], "dry-run") == 0))
			return CTL_DECODE_OK;
		return fail(e, CTL_BAD_REQUEST,
			    "'%s' takes no argument or 'dry-run'", name);
	case CTL_LOG:
		return check_log(args, nargs, e);
	case CTL_CMD_COUNT:
		break;
	}
	return fail(e, CTL_BAD_REQUEST, "no such command");
}

/* Splits the checked words s[0..n) into req (the command stays in buf). */
static int split_words(const char *s, size_t n, size_t nwords,
		       struct ctl_request *req)
{
	size_t i, k = 0;

	req->buf = malloc(n + 1);
	req->args = calloc(nwords + 1, sizeof(*req->args));
	if (req->buf == NULL || req->args == NULL)
		return -1;
	memcpy(req->buf, s, n);
	req->buf[n] = '\0';
	req->args[k++] = req->buf;
	for (i = 0; i < n; i++)
		if (req->buf[i] == ' ') {
			req->buf[i] = '\0';
			req->args[k++] = req->buf + i + 1;
		}
	/* args[0] is the command: callers see only the arguments. */
	memmove(req->args, req->args + 1, nwords * sizeof(*req->args));
	req->nargs = nwords - 1;
	return 0;
}

enum ctl_decode ctl_decode_request(const char *buf, size_t len,
				   struct ctl_request *req, size_t *used,
				   enum ctl_status *status, char *err,
				   size_t errlen)
{
	const struct decode_err e = { status, err, errlen };
	const char *nl, *sp, *rest;
	size_t n, vlen, restlen, nwords, i;
	int cmd;

	memset(req, 0, sizeof(*req));
	if (used != NULL)
		*used = 0;
	if (status != NULL)
		*status = CTL_OK;
	if (err != NULL && errlen > 0)
		err[0] = '\0';

	nl = len > 0 ? memchr(buf, '\n',
			      len < CTL_REQUEST_MAX ? len : CTL_REQUEST_MAX)
		     : NULL;
	if (nl == NULL) {
		if (len < CTL_REQUEST_MAX)
			return CTL_DECODE_MORE;
		return fail(&e, CTL_TOO_LARGE, "request longer than %d bytes",
			    CTL_REQUEST_MAX);
	}
	n = (size_t)(nl - buf);
	if (n == 0)
		return fail(&e, CTL_BAD_REQUEST, "empty request");

	/* The version first: another version may have another syntax. */
	sp = memchr(buf, ' ', n);
	vlen = sp != NULL ? (size_t)(sp - buf) : n;
	if (vlen == 0)
		return fail(&e, CTL_BAD_REQUEST, "leading space");
	for (i = 0; i < vlen; i++)
		if (!word_byte((unsigned char)buf[i]))
			return bad_byte(&e, (unsigned char)buf[i]);
	if (vlen != strlen(CTL_VERSION) || memcmp(buf, CTL_VERSION, vlen) != 0)
		return fail(&e, CTL_BAD_VERSION,
			    "unsupported version '%.*s' (this is " CTL_VERSION
			    ")",
			    vlen > ERR_WORD ? ERR_WORD : (int)vlen, buf);
	if (sp == NULL)
		return fail(&e, CTL_BAD_REQUEST, "no command");

	rest = sp + 1;
	restlen = n - vlen - 1;
	if (restlen == 0)
		return fail(&e, CTL_BAD_REQUEST, "trailing space");
	if (check_words(rest, restlen, &nwords, &e) != CTL_DECODE_OK)
		return CTL_DECODE_ERROR;

	sp = memchr(rest, ' ', restlen);
	i = sp != NULL ? (size_t)(sp - rest) : restlen;
	cmd = cmd_lookup(rest, i);
	if (cmd < 0)
		return fail(&e, CTL_UNKNOWN_COMMAND, "unknown command '%.*s'",
			    i > ERR_WORD ? ERR_WORD : (int)i, rest);

	if (split_words(rest, restlen, nwords, req) < 0) {
		ctl_request_free(req);
		return fail(&e, CTL_FAILED, "out of memory");
	}
	req->cmd = (enum ctl_cmd)cmd;
	if (check_nargs(req->cmd, req->args, req->nargs, &e) != CTL_DECODE_OK) {
		ctl_request_free(req);
		return CTL_DECODE_ERROR;
	}
	if (used != NULL)
		*used = n + 1;
	return CTL_DECODE_OK;
}

int ctl_log_args(const struct ctl_request *req, struct ctl_log_args *out)
{
	const struct decode_err quiet = { NULL, NULL, 0 };

	if (req == NULL || req->cmd != CTL_LOG ||
	    check_log(req->args, req->nargs, &quiet) != CTL_DECODE_OK)
		return -1;
	out->name = req->args[0];
	ctl_log_lines_parse(req->args[1], &out->lines);
	out->follow = req->nargs == 3;
	return 0;
}

void ctl_request_free(struct ctl_request *req)
{
	if (req == NULL)
		return;
	free(req->args);
	free(req->buf);
	memset(req, 0, sizeof(*req));
}

int ctl_encode_request(char *const *words, size_t nwords, char *out,
		       size_t outlen)
{
	size_t i, j, len = strlen(CTL_VERSION);

	if (words == NULL || nwords == 0 || nwords > CTL_ARGS_MAX ||
	    out == NULL)
		return -1;
	for (i = 0; i < nwords; i++) {
		size_t wlen = words[i] != NULL ? strlen(words[i]) : 0;

		if (wlen == 0 || wlen > CTL_WORD_MAX)
			return -1;
		for (j = 0; j < wlen; j++)
			if (!word_byte((unsigned char)words[i][j]))
				return -1;
		len += 1 + wlen;
	}
	len++; /* the newline */
	if (len > CTL_REQUEST_MAX || len >= outlen)
		return -1;

	memcpy(out, CTL_VERSION, strlen(CTL_VERSION));
	j = strlen(CTL_VERSION);
	for (i = 0; i < nwords; i++) {
		size_t wlen = strlen(words[i]);

		out[j++] = ' ';
		memcpy(out + j, words[i], wlen);
		j += wlen;
	}
	out[j++] = '\n';
	out[j] = '\0';
	return (int)j;
}

/* ---- reply headers ---- */

static int put_line(char *out, size_t outlen, const char *status,
		    const char *len)
{
	int n;

	if (out == NULL || status == NULL)
		return -1;
	n = snprintf(out, outlen, "%s %s %s\n", CTL_VERSION, status, len);
	return n < 0 || (size_t)n >= outlen ? -1 : n;
}

int ctl_encode_header(enum ctl_status st, size_t body_len, char *out,
		      size_t outlen)
{
	char num[24];

	if (body_len > CTL_BODY_MAX)
		return -1;
	snprintf(num, sizeof(num), "%zu", body_len);
	return put_line(out, outlen, ctl_status_name(st), num);
}

int ctl_encode_stream_header(char *out, size_t outlen)
{
	return put_line(out, outlen, status_names[CTL_OK], "stream");
}

enum ctl_decode ctl_decode_header(const char *buf, size_t len,
				  enum ctl_status *st, size_t *body_len,
				  size_t *used)
{
	char line[HEADER_MAX];
	const char *nl, *p;
	char *status, *num;
	size_t n, v = 0;
	int s;

	nl = len > 0 ? memchr(buf, '\n', len < HEADER_MAX ? len : HEADER_MAX)
		     : NULL;
	if (nl == NULL)
		return len < HEADER_MAX ? CTL_DECODE_MORE : CTL_DECODE_ERROR;
	n = (size_t)(nl - buf);
	memcpy(line, buf, n);
	line[n] = '\0';
	if (memchr(line, '\0', n) != NULL)
		return CTL_DECODE_ERROR;

	if (strncmp(line, CTL_VERSION " ", strlen(CTL_VERSION) + 1) != 0)
		return CTL_DECODE_ERROR;
	status = line + strlen(CTL_VERSION) + 1;
	num = strchr(status, ' ');
	if (num == NULL)
		return CTL_DECODE_ERROR;
	*num++ = '\0';
	s = ctl_status_parse(status);
	if (s < 0)
		return CTL_DECODE_ERROR;

	if (s == CTL_OK && strcmp(num, "stream") == 0) {
		v = SIZE_MAX;
	} else {
		if (*num == '\0')
			return CTL_DECODE_ERROR;
		for (p = num; *p != '\0'; p++) {
			if (*p < '0' || *p > '9')
				return CTL_DECODE_ERROR;
			v = v * 10 + (size_t)(*p - '0');
			if (v > CTL_BODY_MAX)
				return CTL_DECODE_ERROR;
		}
	}
	*st = (enum ctl_status)s;
	*body_len = v;
	*used = n + 1;
	return CTL_DECODE_OK;
}

/* ---- JSON text ---- */

void jb_init(struct jbuf *b)
{
	memset(b, 0, sizeof(*b));
	b->first = 1;
}

void jb_free(struct jbuf *b)
{
	free(b->s);
	jb_init(b);
}

/* Room for n more bytes and a NUL; 0, or -1 (and oom set). */
static int reserve(struct jbuf *b, size_t n)
{
	size_t cap;
	char *s;

	if (b->oom)
		return -1;
	if (b->cap - b->len > n)
		return 0;
	if (n > SIZE_MAX / 2 - b->len) {
		b->oom = 1;
		return -1;
	}
	cap = b->cap > 0 ? b->cap : 256;
	while (cap - b->len <= n)
		cap *= 2;
	s = realloc(b->s, cap);
	if (s == NULL) {
		b->oom = 1;
		return -1;
	}
	b->s = s;
	b->cap = cap;
	return 0;
}

static void put(struct jbuf *b, const char *s, size_t n)
{
	if (n == 0 || reserve(b, n) < 0)
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void put_str(struct jbuf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* Before a value or a key: a separator unless it comes first. */
static void sep(struct jbuf *b)
{
	if (!b->first)
		put(b, ", ", 2);
	b->first = 0;
}

static void open_with(struct jbuf *b, const char *c)
{
	sep(b);
	put(b, c, 1);
	b->first = 1;
}

static void close_with(struct jbuf *b, const char *c)
{
	put(b, c, 1);
	b->first = 0;
}

void jb_obj_begin(struct jbuf *b)
{
	open_with(b, "{");
}

void jb_obj_end(struct jbuf *b)
{
	close_with(b, "}");
}

void jb_arr_begin(struct jbuf *b)
{
	open_with(b, "[");
}

void jb_arr_end(struct jbuf *b)
{
	close_with(b, "]");
}

static void quoted(struct jbuf *b, const char *s)
{
	put(b, "\"", 1);
	jb_escape(b, s, strlen(s));
	put(b, "\"", 1);
}

void jb_key(struct jbuf *b, const char *key)
{
	sep(b);
	quoted(b, key != NULL ? key : "");
	put(b, ": ", 2);
	b->first = 1; /* the value follows the colon */
}

void jb_str(struct jbuf *b, const char *s)
{
	if (s == NULL) {
		jb_null(b);
		return;
	}
	sep(b);
	quoted(b, s);
}

void jb_int(struct jbuf *b, long long v)
{
	char num[24];

	sep(b);
	snprintf(num, sizeof(num), "%lld", v);
	put_str(b, num);
}

void jb_num(struct jbuf *b, double v, int decimals)
{
	char num[400]; /* DBL_MAX has 309 digits before the point */
	char *p;

	if (!isfinite(v)) {
		jb_null(b);
		return;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > 17)
		decimals = 17;
	sep(b);
	snprintf(num, sizeof(num), "%.*f", decimals, v);
	/* %f never writes an exponent; a locale might write a comma. */
	for (p = num; *p != '\0'; p++)
		if (*p != '-' && (*p < '0' || *p > '9'))
			*p = '.';
	put_str(b, num);
}

void jb_bool(struct jbuf *b, int v)
{
	sep(b);
	put_str(b, v ? "true" : "false");
}

void jb_null(struct jbuf *b)
{
	sep(b);
	put_str(b, "null");
}

/* Raw text ends a run of values: what follows starts a new one. */
void jb_raw(struct jbuf *b, const char *s, size_t n)
{
	put(b, s, n);
	b->first = 1;
}

/*
 * The length of the valid UTF-8 sequence of two or more bytes at s (n
 * bytes left), or 0: no overlong forms, surrogates or code points past
 * U+10FFFF (RFC 3629's table).
 */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

void jb_escape(struct jbuf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	static const char short_from[] = "\"\\\n\t\r\b\f";
	static const char short_to[] = "\"\\ntrbf";
	const char *short_form;
	size_t i = 0, run = 0, len;
	char esc[8];

	if (n == 0)
		return;

	/* Plain bytes go out in runs, between the ones that need a form. */
	while (i + run < n) {
		unsigned char c = u[i + run];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			run++;
			continue;
		}
		if (c >= 0x80 && (len = utf8_seq(u + i + run, n - i - run))) {
			run += len;
			continue;
		}
		put(b, s + i, run);
		i += run + 1;
		run = 0;
		/* c != 0: strchr would find the terminator */
		if (c != 0 && (short_form = strchr(short_from, c)) != NULL) {
			esc[0] = '\\';
			esc[1] = short_to[short_form - short_from];
			put(b, esc, 2);
		} else if (c >= 0x80) {
			put(b, "\\uFFFD", 6);
		} else {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(b, esc, 6);
		}
	}
	put(b, s + i, run);
}

/* ---- time ---- */

/* 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: RFC 3339's years. */
#define MS_MIN (-62167219200000.0)
#define MS_MAX 253402300799999.0

/* v as n digits and then sep, at p; returns the end. */
static char *digits(char *p, int v, int n, char sep)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	p[n] = sep;
	return p + n + 1;
}

void ctl_rfc3339(double epoch, char out[32])
{
	double msd;
	long long ms;
	time_t sec;
	struct tm tm;
	char *p = out;

	/*
	 * Down to the millisecond, but a time a hair under the next one (the
	 * nearest double to ...00.123 at today's epochs is ...00.12299990)
	 * is that one.
	 */
	msd = isnan(epoch) ? 0 : floor(epoch * 1000.0 + 1e-3);
	if (msd < MS_MIN)
		msd = MS_MIN;
	if (msd > MS_MAX)
		msd = MS_MAX;
	ms = (long long)msd;
	sec = (time_t)(ms / 1000);
	ms %= 1000;
	if (ms < 0) {
		ms += 1000;
		sec--;
	}
	if (gmtime_r(&sec, &tm) == NULL) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = 70;
		tm.tm_mday = 1;
		ms = 0;
	}
	/* The clamp above keeps every field to its digits. */
	p = digits(p, tm.tm_year + 1900, 4, '-');
	p = digits(p, tm.tm_mon + 1, 2, '-');
	p = digits(p, tm.tm_mday, 2, 'T');
	p = digits(p, tm.tm_hour, 2, ':');
	p = digits(p, tm.tm_min, 2, ':');
	p = digits(p, tm.tm_sec, 2, '.');
	p = digits(p, (int)ms, 3, 'Z');
	*p = '\0';
}
