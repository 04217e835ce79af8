#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* fuzz_utf8_char: valid UTF-8 by decoding, not by ctlproto's table */
#include "../fuzz/fuzz.h"
#include "logfmt.h"
#include "logline.h"
#include "unit.h"
#include "unit_util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* 2026-11-30T09:00:00.123Z */
#define T1 1796029200123LL

static struct logfmt_line line(const char *msg, int flags)
{
	struct logfmt_line l;

	memset(&l, 0, sizeof(l));
	l.service = "web";
	l.stream = LOG_STDOUT;
	l.msg = msg;
	l.len = strlen(msg);
	l.flags = flags;
	l.ts_ms = T1;
	return l;
}

static struct logfmt_line own(const char *msg)
{
	struct logfmt_line l = line(msg, 0);

	l.own = 1;
	return l;
}

/* What logfmt_append writes for l alone. */
static void expect(enum log_format fmt, int timestamps,
		   const struct logfmt_line *l, const char *want)
{
	struct jbuf b;

	jb_init(&b);
	logfmt_append(&b, fmt, timestamps, l);
	ck_assert_int_eq(b.oom, 0);
	ck_assert_ptr_nonnull(b.s);
	ck_assert_uint_eq(b.len, strlen(b.s));
	ck_assert_str_eq(b.s, want);
	jb_free(&b);
}

/* ---- logfmt_name ---- */

START_TEST(test_name)
{
	ck_assert_str_eq(logfmt_name(LOGFMT_PREFIX), "prefix");
	ck_assert_str_eq(logfmt_name(LOGFMT_PLAIN), "plain");
	ck_assert_str_eq(logfmt_name(LOGFMT_JSON), "json");
	ck_assert_str_eq(logfmt_name(LOGFMT_FILE), "file");
	ck_assert_ptr_null(logfmt_name((enum log_format)(LOGFMT_FILE + 1)));
	ck_assert_ptr_null(logfmt_name((enum log_format) - 1));
}
END_TEST

/* ---- logfmt_ts ---- */

/* The same time through gmtime: another way to the same text. */
static void ts_by_gmtime(int64_t ms, char out[32])
{
	time_t sec = (time_t)(ms / 1000);
	int rest = (int)(ms % 1000);
	struct tm tm;
	char text[80];

	if (rest < 0) {
		rest += 1000;
		sec--;
	}
	CK(gmtime_r(&sec, &tm) != NULL);
	CK(snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, rest) == 24);
	memcpy(out, text, 25);
}

START_TEST(test_ts)
{
	static const struct {
		int64_t ms;
		const char *want;
	} times[] = {
		{ 0, "1970-01-01T00:00:00.000Z" },
		{ 1, "1970-01-01T00:00:00.001Z" },
		{ 999, "1970-01-01T00:00:00.999Z" },
		{ 86399999, "1970-01-01T23:59:59.999Z" },
		{ 86400000, "1970-01-02T00:00:00.000Z" },
		{ 1795935600123LL, "2026-11-29T07:00:00.123Z" },
		{ T1, "2026-11-30T09:00:00.123Z" },
		{ 951782400000LL, "2000-02-29T00:00:00.000Z" },
		{ 951868799999LL, "2000-02-29T23:59:59.999Z" },
		{ 4107542400000LL, "2100-03-01T00:00:00.000Z" },
		{ 4107542399999LL, "2100-02-28T23:59:59.999Z" },
		{ 2147483648000LL, "2038-01-19T03:14:08.000Z" },
		{ -1, "1969-12-31T23:59:59.999Z" },
		{ -86400000, "1969-12-31T00:00:00.000Z" },
		{ -62135596800000LL, "0001-01-01T00:00:00.000Z" },
		{ -62167219200000LL, "0000-01-01T00:00:00.000Z" },
		{ -62162035200001LL, "0000-02-29T23:59:59.999Z" },
		{ 253402300799999LL, "9999-12-31T23:59:59.999Z" },
		/* clamped to RFC 3339's years */
		{ -62167219200001LL, "0000-01-01T00:00:00.000Z" },
		{ 253402300800000LL, "9999-12-31T23:59:59.999Z" },
		{ INT64_MIN, "0000-01-01T00:00:00.000Z" },
		{ INT64_MAX, "9999-12-31T23:59:59.999Z" },
	};
	char out[32], alt[32];
	size_t i;

	for (i = 0; i < N(times); i++) {
		memset(out, 'x', sizeof(out));
		logfmt_ts(times[i].ms, out);
		ck_assert_str_eq(out, times[i].want);
	}
	/* T1 by the C library too */
	ts_by_gmtime(T1, alt);
	logfmt_ts(T1, out);
	ck_assert_str_eq(out, alt);
}
END_TEST

