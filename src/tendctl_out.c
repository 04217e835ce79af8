#include "tendctl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signames.h"

enum {
	COL_REASON = 8,
	COL_MAX = 9
};

static const char *const col_head[COL_MAX] = {
	"NAME",	     "STATE", "PID",	"UPTIME", "RESTARTS",
	"LAST-EXIT", "READY", "HEALTH", "REASON",
};

void tc_uptime(double secs, char *buf, size_t len)
{
	long long s = isfinite(secs) && secs > 0 ? (long long)secs : 0;

	if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
}

const char *tc_str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

json_t *tc_services(json_t *root)
{
	json_t *a = json_object_get(root, "services");

	return json_is_array(a) ? a : NULL;
}

json_t *tc_find_service(json_t *services, const char *name)
{
	size_t i;
	json_t *svc;

	json_array_foreach(services, i, svc)
	{
		const char *n = tc_str(svc, "name");

		if (n != NULL && strcmp(n, name) == 0)
			return svc;
	}
	return NULL;
}

/*
 * A copy of s fit for one table cell or line: free text from the server
 * (a reason) must not break the layout or drive the terminal.
 */
static char *clean_dup(const char *s)
{
	char *d = strdup(s != NULL ? s : "-"), *p;

	if (d == NULL) {
		fputs("tendctl: out of memory\n", stderr);
		exit(1);
	}
	for (p = d; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return d;
}

/* "0", "3", "SIGKILL" or NULL when the service has not exited yet. */
static const char *last_exit(json_t *svc, char *buf, size_t len)
{
	const char *sig = tc_str(svc, "exit_signal");
	json_t *code = json_object_get(svc, "exit_code");

	if (sig != NULL) {
		snprintf(buf, len, "SIG%s", sig);
		return buf;
	}
	if (json_is_integer(code)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(code));
		return buf;
	}
	return NULL;
}

/*
 * The REASON cell: the reason, and the output lines lost, which get no
 * column of their own (rare, and a column would widen every table);
 * NULL when neither.
 */
static char *reason_cell(json_t *svc)
{
	const char *reason = tc_str(svc, "reason");
	json_t *d = json_object_get(svc, "log_dropped");
	long long n = json_is_integer(d) ? json_integer_value(d) : 0;
	int has_reason = reason != NULL && *reason != '\0';
	char note[64], *cell, *out;
	size_t len;

	if (n <= 0)
		return has_reason ? clean_dup(reason) : NULL;
	snprintf(note, sizeof(note), "log lines dropped: %lld", n);
	if (!has_reason)
		return clean_dup(note);
	len = strlen(reason) + 2 + strlen(note) + 1;
	cell = malloc(len);
	if (cell == NULL) {
		fputs("tendctl: out of memory\n", stderr);
		exit(1);
	}
	snprintf(cell, len, "%s; %s", reason, note);
	out = clean_dup(cell);
	free(cell);
	return out;
}

static const char *int_or_null(json_t *v, char *buf, size_t len)
{
	if (!json_is_integer(v))
		return NULL;
	snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	return buf;
}

static void fill_row(char **row, json_t *svc)
{
	char buf[64];
	json_t *up = json_object_get(svc, "uptime");
	const char *health = tc_str(svc, "health"), *v;

	row[0] = clean_dup(tc_str(svc, "name"));
	row[1] = clean_dup(tc_str(svc, "state"));
	row[2] = clean_dup(
		int_or_null(json_object_get(svc, "pid"), buf, sizeof(buf)));
	v = NULL;
	if (json_is_number(up)) {
		tc_uptime(json_number_value(up), buf, sizeof(buf));
		v = buf;
	}
	row[3] = clean_dup(v);
	row[4] = clean_dup(int_or_null(json_object_get(svc, "restarts"), buf,
				       sizeof(buf)));
	row[5] = clean_dup(last_exit(svc, buf, sizeof(buf)));
	row[6] = clean_dup(json_is_true(json_object_get(svc, "ready")) ? "yes"
								       : "no");
	row[7] = clean_dup(health);
	row[COL_REASON] = reason_cell(svc);
}

