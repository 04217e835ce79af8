#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctlproto.h"
#include "ctlview.h"
#include "unit.h"
#include "unit_util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
/* A literal with its length, NUL bytes included. */
#define LIT(s) s, sizeof(s) - 1

/* A heap copy of exactly n bytes: the sanitizer sees any read past n. */
static char *exact(const char *s, size_t n)
{
	char *p = malloc(n > 0 ? n : 1);

	ck_assert_ptr_nonnull(p);
	memcpy(p, s, n);
	return p;
}

/* Decodes the n bytes of s from an exact copy. */
static enum ctl_decode decode(const char *s, size_t n, struct ctl_request *req,
			      size_t *used, enum ctl_status *st, char *err,
			      size_t errlen)
{
	char *p = exact(s, n);
	enum ctl_decode rc =
		ctl_decode_request(p, n, req, used, st, err, errlen);

	free(p);
	return rc;
}

/* The arguments joined by single spaces. */
static const char *joined(const struct ctl_request *req)
{
	static char out[1024];
	size_t i;

	out[0] = '\0';
	for (i = 0; i < req->nargs; i++) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, req->args[i]);
	}
	ck_assert_ptr_null(req->args[req->nargs]);
	return out;
}

/* ---- ctl_decode_request ---- */

static const struct {
	const char *line;
	enum ctl_cmd cmd;
	const char *args;
} valid[] = {
	{ "tend/1 status\n", CTL_STATUS, "" },
	{ "tend/1 status web db\n", CTL_STATUS, "web db" },
	{ "tend/1 status !~\"\\{}\n", CTL_STATUS, "!~\"\\{}" },
	{ "tend/1 check\n", CTL_CHECK, "" },
	{ "tend/1 check web\n", CTL_CHECK, "web" },
	{ "tend/1 events\n", CTL_EVENTS, "" },
	{ "tend/1 metrics\n", CTL_METRICS, "" },
	{ "tend/1 start web\n", CTL_START, "web" },
	{ "tend/1 start a b c\n", CTL_START, "a b c" },
	{ "tend/1 stop web\n", CTL_STOP, "web" },
	{ "tend/1 restart x y\n", CTL_RESTART, "x y" },
	{ "tend/1 signal HUP web\n", CTL_SIGNAL, "HUP web" },
	{ "tend/1 signal 15 a b\n", CTL_SIGNAL, "15 a b" },
	{ "tend/1 reload\n", CTL_RELOAD, "" },
	{ "tend/1 reload dry-run\n", CTL_RELOAD, "dry-run" },
	{ "tend/1 shutdown\n", CTL_SHUTDOWN, "" },
	{ "tend/1 log web 10\n", CTL_LOG, "web 10" },
	{ "tend/1 log web 0\n", CTL_LOG, "web 0" },
	{ "tend/1 log web 1000000\n", CTL_LOG, "web 1000000" },
	{ "tend/1 log web 007\n", CTL_LOG, "web 007" },
	{ "tend/1 log web 10 follow\n", CTL_LOG, "web 10 follow" },
	{ "tend/1 log web 0 follow\n", CTL_LOG, "web 0 follow" },
	/* names are the server's to check */
	{ "tend/1 log 5 5\n", CTL_LOG, "5 5" },
};

START_TEST(test_decode_valid)
{
	struct ctl_request req;
	enum ctl_status st = CTL_DENIED;
	size_t used = 0, len = strlen(valid[_i].line);
	char err[128] = "x";

	ck_assert_int_eq(decode(valid[_i].line, len, &req, &used, &st, err,
				sizeof(err)),
			 CTL_DECODE_OK);
	ck_assert_uint_eq(used, len);
	ck_assert_int_eq(st, CTL_OK);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(req.cmd, valid[_i].cmd);
	ck_assert_str_eq(joined(&req), valid[_i].args);
	ctl_request_free(&req);
}
END_TEST

/* Feeding every prefix: MORE until the newline, then the request. */
START_TEST(test_decode_split)
{
	const char *line = valid[_i].line;
	size_t k, used, len = strlen(line);
	struct ctl_request req;
	enum ctl_status st;
	char err[128];

	for (k = 0; k < len; k++)
		ck_assert_msg(decode(line, k, &req, &used, &st, err,
				     sizeof(err)) == CTL_DECODE_MORE,
			      "%zu bytes of %s", k, line);
	ck_assert_int_eq(decode(line, len, &req, &used, &st, err, sizeof(err)),
			 CTL_DECODE_OK);
	ctl_request_free(&req);
}
END_TEST

static const struct {
	const char *s;
	size_t len;
	enum ctl_status st;
	const char *msg;
} bad[] = {
	{ LIT("\n"), CTL_BAD_REQUEST, "empty request" },
	{ LIT(" tend/1 status\n"), CTL_BAD_REQUEST, "leading space" },
	{ LIT("tend/1  status\n"), CTL_BAD_REQUEST, "double space" },
	{ LIT("tend/1 status  web\n"), CTL_BAD_REQUEST, "double space" },
	{ LIT("tend/1 \n"), CTL_BAD_REQUEST, "trailing space" },
	{ LIT("tend/1 status \n"), CTL_BAD_REQUEST, "trailing space" },
	{ LIT("tend/1 status web \n"), CTL_BAD_REQUEST, "trailing space" },
	{ LIT("tend/1 status\r\n"), CTL_BAD_REQUEST, "carriage return" },
	{ LIT("tend/1\r\n"), CTL_BAD_REQUEST, "carriage return" },
	{ LIT("tend/1 status w\teb\n"), CTL_BAD_REQUEST, "byte 0x09" },
	{ LIT("tend/1 status w\x7f\n"), CTL_BAD_REQUEST, "byte 0x7f" },
	{ LIT("tend/1 status \x80\n"), CTL_BAD_REQUEST, "byte 0x80" },
	{ LIT("tend/1 status \xff\n"), CTL_BAD_REQUEST, "byte 0xff" },
	{ LIT("tend/1 status w\0b\n"), CTL_BAD_REQUEST, "byte 0x00" },
	{ LIT("tend/1\0 status\n"), CTL_BAD_REQUEST, "byte 0x00" },
	{ LIT("tend/1\n"), CTL_BAD_REQUEST, "no command" },
	/* syntax before the command */
	{ LIT("tend/1 bogus  x\n"), CTL_BAD_REQUEST, "double space" },
	{ LIT("tend/2 status\n"), CTL_BAD_VERSION, "'tend/2'" },
	{ LIT("tend status\n"), CTL_BAD_VERSION, "'tend'" },
	{ LIT("TEND/1 status\n"), CTL_BAD_VERSION, "'TEND/1'" },
	{ LIT("tend/1.0 status\n"), CTL_BAD_VERSION, "'tend/1.0'" },
	{ LIT("tend/10 status\n"), CTL_BAD_VERSION, "'tend/10'" },
	{ LIT("GET / HTTP/1.1\n"), CTL_BAD_VERSION, "'GET'" },
	{ LIT("status\n"), CTL_BAD_VERSION, "'status'" },
	/* another version may have another syntax */
	{ LIT("tend/2 status  \t\n"), CTL_BAD_VERSION, "'tend/2'" },
	{ LIT("tend/1 bogus\n"), CTL_UNKNOWN_COMMAND,
	  "unknown command 'bogus'" },
	{ LIT("tend/1 STATUS\n"), CTL_UNKNOWN_COMMAND, "'STATUS'" },
	{ LIT("tend/1 status2\n"), CTL_UNKNOWN_COMMAND, "'status2'" },
	{ LIT("tend/1 stat\n"), CTL_UNKNOWN_COMMAND, "'stat'" },
	{ LIT("tend/1 bogus web\n"), CTL_UNKNOWN_COMMAND, "'bogus'" },
	{ LIT("tend/1 start\n"), CTL_BAD_REQUEST,
	  "'start' needs at least one service name" },
	{ LIT("tend/1 stop\n"), CTL_BAD_REQUEST,
	  "'stop' needs at least one service name" },
	{ LIT("tend/1 restart\n"), CTL_BAD_REQUEST,
	  "'restart' needs at least one service name" },
	{ LIT("tend/1 signal\n"), CTL_BAD_REQUEST,
	  "'signal' needs a signal and at least one service name" },
	{ LIT("tend/1 signal HUP\n"), CTL_BAD_REQUEST, "'signal' needs" },
	{ LIT("tend/1 events web\n"), CTL_BAD_REQUEST,
	  "'events' takes no arguments" },
	{ LIT("tend/1 metrics x\n"), CTL_BAD_REQUEST, "'metrics' takes no" },
	{ LIT("tend/1 shutdown now\n"), CTL_BAD_REQUEST,
	  "'shutdown' takes no" },
	{ LIT("tend/1 reload now\n"), CTL_BAD_REQUEST,
	  "'reload' takes no argument or 'dry-run'" },
	{ LIT("tend/1 reload DRY-RUN\n"), CTL_BAD_REQUEST, "'reload'" },
	{ LIT("tend/1 reload dry-run dry-run\n"), CTL_BAD_REQUEST, "'reload'" },
	{ LIT("tend/1 reload dry-run x\n"), CTL_BAD_REQUEST, "'reload'" },
	{ LIT("tend/1 log\n"), CTL_BAD_REQUEST,
	  "'log' needs a service name and a line count, then optionally "
	  "'follow'" },
	{ LIT("tend/1 log web\n"), CTL_BAD_REQUEST, "'log' needs" },
	{ LIT("tend/1 log web 10 follow x\n"), CTL_BAD_REQUEST, "'log' needs" },
	{ LIT("tend/1 log web -1\n"), CTL_BAD_REQUEST,
	  "'log': bad line count '-1' (a decimal number from 0 to 1000000)" },
	{ LIT("tend/1 log web +5\n"), CTL_BAD_REQUEST, "bad line count '+5'" },
	{ LIT("tend/1 log web x\n"), CTL_BAD_REQUEST, "bad line count 'x'" },
	{ LIT("tend/1 log web 5x\n"), CTL_BAD_REQUEST, "bad line count '5x'" },
	{ LIT("tend/1 log web 1e3\n"), CTL_BAD_REQUEST, "bad line count" },
	{ LIT("tend/1 log web 0x10\n"), CTL_BAD_REQUEST, "bad line count" },
	{ LIT("tend/1 log web 1.5\n"), CTL_BAD_REQUEST, "bad line count" },
	{ LIT("tend/1 log web 1000001\n"), CTL_BAD_REQUEST,
	  "bad line count '1000001'" },
	{ LIT("tend/1 log web 18446744073709551617\n"), CTL_BAD_REQUEST,
	  "bad line count '18446744073709551617'" },
	{ LIT("tend/1 log web follow\n"), CTL_BAD_REQUEST,
	  "bad line count 'follow'" },
	{ LIT("tend/1 log web follow 10\n"), CTL_BAD_REQUEST,
	  "bad line count 'follow'" },
	{ LIT("tend/1 log web 10 FOLLOW\n"), CTL_BAD_REQUEST,
	  "'log': the third argument can only be 'follow', not 'FOLLOW'" },
	{ LIT("tend/1 log web 10 -f\n"), CTL_BAD_REQUEST, "not '-f'" },
	{ LIT("tend/1 log web 10 followed\n"), CTL_BAD_REQUEST,
	  "not 'followed'" },
	{ LIT("tend/1 log web 10 follo\n"), CTL_BAD_REQUEST, "not 'follo'" },
	{ LIT("tend/1 LOG web 10\n"), CTL_UNKNOWN_COMMAND, "'LOG'" },
};

