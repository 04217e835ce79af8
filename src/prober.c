#include "prober.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "confutil.h"
#include "log.h"
#include "loop.h"
#include "probe.h"
#include "spawn.h"
#include "supervisor.h"
#include "svc.h"
#include "util.h"

extern char **environ;

enum {
	PROBE_FOR_READY = 1,
	PROBE_FOR_HEALTH = 2
};

/* Ready attempts: the first retry after this, doubled up to the max. */
#define READY_RETRY_MIN 0.05
#define READY_RETRY_MAX 1.0

static struct svcprobe *pr(struct svc *s)
{
	return &s->probe;
}

static const struct probe *probe_for(const struct svc *s, int purpose)
{
	return purpose == PROBE_FOR_READY ? &s->conf->ready : &s->conf->health;
}

static struct ev_loop *loop_of(const struct svc *s)
{
	return s->sup->loop;
}

/* ---- the outcome of an attempt ---- */

static void schedule(struct svc *s, double after)
{
	struct svcprobe *p = pr(s);

	/* From now, not from when the loop woke up: never early. */
	ev_now_update(loop_of(s));
	ev_timer_stop(loop_of(s), &p->next);
	ev_timer_set(&p->next, after, 0.);
	ev_timer_start(loop_of(s), &p->next);
}

static void ready_outcome(struct svc *s, int ok, const char *why)
{
	struct svcprobe *p = pr(s);

	if (s->state != ST_STARTING)
		return;
	if (ok) {
		log_info("service %s: ready (%s)", s->conf->name,
			 s->conf->ready.text);
		svc_event(s, FE_READY);
		return;
	}
	log_debug("service %s: not ready yet: %s", s->conf->name, why);
	schedule(s, p->retry);
	p->retry = p->retry * 2 < READY_RETRY_MAX ? p->retry * 2
						  : READY_RETRY_MAX;
}

static void health_outcome(struct svc *s, int ok, const char *why)
{
	struct svcprobe *p = pr(s);
	const struct svc_conf *c = s->conf;

	if (s->state != ST_RUNNING)
		return;
	if (ok) {
		if (p->health != HEALTH_HEALTHY)
			log_info("service %s: healthy", c->name);
		p->health = HEALTH_HEALTHY;
		p->health_fails = 0;
	} else {
		p->health_fails++;
		log_warnx("service %s: health check failed (%u of %ld): %s",
			  c->name, p->health_fails, c->health_retries, why);
		if (p->health_fails >= (unsigned long)c->health_retries) {
			p->health = HEALTH_UNHEALTHY;
			log_warnx("service %s: unhealthy: restarting it",
				  c->name);
			svc_event(s, FE_UNHEALTHY);
			return;
		}
	}
	schedule(s, c->health_interval);
}

/* The attempt is over; its watchers are stopped before anyone is told. */
static void attempt_end(struct svc *s, int ok, const char *why)
{
	struct attempt *a = &pr(s)->at;
	int purpose = a->purpose;

	ev_io_stop(loop_of(s), &a->io);
	ev_timer_stop(loop_of(s), &a->tmo);
	if (a->fd >= 0) {
		loop_io_closing(loop_of(s), a->fd);
		close(a->fd);
	}
	a->fd = -1;
	free(a->buf); /* a quiet service holds no buffer */
	a->buf = NULL;
	if (a->pid > 0)
		a->reported = 1; /* still to be reaped */
	a->purpose = 0;
	if (purpose == PROBE_FOR_READY)
		ready_outcome(s, ok, why);
	else if (purpose == PROBE_FOR_HEALTH)
		health_outcome(s, ok, why);
}

/* ---- tcp and http ---- */

static void on_attempt_io(struct ev_loop *loop, ev_io *w, int revents);

static void attempt_watch(struct svc *s, int events)
{
	struct attempt *a = &pr(s)->at;

	ev_io_stop(loop_of(s), &a->io);
	ev_io_set(&a->io, a->fd, events);
	ev_io_start(loop_of(s), &a->io);
}

