/*
 * The control commands of config mode (docs/protocol.md): what tend
 * answers on its control socket, and the events it streams.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmdsplit.h"
#include "ctlproto.h"
#include "ctlsrv.h"
#include "log.h"
#include "reaper.h"
#include "signames.h"
#include "supervisor.h"
#include "svc.h"

static double now(const struct sup *sup)
{
	return ev_now(sup->loop);
}

/* "exit_code" and "exit_signal" of the last exit (null, null before any). */
static void last_exit(struct jbuf *b, const struct svc *s)
{
	char name[16];

	jb_key(b, "exit_code");
	if (s->has_exit && WIFEXITED(s->last_wstatus))
		jb_int(b, WEXITSTATUS(s->last_wstatus));
	else
		jb_null(b);
	jb_key(b, "exit_signal");
	if (s->has_exit && WIFSIGNALED(s->last_wstatus))
		jb_str(b, sig_name(WTERMSIG(s->last_wstatus), name, sizeof(name)));
	else
		jb_null(b);
}

static void service_json(struct jbuf *b, const struct sup *sup,
			 const struct svc *s)
{
	jb_obj_begin(b);
	jb_key(b, "name");
	jb_str(b, s->conf->name);
	jb_key(b, "state");
	jb_str(b, fsm_state_name(s->state));
	jb_key(b, "pid");
	if (s->pid > 0)
		jb_int(b, s->pid);
	else
		jb_null(b);
	jb_key(b, "uptime");
	if (s->pid > 0)
		jb_num(b, now(sup) - (double)s->started_ms / 1000.0, 1);
	else
		jb_null(b);
	jb_key(b, "restarts");
	jb_int(b, s->restarts);
	jb_key(b, "ready");
	jb_bool(b, sup->phase == SD_NONE && svc_ready(s));
	jb_key(b, "health");
	jb_null(b);
	last_exit(b, s);
	jb_key(b, "main");
	jb_bool(b, s->conf->main);
	jb_key(b, "critical");
	jb_bool(b, s->conf->critical);
	jb_key(b, "reason");
	jb_str(b, s->reason);
	jb_key(b, "starts");
	jb_int(b, s->starts);
	jb_obj_end(b);
}

/* The services a request names (all when none), or NULL for an unknown name. */
static struct svc **named(struct sup *sup, const struct ctl_request *req,
			  size_t first, size_t *n, char *err, size_t errlen)
{
	size_t i, k = 0, want = req->nargs > first ? req->nargs - first : 0;
	struct svc **v;

	if (want == 0) {
		v = calloc(sup->nsvcs + 1, sizeof(*v));
		if (v == NULL)
			return NULL;
		for (i = 0; i < sup->nsvcs; i++)
			if (!sup->svcs[i]->removed)
				v[k++] = sup->svcs[i];
		*n = k;
		return v;
	}
	v = calloc(want + 1, sizeof(*v));
	if (v == NULL)
		return NULL;
	for (i = first; i < req->nargs; i++) {
		struct svc *s = sup_find(sup, req->args[i]);

		if (s == NULL) {
			snprintf(err, errlen, "unknown service '%s'", req->args[i]);
			free(v);
			return NULL;
		}
		v[k++] = s;
	}
	*n = k;
	return v;
}

static enum ctl_status error(struct jbuf *b, enum ctl_status st,
			     const char *msg)
{
	jb_obj_begin(b);
	jb_key(b, "error");
	jb_str(b, msg);
	jb_obj_end(b);
	return st;
}

static enum ctl_status cmd_status(struct sup *sup, struct svc **v, size_t n,
				  struct jbuf *b)
{
	size_t i;

	jb_obj_begin(b);
	jb_key(b, "version");
	jb_str(b, TEND_VERSION);
	jb_key(b, "pid");
	jb_int(b, getpid());
	jb_key(b, "uptime");
	jb_num(b, ev_time() - sup->started, 1);
	jb_key(b, "orphans_reaped");
	jb_int(b, (long long)reaper_orphans());
	jb_key(b, "shutting_down");
	jb_bool(b, sup->phase != SD_NONE);
	jb_key(b, "services");
	jb_arr_begin(b);
	for (i = 0; i < n; i++)
		service_json(b, sup, v[i]);
	jb_arr_end(b);
	jb_obj_end(b);
	return CTL_OK;
}

/* Why s is not ready (NULL when it is), for check. */
static const char *not_ready(const struct sup *sup, const struct svc *s)
{
	if (sup->phase != SD_NONE)
		return "tend is shutting down";
	if (svc_ready(s))
		return NULL;
	if (s->reason != NULL)
		return s->reason;
	return fsm_state_name(s->state);
}