START_TEST(test_decode_bad)
{
	struct ctl_request req;
	enum ctl_status st = CTL_OK;
	size_t used = 99;
	char err[128] = "";

	ck_assert_int_eq(decode(bad[_i].s, bad[_i].len, &req, &used, &st, err,
				sizeof(err)),
			 CTL_DECODE_ERROR);
	ck_assert_msg(st == bad[_i].st, "%s: status %s", bad[_i].s,
		      ctl_status_name(st));
	ck_assert_msg(strstr(err, bad[_i].msg) != NULL, "%s: '%s'", bad[_i].s,
		      err);
	ck_assert_uint_eq(used, 0);
	ck_assert_ptr_null(req.args);
	ck_assert_ptr_null(req.buf);
	ctl_request_free(&req);
}
END_TEST

START_TEST(test_decode_more)
{
	struct ctl_request req;
	enum ctl_status st;
	size_t used = 99;
	char err[64];

	ck_assert_int_eq(ctl_decode_request(NULL, 0, &req, &used, &st, err,
					    sizeof(err)),
			 CTL_DECODE_MORE);
	ck_assert_uint_eq(used, 0);
	/* bad bytes wait for the line: its end decides */
	ck_assert_int_eq(decode(LIT("\r\0\xff  "), &req, &used, &st, err,
				sizeof(err)),
			 CTL_DECODE_MORE);
	ck_assert_int_eq(decode(LIT("tend/1 status web"), &req, &used, &st, err,
				sizeof(err)),
			 CTL_DECODE_MORE);
}
END_TEST

/* "tend/1 status NAME ...\n" of exactly len bytes, names of 255 bytes. */
static char *status_of_len(size_t len)
{
	char *s = malloc(len);
	size_t i = 13, w;

	ck_assert_ptr_nonnull(s);
	memcpy(s, "tend/1 status", 13);
	while (i < len - 1) {
		s[i++] = ' ';
		for (w = 0; w < CTL_WORD_MAX && i < len - 1; w++)
			s[i++] = 'a';
	}
	ck_assert_int_ne(s[len - 2], ' ');
	s[len - 1] = '\n';
	return s;
}

START_TEST(test_decode_size_limit)
{
	struct ctl_request req;
	enum ctl_status st;
	size_t used;
	char err[128];
	char *s;

	/* exactly the limit, the newline included */
	s = status_of_len(CTL_REQUEST_MAX);
	ck_assert_int_eq(ctl_decode_request(s, CTL_REQUEST_MAX, &req, &used,
					    &st, err, sizeof(err)),
			 CTL_DECODE_OK);
	ck_assert_uint_eq(used, CTL_REQUEST_MAX);
	ck_assert_uint_eq(req.nargs, 256);
	ctl_request_free(&req);
	/* the limit without the newline yet */
	ck_assert_int_eq(ctl_decode_request(s, CTL_REQUEST_MAX - 1, &req, &used,
					    &st, err, sizeof(err)),
			 CTL_DECODE_MORE);
	free(s);

	/* one past: the newline comes too late, however much is read */
	s = status_of_len(CTL_REQUEST_MAX + 1);
	ck_assert_int_eq(ctl_decode_request(s, CTL_REQUEST_MAX + 1, &req, &used,
					    &st, err, sizeof(err)),
			 CTL_DECODE_ERROR);
	ck_assert_int_eq(st, CTL_TOO_LARGE);
	ck_assert_str_eq(err, "request longer than 65536 bytes");
	ck_assert_int_eq(ctl_decode_request(s, CTL_REQUEST_MAX, &req, &used,
					    &st, err, sizeof(err)),
			 CTL_DECODE_ERROR);
	ck_assert_int_eq(st, CTL_TOO_LARGE);
	ck_assert_int_eq(ctl_decode_request(s, CTL_REQUEST_MAX - 1, &req, &used,
					    &st, err, sizeof(err)),
			 CTL_DECODE_MORE);
	free(s);
}
END_TEST