int tc_print_status(FILE *f, json_t *root)
{
	json_t *services = tc_services(root), *svc;
	size_t nrows, i, c, ncols = COL_REASON, width[COL_MAX] = { 0 };
	char **cells;

	if (!json_is_object(root) || services == NULL)
		return -1;
	nrows = json_array_size(services) + 1;
	cells = calloc(nrows * COL_MAX, sizeof(*cells));
	if (cells == NULL) {
		fputs("tendctl: out of memory\n", stderr);
		exit(1);
	}
	for (c = 0; c < COL_MAX; c++)
		cells[c] = clean_dup(col_head[c]);
	json_array_foreach(services, i, svc)
	{
		fill_row(cells + (i + 1) * COL_MAX, svc);
		if (cells[(i + 1) * COL_MAX + COL_REASON] != NULL)
			ncols = COL_MAX;
	}
	for (i = 0; i < nrows; i++)
		for (c = 0; c < ncols; c++) {
			const char *s = cells[i * COL_MAX + c];
			size_t n = s != NULL ? strlen(s) : 1;

			if (n > width[c])
				width[c] = n;
		}
	for (i = 0; i < nrows; i++) {
		for (c = 0; c < ncols; c++) {
			const char *s = cells[i * COL_MAX + c];

			if (s == NULL)
				s = "-";
			if (c + 1 == ncols)
				fprintf(f, "%s\n", s);
			else
				fprintf(f, "%-*s  ", (int)width[c], s);
		}
	}
	for (i = 0; i < nrows * COL_MAX; i++)
		free(cells[i]);
	free(cells);
	return 0;
}

void tc_print_service(FILE *f, json_t *svc)
{
	char buf[64];
	const char *state = tc_str(svc, "state"),
		   *reason = tc_str(svc, "reason");
	const char *pid =
		int_or_null(json_object_get(svc, "pid"), buf, sizeof(buf));
	char *name = clean_dup(tc_str(svc, "name"));
	char *st = clean_dup(state != NULL ? state : "unknown");
	char *why = NULL;
	char exitbuf[64];

	if (reason != NULL && *reason != '\0')
		why = clean_dup(reason);
	else if (state != NULL && strcmp(state, "failed") == 0 &&
		 last_exit(svc, exitbuf, sizeof(exitbuf)) != NULL) {
		char tmp[80];

		snprintf(tmp, sizeof(tmp), "last exit %s", exitbuf);
		why = clean_dup(tmp);
	}
	fprintf(f, "%s: %s", name, st);
	if (pid != NULL && why != NULL)
		fprintf(f, " (pid %s, %s)", pid, why);
	else if (pid != NULL)
		fprintf(f, " (pid %s)", pid);
	else if (why != NULL)
		fprintf(f, " (%s)", why);
	fputc('\n', f);
	free(name);
	free(st);
	free(why);
}

/* "KEY-LABEL: a b c" when root's array key is not empty; -1 if malformed. */
static int print_list(FILE *f, json_t *root, const char *key, const char *label)
{
	json_t *a = json_object_get(root, key), *v;
	size_t i;

	if (a == NULL)
		return 0;
	if (!json_is_array(a))
		return -1;
	if (json_array_size(a) == 0)
		return 0;
	fprintf(f, "%s:", label);
	json_array_foreach(a, i, v)
	{
		char *s = clean_dup(json_is_string(v) ? json_string_value(v)
						      : "?");

		fprintf(f, " %s", s);
		free(s);
	}
	fputc('\n', f);
	return 0;
}

