/*
 * The config loader: libconfuse's own parser (cfg_parse_buf, through
 * conf_load_text), then tend's validation, then the reload diff.
 *
 * The input is a config file; a NUL byte in it (which no config may hold)
 * splits it into the file before a reload and the file after. A first line
 * "#!main NAME" (a comment to the parser) loads it as `tend -c FILE --
 * CMD` does, with a main service NAME from the command line.
 *
 * What must hold: a config loads or gives its errors, never both; every
 * service in it is what the keys say; loading is deterministic; and the
 * diff is consistent: a service against itself or its copy is unchanged,
 * and the change between two loads is the same read either way.
 *
 * The loader reads a few files: /etc/passwd and /etc/group (user, group,
 * control-group), /etc/hosts (probe hosts), env-files and the include-dir.
 * The harness is linked with --wrap for them, so a run reads nothing from
 * the machine and any input gives the same result anywhere.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "confscan.h"
#include "confutil.h"
#include "envfile.h"
#include "fuzz.h"
#include "passwd.h"

#define NAME "/etc/tend/tend.conf"

static const char passwd_text[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
	"app:x:1000:1000::/home/app:/bin/sh\n"
	"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
static const char group_text[] = "root:x:0:\n"
				 "adm:x:4:app\n"
				 "www-data:x:33:\n"
				 "staff:x:50:app,www-data\n"
				 "app:x:1000:\n"
				 "tendctl:x:990:app\n"
				 "nogroup:x:65534:\n";
static const char hosts_text[] = "127.0.0.1\tlocalhost\n"
				 "::1\tlocalhost ip6-localhost ip6-loopback\n"
				 "10.0.0.5\tdb db.internal # the database\n"
				 "fd00::7\tcache\n";

/* The env-files there are, by their last component. */
static const struct {
	const char *name, *text;
} env_files[] = {
	{ "app.env", "# app settings\nexport PORT=8080\nMODE='production'\n" },
	{ "other.env", "PORT=9090\nEMPTY=\n" },
	{ "bad.env", "PORT=1\n1X=2\n" },
};

int __wrap_envfile_read(const char *path, char ***vars, char *err,
			size_t errlen);
int __wrap_ids_resolve(const char *passwd_path, const char *group_path,
		       const char *user, const char *group, struct ids *out,
		       char *err, size_t errlen);
int __wrap_file_read_max(const char *path, size_t max, char **data, size_t *len,
			 char *err, size_t errlen);
int __wrap_scandir(const char *dir, struct dirent ***list,
		   int (*sel)(const struct dirent *),
		   int (*cmp)(const struct dirent **, const struct dirent **));

int __wrap_envfile_read(const char *path, char ***vars, char *err,
			size_t errlen)
{
	const char *base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1
						      : path;
	char msg[256];
	size_t i;
	int line;

	*vars = NULL;
	for (i = 0; i < sizeof(env_files) / sizeof(env_files[0]); i++) {
		if (strcmp(base, env_files[i].name) != 0)
			continue;
		if (envfile_parse(env_files[i].text, strlen(env_files[i].text),
				  vars, &line, msg, sizeof(msg)) == 0)
			return 0;
		snprintf(err, errlen, "%s:%d: %s", path, line, msg);
		return -1;
	}
	snprintf(err, errlen, "%s: %s", path, strerror(ENOENT));
	return -1;
}

int __wrap_ids_resolve(const char *passwd_path, const char *group_path,
		       const char *user, const char *group, struct ids *out,
		       char *err, size_t errlen)
{
	(void)passwd_path;
	(void)group_path;
	return ids_resolve_text(passwd_text, strlen(passwd_text), group_text,
				strlen(group_text), user, group, out, err,
				errlen);
}

/* The loader reads /etc/hosts this way. */
int __wrap_file_read_max(const char *path, size_t max, char **data, size_t *len,
			 char *err, size_t errlen)
{
	(void)max;
	if (strcmp(path, "/etc/hosts") != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENOENT));
		errno = ENOENT;
		return -1;
	}
	*data = strdup(hosts_text);
	if (*data == NULL)
		abort();
	*len = strlen(hosts_text);
	return 0;
}

