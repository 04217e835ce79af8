/*
 * Reload (SIGHUP): load the file again; when it is valid, apply the
 * difference: removed services stop and leave, new ones start, changed
 * ones restart, the rest keep running untouched (SPEC §3, §5).
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdsplit.h"
#include "conf.h"
#include "confload.h"
#include "confutil.h"
#include "ctlsrv.h"
#include "ctlview.h"
#include "log.h"
#include "logmux.h"
#include "supervisor.h"
#include "svc.h"

static struct svc *cmdline_svc(const struct sup *sup)
{
	size_t i;

	for (i = 0; i < sup->nsvcs; i++)
		if (sup->svcs[i]->cmdline)
			return sup->svcs[i];
	return NULL;
}

/* A service a reload removed that has not left the table yet. */
static struct svc *find_removed(const struct sup *sup, const char *name)
{
	struct svc *s = sup_lookup(sup, name);

	return s != NULL && s->removed ? s : NULL;
}

/* The command line's main starts after every enabled service of the file. */
static void update_cmdline_depends(struct sup *sup, const struct config *c)
{
	struct svc *m = cmdline_svc(sup);
	char **deps;
	size_t i, n = 0;

	if (m == NULL)
		return;
	deps = calloc(c->nsvcs + 1, sizeof(*deps));
	if (deps == NULL)
		return;
	for (i = 0; i < c->nsvcs; i++)
		if (!c->svcs[i].disabled)
			deps[n++] = strdup(c->svcs[i].name);
	for (i = 0; i < n; i++)
		if (deps[i] == NULL) {
			strv_free(deps);
			return;
		}
	strv_free(m->conf->depends);
	m->conf->depends = deps;
}

/* Global keys apply in place; a changed control socket is bound anew. */
static void take_globals(struct sup *sup, struct config *new_)
{
	struct config *old = sup->cfg;
	int *fw = old->forward_signals;
	char *dir = old->include_dir;

	old->shutdown_timeout = new_->shutdown_timeout;
	old->drain_delay = new_->drain_delay;
	old->straggler_timeout = new_->straggler_timeout;
	old->forward_signals = new_->forward_signals;
	old->nforward = new_->nforward;
	old->include_dir = new_->include_dir;
	new_->forward_signals = fw;
	new_->include_dir = dir;
	old->log_format = new_->log_format;
	old->log_timestamps = new_->log_timestamps;
	old->log_buffer = new_->log_buffer;
	logmux_set_format(old->log_format, old->log_timestamps);
	sup_control_update(sup, new_);
}

/* Ring sizes and log file settings, from each service's (new) conf. */
static void update_logs(struct sup *sup)
{
	size_t i;

	for (i = 0; i < sup->nsvcs; i++)
		svclog_update(&sup->svcs[i]->log, sup->svcs[i]->conf,
			      sup->cfg->log_buffer);
}

void reload_diff_free(struct reload_diff *d)
{
	strv_free(d->added);
	strv_free(d->removed);
	strv_free(d->restarted);
	strv_free(d->changed);
	strv_free(d->unchanged);
	memset(d, 0, sizeof(*d));
}

static int diff_add(char ***list, size_t *n, const char *name)
{
	char *s = strdup(name);

	if (s == NULL || strv_push(list, *n, s) < 0)
		return -1;
	(*n)++;
	return 0;
}

/* What the reload would do to the service named like n (n in the new file). */
static enum conf_change classify(const struct sup *sup,
				 const struct svc_conf *n)
{
	const struct svc *s = sup_find(sup, n->name);

	if (s == NULL)
		return CONF_ADDED;
	return conf_change_of(s->conf, n);
}

static int make_diff(const struct sup *sup, const struct config *c,
		     struct reload_diff *d)
{
	size_t na = 0, nr = 0, nrs = 0, nc = 0, nu = 0, i;
	int rc = 0;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < sup->nsvcs; i++) {
		const struct svc *s = sup->svcs[i];

		if (!s->cmdline && !s->removed &&
		    conf_find(c, s->conf->name) == NULL)
			rc |= diff_add(&d->removed, &nr, s->conf->name);
	}
	for (i = 0; i < c->nsvcs; i++) {
		const char *name = c->svcs[i].name;

		switch (classify(sup, &c->svcs[i])) {
		case CONF_ADDED:
			rc |= diff_add(&d->added, &na, name);
			break;
		case CONF_RESTART:
			rc |= diff_add(&d->restarted, &nrs, name);
			break;
		case CONF_INPLACE:
			rc |= diff_add(&d->changed, &nc, name);
			break;
		default:
			rc |= diff_add(&d->unchanged, &nu, name);
			break;
		}
	}
	/* Empty lists are empty vectors, not NULL. */
	if (d->added == NULL)
		d->added = calloc(1, sizeof(char *));
	if (d->removed == NULL)
		d->removed = calloc(1, sizeof(char *));
	if (d->restarted == NULL)
		d->restarted = calloc(1, sizeof(char *));
	if (d->changed == NULL)
		d->changed = calloc(1, sizeof(char *));
	if (d->unchanged == NULL)
		d->unchanged = calloc(1, sizeof(char *));
	if (rc != 0 || !d->added || !d->removed || !d->restarted ||
	    !d->changed || !d->unchanged) {
		reload_diff_free(d);
		return -1;
	}
	return 0;
}

