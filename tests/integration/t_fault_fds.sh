#!/bin/bash
# fd exhaustion (tend as PID 1 of a namespace, 40 services of two pipes
# each, restart-delay 0.2 s up to 1 s):
# - tend started with RLIMIT_NOFILE 64 (hard): the services it has no fds
#   for are failed starts ("cannot ...: Too many open files") in backoff;
#   tend never holds more than 64 fds; over 3 s a few attempts each and
#   little CPU time, the running ones undisturbed; `tendctl status`
#   answers. Then 100 idle connections to the control socket take every fd
#   left: accept fails with EMFILE and pauses (little CPU time meanwhile);
#   a `tendctl status` waiting behind them is answered once they close.
#   Recovery: 25 running services stopped (`tendctl stop`) free their fds
#   and every service still wanted up runs.
# - tend's soft limit lowered to 64 while it runs (prlimit --pid), then 40
#   services started at once (`tendctl start`): the same failed starts;
#   the limit raised again: all 40 run.
# Each time SIGTERM then ends tend with 0 within shutdown-timeout. The
# accept failure is reported once per episode, not at each retry.
. "$(dirname "$0")/lib.sh"

command -v prlimit >/dev/null || {
	log "SKIP: no prlimit"
	pass
}
N=40
EMFILE_TEXT="Too many open files"

conf() {
	local i
	echo "shutdown-timeout = 5"
	for ((i = 1; i <= N; i++)); do
		cat <<CONF
service "s$i" {
	command = "$TESTCHILD stamp $T/s$i.rec"
	restart-delay = 0.2
	restart-delay-max = 1
	disabled = $1
}
CONF
	done
}

count_state() {
	ctl_json "sum(1 for s in d['services'] if s['state'] == '$1')"
}
running_is() {
	local v
	v=$(count_state running) || return 1
	[ "$v" = "$1" ]
}
# settled: no service starting; some running, the others in backoff after
# a failed start.
settled() {
	ctl_true "all(s['state'] in ('running', 'backoff') for s in d['services']) and 0 < sum(1 for s in d['services'] if s['state'] == 'running') < $N and all(s['restarts'] >= 1 for s in d['services'] if s['state'] == 'backoff')"
}
# steady: the running services stay the same for 1.5 s (the first failed
# starts may come from fds that other starts held for a moment: their
# retry can succeed).
steady() {
	local before now end
	before=$(running_pids) || return 1
	now_ms
	end=$((NOW_MS + 1500))
	while now_ms && ((NOW_MS < end)); do
		_nap
	done
	now=$(running_pids) || return 1
	[ "$now" = "$before" ]
}
running_pids() {
	ctl_json "' '.join('%s=%s' % (s['name'], s['pid']) for s in d['services'] if s['state'] == 'running')"
}
fds_at_most() {
	local n
	n=$(fd_count "$TEND_PID")
	((n <= $1)) || fail "tend holds $n fds, over its limit of $1"
}

# no_busy_loop NAME: over 3 s, the running services keep their pids, the
# failed starts are a few per service in backoff, tend uses little CPU.
no_busy_loop() {
	local name=$1 before n0 n1 c0 c1 failing
	before=$(running_pids) || fail "[$name] tendctl status failed"
	failing=$(count_state backoff)
	n0=$(count_lines "$ERR" "$EMFILE_TEXT")
	cpu_ms "$TEND_PID"
	c0=$CPU_MS
	same_running() {
		local now
		fds_at_most "$LIMIT"
		now=$(running_pids) || return 1
		[ "$now" = "$before" ] ||
			fail "[$name] the running services changed: were '$before', now '$now'"
	}
	holds 3000 "[$name] tendctl status failed" same_running
	n1=$(count_lines "$ERR" "$EMFILE_TEXT")
	cpu_ms "$TEND_PID"
	c1=$CPU_MS
	log "[$name] $(count_state running) running, $failing in backoff; over 3 s: $((n1 - n0)) lines '$EMFILE_TEXT', $((c1 - c0)) ms of tend's CPU time; $(fd_count "$TEND_PID") fds"
	((n1 - n0 >= 1)) || fail "[$name] no failed start in 3 s: the services in backoff are not retried"
	((n1 - n0 <= failing * 6)) ||
		fail "[$name] $((n1 - n0)) failed starts in 3 s for $failing services in backoff (up to 1 s): a busy loop"
	((c1 - c0 < 1000)) || fail "[$name] tend used $((c1 - c0)) ms of CPU in 3 s"
}

shutdown_ok() { term_tend_within 5000 "[$1]"; }

