#!/bin/bash
# tendctl against a running tend (PID 1 of a PID namespace): `status` (the
# table: its header and one row per service with the right state and pid;
# `--json`: every field of SPEC §4's status object, with its type), `check`
# (0 when every service wanted up is ready), `restart` (returns once the
# service runs again: a new pid, a new run recorded by the service),
# `--no-wait` (returns while the service is still stopping; the waiting
# form only once the slow stop is over), `stop` (stays down, no restart,
# until `start`), `signal` (the service records it), exit 2 for an unknown
# service (nothing done to the other names of the request), a bad signal
# and bad usage, `shutdown` (tend exits 0), and exit 3 without a tend: no
# socket file, a stale socket file nobody listens on, the socket of the
# tend that just exited.
. "$(dirname "$0")/lib.sh"

conf=$T/tend.conf
write_conf "$conf" <<EOF
service "a" { command = "$TESTCHILD stamp $T/a.rec" }
service "b" { command = "$TESTCHILD record $T/b.rec TERM=0" }
service "slow" { command = "$TESTCHILD stamp $T/slow.rec --term-delay 2000" }
service "off" {
	command = "$TESTCHILD stamp $T/off.rec"
	disabled = true
}
EOF
start_tend ns -c "$conf"
wait_stamps "$T/a.rec" start 1 15
wait_stamps "$T/slow.rec" start 1 15
wait_ready "$T/b.rec" 15
stamp_at "$T/a.rec" start
a_pid=$STAMP_PID
stamp_at "$T/slow.rec" start
slow_pid=$STAMP_PID
b_pid=$CHILD_NSPID
WAIT_WHY="a, b and slow running" wait_for 10 ctl_true \
	"all(s['state'] == 'running' for s in d['services'] if s['name'] != 'off')"

# ---- status: the table
ctl_expect 0 status
log "status:"$'\n'"$CTL_OUT"
header=$(head -n 1 <<<"$CTL_OUT" | tr -s ' ')
[[ $header == "NAME STATE PID UPTIME RESTARTS LAST-EXIT READY HEALTH"* ]] ||
	fail "status header: got '$header'"
expect_eq "status rows (header excluded)" 4 "$(($(wc -l <<<"$CTL_OUT") - 1))"
# row NAME STATE PID: the row of NAME has that state and pid.
row() {
	local line
	line=$(awk -v n="$1" '$1 == n' <<<"$CTL_OUT")
	[ -n "$line" ] || fail "status: no row for $1"
	read -r -a f <<<"$line"
	expect_eq "status row $1: state" "$2" "${f[1]}"
	expect_eq "status row $1: pid" "$3" "${f[2]}"
	expect_eq "status row $1: ready" "$4" "${f[6]}"
}
row a running "$a_pid" yes
row b running "$b_pid" yes
row slow running "$slow_pid" yes
row off stopped - no
ctl_expect 0 status b
expect_eq "rows of 'status b' (header included)" 2 "$(wc -l <<<"$CTL_OUT")"
awk 'NR == 2 && $1 == "b" {ok = 1} END {exit !ok}' <<<"$CTL_OUT" ||
	fail "status b: got '$CTL_OUT'"

# ---- status --json: SPEC §4's object
ctl_expect 0 --json status
J=$CTL_OUT python3 - "$a_pid" "$b_pid" "$slow_pid" 2>"$T/py.err" <<'PY' ||
	fail "status --json: $(cat "$T/py.err"); got: $CTL_OUT"
import json, os, sys
d = json.loads(os.environ["J"])
num = (int, float)
def need(cond, what):
    if not cond:
        raise SystemExit(what)
need(isinstance(d["version"], str) and d["version"], "version")
need(d["pid"] == 1, "pid: tend is PID 1 of its namespace, got %r" % d["pid"])
need(isinstance(d["uptime"], num) and d["uptime"] >= 0, "uptime")
need(d["orphans_reaped"] == 0, "orphans_reaped")
need(d["shutting_down"] is False, "shutting_down")
names = [s["name"] for s in d["services"]]
need(sorted(names) == ["a", "b", "off", "slow"], "services: %r" % names)
keys = {"name", "state", "pid", "uptime", "restarts", "ready", "health",
        "exit_code", "exit_signal", "main", "critical"}
