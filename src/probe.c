#include "probe.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmdsplit.h"
#include "util.h"

#define PORT_MAX  65535
#define HTTP_PORT 80
/* 0, 1 and 2 are the service's stdin, stdout and stderr. */
#define FD_MIN 3
#define FD_MAX 1023
/* A status line longer than this is not an answer a probe waits for. */
#define STATUS_LINE_MAX 1024

static const char forms[] =
	"tcp:[HOST:]PORT, http://HOST[:PORT][/PATH], exec:COMMAND or a command";

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* text (a numeric address of family af) with port into ss. */
static int set_addr(int af, const char *text, int port,
		    struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (af == AF_INET && inet_pton(AF_INET, text, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*len = sizeof(*in);
		return 0;
	}
	if (af == AF_INET6 && inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return 0;
	}
	memset(ss, 0, sizeof(*ss));
	return -1;
}

/* A numeric address of either family. */
static int set_any(const char *text, int port, struct sockaddr_storage *ss,
		   socklen_t *len)
{
	if (set_addr(AF_INET, text, port, ss, len) == 0)
		return 0;
	return set_addr(AF_INET6, text, port, ss, len);
}

static int is_hosts_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * The address of name in hosts (the text of /etc/hosts): lines of an
 * address and its names, '#' comments. The first line that names it and
 * has a valid address wins; names compare without case, as DNS names do.
 */
static int hosts_lookup(const char *hosts, const char *name, int port,
			struct sockaddr_storage *ss, socklen_t *len)
{
	size_t nlen = strlen(name);
	const char *p = hosts;

	while (p != NULL && *p != '\0') {
		const char *eol = strchr(p, '\n'), *hash, *w, *end;
		char addr[INET6_ADDRSTRLEN + 1];
		size_t alen;
		int first = 1;

		end = eol != NULL ? eol : p + strlen(p);
		hash = memchr(p, '#', (size_t)(end - p));
		if (hash != NULL)
			end = hash;
		addr[0] = '\0';
		for (w = p; w < end;) {
			const char *e = w;

			while (e < end && !is_hosts_blank(*e))
				e++;
			if (e == w) {
				w++;
				continue;
			}
			alen = (size_t)(e - w);
			if (first) {
				/* Longer than any address: the line never matches. */
				if (alen >= sizeof(addr))
					break;
				memcpy(addr, w, alen);
				addr[alen] = '\0';
				first = 0;
			} else if (alen == nlen &&
				   strncasecmp(w, name, nlen) == 0 &&
				   set_any(addr, port, ss, len) == 0) {
				return 0;
			}
			w = e;
		}
		p = eol != NULL ? eol + 1 : NULL;
	}
	return -1;
}

int probe_resolve(const char *host, const char *hosts, int port,
		  struct sockaddr_storage *ss, socklen_t *len)
{
	size_t n = strlen(host);

	if (port < 0 || port > PORT_MAX || n == 0)
		return -1;
	if (host[0] == '[') {
		char v6[INET6_ADDRSTRLEN + 1];

		/* Brackets hold an IPv6 address, nothing else. */
		if (n < 3 || host[n - 1] != ']' || n - 2 >= sizeof(v6))
			return -1;
		memcpy(v6, host + 1, n - 2);
		v6[n - 2] = '\0';
		return set_addr(AF_INET6, v6, port, ss, len);
	}
	/*
	 * localhost is 127.0.0.1 whatever /etc/hosts says: a service that
	 * listens on 0.0.0.0 answers there, and images differ on ::1.
	 */
	if (strcasecmp(host, "localhost") == 0)
		return set_addr(AF_INET, "127.0.0.1", port, ss, len);
	if (set_any(host, port, ss, len) == 0)
		return 0;
	return hosts_lookup(hosts, host, port, ss, len);
}

/* Decimal digits only, 1 to 65535; -1 otherwise. */
static int parse_port(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v >= 1 && v <= PORT_MAX ? v : -1;
}

/*
 * hp (n bytes): HOST[:PORT] or [IPv6][:PORT], into p's host, port and
 * addr. dflt_port: the port when none is given, or 0 when one is needed.
 */
static int parse_host_port(const char *hp, size_t n, int dflt_port,
			   const char *hosts, struct probe *p, char *err,
			   size_t errlen)
{
	const char *colon, *last, *port_s = NULL;
	size_t hlen;

	if (n > 0 && hp[0] == '[') {
		const char *close = memchr(hp, ']', n);

		if (close == NULL)
			return fail(err, errlen, "'[' without ']' in '%.*s'",
				    (int)n, hp);
		hlen = (size_t)(close - hp) + 1;
		if (hlen < n && hp[hlen] != ':')
			return fail(err, errlen,
				    "'%.*s' after ']' (write [ADDRESS]:PORT)",
				    (int)(n - hlen), hp + hlen);
		if (hlen < n)
			port_s = hp + hlen + 1;
	} else {
		colon = memchr(hp, ':', n);
		last = memrchr(hp, ':', n);
		if (colon != last)
			return fail(
				err, errlen,
				"'%.*s': an IPv6 address goes in brackets ([ADDRESS]:PORT)",
				(int)n, hp);
		hlen = colon != NULL ? (size_t)(colon - hp) : n;
		if (colon != NULL)
			port_s = colon + 1;
	}
	if (hlen == 0)
		return fail(err, errlen, "no host in '%.*s'", (int)n, hp);
	if (port_s != NULL) {
		size_t plen = n - (size_t)(port_s - hp);

		if ((p->port = parse_port(port_s, plen)) < 0)
			return fail(err, errlen,
				    "invalid port '%.*s' (1 to %d)", (int)plen,
				    port_s, PORT_MAX);
	} else if (dflt_port > 0) {
		p->port = dflt_port;
	} else {
		return fail(err, errlen, "no port in '%.*s' (HOST:PORT)",
			    (int)n, hp);
	}
	if ((p->host = strndup(hp, hlen)) == NULL)
		return fail(err, errlen, "out of memory");
	if (probe_resolve(p->host, hosts, p->port, &p->addr, &p->addrlen) == 0)
		return 0;
	if (p->host[0] == '[')
		return fail(err, errlen, "'%s' is not an IPv6 address",
			    p->host);
	return fail(
		err, errlen,
		"unknown host '%s' (no DNS: use an address, localhost or a name in /etc/hosts)",
		p->host);
}

/* tcp:PORT, tcp:HOST:PORT, tcp:[IPv6]:PORT */
static int parse_tcp(const char *s, const char *hosts, struct probe *p,
		     char *err, size_t errlen)
{
	p->kind = PROBE_TCP;
	if (s[0] != '[' && strchr(s, ':') == NULL) {
		if ((p->port = parse_port(s, strlen(s))) < 0)
			return fail(err, errlen, "invalid port '%s' (1 to %d)",
				    s, PORT_MAX);
		if ((p->host = strdup("127.0.0.1")) == NULL)
			return fail(err, errlen, "out of memory");
		return set_addr(AF_INET, p->host, p->port, &p->addr,
				&p->addrlen);
	}
	return parse_host_port(s, strlen(s), 0, hosts, p, err, errlen);
}

/* After "http://": HOST[:PORT][/PATH] */
static int parse_http(const char *s, const char *hosts, struct probe *p,
		      char *err, size_t errlen)
{
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);

	p->kind = PROBE_HTTP;
	if (parse_host_port(s, n, HTTP_PORT, hosts, p, err, errlen) < 0)
		return -1;
	if ((p->path = strdup(slash != NULL ? slash : "/")) == NULL)
		return fail(err, errlen, "out of memory");
	return 0;
}

