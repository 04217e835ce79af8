#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "logfmt.h"
#include "unit.h"
#include "unit_util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MAXE 8
#define NAME "t.conf"

/* A service web whose body starts at line 3. */
#define WEB(body) "service web {\n command = run\n" body "}\n"

static struct conf_errors errs;

/* printf into one of a ring of buffers: for expected messages. */
static const char *fmt(const char *f, ...)
	__attribute__((format(printf, 1, 2)));

static const char *fmt(const char *f, ...)
{
	static char ring[8][1024];
	static unsigned next;
	char *p = ring[next++ % 8];
	va_list ap;

	va_start(ap, f);
	vsnprintf(p, sizeof(ring[0]), f, ap);
	va_end(ap);
	return p;
}

static struct config *load(const char *text, const char *extra_main)
{
	return conf_load_text(NAME, text, strlen(text), extra_main, &errs);
}

/* Asserts c loaded without errors. */
static struct config *expect_ok(struct config *c)
{
	ck_assert_msg(c != NULL, "%zu errors, the first: %s", errs.n,
		      errs.n > 0 ? errs.msgs[0] : "(none)");
	ck_assert_uint_eq(errs.n, 0);
	return c;
}

/*
 * Asserts c failed with exactly the messages of want (NULL-terminated, in
 * any order; a message ending in '*' matches any with that prefix), then
 * frees the errors.
 */
static void expect_errors(struct config *c, const char *const *want)
{
	int used[64] = { 0 };
	size_t i, j, n;

	ck_assert_ptr_null(c);
	for (n = 0; want[n] != NULL; n++)
		;
	for (i = 0; i < n; i++) {
		size_t len = strlen(want[i]);
		int prefix = len > 0 && want[i][len - 1] == '*';

		for (j = 0; j < errs.n && j < N(used); j++)
			if (!used[j] &&
			    (prefix ? strncmp(errs.msgs[j], want[i], len - 1)
				    : strcmp(errs.msgs[j], want[i])) == 0)
				break;
		if (j == errs.n || j == N(used)) {
			char got[2048] = "";
			size_t k;

			for (k = 0; k < errs.n; k++)
				snprintf(got + strlen(got),
					 sizeof(got) - strlen(got), "\n  %s",
					 errs.msgs[k]);
			ck_abort_msg("missing: %s\ngot:%s", want[i], got);
		}
		used[j] = 1;
	}
	ck_assert_msg(errs.n == n, "%zu errors, want %zu; the first: %s",
		      errs.n, n, errs.n > 0 ? errs.msgs[0] : "");
	conf_errors_free(&errs);
}

#define STRV(...) ((const char *[]){ __VA_ARGS__, NULL })
#define NOSTRV	  ((const char *[]){ NULL })

static const struct svc_conf *find(const struct config *c, const char *name)
{
	const struct svc_conf *s = conf_find(c, name);

	ck_assert_msg(s != NULL, "no service %s", name);
	return s;
}

/* ---- conf_load_text: a valid config with every key ---- */

static const char every_key[] =
	"# every key\n"						 /* 1 */
	"shutdown-timeout = 8.5\n"				 /* 2 */
	"drain-delay = 0.25\n"					 /* 3 */
	"straggler-timeout = 1.5\n"				 /* 4 */
	"forward-signals = {\"USR1\", \"SIGUSR2\", \"winch\"}\n" /* 5 */
	"service \"web\" {\n"					 /* 6 */
	"    command      = \"/usr/sbin/nginx -g 'daemon off;'\"\n"
	"    type         = simple\n"		      /* 8 */
	"    main         = false\n"		      /* 9 */
	"    critical     = yes\n"		      /* 10 */
	"    restart      = on-failure\n"	      /* 11 */
	"    restart-delay     = 0.25\n"	      /* 12 */
	"    restart-delay-max = 12.5\n"	      /* 13 */
	"    restart-limit     = 7\n"		      /* 14 */
	"    stable-after      = 2.5\n"		      /* 15 */
	"    depends      = {\"db\", \"init\"}\n"     /* 16 */
	"    user = \"root\"   group = \"0\"\n"	      /* 17 */
	"    workdir = \"/srv\"   umask = \"0027\"\n" /* 18 */
	"    env          = {\"A=1\", \"B=x y\"}\n"   /* 19 */
	"    env-file     = \"\"\n"		      /* 20 */
	"    stop-signal  = \"SIGQUIT\"\n"	      /* 21 */
	"    stop-timeout = 1.5\n"		      /* 22 */
	"    disabled     = off\n"		      /* 23 */
	"}\n"					      /* 24 */
	"service db {\n"			      /* 25 */
	"    command = \"db --data=/var/lib/db\"\n"   /* 26 */
	"    user = 12345\n"			      /* 27 */
	"    group = 54321\n"			      /* 28 */
	"    stop-signal = 15\n"		      /* 29 */
	"    stop-timeout = 0.1\n"		      /* 30 */
	"}\n"					      /* 31 */
	"service init {\n"			      /* 32 */
	"    command = init\n"			      /* 33 */
	"    type = oneshot\n"			      /* 34 */
	"}\n"					      /* 35 */
	"service app {\n"			      /* 36 */
	"    command = app\n"			      /* 37 */
	"    main = true\n"			      /* 38 */
	"}\n"					      /* 39 */
	"service plain { command = \"x\" }\n";	      /* 40 */

START_TEST(test_every_key)
{
	struct config *c = expect_ok(load(every_key, NULL));
	const struct svc_conf *s;

	ck_assert_str_eq(c->path, NAME);
	ck_assert_double_eq(c->shutdown_timeout, 8.5);
	ck_assert_double_eq(c->drain_delay, 0.25);
	ck_assert_double_eq(c->straggler_timeout, 1.5);
	ck_assert_str_eq(c->include_dir, "");
	ck_assert_uint_eq(c->nforward, 3);
	ck_assert_int_eq(c->forward_signals[0], SIGUSR1);
	ck_assert_int_eq(c->forward_signals[1], SIGUSR2);
	ck_assert_int_eq(c->forward_signals[2], SIGWINCH);
	ck_assert_uint_eq(c->nsvcs, 5);
	/* In the order of the file. */
	ck_assert_str_eq(c->svcs[0].name, "web");
	ck_assert_str_eq(c->svcs[1].name, "db");
	ck_assert_str_eq(c->svcs[4].name, "plain");

	s = find(c, "web");
	ck_assert_str_eq(s->file, NAME);
	ck_assert_int_eq(s->line, 6);
	ck_assert_int_eq(s->line_depends, 16);
	ck_assert_int_eq(s->line_main, 9);
	ck_assert_str_eq(s->command, "/usr/sbin/nginx -g 'daemon off;'");
	expect_strv(s->argv, STRV("/usr/sbin/nginx", "-g", "daemon off;"));
	ck_assert_int_eq(s->type, SVC_SIMPLE);
	ck_assert_int_eq(s->main, 0);
	ck_assert_int_eq(s->critical, 1);
	ck_assert_int_eq(s->disabled, 0);
	ck_assert_int_eq(s->restart, RESTART_ON_FAILURE);
	ck_assert_double_eq(s->restart_delay, 0.25);
	ck_assert_double_eq(s->restart_delay_max, 12.5);
	ck_assert_int_eq(s->restart_limit, 7);
	ck_assert_double_eq(s->stable_after, 2.5);
	expect_strv(s->depends, STRV("db", "init"));
	ck_assert_str_eq(s->user, "root");
	ck_assert_str_eq(s->group, "0");
	ck_assert_int_eq(s->uid, 0);
	ck_assert_int_eq(s->gid, 0);
	ck_assert_str_eq(s->workdir, "/srv");
	ck_assert_int_eq(s->umask, 027);
	expect_strv(s->env, STRV("A=1", "B=x y"));
	ck_assert_str_eq(s->env_file, "");
	ck_assert_ptr_null(s->env_file_vars);
	ck_assert_int_eq(s->stop_signal, SIGQUIT);
	ck_assert_double_eq(s->stop_timeout, 1.5);

	s = find(c, "db");
	ck_assert_int_eq(s->line, 25);
	expect_strv(s->argv, STRV("db", "--data=/var/lib/db"));
	ck_assert_int_eq(s->uid, 12345);
	ck_assert_int_eq(s->gid, 54321);
	ck_assert_uint_eq(s->ngroups, 0);
	ck_assert_int_eq(s->stop_signal, SIGTERM);
	ck_assert_double_eq(s->stop_timeout, 0.1);
	ck_assert_int_eq(s->restart, RESTART_ALWAYS);

	s = find(c, "init");
	ck_assert_int_eq(s->type, SVC_ONESHOT);
	ck_assert_int_eq(s->restart, RESTART_NEVER);

	s = find(c, "app");
	ck_assert_int_eq(s->main, 1);
	ck_assert_int_eq(s->line_main, 38);
	ck_assert_int_eq(s->restart, RESTART_NEVER);

	s = find(c, "plain");
	ck_assert_int_eq(s->line, 40);
	expect_strv(s->argv, STRV("x"));
	ck_assert_int_eq(s->type, SVC_SIMPLE);
	ck_assert_int_eq(s->restart, RESTART_ALWAYS);
	ck_assert_int_eq(s->main + s->critical + s->disabled, 0);
	ck_assert_double_eq(s->restart_delay, 0.5);
	ck_assert_double_eq(s->restart_delay_max, 30);
	ck_assert_int_eq(s->restart_limit, 0);
	ck_assert_double_eq(s->stable_after, 10);
	expect_strv(s->depends, NOSTRV);
	ck_assert_str_eq(s->user, "");
	ck_assert_str_eq(s->group, "");
	ck_assert_int_eq(s->uid, (uid_t)-1);
	ck_assert_int_eq(s->gid, (gid_t)-1);
	ck_assert_uint_eq(s->ngroups, 0);
	ck_assert_str_eq(s->workdir, "");
	ck_assert_int_eq(s->umask, 022);
	expect_strv(s->env, NOSTRV);
	ck_assert_str_eq(s->env_file, "");
	ck_assert_int_eq(s->stop_signal, SIGTERM);
	ck_assert_double_eq(s->stop_timeout, 5);
	conf_free(c);
}
END_TEST

START_TEST(test_global_defaults)
{
	struct config *c = expect_ok(load("", NULL));

	ck_assert_double_eq(c->shutdown_timeout, 9);
	ck_assert_double_eq(c->drain_delay, 0);
	ck_assert_double_eq(c->straggler_timeout, 2);
	ck_assert_uint_eq(c->nforward, 2);
	ck_assert_int_eq(c->forward_signals[0], SIGUSR1);
	ck_assert_int_eq(c->forward_signals[1], SIGUSR2);
	ck_assert_uint_eq(c->nsvcs, 0);
	conf_free(c);
	c = expect_ok(load("forward-signals = {}\n", NULL));
	ck_assert_uint_eq(c->nforward, 0);
	conf_free(c);
}
END_TEST