START_TEST(test_decode_word_limits)
{
	char line[2048], *big;
	struct ctl_request req;
	enum ctl_status st;
	size_t used, n, i;
	char err[128];

	/* a word of 255 bytes, then 256 */
	n = (size_t)snprintf(line, sizeof(line), "tend/1 start %0255d\n", 7);
	ck_assert_int_eq(decode(line, n, &req, &used, &st, err, sizeof(err)),
			 CTL_DECODE_OK);
	ck_assert_uint_eq(strlen(req.args[0]), CTL_WORD_MAX);
	ctl_request_free(&req);
	n = (size_t)snprintf(line, sizeof(line), "tend/1 start %0256d\n", 7);
	ck_assert_int_eq(decode(line, n, &req, &used, &st, err, sizeof(err)),
			 CTL_DECODE_ERROR);
	ck_assert_int_eq(st, CTL_BAD_REQUEST);
	ck_assert_str_eq(err, "a word is longer than 255 bytes");

	/* a long version word: quoted in part */
	n = (size_t)snprintf(line, sizeof(line), "%01000d status\n", 1);
	ck_assert_int_eq(decode(line, n, &req, &used, &st, err, sizeof(err)),
			 CTL_DECODE_ERROR);
	ck_assert_int_eq(st, CTL_BAD_VERSION);
	ck_assert_uint_lt(strlen(err), 100);

	/* 1,024 words after the version, then 1,025 */
	big = malloc(16 + 2 * 1025);
	ck_assert_ptr_nonnull(big);
	n = (size_t)sprintf(big, "tend/1 status");
	for (i = 1; i < CTL_ARGS_MAX; i++)
		n += (size_t)sprintf(big + n, " x");
	big[n++] = '\n';
	ck_assert_int_eq(decode(big, n, &req, &used, &st, err, sizeof(err)),
			 CTL_DECODE_OK);
	ck_assert_uint_eq(req.nargs, CTL_ARGS_MAX - 1);
	ck_assert_ptr_null(req.args[req.nargs]);
	ctl_request_free(&req);
	memcpy(big + n - 1, " y\n", 3);
	n += 2;
	ck_assert_int_eq(decode(big, n, &req, &used, &st, err, sizeof(err)),
			 CTL_DECODE_ERROR);
	ck_assert_int_eq(st, CTL_BAD_REQUEST);
	ck_assert_str_eq(err, "more than 1024 words");
	free(big);
}
END_TEST

START_TEST(test_decode_two)
{
	static const char two[] = "tend/1 start a\ntend/1 stop b c\nGARB";
	struct ctl_request req;
	enum ctl_status st;
	size_t used, off;
	char err[64];

	ck_assert_int_eq(decode(two, sizeof(two) - 1, &req, &used, &st, err,
				sizeof(err)),
			 CTL_DECODE_OK);
	ck_assert_uint_eq(used, 15);
	ck_assert_int_eq(req.cmd, CTL_START);
	ck_assert_str_eq(joined(&req), "a");
	ctl_request_free(&req);
	off = used;
	ck_assert_int_eq(decode(two + off, sizeof(two) - 1 - off, &req, &used,
				&st, err, sizeof(err)),
			 CTL_DECODE_OK);
	ck_assert_uint_eq(used, 16);
	ck_assert_int_eq(req.cmd, CTL_STOP);
	ck_assert_str_eq(joined(&req), "b c");
	ctl_request_free(&req);
	off += used;
	ck_assert_int_eq(decode(two + off, sizeof(two) - 1 - off, &req, &used,
				&st, err, sizeof(err)),
			 CTL_DECODE_MORE);
}
END_TEST

START_TEST(test_decode_outputs)
{
	struct ctl_request req;
	enum ctl_status st;
	size_t used;
	char err[8];

	/* optional outputs */
	ck_assert_int_eq(decode(LIT("tend/1 bogus\n"), &req, NULL, NULL, NULL,
				0),
			 CTL_DECODE_ERROR);
	ck_assert_int_eq(decode(LIT("tend/1 stop a\n"), &req, NULL, NULL, NULL,
				0),
			 CTL_DECODE_OK);
	ctl_request_free(&req);
	/* a short err is cut and terminated */
	memset(err, 'x', sizeof(err));
	ck_assert_int_eq(decode(LIT("tend/1 bogus\n"), &req, &used, &st, err,
				sizeof(err)),
			 CTL_DECODE_ERROR);
	ck_assert_str_eq(err, "unknown");
}
END_TEST

/* ---- ctl_request_free ---- */

START_TEST(test_request_free)
{
	struct ctl_request req;

	ck_assert_int_eq(decode(LIT("tend/1 start a b\n"), &req, NULL, NULL,
				NULL, 0),
			 CTL_DECODE_OK);
	ctl_request_free(&req);
	ck_assert_ptr_null(req.args);
	ck_assert_ptr_null(req.buf);
	ck_assert_uint_eq(req.nargs, 0);
	ctl_request_free(&req);
	ctl_request_free(NULL);
}
END_TEST

/* ---- names ---- */

static const char *const cmd_names[] = {
	"status",  "check",  "events", "metrics",  "start", "stop",
	"restart", "signal", "reload", "shutdown", "log",
};

START_TEST(test_cmd_read_only)
{
	static const int ro[CTL_CMD_COUNT] = { 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1 };
	int c;

	for (c = 0; c < CTL_CMD_COUNT; c++)
		ck_assert_msg(ctl_cmd_read_only((enum ctl_cmd)c) == ro[c], "%s",
			      cmd_names[c]);
}
END_TEST

START_TEST(test_cmd_name)
{
	int c;

	ck_assert_int_eq(N(cmd_names), CTL_CMD_COUNT);
	for (c = 0; c < CTL_CMD_COUNT; c++)
		ck_assert_str_eq(ctl_cmd_name((enum ctl_cmd)c), cmd_names[c]);
	ck_assert_ptr_null(ctl_cmd_name(CTL_CMD_COUNT));
	ck_assert_ptr_null(ctl_cmd_name((enum ctl_cmd) - 1));
}
END_TEST

static const char *const status_names[] = {
	"ok",
	"failed",
	"bad-request",
	"unknown-command",
	"unknown-service",
	"bad-version",
	"too-large",
	"timeout",
	"busy",
	"denied",
	"shutting-down",
};

START_TEST(test_status_name)
{
	int s;

	ck_assert_int_eq(N(status_names), CTL_STATUS_COUNT);
	for (s = 0; s < CTL_STATUS_COUNT; s++)
		ck_assert_str_eq(ctl_status_name((enum ctl_status)s),
				 status_names[s]);
	ck_assert_ptr_null(ctl_status_name(CTL_STATUS_COUNT));
	ck_assert_ptr_null(ctl_status_name((enum ctl_status) - 1));
}
END_TEST

START_TEST(test_status_parse)
{
	const char *no[] = { "",       "OK",  "ok ", " ok", "bad_request",
			     "stream", "okay" };
	size_t i;
	int s;

	for (s = 0; s < CTL_STATUS_COUNT; s++)
		ck_assert_int_eq(ctl_status_parse(status_names[s]), s);
	for (i = 0; i < N(no); i++)
		ck_assert_msg(ctl_status_parse(no[i]) == -1, "'%s'", no[i]);
	ck_assert_int_eq(ctl_status_parse(NULL), -1);
}
END_TEST

/* ---- ctl_encode_request ---- */

START_TEST(test_encode_request)
{
	char *words[] = { "signal", "HUP", "web", "db" };
	char out[64];
	struct ctl_request req;
	size_t used;
	int n;

	n = ctl_encode_request(words, 1, out, sizeof(out));
	ck_assert_int_eq(n, 14);
	ck_assert_str_eq(out, "tend/1 signal\n");
	n = ctl_encode_request(words, 4, out, sizeof(out));
	ck_assert_str_eq(out, "tend/1 signal HUP web db\n");
	ck_assert_int_eq(n, (int)strlen(out));
	ck_assert_int_eq(decode(out, (size_t)n, &req, &used, NULL, NULL, 0),
			 CTL_DECODE_OK);
	ck_assert_uint_eq(used, (size_t)n);
	ck_assert_int_eq(req.cmd, CTL_SIGNAL);
	ck_assert_str_eq(joined(&req), "HUP web db");
	ctl_request_free(&req);
	/* room for the line and its NUL, not one byte less */
	ck_assert_int_eq(ctl_encode_request(words, 4, out, 26), 25);
	ck_assert_int_eq(ctl_encode_request(words, 4, out, 25), -1);
	ck_assert_int_eq(ctl_encode_request(words, 4, out, 0), -1);
}
END_TEST

/* Every command with its arguments goes through encode and decode. */
START_TEST(test_encode_roundtrip)
{
	static const size_t nargs[CTL_CMD_COUNT] = {
		[CTL_STATUS] = 2, [CTL_CHECK] = 2,   [CTL_START] = 1,
		[CTL_STOP] = 1,	  [CTL_RESTART] = 1, [CTL_SIGNAL] = 2,
		[CTL_RELOAD] = 1, [CTL_LOG] = 2,
	};
	char *words[3];
	char out[128];
	struct ctl_request req;
	int c, n;

	for (c = 0; c < CTL_CMD_COUNT; c++) {
		words[0] = (char *)cmd_names[c];
		words[1] = c == CTL_RELOAD ? "dry-run" : "a";
		words[2] = c == CTL_LOG ? "10" : "b";
		n = ctl_encode_request(words, 1 + nargs[c], out, sizeof(out));
		ck_assert_int_gt(n, 0);
		ck_assert_msg(decode(out, (size_t)n, &req, NULL, NULL, NULL,
				     0) == CTL_DECODE_OK,
			      "%s", out);
		ck_assert_int_eq(req.cmd, c);
		ck_assert_uint_eq(req.nargs, nargs[c]);
		ctl_request_free(&req);
	}
}
END_TEST

