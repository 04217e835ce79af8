/*
 * testchild: the program the integration and container tests run under
 * tend. Each subcommand does one observable thing; the tests look at its
 * exit status, at /proc from the host side, and at the lines it appends to
 * a record file. The interface is fixed (other test suites rely on it):
 *
 *   testchild record FILE [SIG=CODE]...
 *   testchild exit CODE
 *   testchild die SIG
 *   testchild sleep [--fds FILE]
 *   testchild orphans N FILE [--exit]
 *   testchild tree FILE1 FILE2 [SIG=CODE]...
 *   testchild straggler FILE [--ignore-term]
 *   testchild closefds CMD [ARG...]
 *   testchild fds
 *   testchild stamp FILE [--run MS] [--exit CODE] [--die SIG]
 *                        [--term-delay MS] [--term-exit CODE]
 *                        [--ignore-term] [--tag WORD]
 *                        [--orphans N] [--say N] [--hold PATH]
 *   testchild lines N [--tag T] [--stderr-every K] [--len L] [--exit CODE]
 *                     [--nonl TEXT] [--rec FILE]
 *   testchild longline LEN [--char C]
 *   testchild flood FILE SECONDS
 *   testchild tick MS [--tag T] [--len L]
 *   testchild listen PORT FILE [--after MS] [--hang-file PATH]
 *   testchild http PORT FILE [--after MS] [--fail-first N] [--status CODE]
 *                            [--hang-file PATH]
 *   testchild notify FILE [--delay MS] [--wait-usr1] [--status TEXT]
 *                         [--from-child | --child-exits]
 *   testchild notify-send TEXT [--rec FILE]
 *   testchild readyfd N FILE [--delay MS] [--close]
 *   testchild probe FILE [--run MS] [--ok-if PATH] [--fail-if PATH]
 *                        [--hang-if PATH] [--lock PATH]
 *   testchild netns CMD [ARG...]
 *   testchild forkbomb FILE (--cgroup DIR | --nproc) [--seconds S]
 *
 * `sleep` waits for a signal, touching neither its signal mask nor its
 * dispositions (the tests read what it inherited from /proc). With --fds
 * FILE it first writes its open fds, one line as `fds` prints them, to
 * FILE.tmp, closes it and renames it to FILE: once FILE exists, the process
 * runs testchild's own code, so its exec is complete (the kernel closes the
 * close-on-exec fds after /proc/PID/exe already names the new program), and
 * it holds no fd of its own; its fd table is then what it inherited.
 *
 * `stamp` writes timestamped lines (wall clock, ms since the epoch, like
 * bash's EPOCHREALTIME, so the tests compare them with their own clock):
 * "start PID MS" at once; "TERM PID MS" when it gets SIGTERM (and, unless
 * --ignore-term, "exit PID MS CODE" after --term-delay MS, then it exits
 * with --term-exit CODE, default 0); with --run MS (or --exit/--die alone:
 * at once) "exit PID MS CODE" and exit CODE (default 0), or with --die SIG
 * "die PID MS SIG" and death by SIG. Without --run, --exit and --die it runs
 * until a signal ends it. --tag WORD is ignored: it only marks the command
 * line. PID is the pid in the process's own namespace.
 *
 * For the soak test, three more steps come between the start line and the
 * --run time, in this order. --orphans N makes N orphans: each time a child
 * forks a grandchild and exits at once (it is reaped here); the grandchild
 * appends "orphan PID MS" (its own pid) and exits 0, adopted and reaped by
 * the reaper above, so that the orphan lines count exactly what that reaper
 * must count. Every signal is blocked meanwhile (the children inherit the
 * mask): a stop signal never cuts the batch short, it is delivered once the
 * batch is done. --say N writes N lines "say PID I/N" (I = 1..N), every
 * third one to stderr, the others to stdout, one write a line. --hold PATH:
 * while PATH exists (looked at every 20 ms) the run waits, after a "hold
 * PID MS" line, so that the test can bring every service to a standstill.
 *
 * The output modes feed tend's log multiplexer; their output is buffered
 * and written in large writes, so they are fast. Any failed write to stdout
 * or stderr ends them with a message on stderr and exit 99, or 98 when the
 * error was EAGAIN (someone made their output fd non-blocking). `%p` in a
 * tag or TEXT stands for the pid, so that each run of a restarted service
 * writes different lines.
 *
 * `lines` writes N lines "T I/N" (I = 1..N, T default "L"); with --len L
 * each is padded to exactly L bytes (newline excluded) by a space and
 * letters (byte J of the line is 'a' + (I + J) % 26), so that every line is
 * unique and a cut or a splice shows. Every K-th line (I % K == 0) goes to
 * stderr, the others to stdout, each stream in 64 KiB writes of whole
 * lines. Then --nonl TEXT is written to stdout without a newline, and it
 * exits CODE (default 0). --rec FILE: "start PID MS" is appended to FILE
 * first and "done PID MS" after the last write.
 *
 * `longline` writes one line of LEN bytes and a newline: C repeated, or by
 * default "0-9A-Za-z" cycled with a shift of one every 62 bytes (byte J is
 * that alphabet's (J + J / 62) % 62-th), so that pieces out of order show.
 *
 * `flood` appends "flags O_NONBLOCK=0|1" (of its fd 1) to FILE, writes
 * 64 KiB blocks of 64-byte lines to stdout as fast as it can for SECONDS (a
 * decimal), then appends "flags-end O_NONBLOCK=0|1" and "flood ok BYTES";
 * at the first failed write it appends "flood EAGAIN" (exit 98) or "flood
 * error ERRNO" (exit 99) instead.
 *
 * `tick` writes "T I" (I = 1, 2, ...; T default "T"; --len L pads as in
 * `lines`) to stdout every MS milliseconds, one write a line, until a
 * signal ends it.
 *
 * The readiness and health modes are what tend's probes look at. They
 * write stamp lines ("WHAT PID MS [ARG]") to FILE, "start" first; each line
 * that marks the moment a probe may succeed is written just *before* the
 * act, so that whatever tend does in answer comes after it. `listen`,
 * `http`, `notify` and `readyfd` end on SIGTERM, SIGINT, SIGHUP or SIGQUIT
 * with "NAME PID MS" (e.g. "TERM ...", as `stamp` writes it) and
 * "exit PID MS 0", and exit 0.
 *
 * `listen` waits --after MS, then listens on 127.0.0.1:PORT ("listen"
 * line), accepting and closing every connection. With --hang-file, the
 * port is closed ("close") while PATH exists and opened again ("listen")
 * when it is gone, looked at every 20 ms.
 *
 * `http` waits --after MS, listens on 127.0.0.1:PORT ("listen") and
 * answers each request (read up to its empty line) with an empty HTTP/1.0
 * response: status CODE (--status, default 503) for the first N
 * (--fail-first, default 0), 200 afterwards; "answer PID MS CODE" before
 * each. A request that completes while --hang-file PATH exists is never
 * answered ("hang"): the connection is held until the client closes it.
 * When PATH holds a number N, only the next N requests are held: N counts
 * down in the file, which is removed at 0.
 *
 * `notify` waits --delay MS and, with --wait-usr1, for SIGUSR1, then sends
 * "READY=1" (after "STATUS=TEXT\n" with --status) to $NOTIFY_SOCKET
 * ("@NAME" is an abstract address, its leading byte a NUL), writing
 * "notify PID MS" first ("notify-error PID MS ERRNO" when it fails); with
 * --from-child a child it forks (same session and process group) does so,
 * so PID is the child's, and then waits for a stop signal; with
 * --child-exits the child exits at once and is reaped (as systemd-notify
 * run by a service's script would). Each SIGUSR2 afterwards sends
 * "STOPPING=1" ("stopping" first). `notify-send` sends TEXT to
 * $NOTIFY_SOCKET once and exits 0 (1 on failure), writing "sent PID MS" to
 * FILE first with --rec.
 *
 * `readyfd` waits --delay MS, writes "readyfd" and a newline on fd N and
 * keeps the fd open ("readyfd-error PID MS ERRNO" when the write fails);
 * with --close it writes "closed" and closes fd N without writing to it.
 *
 * `probe` is a probe command: it writes "probe PID MS uid=UID cwd=CWD
 * var=V" (V: $TEND_PROBE_VAR, "-" when unset), after "probe-overlap PID MS"
 * when --lock PATH is given and another process holds a flock(2) on PATH
 * (each takes it for its whole life: two probes at once show); while
 * --hang-if PATH exists it writes "probe-hang" and waits to be killed;
 * else after --run MS it writes "probe-end PID MS CODE" and exits CODE: 1
 * when --ok-if PATH is missing or --fail-if PATH exists, else 0. A
 * --fail-if file that holds a number N fails only the next N runs, as the
 * hang file of `http` does.
 *
 * `netns` runs CMD in a new network namespace whose loopback is up, so
 * that the tests' ports never clash with anything else on the machine.
 *
 * `forkbomb` forks without end, for the fault tests, and only inside a
 * limit it checks first (else it exits 2 before any fork): with --cgroup
 * DIR, DIR/pids.max must hold a number no larger than 1024 and DIR's
 * cgroup.procs must list this process; with --nproc, the process must be
 * unprivileged (not root, no effective capability) with an RLIMIT_NPROC
 * no larger than 1024. It writes "start PID MS" to FILE; then every process
 * of the bomb forks again and again, each child doing the same for 10 to
 * 110 ms before it exits without reaping its own children (they become
 * orphans for the reaper above); only the first process reaps its
 * children, and it never exits on its own. A failed fork is retried after
 * 5 ms; the first one the first process sees writes "limit PID MS ERRNO".
 * With --seconds S every process of the bomb exits S seconds after the
 * start, whatever happens. Signals keep their default actions.
 *
 * Record files are opened, written with a single write(2) in O_APPEND mode
 * and closed for each line, so that concurrent writers never interleave
 * inside a line and the recording process keeps no fd of its own open
 * (the tests check the child's fd table).
 */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROG "testchild"

