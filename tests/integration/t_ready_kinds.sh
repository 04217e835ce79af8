#!/bin/bash
# Each kind of `ready` probe holds a service in `starting` (ready false) and
# its dependent in `waiting` until the probe succeeds; the dependent's start
# stamp is never earlier than the stamp its provider wrote just before it
# could first be seen ready:
# - tcp:PORT, a listener that opens its port after 1.5 s;
# - http://..., a server that answers 503 three times, then 200;
# - notify, READY=1 (with STATUS=warming up, logged by tend) after 1 s;
# - fd:3, a newline on fd 3 after 1 s; the service has fds 0-2 and 3 only
#   (fd:7: 0-2 and 7), its dependent 0-2 only;
# - exec:COMMAND, failing until a file exists, retried 50 ms after the
#   first failure, the interval doubling up to 1 s, run as the service's
#   user (nobody) with its env and workdir;
# - a bare command.
# Then, tend as a subreaper (so that pids are the same for the test and
# for tend): a READY=1 sent to a notify service's socket (its address read
# from the service's environment) by a process that is not the service's
# is ignored and logged with that pid; the service's own READY=1 counts,
# also from a child in its session; STOPPING=1 makes it not ready.
# tend runs in a network namespace of its own, so the ports are free (and
# the foreign sender enters it: abstract socket names are per namespace).
. "$(dirname "$0")/lib.sh"

# nobody must reach the program, the workdir and the record files.
chmod 711 "$T"
mkdir -m 755 "$T/wd" "$T/bin"
mkdir -m 777 "$T/pub"
cp "$TESTCHILD" "$T/bin/testchild"
chmod 755 "$T/bin/testchild"
TC=$T/bin/testchild
grep -q '^nobody:' /etc/passwd || fail "no user nobody in /etc/passwd"
nobody=$(id -u nobody)

write_conf "$T/tend.conf" <<CONF
service "tcp" {
	command = "$TESTCHILD listen 17101 $T/tcp.rec --after 1500"
	ready = "tcp:17101"
}
service "tcpdep" {
	command = "$TESTCHILD stamp $T/tcpdep.rec"
	depends = {"tcp"}
}
service "http" {
	command = "$TESTCHILD http 17102 $T/http.rec --fail-first 3 --status 503"
	ready = "http://127.0.0.1:17102/ready"
}
service "httpdep" {
	command = "$TESTCHILD stamp $T/httpdep.rec"
	depends = {"http"}
}
service "notify" {
	command = "$TESTCHILD notify $T/notify.rec --delay 1000 --status 'warming up'"
	ready = "notify"
}
service "notifydep" {
	command = "$TESTCHILD stamp $T/notifydep.rec"
	depends = {"notify"}
}
service "fd" {
	command = "$TESTCHILD readyfd 3 $T/fd.rec --delay 1000"
	ready = "fd:3"
}
service "fddep" {
	command = "$TESTCHILD stamp $T/fddep.rec"
	depends = {"fd"}
}
service "fd7" {
	command = "$TESTCHILD readyfd 7 $T/fd7.rec"
	ready = "fd:7"
}
service "exec" {
	command = "$TC stamp $T/pub/exec.rec"
	user = "nobody"
	workdir = "$T/wd"
	env = {"TEND_PROBE_VAR=from-env"}
	ready = "exec:$TC probe $T/pub/probe.rec --ok-if $T/pub/go"
}
service "execdep" {
	command = "$TESTCHILD stamp $T/execdep.rec"
	depends = {"exec"}
}
service "bare" {
	command = "$TESTCHILD stamp $T/bare.rec"
	ready = "$TESTCHILD probe $T/bare-probe.rec"
}
service "baredep" {
	command = "$TESTCHILD stamp $T/baredep.rec"
	depends = {"bare"}
}
CONF
start_tend_netns ns -c "$T/tend.conf"

# While the delayed ones are not ready: starting, not ready, and their
# dependents waiting. Conclusive only when the stamps that make them ready
# are not there yet once the answer is in.
wait_stamps "$T/tcp.rec" start 1 15
wait_stamps "$T/notify.rec" start 1 15
wait_stamps "$T/fd.rec" start 1 15
# (The listener writes its line before it listens.)
if port_listening 17101 && ! stamp_get "$T/tcp.rec" listen; then
	fail "port 17101 is in use in tend's network namespace before the listener opened it"
