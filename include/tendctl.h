/*
 * tendctl's pure parts: checking a command line, and reading reply bodies
 * (docs/protocol.md, parsed with jansson): the status table, one-line
 * service summaries, the reload diff, the check report, log lines, and
 * whether a started, stopped or restarted service is done. No I/O but the
 * FILEs given.
 */
#ifndef TEND_TENDCTL_H
#define TEND_TENDCTL_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "ctlproto.h"

/* "12s", "5m03s", "2h01m", "3d04h" for secs (fractions dropped). */
void tc_uptime(double secs, char *buf, size_t len);

/*
 * The status body as an aligned table: NAME STATE PID UPTIME RESTARTS
 * LAST-EXIT READY HEALTH, and REASON when any service has one (or lost
 * output lines: "log lines dropped: N"). Returns 0, or -1 when root is not
 * a status object.
 */
int tc_print_status(FILE *f, json_t *root);

/*
 * "web: running (pid 42)", "web: stopped", "db: failed (exit 1)": one
 * service object of a status or start/stop/restart reply, with a newline.
 */
void tc_print_service(FILE *f, json_t *svc);

/*
 * The reload diff: "added: a b", "removed: ...", "restarted: ...",
 * "changed in place: ...", "unchanged: ...", each only when not empty.
 * Returns 0, or -1 when root is not a reload object.
 */
int tc_print_reload(FILE *f, json_t *root);

/*
 * The check body: "NAME: REASON" for every service not ok (f NULL: no
 * output). Returns 1 healthy, 0 not, -1 when root is not a check object.
 */
int tc_print_check(FILE *f, json_t *root);

/* What start, stop and restart wait for. */
enum tc_want {
	TC_WANT_UP,	   /* start: running and ready, or done */
	TC_WANT_DOWN,	   /* stop: no process; stopped, done or failed */
	TC_WANT_RESTARTED, /* restart: as TC_WANT_UP, in a new run */
};

/* One service start, stop or restart waits for. */
struct tc_target {
	const char *name;
	long long base_starts; /* restart: "starts" in the restart reply */
	int old_run;	       /* restart: the reply still had the old run */
	int verdict;	       /* 0 pending, 1 done, -1 failed */
	json_t *svc;	       /* its last status (a reference) */
};

/* 1 when svc's state is state. */
int tc_state_is(json_t *svc, const char *state);

/*
 * The verdict on t from svc, its status object: 1 done, 0 not yet, -1
 * failed. tend replies after acting on a request, so a state read after
 * the reply is never the one from before the request.
 */
int tc_judge(const struct tc_target *t, enum tc_want w, json_t *svc);

/*
 * After waiting: the done services on out ("web: running (pid 42)"), the
 * failed ones and those not done after timeout_ms on err, as
 * "tendctl: ...".
 */
void tc_report_targets(FILE *out, FILE *err, const struct tc_target *t,
		       size_t nt, long long timeout_ms);

/* tendctl's exit code for a reply status (docs/protocol.md's table). */
int tc_exit_code(enum ctl_status st);

/* 1 for the commands that wait for their services: start, stop, restart. */
int tc_cmd_waits(const char *cmd);

/* The flags that belong to one command each: 1 when given. */
struct tc_flags {
	int no_wait; /* start, stop, restart */
	int dry_run; /* reload */
	int follow;  /* log: -f */
	int lines;   /* log: -n */
};

/*
 * 0 when cmd with its arguments and flags can be sent; else -1 and err
 * says why (unknown command, missing or extra arguments, a flag for
 * another command, a bad signal or service name): a usage error.
 */
int tc_check_args(const char *cmd, char *const *args, size_t nargs,
		  const struct tc_flags *fl, char *err, size_t errlen);

/*
 * One object of a log reply or stream: its "msg" as the service wrote it
 * (every byte, NUL included), then a newline unless "more" says that
 * another piece of the same line follows. *open_line is kept between calls
 * (start with 0): the stream whose line is still open, so that a line
 * whose next piece does not come next (a line of the other stream came
 * first) is ended before anything else is printed. Returns 0, or -1 when
 * obj is not a log object.
 */
int tc_print_log(FILE *f, json_t *obj, int *open_line);

/* Ends a line left open by tc_print_log (the stream ended mid-line). */
void tc_print_log_end(FILE *f, int *open_line);

/* 1 when s is a possible service name: [A-Za-z0-9_.-]{1,64}. */
int tc_valid_name(const char *s);

/* The "services" array of a reply, or NULL. */
json_t *tc_services(json_t *root);
/* The service named name in the array services, or NULL. */
json_t *tc_find_service(json_t *services, const char *name);
/* A string member, or NULL when absent, null or not a string. */
const char *tc_str(json_t *obj, const char *key);

#endif
