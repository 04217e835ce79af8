#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmdsplit.h"
#include "confload.h"
#include "exitcode.h"
#include "log.h"
#include "logmux.h"
#include "ctlsrv.h"
#include "loop.h"
#include "plan.h"
#include "reaper.h"
#include "signames.h"
#include "stragglers.h"
#include "svc.h"
#include "util.h"

/*
 * Milliseconds spent starting services in one turn of the loop at most
 * (at least one starts): the rest start on the next turns. A start costs
 * more as tend grows, each fork copying its memory and fds (about 0.2 ms
 * with ten services, up to a millisecond with 5,000), so time bounds the
 * turn, not a count.
 */
#define KICK_BUDGET_MS 5.0

/* After the final SIGKILL, how long a process in uninterruptible sleep may hold us. */
#define STUCK_TIMEOUT 1.0

/* FNV-1a. */
static size_t name_hash(const char *name)
{
	size_t h = 2166136261u;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h;
}

static void index_put(struct svc **index, size_t cap, struct svc *s)
{
	size_t i = name_hash(s->conf->name) & (cap - 1);

	while (index[i] != NULL)
		i = (i + 1) & (cap - 1);
	index[i] = s;
}

/*
 * Makes the index anew, with room for want services; on ENOMEM the old
 * one stays (it may be too small to take more: index_add says so).
 */
static int index_rebuild(struct sup *sup, size_t want)
{
	size_t cap = 16, i;
	struct svc **index;

	while (cap < want * 2)
		cap *= 2;
	if ((index = calloc(cap, sizeof(*index))) == NULL)
		return -1;
	for (i = 0; i < sup->nsvcs; i++)
		index_put(index, cap, sup->svcs[i]);
	free(sup->index);
	sup->index = index;
	sup->index_cap = cap;
	return 0;
}

struct svc *sup_lookup(const struct sup *sup, const char *name)
{
	size_t i;

	if (sup->index_cap == 0)
		return NULL;
	i = name_hash(name) & (sup->index_cap - 1);
	for (; sup->index[i] != NULL; i = (i + 1) & (sup->index_cap - 1))
		if (strcmp(sup->index[i]->conf->name, name) == 0)
			return sup->index[i];
	return NULL;
}

struct svc *sup_find(const struct sup *sup, const char *name)
{
	struct svc *s = sup_lookup(sup, name);

	return s != NULL && !s->removed ? s : NULL;
}

/* Drops the services a reload removed, once they have stopped. */
static void drop_removed(struct sup *sup)
{
	size_t i, j = 0;

	for (i = 0; i < sup->nsvcs; i++) {
		struct svc *s = sup->svcs[i];

		if (s->removed && !svc_has_process(s) && s->dead_pid == 0 &&
		    !svcprobe_has_process(s) && s->state != ST_STOPPING) {
			log_info("service %s: removed", s->conf->name);
			svc_free(s);
			sup->graph_dirty = 1;
			continue;
		}
		sup->svcs[j++] = s;
	}
	if (j < sup->nsvcs) {
		sup->nsvcs = j;
		/* smaller: the old index is big enough if this fails */
		if (index_rebuild(sup, sup->nsvcs) < 0)
			log_warnx("out of memory (service index)");
	}
}

static struct svc *find_pid(const struct sup *sup, pid_t pid)
{
	size_t i;

	for (i = 0; i < sup->nsvcs; i++)
		if (sup->svcs[i]->pid == pid || sup->svcs[i]->dead_pid == pid)
			return sup->svcs[i];
	return NULL;
}

static struct svc *main_svc(const struct sup *sup)
{
	size_t i;

	for (i = 0; i < sup->nsvcs; i++)
		if (sup->svcs[i]->conf->main)
			return sup->svcs[i];
	return NULL;
}

/*
 * tend's exit code (SPEC §3): the main service's; else a critical
 * service's when it caused the shutdown; else, when every service ended on
 * its own, 0 if all ended with 0 and 1 otherwise; else 0.
 */