fi
ctl_expect 0 --json status
early=$CTL_OUT
checked=0
for pair in tcp:listen notify:notify fd:readyfd; do
	s=${pair%%:*}
	k=${pair#*:}
	stamp_get "$T/$s.rec" "$k" && continue
	python3 -c 'import json, sys
d = {s["name"]: s for s in json.load(sys.stdin)["services"]}
p, dep = d[sys.argv[1]], d[sys.argv[1] + "dep"]
if (p["state"], p["ready"]) != ("starting", False) or dep["state"] != "waiting" or dep["pid"] is not None:
    raise SystemExit("%s: %s ready=%s, %sdep: %s pid %s; expected starting, not ready, and waiting"
                     % (p["name"], p["state"], p["ready"], p["name"], dep["state"], dep["pid"]))' \
		"$s" <<<"$early" >"$T/py.txt" 2>&1 || fail "$s before its probe succeeded: $(cat "$T/py.txt")"
	checked=$((checked + 1))
done
# (On a very slow machine all may be ready by then: the stamps below
# still prove the order.)
log "$checked of 3 delayed services seen starting (not ready) with their dependents waiting"

for s in tcp http notify fd bare; do
	wait_stamps "$T/${s}dep.rec" start 1 20
done

# order PROVIDER_WHAT PROVIDER_MS DEP: DEP's start stamp is not earlier
# than PROVIDER_MS, and not much later (retries are at most 1 s apart).
order() {
	stamp_at "$T/$3.rec" start
	log "$3 started $((STAMP_MS - $2)) ms after $1"
	((STAMP_MS >= $2)) || fail "$3 started $(($2 - STAMP_MS)) ms before $1"
	((STAMP_MS - $2 < 3000)) || fail "$3 started $((STAMP_MS - $2)) ms after $1: expected within about 1 s"
}

stamp_at "$T/tcp.rec" start
t_start=$STAMP_MS
stamp_at "$T/tcp.rec" listen
((STAMP_MS - t_start >= 1500)) || fail "tcp listened $((STAMP_MS - t_start)) ms after its start (--after 1500)"
order "tcp opened its port" "$STAMP_MS" tcpdep

stamp_count "$T/http.rec" answer
n_answers=$STAMP_N
stamp_arg "$T/http.rec" answer 200 || fail "http never answered 200"
t_ok=$STAMP_MS
i=0
while stamp_get "$T/http.rec" answer $((i + 1)) && [ "$STAMP_ARG" = 503 ]; do
	i=$((i + 1))
done
expect_eq "503 answers before the first 200" 3 "$i"
((n_answers == 4)) || fail "http answered $n_answers requests, expected 4 (3 times 503, then 200, then ready: no more ready probes)"
order "http answered 200" "$t_ok" httpdep

stamp_at "$T/notify.rec" notify
order "notify sent READY=1" "$STAMP_MS" notifydep
log_has "tend: service notify: status: warming up" ||
	fail "no 'service notify: status: warming up' in tend's log"

stamp_at "$T/fd.rec" readyfd
order "fd wrote its newline" "$STAMP_MS" fddep

stamp_arg "$T/bare-probe.rec" probe-end 0 || fail "the bare command probe of bare never succeeded"
order "bare's probe command succeeded" "$STAMP_MS" baredep

# The fd tables, the notify socket in the environment of notify only.
# (Each read after it wrote past its exec: its close-on-exec fds are closed.)
WAIT_WHY="fd7 ready" wait_for 10 svc_is fd7 ready True
for pair in fd:"0 1 2 3" fd7:"0 1 2 7" fddep:"0 1 2" notify:"0 1 2"; do
	s=${pair%%:*}
	svc_host_pid "$s"
	expect_eq "fds of $s" "${pair#*:}" "$(fd_list "$SVC_PID")"
done
svc_host_pid notify
addr=$(env_of "$SVC_PID" NOTIFY_SOCKET) || fail "notify has no NOTIFY_SOCKET"
[[ $addr == @?* ]] || fail "NOTIFY_SOCKET of notify is '$addr', expected an abstract address (@...)"
for s in tcp fd notifydep; do
	svc_host_pid "$s"
	env_of "$SVC_PID" NOTIFY_SOCKET >/dev/null && fail "$s has NOTIFY_SOCKET, though its ready is not notify"
done
log "fds: fd 0 1 2 3, fd7 0 1 2 7, the others 0 1 2; NOTIFY_SOCKET=$addr for notify only"

# exec: the retries come 50, 100, 200, 400, 800 ms after a failure, then
# every 1 s; meanwhile exec is starting and execdep waiting. (tend's timers
# count from its loop's time, which may be some ms older than the exit it
# just reaped: 30 ms of slack.)
has_ends() {
	stamp_count "$T/pub/probe.rec" probe-end
	((STAMP_N >= $1))
}
WAIT_WHY="9 failed ready probes of exec" wait_for 30 has_ends 9
if ! svc_is exec state starting || ! svc_is exec ready False || ! svc_is execdep state waiting; then
	fail "exec: $(svc_json exec state), ready $(svc_json exec ready); execdep $(svc_json execdep state): expected starting, False, waiting while the probe fails"
fi
stamp_get "$T/execdep.rec" start && fail "execdep started while the ready probe of exec fails"
stamp_at "$T/pub/exec.rec" start
t_exec=$STAMP_MS
stamp_at "$T/pub/probe.rec" probe
((STAMP_MS - t_exec < 1000)) || fail "the first ready probe of exec came $((STAMP_MS - t_exec)) ms after its start: expected at once"
want=(50 100 200 400 800 1000 1000 1000)
gaps=
for i in 1 2 3 4 5 6 7 8; do
	stamp_at "$T/pub/probe.rec" probe-end "$i"
	end=$STAMP_MS
	expect_eq "exit code of ready probe $i of exec" 1 "$STAMP_ARG"
	stamp_at "$T/pub/probe.rec" probe $((i + 1))
	gap=$((STAMP_MS - end))
	w=${want[i - 1]}
	gaps+=" $gap"
	((gap >= w * 8 / 10 - 30)) || fail "ready probe $((i + 1)) of exec came $gap ms after the previous one ended: expected about $w ms"
	((gap < w + 800)) || fail "ready probe $((i + 1)) of exec came $gap ms after the previous one ended: expected about $w ms (the interval doubles up to 1 s)"
done
log "exec: ready probes${gaps} ms after the previous one failed (50 ms doubling up to 1 s)"
line=$(grep -m 1 '^probe ' "$T/pub/probe.rec")
[[ $line == *" uid=$nobody cwd=$T/wd var=from-env" ]] ||
	fail "the ready probe of exec ran as '${line#probe * * }', expected uid=$nobody cwd=$T/wd var=from-env (the service's user, workdir and env)"
now_ms
t_go=$NOW_MS
: >"$T/pub/go"
wait_stamps "$T/execdep.rec" start 1 10
stamp_arg "$T/pub/probe.rec" probe-end 0 || fail "no successful ready probe of exec"
((STAMP_MS >= t_go)) || fail "a ready probe of exec succeeded before the file it needs existed"
order "exec's probe succeeded" "$STAMP_MS" execdep
WAIT_WHY="every service running and ready" wait_for 10 ctl_true \
	"all(s['state'] == 'running' and s['ready'] for s in d['services'])"

term_tend 20

# notify: who may say READY=1. tend as a subreaper: this test's pid is the
# one tend sees.
write_conf "$T/n.conf" <<CONF
service "nf" {
	command = "$TESTCHILD notify $T/nf.rec --wait-usr1"
	ready = "notify"
}
service "nfdep" {
	command = "$TESTCHILD stamp $T/nfdep.rec"
	depends = {"nf"}
}
service "nc" {
	command = "$TESTCHILD notify $T/nc.rec --from-child"
	ready = "notify"
}
service "ncdep" {
	command = "$TESTCHILD stamp $T/ncdep.rec"
	depends = {"nc"}
}
CONF
TEND_WRAP=("$TESTCHILD" netns)
RUN=sub start_tend sub -c "$T/n.conf"
wait_stamps "$T/nf.rec" start 1 15
stamp_at "$T/nf.rec" start
nf_pid=$STAMP_PID
addr=$(env_of "$nf_pid" NOTIFY_SOCKET) || fail "nf has no NOTIFY_SOCKET"
NOTIFY_SOCKET=$addr timeout 10 nsenter --net="/proc/$TEND_PID/ns/net" \
	"$TESTCHILD" notify-send READY=1 --rec "$T/foreign.rec" ||
	fail "could not send READY=1 to $addr"
stamp_at "$T/foreign.rec" sent
WAIT_WHY="the foreign message logged" wait_for 10 log_has "notify message from pid $STAMP_PID ignored"
log "$(grep -m 1 'notify message from pid' "$ERR")"
not_ready() {
	svc_is nf state starting && svc_is nf ready False && svc_is nfdep state waiting &&
		! stamp_get "$T/nfdep.rec" start
}
holds 500 "nf became ready, or nfdep started, on a foreign READY=1" not_ready
now_ms
t_usr1=$NOW_MS
kill -USR1 "$nf_pid"
wait_stamps "$T/nfdep.rec" start 1 10
stamp_at "$T/nf.rec" notify
expect_eq "pid that sent nf's READY=1" "$nf_pid" "$STAMP_PID"
((STAMP_MS >= t_usr1)) || fail "nf sent READY=1 before it was told to"
order "nf sent READY=1" "$STAMP_MS" nfdep

wait_stamps "$T/ncdep.rec" start 1 10
stamp_at "$T/nc.rec" start
nc_pid=$STAMP_PID
stamp_at "$T/nc.rec" notify
[ "$STAMP_PID" != "$nc_pid" ] || fail "nc's READY=1 did not come from its child"
order "nc's child sent READY=1" "$STAMP_MS" ncdep
log_has "service nc: notify message" && fail "a message of nc's child was ignored: $(grep 'service nc: notify' "$ERR")"
log "nc's READY=1 from its child (pid $STAMP_PID, main pid $nc_pid) accepted"

# STOPPING=1: running, not ready.
WAIT_WHY="nf running and ready" wait_for 10 svc_is nf ready True
kill -USR2 "$nf_pid"
wait_stamps "$T/nf.rec" stopping 1 10
WAIT_WHY="nf not ready after STOPPING=1" wait_for 10 svc_is nf ready False
expect_eq "nf's state after STOPPING=1" running "$(svc_json nf state)"
ctl_expect 1 check nf
log "STOPPING=1: nf running, not ready, check nf exits 1 ($CTL_OUT)"

term_tend 20
pass
