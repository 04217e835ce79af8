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
#include "ctlview.h"
#include "log.h"
#include "logline.h"
#include "logmux.h"
#include "reaper.h"
#include "signames.h"
#include "supervisor.h"
#include "svc.h"

/* The view of s that status, check, metrics and events report. */
static struct ctl_view view(const struct sup *sup, const struct svc *s)
{
	struct ctl_view v;

	memset(&v, 0, sizeof(v));
	v.name = s->conf->name;
	v.state = fsm_state_name(s->state);
	v.pid = s->pid;
	v.uptime = ev_now(sup->loop) - (double)s->started_ms / 1000.0;
	v.restarts = s->restarts;
	v.starts = s->starts;
	/* Draining: every service reports not ready (SPEC §3). */
	v.ready = sup->phase == SD_NONE && svc_ready(s);
	v.has_exit = s->has_exit;
	v.wstatus = s->last_wstatus;
	v.main = s->conf->main;
	v.critical = s->conf->critical;
	v.reason = s->reason;
	v.wanted = s->want_up;
	v.log_dropped = s->log.dropped;
	v.health = svcprobe_health_name(s);
	v.health_failures = s->probe.health_fails;
	return v;
}

/*
 * The views of the services a request names from args[first] on (all
 * when none), or NULL with err set for an unknown name.
 */
static struct ctl_view *named(struct sup *sup, const struct ctl_request *req,
			      size_t first, struct svc ***svcs, size_t *n,
			      char *err, size_t errlen)
{
	size_t i, k = 0, want = req->nargs > first ? req->nargs - first : 0;
	size_t cap = want ? want : sup->nsvcs;
	struct ctl_view *v = calloc(cap + 1, sizeof(*v));
	struct svc **s = calloc(cap + 1, sizeof(*s));

	if (v == NULL || s == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; want == 0 && i < sup->nsvcs; i++)
		if (!sup->svcs[i]->removed)
			s[k++] = sup->svcs[i];
	for (i = first; want > 0 && i < req->nargs; i++) {
		s[k] = sup_find(sup, req->args[i]);
		if (s[k] == NULL) {
			snprintf(err, errlen, "unknown service '%s'",
				 req->args[i]);
			goto fail;
		}
		k++;
	}
	for (i = 0; i < k; i++)
		v[i] = view(sup, s[i]);
	*n = k;
	*svcs = s;
	return v;
fail:
	free(v);
	free(s);
	return NULL;
}

/* Refreshes the views after an action changed the services. */
static void refresh(const struct sup *sup, struct ctl_view *v, struct svc **s,
		    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = view(sup, s[i]);
}

static void act(enum ctl_cmd cmd, int sig, struct svc **s, size_t n)
{
	char name[16];
	size_t i;

	sig_name(sig, name, sizeof(name));
	for (i = 0; i < n; i++) {
		if (cmd == CTL_SIGNAL) {
			if (s[i]->pid <= 0)
				continue;
			log_info("service %s: sending SIG%s (requested)",
				 s[i]->conf->name, name);
			if (kill(-s[i]->pid, sig) < 0 && errno != ESRCH)
				log_warn("service %s: kill", s[i]->conf->name);
			continue;
		}
		log_info("service %s: %s requested", s[i]->conf->name,
			 ctl_cmd_name(cmd));
		svc_event(s[i], cmd == CTL_START  ? FE_START
				: cmd == CTL_STOP ? FE_STOP
						  : FE_RESTART);
	}
}

/* The reply comes once the file is read (reload.c). */
static enum ctl_status cmd_reload(struct sup *sup, int dry_run, struct jbuf *b,
				  struct ctlsrv_stream *stream)
{
	if (sup->phase != SD_NONE)
		return ctlview_error(b, CTL_SHUTTING_DOWN,
				     "tend is shutting down");
	stream->kind = CTLSRV_LATER;
	sup_reload_request(sup, dry_run, stream->client);
	return CTL_OK;
}

static int has_main(struct svc **s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i]->conf->main)
			return 1;
	return 0;
}

struct log_out {
	struct jbuf *b;
	const char *name;
	int lines_only; /* a follow backlog: one object a line */
};

static void log_rec(void *ctx, const struct logring_rec *rec)
{
	struct log_out *o = ctx;
	struct logfmt_line l;

	memset(&l, 0, sizeof(l));
	l.service = o->name;
	l.stream = (enum log_stream)rec->stream;
	l.msg = rec->msg;
	l.len = rec->len;
	l.flags = rec->flags;
	l.ts_ms = rec->ts_ms;
	if (o->lines_only)
		o->b->first = 1;
	logfmt_json_obj(o->b, &l, 1);
	if (o->lines_only)
		jb_raw(o->b, "\n", 1);
}

/* log NAME N [follow]: the recent lines, and the new ones with follow. */
static enum ctl_status cmd_log(struct sup *sup, const struct ctl_request *req,
			       struct jbuf *b, struct ctlsrv_stream *stream)
{
	static const char *const mode_names[] = { "", "inherit", "null",
						  "file" };
	struct ctl_log_args la;
	struct log_out o;
	struct svc *s;
	unsigned long n;
	char err[160];

