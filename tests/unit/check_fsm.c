#include <signal.h>
#include <string.h>

#include "fsm.h"
#include "unit.h"

#define EXIT(code)  (((code)&0xff) << 8)
#define KILLED(sig) ((sig)&0x7f)

static struct svc_conf conf_simple, conf_oneshot;

static void setup(void)
{
	memset(&conf_simple, 0, sizeof(conf_simple));
	conf_simple.type = SVC_SIMPLE;
	conf_simple.restart = RESTART_ALWAYS;
	conf_simple.restart_delay = 0.5;
	conf_simple.restart_delay_max = 30;
	conf_simple.stable_after = 10;
	conf_simple.stop_timeout = 5;
	conf_oneshot = conf_simple;
	conf_oneshot.type = SVC_ONESHOT;
	conf_oneshot.restart = RESTART_NEVER;
}

static struct fsm_view view(enum svc_state st, const struct svc_conf *c)
{
	struct fsm_view v;

	memset(&v, 0, sizeof(v));
	v.state = st;
	v.want_up = 1;
	v.deps_ready = 1;
	v.conf = c;
	v.started_ms = 1000;
	v.wstatus = EXIT(1);
	return v;
}

/*
 * Every state x event for a simple service (restart=always, wanted up,
 * dependencies ready, a short run that exited 1). A row says what the
 * machine must do.
 */