/* tendctl's log requests, with and without follow, and back. */
START_TEST(test_encode_log)
{
	char *words[] = { "log", "web", "1000000", "follow" };
	struct ctl_log_args la = { NULL, 7, 7 };
	struct ctl_request req;
	char out[64];
	int n;

	n = ctl_encode_request(words, 3, out, sizeof(out));
	ck_assert_str_eq(out, "tend/1 log web 1000000\n");
	ck_assert_int_eq(decode(out, (size_t)n, &req, NULL, NULL, NULL, 0),
			 CTL_DECODE_OK);
	ck_assert_int_eq(req.cmd, CTL_LOG);
	ck_assert_int_eq(ctl_cmd_read_only(req.cmd), 1);
	ck_assert_int_eq(ctl_log_args(&req, &la), 0);
	ck_assert_str_eq(la.name, "web");
	ck_assert_uint_eq(la.lines, 1000000);
	ck_assert_int_eq(la.follow, 0);
	ctl_request_free(&req);

	n = ctl_encode_request(words, 4, out, sizeof(out));
	ck_assert_str_eq(out, "tend/1 log web 1000000 follow\n");
	ck_assert_int_eq(decode(out, (size_t)n, &req, NULL, NULL, NULL, 0),
			 CTL_DECODE_OK);
	ck_assert_int_eq(ctl_log_args(&req, &la), 0);
	ck_assert_str_eq(la.name, "web");
	ck_assert_uint_eq(la.lines, 1000000);
	ck_assert_int_eq(la.follow, 1);
	ctl_request_free(&req);
}
END_TEST

START_TEST(test_log_args)
{
	struct ctl_log_args la = { "x", 7, 7 };
	struct ctl_request req;

	/* not a log request: untouched */
	ck_assert_int_eq(decode(LIT("tend/1 status web 10\n"), &req, NULL, NULL,
				NULL, 0),
			 CTL_DECODE_OK);
	ck_assert_int_eq(ctl_log_args(&req, &la), -1);
	ctl_request_free(&req);
	ck_assert_int_eq(ctl_log_args(NULL, &la), -1);
	ck_assert_str_eq(la.name, "x");
	ck_assert_uint_eq(la.lines, 7);

	ck_assert_int_eq(decode(LIT("tend/1 log db 007\n"), &req, NULL, NULL,
				NULL, 0),
			 CTL_DECODE_OK);
	ck_assert_int_eq(ctl_log_args(&req, &la), 0);
	ck_assert_str_eq(la.name, "db");
	ck_assert_uint_eq(la.lines, 7);
	ck_assert_int_eq(la.follow, 0);
	ctl_request_free(&req);
	ck_assert_int_eq(decode(LIT("tend/1 log db 0 follow\n"), &req, NULL,
				NULL, NULL, 0),
			 CTL_DECODE_OK);
	ck_assert_int_eq(ctl_log_args(&req, &la), 0);
	ck_assert_uint_eq(la.lines, 0);
	ck_assert_int_eq(la.follow, 1);
	ctl_request_free(&req);
}
END_TEST

START_TEST(test_log_lines_parse)
{
	static const struct {
		const char *s;
		unsigned long n;
	} ok[] = {
		{ "0", 0 },
		{ "1", 1 },
		{ "10", 10 },
		{ "000", 0 },
		{ "0001000000", 1000000 },
		{ "999999", 999999 },
		{ "1000000", 1000000 },
	};
	static const char *const no[] = {
		"",
		"-1",
		"+1",
		" 1",
		"1 ",
		"1000001",
		"9999999",
		"1e6",
		"0x10",
		"1.0",
		"1,000",
		"ten",
		"-0",
		"\xd9\xa1",
		"18446744073709551616",
		"99999999999999999999999999999999999999",
	};
	unsigned long n;
	size_t i;

	for (i = 0; i < N(ok); i++) {
		n = 42;
		ck_assert_msg(ctl_log_lines_parse(ok[i].s, &n) == 0, "'%s'",
			      ok[i].s);
		ck_assert_uint_eq(n, ok[i].n);
	}
	for (i = 0; i < N(no); i++) {
		n = 42;
		ck_assert_msg(ctl_log_lines_parse(no[i], &n) == -1, "'%s'",
			      no[i]);
		ck_assert_uint_eq(n, 42);
	}
	ck_assert_int_eq(ctl_log_lines_parse(NULL, &n), -1);
}
END_TEST

START_TEST(test_encode_request_bad)
{
	char long_word[CTL_WORD_MAX + 2], ok_word[CTL_WORD_MAX + 1];
	char *bad_words[] = { "",      "a b", "a\n",	 "\x80",
			      "a\x7f", "\t",  long_word, NULL };
	char *w[2] = { "status", NULL }, **many, *out;
	size_t i, big = CTL_REQUEST_MAX + 64;

	memset(long_word, 'x', CTL_WORD_MAX + 1);
	long_word[CTL_WORD_MAX + 1] = '\0';
	memset(ok_word, 'x', CTL_WORD_MAX);
	ok_word[CTL_WORD_MAX] = '\0';
	out = malloc(big);
	ck_assert_ptr_nonnull(out);
	for (i = 0; i < N(bad_words); i++) {
		w[1] = bad_words[i];
		ck_assert_msg(ctl_encode_request(w, 2, out, big) == -1,
			      "word %zu", i);
	}
	w[1] = ok_word;
	ck_assert_int_gt(ctl_encode_request(w, 2, out, big), 0);
	ck_assert_int_eq(ctl_encode_request(w, 0, out, big), -1);
	ck_assert_int_eq(ctl_encode_request(NULL, 1, out, big), -1);

	/* over CTL_REQUEST_MAX, and over CTL_ARGS_MAX words */
	many = calloc(CTL_ARGS_MAX + 1, sizeof(*many));
	ck_assert_ptr_nonnull(many);
	many[0] = "status";
	for (i = 1; i <= CTL_ARGS_MAX; i++)
		many[i] = i < 257 ? ok_word : "x";
	ck_assert_int_eq(ctl_encode_request(many, 256, out, big),
			 7 + 7 + 255 * 256);
	ck_assert_int_eq(ctl_encode_request(many, 257, out, big), -1);
	for (i = 1; i <= CTL_ARGS_MAX; i++)
		many[i] = "x";
	ck_assert_int_eq(ctl_encode_request(many, CTL_ARGS_MAX, out, big),
			 7 + 7 + 2 * (CTL_ARGS_MAX - 1));
	ck_assert_int_eq(ctl_encode_request(many, CTL_ARGS_MAX + 1, out, big),
			 -1);
	free(many);
	free(out);
}
END_TEST

/* ---- reply headers ---- */

START_TEST(test_encode_header)
{
	static const size_t lens[] = { 0, 1, 4096, CTL_BODY_MAX };
	char out[64], want[64];
	enum ctl_status st;
	size_t i, body, used;
	int s, n;

	for (s = 0; s < CTL_STATUS_COUNT; s++) {
		for (i = 0; i < N(lens); i++) {
			n = ctl_encode_header((enum ctl_status)s, lens[i], out,
					      sizeof(out));
			snprintf(want, sizeof(want), "tend/1 %s %zu\n",
				 status_names[s], lens[i]);
			ck_assert_str_eq(out, want);
			ck_assert_int_eq(n, (int)strlen(want));
			/* and back */
			ck_assert_int_eq(ctl_decode_header(out, (size_t)n, &st,
							   &body, &used),
					 CTL_DECODE_OK);
			ck_assert_int_eq(st, s);
			ck_assert_uint_eq(body, lens[i]);
			ck_assert_uint_eq(used, (size_t)n);
		}
	}
	ck_assert_int_eq(ctl_encode_header(CTL_OK, CTL_BODY_MAX + 1, out,
					   sizeof(out)),
			 -1);
	ck_assert_int_eq(
		ctl_encode_header(CTL_STATUS_COUNT, 1, out, sizeof(out)), -1);
	ck_assert_int_eq(ctl_encode_header(CTL_OK, 10, out, 14), 13);
	ck_assert_int_eq(ctl_encode_header(CTL_OK, 10, out, 13), -1);
}
END_TEST

