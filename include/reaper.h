/* Child exits: one watcher for every child, the owner lookup, orphans. */
#ifndef TEND_REAPER_H
#define TEND_REAPER_H

#include <ev.h>
#include <sys/types.h>

/*
 * Called for every child that ended. Returns 1 when pid was one of the
 * caller's own processes, 0 when nobody started it (an adopted orphan).
 */
typedef int (*reaper_owner_fn)(pid_t pid, int wstatus, void *ctx);

/*
 * Starts the child watcher for pid 0 on the default loop (libev reaps every
 * child, watched or not). after, if not NULL, runs after each reap, once
 * the owner has been told.
 */
void reaper_start(struct ev_loop *loop, reaper_owner_fn owner,
		  void (*after)(void *ctx), void *ctx);

/* Adopted orphans reaped so far. */
unsigned long reaper_orphans(void);

/* 1 when tend still has a child (running or not yet reaped), else 0. */
int reaper_has_children(void);

#endif
