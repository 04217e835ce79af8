#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "cmdsplit.h"
#include "pathsearch.h"

/* What the child writes to the status pipe when a step fails. */
struct child_status {
	int step;
	int err;
};

static const char *const step_names[] = {
	"exec",	  "setsid", "stdin",  "setgroups", "setgid",
	"setuid", "chdir",  "stdout", "setrlimit", "readiness fd",
};
enum {
	STEP_EXEC,
	STEP_SETSID,
	STEP_STDIN,
	STEP_SETGROUPS,
	STEP_SETGID,
	STEP_SETUID,
	STEP_CHDIR,
	STEP_STDOUT,
	STEP_RLIMIT,
	STEP_READY_FD
};

static void __attribute__((noreturn))
child_fail(int status_fd, int step, int err)
{
	struct child_status cs = { step, err };

	(void)!write(status_fd, &cs, sizeof(cs));
	_exit(step == STEP_EXEC ? exitcode_from_exec_errno(err) : 126);
}

/*
 * Nothing beyond 0-2 passes exec: every fd is marked close-on-exec rather
 * than closed, so the status pipe still reports a failure up to execve.
 */
static void cloexec_all(void)
{
	int fd;

	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	for (fd = 3; fd < 4096; fd++)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* The readiness fd at its number, put there after the others were marked. */
static int place_ready_fd(const struct spawn_req *req, int *status_fd)
{
	if (req->ready_fd <= 2 || req->ready_num <= 2)
		return 0;
	if (*status_fd == req->ready_num) {
		int moved =
			fcntl(*status_fd, F_DUPFD_CLOEXEC, req->ready_num + 1);

		if (moved < 0)
			return -1;
		*status_fd = moved;
	}
	if (req->ready_fd == req->ready_num)
		return fcntl(req->ready_num, F_SETFD, 0);
	return dup2(req->ready_fd, req->ready_num) < 0 ? -1 : 0;
}

/* The steps after the signal reset: 0, or the failed step with errno set. */
static int child_setup(const struct spawn_req *req, int null_fd, int *status_fd)
{
	if (null_fd >= 0 && dup2(null_fd, STDIN_FILENO) < 0)
		return STEP_STDIN;
	/* tend keeps 0-2 open, so these are above 2 and dup2 clears CLOEXEC. */
	if ((req->out_fd > 2 && dup2(req->out_fd, STDOUT_FILENO) < 0) ||
	    (req->err_fd > 2 && dup2(req->err_fd, STDERR_FILENO) < 0))
		return STEP_STDOUT;
	/* tend raised its own limit for its pipes; select() users want theirs. */
	if (req->nofile != NULL && setrlimit(RLIMIT_NOFILE, req->nofile) < 0)
		return STEP_RLIMIT;
	if (req->close_fds)
		cloexec_all();
	if (place_ready_fd(req, status_fd) < 0)
		return STEP_READY_FD;
	if (req->gid != (gid_t)-1 || req->uid != (uid_t)-1) {
		if (req->uid != (uid_t)-1 &&
		    setgroups(req->ngroups, req->groups) < 0)
			return STEP_SETGROUPS;
		if (req->gid != (gid_t)-1 && setgid(req->gid) < 0)
			return STEP_SETGID;
		if (req->uid != (uid_t)-1 && setuid(req->uid) < 0)
			return STEP_SETUID;
	}
	if (req->workdir != NULL && req->workdir[0] != '\0' &&
	    chdir(req->workdir) < 0)
		return STEP_CHDIR;
	if (req->set_umask)
		umask(req->umask);
	return 0;
}

/*
 * In the child, between fork and exec: only async-signal-safe calls, no
 * allocation, no stdio, never a return into the caller.
 */
static void __attribute__((noreturn))
child_exec(const struct spawn_req *req, char **paths, int status_fd,
	   int null_fd)
{
	struct sigaction sa;
	sigset_t empty;
	int sig, err = ENOENT, saw_eacces = 0, step;
	size_t i;

	if (req->new_session && setsid() < 0)
		child_fail(status_fd, STEP_SETSID, errno);
	if (req->own_pgrp) {
		(void)setpgid(0, 0);
		/*
		 * Before the signals are reset: a background group that calls
		 * tcsetpgrp gets SIGTTOU, harmless only while still ignored.
		 */
		if (req->fg_tty)
			(void)tcsetpgrp(STDIN_FILENO, getpid());
	}

	/*
	 * Default dispositions, then the empty mask: tend blocks the
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

	step = child_setup(req, null_fd, &status_fd);
	if (step != 0)
		child_fail(status_fd, step, errno);

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
	child_fail(status_fd, STEP_EXEC, err);
}

pid_t spawn_start(const struct spawn_req *req, int *status_fd)
{
	char **paths;
	int fds[2] = { -1, -1 }, null_fd = -1, saved;
	pid_t pid;

	if (status_fd != NULL)
		*status_fd = -1;
	paths = path_search(req->argv[0], getenv("PATH"));
	if (paths == NULL)
		return -1;
	if (req->stdin_null &&
	    (null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		goto fail;
	if (pipe2(fds, O_CLOEXEC) < 0)
		goto fail;
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0) {
		close(fds[0]);
		child_exec(req, paths, fds[1], null_fd);
	}

	close(fds[1]);
	if (null_fd >= 0)
		close(null_fd);
	strv_free(paths);
	/* Both sides set the group, so it exists whichever runs first. */
	if (req->own_pgrp)
		(void)setpgid(pid, pid);
	if (status_fd != NULL)
		*status_fd = fds[0];
	else
		close(fds[0]);
	return pid;

fail:
	saved = errno;
	if (fds[0] >= 0) {
		close(fds[0]);
		close(fds[1]);
	}
	if (null_fd >= 0)
		close(null_fd);
	strv_free(paths);
	errno = saved;
	return -1;
}

int spawn_status(int fd, struct spawn_err *e)
{
	struct child_status cs;
	ssize_t n;

	e->err = 0;
	e->step = NULL;
	do
		n = read(fd, &cs, sizeof(cs));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n == (ssize_t)sizeof(cs)) {
		e->err = cs.err;
		e->step = (unsigned)cs.step < sizeof(step_names) /
						      sizeof(step_names[0])
				  ? step_names[cs.step]
				  : "?";
	}
	/* EOF (exec closed the pipe), or nothing sensible: it runs. */
	return 1;
}

pid_t spawn(const struct spawn_req *req, struct spawn_err *e)
{
	int fd;
	pid_t pid = spawn_start(req, &fd);

	e->err = 0;
	e->step = NULL;
	if (pid < 0)
		return -1;
	/* Blocks until the child's exec: single mode only, before anything else runs. */
	(void)spawn_status(fd, e);
	close(fd);
	return pid;
}
