#!/bin/bash
# tend not PID 1 (with and without -s) is a child subreaper: a process
# whose parent exits becomes tend's child (seen in its ppid), the 200 orphans
# of `testchild orphans 200` are reaped (no zombie whose parent is tend), and
# tend keeps running until its child exits; then it stops the reparented
# process (a straggler) and exits with the child's status.
. "$(dirname "$0")/lib.sh"

for sflag in "" -s; do
	rec=$T/sub$sflag.rec
	srec=$T/sub$sflag-straggler.rec
	# The child: first a process that outlives its parent, then the
	# orphans (exec'd, so the child of tend is `testchild orphans`).
	RUN=sub$sflag tend_sub $sflag -- sh -c \
		'"$1" straggler "$2" && exec "$1" orphans 200 "$3"' \
		sh "$TESTCHILD" "$srec" "$rec"
	wait_line "$rec" "orphans 200" 60
	WAIT_WHY="straggler ready" wait_for 10 grep -qs '^ready ' "$srec"
	straggler=$(ready_pid "$srec") || fail "[$sflag] no ready line from the straggler"
	expect_eq "[$sflag] parent of the process whose parent exited (tend's pid)" \
		"$TEND_PID" "$(stat_field "$straggler" 4)"

	WAIT_WHY="zombies or extra children of tend" \
		wait_for 30 no_zombies_under "$TEND_PID" 2
	children "$TEND_PID"
	expect_eq "[$sflag] tend's children (child + reparented straggler)" \
		2 "${#KIDS[@]}"
	alive "$TEND_PID" || fail "[$sflag] tend is no longer running"

	kill -s TERM "$TEND_PID"
	wait_exit "$TEND_PID" 15
	expect_eq "[$sflag] tend's exit status (child killed by TERM)" 143 "$EXIT_CODE"
	has_line "$srec" TERM || fail "[$sflag] the straggler never got TERM from tend"
	alive "$straggler" && fail "[$sflag] the straggler $straggler still runs after tend exited"
done
pass