static const struct {
	const char *body;
	enum svc_type type;
	enum restart_policy restart;
	int stop_signal;
	double stop_timeout;
} values[] = {
	{ "", SVC_SIMPLE, RESTART_ALWAYS, SIGTERM, 5 },
	{ " type = oneshot\n", SVC_ONESHOT, RESTART_NEVER, SIGTERM, 5 },
	{ " main = true\n", SVC_SIMPLE, RESTART_NEVER, SIGTERM, 5 },
	{ " main = true\n type = oneshot\n", SVC_ONESHOT, RESTART_NEVER,
	  SIGTERM, 5 },
	{ " type = oneshot\n restart = on-failure\n", SVC_ONESHOT,
	  RESTART_ON_FAILURE, SIGTERM, 5 },
	{ " restart = never\n", SVC_SIMPLE, RESTART_NEVER, SIGTERM, 5 },
	{ " stop-signal = TERM\n", SVC_SIMPLE, RESTART_ALWAYS, SIGTERM, 5 },
	{ " stop-signal = SIGTERM\n", SVC_SIMPLE, RESTART_ALWAYS, SIGTERM, 5 },
	{ " stop-signal = 15\n", SVC_SIMPLE, RESTART_ALWAYS, SIGTERM, 5 },
	{ " stop-signal = \"int\"\n", SVC_SIMPLE, RESTART_ALWAYS, SIGINT, 5 },
	{ " stop-signal = KILL\n", SVC_SIMPLE, RESTART_ALWAYS, SIGKILL, 5 },
	{ " stop-timeout = 0.001\n", SVC_SIMPLE, RESTART_ALWAYS, SIGTERM,
	  0.001 },
	{ " stop-timeout = \"1e2\"\n", SVC_SIMPLE, RESTART_ALWAYS, SIGTERM,
	  100 },
	{ " stop-timeout = 10000000\n", SVC_SIMPLE, RESTART_ALWAYS, SIGTERM,
	  1e7 },
};

START_TEST(test_values)
{
	char text[256];
	struct config *c;

	snprintf(text, sizeof(text), WEB("%s"), values[_i].body);
	c = expect_ok(load(text, NULL));
	ck_assert_int_eq(c->svcs[0].type, values[_i].type);
	ck_assert_int_eq(c->svcs[0].restart, values[_i].restart);
	ck_assert_int_eq(c->svcs[0].stop_signal, values[_i].stop_signal);
	ck_assert_double_eq_tol(c->svcs[0].stop_timeout,
				values[_i].stop_timeout, 1e-9);
	conf_free(c);
}
END_TEST

START_TEST(test_expansion)
{
	struct config *c;

	/* Check runs each test in its own process: this stays in it. */
	ck_assert_int_eq(setenv("TEND_UNIT_X", "hello", 1), 0);
	unsetenv("TEND_UNIT_UNSET");
	c = expect_ok(load("service web {\n command = \"echo ${TEND_UNIT_X} "
			   "${TEND_UNIT_UNSET:-dflt}\"\n}\n",
			   NULL));
	expect_strv(c->svcs[0].argv, STRV("echo", "hello", "dflt"));
	conf_free(c);
}
END_TEST

/*
 * An unquoted ${VAR} is one token to libconfuse, braces and all; tend's
 * scan once took its braces for a section's and put the keys after it at
 * the top level: "'restart' is set twice" (found by fuzzing).
 */
START_TEST(test_expansion_unquoted)
{
	struct config *c;

	ck_assert_int_eq(setenv("TEND_UNIT_CMD", "run", 1), 0);
	c = expect_ok(load("service a {\n command = ${TEND_UNIT_CMD}\n"
			   " restart = always\n}\n"
			   "service b {\n command = ${TEND_UNIT_NO:-go}\n"
			   " restart = never\n}\n",
			   NULL));
	expect_strv(find(c, "a")->argv, STRV("run"));
	expect_strv(find(c, "b")->argv, STRV("go"));
	ck_assert_int_eq(find(c, "b")->restart, RESTART_NEVER);
	conf_free(c);
	/* a lone '+' or '*' is dropped by libconfuse: the scan agrees */
	c = expect_ok(load("+\nservice a {\n * command = x\n}\n", NULL));
	ck_assert_uint_eq(c->nsvcs, 1);
	conf_free(c);
}
END_TEST

START_TEST(test_depends_any_order)
{
	struct config *c = expect_ok(
		load("service a {\n command = x\n depends = {\"b\", \"c\"}\n}\n"
		     "service b {\n command = x\n depends = {\"c\"}\n}\n"
		     "service c {\n command = x\n}\n",
		     NULL));

	expect_strv(find(c, "a")->depends, STRV("b", "c"));
	conf_free(c);
}
END_TEST

START_TEST(test_extra_main_ok)
{
	/* The file's services may be anything but main, and no main. */
	struct config *c = expect_ok(load(WEB(""), "main"));

	ck_assert_uint_eq(c->nsvcs, 1);
	conf_free(c);
}
END_TEST

/* ---- conf_load_text: the log keys ---- */

START_TEST(test_log_defaults)
{
	struct config *c = expect_ok(load(WEB(""), NULL));
	const struct svc_conf *s = find(c, "web");

	ck_assert_int_eq(c->log_format, LOGFMT_PREFIX);
	ck_assert_int_eq(c->log_timestamps, 0);
	ck_assert_uint_eq(c->log_buffer, 65536);
	ck_assert_int_eq(s->log, SVC_LOG_FORMAT);
	ck_assert_ptr_null(s->log_path);
	ck_assert_int_eq(s->log_max_size, 10485760);
	ck_assert_int_eq(s->log_keep, 3);
	/* Not written: the section's line, as for the other keys. */
	ck_assert_int_eq(s->line_log, 1);
	conf_free(c);
}
END_TEST

static const struct {
	const char *text;
	int format, timestamps;
	size_t buffer;
} log_globals[] = {
	{ "log-format = prefix\n", LOGFMT_PREFIX, 0, 65536 },
	{ "log-format = plain\n", LOGFMT_PLAIN, 0, 65536 },
	{ "log-format = \"json\"\n", LOGFMT_JSON, 0, 65536 },
	{ "log-timestamps = true\n", LOGFMT_PREFIX, 1, 65536 },
	{ "log-timestamps = Yes\n", LOGFMT_PREFIX, 1, 65536 },
	{ "log-timestamps = off\n", LOGFMT_PREFIX, 0, 65536 },
	{ "log-buffer = 0\n", LOGFMT_PREFIX, 0, 0 },
	{ "log-buffer = 1\n", LOGFMT_PREFIX, 0, 1 },
	{ "log-buffer = \"4096\"\n", LOGFMT_PREFIX, 0, 4096 },
	{ "log-buffer = 67108864\n", LOGFMT_PREFIX, 0, 67108864 },
	{ "log-buffer = 00065536\n", LOGFMT_PREFIX, 0, 65536 },
	{ "log-format = json\nlog-timestamps = 1\nlog-buffer = 100\n",
	  LOGFMT_JSON, 1, 100 },
};

START_TEST(test_log_globals)
{
	struct config *c = expect_ok(load(log_globals[_i].text, NULL));

	ck_assert_int_eq(c->log_format, log_globals[_i].format);
	ck_assert_int_eq(c->log_timestamps, log_globals[_i].timestamps);
	ck_assert_uint_eq(c->log_buffer, log_globals[_i].buffer);
	conf_free(c);
}
END_TEST

static const struct {
	const char *body;
	enum svc_log log;
	const char *path;
	long long max_size;
	int keep;
} log_values[] = {
	{ " log = \"\"\n", SVC_LOG_FORMAT, NULL, 10485760, 3 },
	{ " log = inherit\n", SVC_LOG_INHERIT, NULL, 10485760, 3 },
	{ " log = \"null\"\n", SVC_LOG_NULL, NULL, 10485760, 3 },
	{ " log = \"file:/var/log/web.log\"\n", SVC_LOG_FILE,
	  "/var/log/web.log", 10485760, 3 },
	{ " log = \"file:/w\"\n", SVC_LOG_FILE, "/w", 10485760, 3 },
	/* as written: only compared in a normal form */
	{ " log = \"file://var/./log/w.log\"\n", SVC_LOG_FILE,
	  "//var/./log/w.log", 10485760, 3 },
	{ " log = \"file:/var/log/my log\"\n", SVC_LOG_FILE, "/var/log/my log",
	  10485760, 3 },
	{ " log = \"file:/var/log/w.log\"\n log-max-size = 4096\n"
	  " log-keep = 0\n",
	  SVC_LOG_FILE, "/var/log/w.log", 4096, 0 },
	{ " log = \"file:/var/log/w.log\"\n"
	  " log-max-size = 4611686018427387904\n log-keep = 1000\n",
	  SVC_LOG_FILE, "/var/log/w.log", 4611686018427387904LL, 1000 },
	/* they may be set without file: (they then do nothing) */
	{ " log-max-size = \"1048576\"\n log-keep = 7\n", SVC_LOG_FORMAT, NULL,
	  1048576, 7 },
};

START_TEST(test_log_values)
{
	char text[256];
	struct config *c;
	const struct svc_conf *s;

	snprintf(text, sizeof(text), WEB("%s"), log_values[_i].body);
	c = expect_ok(load(text, NULL));
	s = find(c, "web");
	ck_assert_int_eq(s->log, log_values[_i].log);
	if (log_values[_i].path == NULL)
		ck_assert_ptr_null(s->log_path);
	else
		ck_assert_str_eq(s->log_path, log_values[_i].path);
	ck_assert_int_eq(s->log_max_size, log_values[_i].max_size);
	ck_assert_int_eq(s->log_keep, log_values[_i].keep);
	ck_assert_int_eq(s->line_log,
			 strstr(log_values[_i].body, " log =") ? 3 : 1);
	conf_free(c);
}
END_TEST

#define LOGSVC(name, path) \
	"service " name " {\n command = x\n log = \"file:" path "\"\n}\n"

/* Several services with their own files, or with none. */
START_TEST(test_log_files_apart)
{
	struct config *c = expect_ok(load(
		LOGSVC("a", "/var/log/a.log") LOGSVC("b", "/var/log/b.log")
			LOGSVC("c", "/var/log/a.log.4") /* a keeps 1 to 3 */
		LOGSVC("d", "/var/log/a.log.03") LOGSVC("e", "/var/log/a.log.") LOGSVC(
			"f",
			"/var/log/a.logx") "service g {\n command = x\n log = \"file:/var/log/g.log\"\n"
					   " log-keep = 0\n}\n" LOGSVC(
						   "h",
						   "/var/log/g.log.1") /* g keeps none */
		"service n1 {\n command = x\n log = null\n}\n"
		"service n2 {\n command = x\n log = null\n}\n"
		"service i1 {\n command = x\n log = inherit\n}\n"
		"service i2 {\n command = x\n log = inherit\n}\n",
		NULL));

	ck_assert_uint_eq(c->nsvcs, 12);
	ck_assert_str_eq(find(c, "c")->log_path, "/var/log/a.log.4");
	conf_free(c);
}
END_TEST

/* ---- conf_load_text: the readiness and health keys ---- */

START_TEST(test_probe_defaults)
{
	struct config *c = expect_ok(load(WEB(""), NULL));
	const struct svc_conf *s = find(c, "web");

	ck_assert_int_eq(s->ready.kind, PROBE_NONE);
	ck_assert_ptr_null(s->ready.text);
	ck_assert_double_eq(s->ready_timeout, 60);
	ck_assert_int_eq(s->health.kind, PROBE_NONE);
	ck_assert_ptr_null(s->health.text);
	ck_assert_double_eq(s->health_interval, 30);
	ck_assert_double_eq(s->health_timeout, 10);
	ck_assert_int_eq(s->health_retries, 3);
	/* Not written: the section's line, as for the other keys. */
	ck_assert_int_eq(s->line_ready, 1);
	ck_assert_int_eq(s->line_health, 1);
	conf_free(c);
}
END_TEST