START_TEST(test_encode_stream_header)
{
	char out[64];
	enum ctl_status st = CTL_BUSY;
	size_t body = 0, used = 0;

	ck_assert_int_eq(ctl_encode_stream_header(out, sizeof(out)), 17);
	ck_assert_str_eq(out, "tend/1 ok stream\n");
	ck_assert_int_eq(ctl_decode_header(out, 17, &st, &body, &used),
			 CTL_DECODE_OK);
	ck_assert_int_eq(st, CTL_OK);
	ck_assert_uint_eq(body, SIZE_MAX);
	ck_assert_uint_eq(used, 17);
	ck_assert_int_eq(ctl_encode_stream_header(out, 17), -1);
	ck_assert_int_eq(ctl_encode_stream_header(out, 18), 17);
}
END_TEST

static const struct {
	const char *s;
	size_t len;
} bad_headers[] = {
	{ LIT("\n") },
	{ LIT("garbage\n") },
	{ LIT("tend/1 ok\n") },
	{ LIT("tend/1 ok \n") },
	{ LIT("tend/1 ok -1\n") },
	{ LIT("tend/1 ok +1\n") },
	{ LIT("tend/1 ok 1x\n") },
	{ LIT("tend/1 ok 0x10\n") },
	{ LIT("tend/1 ok 1.5\n") },
	{ LIT("tend/1 ok 16777217\n") },
	{ LIT("tend/1 ok 99999999999999999999999999\n") },
	{ LIT("tend/1 bogus 1\n") },
	{ LIT("tend/1 OK 1\n") },
	{ LIT("tend/2 ok 1\n") },
	{ LIT("tend/1 ok 1\r\n") },
	{ LIT("tend/1  ok 1\n") },
	{ LIT("tend/1 ok  1\n") },
	{ LIT("tend/1 ok 1 \n") },
	{ LIT(" tend/1 ok 1\n") },
	{ LIT("tend/1 ok 1 2\n") },
	{ LIT("tend/1 failed stream\n") },
	{ LIT("tend/1 ok streams\n") },
	{ LIT("tend/1 ok 1\0\n") },
	{ LIT("tend/1 ok\0 1\n") },
};

START_TEST(test_decode_header_bad)
{
	enum ctl_status st = CTL_BUSY;
	size_t body = 7, used = 7;
	char *p = exact(bad_headers[_i].s, bad_headers[_i].len);

	ck_assert_msg(ctl_decode_header(p, bad_headers[_i].len, &st, &body,
					&used) == CTL_DECODE_ERROR,
		      "%s", bad_headers[_i].s);
	ck_assert_int_eq(st, CTL_BUSY);
	ck_assert_uint_eq(body, 7);
	free(p);
}
END_TEST

START_TEST(test_decode_header)
{
	static const char reply[] = "tend/1 failed 17\n{\"error\": \"no\"}";
	char line[80];
	enum ctl_status st;
	size_t body, used, k;
	char *p;

	for (k = 0; k < 17; k++) {
		p = exact(reply, k);
		ck_assert_int_eq(ctl_decode_header(p, k, &st, &body, &used),
				 CTL_DECODE_MORE);
		free(p);
	}
	for (k = 17; k < sizeof(reply); k++) {
		p = exact(reply, k);
		ck_assert_int_eq(ctl_decode_header(p, k, &st, &body, &used),
				 CTL_DECODE_OK);
		ck_assert_int_eq(st, CTL_FAILED);
		ck_assert_uint_eq(body, 17);
		ck_assert_uint_eq(used, 17);
		free(p);
	}
	ck_assert_int_eq(ctl_decode_header(NULL, 0, &st, &body, &used),
			 CTL_DECODE_MORE);

	/* a line of 64 bytes, its newline included, is the longest */
	memset(line, '0', sizeof(line));
	memcpy(line, "tend/1 ok ", 10);
	line[62] = '5';
	line[63] = '\n';
	p = exact(line, 64);
	ck_assert_int_eq(ctl_decode_header(p, 64, &st, &body, &used),
			 CTL_DECODE_OK);
	ck_assert_uint_eq(body, 5);
	ck_assert_int_eq(ctl_decode_header(p, 63, &st, &body, &used),
			 CTL_DECODE_MORE);
	free(p);
	line[63] = '5';
	line[64] = '\n';
	p = exact(line, 65);
	ck_assert_int_eq(ctl_decode_header(p, 64, &st, &body, &used),
			 CTL_DECODE_ERROR);
	ck_assert_int_eq(ctl_decode_header(p, 65, &st, &body, &used),
			 CTL_DECODE_ERROR);
	free(p);
}
END_TEST

/* ---- JSON ---- */

/* b's text is want; b is freed. */
static void expect_json(struct jbuf *b, const char *want)
{
	ck_assert_int_eq(b->oom, 0);
	ck_assert_ptr_nonnull(b->s);
	ck_assert_str_eq(b->s, want);
	ck_assert_uint_eq(b->len, strlen(want));
	jb_free(b);
}

/* The escape of n bytes, in a static buffer. */
static const char *escaped(const char *s, size_t n)
{
	static char out[2048];
	struct jbuf b;

	jb_init(&b);
	jb_escape(&b, s, n);
	ck_assert_int_eq(b.oom, 0);
	ck_assert_uint_lt(b.len, sizeof(out));
	if (b.len > 0)
		memcpy(out, b.s, b.len);
	out[b.len] = '\0';
	jb_free(&b);
	return out;
}

START_TEST(test_jb_init)
{
	struct jbuf b;

	memset(&b, 0xa5, sizeof(b));
	jb_init(&b);
	ck_assert_ptr_null(b.s);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(b.oom, 0);
	ck_assert_int_eq(b.first, 1);
}
END_TEST

START_TEST(test_jb_free)
{
	struct jbuf b;

	jb_init(&b);
	jb_free(&b);
	jb_int(&b, 5);
	jb_free(&b);
	ck_assert_ptr_null(b.s);
	ck_assert_uint_eq(b.len, 0);
	/* reused after free: no comma from the old value */
	jb_int(&b, 6);
	expect_json(&b, "6");
}
END_TEST

START_TEST(test_jb_nesting)
{
	struct jbuf b;

	jb_init(&b);
	jb_obj_begin(&b);
	jb_key(&b, "a");
	jb_int(&b, 1);
	jb_key(&b, "b");
	jb_arr_begin(&b);
	jb_int(&b, 1);
	jb_str(&b, "x");
	jb_null(&b);
	jb_bool(&b, 1);
	jb_bool(&b, 0);
	jb_obj_begin(&b);
	jb_obj_end(&b);
	jb_arr_begin(&b);
	jb_arr_end(&b);
	jb_arr_begin(&b);
	jb_arr_begin(&b);
	jb_int(&b, 2);
	jb_arr_end(&b);
	jb_arr_end(&b);
	jb_arr_end(&b);
	jb_key(&b, "c");
	jb_obj_begin(&b);
	jb_key(&b, "d");
	jb_num(&b, 1.5, 1);
	jb_key(&b, "e");
	jb_obj_begin(&b);
	jb_obj_end(&b);
	jb_obj_end(&b);
	jb_obj_end(&b);
	expect_json(&b, "{\"a\": 1, \"b\": [1, \"x\", null, true, false, {}, "
			"[], [[2]]], \"c\": {\"d\": 1.5, \"e\": {}}}");
}
END_TEST

START_TEST(test_jb_arr)
{
	struct jbuf b;
	int i;

	jb_init(&b);
	jb_arr_begin(&b);
	for (i = 0; i < 3; i++) {
		jb_obj_begin(&b);
		jb_key(&b, "name");
		jb_str(&b, i == 1 ? NULL : "w");
		jb_key(&b, "pid");
		jb_int(&b, i);
		jb_obj_end(&b);
	}
	jb_arr_end(&b);
	expect_json(&b, "[{\"name\": \"w\", \"pid\": 0}, "
			"{\"name\": null, \"pid\": 1}, "
			"{\"name\": \"w\", \"pid\": 2}]");
}
END_TEST

