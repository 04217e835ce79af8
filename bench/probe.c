/*
 * The measuring side of bench/supervisors.sh (compiled at run time).
 *
 *   probe run PIDFILE CMD [ARG...]
 *       Becomes a child subreaper, forks and execs CMD (default signal
 *       dispositions, empty mask) and writes "PID T0" to PIDFILE (T0: the
 *       CLOCK_REALTIME just before fork, seconds). Then reaps every child,
 *       CMD's orphans included, and when none is left writes "T_END" to
 *       PIDFILE.end and exits with CMD's status (128+N for signal N). So the
 *       probe's exit means the supervisor and everything it started are gone.
 *   probe wait ROOT COMM N TIMEOUT
 *       Polls until N live processes named COMM are descendants of ROOT;
 *       prints the CLOCK_REALTIME of that moment. Exit 1 (and says how many
 *       there were) when TIMEOUT seconds pass or ROOT dies first.
 *   probe count ROOT COMM
 *       How many live processes named COMM are descendants of ROOT now.
 *   probe mem ROOT COMM
 *       "NPROC PSS_KB RSS_KB": ROOT and its descendants not named COMM,
 *       summed from /proc/PID/smaps_rollup.
 *   probe cpu ROOT COMM
 *       "RUN_NS SLICES CTXT TICKS HN HRUN_NS HSLICES HCTXT HTICKS": for ROOT
 *       then summed over its descendants not named COMM ("helpers"):
 *       CPU time and timeslices from /proc/PID/task/TID/schedstat, voluntary
 *       + involuntary context switches from .../status, utime+stime clock
 *       ticks from /proc/PID/stat.
 *   probe kill ROOT
 *       SIGSTOPs then SIGKILLs every descendant of ROOT (not ROOT), again
 *       until none is left.
 *
 * Descendants are found through /proc/PID/task/TID/children.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "probe: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads a small /proc file into buf; returns its length or -1. */
static ssize_t slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, got = 0;

	if (fd < 0)
		return -1;
	while ((size_t)got < size - 1 &&
	       (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return got;
}

/* comm and state of pid from /proc/PID/stat; 0 ok, -1 gone. */
static int proc_comm(pid_t pid, char *comm, size_t size, char *state)
{
	char path[64], buf[512], *l, *r;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (slurp(path, buf, sizeof(buf)) <= 0)
		return -1;
	l = strchr(buf, '(');
	r = strrchr(buf, ')');
	if (!l || !r || r < l || r[1] != ' ')
		return -1;
	*r = '\0';
	snprintf(comm, size, "%s", l + 1);
	*state = r[2];
	return 0;
}

/* A growable list of pids. */
struct pids {
	pid_t *v;
	size_t n, cap;
};

static void push(struct pids *p, pid_t pid)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		p->v = realloc(p->v, p->cap * sizeof(*p->v));
		if (!p->v)
			die("%s", "out of memory");
	}
	p->v[p->n++] = pid;
}

/* Appends the children of every thread of pid. */
static void children(pid_t pid, struct pids *out)
{
	static char buf[1 << 20];
	char path[320];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char *s, *end;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/children",
			 (int)pid, e->d_name);
		if (slurp(path, buf, sizeof(buf)) < 0)
			continue;
		for (s = buf;; s = end) {
			long c = strtol(s, &end, 10);

			if (end == s)
				break;
			push(out, (pid_t)c);
		}
	}
	closedir(d);
}

/* Every descendant of root (not root), parents before children. */
static void descendants(pid_t root, struct pids *out)
{
	size_t i;

	out->n = 0;
	children(root, out);
	for (i = 0; i < out->n; i++)
		children(out->v[i], out);
}

/* ---- wait ---- */

/*
 * A small open-addressing set of pids already seen as COMM (they stay so:
 * a service process does not exec again) or as a parent (a process that
 * forked is a supervisor helper, not a service about to exec).
 */
#define SETSZ (1 << 16)
static pid_t set_svc[SETSZ], set_par[SETSZ];

static int set_has(pid_t *set, pid_t pid)
{
	size_t i = (size_t)pid * 2654435761u % SETSZ;

	for (; set[i]; i = (i + 1) % SETSZ)
		if (set[i] == pid)
			return 1;
	return 0;
}

static void set_add(pid_t *set, pid_t pid)
{
	size_t i = (size_t)pid * 2654435761u % SETSZ;

	for (; set[i]; i = (i + 1) % SETSZ)
		if (set[i] == pid)
			return;
	set[i] = pid;
}

