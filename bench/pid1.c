/*
 * The PID-1 benchmarks of bench/pid1.sh (compiled statically at run time;
 * its name in /proc is "bpid1"). One program, two sides: the harness,
 * which starts an init as PID 1 of a new PID and mount namespace (/proc
 * mounted anew, as a container runtime does) with this same program as the
 * init's command, and that command, the child, which measures from inside.
 *
 *   bpid1 exec RUNS -- INIT [ARG...]
 *       Exec latency, RUNS times: from just before the execve of the init
 *       (the namespaces are made by then) until the child's first
 *       instruction of main. Prints "exec_us V" per run.
 *   bpid1 orphans RUNS N -- INIT [ARG...]
 *       Reaping, RUNS times: the child forks a process that forks N
 *       children that exit at once; once all N are zombies it exits, and
 *       they all become the init's at the same moment. The child then
 *       waits until every one of them is gone (reaped). Prints "orphans_s V"
 *       (N per second, from the middle process's exit until the last one
 *       is gone) per run.
 *   bpid1 signals COUNT -- INIT [ARG...]
 *       Signal forwarding, COUNT times: SIGUSR1 to the init (from outside
 *       the namespace, as `docker kill -s USR1` does), and the time until
 *       the child has it (sigwaitinfo). The next one is sent once the child
 *       has reported the last. Prints "signal_us V" per signal.
 *   bpid1 idle SECS -- INIT [ARG...]
 *       Memory and idle cost: with the child asleep, the init's VmRSS and
 *       PSS (kB), then its wakeups (timeslices, summed over its threads,
 *       /proc/PID/task/TID/schedstat), context switches and CPU time over
 *       SECS seconds. Prints "rss_kb", "pss_kb", "idle_wakeups",
 *       "idle_ctxt", "idle_cpu_ms".
 *   bpid1 child exec|orphans N|signals|sleep FIFO
 *       The child side (run by the init): reports on FIFO, a named pipe the
 *       harness made in $TMPDIR (default /tmp), 8-byte records (a time in ns, CLOCK_MONOTONIC, or a
 *       count).
 *
 * The harness and all it starts run on one CPU (pin() says why).
 * Everything the harness starts is in the namespace of the init, so a
 * SIGKILL to the init ends all of it; the harness does that on any error,
 * and on exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- the child, inside the namespace ---- */

static int fifo_out = -1;

static void put(int64_t v)
{
	if (write(fifo_out, &v, sizeof(v)) != sizeof(v))
		_exit(111);
}

