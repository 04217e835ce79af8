#!/bin/bash
# Restart policies: on-failure restarts after exit 1 but not after exit 0;
# never restarts after neither; always restarts after exit 0 too. The
# restarting ones have restart-limit = 2, so they run exactly 3 times.
# tend as PID 1.
. "$(dirname "$0")/lib.sh"

svc() { # NAME POLICY CODE [LIMIT]
	cat <<CONF
service "$1" {
	command = "$TESTCHILD stamp $T/$1.rec --exit $3"
	restart = $2
	restart-delay = 0.1
	restart-limit = ${4:-0}
}
CONF
}
{
	svc onfail0 on-failure 0
	svc onfail1 on-failure 1 2
	svc never0 never 0
	svc never1 never 1
	svc always0 always 0 2
	cat <<CONF
service "steady" {
	command = "$TESTCHILD stamp $T/steady.rec"
}
CONF
} | write_conf "$T/tend.conf"
start_tend ns -c "$T/tend.conf"
for s in onfail0 never0 never1; do
	wait_stamps "$T/$s.rec" exit 1 10
done
for s in onfail1 always0; do
	wait_stamps "$T/$s.rec" exit 3 20
done

# runs NAME MAX: the service ran at most MAX times.
runs_at_most() {
	stamp_count "$T/$1.rec" start
	((STAMP_N <= $2))
}
# A restart of the 1-run ones would have come 0.1 s after their exit, one
# more of the others 0.4 s after their 3rd.
check_counts() {
	runs_at_most onfail0 1 && runs_at_most never0 1 && runs_at_most never1 1 &&
		runs_at_most onfail1 3 && runs_at_most always0 3
}
holds 1500 "a service ran once too often" check_counts
for s in onfail0:1 never0:1 never1:1 onfail1:3 always0:3; do
	stamp_count "$T/${s%:*}.rec" start
	expect_eq "runs of ${s%:*}" "${s#*:}" "$STAMP_N"
done
alive "$TEND_PID" || fail "tend ended while steady still runs"

term_tend 15
wait_stamps "$T/steady.rec" TERM 1 1
pass
