#include "logmux.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "logline.h"
#include "util.h"

/*
 * Queued bytes of a sink above which the pipes feeding it are no longer
 * read, and below which they are read again.
 */
#define SINK_HIGH (256u << 10)
#define SINK_LOW  (64u << 10)
/* tend's own lines are never paused; past this they are dropped. */
#define SINK_OWN_MAX (4u << 20)
#define READ_CHUNK   65536
/* What a read at the end of a run may take from one pipe. */
#define DRAIN_MAX (1u << 20)
/* A log file that could not be opened is tried again after this. */
#define FILE_RETRY 1.0

/*
 * A write fault is one episode, reported once, until writes have gone
 * through for this long since its last failure: a nearly full disk that
 * takes one line in two is not reported at every line.
 */
#define FAULT_QUIET 5.0

struct fault {
	int on;
	double last;	     /* ev_now() of its last failure */
	unsigned long drops; /* lines lost during the episode */
};

/* A failure that lost n lines: 1 when it starts an episode (report it). */
static int fault_fail(struct fault *f, double now, unsigned long n)
{
	int start = !f->on;

	if (start)
		f->drops = 0;
	f->on = 1;
	f->last = now;
	f->drops += n;
	return start;
}

/* A write went through: 1 when that ends the episode (report it). */
static int fault_ok(struct fault *f, double now)
{
	if (!f->on || now - f->last < FAULT_QUIET)
		return 0;
	f->on = 0;
	return 1;
}

enum sink_how {
	SINK_ASYNC,  /* tend's own non-blocking description of a pipe or tty */
	SINK_SOCKET, /* a socket: send(MSG_DONTWAIT), the fd itself */
	SINK_DIRECT, /* a file or /dev/null: writes never wait on a reader */
	SINK_POLLED, /* no description of its own: poll before each write */
};

/* tend's stdout or stderr. */
struct sink {
	const char *name;
	int fd, own_fd;
	enum sink_how how;
	size_t chunk; /* the most one write takes (PIPE_BUF: atomic) */
	int is_pipe;  /* a pipe or a terminal that others may write to */
	struct jbuf q;
	size_t off; /* q.s[off .. q.len) is still to be written */
	ev_io wio;
	int can_watch; /* epoll takes the fd */
	int busy;      /* inside sink_write: lines logged meanwhile wait */
	int broken;    /* EPIPE: its lines are dropped from now on */
	struct fault fault;
	struct logsrc *waiters; /* pipes paused until q drains */
};

/* One pipe of one run. */
struct logsrc {
	ev_io rio;
	int fd;
	enum log_stream stream;
	struct logline fr;
	struct svclog *lg;
	struct logsrc *next;  /* in lg->srcs */
	struct logsrc *wnext; /* in a sink's waiters */
	int waiting;
};

struct logfile {
	char *path;
	int fd;
	long long size, max;
	int keep;
	struct jbuf batch; /* this read's lines, written at once */
	int open_stream;   /* a piece of its line is still to come; -1: none */
	struct fault fault;
	double retry_at;
};

static struct {
	struct ev_loop *loop;
	int active;
	int fmt, timestamps;
	struct sink sinks[2];
	struct sink
		*out[2]; /* out[stream]; both the same sink when 1 and 2 are */
	logmux_follow_fn follow;
	void *follow_ctx;
	unsigned long dropped; /* charged to no service */
	char rbuf[READ_CHUNK];
} mux;

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned long count_lines(const char *s, size_t n)
{
	unsigned long k = 0;
	const char *p;

	while (n > 0 && (p = memchr(s, '\n', n)) != NULL) {
		k++;
		n -= (size_t)(p + 1 - s);
		s = p + 1;
	}
	return k;
}

static size_t sink_pending(const struct sink *k)
{
	return k->q.len - k->off;
}

/* ---- tend's stdout and stderr ---- */

static void sink_write(struct sink *k);

static void on_writable(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	sink_write(container_of(w, struct sink, wio));
}

/*
 * Its own open file description when fd is a pipe or a terminal: O_NONBLOCK
 * set there leaves the one that children share (and their writes) alone.
 */
