#!/bin/bash
# The control socket in single-command mode (`tend -S SOCK -- app`, tend as
# PID 1): status shows one service, `main` (main true, the app's pid,
# running, ready), check exits 0, metrics has it, `signal` reaches the app
# (it records the signal), start / stop / restart / reload are refused with
# exit 2 and do nothing (the app keeps its process, records no signal),
# and `shutdown` makes tend forward TERM to the app, which records it and
# exits 0: tend exits 0. Without -S there is no socket.
. "$(dirname "$0")/lib.sh"

TEND_SOCK=$T/single.sock
start_tend ns -S "$TEND_SOCK" -- "$TESTCHILD" record "$T/app.rec" TERM=0
wait_ready "$T/app.rec" 15
app=$CHILD_NSPID
WAIT_WHY="the socket" wait_for 10 test -S "$TEND_SOCK"

# ss shows tend listening (so that its silence below means something).
if command -v ss >/dev/null; then
	ss -xlp | grep -F "$TEND_SOCK" | grep -q "pid=$TEND_PID," ||
		fail "ss does not show tend listening on $TEND_SOCK: $(ss -xlp | grep -F "$TEND_SOCK")"
fi
ctl_expect 0 status
log "status:"$'\n'"$CTL_OUT"
expect_eq "status rows (header included)" 2 "$(wc -l <<<"$CTL_OUT")"
read -r -a f <<<"$(sed -n 2p <<<"$CTL_OUT")"
expect_eq "status: name" main "${f[0]}"
expect_eq "status: state" running "${f[1]}"
expect_eq "status: pid" "$app" "${f[2]}"
ctl_expect 0 --json status
J=$CTL_OUT python3 -c 'import json, os, sys
d = json.loads(os.environ["J"])
assert d["pid"] == 1, d
(s,) = d["services"]
assert s["name"] == "main" and s["main"] is True and s["state"] == "running", s
assert s["pid"] == int(sys.argv[1]) and s["ready"] is True, s' "$app" 2>"$T/py.err" ||
	fail "status --json: $(cat "$T/py.err")"
ctl_expect 0 check
ctl_expect 0 metrics
grep -q '^tend_service_state{service="main",state="running"} 1$' <<<"$CTL_OUT" ||
	fail "metrics: '$CTL_OUT'"

ctl_expect 0 signal USR1 main
wait_line "$T/app.rec" USR1 5
ctl_expect 0 signal HUP main
wait_line "$T/app.rec" HUP 5

for cmd in "start main" "stop main" "restart main" "reload" "reload --dry-run" \
	"signal USR2 nosuch" "signal USR2 main nosuch" "status nosuch"; do
	# shellcheck disable=SC2086
	ctl_expect 2 $cmd
	log "$cmd: $CTL_ERR"
done
same() {
	[ "$(record_lines "$T/app.rec")" = "USR1 HUP" ] && svc_is main pid "$app" &&
		svc_is main state running
}
holds 1000 "a refused command did something to the app" same

ctl_expect 0 shutdown
wait_exit "$JOB_PID" 15
expect_eq "tend's exit status (the app's, after TERM)" 0 "$EXIT_CODE"
expect_eq "the app's record" "USR1 HUP TERM" "$(record_lines "$T/app.rec")"

# Without -S: no control socket at all (the default path is not made
# either; the check is on this test's own -S path only).
rm -f "$TEND_SOCK" "$T/app.rec"
RUN=nosock start_tend ns -- "$TESTCHILD" record "$T/app.rec" TERM=0
wait_ready "$T/app.rec" 15
grep -q 'control socket' "$T/nosock.err" && fail "single mode without -S opened a control socket: $(cat "$T/nosock.err")"
if command -v ss >/dev/null; then
	ss -xlp | grep -q "pid=$TEND_PID," &&
		fail "single mode without -S listens on a unix socket: $(ss -xlp | grep "pid=$TEND_PID,")"
fi
kill -TERM "$TEND_PID"
wait_exit "$JOB_PID" 15
expect_eq "tend's exit status without -S" 0 "$EXIT_CODE"
pass