static const struct {
	const char *body;
	enum probe_kind ready, health;
	const char *ready_text, *health_text;
	double ready_timeout, interval, timeout;
	long retries;
	int line_ready, line_health;
} probe_values[] = {
	{ " ready = notify\n", PROBE_NOTIFY, PROBE_NONE, "notify", NULL, 60, 30,
	  10, 3, 3, 1 },
	{ " ready = \"fd:3\"\n ready-timeout = 0.5\n", PROBE_FD, PROBE_NONE,
	  "fd:3", NULL, 0.5, 30, 10, 3, 3, 1 },
	{ " ready = \"tcp:6379\"\n", PROBE_TCP, PROBE_NONE, "tcp:6379", NULL,
	  60, 30, 10, 3, 3, 1 },
	{ " ready = \"tcp:localhost:6379\"\n health-check = \"tcp:[::1]:6379\"\n",
	  PROBE_TCP, PROBE_TCP, "tcp:localhost:6379", "tcp:[::1]:6379", 60, 30,
	  10, 3, 3, 4 },
	{ "\n health-check = \"http://127.0.0.1:8080/healthz\"\n"
	  " health-interval = 2.5\n health-timeout = 1\n health-retries = 1\n",
	  PROBE_NONE, PROBE_HTTP, NULL, "http://127.0.0.1:8080/healthz", 60,
	  2.5, 1, 1, 1, 4 },
	{ " ready = \"exec:pg_isready -q\"\n health-check = \"pg_isready\"\n"
	  " health-retries = \"1000000\"\n ready-timeout = 10000000\n",
	  PROBE_EXEC, PROBE_EXEC, "exec:pg_isready -q", "pg_isready", 1e7, 30,
	  10, 1000000, 3, 4 },
	/* "" is no probe, written or not */
	{ " ready = \"\"\n health-check = \"\"\n", PROBE_NONE, PROBE_NONE, NULL,
	  NULL, 60, 30, 10, 3, 3, 4 },
	/* the timings may be set without a probe (they then do nothing) */
	{ " ready-timeout = 1\n health-interval = 0.01\n health-timeout = 99\n"
	  " health-retries = 007\n",
	  PROBE_NONE, PROBE_NONE, NULL, NULL, 1, 0.01, 99, 7, 1, 1 },
	/* the main service may have probes */
	{ " main = true\n ready = \"tcp:80\"\n health-check = \"tcp:80\"\n",
	  PROBE_TCP, PROBE_TCP, "tcp:80", "tcp:80", 60, 30, 10, 3, 4, 5 },
};

START_TEST(test_probe_values)
{
	char text[512];
	struct config *c;
	const struct svc_conf *s;

	snprintf(text, sizeof(text), WEB("%s"), probe_values[_i].body);
	c = expect_ok(load(text, NULL));
	s = find(c, "web");
	ck_assert_int_eq(s->ready.kind, probe_values[_i].ready);
	ck_assert_int_eq(s->health.kind, probe_values[_i].health);
	if (probe_values[_i].ready_text == NULL)
		ck_assert_ptr_null(s->ready.text);
	else
		ck_assert_str_eq(s->ready.text, probe_values[_i].ready_text);
	if (probe_values[_i].health_text == NULL)
		ck_assert_ptr_null(s->health.text);
	else
		ck_assert_str_eq(s->health.text, probe_values[_i].health_text);
	ck_assert_double_eq_tol(s->ready_timeout,
				probe_values[_i].ready_timeout, 1e-9);
	ck_assert_double_eq_tol(s->health_interval, probe_values[_i].interval,
				1e-9);
	ck_assert_double_eq_tol(s->health_timeout, probe_values[_i].timeout,
				1e-9);
	ck_assert_int_eq(s->health_retries, probe_values[_i].retries);
	ck_assert_int_eq(s->line_ready, probe_values[_i].line_ready);
	ck_assert_int_eq(s->line_health, probe_values[_i].line_health);
	conf_free(c);
}
END_TEST

/* What probe.c makes of the value is probe.c's: a sample gets through. */
START_TEST(test_probe_parsed)
{
	struct config *c = expect_ok(
		load(WEB(" ready = \"http://localhost:8080/ready\"\n"
			 " health-check = \"exec:check --deep 'a b'\"\n"),
		     NULL));
	const struct svc_conf *s = find(c, "web");

	ck_assert_str_eq(s->ready.host, "localhost");
	ck_assert_int_eq(s->ready.port, 8080);
	ck_assert_str_eq(s->ready.path, "/ready");
	ck_assert_uint_gt(s->ready.addrlen, 0);
	expect_strv(s->health.argv, STRV("check", "--deep", "a b"));
	conf_free(c);
}
END_TEST

/* ---- conf_load_text: every error, with its line ---- */

