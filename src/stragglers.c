#include "stragglers.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "procstat.h"
#include "signames.h"

typedef void (*child_fn)(const struct procstat *ps, void *ctx);

/* Calls fn for each process whose parent is tend. Returns how many. */
static int for_each_child(child_fn fn, void *ctx)
{
	pid_t self = getpid();
	struct dirent *de;
	DIR *d = opendir("/proc");
	int count = 0;

	if (d == NULL) {
		log_warn("cannot list /proc");
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		char path[300], buf[512];
		struct procstat ps;
		ssize_t n;
		int fd;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue; /* gone meanwhile */
		n = read(fd, buf, sizeof(buf));
		close(fd);
		if (n <= 0 || procstat_parse(buf, (size_t)n, &ps) < 0)
			continue;
		if (ps.ppid != self)
			continue;
		count++;
		fn(&ps, ctx);
	}
	closedir(d);
	return count;
}

static void signal_one(const struct procstat *ps, void *ctx)
{
	int sig = *(int *)ctx;

	if (kill(ps->pid, sig) < 0 && errno != ESRCH)
		log_warn("kill %d", (int)ps->pid);
}

int stragglers_signal(int sig, int pid1)
{
	if (pid1) {
		if (kill(-1, sig) == 0)
			return 1;
		if (errno != ESRCH)
			log_warn("kill -1");
		return 0;
	}
	return for_each_child(signal_one, &sig);
}

static void report_one(const struct procstat *ps, void *ctx)
{
	(void)ctx;
	log_errorx("process %d (%s) is still there in state %c%s", (int)ps->pid,
		   ps->comm, ps->state,
		   ps->state == 'D' ? " (uninterruptible sleep)" : "");
}

void stragglers_report(void)
{
	for_each_child(report_one, NULL);
}