/* Live processes named want under root, now. */
static long count_once(pid_t root, const char *want)
{
	static struct pids q;
	long count = 0;
	size_t i;
	char comm[64], st;

	q.n = 0;
	children(root, &q);
	for (i = 0; i < q.n; i++) {
		pid_t p = q.v[i];
		size_t before = q.n;

		if (set_has(set_svc, p)) {
			if (proc_comm(p, comm, sizeof(comm), &st) == 0 &&
			    st != 'Z')
				count++;
			continue;
		}
		if (!set_has(set_par, p)) {
			if (proc_comm(p, comm, sizeof(comm), &st) < 0)
				continue;
			if (strcmp(comm, want) == 0) {
				set_add(set_svc, p);
				if (st != 'Z')
					count++;
				continue;
			}
		}
		children(p, &q);
		if (q.n > before)
			set_add(set_par, p);
	}
	return count;
}

static int root_alive(pid_t root)
{
	char comm[64], st;

	return kill(root, 0) == 0 &&
	       proc_comm(root, comm, sizeof(comm), &st) == 0 && st != 'Z';
}

static int cmd_wait(pid_t root, const char *want, long n, double timeout)
{
	double start = now_mono(), t0, scan;
	long count = 0;

	for (;;) {
		t0 = now_mono();
		if (!root_alive(root)) {
			fprintf(stderr, "probe: %d died; %ld %s were running\n",
				(int)root, count, want);
			return 1;
		}
		count = count_once(root, want);
		if (count >= n) {
			printf("%.6f\n", now_real());
			return 0;
		}
		scan = now_mono() - t0;
		if (now_mono() - start > timeout) {
			fprintf(stderr,
				"probe: timeout: %ld of %ld %s after %.0f s\n",
				count, n, want, timeout);
			return 1;
		}
		/* Poll often, but spend at most a fifth of a core on it. */
		{
			double s = scan * 4 > 0.005 ? scan * 4 : 0.005;
			struct timespec ts = { (time_t)s,
					       (long)((s - (time_t)s) * 1e9) };

			nanosleep(&ts, NULL);
		}
	}
}

static int cmd_count(pid_t root, const char *want)
{
	if (!root_alive(root))
		die("%s", "the supervisor is gone");
	printf("%ld\n", count_once(root, want));
	return 0;
}

/* ---- mem ---- */

static long rollup_field(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);

	return p ? atol(p + strlen(key)) : -1;
}

static int cmd_mem(pid_t root, const char *svc)
{
	struct pids d = { 0 };
	long nproc = 0, pss = 0, rss = 0;
	size_t i;

	descendants(root, &d);
	push(&d, root);
	for (i = 0; i < d.n; i++) {
		char path[64], buf[4096], comm[64], st;
		long a, b;

		if (proc_comm(d.v[i], comm, sizeof(comm), &st) < 0 ||
		    st == 'Z') {
			if (d.v[i] == root)
				die("%s", "the supervisor is gone");
			continue;
		}
		if (strcmp(comm, svc) == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup",
			 (int)d.v[i]);
		if (slurp(path, buf, sizeof(buf)) <= 0) {
			if (kill(d.v[i], 0) == 0)
				die("cannot read %s", path);
			continue;
		}
		a = rollup_field(buf, "\nPss:");
		b = rollup_field(buf, "\nRss:");
		if (a < 0 || b < 0)
			die("no Pss/Rss in %s", path);
		nproc++;
		pss += a;
		rss += b;
	}
	printf("%ld %ld %ld\n", nproc, pss, rss);
	return 0;
}

/* ---- cpu ---- */

struct cpu {
	unsigned long long run_ns, slices, ctxt, ticks;
};

static int cpu_of(pid_t pid, struct cpu *c)
{
	char path[320], buf[4096], *r;
	DIR *d;
	struct dirent *e;
	unsigned long long ut, stt;
	int k;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (slurp(path, buf, sizeof(buf)) <= 0)
		return -1;
	r = strrchr(buf, ')');
	if (!r)
		return -1;
	/* after ") ": state(3) ... utime(14) stime(15) */
	r += 2;
	for (k = 3; k < 14; k++) {
		r = strchr(r, ' ');
		if (!r)
			return -1;
		r++;
	}
	if (sscanf(r, "%llu %llu", &ut, &stt) != 2)
		return -1;
	c->ticks += ut + stt;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		unsigned long long a, b, s;
		long v;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat",
			 (int)pid, e->d_name);
		if (slurp(path, buf, sizeof(buf)) <= 0 ||
		    sscanf(buf, "%llu %llu %llu", &a, &b, &s) != 3) {
			closedir(d);
			return -1;
		}
		c->run_ns += a;
		c->slices += s;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status",
			 (int)pid, e->d_name);
		if (slurp(path, buf, sizeof(buf)) <= 0 ||
		    (v = rollup_field(buf, "\nvoluntary_ctxt_switches:")) < 0) {
			closedir(d);
			return -1;
		}
		c->ctxt += v;
		v = rollup_field(buf, "\nnonvoluntary_ctxt_switches:");
		if (v < 0) {
			closedir(d);
			return -1;
		}
		c->ctxt += v;
	}
	closedir(d);
	return 0;
}

