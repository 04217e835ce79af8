#!/bin/bash
# Idle costs nothing when no probe needs a timer (tend as PID 1, in a
# network namespace of its own): tend's voluntary context switches
# (/proc/PID/status) stay flat, give or take 2, over a 2 s window while its
# services run
# - with no probe at all;
# - with ready probes of every kind (notify, fd:3, tcp, exec) that all
#   succeeded already: nothing of them is left to run;
# and, to show that the measure sees wakeups, they grow with a tcp health
# check every 0.2 s.
. "$(dirname "$0")/lib.sh"

# switches: sets SWITCHES to tend's voluntary context switches.
switches() {
	SWITCHES=$(status_field "$TEND_PID" voluntary_ctxt_switches)
	[ -n "$SWITCHES" ]
}
# quiet: tend's count has not moved for 300 ms (polled by wait_for): the
# start and the tendctl calls are behind it.
_q_count=''
_q_since=''
quiet() {
	switches || return 1
	now_ms
	if [ "$SWITCHES" != "$_q_count" ]; then
		_q_count=$SWITCHES
		_q_since=$NOW_MS
		return 1
	fi
	((NOW_MS - _q_since >= 300))
}
# measure RUN: sets DELTA to tend's voluntary context switches over a 2 s
# window.
measure() {
	local c1
	WAIT_WHY="tend's count of switches read" wait_for 5 switches
	c1=$SWITCHES
	# The measurement window itself: a fixed time on purpose, nothing is
	# waited for here (polling tend would wake it).
	sleep 2
	WAIT_WHY="tend's count of switches read" wait_for 5 switches
	DELTA=$((SWITCHES - c1))
	log "$1: $DELTA voluntary context switches of tend in 2 s ($c1 -> $SWITCHES)"
}

# 1. No probe.
write_conf "$T/none.conf" <<CONF
service "a" { command = "$TESTCHILD stamp $T/a.rec" }
service "b" {
	command = "$TESTCHILD stamp $T/b.rec"
	depends = {"a"}
}
service "c" { command = "$TESTCHILD sleep" }
CONF
TEND_WRAP=("$TESTCHILD" netns)
RUN=none start_tend ns -c "$T/none.conf"
WAIT_WHY="every service running" wait_for 15 ctl_true \
	"all(s['state'] == 'running' for s in d['services'])"
WAIT_WHY="tend idle" wait_for 10 quiet
measure "no probe"
((DELTA <= 2)) || fail "tend woke up $DELTA times in 2 s of idleness with no probe configured"
term_tend 20

# 2. Ready probes, all done.
write_conf "$T/ready.conf" <<CONF
service "n" {
	command = "$TESTCHILD notify $T/n.rec"
	ready = "notify"
}
service "f" {
	command = "$TESTCHILD readyfd 3 $T/f.rec"
	ready = "fd:3"
}
service "t" {
	command = "$TESTCHILD listen 17501 $T/t.rec --after 300"
	ready = "tcp:17501"
}
service "e" {
	command = "$TESTCHILD sleep"
	ready = "exec:$TESTCHILD probe $T/e.rec"
}
service "dep" {
	command = "$TESTCHILD sleep"
	depends = {"n", "f", "t", "e"}
}
CONF
TEND_WRAP=("$TESTCHILD" netns)
RUN=ready start_tend ns -c "$T/ready.conf"
WAIT_WHY="every service running and ready" wait_for 15 ctl_true \
	"all(s['state'] == 'running' and s['ready'] for s in d['services'])"
WAIT_WHY="tend idle" wait_for 10 quiet
measure "ready probes done"
((DELTA <= 2)) || fail "tend woke up $DELTA times in 2 s of idleness once its ready probes succeeded"
term_tend 20

# 3. A health check every 0.2 s: the measure sees it.
write_conf "$T/health.conf" <<CONF
service "t" {
	command = "$TESTCHILD listen 17502 $T/h.rec"
	health-check = "tcp:17502"
	health-interval = 0.2
}
CONF
TEND_WRAP=("$TESTCHILD" netns)
RUN=health start_tend ns -c "$T/health.conf"
WAIT_WHY="t healthy" wait_for 15 svc_is t health healthy
measure "a health check every 0.2 s"
((DELTA >= 5)) || fail "tend woke up only $DELTA times in 2 s with a health check every 0.2 s: the measure does not see wakeups"
term_tend 20
pass