/* Short names (no SIG prefix), filled in before any handler is installed so
 * that the handlers only read them. */
static char sig_names[NSIG][16];

/* Exit code per signal for `record`; -1: record and keep running. */
static int sig_exit[NSIG];

/* The file the handlers append to. Set before the handlers are installed. */
static const char *record_path;

static void usage(void) __attribute__((noreturn));
static void die_msg(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

static void usage(void)
{
	fprintf(stderr,
		"usage: " PROG " record FILE [SIG=CODE]...\n"
		"       " PROG " exit CODE\n"
		"       " PROG " die SIG\n"
		"       " PROG " sleep [--fds FILE]\n"
		"       " PROG " orphans N FILE [--exit]\n"
		"       " PROG " tree FILE1 FILE2 [SIG=CODE]...\n"
		"       " PROG " straggler FILE [--ignore-term]\n"
		"       " PROG " closefds CMD [ARG...]\n"
		"       " PROG " fds\n"
		"       " PROG
		" stamp FILE [--run MS] [--exit CODE] [--die SIG]\n"
		"                 [--term-delay MS] [--term-exit CODE] [--ignore-term] [--tag WORD]\n"
		"                 [--orphans N] [--say N] [--hold PATH]\n"
		"       " PROG
		" lines N [--tag T] [--stderr-every K] [--len L] [--exit CODE]\n"
		"                 [--nonl TEXT] [--rec FILE]\n"
		"       " PROG " longline LEN [--char C]\n"
		"       " PROG " flood FILE SECONDS\n"
		"       " PROG " tick MS [--tag T] [--len L]\n"
		"       " PROG
		" listen PORT FILE [--after MS] [--hang-file PATH]\n"
		"       " PROG
		" http PORT FILE [--after MS] [--fail-first N] [--status CODE]\n"
		"                 [--hang-file PATH]\n"
		"       " PROG
		" notify FILE [--delay MS] [--wait-usr1] [--status TEXT]\n"
		"                 [--from-child | --child-exits]\n"
		"       " PROG " notify-send TEXT [--rec FILE]\n"
		"       " PROG " readyfd N FILE [--delay MS] [--close]\n"
		"       " PROG
		" probe FILE [--run MS] [--ok-if PATH] [--fail-if PATH]\n"
		"                 [--hang-if PATH] [--lock PATH]\n"
		"       " PROG " netns CMD [ARG...]\n"
		"       " PROG
		" forkbomb FILE (--cgroup DIR | --nproc) [--seconds S]\n");
	exit(2);
}

static void die_msg(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static const struct {
	int num;
	const char *name;
} std_names[] = {
	{ SIGHUP, "HUP" },	 { SIGINT, "INT" },   { SIGQUIT, "QUIT" },
	{ SIGILL, "ILL" },	 { SIGTRAP, "TRAP" }, { SIGABRT, "ABRT" },
	{ SIGBUS, "BUS" },	 { SIGFPE, "FPE" },   { SIGKILL, "KILL" },
	{ SIGUSR1, "USR1" },	 { SIGSEGV, "SEGV" }, { SIGUSR2, "USR2" },
	{ SIGPIPE, "PIPE" },	 { SIGALRM, "ALRM" }, { SIGTERM, "TERM" },
#ifdef SIGSTKFLT
	{ SIGSTKFLT, "STKFLT" },
#endif
	{ SIGCHLD, "CHLD" },	 { SIGCONT, "CONT" }, { SIGSTOP, "STOP" },
	{ SIGTSTP, "TSTP" },	 { SIGTTIN, "TTIN" }, { SIGTTOU, "TTOU" },
	{ SIGURG, "URG" },	 { SIGXCPU, "XCPU" }, { SIGXFSZ, "XFSZ" },
	{ SIGVTALRM, "VTALRM" }, { SIGPROF, "PROF" }, { SIGWINCH, "WINCH" },
	{ SIGIO, "IO" },
#ifdef SIGPWR
	{ SIGPWR, "PWR" },
#endif
	{ SIGSYS, "SYS" },
};

/* Names as bash's `kill -l` prints them: RTMIN, RTMIN+1 ... RTMIN+15,
 * RTMAX-14 ... RTMAX-1, RTMAX (for glibc's 34..64). */
static void init_sig_names(void)
{
	int rtmin = SIGRTMIN, rtmax = SIGRTMAX;

	for (int s = 1; s < NSIG; s++)
		snprintf(sig_names[s], sizeof(sig_names[s]), "%d", s);
	for (size_t i = 0; i < sizeof(std_names) / sizeof(std_names[0]); i++)
		snprintf(sig_names[std_names[i].num], sizeof(sig_names[0]),
			 "%s", std_names[i].name);
	for (int s = rtmin; s <= rtmax && s < NSIG; s++) {
		if (s == rtmin)
			snprintf(sig_names[s], sizeof(sig_names[s]), "RTMIN");
		else if (s == rtmax)
			snprintf(sig_names[s], sizeof(sig_names[s]), "RTMAX");
		else if (s <= (rtmin + rtmax) / 2)
			snprintf(sig_names[s], sizeof(sig_names[s]), "RTMIN+%d",
				 s - rtmin);
		else
			snprintf(sig_names[s], sizeof(sig_names[s]), "RTMAX-%d",
				 rtmax - s);
	}
}

/* Parses "TERM", "SIGTERM", "term", "15", "RTMIN+3", "SIGRTMAX-2".
 * Returns the number or -1. */
static int parse_signal(const char *s)
{
	char *end;
	long n;

	if (isdigit((unsigned char)s[0])) {
		errno = 0;
		n = strtol(s, &end, 10);
		if (errno != 0 || *end != '\0' || n < 1 || n >= NSIG)
			return -1;
		return (int)n;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(std_names) / sizeof(std_names[0]); i++)
		if (strcasecmp(s, std_names[i].name) == 0)
			return std_names[i].num;
	if (strncasecmp(s, "RTMIN", 5) == 0 ||
	    strncasecmp(s, "RTMAX", 5) == 0) {
		int base = strncasecmp(s, "RTMIN", 5) == 0 ? SIGRTMIN
							   : SIGRTMAX;
		int sig;

		s += 5;
		if (*s == '\0')
			return base;
		if (*s != '+' && *s != '-')
			return -1;
		if (!isdigit((unsigned char)s[1]))
			return -1;
		errno = 0;
		n = strtol(s + 1, &end, 10);
		if (errno != 0 || *end != '\0' || n > NSIG)
			return -1;
		sig = *s == '+' ? base + (int)n : base - (int)n;
		if (sig < SIGRTMIN || sig > SIGRTMAX)
			return -1;
		return sig;
	}
	return -1;
}

static int parse_int(const char *s, long min, long max, const char *what)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < min || n > max)
		die_msg("bad %s: '%s'", what, s);
	return (int)n;
}

