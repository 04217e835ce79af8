/*
 * Probes: the input is a probe string (a ready or health-check value), a
 * NUL byte, the text of /etc/hosts, a NUL byte, then bytes that a probe
 * receives: read both as an HTTP answer and as an sd_notify datagram.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "probe.h"

/* Check the requirements for a probe parsed from s. */
static void check_probe(const struct probe *p, const char *s, int ready)
{
	struct probe d;
	char req[8192];
	int n, i, lf;

	if (s[0] == '\0') {
		FUZZ_CHECK(p->kind == PROBE_NONE && p->text == NULL);
		return;
	}
	FUZZ_CHECK(p->text != NULL && strcmp(p->text, s) == 0);
	switch (p->kind) {
	case PROBE_NOTIFY:
		FUZZ_CHECK(ready);
		break;
	case PROBE_FD:
		FUZZ_CHECK(ready && p->fd >= 3 && p->fd <= 1023);
		break;
	case PROBE_HTTP:
		FUZZ_CHECK(p->path != NULL && p->path[0] == '/');
		__attribute__((fallthrough));
	case PROBE_TCP:
		FUZZ_CHECK(p->host != NULL && p->host[0] != '\0');
		FUZZ_CHECK(p->port >= 1 && p->port <= 65535);
		FUZZ_CHECK(p->addrlen > 0 && p->addrlen <= sizeof(p->addr));
		break;
	case PROBE_EXEC:
		FUZZ_CHECK(p->argv != NULL && p->argv[0] != NULL);
		break;
	case PROBE_NONE:
	default:
		FUZZ_CHECK(0);
	}

	FUZZ_CHECK(probe_dup(&d, p) == 0);
	FUZZ_CHECK(probe_equal(&d, p) && probe_equal(p, &d));
	n = probe_http_request(&d, req, sizeof(req));
	FUZZ_CHECK((n >= 0) == (p->kind == PROBE_HTTP) ||
		   (p->kind == PROBE_HTTP && n < 0 && strlen(s) > 4000));
	if (n > 0) {
		/* Five lines, each ended by CRLF: nothing in the probe split one. */
		FUZZ_CHECK((size_t)n == strlen(req));
		FUZZ_CHECK(strncmp(req, "GET /", 5) == 0);
		for (i = lf = 0; i < n; i++) {
			if (req[i] == '\n') {
				FUZZ_CHECK(i > 0 && req[i - 1] == '\r');
				lf++;
			}
			FUZZ_CHECK(req[i] != '\r' || req[i + 1] == '\n');
		}
		FUZZ_CHECK(lf == 5);
	}
	probe_free(&d);
}

static void check_parse(const char *s, const char *hosts, int ready)
{
	struct probe p;
	char err[512];

	err[0] = '\0';
	if (probe_parse(s, ready, hosts, &p, err, sizeof(err)) < 0) {
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(p.kind == PROBE_NONE && p.text == NULL &&
			   p.host == NULL && p.path == NULL && p.argv == NULL);
		return;
	}
	check_probe(&p, s, ready);
	probe_free(&p);
}

/* Each byte is judged as it comes: a verdict never changes with more. */
static void check_http(const char *buf, size_t len)
{
	int full = probe_http_status(buf, len), prev = 0, r;
	size_t k;

	FUZZ_CHECK(full == -1 || full == 0 || (full >= 100 && full <= 599));
	FUZZ_CHECK(probe_http_ok(full) == (full >= 200 && full <= 399));
	for (k = 0; k <= len && k <= 300; k++) {
		r = probe_http_status(buf, k);
		FUZZ_CHECK(prev == 0 || r == prev);
		prev = r;
	}
	FUZZ_CHECK(prev == 0 || full == prev);
}

static void check_notify(const char *buf, size_t len)
{
	struct notify_msg m;
	size_t i, n;

	probe_notify_parse(buf, len, &m);
	n = strnlen(m.status, sizeof(m.status));
	FUZZ_CHECK(n < sizeof(m.status));
	FUZZ_CHECK(m.has_status || n == 0);
	for (i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)m.status[i] >= ' ' &&
			   m.status[i] != 0x7f);
	FUZZ_CHECK(!m.has_mainpid || m.mainpid >= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *s = fuzz_part(&p, end, NULL);
	char *hosts = fuzz_part(&p, end, NULL);
	struct sockaddr_storage ss;
	socklen_t sslen;
	char *rest;
	size_t rlen = (size_t)(end - p);

	check_parse(s, hosts, 1);
	check_parse(s, hosts, 0);
	check_parse(s, NULL, 1);
	if (s[0] != '\0' && probe_resolve(s, hosts, 8080, &ss, &sslen) == 0)
		FUZZ_CHECK(sslen > 0 && sslen <= sizeof(ss));

	/* A copy of exactly rlen bytes: ASan sees a read past them. */
	rest = calloc(rlen ? rlen : 1, 1);
	if (rest == NULL)
		abort();
	if (rlen > 0)
		memcpy(rest, p, rlen);
	check_http(rest, rlen);
	check_notify(rest, rlen);
	free(rest);
	free(hosts);
	free(s);
	return 0;
}