START_TEST(test_jb_key)
{
	struct jbuf b;

	jb_init(&b);
	jb_obj_begin(&b);
	jb_key(&b, "q\"\\\n");
	jb_arr_begin(&b);
	jb_arr_end(&b);
	jb_key(&b, NULL);
	jb_str(&b, "");
	jb_obj_end(&b);
	expect_json(&b, "{\"q\\\"\\\\\\n\": [], \"\": \"\"}");
}
END_TEST

START_TEST(test_jb_str)
{
	struct jbuf b;

	jb_init(&b);
	jb_arr_begin(&b);
	jb_str(&b, NULL);
	jb_str(&b, "a\"b\\c/d");
	jb_str(&b, "caf\xc3\xa9 \xff");
	jb_arr_end(&b);
	expect_json(&b, "[null, \"a\\\"b\\\\c/d\", \"caf\xc3\xa9 \\uFFFD\"]");
}
END_TEST

START_TEST(test_jb_int)
{
	struct jbuf b;

	jb_init(&b);
	jb_arr_begin(&b);
	jb_int(&b, 0);
	jb_int(&b, -1);
	jb_int(&b, 42);
	jb_int(&b, LLONG_MAX);
	jb_int(&b, LLONG_MIN);
	jb_arr_end(&b);
	expect_json(&b, "[0, -1, 42, 9223372036854775807, "
			"-9223372036854775808]");
}
END_TEST

START_TEST(test_jb_num)
{
	static const struct {
		double v;
		int decimals;
		const char *want;
	} nums[] = {
		{ 1.5, 1, "1.5" },
		{ 12.3456, 3, "12.346" },
		{ 2, 0, "2" },
		{ 12.1, 3, "12.100" },
		{ -0.25, 2, "-0.25" },
		{ -3, 1, "-3.0" },
		{ 0, 3, "0.000" },
		{ 1e-10, 3, "0.000" },
		{ 7.5, -4, "8" },
		{ 1e20, 0, "100000000000000000000" },
		{ 0.1, 20, "0.10000000000000001" },
	};
	double inf = INFINITY, nan = NAN;
	struct jbuf b;
	size_t i;

	for (i = 0; i < N(nums); i++) {
		jb_init(&b);
		jb_num(&b, nums[i].v, nums[i].decimals);
		expect_json(&b, nums[i].want);
	}
	jb_init(&b);
	jb_arr_begin(&b);
	jb_num(&b, nan, 3);
	jb_num(&b, inf, 3);
	jb_num(&b, -inf, 0);
	jb_num(&b, 1, 0);
	jb_arr_end(&b);
	expect_json(&b, "[null, null, null, 1]");

	/* no exponent, however big */
	jb_init(&b);
	jb_num(&b, -DBL_MAX, 3);
	ck_assert_ptr_null(strpbrk(b.s, "eE"));
	ck_assert_uint_eq(b.len, 1 + 309 + 4);
	ck_assert_str_eq(b.s + b.len - 4, ".000");
	jb_free(&b);
}
END_TEST

START_TEST(test_jb_bool)
{
	struct jbuf b;

	jb_init(&b);
	jb_arr_begin(&b);
	jb_bool(&b, 1);
	jb_bool(&b, 0);
	jb_bool(&b, 42);
	jb_arr_end(&b);
	expect_json(&b, "[true, false, true]");
}
END_TEST

START_TEST(test_jb_null)
{
	struct jbuf b;

	jb_init(&b);
	jb_obj_begin(&b);
	jb_key(&b, "a");
	jb_null(&b);
	jb_key(&b, "b");
	jb_null(&b);
	jb_obj_end(&b);
	expect_json(&b, "{\"a\": null, \"b\": null}");
}
END_TEST

/* Streamed objects: raw text between them, no comma. */
START_TEST(test_jb_raw)
{
	struct jbuf b;
	int i;

	jb_init(&b);
	for (i = 1; i <= 2; i++) {
		jb_obj_begin(&b);
		jb_key(&b, "n");
		jb_int(&b, i);
		jb_obj_end(&b);
		jb_raw(&b, "\n", 1);
	}
	jb_raw(&b, "xyz", 2);
	jb_raw(&b, NULL, 0);
	expect_json(&b, "{\"n\": 1}\n{\"n\": 2}\nxy");
}
END_TEST

START_TEST(test_jb_big)
{
	struct jbuf b;
	int i;

	jb_init(&b);
	jb_arr_begin(&b);
	for (i = 0; i < 100000; i++)
		jb_int(&b, i % 10);
	jb_arr_end(&b);
	ck_assert_int_eq(b.oom, 0);
	ck_assert_uint_eq(b.len, 2 + 100000 + 2 * 99999);
	ck_assert_uint_eq(strlen(b.s), b.len);
	ck_assert_uint_gt(b.cap, b.len);
	jb_free(&b);

	/* once out of memory, nothing more is written */
	jb_init(&b);
	jb_str(&b, "kept");
	b.oom = 1;
	jb_str(&b, "lost");
	jb_raw(&b, "x", 1);
	ck_assert_str_eq(b.s, "\"kept\"");
	ck_assert_uint_eq(b.len, 6);
	jb_free(&b);
}
END_TEST

START_TEST(test_jb_escape_controls)
{
	char all[32];
	int c;

	for (c = 0; c < 32; c++)
		all[c] = (char)c;
	ck_assert_str_eq(escaped(all, 32),
			 "\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006"
			 "\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
			 "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016"
			 "\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d"
			 "\\u001e\\u001f");
	ck_assert_str_eq(escaped(LIT("\x7f")), "\\u007f");
	ck_assert_str_eq(escaped(LIT("a\"b\\c")), "a\\\"b\\\\c");
	ck_assert_str_eq(escaped(LIT(" !/~'")), " !/~'");
	ck_assert_str_eq(escaped(LIT("a\0b")), "a\\u0000b");
	ck_assert_str_eq(escaped("abc", 2), "ab");
	ck_assert_str_eq(escaped(NULL, 0), "");
}
END_TEST

/* Valid sequences pass through, the edges of each length included. */
START_TEST(test_jb_escape_utf8)
{
	static const char *const ok[] = {
		"\xc3\xa9",	    /* é */
		"\xe2\x82\xac",	    /* € */
		"\xf0\x9d\x84\x9e", /* U+1D11E */
		"\xc2\x80",	    /* U+0080 */
		"\xdf\xbf",	    /* U+07FF */
		"\xe0\xa0\x80",	    /* U+0800 */
		"\xed\x9f\xbf",	    /* U+D7FF */
		"\xee\x80\x80",	    /* U+E000 */
		"\xef\xbf\xbf",	    /* U+FFFF */
		"\xf0\x90\x80\x80", /* U+10000 */
		"\xf4\x8f\xbf\xbf", /* U+10FFFF */
		"na\xc3\xafve caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac",
	};
	size_t i;

	for (i = 0; i < N(ok); i++)
		ck_assert_str_eq(escaped(ok[i], strlen(ok[i])), ok[i]);
}
END_TEST

#define R "\\uFFFD"

static const struct {
	const char *s;
	size_t len;
	const char *want;
} invalid[] = {
	{ LIT("\x80"), R }, /* lone continuation */
	{ LIT("\xbf"), R },
	{ LIT("\xc0\x80"), R R },	/* overlong NUL */
	{ LIT("\xc1\xbf"), R R },	/* overlong 2 bytes */
	{ LIT("\xe0\x80\x80"), R R R }, /* overlong 3 bytes */
	{ LIT("\xe0\x9f\xbf"), R R R },
	{ LIT("\xf0\x80\x80\x80"), R R R R }, /* overlong 4 bytes */
	{ LIT("\xf0\x8f\xbf\xbf"), R R R R },
	{ LIT("\xed\xa0\x80"), R R R },	      /* U+D800 */
	{ LIT("\xed\xbf\xbf"), R R R },	      /* U+DFFF */
	{ LIT("\xf4\x90\x80\x80"), R R R R }, /* U+110000 */
	{ LIT("\xf5\x80\x80\x80"), R R R R },
	{ LIT("\xf8\x88\x80\x80\x80"), R R R R R }, /* 5 bytes */
	{ LIT("\xfe"), R },
	{ LIT("\xff"), R },
	{ LIT("\xc3"), R }, /* truncated at the end */
	{ LIT("\xe2\x82"), R R },
	{ LIT("\xf0\x9d\x84"), R R R },
	{ LIT("\xe2\x82"
	      "a"),
	  R R "a" }, /* truncated mid-text */
	{ LIT("\xc3\""), R "\\\"" },
	{ LIT("\xc3\n"), R "\\n" },
	{ LIT("\xc3\xc3\xa9"), R "\xc3\xa9" },
	{ LIT("a\xff"
	      "b\xe2\x82\xac"),
	  "a" R "b\xe2\x82\xac" },
};

