#include "ctlsrv.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "util.h"

/* SO_PEERGROUPS returns at most this many groups; more are not looked at. */
#define PEER_GROUPS_MAX 256
/* Accepts that work this long after the last failure end its episode. */
#define ACCEPT_QUIET 5.0

struct ctlclient {
	struct ctlsrv *srv;
	struct ctlclient *next;
	int fd;
	ev_io rio, wio;
	ev_timer timer;
	char *in;
	size_t inlen;
	struct jbuf out;
	size_t outoff;
	int streaming; /* CTLSRV_EVENTS or CTLSRV_FOLLOW; 0: a request */
	char key[CTLSRV_KEY_MAX + 1]; /* CTLSRV_FOLLOW: the service */
	int closing;		      /* close once out is written */
	int can_all;		      /* may run every command */
	int can_read;		      /* may run the read-only ones */
	uint64_t id;		      /* for ctlsrv_answer */
	int waiting;		      /* for its reply (CTLSRV_LATER) */
};

struct ctlsrv {
	struct ev_loop *loop;
	int fd;
	char *path;
	ev_io aio;
	ev_timer pause; /* accept paused after EMFILE: retried later */
	struct ctlsrv_access access;
	ctlsrv_handler handler;
	void *ctx;
	struct ctlclient *clients;
	size_t nclients;
	size_t nstreaming, nfollowing;
	int accept_failing;	 /* accept failed (EMFILE...), reported */
	double accept_failed_at; /* the last failure */
	ev_timer reap;		 /* retired: closed once no client is left */
	struct ctlsrv *next_retired;
};

/* Servers a rebind retired, not yet closed. */
static struct ctlsrv *retired;
/* The id of the last client accepted, by any server. */
static uint64_t last_id;

static void client_close(struct ctlclient *c)
{
	struct ctlsrv *srv = c->srv;
	struct ctlclient **pp;

	ev_io_stop(srv->loop, &c->rio);
	ev_io_stop(srv->loop, &c->wio);
	ev_timer_stop(srv->loop, &c->timer);
	loop_io_closing(srv->loop, c->fd);
	close(c->fd);
	for (pp = &srv->clients; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	srv->nclients--;
	if (c->streaming == CTLSRV_EVENTS)
		srv->nstreaming--;
	if (c->streaming == CTLSRV_FOLLOW)
		srv->nfollowing--;
	free(c->in);
	jb_free(&c->out);
	free(c);
	/* The last request of a retired server answered: its turn to go. */
	if (srv->fd < 0 && srv->nclients == 0 && !ev_is_active(&srv->reap))
		ev_timer_start(srv->loop, &srv->reap);
}

/*
 * Writes what it can without blocking; closes when done and asked to.
 * A reply the client does not read within the request timeout is dropped.
 */
static void client_flush(struct ctlclient *c)
{
	struct ctlsrv *srv = c->srv;

	while (c->outoff < c->out.len) {
		ssize_t n = send(c->fd, c->out.s + c->outoff,
				 c->out.len - c->outoff, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ev_io_start(srv->loop, &c->wio);
			if (!c->streaming && !ev_is_active(&c->timer)) {
				ev_timer_set(&c->timer, CTLSRV_REQUEST_TIMEOUT,
					     0.);
				ev_timer_start(srv->loop, &c->timer);
			}
			return;
		}
		if (n < 0) { /* EPIPE, ECONNRESET: the client is gone */
			client_close(c);
			return;
		}
		c->outoff += (size_t)n;
	}
	ev_io_stop(srv->loop, &c->wio);
	c->out.len = c->outoff = 0;
	if (c->closing)
		client_close(c);
}

static void on_writable(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	client_flush(container_of(w, struct ctlclient, wio));
}

/*
 * Room in the socket for a reply of len bytes (as far as net.core.wmem_max
 * allows): a large one (the status of thousands of services) then goes
 * out in one or two turns of the loop, not one turn a default buffer.
 */
static void client_room(struct ctlclient *c, size_t len)
{
	socklen_t sl;
	int cur, want;

	sl = sizeof(cur);
	/* The default buffer (208 KiB) takes the usual reply at once. */
	if (len <= 65536 || len > (size_t)INT_MAX / 2 ||
	    (getsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &cur, &sl) == 0 &&
	     cur >= 0 && (size_t)cur >= len))
		return;
	want = (int)len;
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
}