/* Carries out the difference: c's services move into the table. */
static void apply(struct sup *sup, struct config *c)
{
	size_t i;

	for (i = 0; i < sup->nsvcs; i++) {
		struct svc *s = sup->svcs[i];

		if (s->cmdline || s->removed ||
		    conf_find(c, s->conf->name) != NULL)
			continue;
		log_info("reload: service %s removed", s->conf->name);
		s->removed = 1;
		svc_event(s, FE_STOP);
	}
	update_cmdline_depends(sup, c);
	for (i = 0; i < c->nsvcs; i++) {
		struct svc_conf *n = malloc(sizeof(*n));
		struct svc *s = sup_find(sup, c->svcs[i].name);
		enum conf_change ch;
		int was_disabled;

		if (n == NULL) {
			log_errorx("reload: out of memory");
			break;
		}
		*n = c->svcs[i];
		memset(&c->svcs[i], 0, sizeof(c->svcs[i]));
		if (s == NULL && (s = find_removed(sup, n->name)) != NULL) {
			/*
			 * Removed by an earlier reload and still stopping: the
			 * same entry starts again once its process is gone, so
			 * two never run at once.
			 */
			log_info("reload: service %s added back", n->name);
			s->removed = 0;
			conf_svc_free(s->conf);
			free(s->conf);
			s->conf = n;
			if (!n->disabled)
				svc_event(s, FE_START);
			continue;
		}
		if (s == NULL) {
			log_info("reload: service %s added", n->name);
			if (sup_add(sup, n) == NULL) {
				conf_svc_free(n);
				free(n);
			}
			continue;
		}
		ch = conf_change_of(s->conf, n);
		was_disabled = s->conf->disabled;
		conf_svc_free(s->conf);
		free(s->conf);
		s->conf = n;
		if (ch == CONF_RESTART) {
			log_info("reload: service %s changed: restarting it",
				 n->name);
			if (svc_has_process(s) && s->want_up)
				svc_event(s, FE_RESTART);
			else if (s->want_up && (s->state == ST_DONE ||
						s->state == ST_FAILED ||
						s->state == ST_BACKOFF))
				svc_event(
					s,
					FE_START); /* a changed oneshot runs again */
		} else if (ch == CONF_INPLACE) {
			log_info(
				"reload: service %s: new settings apply in place",
				n->name);
		}
		if (n->disabled && !was_disabled)
			svc_event(s, FE_STOP);
		else if (!n->disabled && was_disabled)
			svc_event(s, FE_START);
	}
	sup->graph_dirty = 1; /* depends may have changed */
	take_globals(sup, c);
	update_logs(sup);
	sup_log_shared(sup);
}

/*
 * Reloads asked for and not answered yet. The file is read off the loop
 * (confload.c); a request that comes while a load is under way waits for
 * the next load, which reads the file as it is then: every request is
 * answered from a read that began after it came. Requests that wait for
 * the same load share it: its difference is applied once, when one of them
 * is not a dry run.
 */
struct reload_wait {
	int dry_run;
	uint64_t client; /* the tendctl client to answer; 0: SIGHUP */
};

struct waits {
	struct reload_wait *v;
	size_t n, cap;
};

static struct {
	int init;
	struct waits cur, next; /* the load under way's, the next one's */
} rq;

static int waits_add(struct waits *w, int dry_run, uint64_t client)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 4;
		struct reload_wait *v = realloc(w->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n++] = (struct reload_wait){ dry_run, client };
	return 0;
}

static void names(struct jbuf *b, const char *key, char **list)
{
	jb_key(b, key);
	jb_arr_begin(b);
	for (; list != NULL && *list != NULL; list++)
		jb_str(b, *list);
	jb_arr_end(b);
}

/* Answers every request of cur with st and body b, and forgets them. */
static void answer_all(struct sup *sup, enum ctl_status st,
		       const struct jbuf *b)
{
	size_t i;

	for (i = 0; i < rq.cur.n; i++)
		if (rq.cur.v[i].client != 0 && sup->ctl != NULL)
			ctlsrv_answer(sup->ctl, rq.cur.v[i].client, st,
				      b->s ? b->s : "", b->len);
	rq.cur.n = 0;
}

static void answer_error(struct sup *sup, enum ctl_status st, const char *msg)
{
	struct jbuf b;

	jb_init(&b);
	ctlview_error(&b, st, msg);
	answer_all(sup, st, &b);
	jb_free(&b);
}