static int cmd_cpu(pid_t root, const char *svc)
{
	struct pids d = { 0 };
	struct cpu m = { 0 }, h = { 0 };
	long hn = 0;
	size_t i;

	if (cpu_of(root, &m) < 0)
		die("%s", "cannot read the supervisor's /proc entries");
	descendants(root, &d);
	for (i = 0; i < d.n; i++) {
		char comm[64], st;

		if (proc_comm(d.v[i], comm, sizeof(comm), &st) < 0 ||
		    st == 'Z' || strcmp(comm, svc) == 0)
			continue;
		if (cpu_of(d.v[i], &h) < 0) {
			if (kill(d.v[i], 0) == 0)
				die("%s",
				    "cannot read a helper's /proc entries");
			continue;
		}
		hn++;
	}
	printf("%llu %llu %llu %llu %ld %llu %llu %llu %llu\n", m.run_ns,
	       m.slices, m.ctxt, m.ticks, hn, h.run_ns, h.slices, h.ctxt,
	       h.ticks);
	return 0;
}

/* ---- kill ---- */

static int cmd_kill(pid_t root)
{
	struct pids d = { 0 };
	int round;

	for (round = 0; round < 100; round++) {
		size_t i, live = 0;

		descendants(root, &d);
		for (i = 0; i < d.n; i++)
			if (kill(d.v[i], SIGSTOP) == 0)
				live++;
		for (i = 0; i < d.n; i++)
			kill(d.v[i], SIGKILL);
		if (live == 0)
			return 0;
		usleep(20000);
	}
	fprintf(stderr, "probe: descendants of %d survive SIGKILL\n",
		(int)root);
	return 1;
}

/* ---- run ---- */

static int cmd_run(const char *pidfile, char **argv)
{
	char tmp[4096], end[4096];
	double t0;
	pid_t pid, w;
	int status, code = 0;
	FILE *f;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		die("%s", "PR_SET_CHILD_SUBREAPER failed");
	t0 = now_real();
	pid = fork();
	if (pid < 0)
		die("%s", "fork failed");
	if (pid == 0) {
		sigset_t none;
		int s;

		for (s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(argv[0], argv);
		fprintf(stderr, "probe: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", pidfile);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d %.6f\n", (int)pid, t0) < 0 || fclose(f) != 0 ||
	    rename(tmp, pidfile) != 0)
		die("cannot write %s", pidfile);
	for (;;) {
		w = waitpid(-1, &status, 0);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (w == pid)
			code = WIFEXITED(status) ? WEXITSTATUS(status)
						 : 128 + WTERMSIG(status);
	}
	t0 = now_real();
	snprintf(end, sizeof(end), "%s.end", pidfile);
	f = fopen(end, "w");
	if (!f || fprintf(f, "%.6f\n", t0) < 0 || fclose(f) != 0)
		die("cannot write %s", end);
	return code;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "run") == 0)
		return cmd_run(argv[2], argv + 3);
	if (argc == 6 && strcmp(argv[1], "wait") == 0)
		return cmd_wait(atoi(argv[2]), argv[3], atol(argv[4]),
				atof(argv[5]));
	if (argc == 4 && strcmp(argv[1], "count") == 0)
		return cmd_count(atoi(argv[2]), argv[3]);
	if (argc == 4 && strcmp(argv[1], "mem") == 0)
		return cmd_mem(atoi(argv[2]), argv[3]);
	if (argc == 4 && strcmp(argv[1], "cpu") == 0)
		return cmd_cpu(atoi(argv[2]), argv[3]);
	if (argc == 3 && strcmp(argv[1], "kill") == 0)
		return cmd_kill(atoi(argv[2]));
	fprintf(stderr, "usage: probe run|wait|count|mem|cpu|kill ...\n");
	return 2;
}