/* Queue a whole reply: the header, then body (may be empty). */
static void client_reply(struct ctlclient *c, enum ctl_status st,
			 const char *body, size_t len)
{
	char head[64];
	int n = ctl_encode_header(st, len, head, sizeof(head));

	if (n < 0) { /* a body over CTL_BODY_MAX */
		static const char msg[] = "{\"error\": \"reply too large\"}";

		n = ctl_encode_header(CTL_FAILED, sizeof(msg) - 1, head,
				      sizeof(head));
		body = msg;
		len = sizeof(msg) - 1;
	}
	jb_raw(&c->out, head, (size_t)n);
	jb_raw(&c->out, body, len);
	c->closing = 1;
	if (c->out.oom) { /* nothing sensible can be sent */
		client_close(c);
		return;
	}
	client_room(c, c->out.len);
	client_flush(c);
}

static void client_error(struct ctlclient *c, enum ctl_status st,
			 const char *msg)
{
	struct jbuf b;

	jb_init(&b);
	jb_obj_begin(&b);
	jb_key(&b, "error");
	jb_str(&b, msg);
	jb_obj_end(&b);
	client_reply(c, st, b.s ? b.s : "", b.len);
	jb_free(&b);
}

static void client_request(struct ctlclient *c, struct ctl_request *req)
{
	struct ctlsrv *srv = c->srv;
	struct jbuf body;
	enum ctl_status st;
	struct ctlsrv_stream stream = { CTLSRV_REPLY, NULL, c->id };

	if (!c->can_all && !(c->can_read && ctl_cmd_read_only(req->cmd))) {
		char msg[96];

		snprintf(msg, sizeof(msg), "permission denied for '%s'",
			 ctl_cmd_name(req->cmd));
		client_error(c, CTL_DENIED, msg);
		return;
	}
	jb_init(&body);
	st = srv->handler(srv->ctx, req, &body, &stream);
	if (st == CTL_OK && stream.kind == CTLSRV_LATER && !body.oom) {
		/* Nothing to read or write until ctlsrv_answer. */
		c->waiting = 1;
		ev_timer_set(&c->timer, CTLSRV_LATER_TIMEOUT, 0.);
		ev_timer_start(srv->loop, &c->timer);
	} else if (st == CTL_OK && stream.kind != CTLSRV_REPLY && !body.oom) {
		char head[64];
		int n = ctl_encode_stream_header(head, sizeof(head));

		c->streaming = stream.kind;
		if (stream.kind == CTLSRV_FOLLOW) {
			snprintf(c->key, sizeof(c->key), "%s",
				 stream.key ? stream.key : "");
			srv->nfollowing++;
		} else {
			srv->nstreaming++;
		}
		ev_timer_stop(srv->loop, &c->timer);
		jb_raw(&c->out, head, (size_t)n);
		/* What the stream starts with: the recent lines of a log. */
		jb_raw(&c->out, body.s ? body.s : "", body.len);
		client_flush(c);
	} else if (body.oom) {
		client_error(c, CTL_FAILED, "out of memory");
	} else {
		client_reply(c, st, body.s ? body.s : "", body.len);
	}
	jb_free(&body);
}

/* Reads what the client sent; runs the request once it is whole. */
static void client_read(struct ctlclient *c)
{
	struct ctl_request req;
	enum ctl_status st;
	enum ctl_decode d;
	char err[128];
	size_t used;
	ssize_t n;

	if (c->streaming) {
		char sink[256];

		/* A subscriber says nothing more; EOF means it left. */
		n = recv(c->fd, sink, sizeof(sink), 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			client_close(c);
		return;
	}
	n = recv(c->fd, c->in + c->inlen, CTL_REQUEST_MAX - c->inlen, 0);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			client_close(c);
		return;
	}
	if (n == 0) { /* closed before a whole request */
		client_close(c);
		return;
	}
	c->inlen += (size_t)n;
	d = ctl_decode_request(c->in, c->inlen, &req, &used, &st, err,
			       sizeof(err));
	if (d == CTL_DECODE_MORE)
		return;
	/* One request per connection: read no more. */
	ev_io_stop(c->srv->loop, &c->rio);
	ev_timer_stop(c->srv->loop, &c->timer);
	if (d == CTL_DECODE_ERROR) {
		client_error(c, st, err);
		return;
	}
	client_request(c, &req);
	ctl_request_free(&req);
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	client_read(container_of(w, struct ctlclient, rio));
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctlclient *c = container_of(w, struct ctlclient, timer);

	(void)loop;
	(void)revents;
	if (c->closing) { /* a reply nobody reads: give up on it */
		client_close(c);
		return;
	}
	if (c->waiting) {
		c->waiting = 0;
		client_error(c, CTL_TIMEOUT,
			     "no answer within the time allowed");
		return;
	}
	ev_io_stop(c->srv->loop, &c->rio);
	/* If even this cannot be written, the timer client_flush starts ends it. */
	client_error(c, CTL_TIMEOUT, "request not complete within 5 s");
}

