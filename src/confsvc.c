/*
 * One service's config as a value: freeing, copying, and what a reload
 * makes of a change (conf.h). Pure.
 */
#include "conf.h"

#include <stdlib.h>
#include <string.h>

#include "cmdsplit.h"

void conf_svc_free(struct svc_conf *s)
{
	free(s->file);
	free(s->command);
	strv_free(s->argv);
	strv_free(s->depends);
	free(s->user);
	free(s->group);
	free(s->groups);
	free(s->workdir);
	strv_free(s->env);
	free(s->env_file);
	strv_free(s->env_file_vars);
	probe_free(&s->ready);
	probe_free(&s->health);
	free(s->log_path);
	memset(s, 0, sizeof(*s));
}

static char **strv_dup(char *const *v)
{
	size_t i, n = v ? strv_len(v) : 0;
	char **out = calloc(n + 1, sizeof(*out));

	if (out == NULL || v == NULL)
		return out;
	for (i = 0; i < n; i++)
		if ((out[i] = strdup(v[i])) == NULL) {
			strv_free(out);
			return NULL;
		}
	return out;
}

static int strv_eq(char *const *a, char *const *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	for (; *a != NULL && *b != NULL; a++, b++)
		if (strcmp(*a, *b) != 0)
			return 0;
	return *a == NULL && *b == NULL;
}

struct svc_conf *conf_svc_dup(const struct svc_conf *s)
{
	struct svc_conf *d = malloc(sizeof(*d));
	int probes_bad;

	if (d == NULL)
		return NULL;
	*d = *s;
	/* probe_dup leaves a probe empty when it fails: nothing is shared. */
	probes_bad = probe_dup(&d->ready, &s->ready);
	probes_bad |= probe_dup(&d->health, &s->health);
	d->file = strdup(s->file);
	d->command = strdup(s->command);
	d->argv = strv_dup(s->argv);
	d->depends = strv_dup(s->depends);
	d->user = strdup(s->user);
	d->group = strdup(s->group);
	d->groups = NULL;
	if (s->ngroups > 0 &&
	    (d->groups = malloc(s->ngroups * sizeof(gid_t))) != NULL)
		memcpy(d->groups, s->groups, s->ngroups * sizeof(gid_t));
	d->workdir = strdup(s->workdir);
	d->env = strv_dup(s->env);
	d->env_file = strdup(s->env_file);
	d->env_file_vars = s->env_file_vars ? strv_dup(s->env_file_vars) : NULL;
	d->log_path = s->log_path ? strdup(s->log_path) : NULL;
	if (probes_bad || d->file == NULL || d->command == NULL ||
	    d->argv == NULL || d->depends == NULL || d->user == NULL ||
	    d->group == NULL || (s->ngroups > 0 && d->groups == NULL) ||
	    d->workdir == NULL || d->env == NULL || d->env_file == NULL ||
	    (s->env_file_vars != NULL && d->env_file_vars == NULL) ||
	    (s->log_path != NULL && d->log_path == NULL)) {
		conf_svc_free(d);
		free(d);
		return NULL;
	}
	return d;
}

/* strcmp where NULL equals only NULL. */
static int str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * log is part of the process: its stdout and stderr are set at exec; so
 * is ready: a notify socket or a readiness fd is handed over at exec, and
 * a new way of being ready asks for a new start to be judged by.
 */
int conf_svc_process_differs(const struct svc_conf *a, const struct svc_conf *b)
{
	return strcmp(a->command, b->command) != 0 || a->type != b->type ||
	       strcmp(a->user, b->user) != 0 ||
	       strcmp(a->group, b->group) != 0 || a->uid != b->uid ||
	       a->gid != b->gid || a->ngroups != b->ngroups ||
	       (a->ngroups > 0 && memcmp(a->groups, b->groups,
					 a->ngroups * sizeof(gid_t)) != 0) ||
	       strcmp(a->workdir, b->workdir) != 0 || a->umask != b->umask ||
	       !strv_eq(a->env, b->env) ||
	       strcmp(a->env_file, b->env_file) != 0 ||
	       !strv_eq(a->env_file_vars, b->env_file_vars) ||
	       a->log != b->log || !str_eq(a->log_path, b->log_path) ||
	       !probe_equal(&a->ready, &b->ready);
}

/*
 * 1 when a and b, the same probe as written, connect to one address: a
 * name whose /etc/hosts line changed between two loads resolves anew.
 */
static int probe_same_target(const struct probe *a, const struct probe *b)
{
	return a->addrlen == b->addrlen &&
	       memcmp(&a->addr, &b->addr, a->addrlen) == 0;
}

enum conf_change conf_change_of(const struct svc_conf *old,
				const struct svc_conf *new_)
{
	if (old == NULL)
		return CONF_ADDED;
	if (new_ == NULL)
		return CONF_REMOVED;
	if (conf_svc_process_differs(old, new_))
		return CONF_RESTART;
	if (old->main != new_->main || old->critical != new_->critical ||
	    old->disabled != new_->disabled || old->restart != new_->restart ||
	    old->restart_delay != new_->restart_delay ||
	    old->restart_delay_max != new_->restart_delay_max ||
	    old->restart_limit != new_->restart_limit ||
	    old->stable_after != new_->stable_after ||
	    !strv_eq(old->depends, new_->depends) ||
	    old->stop_signal != new_->stop_signal ||
	    old->stop_timeout != new_->stop_timeout ||
	    old->log_max_size != new_->log_max_size ||
	    old->log_keep != new_->log_keep ||
	    !probe_same_target(&old->ready, &new_->ready) ||
	    old->ready_timeout != new_->ready_timeout ||
	    !probe_equal(&old->health, &new_->health) ||
	    !probe_same_target(&old->health, &new_->health) ||
	    old->health_interval != new_->health_interval ||
	    old->health_timeout != new_->health_timeout ||
	    old->health_retries != new_->health_retries)
		return CONF_INPLACE;
	return CONF_UNCHANGED;
}