static int parse_fd(const char *s, int ready, struct probe *p, char *err,
		    size_t errlen)
{
	p->kind = PROBE_FD;
	if (!ready)
		return fail(err, errlen,
			    "fd:N is for ready only (a health-check is %s)",
			    forms);
	if ((p->fd = util_parse_int(s, FD_MIN, FD_MAX)) < 0)
		return fail(
			err, errlen,
			"invalid fd '%s' (%d to %d: 0, 1 and 2 are stdin, stdout and stderr)",
			s, FD_MIN, FD_MAX);
	return 0;
}

/* Length of the "scheme" of "scheme://..." at the start of s, else 0. */
static size_t scheme_len(const char *s)
{
	size_t n = 0;

	if (!isalpha((unsigned char)s[0]))
		return 0;
	while (isalnum((unsigned char)s[n]) || s[n] == '+' || s[n] == '-' ||
	       s[n] == '.')
		n++;
	return strncmp(s + n, "://", 3) == 0 ? n : 0;
}

/* 1 when s holds a space or a control byte. */
static int has_blank(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 1;
	return 0;
}

static int parse_kind(const char *s, int ready, const char *hosts,
		      struct probe *p, char *err, size_t errlen)
{
	size_t scheme = scheme_len(s);
	char msg[256];

	if (strcmp(s, "notify") == 0) {
		p->kind = PROBE_NOTIFY;
		if (!ready)
			return fail(
				err, errlen,
				"notify is for ready only (a health-check is %s)",
				forms);
		return 0;
	}
	if (strncmp(s, "fd:", 3) == 0)
		return parse_fd(s + 3, ready, p, err, errlen);
	if (scheme == 4 && strncasecmp(s, "http", 4) == 0) {
		/* What goes on the request line must not break it. */
		if (has_blank(s))
			return fail(
				err, errlen,
				"an http:// probe holds no spaces or control bytes");
		return parse_http(s + 7, hosts, p, err, errlen);
	}
	if (scheme == 5 && strncasecmp(s, "https", 5) == 0)
		return fail(
			err, errlen,
			"https is not supported (tend speaks plain HTTP only)");
	if (scheme == 3 && strncmp(s, "tcp", 3) == 0)
		return fail(err, errlen, "write tcp:HOST:PORT, without '//'");
	if (scheme > 0)
		return fail(err, errlen,
			    "unknown scheme '%.*s://' (a probe is %s)",
			    (int)scheme, s, forms);
	if (strncmp(s, "tcp:", 4) == 0) {
		if (has_blank(s))
			return fail(
				err, errlen,
				"a tcp: probe holds no spaces or control bytes");
		return parse_tcp(s + 4, hosts, p, err, errlen);
	}
	p->kind = PROBE_EXEC;
	if (cmd_split(strncmp(s, "exec:", 5) == 0 ? s + 5 : s, &p->argv, msg,
		      sizeof(msg)) < 0)
		return fail(err, errlen, "%s", msg);
	return 0;
}