static enum ctl_status cmd_check(struct sup *sup, struct svc **v, size_t n,
				 int all, struct jbuf *b)
{
	size_t i;
	int healthy = 1;

	jb_obj_begin(b);
	jb_key(b, "services");
	jb_arr_begin(b);
	for (i = 0; i < n; i++) {
		const char *why;

		/* Without names: only what is wanted up (SPEC §5). */
		if (all && !v[i]->want_up)
			continue;
		why = not_ready(sup, v[i]);
		if (why != NULL)
			healthy = 0;
		jb_obj_begin(b);
		jb_key(b, "name");
		jb_str(b, v[i]->conf->name);
		jb_key(b, "ok");
		jb_bool(b, why == NULL);
		jb_key(b, "state");
		jb_str(b, fsm_state_name(v[i]->state));
		jb_key(b, "reason");
		jb_str(b, why);
		jb_obj_end(b);
	}
	jb_arr_end(b);
	jb_key(b, "healthy");
	jb_bool(b, healthy && sup->phase == SD_NONE);
	jb_obj_end(b);
	return CTL_OK;
}

/* Prometheus text format 0.0.4. */
static enum ctl_status cmd_metrics(struct sup *sup, struct jbuf *b)
{
	char line[512];
	size_t i;
	int n;

#define EMIT(...)                                                   \
	do {                                                        \
		n = snprintf(line, sizeof(line), __VA_ARGS__);      \
		if (n > 0)                                          \
			jb_raw(b, line, (size_t)n < sizeof(line) ?  \
					       (size_t)n : sizeof(line) - 1); \
	} while (0)

	EMIT("# HELP tend_service_state The service's current state (1 for that state).\n"
	     "# TYPE tend_service_state gauge\n");
	for (i = 0; i < sup->nsvcs; i++)
		EMIT("tend_service_state{service=\"%s\",state=\"%s\"} 1\n",
		     sup->svcs[i]->conf->name, fsm_state_name(sup->svcs[i]->state));
	EMIT("# HELP tend_service_ready 1 when the service is ready.\n"
	     "# TYPE tend_service_ready gauge\n");
	for (i = 0; i < sup->nsvcs; i++)
		EMIT("tend_service_ready{service=\"%s\"} %d\n",
		     sup->svcs[i]->conf->name,
		     sup->phase == SD_NONE && svc_ready(sup->svcs[i]));
	EMIT("# HELP tend_service_restarts_total Restarts of the service.\n"
	     "# TYPE tend_service_restarts_total counter\n");
	for (i = 0; i < sup->nsvcs; i++)
		EMIT("tend_service_restarts_total{service=\"%s\"} %u\n",
		     sup->svcs[i]->conf->name, sup->svcs[i]->restarts);
	EMIT("# HELP tend_service_last_exit_code Exit code of the last run (128+N for signal N).\n"
	     "# TYPE tend_service_last_exit_code gauge\n");
	for (i = 0; i < sup->nsvcs; i++)
		if (sup->svcs[i]->has_exit)
			EMIT("tend_service_last_exit_code{service=\"%s\"} %d\n",
			     sup->svcs[i]->conf->name,
			     WIFSIGNALED(sup->svcs[i]->last_wstatus) ?
				     128 + WTERMSIG(sup->svcs[i]->last_wstatus) :
				     WEXITSTATUS(sup->svcs[i]->last_wstatus));
	EMIT("# HELP tend_service_uptime_seconds Seconds since the current run started (0 when none).\n"
	     "# TYPE tend_service_uptime_seconds gauge\n");
	for (i = 0; i < sup->nsvcs; i++)
		EMIT("tend_service_uptime_seconds{service=\"%s\"} %.3f\n",
		     sup->svcs[i]->conf->name,
		     sup->svcs[i]->pid > 0 ?
			     now(sup) - (double)sup->svcs[i]->started_ms / 1000.0 :
			     0.0);
	EMIT("# HELP tend_orphans_reaped_total Adopted orphans tend reaped.\n"
	     "# TYPE tend_orphans_reaped_total counter\n"
	     "tend_orphans_reaped_total %lu\n",
	     reaper_orphans());
#undef EMIT
	return CTL_OK;
}

static void brief(struct jbuf *b, struct svc **v, size_t n)
{
	size_t i;

	jb_obj_begin(b);
	jb_key(b, "services");
	jb_arr_begin(b);
	for (i = 0; i < n; i++) {
		jb_obj_begin(b);
		jb_key(b, "name");
		jb_str(b, v[i]->conf->name);
		jb_key(b, "state");
		jb_str(b, fsm_state_name(v[i]->state));
		jb_key(b, "pid");
		if (v[i]->pid > 0)
			jb_int(b, v[i]->pid);
		else
			jb_null(b);
		jb_key(b, "starts");
		jb_int(b, v[i]->starts);
		jb_obj_end(b);
	}
	jb_arr_end(b);
	jb_obj_end(b);
}

