#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "unit.h"
#include "unit_util.h"

#define N(a)	  (sizeof(a) / sizeof((a)[0]))
#define STRV(...) ((const char *[]){ __VA_ARGS__, NULL })

/* An /etc/hosts with what real ones hold: comments, aliases, IPv6, junk. */
static const char hosts[] =
	"# The following lines are desirable for IPv6 capable hosts\n"
	"127.0.0.1\tlocalhost\n"
	"::1     localhost ip6-localhost ip6-loopback\n"
	"fe00::0 ip6-localnet\n"
	"\n"
	"   \t \n"
	"10.0.0.5\tdb db.internal   # the database\n"
	"10.0.0.6 web   web.internal\tfront\r\n"
	"# 10.0.0.7 commented\n"
	"10.0.0.8#nospace\n"
	"fd00::17 cache\n"
	"10.0.0.9 db\n"	     /* a second line for db: the first wins */
	"999.1.1.1 broken\n" /* not an address: never matches */
	"10.0.0.10 broken\n"
	"fe80::1%eth0 zoned\n"
	"10.0.0.11 UPPER\n"
	"10.0.0.12"; /* no names, no newline */

/* "ADDR:PORT" or "[ADDR]:PORT" of p's address, "" when it has none. */
static const char *addr_str(const struct sockaddr_storage *ss, socklen_t len)
{
	static char out[INET6_ADDRSTRLEN + 16];
	char a[INET6_ADDRSTRLEN];

	out[0] = '\0';
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		ck_assert_uint_eq(len, sizeof(*in));
		inet_ntop(AF_INET, &in->sin_addr, a, sizeof(a));
		snprintf(out, sizeof(out), "%s:%u", a, ntohs(in->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
			(const struct sockaddr_in6 *)ss;

		ck_assert_uint_eq(len, sizeof(*in6));
		inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
		snprintf(out, sizeof(out), "[%s]:%u", a, ntohs(in6->sin6_port));
	} else {
		ck_assert_uint_eq(len, 0);
	}
	return out;
}

static void expect_argv(char *const *got, const char *const *want)
{
	size_t i;

	ck_assert_ptr_nonnull(got);
	for (i = 0; want[i] != NULL; i++) {
		ck_assert_msg(got[i] != NULL, "word %zu missing: %s", i,
			      want[i]);
		ck_assert_str_eq(got[i], want[i]);
	}
	ck_assert_ptr_null(got[i]);
}

/* ---- probe_parse: every form ---- */

static const struct {
	const char *s;
	int ready;
	enum probe_kind kind;
	const char *host; /* NULL: none */
	const char *addr; /* addr_str, "" when none */
	const char *path;
	int fd;
	const char *argv[6];
} good[] = {
	{ "", 1, PROBE_NONE, NULL, "", NULL, 0, { NULL } },
	{ "", 0, PROBE_NONE, NULL, "", NULL, 0, { NULL } },
	{ "notify", 1, PROBE_NOTIFY, NULL, "", NULL, 0, { NULL } },
	{ "fd:3", 1, PROBE_FD, NULL, "", NULL, 3, { NULL } },
	{ "fd:1023", 1, PROBE_FD, NULL, "", NULL, 1023, { NULL } },
	{ "fd:042", 1, PROBE_FD, NULL, "", NULL, 42, { NULL } },
	/* tcp: the port alone is 127.0.0.1 */
	{ "tcp:80",
	  0,
	  PROBE_TCP,
	  "127.0.0.1",
	  "127.0.0.1:80",
	  NULL,
	  0,
	  { NULL } },
	{ "tcp:1", 1, PROBE_TCP, "127.0.0.1", "127.0.0.1:1", NULL, 0, { NULL } },
	{ "tcp:65535",
	  0,
	  PROBE_TCP,
	  "127.0.0.1",
	  "127.0.0.1:65535",
	  NULL,
	  0,
	  { NULL } },
	{ "tcp:06379",
	  0,
	  PROBE_TCP,
	  "127.0.0.1",
	  "127.0.0.1:6379",
	  NULL,
	  0,
	  { NULL } },
	{ "tcp:10.1.2.3:5432",
	  0,
	  PROBE_TCP,
	  "10.1.2.3",
	  "10.1.2.3:5432",
	  NULL,
	  0,
	  { NULL } },
	{ "tcp:0.0.0.0:8080",
	  0,
	  PROBE_TCP,
	  "0.0.0.0",
	  "0.0.0.0:8080",
	  NULL,
	  0,
	  { NULL } },
	{ "tcp:localhost:6379",
	  1,
	  PROBE_TCP,
	  "localhost",
	  "127.0.0.1:6379",
	  NULL,
	  0,
	  { NULL } },
	{ "tcp:LocalHost:6379",
	  1,
	  PROBE_TCP,
	  "LocalHost",
	  "127.0.0.1:6379",
	  NULL,
	  0,
	  { NULL } },
	{ "tcp:[::1]:80", 0, PROBE_TCP, "[::1]", "[::1]:80", NULL, 0, { NULL } },
	{ "tcp:[2001:db8::5]:443",
	  0,
	  PROBE_TCP,
	  "[2001:db8::5]",
	  "[2001:db8::5]:443",
	  NULL,
	  0,
	  { NULL } },
	{ "tcp:[::ffff:10.0.0.1]:1",
	  0,
	  PROBE_TCP,
	  "[::ffff:10.0.0.1]",
	  "[::ffff:10.0.0.1]:1",
	  NULL,
	  0,
	  { NULL } },
	/* names from the hosts text: aliases, IPv6, first match */
	{ "tcp:db:5432", 0, PROBE_TCP, "db", "10.0.0.5:5432", NULL, 0, { NULL } },
	{ "tcp:db.internal:5432",
	  0,
	  PROBE_TCP,
	  "db.internal",
	  "10.0.0.5:5432",
	  NULL,
	  0,
	  { NULL } },
	{ "tcp:front:80",
	  0,
	  PROBE_TCP,
	  "front",
	  "10.0.0.6:80",
	  NULL,
	  0,
	  { NULL } },
	{ "tcp:cache:6379",
	  0,
	  PROBE_TCP,
	  "cache",
	  "[fd00::17]:6379",
	  NULL,
	  0,
	  { NULL } },
	{ "tcp:ip6-localhost:22",
	  0,
	  PROBE_TCP,
	  "ip6-localhost",
	  "[::1]:22",
	  NULL,
	  0,
	  { NULL } },
	{ "tcp:broken:1",
	  0,
	  PROBE_TCP,
	  "broken",
	  "10.0.0.10:1",
	  NULL,
	  0,
	  { NULL } },
	{ "tcp:upper:1",
	  0,
	  PROBE_TCP,
	  "upper",
	  "10.0.0.11:1",
	  NULL,
	  0,
	  { NULL } },
	{ "tcp:DB:1", 0, PROBE_TCP, "DB", "10.0.0.5:1", NULL, 0, { NULL } },
	/* http */
	{ "http://localhost:8080/healthz",
	  1,
	  PROBE_HTTP,
	  "localhost",
	  "127.0.0.1:8080",
	  "/healthz",
	  0,
	  { NULL } },
	{ "http://127.0.0.1",
	  0,
	  PROBE_HTTP,
	  "127.0.0.1",
	  "127.0.0.1:80",
	  "/",
	  0,
	  { NULL } },
	{ "http://127.0.0.1/",
	  0,
	  PROBE_HTTP,
	  "127.0.0.1",
	  "127.0.0.1:80",
	  "/",
	  0,
	  { NULL } },
	{ "http://web:81",
	  0,
	  PROBE_HTTP,
	  "web",
	  "10.0.0.6:81",
	  "/",
	  0,
	  { NULL } },
	{ "http://web.internal/a/b?x=1&y=%20#f",
	  0,
	  PROBE_HTTP,
	  "web.internal",
	  "10.0.0.6:80",
	  "/a/b?x=1&y=%20#f",
	  0,
	  { NULL } },
	{ "http://[::1]:9000/ping",
	  0,
	  PROBE_HTTP,
	  "[::1]",
	  "[::1]:9000",
	  "/ping",
	  0,
	  { NULL } },
	{ "http://[::1]/", 0, PROBE_HTTP, "[::1]", "[::1]:80", "/", 0, { NULL } },
	{ "http://localhost:80/a:b",
	  0,
	  PROBE_HTTP,
	  "localhost",
	  "127.0.0.1:80",
	  "/a:b",
	  0,
	  { NULL } },
	{ "HTTP://localhost/",
	  0,
	  PROBE_HTTP,
	  "localhost",
	  "127.0.0.1:80",
	  "/",
	  0,
	  { NULL } },
	/* exec, and anything that is no other form */
	{ "exec:pg_isready -q",
	  0,
	  PROBE_EXEC,
	  NULL,
	  "",
	  NULL,
	  0,
	  { "pg_isready", "-q" } },
	{ "exec:  redis-cli ping ",
	  1,
	  PROBE_EXEC,
	  NULL,
	  "",
	  NULL,
	  0,
	  { "redis-cli", "ping" } },
	{ "/bin/check --fast",
	  0,
	  PROBE_EXEC,
	  NULL,
	  "",
	  NULL,
	  0,
	  { "/bin/check", "--fast" } },
	{ "exec:sh -c 'test -e /run/ok && echo \"yes\"'",
	  1,
	  PROBE_EXEC,
	  NULL,
	  "",
	  NULL,
	  0,
	  { "sh", "-c", "test -e /run/ok && echo \"yes\"" } },
	{ "curl -f \"http://x/a b\" ''",
	  0,
	  PROBE_EXEC,
	  NULL,
	  "",
	  NULL,
	  0,
	  { "curl", "-f", "http://x/a b", "" } },
	{ "check:x", 0, PROBE_EXEC, NULL, "", NULL, 0, { "check:x" } },
	{ "notify-ready", 0, PROBE_EXEC, NULL, "", NULL, 0, { "notify-ready" } },
	{ "tcpcheck 80", 0, PROBE_EXEC, NULL, "", NULL, 0, { "tcpcheck", "80" } },
	{ "exec:exec:x", 0, PROBE_EXEC, NULL, "", NULL, 0, { "exec:x" } },
	{ "exec:notify", 0, PROBE_EXEC, NULL, "", NULL, 0, { "notify" } },
};

START_TEST(test_parse_good)
{
	struct probe p;
	char err[256] = "";

	ck_assert_msg(probe_parse(good[_i].s, good[_i].ready, hosts, &p, err,
				  sizeof(err)) == 0,
		      "%s: %s", good[_i].s, err);
	ck_assert_int_eq(p.kind, good[_i].kind);
	if (good[_i].kind == PROBE_NONE)
		ck_assert_ptr_null(p.text);
	else
		ck_assert_str_eq(p.text, good[_i].s);
	if (good[_i].host == NULL)
		ck_assert_ptr_null(p.host);
	else
		ck_assert_str_eq(p.host, good[_i].host);
	ck_assert_str_eq(addr_str(&p.addr, p.addrlen), good[_i].addr);
	if (p.addrlen > 0)
		ck_assert_int_eq(p.port, atoi(strrchr(good[_i].addr, ':') + 1));
	else
		ck_assert_int_eq(p.port, 0);
	if (good[_i].path == NULL)
		ck_assert_ptr_null(p.path);
	else
		ck_assert_str_eq(p.path, good[_i].path);
	ck_assert_int_eq(p.fd, good[_i].fd);
	if (good[_i].kind == PROBE_EXEC)
		expect_argv(p.argv, good[_i].argv);
	else
		ck_assert_ptr_null(p.argv);
	probe_free(&p);
	ck_assert_int_eq(p.kind, PROBE_NONE);
	ck_assert_ptr_null(p.text);
}
END_TEST

/* ---- probe_parse: every error ---- */

#define NO_DNS "(no DNS: use an address, localhost or a name in /etc/hosts)"
#define FORMS \
	"tcp:[HOST:]PORT, http://HOST[:PORT][/PATH], exec:COMMAND or a command"

static const struct {
	const char *s;
	int ready;
	const char *err;
} bad[] = {
	/* ports */
	{ "tcp:0", 1, "invalid port '0' (1 to 65535)" },
	{ "tcp:65536", 1, "invalid port '65536' (1 to 65535)" },
	{ "tcp:abc", 1, "invalid port 'abc' (1 to 65535)" },
	{ "tcp:", 1, "invalid port '' (1 to 65535)" },
	{ "tcp:-1", 1, "invalid port '-1' (1 to 65535)" },
	{ "tcp:+80", 1, "invalid port '+80' (1 to 65535)" },
	{ "tcp:100000", 1, "invalid port '100000' (1 to 65535)" },
	{ "tcp:localhost", 1, "invalid port 'localhost' (1 to 65535)" },
	{ "tcp:localhost:", 1, "invalid port '' (1 to 65535)" },
	{ "tcp:localhost:0", 1, "invalid port '0' (1 to 65535)" },
	{ "tcp:localhost:http", 1, "invalid port 'http' (1 to 65535)" },
	{ "tcp:[::1]:65536", 1, "invalid port '65536' (1 to 65535)" },
	{ "http://localhost:0/", 1, "invalid port '0' (1 to 65535)" },
	{ "http://localhost:/", 1, "invalid port '' (1 to 65535)" },
	{ "http://localhost:x8/", 1, "invalid port 'x8' (1 to 65535)" },
	/* hosts */
	{ "tcp::80", 1, "no host in ':80'" },
	{ "http://:80/", 1, "no host in ':80'" },
	{ "http:///x", 1, "no host in ''" },
	{ "http://", 1, "no host in ''" },
	{ "tcp:nosuch:80", 1, "unknown host 'nosuch' " NO_DNS },
	{ "tcp:ip6-local:80", 1, "unknown host 'ip6-local' " NO_DNS },
	{ "tcp:commented:80", 1, "unknown host 'commented' " NO_DNS },
	{ "tcp:nospace:80", 1, "unknown host 'nospace' " NO_DNS },
	{ "tcp:zoned:80", 1, "unknown host 'zoned' " NO_DNS },
	{ "tcp:the:80", 1, "unknown host 'the' " NO_DNS },
	{ "tcp:a:b:80", 1,
	  "'a:b:80': an IPv6 address goes in brackets ([ADDRESS]:PORT)" },
	{ "tcp:1.2.3.256:80", 1, "unknown host '1.2.3.256' " NO_DNS },
	{ "tcp:127.1:80", 1, "unknown host '127.1' " NO_DNS },
	{ "http://example.com/", 0, "unknown host 'example.com' " NO_DNS },
	{ "http://user@localhost/", 0,
	  "unknown host 'user@localhost' " NO_DNS },
	/* IPv6 */
	{ "tcp:::1:80", 1,
	  "'::1:80': an IPv6 address goes in brackets ([ADDRESS]:PORT)" },
	{ "http://::1/", 1,
	  "'::1': an IPv6 address goes in brackets ([ADDRESS]:PORT)" },
	{ "tcp:[::1]", 1, "no port in '[::1]' (HOST:PORT)" },
	{ "tcp:[::1]80", 1, "'80' after ']' (write [ADDRESS]:PORT)" },
	{ "tcp:[::1:80", 1, "'[' without ']' in '[::1:80'" },
	{ "tcp:[]:80", 1, "'[]' is not an IPv6 address" },
	{ "tcp:[127.0.0.1]:80", 1, "'[127.0.0.1]' is not an IPv6 address" },
	{ "tcp:[localhost]:80", 1, "'[localhost]' is not an IPv6 address" },
	{ "tcp:[::g]:80", 1, "'[::g]' is not an IPv6 address" },
	{ "http://[::1/", 1, "'[' without ']' in '[::1'" },
	{ "http://[::1]x/", 1, "'x' after ']' (write [ADDRESS]:PORT)" },
	/* spaces and control bytes */
	{ "tcp: 80", 1, "a tcp: probe holds no spaces or control bytes" },
	{ "tcp:80 ", 1, "a tcp: probe holds no spaces or control bytes" },
	{ "http://localhost/a b", 1,
	  "an http:// probe holds no spaces or control bytes" },
	{ "http://localhost/a\tb", 1,
	  "an http:// probe holds no spaces or control bytes" },
	{ "http://localhost/a\r\nX: y", 1,
	  "an http:// probe holds no spaces or control bytes" },
	{ "http://localhost/\x7f", 1,
	  "an http:// probe holds no spaces or control bytes" },
	/* schemes */
	{ "https://localhost/", 1,
	  "https is not supported (tend speaks plain HTTP only)" },
	{ "HTTPS://localhost/", 0,
	  "https is not supported (tend speaks plain HTTP only)" },
	{ "tcp://localhost:80", 1, "write tcp:HOST:PORT, without '//'" },
	{ "ftp://localhost/", 1,
	  "unknown scheme 'ftp://' (a probe is " FORMS ")" },
	{ "grpc+tls://x", 0,
	  "unknown scheme 'grpc+tls://' (a probe is " FORMS ")" },
	/* fd: */
	{ "fd:2", 1,
	  "invalid fd '2' (3 to 1023: 0, 1 and 2 are stdin, stdout and stderr)" },
	{ "fd:0", 1,
	  "invalid fd '0' (3 to 1023: 0, 1 and 2 are stdin, stdout and stderr)" },
	{ "fd:1024", 1,
	  "invalid fd '1024' (3 to 1023: 0, 1 and 2 are stdin, stdout and stderr)" },
	{ "fd:", 1,
	  "invalid fd '' (3 to 1023: 0, 1 and 2 are stdin, stdout and stderr)" },
	{ "fd:x", 1,
	  "invalid fd 'x' (3 to 1023: 0, 1 and 2 are stdin, stdout and stderr)" },
	{ "fd:-3", 1,
	  "invalid fd '-3' (3 to 1023: 0, 1 and 2 are stdin, stdout and stderr)" },
	{ "fd: 3", 1,
	  "invalid fd ' 3' (3 to 1023: 0, 1 and 2 are stdin, stdout and stderr)" },
	/* ready only */
	{ "notify", 0,
	  "notify is for ready only (a health-check is " FORMS ")" },
	{ "fd:3", 0, "fd:N is for ready only (a health-check is " FORMS ")" },
	{ "fd:2", 0, "fd:N is for ready only (a health-check is " FORMS ")" },
	/* commands */
	{ "exec:", 1, "empty command" },
	{ "exec:  \t", 0, "empty command" },
	{ " ", 0, "empty command" },
	{ "exec:sh -c 'x", 0, "unterminated single quote" },
	{ "check \"a", 1, "unterminated double quote" },
	{ "check a\\", 1, "trailing backslash" },
};

START_TEST(test_parse_bad)
{
	struct probe p;
	char err[512] = "";

	memset(&p, 0x5a, sizeof(p));
	ck_assert_msg(probe_parse(bad[_i].s, bad[_i].ready, hosts, &p, err,
				  sizeof(err)) == -1,
		      "%s: accepted", bad[_i].s);
	ck_assert_str_eq(err, bad[_i].err);
	/* Left empty: freeing it again is harmless. */
	ck_assert_int_eq(p.kind, PROBE_NONE);
	ck_assert_ptr_null(p.text);
	ck_assert_ptr_null(p.host);
	ck_assert_ptr_null(p.path);
	ck_assert_ptr_null(p.argv);
	probe_free(&p);
}
END_TEST

/* Without a hosts text, only addresses and localhost resolve. */
START_TEST(test_parse_no_hosts)
{
	struct probe p;
	char err[256];

	ck_assert_int_eq(
		probe_parse("tcp:db:5432", 0, NULL, &p, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "unknown host 'db' " NO_DNS);
	ck_assert_int_eq(
		probe_parse("tcp:db:5432", 0, "", &p, err, sizeof(err)), -1);
	ck_assert_int_eq(probe_parse("http://localhost:8080/", 0, NULL, &p, err,
				     sizeof(err)),
			 0);
	ck_assert_str_eq(addr_str(&p.addr, p.addrlen), "127.0.0.1:8080");
	probe_free(&p);
	ck_assert_int_eq(
		probe_parse("tcp:[::1]:1", 0, NULL, &p, err, sizeof(err)), 0);
	probe_free(&p);
}
END_TEST

/* A message longer than err is cut, not overrun. */
START_TEST(test_parse_short_err)
{
	struct probe p;
	char err[8];

	ck_assert_int_eq(probe_parse("tcp:nosuch:80", 0, hosts, &p, err,
				     sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "unknown");
}
END_TEST

/* ---- probe_resolve ---- */

static const struct {
	const char *host;
	int port;
	const char *addr; /* NULL: fails */
} resolve[] = {
	{ "127.0.0.1", 80, "127.0.0.1:80" },
	{ "localhost", 1, "127.0.0.1:1" },
	{ "LOCALHOST", 1, "127.0.0.1:1" },
	/* IPv6 with or without brackets */
	{ "::1", 443, "[::1]:443" },
	{ "[::1]", 443, "[::1]:443" },
	{ "fe80::1", 0, "[fe80::1]:0" },
	{ "db", 5432, "10.0.0.5:5432" },
	{ "cache", 1, "[fd00::17]:1" },
	{ "[db]", 1, NULL },
	{ "[]", 1, NULL },
	{ "[", 1, NULL },
	{ "[::1", 1, NULL },
	{ "", 1, NULL },
	{ "nosuch", 1, NULL },
	{ "127.0.0.1", -1, NULL },
	{ "127.0.0.1", 65536, NULL },
	/* a line's address is not a name */
	{ "10.0.0.12", 1, "10.0.0.12:1" },
	{ "#", 1, NULL },
	{ "the", 1, NULL },
};

START_TEST(test_resolve)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	int rc = probe_resolve(resolve[_i].host, hosts, resolve[_i].port, &ss,
			       &len);

	if (resolve[_i].addr == NULL) {
		ck_assert_int_eq(rc, -1);
		return;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(addr_str(&ss, len), resolve[_i].addr);
}
END_TEST

/* The hosts file as found in images: CRLF, tabs, last line unended. */
START_TEST(test_resolve_hosts_shapes)
{
	struct sockaddr_storage ss;
	socklen_t len;

	ck_assert_int_eq(probe_resolve("a", "1.1.1.1 a", 1, &ss, &len), 0);
	ck_assert_str_eq(addr_str(&ss, len), "1.1.1.1:1");
	ck_assert_int_eq(probe_resolve("b", "1.1.1.1 a\r\n2.2.2.2\tb\r\n", 1,
				       &ss, &len),
			 0);
	ck_assert_str_eq(addr_str(&ss, len), "2.2.2.2:1");
	ck_assert_int_eq(probe_resolve("a", "#1.1.1.1 a\n", 1, &ss, &len), -1);
	ck_assert_int_eq(probe_resolve("a", "1.1.1.1 #a\n", 1, &ss, &len), -1);
	ck_assert_int_eq(probe_resolve("a", "1.1.1.1 b#\ta\n", 1, &ss, &len),
			 -1);
	ck_assert_int_eq(probe_resolve("ab", "1.1.1.1 a b abc\n", 1, &ss, &len),
			 -1);
	ck_assert_int_eq(probe_resolve("a", "\n\n\n", 1, &ss, &len), -1);
	ck_assert_int_eq(probe_resolve("a", "", 1, &ss, &len), -1);
	ck_assert_int_eq(probe_resolve("a", NULL, 1, &ss, &len), -1);
	/* an address too long for any family: skipped, not cut */
	ck_assert_int_eq(
		probe_resolve(
			"a",
			"1111:2222:3333:4444:5555:6666:7777:8888:9999:0000 a\n"
			"3.3.3.3 a\n",
			1, &ss, &len),
		0);
	ck_assert_str_eq(addr_str(&ss, len), "3.3.3.3:1");
	/* a NUL ends the text */
	ck_assert_int_eq(probe_resolve("b", "1.1.1.1 a\n\0002.2.2.2 b\n", 1,
				       &ss, &len),
			 -1);
}
END_TEST

/* ---- probe_http_request ---- */

START_TEST(test_http_request)
{
	struct probe p;
	char err[256], out[512];
	int n;

	ck_assert_int_eq(probe_parse("http://localhost:8080/healthz?full=1", 1,
				     hosts, &p, err, sizeof(err)),
			 0);
	n = probe_http_request(&p, out, sizeof(out));
	ck_assert_str_eq(out, "GET /healthz?full=1 HTTP/1.0\r\n"
			      "Host: localhost:8080\r\n"
			      "User-Agent: tend/" TEND_VERSION "\r\n"
			      "Connection: close\r\n"
			      "\r\n");
	ck_assert_int_eq(n, (int)strlen(out));
	/* Exactly fits with its NUL; one byte less does not. */
	ck_assert_int_eq(probe_http_request(&p, out, (size_t)n + 1), n);
	ck_assert_int_eq(probe_http_request(&p, out, (size_t)n), -1);
	ck_assert_int_eq(probe_http_request(&p, out, 0), -1);
	probe_free(&p);

	/* The default port is not named; IPv6 keeps its brackets. */
	ck_assert_int_eq(
		probe_parse("http://[::1]", 1, hosts, &p, err, sizeof(err)), 0);
	probe_http_request(&p, out, sizeof(out));
	ck_assert_str_eq(out, "GET / HTTP/1.0\r\n"
			      "Host: [::1]\r\n"
			      "User-Agent: tend/" TEND_VERSION "\r\n"
			      "Connection: close\r\n"
			      "\r\n");
	probe_free(&p);
	ck_assert_int_eq(probe_parse("http://[::1]:81/x", 1, hosts, &p, err,
				     sizeof(err)),
			 0);
	probe_http_request(&p, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "\r\nHost: [::1]:81\r\n"));
	ck_assert_int_eq(strncmp(out, "GET /x HTTP/1.0\r\n", 17), 0);
	probe_free(&p);

	/* Not an http probe. */
	ck_assert_int_eq(probe_parse("tcp:80", 1, hosts, &p, err, sizeof(err)),
			 0);
	ck_assert_int_eq(probe_http_request(&p, out, sizeof(out)), -1);
	probe_free(&p);
}
END_TEST

/* ---- probe_http_status ---- */

static const struct {
	const char *line; /* up to and with its newline */
	int status;
} status_ok[] = {
	{ "HTTP/1.1 200 OK\r\n", 200 },
	{ "HTTP/1.0 200 OK\n", 200 },
	{ "HTTP/1.1 503 Service Unavailable\r\n", 503 },
	{ "HTTP/1.1 204\r\n", 204 },
	{ "HTTP/1.1 204\n", 204 },
	{ "HTTP/1.0 301 Moved Permanently\r\n", 301 },
	{ "HTTP/1.1  404  Not Found\r\n", 404 },
	{ "HTTP/1.1 100 Continue\r\n", 100 },
	{ "HTTP/1.1 599 x\r\n", 599 },
	{ "HTTP/1.1 200\tOK\r\n", 200 },
	{ "HTTP/1.9 418 I'm a teapot\n", 418 },
	{ "HTTP/1.1 200 \r\n", 200 },
};

/* Each prefix is incomplete; the whole line gives the status. */
START_TEST(test_http_status_split)
{
	const char *line = status_ok[_i].line;
	char buf[128];
	size_t len = strlen(line), k;

	for (k = 0; k < len; k++)
		ck_assert_msg(probe_http_status(line, k) == 0,
			      "%s: %zu bytes gave %d", line, k,
			      probe_http_status(line, k));
	ck_assert_int_eq(probe_http_status(line, len), status_ok[_i].status);
	/* What follows the line changes nothing. */
	snprintf(buf, sizeof(buf), "%sServer: x\r\n\r\n<html>", line);
	ck_assert_int_eq(probe_http_status(buf, strlen(buf)),
			 status_ok[_i].status);
}
END_TEST

/* A literal and its length, NUL bytes included. */
#define LIT(s) s, sizeof(s) - 1

static const struct {
	const char *text;
	size_t len;
	size_t bad_from; /* the first prefix length that gives -1 */
} status_bad[] = {
	{ LIT("SSH-2.0-OpenSSH_9.2\r\n"), 1 },
	{ LIT("http/1.1 200 OK\r\n"), 1 },
	{ LIT("HTTP/2 200\r\n"), 6 },
	{ LIT("HTTP/1.x 200\r\n"), 8 },
	{ LIT("HTTP/1.1200 OK\r\n"), 9 },
	{ LIT("HTTP/1.1 20 OK\r\n"), 12 },
	{ LIT("HTTP/1.1 2000 OK\r\n"), 13 },
	{ LIT("HTTP/1.1 200OK\r\n"), 13 },
	{ LIT("HTTP/1.1 OK\r\n"), 10 },
	{ LIT("HTTP/1.1 099 x\r\n"), 16 },
	{ LIT("HTTP/1.1 600 x\r\n"), 16 },
	{ LIT("HTTP/1.1\r\n"), 9 },
	{ LIT("HTTP/1.1 \r\n"), 10 },
	{ LIT("HTTP/1.\n"), 8 },
	{ LIT("\n"), 1 },
	{ LIT("\r\n"), 1 },
	{ LIT(" HTTP/1.1 200 OK\r\n"), 1 },
	{ LIT("HTTP/1.1 2\0000 OK\r\n"), 11 },
};

/* Prefixes are incomplete until the byte that proves it is not HTTP. */
START_TEST(test_http_status_bad)
{
	const char *t = status_bad[_i].text;
	size_t k;

	for (k = 0; k < status_bad[_i].bad_from; k++)
		ck_assert_msg(probe_http_status(t, k) == 0,
			      "%zu bytes of %s gave %d", k, t,
			      probe_http_status(t, k));
	for (; k <= status_bad[_i].len; k++)
		ck_assert_msg(probe_http_status(t, k) == -1,
			      "%zu bytes of %s gave %d", k, t,
			      probe_http_status(t, k));
}
END_TEST

/* A status line must end within 1024 bytes. */
START_TEST(test_http_status_long)
{
	char *buf = malloc(2048);
	size_t i;

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, "HTTP/1.1 200 ", 13);
	for (i = 13; i < 2048; i++)
		buf[i] = 'x';
	ck_assert_int_eq(probe_http_status(buf, 1023), 0);
	ck_assert_int_eq(probe_http_status(buf, 1024), -1);
	ck_assert_int_eq(probe_http_status(buf, 2048), -1);
	/* 1023 bytes and the newline: still a status line. */
	buf[1023] = '\n';
	ck_assert_int_eq(probe_http_status(buf, 1024), 200);
	ck_assert_int_eq(probe_http_status(buf, 2048), 200);
	buf[1023] = 'x';
	buf[1024] = '\n';
	ck_assert_int_eq(probe_http_status(buf, 2048), -1);
	free(buf);
}
END_TEST

START_TEST(test_http_ok)
{
	ck_assert_int_eq(probe_http_ok(199), 0);
	ck_assert_int_eq(probe_http_ok(200), 1);
	ck_assert_int_eq(probe_http_ok(204), 1);
	ck_assert_int_eq(probe_http_ok(302), 1);
	ck_assert_int_eq(probe_http_ok(399), 1);
	ck_assert_int_eq(probe_http_ok(400), 0);
	ck_assert_int_eq(probe_http_ok(503), 0);
	ck_assert_int_eq(probe_http_ok(0), 0);
	ck_assert_int_eq(probe_http_ok(-1), 0);
}
END_TEST

/* ---- probe_notify_parse ---- */

static void notify(const char *buf, size_t len, struct notify_msg *m)
{
	memset(m, 0x5a, sizeof(*m));
	probe_notify_parse(buf, len, m);
}

#define NOTIFY(s, m) notify(s, sizeof(s) - 1, m)

START_TEST(test_notify_basic)
{
	struct notify_msg m;

	NOTIFY("READY=1", &m);
	ck_assert_int_eq(m.ready, 1);
	ck_assert_int_eq(m.stopping + m.has_status + m.has_mainpid, 0);
	ck_assert_str_eq(m.status, "");
	NOTIFY("READY=1\n", &m);
	ck_assert_int_eq(m.ready, 1);
	NOTIFY("READY=1\nSTATUS=Serving 3 clients\nMAINPID=4242\n", &m);
	ck_assert_int_eq(m.ready, 1);
	ck_assert_int_eq(m.has_status, 1);
	ck_assert_str_eq(m.status, "Serving 3 clients");
	ck_assert_int_eq(m.has_mainpid, 1);
	ck_assert_int_eq(m.mainpid, 4242);
	NOTIFY("STOPPING=1", &m);
	ck_assert_int_eq(m.stopping, 1);
	ck_assert_int_eq(m.ready, 0);
	/* an empty status is a status */
	NOTIFY("STATUS=\n", &m);
	ck_assert_int_eq(m.has_status, 1);
	ck_assert_str_eq(m.status, "");
	/* the last STATUS counts */
	NOTIFY("STATUS=one\nSTATUS=two", &m);
	ck_assert_str_eq(m.status, "two");
	NOTIFY("", &m);
	ck_assert_int_eq(m.ready + m.stopping + m.has_status + m.has_mainpid,
			 0);
	/* unknown keys and junk are ignored */
	NOTIFY("WATCHDOG=1\nERRNO=2\nX\n\n=\nREADY=1\nBUSERROR=x", &m);
	ck_assert_int_eq(m.ready, 1);
	ck_assert_int_eq(m.stopping + m.has_status + m.has_mainpid, 0);
}
END_TEST

START_TEST(test_notify_values)
{
	struct notify_msg m;

	/* only exact values */
	NOTIFY("READY=0\nREADY=\nREADY=11\nREADY= 1\nready=1\n READY=1\n"
	       "STOPPING=yes\n",
	       &m);
	ck_assert_int_eq(m.ready + m.stopping, 0);
	NOTIFY("READY=1\r\n", &m);
	ck_assert_int_eq(m.ready, 0);
	/* MAINPID: a positive whole number that fits */
	NOTIFY("MAINPID=0", &m);
	ck_assert_int_eq(m.has_mainpid, 0);
	NOTIFY("MAINPID=", &m);
	ck_assert_int_eq(m.has_mainpid, 0);
	NOTIFY("MAINPID=-5", &m);
	ck_assert_int_eq(m.has_mainpid, 0);
	NOTIFY("MAINPID=12x", &m);
	ck_assert_int_eq(m.has_mainpid, 0);
	NOTIFY("MAINPID=99999999999999999999", &m);
	ck_assert_int_eq(m.has_mainpid, 0);
	NOTIFY("MAINPID=2147483648", &m);
	ck_assert_int_eq(m.has_mainpid, 0);
	NOTIFY("MAINPID=2147483647", &m);
	ck_assert_int_eq(m.has_mainpid, 1);
	ck_assert_int_eq(m.mainpid, 2147483647L);
	NOTIFY("MAINPID=1", &m);
	ck_assert_int_eq(m.mainpid, 1);
}
END_TEST

START_TEST(test_notify_nul)
{
	struct notify_msg m;

	/* A NUL ends the message. */
	NOTIFY("STATUS=a\0READY=1\n", &m);
	ck_assert_int_eq(m.ready, 0);
	ck_assert_str_eq(m.status, "a");
	NOTIFY("READY=1\n\0STOPPING=1", &m);
	ck_assert_int_eq(m.ready, 1);
	ck_assert_int_eq(m.stopping, 0);
	NOTIFY("\0READY=1", &m);
	ck_assert_int_eq(m.ready, 0);
	/* len is obeyed: what is past it is not read */
	notify("READY=1", 6, &m);
	ck_assert_int_eq(m.ready, 0);
	notify("STATUS=abcdef", 10, &m);
	ck_assert_str_eq(m.status, "abc");
}
END_TEST

START_TEST(test_notify_status_clean)
{
	struct notify_msg m;

	NOTIFY("STATUS=a\tb\rc\033[31md\x7f"
	       "e\x01",
	       &m);
	ck_assert_str_eq(m.status, "abc[31mde");
	NOTIFY("STATUS=caf\xc3\xa9 \xe2\x9c\x93", &m);
	ck_assert_str_eq(m.status, "caf\xc3\xa9 \xe2\x9c\x93");
}
END_TEST

/* A long STATUS is cut to the buffer, never in the middle of a character. */
START_TEST(test_notify_status_long)
{
	static const char *const chars[] = { "\xc3\xa9", "\xe2\x9c\x93",
					     "\xf0\x9f\x98\x80" };
	struct notify_msg m;
	char buf[1024];
	size_t room = sizeof(m.status) - 1, i;

	memcpy(buf, "STATUS=", 7);
	for (i = 0; i < 600; i++)
		buf[7 + i] = (char)('a' + i % 26);
	notify(buf, 7 + 600, &m);
	ck_assert_uint_eq(strlen(m.status), room);
	ck_assert_int_eq(memcmp(m.status, buf + 7, room), 0);
	/* Control bytes do not take room. */
	memset(buf + 7, '\001', 100);
	notify(buf, 7 + 600, &m);
	ck_assert_uint_eq(strlen(m.status), room);
	ck_assert_int_eq(memcmp(m.status, buf + 107, room), 0);
	/*
	 * A 2-, 3- and 4-byte character starting off bytes before the cut:
	 * left out whole when it crosses it, kept when it ends there.
	 */
	for (i = 0; i < N(chars); i++) {
		size_t cl = strlen(chars[i]), off;

		for (off = 1; off <= cl; off++) {
			memset(buf + 7, 'x', 600);
			memcpy(buf + 7 + room - off, chars[i], cl);
			notify(buf, 7 + 600, &m);
			ck_assert_uint_eq(strlen(m.status),
					  off < cl ? room - off : room);
		}
	}
	/* Exactly room bytes: all kept. */
	memset(buf + 7, 'y', room);
	notify(buf, 7 + room, &m);
	ck_assert_uint_eq(strlen(m.status), room);
	/* A character that ends exactly at the cut is kept. */
	memset(buf + 7, 'z', 600);
	memcpy(buf + 7 + room - 2, "\xc3\xa9", 2);
	notify(buf, 7 + 600, &m);
	ck_assert_uint_eq(strlen(m.status), room);
	ck_assert_int_eq(memcmp(m.status + room - 2, "\xc3\xa9", 2), 0);
}
END_TEST

/* ---- probe_dup, probe_equal, probe_free ---- */

static const char *const kinds[] = {
	"",
	"notify",
	"fd:3",
	"tcp:80",
	"tcp:db:5432",
	"tcp:[::1]:80",
	"http://localhost:8080/x",
	"exec:check 'a b'",
	"check",
};

START_TEST(test_dup_equal)
{
	struct probe a, b, c;
	char err[256];
	size_t j;

	ck_assert_int_eq(probe_parse(kinds[_i], 1, hosts, &a, err, sizeof(err)),
			 0);
	ck_assert_int_eq(probe_dup(&b, &a), 0);
	ck_assert_int_eq(probe_equal(&a, &b), 1);
	ck_assert_int_eq(b.kind, a.kind);
	ck_assert_int_eq(b.fd, a.fd);
	ck_assert_int_eq(b.port, a.port);
	ck_assert_uint_eq(b.addrlen, a.addrlen);
	ck_assert_int_eq(memcmp(&b.addr, &a.addr, sizeof(a.addr)), 0);
	if (a.text != NULL) {
		ck_assert_ptr_ne(b.text, a.text);
		ck_assert_str_eq(b.text, a.text);
	}
	if (a.host != NULL) {
		ck_assert_ptr_ne(b.host, a.host);
		ck_assert_str_eq(b.host, a.host);
	}
	if (a.path != NULL) {
		ck_assert_ptr_ne(b.path, a.path);
		ck_assert_str_eq(b.path, a.path);
	}
	if (a.argv != NULL) {
		ck_assert_ptr_ne(b.argv, a.argv);
		expect_argv(b.argv, (const char *const *)a.argv);
	}
	/* The copy owns everything: it outlives the original. */
	probe_free(&a);
	ck_assert_int_eq(probe_parse(kinds[_i], 1, hosts, &a, err, sizeof(err)),
			 0);
	ck_assert_int_eq(probe_equal(&b, &a), 1);
	probe_free(&a);
	/* Against every other kind. */
	for (j = 0; j < N(kinds); j++) {
		ck_assert_int_eq(probe_parse(kinds[j], 1, hosts, &c, err,
					     sizeof(err)),
				 0);
		ck_assert_int_eq(probe_equal(&b, &c), j == (size_t)_i);
		ck_assert_int_eq(probe_equal(&c, &b), j == (size_t)_i);
		probe_free(&c);
	}
	probe_free(&b);
	probe_free(&b); /* emptied: freeing again is harmless */
}
END_TEST

START_TEST(test_equal_as_written)
{
	struct probe a, b;
	char err[256];

	/* The same target written two ways: different as written. */
	ck_assert_int_eq(probe_parse("tcp:80", 0, hosts, &a, err, sizeof(err)),
			 0);
	ck_assert_int_eq(probe_parse("tcp:127.0.0.1:80", 0, hosts, &b, err,
				     sizeof(err)),
			 0);
	ck_assert_int_eq(memcmp(&a.addr, &b.addr, a.addrlen), 0);
	ck_assert_int_eq(probe_equal(&a, &b), 0);
	probe_free(&a);
	probe_free(&b);
	/* One text, another kind: "notify" is a command for a health check. */
	ck_assert_int_eq(
		probe_parse("exec:notify", 0, hosts, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(probe_parse("notify", 1, hosts, &b, err, sizeof(err)),
			 0);
	ck_assert_int_eq(probe_equal(&a, &b), 0);
	free(a.text);
	a.text = strdup("notify");
	ck_assert_int_eq(probe_equal(&a, &b), 0);
	a.kind = PROBE_NOTIFY;
	ck_assert_int_eq(probe_equal(&a, &b), 1);
	probe_free(&a);
	probe_free(&b);
}
END_TEST

START_TEST(test_free_empty)
{
	struct probe p, q;

	memset(&p, 0, sizeof(p));
	probe_free(&p);
	ck_assert_int_eq(p.kind, PROBE_NONE);
	ck_assert_int_eq(probe_dup(&q, &p), 0);
	ck_assert_int_eq(probe_equal(&p, &q), 1);
	ck_assert_ptr_null(q.text);
	probe_free(&q);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("probe");
	TCase *tc;

	tc = unit_tcase(s, "probe_parse");
	tcase_add_loop_test(tc, test_parse_good, 0, N(good));
	tcase_add_loop_test(tc, test_parse_bad, 0, N(bad));
	tcase_add_test(tc, test_parse_no_hosts);
	tcase_add_test(tc, test_parse_short_err);
	tc = unit_tcase(s, "probe_resolve");
	tcase_add_loop_test(tc, test_resolve, 0, N(resolve));
	tcase_add_test(tc, test_resolve_hosts_shapes);
	tc = unit_tcase(s, "probe_http_request");
	tcase_add_test(tc, test_http_request);
	tc = unit_tcase(s, "probe_http_status");
	tcase_add_loop_test(tc, test_http_status_split, 0, N(status_ok));
	tcase_add_loop_test(tc, test_http_status_bad, 0, N(status_bad));
	tcase_add_test(tc, test_http_status_long);
	tc = unit_tcase(s, "probe_http_ok");
	tcase_add_test(tc, test_http_ok);
	tc = unit_tcase(s, "probe_notify_parse");
	tcase_add_test(tc, test_notify_basic);
	tcase_add_test(tc, test_notify_values);
	tcase_add_test(tc, test_notify_nul);
	tcase_add_test(tc, test_notify_status_clean);
	tcase_add_test(tc, test_notify_status_long);
	tc = unit_tcase(s, "probe_dup");
	tcase_add_loop_test(tc, test_dup_equal, 0, N(kinds));
	tcase_add_test(tc, test_equal_as_written);
	tcase_add_test(tc, test_free_empty);
	return s;
}