/* Connected: tcp is done; http sends its request. */
static void connected(struct svc *s)
{
	struct attempt *a = &pr(s)->at;
	const struct probe *p = probe_for(s, a->purpose);
	int n;

	if (p->kind == PROBE_TCP) {
		attempt_end(s, 1, NULL);
		return;
	}
	if (a->buf == NULL && (a->buf = malloc(ATTEMPT_BUF)) == NULL) {
		attempt_end(s, 0, "out of memory");
		return;
	}
	n = probe_http_request(p, a->buf, ATTEMPT_BUF);
	if (n < 0) {
		attempt_end(s, 0, "request too long");
		return;
	}
	a->reqlen = (size_t)n;
	a->sent = 0;
	a->len = 0;
	attempt_watch(s, EV_WRITE);
}

static void http_io(struct svc *s)
{
	struct attempt *a = &pr(s)->at;
	char why[64];
	ssize_t n;
	int st;

	if (a->sent < a->reqlen) {
		n = send(a->fd, a->buf + a->sent, a->reqlen - a->sent,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			attempt_end(s, 0, strerror(errno));
			return;
		}
		a->sent += (size_t)n;
		if (a->sent == a->reqlen) {
			a->len = 0;
			attempt_watch(s, EV_READ);
		}
		return;
	}
	n = recv(a->fd, a->buf + a->len, ATTEMPT_BUF - a->len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		attempt_end(s, 0,
			    n == 0 ? "connection closed before an answer"
				   : strerror(errno));
		return;
	}
	a->len += (size_t)n;
	st = probe_http_status(a->buf, a->len);
	if (st == 0 && a->len < ATTEMPT_BUF)
		return;
	if (st <= 0) {
		attempt_end(s, 0, "not an HTTP answer");
		return;
	}
	snprintf(why, sizeof(why), "HTTP status %d", st);
	attempt_end(s, probe_http_ok(st), why);
}

static void on_attempt_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct svcprobe *p = container_of(w, struct svcprobe, at.io);
	struct svc *s = container_of(p, struct svc, probe);
	int err = 0;
	socklen_t len = sizeof(err);

	(void)loop;
	(void)revents;
	if (p->at.reqlen == 0) { /* the connect finished */
		if (getsockopt(p->at.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err != 0) {
			attempt_end(s, 0, strerror(err));
			return;
		}
		connected(s);
	} else {
		http_io(s);
	}
	sup_settle(s->sup);
}

static void attempt_connect(struct svc *s, const struct probe *p)
{
	struct attempt *a = &pr(s)->at;

	a->reqlen = 0;
	a->fd = socket(p->addr.ss_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0) {
		attempt_end(s, 0, strerror(errno));
		return;
	}
	if (connect(a->fd, (const struct sockaddr *)&p->addr, p->addrlen) ==
	    0) {
		connected(s);
		return;
	}
	if (errno != EINPROGRESS) {
		attempt_end(s, 0, strerror(errno));
		return;
	}
	attempt_watch(s, EV_WRITE);
}

/* ---- exec ---- */

static void attempt_exec(struct svc *s, const struct probe *p)
{
	const struct svc_conf *c = s->conf;
	char *const *layers[3] = { environ, c->env_file_vars, c->env };
	struct attempt *a = &pr(s)->at;
	struct spawn_req req;
	char **envp = env_merge(layers, 3);
	int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	pid_t pid;

	if (envp == NULL || null_fd < 0) {
		free(envp);
		if (null_fd >= 0)
			close(null_fd);
		attempt_end(s, 0, "out of memory or no /dev/null");
		return;
	}
	memset(&req, 0, sizeof(req));
	req.argv = p->argv;
	req.envp = envp;
	req.new_session = 1;
	req.stdin_null = 1;
	req.close_fds = 1;
	req.uid = c->uid;
	req.gid = c->gid;
	req.groups = c->groups;
	req.ngroups = c->ngroups;
	req.workdir = c->workdir;
	req.set_umask = 1;
	req.umask = c->umask;
	req.out_fd = null_fd;
	req.err_fd = null_fd;
	req.nofile = s->sup->nofile_saved ? &s->sup->nofile : NULL;
	/* Not waited for: a failed exec exits 127 or 126, and the reap says so. */
	pid = spawn_start(&req, NULL);
	free(envp);
	close(null_fd);
	if (pid < 0) {
		attempt_end(s, 0, strerror(errno));
		return;
	}
	a->pid = pid;
	a->reported = 0;
}