/* Appends buf (one line, newline included) with a single write. Async-
 * signal-safe: open/write/close only. Keeps errno. */
static void append_line(const char *path, const char *buf, size_t len)
{
	int saved = errno;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	if (fd >= 0) {
		ssize_t r;

		do
			r = write(fd, buf, len);
		while (r < 0 && errno == EINTR);
		close(fd);
	}
	errno = saved;
}

static void record_handler(int sig)
{
	char line[32];
	size_t n = 0;

	for (const char *p = sig_names[sig]; *p != '\0' && n < sizeof(line) - 1;
	     p++)
		line[n++] = *p;
	line[n++] = '\n';
	append_line(record_path, line, n);
	if (sig_exit[sig] >= 0)
		_exit(sig_exit[sig]);
}

static int can_catch(int sig)
{
	if (sig == SIGKILL || sig == SIGSTOP)
		return 0;
	/* glibc reserves the signals between the classic ones and SIGRTMIN
	 * (32 and 33) for its threads implementation. */
	if (sig > 31 && sig < SIGRTMIN)
		return 0;
	return 1;
}

/* Parses the SIG=CODE arguments into sig_exit. */
static void parse_exit_specs(int argc, char **argv)
{
	for (int s = 0; s < NSIG; s++)
		sig_exit[s] = -1;
	for (int i = 0; i < argc; i++) {
		char spec[64];
		char *eq;
		int sig;

		if (strlen(argv[i]) >= sizeof(spec))
			die_msg("bad SIG=CODE: '%s'", argv[i]);
		strcpy(spec, argv[i]);
		eq = strchr(spec, '=');
		if (eq == NULL)
			die_msg("bad SIG=CODE: '%s'", argv[i]);
		*eq = '\0';
		sig = parse_signal(spec);
		if (sig < 0 || !can_catch(sig))
			die_msg("bad signal in '%s'", argv[i]);
		sig_exit[sig] = parse_int(eq + 1, 0, 255, "exit code");
	}
}

/* Installs the recording handler for every catchable signal, then writes
 * `ready PID`. Every signal is blocked while a handler runs, so that the
 * lines of two signals never race for the file. */
static void start_recording(const char *path)
{
	struct sigaction sa;
	char line[64];
	int n;

	record_path = path;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = record_handler;
	sigfillset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (int s = 1; s < NSIG; s++) {
		if (!can_catch(s))
			continue;
		if (sigaction(s, &sa, NULL) < 0)
			die_msg("sigaction %d: %s", s, strerror(errno));
	}
	n = snprintf(line, sizeof(line), "ready %ld\n", (long)getpid());
	append_line(path, line, (size_t)n);
}

static void wait_forever(void) __attribute__((noreturn));

static void wait_forever(void)
{
	for (;;)
		pause();
}

static int cmd_record(int argc, char **argv)
{
	if (argc < 1)
		usage();
	parse_exit_specs(argc - 1, argv + 1);
	start_recording(argv[0]);
	wait_forever();
}

static int cmd_exit(int argc, char **argv)
{
	if (argc != 1)
		usage();
	exit(parse_int(argv[0], 0, 255, "exit code"));
}

static int cmd_die(int argc, char **argv)
{
	sigset_t set;
	int sig;

	if (argc != 1)
		usage();
	sig = parse_signal(argv[0]);
	if (sig < 0)
		die_msg("bad signal: '%s'", argv[0]);
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	/* Still here: the default action of SIG is not to terminate. */
	die_msg("signal %s did not kill me", argv[0]);
}

/* Reaps one direct child; blocks when `block`. Returns 1 if one was reaped. */
static int reap_one(int block)
{
	pid_t pid;

	do
		pid = waitpid(-1, NULL, block ? 0 : WNOHANG);
	while (pid < 0 && errno == EINTR);
	return pid > 0;
}

static int cmd_orphans(int argc, char **argv)
{
	/* Children not yet reaped; bounded so the fork rate is not limited by
	 * waiting for each one, nor the process table filled by us. */
	enum {
		MAX_PENDING = 64
	};
	int n, exit_after = 0, pending = 0;
	char line[64];
	int len;

	if (argc == 3 && strcmp(argv[2], "--exit") == 0)
		exit_after = 1;
	else if (argc != 2)
		usage();
	n = parse_int(argv[0], 0, INT_MAX, "count");

	for (int i = 0; i < n; i++) {
		pid_t pid;

		while (pending >= MAX_PENDING) {
			reap_one(1);
			pending--;
		}
		pid = fork();
		if (pid < 0) {
			if ((errno == EAGAIN || errno == ENOMEM) &&
			    pending > 0) {
				reap_one(1);
				pending--;
				i--;
				continue;
			}
			die_msg("fork: %s", strerror(errno));
		}
		if (pid == 0) {
			/* The grandchild exits at once and, its parent being
			 * gone, becomes a zombie of the reaper above us. */
			if (fork() == 0)
				_exit(0);
			_exit(0);
		}
		pending++;
		while (pending > 0 && reap_one(0))
			pending--;
	}
	while (pending > 0) {
		if (!reap_one(1))
			break;
		pending--;
	}

	len = snprintf(line, sizeof(line), "orphans %d\n", n);
	append_line(argv[1], line, (size_t)len);
	if (exit_after)
		exit(0);
	wait_forever();
}

