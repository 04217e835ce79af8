/*
 * The service the supervisor benchmark runs (bench/supervisors.sh compiles
 * it statically at run time, so its exec costs as little as possible and
 * its name, "bsvc", is unique in /proc).
 *
 *   bsvc        sleeps until a signal kills it (SIGTERM's default action)
 *   bsvc MS     on SIGTERM, waits MS milliseconds, then exits 0
 *
 * No output, no files, no shell.
 */
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t termed;

static void on_term(int sig)
{
	(void)sig;
	termed = 1;
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : -1;
	sigset_t none;

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
			struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

			while (nanosleep(&ts, &ts) == -1)
				;
			_exit(0);
		}
	}
}
