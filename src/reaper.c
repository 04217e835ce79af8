#include "reaper.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include "exitcode.h"
#include "log.h"
#include "signames.h"

static struct {
	ev_child w;
	reaper_owner_fn owner;
	void (*after)(void *ctx);
	void *ctx;
	unsigned long orphans;
} reaper;

static void on_child(struct ev_loop *loop, ev_child *w, int revents)
{
	(void)loop;
	(void)revents;
	if (reaper.owner(w->rpid, w->rstatus, reaper.ctx) == 0) {
		reaper.orphans++;
		log_debug("reaped orphan %d (exit code %d)", (int)w->rpid,
			  exitcode_from_wait(w->rstatus));
	}
	if (reaper.after != NULL)
		reaper.after(reaper.ctx);
}

void reaper_start(struct ev_loop *loop, reaper_owner_fn owner,
		  void (*after)(void *ctx), void *ctx)
{
	reaper.owner = owner;
	reaper.after = after;
	reaper.ctx = ctx;
	ev_child_init(&reaper.w, on_child, 0, 0);
	ev_child_start(loop, &reaper.w);
}

unsigned long reaper_orphans(void)
{
	return reaper.orphans;
}

int reaper_has_children(void)
{
	siginfo_t si;

	si.si_pid = 0;
	/* WNOWAIT: look only; libev's watcher does the reaping. */
	if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno != ECHILD;
	return 1;
}