static int exit_code(const struct sup *sup)
{
	const struct svc *m = main_svc(sup);

	if (m != NULL && m->has_exit)
		return exitcode_remap(exitcode_from_wait(m->last_wstatus),
				      sup->args->remap, sup->args->nremap);
	if (sup->cause_code >= 0)
		return sup->cause_code;
	return 0;
}

static void finish(struct sup *sup)
{
	ev_timer_stop(sup->loop, &sup->drain_timer);
	ev_timer_stop(sup->loop, &sup->deadline_timer);
	ev_timer_stop(sup->loop, &sup->phase_timer);
	sup->exit_code = exit_code(sup);
	sup->finished = 1;
	log_info("exiting with %d; %lu orphans reaped", sup->exit_code,
		 reaper_orphans());
	ev_break(sup->loop, EVBREAK_ALL);
}

void sup_service_ended(struct sup *sup, struct svc *s)
{
	int code = s->has_exit ? exitcode_from_wait(s->last_wstatus) : 1;

	sup->ended_on_own = 1;
	if (s->conf->main) {
		sup_shutdown(sup, "the main service ended");
	} else if (s->conf->critical && s->state == ST_FAILED &&
		   sup->phase == SD_NONE) {
		log_warnx("critical service %s failed (exit code %d)",
			  s->conf->name, code);
		sup->cause_code = code;
		sup_shutdown(sup, "a critical service failed");
	}
}

/* Time left until shutdown-timeout runs out. */
static double deadline_left(const struct sup *sup)
{
	double left =
		ev_timer_remaining(sup->loop, (ev_timer *)&sup->deadline_timer);

	return left > 0 ? left : 0;
}

static void kill_everything(struct sup *sup)
{
	size_t i;

	for (i = 0; i < sup->nsvcs; i++)
		if (sup->svcs[i]->pid > 0)
			kill(-sup->svcs[i]->pid, SIGKILL);
	stragglers_signal(SIGKILL, sup->pid1);
	sup->phase = SD_KILLED;
	ev_timer_stop(sup->loop, &sup->phase_timer);
	ev_timer_set(&sup->phase_timer, STUCK_TIMEOUT, 0.);
	ev_timer_start(sup->loop, &sup->phase_timer);
}

static void on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sup *sup = container_of(w, struct sup, deadline_timer);

	(void)loop;
	(void)revents;
	if (sup->phase == SD_KILLED)
		return;
	log_warnx(
		"shutdown-timeout (%.3g s) reached: killing every process left",
		sup->cfg->shutdown_timeout);
	kill_everything(sup);
	sup_settle(sup);
}

static void on_phase_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sup *sup = container_of(w, struct sup, phase_timer);

	(void)loop;
	(void)revents;
	if (sup->phase == SD_STRAGGLERS) {
		log_info("stragglers still running: sending KILL");
		kill_everything(sup);
	} else if (sup->phase == SD_KILLED) {
		stragglers_report();
		log_errorx("exiting with processes that cannot be reaped");
		finish(sup);
		return;
	}
	sup_settle(sup);
}

static void on_drain(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sup *sup = container_of(w, struct sup, drain_timer);

	(void)loop;
	(void)revents;
	/* The deadline may have come first (drain-delay >= shutdown-timeout). */
	if (sup->phase == SD_DRAIN)
		sup->phase = SD_STOPPING;
	sup_settle(sup);
}

void sup_shutdown(struct sup *sup, const char *why)
{
	if (sup->phase != SD_NONE) {
		log_info("%s: already shutting down", why);
		return;
	}
	log_info("shutting down: %s", why);
	ev_timer_set(&sup->deadline_timer, sup->cfg->shutdown_timeout, 0.);
	ev_timer_start(sup->loop, &sup->deadline_timer);
	if (sup->cfg->drain_delay > 0) {
		sup->phase = SD_DRAIN;
		ev_timer_set(&sup->drain_timer,
			     sup->cfg->drain_delay < sup->cfg->shutdown_timeout
				     ? sup->cfg->drain_delay
				     : sup->cfg->shutdown_timeout,
			     0.);
		ev_timer_start(sup->loop, &sup->drain_timer);
	} else {
		sup->phase = SD_STOPPING;
	}
}

