#include "confload.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

/* Enough for conf_load: its buffers are on the heap. */
#define LOAD_STACK (1024 * 1024)

static struct {
	struct ev_loop *loop;
	confload_done_fn done;
	void *ctx;
	ev_async async; /* the thread's "finished" */
	ev_idle idle;	/* a load run in the loop: its result, next turn */
	pthread_t thread;
	int busy, threaded;
	pthread_mutex_t lock; /* abandoned, against the thread's last send */
	int abandoned;	      /* the loop is going: tell it nothing */
	/* the load: given by the loop, filled by the thread */
	char *path, *extra_main;
	struct config *result;
	struct conf_errors errs;
} ld;

static void load(void)
{
	ld.result = conf_load(ld.path, ld.extra_main, &ld.errs);
}

static void *thread_main(void *arg)
{
	(void)arg;
	load();
	pthread_mutex_lock(&ld.lock);
	if (!ld.abandoned)
		ev_async_send(ld.loop, &ld.async);
	pthread_mutex_unlock(&ld.lock);
	return NULL;
}

/* Hands the result to done, in the loop. */
static void finish(void)
{
	struct config *c = ld.result;
	struct conf_errors errs = ld.errs;

	free(ld.path);
	free(ld.extra_main);
	ld.path = ld.extra_main = NULL;
	ld.result = NULL;
	memset(&ld.errs, 0, sizeof(ld.errs));
	ld.busy = 0;
	ld.done(c, &errs, ld.ctx);
}

static void on_async(struct ev_loop *loop, ev_async *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	if (!ld.busy || !ld.threaded)
		return;
	/* The thread has finished its work; joining makes what it wrote ours. */
	pthread_join(ld.thread, NULL);
	ld.threaded = 0;
	finish();
}

static void on_idle(struct ev_loop *loop, ev_idle *w, int revents)
{
	(void)revents;
	ev_idle_stop(loop, w);
	if (ld.busy && !ld.threaded)
		finish();
}

/*
 * At exit, a load under way is given a moment to end: its thread would
 * otherwise be cut off inside libconfuse while exit() runs.
 */
static void at_exit(void)
{
	struct timespec ts;

	if (!ld.threaded)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 1;
	if (pthread_timedjoin_np(ld.thread, NULL, &ts) == 0)
		ld.threaded = 0;
}

void confload_init(struct ev_loop *loop, confload_done_fn done, void *ctx)
{
	ld.loop = loop;
	ld.done = done;
	ld.ctx = ctx;
	pthread_mutex_init(&ld.lock, NULL);
	ev_async_init(&ld.async, on_async);
	ev_async_start(loop, &ld.async);
	ev_unref(loop); /* an idle async must not keep the loop running */
	ev_idle_init(&ld.idle, on_idle);
	atexit(at_exit);
}

int confload_start(const char *path, const char *extra_main)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int rc;

	if (ld.busy)
		return -1;
	ld.path = strdup(path);
	ld.extra_main = extra_main != NULL ? strdup(extra_main) : NULL;
	if (ld.path == NULL || (extra_main != NULL && ld.extra_main == NULL)) {
		free(ld.path);
		free(ld.extra_main);
		ld.path = ld.extra_main = NULL;
		return -1;
	}
	memset(&ld.errs, 0, sizeof(ld.errs));
	ld.busy = 1;

	/* The thread takes no signal: they are the loop's (signalfd). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_attr_init(&attr);
	if (rc == 0) {
		pthread_attr_setstacksize(&attr, LOAD_STACK);
		rc = pthread_create(&ld.thread, &attr, thread_main, NULL);
		pthread_attr_destroy(&attr);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0) {
		ld.threaded = 1;
		return 0;
	}
	/* No thread (EAGAIN: a pids limit): load here, answer next turn. */
	log_warnx(
		"cannot start a thread to read %s (%s): reading it in the loop",
		path, strerror(rc));
	load();
	ev_idle_start(ld.loop, &ld.idle);
	return 0;
}

int confload_busy(void)
{
	return ld.busy;
}

void confload_abandon(void)
{
	if (ld.loop == NULL)
		return;
	pthread_mutex_lock(&ld.lock);
	ld.abandoned = 1;
	pthread_mutex_unlock(&ld.lock);
}
