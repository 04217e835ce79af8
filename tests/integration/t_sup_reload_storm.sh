#!/bin/bash
# 200 reloads in a row, alternating between two files that add, remove and
# change services (and the dependency between two of them), sent while the
# services are still stopping and starting from the previous ones: tend
# survives, converges to exactly the processes of the last file (one per
# service, with its command line), and exits 0 on SIGTERM. Under ASan this
# is the reload path's memory check. tend as PID 1.
. "$(dirname "$0")/lib.sh"

N=200
conf=$T/tend.conf
v1() {
	cat <<CONF
service "a" { command = "$TESTCHILD stamp $T/a.rec" }
service "x" { command = "$TESTCHILD stamp $T/x.rec --tag one --term-delay 50" }
service "y" {
	command = "$TESTCHILD stamp $T/y.rec --term-delay 30"
	depends = {"x"}
}
CONF
}
v2() {
	cat <<CONF
service "a" { command = "$TESTCHILD stamp $T/a.rec" }
service "x" {
	command = "$TESTCHILD stamp $T/x.rec --tag two"
	restart-delay = 0
}
service "z" {
	type = oneshot
	command = "$TESTCHILD stamp $T/z.rec --exit 0"
}
CONF
}
v1 | write_conf "$conf"
start_tend ns -c "$conf"
wait_stamps "$T/y.rec" start 1 15
stamp_at "$T/a.rec" start
svc_pid "$STAMP_PID"
a_pid=$SVC_PID

for ((i = 1; i <= N; i++)); do
	if ((i % 2)); then v2; else v1; fi | write_conf "$conf"
	kill -s HUP "$TEND_PID"
	# 0 to 40 ms between two reloads.
	read -r -t "0.0$((RANDOM % 5))" _ <>"$T/.tick"
done
alive "$TEND_PID" || fail "tend died during the reloads"

# The last file is v1 (N is even): a, x with --tag one, y; no z.
converged() {
	local p c a=0 x=0 y=0 other=0
	ps_scan
	descendants "$TEND_PID"
	for p in "${DESC[@]}"; do
		[ "${PS_STATE[$p]}" = Z ] && return 1
		c=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
		case $c in
		*"$T/a.rec "*) a=$((a + 1)) ;;
		*"$T/x.rec --tag one "*) x=$((x + 1)) ;;
		*"$T/y.rec "*) y=$((y + 1)) ;;
		*) other=$((other + 1)) ;;
		esac
	done
	CONVERGED="a=$a x(one)=$x y=$y other=$other"
	((a == 1 && x == 1 && y == 1 && other == 0))
}
WAIT_WHY="one process each of a, x (--tag one) and y, nothing else" wait_for 20 converged
log "after $N reloads: $CONVERGED; $(grep -c '^tend: reloaded' "$ERR") reloads logged"
alive "$a_pid" || fail "a (unchanged in every file) lost its first process"
stamp_count "$T/a.rec" start
expect_eq "runs of a (unchanged in every file)" 1 "$STAMP_N"

term_tend 20
pass