static const struct {
	enum svc_state from;
	enum fsm_event ev;
	enum svc_state to;
	unsigned actions;
	int want_up;
} table[] = {
	{ ST_WAITING, FE_CHECK, ST_STARTING, FSM_SPAWN, 1 },
	{ ST_WAITING, FE_SPAWNED, ST_WAITING, 0, 1 },
	{ ST_WAITING, FE_SPAWN_FAILED, ST_WAITING, 0, 1 },
	{ ST_WAITING, FE_EXITED, ST_WAITING, 0, 1 },
	{ ST_WAITING, FE_TIMER, ST_WAITING, 0, 1 },
	{ ST_WAITING, FE_STOP, ST_STOPPED, FSM_TIMER_CLEAR, 0 },
	{ ST_WAITING, FE_START, ST_STARTING, FSM_SPAWN, 1 },
	{ ST_WAITING, FE_RESTART, ST_STARTING, FSM_SPAWN, 1 },
	/* no probes: ready and unhealthy change nothing */
	{ ST_WAITING, FE_READY, ST_WAITING, 0, 1 },
	{ ST_WAITING, FE_UNHEALTHY, ST_WAITING, 0, 1 },

	{ ST_STARTING, FE_CHECK, ST_STARTING, 0, 1 },
	{ ST_STARTING, FE_SPAWNED, ST_RUNNING, 0, 1 },
	{ ST_STARTING, FE_SPAWN_FAILED, ST_BACKOFF,
	  FSM_TIMER_SET | FSM_RESTARTED, 1 },
	{ ST_STARTING, FE_EXITED, ST_BACKOFF, FSM_TIMER_SET | FSM_RESTARTED,
	  1 },
	{ ST_STARTING, FE_TIMER, ST_STARTING, 0, 1 },
	{ ST_STARTING, FE_STOP, ST_STOPPING, FSM_STOP_SIGNAL | FSM_TIMER_SET,
	  0 },
	{ ST_STARTING, FE_START, ST_STARTING, 0, 1 },
	{ ST_STARTING, FE_RESTART, ST_STOPPING, FSM_STOP_SIGNAL | FSM_TIMER_SET,
	  1 },
	/* no probes: ready and unhealthy change nothing */
	{ ST_STARTING, FE_READY, ST_STARTING, 0, 1 },
	{ ST_STARTING, FE_UNHEALTHY, ST_STARTING, 0, 1 },

	{ ST_RUNNING, FE_CHECK, ST_RUNNING, 0, 1 },
	{ ST_RUNNING, FE_SPAWNED, ST_RUNNING, 0, 1 },
	{ ST_RUNNING, FE_SPAWN_FAILED, ST_RUNNING, 0, 1 },
	{ ST_RUNNING, FE_EXITED, ST_BACKOFF, FSM_TIMER_SET | FSM_RESTARTED, 1 },
	{ ST_RUNNING, FE_TIMER, ST_RUNNING, 0, 1 },
	{ ST_RUNNING, FE_STOP, ST_STOPPING, FSM_STOP_SIGNAL | FSM_TIMER_SET,
	  0 },
	{ ST_RUNNING, FE_START, ST_RUNNING, 0, 1 },
	{ ST_RUNNING, FE_RESTART, ST_STOPPING, FSM_STOP_SIGNAL | FSM_TIMER_SET,
	  1 },
	/* no probes: ready and unhealthy change nothing */
	{ ST_RUNNING, FE_READY, ST_RUNNING, 0, 1 },
	{ ST_RUNNING, FE_UNHEALTHY, ST_RUNNING, 0, 1 },

	{ ST_STOPPING, FE_CHECK, ST_STOPPING, 0, 1 },
	{ ST_STOPPING, FE_SPAWNED, ST_STOPPING, 0, 1 },
	{ ST_STOPPING, FE_SPAWN_FAILED, ST_STOPPING, 0, 1 },
	/* wanted up while stopping = a restart: start again at once */
	{ ST_STOPPING, FE_EXITED, ST_STARTING, FSM_TIMER_CLEAR | FSM_SPAWN, 1 },
	{ ST_STOPPING, FE_TIMER, ST_STOPPING, FSM_KILL, 1 },
	{ ST_STOPPING, FE_STOP, ST_STOPPING, 0, 0 },
	{ ST_STOPPING, FE_START, ST_STOPPING, 0, 1 },
	{ ST_STOPPING, FE_RESTART, ST_STOPPING, 0, 1 },
	/* no probes: ready and unhealthy change nothing */
	{ ST_STOPPING, FE_READY, ST_STOPPING, 0, 1 },
	{ ST_STOPPING, FE_UNHEALTHY, ST_STOPPING, 0, 1 },

	{ ST_BACKOFF, FE_CHECK, ST_BACKOFF, 0, 1 },
	{ ST_BACKOFF, FE_SPAWNED, ST_BACKOFF, 0, 1 },
	{ ST_BACKOFF, FE_SPAWN_FAILED, ST_BACKOFF, 0, 1 },
	{ ST_BACKOFF, FE_EXITED, ST_BACKOFF, 0, 1 },
	{ ST_BACKOFF, FE_TIMER, ST_STARTING, FSM_SPAWN, 1 },
	{ ST_BACKOFF, FE_STOP, ST_STOPPED, FSM_TIMER_CLEAR, 0 },
	{ ST_BACKOFF, FE_START, ST_STARTING, FSM_TIMER_CLEAR | FSM_SPAWN, 1 },
	{ ST_BACKOFF, FE_RESTART, ST_STARTING, FSM_TIMER_CLEAR | FSM_SPAWN, 1 },
	/* no probes: ready and unhealthy change nothing */
	{ ST_BACKOFF, FE_READY, ST_BACKOFF, 0, 1 },
	{ ST_BACKOFF, FE_UNHEALTHY, ST_BACKOFF, 0, 1 },

	{ ST_STOPPED, FE_CHECK, ST_STOPPED, 0, 1 },
	{ ST_STOPPED, FE_SPAWNED, ST_STOPPED, 0, 1 },
	{ ST_STOPPED, FE_SPAWN_FAILED, ST_STOPPED, 0, 1 },
	{ ST_STOPPED, FE_EXITED, ST_STOPPED, 0, 1 },
	{ ST_STOPPED, FE_TIMER, ST_STOPPED, 0, 1 },
	{ ST_STOPPED, FE_STOP, ST_STOPPED, 0, 0 },
	{ ST_STOPPED, FE_START, ST_STARTING, FSM_SPAWN, 1 },
	{ ST_STOPPED, FE_RESTART, ST_STARTING, FSM_SPAWN, 1 },
	/* no probes: ready and unhealthy change nothing */
	{ ST_STOPPED, FE_READY, ST_STOPPED, 0, 1 },
	{ ST_STOPPED, FE_UNHEALTHY, ST_STOPPED, 0, 1 },

	{ ST_DONE, FE_CHECK, ST_DONE, 0, 1 },
	{ ST_DONE, FE_SPAWNED, ST_DONE, 0, 1 },
	{ ST_DONE, FE_SPAWN_FAILED, ST_DONE, 0, 1 },
	{ ST_DONE, FE_EXITED, ST_DONE, 0, 1 },
	{ ST_DONE, FE_TIMER, ST_DONE, 0, 1 },
	{ ST_DONE, FE_STOP, ST_DONE, 0, 0 },
	{ ST_DONE, FE_START, ST_STARTING, FSM_SPAWN, 1 },
	{ ST_DONE, FE_RESTART, ST_STARTING, FSM_SPAWN, 1 },
	/* no probes: ready and unhealthy change nothing */
	{ ST_DONE, FE_READY, ST_DONE, 0, 1 },
	{ ST_DONE, FE_UNHEALTHY, ST_DONE, 0, 1 },

	{ ST_FAILED, FE_CHECK, ST_FAILED, 0, 1 },
	{ ST_FAILED, FE_SPAWNED, ST_FAILED, 0, 1 },
	{ ST_FAILED, FE_SPAWN_FAILED, ST_FAILED, 0, 1 },
	{ ST_FAILED, FE_EXITED, ST_FAILED, 0, 1 },
	{ ST_FAILED, FE_TIMER, ST_FAILED, 0, 1 },
	{ ST_FAILED, FE_STOP, ST_FAILED, 0, 0 },
	{ ST_FAILED, FE_START, ST_STARTING, FSM_SPAWN, 1 },
	{ ST_FAILED, FE_RESTART, ST_STARTING, FSM_SPAWN, 1 },
	/* no probes: ready and unhealthy change nothing */
	{ ST_FAILED, FE_READY, ST_FAILED, 0, 1 },
	{ ST_FAILED, FE_UNHEALTHY, ST_FAILED, 0, 1 },
};