static void sink_open(struct sink *k, const char *name, int fd)
{
	struct stat st;
	int nfd;
	char path[32];

	memset(k, 0, sizeof(*k));
	k->name = name;
	k->fd = fd;
	k->own_fd = 0;
	k->chunk = READ_CHUNK;
	jb_init(&k->q);
	k->how = SINK_DIRECT;
	if (fstat(fd, &st) < 0) {
		k->broken = 1;
		return;
	}
	if (S_ISSOCK(st.st_mode)) {
		k->how = SINK_SOCKET;
	} else if (S_ISFIFO(st.st_mode) ||
		   (S_ISCHR(st.st_mode) && isatty(fd))) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		nfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (nfd >= 0) {
			k->fd = nfd;
			k->own_fd = 1;
			k->how = SINK_ASYNC;
		} else {
			k->how = SINK_POLLED;
		}
		/* A write of up to PIPE_BUF bytes is never mixed with another's. */
		k->chunk = PIPE_BUF;
		k->is_pipe = 1;
	}
	if (k->how != SINK_DIRECT) {
		ev_io_init(&k->wio, on_writable, k->fd, EV_WRITE);
		k->can_watch = 1;
	}
}

static void sink_resume_waiters(struct sink *k)
{
	struct logsrc *s;

	while ((s = k->waiters) != NULL) {
		k->waiters = s->wnext;
		s->wnext = NULL;
		s->waiting = 0;
		ev_io_start(mux.loop, &s->rio);
	}
}

static void sink_drop_queue(struct sink *k)
{
	mux.dropped += count_lines(k->q.s + k->off, sink_pending(k));
	k->q.len = 0;
	k->off = 0;
}

/* How much of the queue one write takes: whole lines, up to chunk bytes. */
static size_t sink_next(const struct sink *k)
{
	const char *p = k->q.s + k->off, *nl;
	size_t n = sink_pending(k);

	if (n <= k->chunk)
		return n;
	nl = memrchr(p, '\n', k->chunk);
	if (nl != NULL)
		return (size_t)(nl + 1 - p);
	/* A line longer than a chunk: the rest of it. */
	nl = memchr(p + k->chunk, '\n', n - k->chunk);
	n = nl != NULL ? (size_t)(nl + 1 - p) : n;
	return n < READ_CHUNK ? n : READ_CHUNK;
}

static ssize_t sink_write1(struct sink *k, const char *p, size_t n)
{
	struct pollfd pfd;

	switch (k->how) {
	case SINK_SOCKET:
		return send(k->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	case SINK_POLLED:
		pfd.fd = k->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 0) == 0) {
			errno = EAGAIN;
			return -1;
		}
		return write(k->fd, p, n);
	default:
		return write(k->fd, p, n);
	}
}

static void drain_own_sigpipe(void)
{
	sigset_t set;
	struct timespec zero = { 0, 0 };

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	(void)sigtimedwait(&set, NULL, &zero);
}

/* Writes what it can now; the rest when the fd is writable again. */
static void sink_write(struct sink *k)
{
	if (k->busy)
		return;
	k->busy = 1;
	while (sink_pending(k) > 0) {
		size_t n = sink_next(k);
		ssize_t w = sink_write1(k, k->q.s + k->off, n);
		int err = errno;
		unsigned long lost;

		if (w >= 0) {
			k->off += (size_t)w;
			if (fault_ok(&k->fault, ev_now(mux.loop)))
				log_warnx(
					"%s: writing again (%lu lines dropped)",
					k->name, k->fault.drops);
			continue;
		}
		if (err == EINTR)
			continue;
		if (err == EAGAIN) {
			if (k->can_watch)
				ev_io_start(mux.loop, &k->wio);
			break;
		}
		if (err == EPIPE) {
			drain_own_sigpipe();
			k->broken = 1;
			sink_drop_queue(k);
			/* Queued behind busy when k is also stderr: dropped. */
			log_warnx(
				"%s: %s: output to it is dropped from now on, and counted",
				k->name, strerror(err));
			break;
		}
		/* EIO, ENOSPC...: these lines are lost; the next ones are tried. */
		lost = count_lines(k->q.s + k->off, n);
		mux.dropped += lost;
		k->off += n;
		/* When k is stderr too, this line waits in k's queue. */
		if (fault_fail(&k->fault, ev_now(mux.loop), lost))
			log_warnx(
				"%s: %s: lines are dropped until it can be written again",
				k->name, strerror(err));
	}
	if (sink_pending(k) == 0) {
		k->q.len = 0;
		k->off = 0;
		if (k->can_watch)
			ev_io_stop(mux.loop, &k->wio);
	} else if (k->off >= SINK_HIGH) {
		memmove(k->q.s, k->q.s + k->off, sink_pending(k));
		k->q.len -= k->off;
		k->off = 0;
	}
	if (sink_pending(k) < SINK_LOW)
		sink_resume_waiters(k);
	k->busy = 0;
}

