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

/*
 * Call between ev_io_stop and close(fd) for an fd that had an ev_io
 * watcher: takes it out of the kernel's epoll set at once. libev leaves
 * it there, counting on close() to drop it; but a child between its
 * fork and its exec holds a copy of every fd of tend, so the pipe or
 * socket stays open and registered, epoll reports it after the close,
 * and libev, taking that for a fork, registers every fd again: one
 * system call each, a stall of 100 ms and more with 5,000 services.
 */
void loop_io_closing(struct ev_loop *loop, int fd);

/* Closes the loop's fds; the signals stay blocked (tend is exiting). */
void loop_destroy(struct ev_loop *loop);

#endif
