#!/bin/bash
# A service not ready within ready-timeout is a failed start (tend as PID 1,
# in a network namespace of its own):
# - never (tcp to a port nobody opens, ready-timeout 0.8, restart-delay 0.4,
#   restart-limit 2) gets its stop signal 0.8 s after each start, is started
#   again after 0.4 s, then 0.8 s, and after the third timeout it is
#   `failed`, its dependent still `waiting`, never started; its events
#   (from `stopped`: it is disabled until the events client is connected)
#   say starting -> stopping -> backoff with reasons naming ready-timeout,
#   and their times show the timeout and the delays;
# - stubborn (notify, never sent; ignores SIGTERM; restart = never) gets
#   SIGTERM after ready-timeout, SIGKILL after stop-timeout, and is failed
#   with a reason naming ready-timeout;
# - closer (fd:3, closed without a newline) is not ready either: failed
#   after ready-timeout though it exits 0 on SIGTERM.
# Then a critical service whose exec probe never succeeds: tend shuts down
# and exits with the code of its last run (7, what it exits with on TERM).
. "$(dirname "$0")/lib.sh"

write_conf "$T/tend.conf" <<CONF
service "marker" { command = "$TESTCHILD sleep" }
service "never" {
	command = "$TESTCHILD stamp $T/never.rec"
	ready = "tcp:17401"
	ready-timeout = 0.8
	restart-delay = 0.4
	restart-limit = 2
	disabled = true
}
service "neverdep" {
	command = "$TESTCHILD stamp $T/neverdep.rec"
	depends = {"never"}
}
service "stubborn" {
	command = "$TESTCHILD stamp $T/stubborn.rec --ignore-term"
	ready = "notify"
	ready-timeout = 0.6
	stop-timeout = 0.6
	restart = never
	disabled = true
}
service "closer" {
	command = "$TESTCHILD readyfd 3 $T/closer.rec --close"
	ready = "fd:3"
	ready-timeout = 0.6
	restart = never
	disabled = true
}
CONF
start_tend_netns ns -c "$T/tend.conf"
WAIT_WHY="marker running" wait_for 15 svc_is marker state running
port_listening 17401 && fail "port 17401 is in use in tend's network namespace"
events_connect "$T/ev.out" marker
ctl_expect 0 start --no-wait never stubborn closer
for s in never stubborn closer; do
	WAIT_WHY="$s failed" wait_for 20 svc_is $s state failed
done
kill -INT "$EVENTS_PID"
wait_exit "$EVENTS_PID" 5

# never: three runs, each stopped after ready-timeout, with backoff between.
stamp_count "$T/never.rec" start
expect_eq "runs of never" 3 "$STAMP_N"
stamp_count "$T/never.rec" TERM
expect_eq "SIGTERMs never got" 3 "$STAMP_N"
delays=(400 800)
# (A "start" line is written once the process runs, which may be late on a
# loaded machine: the bounds from it are loose; the events below time the
# timeouts from tend's side.)
for i in 1 2 3; do
	stamp_at "$T/never.rec" start "$i"
	t_start=$STAMP_MS
	stamp_at "$T/never.rec" TERM "$i"
	t_term=$STAMP_MS
	log "never, run $i: SIGTERM $((t_term - t_start)) ms after its start (ready-timeout 800 ms)"
	((t_term - t_start >= 400)) || fail "never, run $i: SIGTERM $((t_term - t_start)) ms after its start, before ready-timeout (800 ms)"
	((t_term - t_start < 1800)) || fail "never, run $i: SIGTERM $((t_term - t_start)) ms after its start: expected about 800 ms"
	((i < 3)) || break
	stamp_at "$T/never.rec" exit "$i"
	t_exit=$STAMP_MS
	stamp_at "$T/never.rec" start $((i + 1))
	d=${delays[i - 1]}
	log "never, restart $i: $((STAMP_MS - t_exit)) ms after the exit (restart-delay now $d ms)"
	((STAMP_MS - t_exit >= d * 9 / 10)) || fail "never, restart $i: $((STAMP_MS - t_exit)) ms after the exit, expected >= $((d * 9 / 10))"
	((STAMP_MS - t_exit < d + 1000)) || fail "never, restart $i: $((STAMP_MS - t_exit)) ms after the exit, expected about $d"
done
expect_eq "never's restarts" 2 "$(svc_json never restarts)"
expect_eq "never's reason" "restart-limit reached" "$(svc_json never reason)"
expect_eq "neverdep's state" waiting "$(svc_json neverdep state)"
[ -e "$T/neverdep.rec" ] && fail "neverdep started though never was never ready"
transitions "$T/ev.out" never >"$T/never.tr"
log "never's events:"$'\n'"$(cat "$T/never.tr")"
# (Event times are tend's; its timers count from the loop's time, which
# may be some ms older than the clock when they are set: 50 ms of slack.)
python3 - "$T/ev.out" >"$T/py.txt" 2>&1 <<'PY' || fail "never's events: $(cat "$T/py.txt")"
import datetime, json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
ev = [e for e in ev if e["service"] == "never"]
ts = lambda e: datetime.datetime.fromisoformat(e["ts"].replace("Z", "+00:00")).timestamp()
got = ["%s>%s" % (e["from"], e["to"]) for e in ev]
run = ["starting>stopping", "stopping>backoff", "backoff>starting"]
want = ["stopped>starting"] + run + run + ["starting>stopping", "stopping>failed"]
if got != want:
    raise SystemExit("transitions %r, expected %r" % (got, want))
