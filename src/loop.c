#include "loop.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "signames.h"

struct sigwatch {
	ev_signal w;
	loop_signal_fn fn;
	void *ctx;
};

static struct sigwatch sigwatch[NSIG];

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

struct ev_loop *loop_init(void)
{
	struct ev_loop *loop = ev_default_loop(EVFLAG_SIGNALFD);

	if (loop == NULL)
		fatalx(1, "cannot start the event loop (libev)");
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

void loop_destroy(struct ev_loop *loop)
{
	ev_loop_destroy(loop);
}