START_TEST(test_table)
{
	struct fsm_view v = view(table[_i].from, &conf_simple);
	struct fsm_out o = fsm_step(&v, table[_i].ev, 2000);

	ck_assert_msg(
		o.state == table[_i].to && o.actions == table[_i].actions &&
			o.want_up == table[_i].want_up,
		"%s + %s: got %s actions %#x want_up %d, expected %s %#x %d",
		fsm_state_name(table[_i].from), fsm_event_name(table[_i].ev),
		fsm_state_name(o.state), o.actions, o.want_up,
		fsm_state_name(table[_i].to), table[_i].actions,
		table[_i].want_up);
}
END_TEST

/* A simple service with a ready probe and a health check. */
static struct svc_conf probed(void)
{
	struct svc_conf c = conf_simple;

	c.ready.kind = PROBE_TCP;
	c.ready_timeout = 7;
	c.health.kind = PROBE_TCP;
	return c;
}

START_TEST(test_ready_probe)
{
	struct svc_conf c = probed();
	struct fsm_view v = view(ST_STARTING, &c);
	struct fsm_out o;

	/* exec is not ready: the ready-timeout runs */
	o = fsm_step(&v, FE_SPAWNED, 2000);
	ck_assert_int_eq(o.state, ST_STARTING);
	ck_assert_uint_eq(o.actions, FSM_TIMER_SET);
	ck_assert(o.timer == 7);
	/* the probe says ready */
	o = fsm_step(&v, FE_READY, 2000);
	ck_assert_int_eq(o.state, ST_RUNNING);
	ck_assert_uint_eq(o.actions, FSM_TIMER_CLEAR);
	/* a second READY=1 changes nothing */
	v.state = ST_RUNNING;
	o = fsm_step(&v, FE_READY, 2000);
	ck_assert_int_eq(o.state, ST_RUNNING);
	ck_assert_uint_eq(o.actions, 0);
	/* a oneshot never waits for a probe */
	c.type = SVC_ONESHOT;
	v.state = ST_STARTING;
	o = fsm_step(&v, FE_SPAWNED, 2000);
	ck_assert_int_eq(o.state, ST_STARTING);
	ck_assert_uint_eq(o.actions, 0);
}
END_TEST

