/*
 * The floor of the benchmarks: the least an init or a supervisor must do,
 * so that the numbers of tend and its rivals can be read as this plus
 * their overhead (compiled statically at run time, like svc.c).
 *
 *   floor [-1] [-p] -- CMD [ARG...]     one service
 *   floor [-1] [-p] -f FILE             one service per line of FILE
 *                                       (words split on blanks, no quoting;
 *                                       empty lines and '#' lines skipped)
 *
 * It does four things and nothing else:
 *   - reaps every child, orphans included (a subreaper when not PID 1);
 *   - forwards every signal but CHLD, TERM and INT to every service;
 *   - respawns a service at once when it exits (with -1: never; floor then
 *     exits once every service has, with the last one's exit code, 128+N
 *     for signal N, as tini does);
 *   - on TERM or INT stops in parallel: TERM to every service, then waits
 *     for all of them and exits 0. No timeout, no KILL.
 * With -p each service's stdout and stderr are one pipe that floor copies,
 * as it comes, to its own stdout (the `cat` in the middle: no lines, no
 * framing); without it the services inherit floor's output.
 *
 * No config parsing beyond the above, no logging, no control interface, no
 * backoff: a floor, not an init to use.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define COPY_LEN 131072

struct svc {
	char **argv;
	pid_t pid; /* 0: not running */
	int out;   /* -p: the read end of its pipe, else -1 */
};

static struct svc *svcs;
static size_t nsvcs;
static int once, piped, stopping, last_code;
static sigset_t all;
static char copybuf[COPY_LEN];

static void die(const char *what)
{
	perror(what);
	exit(111);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		die("floor: realloc");
	return p;
}

static void add(char **argv)
{
	svcs = xrealloc(svcs, (nsvcs + 1) * sizeof(*svcs));
	svcs[nsvcs].argv = argv;
	svcs[nsvcs].pid = 0;
	svcs[nsvcs].out = -1;
	nsvcs++;
}

/* One service per line: the words of each line become its argv. */
static void read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		die(path);
	while (getline(&line, &cap, f) > 0) {
		char **argv = NULL, *save = NULL, *w;
		size_t n = 0;

		for (w = strtok_r(line, " \t\n", &save); w;
		     w = strtok_r(NULL, " \t\n", &save)) {
			argv = xrealloc(argv, (n + 2) * sizeof(*argv));
			argv[n++] = strdup(w);
		}
		if (n == 0 || argv[0][0] == '#')
			continue;
		argv[n] = NULL;
		add(argv);
	}
	free(line);
	fclose(f);
}

static void spawn(struct svc *s)
{
	int p[2] = { -1, -1 };
	pid_t pid;

	if (piped && pipe2(p, O_CLOEXEC) < 0)
		die("floor: pipe");
	pid = fork();
	if (pid < 0)
		die("floor: fork");
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (piped && (dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0))
			_exit(111);
		execvp(s->argv[0], s->argv);
		_exit(errno == ENOENT ? 127 : 126);
	}
	s->pid = pid;
	if (piped) {
		close(p[1]);
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		s->out = p[0];
	}
}

static void write_all(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(1, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("floor: write");
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* Copies what the pipe holds; closes it at EOF. */
static void copy(struct svc *s)
{
	for (;;) {
		ssize_t n = read(s->out, copybuf, sizeof(copybuf));

		if (n > 0) {
			write_all(copybuf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		close(s->out);
		s->out = -1;
		return;
	}
}

static void reap(void)
{
	pid_t pid;
	int st;
	size_t i;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < nsvcs; i++) {
			if (svcs[i].pid != pid)
				continue;
			svcs[i].pid = 0;
			last_code = WIFEXITED(st) ? WEXITSTATUS(st)
						  : 128 + WTERMSIG(st);
			/* A respawn with the old pipe still open: drain it first. */
			if (svcs[i].out >= 0)
				copy(&svcs[i]);
			if (!once && !stopping)
				spawn(&svcs[i]);
			break;
		}
	}
}

static void on_signal(int sig)
{
	size_t i;

	if (sig == SIGCHLD) {
		reap();
		return;
	}
	if (sig == SIGTERM || sig == SIGINT) {
		stopping = 1;
		sig = SIGTERM;
	}
	for (i = 0; i < nsvcs; i++)
		if (svcs[i].pid > 0)
			kill(svcs[i].pid, sig);
}

/* Done: nothing runs that will be respawned and every pipe is drained. */
static int done(void)
{
	size_t i;

	if (!once && !stopping)
		return 0;
	for (i = 0; i < nsvcs; i++)
		if (svcs[i].pid > 0 || svcs[i].out >= 0)
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	struct pollfd *pfd;
	int opt, sfd;
	size_t i;

	while ((opt = getopt(argc, argv, "+1pf:")) != -1) {
		switch (opt) {
		case '1':
			once = 1;
			break;
		case 'p':
			piped = 1;
			break;
		case 'f':
			read_file(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: floor [-1] [-p] [-f FILE | -- CMD [ARG...]]\n");
			return 2;
		}
	}
	if (optind < argc)
		add(argv + optind);
	if (nsvcs == 0) {
		fprintf(stderr, "floor: no service\n");
		return 2;
	}
	/* Every signal becomes a read on one fd; children get an empty mask. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	sfd = signalfd(-1, &all, SFD_CLOEXEC);
	if (sfd < 0)
		die("floor: signalfd");
	if (getpid() != 1)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	for (i = 0; i < nsvcs; i++)
		spawn(&svcs[i]);

	pfd = xrealloc(NULL, (nsvcs + 1) * sizeof(*pfd));
	while (!done()) {
		struct signalfd_siginfo si[16];
		size_t n = 1;
		ssize_t got;
		int k;

		pfd[0].fd = sfd;
		pfd[0].events = POLLIN;
		for (i = 0; piped && i < nsvcs; i++) {
			pfd[n].fd = svcs[i].out;
			pfd[n].events = POLLIN;
			n++;
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("floor: poll");
		}
		for (i = 0; piped && i < nsvcs; i++)
			if (svcs[i].out >= 0 && pfd[i + 1].revents)
				copy(&svcs[i]);
		if (!pfd[0].revents)
			continue;
		got = read(sfd, si, sizeof(si));
		for (k = 0; k < got / (ssize_t)sizeof(si[0]); k++)
			on_signal((int)si[k].ssi_signo);
	}
	return stopping ? 0 : last_code;
}