static int in_group(gid_t g, gid_t pgid, const gid_t *groups, int ngroups)
{
	int i;

	if (g == pgid)
		return 1;
	for (i = 0; i < ngroups; i++)
		if (groups[i] == g)
			return 1;
	return 0;
}

/* Who the peer is decides what it may do (SPEC §5). */
static void client_access(struct ctlclient *c)
{
	const struct ctlsrv_access *a = &c->srv->access;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	gid_t small[PEER_GROUPS_MAX], *groups = small, *big = NULL;
	int ngroups = 0;

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return; /* unknown peer: nothing */
	if (cred.uid == 0 || cred.uid == getuid()) {
		c->can_all = c->can_read = 1;
		return;
	}
	if (!a->has_control && !a->has_monitor)
		return;
	len = sizeof(small);
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, small, &len) == 0) {
		ngroups = (int)(len / sizeof(gid_t));
	} else if (errno == ERANGE && (big = malloc(len)) != NULL &&
		   getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, big, &len) ==
			   0) {
		/* More than PEER_GROUPS_MAX: len says how many, all read. */
		groups = big;
		ngroups = (int)(len / sizeof(gid_t));
	}
	if (a->has_control &&
	    in_group(a->control_gid, cred.gid, groups, ngroups))
		c->can_all = c->can_read = 1;
	else if (a->has_monitor &&
		 in_group(a->monitor_gid, cred.gid, groups, ngroups))
		c->can_read = 1;
	free(big);
}

/* A reply that needs no client slot: sent at once, then the fd closed. */
static void refuse(int fd, enum ctl_status st, const char *msg)
{
	char buf[256];
	int n = ctl_encode_header(st, strlen(msg) + 13, buf, sizeof(buf));

	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "{\"error\": \"%s\"}",
		      msg);
	/* Best effort and never waiting: the socket is new and empty. */
	(void)!send(fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctlsrv *srv = container_of(w, struct ctlsrv, aio);
	struct ctlclient *c;
	int fd;

	(void)revents;
	for (;;) {
		/* accept4(2) takes a NULL addrlen; cppcheck 2.10's gnu.cfg says not. */
		/* cppcheck-suppress nullPointer */
		fd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/*
			 * EMFILE, ENFILE, ENOMEM: the connection stays queued and
			 * the socket readable; pause rather than spin on it.
			 */
			/*
			 * Once an episode: it lasts while fds are short, even if
			 * an accept gets through now and then (one freed fd).
			 */
			if (!srv->accept_failing)
				log_warn(
					"control socket: accept (retrying every 0.1 s)");
			srv->accept_failing = 1;
			srv->accept_failed_at = ev_now(loop);
			ev_io_stop(loop, &srv->aio);
			ev_timer_set(&srv->pause, 0.1, 0.);
			ev_timer_start(loop, &srv->pause);
			return;
		}
		if (srv->accept_failing &&
		    ev_now(loop) - srv->accept_failed_at >= ACCEPT_QUIET) {
			srv->accept_failing = 0;
			log_warnx("control socket: accepting again");
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL || (c->in = malloc(CTL_REQUEST_MAX)) == NULL) {
			free(c);
			close(fd);
			log_warnx("control socket: out of memory");
			continue;
		}
		c->srv = srv;
		c->fd = fd;
		c->id = ++last_id;
		/*
		 * Who may do nothing takes no slot; the last slots are kept
		 * for those who may do everything: idle connections of other
		 * users never lock root out.
		 */
		client_access(c);
		if (!c->can_read || srv->nclients >= CTLSRV_CLIENTS_MAX ||
		    (!c->can_all &&
		     srv->nclients >=
			     CTLSRV_CLIENTS_MAX - CTLSRV_CLIENTS_KEPT)) {
			int denied = !c->can_read;

			free(c->in);
			free(c);
			refuse(fd, denied ? CTL_DENIED : CTL_BUSY,
			       denied ? "permission denied"
				      : "too many clients");
			continue;
		}
		jb_init(&c->out);
		ev_io_init(&c->rio, on_readable, fd, EV_READ);
		ev_io_init(&c->wio, on_writable, fd, EV_WRITE);
		ev_set_priority(&c->rio, EV_MAXPRI);
		ev_set_priority(&c->wio, EV_MAXPRI);
		ev_timer_init(&c->timer, on_timeout, CTLSRV_REQUEST_TIMEOUT,
			      0.);
		c->next = srv->clients;
		srv->clients = c;
		srv->nclients++;
		ev_io_start(loop, &c->rio);
		ev_timer_start(loop, &c->timer);
		/* The request is most often there already: a turn saved. */
		client_read(c);
		if (srv->fd < 0)
			return; /* that request retired this server */
	}
}