/*
 * The dependency graph of the table as plan nodes, rebuilt when the table
 * changed (a service added, dropped, or reloaded).
 */
static int graph(struct sup *sup)
{
	size_t i, n = sup->nsvcs;

	if (!sup->graph_dirty && sup->nnodes == n)
		return 0;
	for (i = 0; i < sup->nnodes; i++)
		free((void *)sup->nodes[i].deps);
	free(sup->nodes);
	sup->nodes = calloc(n ? n : 1, sizeof(*sup->nodes));
	sup->nnodes = 0;
	if (sup->nodes == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		const struct svc *s = sup->svcs[i];
		size_t *deps =
			calloc(strv_len(s->conf->depends) + 1, sizeof(*deps));
		char **d;

		sup->nodes[i].deps = deps;
		sup->nnodes = i + 1;
		if (deps == NULL)
			return -1;
		for (d = s->conf->depends; *d != NULL; d++) {
			const struct svc *t = sup_find(sup, *d);
			size_t k;

			for (k = 0; t != NULL && k < n; k++)
				if (sup->svcs[k] == t)
					deps[sup->nodes[i].ndeps++] = k;
		}
	}
	sup->graph_dirty = 0;
	return 0;
}

/*
 * SD_STOPPING: stop each service that nothing running depends on any more
 * (plan_held: the rule --check prints as the stop order).
 */
static void shutdown_step(struct sup *sup)
{
	size_t i, n = sup->nsvcs;
	int *running = calloc(n ? n : 1, sizeof(int));
	int *held = calloc(n ? n : 1, sizeof(int));
	int left = 0;

	if (running == NULL || held == NULL || graph(sup) < 0) {
		/* Out of memory: stop everything at once rather than nothing. */
		log_warnx("out of memory: stopping every service at once");
		free(running);
		free(held);
		running = held = NULL;
	} else {
		for (i = 0; i < n; i++)
			running[i] = svc_has_process(sup->svcs[i]);
		plan_held(sup->nodes, n, running, held);
	}
	for (i = 0; i < n; i++) {
		struct svc *s = sup->svcs[i];

		if (s->state == ST_WAITING || s->state == ST_BACKOFF ||
		    ((s->state == ST_STARTING || s->state == ST_RUNNING) &&
		     (held == NULL || !held[i])))
			svc_event(s, FE_STOP);
		if (svc_has_process(s))
			left++;
	}
	free(running);
	free(held);
	if (left > 0)
		return;
	if (!reaper_has_children())
		return;
	log_info("services stopped; sending TERM to the remaining processes");
	stragglers_signal(SIGTERM, sup->pid1);
	stragglers_signal(SIGCONT, sup->pid1);
	sup->phase = SD_STRAGGLERS;
	ev_timer_set(&sup->phase_timer,
		     sup->cfg->straggler_timeout < deadline_left(sup)
			     ? sup->cfg->straggler_timeout
			     : deadline_left(sup),
		     0.);
	ev_timer_start(sup->loop, &sup->phase_timer);
}

/* Starts every waiting service whose dependencies are ready, until none moves. */
static void on_kick(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	sup_settle(container_of(w, struct sup, kick_timer));
}

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The rest on the next turn of the loop. */
static void kick_later(struct sup *sup)
{
	if (!ev_is_active(&sup->kick_timer)) {
		ev_timer_set(&sup->kick_timer, 0., 0.);
		ev_timer_start(sup->loop, &sup->kick_timer);
	}
}

/*
 * Starts what may start, for KICK_BUDGET_MS at most in one turn of the
 * loop; the rest on the next turns, so that a control request, a reap or
 * a log line waiting meanwhile is served between (5,000 services start in
 * many short steps, not one long one). Each step looks from where the
 * last one stopped: a mass start does not scan the table from its first
 * service for every process it starts.
 */
