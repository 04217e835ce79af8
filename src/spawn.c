#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcode.h"
#include "pathsearch.h"

/*
 * In the child, between fork and exec: only async-signal-safe calls, no
 * allocation, no stdio, never a return into the caller.
 */
static void __attribute__((noreturn))
child_exec(const struct spawn_req *req, char **paths, int status_fd)
{
	struct sigaction sa;
	sigset_t empty;
	int sig, err = ENOENT, saw_eacces = 0;
	size_t i;

	if (req->own_pgrp) {
		(void)setpgid(0, 0);
		/* tend ignores SIGTTOU, so a background group may do this. */
		if (req->fg_tty)
			(void)tcsetpgrp(STDIN_FILENO, getpid());
	}

	/*
	 * Default dispositions first, then the empty mask: tend blocks the
	 * signals it reads from its signalfd and ignores the terminal stop
	 * signals, and a child that inherited either would not react to
	 * `docker stop` or ^Z.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL);
	sigemptyset(&empty);
	(void)sigprocmask(SIG_SETMASK, &empty, NULL);

	for (i = 0; paths[i] != NULL; i++) {
		execve(paths[i], req->argv, req->envp);
		err = errno;
		if (err == EACCES)
			saw_eacces = 1;
		else if (err != ENOENT && err != ENOTDIR && err != ESTALE &&
			 err != ENODEV && err != ETIMEDOUT)
			break; /* execvp stops the search here too */
	}
	if (saw_eacces && (err == ENOENT || err == ENOTDIR))
		err = EACCES;
	(void)!write(status_fd, &err, sizeof(err));
	_exit(exitcode_from_exec_errno(err));
}

pid_t spawn(const struct spawn_req *req, int *exec_errno)
{
	char **paths;
	int fds[2], err, saved;
	ssize_t n;
	pid_t pid;

	*exec_errno = 0;
	paths = path_search(req->argv[0], getenv("PATH"));
	if (paths == NULL)
		return -1;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		saved = errno;
		path_free(paths);
		errno = saved;
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		saved = errno;
		close(fds[0]);
		close(fds[1]);
		path_free(paths);
		errno = saved;
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		child_exec(req, paths, fds[1]);
	}

	close(fds[1]);
	path_free(paths);
	/* Both sides set the group, so it exists whichever runs first. */
	if (req->own_pgrp)
		(void)setpgid(pid, pid);
	/* EOF: exec succeeded and closed the pipe. Bounded by the child's exec. */
	do
		n = read(fds[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	if (n == (ssize_t)sizeof(err))
		*exec_errno = err;
	return pid;
}
