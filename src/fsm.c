#include "fsm.h"

#include <sys/wait.h>

double fsm_backoff(const struct svc_conf *c, unsigned n)
{
	double d = c->restart_delay;
	unsigned i;

	for (i = 1; i < n && d < c->restart_delay_max; i++)
		d *= 2;
	return d < c->restart_delay_max ? d : c->restart_delay_max;
}

int fsm_ready(enum svc_state st, enum svc_type type)
{
	if (type == SVC_ONESHOT)
		return st == ST_DONE;
	return st == ST_RUNNING;
}

const char *fsm_state_name(enum svc_state st)
{
	static const char *const names[ST_COUNT] = {
		"waiting", "starting", "running", "stopping",
		"backoff", "stopped",  "done",	  "failed",
	};

	return (unsigned)st < ST_COUNT ? names[st] : "?";
}

const char *fsm_event_name(enum fsm_event ev)
{
	static const char *const names[FE_COUNT] = {
		"check", "spawned", "spawn-failed", "exited", "timer",
		"stop",	 "start",   "restart",	    "ready",  "unhealthy",
	};

	return (unsigned)ev < FE_COUNT ? names[ev] : "?";
}

/* Start now if it may: WAITING, or STARTING with FSM_SPAWN. */
static void try_start(const struct fsm_view *v, struct fsm_out *o)
{
	o->state = ST_WAITING;
	if (o->want_up && v->deps_ready && !v->shutting_down) {
		o->state = ST_STARTING;
		o->actions |= FSM_SPAWN;
		o->reason = NULL;
	} else if (o->want_up && !v->deps_ready) {
		o->reason = "waiting for dependencies";
	}
}

/* A simple service that waits for its ready probe. */
static int has_ready_probe(const struct svc_conf *c)
{
	return c->type == SVC_SIMPLE && c->ready.kind != PROBE_NONE;
}

/*
 * Stopped by tend for a failure: the stop path, then the restart policy
 * when the process has exited.
 */
static void fail_stop(const struct fsm_view *v, struct fsm_out *o,
		      enum fsm_failing why)
{
	o->state = ST_STOPPING;
	o->actions |= FSM_STOP_SIGNAL | FSM_TIMER_SET;
	o->timer = v->conf->stop_timeout;
	o->failing = why;
	o->reason = why == FAIL_NOT_READY ? "not ready within ready-timeout"
					  : "unhealthy: health checks failed";
}

/*
 * A run ended (or could not start): restart, or end for good. A run that
 * tend stopped for a failure counts as failed whatever its exit status.
 */
static void ended(const struct fsm_view *v, struct fsm_out *o, int ran,
		  int64_t now_ms)
{
	const struct svc_conf *c = v->conf;
	int ok = ran && WIFEXITED(v->wstatus) && WEXITSTATUS(v->wstatus) == 0 &&
		 v->failing == FAIL_NONE;
	/* A run that never became ready is not stable, however long. */
	int was_ready = v->failing != FAIL_NOT_READY &&
			!(v->state == ST_STARTING && has_ready_probe(c));
	int again;

	o->failing = FAIL_NONE;
	if (ran && was_ready &&
	    now_ms - v->started_ms >= (int64_t)(c->stable_after * 1000))
		o->fails = 0; /* a stable run wipes the slate */

	if (v->shutting_down || !v->want_up) {
		o->state = ok ? ST_DONE : ST_FAILED;
		o->reason = "ended during shutdown";
		return;
	}
	if (c->type == SVC_ONESHOT && ok) {
		o->state = ST_DONE;
		o->actions |= FSM_ENDED;
		return;
	}
	again = c->restart == RESTART_ALWAYS ||
		(c->restart == RESTART_ON_FAILURE && !ok);
	if (!again) {
		o->state = ok ? ST_DONE : ST_FAILED;
		o->actions |= FSM_ENDED;
		o->reason =
			ok ? NULL
			: v->failing == FAIL_UNHEALTHY
				? "unhealthy (restart policy: no restart)"
			: v->failing == FAIL_NOT_READY
				? "not ready within ready-timeout (restart policy: no restart)"
				: "exited (restart policy: no restart)";
		return;
	}
	o->fails++;
	if (c->restart_limit > 0 &&
	    o->fails > (unsigned long)c->restart_limit) {
		o->state = ST_FAILED;
		o->actions |= FSM_ENDED;
		o->reason = "restart-limit reached";
		return;
	}
	o->state = ST_BACKOFF;
	o->actions |= FSM_TIMER_SET | FSM_RESTARTED;
	o->timer = fsm_backoff(c, o->fails);
	o->reason = v->failing == FAIL_UNHEALTHY
			    ? "restarting after failed health checks"
		    : v->failing == FAIL_NOT_READY
			    ? "restarting: not ready within ready-timeout"
		    : ran ? "restarting after exit"
			  : "restarting after a failed start";
}

