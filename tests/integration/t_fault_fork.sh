#!/bin/bash
# fork failing: a failed fork is a failed start (design §10), never a busy
# loop. tend as PID 1 of a namespace with room for itself and 3 processes,
# and 5 services (restart-delay 0.2 s, up to 1 s):
# - "nproc": tend runs as a uid of its own with a soft RLIMIT_NPROC of 4;
# - "pids": tend runs as root inside a pids cgroup with pids.max = 4 (a
#   cgroup of the test's own, made before tend starts; skipped when the
#   machine has none the test can make).
# In both: 3 services run; each start of the 2 others is one line "service
# NAME: cannot start: Resource temporarily unavailable" and backoff: over a
# 3 s window a few attempts each and little CPU time, while the 3 running
# ones keep their pids. tend keeps supervising: a running service killed
# from outside is reaped and a service takes its place (3 running again, no
# zombie); `tendctl status` answers. When the limit is raised (prlimit
# --pid run as tend's uid; pids.max = max) all 5 run within a few seconds,
# and SIGTERM then stops everything: exit 0 within shutdown-timeout.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || {
	log "SKIP: needs root (a uid of its own for tend, a cgroup)"
	pass
}
for p in prlimit setpriv; do
	command -v "$p" >/dev/null || {
		log "SKIP: no $p"
		pass
	}
done

EAGAIN_TEXT="cannot start: Resource temporarily unavailable"

# running_is N: N services are running.
running_is() {
	local v
	v=$(ctl_json "sum(1 for s in d['services'] if s['state'] == 'running')") || return 1
	[ "$v" = "$1" ]
}

# running_pids: prints "name=pid ..." of the running services.
running_pids() {
	ctl_json "' '.join('%s=%s' % (s['name'], s['pid']) for s in d['services'] if s['state'] == 'running')"
}