int tc_print_reload(FILE *f, json_t *root)
{
	static const char *const lists[][2] = {
		{ "added", "added" },	      { "removed", "removed" },
		{ "restarted", "restarted" }, { "changed", "changed in place" },
		{ "unchanged", "unchanged" },
	};
	size_t i;

	if (!json_is_object(root))
		return -1;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (print_list(f, root, lists[i][0], lists[i][1]) < 0)
			return -1;
	return 0;
}

int tc_print_check(FILE *f, json_t *root)
{
	json_t *healthy = json_object_get(root, "healthy");
	json_t *services = tc_services(root), *svc;
	size_t i;

	if (!json_is_boolean(healthy))
		return -1;
	json_array_foreach(services, i, svc)
	{
		const char *reason = tc_str(svc, "reason");
		char *name, *why;

		if (f == NULL || json_is_true(json_object_get(svc, "ok")))
			continue;
		name = clean_dup(tc_str(svc, "name"));
		why = clean_dup(reason != NULL ? reason : "not ok");
		fprintf(f, "%s: %s\n", name, why);
		free(name);
		free(why);
	}
	return json_is_true(healthy) ? 1 : 0;
}

int tc_print_log(FILE *f, json_t *obj, int *open_line)
{
	json_t *msg = json_object_get(obj, "msg");
	const char *stream = tc_str(obj, "stream");
	int s = stream != NULL && strcmp(stream, "stderr") == 0 ? 2 : 1;

	if (!json_is_string(msg))
		return -1;
	if (*open_line != 0 &&
	    (*open_line != s || !json_is_true(json_object_get(obj, "cont"))))
		fputc('\n', f);
	/* The decoded length: a line may hold NUL bytes (\u0000). */
	fwrite(json_string_value(msg), 1, json_string_length(msg), f);
	if (json_is_true(json_object_get(obj, "more"))) {
		*open_line = s;
	} else {
		fputc('\n', f);
		*open_line = 0;
	}
	return 0;
}

void tc_print_log_end(FILE *f, int *open_line)
{
	if (*open_line != 0)
		fputc('\n', f);
	*open_line = 0;
}

int tc_state_is(json_t *svc, const char *state)
{
	const char *s = tc_str(svc, "state");

	return s != NULL && strcmp(s, state) == 0;
}

int tc_judge(const struct tc_target *t, enum tc_want w, json_t *svc)
{
	json_t *pid = json_object_get(svc, "pid");
	long long starts = json_integer_value(json_object_get(svc, "starts"));

	if (w == TC_WANT_DOWN)
		return (pid == NULL || json_is_null(pid)) &&
		       (tc_state_is(svc, "stopped") ||
			tc_state_is(svc, "done") || tc_state_is(svc, "failed"));
	if (tc_state_is(svc, "failed"))
		return -1;
	if (w == TC_WANT_RESTARTED && t->old_run && starts <= t->base_starts)
		return 0;
	return (tc_state_is(svc, "running") &&
		json_is_true(json_object_get(svc, "ready"))) ||
	       tc_state_is(svc, "done");
}

void tc_report_targets(FILE *out, FILE *err, const struct tc_target *t,
		       size_t nt, long long timeout_ms)
{
	size_t i, pending = 0;

	for (i = 0; i < nt; i++) {
		if (t[i].svc == NULL)
			continue;
		if (t[i].verdict > 0)
			tc_print_service(out, t[i].svc);
		else if (t[i].verdict == 0)
			pending++;
	}
	fflush(out);
	for (i = 0; i < nt; i++) {
		if (t[i].verdict < 0 && t[i].svc != NULL) {
			fputs("tendctl: ", err);
			tc_print_service(err, t[i].svc);
		}
	}
	if (pending == 0)
		return;
	fprintf(err, "tendctl: not done after %gs:", (double)timeout_ms / 1000);
	for (i = 0; i < nt; i++)
		if (t[i].verdict == 0)
			fprintf(err, " %s", t[i].name);
	fputc('\n', err);
	for (i = 0; i < nt; i++) {
		if (t[i].verdict == 0 && t[i].svc != NULL) {
			fputs("tendctl: ", err);
			tc_print_service(err, t[i].svc);
		}
	}
}