static const struct {
	const char *text;
	const char *extra_main;
	const char *want[MAXE];
} bad[] = {
	/* unknown keys (libconfuse's message) */
	{ "foo = 1\n", NULL, { "t.conf:1: no such option 'foo'" } },
	{ WEB(" colour = red\n"),
	  NULL,
	  { "t.conf:3: no such option 'colour'" } },
	{ "service web {\n command = \"a\nb\"\n bogus = 1\n}\n",
	  NULL,
	  { "t.conf:4: no such option 'bogus'" } },
	{ "service a {\n command = x\n depends = {\n}\n  nope = 2\n}\n",
	  NULL,
	  { "t.conf:5: no such option 'nope'" } },
	{ "service a {\n command = x\n}\n\nbogus = 1\n",
	  NULL,
	  { "t.conf:5: no such option 'bogus'" } },
	{ "command = x\n", NULL, { "t.conf:1: no such option 'command'" } },
	/* durations */
	{ WEB(" stop-timeout = -1\n"),
	  NULL,
	  { "t.conf:3: stop-timeout: invalid duration '-1' (seconds, > 0, up to 1e+07)" } },
	{ WEB(" stop-timeout = 0\n"),
	  NULL,
	  { "t.conf:3: stop-timeout: invalid duration '0' (seconds, > 0, up to 1e+07)" } },
	{ WEB("\n stop-timeout = 1e8\n"),
	  NULL,
	  { "t.conf:4: stop-timeout: invalid duration '1e8' (seconds, > 0, up to 1e+07)" } },
	{ WEB(" restart-delay = abc\n"),
	  NULL,
	  { "t.conf:3: restart-delay: invalid duration 'abc' (seconds, >= 0, up to 1e+07)" } },
	{ WEB(" restart-delay-max = -0.5\n"),
	  NULL,
	  { "t.conf:3: restart-delay-max: invalid duration '-0.5' (seconds, >= 0, up to 1e+07)" } },
	{ WEB(" stable-after = 10000001\n"),
	  NULL,
	  { "t.conf:3: stable-after: invalid duration '10000001' (seconds, >= 0, up to 1e+07)" } },
	{ WEB(" restart-delay = 5\n restart-delay-max = 2\n"),
	  NULL,
	  { "t.conf:4: restart-delay-max (2) is below restart-delay (5)" } },
	/* only restart-delay is written: its line */
	{ WEB(" restart-delay = 40\n"),
	  NULL,
	  { "t.conf:3: restart-delay-max (30) is below restart-delay (40)" } },
	{ "shutdown-timeout = 0\n",
	  NULL,
	  { "t.conf:1: shutdown-timeout: invalid duration '0' (seconds, > 0, up to 1e+07)" } },
	{ "\nshutdown-timeout = -3\n",
	  NULL,
	  { "t.conf:2: shutdown-timeout: invalid duration '-3' (seconds, > 0, up to 1e+07)" } },
	{ "\n\ndrain-delay = -1\n",
	  NULL,
	  { "t.conf:3: drain-delay: invalid duration '-1' (seconds, >= 0, up to 1e+07)" } },
	{ "straggler-timeout = 2s\n",
	  NULL,
	  { "t.conf:1: straggler-timeout: invalid duration '2s' (seconds, >= 0, up to 1e+07)" } },
	/* bools */
	{ WEB(" main = maybe\n"),
	  NULL,
	  { "t.conf:3: main: invalid value 'maybe' (true or false)" } },
	{ WEB(" critical = 2\n"),
	  NULL,
	  { "t.conf:3: critical: invalid value '2' (true or false)" } },
	{ WEB(" disabled = \"\"\n"),
	  NULL,
	  { "t.conf:3: disabled: invalid value '' (true or false)" } },
	/* umask, restart-limit, type, restart */
	{ WEB(" umask = 0800\n"),
	  NULL,
	  { "t.conf:3: umask: invalid value '0800' (octal, 000 to 777)" } },
	{ WEB(" umask = 1777\n"),
	  NULL,
	  { "t.conf:3: umask: invalid value '1777' (octal, 000 to 777)" } },
	{ WEB(" restart-limit = -1\n"),
	  NULL,
	  { "t.conf:3: restart-limit: invalid value '-1' (a whole number from 0 to 1000000000)" } },
	{ WEB(" restart-limit = 1.5\n"),
	  NULL,
	  { "t.conf:3: restart-limit: invalid value '1.5' (a whole number from 0 to 1000000000)" } },
	{ WEB(" restart-limit = 1000000001\n"),
	  NULL,
	  { "t.conf:3: restart-limit: invalid value '1000000001' (a whole number from 0 to 1000000000)" } },
	{ WEB(" type = forking\n"),
	  NULL,
	  { "t.conf:3: type: invalid value 'forking' (simple or oneshot)" } },
	{ WEB(" restart = sometimes\n"),
	  NULL,
	  { "t.conf:3: restart: invalid value 'sometimes' (always, on-failure or never)" } },
	/* signals */
	{ WEB(" stop-signal = SIGFOO\n"),
	  NULL,
	  { "t.conf:3: stop-signal: unknown signal 'SIGFOO'" } },
	{ WEB(" stop-signal = 999\n"),
	  NULL,
	  { "t.conf:3: stop-signal: unknown signal '999'" } },
	{ WEB(" stop-signal = STOP\n"),
	  NULL,
	  { "t.conf:3: stop-signal: STOP cannot stop a service" } },
	{ WEB(" stop-signal = SIGSTOP\n"),
	  NULL,
	  { "t.conf:3: stop-signal: STOP cannot stop a service" } },
	{ "forward-signals = {\"TERM\"}\n",
	  NULL,
	  { "t.conf:1: forward-signals: TERM is tend's own (shutdown or reload)" } },
	{ "\nforward-signals = {\"USR1\", \"SIGINT\", \"HUP\"}\n",
	  NULL,
	  { "t.conf:2: forward-signals: SIGINT is tend's own (shutdown or reload)",
	    "t.conf:2: forward-signals: HUP is tend's own (shutdown or reload)" } },
	{ "forward-signals = {\"KILL\", \"CHLD\", \"SEGV\"}\n",
	  NULL,
	  { "t.conf:1: forward-signals: KILL cannot be forwarded",
	    "t.conf:1: forward-signals: CHLD cannot be forwarded",
	    "t.conf:1: forward-signals: SEGV cannot be forwarded" } },
	{ "forward-signals = {\"NOPE\"}\n",
	  NULL,
	  { "t.conf:1: forward-signals: unknown signal 'NOPE'" } },
	/* names */
	{ "service web {\n command = x\n}\n\nservice \"web\" {\n command = y\n}\n",
	  NULL,
	  { "t.conf:5: service 'web' is defined twice (first at t.conf:1)" } },
	/* spelled otherwise, read as the same name by libconfuse */
	{ "service a {\n command = x\n}\nservice \"\\x61\" {\n command = y\n}\n",
	  NULL,
	  { "t.conf:4: service 'a' is defined twice (first at t.conf:1)" } },
	{ "service a {\n command = x\n}\nservice 'a' {\n command = y\n}\n"
	  "service \"\\141\" {\n command = z\n}\n",
	  NULL,
	  { "t.conf:4: service 'a' is defined twice (first at t.conf:1)",
	    "t.conf:7: service 'a' is defined twice (first at t.conf:1)" } },
	{ "service a {\n command = x\n \"comm\\x61nd\" = y\n}\n",
	  NULL,
	  { "t.conf:3: 'command' is set twice (first at line 2)" } },
	{ "service \"a b\" {\n command = x\n}\n",
	  NULL,
	  { "t.conf:1: invalid service name 'a b' (1 to 64 of A-Z a-z 0-9 _ . -)" } },
	{ "\nservice \"a/b\" {\n command = x\n}\n",
	  NULL,
	  { "t.conf:2: invalid service name 'a/b' (1 to 64 of A-Z a-z 0-9 _ . -)" } },
	{ "service \"\" {\n command = x\n}\n",
	  NULL,
	  { "t.conf:1: invalid service name '' (1 to 64 of A-Z a-z 0-9 _ . -)" } },
	{ "service "
	  "s1234567890123456789012345678901234567890123456789012345678901234"
	  " {\n command = x\n}\n",
	  NULL,
	  { "t.conf:1: invalid service name "
	    "'s1234567890123456789012345678901234567890123456789012345678901234'"
	    " (1 to 64 of A-Z a-z 0-9 _ . -)" } },
	{ "\nservice tend {\n command = x\n}\n",
	  NULL,
	  { "t.conf:2: the service name 'tend' is reserved" } },
	/* a key twice */
	{ WEB(" type = simple\n type = oneshot\n"),
	  NULL,
	  { "t.conf:4: 'type' is set twice (first at line 3)" } },
	{ "drain-delay = 1\n\ndrain-delay = 2\n",
	  NULL,
	  { "t.conf:3: 'drain-delay' is set twice (first at line 1)" } },
	/* depends */
	{ WEB(" depends = {\"db\"}\n"),
	  NULL,
	  { "t.conf:3: service 'web' depends on 'db', which is not defined" } },
	{ WEB(" depends = {\"web\"}\n"),
	  NULL,
	  { "t.conf:3: service 'web' depends on itself" } },
	{ "service a {\n command = x\n depends = {\"b\"}\n}\n"
	  "service b {\n command = x\n depends = {\"c\"}\n}\n"
	  "service c {\n command = x\n depends = {\"a\"}\n}\n",
	  NULL,
	  { "t.conf:3: dependency cycle: a -> b -> c -> a" } },
	{ "service x {\n command = x\n}\n"
	  "service a {\n command = x\n depends = {\"x\", \"b\"}\n}\n"
	  "service b {\n command = x\n depends = {\"a\"}\n}\n",
	  NULL,
	  { "t.conf:6: dependency cycle: a -> b -> a" } },
	/* main */
	{ "service a {\n command = x\n main = true\n}\n"
	  "service b {\n command = x\n main = true\n}\n",
	  NULL,
	  { "t.conf:7: two main services: 'b' and 'a' (t.conf:3)" } },
	{ WEB(" main = true\n restart = never\n"),
	  NULL,
	  { "t.conf:4: restart: the main service never restarts (its exit ends tend)" } },
	{ WEB(" restart = always\n main = yes\n"),
	  NULL,
	  { "t.conf:3: restart: the main service never restarts (its exit ends tend)" } },
	{ WEB(" main = true\n disabled = true\n"),
	  NULL,
	  { "t.conf:4: the main service cannot be disabled" } },
	{ WEB(" type = oneshot\n restart = always\n"),
	  NULL,
	  { "t.conf:4: restart: a oneshot cannot restart always (use on-failure)" } },
	{ "service a {\n command = x\n main = true\n}\n",
	  "main",
	  { "t.conf:3: service 'a' is main, but the command given after -- is the main service" } },
	{ "service b {\n command = x\n}\nservice main {\n command = x\n}\n",
	  "main",
	  { "t.conf:4: service 'main': that name is the command given after --" } },
	/* command */
	{ "service web {\n type = simple\n}\n",
	  NULL,
	  { "t.conf:1: service 'web' has no command" } },
	{ "service web {\n command = \"  \"\n}\n",
	  NULL,
	  { "t.conf:1: service 'web' has no command" } },
	{ "service web {\n\n command = \"sh -c 'x\"\n}\n",
	  NULL,
	  { "t.conf:3: command: unterminated single quote" } },
	{ "service web {\n command = 'a \"b'\n}\n",
	  NULL,
	  { "t.conf:2: command: unterminated double quote" } },
	/* env, env-file */
	{ WEB(" env = {\"A=1\", \"B\"}\n"),
	  NULL,
	  { "t.conf:3: env: entry 2 has no '=' (KEY=VALUE expected; not shown)" } },
	{ WEB(" env = {\n  \"1X=2\"\n }\n"),
	  NULL,
	  { "t.conf:3: env: '1X' is not a variable name (letters, digits, _; its value is not shown)" } },
	/* the value of a bad entry may be a secret: never shown */
	{ WEB(" env = {\"API-KEY=s3cr3t\"}\n"),
	  NULL,
	  { "t.conf:3: env: 'API-KEY' is not a variable name (letters, digits, _; its value is not shown)" } },
	{ WEB(" env-file = \"/nonexistent-tend-unit/env\"\n"),
	  NULL,
	  { "t.conf:3: env-file: /nonexistent-tend-unit/env: No such file or directory" } },
	/* user, group */
	{ WEB(" user = \"no-such-user-tend\"\n"),
	  NULL,
	  { "t.conf:3: unknown user 'no-such-user-tend'" } },
	{ WEB(" group = \"no-such-group-tend\"\n"),
	  NULL,
	  { "t.conf:3: unknown group 'no-such-group-tend'" } },
	{ WEB(" user = root\n group = \"no-such-group-tend\"\n"),
	  NULL,
	  { "t.conf:4: unknown group 'no-such-group-tend'" } },
	{ WEB(" user = 12x\n"), NULL, { "t.conf:3: invalid uid '12x'" } },
	/* workdir */
	{ WEB(" workdir = srv\n"),
	  NULL,
	  { "t.conf:3: workdir: 'srv' is not an absolute path" } },
	/* lexical errors, with the line where they open */
	{ "drain-delay = 1\nservice web {\n command = \"x\n}\n",
	  NULL,
	  { "t.conf:3: string not closed (missing \")" } },
	{ "service web {\n command = x\n}\n/* open\n\n",
	  NULL,
	  { "t.conf:4: comment not closed" } },
	/* a section left open at the end of the file */
	{ "service web {\n command = x\n", NULL, { "t.conf:1: *" } },
	/* log-format, log-timestamps, log-buffer */
	{ "log-format = xml\n",
	  NULL,
	  { "t.conf:1: log-format: invalid value 'xml' (prefix, plain or json)" } },
	{ "\nlog-format = PREFIX\n",
	  NULL,
	  { "t.conf:2: log-format: invalid value 'PREFIX' (prefix, plain or json)" } },
	{ "log-format = \"\"\n",
	  NULL,
	  { "t.conf:1: log-format: invalid value '' (prefix, plain or json)" } },
	{ "\n\nlog-timestamps = sometimes\n",
	  NULL,
	  { "t.conf:3: log-timestamps: invalid value 'sometimes' (true or false)" } },
	{ "log-buffer = -1\n",
	  NULL,
	  { "t.conf:1: log-buffer: invalid value '-1' (bytes, a whole number from 0 to 67108864)" } },
	{ "\nlog-buffer = 67108865\n",
	  NULL,
	  { "t.conf:2: log-buffer: invalid value '67108865' (bytes, a whole number from 0 to 67108864)" } },
	{ "log-buffer = 64k\n",
	  NULL,
	  { "t.conf:1: log-buffer: invalid value '64k' (bytes, a whole number from 0 to 67108864)" } },
	{ "log-buffer = 1.5\n",
	  NULL,
	  { "t.conf:1: log-buffer: invalid value '1.5' (bytes, a whole number from 0 to 67108864)" } },
	{ "log-buffer = \"\"\n",
	  NULL,
	  { "t.conf:1: log-buffer: invalid value '' (bytes, a whole number from 0 to 67108864)" } },
	{ "log-buffer = \" 1\"\n",
	  NULL,
	  { "t.conf:1: log-buffer: invalid value ' 1' (bytes, a whole number from 0 to 67108864)" } },
	{ "log-buffer = 99999999999999999999999999\n",
	  NULL,
	  { "t.conf:1: log-buffer: invalid value '99999999999999999999999999' (bytes, a whole number from 0 to 67108864)" } },
	/* log */
	{ WEB(" log = syslog\n"),
	  NULL,
	  { "t.conf:3: log: invalid value 'syslog' (\"\", \"inherit\", \"null\" or \"file:PATH\")" } },
	{ WEB("\n log = Inherit\n"),
	  NULL,
	  { "t.conf:4: log: invalid value 'Inherit' (\"\", \"inherit\", \"null\" or \"file:PATH\")" } },
	{ WEB(" log = \" null\"\n"),
	  NULL,
	  { "t.conf:3: log: invalid value ' null' (\"\", \"inherit\", \"null\" or \"file:PATH\")" } },
	{ WEB(" log = \"file\"\n"),
	  NULL,
	  { "t.conf:3: log: invalid value 'file' (\"\", \"inherit\", \"null\" or \"file:PATH\")" } },
	{ WEB(" log = \"FILE:/x\"\n"),
	  NULL,
	  { "t.conf:3: log: invalid value 'FILE:/x' (\"\", \"inherit\", \"null\" or \"file:PATH\")" } },
	{ WEB(" log = \"file:\"\n"),
	  NULL,
	  { "t.conf:3: log: 'file:' names no file (file:PATH)" } },
	{ WEB(" log = \"file:web.log\"\n"),
	  NULL,
	  { "t.conf:3: log: 'web.log' is not an absolute path" } },
	{ WEB(" log = \"file:./web.log\"\n"),
	  NULL,
	  { "t.conf:3: log: './web.log' is not an absolute path" } },
	{ WEB(" log = \"file: /var/log/w.log\"\n"),
	  NULL,
	  { "t.conf:3: log: ' /var/log/w.log' is not an absolute path" } },
	{ WEB(" log = \"file:/var/log/\"\n"),
	  NULL,
	  { "t.conf:3: log: '/var/log/' names a directory" } },
	{ WEB(" log = \"file:/\"\n"),
	  NULL,
	  { "t.conf:3: log: '/' names a directory" } },
	{ WEB(" log = \"file:/var/log/.\"\n"),
	  NULL,
	  { "t.conf:3: log: '/var/log/.' names a directory" } },
	{ WEB(" log = \"file:/var/log/..\"\n"),
	  NULL,
	  { "t.conf:3: log: '/var/log/..' names a directory" } },
	{ WEB("\n log = \"file:/var/log/a\nb.log\"\n"),
	  NULL,
	  { "t.conf:4: log: the file's path holds a newline" } },
	/* log-max-size, log-keep */
	{ WEB(" log-max-size = 4095\n"),
	  NULL,
	  { "t.conf:3: log-max-size: invalid value '4095' (bytes, a whole number from 4096 to 4611686018427387904)" } },
	{ WEB(" log-max-size = 0\n"),
	  NULL,
	  { "t.conf:3: log-max-size: invalid value '0' (bytes, a whole number from 4096 to 4611686018427387904)" } },
	{ WEB(" log-max-size = 4611686018427387905\n"),
	  NULL,
	  { "t.conf:3: log-max-size: invalid value '4611686018427387905' (bytes, a whole number from 4096 to 4611686018427387904)" } },
	{ WEB(" log-max-size = 9223372036854775808\n"),
	  NULL,
	  { "t.conf:3: log-max-size: invalid value '9223372036854775808' (bytes, a whole number from 4096 to 4611686018427387904)" } },
	{ WEB(" log-max-size = 10M\n"),
	  NULL,
	  { "t.conf:3: log-max-size: invalid value '10M' (bytes, a whole number from 4096 to 4611686018427387904)" } },
	{ WEB(" log-max-size = -4096\n"),
	  NULL,
	  { "t.conf:3: log-max-size: invalid value '-4096' (bytes, a whole number from 4096 to 4611686018427387904)" } },
	{ WEB(" log-keep = 1001\n"),
	  NULL,
	  { "t.conf:3: log-keep: invalid value '1001' (a whole number from 0 to 1000)" } },
	{ WEB(" log-keep = -1\n"),
	  NULL,
	  { "t.conf:3: log-keep: invalid value '-1' (a whole number from 0 to 1000)" } },
	{ WEB(" log-keep = three\n"),
	  NULL,
	  { "t.conf:3: log-keep: invalid value 'three' (a whole number from 0 to 1000)" } },
	{ WEB(" log = nowhere\n\n log-max-size = 1\n log-keep = 2000\n"),
	  NULL,
	  { "t.conf:3: log: invalid value 'nowhere' (\"\", \"inherit\", \"null\" or \"file:PATH\")",
	    "t.conf:5: log-max-size: invalid value '1' (bytes, a whole number from 4096 to 4611686018427387904)",
	    "t.conf:6: log-keep: invalid value '2000' (a whole number from 0 to 1000)" } },
	{ WEB(" log = null\n log = inherit\n"),
	  NULL,
	  { "t.conf:4: 'log' is set twice (first at line 3)" } },
	/* two services, one file */
	{ LOGSVC("a", "/var/log/x.log") "\n" LOGSVC("b", "/var/log/x.log"),
	  NULL,
	  { "t.conf:8: service 'b' logs to '/var/log/x.log', as service 'a' does (first at t.conf:3)" } },
	{ LOGSVC("a", "/var/log/x.log") LOGSVC("b", "/var//log/./x.log"),
	  NULL,
	  { "t.conf:7: service 'b' logs to '/var//log/./x.log', as service 'a' does (first at t.conf:3)" } },
	{ LOGSVC("a", "/x.log") LOGSVC("b", "/y.log") LOGSVC("c", "/x.log")
		  LOGSVC("d", "/y.log") LOGSVC("e", "/x.log"),
	  NULL,
	  { "t.conf:11: service 'c' logs to '/x.log', as service 'a' does (first at t.conf:3)",
	    "t.conf:15: service 'd' logs to '/y.log', as service 'b' does (first at t.conf:7)",
	    "t.conf:19: service 'e' logs to '/x.log', as service 'a' does (first at t.conf:3)" } },
	/* one where another keeps its rotated files, in either order */
	{ LOGSVC("a", "/var/log/x.log") LOGSVC("b", "/var/log/x.log.1"),
	  NULL,
	  { "t.conf:7: service 'b' logs to '/var/log/x.log.1', where service 'a' keeps its rotated log (t.conf:3)" } },
	{ LOGSVC("b", "/var/log/x.log.3") LOGSVC("a", "/var/log/x.log"),
	  NULL,
	  { "t.conf:3: service 'b' logs to '/var/log/x.log.3', where service 'a' keeps its rotated log (t.conf:7)" } },
	{ "service a {\n command = x\n log = \"file:/x.log\"\n log-keep = 12\n}\n" LOGSVC(
		  "b", "/x.log.12"),
	  NULL,
	  { "t.conf:8: service 'b' logs to '/x.log.12', where service 'a' keeps its rotated log (t.conf:3)" } },
	/* ready, health-check: probe.c's message, after the key and line */
	{ WEB(" ready = \"tcp:0\"\n"),
	  NULL,
	  { "t.conf:3: ready: invalid port '0' (1 to 65535)" } },
	{ WEB("\n ready = \"tcp:localhost:65536\"\n"),
	  NULL,
	  { "t.conf:4: ready: invalid port '65536' (1 to 65535)" } },
	{ WEB(" ready = \"https://localhost/\"\n"),
	  NULL,
	  { "t.conf:3: ready: https is not supported (tend speaks plain HTTP only)" } },
	{ WEB(" health-check = \"https://localhost/\"\n"),
	  NULL,
	  { "t.conf:3: health-check: https is not supported (tend speaks plain HTTP only)" } },
	{ WEB(" ready = \"tcp:no-such-host-tend:80\"\n"),
	  NULL,
	  { "t.conf:3: ready: unknown host 'no-such-host-tend' (no DNS: use an address, localhost or a name in /etc/hosts)" } },
	{ WEB(" health-check = \"http://no-such-host-tend/\"\n"),
	  NULL,
	  { "t.conf:3: health-check: unknown host 'no-such-host-tend' (no DNS: use an address, localhost or a name in /etc/hosts)" } },
	{ WEB(" ready = \"fd:2\"\n"),
	  NULL,
	  { "t.conf:3: ready: invalid fd '2' (3 to 1023: 0, 1 and 2 are stdin, stdout and stderr)" } },
	{ WEB(" ready = \"fd:1024\"\n"),
	  NULL,
	  { "t.conf:3: ready: invalid fd '1024' (3 to 1023: 0, 1 and 2 are stdin, stdout and stderr)" } },
	{ WEB("\n\n health-check = notify\n"),
	  NULL,
	  { "t.conf:5: health-check: notify is for ready only (a health-check is tcp:[HOST:]PORT, http://HOST[:PORT][/PATH], exec:COMMAND or a command)" } },
	{ WEB(" health-check = \"fd:3\"\n"),
	  NULL,
	  { "t.conf:3: health-check: fd:N is for ready only (a health-check is tcp:[HOST:]PORT, http://HOST[:PORT][/PATH], exec:COMMAND or a command)" } },
	{ WEB(" ready = \"exec:\"\n"),
	  NULL,
	  { "t.conf:3: ready: empty command" } },
	{ WEB(" ready = \"  \"\n"), NULL, { "t.conf:3: ready: empty command" } },
	{ WEB(" health-check = \"check 'x\"\n"),
	  NULL,
	  { "t.conf:3: health-check: unterminated single quote" } },
	{ WEB(" ready = \"tcp:::1:80\"\n"),
	  NULL,
	  { "t.conf:3: ready: '::1:80': an IPv6 address goes in brackets ([ADDRESS]:PORT)" } },
	{ WEB(" ready = \"ftp://localhost/\"\n"),
	  NULL,
	  { "t.conf:3: ready: unknown scheme 'ftp://' (a probe is tcp:[HOST:]PORT, http://HOST[:PORT][/PATH], exec:COMMAND or a command)" } },
	{ WEB(" ready = notify\n ready = \"fd:3\"\n"),
	  NULL,
	  { "t.conf:4: 'ready' is set twice (first at line 3)" } },
	/* their timings */
	{ WEB(" ready-timeout = 0\n"),
	  NULL,
	  { "t.conf:3: ready-timeout: invalid duration '0' (seconds, > 0, up to 1e+07)" } },
	{ WEB(" ready-timeout = -5\n"),
	  NULL,
	  { "t.conf:3: ready-timeout: invalid duration '-5' (seconds, > 0, up to 1e+07)" } },
	{ WEB(" health-interval = 0\n"),
	  NULL,
	  { "t.conf:3: health-interval: invalid duration '0' (seconds, > 0, up to 1e+07)" } },
	{ WEB(" health-interval = 1m\n"),
	  NULL,
	  { "t.conf:3: health-interval: invalid duration '1m' (seconds, > 0, up to 1e+07)" } },
	{ WEB(" health-timeout = 0\n"),
	  NULL,
	  { "t.conf:3: health-timeout: invalid duration '0' (seconds, > 0, up to 1e+07)" } },
	{ WEB(" health-timeout = \"\"\n"),
	  NULL,
	  { "t.conf:3: health-timeout: invalid duration '' (seconds, > 0, up to 1e+07)" } },
	{ WEB(" health-retries = 0\n"),
	  NULL,
	  { "t.conf:3: health-retries: invalid value '0' (a whole number from 1 to 1000000)" } },
	{ WEB(" health-retries = -1\n"),
	  NULL,
	  { "t.conf:3: health-retries: invalid value '-1' (a whole number from 1 to 1000000)" } },
	{ WEB(" health-retries = 1.5\n"),
	  NULL,
	  { "t.conf:3: health-retries: invalid value '1.5' (a whole number from 1 to 1000000)" } },
	{ WEB(" health-retries = 1000001\n"),
	  NULL,
	  { "t.conf:3: health-retries: invalid value '1000001' (a whole number from 1 to 1000000)" } },
	{ WEB(" health-retries = three\n"),
	  NULL,
	  { "t.conf:3: health-retries: invalid value 'three' (a whole number from 1 to 1000000)" } },
	/* a oneshot is ready when it exits 0, and is not there to check */
	{ WEB(" type = oneshot\n ready = \"tcp:80\"\n"),
	  NULL,
	  { "t.conf:4: ready: a oneshot is ready when it exits 0 (no ready probe)" } },
	{ WEB(" ready = notify\n type = oneshot\n"),
	  NULL,
	  { "t.conf:3: ready: a oneshot is ready when it exits 0 (no ready probe)" } },
	{ WEB(" type = oneshot\n\n health-check = \"check\"\n"),
	  NULL,
	  { "t.conf:5: health-check: a oneshot runs to completion (no health check)" } },
	/* ... the timings alone are harmless; a bad probe is one error */
	{ WEB(" type = oneshot\n ready = \"tcp:0\"\n ready-timeout = 5\n"),
	  NULL,
	  { "t.conf:4: ready: invalid port '0' (1 to 65535)" } },
	/* each is reported */
	{ WEB(" ready = \"fd:1\"\n ready-timeout = 0\n health-check = notify\n"
	      " health-interval = -1\n health-timeout = x\n health-retries = 0\n"),
	  NULL,
	  { "t.conf:3: ready: invalid fd '1' (3 to 1023: 0, 1 and 2 are stdin, stdout and stderr)",
	    "t.conf:4: ready-timeout: invalid duration '0' (seconds, > 0, up to 1e+07)",
	    "t.conf:5: health-check: notify is for ready only (a health-check is tcp:[HOST:]PORT, http://HOST[:PORT][/PATH], exec:COMMAND or a command)",
	    "t.conf:6: health-interval: invalid duration '-1' (seconds, > 0, up to 1e+07)",
	    "t.conf:7: health-timeout: invalid duration 'x' (seconds, > 0, up to 1e+07)",
	    "t.conf:8: health-retries: invalid value '0' (a whole number from 1 to 1000000)" } },
	/* several errors: each is reported */
	{ "service a {\n"		/* 1 */
	  " command = x\n"		/* 2 */
	  " type = forking\n"		/* 3 */
	  " umask = 999\n"		/* 4 */
	  "}\n"				/* 5 */
	  "service b {\n"		/* 6 */
	  " command = x\n"		/* 7 */
	  " stop-signal = NOPE\n"	/* 8 */
	  " user = no-such-user-tend\n" /* 9 */
	  "}\n"				/* 10 */
	  "drain-delay = -1\n",		/* 11 */
	  NULL,
	  { "t.conf:3: type: invalid value 'forking' (simple or oneshot)",
	    "t.conf:4: umask: invalid value '999' (octal, 000 to 777)",
	    "t.conf:8: stop-signal: unknown signal 'NOPE'",
	    "t.conf:9: unknown user 'no-such-user-tend'",
	    "t.conf:11: drain-delay: invalid duration '-1' (seconds, >= 0, up to 1e+07)" } },
	{ "service a {\n command = x\n command = y\n}\n"
	  "service a {\n command = z\n}\n"
	  "service b {\n command = x\n type = a\n type = b\n}\n",
	  NULL,
	  { "t.conf:3: 'command' is set twice (first at line 2)",
	    "t.conf:5: service 'a' is defined twice (first at t.conf:1)",
	    "t.conf:11: 'type' is set twice (first at line 10)" } },
	{ "service a {\n command = x\n depends = {\"n1\"}\n}\n"
	  "service b {\n command = x\n depends = {\"b\"}\n}\n",
	  NULL,
	  { "t.conf:3: service 'a' depends on 'n1', which is not defined",
	    "t.conf:7: service 'b' depends on itself" } },
};