# scenario NAME RAISE: the checks above; tend already started; RAISE is a
# function that lifts the limit.
scenario() {
	local name=$1 raise=$2 n0 n1 c0 c1 before after s p victim t0
	WAIT_WHY="[$name] 3 services running" wait_for 20 running_is 3
	WAIT_WHY="[$name] the failed starts of the 2 others" wait_for 10 \
		ctl_true "sum(1 for s in d['services'] if s['state'] == 'backoff' and s['restarts'] >= 1) == 2"
	log_has "$EAGAIN_TEXT" || fail "[$name] no '$EAGAIN_TEXT' line in tend's log"
	log "[$name] $(grep -m1 -F "$EAGAIN_TEXT" "$ERR")"

	# No busy loop: attempts and CPU time over 3 s.
	before=$(running_pids) || fail "[$name] tendctl status failed"
	n0=$(count_lines "$ERR" "$EAGAIN_TEXT")
	cpu_ms "$TEND_PID" || fail "[$name] no tend"
	c0=$CPU_MS
	same_running() { [ "$(running_pids)" = "$before" ]; }
	holds 3000 "[$name] the running services changed while the others failed to start (were: $before; now: $(running_pids))" same_running
	n1=$(count_lines "$ERR" "$EAGAIN_TEXT")
	cpu_ms "$TEND_PID"
	c1=$CPU_MS
	log "[$name] over 3 s: $((n1 - n0)) failed starts, $((c1 - c0)) ms of tend's CPU time"
	# Two services, backoff up to 1 s: about 3 attempts each.
	((n1 - n0 >= 2)) || fail "[$name] $((n1 - n0)) failed starts in 3 s: the services in backoff are not retried"
	((n1 - n0 <= 12)) || fail "[$name] $((n1 - n0)) failed starts in 3 s: expected at most 12 (backoff up to 1 s)"
	((c1 - c0 < 600)) || fail "[$name] tend used $((c1 - c0)) ms of CPU in 3 s while forks failed"

	# Still supervising: kill a running service.
	victim=${before%% *}
	s=${victim%%=*}
	p=${victim#*=}
	svc_pid "$p"
	kill -KILL "$SVC_PID"
	WAIT_WHY="[$name] $s's killed run reaped" wait_for 10 \
		ctl_true "[x for x in d['services'] if x['name'] == '$s'][0]['pid'] != $p"
	WAIT_WHY="[$name] 3 services running after a kill" wait_for 10 running_is 3
	WAIT_WHY="[$name] no zombie under tend" wait_for 5 no_zombies_under "$TEND_PID"
	now_ms
	t0=$NOW_MS
	ctl_expect 0 status
	now_ms
	((NOW_MS - t0 < 2000)) || fail "[$name] tendctl status took $((NOW_MS - t0)) ms"

	# Recovery.
	"$raise"
	WAIT_WHY="[$name] every service running once the limit is raised" wait_for 10 running_is 5
	after=$(running_pids)
	log "[$name] limit raised: $after"

	term_tend_within 5000 "[$name]"
}

conf() {
	local i
	echo "shutdown-timeout = 5"
	for i in 1 2 3 4 5; do
		cat <<CONF
service "s$i" {
	command = "$TESTCHILD stamp $1/s$i.rec"
	restart-delay = 0.2
	restart-delay-max = 1
}
CONF
	done
}

# ---- RLIMIT_NPROC, tend not root
U=$(free_uid) || fail "no free uid"
chmod 711 "$T"
D=$T/u
{ mkdir "$D" && chown "$U:$U" "$D"; } || fail "cannot make $D"
conf "$D" | write_conf "$D/tend.conf"
TEND_SOCK=$D/tend.sock
raise_nproc() {
	limit_of "$TEND_PID" "Max processes" || fail "no limits for tend"
	as_uid "$U" prlimit --pid "$TEND_PID" --nproc="$LIMIT_HARD": ||
		fail "cannot raise tend's RLIMIT_NPROC"
}
TEND_WRAP=(prlimit --nproc=4: setpriv --reuid="$U" --regid="$U" --clear-groups)
RUN=nproc start_tend ns -S "$TEND_SOCK" -c "$D/tend.conf"
WAIT_WHY="[nproc] tend started" wait_for 10 tend_execd
[ "$(status_field "$TEND_PID" Uid | cut -f1)" = "$U" ] || fail "tend does not run as uid $U"
limit_of "$TEND_PID" "Max processes"
expect_eq "tend's soft RLIMIT_NPROC" 4 "$LIMIT_SOFT"
log "[nproc] tend runs as uid $U with RLIMIT_NPROC $LIMIT_SOFT (hard $LIMIT_HARD)"
scenario nproc raise_nproc

# ---- a pids cgroup around tend's namespace, tend root
if ! cg_new pids; then
	log "SKIP the pids cgroup case: $CG_WHY"
	pass
fi
echo 4 >"$CG/pids.max" || fail "cannot set $CG/pids.max"
expect_eq "pids.max" 4 "$(cat "$CG/pids.max")"
raise_pids() {
	echo max >"$CG/pids.max" || fail "cannot raise $CG/pids.max"
}
D=$T/pids
mkdir "$D" || fail "mkdir"
conf "$D" | write_conf "$D/tend.conf"
TEND_SOCK=$D/tend.sock
# The wrapper joins the cgroup before it becomes tend: nothing of the
# namespace runs outside the limit.
# shellcheck disable=SC2016
TEND_WRAP=(/bin/sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CG")
RUN=pids start_tend ns -S "$TEND_SOCK" -c "$D/tend.conf"
WAIT_WHY="[pids] tend started" wait_for 10 tend_execd
cg_has "$CG" "$TEND_PID" || fail "tend ($TEND_PID) is not in $CG: ${CG_PROCS[*]}"
log "[pids] tend in $CG, pids.max $(cat "$CG/pids.max")"
scenario pids raise_pids
pass