	if (ctl_log_args(req, &la) < 0)
		return ctlview_error(b, CTL_BAD_REQUEST, "bad log request");
	s = sup_find(sup, la.name);
	if (s == NULL) {
		snprintf(err, sizeof(err), "unknown service '%s'", la.name);
		return ctlview_error(b, CTL_UNKNOWN_SERVICE, err);
	}
	if (!svclog_kept(&s->log)) {
		snprintf(err, sizeof(err),
			 "service %s: output is not kept (log = %s)",
			 s->conf->name, mode_names[s->log.mode]);
		return ctlview_error(b, CTL_FAILED, err);
	}
	o.b = b;
	o.name = s->conf->name;
	o.lines_only = la.follow;
	/* Oldest lines left out until the reply fits (a huge log-buffer). */
	for (n = la.lines;; n /= 2) {
		b->len = 0;
		b->first = 1;
		if (!la.follow) {
			jb_obj_begin(b);
			jb_key(b, "service");
			jb_str(b, s->conf->name);
			jb_key(b, "lines");
			jb_arr_begin(b);
		}
		logring_last(&s->log.ring, n, log_rec, &o);
		if (!la.follow) {
			jb_arr_end(b);
			jb_obj_end(b);
		}
		if (b->oom || b->len <= CTL_BODY_MAX || n == 0)
			break;
	}
	if (la.follow) {
		stream->kind = CTLSRV_FOLLOW;
		stream->key = s->conf->name;
	}
	return CTL_OK;
}

/* Every line of a piped service, to the clients that follow it. */
static void follow_line(void *ctx, const struct svclog *lg,
			const struct logfmt_line *l)
{
	struct sup *sup = ctx;
	struct jbuf b;

	if (!ctlsrv_has_followers(sup->ctl))
		return;
	jb_init(&b);
	logfmt_json_obj(&b, l, 1);
	if (!b.oom)
		ctlsrv_follow_send(sup->ctl, lg->name, b.s, b.len);
	jb_free(&b);
}

static enum ctl_status handle(void *ctx, const struct ctl_request *req,
			      struct jbuf *b, struct ctlsrv_stream *stream)
{
	struct sup *sup = ctx;
	enum ctl_status st = CTL_OK;
	struct ctl_view *v;
	struct svc **s = NULL;
	struct ctl_top top;
	size_t n = 0;
	char err[128] = "";
	int sig = 0, down = sup->phase != SD_NONE;

	switch (req->cmd) {
	case CTL_EVENTS:
		stream->kind = CTLSRV_EVENTS;
		return CTL_OK;
	case CTL_LOG:
		return cmd_log(sup, req, b, stream);
	case CTL_SHUTDOWN:
		sup_shutdown(sup, "tendctl shutdown");
		jb_obj_begin(b);
		jb_obj_end(b);
		sup_settle(sup);
		return CTL_OK;
	case CTL_RELOAD:
		st = cmd_reload(sup, req->nargs == 1, b, stream);
		sup_settle(sup);
		return st;
	case CTL_SIGNAL:
		sig = sig_parse(req->args[0]);
		if (sig < 0) {
			snprintf(err, sizeof(err), "unknown signal '%s'",
				 req->args[0]);
			return ctlview_error(b, CTL_BAD_REQUEST, err);
		}
		v = named(sup, req, 1, &s, &n, err, sizeof(err));
		break;
	case CTL_METRICS:
		v = named(sup, req, req->nargs, &s, &n, err, sizeof(err));
		break;
	default:
		v = named(sup, req, 0, &s, &n, err, sizeof(err));
		break;
	}
	if (v == NULL)
		return ctlview_error(b,
				     strncmp(err, "unknown", 7) == 0
					     ? CTL_UNKNOWN_SERVICE
					     : CTL_FAILED,
				     err);
	memset(&top, 0, sizeof(top));
	top.uptime = ev_time() - sup->started;
	top.orphans = reaper_orphans();
	top.shutting_down = down;
	top.log_dropped = logmux_dropped();
	switch (req->cmd) {
	case CTL_STATUS:
		ctlview_status(b, &top, v, n);
		break;
	case CTL_CHECK:
		ctlview_check(b, v, n, req->nargs == 0, down);
		break;
	case CTL_METRICS:
		ctlview_metrics(b, &top, v, n);
		break;
	default: /* start, stop, restart, signal */
		if (down && req->cmd != CTL_STOP && req->cmd != CTL_SIGNAL) {
			st = ctlview_error(b, CTL_SHUTTING_DOWN,
					   "tend is shutting down");
			break;
		}
		if (req->cmd == CTL_RESTART && has_main(s, n)) {
			st = ctlview_error(
				b, CTL_BAD_REQUEST,
				"the main service cannot be restarted: its exit ends tend");
			break;
		}
		act(req->cmd, sig, s, n);
		sup_settle(sup);
		refresh(sup, v, s, n);
		ctlview_brief(b, v, n);
		break;
	}
	free(v);
	free(s);
	return st;
}

void sup_event(struct sup *sup, const struct svc *s, int before)
{
	struct ctl_view v;
	struct jbuf b;

	if (!ctlsrv_has_subscribers(sup->ctl))
		return;
	v = view(sup, s);
	/*
	 * An event is about a run: the one that just ended, when none runs;
	 * a run about to start has no pid yet (the running event has it).
	 */
	if (v.pid == 0 && s->state != ST_STARTING)
		v.pid = s->last_pid;
	jb_init(&b);
	ctlview_event(&b, ev_time(), &v,
		      fsm_state_name((enum svc_state)before));
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
static int socket_path(const struct sup *sup, const struct config *c, char *out,
		       size_t outlen, char *err, size_t errlen)
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
	logmux_set_follow(follow_line, sup);
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
	if (socket_path(sup, sup->cfg, path, sizeof(path), err, sizeof(err)) <
		    0 ||
	    (fresh = ctlsrv_open(sup->loop, path, &a, handle, sup, err,
				 sizeof(err))) == NULL) {
		log_errorx("control socket: %s; keeping %s", err,
			   ctlsrv_path(sup->ctl));
		return;
	}
	/* The request that asked for it may be one of the old socket's. */
	ctlsrv_retire(sup->ctl);
	sup->ctl = fresh;
	log_info("control socket: now %s", path);
}