static void nap_us(long us)
{
	struct timespec ts = { 0, us * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * N zombies handed to the init at once: a middle process forks them,
 * waits until each has exited (without reaping it), then exits itself, at
 * which point the kernel gives them to the init, which must reap them.
 * Their pids are in shared memory; kill(pid, 0) works on a zombie and fails
 * once it is reaped (a fresh namespace: no pid is reused meanwhile).
 */
static int child_orphans(long n)
{
	pid_t *pids = mmap(NULL, n * sizeof(pid_t) + sizeof(int64_t),
			   PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			   -1, 0);
	int64_t *t0;
	pid_t mid;
	long i;
	int st;

	if (pids == MAP_FAILED)
		return 111;
	t0 = (int64_t *)(pids + n);
	mid = fork();
	if (mid < 0)
		return 111;
	if (mid == 0) {
		for (i = 0; i < n; i++) {
			pid_t p = fork();

			if (p < 0)
				_exit(111);
			if (p == 0)
				_exit(0);
			pids[i] = p;
		}
		for (i = 0; i < n; i++) {
			siginfo_t si;

			if (waitid(P_PID, pids[i], &si, WEXITED | WNOWAIT) < 0)
				_exit(111);
		}
		*t0 = now_ns();
		_exit(0);
	}
	if (waitpid(mid, &st, 0) != mid || !WIFEXITED(st) || WEXITSTATUS(st))
		return 111;
	prctl(PR_SET_TIMERSLACK, 1UL);
	for (i = 0; i < n; i++)
		while (kill(pids[i], 0) == 0)
			nap_us(20);
	put(now_ns() - *t0);
	return 0;
}

static __attribute__((noreturn)) void child_signals(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	put(0); /* ready */
	for (;;) {
		sig = sigwaitinfo(&set, NULL);
		if (sig == SIGUSR1)
			put(now_ns());
	}
}

static int child(int argc, char **argv, int64_t t)
{
	const char *fifo = argv[argc - 1];

	fifo_out = open(fifo, O_WRONLY | O_CLOEXEC);
	if (fifo_out < 0)
		return 111;
	if (strcmp(argv[2], "exec") == 0) {
		put(t);
		return 0;
	}
	if (strcmp(argv[2], "orphans") == 0 && argc == 5)
		return child_orphans(atol(argv[3]));
	if (strcmp(argv[2], "signals") == 0)
		child_signals();
	if (strcmp(argv[2], "sleep") == 0) {
		put(0);
		for (;;)
			pause();
	}
	return 2;
}

/* ---- the harness ---- */

static char fifo_path[4096];
static int fifo_in = -1;
static pid_t init_pid;
static int64_t *shared_t0;

static void stop_init(void)
{
	int st;

	if (init_pid > 0) {
		kill(init_pid, SIGKILL);
		waitpid(init_pid, &st, 0);
		init_pid = 0;
	}
}

static void cleanup(void)
{
	stop_init();
	if (fifo_path[0])
		unlink(fifo_path);
}

static void fail(const char *msg)
{
	fprintf(stderr, "bpid1: %s%s%s\n", msg, errno ? ": " : "",
		errno ? strerror(errno) : "");
	cleanup();
	exit(1);
}

/* The next record from the child, waited for at most 10 s. */
static int64_t get(void)
{
	struct pollfd p = { fifo_in, POLLIN, 0 };
	int64_t v;

	errno = 0;
	if (poll(&p, 1, 10000) != 1)
		fail("no word from the child within 10 s");
	if (read(fifo_in, &v, sizeof(v)) != sizeof(v))
		fail("short read on the fifo");
	return v;
}

/*
 * Starts argv (the init, its command being this program's child side) as
 * PID 1 of new PID and mount namespaces with /proc mounted anew; the time
 * just before its execve goes to *shared_t0.
 */
static void start_init(char **argv)
{
	pid_t pid;

	pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | SIGCHLD,
			     NULL, NULL, NULL, 0);
	if (pid < 0)
		fail("clone");
	if (pid == 0) {
		sigset_t none;

		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("proc", "/proc", "proc",
			  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			_exit(111);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		*shared_t0 = now_ns();
		execv(argv[0], argv);
		_exit(127);
	}
	init_pid = pid;
}

/* Waits for the init's exit; it must exit 0 unless killed. */
static void wait_init(void)
{
	int st;

	errno = 0;
	if (waitpid(init_pid, &st, 0) != init_pid)
		fail("waitpid");
	init_pid = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bpid1: the init ended with status 0x%x\n", st);
		fail("the init failed");
	}
}

/* VALUE of "KEY VALUE" in a /proc file, or -1. */
static long proc_field(const char *path, const char *key)
{
	char buf[8192], *p;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, key);
	return p ? atol(p + strlen(key)) : -1;
}

/* Timeslices, context switches and run time (ns) of pid, all threads. */
static void sched_of(pid_t pid, long long *slices, long long *ctxt,
		     long long *run_ns)
{
	char path[96], buf[256];
	int fd;
	ssize_t n;
	long long a, b, c;
	long v, w;

	/* The inits measured here are single-threaded; check that. */
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (proc_field(path, "\nThreads:") != 1)
		fail("the init has more than one thread: not handled");
	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail("schedstat");
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		fail("schedstat");
	buf[n] = '\0';
	if (sscanf(buf, "%lld %lld %lld", &a, &b, &c) != 3)
		fail("schedstat");
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	v = proc_field(path, "\nvoluntary_ctxt_switches:");
	w = proc_field(path, "\nnonvoluntary_ctxt_switches:");
	if (v < 0 || w < 0)
		fail("status");
	*slices = c;
	*ctxt = v + w;
	*run_ns = a;
}

/*
 * Everything on one CPU, the last one allowed: the times are then the
 * init's work and context switches, not where the scheduler puts the two
 * ends nor how long an idle virtual CPU takes to wake up (which makes a
 * signal's latency jump between 10 and 35 us on a 2-CPU machine).
 */