int svcprobe_reaped(struct svc *s, pid_t pid, int wstatus)
{
	struct attempt *a = &pr(s)->at;
	char why[64];

	if (a->pid <= 0 || pid != a->pid)
		return 0;
	a->pid = 0;
	if (a->reported)
		return 1;
	if (WIFEXITED(wstatus))
		snprintf(why, sizeof(why), "exited with %d",
			 WEXITSTATUS(wstatus));
	else
		snprintf(why, sizeof(why), "killed by signal %d",
			 WTERMSIG(wstatus));
	attempt_end(s, WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0, why);
	return 1;
}

int svcprobe_has_process(const struct svc *s)
{
	return s->probe.at.pid > 0;
}

/* ---- attempts ---- */

static void on_attempt_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct svcprobe *p = container_of(w, struct svcprobe, at.tmo);
	struct svc *s = container_of(p, struct svc, probe);

	(void)loop;
	(void)revents;
	if (p->at.pid > 0)
		(void)kill(-p->at.pid, SIGKILL);
	attempt_end(s, 0, "timed out");
	sup_settle(s->sup);
}

static void attempt_start(struct svc *s, int purpose)
{
	struct svcprobe *p = pr(s);
	const struct probe *pb = probe_for(s, purpose);

	/* An exec probe still running (killed, not reaped): not two at once. */
	if (p->at.purpose != 0 || p->at.pid > 0) {
		schedule(s, READY_RETRY_MAX);
		return;
	}
	p->at.purpose = purpose;
	ev_now_update(loop_of(s));
	ev_timer_set(&p->at.tmo, s->conf->health_timeout, 0.);
	ev_timer_start(loop_of(s), &p->at.tmo);
	if (pb->kind == PROBE_EXEC)
		attempt_exec(s, pb);
	else
		attempt_connect(s, pb);
}

/* Stops what runs; a probe process is killed (and reaped later). */
static void attempt_cancel(struct svc *s)
{
	struct attempt *a = &pr(s)->at;

	ev_timer_stop(loop_of(s), &pr(s)->next);
	if (a->purpose == 0)
		return;
	if (a->pid > 0 && !a->reported)
		(void)kill(-a->pid, SIGKILL);
	a->purpose = 0; /* told nobody: the service moved on */
	attempt_end(s, 0, NULL);
}

static void on_next(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct svcprobe *p = container_of(w, struct svcprobe, next);
	struct svc *s = container_of(p, struct svc, probe);

	(void)loop;
	(void)revents;
	if (s->state == ST_STARTING && s->conf->ready.kind >= PROBE_TCP)
		attempt_start(s, PROBE_FOR_READY);
	else if (s->state == ST_RUNNING && s->conf->health.kind != PROBE_NONE)
		attempt_start(s, PROBE_FOR_HEALTH);
	sup_settle(s->sup);
}

/* ---- notify ---- */

/*
 * A process of the service: its main process or one in its session (a
 * zombie still has one). A sender already reaped when the message is read
 * cannot be told from a foreign one, and is refused (docs/decisions.md).
 */
static int of_service(const struct svc *s, const struct ucred *cr)
{
	return s->pid > 0 && (cr->pid == s->pid || getsid(cr->pid) == s->pid);
}