START_TEST(test_jb_escape_invalid)
{
	ck_assert_str_eq(escaped(invalid[_i].s, invalid[_i].len),
			 invalid[_i].want);
}
END_TEST

/* Any byte, alone or all together, comes out as printable ASCII. */
START_TEST(test_jb_escape_bytes)
{
	char all[256];
	const char *out, *p;
	int c;

	for (c = 0; c < 256; c++) {
		all[c] = (char)c;
		out = escaped(all + c, 1);
		ck_assert_uint_gt(strlen(out), 0);
		for (p = out; *p != '\0'; p++)
			ck_assert_msg(*p >= 0x20 && *p <= 0x7e,
				      "byte 0x%02x gives 0x%02x", c,
				      (unsigned char)*p);
		if (c >= 0x80)
			ck_assert_str_eq(out, R);
	}
	out = escaped(all, 256);
	for (p = out; *p != '\0'; p++)
		ck_assert(*p >= 0x20 && *p <= 0x7e);
}
END_TEST

#undef R

/* ---- ctl_rfc3339 ---- */

START_TEST(test_rfc3339)
{
	static const struct {
		double t;
		const char *want;
	} times[] = {
		{ 0.0, "1970-01-01T00:00:00.000Z" },
		{ 0.0005, "1970-01-01T00:00:00.000Z" },
		{ 0.9999, "1970-01-01T00:00:00.999Z" },
		{ 1.5, "1970-01-01T00:00:01.500Z" },
		{ 59.001, "1970-01-01T00:00:59.001Z" },
		{ 1795935600.123, "2026-11-29T07:00:00.123Z" },
		{ 1795935600.9996, "2026-11-29T07:00:00.999Z" },
		/* a hair under .031: x * 1000 is ...030.99998 */
		{ 1094470460.031, "2004-09-06T11:34:20.031Z" },
		{ 951868799.5, "2000-02-29T23:59:59.500Z" },
		{ 2147483648.0, "2038-01-19T03:14:08.000Z" },
		{ -0.001, "1969-12-31T23:59:59.999Z" },
		{ -1.5, "1969-12-31T23:59:58.500Z" },
		{ 1e18, "9999-12-31T23:59:59.999Z" },
		{ -1e18, "0000-01-01T00:00:00.000Z" },
	};
	char out[32];
	size_t i;

	for (i = 0; i < N(times); i++) {
		memset(out, 'x', sizeof(out));
		ctl_rfc3339(times[i].t, out);
		ck_assert_str_eq(out, times[i].want);
	}
	ctl_rfc3339(NAN, out);
	ck_assert_str_eq(out, "1970-01-01T00:00:00.000Z");
	ctl_rfc3339(INFINITY, out);
	ck_assert_str_eq(out, "9999-12-31T23:59:59.999Z");
	ctl_rfc3339(-INFINITY, out);
	ck_assert_str_eq(out, "0000-01-01T00:00:00.000Z");
}
END_TEST

/* ---- ctlview: log_dropped and health in status and metrics ---- */

static const struct ctl_view views[] = {
	{ .name = "web",
	  .state = "running",
	  .pid = 42,
	  .uptime = 12.14,
	  .restarts = 1,
	  .starts = 2,
	  .ready = 1,
	  .has_exit = 1,
	  .wstatus = 9, /* killed by SIGKILL */
	  .log_dropped = 3,
	  .health = "healthy",
	  .health_failures = 1 },
	{ .name = "db",
	  .state = "failed",
	  .restarts = 2,
	  .starts = 3,
	  .has_exit = 1,
	  .wstatus = 3 << 8,
	  .critical = 1,
	  .reason = "exited 3",
	  .log_dropped = 0 },
};

START_TEST(test_view_status)
{
	struct ctl_top top = { .uptime = 100.06,
			       .orphans = 17,
			       .shutting_down = 0,
			       .log_dropped = 5 };
	char want[1024];
	struct jbuf b;

	ck_assert(WIFSIGNALED(views[0].wstatus));
	ck_assert(WIFEXITED(views[1].wstatus));
	snprintf(want, sizeof(want),
		 "{\"version\": \"%s\", \"pid\": %d, \"uptime\": 100.1, "
		 "\"orphans_reaped\": 17, \"log_dropped\": 5, "
		 "\"shutting_down\": false, \"services\": ["
		 "{\"name\": \"web\", \"state\": \"running\", \"pid\": 42, "
		 "\"uptime\": 12.1, \"restarts\": 1, \"ready\": true, "
		 "\"health\": \"healthy\", \"exit_code\": null, "
		 "\"exit_signal\": \"KILL\", \"main\": false, "
		 "\"critical\": false, \"reason\": null, \"starts\": 2, "
		 "\"log_dropped\": 3, \"health_failures\": 1}, "
		 "{\"name\": \"db\", \"state\": \"failed\", \"pid\": null, "
		 "\"uptime\": null, \"restarts\": 2, \"ready\": false, "
		 "\"health\": null, \"exit_code\": 3, \"exit_signal\": null, "
		 "\"main\": false, \"critical\": true, "
		 "\"reason\": \"exited 3\", \"starts\": 3, "
		 "\"log_dropped\": 0, \"health_failures\": 0}]}",
		 TEND_VERSION, (int)getpid());
	jb_init(&b);
	ctlview_status(&b, &top, views, N(views));
	expect_json(&b, want);

	/* a count past 2^32 */
	top.log_dropped = 4294967296ul * 3;
	jb_init(&b);
	ctlview_status(&b, &top, NULL, 0);
	ck_assert_ptr_nonnull(strstr(b.s, "\"log_dropped\": 12884901888, "));
	jb_free(&b);
}
END_TEST

START_TEST(test_view_check_health)
{
	struct ctl_view v[2];
	struct jbuf b;

	memcpy(v, views, sizeof(v));
	v[0].wanted = 1;
	v[1] = v[0];
	v[1].name = "api";
	v[1].health = "unhealthy";
	jb_init(&b);
	ctlview_check(&b, v, 2, 1, 0);
	ck_assert_ptr_nonnull(b.s);
	ck_assert_ptr_nonnull(strstr(b.s, "\"name\": \"web\", \"ok\": true"));
	ck_assert_ptr_nonnull(strstr(
		b.s, "\"name\": \"api\", \"ok\": false, "
		     "\"state\": \"running\", \"reason\": \"unhealthy\""));
	ck_assert_ptr_nonnull(strstr(b.s, "\"healthy\": false"));
	jb_free(&b);
	v[1].health = "starting"; /* not checked yet: ready is what counts */
	jb_init(&b);
	ctlview_check(&b, v, 2, 1, 0);
	ck_assert_ptr_nonnull(strstr(b.s, "\"healthy\": true"));
	jb_free(&b);
}
END_TEST