static enum ctl_status cmd_act(struct sup *sup, enum ctl_cmd cmd,
			       struct svc **v, size_t n, struct jbuf *b)
{
	size_t i;

	if (sup->phase != SD_NONE && cmd != CTL_STOP)
		return error(b, CTL_SHUTTING_DOWN, "tend is shutting down");
	for (i = 0; i < n; i++) {
		if (cmd == CTL_START)
			svc_event(v[i], FE_START);
		else if (cmd == CTL_STOP)
			svc_event(v[i], FE_STOP);
		else
			svc_event(v[i], FE_RESTART);
		log_info("service %s: %s requested", v[i]->conf->name,
			 ctl_cmd_name(cmd));
	}
	brief(b, v, n);
	return CTL_OK;
}

static enum ctl_status cmd_signal(struct sup *sup, int sig, struct svc **v,
				  size_t n, struct jbuf *b)
{
	size_t i;
	char name[16];

	(void)sup;
	sig_name(sig, name, sizeof(name));
	for (i = 0; i < n; i++) {
		if (v[i]->pid <= 0)
			continue;
		log_info("service %s: sending SIG%s (requested)", v[i]->conf->name,
			 name);
		if (kill(-v[i]->pid, sig) < 0 && errno != ESRCH)
			log_warn("service %s: kill", v[i]->conf->name);
	}
	brief(b, v, n);
	return CTL_OK;
}

static void names(struct jbuf *b, const char *key, char **list)
{
	jb_key(b, key);
	jb_arr_begin(b);
	for (; list != NULL && *list != NULL; list++)
		jb_str(b, *list);
	jb_arr_end(b);
}

static enum ctl_status cmd_reload(struct sup *sup, int dry_run, struct jbuf *b)
{
	struct conf_errors errs;
	struct reload_diff d;
	size_t i;

	if (sup->phase != SD_NONE)
		return error(b, CTL_SHUTTING_DOWN, "tend is shutting down");
	if (sup_reload_do(sup, dry_run, &d, &errs) < 0) {
		log_errorx("reload of %s failed; nothing changed:", sup->cfg->path);
		jb_obj_begin(b);
		jb_key(b, "error");
		jb_str(b, "the configuration is not valid; nothing changed");
		jb_key(b, "errors");
		jb_arr_begin(b);
		for (i = 0; i < errs.n; i++) {
			log_errorx("%s", errs.msgs[i]);
			jb_str(b, errs.msgs[i]);
		}
		jb_arr_end(b);
		jb_obj_end(b);
		conf_errors_free(&errs);
		return CTL_FAILED;
	}
	jb_obj_begin(b);
	jb_key(b, "applied");
	jb_bool(b, !dry_run);
	names(b, "added", d.added);
	names(b, "removed", d.removed);
	names(b, "restarted", d.restarted);
	names(b, "changed", d.changed);
	names(b, "unchanged", d.unchanged);
	jb_obj_end(b);
	if (!dry_run)
		log_info("reloaded %s (tendctl): %zu added, %zu removed, %zu restarted, %zu changed in place, %zu unchanged",
			 sup->cfg->path, strv_len(d.added), strv_len(d.removed),
			 strv_len(d.restarted), strv_len(d.changed),
			 strv_len(d.unchanged));
	reload_diff_free(&d);
	return CTL_OK;
}

static enum ctl_status handle(void *ctx, const struct ctl_request *req,
			      struct jbuf *b, int *stream)
{
	struct sup *sup = ctx;
	enum ctl_status st = CTL_OK;
	struct svc **v = NULL;
	size_t n = 0;
	char err[128] = "";
	int sig = 0;

	switch (req->cmd) {
	case CTL_EVENTS:
		*stream = 1;
		return CTL_OK;
	case CTL_METRICS:
		return cmd_metrics(sup, b);
	case CTL_SHUTDOWN:
		sup_shutdown(sup, "tendctl shutdown");
		jb_obj_begin(b);
		jb_obj_end(b);
		sup_settle(sup);
		return CTL_OK;
	case CTL_RELOAD:
		st = cmd_reload(sup, req->nargs == 1, b);
		sup_settle(sup);
		return st;
	case CTL_SIGNAL:
		sig = sig_parse(req->args[0]);
		if (sig < 0) {
			snprintf(err, sizeof(err), "unknown signal '%s'", req->args[0]);
			return error(b, CTL_BAD_REQUEST, err);
		}
		v = named(sup, req, 1, &n, err, sizeof(err));
		break;
	default:
		v = named(sup, req, 0, &n, err, sizeof(err));
		break;
	}
	if (v == NULL)
		return error(b, err[0] ? CTL_UNKNOWN_SERVICE : CTL_FAILED,
			     err[0] ? err : "out of memory");
	switch (req->cmd) {
	case CTL_STATUS:
		st = cmd_status(sup, v, n, b);
		break;
	case CTL_CHECK:
		st = cmd_check(sup, v, n, req->nargs == 0, b);
		break;
	case CTL_SIGNAL:
		st = cmd_signal(sup, sig, v, n, b);
		break;
	default: /* start, stop, restart */
		st = cmd_act(sup, req->cmd, v, n, b);
		sup_settle(sup);
		break;
	}
	free(v);
	return st;
}

