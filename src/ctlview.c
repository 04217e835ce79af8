#include "ctlview.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "signames.h"

static void last_exit(struct jbuf *b, const struct ctl_view *v)
{
	char name[16];

	jb_key(b, "exit_code");
	if (v->has_exit && WIFEXITED(v->wstatus))
		jb_int(b, WEXITSTATUS(v->wstatus));
	else
		jb_null(b);
	jb_key(b, "exit_signal");
	if (v->has_exit && WIFSIGNALED(v->wstatus))
		jb_str(b, sig_name(WTERMSIG(v->wstatus), name, sizeof(name)));
	else
		jb_null(b);
}

static void pid_or_null(struct jbuf *b, pid_t pid)
{
	jb_key(b, "pid");
	if (pid > 0)
		jb_int(b, pid);
	else
		jb_null(b);
}

static void service(struct jbuf *b, const struct ctl_view *v)
{
	jb_obj_begin(b);
	jb_key(b, "name");
	jb_str(b, v->name);
	jb_key(b, "state");
	jb_str(b, v->state);
	pid_or_null(b, v->pid);
	jb_key(b, "uptime");
	if (v->pid > 0)
		jb_num(b, v->uptime, 1);
	else
		jb_null(b);
	jb_key(b, "restarts");
	jb_int(b, v->restarts);
	jb_key(b, "ready");
	jb_bool(b, v->ready);
	jb_key(b, "health");
	jb_str(b, v->health);
	last_exit(b, v);
	jb_key(b, "main");
	jb_bool(b, v->main);
	jb_key(b, "critical");
	jb_bool(b, v->critical);
	jb_key(b, "reason");
	jb_str(b, v->reason);
	jb_key(b, "starts");
	jb_int(b, v->starts);
	jb_key(b, "log_dropped");
	jb_int(b, (long long)v->log_dropped);
	jb_key(b, "health_failures");
	jb_int(b, v->health_failures);
	jb_obj_end(b);
}

void ctlview_status(struct jbuf *b, const struct ctl_top *top,
		    const struct ctl_view *v, size_t n)
{
	size_t i;

	jb_obj_begin(b);
	jb_key(b, "version");
	jb_str(b, TEND_VERSION);
	jb_key(b, "pid");
	jb_int(b, getpid());
	jb_key(b, "uptime");
	jb_num(b, top->uptime, 1);
	jb_key(b, "orphans_reaped");
	jb_int(b, (long long)top->orphans);
	jb_key(b, "log_dropped");
	jb_int(b, (long long)top->log_dropped);
	jb_key(b, "shutting_down");
	jb_bool(b, top->shutting_down);
	jb_key(b, "services");
	jb_arr_begin(b);
	for (i = 0; i < n; i++)
		service(b, &v[i]);
	jb_arr_end(b);
	jb_obj_end(b);
}

void ctlview_check(struct jbuf *b, const struct ctl_view *v, size_t n, int all,
		   int shutting_down)
{
	size_t i;
	int healthy = !shutting_down;

	jb_obj_begin(b);
	jb_key(b, "services");
	jb_arr_begin(b);
	for (i = 0; i < n; i++) {
		const char *why = NULL;

		if (all && !v[i].wanted)
			continue; /* SPEC §5: check looks only at services wanted up */
		if (shutting_down)
			why = "tend is shutting down";
		else if (!v[i].ready)
			why = v[i].reason != NULL ? v[i].reason : v[i].state;
		else if (v[i].health != NULL &&
			 strcmp(v[i].health, "unhealthy") == 0)
			why = "unhealthy";
		if (why != NULL)
			healthy = 0;
		jb_obj_begin(b);
		jb_key(b, "name");
		jb_str(b, v[i].name);
		jb_key(b, "ok");
		jb_bool(b, why == NULL);
		jb_key(b, "state");
		jb_str(b, v[i].state);
		jb_key(b, "reason");
		jb_str(b, why);
		jb_obj_end(b);
	}
	jb_arr_end(b);
	jb_key(b, "healthy");
	jb_bool(b, healthy);
	jb_obj_end(b);
}

