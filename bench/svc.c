/*
 * The service the supervisor benchmark runs (bench/supervisors.sh compiles
 * it statically at run time, so its exec costs as little as possible and
 * its name, "bsvc", is unique in /proc).
 *
 *   bsvc        sleeps until a signal kills it (SIGTERM's default action)
 *   bsvc MS     on SIGTERM, waits MS milliseconds, then exits 0
 *   bsvc -r FILE [MS]
 *               the same, having first appended "PID NS" to FILE, NS being
 *               the CLOCK_MONOTONIC time (in ns) at which main started: the
 *               restart benchmark reads there when each run began.
 *
 * No output, no shell.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t termed;

static void on_term(int sig)
{
	(void)sig;
	termed = 1;
}

/* Appends "PID NS" to path in one write, so that lines never mix. */
static void mark(const char *path, const struct timespec *t)
{
	char line[64];
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	int n;

	if (fd < 0)
		_exit(111);
	n = snprintf(line, sizeof(line), "%d %lld\n", (int)getpid(),
		     (long long)t->tv_sec * 1000000000 + t->tv_nsec);
	if (write(fd, line, (size_t)n) != n)
		_exit(111);
	close(fd);
}

int main(int argc, char **argv)
{
	struct timespec t0;
	long ms;
	sigset_t none;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (argc > 2 && strcmp(argv[1], "-r") == 0) {
		mark(argv[2], &t0);
		argc -= 2;
		argv += 2;
	}
	ms = argc > 1 ? atol(argv[1]) : -1;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (ms >= 0) {
		struct sigaction sa = { 0 };

		sa.sa_handler = on_term;
		sigaction(SIGTERM, &sa, NULL);
	} else {
		signal(SIGTERM, SIG_DFL);
	}
	for (;;) {
		pause();
		if (termed) {
			struct timespec ts = { ms / 1000,
					       (ms % 1000) * 1000000L };

			while (nanosleep(&ts, &ts) == -1)
				;
			_exit(0);
		}
	}
}