static void pin(void)
{
	cpu_set_t set;
	int c, last = -1;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		fail("sched_getaffinity");
	for (c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			last = c;
	CPU_ZERO(&set);
	CPU_SET(last, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		fail("sched_setaffinity");
}

int main(int argc, char **argv)
{
	int64_t t = now_ns();
	char **init;
	int i, dd = 0;

	if (argc >= 4 && strcmp(argv[1], "child") == 0)
		return child(argc, argv, t);
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dd = i;
			break;
		}
	if (argc < 4 || dd < 3 || dd == argc - 1) {
		fprintf(stderr,
			"usage: bpid1 exec|orphans|signals|idle ... -- INIT [ARG...]\n");
		return 2;
	}

	pin();
	/* The init's argv, then this program's child side. */
	init = calloc((size_t)(argc - dd + 6), sizeof(*init));
	shared_t0 = mmap(NULL, sizeof(*shared_t0), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!init || shared_t0 == MAP_FAILED)
		fail("memory");
	for (i = dd + 1; i < argc; i++)
		init[i - dd - 1] = argv[i];
	{
		int k = argc - dd - 1;
		static char self[4096];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		const char *tmp = getenv("TMPDIR");

		if (n <= 0)
			fail("readlink /proc/self/exe");
		self[n] = '\0';
		snprintf(fifo_path, sizeof(fifo_path), "%s/bpid1.%d.fifo",
			 tmp && *tmp ? tmp : "/tmp", (int)getpid());
		init[k++] = self;
		init[k++] = "child";
		init[k++] = argv[1];
		if (strcmp(argv[1], "orphans") == 0)
			init[k++] = argv[3];
		init[k++] = fifo_path;
		init[k] = NULL;
		if (strcmp(argv[1], "idle") == 0)
			init[k - 2] = "sleep";
	}
	unlink(fifo_path);
	if (mkfifo(fifo_path, 0600) < 0)
		fail("mkfifo");
	/* Read-write, so that opening it never blocks and EOF never comes. */
	fifo_in = open(fifo_path, O_RDWR | O_CLOEXEC);
	if (fifo_in < 0)
		fail("open fifo");

	if (strcmp(argv[1], "exec") == 0) {
		long runs = atol(argv[2]), r;

		for (r = 0; r < runs; r++) {
			start_init(init);
			t = get();
			wait_init();
			printf("exec_us\t%.3f\n",
			       (double)(t - *shared_t0) / 1e3);
		}
	} else if (strcmp(argv[1], "orphans") == 0 && dd == 4) {
		long runs = atol(argv[2]), n = atol(argv[3]), r;

		for (r = 0; r < runs; r++) {
			start_init(init);
			t = get();
			wait_init();
			printf("orphans_s\t%.0f\n",
			       (double)n / ((double)t / 1e9));
		}
	} else if (strcmp(argv[1], "signals") == 0) {
		long count = atol(argv[2]), c;

		start_init(init);
		get();
		for (c = 0; c < count; c++) {
			int64_t t0 = now_ns();

			if (kill(init_pid, SIGUSR1) < 0)
				fail("kill");
			t = get();
			printf("signal_us\t%.3f\n", (double)(t - t0) / 1e3);
		}
		stop_init();
	} else if (strcmp(argv[1], "idle") == 0) {
		double secs = atof(argv[2]);
		long long s0, c0, r0, s1, c1, r1;
		char path[64];
		struct timespec ts = { (time_t)secs,
				       (long)((secs - (time_t)secs) * 1e9) };

		start_init(init);
		get();
		nap_us(300000); /* let it settle */
		snprintf(path, sizeof(path), "/proc/%d/status", (int)init_pid);
		printf("rss_kb\t%ld\n", proc_field(path, "\nVmRSS:"));
		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup",
			 (int)init_pid);
		printf("pss_kb\t%ld\n", proc_field(path, "\nPss:"));
		sched_of(init_pid, &s0, &c0, &r0);
		nanosleep(&ts, NULL);
		sched_of(init_pid, &s1, &c1, &r1);
		printf("idle_wakeups\t%lld\nidle_ctxt\t%lld\nidle_cpu_ms\t%.3f\n",
		       s1 - s0, c1 - c0, (double)(r1 - r0) / 1e6);
		stop_init();
	} else {
		fprintf(stderr, "bpid1: unknown measurement %s\n", argv[1]);
		cleanup();
		return 2;
	}
	cleanup();
	return 0;
}