struct fsm_out fsm_step(const struct fsm_view *v, enum fsm_event ev,
			int64_t now_ms)
{
	struct fsm_out o = { v->state, v->want_up, v->fails,  0,
			     0,	       NULL,	   v->failing };
	enum svc_state st = v->state;
	int proc = st == ST_STARTING || st == ST_RUNNING || st == ST_STOPPING;

	switch (ev) {
	case FE_CHECK:
		if (st == ST_WAITING)
			try_start(v, &o);
		break;
	case FE_SPAWNED:
		if (st != ST_STARTING || v->conf->type != SVC_SIMPLE)
			break;
		if (has_ready_probe(v->conf)) {
			/* Ready when its probe says so, within ready-timeout. */
			o.actions |= FSM_TIMER_SET;
			o.timer = v->conf->ready_timeout;
			o.reason = "waiting for its ready probe";
		} else {
			o.state = ST_RUNNING;
		}
		break;
	case FE_READY:
		if (st == ST_STARTING && has_ready_probe(v->conf)) {
			o.state = ST_RUNNING;
			o.actions |= FSM_TIMER_CLEAR;
			o.reason = NULL;
		}
		break;
	case FE_UNHEALTHY:
		if (st == ST_RUNNING && v->conf->health.kind != PROBE_NONE)
			fail_stop(v, &o, FAIL_UNHEALTHY);
		break;
	case FE_SPAWN_FAILED:
		if (st == ST_STARTING)
			ended(v, &o, 0, now_ms);
		break;
	case FE_EXITED:
		if (st == ST_STOPPING && v->failing != FAIL_NONE) {
			o.actions |= FSM_TIMER_CLEAR;
			ended(v, &o, 1, now_ms);
		} else if (st == ST_STOPPING) {
			o.actions |= FSM_TIMER_CLEAR;
			if (o.want_up && !v->shutting_down) {
				o.fails = 0;
				try_start(v, &o);
			} else {
				o.state = ST_STOPPED;
			}
		} else if (st == ST_STARTING || st == ST_RUNNING) {
			ended(v, &o, 1, now_ms);
			/* The ready-timeout may still be armed. */
			if (st == ST_STARTING && has_ready_probe(v->conf) &&
			    !(o.actions & FSM_TIMER_SET))
				o.actions |= FSM_TIMER_CLEAR;
		}
		break;
	case FE_TIMER:
		if (st == ST_BACKOFF) {
			try_start(v, &o);
		} else if (st == ST_STARTING && has_ready_probe(v->conf)) {
			fail_stop(v, &o, FAIL_NOT_READY);
		} else if (st == ST_STOPPING) {
			o.actions |= FSM_KILL;
			o.reason = "stop-timeout: killed";
		}
		break;
	case FE_STOP:
		o.want_up = 0;
		o.failing = FAIL_NONE; /* asked to stop: it ends stopped */
		if (st == ST_STARTING || st == ST_RUNNING) {
			o.state = ST_STOPPING;
			o.actions |= FSM_STOP_SIGNAL | FSM_TIMER_SET;
			o.timer = v->conf->stop_timeout;
		} else if (st == ST_WAITING || st == ST_BACKOFF) {
			o.state = ST_STOPPED;
			o.actions |= FSM_TIMER_CLEAR;
		}
		o.reason = NULL;
		break;
	case FE_RESTART:
		if (st == ST_STARTING || st == ST_RUNNING) {
			o.want_up = 1;
			o.fails = 0;
			o.state = ST_STOPPING;
			o.actions |= FSM_STOP_SIGNAL | FSM_TIMER_SET;
			o.timer = v->conf->stop_timeout;
			break;
		}
		__attribute__((fallthrough));
	case FE_START:
		o.want_up = 1;
		o.fails = 0;
		o.failing = FAIL_NONE;
		o.reason = NULL;
		if (st == ST_STOPPING || (proc && ev == FE_START))
			break;
		if (st == ST_BACKOFF)
			o.actions |= FSM_TIMER_CLEAR;
		try_start(v, &o);
		break;
	}
	return o;
}
