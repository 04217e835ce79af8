#!/bin/bash
# Nothing of tend's leaks into what it starts, even while everything that
# holds an fd in tend is open: tend as PID 1 (in a network namespace of its
# own), started with fds 0-2 only and a known environment (env -i), with
# log pipes busy (talk), a log file open (filed), another service's notify
# socket and readiness pipe (notifier, fdready), an http health check held
# open by its server (web: the probe's socket stays connected), and two
# tendctl streams connected (events, log -f). Services restarted then
# (plain, notifier, fdready), an exec health check run then (its probe
# process), and the main command of both mode have: fds 0, 1, 2 only (and
# fd 7 for `ready = "fd:7"`), stdin on /dev/null (but the main command,
# which keeps tend's), the environment tend was given and nothing more (no
# NOTIFY_SOCKET but for `ready = "notify"`, no LISTEN_*, no variable of
# tend's own), an empty signal mask and no ignored signal (tend was
# started with INT, QUIT, USR2 and PIPE ignored, and blocks what it reads
# through signalfd).
. "$(dirname "$0")/lib.sh"

TC=$TESTCHILD
write_conf "$T/tend.conf" <<CONF
service "plain" { command = "$TC sleep --fds $T/plain.fds" }
service "talk" { command = "$TC tick 20 --tag talk" }
service "filed" {
	command = "$TC tick 50 --tag filed"
	log = "file:$T/filed.log"
}
service "notifier" {
	command = "$TC notify $T/notifier.rec"
	ready = "notify"
}
service "fdready" {
	command = "$TC readyfd 7 $T/fdready.rec"
	ready = "fd:7"
}
service "web" {
	command = "$TC http 17301 $T/web.rec --fail-first 0 --hang-file $T/hang-http"
	health-check = "http://127.0.0.1:17301/health"
	health-interval = 0.2
	health-timeout = 60
}
service "checked" {
	command = "$TC sleep"
	health-check = "exec:$TC probe $T/probe.rec --hang-if $T/hang-exec"
	health-interval = 0.2
	health-timeout = 60
}
CONF

# The whole environment of tend (and so of what it starts).
TEND_ENV=(PATH=/usr/local/bin:/usr/bin:/bin HOME=/ LANG=C SEC_KEEP=kept)
IGNORE='trap "" INT QUIT USR2 PIPE; exec "$@"'
# shellcheck disable=SC2034 # read by lib.sh's tend_ns
TEND_WRAP=("$TC" closefds bash -c "$IGNORE" bash
	env -i "${TEND_ENV[@]}" "$TC" netns)
start_tend ns -c "$T/tend.conf" -- "$TC" sleep --fds "$T/main.fds"
WAIT_WHY="tend in a network namespace of its own" wait_for 10 netns_isolated
WAIT_WHY="every service running" wait_for 20 ctl_true \
	"len(d['services']) == 8 and all(s['state'] == 'running' and s['ready'] for s in d['services'])"
[ "$(status_field "$TEND_PID" SigIgn)" != 0000000000000000 ] ||
	fail "tend's own SigIgn is 0: the services' SigIgn proves nothing"
[ "$(status_field "$TEND_PID" SigBlk)" != 0000000000000000 ] ||
	fail "tend's own SigBlk is 0: the services' SigBlk proves nothing"

# A process's fd table (and environment) is worth reading only once its exec
# is complete: /proc/PID/exe names the new program before the kernel has
# closed the close-on-exec fds. So each process checked below has written
# something after its exec: plain and the main command their fds
# (`sleep --fds`, waited for here and, for plain's new run, after the
# restart), notifier and fdready their READY=1 and newline (which `tendctl
# restart` waits for), the exec probe its probe-hang line.
WAIT_WHY="plain listing its fds" wait_for 10 test -e "$T/plain.fds"
WAIT_WHY="the main command listing its fds" wait_for 10 test -e "$T/main.fds"
rm -f "$T/plain.fds"

# Hold an http health check open: the next request is never answered.
: >"$T/hang-http"
WAIT_WHY="a held health check" wait_for 10 grep -q '^hang ' "$T/web.rec"
# Two streams connected.
bg "$TENDCTL" -S "$TEND_SOCK" events >"$T/events.out" 2>"$T/events.err"
bg "$TENDCTL" -S "$TEND_SOCK" log -f -n 1 talk >"$T/follow.out" 2>"$T/follow.err"
WAIT_WHY="tendctl log -f streaming" wait_for 10 test -s "$T/follow.out"
ctl_expect 0 restart plain notifier fdready
WAIT_WHY="plain's new run listing its fds" wait_for 10 test -e "$T/plain.fds"
grep -q '"service": "plain"' "$T/events.out" ||
	WAIT_WHY="the restarts in the events stream" wait_for 5 grep -q '"service": "plain"' "$T/events.out"

