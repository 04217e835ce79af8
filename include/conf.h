/*
 * The config file: libconfuse's schema, copied into tend's own structs,
 * validated as a whole. Nothing here touches the running services.
 */
#ifndef TEND_CONF_H
#define TEND_CONF_H

#include <stddef.h>
#include <sys/types.h>

#include "probe.h"

#define CONF_NAME_MAX 64

enum svc_type {
	SVC_SIMPLE,  /* runs until stopped; ready once exec succeeded */
	SVC_ONESHOT, /* runs to completion; ready (done) after exit 0 */
};

/* Where a service's output goes (the service key `log`). */
enum svc_log {
	SVC_LOG_FORMAT,	 /* "": piped to tend's stdout/stderr in log-format */
	SVC_LOG_INHERIT, /* "inherit": tend's own fds, no pipe */
	SVC_LOG_NULL,	 /* "null": /dev/null */
	SVC_LOG_FILE,	 /* "file:PATH": both streams to PATH, rotated */
};

enum restart_policy {
	RESTART_ALWAYS,	    /* after every exit, 0 included */
	RESTART_ON_FAILURE, /* after an exit other than 0 */
	RESTART_NEVER,	    /* never: the service ends done or failed */
};

struct svc_conf {
	char name[CONF_NAME_MAX + 1];
	char *file; /* where it is defined */
	int line;
	int line_depends, line_main; /* of those keys, for cross-checks */

	char *command; /* as written */
	char **argv;   /* split like a shell would, no expansion */
	enum svc_type type;
	int main, critical, disabled;
	enum restart_policy restart;
	double restart_delay, restart_delay_max, stable_after;
	long restart_limit; /* 0: no limit */
	char **depends;	    /* names, NULL-terminated */

	char *user, *group; /* as written; "" = tend's own */
	uid_t uid;	    /* resolved; (uid_t)-1 = unchanged */
	gid_t gid;	    /* resolved; (gid_t)-1 = unchanged */
	gid_t *groups;	    /* supplementary groups, when user is set */
	size_t ngroups;
	char *workdir; /* "" = tend's */
	mode_t umask;
	char **env;	      /* KEY=VALUE from env, NULL-terminated */
	char *env_file;	      /* "" = none */
	char **env_file_vars; /* its KEY=VALUE lines, read at load */

	int stop_signal;
	double stop_timeout;

	struct probe ready; /* PROBE_NONE: ready once exec succeeded */
	double ready_timeout;
	struct probe health; /* PROBE_NONE: no health check */
	double health_interval, health_timeout;
	long health_retries;
	int line_ready, line_health;

	enum svc_log log;
	char *log_path;		/* file:PATH: the absolute PATH; else NULL */
	long long log_max_size; /* bytes; rotate when a line would pass it */
	int log_keep;		/* old files kept: PATH.1 (newest) .. PATH.N */
	int line_log;		/* of the `log` key, for cross-checks */
};

struct config {
	char *path;
	char *control_socket;		     /* "" = the default (SPEC §5) */
	char *control_group, *monitor_group; /* "" = none */
	gid_t control_gid, monitor_gid;	     /* resolved; (gid_t)-1 = none */
	double shutdown_timeout, drain_delay, straggler_timeout;
	char *include_dir;
	int include_dir_line;
	int *forward_signals;
	size_t nforward;
	int log_format; /* enum log_format (logfmt.h): prefix, plain, json */
	int log_timestamps;
	size_t log_buffer; /* bytes of recent lines kept per service */
	struct svc_conf *svcs;
	size_t nsvcs;
	/* indices of svcs in name order, for conf_find (NULL: look at each) */
	size_t *by_name;
};

/* Errors found while loading: "FILE:LINE: message" lines. */
struct conf_errors {
	char **msgs;
	size_t n;
};

/*
 * Load path (and the *.conf files of its include-dir). extra_main, when not
 * NULL, is the name of a main service that will be added from the command
 * line (both mode): the file may then define no main, nor a service of that
 * name. Returns the config, or NULL with every error in errs.
 */
struct config *conf_load(const char *path, const char *extra_main,
			 struct conf_errors *errs);

/* The same from a text in memory; name stands for the file in messages. */
struct config *conf_load_text(const char *name, const char *text, size_t len,
			      const char *extra_main, struct conf_errors *errs);

void conf_free(struct config *c);
void conf_errors_free(struct conf_errors *errs);

/* The service named name, or NULL. */
const struct svc_conf *conf_find(const struct config *c, const char *name);

/*
 * 1 when a and b would run a different process: command, type, user,
 * group, workdir, umask, env, env-file (or its content), log, ready. Other
 * keys apply in place on reload.
 */
int conf_svc_process_differs(const struct svc_conf *a,
			     const struct svc_conf *b);

enum conf_change {
	CONF_UNCHANGED, /* nothing differs */
	CONF_INPLACE,	/* only keys that apply without a restart differ */
	CONF_RESTART,	/* the process would differ: restart it */
	CONF_ADDED,
	CONF_REMOVED,
};

/* What a reload does to a service: old NULL = added, new NULL = removed. */
enum conf_change conf_change_of(const struct svc_conf *old,
				const struct svc_conf *new_);

/* Deep copy of a service, or NULL on ENOMEM. */
struct svc_conf *conf_svc_dup(const struct svc_conf *s);
void conf_svc_free(struct svc_conf *s); /* frees what s holds, not s */

#endif