static void kick(struct sup *sup)
{
	unsigned it = ev_iteration(sup->loop);
	double t0 = -1, spent;
	int moved = 1;
	size_t k, i;

	/* The budget is the loop turn's, whichever callbacks kick in it. */
	if (it != sup->kick_iter) {
		sup->kick_iter = it;
		sup->kick_ms = 0;
	}
	if (sup->phase != SD_NONE || sup->nsvcs == 0)
		return;
	if (sup->kick_ms >= KICK_BUDGET_MS) {
		kick_later(sup);
		return;
	}
	spent = sup->kick_ms;
	while (moved && sup->phase == SD_NONE) {
		moved = 0;
		for (k = 0; k < sup->nsvcs; k++) {
			struct svc *s;
			enum svc_state before;

			i = (sup->kick_next + k) % sup->nsvcs;
			s = sup->svcs[i];
			before = s->state;
			if (s->state != ST_WAITING)
				continue;
			if (sup->kick_ms >= KICK_BUDGET_MS) {
				sup->kick_next = i;
				kick_later(sup);
				return;
			}
			if (t0 < 0)
				t0 = mono_ms();
			svc_event(s, FE_CHECK);
			if (s->state != before) {
				moved = 1;
				sup->kick_ms = spent + (mono_ms() - t0);
			}
		}
	}
}

/*
 * 1 when s waits for a dependency that will never be ready: failed, or
 * ended for good without being ready, or itself waiting in vain.
 */
static int waits_in_vain(const struct sup *sup, const struct svc *s)
{
	char **d;

	for (d = s->conf->depends; *d != NULL; d++) {
		const struct svc *t = sup_find(sup, *d);

		if (t == NULL || svc_ready(t) || !t->want_up)
			continue;
		if (t->state == ST_FAILED || t->state == ST_DONE)
			return 1;
		if (t->state == ST_WAITING && waits_in_vain(sup, t))
			return 1;
	}
	return 0;
}

/*
 * Config mode without a main service ends by itself once some service has
 * ended on its own and nothing wanted up is left to run (SPEC §5).
 */
static void check_all_ended(struct sup *sup)
{
	size_t i;
	int all_zero = 1;

	if (sup->phase != SD_NONE || !sup->ended_on_own ||
	    main_svc(sup) != NULL)
		return;
	for (i = 0; i < sup->nsvcs; i++) {
		const struct svc *s = sup->svcs[i];

		if (!s->want_up)
			continue;
		switch (s->state) {
		case ST_DONE:
			break;
		case ST_FAILED:
			all_zero = 0;
			break;
		case ST_WAITING:
			/* Only when what it waits for will never come. */
			all_zero = 0;
			if (waits_in_vain(sup, s))
				break;
			return;
		default:
			return;
		}
	}
	sup->cause_code = all_zero ? 0 : 1;
	sup_shutdown(sup, "every service has ended");
}

void sup_settle(struct sup *sup)
{
	drop_removed(sup);
	kick(sup);
	check_all_ended(sup);
	if (sup->phase == SD_STOPPING)
		shutdown_step(sup);
	if (sup->phase >= SD_STOPPING && !reaper_has_children()) {
		size_t i;

		for (i = 0; i < sup->nsvcs; i++)
			if (svc_has_process(sup->svcs[i]))
				return;
		finish(sup);
	}
}

static void forward(struct sup *sup, int sig)
{
	struct svc *m = main_svc(sup);
	char name[16];
	size_t i;

	sig_name(sig, name, sizeof(name));
	if (m != NULL && m->pid > 0) {
		pid_t target = m->cmdline && !sup->args->group ? m->pid
							       : -m->pid;

		log_debug("forwarding %s to the main service", name);
		if (kill(target, sig) < 0 && errno != ESRCH)
			log_warn("forwarding %s", name);
		return;
	}
	for (i = 0; i < sup->nsvcs; i++) {
		struct svc *s = sup->svcs[i];

		if (s->pid <= 0 || s->state == ST_STOPPING)
			continue;
		log_debug("forwarding %s to service %s", name, s->conf->name);
		if (kill(-s->pid, sig) < 0 && errno != ESRCH)
			log_warn("forwarding %s to %s", name, s->conf->name);
	}
}

