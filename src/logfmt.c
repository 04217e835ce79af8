#include "logfmt.h"

#include <string.h>

#include "logline.h"

#define TS_LEN 24 /* "2026-11-29T07:00:00.123Z" */

/* 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: RFC 3339's years. */
#define MS_MIN (-62167219200000LL)
#define MS_MAX 253402300799999LL
#define MS_DAY 86400000LL

static const char *const names[] = {
	[LOGFMT_PREFIX] = "prefix",
	[LOGFMT_PLAIN] = "plain",
	[LOGFMT_JSON] = "json",
	[LOGFMT_FILE] = "file",
};

const char *logfmt_name(enum log_format f)
{
	return (unsigned)f < sizeof(names) / sizeof(names[0]) ? names[f] : NULL;
}

/* v as n digits at p, then sep. */
static char *digits(char *p, unsigned v, int n, char sep)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	p[n] = sep;
	return p + n + 1;
}

/*
 * The date of a day counted from 1970-01-01 (from 0000-01-01 on), in the
 * proleptic Gregorian calendar: count from a March 1st so that the leap
 * day ends each year, then split into 400-year eras (146097 days), years
 * of the era, and months of 153 days every 5 (31 30 31 30 31). No gmtime:
 * this runs for every line.
 */
static void civil(long long days, unsigned *y, unsigned *m, unsigned *d)
{
	/* Days from -0400-03-01, so that 0000-01-01 is past the start. */
	long long z = days + 719468 + 146097;
	unsigned era = (unsigned)(z / 146097);
	unsigned doe = (unsigned)(z - (long long)era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = era * 400 + yoe + (*m <= 2) - 400;
}

void logfmt_ts(int64_t ms, char out[32])
{
	long long t = ms, days, rem;
	unsigned y, m, d, sec;
	char *p = out;

	if (t < MS_MIN)
		t = MS_MIN;
	if (t > MS_MAX)
		t = MS_MAX;
	days = t / MS_DAY;
	rem = t % MS_DAY;
	if (rem < 0) {
		rem += MS_DAY;
		days--;
	}
	civil(days, &y, &m, &d);
	sec = (unsigned)(rem / 1000);
	p = digits(p, y, 4, '-');
	p = digits(p, m, 2, '-');
	p = digits(p, d, 2, 'T');
	p = digits(p, sec / 3600, 2, ':');
	p = digits(p, sec / 60 % 60, 2, ':');
	p = digits(p, sec % 60, 2, '.');
	p = digits(p, (unsigned)(rem % 1000), 3, 'Z');
	*p = '\0';
}

void logfmt_json_obj(struct jbuf *out, const struct logfmt_line *l,
		     int with_more)
{
	static const char stream_out[] =
		"\", \"stream\": \"stdout\", \"msg\": \"";
	static const char stream_err[] =
		"\", \"stream\": \"stderr\", \"msg\": \"";
	char ts[32];
	int first = out->first;
	const char *s;

	/* A value like any other: a comma before it unless it comes first. */
	if (!first)
		jb_raw(out, ", ", 2);
	logfmt_ts(l->ts_ms, ts);
	jb_raw(out, "{\"ts\": \"", 8);
	jb_raw(out, ts, TS_LEN);
	jb_raw(out, "\", \"service\": \"", 15);
	s = l->own || l->service == NULL ? "tend" : l->service;
	jb_escape(out, s, strlen(s));
	if (l->own || l->stream == LOG_STDERR)
		jb_raw(out, stream_err, sizeof(stream_err) - 1);
	else
		jb_raw(out, stream_out, sizeof(stream_out) - 1);
	jb_escape(out, l->msg, l->len);
	jb_raw(out, "\"", 1);
	if (l->flags & LOGLINE_CONT)
		jb_raw(out, ", \"cont\": true", 14);
	if (with_more && (l->flags & LOGLINE_MORE))
		jb_raw(out, ", \"more\": true", 14);
	jb_raw(out, "}", 1);
	out->first = 0;
}

/* "TS " when asked for. */
static void stamp(struct jbuf *out, int timestamps, int64_t ms)
{
	char ts[32];

	if (!timestamps)
		return;
	logfmt_ts(ms, ts);
	ts[TS_LEN] = ' ';
	jb_raw(out, ts, TS_LEN + 1);
}

void logfmt_append(struct jbuf *out, enum log_format fmt, int timestamps,
		   const struct logfmt_line *l)
{
	const char *s;

	switch (fmt) {
	case LOGFMT_JSON:
		logfmt_json_obj(out, l, 0);
		jb_raw(out, "\n", 1);
		return;
	case LOGFMT_FILE:
		/* Pieces join back into the line: one stamp, one newline. */
		if (!(l->flags & LOGLINE_CONT)) {
			stamp(out, timestamps, l->ts_ms);
			if (l->own)
				jb_raw(out, "tend: ", 6);
		}
		jb_raw(out, l->msg, l->len);
		if (!(l->flags & LOGLINE_MORE))
			jb_raw(out, "\n", 1);
		return;
	case LOGFMT_PLAIN:
		stamp(out, timestamps, l->ts_ms);
		if (l->own)
			jb_raw(out, "tend: ", 6);
		break;
	case LOGFMT_PREFIX:
	default:
		stamp(out, timestamps, l->ts_ms);
		if (l->own) {
			jb_raw(out, "tend: ", 6);
			break;
		}
		s = l->service != NULL ? l->service : "";
		jb_raw(out, s, strlen(s));
		if (l->flags & LOGLINE_CONT)
			jb_raw(out, " + ", 3);
		else
			jb_raw(out, " | ", 3);
		break;
	}
	jb_raw(out, l->msg, l->len);
	jb_raw(out, "\n", 1);
}
