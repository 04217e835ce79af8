/*
 * The log multiplexer of config mode (SPEC §3 "Logs"): a pipe per stream
 * and service, read by the loop, framed into lines, written to tend's
 * stdout/stderr without ever blocking the loop, or to a log file; the
 * recent lines kept for `tendctl log`. When tend's output is slow, the
 * pipes whose lines wait are not read (back-pressure): their services
 * block on write as on a slow terminal, and the loop goes on.
 */
#ifndef TEND_LOGMUX_H
#define TEND_LOGMUX_H

#include <ev.h>
#include <sys/types.h>

#include "conf.h"
#include "logfmt.h"
#include "logring.h"

struct logsrc;
struct logfile;

/* The output side of one service; lives as long as the service. */
struct svclog {
	char name[CONF_NAME_MAX + 1];
	enum svc_log mode;
	struct logring ring;	    /* recent lines (piped modes only) */
	struct logfile *file;	    /* file:PATH */
	struct logsrc *srcs;	    /* pipes still open: this run's, and earlier
				    ones that a leftover process holds */
	int pend_rd[2], pend_wr[2]; /* pipes made for a spawn under way */
	unsigned long dropped;	    /* lines that could not be written */
};

/* Called for every line of a piped service (tendctl log -f). */
typedef void (*logmux_follow_fn)(void *ctx, const struct svclog *lg,
				 const struct logfmt_line *l);

/*
 * From now on service output and tend's own lines go through the mux,
 * formatted as fmt (enum log_format). Opens tend's own descriptions of
 * stdout and stderr for non-blocking writes: the fds 1 and 2 that
 * children share are never changed.
 */
void logmux_start(struct ev_loop *loop, int fmt, int timestamps);

/* A reload: the new log-format and log-timestamps. */
void logmux_set_format(int fmt, int timestamps);

/*
 * shared: some process writes to tend's stdout/stderr itself (an inherit
 * service, the main command of both mode), so tend writes at most
 * PIPE_BUF bytes at once, whole lines, that never mix with its writes;
 * else larger writes (fewer wakeups for the reader).
 */
void logmux_set_shared(int shared);

void logmux_set_follow(logmux_follow_fn fn, void *ctx);

/*
 * tend is exiting: everything queued is written, waiting for a slow
 * reader as long as it takes at least one byte a second; then tend's own
 * lines go straight to stderr again.
 */
void logmux_finish(void);

/* Lines dropped that no service is charged with (tend's own, say). */
unsigned long logmux_dropped(void);

void svclog_init(struct svclog *lg, const struct svc_conf *c,
		 size_t ring_limit);

/* In-place changes of a reload: ring size, file size and count. */
void svclog_update(struct svclog *lg, const struct svc_conf *c,
		   size_t ring_limit);

/*
 * Before a spawn: the fds the child is to get as its stdout and stderr
 * (-1: tend's own, for inherit). Pipes are owned by uid/gid when given, so
 * a service can reopen /dev/stdout. Returns 0, or -1 with errno.
 */
int svclog_open(struct svclog *lg, uid_t uid, gid_t gid, int child_fds[2]);

/*
 * After the spawn: the child's ends are closed in tend; when it ran
 * (started, 1), the read ends are watched; else they are closed.
 */
void svclog_opened(struct svclog *lg, int started);

/*
 * The run's process ended: what it wrote is in the pipes, and is read now,
 * so that it comes before the next run's lines; a pipe that a leftover
 * process still holds stays watched.
 */
void svclog_run_ended(struct svclog *lg);

/* The service leaves the table: last lines read, everything closed. */
void svclog_free(struct svclog *lg);

/* 1 when the service's output is kept for `tendctl log`. */
int svclog_kept(const struct svclog *lg);

#endif