/* Blocks until the other end of the pipe is closed or written to. */
static void wait_pipe(int fd)
{
	char c;
	ssize_t r;

	do
		r = read(fd, &c, 1);
	while (r < 0 && errno == EINTR);
	close(fd);
}

/*
 * Forks a child that records to path (start_recording), in a session of
 * its own with new_session, in this process group otherwise, then waits
 * forever; returns once the child is ready.
 */
static void fork_recorder(const char *path, int new_session)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		die_msg("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		if (new_session && setsid() < 0)
			die_msg("setsid: %s", strerror(errno));
		start_recording(path);
		close(p[1]);
		wait_forever();
	}
	close(p[1]);
	wait_pipe(p[0]);
}

static int cmd_tree(int argc, char **argv)
{
	if (argc < 2)
		usage();
	parse_exit_specs(argc - 2, argv + 2);
	/* The parent says ready only once the grandchild is, so a test that
	 * waits for FILE1's ready line may signal the whole group. */
	fork_recorder(argv[1], 0);
	start_recording(argv[0]);
	wait_forever();
}

static int cmd_straggler(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--ignore-term") == 0) {
		parse_exit_specs(0, NULL);
	} else if (argc == 1) {
		parse_exit_specs(0, NULL);
		sig_exit[SIGTERM] = 0;
	} else {
		usage();
	}
	fork_recorder(argv[0], 1);
	exit(0);
}

static void close_from_3(void)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
		return;
#endif
	{
		DIR *d = opendir("/proc/self/fd");
		int fds[1024], nfds = 0;
		struct dirent *e;

		if (d == NULL) {
			for (int fd = 3; fd < 65536; fd++)
				close(fd);
			return;
		}
		while ((e = readdir(d)) != NULL && nfds < 1024) {
			int fd = atoi(e->d_name);

			if (e->d_name[0] != '.' && fd >= 3 && fd != dirfd(d))
				fds[nfds++] = fd;
		}
		closedir(d);
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
	}
}

static int cmd_closefds(int argc, char **argv)
{
	if (argc < 1)
		usage();
	close_from_3();
	execvp(argv[0], argv);
	fprintf(stderr, PROG ": exec %s: %s\n", argv[0], strerror(errno));
	exit(errno == ENOENT ? 127 : 126);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* This process's open fds (but the one that reads the list), sorted, as a
 * line "0 1 2\n" in buf. */
static void fds_line(char *buf, size_t cap)
{
	int fds[4096], nfds = 0;
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (d == NULL)
		die_msg("/proc/self/fd: %s", strerror(errno));
	while ((e = readdir(d)) != NULL && nfds < 4096) {
		if (e->d_name[0] == '.')
			continue;
		if (atoi(e->d_name) == dirfd(d))
			continue;
		fds[nfds++] = atoi(e->d_name);
	}
	closedir(d);
	qsort(fds, (size_t)nfds, sizeof(fds[0]), cmp_int);
	buf[0] = '\0';
	for (int i = 0; i < nfds && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%d", i ? " " : "",
				      fds[i]);
	if (n + 2 > cap)
		die_msg("too many fds for a line");
	buf[n++] = '\n';
	buf[n] = '\0';
}

static int cmd_fds(int argc, char **argv)
{
	char line[256], fdl[16384];
	FILE *f;

	(void)argv;
	if (argc != 0)
		usage();
	fds_line(fdl, sizeof(fdl));
	fputs(fdl, stdout);

	f = fopen("/proc/self/status", "re");
	if (f == NULL)
		die_msg("/proc/self/status: %s", strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "SigBlk:", 7) == 0 ||
		    strncmp(line, "SigIgn:", 7) == 0)
			fputs(line, stdout);
	fclose(f);
	if (fflush(stdout) != 0)
		exit(1);
	exit(0);
}

static int cmd_sleep(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[0], "--fds") == 0) {
		char fdl[16384], tmp[PATH_MAX];
		size_t len;
		ssize_t r;
		int fd;

		/* Listed before FILE.tmp is opened, which is closed before
		 * FILE appears. */
		fds_line(fdl, sizeof(fdl));
		len = strlen(fdl);
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]) >=
		    sizeof(tmp))
			die_msg("path too long: %s", argv[1]);
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			die_msg("%s: %s", tmp, strerror(errno));
		do
			r = write(fd, fdl, len);
		while (r < 0 && errno == EINTR);
		if (r != (ssize_t)len || close(fd) < 0)
			die_msg("%s: cannot write", tmp);
		if (rename(tmp, argv[1]) < 0)
			die_msg("rename %s: %s", tmp, strerror(errno));
	} else if (argc != 0) {
		usage();
	}
	/* Touches neither dispositions nor mask: the tests read what this
	 * process inherited from /proc. */
	wait_forever();
}

/* What `stamp` does on SIGTERM; set before its handler is installed. */
static struct {
	const char *path;
	int ignore_term;
	long term_delay_ms;
	int term_exit;
} stamp_opt;

/* Wall clock in ms. clock_gettime is async-signal-safe. */
static long long wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Appends the decimal form of v to buf at *n. Async-signal-safe. */
static void put_num(char *buf, size_t *n, long long v)
{
	char tmp[24];
	size_t k = 0;

	if (v < 0) {
		buf[(*n)++] = '-';
		v = -v;
	}
	do
		tmp[k++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	while (k > 0)
		buf[(*n)++] = tmp[--k];
}

/* Appends "WHAT PID MS[ EXTRA]\n" to the stamp file. Async-signal-safe. */
static void stamp_line(const char *what, const char *extra, long long extra_num,
		       int with_num)
{
	char line[128];
	size_t n = 0;

	for (const char *p = what; *p != '\0'; p++)
		line[n++] = *p;
	line[n++] = ' ';
	put_num(line, &n, (long long)getpid());
	line[n++] = ' ';
	put_num(line, &n, wall_ms());
	if (extra != NULL) {
		line[n++] = ' ';
		for (const char *p = extra; *p != '\0' && n < sizeof(line) - 2;
		     p++)
			line[n++] = *p;
	} else if (with_num) {
		line[n++] = ' ';
		put_num(line, &n, extra_num);
	}
	line[n++] = '\n';
	append_line(stamp_opt.path, line, n);
}

/* Sleeps ms milliseconds of the monotonic clock, whatever interrupts it. */
static void sleep_ms(long ms)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) !=
	       0)
		;
}

static void stamp_term(int sig)
{
	(void)sig;
	stamp_line("TERM", NULL, 0, 0);
	if (stamp_opt.ignore_term)
		return;
	if (stamp_opt.term_delay_ms > 0)
		sleep_ms(stamp_opt.term_delay_ms);
	stamp_line("exit", NULL, stamp_opt.term_exit, 1);
	_exit(stamp_opt.term_exit);
}

static void write_out(int fd, const char *buf, size_t len);
static int exists(const char *path);