/* Random times over all the years, and near now, against gmtime. */
START_TEST(test_ts_random)
{
	const int64_t lo = -62167219200000LL, hi = 253402300799999LL;
	char out[32], want[32];
	int i;

	rnd_seed(0x1234567);
	for (i = 0; i < 200000; i++) {
		uint64_t r = (uint64_t)rnd() << 32 | rnd();
		int64_t ms;

		if (i % 2 == 0)
			ms = lo + (int64_t)(r % (uint64_t)(hi - lo + 1));
		else
			ms = T1 + (int64_t)(r % 400000000000ULL) -
			     200000000000LL;
		ts_by_gmtime(ms, want);
		logfmt_ts(ms, out);
		if (strcmp(out, want) != 0)
			ck_assert_str_eq(out, want);
	}
}
END_TEST

/* ---- logfmt_append ---- */

START_TEST(test_prefix)
{
	struct logfmt_line l = line("hello world", 0);

	expect(LOGFMT_PREFIX, 0, &l, "web | hello world\n");
	expect(LOGFMT_PREFIX, 1, &l,
	       "2026-11-30T09:00:00.123Z web | hello world\n");
	l.stream = LOG_STDERR; /* the stream is where it goes, not how */
	expect(LOGFMT_PREFIX, 0, &l, "web | hello world\n");
	l = line("", 0);
	expect(LOGFMT_PREFIX, 0, &l, "web | \n");
	/* pieces: one line each, the later ones marked */
	l = line("first", LOGLINE_MORE);
	expect(LOGFMT_PREFIX, 0, &l, "web | first\n");
	l = line("middle", LOGLINE_CONT | LOGLINE_MORE);
	expect(LOGFMT_PREFIX, 0, &l, "web + middle\n");
	l = line("last", LOGLINE_CONT);
	expect(LOGFMT_PREFIX, 1, &l, "2026-11-30T09:00:00.123Z web + last\n");
	/* bytes as they are */
	l = line("a \"q\" \\ \t\r", 0);
	expect(LOGFMT_PREFIX, 0, &l, "web | a \"q\" \\ \t\r\n");
	l = own("service web exited");
	expect(LOGFMT_PREFIX, 0, &l, "tend: service web exited\n");
	expect(LOGFMT_PREFIX, 1, &l,
	       "2026-11-30T09:00:00.123Z tend: service web exited\n");
}
END_TEST

START_TEST(test_plain)
{
	struct logfmt_line l = line("hello", 0);

	expect(LOGFMT_PLAIN, 0, &l, "hello\n");
	expect(LOGFMT_PLAIN, 1, &l, "2026-11-30T09:00:00.123Z hello\n");
	l = line("piece", LOGLINE_CONT | LOGLINE_MORE);
	expect(LOGFMT_PLAIN, 0, &l, "piece\n");
	l = line("", 0);
	expect(LOGFMT_PLAIN, 0, &l, "\n");
	l = own("reloaded");
	expect(LOGFMT_PLAIN, 0, &l, "tend: reloaded\n");
	expect(LOGFMT_PLAIN, 1, &l,
	       "2026-11-30T09:00:00.123Z tend: reloaded\n");
}
END_TEST

