/* Starting a child process: fork, a clean child, execve, exec status. */
#ifndef TEND_SPAWN_H
#define TEND_SPAWN_H

#include <sys/resource.h>
#include <sys/types.h>

struct spawn_req {
	char *const *argv; /* argv[0] is the program, searched in PATH */
	char *const *envp;
	int own_pgrp; /* single mode: the child leads a new process group */
	int fg_tty;   /* ... and becomes the foreground group of fd 0's tty */
	int new_session; /* config mode: setsid() */
	int stdin_null;	 /* stdin from /dev/null */
	int close_fds;	 /* nothing beyond 0-2 passes, not even inherited fds */
	uid_t uid;	 /* (uid_t)-1: unchanged */
	gid_t gid;	 /* (gid_t)-1: unchanged */
	const gid_t *groups; /* supplementary groups, set when uid is set */
	size_t ngroups;
	const char *workdir; /* NULL or "": unchanged */
	int set_umask;
	mode_t umask;
	int out_fd,
		err_fd; /* above 2: the child's stdout/stderr; else tend's */
	const struct rlimit *nofile; /* NULL, or RLIMIT_NOFILE to give back */
	int ready_fd,
		ready_num; /* ready_fd above 2: the child's fd ready_num */
};

/* Why a child could not exec: the step that failed and its errno. */
struct spawn_err {
	int err;	  /* 0: exec succeeded */
	const char *step; /* "exec", "chdir", "setuid", ... */
};

/*
 * Start req->argv. All allocation and the PATH search happen before fork;
 * the child only sets itself up and execs. Failure of any step in the
 * child is written to a close-on-exec pipe, whose read end is given in
 * *status_fd (blocking; the caller may make it non-blocking and watch it):
 * EOF means exec succeeded, a struct read by spawn_status() that it did
 * not, and the child exits 127 (exec ENOENT) or 126 and must still be
 * reaped. status_fd NULL: the pipe is closed at once (the exit status
 * tells). Returns the pid, or -1 (fork, pipe or /dev/null failed) with
 * errno set.
 */
pid_t spawn_start(const struct spawn_req *req, int *status_fd);

/*
 * Reads the outcome from a status fd: 1 when known (e->err 0: the program
 * runs), 0 when not yet (a non-blocking fd with nothing to read).
 */
int spawn_status(int fd, struct spawn_err *e);

/*
 * spawn_start and a blocking wait for the outcome (single mode, before the
 * loop has anything else to do):
 *  - pid > 0, e->err == 0: the program runs;
 *  - pid > 0, e->err != 0: it did not; the child must still be reaped;
 *  - -1: no child, errno says why.
 */
pid_t spawn(const struct spawn_req *req, struct spawn_err *e);

#endif