/* `stamp --orphans N`: see the header. */
static void stamp_orphans(int n)
{
	sigset_t all, old;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die_msg("fork: %s", strerror(errno));
		if (pid == 0) {
			pid_t g = fork();

			if (g == 0) {
				stamp_line("orphan", NULL, 0, 0);
				_exit(0);
			}
			_exit(g < 0 ? 1 : 0);
		}
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* `stamp --say N`: see the header. */
static void stamp_say(int n)
{
	char line[64];

	for (int i = 1; i <= n; i++) {
		int len = snprintf(line, sizeof(line), "say %ld %d/%d\n",
				   (long)getpid(), i, n);

		write_out(i % 3 == 0 ? 2 : 1, line, (size_t)len);
	}
}

static int cmd_stamp(int argc, char **argv)
{
	struct sigaction sa;
	const char *hold = NULL;
	long run_ms = -1;
	int code = 0, die_sig = 0, ends = 0, orphans = 0, say = 0;

	if (argc < 1)
		usage();
	stamp_opt.path = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (strcmp(o, "--ignore-term") == 0) {
			stamp_opt.ignore_term = 1;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (strcmp(o, "--run") == 0) {
			run_ms = parse_int(argv[++i], 0, INT_MAX, "run time");
		} else if (strcmp(o, "--exit") == 0) {
			code = parse_int(argv[++i], 0, 255, "exit code");
			ends = 1;
		} else if (strcmp(o, "--die") == 0) {
			die_sig = parse_signal(argv[++i]);
			if (die_sig < 0)
				die_msg("bad signal: '%s'", argv[i]);
			ends = 1;
		} else if (strcmp(o, "--term-delay") == 0) {
			stamp_opt.term_delay_ms =
				parse_int(argv[++i], 0, INT_MAX, "term delay");
		} else if (strcmp(o, "--term-exit") == 0) {
			stamp_opt.term_exit =
				parse_int(argv[++i], 0, 255, "exit code");
		} else if (strcmp(o, "--tag") == 0) {
			i++;
		} else if (strcmp(o, "--orphans") == 0) {
			orphans = parse_int(argv[++i], 0, 10000, "count");
		} else if (strcmp(o, "--say") == 0) {
			say = parse_int(argv[++i], 0, INT_MAX, "count");
		} else if (strcmp(o, "--hold") == 0) {
			hold = argv[++i];
		} else {
			usage();
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stamp_term;
	sigfillset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGTERM, &sa, NULL) < 0)
		die_msg("sigaction: %s", strerror(errno));
	stamp_line("start", NULL, 0, 0);
	stamp_orphans(orphans);
	stamp_say(say);
	if (exists(hold)) {
		stamp_line("hold", NULL, 0, 0);
		while (exists(hold))
			sleep_ms(20);
	}
	if (run_ms < 0 && !ends)
		wait_forever();
	if (run_ms > 0)
		sleep_ms(run_ms);
	if (die_sig > 0) {
		char name[16];
		sigset_t set;

		snprintf(name, sizeof(name), "%s", sig_names[die_sig]);
		/* No TERM line may come after the die line. */
		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_BLOCK, &set, NULL);
		stamp_line("die", name, 0, 0);
		signal(die_sig, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, die_sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(die_sig);
		die_msg("signal %s did not kill me", name);
	}
	{
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_BLOCK, &set, NULL);
	}
	stamp_line("exit", NULL, code, 1);
	/*
	 * _exit: under LeakSanitizer, exit() stops the world with ptrace, and
	 * the SIGCONT tend sends with a stop signal cancels the SIGSTOP of that
	 * attach: the process would then hang until SIGKILL.
	 */
	_exit(code);
}

/* Writes all of buf to fd. A failure ends the process: 98 for EAGAIN (the
 * fd was made non-blocking under us), 99 for any other error. */
static void write_out(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t r = write(fd, buf, len);
		int e;

		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0) {
			buf += r;
			len -= (size_t)r;
			continue;
		}
		e = r < 0 ? errno : EIO;
		fprintf(stderr, PROG ": write to fd %d: %s\n", fd, strerror(e));
		_exit(e == EAGAIN ? 98 : 99);
	}
}

/* An output stream buffered so that each write(2) holds 64 KiB of whole
 * lines: fast, and a process killed between two writes leaves no half
 * line behind. */
struct outbuf {
	int fd;
	size_t len;
	char buf[65536];
};

static void outbuf_flush(struct outbuf *o)
{
	write_out(o->fd, o->buf, o->len);
	o->len = 0;
}

