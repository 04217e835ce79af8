/*
 * Reload (SIGHUP): load the file again; when it is valid, apply the
 * difference: removed services stop and leave, new ones start, changed
 * ones restart, the rest keep running untouched (SPEC §3, §5).
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "cmdsplit.h"
#include "conf.h"
#include "confutil.h"
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
	size_t i;

	for (i = 0; i < sup->nsvcs; i++)
		if (sup->svcs[i]->removed &&
		    strcmp(sup->svcs[i]->conf->name, name) == 0)
			return sup->svcs[i];
	return NULL;
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

int sup_reload_do(struct sup *sup, int dry_run, struct reload_diff *diff,
		  struct conf_errors *errs)
{
	struct config *c;

	memset(diff, 0, sizeof(*diff));
	c = conf_load(sup->cfg->path, cmdline_svc(sup) ? "main" : NULL, errs);
	if (c == NULL)
		return -1;
	if (make_diff(sup, c, diff) < 0) {
		conf_free(c);
		conf_error(errs, sup->cfg->path, 0, "out of memory");
		return -1;
	}
	if (!dry_run)
		apply(sup, c);
	conf_free(c);
	malloc_trim(0); /* see main.c */
	return 0;
}

void sup_reload(struct sup *sup)
{
	struct conf_errors errs;
	struct reload_diff d;
	size_t i;

	if (sup->phase != SD_NONE) {
		log_warnx("reload ignored: tend is shutting down");
		return;
	}
	if (sup_reload_do(sup, 0, &d, &errs) < 0) {
		log_errorx("reload of %s failed; nothing changed:",
			   sup->cfg->path);
		for (i = 0; i < errs.n; i++)
			log_errorx("%s", errs.msgs[i]);
		conf_errors_free(&errs);
		return;
	}
	log_info(
		"reloaded %s: %zu added, %zu removed, %zu restarted, %zu changed in place, %zu unchanged",
		sup->cfg->path, strv_len(d.added), strv_len(d.removed),
		strv_len(d.restarted), strv_len(d.changed),
		strv_len(d.unchanged));
	reload_diff_free(&d);
}
