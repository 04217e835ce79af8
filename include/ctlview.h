/*
 * What status, check, metrics and events say about a service, built from a
 * plain view: config mode fills it from the service table, single mode
 * from its one command. Pure: JSON and text only.
 */
#ifndef TEND_CTLVIEW_H
#define TEND_CTLVIEW_H

#include <sys/types.h>

#include "ctlproto.h"

struct ctl_view {
	const char *name;
	const char *state;
	pid_t pid;     /* 0: no process */
	double uptime; /* seconds of the current run */
	unsigned restarts, starts;
	int ready;
	int has_exit, wstatus; /* the last exit */
	int main, critical;
	const char *reason;	   /* NULL: none */
	int wanted;		   /* wanted up: check looks at it */
	unsigned long log_dropped; /* output lines not written */
	const char *
		health; /* "starting", "healthy", "unhealthy"; NULL: no check */
	unsigned health_failures; /* failed health checks in a row */
};

/* tend as a whole, for status and metrics. */
struct ctl_top {
	double uptime;
	unsigned long orphans;
	int shutting_down;
	unsigned long log_dropped; /* tend's own lines not written */
};

/* The status object of docs/protocol.md. */
void ctlview_status(struct jbuf *b, const struct ctl_top *top,
		    const struct ctl_view *v, size_t n);

/* check: the named views (all, with all set: only those wanted up). */
void ctlview_check(struct jbuf *b, const struct ctl_view *v, size_t n, int all,
		   int shutting_down);

/* Prometheus text format (of top: orphans and log_dropped). */
void ctlview_metrics(struct jbuf *b, const struct ctl_top *top,
		     const struct ctl_view *v, size_t n);

/* One events line (no newline): v went from state from to v->state. */
void ctlview_event(struct jbuf *b, double now, const struct ctl_view *v,
		   const char *from);

/* A start/stop/restart/signal reply: name, state, pid, starts of each. */
void ctlview_brief(struct jbuf *b, const struct ctl_view *v, size_t n);

/* An error body: {"error": msg}; returns st. */
enum ctl_status ctlview_error(struct jbuf *b, enum ctl_status st,
			      const char *msg);

#endif