/* A load that failed: its errors, in tend's log and to each client. */
static void answer_invalid(struct sup *sup, const struct conf_errors *errs)
{
	struct jbuf b;
	size_t i;

	log_errorx("reload of %s failed; nothing changed:", sup->cfg->path);
	jb_init(&b);
	jb_obj_begin(&b);
	jb_key(&b, "error");
	jb_str(&b, "the configuration is not valid; nothing changed");
	jb_key(&b, "errors");
	jb_arr_begin(&b);
	for (i = 0; i < errs->n; i++) {
		log_errorx("%s", errs->msgs[i]);
		jb_str(&b, errs->msgs[i]);
	}
	jb_arr_end(&b);
	jb_obj_end(&b);
	answer_all(sup, CTL_FAILED, &b);
	jb_free(&b);
}

/* A valid load: its difference, applied when someone asked for it. */
static void answer_diff(struct sup *sup, struct config *c)
{
	struct reload_diff d;
	struct jbuf b;
	size_t i;
	int apply_it = 0, by_signal = 0;

	memset(&d, 0, sizeof(d));
	if (make_diff(sup, c, &d) < 0) {
		answer_error(sup, CTL_FAILED, "out of memory");
		return;
	}
	for (i = 0; i < rq.cur.n; i++) {
		apply_it |= !rq.cur.v[i].dry_run;
		by_signal |= rq.cur.v[i].client == 0;
	}
	if (apply_it) {
		apply(sup, c);
		log_info(
			"reloaded %s (%s): %zu added, %zu removed, %zu restarted, %zu changed in place, %zu unchanged",
			sup->cfg->path, by_signal ? "SIGHUP" : "tendctl",
			strv_len(d.added), strv_len(d.removed),
			strv_len(d.restarted), strv_len(d.changed),
			strv_len(d.unchanged));
	}
	for (i = 0; i < rq.cur.n; i++) {
		if (rq.cur.v[i].client == 0 || sup->ctl == NULL)
			continue;
		jb_init(&b);
		jb_obj_begin(&b);
		jb_key(&b, "applied");
		jb_bool(&b, !rq.cur.v[i].dry_run);
		names(&b, "added", d.added);
		names(&b, "removed", d.removed);
		names(&b, "restarted", d.restarted);
		names(&b, "changed", d.changed);
		names(&b, "unchanged", d.unchanged);
		jb_obj_end(&b);
		if (b.oom)
			ctlsrv_answer(sup->ctl, rq.cur.v[i].client, CTL_FAILED,
				      "{\"error\": \"out of memory\"}", 27);
		else
			ctlsrv_answer(sup->ctl, rq.cur.v[i].client, CTL_OK, b.s,
				      b.len);
		jb_free(&b);
	}
	rq.cur.n = 0;
	reload_diff_free(&d);
}

static void start_next(struct sup *sup)
{
	struct waits w;

	if (rq.next.n == 0 || confload_busy())
		return;
	w = rq.cur; /* empty: its room is kept */
	rq.cur = rq.next;
	rq.next = w;
	if (confload_start(sup->cfg->path, cmdline_svc(sup) ? "main" : NULL) <
	    0) {
		log_errorx("reload of %s: out of memory; nothing changed",
			   sup->cfg->path);
		answer_error(sup, CTL_FAILED, "out of memory");
	}
}

static void on_loaded(struct config *c, struct conf_errors *errs, void *ctx)
{
	struct sup *sup = ctx;

	if (sup->phase != SD_NONE) {
		log_warnx("reload of %s dropped: tend is shutting down",
			  sup->cfg->path);
		answer_error(sup, CTL_SHUTTING_DOWN, "tend is shutting down");
	} else if (c == NULL) {
		answer_invalid(sup, errs);
	} else {
		answer_diff(sup, c);
	}
	conf_free(c);
	conf_errors_free(errs);
	start_next(sup);
	/* Nothing waits: nothing kept (tend is mostly idle between reloads). */
	if (rq.cur.n == 0) {
		free(rq.cur.v);
		memset(&rq.cur, 0, sizeof(rq.cur));
	}
	if (rq.next.n == 0) {
		free(rq.next.v);
		memset(&rq.next, 0, sizeof(rq.next));
	}
	malloc_trim(0); /* see main.c */
	sup_settle(sup);
}

void sup_reload_request(struct sup *sup, int dry_run, uint64_t client)
{
	if (!rq.init) {
		confload_init(sup->loop, on_loaded, sup);
		rq.init = 1;
	}
	if (waits_add(&rq.next, dry_run, client) < 0) {
		struct jbuf b;

		log_errorx("reload of %s: out of memory; nothing changed",
			   sup->cfg->path);
		jb_init(&b);
		ctlview_error(&b, CTL_FAILED, "out of memory");
		if (client != 0 && sup->ctl != NULL)
			ctlsrv_answer(sup->ctl, client, CTL_FAILED,
				      b.s ? b.s : "", b.len);
		jb_free(&b);
		return;
	}
	start_next(sup);
}

void sup_reload(struct sup *sup)
{
	if (sup->phase != SD_NONE) {
		log_warnx("reload ignored: tend is shutting down");
		return;
	}
	sup_reload_request(sup, 0, 0);
}