START_TEST(test_errors)
{
	expect_errors(load(bad[_i].text, bad[_i].extra_main), bad[_i].want);
}
END_TEST

/* BIG services, each depending on the next; the last on the first or none. */
#define BIG 1000

static char *big_chain(int cycle)
{
	size_t cap = BIG * 80, len = 0, i;
	char *text = malloc(cap);

	ck_assert_ptr_nonnull(text);
	for (i = 0; i < BIG; i++)
		len += (size_t)snprintf(
			text + len, cap - len,
			"service s%zu {\n command = x\n depends = {\"s%zu\"}\n}\n",
			i, (i + 1) % BIG);
	if (!cycle) /* the last one: depends = {} */
		strcpy(strrchr(text, '{'), "{}\n}\n");
	return text;
}

START_TEST(test_big)
{
	char *text = big_chain(0);
	struct config *c = expect_ok(load(text, NULL));

	ck_assert_uint_eq(c->nsvcs, BIG);
	ck_assert_int_eq(c->svcs[BIG - 1].line, 4 * BIG - 3);
	conf_free(c);
	free(text);
	text = big_chain(1);
	expect_errors(load(text, NULL),
		      STRV("t.conf:3: dependency cycle: s0 -> s1 -> s2 -> *"));
	free(text);
}
END_TEST