static void notify_datagram(struct svc *s, const char *buf, size_t len,
			    const struct ucred *cr)
{
	struct notify_msg m;

	if (cr == NULL || !of_service(s, cr)) {
		log_info(
			"service %s: notify message from pid %d ignored: not a process of the service",
			s->conf->name, cr != NULL ? (int)cr->pid : 0);
		return;
	}
	probe_notify_parse(buf, len, &m);
	if (m.has_status)
		log_info("service %s: status: %s", s->conf->name, m.status);
	if (m.stopping && !s->probe.not_ready) {
		s->probe.not_ready = 1;
		log_info("service %s: stopping (notify): not ready",
			 s->conf->name);
	}
	if (m.ready && s->state == ST_STARTING &&
	    s->conf->ready.kind == PROBE_NOTIFY) {
		log_info("service %s: ready (notify)", s->conf->name);
		svc_event(s, FE_READY);
	}
}

static void on_notify(struct ev_loop *loop, ev_io *w, int revents)
{
	struct svcprobe *p = container_of(w, struct svcprobe, notify_io);
	struct svc *s = container_of(p, struct svc, probe);
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(struct ucred)) +
			   CMSG_SPACE(16 * sizeof(int))];
	} ctl;
	char buf[4096];
	int k;

	(void)loop;
	(void)revents;
	/* A bounded number a wakeup: a flood does not hold the loop. */
	for (k = 0; k < 64; k++) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh;
		struct cmsghdr *cm;
		const struct ucred *cr = NULL;
		ssize_t n;

		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.space;
		mh.msg_controllen = sizeof(ctl.space);
		n = recvmsg(p->notify_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0)
			break;
		for (cm = CMSG_FIRSTHDR(&mh); cm != NULL;
		     cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level != SOL_SOCKET)
				continue;
			if (cm->cmsg_type == SCM_CREDENTIALS &&
			    cm->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
				cr = (const struct ucred *)(void *)CMSG_DATA(
					cm);
			if (cm->cmsg_type == SCM_RIGHTS) {
				/* fds passed along (FDSTORE=1) are not kept */
				size_t i, nfd = (cm->cmsg_len - CMSG_LEN(0)) /
						sizeof(int);
				int fd;

				for (i = 0; i < nfd; i++) {
					memcpy(&fd,
					       CMSG_DATA(cm) + i * sizeof(int),
					       sizeof(fd));
					close(fd);
				}
			}
		}
		notify_datagram(s, buf, (size_t)n, cr);
	}
	sup_settle(s->sup);
}

/* The service's datagram socket, bound to an abstract name the kernel picks. */
static int notify_open(struct svc *s)
{
	struct svcprobe *p = pr(s);
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa_family_t);
	int one = 1, fd;
	size_t i, n;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, len) < 0 ||
	    (len = sizeof(sa), getsockname(fd, (struct sockaddr *)&sa, &len)) <
		    0 ||
	    len <= offsetof(struct sockaddr_un, sun_path) + 1) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	/* "@" and the name after its leading NUL */
	n = len - offsetof(struct sockaddr_un, sun_path) - 1;
	if (n > sizeof(p->notify_env) - 16)
		n = sizeof(p->notify_env) - 16;
	memcpy(p->notify_env, "NOTIFY_SOCKET=@", 15);
	for (i = 0; i < n; i++)
		p->notify_env[15 + i] = sa.sun_path[1 + i];
	p->notify_env[15 + n] = '\0';
	p->notify_fd = fd;
	ev_io_init(&p->notify_io, on_notify, fd, EV_READ);
	ev_io_start(loop_of(s), &p->notify_io);
	return 0;
}

/* ---- fd:N ---- */

static void ready_pipe_close(struct svc *s)
{
	struct svcprobe *p = pr(s);

	ev_io_stop(loop_of(s), &p->ready_io);
	if (p->ready_rd >= 0) {
		loop_io_closing(loop_of(s), p->ready_rd);
		close(p->ready_rd);
	}
	p->ready_rd = -1;
}

