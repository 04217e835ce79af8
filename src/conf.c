#include "conf.h"

#include <confuse.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdsplit.h"
#include "confscan.h"
#include "confutil.h"
#include "envfile.h"
#include "logfmt.h"
#include "passwd.h"
#include "plan.h"
#include "signames.h"

#define PASSWD_FILE "/etc/passwd"
#define GROUP_FILE  "/etc/group"
/* Probe hosts: names from it, no DNS (SPEC §5). */
#define HOSTS_FILE "/etc/hosts"
/* Ad-blocking hosts files run to megabytes: room for them. */
#define HOSTS_FILE_MAX (16 * 1024 * 1024)

/* Below a page, a log file would be rotated on nearly every line. */
#define LOG_MAX_SIZE_MIN 4096LL
/* Beyond any disk, and far from LLONG_MAX: size + a line cannot wrap. */
#define LOG_MAX_SIZE_MAX (1LL << 62)
#define LOG_KEEP_MAX	 1000LL
/* Per service, all kept in memory: a bound that a typo cannot exceed. */
#define LOG_BUFFER_MAX	   (64LL << 20)
#define HEALTH_RETRIES_MAX 1000000LL

/*
 * Every scalar is a string in the schema: tend parses the values itself,
 * so each bad value is reported with the line it is on (see confscan.h).
 */
static cfg_opt_t service_opts[] = {
	CFG_STR("command", "", CFGF_NONE),
	CFG_STR("type", "simple", CFGF_NONE),
	CFG_STR("main", "false", CFGF_NONE),
	CFG_STR("critical", "false", CFGF_NONE),
	CFG_STR("restart", "", CFGF_NONE),
	CFG_STR("restart-delay", "0.5", CFGF_NONE),
	CFG_STR("restart-delay-max", "30", CFGF_NONE),
	CFG_STR("restart-limit", "0", CFGF_NONE),
	CFG_STR("stable-after", "10", CFGF_NONE),
	CFG_STR_LIST("depends", "{}", CFGF_NONE),
	CFG_STR("user", "", CFGF_NONE),
	CFG_STR("group", "", CFGF_NONE),
	CFG_STR("workdir", "", CFGF_NONE),
	CFG_STR("umask", "022", CFGF_NONE),
	CFG_STR_LIST("env", "{}", CFGF_NONE),
	CFG_STR("env-file", "", CFGF_NONE),
	CFG_STR("stop-signal", "TERM", CFGF_NONE),
	CFG_STR("stop-timeout", "5", CFGF_NONE),
	CFG_STR("ready", "", CFGF_NONE),
	CFG_STR("ready-timeout", "60", CFGF_NONE),
	CFG_STR("health-check", "", CFGF_NONE),
	CFG_STR("health-interval", "30", CFGF_NONE),
	CFG_STR("health-timeout", "10", CFGF_NONE),
	CFG_STR("health-retries", "3", CFGF_NONE),
	CFG_STR("log", "", CFGF_NONE),
	CFG_STR("log-max-size", "10485760", CFGF_NONE),
	CFG_STR("log-keep", "3", CFGF_NONE),
	CFG_STR("disabled", "false", CFGF_NONE),
	CFG_END(),
};

static cfg_opt_t top_opts[] = {
	CFG_STR("control-socket", "", CFGF_NONE),
	CFG_STR("control-group", "", CFGF_NONE),
	CFG_STR("monitor-group", "", CFGF_NONE),
	CFG_STR("shutdown-timeout", "9", CFGF_NONE),
	CFG_STR("drain-delay", "0", CFGF_NONE),
	CFG_STR("straggler-timeout", "2", CFGF_NONE),
	CFG_STR("log-format", "prefix", CFGF_NONE),
	CFG_STR("log-timestamps", "false", CFGF_NONE),
	CFG_STR("log-buffer", "65536", CFGF_NONE),
	CFG_STR("include-dir", "", CFGF_NONE),
	CFG_STR_LIST("forward-signals", "{USR1, USR2}", CFGF_NONE),
	CFG_SEC("service", service_opts, CFGF_MULTI | CFGF_TITLE),
	CFG_END(),
};

/* System files a load reads, each once, when first needed. */
struct sysfiles {
	char *hosts; /* NULL: not read yet, or unreadable (no names then) */
	int hosts_read;
	struct idfiles ids; /* for the services' user and group */
	int ids_read;	    /* 0: not yet, 1: read, -1: unreadable (ids_err) */
	char ids_err[256];
};

/* What one file being read needs for its messages. */
struct source {
	const char *file;
	const char *dir; /* for relative paths in it */
	struct confscan scan;
	struct conf_errors *errs;
	struct sysfiles *sys; /* shared by every file of one load */
};

/* libconfuse's error callback has no user pointer: the file being parsed. */
static struct source *parsing;

static void on_confuse_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	conf_error(parsing->errs, parsing->file, cfg->line, "%s", msg);
}

/* Line of key in service section sec (-1 top), else the section's line. */
static int key_line(const struct source *src, int sec, const char *key)
{
	int line = confscan_key_line(&src->scan, sec, key);

	if (line == 0 && sec >= 0)
		line = src->scan.sections[sec].line;
	return line;
}

#define BAD(src, sec, key, ...)                                             \
	conf_error((src)->errs, (src)->file, key_line((src), (sec), (key)), \
		   __VA_ARGS__)

static int get_duration(const struct source *src, cfg_t *cfg, int sec,
			const char *key, int positive, double *out)
{
	const char *v = cfg_getstr(cfg, key);

	if (confutil_duration(v, positive, out) < 0) {
		BAD(src, sec, key,
		    "%s: invalid duration '%s' (seconds, %s, up to %g)", key, v,
		    positive ? "> 0" : ">= 0", CONFUTIL_DURATION_MAX);
		return -1;
	}
	return 0;
}