/* Every include-dir is there, and empty. */
int __wrap_scandir(const char *dir, struct dirent ***list,
		   int (*sel)(const struct dirent *),
		   int (*cmp)(const struct dirent **, const struct dirent **))
{
	(void)dir;
	(void)sel;
	(void)cmp;
	*list = NULL;
	return 0;
}

/* A service is what a valid config says it is. */
static void check_svc(const struct config *c, const struct svc_conf *s)
{
	struct svc_conf *d;
	size_t i;

	FUZZ_CHECK(confutil_name(s->name) == 0);
	FUZZ_CHECK(conf_find(c, s->name) == s);
	FUZZ_CHECK(s->argv != NULL && s->argv[0] != NULL);
	FUZZ_CHECK(s->depends != NULL && s->env != NULL);
	for (i = 0; s->depends[i] != NULL; i++)
		FUZZ_CHECK(conf_find(c, s->depends[i]) != NULL &&
			   strcmp(s->depends[i], s->name) != 0);
	for (i = 0; s->env[i] != NULL; i++)
		FUZZ_CHECK(confutil_env_entry(s->env[i]) == 0);
	FUZZ_CHECK(s->restart_delay <= s->restart_delay_max);
	FUZZ_CHECK(s->stop_timeout > 0 && s->stop_signal > 0);
	FUZZ_CHECK(!s->main || s->restart == RESTART_NEVER);
	FUZZ_CHECK(s->type != SVC_ONESHOT || (s->ready.kind == PROBE_NONE &&
					      s->health.kind == PROBE_NONE &&
					      s->restart != RESTART_ALWAYS));
	FUZZ_CHECK((s->log == SVC_LOG_FILE) == (s->log_path != NULL));
	FUZZ_CHECK(s->log_path == NULL || s->log_path[0] == '/');
	FUZZ_CHECK(s->workdir[0] == '\0' || s->workdir[0] == '/');
	FUZZ_CHECK(s->umask <= 0777);

	FUZZ_CHECK(conf_change_of(s, s) == CONF_UNCHANGED);
	FUZZ_CHECK(conf_change_of(NULL, s) == CONF_ADDED);
	FUZZ_CHECK(conf_change_of(s, NULL) == CONF_REMOVED);
	d = conf_svc_dup(s);
	FUZZ_CHECK(d != NULL);
	FUZZ_CHECK(!conf_svc_process_differs(s, d));
	FUZZ_CHECK(conf_change_of(s, d) == CONF_UNCHANGED);
	FUZZ_CHECK(conf_change_of(d, s) == CONF_UNCHANGED);
	conf_svc_free(d);
	free(d);
}

/* Loaded, or errors: never both, never neither. */
static void check_loaded(const struct config *c, const struct conf_errors *e)
{
	size_t i, j, mains = 0;

	if (c == NULL) {
		FUZZ_CHECK(e->n > 0);
		for (i = 0; i < e->n; i++) {
			FUZZ_CHECK(e->msgs[i] != NULL &&
				   strncmp(e->msgs[i], NAME ":",
					   strlen(NAME ":")) == 0);
			/* the scan and libconfuse disagree: "cannot happen" */
			FUZZ_CHECK(strncmp(e->msgs[i],
					   NAME ": cannot locate service",
					   strlen(NAME
						  ": cannot locate service")) !=
				   0);
		}
		return;
	}
	FUZZ_CHECK(e->n == 0);
	FUZZ_CHECK(c->shutdown_timeout > 0);
	FUZZ_CHECK(c->nforward == 0 || c->forward_signals != NULL);
	for (i = 0; i < c->nsvcs; i++) {
		check_svc(c, &c->svcs[i]);
		mains += c->svcs[i].main != 0;
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(c->svcs[i].name, c->svcs[j].name) !=
				   0);
	}
	FUZZ_CHECK(mains <= 1);
}

