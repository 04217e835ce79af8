#include "svc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "confutil.h"
#include "exitcode.h"
#include "log.h"
#include "loop.h"
#include "signames.h"
#include "spawn.h"
#include "supervisor.h"
#include "util.h"

extern char **environ;

int64_t svc_now_ms(struct ev_loop *loop)
{
	return (int64_t)(ev_now(loop) * 1000.0);
}

static void exec_close(struct svc *s)
{
	if (s->exec_fd < 0)
		return;
	ev_io_stop(s->sup->loop, &s->exec_io);
	loop_io_closing(s->sup->loop, s->exec_fd);
	close(s->exec_fd);
	s->exec_fd = -1;
}

/*
 * What the exec status pipe said (se): the event it makes. reaped: the
 * child is already gone (no dead pid to wait for).
 */
static enum fsm_event exec_done(struct svc *s, const struct spawn_err *se,
				int reaped)
{
	const struct svc_conf *c = s->conf;
	pid_t pid = s->pid;

	exec_close(s);
	if (se->err != 0) {
		errno = se->err;
		log_warn("service %s: %s %s", c->name, se->step,
			 strcmp(se->step, "exec") == 0 ? c->argv[0] : "failed");
		if (!reaped)
			s->dead_pid = pid;
		s->pid = 0;
		s->has_exit = 1;
		s->last_wstatus = (strcmp(se->step, "exec") == 0
					   ? exitcode_from_exec_errno(se->err)
					   : 126)
				  << 8;
		return FE_SPAWN_FAILED;
	}
	s->last_pid = pid;
	s->starts++;
	log_info("service %s: started as pid %d", c->name, (int)pid);
	return FE_SPAWNED;
}

/* The exec status pipe: EOF (exec done) or why it failed. */
static void on_exec_status(struct ev_loop *loop, ev_io *w, int revents)
{
	struct svc *s = container_of(w, struct svc, exec_io);
	struct spawn_err se;

	(void)loop;
	(void)revents;
	if (!spawn_status(s->exec_fd, &se))
		return;
	svc_event(s, exec_done(s, &se, 0));
	sup_settle(s->sup);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct svc *s = container_of(w, struct svc, timer);

	(void)loop;
	(void)revents;
	svc_event(s, FE_TIMER);
	sup_settle(s->sup);
}

struct svc *svc_new(struct sup *sup, struct svc_conf *conf)
{
	struct svc *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->conf = conf;
	s->sup = sup;
	s->state = ST_STOPPED;
	s->exec_fd = -1;
	ev_init(&s->timer, on_timer);
	ev_init(&s->exec_io, on_exec_status);
	svclog_init(&s->log, conf, sup->cfg->log_buffer);
	svcprobe_init(s);
	return s;
}

void svc_free(struct svc *s)
{
	if (s == NULL)
		return;
	ev_timer_stop(s->sup->loop, &s->timer);
	exec_close(s);
	svcprobe_free(s);
	svclog_free(&s->log);
	conf_svc_free(s->conf);
	free(s->conf);
	free(s);
}

int svc_has_process(const struct svc *s)
{
	return s->pid > 0;
}

int svc_ready(const struct svc *s)
{
	/* STOPPING=1 from the service itself: no longer counted as ready. */
	return fsm_ready(s->state, s->conf->type) && !s->probe.not_ready;
}

static int deps_ready(const struct svc *s)
{
	char **d;

	for (d = s->conf->depends; d != NULL && *d != NULL; d++) {
		const struct svc *t = sup_find(s->sup, *d);

		if (t == NULL || !svc_ready(t))
			return 0;
	}
	return 1;
}

/* Sends sig to the service's process group. */
static void signal_group(struct svc *s, int sig)
{
	char name[16];

	if (s->pid <= 0)
		return;
	/*
	 * Before its exec the child may not lead its group yet: then it gets
	 * the signal itself (blocked until it resets its mask, not lost).
	 */
	if (kill(-s->pid, sig) < 0 &&
	    (errno != ESRCH ||
	     (s->exec_fd >= 0 && kill(s->pid, sig) < 0 && errno != ESRCH)))
		log_warn("service %s: kill %s", s->conf->name,
			 sig_name(sig, name, sizeof(name)));
}

/*
 * Starts the process; returns the event that tells how it went, or -1
 * when that comes later, from the exec status pipe (the loop never waits
 * for an exec: a program on a hung filesystem would hold PID 1).
 */