for e in ev:
    if e["to"] in ("stopping", "backoff") and "ready-timeout" not in (e["reason"] or ""):
        raise SystemExit("%s>%s with reason %r: expected one naming ready-timeout" % (e["from"], e["to"], e["reason"]))
if "restart-limit" not in (ev[-1]["reason"] or ""):
    raise SystemExit("last reason %r: expected restart-limit" % ev[-1]["reason"])
out = []
for i, e in enumerate(ev):
    if e["to"] == "stopping":
        d = ts(e) - ts(ev[i - 1])
        out.append("timeout %.3f s" % d)
        if d < 0.75:
            raise SystemExit("stopped %.3f s after it was started: before ready-timeout (0.8 s)" % d)
    if e["from"] == "backoff":
        d = ts(e) - ts(ev[i - 1])
        out.append("delay %.3f s" % d)
        if d < (0.35 if len(out) < 3 else 0.75):
            raise SystemExit("restarted %.3f s after the backoff began: %s" % (d, out))
print(", ".join(out))
PY
log "never, from its events: $(cat "$T/py.txt")"

# stubborn: SIGTERM after ready-timeout, SIGKILL after stop-timeout.
stamp_at "$T/stubborn.rec" start
t_start=$STAMP_MS
stamp_at "$T/stubborn.rec" TERM
((STAMP_MS - t_start >= 300)) || fail "stubborn got SIGTERM $((STAMP_MS - t_start)) ms after its start, before ready-timeout (600 ms)"
stamp_count "$T/stubborn.rec" start
expect_eq "runs of stubborn (restart = never)" 1 "$STAMP_N"
expect_eq "stubborn's exit signal" KILL "$(svc_json stubborn exit_signal)"
reason=$(svc_json stubborn reason)
[[ $reason == *ready-timeout* ]] || fail "stubborn's reason '$reason' does not name ready-timeout"
python3 - "$T/ev.out" >"$T/py.txt" 2>&1 <<'PY' || fail "stubborn's events: $(cat "$T/py.txt")"
import datetime, json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
ev = [e for e in ev if e["service"] == "stubborn"]
ts = lambda e: datetime.datetime.fromisoformat(e["ts"].replace("Z", "+00:00")).timestamp()
got = [(e["from"], e["to"]) for e in ev]
want = [("stopped", "starting"), ("starting", "stopping"), ("stopping", "failed")]
if got != want:
    raise SystemExit("transitions %r, expected %r" % (got, want))
stop, kill = ts(ev[1]) - ts(ev[0]), ts(ev[2]) - ts(ev[1])
if stop < 0.55:
    raise SystemExit("stopped %.3f s after it was started: before ready-timeout (0.6 s)" % stop)
if kill < 0.55:
    raise SystemExit("SIGKILL %.3f s after the stop signal: before stop-timeout (0.6 s)" % kill)
print("stubborn: stopped %.3f s after it was started, killed %.3f s later" % (stop, kill))
PY
log "$(cat "$T/py.txt"); reason: $reason"

# closer: its fd closed without a newline is not ready.
stamp_at "$T/closer.rec" closed
stamp_at "$T/closer.rec" TERM
stamp_count "$T/closer.rec" start
expect_eq "runs of closer" 1 "$STAMP_N"
expect_eq "closer's exit code" 0 "$(svc_json closer exit_code)"
reason=$(svc_json closer reason)
[[ $reason == *ready-timeout* ]] || fail "closer's reason '$reason' does not name ready-timeout"
log "closer: failed ($reason)"
ctl_expect 1 check
log "check: $CTL_OUT"

term_tend 20

# A critical service never ready.
write_conf "$T/crit.conf" <<CONF
service "crit" {
	command = "$TESTCHILD stamp $T/crit.rec --term-exit 7"
	ready = "exec:$TESTCHILD exit 1"
	ready-timeout = 0.7
	critical = true
	restart = never
}
service "bystander" { command = "$TESTCHILD stamp $T/by.rec" }
CONF
RUN=crit start_tend ns -c "$T/crit.conf"
wait_exit "$JOB_PID" 20
expect_eq "tend's exit status when the critical service was never ready" 7 "$EXIT_CODE"
stamp_at "$T/crit.rec" start
t_start=$STAMP_MS
stamp_at "$T/crit.rec" TERM
log "crit: SIGTERM $((STAMP_MS - t_start)) ms after its start (ready-timeout 700 ms); tend exited 7"
((STAMP_MS - t_start >= 350)) || fail "crit got SIGTERM $((STAMP_MS - t_start)) ms after its start, before ready-timeout (700 ms)"
stamp_at "$T/by.rec" TERM
pass
