/*
 * tend: a container init. This file owns the command line, the choice
 * between PID 1 and subreaper, and tend's exit status.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "args.h"
#include "log.h"
#include "loop.h"
#include "signames.h"
#include "single.h"

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
	log_set_level(LOG_LVL_WARN + a.verbosity);

	if (a.pdeathsig > 0)
		set_parent_death_signal(a.pdeathsig);
	if (getpid() != 1) {
		/* Orphans of the command's descendants come to tend, not init. */
		if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
			log_warn("cannot become a child subreaper");
	}
	return single_run(&a);
}