static void on_pause_end(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctlsrv *srv = container_of(w, struct ctlsrv, pause);

	(void)revents;
	ev_io_start(loop, &srv->aio);
}

static struct ctlclient *find_waiting(struct ctlsrv *srv, uint64_t id)
{
	struct ctlclient *c;

	for (c = srv != NULL ? srv->clients : NULL; c != NULL; c = c->next)
		if (c->id == id && c->waiting)
			return c;
	return NULL;
}

void ctlsrv_answer(struct ctlsrv *srv, uint64_t client, enum ctl_status st,
		   const char *body, size_t len)
{
	struct ctlclient *c = find_waiting(srv, client);
	struct ctlsrv *r;

	for (r = retired; c == NULL && r != NULL; r = r->next_retired)
		c = find_waiting(r, client);
	if (c == NULL)
		return;
	c->waiting = 0;
	ev_timer_stop(c->srv->loop, &c->timer);
	client_reply(c, st, body, len);
}

/* One line to every client streaming kind (and key, when not NULL). */
static void stream_send(struct ctlsrv *srv, int kind, const char *key,
			const char *line, size_t len)
{
	struct ctlclient *c, *next;

	for (c = srv->clients; c != NULL; c = next) {
		next = c->next;
		if (c->streaming != kind ||
		    (key != NULL && strcmp(c->key, key) != 0))
			continue;
		if (c->out.len - c->outoff > CTLSRV_STREAM_BACKLOG) {
			log_warnx("%s: a client is too slow: dropped",
				  kind == CTLSRV_EVENTS ? "events" : "log -f");
			client_close(c);
			continue;
		}
		jb_raw(&c->out, line, len);
		jb_raw(&c->out, "\n", 1);
		client_flush(c);
	}
}

void ctlsrv_broadcast(struct ctlsrv *srv, const char *line, size_t len)
{
	if (srv != NULL && srv->nstreaming > 0)
		stream_send(srv, CTLSRV_EVENTS, NULL, line, len);
}

void ctlsrv_follow_send(struct ctlsrv *srv, const char *key, const char *line,
			size_t len)
{
	if (srv != NULL && srv->nfollowing > 0)
		stream_send(srv, CTLSRV_FOLLOW, key, line, len);
}

int ctlsrv_has_subscribers(const struct ctlsrv *srv)
{
	return srv != NULL && srv->nstreaming > 0;
}

int ctlsrv_has_followers(const struct ctlsrv *srv)
{
	return srv != NULL && srv->nfollowing > 0;
}

void ctlsrv_set_access(struct ctlsrv *srv, const struct ctlsrv_access *access)
{
	if (srv != NULL)
		srv->access = *access;
}

const char *ctlsrv_path(const struct ctlsrv *srv)
{
	return srv->path;
}

/*
 * 1 (err set) when path is no place for tend's socket: something that is
 * not a socket is there (a symlink, a file: never followed, never
 * removed). A directory anyone may write without the sticky bit (anyone
 * could replace the socket) is only reported.
 */
static int unsafe_place(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s: %s, not a socket: refused", path,
			 S_ISLNK(st.st_mode)   ? "a symlink"
			 : S_ISDIR(st.st_mode) ? "a directory"
					       : "a file");
		return 1;
	}
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	/*
	 * Said, not refused: a Kubernetes emptyDir (the usual writable /run
	 * of a read-only pod) is 0777 without the sticky bit.
	 */
	if (stat(dir, &st) == 0 && (st.st_mode & S_IWOTH) &&
	    !(st.st_mode & S_ISVTX))
		log_warnx(
			"control socket: %s: its directory is writable by anyone and not sticky: any user could replace the socket",
			path);
	return 0;
}

