/*
 * A config loaded off the loop. conf_load reads files (the config, its
 * include-dir, env files, /etc/passwd) and parses them; for a large config
 * or a slow filesystem that takes longer than the loop may wait (SPEC: 100
 * ms). So a reload runs conf_load in a thread of its own, and the result
 * comes back to the loop through an ev_async. One load at a time
 * (libconfuse keeps global state); the thread touches nothing but the
 * load's own data. When no thread can be made (a pids limit counts
 * threads), the load runs in the loop instead: slower to answer, never
 * refused.
 */
#ifndef TEND_CONFLOAD_H
#define TEND_CONFLOAD_H

#include <ev.h>

#include "conf.h"

/*
 * Called in the loop with the loaded config (owned by the callee; NULL
 * when it failed) and its errors (the callee frees them with
 * conf_errors_free).
 */
typedef void (*confload_done_fn)(struct config *c, struct conf_errors *errs,
				 void *ctx);

/* Once, before the first load. */
void confload_init(struct ev_loop *loop, confload_done_fn done, void *ctx);

/*
 * Starts loading path (extra_main as for conf_load; both copied). Returns
 * 0, or -1 when a load is already under way (confload_busy) or out of
 * memory. done is always called later, never from inside this call.
 */
int confload_start(const char *path, const char *extra_main);

/* A load is under way. */
int confload_busy(void);

/*
 * Before the loop is destroyed: a load under way tells it nothing (its
 * result is dropped). At exit, such a load is given up to a second to end
 * (its thread would otherwise be cut off inside libconfuse while exit()
 * flushes stdio).
 */
void confload_abandon(void);

#endif
