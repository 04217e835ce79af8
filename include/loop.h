/* The event loop: libev's default loop, signals through its signalfd. */
#ifndef TEND_LOOP_H
#define TEND_LOOP_H

#include <ev.h>
#include <sys/types.h>

typedef void (*loop_signal_fn)(int sig, void *ctx);

/*
 * Called first thing in main: blocks every signal tend forwards or acts on,
 * so none is lost (or kills tend) before its watcher runs, and ignores the
 * terminal stop signals (TTIN, TTOU, TSTP), which tend never forwards; a
 * spawned child resets all of them.
 */
void loop_block_signals(void);

/* The default loop with signalfd; exits 1 when libev cannot start. */
struct ev_loop *loop_init(void);

/* One ev_signal watcher for each signal tend forwards; fn gets them all. */
void loop_watch_signals(struct ev_loop *loop, loop_signal_fn fn, void *ctx);

/* Closes the loop's fds; the signals stay blocked (tend is exiting). */
void loop_destroy(struct ev_loop *loop);

#endif