static int get_bool(const struct source *src, cfg_t *cfg, int sec,
		    const char *key, int *out)
{
	const char *v = cfg_getstr(cfg, key);

	if (confutil_bool(v, out) < 0) {
		BAD(src, sec, key, "%s: invalid value '%s' (true or false)",
		    key, v);
		return -1;
	}
	return 0;
}

/*
 * A whole number from min to max, digits only (no sign, no suffix). The
 * bound is checked before each digit is added, so max may be near
 * LLONG_MAX. what is put before "a whole number" in the message.
 */
static int get_whole(const struct source *src, cfg_t *cfg, int sec,
		     const char *key, const char *what, long long min,
		     long long max, long long *out)
{
	const char *v = cfg_getstr(cfg, key), *p;
	long long n = 0;

	for (p = v; *p != '\0'; p++) {
		int d = *p - '0';

		if (!isdigit((unsigned char)*p) || n > (max - d) / 10)
			break;
		n = n * 10 + d;
	}
	if (v[0] == '\0' || *p != '\0' || n < min) {
		BAD(src, sec, key,
		    "%s: invalid value '%s' (%sa whole number from %lld to %lld)",
		    key, v, what, min, max);
		return -1;
	}
	*out = n;
	return 0;
}

static char **copy_list(cfg_t *cfg, const char *key)
{
	unsigned i, n = cfg_size(cfg, key);
	char **v = calloc(n + 1, sizeof(*v));

	if (v == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		v[i] = strdup(cfg_getnstr(cfg, key, i));
		if (v[i] == NULL) {
			strv_free(v);
			return NULL;
		}
	}
	return v;
}

static char *path_in(const struct source *src, const char *p)
{
	char *out;

	if (p[0] == '/' || p[0] == '\0' || src->dir == NULL)
		return strdup(p);
	if (asprintf(&out, "%s/%s", src->dir, p) < 0)
		return NULL;
	return out;
}

static int parse_type_restart(const struct source *src, cfg_t *cfg, int sec,
			      struct svc_conf *s)
{
	const char *type = cfg_getstr(cfg, "type");
	const char *restart = cfg_getstr(cfg, "restart");
	int bad = 0;

	if (strcmp(type, "simple") == 0)
		s->type = SVC_SIMPLE;
	else if (strcmp(type, "oneshot") == 0)
		s->type = SVC_ONESHOT;
	else
		bad |= BAD(src, sec, "type",
			   "type: invalid value '%s' (simple or oneshot)",
			   type);

	if (restart[0] == '\0')
		s->restart = s->type == SVC_ONESHOT ? RESTART_NEVER
						    : RESTART_ALWAYS;
	else if (strcmp(restart, "always") == 0)
		s->restart = RESTART_ALWAYS;
	else if (strcmp(restart, "on-failure") == 0)
		s->restart = RESTART_ON_FAILURE;
	else if (strcmp(restart, "never") == 0)
		s->restart = RESTART_NEVER;
	else
		bad |= BAD(
			src, sec, "restart",
			"restart: invalid value '%s' (always, on-failure or never)",
			restart);
	return bad ? -1 : 0;
}

static int parse_ids(const struct source *src, cfg_t *cfg, int sec,
		     struct svc_conf *s)
{
	struct ids ids;
	char err[256];

	s->uid = (uid_t)-1;
	s->gid = (gid_t)-1;
	if (s->user[0] == '\0' && s->group[0] == '\0')
		return 0;
	if (src->sys->ids_read == 0)
		src->sys->ids_read = idfiles_read(PASSWD_FILE, GROUP_FILE,
						  &src->sys->ids,
						  src->sys->ids_err,
						  sizeof(src->sys->ids_err)) < 0
					     ? -1
					     : 1;
	if (src->sys->ids_read < 0)
		snprintf(err, sizeof(err), "%s", src->sys->ids_err);
	if (src->sys->ids_read < 0 ||
	    ids_resolve_text(src->sys->ids.passwd, src->sys->ids.plen,
			     src->sys->ids.group, src->sys->ids.glen, s->user,
			     s->group, &ids, err, sizeof(err)) < 0) {
		int about_group = strstr(err, "group") != NULL ||
				  strstr(err, "gid") != NULL;

		return BAD(src, sec, about_group ? "group" : "user", "%s", err);
	}
	(void)cfg;
	s->uid = ids.uid;
	s->gid = ids.gid;
	s->groups = ids.groups;
	s->ngroups = ids.ngroups;
	return 0;
}

static int parse_env(const struct source *src, cfg_t *cfg, int sec,
		     struct svc_conf *s)
{
	const char *envfile = cfg_getstr(cfg, "env-file");
	char err[512];
	size_t i;
	int bad = 0;

	s->env = copy_list(cfg, "env");
	s->env_file = path_in(src, envfile);
	if (s->env == NULL || s->env_file == NULL)
		return BAD(src, sec, "env", "out of memory");
	/* A value may be a secret: errors show the name at most. */
	for (i = 0; s->env[i] != NULL; i++) {
		const char *eq = strchr(s->env[i], '=');

		if (confutil_env_entry(s->env[i]) == 0)
			continue;
		if (eq != NULL)
			bad |= BAD(
				src, sec, "env",
				"env: '%.*s' is not a variable name (letters, digits, _; its value is not shown)",
				(int)(eq - s->env[i] > 64 ? 64
							  : eq - s->env[i]),
				s->env[i]);
		else
			bad |= BAD(
				src, sec, "env",
				"env: entry %zu has no '=' (KEY=VALUE expected; not shown)",
				i + 1);
	}
	if (s->env_file[0] != '\0' &&
	    envfile_read(s->env_file, &s->env_file_vars, err, sizeof(err)) < 0)
		bad |= BAD(src, sec, "env-file", "env-file: %s", err);
	return bad ? -1 : 0;
}

/* 1 when the last component of the absolute path p names a directory. */
static int names_dir(const char *p)
{
	const char *last = strrchr(p, '/') + 1;

	return strcmp(last, "") == 0 || strcmp(last, ".") == 0 ||
	       strcmp(last, "..") == 0;
}

