/*
 * The service state machine: one pure function from (what the service is,
 * what happened, now) to (what it becomes, what to do). No syscalls, no
 * libev: svc.c carries the actions out.
 */
#ifndef TEND_FSM_H
#define TEND_FSM_H

#include <stdint.h>

#include "conf.h"

enum svc_state {
	ST_WAITING, /* wanted up; its dependencies are not ready yet */
	ST_STARTING, /* its process runs but is not ready (a oneshot until it ends) */
	ST_RUNNING, /* its process runs and is ready */
	ST_STOPPING, /* stop signal sent; waiting for the exit (SIGKILL at the timeout) */
	ST_BACKOFF, /* ended; restarts when the delay runs out */
	ST_STOPPED, /* down because it was asked to be (or never started) */
	ST_DONE,    /* ended with 0 and will not restart */
	ST_FAILED, /* ended otherwise, or past restart-limit; will not restart */
};
#define ST_COUNT 8

enum fsm_event {
	FE_CHECK,	 /* look again: dependencies may be ready now */
	FE_SPAWNED,	 /* exec succeeded */
	FE_SPAWN_FAILED, /* no process could be made (fork failed) */
	FE_EXITED,	 /* its process ended; wstatus in the view */
	FE_TIMER,	 /* its timer ran out */
	FE_STOP,	 /* wanted down: tendctl stop, removal, shutdown */
	FE_START,   /* wanted up: tendctl start; clears failures and backoff */
	FE_RESTART, /* stop if running, then start again */
	FE_READY,   /* its ready probe succeeded */
	FE_UNHEALTHY, /* health-retries health checks failed in a row */
};
#define FE_COUNT 10

/* Why a service is being stopped by tend itself: a failure, not a request. */
enum fsm_failing {
	FAIL_NONE,
	FAIL_UNHEALTHY, /* it was ready, then failed its health checks */
	FAIL_NOT_READY, /* not ready within ready-timeout */
};

/* What the state machine reads. */
struct fsm_view {
	enum svc_state state;
	int want_up;
	int deps_ready;		  /* every dependency is ready */
	int shutting_down;	  /* restarts are suspended */
	unsigned fails;		  /* failures in a row (short runs) */
	int64_t started_ms;	  /* when the current run started */
	int wstatus;		  /* FE_EXITED: the wait status */
	enum fsm_failing failing; /* the stop under way is a failure */
	const struct svc_conf *conf;
};

/*
 * Actions, or'ed.
 * FSM_SPAWN: start the process, then report FE_SPAWNED/FE_SPAWN_FAILED.
 * FSM_STOP_SIGNAL: stop-signal and SIGCONT to the process group.
 * FSM_KILL: SIGKILL to the process group.
 * FSM_TIMER_SET: (re)arm the service's timer for out.timer seconds.
 * FSM_TIMER_CLEAR: disarm it.
 * FSM_RESTARTED: count one restart.
 * FSM_ENDED: the service ended for good on its own: done or failed.
 */
#define FSM_SPAWN	0x01
#define FSM_STOP_SIGNAL 0x02
#define FSM_KILL	0x04
#define FSM_TIMER_SET	0x08
#define FSM_TIMER_CLEAR 0x10
#define FSM_RESTARTED	0x20
#define FSM_ENDED	0x40

struct fsm_out {
	enum svc_state state;
	int want_up;
	unsigned fails;
	unsigned actions;
	double timer;	    /* seconds, with FSM_TIMER_SET */
	const char *reason; /* why, for status and events; static text */
	enum fsm_failing failing;
};

struct fsm_out fsm_step(const struct fsm_view *v, enum fsm_event ev,
			int64_t now_ms);

/* Backoff before restart number n (1 = the first): delay*2^(n-1), capped. */
double fsm_backoff(const struct svc_conf *c, unsigned n);

/* 1 when a service in state st (of type, last exit status) counts as ready. */
int fsm_ready(enum svc_state st, enum svc_type type);

const char *fsm_state_name(enum svc_state st);
const char *fsm_event_name(enum fsm_event ev);

#endif