START_TEST(test_json)
{
	struct logfmt_line l = line("hello", 0);
	const char *want =
		"{\"ts\": \"2026-11-30T09:00:00.123Z\", \"service\": \"web\", "
		"\"stream\": \"stdout\", \"msg\": \"hello\"}\n";

	/* always a ts */
	expect(LOGFMT_JSON, 0, &l, want);
	expect(LOGFMT_JSON, 1, &l, want);
	l.stream = LOG_STDERR;
	expect(LOGFMT_JSON, 0, &l,
	       "{\"ts\": \"2026-11-30T09:00:00.123Z\", \"service\": \"web\", "
	       "\"stream\": \"stderr\", \"msg\": \"hello\"}\n");
	l = line("more", LOGLINE_CONT | LOGLINE_MORE);
	expect(LOGFMT_JSON, 0, &l,
	       "{\"ts\": \"2026-11-30T09:00:00.123Z\", \"service\": \"web\", "
	       "\"stream\": \"stdout\", \"msg\": \"more\", \"cont\": true}\n");
	l = line("first", LOGLINE_MORE);
	expect(LOGFMT_JSON, 0, &l,
	       "{\"ts\": \"2026-11-30T09:00:00.123Z\", \"service\": \"web\", "
	       "\"stream\": \"stdout\", \"msg\": \"first\"}\n");
	/* tend's own: service tend, stream stderr, whatever l says */
	l = own("starting");
	expect(LOGFMT_JSON, 1, &l,
	       "{\"ts\": \"2026-11-30T09:00:00.123Z\", \"service\": \"tend\", "
	       "\"stream\": \"stderr\", \"msg\": \"starting\"}\n");
	l = line("x", 0);
	l.service = "a\"b";
	l.ts_ms = 0;
	expect(LOGFMT_JSON, 0, &l,
	       "{\"ts\": \"1970-01-01T00:00:00.000Z\", \"service\": "
	       "\"a\\\"b\", \"stream\": \"stdout\", \"msg\": \"x\"}\n");
}
END_TEST

static const char obj_head[] =
	"{\"ts\": \"2026-11-30T09:00:00.123Z\", \"service\": \"web\", "
	"\"stream\": \"stdout\", \"msg\": ";

/* The msg of the json object of n bytes at s. */
static void expect_msg(const char *s, size_t n, const char *want)
{
	struct logfmt_line l = line("", 0);
	char *p = malloc(n > 0 ? n : 1), *full;
	size_t k;

	ck_assert_ptr_nonnull(p);
	memcpy(p, s, n);
	l.msg = p;
	l.len = n;
	k = strlen(obj_head) + strlen(want) + 3;
	full = malloc(k);
	ck_assert_ptr_nonnull(full);
	snprintf(full, k, "%s%s}\n", obj_head, want);
	expect(LOGFMT_JSON, 0, &l, full);
	free(full);
	free(p);
}