/* log (where the output goes), log-max-size, log-keep. */
static int parse_log(const struct source *src, cfg_t *cfg, int sec,
		     struct svc_conf *s)
{
	const char *v = cfg_getstr(cfg, "log");
	long long n;
	int bad = 0;

	s->line_log = key_line(src, sec, "log");
	if (v[0] == '\0') {
		s->log = SVC_LOG_FORMAT;
	} else if (strcmp(v, "inherit") == 0) {
		s->log = SVC_LOG_INHERIT;
	} else if (strcmp(v, "null") == 0) {
		s->log = SVC_LOG_NULL;
	} else if (strncmp(v, "file:", 5) == 0) {
		const char *path = v + 5;

		/*
		 * Absolute: a service's workdir is not tend's, and the file is
		 * opened by tend. No NUL can be in it (the scan refuses one);
		 * a newline would make the path unprintable in messages.
		 */
		s->log = SVC_LOG_FILE;
		if (path[0] == '\0')
			bad |= BAD(src, sec, "log",
				   "log: 'file:' names no file (file:PATH)");
		else if (strchr(path, '\n') != NULL)
			bad |= BAD(src, sec, "log",
				   "log: the file's path holds a newline");
		else if (path[0] != '/')
			bad |= BAD(src, sec, "log",
				   "log: '%s' is not an absolute path", path);
		else if (names_dir(path))
			bad |= BAD(src, sec, "log",
				   "log: '%s' names a directory", path);
		else if ((s->log_path = strdup(path)) == NULL)
			bad |= BAD(src, sec, "log", "out of memory");
	} else {
		bad |= BAD(
			src, sec, "log",
			"log: invalid value '%s' (\"\", \"inherit\", \"null\" or \"file:PATH\")",
			v);
	}
	if (get_whole(src, cfg, sec, "log-max-size", "bytes, ",
		      LOG_MAX_SIZE_MIN, LOG_MAX_SIZE_MAX, &n) < 0)
		bad = -1;
	else
		s->log_max_size = n;
	if (get_whole(src, cfg, sec, "log-keep", "", 0, LOG_KEEP_MAX, &n) < 0)
		bad = -1;
	else
		s->log_keep = (int)n;
	return bad ? -1 : 0;
}

static const char *hosts_text(struct sysfiles *f)
{
	char err[256];
	size_t len;

	/* Unreadable or missing: no names, as with an empty file. */
	if (!f->hosts_read &&
	    file_read_max(HOSTS_FILE, HOSTS_FILE_MAX, &f->hosts, &len, err,
			  sizeof(err)) < 0)
		f->hosts = NULL;
	f->hosts_read = 1;
	return f->hosts;
}

static void sysfiles_free(struct sysfiles *f)
{
	free(f->hosts);
	idfiles_free(&f->ids);
}

static int get_probe(const struct source *src, cfg_t *cfg, int sec,
		     const char *key, int ready, struct probe *p)
{
	const char *v = cfg_getstr(cfg, key);
	char err[512];

	if (probe_parse(v, ready, v[0] != '\0' ? hosts_text(src->sys) : NULL, p,
			err, sizeof(err)) < 0)
		return BAD(src, sec, key, "%s: %s", key, err);
	return 0;
}

/* ready, health-check and their timings; after the type is known. */
static int parse_probes(const struct source *src, cfg_t *cfg, int sec,
			struct svc_conf *s)
{
	long long n;
	int bad = 0;

	s->line_ready = key_line(src, sec, "ready");
	s->line_health = key_line(src, sec, "health-check");
	bad |= get_probe(src, cfg, sec, "ready", 1, &s->ready);
	bad |= get_duration(src, cfg, sec, "ready-timeout", 1,
			    &s->ready_timeout);
	bad |= get_probe(src, cfg, sec, "health-check", 0, &s->health);
	bad |= get_duration(src, cfg, sec, "health-interval", 1,
			    &s->health_interval);
	bad |= get_duration(src, cfg, sec, "health-timeout", 1,
			    &s->health_timeout);
	if (get_whole(src, cfg, sec, "health-retries", "", 1,
		      HEALTH_RETRIES_MAX, &n) < 0)
		bad = -1;
	else
		s->health_retries = (long)n;
	/* A oneshot's readiness is its exit 0; it is not there to check. */
	if (s->type == SVC_ONESHOT && s->ready.kind != PROBE_NONE)
		bad |= BAD(
			src, sec, "ready",
			"ready: a oneshot is ready when it exits 0 (no ready probe)");
	if (s->type == SVC_ONESHOT && s->health.kind != PROBE_NONE)
		bad |= BAD(
			src, sec, "health-check",
			"health-check: a oneshot runs to completion (no health check)");
	return bad ? -1 : 0;
}

static int parse_service(const struct source *src, cfg_t *cfg, int sec,
			 struct svc_conf *s)
{
	const char *name = cfg_title(cfg);
	const char *v;
	char err[256];
	int bad = 0, sig, delays_bad;

	memset(s, 0, sizeof(*s));
	s->line = src->scan.sections[sec].line;
	s->line_depends = key_line(src, sec, "depends");
	s->line_main = key_line(src, sec, "main");
	s->file = strdup(src->file);
	if (confutil_name(name) < 0)
		bad |= conf_error(
			src->errs, src->file, s->line,
			"invalid service name '%s' (1 to %d of A-Z a-z 0-9 _ . -)",
			name, CONF_NAME_MAX);
	else if (strcmp(name, "tend") == 0)
		bad |= conf_error(src->errs, src->file, s->line,
				  "the service name 'tend' is reserved");
	snprintf(s->name, sizeof(s->name), "%s", name);

	s->command = strdup(cfg_getstr(cfg, "command"));
	s->user = strdup(cfg_getstr(cfg, "user"));
	s->group = strdup(cfg_getstr(cfg, "group"));
	s->workdir = strdup(cfg_getstr(cfg, "workdir"));
	s->depends = copy_list(cfg, "depends");
	if (s->file == NULL || s->command == NULL || s->user == NULL ||
	    s->group == NULL || s->workdir == NULL || s->depends == NULL)
		return BAD(src, sec, "command", "out of memory");

