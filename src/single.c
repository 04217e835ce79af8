#include "single.h"

#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctlsrv.h"
#include "ctlview.h"
#include "exitcode.h"
#include "log.h"
#include "loop.h"
#include "reaper.h"
#include "signames.h"
#include "spawn.h"
#include "stragglers.h"
#include "util.h"

/* Stragglers get this long between SIGTERM and SIGKILL. */
#define STRAGGLER_TIMEOUT 2.0
/* After SIGKILL, how long a process in uninterruptible sleep may hold us. */
#define STUCK_TIMEOUT 1.0

enum single_phase {
	PH_RUNNING,   /* the command runs; signals are forwarded to it */
	PH_TERM_SENT, /* it ended; stragglers got SIGTERM */
	PH_KILL_SENT, /* stragglers got SIGKILL; waiting for the last reap */
};

struct single {
	struct ev_loop *loop;
	const struct args *args;
	int pid1;
	pid_t child;
	enum single_phase phase;
	int child_done;
	int wstatus;
	int exit_code;
	ev_timer timer;
	struct ctlsrv *ctl; /* with -S only */
	double started;	    /* ev_time() of tend's start */
	double child_started;
};

static void on_signal(int sig, void *ctx);

/*
 * The command as the one service "main" of status, check, metrics and
 * events (single mode has a control socket only with -S).
 */
static struct ctl_view single_view(const struct single *s)
{
	struct ctl_view v;
	int ok = s->child_done && WIFEXITED(s->wstatus) &&
		 WEXITSTATUS(s->wstatus) == 0;

	memset(&v, 0, sizeof(v));
	v.name = "main";
	v.state = !s->child_done ? "running" : ok ? "done" : "failed";
	v.pid = s->child_done ? 0 : s->child;
	v.uptime = ev_now(s->loop) - s->child_started;
	v.starts = 1;
	v.ready = !s->child_done;
	v.has_exit = s->child_done;
	v.wstatus = s->wstatus;
	v.main = 1;
	v.wanted = 1;
	return v;
}

static enum ctl_status single_ctl(void *ctx, const struct ctl_request *req,
				  struct jbuf *b, struct ctlsrv_stream *stream)
{
	struct single *s = ctx;
	struct ctl_view v = single_view(s);
	struct ctl_top top;
	size_t i, first = req->cmd == CTL_SIGNAL ? 1 : 0;
	int sig;

	switch (req->cmd) {
	case CTL_START:
	case CTL_STOP:
	case CTL_RESTART:
	case CTL_RELOAD:
		return ctlview_error(
			b, CTL_BAD_REQUEST,
			"single-command mode: nothing to start, stop, restart or reload");
	case CTL_LOG:
		if (strcmp(req->args[0], "main") != 0)
			break; /* unknown below */
		return ctlview_error(
			b, CTL_FAILED,
			"service main: output is not kept (single-command mode: log = inherit)");
	default:
		break;
	}
	for (i = first; i < (req->cmd == CTL_LOG ? 1 : req->nargs); i++)
		if (strcmp(req->args[i], "main") != 0) {
			char err[300];

			snprintf(
				err, sizeof(err),
				"unknown service '%s' (single-command mode: only 'main')",
				req->args[i]);
			return ctlview_error(b, CTL_UNKNOWN_SERVICE, err);
		}
	memset(&top, 0, sizeof(top));
	top.uptime = ev_time() - s->started;
	top.orphans = reaper_orphans();
	top.shutting_down = s->child_done;
	switch (req->cmd) {
	case CTL_STATUS:
		ctlview_status(b, &top, &v, 1);
		return CTL_OK;
	case CTL_CHECK:
		ctlview_check(b, &v, 1, 0, s->child_done);
		return CTL_OK;
	case CTL_METRICS:
		ctlview_metrics(b, &top, &v, 1);
		return CTL_OK;
	case CTL_EVENTS:
		stream->kind = CTLSRV_EVENTS;
		return CTL_OK;
	case CTL_SIGNAL:
	case CTL_SHUTDOWN:
		sig = req->cmd == CTL_SHUTDOWN ? SIGTERM
					       : sig_parse(req->args[0]);
		if (sig < 0)
			return ctlview_error(b, CTL_BAD_REQUEST,
					     "unknown signal");
		/* shutdown is SIGTERM to tend, which single mode forwards. */
		on_signal(sig, s);
		if (req->cmd == CTL_SHUTDOWN) {
			jb_obj_begin(b);
			jb_obj_end(b);
		} else {
			ctlview_brief(b, &v, 1);
		}
		return CTL_OK;
	default:
		return ctlview_error(
			b, CTL_BAD_REQUEST,
			"single-command mode: nothing to start, stop, restart or reload");
	}
}

static void finish(struct single *s)
{
	ev_timer_stop(s->loop, &s->timer);
	ev_break(s->loop, EVBREAK_ALL);
}