static void outbuf_put(struct outbuf *o, const char *s, size_t n)
{
	if (o->len + n > sizeof(o->buf))
		outbuf_flush(o);
	if (n > sizeof(o->buf)) {
		write_out(o->fd, s, n);
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* s with every "%p" replaced by our pid (malloc'd). */
static char *expand_pid(const char *s)
{
	char pid[24], *r;
	size_t plen, n = 0;

	plen = (size_t)snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	/* Each byte of s becomes at most plen bytes ("%p": 2 -> plen). */
	r = malloc(strlen(s) * plen + 1);
	if (r == NULL)
		die_msg("out of memory");
	while (*s != '\0') {
		if (s[0] == '%' && s[1] == 'p') {
			memcpy(r + n, pid, plen);
			n += plen;
			s += 2;
		} else {
			r[n++] = *s++;
		}
	}
	r[n] = '\0';
	return r;
}

/* Line i of `lines` (of n; n == 0: a `tick` line) into buf, its newline
 * included; returns its length. buf holds max(len, strlen(tag) + 48) + 2
 * bytes. */
static size_t format_line(char *buf, size_t cap, const char *tag, long i,
			  long n, long len)
{
	size_t k;
	int h;

	if (n > 0)
		h = snprintf(buf, cap, "%s %ld/%ld", tag, i, n);
	else
		h = snprintf(buf, cap, "%s %ld", tag, i);
	k = (size_t)h;
	if ((long)k < len) {
		buf[k++] = ' ';
		while ((long)k < len) {
			buf[k] = (char)('a' + (i + (long)k) % 26);
			k++;
		}
	}
	buf[k++] = '\n';
	return k;
}

static char *line_buffer(const char *tag, long len, size_t *cap)
{
	size_t need = strlen(tag) + 48;
	char *buf;

	if ((size_t)len > need)
		need = (size_t)len;
	*cap = need + 2;
	buf = malloc(*cap);
	if (buf == NULL)
		die_msg("out of memory");
	return buf;
}

static int cmd_lines(int argc, char **argv)
{
	static struct outbuf out[2] = { { .fd = 1 }, { .fd = 2 } };
	const char *tag = "L", *nonl = NULL, *rec = NULL;
	long n, every = 0, len = 0;
	int code = 0;
	char *line, *tg;
	size_t cap;

	if (argc < 1)
		usage();
	n = parse_int(argv[0], 0, INT_MAX, "count");
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (i + 1 >= argc)
			usage();
		if (strcmp(o, "--tag") == 0)
			tag = argv[++i];
		else if (strcmp(o, "--stderr-every") == 0)
			every = parse_int(argv[++i], 0, INT_MAX,
					  "stderr-every");
		else if (strcmp(o, "--len") == 0)
			len = parse_int(argv[++i], 0, INT_MAX, "length");
		else if (strcmp(o, "--exit") == 0)
			code = parse_int(argv[++i], 0, 255, "exit code");
		else if (strcmp(o, "--nonl") == 0)
			nonl = argv[++i];
		else if (strcmp(o, "--rec") == 0)
			rec = argv[++i];
		else
			usage();
	}
	tg = expand_pid(tag);
	line = line_buffer(tg, len, &cap);
	stamp_opt.path = rec;
	if (rec != NULL)
		stamp_line("start", NULL, 0, 0);
	for (long i = 1; i <= n; i++) {
		size_t k = format_line(line, cap, tg, i, n, len);

		outbuf_put(&out[every > 0 && i % every == 0], line, k);
	}
	outbuf_flush(&out[0]);
	outbuf_flush(&out[1]);
	if (nonl != NULL) {
		char *t = expand_pid(nonl);

		write_out(1, t, strlen(t));
	}
	if (rec != NULL)
		stamp_line("done", NULL, 0, 0);
	/* _exit: see cmd_stamp. */
	_exit(code);
}

static int cmd_longline(int argc, char **argv)
{
	static const char alnum[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	int c = -1;
	long len;
	char *buf;

	if (argc == 3 && strcmp(argv[1], "--char") == 0 && argv[2][0] != '\0')
		c = (unsigned char)argv[2][0];
	else if (argc != 1)
		usage();
	len = parse_int(argv[0], 0, INT_MAX, "length");
	buf = malloc((size_t)len + 1);
	if (buf == NULL)
		die_msg("out of memory");
	for (long j = 0; j < len; j++)
		buf[j] = c >= 0 ? (char)c : alnum[(j + j / 62) % 62];
	buf[len] = '\n';
	write_out(1, buf, (size_t)len + 1);
	_exit(0);
}

/* Appends "WHAT O_NONBLOCK=0|1" (of fd 1 now) to path. */
static void flood_flags(const char *path, const char *what)
{
	char line[64];
	int fl = fcntl(1, F_GETFL), n;

	if (fl < 0)
		n = snprintf(line, sizeof(line), "%s error %d\n", what, errno);
	else
		n = snprintf(line, sizeof(line), "%s O_NONBLOCK=%d\n", what,
			     (fl & O_NONBLOCK) != 0);
	append_line(path, line, (size_t)n);
}

static int cmd_flood(int argc, char **argv)
{
	static char block[65536];
	struct timespec now, end;
	long long bytes = 0;
	char line[64], *e;
	double secs;
	int n;

	if (argc != 2)
		usage();
	secs = strtod(argv[1], &e);
	if (e == argv[1] || *e != '\0' || !(secs >= 0 && secs < 1e6))
		die_msg("bad seconds: '%s'", argv[1]);
	flood_flags(argv[0], "flags");
	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = (i + 1) % 64 == 0 ? '\n' : 'f';
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += (time_t)secs;
	end.tv_nsec += (long)((secs - (double)(time_t)secs) * 1e9);
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	for (;;) {
		size_t off = 0;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			break;
		while (off < sizeof(block)) {
			ssize_t r = write(1, block + off, sizeof(block) - off);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				int err = r < 0 ? errno : EIO;

				if (err == EAGAIN)
					n = snprintf(line, sizeof(line),
						     "flood EAGAIN\n");
				else
					n = snprintf(line, sizeof(line),
						     "flood error %d\n", err);
				append_line(argv[0], line, (size_t)n);
				_exit(err == EAGAIN ? 98 : 99);
			}
			off += (size_t)r;
			bytes += r;
		}
	}
	flood_flags(argv[0], "flags-end");
	n = snprintf(line, sizeof(line), "flood ok %lld\n", bytes);
	append_line(argv[0], line, (size_t)n);
	_exit(0);
}

static int cmd_tick(int argc, char **argv)
{
	const char *tag = "T";
	long ms, len = 0;
	char *line, *tg;
	size_t cap;

	if (argc < 1)
		usage();
	ms = parse_int(argv[0], 0, INT_MAX, "interval");
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--tag") == 0)
			tag = argv[++i];
		else if (strcmp(argv[i], "--len") == 0)
			len = parse_int(argv[++i], 0, INT_MAX, "length");
		else
			usage();
	}
	tg = expand_pid(tag);
	line = line_buffer(tg, len, &cap);
	for (long i = 1;; i++) {
		write_out(1, line, format_line(line, cap, tg, i, 0, len));
		if (ms > 0)
			sleep_ms(ms);
	}
}

/* ---- readiness and health: what tend's probes look at ---- */

/* The server modes' stop signals: "NAME PID MS" (as stamp's "TERM PID MS"),
 * then "exit PID MS 0" and exit 0. */
static void server_sig(int sig)
{
	stamp_line(sig_names[sig], NULL, 0, 0);
	stamp_line("exit", NULL, 0, 1);
	_exit(0);
}

static void server_signals(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = server_sig;
	sigfillset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			die_msg("sigaction: %s", strerror(errno));
}

static int exists(const char *path)
{
	return path != NULL && access(path, F_OK) == 0;
}

/* A socket bound to 127.0.0.1:port, not listening yet: a connect to it is
 * refused until listen(2), which the caller does after its stamp. */
static int tcp_bound(int port)
{
	struct sockaddr_in sa;
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die_msg("socket: %s", strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die_msg("bind 127.0.0.1:%d: %s", port, strerror(errno));
	return fd;
}

/* The "listen" line is written before listen(2): whoever connected
 * successfully did so after it. */
static int tcp_listen(int port)
{
	int fd = tcp_bound(port);

	stamp_line("listen", NULL, 0, 0);
	if (listen(fd, 64) < 0)
		die_msg("listen: %s", strerror(errno));
	return fd;
}

/* What `listen` and `http` are told: PORT FILE [OPTION VALUE...]. */
struct server_opts {
	int port;
	long after;	  /* --after MS */
	const char *hang; /* --hang-file PATH */
	long fail_first;  /* http only: --fail-first N */
	int status;	  /* http only: --status CODE */
};

/*
 * Parses the arguments of a server mode (http: the options of `http` too),
 * the record file into stamp_opt.path; -1 when they are wrong.
 */
static int server_args(int argc, char **argv, int http, struct server_opts *o)
{
	if (argc < 2)
		return -1;
	o->port = parse_int(argv[0], 1, 65535, "port");
	o->after = 0;
	o->hang = NULL;
	o->fail_first = 0;
	o->status = 503;
	stamp_opt.path = argv[1];
	for (int i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			return -1;
		if (strcmp(argv[i], "--after") == 0)
			o->after = parse_int(argv[++i], 0, INT_MAX, "delay");
		else if (strcmp(argv[i], "--hang-file") == 0)
			o->hang = argv[++i];
		else if (http && strcmp(argv[i], "--fail-first") == 0)
			o->fail_first =
				parse_int(argv[++i], 0, INT_MAX, "count");
		else if (http && strcmp(argv[i], "--status") == 0)
			o->status = parse_int(argv[++i], 100, 599, "status");
		else
			return -1;
	}
	return 0;
}

/* A server starts: its stop signals, the "start" line, the --after delay. */
static void server_start(const struct server_opts *o)
{
	server_signals();
	stamp_line("start", NULL, 0, 0);
	if (o->after > 0)
		sleep_ms(o->after);
}

static int cmd_listen(int argc, char **argv)
{
	struct server_opts o;
	int lfd = -1;

	if (server_args(argc, argv, 0, &o) < 0)
		usage();
	server_start(&o);
	for (;;) {
		struct pollfd p;
		int down = exists(o.hang);

		if (down && lfd >= 0) {
			stamp_line("close", NULL, 0, 0);
			close(lfd);
			lfd = -1;
		} else if (!down && lfd < 0) {
			lfd = tcp_listen(o.port);
		}
		p.fd = lfd;
		p.events = POLLIN;
		p.revents = 0;
		/* With a hang file, looked at every 20 ms. */
		if (poll(&p, 1, o.hang != NULL ? 20 : -1) > 0 &&
		    (p.revents & POLLIN)) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0)
				close(c);
		}
	}
}