/* Appends l to k's queue; 1 when queued, 0 when dropped. */
static int sink_put(struct sink *k, const struct logfmt_line *l)
{
	size_t before = k->q.len;

	if (k->broken)
		return 0;
	k->q.first = 1;
	logfmt_append(&k->q, (enum log_format)mux.fmt, mux.timestamps, l);
	if (k->q.oom) {
		k->q.oom = 0;
		k->q.len = before;
		return 0;
	}
	return 1;
}

/* ---- tend's own lines ---- */

static void own_line(const char *msg, size_t len)
{
	struct sink *k = mux.out[LOG_STDERR];
	struct logfmt_line l;

	memset(&l, 0, sizeof(l));
	l.service = "tend";
	l.own = 1;
	l.stream = LOG_STDERR;
	l.msg = msg;
	l.len = len;
	l.ts_ms = wall_ms();
	if (sink_pending(k) > SINK_OWN_MAX || !sink_put(k, &l)) {
		mux.dropped++;
		return;
	}
	sink_write(k);
}

/* ---- log files ---- */

static void file_close(struct logfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

static void file_free(struct logfile *f)
{
	if (f == NULL)
		return;
	file_close(f);
	jb_free(&f->batch);
	free(f->path);
	free(f);
}

/* n lines of lg could not be written to its file. */
static void file_fault(struct svclog *lg, const char *what, int err,
		       unsigned long n)
{
	struct logfile *f = lg->file;

	lg->dropped += n;
	if (!fault_fail(&f->fault, ev_now(mux.loop), n))
		return;
	log_warnx(
		"service %s: log file %s: %s: %s; its lines are dropped until it can be written",
		lg->name, f->path, what, strerror(err));
}

static int file_ensure_open(struct svclog *lg)
{
	struct logfile *f = lg->file;
	struct stat st;
	double now = ev_now(mux.loop);

	if (f->fd >= 0)
		return 0;
	if (now < f->retry_at)
		return -1;
	f->fd = open(f->path,
		     O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY |
			     O_NONBLOCK,
		     0640);
	if (f->fd < 0) {
		f->retry_at = now + FILE_RETRY;
		file_fault(lg, "cannot open", errno, 0);
		return -1;
	}
	f->size = fstat(f->fd, &st) == 0 ? (long long)st.st_size : 0;
	return 0;
}

/* PATH.N-1 -> PATH.N ... PATH -> PATH.1, then a new PATH. */
static void file_rotate(struct svclog *lg)
{
	struct logfile *f = lg->file;
	size_t n = strlen(f->path) + 16;
	char *from = malloc(n), *to = malloc(n);
	int i, bad = 0;

	file_close(f);
	if (from == NULL || to == NULL) {
		bad = ENOMEM;
	} else if (f->keep == 0) {
		if (unlink(f->path) < 0 && errno != ENOENT)
			bad = errno;
	} else {
		for (i = f->keep - 1; i >= 1; i--) {
			snprintf(from, n, "%s.%d", f->path, i);
			snprintf(to, n, "%s.%d", f->path, i + 1);
			if (rename(from, to) < 0 && errno != ENOENT)
				bad = errno;
		}
		snprintf(to, n, "%s.1", f->path);
		if (rename(f->path, to) < 0 && errno != ENOENT)
			bad = errno;
	}
	free(from);
	free(to);
	if (bad != 0)
		log_warnx("service %s: log file %s: cannot rotate: %s",
			  lg->name, f->path, strerror(bad));
	f->retry_at = 0;
	(void)file_ensure_open(lg);
}

/* Writes n bytes of the batch; what cannot be written is counted. */
static void file_write(struct svclog *lg, const char *p, size_t n)
{
	struct logfile *f = lg->file;
	size_t done = 0;
	ssize_t w;
	int err = 0;

	if (n == 0)
		return;
	if (file_ensure_open(lg) < 0) {
		file_fault(lg, "cannot open", errno, count_lines(p, n));
		return;
	}
	while (done < n) {
		w = write(f->fd, p + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? errno : ENOSPC;
			break;
		}
		done += (size_t)w;
	}
	if (err != 0) {
		/* No half line is left behind in the file. */
		/* The whole lines that went in stay; no half line is left. */
		const char *nl = done > 0 ? memrchr(p, '\n', done) : NULL;
		size_t keep = nl != NULL ? (size_t)(nl + 1 - p) : 0;

		if (done > keep &&
		    ftruncate(f->fd, (off_t)(f->size + (long long)keep)) < 0)
			keep = done;
		f->size += (long long)keep;
		file_fault(lg, "cannot write", err,
			   count_lines(p + keep, n - keep));
		return;
	}
	f->size += (long long)n;
	if (fault_ok(&f->fault, ev_now(mux.loop)))
		log_warnx(
			"service %s: log file %s: writing again (%lu lines dropped)",
			lg->name, f->path, f->fault.drops);
}

static void file_flush(struct svclog *lg)
{
	struct logfile *f = lg->file;

	file_write(lg, f->batch.s, f->batch.len);
	f->batch.len = 0;
}

static void file_put(struct svclog *lg, const struct logfmt_line *l)
{
	struct logfile *f = lg->file;
	size_t before;

	/*
	 * A line of the other stream while a long line waits for its next
	 * piece: that line is ended here rather than mixed with it.
	 */
	if (f->open_stream >= 0 && f->open_stream != (int)l->stream)
		jb_raw(&f->batch, "\n", 1);
	f->open_stream = l->flags & LOGLINE_MORE ? (int)l->stream : -1;
	before = f->batch.len;
	logfmt_append(&f->batch, LOGFMT_FILE, mux.timestamps, l);
	if (f->batch.oom) {
		f->batch.oom = 0;
		f->batch.len = before;
		lg->dropped++;
		return;
	}
	if (f->fd < 0)
		(void)file_ensure_open(lg);
	/* Rotate before a line (never inside one) that would pass the size. */
	if (!(l->flags & LOGLINE_CONT) && f->fd >= 0 &&
	    f->size + (long long)f->batch.len > f->max &&
	    f->size + (long long)before > 0) {
		file_write(lg, f->batch.s, before);
		memmove(f->batch.s, f->batch.s + before, f->batch.len - before);
		f->batch.len -= before;
		file_rotate(lg);
	}
}

/* ---- service pipes ---- */

struct read_ctx {
	struct logsrc *src;
	int64_t ts;
};

static void on_line(void *ctx, const char *msg, size_t len, int flags)
{
	struct read_ctx *rc = ctx;
	struct svclog *lg = rc->src->lg;
	struct logfmt_line l;

	l.service = lg->name;
	l.own = 0;
	l.stream = rc->src->stream;
	l.msg = msg;
	l.len = len;
	l.flags = flags;
	l.ts_ms = rc->ts;
	(void)logring_push(&lg->ring, l.ts_ms, (int)l.stream, flags, msg, len);
	if (mux.follow != NULL)
		mux.follow(mux.follow_ctx, lg, &l);
	if (lg->mode == SVC_LOG_FILE && lg->file != NULL)
		file_put(lg, &l);
	else if (!sink_put(mux.out[l.stream], &l))
		lg->dropped++;
}

/* Closes and frees s, one of lg's pipes. */
static void src_close(struct svclog *lg, struct logsrc *s)
{
	struct logsrc **pp;
	struct read_ctx rc = { s, wall_ms() };
	int i;

	logline_flush(&s->fr, on_line, &rc);
	logline_free(&s->fr);
	ev_io_stop(mux.loop, &s->rio);
	loop_io_closing(mux.loop, s->fd);
	close(s->fd);
	for (pp = &lg->srcs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	if (s->waiting)
		for (i = 0; i < 2; i++)
			for (pp = &mux.sinks[i].waiters; *pp != NULL;
			     pp = &(*pp)->wnext)
				if (*pp == s) {
					*pp = s->wnext;
					break;
				}
	free(s);
}

/* After lines were added: the sink or the file is written. */
static void src_output(struct svclog *lg, enum log_stream stream)
{
	if (lg->mode == SVC_LOG_FILE && lg->file != NULL)
		file_flush(lg);
	else
		sink_write(mux.out[stream]);
}

/*
 * One read of s, one of lg's pipes; returns 1 when the pipe was closed (s
 * is freed), else 0.
 */
static int src_read(struct svclog *lg, struct logsrc *s)
{
	struct read_ctx rc;
	enum log_stream stream = s->stream;
	ssize_t n;

	do
		n = read(s->fd, mux.rbuf, sizeof(mux.rbuf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n <= 0) {
		src_close(lg, s);
		src_output(lg, stream);
		return 1;
	}
	rc.src = s;
	rc.ts = wall_ms();
	logline_feed(&s->fr, mux.rbuf, (size_t)n, on_line, &rc);
	src_output(lg, stream);
	return (size_t)n < sizeof(mux.rbuf) ? -1 : 0;
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct logsrc *s = container_of(w, struct logsrc, rio);
	struct sink *k = mux.out[s->stream];

	(void)revents;
	if (s->lg->mode != SVC_LOG_FILE && !k->broken &&
	    sink_pending(k) >= SINK_HIGH) {
		/* Back-pressure: read again once the sink has drained. */
		ev_io_stop(loop, &s->rio);
		s->waiting = 1;
		s->wnext = k->waiters;
		k->waiters = s;
		return;
	}
	(void)src_read(s->lg, s);
}

/* Reads what is in s now (up to DRAIN_MAX); 1 when it was closed. */
static int src_drain(struct svclog *lg, struct logsrc *s)
{
	size_t taken = 0;
	int r;

	while (taken < DRAIN_MAX) {
		r = src_read(lg, s);
		if (r != 0)
			return r == 1;
		taken += sizeof(mux.rbuf);
	}
	return 0;
}

/* ---- the service side ---- */

void svclog_init(struct svclog *lg, const struct svc_conf *c, size_t ring_limit)
{
	memset(lg, 0, sizeof(*lg));
	snprintf(lg->name, sizeof(lg->name), "%s", c->name);
	lg->pend_rd[0] = lg->pend_rd[1] = -1;
	lg->pend_wr[0] = lg->pend_wr[1] = -1;
	logring_init(&lg->ring, 0);
	svclog_update(lg, c, ring_limit);
}

void svclog_update(struct svclog *lg, const struct svc_conf *c,
		   size_t ring_limit)
{
	struct logfile *f = lg->file;

	lg->mode = c->log;
	logring_set_limit(&lg->ring, svclog_kept(lg) ? ring_limit : 0);
	if (f != NULL && (c->log != SVC_LOG_FILE || c->log_path == NULL ||
			  strcmp(c->log_path, f->path) != 0)) {
		file_free(f);
		lg->file = f = NULL;
	}
	if (c->log == SVC_LOG_FILE && c->log_path != NULL && f == NULL) {
		f = calloc(1, sizeof(*f));
		if (f != NULL && (f->path = strdup(c->log_path)) == NULL) {
			free(f);
			f = NULL;
		}
		if (f == NULL) {
			/* Its lines go to tend's output rather than nowhere. */
			log_warnx("service %s: out of memory for its log file",
				  lg->name);
			lg->mode = SVC_LOG_FORMAT;
			return;
		}
		f->fd = -1;
		f->open_stream = -1;
		jb_init(&f->batch);
		lg->file = f;
	}
	if (f != NULL) {
		f->max = c->log_max_size;
		f->keep = c->log_keep;
	}
}

int svclog_kept(const struct svclog *lg)
{
	return lg->mode == SVC_LOG_FORMAT || lg->mode == SVC_LOG_FILE;
}

static void close_pending(struct svclog *lg)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (lg->pend_rd[i] >= 0)
			close(lg->pend_rd[i]);
		if (lg->pend_wr[i] >= 0)
			close(lg->pend_wr[i]);
		lg->pend_rd[i] = lg->pend_wr[i] = -1;
	}
}

int svclog_open(struct svclog *lg, uid_t uid, gid_t gid, int child_fds[2])
{
	int i, p[2], saved;

	child_fds[0] = child_fds[1] = -1;
	if (!mux.active || lg->mode == SVC_LOG_INHERIT)
		return 0;
	if (lg->mode == SVC_LOG_NULL) {
		int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (fd < 0)
			return -1;
		lg->pend_wr[0] = fd;
		child_fds[0] = child_fds[1] = fd;
		return 0;
	}
	for (i = 0; i < 2; i++) {
		if (pipe2(p, O_CLOEXEC) < 0)
			goto fail;
		lg->pend_rd[i] = p[0];
		lg->pend_wr[i] = p[1];
		(void)fcntl(p[0], F_SETFL, O_NONBLOCK);
		/* So that a service that changed user can reopen /dev/stdout. */
		if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
		    fchown(p[1], uid, gid) < 0)
			log_debug("service %s: chown of its pipe failed",
				  lg->name);
		child_fds[i] = p[1];
	}
	return 0;
fail:
	saved = errno;
	close_pending(lg);
	errno = saved;
	return -1;
}