START_TEST(test_ready_timeout)
{
	struct svc_conf c = probed();
	struct fsm_view v = view(ST_STARTING, &c);
	struct fsm_out o;

	/* not ready in time: stopped through the stop path, as a failure */
	o = fsm_step(&v, FE_TIMER, 9000);
	ck_assert_int_eq(o.state, ST_STOPPING);
	ck_assert_uint_eq(o.actions, FSM_STOP_SIGNAL | FSM_TIMER_SET);
	ck_assert(o.timer == c.stop_timeout);
	ck_assert_int_eq(o.failing, FAIL_NOT_READY);
	ck_assert_int_eq(o.want_up, 1);
	/* it exits 0 on its stop signal: still a failed start, with backoff */
	v.state = ST_STOPPING;
	v.failing = o.failing;
	v.wstatus = EXIT(0);
	v.fails = 2;
	o = fsm_step(&v, FE_EXITED, 1000 + 60 * 1000);
	ck_assert_int_eq(o.state, ST_BACKOFF);
	ck_assert_uint_eq(o.actions,
			  FSM_TIMER_CLEAR | FSM_TIMER_SET | FSM_RESTARTED);
	/* 60 s is past stable-after, but a run never ready is not stable */
	ck_assert_uint_eq(o.fails, 3);
	ck_assert(o.timer == fsm_backoff(&c, 3));
	ck_assert_int_eq(o.failing, FAIL_NONE);
	/* past restart-limit: failed for good */
	c.restart_limit = 2;
	o = fsm_step(&v, FE_EXITED, 1000 + 60 * 1000);
	ck_assert_int_eq(o.state, ST_FAILED);
	ck_assert_uint_eq(o.actions, FSM_TIMER_CLEAR | FSM_ENDED);
	/* a crash before it was ready: not stable either */
	c.restart_limit = 0;
	v = view(ST_STARTING, &c);
	v.fails = 4;
	o = fsm_step(&v, FE_EXITED, 1000 + 60 * 1000);
	ck_assert_int_eq(o.state, ST_BACKOFF);
	ck_assert_uint_eq(o.fails, 5);
	/* the timer is replaced by the backoff's; with no restart it is cleared */
	ck_assert_uint_eq(o.actions, FSM_TIMER_SET | FSM_RESTARTED);
	c.restart = RESTART_NEVER;
	o = fsm_step(&v, FE_EXITED, 2000);
	ck_assert_int_eq(o.state, ST_FAILED);
	ck_assert_uint_eq(o.actions, FSM_ENDED | FSM_TIMER_CLEAR);
}
END_TEST

START_TEST(test_unhealthy)
{
	struct svc_conf c = probed();
	struct fsm_view v = view(ST_RUNNING, &c);
	struct fsm_out o;

	o = fsm_step(&v, FE_UNHEALTHY, 2000);
	ck_assert_int_eq(o.state, ST_STOPPING);
	ck_assert_uint_eq(o.actions, FSM_STOP_SIGNAL | FSM_TIMER_SET);
	ck_assert_int_eq(o.failing, FAIL_UNHEALTHY);
	ck_assert_ptr_nonnull(o.reason);
	/* exit 0 after the stop signal counts as a failure: restarted */
	v.state = ST_STOPPING;
	v.failing = FAIL_UNHEALTHY;
	v.wstatus = EXIT(0);
	o = fsm_step(&v, FE_EXITED, 2000);
	ck_assert_int_eq(o.state, ST_BACKOFF);
	ck_assert_uint_eq(o.actions,
			  FSM_TIMER_CLEAR | FSM_TIMER_SET | FSM_RESTARTED);
	ck_assert_uint_eq(o.fails, 1);
	/* after a long healthy run the failure count starts afresh */
	v.fails = 5;
	o = fsm_step(&v, FE_EXITED, 1000 + 11 * 1000);
	ck_assert_uint_eq(o.fails, 1);
	/* on-failure restarts it too; never leaves it failed */
	c.restart = RESTART_ON_FAILURE;
	o = fsm_step(&v, FE_EXITED, 2000);
	ck_assert_int_eq(o.state, ST_BACKOFF);
	c.restart = RESTART_NEVER;
	o = fsm_step(&v, FE_EXITED, 2000);
	ck_assert_int_eq(o.state, ST_FAILED);
	ck_assert_uint_eq(o.actions, FSM_TIMER_CLEAR | FSM_ENDED);
	/* tendctl stop while it is being stopped for failing: stopped */
	o = fsm_step(&v, FE_STOP, 2000);
	ck_assert_int_eq(o.failing, FAIL_NONE);
	v.failing = o.failing;
	v.want_up = o.want_up;
	o = fsm_step(&v, FE_EXITED, 2000);
	ck_assert_int_eq(o.state, ST_STOPPED);
	/* no health check: unhealthy means nothing */
	c.health.kind = PROBE_NONE;
	v = view(ST_RUNNING, &c);
	o = fsm_step(&v, FE_UNHEALTHY, 2000);
	ck_assert_int_eq(o.state, ST_RUNNING);
	ck_assert_uint_eq(o.actions, 0);
}
END_TEST