/* 1 when path exists, empty (for good) or holding a number N: then N
 * counts down in the file, which is removed at 0 (N more times). */
static int count_take(const char *path)
{
	char buf[32], *end;
	long left;
	ssize_t n;
	int fd;

	if (path == NULL)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	left = strtol(buf, &end, 10);
	if (end == buf)
		return 1;
	if (left <= 1) {
		unlink(path);
	} else {
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd >= 0) {
			n = snprintf(buf, sizeof(buf), "%ld\n", left - 1);
			if (write(fd, buf, (size_t)n) != n)
				die_msg("write %s: %s", path, strerror(errno));
			close(fd);
		}
	}
	return left >= 1;
}

/* One client of `http`: its request so far; held: never answered. */
struct http_conn {
	int fd;
	int held;
	size_t len;
	char buf[2048];
};

static const char *http_reason(int code)
{
	switch (code) {
	case 200:
		return "OK";
	case 404:
		return "Not Found";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Whatever";
	}
}

static int cmd_http(int argc, char **argv)
{
	enum {
		MAX_CONNS = 64
	};
	static struct http_conn conns[MAX_CONNS];
	struct pollfd pfd[MAX_CONNS + 1];
	struct server_opts o;
	long answered = 0;
	int lfd;

	if (server_args(argc, argv, 1, &o) < 0)
		usage();
	for (int i = 0; i < MAX_CONNS; i++)
		conns[i].fd = -1;
	server_start(&o);
	lfd = tcp_listen(o.port);
	for (;;) {
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		for (int i = 0; i < MAX_CONNS; i++) {
			pfd[i + 1].fd = conns[i].fd;
			pfd[i + 1].events = POLLIN;
		}
		if (poll(pfd, MAX_CONNS + 1, -1) < 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC), i;

			for (i = 0; c >= 0 && i < MAX_CONNS && conns[i].fd >= 0;
			     i++)
				;
			if (c >= 0 && i == MAX_CONNS) {
				close(c);
			} else if (c >= 0) {
				conns[i].fd = c;
				conns[i].held = 0;
				conns[i].len = 0;
			}
		}
		for (int i = 0; i < MAX_CONNS; i++) {
			struct http_conn *k = &conns[i];
			char ans[128];
			ssize_t r;
			int code, n;

			if (k->fd < 0 || pfd[i + 1].revents == 0)
				continue;
			r = read(k->fd, k->buf + k->len,
				 k->held ? sizeof(k->buf)
					 : sizeof(k->buf) - k->len);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(k->fd);
				k->fd = -1;
				continue;
			}
			if (k->held)
				continue; /* read and dropped until the client goes */
			k->len += (size_t)r;
			if (memmem(k->buf, k->len, "\r\n\r\n", 4) == NULL &&
			    k->len < sizeof(k->buf))
				continue;
			if (count_take(o.hang)) {
				/* Kept open, never answered: the prober's
				 * attempt times out. */
				stamp_line("hang", NULL, 0, 0);
				k->held = 1;
				continue;
			}
			code = answered < o.fail_first ? o.status : 200;
			answered++;
			n = snprintf(ans, sizeof(ans),
				     "HTTP/1.0 %d %s\r\nContent-Length: 0\r\n"
				     "Connection: close\r\n\r\n",
				     code, http_reason(code));
			/* Before the answer: whoever read it did so after. */
			stamp_line("answer", NULL, code, 1);
			(void)send(k->fd, ans, (size_t)n,
				   MSG_NOSIGNAL | MSG_DONTWAIT);
			close(k->fd);
			k->fd = -1;
		}
	}
}

/* Sends text to $NOTIFY_SOCKET ("@name": an abstract address, whose first
 * byte is a NUL; "/path": a socket file). 0, or -1 with errno. */
static int notify_send(const char *text)
{
	const char *addr = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t len;
	size_t n;
	ssize_t r;
	int fd;

	if (addr == NULL || (addr[0] != '@' && addr[0] != '/')) {
		errno = EINVAL;
		return -1;
	}
	n = strlen(addr);
	if (n > sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, addr, n);
	if (addr[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	do
		r = sendto(fd, text, strlen(text), MSG_NOSIGNAL,
			   (struct sockaddr *)&sa, len);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return 0;
}

/* "notify PID MS" (the pid of the sender), then the message; on failure
 * "notify-error PID MS ERRNO". */
static int notify_stamped(const char *msg)
{
	stamp_line("notify", NULL, 0, 0);
	if (notify_send(msg) == 0)
		return 0;
	stamp_line("notify-error", NULL, errno, 1);
	return -1;
}

static int cmd_notify(int argc, char **argv)
{
	const char *status = NULL;
	int wait_usr1 = 0, from_child = 0, child_exits = 0, sig;
	long delay = 0;
	char msg[512];
	sigset_t set;

	if (argc < 1)
		usage();
	stamp_opt.path = argv[0];
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--wait-usr1") == 0) {
			wait_usr1 = 1;
			continue;
		}
		if (strcmp(argv[i], "--from-child") == 0) {
			from_child = 1;
			continue;
		}
		if (strcmp(argv[i], "--child-exits") == 0) {
			from_child = child_exits = 1;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--delay") == 0)
			delay = parse_int(argv[++i], 0, INT_MAX, "delay");
		else if (strcmp(argv[i], "--status") == 0)
			status = argv[++i];
		else
			usage();
	}
	/* Blocked from the start: one sent early waits for sigwait. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	server_signals();
	stamp_line("start", NULL, 0, 0);
	if (delay > 0)
		sleep_ms(delay);
	if (wait_usr1) {
		sigset_t one;

		sigemptyset(&one);
		sigaddset(&one, SIGUSR1);
		while (sigwait(&one, &sig) != 0)
			;
	}
	if (status != NULL)
		snprintf(msg, sizeof(msg), "STATUS=%s\nREADY=1", status);
	else
		snprintf(msg, sizeof(msg), "READY=1");
	if (from_child) {
		pid_t pid = fork();
		int ws;

		if (pid < 0)
			die_msg("fork: %s", strerror(errno));
		if (pid == 0) {
			int r = notify_stamped(msg);

			if (child_exits)
				_exit(r == 0 ? 0 : 1);
			wait_forever();
		}
		while (child_exits && waitpid(pid, &ws, 0) < 0 &&
		       errno == EINTR)
			;
	} else {
		(void)notify_stamped(msg);
	}
	for (;;) {
		if (sigwait(&set, &sig) != 0 || sig != SIGUSR2)
			continue;
		stamp_line("stopping", NULL, 0, 0);
		if (notify_send("STOPPING=1") < 0)
			stamp_line("notify-error", NULL, errno, 1);
	}
}

static int cmd_notify_send(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--rec") == 0) {
		stamp_opt.path = argv[2];
		stamp_line("sent", NULL, 0, 0);
	} else if (argc != 1) {
		usage();
	}
	if (notify_send(argv[0]) < 0) {
		fprintf(stderr, PROG ": notify-send: %s\n", strerror(errno));
		exit(1);
	}
	exit(0);
}

static int cmd_readyfd(int argc, char **argv)
{
	int fd, close_it = 0;
	long delay = 0;
	ssize_t r;

	if (argc < 2)
		usage();
	fd = parse_int(argv[0], 3, 1023, "fd");
	stamp_opt.path = argv[1];
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--close") == 0) {
			close_it = 1;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--delay") == 0)
			delay = parse_int(argv[++i], 0, INT_MAX, "delay");
		else
			usage();
	}
	server_signals();
	stamp_line("start", NULL, 0, 0);
	if (delay > 0)
		sleep_ms(delay);
	if (close_it) {
		stamp_line("closed", NULL, 0, 0);
		close(fd);
		wait_forever();
	}
	/* The fd stays open: the tests read the fd table afterwards. */
	stamp_line("readyfd", NULL, 0, 0);
	do
		r = write(fd, "\n", 1);
	while (r < 0 && errno == EINTR);
	if (r != 1)
		stamp_line("readyfd-error", NULL, r < 0 ? errno : 0, 1);
	wait_forever();
}

static int cmd_probe(int argc, char **argv)
{
	const char *ok_if = NULL, *fail_if = NULL, *hang_if = NULL;
	const char *lock = NULL;
	const char *var = getenv("TEND_PROBE_VAR");
	char line[PATH_MAX + 256], cwd[PATH_MAX];
	long run = 0;
	int code = 0, n;

	if (argc < 1)
		usage();
	stamp_opt.path = argv[0];
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--run") == 0)
			run = parse_int(argv[++i], 0, INT_MAX, "run time");
		else if (strcmp(argv[i], "--ok-if") == 0)
			ok_if = argv[++i];
		else if (strcmp(argv[i], "--fail-if") == 0)
			fail_if = argv[++i];
		else if (strcmp(argv[i], "--hang-if") == 0)
			hang_if = argv[++i];
		else if (strcmp(argv[i], "--lock") == 0)
			lock = argv[++i];
		else
			usage();
	}
	if (lock != NULL) {
		/* Held until this process is gone (killed included). */
		int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0)
			die_msg("%s: %s", lock, strerror(errno));
		if (flock(fd, LOCK_EX | LOCK_NB) < 0)
			stamp_line("probe-overlap", NULL, 0, 0);
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		snprintf(cwd, sizeof(cwd), "?");
	n = snprintf(line, sizeof(line),
		     "probe %ld %lld uid=%ld cwd=%s var=%s\n", (long)getpid(),
		     wall_ms(), (long)getuid(), cwd, var != NULL ? var : "-");
	if (n > 0 && (size_t)n < sizeof(line))
		append_line(stamp_opt.path, line, (size_t)n);
	if (exists(hang_if)) {
		stamp_line("probe-hang", NULL, 0, 0);
		wait_forever();
	}
	if (run > 0)
		sleep_ms(run);
	if ((ok_if != NULL && !exists(ok_if)) || count_take(fail_if))
		code = 1;
	stamp_line("probe-end", NULL, code, 1);
	_exit(code);
}