void svclog_opened(struct svclog *lg, int started)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct logsrc *s;

		if (lg->pend_wr[i] >= 0)
			close(lg->pend_wr[i]);
		lg->pend_wr[i] = -1;
		if (lg->pend_rd[i] < 0)
			continue;
		s = started ? calloc(1, sizeof(*s)) : NULL;
		if (s == NULL) {
			if (started)
				log_warnx(
					"service %s: out of memory: its %s is not read",
					lg->name, i == 0 ? "stdout" : "stderr");
			close(lg->pend_rd[i]);
			lg->pend_rd[i] = -1;
			continue;
		}
		s->fd = lg->pend_rd[i];
		lg->pend_rd[i] = -1;
		s->stream = i == 0 ? LOG_STDOUT : LOG_STDERR;
		s->lg = lg;
		logline_init(&s->fr);
		ev_io_init(&s->rio, on_readable, s->fd, EV_READ);
		ev_io_start(mux.loop, &s->rio);
		s->next = lg->srcs;
		lg->srcs = s;
	}
}

/* Drains the pipes from s on, the oldest (the list's end) first. */
static void drain_oldest_first(struct svclog *lg, struct logsrc *s)
{
	if (s == NULL)
		return;
	drain_oldest_first(lg,
			   s->next); /* a few pipes: this run's, leftovers' */
	(void)src_drain(lg, s);
}

