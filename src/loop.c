#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "signames.h"

struct sigwatch {
	ev_signal w;
	loop_signal_fn fn;
	void *ctx;
};

static struct sigwatch sigwatch[NSIG];

/* libev's epoll set (it keeps the fd to itself); -1: unknown. */
static int epoll_fd = -1;

void loop_block_signals(void)
{
	struct sigaction sa;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	for (sig = 1; sig < NSIG; sig++)
		if (sig_forwardable(sig) || sig == SIGCHLD)
			sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL);

	/*
	 * Ignored, not caught: a background process that writes to a TOSTOP
	 * terminal with a handler for SIGTTOU would loop on EINTR-restart.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTTIN, &sa, NULL);
	sigaction(SIGTTOU, &sa, NULL);
	sigaction(SIGTSTP, &sa, NULL);
}

/* 1 when fd is an epoll set: removing an fd it does not hold is ENOENT. */
static int is_epoll_set(int fd)
{
	struct epoll_event ev;
	int probe = eventfd(0, EFD_CLOEXEC), yes;

	if (probe < 0)
		return 0;
	memset(&ev, 0, sizeof(ev));
	yes = epoll_ctl(fd, EPOLL_CTL_DEL, probe, &ev) < 0 && errno == ENOENT;
	close(probe);
	return yes;
}

struct ev_loop *loop_init(void)
{
	struct ev_loop *loop;
	int lowest = open("/dev/null", O_RDONLY | O_CLOEXEC);

	/*
	 * The epoll set is the first fd libev opens, so it takes the lowest
	 * free number: found so, and checked, since libev does not tell.
	 */
	if (lowest >= 0)
		close(lowest);
	loop = ev_default_loop(EVFLAG_SIGNALFD);
	if (loop == NULL)
		fatalx(1, "cannot start the event loop (libev)");
	if (lowest >= 0 && ev_backend(loop) == EVBACKEND_EPOLL &&
	    is_epoll_set(lowest))
		epoll_fd = lowest;
	return loop;
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct sigwatch *sw = (struct sigwatch *)w;

	(void)loop;
	(void)revents;
	sw->fn(w->signum, sw->ctx);
}

void loop_watch_signals(struct ev_loop *loop, loop_signal_fn fn, void *ctx)
{
	int sig;

	for (sig = 1; sig < NSIG; sig++) {
		if (!sig_forwardable(sig))
			continue;
		sigwatch[sig].fn = fn;
		sigwatch[sig].ctx = ctx;
		ev_signal_init(&sigwatch[sig].w, on_signal, sig);
		ev_signal_start(loop, &sigwatch[sig].w);
	}
}

void loop_io_closing(struct ev_loop *loop, int fd)
{
	struct epoll_event ev;

	(void)loop;
	if (epoll_fd < 0 || fd < 0)
		return;
	memset(&ev, 0, sizeof(ev));
	/*
	 * ENOENT: not registered (libev registers at the next turn).
	 * EBADF or EINVAL: libev made a new set after all (its fd number
	 * changed): this is only an optimisation, given up.
	 */
	if (epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, &ev) < 0 &&
	    (errno == EBADF || errno == EINVAL))
		epoll_fd = -1;
}

void loop_destroy(struct ev_loop *loop)
{
	epoll_fd = -1;
	ev_loop_destroy(loop);
}
