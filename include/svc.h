/* The running service table: the state machine's results carried out. */
#ifndef TEND_SVC_H
#define TEND_SVC_H

#include <ev.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "fsm.h"
#include "logmux.h"
#include "prober.h"

struct sup;

struct svc {
	struct svc_conf *conf; /* owned; replaced on reload */
	enum svc_state state;
	int want_up;
	unsigned fails;	   /* failures in a row */
	unsigned restarts; /* restarts so far */
	unsigned starts;   /* runs so far (a client sees a restart happen) */
	pid_t pid;	   /* 0 when no process runs */
	pid_t last_pid;	   /* of the latest run, for events after it ended */
	pid_t dead_pid;	   /* a child whose exec failed, still to be reaped */
	int exec_fd; /* the exec status pipe of pid until exec is known; -1 */
	ev_io exec_io;
	int64_t started_ms;
	int has_exit; /* last_wstatus holds the last run's end */
	int last_wstatus;
	const char *reason;
	enum fsm_failing failing; /* tend is stopping it for a failure */
	int cmdline; /* the main command given after -- (both mode) */
	int removed; /* reload removed it: dropped once stopped */
	ev_timer timer;
	struct svclog log;     /* its output: pipes, ring, log file */
	struct svcprobe probe; /* its ready probe and health check */
	struct sup *sup;
};

/* Milliseconds on the loop's clock. */
int64_t svc_now_ms(struct ev_loop *loop);

struct svc *svc_new(struct sup *sup, struct svc_conf *conf);
void svc_free(struct svc *s);

/* Feed event ev to s and carry out what the state machine returns. */
void svc_event(struct svc *s, enum fsm_event ev);

/* Its process pid ended with wstatus (reaped): records it, steps the machine. */
void svc_reaped(struct svc *s, pid_t pid, int wstatus);

/* 1 when s has a process (starting, running or stopping). */
int svc_has_process(const struct svc *s);

/* 1 when s counts as ready for its dependents. */
int svc_ready(const struct svc *s);

#endif
