#!/bin/bash
# The socket path across tend runs. A tend killed with SIGKILL (PID 1 of its
# namespace: everything goes) leaves its socket file; tendctl then exits 3
# and the next tend on the same path starts and serves. A second tend on a
# path where a live tend listens refuses to start (exit 1, an error naming
# the socket on stderr) and leaves the first one alone: it keeps serving on
# that path (status answers with the first tend's pid, 1) and its service
# keeps its process.
. "$(dirname "$0")/lib.sh"

svc() {
	echo "service \"web\" { command = \"$TESTCHILD stamp $T/$1.rec\" }" |
		write_conf "$T/$1.conf"
}
svc one
RUN=one start_tend ns -c "$T/one.conf"
sock=$TEND_SOCK
wait_stamps "$T/one.rec" start 1 15
WAIT_WHY="web running" wait_for 10 svc_is web state running
one_ns=$NS_PID
kill -KILL "$TEND_PID"
wait_exit "$one_ns" 10
[ -S "$sock" ] || fail "test premise: the killed tend left no socket file"
ctl status
expect_eq "tendctl status on the killed tend's socket" 3 "$CTL_RC"

svc two
RUN=two start_tend ns -c "$T/two.conf"
expect_eq "the same socket path" "$sock" "$TEND_SOCK"
wait_stamps "$T/two.rec" start 1 15
WAIT_WHY="the new tend serving on the old path" wait_for 10 svc_is web state running
ctl_expect 0 status
two_ns=$NS_PID
two_pid=$TEND_PID
stamp_at "$T/two.rec" start
web=$STAMP_PID

# A second tend on the live socket: refused.
svc three
RUN=three start_tend sub -S "$sock" -c "$T/three.conf"
wait_exit "$TEND_PID" 15
expect_eq "exit status of a tend whose socket is in use" 1 "$EXIT_CODE"
log "its stderr: $(cat "$T/three.err")"
grep -qF "$sock" "$T/three.err" || fail "the refusal does not name the socket: $(cat "$T/three.err")"
[ ! -e "$T/three.rec" ] || fail "the refused tend started its service"
first_ok() {
	alive "$two_pid" && [ -S "$sock" ] &&
		ctl_true "d['pid'] == 1 and [(s['name'], s['pid'], s['state']) for s in d['services']] == [('web', $web, 'running')]"
}
holds 1000 "the first tend stopped serving on its socket after a second one tried it" first_ok
stamp_count "$T/two.rec" start
expect_eq "runs of the first tend's service" 1 "$STAMP_N"
ctl_expect 0 shutdown
wait_exit "$two_ns" 20
expect_eq "exit status of the tend that kept its socket" 0 "$EXIT_CODE"
pass