/*
 * tend's own scan of the text (for the lines in messages) and libconfuse
 * must see the same services: the same names, in the same order, each at
 * the line of its section. The scan keeps a quoted title as written: one
 * with an escape or a ${VAR} in it is libconfuse's to read.
 */
static void check_scan(const char *text, size_t len, const struct config *c)
{
	struct confscan sc;
	char err[256];
	size_t i;
	int line, sec;

	FUZZ_CHECK(confscan_run(text, len, &sc, &line, err, sizeof(err)) == 0);
	FUZZ_CHECK(confscan_nth_section(&sc, "service", c->nsvcs) < 0);
	for (i = 0; i < c->nsvcs; i++) {
		sec = confscan_nth_section(&sc, "service", i);
		FUZZ_CHECK(sec >= 0);
		FUZZ_CHECK(strcmp(sc.sections[sec].title, c->svcs[i].name) ==
				   0 ||
			   strpbrk(sc.sections[sec].title, "\\$") != NULL);
		FUZZ_CHECK(sc.sections[sec].line == c->svcs[i].line);
	}
	confscan_free(&sc);
}

/* "#!main NAME" on the first line: the main service's name, or NULL. */
static char *extra_main(const char *text, size_t len)
{
	const char *nl;

	if (len < 7 || memcmp(text, "#!main ", 7) != 0)
		return NULL;
	nl = memchr(text, '\n', len);
	return strndup(text + 7,
		       (size_t)((nl != NULL ? nl : text + len) - (text + 7)));
}

static struct config *load(const char *text, size_t len, struct conf_errors *e)
{
	char *m = extra_main(text, len);
	struct config *c = conf_load_text(NAME, text, len, m, e);

	free(m);
	check_loaded(c, e);
	if (c != NULL)
		check_scan(text, len, c);
	return c;
}

/* What a reload from a to b does, read both ways. */
static void check_diff(const struct config *a, const struct config *b)
{
	size_t i;

	for (i = 0; i < b->nsvcs; i++) {
		const struct svc_conf *n = &b->svcs[i],
				      *o = conf_find(a, n->name);
		enum conf_change ch = conf_change_of(o, n);

		if (o == NULL) {
			FUZZ_CHECK(ch == CONF_ADDED);
			continue;
		}
		FUZZ_CHECK(ch == conf_change_of(n, o));
		FUZZ_CHECK((ch == CONF_RESTART) ==
			   conf_svc_process_differs(o, n));
		FUZZ_CHECK(ch == CONF_UNCHANGED || ch == CONF_INPLACE ||
			   ch == CONF_RESTART);
	}
	for (i = 0; i < a->nsvcs; i++)
		if (conf_find(b, a->svcs[i].name) == NULL)
			FUZZ_CHECK(conf_change_of(&a->svcs[i], NULL) ==
				   CONF_REMOVED);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const uint8_t *nul = memchr(data, '\0', size);
	size_t alen = nul != NULL ? (size_t)(nul - data) : size, i;
	struct conf_errors ea, eb;
	struct config *a, *b;

	a = load(text, alen, &ea);
	if (nul != NULL) {
		b = load(text + alen + 1, size - alen - 1, &eb);
	} else {
		/* The same text again: the same config, the same errors. */
		b = load(text, alen, &eb);
		FUZZ_CHECK((a == NULL) == (b == NULL) && ea.n == eb.n);
		for (i = 0; i < ea.n; i++)
			FUZZ_CHECK(strcmp(ea.msgs[i], eb.msgs[i]) == 0);
		for (i = 0; a != NULL && i < a->nsvcs; i++)
			FUZZ_CHECK(conf_change_of(&a->svcs[i], &b->svcs[i]) ==
				   CONF_UNCHANGED);
	}
	if (a != NULL && b != NULL) {
		check_diff(a, b);
		check_diff(b, a);
	}
	conf_free(a);
	conf_free(b);
	conf_errors_free(&ea);
	conf_errors_free(&eb);
	return 0;
}