static void on_signal(int sig, void *ctx)
{
	struct sup *sup = ctx;
	char name[16];
	size_t i;

	sig_name(sig, name, sizeof(name));
	if (sig == SIGTERM || sig == SIGINT) {
		char why[32];

		snprintf(why, sizeof(why), "SIG%s received", name);
		sup_shutdown(sup, why);
	} else if (sig == SIGHUP) {
		sup_reload(sup);
	} else {
		for (i = 0; i < sup->cfg->nforward; i++)
			if (sup->cfg->forward_signals[i] == sig)
				break;
		if (i < sup->cfg->nforward)
			forward(sup, sig);
		else
			log_debug(
				"SIG%s received: not in forward-signals, ignored",
				name);
	}
	sup_settle(sup);
}

static int owner(pid_t pid, int wstatus, void *ctx)
{
	struct sup *sup = ctx;
	struct svc *s = find_pid(sup, pid);
	size_t i;

	if (s == NULL) {
		/* An exec probe's process is no orphan. */
		for (i = 0; i < sup->nsvcs; i++)
			if (svcprobe_reaped(sup->svcs[i], pid, wstatus))
				return 1;
		return 0;
	}
	if (s->dead_pid == pid) {
		s->dead_pid = 0; /* its failure was handled when exec failed */
		return 1;
	}
	svc_reaped(s, pid, wstatus);
	/* Any end of the main service ends tend, a requested stop included. */
	if (s->conf->main && !svc_has_process(s) && s->state != ST_STARTING)
		sup_shutdown(sup, "the main service ended");
	return 1;
}

static void after_reap(void *ctx)
{
	sup_settle(ctx);
}

/* The command given after -- in both mode, as the service "main". */
static struct svc_conf *cmdline_conf(const struct args *a,
				     const struct config *cfg)
{
	struct svc_conf *c = calloc(1, sizeof(*c));
	size_t i, n = 0;
	int k;

	if (c == NULL)
		return NULL;
	snprintf(c->name, sizeof(c->name), "main");
	c->log = SVC_LOG_INHERIT; /* its output is tend's, as in single mode */
	c->file = strdup("(command line)");
	c->command = strdup(a->cmd[0]);
	c->argv = calloc((size_t)a->ncmd + 1, sizeof(char *));
	c->depends = calloc(cfg->nsvcs + 1, sizeof(char *));
	c->user = strdup("");
	c->group = strdup("");
	c->workdir = strdup("");
	c->env = calloc(1, sizeof(char *));
	c->env_file = strdup("");
	if (c->file == NULL || c->command == NULL || c->argv == NULL ||
	    c->depends == NULL || c->user == NULL || c->group == NULL ||
	    c->workdir == NULL || c->env == NULL || c->env_file == NULL)
		goto nomem;
	for (k = 0; k < a->ncmd; k++)
		if ((c->argv[k] = strdup(a->cmd[k])) == NULL)
			goto nomem;
	/* It starts once every enabled service of the file is ready. */
	for (i = 0; i < cfg->nsvcs; i++)
		if (!cfg->svcs[i].disabled &&
		    (c->depends[n++] = strdup(cfg->svcs[i].name)) == NULL)
			goto nomem;
	c->type = SVC_SIMPLE;
	c->main = 1;
	c->restart = RESTART_NEVER;
	c->uid = (uid_t)-1;
	c->gid = (gid_t)-1;
	c->stop_signal = SIGTERM;
	c->stop_timeout = 5;
	return c;
nomem:
	conf_svc_free(c);
	free(c);
	return NULL;
}

struct svc *sup_add(struct sup *sup, struct svc_conf *c)
{
	struct svc *s;

