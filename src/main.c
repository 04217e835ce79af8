/*
 * tend: a container init. This file owns the command line, the choice
 * between PID 1 and subreaper, and tend's exit status.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "args.h"
#include "confcheck.h"
#include "conf.h"
#include "log.h"
#include "loop.h"
#include "signames.h"
#include "single.h"
#include "supervisor.h"

#define DEFAULT_CONFIG "/etc/tend.conf"

/*
 * Which file, if any (SPEC §5 "Config discovery"): -c; else $TEND_CONFIG;
 * else /etc/tend.conf, but only when no command was given.
 */
static const char *config_path(const struct args *a)
{
	const char *env = getenv("TEND_CONFIG");

	if (a->config != NULL)
		return a->config;
	if (env != NULL && env[0] != '\0')
		return env;
	if (a->ncmd == 0 && access(DEFAULT_CONFIG, F_OK) == 0)
		return DEFAULT_CONFIG;
	return NULL;
}

/* Loads path; each error goes to stdout for --check, else to tend's log. */
static struct config *load_or_report(const char *path, const struct args *a)
{
	struct conf_errors errs;
	struct config *c = conf_load(path, a->ncmd > 0 ? "main" : NULL, &errs);
	size_t i;

	for (i = 0; i < errs.n; i++) {
		if (a->check)
			printf("%s\n", errs.msgs[i]);
		else
			log_errorx("%s", errs.msgs[i]);
	}
	conf_errors_free(&errs);
	/*
	 * Parsing a big file leaves the heap full of freed blocks that glibc
	 * keeps; give them back before tend settles for the container's life.
	 */
	malloc_trim(0);
	return c;
}

static void set_parent_death_signal(int sig)
{
	pid_t parent = getppid();

	if (prctl(PR_SET_PDEATHSIG, sig) < 0) {
		log_warn("cannot set the parent-death signal");
		return;
	}
	/* The parent may have died before prctl: then nobody will send it. */
	if (getppid() != parent)
		kill(getpid(), sig);
}

int main(int argc, char *argv[])
{
	struct args a;
	struct config *cfg = NULL;
	const char *path;
	char err[256];

	/* First: no signal may be lost or kill tend before its watcher runs. */
	loop_block_signals();

	if (args_parse(argc, argv, &a, err, sizeof(err)) < 0) {
		log_errorx("%s", err);
		fprintf(stderr, "Try 'tend --help'.\n");
		return 2;
	}
	if (a.action == ARGS_HELP) {
		fputs(args_usage(), stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (a.action == ARGS_VERSION) {
		printf("tend %s\n", TEND_VERSION);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	path = config_path(&a);
	if (path == NULL && (a.ncmd == 0 || a.check)) {
		log_errorx(a.check ? "--check needs a config file (-c FILE)"
				   : "no command and no config file given");
		fprintf(stderr, "Try 'tend --help'.\n");
		return 2;
	}
	/* Single mode is quiet like tini; a supervisor says what it does. */
	log_set_level((path ? LOG_LVL_INFO : LOG_LVL_WARN) + a.verbosity);
	if (path != NULL) {
		cfg = load_or_report(path, &a);
		if (cfg == NULL) {
			if (!a.check)
				log_errorx(
					"bad configuration: nothing started");
			return 1;
		}
		if (a.check) {
			int rc = check_print(cfg, stdout);

			conf_free(cfg);
			return rc == 0 && fflush(stdout) == 0 ? 0 : 1;
		}
	}

	if (a.pdeathsig > 0)
		set_parent_death_signal(a.pdeathsig);
	if (getpid() != 1) {
		/* Orphans of the command's descendants come to tend, not init. */
		if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
			log_warn("cannot become a child subreaper");
	}
	if (cfg != NULL)
		return sup_run(&a, cfg);
	return single_run(&a);
}