	if (confutil_blank(s->command))
		bad |= conf_error(src->errs, src->file, s->line,
				  "service '%s' has no command", s->name);
	else if (cmd_split(s->command, &s->argv, err, sizeof(err)) < 0)
		bad |= BAD(src, sec, "command", "command: %s", err);

	bad |= parse_type_restart(src, cfg, sec, s);
	bad |= get_bool(src, cfg, sec, "main", &s->main);
	bad |= get_bool(src, cfg, sec, "critical", &s->critical);
	bad |= get_bool(src, cfg, sec, "disabled", &s->disabled);
	delays_bad = get_duration(src, cfg, sec, "restart-delay", 0,
				  &s->restart_delay);
	delays_bad |= get_duration(src, cfg, sec, "restart-delay-max", 0,
				   &s->restart_delay_max);
	bad |= delays_bad;
	bad |= get_duration(src, cfg, sec, "stable-after", 0, &s->stable_after);
	bad |= get_duration(src, cfg, sec, "stop-timeout", 1, &s->stop_timeout);
	if (!delays_bad && s->restart_delay_max < s->restart_delay)
		bad |= BAD(src, sec,
			   confscan_key_line(&src->scan, sec,
					     "restart-delay-max")
				   ? "restart-delay-max"
				   : "restart-delay",
			   "restart-delay-max (%g) is below restart-delay (%g)",
			   s->restart_delay_max, s->restart_delay);

	v = cfg_getstr(cfg, "restart-limit");
	if (confutil_count(v, &s->restart_limit) < 0)
		bad |= BAD(
			src, sec, "restart-limit",
			"restart-limit: invalid value '%s' (a whole number from 0 to %ld)",
			v, CONFUTIL_COUNT_MAX);
	v = cfg_getstr(cfg, "umask");
	if (confutil_umask(v, &s->umask) < 0)
		bad |= BAD(src, sec, "umask",
			   "umask: invalid value '%s' (octal, 000 to 777)", v);
	v = cfg_getstr(cfg, "stop-signal");
	sig = sig_parse(v);
	if (sig < 0)
		bad |= BAD(src, sec, "stop-signal",
			   "stop-signal: unknown signal '%s'", v);
	else if (sig == SIGSTOP)
		bad |= BAD(src, sec, "stop-signal",
			   "stop-signal: STOP cannot stop a service");
	s->stop_signal = sig;
	if (s->workdir[0] != '\0' && s->workdir[0] != '/')
		bad |= BAD(src, sec, "workdir",
			   "workdir: '%s' is not an absolute path", s->workdir);

	if (s->main && confscan_key_line(&src->scan, sec, "restart") != 0)
		bad |= BAD(
			src, sec, "restart",
			"restart: the main service never restarts (its exit ends tend)");
	if (s->main)
		s->restart = RESTART_NEVER;
	if (s->main && s->disabled)
		bad |= BAD(src, sec, "disabled",
			   "the main service cannot be disabled");
	if (s->type == SVC_ONESHOT && s->restart == RESTART_ALWAYS)
		bad |= BAD(
			src, sec, "restart",
			"restart: a oneshot cannot restart always (use on-failure)");

	bad |= parse_probes(src, cfg, sec, s);
	bad |= parse_log(src, cfg, sec, s);
	bad |= parse_env(src, cfg, sec, s);
	bad |= parse_ids(src, cfg, sec, s);
	return bad ? -1 : 0;
}

/* A group name or number for the control socket's access; "" = none. */
static int parse_group(const struct source *src, cfg_t *cfg, const char *key,
		       char **name, gid_t *gid)
{
	const char *v = cfg_getstr(cfg, key);
	struct ids ids;
	char err[256];

	*name = strdup(v);
	*gid = (gid_t)-1;
	if (*name == NULL)
		return BAD(src, -1, key, "out of memory");
	if (v[0] == '\0')
		return 0;
	if (ids_resolve(PASSWD_FILE, GROUP_FILE, "", v, &ids, err,
			sizeof(err)) < 0)
		return BAD(src, -1, key, "%s: %s", key, err);
	*gid = ids.gid;
	ids_free(&ids);
	return 0;
}

static int parse_control(const struct source *src, cfg_t *cfg, struct config *c)
{
	const char *sock = cfg_getstr(cfg, "control-socket");
	int bad = 0;

	c->control_socket = strdup(sock);
	if (c->control_socket == NULL)
		return BAD(src, -1, "control-socket", "out of memory");
	if (sock[0] != '\0' && sock[0] != '/')
		bad |= BAD(src, -1, "control-socket",
			   "control-socket: '%s' is not an absolute path",
			   sock);
	else if (strlen(sock) >= 108)
		bad |= BAD(
			src, -1, "control-socket",
			"control-socket: '%s' is too long for a socket path (107 bytes)",
			sock);
	bad |= parse_group(src, cfg, "control-group", &c->control_group,
			   &c->control_gid);
	bad |= parse_group(src, cfg, "monitor-group", &c->monitor_group,
			   &c->monitor_gid);
	return bad ? -1 : 0;
}

/* log-format, log-timestamps, log-buffer. */
static int parse_log_globals(const struct source *src, cfg_t *cfg,
			     struct config *c)
{
	const char *v = cfg_getstr(cfg, "log-format");
	long long n;
	int bad = 0;

	if (strcmp(v, "prefix") == 0)
		c->log_format = LOGFMT_PREFIX;
	else if (strcmp(v, "plain") == 0)
		c->log_format = LOGFMT_PLAIN;
	else if (strcmp(v, "json") == 0)
		c->log_format = LOGFMT_JSON;
	else
		bad |= BAD(
			src, -1, "log-format",
			"log-format: invalid value '%s' (prefix, plain or json)",
			v);
	bad |= get_bool(src, cfg, -1, "log-timestamps", &c->log_timestamps);
	if (get_whole(src, cfg, -1, "log-buffer", "bytes, ", 0, LOG_BUFFER_MAX,
		      &n) < 0)
		bad = -1;
	else
		c->log_buffer = (size_t)n;
	return bad ? -1 : 0;
}