/* The most processes a fork bomb may be limited to. */
#define FORKBOMB_MAX 1024

/* The effective capabilities of this process are none. */
static int no_capabilities(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	int none = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "CapEff:", 7) == 0)
			none = strtoull(line + 7, NULL, 16) == 0;
	fclose(f);
	return none;
}

/* `forkbomb`: the limit that makes it safe, checked before the first fork. */
static int forkbomb_limited(const char *cgroup, int nproc)
{
	char path[PATH_MAX], line[64], *end;
	struct rlimit rl;
	FILE *f;
	long max;
	int found = 0;

	if (nproc) {
		/* RLIMIT_NPROC binds only a process without privileges. */
		if (getuid() == 0 || geteuid() == 0 || !no_capabilities() ||
		    getrlimit(RLIMIT_NPROC, &rl) < 0)
			return 0;
		return rl.rlim_cur != RLIM_INFINITY &&
		       rl.rlim_cur <= FORKBOMB_MAX;
	}
	snprintf(path, sizeof(path), "%s/pids.max", cgroup);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) == NULL) {
		fclose(f);
		return 0;
	}
	fclose(f);
	errno = 0;
	max = strtol(line, &end, 10);
	if (errno != 0 || end == line || (*end != '\n' && *end != '\0') ||
	    max < 0 || max > FORKBOMB_MAX)
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (atol(line) == (long)getpid())
			found = 1;
	fclose(f);
	return found;
}

static int cmd_forkbomb(int argc, char **argv)
{
	const char *cgroup = NULL;
	long long end = 0, born, life = 0;
	pid_t first = getpid();
	unsigned seed = (unsigned)first;
	int nproc = 0, limited = 0;

	if (argc < 1)
		usage();
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cgroup") == 0 && i + 1 < argc)
			cgroup = argv[++i];
		else if (strcmp(argv[i], "--nproc") == 0)
			nproc = 1;
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			end = parse_int(argv[++i], 1, 86400, "seconds");
		else
			usage();
	}
	if ((cgroup == NULL) == !nproc)
		usage();
	stamp_opt.path = argv[0];
	if (!forkbomb_limited(cgroup, nproc))
		die_msg("forkbomb: no pids limit of at most %d in place: not starting",
			FORKBOMB_MAX);
	stamp_line("start", NULL, 0, 0);
	born = wall_ms();
	if (end > 0)
		end = born + end * 1000;
	for (;;) {
		pid_t pid;

		if (end > 0 && wall_ms() >= end)
			_exit(0);
		if (getpid() == first) {
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
		} else if (wall_ms() >= born + life) {
			_exit(0);
		}
		pid = fork();
		if (pid == 0) {
			born = wall_ms();
			seed = seed * 1103515245u + 12345u + (unsigned)getpid();
			life = 10 + (seed >> 8) % 100;
		} else if (pid < 0) {
			if (getpid() == first && !limited) {
				stamp_line("limit", NULL, errno, 1);
				limited = 1;
			}
			sleep_ms(5);
		}
	}
}

static int cmd_netns(int argc, char **argv)
{
	struct ifreq ifr;
	int fd;

	if (argc < 1)
		usage();
	if (unshare(CLONE_NEWNET) < 0)
		die_msg("unshare(CLONE_NEWNET): %s", strerror(errno));
	/* A new network namespace has a loopback interface, down. */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die_msg("socket: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		die_msg("SIOCGIFFLAGS lo: %s", strerror(errno));
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		die_msg("SIOCSIFFLAGS lo: %s", strerror(errno));
	close(fd);
	execvp(argv[0], argv);
	fprintf(stderr, PROG ": exec %s: %s\n", argv[0], strerror(errno));
	exit(errno == ENOENT ? 127 : 126);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "record", cmd_record },
		{ "exit", cmd_exit },
		{ "die", cmd_die },
		{ "sleep", cmd_sleep },
		{ "orphans", cmd_orphans },
		{ "tree", cmd_tree },
		{ "straggler", cmd_straggler },
		{ "closefds", cmd_closefds },
		{ "fds", cmd_fds },
		{ "stamp", cmd_stamp },
		{ "lines", cmd_lines },
		{ "longline", cmd_longline },
		{ "flood", cmd_flood },
		{ "tick", cmd_tick },
		{ "listen", cmd_listen },
		{ "http", cmd_http },
		{ "notify", cmd_notify },
		{ "notify-send", cmd_notify_send },
		{ "readyfd", cmd_readyfd },
		{ "probe", cmd_probe },
		{ "netns", cmd_netns },
		{ "forkbomb", cmd_forkbomb },
	};

	if (argc < 2)
		usage();
	init_sig_names();
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 2, argv + 2);
	usage();
}