START_TEST(test_table_complete)
{
	int seen[ST_COUNT][FE_COUNT];
	size_t i;
	int s, e;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		seen[table[i].from][table[i].ev]++;
	for (s = 0; s < ST_COUNT; s++)
		for (e = 0; e < FE_COUNT; e++)
			ck_assert_msg(seen[s][e] == 1, "%s x %s: %d rows",
				      fsm_state_name((enum svc_state)s),
				      fsm_event_name((enum fsm_event)e),
				      seen[s][e]);
}
END_TEST

START_TEST(test_waiting_for_dependencies)
{
	struct fsm_view v = view(ST_WAITING, &conf_simple);
	struct fsm_out o;

	v.deps_ready = 0;
	o = fsm_step(&v, FE_CHECK, 0);
	ck_assert_int_eq(o.state, ST_WAITING);
	ck_assert_uint_eq(o.actions, 0);
	ck_assert_str_eq(o.reason, "waiting for dependencies");
	/* A backoff that runs out with a dependency gone waits too. */
	v.state = ST_BACKOFF;
	o = fsm_step(&v, FE_TIMER, 0);
	ck_assert_int_eq(o.state, ST_WAITING);
	ck_assert_uint_eq(o.actions, 0);
}
END_TEST

START_TEST(test_nothing_starts_during_shutdown)
{
	struct fsm_view v = view(ST_WAITING, &conf_simple);
	struct fsm_out o;

	v.shutting_down = 1;
	o = fsm_step(&v, FE_CHECK, 0);
	ck_assert_int_eq(o.state, ST_WAITING);
	v.state = ST_RUNNING;
	o = fsm_step(&v, FE_EXITED, 2000);
	ck_assert_int_eq(o.state, ST_FAILED); /* exit 1: no restart */
	ck_assert_uint_eq(o.actions & (FSM_TIMER_SET | FSM_ENDED), 0);
	v.wstatus = EXIT(0);
	o = fsm_step(&v, FE_EXITED, 2000);
	ck_assert_int_eq(o.state, ST_DONE);
	v.state = ST_STOPPING;
	o = fsm_step(&v, FE_EXITED, 2000);
	ck_assert_int_eq(o.state, ST_STOPPED);
}
END_TEST

START_TEST(test_backoff_doubles_and_caps)
{
	ck_assert_double_eq(fsm_backoff(&conf_simple, 1), 0.5);
	ck_assert_double_eq(fsm_backoff(&conf_simple, 2), 1);
	ck_assert_double_eq(fsm_backoff(&conf_simple, 3), 2);
	ck_assert_double_eq(fsm_backoff(&conf_simple, 7), 30);
	ck_assert_double_eq(fsm_backoff(&conf_simple, 1000000), 30);
	conf_simple.restart_delay = 0;
	ck_assert_double_eq(fsm_backoff(&conf_simple, 5), 0);
}
END_TEST

/* Crash after crash: the delay grows, the count climbs. */
START_TEST(test_crash_loop)
{
	struct fsm_view v = view(ST_RUNNING, &conf_simple);
	double expect[] = { 0.5, 1, 2, 4, 8, 16, 30, 30 };
	size_t i;

	for (i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		struct fsm_out o = fsm_step(&v, FE_EXITED, 1500);

		ck_assert_int_eq(o.state, ST_BACKOFF);
		ck_assert_uint_eq(o.fails, i + 1);
		ck_assert_double_eq(o.timer, expect[i]);
		v.fails = o.fails;
	}
}
END_TEST