START_TEST(test_view_metrics)
{
	static const char want[] =
		"# HELP tend_service_state The service's current state (1 for that state).\n"
		"# TYPE tend_service_state gauge\n"
		"tend_service_state{service=\"web\",state=\"running\"} 1\n"
		"tend_service_state{service=\"db\",state=\"failed\"} 1\n"
		"# HELP tend_service_ready 1 when the service is ready.\n"
		"# TYPE tend_service_ready gauge\n"
		"tend_service_ready{service=\"web\"} 1\n"
		"tend_service_ready{service=\"db\"} 0\n"
		"# HELP tend_service_health 1 healthy, 0 unhealthy or not checked yet (absent: no health check).\n"
		"# TYPE tend_service_health gauge\n"
		"tend_service_health{service=\"web\"} 1\n"
		"# HELP tend_service_restarts_total Restarts of the service.\n"
		"# TYPE tend_service_restarts_total counter\n"
		"tend_service_restarts_total{service=\"web\"} 1\n"
		"tend_service_restarts_total{service=\"db\"} 2\n"
		"# HELP tend_service_last_exit_code Exit code of the last run (128+N for signal N).\n"
		"# TYPE tend_service_last_exit_code gauge\n"
		"tend_service_last_exit_code{service=\"web\"} 137\n"
		"tend_service_last_exit_code{service=\"db\"} 3\n"
		"# HELP tend_service_uptime_seconds Seconds since the current run started (0 when none).\n"
		"# TYPE tend_service_uptime_seconds gauge\n"
		"tend_service_uptime_seconds{service=\"web\"} 12.140\n"
		"tend_service_uptime_seconds{service=\"db\"} 0.000\n"
		"# HELP tend_service_log_dropped_total Lines of the service's output that could not be written.\n"
		"# TYPE tend_service_log_dropped_total counter\n"
		"tend_service_log_dropped_total{service=\"web\"} 3\n"
		"tend_service_log_dropped_total{service=\"db\"} 0\n"
		"# HELP tend_orphans_reaped_total Adopted orphans tend reaped.\n"
		"# TYPE tend_orphans_reaped_total counter\n"
		"tend_orphans_reaped_total 17\n"
		"# HELP tend_log_dropped_total Lines of tend's own messages that could not be written.\n"
		"# TYPE tend_log_dropped_total counter\n"
		"tend_log_dropped_total 5\n";
	struct ctl_top top = { .orphans = 17, .log_dropped = 5 };
	char line[64];
	struct jbuf b;

	jb_init(&b);
	ctlview_metrics(&b, &top, views, N(views));
	expect_json(&b, want);

	/* no services: tend's own counters still */
	top.orphans = 0;
	top.log_dropped = ULONG_MAX;
	jb_init(&b);
	ctlview_metrics(&b, &top, NULL, 0);
	ck_assert_ptr_null(strstr(b.s, "{service="));
	ck_assert_ptr_nonnull(strstr(b.s, "\ntend_orphans_reaped_total 0\n"));
	snprintf(line, sizeof(line), "\ntend_log_dropped_total %lu\n",
		 ULONG_MAX);
	ck_assert_ptr_nonnull(strstr(b.s, line));
	jb_free(&b);
}
END_TEST

/* ---- random input ---- */

/* 20,000 buffers that look like requests, more or less. */
START_TEST(test_fuzz)
{
	static const char like[] = "tend/1 status \n";
	static const char *const starts[] = { "", "tend/1 ", "tend/1 start ",
					      "tend/1 reload " };
	size_t counts[3] = { 0 }, len, i, k, used;
	struct ctl_request req;
	enum ctl_status st;
	size_t body;
	char buf[300], err[128], *p;
	int n;

	rnd_seed(0x2545f491);
	for (n = 0; n < 20000; n++) {
		const char *start = starts[rnd() % N(starts)];

		len = rnd() % 301;
		for (i = 0; i < len; i++) {
			uint32_t r = rnd();

			buf[i] = r % 8 != 0
					 ? like[(r >> 8) % (sizeof(like) - 1)]
					 : (char)(r >> 8);
		}
		k = strlen(start) < len ? strlen(start) : len;
		memcpy(buf, start, k);
		p = exact(buf, len);
		err[0] = 'x';
		switch (ctl_decode_request(p, len, &req, &used, &st, err,
					   sizeof(err))) {
		case CTL_DECODE_OK:
			counts[0]++;
			ck_assert_uint_gt(used, 0);
			ck_assert_uint_le(used, len);
			ck_assert_int_eq(p[used - 1], '\n');
			ck_assert_int_lt(req.cmd, CTL_CMD_COUNT);
			for (i = 0; i < req.nargs; i++)
				ck_assert_uint_le(strlen(req.args[i]),
						  CTL_WORD_MAX);
			ck_assert_ptr_null(req.args[req.nargs]);
			ctl_request_free(&req);
			break;
		case CTL_DECODE_MORE:
			counts[1]++;
			ck_assert_ptr_null(memchr(p, '\n', len));
			break;
		case CTL_DECODE_ERROR:
			counts[2]++;
			ck_assert_int_ne(st, CTL_OK);
			ck_assert_int_lt(st, CTL_STATUS_COUNT);
			ck_assert_uint_gt(strlen(err), 0);
			ck_assert_uint_lt(strlen(err), sizeof(err));
			break;
		default:
			ck_abort_msg("bad result");
		}
		/* the header decoder takes the same bytes */
		ck_assert_int_le(ctl_decode_header(p, len, &st, &body, &used),
				 CTL_DECODE_ERROR);
		free(p);
	}
	ck_assert_uint_gt(counts[0], 100);
	ck_assert_uint_gt(counts[1], 100);
	ck_assert_uint_gt(counts[2], 100);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("ctlproto");
	TCase *tc;

	tc = unit_tcase(s, "ctl_decode_request");
	tcase_add_loop_test(tc, test_decode_valid, 0, N(valid));
	tcase_add_loop_test(tc, test_decode_split, 0, N(valid));
	tcase_add_loop_test(tc, test_decode_bad, 0, N(bad));
	tcase_add_test(tc, test_decode_more);
	tcase_add_test(tc, test_decode_size_limit);
	tcase_add_test(tc, test_decode_word_limits);
	tcase_add_test(tc, test_decode_two);
	tcase_add_test(tc, test_decode_outputs);
	tcase_add_test(tc, test_fuzz);
	tcase_add_test(unit_tcase(s, "ctl_request_free"), test_request_free);
	tcase_add_test(unit_tcase(s, "ctl_cmd_read_only"), test_cmd_read_only);
	tcase_add_test(unit_tcase(s, "ctl_cmd_name"), test_cmd_name);
	tcase_add_test(unit_tcase(s, "ctl_status_name"), test_status_name);
	tcase_add_test(unit_tcase(s, "ctl_status_parse"), test_status_parse);
	tc = unit_tcase(s, "ctl_encode_request");
	tcase_add_test(tc, test_encode_request);
	tcase_add_test(tc, test_encode_roundtrip);
	tcase_add_test(tc, test_encode_request_bad);
	tcase_add_test(tc, test_encode_log);
	tcase_add_test(unit_tcase(s, "ctl_log_args"), test_log_args);
	tcase_add_test(unit_tcase(s, "ctl_log_lines_parse"),
		       test_log_lines_parse);
	tcase_add_test(unit_tcase(s, "ctl_encode_header"), test_encode_header);
	tcase_add_test(unit_tcase(s, "ctl_encode_stream_header"),
		       test_encode_stream_header);
	tc = unit_tcase(s, "ctl_decode_header");
	tcase_add_test(tc, test_decode_header);
	tcase_add_loop_test(tc, test_decode_header_bad, 0, N(bad_headers));
	tcase_add_test(unit_tcase(s, "jb_init"), test_jb_init);
	tcase_add_test(unit_tcase(s, "jb_free"), test_jb_free);
	tc = unit_tcase(s, "jb_obj_begin/end");
	tcase_add_test(tc, test_jb_nesting);
	tcase_add_test(unit_tcase(s, "jb_arr_begin/end"), test_jb_arr);
	tcase_add_test(unit_tcase(s, "jb_key"), test_jb_key);
	tcase_add_test(unit_tcase(s, "jb_str"), test_jb_str);
	tcase_add_test(unit_tcase(s, "jb_int"), test_jb_int);
	tcase_add_test(unit_tcase(s, "jb_num"), test_jb_num);
	tcase_add_test(unit_tcase(s, "jb_bool"), test_jb_bool);
	tcase_add_test(unit_tcase(s, "jb_null"), test_jb_null);
	tc = unit_tcase(s, "jb_raw");
	tcase_add_test(tc, test_jb_raw);
	tcase_add_test(tc, test_jb_big);
	tc = unit_tcase(s, "jb_escape");
	tcase_add_test(tc, test_jb_escape_controls);
	tcase_add_test(tc, test_jb_escape_utf8);
	tcase_add_loop_test(tc, test_jb_escape_invalid, 0, N(invalid));
	tcase_add_test(tc, test_jb_escape_bytes);
	tcase_add_test(unit_tcase(s, "ctl_rfc3339"), test_rfc3339);
	tcase_add_test(unit_tcase(s, "ctlview_status"), test_view_status);
	tcase_add_test(unit_tcase(s, "ctlview_metrics"), test_view_metrics);
	tcase_add_test(unit_tcase(s, "ctlview_check_health"),
		       test_view_check_health);
	return s;
}