int tc_valid_name(const char *s)
{
	size_t n = strspn(s,
			  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			  "0123456789_.-");

	return n > 0 && n <= 64 && s[n] == '\0';
}

int tc_exit_code(enum ctl_status st)
{
	switch (st) {
	case CTL_OK:
		return 0;
	case CTL_FAILED:
	case CTL_SHUTTING_DOWN:
		return 1;
	case CTL_BAD_REQUEST:
	case CTL_UNKNOWN_COMMAND:
	case CTL_UNKNOWN_SERVICE:
	case CTL_BAD_VERSION:
	case CTL_TOO_LARGE:
		return 2;
	case CTL_TIMEOUT:
	case CTL_BUSY:
	case CTL_DENIED:
	case CTL_STATUS_COUNT:
		break;
	}
	return 3;
}

int tc_cmd_waits(const char *cmd)
{
	return strcmp(cmd, "start") == 0 || strcmp(cmd, "stop") == 0 ||
	       strcmp(cmd, "restart") == 0;
}

/* A request has at most CTL_ARGS_MAX words, the command's included. */
#define NAMES_MAX (CTL_ARGS_MAX - 1)

static const struct {
	const char *name;
	unsigned min, max; /* arguments */
} commands[] = {
	{ "status", 0, NAMES_MAX },
	{ "check", 0, NAMES_MAX },
	{ "start", 1, NAMES_MAX },
	{ "stop", 1, NAMES_MAX },
	{ "restart", 1, NAMES_MAX },
	{ "signal", 2, NAMES_MAX },
	{ "reload", 0, 0 },
	{ "shutdown", 0, 0 },
	{ "events", 0, 0 },
	{ "metrics", 0, 0 },
	{ "log", 1, 1 },
};

/* Writes the reason into err; returns -1. */
static int refuse(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int tc_check_args(const char *cmd, char *const *args, size_t nargs,
		  const struct tc_flags *fl, char *err, size_t errlen)
{
	size_t i, n = sizeof(commands) / sizeof(commands[0]);

	for (i = 0; i < n && strcmp(commands[i].name, cmd) != 0; i++)
		;
	if (i == n)
		return refuse(err, errlen, "unknown command '%s'", cmd);
	if (nargs < commands[i].min)
		return refuse(err, errlen, "%s needs %s", cmd,
			      commands[i].min == 2
				      ? "a signal and a service name"
				      : "a service name");
	if (nargs > commands[i].max && commands[i].max == 0)
		return refuse(err, errlen, "%s takes no arguments", cmd);
	if (nargs > commands[i].max && commands[i].max == 1)
		return refuse(err, errlen, "%s takes one service name", cmd);
	if (nargs > commands[i].max)
		return refuse(err, errlen, "%s takes at most %u arguments", cmd,
			      commands[i].max);
	if (fl->no_wait && !tc_cmd_waits(cmd))
		return refuse(err, errlen,
			      "--no-wait is for start, stop and restart");
	if (fl->dry_run && strcmp(cmd, "reload") != 0)
		return refuse(err, errlen, "--dry-run is for reload");
	if (fl->follow && strcmp(cmd, "log") != 0)
		return refuse(err, errlen, "-f/--follow is for log");
	if (fl->lines && strcmp(cmd, "log") != 0)
		return refuse(err, errlen, "-n/--lines is for log");
	i = 0;
	if (strcmp(cmd, "signal") == 0 && sig_parse(args[i++]) < 0)
		return refuse(err, errlen, "invalid signal '%s'", args[0]);
	for (; i < nargs; i++)
		if (!tc_valid_name(args[i]))
			return refuse(err, errlen, "'%s' is not a service name",
				      args[i]);
	return 0;
}