/* A name from the environment is the name libconfuse merges. */
START_TEST(test_dup_env)
{
	setenv("TEND_T_SVC", "a", 1);
	expect_errors(
		load("service a {\n command = x\n}\n"
		     "service \"${TEND_T_SVC}\" {\n command = y\n}\n"
		     "service ${TEND_T_SVC} {\n command = z\n}\n",
		     NULL),
		STRV("t.conf:4: service 'a' is defined twice (first at t.conf:1)",
		     "t.conf:7: service 'a' is defined twice (first at t.conf:1)"));
	unsetenv("TEND_T_SVC");
}
END_TEST

/*
 * MANY services with a user, a log file and a dependency each: loaded,
 * found by name, and their mistakes (the last ones) each reported on its
 * line, with the first of a duplicate. Checks that need each pair of
 * services compared would take minutes here.
 */
#ifdef __SANITIZE_ADDRESS__
/* libconfuse grows its list of sections one at a time: under ASan each
 * realloc copies, and 10,000 take a minute. */
#define MANY 2000
#else
#define MANY 10000
#endif

START_TEST(test_many)
{
	size_t cap = (MANY + 4) * 160, len = 0, i;
	char *text = malloc(cap), name[32];
	struct config *c;

	ck_assert_ptr_nonnull(text);
	for (i = 0; i < MANY; i++)
		len += (size_t)snprintf(
			text + len, cap - len,
			"service s%zu {\n command = x\n user = \"0\"\n"
			" log = \"file:/l/s%zu.log\"\n depends = {\"s%zu\"}\n}\n",
			i, i, (i + 1) % MANY);
	strcpy(strrchr(text, '{'), "{}\n}\n"); /* the last: no depends */
	c = expect_ok(load(text, NULL));
	ck_assert_uint_eq(c->nsvcs, MANY);
	for (i = 0; i < MANY; i += 97) {
		snprintf(name, sizeof(name), "s%zu", i);
		ck_assert_ptr_eq(conf_find(c, name), &c->svcs[i]);
	}
	ck_assert_ptr_null(conf_find(c, "s"));
	ck_assert_ptr_null(conf_find(c, fmt("s%d", MANY)));
	ck_assert_int_eq(c->svcs[MANY - 1].line, 6 * MANY - 5);
	conf_free(c);

	len = strlen(text);
	snprintf(text + len, cap - len, "service s17 {\n command = y\n}\n");
	expect_errors(
		load(text, NULL),
		STRV(fmt(
			"t.conf:%d: service 's17' is defined twice (first at t.conf:103)",
			6 * MANY + 1)));
	snprintf(
		text + len, cap - len,
		"service z1 {\n command = y\n log = \"file:/l/s5.log\"\n}\n"
		"service z2 {\n command = y\n log = \"file:/l/s9.log.2\"\n}\n"
		"service z3 {\n command = y\n log = \"file:/l/s9.log.4\"\n}\n");
	expect_errors(
		load(text, NULL),
		STRV(fmt("t.conf:%d: service 'z1' logs to '/l/s5.log', as service 's5' does (first at t.conf:34)",
			 6 * MANY + 3),
		     fmt("t.conf:%d: service 'z2' logs to '/l/s9.log.2', where service 's9' keeps its rotated log (t.conf:58)",
			 6 * MANY + 7)));
	free(text);
}
END_TEST

START_TEST(test_nul_byte)
{
	static const char text[] = "service web {\n command = x\0\n}\n";

	expect_errors(conf_load_text(NAME, text, sizeof(text) - 1, NULL, &errs),
		      STRV("t.conf:2: *"));
}
END_TEST

/*
 * libconfuse fails without a message on an empty quoted name (found by
 * fuzzing): every failed load says why, and where.
 */
START_TEST(test_empty_name)
{
	expect_errors(load("\"\" = 1\n", NULL),
		      STRV("t.conf:1: a key's name cannot be empty"));
	expect_errors(load(WEB(" \"\" = 2\n"), NULL),
		      STRV("t.conf:3: a key's name cannot be empty"));
	expect_errors(load(WEB("") "\"\" \"x\" {\n}\n", NULL),
		      STRV("t.conf:4: a section's name cannot be empty"));
	/* not a key nor a section to the scan: libconfuse's line */
	expect_errors(load("shutdown-timeout = 1\n\n\"\"\n}\n", NULL),
		      STRV("t.conf:3: syntax error"));
}
END_TEST

START_TEST(test_length)
{
	/* Only len bytes count: the bad key after them is not read. */
	const char *text = WEB("") "bogus = 1\n";
	struct config *c = expect_ok(
		conf_load_text(NAME, text, strlen(WEB("")), NULL, &errs));

	ck_assert_uint_eq(c->nsvcs, 1);
	conf_free(c);
}
END_TEST

/* ---- conf_load: files, include-dir, env-file ---- */

static struct config *load_file(const char *text)
{
	return conf_load(tmp_put("main.conf", text), NULL, &errs);
}

#define SVC(name) "service " name " {\n command = x\n}\n"

START_TEST(test_load_file)
{
	struct config *c = expect_ok(load_file("# one\n" SVC("a")));

	ck_assert_str_eq(c->path, tmp_path("main.conf"));
	ck_assert_str_eq(c->svcs[0].file, tmp_path("main.conf"));
	ck_assert_int_eq(c->svcs[0].line, 2);
	conf_free(c);
}
END_TEST

START_TEST(test_load_missing)
{
	const char *path = tmp_path("none.conf");

	expect_errors(conf_load(path, NULL, &errs),
		      STRV(fmt("%s: No such file or directory", path)));
}
END_TEST

START_TEST(test_include_dir)
{
	struct config *c;

	tmp_mkdir("conf.d");
	tmp_put("conf.d/b.conf", SVC("b"));
	tmp_put("conf.d/a.conf",
		"# a\nservice a {\n command = x\n depends = {\"b\"}\n}\n");
	tmp_put("conf.d/c.txt", SVC("c"));
	tmp_put("conf.d/d.conf.bak", SVC("d"));
	tmp_put("conf.d/.hidden.conf", SVC("h"));
	tmp_put("conf.d/conf", SVC("e"));
	c = expect_ok(load_file(
		"include-dir = \"conf.d\"\n"
		"service m {\n command = x\n depends = {\"a\"}\n}\n"));
	ck_assert_str_eq(c->include_dir, tmp_path("conf.d"));
	/* The main file first, then the *.conf files in name order. */
	ck_assert_uint_eq(c->nsvcs, 3);
	ck_assert_str_eq(c->svcs[0].name, "m");
	ck_assert_str_eq(c->svcs[1].name, "a");
	ck_assert_str_eq(c->svcs[2].name, "b");
	ck_assert_str_eq(c->svcs[1].file, tmp_path("conf.d/a.conf"));
	ck_assert_int_eq(c->svcs[1].line, 2);
	ck_assert_int_eq(c->svcs[1].line_depends, 4);
	ck_assert_str_eq(c->svcs[2].file, tmp_path("conf.d/b.conf"));
	conf_free(c);
}
END_TEST

START_TEST(test_include_dir_absolute)
{
	struct config *c;

	tmp_mkdir("inc");
	tmp_put("inc/x.conf", SVC("x"));
	c = expect_ok(
		load_file(fmt("include-dir = \"%s\"\n", tmp_path("inc"))));
	ck_assert_str_eq(c->include_dir, tmp_path("inc"));
	ck_assert_uint_eq(c->nsvcs, 1);
	conf_free(c);
}
END_TEST

START_TEST(test_include_dir_missing)
{
	expect_errors(
		load_file("\ninclude-dir = nope\n"),
		STRV(fmt("%s:2: include-dir '%s': No such file or directory",
			 tmp_path("main.conf"), tmp_path("nope"))));
}
END_TEST

START_TEST(test_include_dir_duplicate)
{
	tmp_mkdir("conf.d");
	tmp_put("conf.d/x.conf", "\n\n" SVC("a"));
	expect_errors(
		load_file("include-dir = conf.d\n" SVC("a")),
		STRV(fmt("%s:3: service 'a' is defined twice (first at %s:2)",
			 tmp_path("conf.d/x.conf"), tmp_path("main.conf"))));
	/* Between two include-dir files. */
	tmp_put("conf.d/x.conf", SVC("b"));
	tmp_put("conf.d/y.conf", "\n" SVC("b"));
	expect_errors(
		load_file("include-dir = conf.d\n" SVC("a")),
		STRV(fmt("%s:2: service 'b' is defined twice (first at %s:1)",
			 tmp_path("conf.d/y.conf"),
			 tmp_path("conf.d/x.conf"))));
}
END_TEST

START_TEST(test_include_dir_global_key)
{
	tmp_mkdir("conf.d");
	tmp_put("conf.d/g.conf", SVC("z") "drain-delay = 1\n");
	tmp_put("conf.d/h.conf", "include-dir = \"/\"\n" SVC("y"));
	expect_errors(
		load_file("include-dir = conf.d\n"),
		STRV(fmt("%s:4: 'drain-delay' is a global key: only services may be defined in an include-dir file",
			 tmp_path("conf.d/g.conf")),
		     fmt("%s:1: 'include-dir' is a global key: only services may be defined in an include-dir file",
			 tmp_path("conf.d/h.conf"))));
}
END_TEST

START_TEST(test_include_dir_errors)
{
	/* Errors in several files: each with its own file and line. */
	tmp_mkdir("conf.d");
	tmp_put("conf.d/1.conf", "service p {\n command = x\n bogus = 1\n}\n");
	tmp_put("conf.d/2.conf", "service q {\n command = x\n type = bad\n}\n");
	tmp_put("conf.d/3.conf",
		"service r {\n include(\"x\")\n command = x\n}\n");
	expect_errors(
		load_file("include-dir = conf.d\n" SVC("a")),
		STRV(fmt("%s:3: no such option 'bogus'",
			 tmp_path("conf.d/1.conf")),
		     fmt("%s:3: type: invalid value 'bad' (simple or oneshot)",
			 tmp_path("conf.d/2.conf")),
		     fmt("%s:2: *", tmp_path("conf.d/3.conf"))));
}
END_TEST

START_TEST(test_include_dir_log)
{
	/* One file in the main file and in an include-dir file. */
	tmp_mkdir("conf.d");
	tmp_put("conf.d/x.conf", "\n" LOGSVC("b", "/var/log/x.log"));
	expect_errors(
		load_file(
			"include-dir = conf.d\n" LOGSVC("a", "/var/log/x.log")),
		STRV(fmt(
			"%s:4: service 'b' logs to '/var/log/x.log', as service 'a' does (first at %s:4)",
			tmp_path("conf.d/x.conf"), tmp_path("main.conf"))));
	/* Between two include-dir files. */
	tmp_put("conf.d/x.conf", LOGSVC("b", "/var/log/y.log"));
	tmp_put("conf.d/y.conf", "\n\n" LOGSVC("c", "/var/log/y.log"));
	expect_errors(
		load_file(
			"include-dir = conf.d\n" LOGSVC("a", "/var/log/x.log")),
		STRV(fmt(
			"%s:5: service 'c' logs to '/var/log/y.log', as service 'b' does (first at %s:3)",
			tmp_path("conf.d/y.conf"), tmp_path("conf.d/x.conf"))));
	/* The log globals belong to the main file only. */
	tmp_put("conf.d/y.conf", "log-buffer = 0\n");
	expect_errors(
		load_file("include-dir = conf.d\n"),
		STRV(fmt(
			"%s:1: 'log-buffer' is a global key: only services may be defined in an include-dir file",
			tmp_path("conf.d/y.conf"))));
}
END_TEST