int probe_parse(const char *s, int ready, const char *hosts, struct probe *p,
		char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	if (s[0] == '\0')
		return 0;
	if ((p->text = strdup(s)) == NULL)
		return fail(err, errlen, "out of memory");
	if (parse_kind(s, ready, hosts, p, err, errlen) < 0) {
		probe_free(p);
		return -1;
	}
	return 0;
}

void probe_free(struct probe *p)
{
	free(p->text);
	free(p->host);
	free(p->path);
	strv_free(p->argv);
	memset(p, 0, sizeof(*p));
}

static char **argv_dup(char *const *v)
{
	size_t i, n = strv_len(v);
	char **out = calloc(n + 1, sizeof(*out));

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if ((out[i] = strdup(v[i])) == NULL) {
			strv_free(out);
			return NULL;
		}
	return out;
}

int probe_dup(struct probe *dst, const struct probe *src)
{
	*dst = *src;
	dst->text = src->text != NULL ? strdup(src->text) : NULL;
	dst->host = src->host != NULL ? strdup(src->host) : NULL;
	dst->path = src->path != NULL ? strdup(src->path) : NULL;
	dst->argv = src->argv != NULL ? argv_dup(src->argv) : NULL;
	if ((src->text != NULL && dst->text == NULL) ||
	    (src->host != NULL && dst->host == NULL) ||
	    (src->path != NULL && dst->path == NULL) ||
	    (src->argv != NULL && dst->argv == NULL)) {
		probe_free(dst);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int probe_equal(const struct probe *a, const struct probe *b)
{
	if (a->kind != b->kind)
		return 0;
	if (a->text == NULL || b->text == NULL)
		return a->text == b->text;
	return strcmp(a->text, b->text) == 0;
}

int probe_http_request(const struct probe *p, char *out, size_t outlen)
{
	char port[16] = "";
	int n;

	if (p->kind != PROBE_HTTP || p->host == NULL || p->path == NULL)
		return -1;
	/* Host names the port only when it is not the default (RFC 9110). */
	if (p->port != HTTP_PORT)
		snprintf(port, sizeof(port), ":%d", p->port);
	n = snprintf(out, outlen,
		     "GET %s HTTP/1.0\r\n"
		     "Host: %s%s\r\n"
		     "User-Agent: tend/" TEND_VERSION "\r\n"
		     "Connection: close\r\n"
		     "\r\n",
		     p->path, p->host, port);
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	return n;
}

/*
 * "HTTP/1.x" SP+ 3DIGIT [SP|HT reason] [CR] LF. Each byte received is
 * checked as it comes, so an answer that is not HTTP fails at once
 * instead of after the probe's timeout.
 */
int probe_http_status(const char *buf, size_t len)
{
	static const char proto[] = "HTTP/1.";
	size_t max = len < STATUS_LINE_MAX ? len : STATUS_LINE_MAX;
	const char *lf = memchr(buf, '\n', max);
	size_t end = lf != NULL ? (size_t)(lf - buf) : max, i, spaces, start;
	int code = 0;

	if (lf != NULL && end > 0 && buf[end - 1] == '\r')
		end--;
	for (i = 0; i < end && i < sizeof(proto) - 1; i++)
		if (buf[i] != proto[i])
			return -1;
	if (i < end && !isdigit((unsigned char)buf[i++]))
		return -1;
	spaces = i;
	while (i < end && buf[i] == ' ')
		i++;
	if (i < end && i == spaces)
		return -1;
	start = i;
	while (i < end && i - start < 3 && isdigit((unsigned char)buf[i]))
		code = code * 10 + (buf[i++] - '0');
	if (i < end && i - start < 3)
		return -1;
	if (i < end && buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r')
		return -1;
	if (lf == NULL)
		return len >= STATUS_LINE_MAX ? -1 : 0;
	if (start == spaces || i - start != 3 || code < 100 || code > 599)
		return -1;
	return code;
}

int probe_http_ok(int status)
{
	return status >= 200 && status <= 399;
}

/* Bytes a UTF-8 sequence that starts with lead takes (1 for others). */
static size_t utf8_len(unsigned char lead)
{
	if ((lead & 0xe0) == 0xc0)
		return 2;
	if ((lead & 0xf0) == 0xe0)
		return 3;
	if ((lead & 0xf8) == 0xf0)
		return 4;
	return 1;
}

/*
 * STATUS= goes into status, the whole of it or what fits, without control
 * bytes (it ends up on a terminal and in JSON) and without the first part
 * of a character cut in two.
 */
static void set_status(struct notify_msg *m, const char *v, size_t n)
{
	size_t i, k = 0, j;
	int cut = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < ' ' || c == 0x7f)
			continue;
		if (k == sizeof(m->status) - 1) {
			cut = 1;
			break;
		}
		m->status[k++] = (char)c;
	}
	if (cut) {
		j = k;
		while (j > 0 &&
		       ((unsigned char)m->status[j - 1] & 0xc0) == 0x80)
			j--;
		if (j > 0 && ((unsigned char)m->status[j - 1] & 0xc0) == 0xc0 &&
		    k - (j - 1) < utf8_len((unsigned char)m->status[j - 1]))
			k = j - 1;
	}
	m->status[k] = '\0';
	m->has_status = 1;
}

/* 1 when the n bytes of line are key followed by what comes next in *v. */
static int assignment(const char *line, size_t n, const char *key,
		      const char **v, size_t *vlen)
{
	size_t klen = strlen(key);

	if (n < klen || memcmp(line, key, klen) != 0)
		return 0;
	*v = line + klen;
	*vlen = n - klen;
	return 1;
}

static void notify_line(const char *line, size_t n, struct notify_msg *m)
{
	const char *v;
	size_t vlen, i;
	long pid = 0;

	if (assignment(line, n, "READY=", &v, &vlen) && vlen == 1 &&
	    v[0] == '1')
		m->ready = 1;
	else if (assignment(line, n, "STOPPING=", &v, &vlen) && vlen == 1 &&
		 v[0] == '1')
		m->stopping = 1;
	else if (assignment(line, n, "STATUS=", &v, &vlen))
		set_status(m, v, vlen);
	else if (assignment(line, n, "MAINPID=", &v, &vlen) && vlen > 0) {
		for (i = 0; i < vlen; i++) {
			if (!isdigit((unsigned char)v[i]) || pid > INT_MAX / 10)
				return;
			pid = pid * 10 + (v[i] - '0');
		}
		if (pid < 1 || pid > INT_MAX)
			return;
		m->has_mainpid = 1;
		m->mainpid = pid;
	}
}

void probe_notify_parse(const char *buf, size_t len, struct notify_msg *m)
{
	const char *nul = memchr(buf, '\0', len);
	const char *p = buf, *end = nul != NULL ? nul : buf + len;

	memset(m, 0, sizeof(*m));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl != NULL ? nl : end;

		notify_line(p, (size_t)(eol - p), m);
		p = nl != NULL ? nl + 1 : end;
	}
}