static int start_process(struct svc *s)
{
	const struct svc_conf *c = s->conf;
	char *notify[2] = { NULL, NULL };
	char *const *layers[4] = { environ, c->env_file_vars, c->env, notify };
	const char *notify_env;
	struct spawn_req req;
	char **envp;
	int out[2], ready_fd, ready_num, status_fd;
	pid_t pid;

	if (svcprobe_prespawn(s, &notify_env, &ready_fd, &ready_num) < 0) {
		log_warn("service %s: cannot make its readiness channel",
			 c->name);
		return FE_SPAWN_FAILED;
	}
	notify[0] = (char *)notify_env;
	envp = env_merge(layers, 4);
	if (envp == NULL) {
		log_warnx("service %s: out of memory", c->name);
		svcprobe_postspawn(s, 0);
		return FE_SPAWN_FAILED;
	}
	if (svclog_open(&s->log, c->uid, c->gid, out) < 0) {
		log_warn("service %s: cannot make its output pipes", c->name);
		free(envp);
		svcprobe_postspawn(s, 0);
		return FE_SPAWN_FAILED;
	}
	memset(&req, 0, sizeof(req));
	req.argv = c->argv;
	req.envp = envp;
	if (s->cmdline) {
		/* The command of both mode runs as in single mode. */
		req.own_pgrp = 1;
		req.fg_tty = isatty(STDIN_FILENO) &&
			     tcgetpgrp(STDIN_FILENO) == getpgrp();
	} else {
		req.new_session = 1;
		req.stdin_null = 1;
		req.close_fds = 1;
	}
	req.uid = c->uid;
	req.gid = c->gid;
	req.groups = c->groups;
	req.ngroups = c->ngroups;
	req.workdir = c->workdir;
	req.set_umask = !s->cmdline;
	req.umask = c->umask;
	req.out_fd = out[0];
	req.err_fd = out[1];
	req.nofile = s->sup->nofile_saved ? &s->sup->nofile : NULL;
	req.ready_fd = ready_fd;
	req.ready_num = ready_num;

	pid = spawn_start(&req, &status_fd);
	svclog_opened(&s->log, pid > 0);
	svcprobe_postspawn(s, pid > 0);
	free(envp);
	s->started_ms = svc_now_ms(s->sup->loop);
	if (pid < 0) {
		log_warn("service %s: cannot start", c->name);
		return FE_SPAWN_FAILED;
	}
	s->pid = pid;
	s->exec_fd = status_fd;
	(void)fcntl(status_fd, F_SETFL, O_NONBLOCK);
	ev_io_set(&s->exec_io, status_fd, EV_READ);
	ev_io_start(s->sup->loop, &s->exec_io);
	return -1;
}

void svc_event(struct svc *s, enum fsm_event ev)
{
	struct fsm_view v;
	struct fsm_out o;
	enum svc_state before = s->state;

	memset(&v, 0, sizeof(v));
	v.state = s->state;
	v.want_up = s->want_up;
	v.deps_ready = deps_ready(s);
	v.shutting_down = s->sup->phase != SD_NONE;
	v.fails = s->fails;
	v.started_ms = s->started_ms;
	v.wstatus = s->last_wstatus;
	v.failing = s->failing;
	v.conf = s->conf;
	o = fsm_step(&v, ev, svc_now_ms(s->sup->loop));

	s->state = o.state;
	s->want_up = o.want_up;
	s->fails = o.fails;
	s->failing = o.failing;
	if (o.reason != NULL || before != o.state)
		s->reason = o.reason;
	if (o.actions & FSM_RESTARTED)
		s->restarts++;
	if (o.actions & FSM_TIMER_CLEAR)
		ev_timer_stop(s->sup->loop, &s->timer);
	if (o.actions & FSM_TIMER_SET) {
		ev_now_update(
			s->sup->loop); /* a timeout never runs out early */
		ev_timer_stop(s->sup->loop, &s->timer);
		ev_timer_set(&s->timer, o.timer, 0.);
		ev_timer_start(s->sup->loop, &s->timer);
	}
	if (before != s->state) {
		svcprobe_state(s, before);
		sup_event(s->sup, s, before);
		if (s->state == ST_BACKOFF)
			log_info("service %s: %s -> %s (restart in %.3g s)",
				 s->conf->name, fsm_state_name(before),
				 fsm_state_name(s->state), o.timer);
		else
			log_info("service %s: %s -> %s", s->conf->name,
				 fsm_state_name(before),
				 fsm_state_name(s->state));
	}
	if (o.actions & FSM_STOP_SIGNAL) {
		signal_group(s, s->conf->stop_signal);
		signal_group(s, SIGCONT);
	}
	if (o.actions & FSM_KILL) {
		log_warnx(
			"service %s: still running %.3g s after its stop signal: killing it",
			s->conf->name, s->conf->stop_timeout);
		signal_group(s, SIGKILL);
	}
	if (o.actions & FSM_ENDED)
		sup_service_ended(s->sup, s);
	if (o.actions & FSM_SPAWN) {
		int next = start_process(s);

		if (next >= 0)
			svc_event(s, (enum fsm_event)next);
	}
}

void svc_reaped(struct svc *s, pid_t pid, int wstatus)
{
	char name[16];
	int stopping = s->state == ST_STOPPING;

	/* Its exec is known now, if it was not: the pipe is closed. */
	if (s->exec_fd >= 0) {
		struct spawn_err se;

		(void)spawn_status(s->exec_fd, &se);
		if (exec_done(s, &se, 1) == FE_SPAWN_FAILED) {
			svclog_run_ended(&s->log);
			svc_event(s, FE_SPAWN_FAILED);
			return;
		}
		svc_event(s, FE_SPAWNED);
	}
	/* Its last lines come before the news of its end. */
	svclog_run_ended(&s->log);
	if (WIFSIGNALED(wstatus))
		log_info("service %s: pid %d killed by SIG%s", s->conf->name,
			 (int)pid,
			 sig_name(WTERMSIG(wstatus), name, sizeof(name)));
	else
		log_info("service %s: pid %d exited with %d", s->conf->name,
			 (int)pid, WEXITSTATUS(wstatus));
	/*
	 * Ended on its own: what it left in its process group (workers of a
	 * crashed master, say) gets the stop signal now, while the group's
	 * number cannot have been reused, so a restart does not find them
	 * still holding its port. After tend's own stop they had it already.
	 */
	if (!stopping && !s->cmdline && kill(-pid, 0) == 0) {
		log_info(
			"service %s: stopping what pid %d left in its process group",
			s->conf->name, (int)pid);
		signal_group(s, s->conf->stop_signal);
		signal_group(s, SIGCONT);
	}
	s->pid = 0;
	s->has_exit = 1;
	s->last_wstatus = wstatus;
	svc_event(s, FE_EXITED);
}
