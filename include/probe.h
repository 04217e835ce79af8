/*
 * Readiness and health probes (SPEC §2 `ready`, `health-check`): what a
 * probe string means, and the pure parts of running one (an HTTP status
 * line, an sd_notify message). Pure: no sockets, no processes; hosts are
 * resolved from numeric addresses, "localhost" or the text of /etc/hosts
 * given by the caller (no DNS, so a static tend works).
 */
#ifndef TEND_PROBE_H
#define TEND_PROBE_H

#include <stddef.h>
#include <sys/socket.h>

enum probe_kind {
	PROBE_NONE,   /* "": no probe */
	PROBE_NOTIFY, /* "notify": READY=1 on $NOTIFY_SOCKET (ready only) */
	PROBE_FD,     /* "fd:N": a newline written on fd N (ready only) */
	PROBE_TCP,    /* "tcp:[HOST:]PORT": a connect succeeds */
	PROBE_HTTP,   /* "http://HOST:PORT/PATH": a 2xx or 3xx answer */
	PROBE_EXEC,   /* "exec:COMMAND" or a bare command: it exits 0 */
};

struct probe {
	enum probe_kind kind;
	char *text; /* as written; NULL for PROBE_NONE */
	int fd;	    /* PROBE_FD: N (3..1023) */
	/* PROBE_TCP, PROBE_HTTP: where to connect, resolved at load */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char *host; /* as written (IPv6 in brackets), for messages and the
		     * Host header; "127.0.0.1" for tcp:PORT */
	int port;
	char *path;  /* PROBE_HTTP: starts with '/', "/" when none given */
	char **argv; /* PROBE_EXEC: split like a shell would, no expansion */
};

/*
 * Parse s. ready: a `ready` value (notify and fd:N allowed); else a
 * `health-check` (they are not). hosts is the text of /etc/hosts or NULL.
 * "" gives PROBE_NONE. Returns 0, or -1 with a message in err (no file or
 * line: the caller adds them), p left empty.
 *
 *   tcp:PORT            127.0.0.1:PORT
 *   tcp:HOST:PORT       HOST numeric IPv4, [IPv6], localhost, or /etc/hosts
 *   http://HOST:PORT/PATH  (PORT optional: 80; PATH optional: "/")
 *   exec:COMMAND, or anything else that is not one of the forms above:
 *                       a command (https:// and other schemes are errors)
 */
int probe_parse(const char *s, int ready, const char *hosts, struct probe *p,
		char *err, size_t errlen);

void probe_free(struct probe *p);

/* Deep copy; 0, or -1 on ENOMEM (dst left empty). */
int probe_dup(struct probe *dst, const struct probe *src);

/* 1 when a and b are the same probe (as written). */
int probe_equal(const struct probe *a, const struct probe *b);

/*
 * host (numeric IPv4, IPv6 with or without brackets, "localhost", or a
 * name in hosts, the text of /etc/hosts) with port into ss. 0, or -1.
 */
int probe_resolve(const char *host, const char *hosts, int port,
		  struct sockaddr_storage *ss, socklen_t *len);

/*
 * The request an http probe sends: "GET PATH HTTP/1.0", Host, a
 * User-Agent of tend, Connection: close. Returns its length (< outlen), or
 * -1 when it does not fit.
 */
int probe_http_request(const struct probe *p, char *out, size_t outlen);

/*
 * The status code of the answer whose first len bytes are buf: 100-599,
 * 0 when the status line is not complete yet (no newline within len and
 * len < 1024), -1 when it is not an HTTP/1.x status line. Each byte is
 * checked as it comes: an answer that cannot be HTTP is -1 at once, even
 * before its newline.
 */
int probe_http_status(const char *buf, size_t len);

/* 1 for a status code a probe counts as success: 2xx and 3xx. */
int probe_http_ok(int status);

/* What one sd_notify datagram says (newline-separated KEY=VALUE). */
struct notify_msg {
	int ready;	  /* READY=1 */
	int stopping;	  /* STOPPING=1 */
	int has_status;	  /* STATUS=... given */
	char status[256]; /* its value, cut to fit, control bytes removed */
	int has_mainpid;  /* MAINPID=N given (not acted upon, only noted) */
	long mainpid;
};

void probe_notify_parse(const char *buf, size_t len, struct notify_msg *m);

#endif