void sup_event(struct sup *sup, const struct svc *s, int before)
{
	struct jbuf b;
	char ts[32];

	if (!ctlsrv_has_subscribers(sup->ctl))
		return;
	ctl_rfc3339(ev_time(), ts);
	jb_init(&b);
	jb_obj_begin(&b);
	jb_key(&b, "ts");
	jb_str(&b, ts);
	jb_key(&b, "service");
	jb_str(&b, s->conf->name);
	jb_key(&b, "from");
	jb_str(&b, fsm_state_name((enum svc_state)before));
	jb_key(&b, "to");
	jb_str(&b, fsm_state_name(s->state));
	jb_key(&b, "pid");
	if (s->pid > 0)
		jb_int(&b, s->pid);
	else
		jb_null(&b);
	last_exit(&b, s);
	jb_key(&b, "reason");
	jb_str(&b, s->reason);
	jb_obj_end(&b);
	if (!b.oom)
		ctlsrv_broadcast(sup->ctl, b.s, b.len);
	jb_free(&b);
}

static void access_of(const struct config *c, struct ctlsrv_access *a)
{
	a->has_control = c->control_group[0] != '\0';
	a->has_monitor = c->monitor_group[0] != '\0';
	a->control_gid = c->control_gid;
	a->monitor_gid = c->monitor_gid;
}

/* Where the socket goes: -S, else control-socket, else the default. */
static int socket_path(const struct sup *sup, const struct config *c,
		       char *out, size_t outlen, char *err, size_t errlen)
{
	const char *p = sup->args->socket;

	if (p == NULL || p[0] == '\0')
		p = c->control_socket;
	if (p[0] != '\0') {
		snprintf(out, outlen, "%s", p);
		return 0;
	}
	return ctlsrv_default_path(c->control_group[0] != '\0' ||
					   c->monitor_group[0] != '\0',
				   out, outlen, err, errlen);
}

int sup_control_open(struct sup *sup, const struct config *c)
{
	struct ctlsrv_access a;
	char path[256], err[512];

	access_of(c, &a);
	if (socket_path(sup, c, path, sizeof(path), err, sizeof(err)) < 0 ||
	    (sup->ctl = ctlsrv_open(sup->loop, path, &a, handle, sup, err,
				    sizeof(err))) == NULL) {
		log_errorx("control socket: %s", err);
		return -1;
	}
	log_info("control socket: %s", path);
	return 0;
}

void sup_control_update(struct sup *sup, struct config *c)
{
	struct ctlsrv_access a;
	struct ctlsrv *fresh;
	char path[256], err[512];
	char *t;

	/* Keep the new values in the running config. */
	t = sup->cfg->control_group;
	sup->cfg->control_group = c->control_group;
	c->control_group = t;
	t = sup->cfg->monitor_group;
	sup->cfg->monitor_group = c->monitor_group;
	c->monitor_group = t;
	sup->cfg->control_gid = c->control_gid;
	sup->cfg->monitor_gid = c->monitor_gid;
	access_of(sup->cfg, &a);
	ctlsrv_set_access(sup->ctl, &a);

	if (strcmp(sup->cfg->control_socket, c->control_socket) == 0)
		return;
	t = sup->cfg->control_socket;
	sup->cfg->control_socket = c->control_socket;
	c->control_socket = t;
	if (sup->args->socket != NULL || sup->ctl == NULL)
		return; /* -S wins over the file */
	if (socket_path(sup, sup->cfg, path, sizeof(path), err, sizeof(err)) < 0 ||
	    (fresh = ctlsrv_open(sup->loop, path, &a, handle, sup, err,
				 sizeof(err))) == NULL) {
		log_errorx("control socket: %s; keeping %s", err,
			   ctlsrv_path(sup->ctl));
		return;
	}
	ctlsrv_close(sup->ctl);
	sup->ctl = fresh;
	log_info("control socket: now %s", path);
}