START_TEST(test_stable_run_resets)
{
	struct fsm_view v = view(ST_RUNNING, &conf_simple);
	struct fsm_out o;

	v.fails = 6;
	/* 10 s after the start: stable; this failure is the first again. */
	o = fsm_step(&v, FE_EXITED, 1000 + 10000);
	ck_assert_uint_eq(o.fails, 1);
	ck_assert_double_eq(o.timer, 0.5);
	/* 9.999 s: not stable. */
	o = fsm_step(&v, FE_EXITED, 1000 + 9999);
	ck_assert_uint_eq(o.fails, 7);
}
END_TEST

START_TEST(test_restart_limit)
{
	struct fsm_view v = view(ST_RUNNING, &conf_simple);
	struct fsm_out o;

	conf_simple.restart_limit = 2;
	v.fails = 1;
	o = fsm_step(&v, FE_EXITED, 1500);
	ck_assert_int_eq(o.state, ST_BACKOFF); /* the 2nd restart in a row */
	v.fails = 2;
	o = fsm_step(&v, FE_EXITED, 1500);
	ck_assert_int_eq(o.state, ST_FAILED);
	ck_assert_uint_eq(o.actions, FSM_ENDED);
	ck_assert_str_eq(o.reason, "restart-limit reached");
	/* a fork that keeps failing counts the same */
	v.state = ST_STARTING;
	o = fsm_step(&v, FE_SPAWN_FAILED, 1500);
	ck_assert_int_eq(o.state, ST_FAILED);
}
END_TEST

START_TEST(test_always_restarts_after_exit_0)
{
	struct fsm_view v = view(ST_RUNNING, &conf_simple);
	struct fsm_out o;

	v.wstatus = EXIT(0);
	o = fsm_step(&v, FE_EXITED, 1500);
	ck_assert_int_eq(o.state, ST_BACKOFF);
	ck_assert_uint_eq(o.fails, 1);
}
END_TEST

START_TEST(test_on_failure)
{
	struct fsm_view v = view(ST_RUNNING, &conf_simple);
	struct fsm_out o;

	conf_simple.restart = RESTART_ON_FAILURE;
	v.wstatus = EXIT(0);
	o = fsm_step(&v, FE_EXITED, 1500);
	ck_assert_int_eq(o.state, ST_DONE);
	ck_assert_uint_eq(o.actions, FSM_ENDED);
	v.wstatus = KILLED(SIGKILL);
	o = fsm_step(&v, FE_EXITED, 1500);
	ck_assert_int_eq(o.state, ST_BACKOFF);
	v.wstatus = EXIT(2);
	o = fsm_step(&v, FE_EXITED, 1500);
	ck_assert_int_eq(o.state, ST_BACKOFF);
}
END_TEST

START_TEST(test_never)
{
	struct fsm_view v = view(ST_RUNNING, &conf_simple);
	struct fsm_out o;

	conf_simple.restart = RESTART_NEVER;
	o = fsm_step(&v, FE_EXITED, 1500);
	ck_assert_int_eq(o.state, ST_FAILED);
	ck_assert_uint_eq(o.actions, FSM_ENDED);
	v.wstatus = EXIT(0);
	o = fsm_step(&v, FE_EXITED, 1500);
	ck_assert_int_eq(o.state, ST_DONE);
	ck_assert_uint_eq(o.actions, FSM_ENDED);
}
END_TEST

START_TEST(test_oneshot)
{
	struct fsm_view v = view(ST_WAITING, &conf_oneshot);
	struct fsm_out o;

	o = fsm_step(&v, FE_CHECK, 0);
	ck_assert_int_eq(o.state, ST_STARTING);
	v.state = ST_STARTING;
	o = fsm_step(&v, FE_SPAWNED, 0);
	ck_assert_int_eq(o.state, ST_STARTING); /* not ready until it ends */
	ck_assert(!fsm_ready(ST_STARTING, SVC_ONESHOT));
	v.wstatus = EXIT(0);
	o = fsm_step(&v, FE_EXITED, 1500);
	ck_assert_int_eq(o.state, ST_DONE);
	ck_assert(fsm_ready(ST_DONE, SVC_ONESHOT));
	v.wstatus = EXIT(4);
	o = fsm_step(&v, FE_EXITED, 1500);
	ck_assert_int_eq(o.state, ST_FAILED);
	conf_oneshot.restart = RESTART_ON_FAILURE;
	o = fsm_step(&v, FE_EXITED, 1500);
	ck_assert_int_eq(o.state, ST_BACKOFF);
	v.wstatus = EXIT(0);
	o = fsm_step(&v, FE_EXITED, 1500);
	ck_assert_int_eq(o.state, ST_DONE);
}
END_TEST