START_TEST(test_json_escape)
{
	expect_msg("say \"hi\"", 8, "\"say \\\"hi\\\"\"");
	expect_msg("a\\b", 3, "\"a\\\\b\"");
	expect_msg("\t\r\n\b\f", 5, "\"\\t\\r\\n\\b\\f\"");
	expect_msg("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
	expect_msg("a\0b", 3, "\"a\\u0000b\"");
	expect_msg("", 0, "\"\"");
	/* valid UTF-8 as it is */
	expect_msg("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
		   "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* each byte of invalid UTF-8 as U+FFFD */
	expect_msg("\xff", 1, "\"\\uFFFD\"");
	expect_msg("a\xc3", 2, "\"a\\uFFFD\"");
	expect_msg("\xc3(", 2, "\"\\uFFFD(\"");
	expect_msg("\xc0\xaf", 2, "\"\\uFFFD\\uFFFD\""); /* overlong */
	expect_msg("\xed\xa0\x80", 3,
		   "\"\\uFFFD\\uFFFD\\uFFFD\""); /* surrogate */
	expect_msg("\xf4\x90\x80\x80", 4,
		   "\"\\uFFFD\\uFFFD\\uFFFD\\uFFFD\""); /* past U+10FFFF */
	expect_msg("\xe2\x82", 2, "\"\\uFFFD\\uFFFD\"");
}
END_TEST

START_TEST(test_file)
{
	struct logfmt_line l = line("whole line", 0);
	struct jbuf b;

	expect(LOGFMT_FILE, 0, &l, "whole line\n");
	expect(LOGFMT_FILE, 1, &l, "2026-11-30T09:00:00.123Z whole line\n");
	/* bytes as written: no escaping, no name, no stream */
	l = line("\"\\\t", 0);
	l.stream = LOG_STDERR;
	expect(LOGFMT_FILE, 0, &l, "\"\\\t\n");
	l = line("first", LOGLINE_MORE);
	expect(LOGFMT_FILE, 1, &l, "2026-11-30T09:00:00.123Z first");
	l = line("mid", LOGLINE_CONT | LOGLINE_MORE);
	expect(LOGFMT_FILE, 1, &l, "mid");
	l = line("end", LOGLINE_CONT);
	expect(LOGFMT_FILE, 1, &l, "end\n");
	l = own("note");
	expect(LOGFMT_FILE, 0, &l, "tend: note\n");

	/* the pieces of a line join back into it, stamped once */
	jb_init(&b);
	l = line("one ", LOGLINE_MORE);
	logfmt_append(&b, LOGFMT_FILE, 1, &l);
	l = line("two ", LOGLINE_CONT | LOGLINE_MORE);
	l.ts_ms = T1 + 5000;
	logfmt_append(&b, LOGFMT_FILE, 1, &l);
	l = line("three", LOGLINE_CONT);
	l.ts_ms = T1 + 9000;
	logfmt_append(&b, LOGFMT_FILE, 1, &l);
	l = line("next", 0);
	logfmt_append(&b, LOGFMT_FILE, 0, &l);
	ck_assert_str_eq(b.s, "2026-11-30T09:00:00.123Z one two three\nnext\n");
	jb_free(&b);
}
END_TEST

/* Lines follow each other in one buffer, whatever the format. */
START_TEST(test_append)
{
	struct logfmt_line l = line("a", 0);
	struct jbuf b;

	jb_init(&b);
	logfmt_append(&b, LOGFMT_PREFIX, 0, &l);
	logfmt_append(&b, LOGFMT_JSON, 0, &l);
	logfmt_append(&b, LOGFMT_JSON, 0, &l);
	logfmt_append(&b, LOGFMT_PLAIN, 0, &l);
	ck_assert_str_eq(b.s, "web | a\n"
			      "{\"ts\": \"2026-11-30T09:00:00.123Z\", "
			      "\"service\": \"web\", \"stream\": \"stdout\", "
			      "\"msg\": \"a\"}\n"
			      "{\"ts\": \"2026-11-30T09:00:00.123Z\", "
			      "\"service\": \"web\", \"stream\": \"stdout\", "
			      "\"msg\": \"a\"}\n"
			      "a\n");
	jb_free(&b);

	/* out of memory already: nothing more, and no crash */
	jb_init(&b);
	b.oom = 1;
	logfmt_append(&b, LOGFMT_PREFIX, 1, &l);
	logfmt_append(&b, LOGFMT_JSON, 1, &l);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(b.oom, 1);
	jb_free(&b);
}
END_TEST

/* ---- logfmt_json_obj ---- */

START_TEST(test_json_obj)
{
	struct logfmt_line l = line("p", LOGLINE_MORE);
	struct jbuf b;

	jb_init(&b);
	logfmt_json_obj(&b, &l, 1);
	ck_assert_str_eq(b.s, "{\"ts\": \"2026-11-30T09:00:00.123Z\", "
			      "\"service\": \"web\", \"stream\": \"stdout\", "
			      "\"msg\": \"p\", \"more\": true}");
	jb_free(&b);

	jb_init(&b);
	l.flags = LOGLINE_CONT | LOGLINE_MORE;
	logfmt_json_obj(&b, &l, 0);
	ck_assert_str_eq(b.s, "{\"ts\": \"2026-11-30T09:00:00.123Z\", "
			      "\"service\": \"web\", \"stream\": \"stdout\", "
			      "\"msg\": \"p\", \"cont\": true}");
	jb_free(&b);

	/* a value among others: in an array, after a key */
	jb_init(&b);
	l.flags = LOGLINE_CONT;
	l.msg = "z";
	l.len = 1;
	jb_obj_begin(&b);
	jb_key(&b, "lines");
	jb_arr_begin(&b);
	logfmt_json_obj(&b, &l, 1);
	logfmt_json_obj(&b, &l, 1);
	jb_arr_end(&b);
	jb_key(&b, "n");
	jb_int(&b, 2);
	jb_obj_end(&b);
	ck_assert_int_eq(b.oom, 0);
	ck_assert_str_eq(b.s,
			 "{\"lines\": [{\"ts\": \"2026-11-30T09:00:00.123Z\", "
			 "\"service\": \"web\", \"stream\": \"stdout\", "
			 "\"msg\": \"z\", \"cont\": true}, "
			 "{\"ts\": \"2026-11-30T09:00:00.123Z\", "
			 "\"service\": \"web\", \"stream\": \"stdout\", "
			 "\"msg\": \"z\", \"cont\": true}], \"n\": 2}");
	jb_free(&b);
}
END_TEST

/* ---- json that parses, whatever the bytes ---- */

/* Appends code point cp as UTF-8. */
static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A tiny JSON reader: one object of strings and true (RFC 8259's strings). */
struct reader {
	const unsigned char *p, *end;
};

static void skip_ws(struct reader *rd)
{
	while (rd->p < rd->end && (*rd->p == ' ' || *rd->p == '\t' ||
				   *rd->p == '\n' || *rd->p == '\r'))
		rd->p++;
}

static int hex4(struct reader *rd, uint32_t *v)
{
	int i;

	*v = 0;
	if (rd->end - rd->p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		unsigned char c = *rd->p++;

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			*v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			*v |= c - 'A' + 10;
		else
			return -1;
	}
	return 0;
}

/* A string into out (room for 4 bytes per byte read); its length, or -1. */
static long read_string(struct reader *rd, char *out)
{
	size_t n = 0, k;
	uint32_t cp, lo;

	if (rd->p >= rd->end || *rd->p++ != '"')
		return -1;
	for (;;) {
		unsigned char c;

		if (rd->p >= rd->end)
			return -1;
		c = *rd->p;
		if (c == '"') {
			rd->p++;
			return (long)n;
		}
		if (c < 0x20)
			return -1; /* raw control character */
		if (c >= 0x80) {
			k = fuzz_utf8_char(rd->p, (size_t)(rd->end - rd->p));
			if (k == 0)
				return -1;
			memcpy(out + n, rd->p, k);
			n += k;
			rd->p += k;
			continue;
		}
		rd->p++;
		if (c != '\\') {
			out[n++] = (char)c;
			continue;
		}
		if (rd->p >= rd->end)
			return -1;
		c = *rd->p++;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			out[n++] = (char)c;
			break;
		case 'b':
			out[n++] = '\b';
			break;
		case 'f':
			out[n++] = '\f';
			break;
		case 'n':
			out[n++] = '\n';
			break;
		case 'r':
			out[n++] = '\r';
			break;
		case 't':
			out[n++] = '\t';
			break;
		case 'u':
			if (hex4(rd, &cp) < 0 || (cp >= 0xdc00 && cp <= 0xdfff))
				return -1;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (rd->end - rd->p < 2 || rd->p[0] != '\\' ||
				    rd->p[1] != 'u')
					return -1;
				rd->p += 2;
				if (hex4(rd, &lo) < 0 || lo < 0xdc00 ||
				    lo > 0xdfff)
					return -1;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			}
			n += put_utf8(out + n, cp);
			break;
		default:
			return -1;
		}
	}
}

#define KEYS_MAX 8

struct member {
	char key[32];
	char *val; /* NULL for true */
	size_t len;
};

/*
 * Reads the one object that the n bytes at s hold, a newline after it;
 * returns its members, or -1 when it is not valid JSON of that shape.
 */
static int read_object(const char *s, size_t n, struct member *m)
{
	struct reader rd = { (const unsigned char *)s,
			     (const unsigned char *)s + n };
	char *tmp = malloc(4 * n + 1);
	int count = 0;
	long len;

	CK(tmp != NULL);
	if (n == 0 || s[n - 1] != '\n')
		goto bad;
	rd.end--;
	if (rd.p >= rd.end || *rd.p++ != '{')
		goto bad;
	for (;;) {
		skip_ws(&rd);
		if (count == KEYS_MAX)
			goto bad;
		len = read_string(&rd, tmp);
		if (len < 0 || (size_t)len >= sizeof(m[count].key))
			goto bad;
		memcpy(m[count].key, tmp, (size_t)len);
		m[count].key[len] = '\0';
		skip_ws(&rd);
		if (rd.p >= rd.end || *rd.p++ != ':')
			goto bad;
		skip_ws(&rd);
		if (rd.end - rd.p >= 4 && memcmp(rd.p, "true", 4) == 0) {
			rd.p += 4;
			m[count].val = NULL;
			m[count].len = 0;
		} else {
			len = read_string(&rd, tmp);
			if (len < 0)
				goto bad;
			m[count].val = malloc((size_t)len + 1);
			CK(m[count].val != NULL);
			memcpy(m[count].val, tmp, (size_t)len);
			m[count].len = (size_t)len;
		}
		count++;
		skip_ws(&rd);
		if (rd.p < rd.end && *rd.p == ',') {
			rd.p++;
			continue;
		}
		if (rd.p < rd.end && *rd.p++ == '}')
			break;
		goto bad;
	}
	if (rd.p != rd.end)
		goto bad;
	free(tmp);
	return count;
bad:
	while (count > 0)
		free(m[--count].val);
	free(tmp);
	return -1;
}

/* What the msg must read back as: bad UTF-8 bytes each as U+FFFD. */
static size_t expected_msg(const unsigned char *s, size_t n, char *out)
{
	size_t i = 0, o = 0, k;

	while (i < n) {
		k = fuzz_utf8_char(s + i, n - i);
		if (k == 0) {
			o += put_utf8(out + o, 0xfffd);
			i++;
			continue;
		}
		memcpy(out + o, s + i, k);
		o += k;
		i += k;
	}
	return o;
}

/* Random bytes: text, controls, quotes, good and bad UTF-8. */
static size_t random_bytes(unsigned char *p, size_t max)
{
	size_t n = 0, len = rnd() % max;
	static const char special[] = "\"\\/\b\f\n\r\t\x01\x1f\x7f";

	while (n + 4 <= len) {
		uint32_t r = rnd();

		switch (r % 6) {
		case 0:
			p[n++] = (unsigned char)(r >> 8);
			break;
		case 1:
			p[n++] = (unsigned char)
				special[(r >> 8) % (sizeof(special))];
			break;
		case 2: {
			/* a valid code point, surrogates skipped */
			uint32_t cp = (r >> 8) % 0x110000;

			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xe000;
			n += put_utf8((char *)p + n, cp);
			break;
		}
		case 3:
			/* a cut sequence */
			p[n++] = (unsigned char)(0xc0 | (r >> 8 & 0x3f));
			break;
		default:
			p[n++] = (unsigned char)(' ' + (r >> 8) % 95);
			break;
		}
	}
	return n;
}

START_TEST(test_json_random)
{
	static const char *const keys[] = { "ts", "service", "stream", "msg" };
	unsigned char *p = malloc(600);
	char *want = malloc(4 * 600);
	struct member m[KEYS_MAX];
	struct logfmt_line l;
	struct jbuf b;
	int i, count, k, bad_utf8 = 0;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(want);
	rnd_seed(0xc0ffee);
	for (i = 0; i < 20000; i++) {
		size_t n = random_bytes(p, 600), wn;

		l = line("", (int)(rnd() % 4));
		l.msg = (const char *)p;
		l.len = n;
		l.stream = rnd() % 2 ? LOG_STDERR : LOG_STDOUT;
		l.own = rnd() % 8 == 0;
		jb_init(&b);
		if (i % 2 == 0) {
			logfmt_append(&b, LOGFMT_JSON, (int)(rnd() % 2), &l);
		} else {
			logfmt_json_obj(&b, &l, 1);
			jb_raw(&b, "\n", 1);
		}
		CK(b.oom == 0);
		count = read_object(b.s, b.len, m);
		if (count < 4)
			ck_abort_msg("not json: %s", b.s);
		for (k = 0; k < 4; k++)
			CK(strcmp(m[k].key, keys[k]) == 0);
		k = 4;
		if (l.flags & LOGLINE_CONT) {
			CK(count > k);
			CK(strcmp(m[k].key, "cont") == 0);
			CK(m[k++].val == NULL);
		}
		if (i % 2 == 1 && (l.flags & LOGLINE_MORE)) {
			CK(count > k);
			CK(strcmp(m[k].key, "more") == 0);
			CK(m[k++].val == NULL);
		}
		CK(count == k);
		CK(m[1].len == (l.own ? 4u : 3u));
		CK(memcmp(m[1].val, l.own ? "tend" : "web", m[1].len) == 0);
		CK(m[2].len == 6);
		CK(memcmp(m[2].val,
			  l.own || l.stream == LOG_STDERR ? "stderr" : "stdout",
			  6) == 0);
		wn = expected_msg(p, n, want);
		bad_utf8 += wn != n || memcmp(want, p, n) != 0;
		CK(m[3].len == wn);
		CK(memcmp(m[3].val, want, wn) == 0);
		for (k = 0; k < count; k++)
			free(m[k].val);
		jb_free(&b);
	}
	ck_assert_int_gt(bad_utf8, 1000);
	free(p);
	free(want);
}
END_TEST

/* The reader refuses what is not JSON, so that the test above means it. */
START_TEST(test_reader)
{
	static const char *const bad[] = {
		"{\"a\": \"x\"}",	  /* no newline */
		"{\"a\": \"x\n\"}\n",	  /* raw control */
		"{\"a\": \"\\x\"}\n",	  /* bad escape */
		"{\"a\": \"\xff\"}\n",	  /* bad UTF-8 */
		"{\"a\": \"\\ud800\"}\n", /* lone surrogate */
		"{\"a\": \"x\"}}\n",	  "{\"a\" \"x\"}\n",
		"{\"a\": \"x\",}\n",	  "{\"a\": \"x\"\n",
	};
	static const char good[] =
		"{\"a\": \"\\u00e9\\ud83d\\ude00\", \"b\": true}\n";
	struct member m[KEYS_MAX];
	size_t i;
	int count;

	for (i = 0; i < N(bad); i++)
		ck_assert_msg(read_object(bad[i], strlen(bad[i]), m) < 0,
			      "read: %s", bad[i]);
	count = read_object(good, strlen(good), m);
	ck_assert_int_eq(count, 2);
	ck_assert_uint_eq(m[0].len, 6);
	ck_assert(memcmp(m[0].val, "\xc3\xa9\xf0\x9f\x98\x80", 6) == 0);
	ck_assert_ptr_null(m[1].val);
	free(m[0].val);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("logfmt");
	TCase *tc;

	tcase_add_test(unit_tcase(s, "logfmt_name"), test_name);
	tc = unit_tcase(s, "logfmt_ts");
	tcase_add_test(tc, test_ts);
	tcase_add_test(tc, test_ts_random);
	tc = unit_tcase(s, "logfmt_append");
	tcase_add_test(tc, test_prefix);
	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_json_escape);
	tcase_add_test(tc, test_file);
	tcase_add_test(tc, test_append);
	tc = unit_tcase(s, "logfmt_json_obj");
	tcase_add_test(tc, test_json_obj);
	tcase_add_test(tc, test_json_random);
	tcase_add_test(tc, test_reader);
	return s;
}
