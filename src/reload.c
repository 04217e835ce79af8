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
#include "log.h"
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

static void take_globals(struct config *old, struct config *new_)
{
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
}

void sup_reload(struct sup *sup)
{
	struct conf_errors errs;
	struct config *c;
	size_t i;
	unsigned added = 0, removed = 0, restarted = 0, inplace = 0,
		 unchanged = 0;

	if (sup->phase != SD_NONE) {
		log_warnx("reload ignored: tend is shutting down");
		return;
	}
	c = conf_load(sup->cfg->path, cmdline_svc(sup) ? "main" : NULL, &errs);
	if (c == NULL) {
		log_errorx("reload of %s failed; nothing changed:", sup->cfg->path);
		for (i = 0; i < errs.n; i++)
			log_errorx("%s", errs.msgs[i]);
		conf_errors_free(&errs);
		return;
	}

	for (i = 0; i < sup->nsvcs; i++) {
		struct svc *s = sup->svcs[i];

		if (s->cmdline || s->removed || conf_find(c, s->conf->name) != NULL)
			continue;
		log_info("reload: service %s removed", s->conf->name);
		s->removed = 1;
		removed++;
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
			added++;
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
			added++;
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
		if (ch == CONF_UNCHANGED) {
			unchanged++;
			continue;
		}
		if (ch == CONF_RESTART) {
			restarted++;
			log_info("reload: service %s changed: restarting it", n->name);
			if (svc_has_process(s) && s->want_up)
				svc_event(s, FE_RESTART);
			else if (s->want_up && (s->state == ST_DONE ||
						s->state == ST_FAILED ||
						s->state == ST_BACKOFF))
				svc_event(s, FE_START); /* a changed oneshot runs again */
		} else {
			inplace++;
			log_info("reload: service %s: new settings apply in place", n->name);
		}
		if (n->disabled && !was_disabled)
			svc_event(s, FE_STOP);
		else if (!n->disabled && was_disabled)
			svc_event(s, FE_START);
	}
	sup->graph_dirty = 1; /* depends may have changed */
	take_globals(sup->cfg, c);
	conf_free(c);
	malloc_trim(0); /* see main.c */
	log_info("reloaded %s: %u added, %u removed, %u restarted, %u changed in place, %u unchanged",
		  sup->cfg->path, added, removed, restarted, inplace, unchanged);
}
