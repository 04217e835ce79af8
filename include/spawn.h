/* Starting a child process: fork, a clean child, execve, exec status. */
#ifndef TEND_SPAWN_H
#define TEND_SPAWN_H

#include <sys/types.h>

struct spawn_req {
	char *const *argv; /* argv[0] is the program, searched in PATH */
	char *const *envp;
	int own_pgrp; /* the child leads a new process group */
	int fg_tty;   /* ... and becomes the foreground group of fd 0's tty */
};

/*
 * Start req->argv. All allocation and the PATH search happen before fork;
 * the child only resets its signals, sets its process group, and execs.
 * Exec failure is reported back through a close-on-exec pipe, so on return
 * the outcome is known:
 *  - pid > 0, *exec_errno == 0: the program runs;
 *  - pid > 0, *exec_errno != 0: exec failed with that errno; the child
 *    exits 127 (ENOENT) or 126 and must still be reaped;
 *  - -1: no child (fork or pipe failed), errno says why.
 */
pid_t spawn(const struct spawn_req *req, int *exec_errno);

#endif