void svclog_run_ended(struct svclog *lg)
{
	/* srcs holds the newest pipes first: an earlier run's lines go first. */
	drain_oldest_first(lg, lg->srcs);
}

void svclog_free(struct svclog *lg)
{
	svclog_run_ended(lg);
	while (lg->srcs != NULL) {
		enum log_stream stream = lg->srcs->stream;

		src_close(lg, lg->srcs);
		src_output(lg, stream);
	}
	close_pending(lg);
	file_free(lg->file);
	lg->file = NULL;
	logring_free(&lg->ring);
}

/* ---- the mux ---- */

static int same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

void logmux_start(struct ev_loop *loop, int fmt, int timestamps)
{
	mux.loop = loop;
	mux.fmt = fmt;
	mux.timestamps = timestamps;
	sink_open(&mux.sinks[0], "stdout", STDOUT_FILENO);
	mux.out[LOG_STDOUT] = &mux.sinks[0];
	/* One queue when both are one pipe: stdout and stderr lines keep their order. */
	if (same_file(STDOUT_FILENO, STDERR_FILENO)) {
		mux.out[LOG_STDERR] = &mux.sinks[0];
		mux.sinks[1].fd = -1;
	} else {
		sink_open(&mux.sinks[1], "stderr", STDERR_FILENO);
		mux.out[LOG_STDERR] = &mux.sinks[1];
	}
	mux.active = 1;
	log_set_sink(own_line);
}