pids = dict(zip(["a", "b", "slow"], map(int, sys.argv[1:4])))
for s in d["services"]:
    need(keys <= set(s), "%s lacks %r" % (s["name"], keys - set(s)))
    need(s["restarts"] == 0 and s["health"] is None and s["exit_code"] is None
         and s["exit_signal"] is None and s["main"] is False
         and s["critical"] is False, "fields of %r" % s)
    if s["name"] == "off":
        need(s["state"] == "stopped" and s["pid"] is None
             and s["uptime"] is None and s["ready"] is False, "off: %r" % s)
    else:
        need(s["state"] == "running" and s["pid"] == pids[s["name"]]
             and isinstance(s["uptime"], num) and s["uptime"] >= 0
             and s["ready"] is True, "%r" % s)
PY

# ---- check: all wanted up are ready (off is disabled: not wanted up)
ctl_expect 0 check

# ---- restart waits until the new run is there
ctl_expect 0 restart a
restart_out=$CTL_OUT
ctl_json "[s for s in d['services'] if s['name'] == 'a'][0]" >"$T/a.json" ||
	fail "status after restart"
new_a=$(svc_json a pid)
[ "$new_a" != "$a_pid" ] || fail "restart a returned while a still has its old pid $a_pid"
svc_is a state running || fail "restart a returned before a runs again: $(cat "$T/a.json")"
stamp_count "$T/a.rec" start
expect_eq "runs of a after restart" 2 "$STAMP_N"
stamp_at "$T/a.rec" start 2
expect_eq "pid of a's second run (its record) against status" "$STAMP_PID" "$new_a"
stamp_at "$T/a.rec" TERM
expect_eq "pid of a that got TERM" "$a_pid" "$STAMP_PID"
[[ $restart_out == *"a: running (pid $new_a)"* ]] || fail "restart a printed '$restart_out'"
a_pid=$new_a

# ---- --no-wait: slow takes 2 s to stop
now_ms
t0=$NOW_MS
ctl_expect 0 --no-wait restart slow
now_ms
log "restart --no-wait slow: $((NOW_MS - t0)) ms: $CTL_OUT"
((NOW_MS - t0 < 1500)) || fail "restart --no-wait took $((NOW_MS - t0)) ms (slow stops in 2 s)"
[[ $CTL_OUT == *"slow: stopping"* ]] || fail "restart --no-wait printed '$CTL_OUT'"
wait_stamps "$T/slow.rec" TERM 1 5
svc_is slow pid "$slow_pid" || fail "slow's old process is gone at once after --no-wait (it takes 2 s)"
wait_stamps "$T/slow.rec" start 2 10
stamp_at "$T/slow.rec" start 2
slow_pid=$STAMP_PID
WAIT_WHY="slow running again" wait_for 10 svc_is slow state running
now_ms
t0=$NOW_MS
ctl_expect 0 restart slow
now_ms
log "restart slow (waiting): $((NOW_MS - t0)) ms: $CTL_OUT"
((NOW_MS - t0 >= 1900)) || fail "restart slow returned after $((NOW_MS - t0)) ms, before its 2 s stop was over"
# Running is the exec done: the new run's stamp line may still be on its way.
wait_stamps "$T/slow.rec" start 3 10
stamp_count "$T/slow.rec" start
expect_eq "runs of slow" 3 "$STAMP_N"
stamp_at "$T/slow.rec" start 3
svc_is slow pid "$STAMP_PID" || fail "after restart slow, status has not the new run's pid $STAMP_PID"
svc_is slow state running || fail "after restart slow, slow is not running"

