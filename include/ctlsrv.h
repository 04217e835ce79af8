/*
 * The control socket's server: accepts, reads one bounded request per
 * connection, checks the peer, hands the request to its owner, writes the
 * reply without ever blocking the loop (docs/protocol.md).
 */
#ifndef TEND_CTLSRV_H
#define TEND_CTLSRV_H

#include <ev.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctlproto.h"

#define CTLSRV_CLIENTS_MAX 256
/* Of those, kept for peers that may run every command. */
#define CTLSRV_CLIENTS_KEPT    16
#define CTLSRV_REQUEST_TIMEOUT 5.0
/* A reply that comes later (CTLSRV_LATER) is given up on after this. */
#define CTLSRV_LATER_TIMEOUT 120.0
/* A streaming client further behind than this is dropped. */
#define CTLSRV_STREAM_BACKLOG (1u << 20)

struct ctlclient;

#define CTLSRV_KEY_MAX 64

/* What a request makes of its client. */
enum {
	CTLSRV_REPLY,  /* one reply, then the connection closes */
	CTLSRV_EVENTS, /* an events subscriber */
	CTLSRV_FOLLOW, /* a follower of key's log lines (tendctl log -f) */
	CTLSRV_LATER,  /* the reply comes later: ctlsrv_answer(client) */
};

struct ctlsrv_stream {
	int kind;
	const char *key; /* CTLSRV_FOLLOW: the service name (copied) */
	uint64_t client; /* given: the client's id, for ctlsrv_answer */
};

/*
 * Runs a decoded, permitted request. Fill reply (a JSON or text body) and
 * return its status; return CTL_OK with stream->kind set to make the client
 * stream: the stream header goes out, then reply as its first lines (each
 * with its newline; may be empty).
 */
typedef enum ctl_status (*ctlsrv_handler)(void *ctx,
					  const struct ctl_request *req,
					  struct jbuf *reply,
					  struct ctlsrv_stream *stream);

struct ctlsrv_access {
	int has_control, has_monitor;
	gid_t control_gid, monitor_gid;
};

struct ctlsrv;

/*
 * Binds path (after a connect() probe: a live socket is another tend and
 * an error; a refused one is stale and unlinked) with mode 0600, or 0666
 * when a group is set. Returns the server, or NULL with err set.
 */
struct ctlsrv *ctlsrv_open(struct ev_loop *loop, const char *path,
			   const struct ctlsrv_access *access,
			   ctlsrv_handler handler, void *ctx, char *err,
			   size_t errlen);

/*
 * The reply to a request whose handler chose CTLSRV_LATER: client is the
 * id it was given, looked for among srv's clients and those of the
 * servers a rebind retired. Nothing happens when the client is gone (it
 * hung up, or waited CTLSRV_LATER_TIMEOUT and got a timeout).
 */
void ctlsrv_answer(struct ctlsrv *srv, uint64_t client, enum ctl_status st,
		   const char *body, size_t len);

/* New groups apply to the connections accepted from now on. */
void ctlsrv_set_access(struct ctlsrv *srv, const struct ctlsrv_access *access);

const char *ctlsrv_path(const struct ctlsrv *srv);

/* Sends one line (a JSON object, no newline) to every events subscriber. */
void ctlsrv_broadcast(struct ctlsrv *srv, const char *line, size_t len);

/* One line (no newline) to every client following key's log. */
void ctlsrv_follow_send(struct ctlsrv *srv, const char *key, const char *line,
			size_t len);

/* 1 when some client streams events (so building them is worth it). */
int ctlsrv_has_subscribers(const struct ctlsrv *srv);

/* 1 when some client follows a log. */
int ctlsrv_has_followers(const struct ctlsrv *srv);

/*
 * Closes every connection and the socket, and unlinks its path; and
 * every server retired and not closed yet.
 */
void ctlsrv_close(struct ctlsrv *srv);

/*
 * For a rebind: stops accepting (the socket closed, its path unlinked),
 * ends the streams, and frees srv once its requests are answered (or time
 * out), from a timer: the rebind may be asked by one of srv's own clients,
 * whose request is still being served.
 */
void ctlsrv_retire(struct ctlsrv *srv);

/*
 * The default socket path: /run/tend.sock, or /tmp/tend-UID/tend.sock when
 * /run is not writable (the directory made 0700, 0711 with a group, and
 * refused when it is a symlink or another uid's). Writes it to out; returns
 * 0, or -1 with err set.
 */
int ctlsrv_default_path(int with_group, char *out, size_t outlen, char *err,
			size_t errlen);

#endif