	if (sup->nsvcs == sup->svcs_cap) {
		size_t cap = sup->svcs_cap ? sup->svcs_cap * 2 : 16;
		struct svc **v = realloc(sup->svcs, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		sup->svcs = v;
		sup->svcs_cap = cap;
	}
	if ((sup->nsvcs + 1) * 2 > sup->index_cap &&
	    index_rebuild(sup, sup->nsvcs + 1) < 0)
		return NULL;
	s = svc_new(sup, c);
	if (s == NULL)
		return NULL;
	s->want_up = !c->disabled;
	s->state = c->disabled ? ST_STOPPED : ST_WAITING;
	sup->svcs[sup->nsvcs++] = s;
	index_put(sup->index, sup->index_cap, s);
	sup->graph_dirty = 1;
	return s;
}

/* Moves the services of cfg into the table (cfg keeps its globals). */
static int take_services(struct sup *sup, struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nsvcs; i++) {
		struct svc_conf *c = malloc(sizeof(*c));

		if (c == NULL)
			return -1;
		*c = cfg->svcs[i];
		memset(&cfg->svcs[i], 0, sizeof(cfg->svcs[i]));
		if (sup_add(sup, c) == NULL) {
			conf_svc_free(c);
			free(c);
			return -1;
		}
	}
	return 0;
}

/*
 * Pipes of the services must never land on 0-2, which children get as
 * their stdio: a closed one is opened on /dev/null.
 */
static void open_std_fds(void)
{
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			fatalx(1, "cannot open /dev/null as fd %d", fd);
}

/*
 * Two pipes a service (and a control client each) need more than the
 * usual 1024 fds for a thousand services; children get the limit tend got.
 */
static void raise_nofile(struct sup *sup)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &sup->nofile) < 0 ||
	    sup->nofile.rlim_cur >= sup->nofile.rlim_max)
		return;
	r = sup->nofile;
	r.rlim_cur = r.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &r) == 0)
		sup->nofile_saved = 1;
}

void sup_log_shared(struct sup *sup)
{
	size_t i;
	int shared = 0;

	for (i = 0; i < sup->nsvcs; i++)
		if (sup->svcs[i]->conf->log == SVC_LOG_INHERIT)
			shared = 1;
	logmux_set_shared(shared);
}

int sup_run(const struct args *a, struct config *cfg)
{
	struct sup sup;
	size_t i;
	int code;

	memset(&sup, 0, sizeof(sup));
	sup.args = a;
	sup.cfg = cfg;
	sup.cause_code = -1;
	sup.pid1 = getpid() == 1;
	open_std_fds(); /* before the loop's own fds can take 0-2 */
	sup.loop = loop_init();
	/*
	 * Handed to tend by whoever started it (systemd, a socket activator):
	 * about tend, not its services; a service that wants readiness gets
	 * its own NOTIFY_SOCKET.
	 */
	unsetenv("NOTIFY_SOCKET");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	raise_nofile(&sup);
	logmux_start(sup.loop, cfg->log_format, cfg->log_timestamps);
	ev_init(&sup.drain_timer, on_drain);
	ev_init(&sup.kick_timer, on_kick);
	ev_init(&sup.deadline_timer, on_deadline);
	ev_init(&sup.phase_timer, on_phase_timer);

	if (a->ncmd > 0) {
		struct svc_conf *c = cmdline_conf(a, cfg);

		if (c == NULL || sup_add(&sup, c) == NULL)
			fatalx(1, "out of memory");
		sup.svcs[0]->cmdline = 1;
	}
	if (take_services(&sup, cfg) < 0)
		fatalx(1, "out of memory");
	sup_log_shared(&sup);

	sup.started = ev_time();
	if (sup_control_open(&sup, cfg) < 0) {
		log_errorx("nothing started");
		code = 1;
		goto out;
	}
	loop_watch_signals(sup.loop, on_signal, &sup);
	reaper_start(sup.loop, owner, after_reap, &sup);
	log_info("supervising %zu services from %s", sup.nsvcs, cfg->path);
	sup_settle(&sup);
	if (!sup.finished)
		ev_run(sup.loop, 0);

	code = sup.exit_code;
out:
	ctlsrv_close(sup.ctl);
	for (i = 0; i < sup.nnodes; i++)
		free((void *)sup.nodes[i].deps);
	free(sup.nodes);
	for (i = 0; i < sup.nsvcs; i++)
		svc_free(sup.svcs[i]); /* their last lines are read */
	free(sup.svcs);
	free(sup.index);
	conf_free(sup.cfg);
	logmux_finish();
	confload_abandon();
	loop_destroy(sup.loop);
	return code;
}