void logmux_set_format(int fmt, int timestamps)
{
	mux.fmt = fmt;
	mux.timestamps = timestamps;
}

void logmux_set_shared(int shared)
{
	int i;

	for (i = 0; i < 2; i++)
		if (mux.sinks[i].is_pipe)
			mux.sinks[i].chunk = shared ? PIPE_BUF : READ_CHUNK;
}

void logmux_set_follow(logmux_follow_fn fn, void *ctx)
{
	mux.follow = fn;
	mux.follow_ctx = ctx;
}

unsigned long logmux_dropped(void)
{
	return mux.dropped;
}

/* Blocks until k is written, while its reader takes a byte a second. */
static void sink_finish(struct sink *k)
{
	struct pollfd pfd;

	while (sink_pending(k) > 0 && !k->broken) {
		size_t before = sink_pending(k);

		sink_write(k);
		if (sink_pending(k) == 0 || k->broken)
			break;
		if (sink_pending(k) < before)
			continue;
		pfd.fd = k->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 1000) <= 0) {
			sink_drop_queue(k);
			break;
		}
	}
	if (k->can_watch)
		ev_io_stop(mux.loop, &k->wio);
	if (k->own_fd) {
		loop_io_closing(mux.loop, k->fd);
		close(k->fd);
	}
	jb_free(&k->q);
}

void logmux_finish(void)
{
	int i;

	if (!mux.active)
		return;
	log_set_sink(NULL);
	mux.active = 0;
	for (i = 0; i < 2; i++)
		if (mux.sinks[i].fd >= 0)
			sink_finish(&mux.sinks[i]);
}