static void line(struct jbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void line(struct jbuf *b, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		jb_raw(b, buf,
		       (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void ctlview_metrics(struct jbuf *b, const struct ctl_top *top,
		     const struct ctl_view *v, size_t n)
{
	size_t i;

	line(b,
	     "# HELP tend_service_state The service's current state (1 for that state).\n"
	     "# TYPE tend_service_state gauge\n");
	for (i = 0; i < n; i++)
		line(b, "tend_service_state{service=\"%s\",state=\"%s\"} 1\n",
		     v[i].name, v[i].state);
	line(b, "# HELP tend_service_ready 1 when the service is ready.\n"
		"# TYPE tend_service_ready gauge\n");
	for (i = 0; i < n; i++)
		line(b, "tend_service_ready{service=\"%s\"} %d\n", v[i].name,
		     v[i].ready ? 1 : 0);
	line(b,
	     "# HELP tend_service_health 1 healthy, 0 unhealthy or not checked yet (absent: no health check).\n"
	     "# TYPE tend_service_health gauge\n");
	for (i = 0; i < n; i++)
		if (v[i].health != NULL)
			line(b, "tend_service_health{service=\"%s\"} %d\n",
			     v[i].name, strcmp(v[i].health, "healthy") == 0);
	line(b, "# HELP tend_service_restarts_total Restarts of the service.\n"
		"# TYPE tend_service_restarts_total counter\n");
	for (i = 0; i < n; i++)
		line(b, "tend_service_restarts_total{service=\"%s\"} %u\n",
		     v[i].name, v[i].restarts);
	line(b,
	     "# HELP tend_service_last_exit_code Exit code of the last run (128+N for signal N).\n"
	     "# TYPE tend_service_last_exit_code gauge\n");
	for (i = 0; i < n; i++)
		if (v[i].has_exit)
			line(b,
			     "tend_service_last_exit_code{service=\"%s\"} %d\n",
			     v[i].name,
			     WIFSIGNALED(v[i].wstatus)
				     ? 128 + WTERMSIG(v[i].wstatus)
				     : WEXITSTATUS(v[i].wstatus));
	line(b,
	     "# HELP tend_service_uptime_seconds Seconds since the current run started (0 when none).\n"
	     "# TYPE tend_service_uptime_seconds gauge\n");
	for (i = 0; i < n; i++)
		line(b, "tend_service_uptime_seconds{service=\"%s\"} %.3f\n",
		     v[i].name, v[i].pid > 0 ? v[i].uptime : 0.0);
	line(b,
	     "# HELP tend_service_log_dropped_total Lines of the service's output that could not be written.\n"
	     "# TYPE tend_service_log_dropped_total counter\n");
	for (i = 0; i < n; i++)
		line(b, "tend_service_log_dropped_total{service=\"%s\"} %lu\n",
		     v[i].name, v[i].log_dropped);
	line(b,
	     "# HELP tend_orphans_reaped_total Adopted orphans tend reaped.\n"
	     "# TYPE tend_orphans_reaped_total counter\n"
	     "tend_orphans_reaped_total %lu\n",
	     top->orphans);
	line(b,
	     "# HELP tend_log_dropped_total Lines of tend's own messages that could not be written.\n"
	     "# TYPE tend_log_dropped_total counter\n"
	     "tend_log_dropped_total %lu\n",
	     top->log_dropped);
}

void ctlview_event(struct jbuf *b, double now, const struct ctl_view *v,
		   const char *from)
{
	char ts[32];

	ctl_rfc3339(now, ts);
	jb_obj_begin(b);
	jb_key(b, "ts");
	jb_str(b, ts);
	jb_key(b, "service");
	jb_str(b, v->name);
	jb_key(b, "from");
	jb_str(b, from);
	jb_key(b, "to");
	jb_str(b, v->state);
	pid_or_null(b, v->pid);
	last_exit(b, v);
	jb_key(b, "reason");
	jb_str(b, v->reason);
	jb_obj_end(b);
}

void ctlview_brief(struct jbuf *b, const struct ctl_view *v, size_t n)
{
	size_t i;

	jb_obj_begin(b);
	jb_key(b, "services");
	jb_arr_begin(b);
	for (i = 0; i < n; i++) {
		jb_obj_begin(b);
		jb_key(b, "name");
		jb_str(b, v[i].name);
		jb_key(b, "state");
		jb_str(b, v[i].state);
		pid_or_null(b, v[i].pid);
		jb_key(b, "starts");
		jb_int(b, v[i].starts);
		jb_obj_end(b);
	}
	jb_arr_end(b);
	jb_obj_end(b);
}

enum ctl_status ctlview_error(struct jbuf *b, enum ctl_status st,
			      const char *msg)
{
	jb_obj_begin(b);
	jb_key(b, "error");
	jb_str(b, msg);
	jb_obj_end(b);
	return st;
}
