#!/bin/bash
# A service that fork-bombs inside a pids limit (tend as PID 1 of a
# namespace; `testchild forkbomb` forks without end, its children live 10
# to 110 ms and leave orphans; it refuses to start unless the limit it is
# given is in place, and the test checks the limit before starting it):
# - "pids": the whole namespace in a pids cgroup of the test's own with
#   pids.max = 50 (tend, a quiet service `calm` and the bomb share it);
# - "nproc": the bomb runs as a uid of its own with RLIMIT_NPROC 50 (tend
#   and `calm` run as root, outside that count).
# While the bomb presses on the limit for 3 s: `tendctl status` answers
# within 2 s, `calm` keeps its process, the limit holds, tend reaps the
# orphans (orphans_reaped grows). `tendctl stop bomb` ends every process of
# it within its stop-timeout, nothing is left (no zombie); a kill of calm
# is then a restart as usual. The bomb started again, SIGTERM ends tend
# with 0 within shutdown-timeout (5 s), and nothing of the namespace is
# left.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || {
	log "SKIP: needs root (a cgroup, a uid of its own)"
	pass
}

# conf BOMB_ARGS [USER]
conf() {
	local user=
	[ -n "${2-}" ] && user="user = \"$2\""
	cat <<CONF
shutdown-timeout = 5
service "calm" {
	command = "$TESTCHILD stamp $T/calm.rec"
	restart-delay = 0.2
	restart-delay-max = 1
}
service "bomb" {
	command = "$TESTCHILD forkbomb $1 --seconds 120"
	disabled = true
	stop-timeout = 1
	restart = never
	$user
}
CONF
}

# bomb_procs: sets NBOMB to the number of processes (zombies included)
# under tend but calm's.
bomb_procs() {
	local p calm
	calm=$(svc_json calm pid) || return 1
	svc_pid "$calm"
	ps_scan
	descendants "$TEND_PID"
	NBOMB=0
	for p in "${DESC[@]}"; do
		[ "$p" = "$SVC_PID" ] || NBOMB=$((NBOMB + 1))
	done
	return 0
}
no_bomb() {
	bomb_procs && ((NBOMB == 0))
}

# scenario NAME REC LIMIT_CHECK: tend started, the limit in place;
# LIMIT_CHECK (a command) succeeds while the limit holds.
scenario() {
	local name=$1 rec=$2 check=$3 calm o0 o1 t0 worst=0
	WAIT_WHY="[$name] calm running" wait_for 10 svc_is calm state running
	calm=$(svc_json calm pid)
	ctl_expect 0 start bomb
	WAIT_WHY="[$name] the bomb at its limit" wait_for 15 grep -q '^limit ' "$rec"
	o0=$(ctl_json "d['orphans_reaped']") || fail "[$name] tendctl status failed"
	pressing() {
		local t
		now_ms
		t=$NOW_MS
		ctl_expect 0 status
		now_ms
		((NOW_MS - t > worst)) && worst=$((NOW_MS - t))
		"$check" || fail "[$name] the limit does not hold"
		[ "$(svc_json calm pid)" = "$calm" ] || fail "[$name] calm lost its process"
		svc_is bomb state running || fail "[$name] the bomb is $(svc_json bomb state)"
	}
	holds 3000 "" pressing
	o1=$(ctl_json "d['orphans_reaped']")
	bomb_procs
	log "[$name] bomb for 3 s: $NBOMB processes, $((o1 - o0)) orphans reaped meanwhile, slowest tendctl status $worst ms"
	((worst < 2000)) || fail "[$name] tendctl status took $worst ms during the bomb"
	((o1 > o0)) || fail "[$name] no orphan of the bomb reaped in 3 s"

	now_ms
	t0=$NOW_MS
	ctl_expect 0 stop bomb
	now_ms
	log "[$name] tendctl stop bomb took $((NOW_MS - t0)) ms"
	((NOW_MS - t0 < 3000)) || fail "[$name] stopping the bomb took $((NOW_MS - t0)) ms (stop-timeout 1 s)"
	WAIT_WHY="[$name] nothing of the bomb left" wait_for 5 no_bomb
	WAIT_WHY="[$name] no zombie under tend" wait_for 5 no_zombies_under "$TEND_PID"

	# Recovery: tend forks again.
	svc_pid "$calm"
	kill -KILL "$SVC_PID"
	WAIT_WHY="[$name] calm restarted" wait_for 10 \
		ctl_true "[s for s in d['services'] if s['name'] == 'calm'][0]['pid'] not in (None, $calm) and [s for s in d['services'] if s['name'] == 'calm'][0]['state'] == 'running'"

	# Shutdown during a bomb.
	ctl_expect 0 start bomb
	WAIT_WHY="[$name] the bomb at its limit again" wait_for 15 has_stamps "$rec" limit 2
	term_tend_within 5000 "[$name]" "during the bomb"
}

# ---- a pids cgroup around the namespace
if cg_new pids; then
	echo 50 >"$CG/pids.max" || fail "cannot set $CG/pids.max"
	expect_eq "pids.max" 50 "$(cat "$CG/pids.max")"
	conf "$T/bomb.rec --cgroup $CG" | write_conf "$T/pids.conf"
	# shellcheck disable=SC2016
	TEND_WRAP=(/bin/sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CG")
	RUN=pids start_tend ns -c "$T/pids.conf"
	WAIT_WHY="[pids] tend started" wait_for 10 tend_execd
	cg_has "$CG" "$TEND_PID" || fail "tend ($TEND_PID) is not in $CG: ${CG_PROCS[*]}"
	expect_eq "pids.max with tend in the cgroup" 50 "$(cat "$CG/pids.max")"
	within_pids() {
		local c
		c=$(cat "$CG/pids.current") || return 1
		((c <= 50))
	}
	scenario pids "$T/bomb.rec" within_pids
	cg_empty() { [ "$(cat "$CG/pids.current")" = 0 ]; }
	WAIT_WHY="the cgroup empty" wait_for 5 cg_empty
	log "[pids] events: $(cat "$CG/pids.events" 2>/dev/null)"
else
	log "SKIP the pids cgroup case: $CG_WHY"
fi

# ---- RLIMIT_NPROC for the bomb's uid
command -v prlimit >/dev/null || {
	log "SKIP the RLIMIT_NPROC case: no prlimit"
	pass
}
U=$(free_uid) || fail "no free uid"
chmod 711 "$T"
D=$T/u
{ mkdir "$D" && chown "$U:$U" "$D"; } || fail "cannot make $D"
conf "$D/bomb.rec --nproc" "$U" | write_conf "$T/nproc.conf"
TEND_WRAP=(prlimit --nproc=50:)
RUN=nproc start_tend ns -c "$T/nproc.conf"
WAIT_WHY="[nproc] tend started" wait_for 10 tend_execd
limit_of "$TEND_PID" "Max processes"
expect_eq "tend's soft RLIMIT_NPROC (its children's)" 50 "$LIMIT_SOFT"
# uid_procs: the processes of uid U on the machine: at most 50.
within_nproc() {
	local n=0 f k v
	for f in /proc/[0-9]*/status; do
		{
			while read -r k v _; do
				if [ "$k" = Uid: ]; then
					[ "$v" = "$U" ] && n=$((n + 1))
					break
				fi
			done <"$f"
		} 2>/dev/null
	done
	((n <= 50))
}
scenario nproc "$D/bomb.rec" within_nproc
pass
