#!/bin/bash
# A service stuck in uninterruptible sleep at shutdown (SPEC §3: tend exits
# 1 s after the final SIGKILL when a process cannot be reaped, and says
# which). The service `stuck` is put in a frozen cgroup of the test's own
# (cgroup v1's freezer: a frozen task sleeps in state D and SIGKILL does
# not end it until it is thawed; the test checks that first, and skips
# where the freezer lets SIGKILL through, as cgroup v2's does).
# shutdown-timeout 2, stuck's stop-timeout 0.5; a second service `calm`
# stops as usual. After SIGTERM:
# - subreaper: tend exits 0 about 3 s after SIGTERM (the deadline's
#   SIGKILL at 2 s, then 1 s), its log naming stuck's pid in state D;
# - PID 1 of a namespace: the same lines at the same time, and tend is
#   done (its files closed); the kernel keeps PID 1 of a namespace until
#   every process of it is gone, so its exit status shows only once the
#   test thaws the cgroup: 0.
# The frozen process is thawed and killed afterwards.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || {
	log "SKIP: needs root (a cgroup)"
	pass
}
if ! cg_new freezer; then
	log "SKIP: $CG_WHY"
	pass
fi

# Does a frozen task survive SIGKILL here?
bg "$TESTCHILD" sleep
probe=$BG_PID
cg_join "$CG" "$probe" || fail "cannot move a process into $CG"
cg_freeze "$CG"
WAIT_WHY="the probe frozen" wait_for 5 cg_frozen "$CG"
kill -KILL "$probe"
holds 300 "" true
if ! alive "$probe"; then
	wait "$probe" 2>/dev/null
	log "SKIP: a frozen task dies of SIGKILL here ($CG): nothing can be made to sleep uninterruptibly"
	pass
fi
log "a frozen task survives SIGKILL in $CG (state $(stat_field "$probe" 3))"
cg_thaw "$CG"
wait_exit "$probe" 5

write_conf "$T/tend.conf" <<CONF
shutdown-timeout = 2
service "stuck" {
	command = "$TESTCHILD stamp $T/stuck.rec"
	stop-timeout = 0.5
}
service "calm" {
	command = "$TESTCHILD stamp $T/calm.rec"
}
CONF

for mode in sub ns; do
	rm -f "$T/stuck.rec" "$T/calm.rec"
	RUN=$mode start_tend $mode -c "$T/tend.conf"
	WAIT_WHY="[$mode] stuck running" wait_for 10 svc_is stuck state running
	WAIT_WHY="[$mode] calm running" wait_for 10 svc_is calm state running
	nspid=$(svc_json stuck pid)
	svc_pid "$nspid"
	stuck=$SVC_PID
	cg_join "$CG" "$stuck" || fail "[$mode] cannot move stuck ($stuck) into $CG"
	cg_freeze "$CG"
	WAIT_WHY="[$mode] stuck frozen" wait_for 5 cg_frozen "$CG"
	expect_eq "[$mode] stuck's state" D "$(stat_field "$stuck" 3)"

	now_ms
	t0=$NOW_MS
	kill -TERM "$TEND_PID"
	if [ "$mode" = sub ]; then
		wait_exit "$JOB_PID" 15
		now_ms
		t1=$NOW_MS
		expect_eq "[$mode] tend's exit status" 0 "$EXIT_CODE"
	else
		tend_done() {
			log_has "exiting with processes that cannot be reaped" &&
				[ -z "$(fd_list "$TEND_PID")" ]
		}
		WAIT_WHY="[$mode] tend done, its files closed" wait_for 15 tend_done
		now_ms
		t1=$NOW_MS
	fi
	mtime_ms "$ERR"
	elapsed=$((MTIME_MS - t0))
	log "[$mode] tend's last line $elapsed ms after SIGTERM (seen done after $((t1 - t0)) ms)"
	((elapsed >= 2800)) ||
		fail "[$mode] tend finished $elapsed ms after SIGTERM: expected shutdown-timeout (2 s) + 1 s"
	((t1 - t0 < 4500)) ||
		fail "[$mode] tend finished $((t1 - t0)) ms after SIGTERM: expected shutdown-timeout (2 s) + 1 s"
	line=$(grep -m1 'still there' "$ERR") ||
		fail "[$mode] tend did not name the process it could not reap"
	log "[$mode] $line"
	[[ $line == *"process $nspid "*"state D"* ]] ||
		fail "[$mode] '$line' does not name stuck (pid $nspid) in state D"
	n=$(grep -c 'still there' "$ERR")
	expect_eq "[$mode] processes named as not reaped" 1 "$n"
	grep -q '^TERM ' "$T/calm.rec" || fail "[$mode] calm got no SIGTERM"
	stamp_count "$T/calm.rec" exit
	expect_eq "[$mode] calm's exits" 1 "$STAMP_N"
	alive "$stuck" || fail "[$mode] the frozen process is gone: nothing was stuck"

	cg_thaw "$CG"
	wait_gone "$stuck" 10
	if [ "$mode" = ns ]; then
		wait_exit "$JOB_PID" 10
		expect_eq "[$mode] tend's exit status once the namespace is empty" 0 "$EXIT_CODE"
	fi
done
pass
