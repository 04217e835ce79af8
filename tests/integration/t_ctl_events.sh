#!/bin/bash
# `tendctl events` (tend as PID 1): a client that is connected sees a crash
# (SIGKILL of a service's process) and the restart, in order: running ->
# backoff (the old pid, exit_signal KILL, a reason), backoff -> starting,
# starting -> running (the new pid); one JSON object a line with every field
# of SPEC §5 (ts RFC 3339); nothing from before it connected; `--json`
# changes nothing; SIGINT ends it with exit 0. A second client connected
# meanwhile sees the same lines for the crash.
. "$(dirname "$0")/lib.sh"

conf=$T/tend.conf
write_conf "$conf" <<EOF
service "marker" { command = "$TESTCHILD stamp $T/marker.rec" }
service "victim" {
	command = "$TESTCHILD stamp $T/victim.rec"
	restart-delay = 0.3
}
EOF
start_tend ns -c "$conf"
wait_stamps "$T/marker.rec" start 1 15
wait_stamps "$T/victim.rec" start 1 15
stamp_at "$T/victim.rec" start
old_ns=$STAMP_PID
WAIT_WHY="both running" wait_for 10 ctl_true \
	"all(s['state'] == 'running' for s in d['services'])"

bg "$TENDCTL" -S "$TEND_SOCK" events >"$T/ev1.out" 2>"$T/ev1.err"
ev1=$BG_PID
bg "$TENDCTL" -S "$TEND_SOCK" --json events >"$T/ev2.out" 2>"$T/ev2.err"
ev2=$BG_PID
# Both clients are connected once they saw an event: restart the marker
# until they do (a change before they connect is not theirs to see).
marker_seen() {
	grep -q '"marker"' "$T/ev1.out" && grep -q '"marker"' "$T/ev2.out"
}
for _ in $(seq 1 50); do
	ctl_expect 0 restart marker
	marker_seen && break
done
marker_seen || fail "the events clients saw no marker restart in 50 tries"
marker_done() {
	grep -q '"from": "starting", "to": "running"' "$T/ev1.out" &&
		grep -q '"from": "starting", "to": "running"' "$T/ev2.out"
}
WAIT_WHY="the marker's restart complete in both streams" wait_for 5 marker_done

svc_pid "$old_ns"
kill -KILL "$SVC_PID"
wait_stamps "$T/victim.rec" start 2 10
stamp_at "$T/victim.rec" start 2
new_ns=$STAMP_PID
WAIT_WHY="victim running again" wait_for 10 svc_is victim state running
got_running() {
	[ "$(grep -c '"victim"' "$1")" -ge 3 ] &&
		grep '"victim"' "$1" | tail -n 1 | grep -q '"to": "running"'
}
WAIT_WHY="the victim's restart in ev1" wait_for 5 got_running "$T/ev1.out"
WAIT_WHY="the victim's restart in ev2" wait_for 5 got_running "$T/ev2.out"
kill -INT "$ev1"
kill -INT "$ev2"
wait_exit "$ev1" 5
expect_eq "tendctl events exit status after SIGINT" 0 "$EXIT_CODE"
wait_exit "$ev2" 5
expect_eq "tendctl --json events exit status after SIGINT" 0 "$EXIT_CODE"
log "events:"$'\n'"$(cat "$T/ev1.out")"
# (The two may have connected a marker event apart: compare what came
# after both surely were connected.)
[ "$(grep '"victim"' "$T/ev1.out")" = "$(grep '"victim"' "$T/ev2.out")" ] ||
	fail "the two events clients saw different lines for the victim"

python3 - "$T/ev1.out" "$old_ns" "$new_ns" 2>"$T/py.err" <<'PY' || fail "events: $(cat "$T/py.err")"
import json, re, sys
path, old, new = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ev = [json.loads(l) for l in open(path)]
errs = []
def need(cond, what):
    if not cond:
        errs.append(what)
keys = {"ts", "service", "from", "to", "pid", "exit_code", "exit_signal", "reason"}
states = {"waiting", "starting", "running", "stopping", "backoff", "stopped", "done", "failed"}
for e in ev:
    need(set(e) >= keys, "missing %r in %r" % (keys - set(e), e))
    need(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", e["ts"]), "ts of %r" % e)
    need(e["from"] in states and e["to"] in states, "states of %r" % e)
need([e["ts"] for e in ev] == sorted(e["ts"] for e in ev), "ts not in order")
need(ev[0]["service"] == "marker", "first event %r: not the marker's (a change from before the client connected?)" % ev[0])
v = [e for e in ev if e["service"] == "victim"]
got = [(e["from"], e["to"]) for e in v]
want = [("running", "backoff"), ("backoff", "starting"), ("starting", "running")]
if got != want:
    raise SystemExit("victim's transitions: %r, expected %r" % (got, want))
crash = v[0]
# docs/protocol.md's example: running -> backoff with the pid that exited.
need(crash["pid"] == old, "running -> backoff event: pid %r, expected the pid that was killed, %d (docs/protocol.md's example gives it): %r" % (crash["pid"], old, crash))
need(crash["exit_signal"] == "KILL" and crash["exit_code"] is None, "crash event's exit: %r" % crash)
need(isinstance(crash["reason"], str) and crash["reason"], "crash event's reason: %r" % crash)
need(v[2]["pid"] == new, "starting -> running event: pid %r, expected %d" % (v[2]["pid"], new))
if errs:
    raise SystemExit("\n".join(errs))
PY
term_tend 20
pass