static void on_ready_fd(struct ev_loop *loop, ev_io *w, int revents)
{
	struct svcprobe *p = container_of(w, struct svcprobe, ready_io);
	struct svc *s = container_of(p, struct svc, probe);
	char buf[512];
	ssize_t n;

	(void)loop;
	(void)revents;
	n = read(p->ready_rd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0 && memchr(buf, '\n', (size_t)n) == NULL)
		return; /* not a whole line yet */
	ready_pipe_close(s);
	if (n > 0 && s->state == ST_STARTING) {
		log_info("service %s: ready (%s)", s->conf->name,
			 s->conf->ready.text);
		svc_event(s, FE_READY);
	}
	sup_settle(s->sup);
}

/* ---- the service side ---- */

void svcprobe_init(struct svc *s)
{
	struct svcprobe *p = pr(s);

	memset(p, 0, sizeof(*p));
	p->at.fd = -1;
	p->notify_fd = -1;
	p->ready_rd = p->ready_wr = -1;
	ev_init(&p->at.io, on_attempt_io);
	ev_init(&p->at.tmo, on_attempt_timeout);
	ev_init(&p->next, on_next);
	ev_init(&p->ready_io, on_ready_fd);
}

void svcprobe_free(struct svc *s)
{
	struct svcprobe *p = pr(s);

	attempt_cancel(s);
	ready_pipe_close(s);
	if (p->ready_wr >= 0)
		close(p->ready_wr);
	if (p->notify_fd >= 0) {
		ev_io_stop(loop_of(s), &p->notify_io);
		loop_io_closing(loop_of(s), p->notify_fd);
		close(p->notify_fd);
	}
}

int svcprobe_prespawn(struct svc *s, const char **env, int *ready_fd,
		      int *ready_num)
{
	struct svcprobe *p = pr(s);
	const struct probe *rp = &s->conf->ready;
	int fds[2];

	*env = NULL;
	*ready_fd = -1;
	*ready_num = -1;
	p->not_ready = 0;
	if (rp->kind == PROBE_NOTIFY) {
		if (p->notify_fd < 0 && notify_open(s) < 0)
			return -1;
		*env = p->notify_env;
	} else if (rp->kind == PROBE_FD) {
		ready_pipe_close(s);
		if (pipe2(fds, O_CLOEXEC) < 0)
			return -1;
		(void)fcntl(fds[0], F_SETFL, O_NONBLOCK);
		p->ready_rd = fds[0];
		p->ready_wr = fds[1];
		*ready_fd = fds[1];
		*ready_num = rp->fd;
	}
	return 0;
}

void svcprobe_postspawn(struct svc *s, int started)
{
	struct svcprobe *p = pr(s);

	if (p->ready_wr >= 0) {
		close(p->ready_wr);
		p->ready_wr = -1;
	}
	if (p->ready_rd < 0)
		return;
	if (!started) {
		ready_pipe_close(s);
		return;
	}
	ev_io_set(&p->ready_io, p->ready_rd, EV_READ);
	ev_io_start(loop_of(s), &p->ready_io);
}

void svcprobe_state(struct svc *s, enum svc_state before)
{
	struct svcprobe *p = pr(s);
	const struct svc_conf *c = s->conf;

	if (before == s->state)
		return;
	if (before == ST_STARTING || before == ST_RUNNING)
		attempt_cancel(s);
	if (s->state != ST_STARTING)
		ready_pipe_close(s);
	if (s->state == ST_STARTING && c->ready.kind >= PROBE_TCP) {
		/* The first attempt at once; the retries ever slower. */
		p->retry = READY_RETRY_MIN;
		schedule(s, 0.);
	}
	if (s->state == ST_RUNNING && c->health.kind != PROBE_NONE) {
		p->health = HEALTH_STARTING;
		p->health_fails = 0;
		schedule(s, c->health_interval);
	} else if (s->state != ST_RUNNING && p->health != HEALTH_UNHEALTHY) {
		p->health = HEALTH_NONE;
	}
}

const char *svcprobe_health_name(const struct svc *s)
{
	static const char *const names[] = { NULL, "starting", "healthy",
					     "unhealthy" };

	if (s->conf->health.kind == PROBE_NONE)
		return NULL;
	if (s->probe.health == HEALTH_NONE)
		return "starting";
	return names[s->probe.health];
}
