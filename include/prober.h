/*
 * Running a service's probes inside the loop (SPEC §2 `ready`,
 * `health-check`): the notify socket, the readiness fd, and tcp, http and
 * exec attempts, never blocking and never two at once for one service.
 * Nothing here runs for a service without probes: no timer, no socket.
 */
#ifndef TEND_PROBER_H
#define TEND_PROBER_H

#include <ev.h>
#include <sys/types.h>

#include "fsm.h"

struct svc;

enum health_state {
	HEALTH_NONE,
	HEALTH_STARTING,
	HEALTH_HEALTHY,
	HEALTH_UNHEALTHY
};

#define ATTEMPT_BUF 1024

/* One tcp, http or exec attempt. */
struct attempt {
	int purpose; /* 0: idle; else PROBE_FOR_READY or PROBE_FOR_HEALTH */
	int fd;	     /* tcp, http: the socket; -1 */
	ev_io io;
	ev_timer tmo;
	pid_t pid;    /* exec: the probe process until it is reaped; 0 */
	int reported; /* exec: its outcome was given (timeout, cancel) */
	size_t sent, len;
	char *buf; /* http: the request, then the answer (ATTEMPT_BUF
			 bytes, only while an http attempt runs) */
	size_t reqlen;
};

struct svcprobe {
	struct attempt at;
	ev_timer next; /* the next attempt: a ready retry, a health check */
	double retry;  /* the ready retry interval, doubled up to 1 s */
	int notify_fd; /* notify: the socket, kept for the service's life */
	ev_io notify_io;
	char notify_env[128];	/* "NOTIFY_SOCKET=@..." */
	int ready_rd, ready_wr; /* fd:N: this run's pipe */
	ev_io ready_io;
	int not_ready; /* STOPPING=1 came from the service */
	enum health_state health;
	unsigned health_fails;
};

void svcprobe_init(struct svc *s);
void svcprobe_free(struct svc *s);

/*
 * Before a spawn: the NOTIFY_SOCKET variable to add (NULL: none) and the
 * readiness fd for the child (ready_fd: tend's end for the child, -1 when
 * none; ready_num: the number it gets there). 0, or -1 with errno.
 */
int svcprobe_prespawn(struct svc *s, const char **env, int *ready_fd,
		      int *ready_num);

/* After the spawn: the child's end is closed in tend; watched if started. */
void svcprobe_postspawn(struct svc *s, int started);

/* The service changed state (from before): probes start or stop. */
void svcprobe_state(struct svc *s, enum svc_state before);

/* An exec probe's process pid ended: 1 when it was one of s's. */
int svcprobe_reaped(struct svc *s, pid_t pid, int wstatus);

/* 1 while a probe process of s has not been reaped. */
int svcprobe_has_process(const struct svc *s);

/* "starting", "healthy", "unhealthy", or NULL without a health check. */
const char *svcprobe_health_name(const struct svc *s);

#endif