static void on_signal(int sig, void *ctx)
{
	struct single *s = ctx;
	char name[16];
	pid_t target;

	sig_name(sig, name, sizeof(name));
	if (s->child_done) {
		log_debug("%s received after the command ended: not forwarded",
			  name);
		return;
	}
	target = s->args->group ? -s->child : s->child;
	log_debug("forwarding %s to %s %d", name,
		  s->args->group ? "process group" : "pid", (int)s->child);
	if (kill(target, sig) < 0 && errno != ESRCH)
		log_warn("forwarding %s to %d", name, (int)target);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct single *s = container_of(w, struct single, timer);

	(void)loop;
	(void)revents;
	if (s->phase == PH_TERM_SENT) {
		log_info("stragglers still running after %.0f s: sending KILL",
			 STRAGGLER_TIMEOUT);
		stragglers_signal(SIGKILL, s->pid1);
		s->phase = PH_KILL_SENT;
		ev_timer_set(&s->timer, STUCK_TIMEOUT, 0.);
		ev_timer_start(s->loop, &s->timer);
		return;
	}
	stragglers_report();
	log_errorx("exiting with processes that cannot be reaped");
	finish(s);
}

static int owner(pid_t pid, int wstatus, void *ctx)
{
	struct single *s = ctx;

	if (s->child_done || pid != s->child)
		return 0;
	s->child_done = 1;
	s->wstatus = wstatus;
	if (ctlsrv_has_subscribers(s->ctl)) {
		struct ctl_view v = single_view(s);
		struct jbuf b;

		jb_init(&b);
		ctlview_event(&b, ev_time(), &v, "running");
		if (!b.oom)
			ctlsrv_broadcast(s->ctl, b.s, b.len);
		jb_free(&b);
	}
	s->exit_code = exitcode_remap(exitcode_from_wait(wstatus),
				      s->args->remap, s->args->nremap);
	if (WIFSIGNALED(wstatus)) {
		char name[16];

		log_info("command (pid %d) killed by %s", (int)pid,
			 sig_name(WTERMSIG(wstatus), name, sizeof(name)));
	} else {
		log_info("command (pid %d) exited with %d", (int)pid,
			 WEXITSTATUS(wstatus));
	}
	return 1;
}

static void after_reap(void *ctx)
{
	struct single *s = ctx;

	if (!s->child_done)
		return;
	if (!reaper_has_children()) {
		log_info("no process left; %lu orphans reaped; exiting with %d",
			 reaper_orphans(), s->exit_code);
		finish(s);
		return;
	}
	if (s->phase == PH_RUNNING) {
		log_info("sending TERM to the remaining processes");
		stragglers_signal(SIGTERM, s->pid1);
		stragglers_signal(SIGCONT, s->pid1);
		s->phase = PH_TERM_SENT;
		ev_timer_set(&s->timer, STRAGGLER_TIMEOUT, 0.);
		ev_timer_start(s->loop, &s->timer);
	}
}

int single_run(const struct args *a)
{
	extern char **environ;
	struct single s;
	struct spawn_req req;
	struct spawn_err se;

	memset(&s, 0, sizeof(s));
	s.args = a;
	s.pid1 = getpid() == 1;
	s.loop = loop_init();
	s.started = ev_time();
	if (a->socket != NULL) {
		struct ctlsrv_access none = { 0, 0, (gid_t)-1, (gid_t)-1 };
		char err[512];

		s.ctl = ctlsrv_open(s.loop, a->socket, &none, single_ctl, &s,
				    err, sizeof(err));
		if (s.ctl == NULL) {
			log_errorx("control socket: %s", err);
			loop_destroy(s.loop);
			return 1;
		}
	}
	ev_init(&s.timer, on_timer);
	loop_watch_signals(s.loop, on_signal, &s);
	reaper_start(s.loop, owner, after_reap, &s);

	memset(&req, 0, sizeof(req));
	req.argv = a->cmd;
	req.envp = environ;
	req.own_pgrp = 1;
	/*
	 * Only a foreground tend hands the terminal on: run in the background
	 * of a shell, it must not take the terminal away from that shell.
	 */
	req.fg_tty = isatty(STDIN_FILENO) &&
		     tcgetpgrp(STDIN_FILENO) == getpgrp();
	req.uid = (uid_t)-1;
	req.gid = (gid_t)-1;
	s.child = spawn(&req, &se);
	s.child_started = ev_time();
	if (s.child < 0) {
		log_error("cannot start %s", a->cmd[0]);
		ctlsrv_close(s.ctl);
		loop_destroy(s.loop);
		return 1;
	}
	if (se.err != 0)
		log_errorx("cannot run %s: %s", a->cmd[0], strerror(se.err));
	else
		log_info("started %s as pid %d", a->cmd[0], (int)s.child);

	ev_run(s.loop, 0);
	ctlsrv_close(s.ctl);
	loop_destroy(s.loop);
	return s.exit_code;
}