# What tend holds open meanwhile: the fds a child could have inherited.
tfds=$(fd_list "$TEND_PID")
kinds=$(for f in $tfds; do readlink "/proc/$TEND_PID/fd/$f"; done |
	sed 's/:\[[0-9]*\]$//; s/^anon_inode:.*/anon_inode/; s/^\/.*/file/' | sort | uniq -c | tr -s ' \n' ' ')
log "tend's fds: $tfds ($kinds)"
nsock=$(for f in $tfds; do readlink "/proc/$TEND_PID/fd/$f"; done | grep -c '^socket:')
# The control socket, its two clients, a notify socket, the probe's.
((nsock >= 5)) || fail "tend has $nsock sockets open, expected 5 or more: nothing to leak?"

# An exec health check started now, held running.
: >"$T/hang-exec"
WAIT_WHY="the exec probe held" wait_for 10 grep -q '^probe-hang ' "$T/probe.rec"
probe_ns=$(awk '$1 == "probe-hang" {p = $2} END {print p}' "$T/probe.rec")
PROBE=$(host_pid "$probe_ns") || fail "no probe process $probe_ns"

# env_keys PID: the names in PID's environment, sorted, space separated.
env_keys() {
	tr '\0' '\n' <"/proc/$1/environ" | sed 's/=.*//' | sort | tr '\n' ' ' | sed 's/ $//'
}
base=$(printf '%s\n' "${TEND_ENV[@]}" | sed 's/=.*//' | sort | tr '\n' ' ' | sed 's/ $//')
with_notify=$(printf '%s\n' "${TEND_ENV[@]}" NOTIFY_SOCKET= | sed 's/=.*//' | sort | tr '\n' ' ' | sed 's/ $//')

# clean WHAT PID FDS ENVKEYS STDIN: the checks of one process.
clean() {
	local what=$1 pid=$2
	expect_eq "$what: fds" "$3" "$(fd_list "$pid")"
	expect_eq "$what: stdin" "$5" "$(readlink "/proc/$pid/fd/0")"
	expect_eq "$what: environment names" "$4" "$(env_keys "$pid")"
	expect_eq "$what: SEC_KEEP" kept "$(env_of "$pid" SEC_KEEP)"
	expect_eq "$what: SigBlk" 0000000000000000 "$(status_field "$pid" SigBlk)"
	expect_eq "$what: SigIgn" 0000000000000000 "$(status_field "$pid" SigIgn)"
	log "$what: fds $(fd_list "$pid"): $(for f in $(fd_list "$pid"); do
		printf '%s ' "$(readlink "/proc/$pid/fd/$f")"
	done)"
}

declare -A PIDS=()
for s in plain notifier fdready; do
	svc_host_pid "$s"
	PIDS[$s]=$SVC_PID
done
expect_eq "plain: fds as it lists them" "0 1 2" "$(cat "$T/plain.fds")"
clean plain "${PIDS[plain]}" "0 1 2" "$base" /dev/null
clean notifier "${PIDS[notifier]}" "0 1 2" "$with_notify" /dev/null
[[ $(env_of "${PIDS[notifier]}" NOTIFY_SOCKET) == @* ]] ||
	fail "notifier's NOTIFY_SOCKET: '$(env_of "${PIDS[notifier]}" NOTIFY_SOCKET)'"
clean fdready "${PIDS[fdready]}" "0 1 2 7" "$base" /dev/null
clean "exec probe" "$PROBE" "0 1 2" "$base" /dev/null
expect_eq "exec probe: stdout" /dev/null "$(readlink "/proc/$PROBE/fd/1")"
# The main command: tend's stdin (the test's /dev/null), its own output.
main=$(svc_json main pid) || fail "no main in status"
svc_pid "$main"
expect_eq "main command: fds as it lists them" "0 1 2" "$(cat "$T/main.fds")"
clean "main command" "$SVC_PID" "0 1 2" "$base" /dev/null
# The stdio of a piped service are its own pipes, not another's.
p1=$(readlink "/proc/${PIDS[plain]}/fd/1")
n1=$(readlink "/proc/${PIDS[notifier]}/fd/1")
[[ $p1 == pipe:* ]] || fail "plain's stdout is not a pipe: $p1"
[ "$p1" != "$n1" ] || fail "plain and notifier share their stdout pipe $p1"

rm -f "$T/hang-http" "$T/hang-exec"
kill -s TERM "$TEND_PID"
wait_exit "$JOB_PID" 20
log "tend's exit status after SIGTERM: $EXIT_CODE"
pass