START_TEST(test_env_file)
{
	struct config *c;

	tmp_put("app.env", "# db\nexport A=1\nB='two words'\n");
	c = expect_ok(
		load_file("service a {\n command = x\n env-file = app.env\n"
			  " env = {\"C=3\"}\n}\n"));
	ck_assert_str_eq(c->svcs[0].env_file, tmp_path("app.env"));
	expect_strv(c->svcs[0].env_file_vars, STRV("A=1", "B=two words"));
	expect_strv(c->svcs[0].env, STRV("C=3"));
	conf_free(c);
}
END_TEST

START_TEST(test_env_file_in_include_dir)
{
	struct config *c;

	/* Relative to the file that names it. */
	tmp_mkdir("conf.d");
	tmp_put("conf.d/app.env", "X=1\n");
	tmp_put("conf.d/a.conf",
		"service a {\n command = x\n env-file = app.env\n}\n");
	c = expect_ok(load_file("include-dir = conf.d\n"));
	ck_assert_str_eq(c->svcs[0].env_file, tmp_path("conf.d/app.env"));
	expect_strv(c->svcs[0].env_file_vars, STRV("X=1"));
	conf_free(c);
}
END_TEST

START_TEST(test_env_file_bad)
{
	tmp_put("app.env", "A=1\n1X=2\n");
	expect_errors(
		load_file(
			"service a {\n command = x\n env-file = app.env\n}\n"),
		STRV(fmt("%s:3: env-file: %s:2: invalid key '1X'",
			 tmp_path("main.conf"), tmp_path("app.env"))));
	tmp_mkdir("dir.env");
	expect_errors(
		load_file(
			"service a {\n command = x\n\n env-file = dir.env\n}\n"),
		STRV(fmt("%s:4: env-file: %s: *", tmp_path("main.conf"),
			 tmp_path("dir.env"))));
}
END_TEST

/* ---- conf_find ---- */

START_TEST(test_find)
{
	struct config *c = expect_ok(load(SVC("a") SVC("b"), NULL));

	ck_assert_ptr_eq(conf_find(c, "a"), &c->svcs[0]);
	ck_assert_ptr_eq(conf_find(c, "b"), &c->svcs[1]);
	ck_assert_ptr_null(conf_find(c, "c"));
	ck_assert_ptr_null(conf_find(c, ""));
	ck_assert_ptr_null(conf_find(c, "A"));
	conf_free(c);
}
END_TEST

/* ---- conf_change_of, conf_svc_process_differs ---- */

#define RUN " command = \"run --port 80\"\n"

static const struct {
	const char *old_body, *new_body;
	const char *new_env; /* app.env's content for the new config */
	enum conf_change want;
} changes[] = {
	{ RUN, RUN, NULL, CONF_UNCHANGED },
	/* the same values written another way */
	{ RUN,
	  "# moved\n\n" RUN " restart = always\n umask = 0022\n"
	  " stop-signal = SIGTERM\n stop-timeout = 5.0\n",
	  NULL, CONF_UNCHANGED },
	{ RUN " env-file = app.env\n", RUN " env-file = app.env\n", "A=1\n",
	  CONF_UNCHANGED },
	/* keys that apply in place */
	{ RUN, RUN " restart = never\n", NULL, CONF_INPLACE },
	{ RUN, RUN " restart-delay = 1\n", NULL, CONF_INPLACE },
	{ RUN, RUN " restart-delay-max = 60\n", NULL, CONF_INPLACE },
	{ RUN, RUN " restart-limit = 3\n", NULL, CONF_INPLACE },
	{ RUN, RUN " stable-after = 1\n", NULL, CONF_INPLACE },
	{ RUN, RUN " depends = {\"db\"}\n", NULL, CONF_INPLACE },
	{ RUN, RUN " critical = true\n", NULL, CONF_INPLACE },
	{ RUN, RUN " stop-signal = INT\n", NULL, CONF_INPLACE },
	{ RUN, RUN " stop-timeout = 9\n", NULL, CONF_INPLACE },
	{ RUN, RUN " disabled = true\n", NULL, CONF_INPLACE },
	/* keys that make another process */
	{ RUN, " command = \"run --port 81\"\n", NULL, CONF_RESTART },
	{ RUN, RUN " type = oneshot\n", NULL, CONF_RESTART },
	{ RUN, RUN " user = root\n", NULL, CONF_RESTART },
	{ RUN, RUN " group = 0\n", NULL, CONF_RESTART },
	{ RUN " user = 1000\n", RUN " user = 1001\n", NULL, CONF_RESTART },
	{ RUN, RUN " workdir = /tmp\n", NULL, CONF_RESTART },
	{ RUN, RUN " umask = 077\n", NULL, CONF_RESTART },
	{ RUN, RUN " env = {\"A=1\"}\n", NULL, CONF_RESTART },
	{ RUN " env = {\"A=1\", \"B=2\"}\n", RUN " env = {\"B=2\", \"A=1\"}\n",
	  NULL, CONF_RESTART },
	{ RUN, RUN " env-file = app.env\n", NULL, CONF_RESTART },
	{ RUN " env-file = app.env\n", RUN " env-file = other.env\n", NULL,
	  CONF_RESTART },
	/* the same env-file, another content */
	{ RUN " env-file = app.env\n", RUN " env-file = app.env\n", "A=2\n",
	  CONF_RESTART },
	{ RUN " env-file = app.env\n", RUN " env-file = app.env\n",
	  "A=1\nB=2\n", CONF_RESTART },
	/* a process key and an in-place key: the restart covers both */
	{ RUN, RUN " umask = 077\n restart-limit = 3\n", NULL, CONF_RESTART },
	/* log: where stdout and stderr go is set at exec */
	{ RUN, RUN " log = \"\"\n log-max-size = 10485760\n log-keep = 3\n",
	  NULL, CONF_UNCHANGED },
	{ RUN " log = \"file:/var/log/w.log\"\n",
	  RUN " log = \"file:/var/log/w.log\"\n", NULL, CONF_UNCHANGED },
	{ RUN, RUN " log = null\n", NULL, CONF_RESTART },
	{ RUN, RUN " log = inherit\n", NULL, CONF_RESTART },
	{ RUN " log = null\n", RUN " log = inherit\n", NULL, CONF_RESTART },
	{ RUN, RUN " log = \"file:/var/log/w.log\"\n", NULL, CONF_RESTART },
	{ RUN " log = \"file:/var/log/w.log\"\n",
	  RUN " log = \"file:/var/log/w2.log\"\n", NULL, CONF_RESTART },
	{ RUN, RUN " log = null\n log-keep = 5\n", NULL, CONF_RESTART },
	/* the rotation applies in place */
	{ RUN, RUN " log-max-size = 4096\n", NULL, CONF_INPLACE },
	{ RUN, RUN " log-keep = 0\n", NULL, CONF_INPLACE },
	{ RUN " log = \"file:/var/log/w.log\"\n",
	  RUN " log = \"file:/var/log/w.log\"\n log-max-size = 1048576\n"
	      " log-keep = 9\n",
	  NULL, CONF_INPLACE },
	/* ready: how a start is judged (and the fd or socket it is given) */
	{ RUN " ready = notify\n",
	  RUN " ready = \"notify\"\n ready-timeout = 60\n", NULL,
	  CONF_UNCHANGED },
	{ RUN, RUN " ready = \"tcp:80\"\n", NULL, CONF_RESTART },
	{ RUN " ready = \"tcp:80\"\n", RUN " ready = \"tcp:81\"\n", NULL,
	  CONF_RESTART },
	{ RUN " ready = \"tcp:80\"\n", RUN " ready = \"tcp:127.0.0.1:80\"\n",
	  NULL, CONF_RESTART },
	{ RUN " ready = notify\n", RUN " ready = \"fd:3\"\n", NULL,
	  CONF_RESTART },
	{ RUN " ready = \"fd:3\"\n", RUN " ready = \"fd:4\"\n", NULL,
	  CONF_RESTART },
	{ RUN " ready = \"exec:check\"\n", RUN " ready = \"check\"\n", NULL,
	  CONF_RESTART },
	{ RUN, RUN " ready-timeout = 5\n", NULL, CONF_INPLACE },
	/* health-*: in place */
	{ RUN " health-check = \"tcp:80\"\n",
	  RUN
	  " health-check = \"tcp:80\"\n"
	  " health-interval = 30\n health-timeout = 10\n health-retries = 3\n",
	  NULL, CONF_UNCHANGED },
	{ RUN, RUN " health-check = \"tcp:80\"\n", NULL, CONF_INPLACE },
	{ RUN " health-check = \"tcp:80\"\n", RUN, NULL, CONF_INPLACE },
	{ RUN " health-check = \"tcp:80\"\n",
	  RUN " health-check = \"http://localhost:80/\"\n", NULL,
	  CONF_INPLACE },
	{ RUN, RUN " health-interval = 5\n", NULL, CONF_INPLACE },
	{ RUN, RUN " health-timeout = 5\n", NULL, CONF_INPLACE },
	{ RUN, RUN " health-retries = 5\n", NULL, CONF_INPLACE },
	{ RUN " ready = \"tcp:80\"\n",
	  RUN " ready = \"tcp:80\"\n health-check = \"tcp:80\"\n", NULL,
	  CONF_INPLACE },
	/* both: the restart covers the rest */
	{ RUN, RUN " ready = notify\n health-retries = 5\n", NULL,
	  CONF_RESTART },
};

/* Loads a config from main.conf with db and web (web's body given). */
static struct config *load_web(const char *body, const char *env)
{
	tmp_put("app.env", env);
	tmp_put("other.env", "A=1\n");
	return expect_ok(load_file(fmt(
		"service db {\n command = db\n}\nservice web {\n%s}\n", body)));
}

static void load_change(size_t i, struct config **old, struct config **new_)
{
	*old = load_web(changes[i].old_body, "A=1\n");
	*new_ = load_web(changes[i].new_body,
			 changes[i].new_env ? changes[i].new_env : "A=1\n");
}

START_TEST(test_change_of)
{
	struct config *old, *new_;
	const struct svc_conf *a, *b;

	load_change((size_t)_i, &old, &new_);
	a = find(old, "web");
	b = find(new_, "web");
	ck_assert_int_eq(conf_change_of(a, b), changes[_i].want);
	/* the other way round too */
	ck_assert_int_eq(conf_change_of(b, a), changes[_i].want);
	conf_free(old);
	conf_free(new_);
}
END_TEST

START_TEST(test_change_of_added_removed)
{
	struct config *c = expect_ok(load(SVC("a"), NULL));

	ck_assert_int_eq(conf_change_of(NULL, &c->svcs[0]), CONF_ADDED);
	ck_assert_int_eq(conf_change_of(&c->svcs[0], NULL), CONF_REMOVED);
	ck_assert_int_eq(conf_change_of(&c->svcs[0], &c->svcs[0]),
			 CONF_UNCHANGED);
	conf_free(c);
}
END_TEST

START_TEST(test_process_differs)
{
	struct config *old, *new_;
	int want = changes[_i].want == CONF_RESTART;

	load_change((size_t)_i, &old, &new_);
	ck_assert_int_eq(conf_svc_process_differs(find(old, "web"),
						  find(new_, "web")),
			 want);
	ck_assert_int_eq(conf_svc_process_differs(find(new_, "web"),
						  find(old, "web")),
			 want);
	conf_free(old);
	conf_free(new_);
}
END_TEST