static int parse_globals(const struct source *src, cfg_t *cfg, struct config *c)
{
	unsigned i, n = cfg_size(cfg, "forward-signals");
	char *dir;
	int bad = 0;

	bad |= get_duration(src, cfg, -1, "shutdown-timeout", 1,
			    &c->shutdown_timeout);
	bad |= get_duration(src, cfg, -1, "drain-delay", 0, &c->drain_delay);
	bad |= get_duration(src, cfg, -1, "straggler-timeout", 0,
			    &c->straggler_timeout);
	dir = cfg_getstr(cfg, "include-dir");
	c->include_dir = path_in(src, dir);
	c->include_dir_line = confscan_key_line(&src->scan, -1, "include-dir");
	c->forward_signals = calloc(n + 1, sizeof(int));
	if (c->include_dir == NULL || c->forward_signals == NULL)
		return BAD(src, -1, "include-dir", "out of memory");
	bad |= parse_control(src, cfg, c);
	bad |= parse_log_globals(src, cfg, c);
	for (i = 0; i < n; i++) {
		const char *v = cfg_getnstr(cfg, "forward-signals", i);
		int sig = sig_parse(v);

		if (sig < 0)
			bad |= BAD(src, -1, "forward-signals",
				   "forward-signals: unknown signal '%s'", v);
		else if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP)
			bad |= BAD(
				src, -1, "forward-signals",
				"forward-signals: %s is tend's own (shutdown or reload)",
				v);
		else if (!sig_forwardable(sig))
			bad |= BAD(src, -1, "forward-signals",
				   "forward-signals: %s cannot be forwarded",
				   v);
		else
			c->forward_signals[c->nforward++] = sig;
	}
	return bad ? -1 : 0;
}

/*
 * Appends the services of one parsed file to c. The scan's sections of
 * kind "service" are libconfuse's, in the same order and with the same
 * titles (the scan reads names as libconfuse does, and refuses what it
 * would merge); should they ever differ, that is an error, not a guess.
 */
static int take_services(struct source *src, cfg_t *cfg, struct config *c)
{
	unsigned i, n = cfg_size(cfg, "service");
	struct svc_conf *grown;
	size_t sec = 0;
	int bad = 0;

	if (n == 0)
		return 0;
	grown = realloc(c->svcs, (c->nsvcs + n) * sizeof(*grown));
	if (grown == NULL)
		return conf_error(src->errs, src->file, 0, "out of memory");
	c->svcs = grown;
	for (i = 0; i < n; i++, sec++) {
		cfg_t *one = cfg_getnsec(cfg, "service", i);

		while (sec < src->scan.nsections &&
		       strcmp(src->scan.sections[sec].kind, "service") != 0)
			sec++;
		if (sec >= src->scan.nsections ||
		    strcmp(src->scan.sections[sec].title, cfg_title(one)) != 0)
			return conf_error(
				src->errs, src->file,
				sec < src->scan.nsections
					? src->scan.sections[sec].line
					: 0,
				"cannot locate service %u ('%s') in the text",
				i + 1, cfg_title(one));
		bad |= parse_service(src, one, (int)sec, &c->svcs[c->nsvcs]);
		c->nsvcs++;
	}
	return bad ? -1 : 0;
}

/* Orders of the scan's sections (kind, title) and keys (section, name). */
static int cmp_sections(size_t i, size_t j, const void *items)
{
	const struct scan_section *v = items;
	int r = strcmp(v[i].kind, v[j].kind);

	return r != 0 ? r : strcmp(v[i].title, v[j].title);
}

static int cmp_keys(size_t i, size_t j, const void *items)
{
	const struct scan_key *v = items;
	int r = (v[i].section > v[j].section) - (v[i].section < v[j].section);

	return r != 0 ? r : strcmp(v[i].name, v[j].name);
}

struct order {
	int (*cmp)(size_t i, size_t j, const void *items);
	const void *items;
};

/* qsort_r: by the order, ties in file order. */
static int cmp_order(const void *a, const void *b, void *arg)
{
	const struct order *o = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int r = o->cmp(i, j, o->items);

	return r != 0 ? r : (i > j) - (i < j);
}

/*
 * The indices of n items in the order of cmp, ties in file order: sorting,
 * not comparing each pair (a file may hold tens of thousands). NULL when
 * out of memory.
 */
