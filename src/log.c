#include "log.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_level = LOG_LVL_WARN;
static log_sink_fn log_sink;

void log_set_sink(log_sink_fn fn)
{
	log_sink = fn;
}

void log_set_level(int level)
{
	if (level < LOG_LVL_ERROR)
		level = LOG_LVL_ERROR;
	if (level > LOG_LVL_DEBUG)
		level = LOG_LVL_DEBUG;
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

static void drain_own_sigpipe(void)
{
	sigset_t set;
	struct timespec zero = { 0, 0 };

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	/* Dequeues the thread-directed SIGPIPE first (see log.h). */
	(void)sigtimedwait(&set, NULL, &zero);
}

int write_all_nosigpipe(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			int saved = errno;

			if (saved == EINTR)
				continue;
			if (saved == EPIPE)
				drain_own_sigpipe();
			errno = saved;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One line, one write(2): lines of tend never interleave inside a line. */
static void log_emit(int level, int errnum, const char *fmt, va_list ap)
{
	char buf[1024];
	size_t len;
	int n;

	if (level > log_level)
		return;
	n = snprintf(buf, sizeof(buf), "tend: ");
	len = (size_t)n;
	n = vsnprintf(buf + len, sizeof(buf) - len, fmt, ap);
	if (n < 0)
		return;
	len += (size_t)n;
	if (len > sizeof(buf) - 2)
		len = sizeof(buf) - 2;
	if (errnum != 0) {
		n = snprintf(buf + len, sizeof(buf) - len - 1, ": %s",
			     strerror(errnum));
		if (n > 0)
			len += (size_t)n;
		if (len > sizeof(buf) - 2)
			len = sizeof(buf) - 2;
	}
	if (log_sink != NULL) {
		log_sink(buf + 6, len - 6); /* without "tend: " */
		return;
	}
	buf[len++] = '\n';
	(void)write_all_nosigpipe(STDERR_FILENO, buf, len);
}

#define LOG_BODY(level, errnum)                       \
	do {                                          \
		va_list ap;                           \
		va_start(ap, fmt);                    \
		log_emit((level), (errnum), fmt, ap); \
		va_end(ap);                           \
	} while (0)

void log_warn(const char *fmt, ...)
{
	int saved = errno;

	LOG_BODY(LOG_LVL_WARN, saved);
	errno = saved;
}

void log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_WARN, 0);
}

void log_error(const char *fmt, ...)
{
	int saved = errno;

	LOG_BODY(LOG_LVL_ERROR, saved);
	errno = saved;
}

void log_errorx(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_ERROR, 0);
}

void log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_INFO, 0);
}

void log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_DEBUG, 0);
}

void fatalx(int code, const char *fmt, ...)
{
	log_sink = NULL; /* a queue would not be written before exit */
	LOG_BODY(LOG_LVL_ERROR, 0);
	exit(code);
}