/* Gives s supplementary groups (what a user listed in /etc/group gets). */
static void set_groups(struct svc_conf *s, gid_t a, gid_t b)
{
	free(s->groups);
	s->groups = malloc(2 * sizeof(gid_t));
	ck_assert_ptr_nonnull(s->groups);
	s->groups[0] = a;
	s->groups[1] = b;
	s->ngroups = 2;
}

START_TEST(test_process_differs_ids)
{
	struct config *c = expect_ok(load(SVC("a"), NULL));
	struct svc_conf *a = &c->svcs[0], *b = conf_svc_dup(a);

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(conf_svc_process_differs(a, b), 0);
	/* Resolved ids count, not only the names as written. */
	b->uid = 5;
	ck_assert_int_eq(conf_svc_process_differs(a, b), 1);
	b->uid = a->uid;
	b->gid = 5;
	ck_assert_int_eq(conf_svc_process_differs(a, b), 1);
	b->gid = a->gid;
	set_groups(a, 10, 20);
	set_groups(b, 10, 20);
	ck_assert_int_eq(conf_svc_process_differs(a, b), 0);
	b->groups[1] = 21;
	ck_assert_int_eq(conf_svc_process_differs(a, b), 1);
	b->ngroups = 1;
	ck_assert_int_eq(conf_svc_process_differs(a, b), 1);
	conf_svc_free(b);
	free(b);
	conf_free(c);
}
END_TEST

START_TEST(test_process_differs_log)
{
	struct config *c = expect_ok(load(LOGSVC("a", "/var/log/a.log"), NULL));
	struct svc_conf *a = &c->svcs[0], *b = conf_svc_dup(a);

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(conf_svc_process_differs(a, b), 0);
	/* The mode, and the path with the same mode. */
	b->log = SVC_LOG_NULL;
	ck_assert_int_eq(conf_svc_process_differs(a, b), 1);
	b->log = SVC_LOG_FILE;
	b->log_path[1] = 'X';
	ck_assert_int_eq(conf_svc_process_differs(a, b), 1);
	ck_assert_int_eq(conf_change_of(a, b), CONF_RESTART);
	free(b->log_path);
	b->log_path = NULL;
	ck_assert_int_eq(conf_svc_process_differs(a, b), 1);
	ck_assert_int_eq(conf_svc_process_differs(b, a), 1);
	b->log_path = strdup(a->log_path);
	ck_assert_ptr_nonnull(b->log_path);
	ck_assert_int_eq(conf_change_of(a, b), CONF_UNCHANGED);
	/* Rotation only: in place. */
	b->log_max_size++;
	ck_assert_int_eq(conf_svc_process_differs(a, b), 0);
	ck_assert_int_eq(conf_change_of(a, b), CONF_INPLACE);
	b->log_max_size = a->log_max_size;
	b->log_keep = 0;
	ck_assert_int_eq(conf_change_of(a, b), CONF_INPLACE);
	conf_svc_free(b);
	free(b);
	conf_free(c);
}
END_TEST

/* One probe as written that resolves elsewhere (/etc/hosts changed). */
START_TEST(test_change_of_probe_target)
{
	struct config *c = expect_ok(
		load(WEB(" ready = \"tcp:localhost:80\"\n"
			 " health-check = \"http://localhost:80/\"\n"),
		     NULL));
	struct svc_conf *a = &c->svcs[0], *b = conf_svc_dup(a);

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(conf_change_of(a, b), CONF_UNCHANGED);
	((struct sockaddr_in *)&b->ready.addr)->sin_addr.s_addr ^= 1;
	ck_assert_int_eq(conf_svc_process_differs(a, b), 0);
	ck_assert_int_eq(conf_change_of(a, b), CONF_INPLACE);
	b->ready.addr = a->ready.addr;
	ck_assert_int_eq(conf_change_of(a, b), CONF_UNCHANGED);
	((struct sockaddr_in *)&b->health.addr)->sin_port ^= 1;
	ck_assert_int_eq(conf_change_of(a, b), CONF_INPLACE);
	conf_svc_free(b);
	free(b);
	conf_free(c);
}
END_TEST

/* ---- conf_svc_dup, conf_svc_free ---- */

START_TEST(test_dup)
{
	char text[sizeof(every_key) + 1024];
	struct config *c;
	struct svc_conf *d[8];
	size_t i, n;

	tmp_put("app.env", "A=1\nB=2\n");
	snprintf(
		text, sizeof(text),
		"%s"
		"service e {\n command = e\n env-file = \"%s\"\n"
		" log = \"file:/var/log/e.log\"\n log-keep = 5\n"
		" ready = \"http://localhost:8080/ready\"\n"
		" health-check = \"exec:check --deep\"\n health-retries = 4\n}\n",
		every_key, tmp_path("app.env"));
	c = expect_ok(load(text, NULL));
	n = c->nsvcs;
	ck_assert_uint_le(n, N(d));
	set_groups(&c->svcs[0], 3, 4);
	for (i = 0; i < n; i++) {
		d[i] = conf_svc_dup(&c->svcs[i]);
		ck_assert_ptr_nonnull(d[i]);
		ck_assert_str_eq(d[i]->name, c->svcs[i].name);
		ck_assert_str_eq(d[i]->file, c->svcs[i].file);
		ck_assert_ptr_ne(d[i]->file, c->svcs[i].file);
		ck_assert_int_eq(d[i]->line, c->svcs[i].line);
		ck_assert_int_eq(conf_change_of(&c->svcs[i], d[i]),
				 CONF_UNCHANGED);
	}
	ck_assert_uint_eq(d[0]->ngroups, 2);
	ck_assert_ptr_ne(d[0]->groups, c->svcs[0].groups);
	ck_assert_ptr_null(d[1]->env_file_vars);
	ck_assert_ptr_null(d[0]->log_path);
	ck_assert_ptr_ne(find(c, "e")->log_path, d[n - 1]->log_path);
	ck_assert_ptr_ne(find(c, "e")->ready.text, d[n - 1]->ready.text);
	ck_assert_ptr_ne(find(c, "e")->ready.host, d[n - 1]->ready.host);
	ck_assert_ptr_ne(find(c, "e")->ready.path, d[n - 1]->ready.path);
	ck_assert_ptr_ne(find(c, "e")->health.argv, d[n - 1]->health.argv);
	/* The copies own everything: they outlive the config. */
	conf_free(c);
	c = expect_ok(load(text, NULL));
	set_groups(&c->svcs[0], 3, 4);
	for (i = 0; i < n; i++) {
		expect_strv(d[i]->argv, (const char *const *)c->svcs[i].argv);
		expect_strv(d[i]->depends,
			    (const char *const *)c->svcs[i].depends);
		expect_strv(d[i]->env, (const char *const *)c->svcs[i].env);
		ck_assert_str_eq(d[i]->command, c->svcs[i].command);
		ck_assert_str_eq(d[i]->user, c->svcs[i].user);
		ck_assert_str_eq(d[i]->group, c->svcs[i].group);
		ck_assert_str_eq(d[i]->workdir, c->svcs[i].workdir);
		ck_assert_str_eq(d[i]->env_file, c->svcs[i].env_file);
		ck_assert_int_eq(d[i]->log, c->svcs[i].log);
		if (c->svcs[i].log_path == NULL)
			ck_assert_ptr_null(d[i]->log_path);
		else
			ck_assert_str_eq(d[i]->log_path, c->svcs[i].log_path);
		ck_assert_int_eq(d[i]->log_keep, c->svcs[i].log_keep);
		ck_assert_int_eq(probe_equal(&d[i]->ready, &c->svcs[i].ready),
				 1);
		ck_assert_int_eq(probe_equal(&d[i]->health, &c->svcs[i].health),
				 1);
		ck_assert_int_eq(d[i]->health_retries,
				 c->svcs[i].health_retries);
		ck_assert_int_eq(conf_change_of(&c->svcs[i], d[i]),
				 CONF_UNCHANGED);
		conf_svc_free(d[i]);
		ck_assert_ptr_null(d[i]->command);
		ck_assert_ptr_null(d[i]->log_path);
		ck_assert_ptr_null(d[i]->ready.text);
		ck_assert_ptr_null(d[i]->health.argv);
		free(d[i]);
	}
	expect_strv(find(c, "e")->env_file_vars, STRV("A=1", "B=2"));
	ck_assert_str_eq(find(c, "e")->log_path, "/var/log/e.log");
	ck_assert_int_eq(find(c, "e")->log_keep, 5);
	ck_assert_str_eq(find(c, "e")->ready.path, "/ready");
	expect_strv(find(c, "e")->health.argv, STRV("check", "--deep"));
	ck_assert_int_eq(find(c, "e")->health_retries, 4);
	conf_free(c);
}
END_TEST

START_TEST(test_free_null)
{
	struct svc_conf s;

	conf_free(NULL);
	memset(&s, 0, sizeof(s));
	conf_svc_free(&s); /* nothing held */
	memset(&errs, 0, sizeof(errs));
	conf_errors_free(&errs);
	ck_assert_uint_eq(errs.n, 0);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc;

	/* many services: seconds with sanitizers, on a busy machine */
	tc = unit_tcase(s, "conf_load_many");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_many);
	tc = unit_tcase(s, "conf_load_text");
	tcase_add_test(tc, test_every_key);
	tcase_add_test(tc, test_global_defaults);
	tcase_add_loop_test(tc, test_values, 0, N(values));
	tcase_add_test(tc, test_expansion);
	tcase_add_test(tc, test_expansion_unquoted);
	tcase_add_test(tc, test_depends_any_order);
	tcase_add_test(tc, test_extra_main_ok);
	tcase_add_test(tc, test_log_defaults);
	tcase_add_loop_test(tc, test_log_globals, 0, N(log_globals));
	tcase_add_loop_test(tc, test_log_values, 0, N(log_values));
	tcase_add_test(tc, test_log_files_apart);
	tcase_add_test(tc, test_probe_defaults);
	tcase_add_loop_test(tc, test_probe_values, 0, N(probe_values));
	tcase_add_test(tc, test_probe_parsed);
	tcase_add_loop_test(tc, test_errors, 0, N(bad));
	tcase_add_test(tc, test_big);
	tcase_add_test(tc, test_dup_env);
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_empty_name);
	tcase_add_test(tc, test_length);
	tc = unit_tcase_tmpdir(s, "conf_load");
	tcase_add_test(tc, test_load_file);
	tcase_add_test(tc, test_load_missing);
	tcase_add_test(tc, test_include_dir);
	tcase_add_test(tc, test_include_dir_absolute);
	tcase_add_test(tc, test_include_dir_missing);
	tcase_add_test(tc, test_include_dir_duplicate);
	tcase_add_test(tc, test_include_dir_global_key);
	tcase_add_test(tc, test_include_dir_errors);
	tcase_add_test(tc, test_include_dir_log);
	tcase_add_test(tc, test_env_file);
	tcase_add_test(tc, test_env_file_in_include_dir);
	tcase_add_test(tc, test_env_file_bad);
	tc = unit_tcase(s, "conf_find");
	tcase_add_test(tc, test_find);
	tc = unit_tcase_tmpdir(s, "conf_change_of");
	tcase_add_loop_test(tc, test_change_of, 0, N(changes));
	tcase_add_test(tc, test_change_of_added_removed);
	tc = unit_tcase_tmpdir(s, "conf_svc_process_differs");
	tcase_add_loop_test(tc, test_process_differs, 0, N(changes));
	tcase_add_test(tc, test_process_differs_ids);
	tcase_add_test(tc, test_process_differs_log);
	tcase_add_test(tc, test_change_of_probe_target);
	tc = unit_tcase_tmpdir(s, "conf_svc_dup");
	tcase_add_test(tc, test_dup);
	tc = unit_tcase(s, "conf_free");
	tcase_add_test(tc, test_free_null);
	return s;
}
