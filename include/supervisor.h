/* Config mode: the services of a file, restarted, ordered, stopped. */
#ifndef TEND_SUPERVISOR_H
#define TEND_SUPERVISOR_H

#include <ev.h>
#include <stdint.h>
#include <sys/resource.h>

#include "args.h"
#include "conf.h"

struct svc;
struct plan_node;
struct ctlsrv;

enum sd_phase {
	SD_NONE,       /* running */
	SD_DRAIN,      /* stop requested; drain-delay runs */
	SD_STOPPING,   /* services stop in reverse dependency order */
	SD_STRAGGLERS, /* services gone; leftovers got TERM */
	SD_KILLED,     /* final SIGKILL sent; waiting for the last reaps */
};

struct sup {
	struct ev_loop *loop;
	const struct args *args;
	struct config *cfg; /* globals; its services moved into svcs */
	struct svc **svcs;
	size_t nsvcs, svcs_cap;
	/* svcs by name (removed ones too: names are unique in svcs), open
	 * addressing; index_cap a power of two, at least twice nsvcs */
	struct svc **index;
	size_t index_cap;
	int pid1;

	enum sd_phase phase;
	int exit_code;	    /* decided when tend exits */
	int cause_code;	    /* of the critical service that caused the shutdown,
			     or of "every service ended"; -1: none */
	int ended_on_own;   /* some service ended for good by itself */
	int finished;	    /* the loop is told to stop */
	struct ctlsrv *ctl; /* the control socket; NULL when none */
	double started;	    /* ev_time() when tend started */
	struct plan_node *nodes; /* the dependency graph of svcs (see graph()) */
	size_t nnodes;
	int graph_dirty;
	struct rlimit nofile; /* RLIMIT_NOFILE as tend got it, for children */
	int nofile_saved;     /* tend raised its own: children get nofile */
	ev_timer drain_timer, deadline_timer, phase_timer;
	ev_timer kick_timer; /* more services to start on the next turn */
	unsigned kick_iter;  /* the loop turn kick_ms counts in */
	double kick_ms;	     /* spent starting services in that turn */
	size_t kick_next;    /* where the next start looks first (a hint) */
};

/* Runs config mode with cfg (owned); returns tend's exit code. */
int sup_run(const struct args *a, struct config *cfg);

/* Called by svc.c when a service ended for good by itself. */
void sup_service_ended(struct sup *sup, struct svc *s);

/*
 * After every event: start what may start, move the shutdown on, decide
 * whether tend is done. Every loop callback of config mode ends with it.
 */
void sup_settle(struct sup *sup);

/* SIGHUP: load the file again and apply the difference (reload.c). */
void sup_reload(struct sup *sup);

/* Names by what a reload does to them. */
struct reload_diff {
	char **added, **removed, **restarted, **changed, **unchanged;
};

/*
 * A reload asked by tendctl (client: its id for ctlsrv_answer, which gets
 * the reply) or by SIGHUP (client 0): the file is read off the loop
 * (confload.c), then its difference is computed and applied unless every
 * request answered by that read was a dry run (reload.c).
 */
void sup_reload_request(struct sup *sup, int dry_run, uint64_t client);
void reload_diff_free(struct reload_diff *d);

/*
 * The control keys of a (re)loaded config: new groups apply to new
 * connections; a changed control-socket is bound anew (ctlcmd.c).
 */
void sup_control_update(struct sup *sup, struct config *c);

/* Appends a service to the table, wanted up unless disabled. */
struct svc *sup_add(struct sup *sup, struct svc_conf *c);

/* A service changed state (from before): tell the events subscribers. */
void sup_event(struct sup *sup, const struct svc *s, int before);

/* Opens the control socket of c (or -S); 0, or -1 after logging why. */
int sup_control_open(struct sup *sup, const struct config *c);

/* Tells the log multiplexer whether a service shares tend's output fds. */
void sup_log_shared(struct sup *sup);

/* Begin the shutdown (idempotent). */
void sup_shutdown(struct sup *sup, const char *why);

/* The service named name, or NULL (a removed one is not found). */
struct svc *sup_find(const struct sup *sup, const char *name);
/* The same, a service a reload removed and still stopping included. */
struct svc *sup_lookup(const struct sup *sup, const char *name);

#endif