START_TEST(test_ready)
{
	ck_assert(fsm_ready(ST_RUNNING, SVC_SIMPLE));
	ck_assert(!fsm_ready(ST_DONE, SVC_SIMPLE));
	ck_assert(!fsm_ready(ST_STARTING, SVC_SIMPLE));
	ck_assert(!fsm_ready(ST_STOPPING, SVC_SIMPLE));
	ck_assert(!fsm_ready(ST_FAILED, SVC_ONESHOT));
}
END_TEST

START_TEST(test_start_clears_failures)
{
	struct fsm_view v = view(ST_FAILED, &conf_simple);
	struct fsm_out o;

	v.fails = 9;
	v.want_up = 0;
	o = fsm_step(&v, FE_START, 0);
	ck_assert_uint_eq(o.fails, 0);
	ck_assert_int_eq(o.want_up, 1);
	v.state = ST_BACKOFF;
	o = fsm_step(&v, FE_START, 0);
	ck_assert_uint_eq(o.fails, 0);
	ck_assert_uint_eq(o.actions, FSM_TIMER_CLEAR | FSM_SPAWN);
}
END_TEST

START_TEST(test_stop_timer_is_stop_timeout)
{
	struct fsm_view v = view(ST_RUNNING, &conf_simple);
	struct fsm_out o;

	conf_simple.stop_timeout = 2.5;
	o = fsm_step(&v, FE_STOP, 0);
	ck_assert_double_eq(o.timer, 2.5);
	/* an exit after a stop (not a restart) leaves it stopped */
	v.state = ST_STOPPING;
	v.want_up = 0;
	o = fsm_step(&v, FE_EXITED, 0);
	ck_assert_int_eq(o.state, ST_STOPPED);
	ck_assert_uint_eq(o.actions, FSM_TIMER_CLEAR);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(fsm_state_name(ST_WAITING), "waiting");
	ck_assert_str_eq(fsm_state_name(ST_FAILED), "failed");
	ck_assert_str_eq(fsm_state_name((enum svc_state)99), "?");
	ck_assert_str_eq(fsm_event_name(FE_RESTART), "restart");
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("fsm");
	TCase *step = tcase_create("fsm_step");
	TCase *backoff = tcase_create("fsm_backoff");
	TCase *ready = tcase_create("fsm_ready");
	TCase *names = tcase_create("fsm_names");

	tcase_add_checked_fixture(step, setup, NULL);
	tcase_add_checked_fixture(backoff, setup, NULL);
	tcase_add_loop_test(step, test_table, 0,
			    (int)(sizeof(table) / sizeof(table[0])));
	tcase_add_test(step, test_table_complete);
	tcase_add_test(step, test_waiting_for_dependencies);
	tcase_add_test(step, test_nothing_starts_during_shutdown);
	tcase_add_test(step, test_crash_loop);
	tcase_add_test(step, test_stable_run_resets);
	tcase_add_test(step, test_restart_limit);
	tcase_add_test(step, test_always_restarts_after_exit_0);
	tcase_add_test(step, test_on_failure);
	tcase_add_test(step, test_never);
	tcase_add_test(step, test_oneshot);
	tcase_add_test(step, test_start_clears_failures);
	tcase_add_test(step, test_stop_timer_is_stop_timeout);
	tcase_add_test(step, test_ready_probe);
	tcase_add_test(step, test_ready_timeout);
	tcase_add_test(step, test_unhealthy);
	tcase_add_test(backoff, test_backoff_doubles_and_caps);
	tcase_add_test(ready, test_ready);
	tcase_add_test(names, test_names);
	suite_add_tcase(s, step);
	suite_add_tcase(s, backoff);
	suite_add_tcase(s, ready);
	suite_add_tcase(s, names);
	return s;
}