/* 1: another tend answers at path; 0: nobody (a stale file is removed). */
static int probe(const struct sockaddr_un *sa, char *err, size_t errlen)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), rc = 0;

	if (fd < 0)
		return 0;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0) {
		snprintf(err, errlen, "%s: another tend answers on this socket",
			 sa->sun_path);
		rc = 1;
	} else if (errno == ECONNREFUSED) {
		/* A socket file nobody listens on: left by a killed tend. */
		struct stat st;

		if (lstat(sa->sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(sa->sun_path);
	}
	close(fd);
	return rc;
}

struct ctlsrv *ctlsrv_open(struct ev_loop *loop, const char *path,
			   const struct ctlsrv_access *access,
			   ctlsrv_handler handler, void *ctx, char *err,
			   size_t errlen)
{
	struct sockaddr_un sa;
	struct ctlsrv *srv;
	mode_t old;
	int fd, group = access->has_control || access->has_monitor;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: path too long for a socket", path);
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (unsafe_place(path, err, errlen) || probe(&sa, err, errlen))
		return NULL;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return NULL;
	}
	/*
	 * The mode comes from the umask at bind: never a moment with other
	 * permissions, and no chmod by path (which a symlink put in its
	 * place would redirect).
	 */
	old = umask(group ? 0111 : 0177);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "%s: %s", sa.sun_path, strerror(errno));
		umask(old);
		close(fd);
		return NULL;
	}
	umask(old);
	if (listen(fd, 128) < 0) {
		snprintf(err, errlen, "%s: %s", sa.sun_path, strerror(errno));
		unlink(path);
		close(fd);
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL || (srv->path = strdup(path)) == NULL) {
		free(srv);
		unlink(path);
		close(fd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->loop = loop;
	srv->fd = fd;
	srv->access = *access;
	srv->handler = handler;
	srv->ctx = ctx;
	ev_io_init(&srv->aio, on_accept, fd, EV_READ);
	ev_set_priority(&srv->aio, EV_MAXPRI);
	ev_io_start(loop, &srv->aio);
	ev_init(&srv->pause, on_pause_end);
	return srv;
}

/* No more connections: the socket closed, its path removed. */
static void stop_listening(struct ctlsrv *srv)
{
	ev_io_stop(srv->loop, &srv->aio);
	ev_timer_stop(srv->loop, &srv->pause);
	if (srv->fd < 0)
		return;
	loop_io_closing(srv->loop, srv->fd);
	close(srv->fd);
	srv->fd = -1;
	unlink(srv->path);
}

static void on_reap(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	ctlsrv_close(container_of(w, struct ctlsrv, reap));
}

void ctlsrv_retire(struct ctlsrv *srv)
{
	struct ctlclient *c, *next;

	if (srv == NULL || srv->fd < 0)
		return;
	stop_listening(srv);
	srv->next_retired = retired;
	retired = srv;
	/*
	 * Closed from a timer, never here: this may run inside one of its
	 * callbacks. Its streams end now; its requests are answered first.
	 */
	ev_timer_init(&srv->reap, on_reap, 0., 0.);
	for (c = srv->clients; c != NULL; c = next) {
		next = c->next;
		if (c->streaming)
			client_close(c);
	}
	if (srv->nclients == 0 && !ev_is_active(&srv->reap))
		ev_timer_start(srv->loop, &srv->reap);
}

void ctlsrv_close(struct ctlsrv *srv)
{
	struct ctlsrv **pp;
	struct ctlclient *c, *next;

	if (srv == NULL)
		return;
	for (c = srv->clients; c != NULL; c = next) {
		next = c->next;
		client_close(c);
	}
	for (pp = &retired; *pp != NULL; pp = &(*pp)->next_retired)
		if (*pp == srv) {
			*pp = srv->next_retired;
			break;
		}
	ev_timer_stop(srv->loop, &srv->reap); /* the last close started it */
	stop_listening(srv);
	free(srv->path);
	free(srv);
	/* At exit: the retired ones whose turn did not come. */
	while (retired != NULL)
		ctlsrv_close(retired);
}

int ctlsrv_default_path(int with_group, char *out, size_t outlen, char *err,
			size_t errlen)
{
	char dir[64];
	struct stat st;
	uid_t uid = getuid();

	/* An image FROM scratch has no /run: an init as root makes it. */
	if (uid == 0 && access("/run", F_OK) < 0 && errno == ENOENT)
		(void)mkdir("/run", 0755);
	if (access("/run", W_OK) == 0) {
		snprintf(out, outlen, "/run/tend.sock");
		return 0;
	}
	snprintf(dir, sizeof(dir), "/tmp/tend-%u", (unsigned)uid);
	if (mkdir(dir, with_group ? 0711 : 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid) {
		snprintf(
			err, errlen,
			"%s: not a directory of uid %u (a symlink, or another user's): refused",
			dir, (unsigned)uid);
		return -1;
	}
	if (chmod(dir, with_group ? 0711 : 0700) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(out, outlen, "%s/tend.sock", dir);
	return 0;
}