# ---- stop keeps a down until start
ctl_expect 0 stop a
svc_is a state stopped || fail "stop a returned before a is stopped: $(svc_json a state)"
svc_is a pid None || fail "stopped a still has a pid"
p=$(host_pid "$a_pid") && alive "$p" && fail "a's process $a_pid still alive after stop"
stamp_count "$T/a.rec" TERM
expect_eq "TERMs a got" 2 "$STAMP_N"
ctl_expect 0 check
a_down() { stamp_count "$T/a.rec" start && ((STAMP_N == 2)) && svc_is a state stopped; }
holds 2000 "a started again after tendctl stop" a_down
ctl_expect 0 start a
svc_is a state running || fail "start a returned before a runs"
stamp_count "$T/a.rec" start
expect_eq "runs of a after start" 3 "$STAMP_N"
stamp_at "$T/a.rec" start 3
svc_is a pid "$STAMP_PID" || fail "after start, status has not a's new pid"
a_pid=$STAMP_PID

# ---- a disabled service starts with start
ctl_expect 0 start off
wait_stamps "$T/off.rec" start 1 5
svc_is off state running || fail "off not running after start"

# ---- signal
ctl_expect 0 signal USR1 b
wait_line "$T/b.rec" USR1 5
ctl_expect 0 signal SIGHUP b
wait_line "$T/b.rec" HUP 5
ctl_expect 0 signal 12 b
wait_line "$T/b.rec" USR2 5
expect_eq "b's record" "USR1 HUP USR2" "$(record_lines "$T/b.rec")"

# ---- exit 2: unknown service (nothing done), bad signal, bad usage
ctl_expect 2 restart a nosuch
[[ $CTL_ERR == *nosuch* ]] || fail "restart a nosuch: stderr '$CTL_ERR' does not name nosuch"
ctl_expect 2 stop nosuch a
ctl_expect 2 signal USR1 b nosuch
ctl_expect 2 signal NOSIG b
ctl_expect 2 signal 0x b
ctl_expect 2 status nosuch
ctl_expect 2 check nosuch
untouched() {
	stamp_count "$T/a.rec" start
	((STAMP_N == 3)) || return 1
	stamp_count "$T/a.rec" TERM
	((STAMP_N == 2)) || return 1
	[ "$(record_lines "$T/b.rec")" = "USR1 HUP USR2" ] || return 1
	svc_is a pid "$a_pid"
}
holds 1000 "a request naming an unknown service did something to a or b" untouched
for args in "" "bogus" "start" "stop" "restart" "signal" "signal USR1" \
	"--bogus status" "reload extra" "shutdown now" "events x" "metrics x" \
	"--timeout x status" "-S"; do
	# shellcheck disable=SC2086
	ctl_raw -S "$TEND_SOCK" $args
	[ "$CTL_RC" = 2 ] || fail "tendctl $args: exit $CTL_RC, expected 2 (usage); stderr: $CTL_ERR"
done
ctl_raw
[ "$CTL_RC" = 2 ] || fail "tendctl with no arguments: exit $CTL_RC, expected 2"
holds 300 "bad usage did something" untouched

# ---- exit 3 without a tend
ctl_raw -S "$T/none.sock" status
expect_eq "status on a socket path that does not exist" 3 "$CTL_RC"
python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.close()' "$T/stale.sock" || fail "cannot make a stale socket"
[ -S "$T/stale.sock" ] || fail "test bug: no stale socket file"
ctl_raw -S "$T/stale.sock" status
expect_eq "status on a stale socket file" 3 "$CTL_RC"
ctl_raw -S "$T/stale.sock" restart a
expect_eq "restart on a stale socket file" 3 "$CTL_RC"
ctl_raw -S "$T/a.rec" check
expect_eq "check on a file that is not a socket" 3 "$CTL_RC"
[[ $CTL_ERR == tendctl:* ]] || fail "stderr of an unreachable tend: '$CTL_ERR'"

# ---- shutdown
ctl_expect 0 shutdown
wait_exit "$JOB_PID" 20
expect_eq "tend's exit status after tendctl shutdown" 0 "$EXIT_CODE"
stamp_count "$T/a.rec" TERM
expect_eq "TERMs a got (the shutdown's included)" 3 "$STAMP_N"
ctl status
expect_eq "status once tend exited" 3 "$CTL_RC"
pass