# ---- started with a hard limit of 64
LIMIT=64
conf false | write_conf "$T/tend.conf"
# closefds: tend's fds are its own, not what this shell has open.
TEND_WRAP=("$TESTCHILD" closefds prlimit "--nofile=$LIMIT:$LIMIT")
RUN=hard start_tend ns -c "$T/tend.conf"
WAIT_WHY="[hard] tend started" wait_for 10 tend_execd
limit_of "$TEND_PID" "Max open files"
expect_eq "tend's RLIMIT_NOFILE" "$LIMIT $LIMIT" "$LIMIT_SOFT $LIMIT_HARD"
WAIT_WHY="[hard] some services running, the others in backoff" wait_for 20 settled
WAIT_WHY="[hard] the running services steady" wait_for 20 steady
log_has "$EMFILE_TEXT" || fail "[hard] no '$EMFILE_TEXT' in tend's log"
log "[hard] $(grep -m1 -F "$EMFILE_TEXT" "$ERR")"
no_busy_loop hard

# Idle clients take the fds left. Non-blocking connects: those tend cannot
# accept wait in the socket's backlog.
bg python3 -c 'import socket, sys, time
socks = []
for i in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(sys.argv[1])
    except BlockingIOError:
        pass
    socks.append(s)
open(sys.argv[3], "w").write("held %d\n" % len(socks))
time.sleep(3600)' "$TEND_SOCK" 100 "$T/held"
HOLDER=$BG_PID
WAIT_WHY="the idle clients connected" wait_for 10 test -s "$T/held"
accept_failed() { grep -q "control socket: accept.*$EMFILE_TEXT" "$ERR"; }
WAIT_WHY="accept failing for lack of fds" wait_for 5 accept_failed
a0=$(grep -c "control socket: accept" "$ERR")
cpu_ms "$TEND_PID"
c0=$CPU_MS
# A client behind the idle ones (tendctl retries nothing: one connect).
bg "$TENDCTL" -S "$TEND_SOCK" status >"$T/waiter.out" 2>&1
WAITER=$BG_PID
holds 2000 "tendctl status answered while no fd was free" alive "$WAITER"
cpu_ms "$TEND_PID"
c1=$CPU_MS
a1=$(grep -c "control socket: accept" "$ERR")
log "[hard] no fd left for 2 s: $(fd_count "$TEND_PID") fds, $((c1 - c0)) ms of CPU, $((a1 - a0)) more 'accept' lines"
((c1 - c0 < 500)) || fail "[hard] tend used $((c1 - c0)) ms of CPU in 2 s with accept failing: a busy loop"
kill -KILL "$HOLDER"
now_ms
t0=$NOW_MS
wait_exit "$WAITER" 10
now_ms
expect_eq "[hard] exit status of the tendctl status that waited" 0 "$EXIT_CODE"
log "[hard] the waiting tendctl status answered $((NOW_MS - t0)) ms after the idle clients left"
ACCEPT_LINES=$(grep -c "control socket: accept" "$ERR")

# Recovery: fewer services, so every one wanted up fits.
stop=$(ctl_json "' '.join([s['name'] for s in d['services'] if s['state'] == 'running'][:25])")
# shellcheck disable=SC2086
ctl_expect 0 stop $stop
WAIT_WHY="[hard] every service wanted up running" wait_for 10 running_is $((N - 25))
fds_at_most "$LIMIT"
log "[hard] 25 stopped: $(count_state running) running, $(fd_count "$TEND_PID") fds"
ctl_expect 0 status
shutdown_ok hard

# ---- the soft limit lowered while tend runs, then raised
conf true | write_conf "$T/soft.conf"
TEND_WRAP=("$TESTCHILD" closefds)
RUN=soft start_tend ns -c "$T/soft.conf"
WAIT_WHY="[soft] tend started" wait_for 10 tend_execd
WAIT_WHY="[soft] the control socket" wait_for 10 test -S "$TEND_SOCK"
limit_of "$TEND_PID" "Max open files"
HARD=$LIMIT_HARD
LIMIT=64
prlimit --pid "$TEND_PID" --nofile=$LIMIT: || fail "cannot lower tend's soft RLIMIT_NOFILE"
# shellcheck disable=SC2046
ctl_expect 0 start --no-wait $(seq -f 's%g' 1 $N)
WAIT_WHY="[soft] some services running, the others in backoff" wait_for 20 settled
WAIT_WHY="[soft] the running services steady" wait_for 20 steady
no_busy_loop soft
prlimit --pid "$TEND_PID" --nofile="$HARD": || fail "cannot raise tend's soft RLIMIT_NOFILE back to $HARD"
WAIT_WHY="[soft] all $N running once the limit is raised" wait_for 10 running_is $N
log "[soft] limit raised to $HARD: $N running, $(fd_count "$TEND_PID") fds"
shutdown_ok soft

# Reported once per episode (one episode of EMFILE on accept above).
((ACCEPT_LINES <= 2)) ||
	fail "[hard] $ACCEPT_LINES lines about the failed accept for one episode of EMFILE (e.g. '$(grep -m1 "control socket: accept" "$T/hard.err")'): expected it reported once"
pass