static size_t *sort_order(size_t n, const void *items,
			  int (*cmp)(size_t i, size_t j, const void *items))
{
	struct order o = { cmp, items };
	size_t *sorted = calloc(n ? n : 1, sizeof(*sorted));
	size_t i;

	if (sorted == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		sorted[i] = i;
	qsort_r(sorted, n, sizeof(*sorted), cmp_order, &o);
	return sorted;
}

/*
 * first[i]: the index of the first of n items equal to item i under cmp
 * (i itself when it is the first), from their sort_order. NULL when out of
 * memory (or sorted is).
 */
static size_t *firsts(size_t n, const void *items, const size_t *sorted,
		      int (*cmp)(size_t i, size_t j, const void *items))
{
	size_t *first = sorted != NULL ? calloc(n ? n : 1, sizeof(*first))
				       : NULL;
	size_t i;

	for (i = 0; first != NULL && i < n; i++)
		first[sorted[i]] =
			i > 0 && cmp(sorted[i - 1], sorted[i], items) == 0
				? first[sorted[i - 1]]
				: sorted[i];
	return first;
}

/* firsts, for items sorted only for it. */
static size_t *firsts_of(size_t n, const void *items,
			 int (*cmp)(size_t i, size_t j, const void *items))
{
	size_t *sorted = sort_order(n, items, cmp);
	size_t *first = firsts(n, items, sorted, cmp);

	free(sorted);
	return first;
}

/*
 * libconfuse merges two sections of one title and keeps the last of two
 * values of one key: both are mistakes worth an error, found on the scan.
 */
static int scan_duplicates(const struct source *src)
{
	const struct confscan *sc = &src->scan;
	size_t *first = firsts_of(sc->nsections, sc->sections, cmp_sections);
	size_t i;
	int bad = 0;

	if (first == NULL)
		return conf_error(src->errs, src->file, 0, "out of memory");
	for (i = 0; i < sc->nsections; i++)
		if (first[i] != i)
			bad |= conf_error(
				src->errs, src->file, sc->sections[i].line,
				"%s '%s' is defined twice (first at %s:%d)",
				sc->sections[i].kind, sc->sections[i].title,
				src->file, sc->sections[first[i]].line);
	free(first);
	if ((first = firsts_of(sc->nkeys, sc->keys, cmp_keys)) == NULL)
		return conf_error(src->errs, src->file, 0, "out of memory");
	for (i = 0; i < sc->nkeys; i++)
		if (first[i] != i)
			bad |= conf_error(
				src->errs, src->file, sc->keys[i].line,
				"'%s' is set twice (first at line %d)",
				sc->keys[i].name, sc->keys[first[i]].line);
	free(first);
	return bad ? -1 : 0;
}

/*
 * libconfuse takes a quoted name ("" = 1) for a key or a section, and an
 * empty one makes it fail without a word (found by fuzzing): say so.
 */
static int scan_empty_names(const struct source *src)
{
	const struct confscan *sc = &src->scan;
	size_t i;
	int bad = 0;

	for (i = 0; i < sc->nkeys; i++)
		if (sc->keys[i].name[0] == '\0')
			bad |= conf_error(src->errs, src->file,
					  sc->keys[i].line,
					  "a key's name cannot be empty");
	for (i = 0; i < sc->nsections; i++)
		if (sc->sections[i].kind[0] == '\0')
			bad |= conf_error(src->errs, src->file,
					  sc->sections[i].line,
					  "a section's name cannot be empty");
	return bad ? -1 : 0;
}

/*
 * Parse one file's text into c. top: the main file (globals allowed);
 * otherwise an include-dir file (services only).
 */
static int parse_source(struct source *src, const char *text, size_t len,
			int top, struct config *c)
{
	cfg_t *cfg;
	char err[256], *buf;
	int line, rc, bad = 0;
	size_t i, nerrs;

	if (confscan_run(text, len, &src->scan, &line, err, sizeof(err)) < 0)
		return conf_error(src->errs, src->file, line, "%s", err);
	if (memchr(text, '\0', len) != NULL) /* the scan reports it; in case */
		return conf_error(src->errs, src->file, 0,
				  "the file holds a NUL byte");
	bad |= scan_duplicates(src);
	bad |= scan_empty_names(src);
	for (i = 0; !top && i < src->scan.nkeys; i++)
		if (src->scan.keys[i].section < 0)
			bad |= conf_error(
				src->errs, src->file, src->scan.keys[i].line,
				"'%s' is a global key: only services may be defined in an include-dir file",
				src->scan.keys[i].name);
	if (bad)
		return -1;

	buf = strndup(text, len);
	cfg = cfg_init(top_opts, CFGF_NONE);
	if (buf == NULL || cfg == NULL) {
		free(buf);
		if (cfg != NULL)
			cfg_free(cfg);
		return conf_error(src->errs, src->file, 0, "out of memory");
	}
	cfg_set_error_function(cfg, on_confuse_error);
	parsing = src;
	nerrs = src->errs->n;
	rc = cfg_parse_buf(cfg, buf);
	parsing = NULL;
	free(buf);
	if (rc != CFG_SUCCESS) {
		/*
		 * on_confuse_error reported it, except where libconfuse fails
		 * without a word (as on an empty name the scan did not see as
		 * a key: `"" }`). A load must never fail silently.
		 */
		if (src->errs->n == nerrs)
			conf_error(src->errs, src->file, cfg->line,
				   "syntax error");
		cfg_free(cfg);
		return -1;
	}
	if (top)
		bad |= parse_globals(src, cfg, c);
	bad |= take_services(src, cfg, c);
	cfg_free(cfg);
	return bad ? -1 : 0;
}

/* Reads a whole file of at most CONF_FILE_MAX bytes. */
#define CONF_FILE_MAX (1 << 20)

static char *read_file(const char *path, size_t *len, struct conf_errors *errs)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		conf_error(errs, path, 0, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		conf_error(errs, path, 0, "not a regular file");
		close(fd);
		return NULL;
	}
	if (st.st_size > CONF_FILE_MAX) {
		conf_error(errs, path, 0, "larger than %d bytes",
			   CONF_FILE_MAX);
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		conf_error(errs, path, 0, "out of memory");
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size &&
	       (n = read(fd, buf + got, (size_t)st.st_size - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			conf_error(errs, path, 0, "%s", strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static int load_one(const char *path, int top, struct config *c,
		    struct sysfiles *sys, struct conf_errors *errs)
{
	struct source src;
	size_t len = 0;
	char *text = read_file(path, &len, errs);
	char *dir = dir_of(path);
	int rc;

	if (text == NULL || dir == NULL) {
		free(text);
		free(dir);
		return -1;
	}
	memset(&src, 0, sizeof(src));
	src.file = path;
	src.dir = dir;
	src.errs = errs;
	src.sys = sys;
	rc = parse_source(&src, text, len, top, c);
	confscan_free(&src.scan);
	free(text);
	free(dir);
	return rc;
}

static int is_conf_name(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return de->d_name[0] != '.' && n > 5 &&
	       strcmp(de->d_name + n - 5, ".conf") == 0;
}

static int load_include_dir(struct config *c, struct sysfiles *sys,
			    struct conf_errors *errs)
{
	struct dirent **list;
	int i, n, bad = 0;

	/* NULL when the main file was not read that far. */
	if (c->include_dir == NULL || c->include_dir[0] == '\0')
		return 0;
	n = scandir(c->include_dir, &list, is_conf_name, alphasort);
	if (n < 0)
		return conf_error(errs, c->path, c->include_dir_line,
				  "include-dir '%s': %s", c->include_dir,
				  strerror(errno));
	for (i = 0; i < n; i++) {
		char *p;

		if (asprintf(&p, "%s/%s", c->include_dir, list[i]->d_name) <
		    0) {
			bad = -1;
		} else {
			bad |= load_one(p, 0, c, sys, errs);
			free(p);
		}
		free(list[i]);
	}
	free(list);
	return bad ? -1 : 0;
}

static int cmp_svc_names(size_t i, size_t j, const void *items)
{
	const struct svc_conf *v = items;

	return strcmp(v[i].name, v[j].name);
}

const struct svc_conf *conf_find(const struct config *c, const char *name)
{
	size_t i, lo = 0, hi = c->nsvcs;

	if (c->by_name == NULL) {
		for (i = 0; i < c->nsvcs; i++)
			if (strcmp(c->svcs[i].name, name) == 0)
				return &c->svcs[i];
		return NULL;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct svc_conf *s = &c->svcs[c->by_name[mid]];
		int r = strcmp(name, s->name);

		if (r == 0)
			return s;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* c->by_name, for conf_find and for check_names. */
static int index_names(struct config *c, struct conf_errors *errs)
{
	c->by_name = sort_order(c->nsvcs, c->svcs, cmp_svc_names);
	return c->by_name != NULL
		       ? 0
		       : conf_error(errs, c->path, 0, "out of memory");
}

static int check_names(const struct config *c, const char *extra_main,
		       struct conf_errors *errs)
{
	const struct svc_conf *first_main = NULL;
	size_t *first = firsts(c->nsvcs, c->svcs, c->by_name, cmp_svc_names);
	size_t i;
	int bad = 0;

	if (first == NULL)
		return conf_error(errs, c->path, 0, "out of memory");
	for (i = 0; i < c->nsvcs; i++) {
		const struct svc_conf *s = &c->svcs[i];

		if (first[i] != i)
			bad |= conf_error(
				errs, s->file, s->line,
				"service '%s' is defined twice (first at %s:%d)",
				s->name, c->svcs[first[i]].file,
				c->svcs[first[i]].line);
		if (extra_main != NULL && strcmp(s->name, extra_main) == 0)
			bad |= conf_error(
				errs, s->file, s->line,
				"service '%s': that name is the command given after --",
				s->name);
		if (!s->main)
			continue;
		if (extra_main != NULL)
			bad |= conf_error(
				errs, s->file, s->line_main,
				"service '%s' is main, but the command given after -- is the main service",
				s->name);
		else if (first_main != NULL)
			bad |= conf_error(
				errs, s->file, s->line_main,
				"two main services: '%s' and '%s' (%s:%d)",
				s->name, first_main->name, first_main->file,
				first_main->line_main);
		else
			first_main = s;
	}
	free(first);
	return bad ? -1 : 0;
}

/* Resolves depends to indices (plan nodes); reports unknown names and cycles. */
static int check_depends(const struct config *c, struct conf_errors *errs)
{
	struct plan_node *nodes =
		calloc(c->nsvcs ? c->nsvcs : 1, sizeof(*nodes));
	size_t *cycle = calloc(c->nsvcs ? c->nsvcs : 1, sizeof(*cycle));
	size_t i, k, n;
	int bad = 0;

	if (nodes == NULL || cycle == NULL) {
		bad = conf_error(errs, c->path, 0, "out of memory");
		goto out;
	}
	for (i = 0; i < c->nsvcs; i++) {
		const struct svc_conf *s = &c->svcs[i];
		size_t *deps = calloc(strv_len(s->depends) + 1, sizeof(*deps));
		char **d;

		nodes[i].deps = deps;
		if (deps == NULL) {
			bad = conf_error(errs, c->path, 0, "out of memory");
			goto out;
		}
		for (d = s->depends; *d != NULL; d++) {
			const struct svc_conf *t = conf_find(c, *d);

			if (t == NULL)
				bad |= conf_error(
					errs, s->file, s->line_depends,
					"service '%s' depends on '%s', which is not defined",
					s->name, *d);
			else if (t == s)
				bad |= conf_error(
					errs, s->file, s->line_depends,
					"service '%s' depends on itself",
					s->name);
			else
				deps[nodes[i].ndeps++] = (size_t)(t - c->svcs);
		}
	}
	if (bad)
		goto out;
	n = plan_find_cycle(nodes, c->nsvcs, cycle);
	if (n > 0) {
		const struct svc_conf *s = &c->svcs[cycle[0]];
		char path[1024];
		size_t len = 0;

		for (k = 0; k <= n && len < sizeof(path); k++)
			len += (size_t)snprintf(path + len, sizeof(path) - len,
						"%s%s", k ? " -> " : "",
						c->svcs[cycle[k % n]].name);
		bad = conf_error(errs, s->file, s->line_depends,
				 "dependency cycle: %s", path);
	}
out:
	for (i = 0; nodes != NULL && i < c->nsvcs; i++)
		free((void *)nodes[i].deps);
	free(nodes);
	free(cycle);
	return bad ? -1 : 0;
}

/*
 * The absolute path p with repeated slashes and "." components dropped, to
 * compare two ways of writing one file. ".." stays: a symlink may be
 * under it.
 */
static char *path_norm(const char *p)
{
	char *out = malloc(strlen(p) + 2), *o = out;

	if (out == NULL)
		return NULL;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		if (p[0] == '.' && (p[1] == '/' || p[1] == '\0')) {
			p++;
			continue;
		}
		*o++ = '/';
		while (*p != '/' && *p != '\0')
			*o++ = *p++;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	return out;
}

/* 1 when b is a's path followed by ".N", N from 1 to keep: a rotation's. */
static int is_rotation_of(const char *a, int keep, const char *b)
{
	size_t n = strlen(a);
	long v = 0;
	const char *p;

	if (strncmp(a, b, n) != 0 || b[n] != '.' || b[n + 1] == '\0' ||
	    b[n + 1] == '0')
		return 0;
	for (p = b + n + 1; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p) || v > keep)
			return 0;
		v = v * 10 + (*p - '0');
	}
	return v >= 1 && v <= keep;
}

/*
 * Two services writing one log file would interleave their lines, and the
 * one that rotates would move the file from under the other; the same
 * when one writes where another keeps its rotated files.
 */
static int cmp_strs(size_t i, size_t j, const void *items)
{
	char *const *v = items;

	return strcmp(v[i], v[j]);
}

/*
 * The index among n (sorted: the order of norm) of the service whose log
 * is b's base ("/x/a.log" for "/x/a.log.3"), or n.
 */
static size_t rotated_from(char *const *norm, const size_t *sorted, size_t n,
			   const char *b)
{
	const char *dot = strrchr(b, '.');
	size_t lo = 0, hi = n, len;

	if (dot == NULL || dot == b || dot[1] == '\0' ||
	    strspn(dot + 1, "0123456789") != strlen(dot + 1))
		return n;
	len = (size_t)(dot - b);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *a = norm[sorted[mid]];
		int r = strncmp(b, a, len);

		if (r == 0)
			r = a[len] == '\0' ? 0 : -1;
		if (r == 0)
			return sorted[mid];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return n;
}

static int check_log_files(const struct config *c, struct conf_errors *errs)
{
	char **norm = calloc(c->nsvcs ? c->nsvcs : 1, sizeof(*norm));
	size_t *svc = calloc(c->nsvcs ? c->nsvcs : 1, sizeof(*svc));
	size_t *sorted = NULL, *first = NULL, i, n = 0;
	int bad = 0;

	if (norm == NULL || svc == NULL) {
		bad = conf_error(errs, c->path, 0, "out of memory");
		goto out;
	}
	/* norm[k]: the k-th log path, of service svc[k] */
	for (i = 0; i < c->nsvcs; i++) {
		if (c->svcs[i].log_path == NULL)
			continue;
		if ((norm[n] = path_norm(c->svcs[i].log_path)) == NULL) {
			bad = conf_error(errs, c->path, 0, "out of memory");
			goto out;
		}
		svc[n++] = i;
	}
	sorted = sort_order(n, norm, cmp_strs);
	if ((first = firsts(n, norm, sorted, cmp_strs)) == NULL) {
		bad = conf_error(errs, c->path, 0, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct svc_conf *s = &c->svcs[svc[i]], *t;
		size_t k = rotated_from(norm, sorted, n, norm[i]);

		if (first[i] != i) {
			t = &c->svcs[svc[first[i]]];
			bad |= conf_error(
				errs, s->file, s->line_log,
				"service '%s' logs to '%s', as service '%s' does (first at %s:%d)",
				s->name, s->log_path, t->name, t->file,
				t->line_log);
		} else if (k < n &&
			   is_rotation_of(norm[k], c->svcs[svc[k]].log_keep,
					  norm[i])) {
			t = &c->svcs[svc[k]];
			bad |= conf_error(
				errs, s->file, s->line_log,
				"service '%s' logs to '%s', where service '%s' keeps its rotated log (%s:%d)",
				s->name, s->log_path, t->name, t->file,
				t->line_log);
		}
	}
out:
	for (i = 0; norm != NULL && i < n; i++)
		free(norm[i]);
	free(norm);
	free(svc);
	free(sorted);
	free(first);
	return bad ? -1 : 0;
}

static struct config *finish_load(struct config *c, const char *extra_main,
				  int bad, struct sysfiles *sys,
				  struct conf_errors *errs)
{
	if (!bad)
		bad |= load_include_dir(c, sys, errs);
	sysfiles_free(sys);
	if (!bad)
		bad |= index_names(c, errs);
	if (!bad)
		bad |= check_names(c, extra_main, errs);
	if (!bad)
		bad |= check_depends(c, errs);
	if (!bad)
		bad |= check_log_files(c, errs);
	if (bad || errs->n > 0) {
		conf_free(c);
		return NULL;
	}
	return c;
}

struct config *conf_load_text(const char *name, const char *text, size_t len,
			      const char *extra_main, struct conf_errors *errs)
{
	struct config *c = calloc(1, sizeof(*c));
	struct sysfiles sys = { 0 };
	struct source src;
	char *dir = dir_of(name);
	int bad;

	memset(errs, 0, sizeof(*errs));
	if (c == NULL || dir == NULL || (c->path = strdup(name)) == NULL) {
		free(dir);
		conf_free(c);
		conf_error(errs, name, 0, "out of memory");
		return NULL;
	}
	memset(&src, 0, sizeof(src));
	src.file = name;
	src.dir = dir;
	src.errs = errs;
	src.sys = &sys;
	bad = parse_source(&src, text, len, 1, c);
	confscan_free(&src.scan);
	free(dir);
	return finish_load(c, extra_main, bad, &sys, errs);
}

struct config *conf_load(const char *path, const char *extra_main,
			 struct conf_errors *errs)
{
	struct config *c = calloc(1, sizeof(*c));
	struct sysfiles sys = { 0 };
	int bad;

	memset(errs, 0, sizeof(*errs));
	if (c == NULL || (c->path = strdup(path)) == NULL) {
		conf_free(c);
		conf_error(errs, path, 0, "out of memory");
		return NULL;
	}
	bad = load_one(path, 1, c, &sys, errs);
	return finish_load(c, extra_main, bad, &sys, errs);
}

void conf_free(struct config *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsvcs; i++)
		conf_svc_free(&c->svcs[i]);
	free(c->svcs);
	free(c->by_name);
	free(c->path);
	free(c->include_dir);
	free(c->forward_signals);
	free(c->control_socket);
	free(c->control_group);
	free(c->monitor_group);
	free(c);
}

void conf_errors_free(struct conf_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	memset(errs, 0, sizeof(*errs));
}
