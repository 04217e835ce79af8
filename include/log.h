/* tend's own messages: "tend: message" lines on stderr. */
#ifndef TEND_LOG_H
#define TEND_LOG_H

#include <stddef.h>
#include <sys/types.h>

enum log_level {
	LOG_LVL_ERROR = 0, /* always shown, even with -q */
	LOG_LVL_WARN = 1,  /* default threshold: shown unless -q */
	LOG_LVL_INFO = 2,  /* -v */
	LOG_LVL_DEBUG = 3, /* -vv */
};

/* Messages above this level are dropped. */
void log_set_level(int level);
int log_get_level(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_errorx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Where tend's lines go instead of a write to stderr (the log multiplexer of
 * config mode); fn gets the message alone, no "tend: ", no newline. NULL:
 * stderr again.
 */
typedef void (*log_sink_fn)(const char *msg, size_t len);
void log_set_sink(log_sink_fn fn);

/* Before the first child runs only: report and exit with code. */
void fatalx(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/*
 * write(2) all of buf to fd, never raising SIGPIPE in tend: a write that
 * fails with EPIPE makes the kernel queue SIGPIPE on the writing thread, and
 * tend forwards every SIGPIPE it reads from its signalfd. The self-made one
 * is taken off the thread's queue here, so only a SIGPIPE that someone sent
 * to tend is forwarded. Returns 0, or -1 with errno.
 */
int write_all_nosigpipe(int fd, const void *buf, size_t len);

#endif
